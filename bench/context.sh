#!/usr/bin/env bash
# Context walk benchmark: a generated context of 100,000 files (with a .git,
# a virtualenv and a .dockerignore), `ballast context` against `tar -c` of
# the same directory, in the same run.
#
#   bench/context.sh [FILES]
#
# `tar -cf /dev/null` is GNU tar's fast path (it does not read file data when
# the archive is /dev/null); `tar -c | cat` reads everything, as a build does.
set -euo pipefail
cd "$(dirname "$0")/.."
n="${1:-100000}"
R=bench/results/context
mkdir -p "$R"
cargo build --release -q -p ballast
ctx="$R/ctx-$n"
if [ ! -f "$ctx/.done" ]; then
  rm -rf "$ctx"
  python3 - "$ctx" "$n" <<'PY'
import os, sys, random
root, n = sys.argv[1], int(sys.argv[2])
random.seed(1)
dirs = ["app", "app/api", "app/models", ".git/objects", ".venv/lib/python3.11/site-packages", "data/raw", "tests", "notebooks"]
for i in range(n):
    d = os.path.join(root, random.choice(dirs), f"d{i % 997}")
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, f"f{i}.py"), "wb") as f:
        f.write(b"x" * random.randint(0, 2048))
open(os.path.join(root, "Dockerfile"), "w").write("FROM python:3.11-slim\nCOPY app/ /app/\nCOPY . /all\n")
open(os.path.join(root, ".dockerignore"), "w").write(".git\n.venv\n**/__pycache__\ndata/raw\n!data/raw/d1\n")
open(os.path.join(root, ".done"), "w").write("")
PY
fi
echo "context: $(find "$ctx" -type f | wc -l) files, $(du -sh "$ctx" | cut -f1); $(nproc) cores"
find "$ctx" -type f > /dev/null  # warm the inode cache
M=bench/measure.py
best() {
  local label=$1; shift
  local r=() i
  for i in 1 2 3; do r+=("$($M "$label" -- "$@")"); done
  python3 -c 'import json,sys; r=[json.loads(x) for x in sys.argv[1:]]; print(json.dumps(min(r, key=lambda x: x["seconds"])))' "${r[@]}"
}
{
  best "ballast context --format json" target/release/ballast context --format json "$ctx"
  best "tar -cf /dev/null (stat only)" tar -cf /dev/null -C "$ctx" .
  best "tar -c | cat > /dev/null (reads data)" sh -c "tar -c -C '$ctx' . | cat > /dev/null"
} | tee "$R/results.jsonl"
python3 - "$R/results.jsonl" <<'PY'
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1])]
b = rows[0]["seconds"]
for r in rows:
    print(f"{r['label']:42s} {r['seconds']:7.3f} s   ballast is {r['seconds'] / b:5.1f}x faster")
PY
