#!/usr/bin/env bash
# Checks that a change meant to keep behaviour does: runs two ballast
# binaries (a build of the base revision and the working tree's) over every
# Dockerfile of the real-project corpus and compares their output byte for
# byte: lint, check and context as JSON, fix --diff (safe, unsafe,
# restructure), lint of each project directory, and rebuild predictions for
# a few changed files per project (Dockerfiles, Python files, a
# requirements file). Prints each difference and the counts; exits 1 when
# anything differs. Every run is listed in $TMPDIR/ballast-same-output/runs.txt.
#
#   scripts/same-output.sh [BASE_REV]     (default: HEAD)
#
# The base revision is built in a worktree with its own target directory
# (a full release build the first time). BALLAST_CORPUS names the corpus
# (default: ../shared/corpus beside the repository).
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
base="${1:-HEAD}"
corpus="${BALLAST_CORPUS:-$root/../shared/corpus}/real-projects"
work="${TMPDIR:-/tmp}/ballast-same-output"
mkdir -p "$work"

rm -rf "$work/base" && git worktree prune
git worktree add -q --detach "$work/base" "$base"
trap 'git worktree remove --force "$work/base"' EXIT
CARGO_TARGET_DIR="$work/base-target" cargo build -q --release -p ballast --manifest-path "$work/base/Cargo.toml"
cargo build -q --release -p ballast
old="$work/base-target/release/ballast"
new="$root/target/release/ballast"

rm -rf "$work/projects" "$work/runs.txt" && mkdir -p "$work/projects"
runs=0
diffs=0
# Runs `ballast ARGS...` in directory $1 with both binaries; compares
# standard output, standard error and the exit code.
same() {
  local dir="$1"
  shift
  (cd "$dir" && "$old" "$@" >"$work/old.out" 2>"$work/old.err"; echo $? >"$work/old.rc") || true
  (cd "$dir" && "$new" "$@" >"$work/new.out" 2>"$work/new.err"; echo $? >"$work/new.rc") || true
  runs=$((runs + 1))
  echo "$(basename "$dir"): ballast $*" >>"$work/runs.txt"
  for f in out err rc; do
    if ! cmp -s "$work/old.$f" "$work/new.$f"; then
      diffs=$((diffs + 1))
      echo "differs ($f): $(basename "$dir"): ballast $*"
      return
    fi
  done
}

for project_dir in "$corpus"/*__*/; do
  project=$(basename "$project_dir")
  dest="$work/projects/$project"
  "$corpus/materialize.sh" "$project_dir" "$dest" >/dev/null 2>&1
  # The first few of each kind (awk reads all its input: `head` would end
  # the pipeline early, and pipefail would then skip the next kinds).
  mapfile -t changed < <(cd "$dest" && {
    find . -type f \( -iname '*dockerfile*' -o -iname '*containerfile*' \) | sort | awk 'NR <= 4'
    find . -type f -name '*.py' | sort | awk 'NR <= 2'
    find . -type f -name 'requirements*.txt' | sort | awk 'NR <= 1'
  } | sed 's|^\./||')
  same "$dest" lint --format json .
  dockerfiles=$(awk -F'\t' -v p="$project" '$1 == p {print $5}' "$corpus/SOURCES.tsv" | tr ',' ' ')
  for df in $dockerfiles; do
    [ -f "$dest/$df" ] || continue
    for cmd in lint check context; do
      same "$dest" "$cmd" --format json -f "$df" .
    done
    same "$dest" fix --diff "$df"
    same "$dest" fix --diff --unsafe-fixes "$df"
    same "$dest" fix --diff --restructure "$df"
    for f in "${changed[@]}"; do
      same "$dest" rebuild --format json -f "$df" --changed "$f" .
    done
  done
done
echo "$runs runs, $diffs with a different output (base $base vs the working tree)"
[ "$diffs" -eq 0 ]
