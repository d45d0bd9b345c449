#!/usr/bin/env bash
# Checks that a change meant to keep behaviour does: runs two ballast
# binaries (a build of the base revision and the working tree's) and
# compares their output byte for byte (standard output, standard error, the
# exit code). Prints each difference and the counts; exits 1 when anything
# differs. Every run is listed in $TMPDIR/ballast-same-output/runs.txt.
#
#   scripts/same-output.sh [BASE_REV [IMAGE...]]     (default: HEAD)
#
# The corpus leg, over every Dockerfile of the real-project corpus: lint,
# check and context as JSON, fix --diff (safe, unsafe, restructure), lint
# of each project directory, and rebuild predictions for a few changed files
# per project (Dockerfiles, Python files, a requirements file).
#
# The image leg, over two images built here from this machine's files
# (its dpkg database, /etc, Python and documentation trees, under a layer of
# ML files: a venv with torch, CUDA libraries, a Hugging Face cache, caches,
# tests and headers; the second adds a layer that overwrites and deletes)
# and every IMAGE given (an archive or layout path): inspect as JSON and
# markdown, both SBOM formats, a diff against the image before it, and for
# images under 2 GB slim with its defaults and with every drop class (the
# summary and a hash of each file written).
#
# The base revision is built in a worktree with its own target directory
# (a full release build the first time). BALLAST_CORPUS names the corpus
# (default: ../shared/corpus beside the repository); SAME_OUTPUT_CORPUS=0
# skips the corpus leg, SAME_OUTPUT_IMAGES=0 the image leg.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
base="${1:-HEAD}"
extra_images=("${@:2}")
corpus="${BALLAST_CORPUS:-$root/../shared/corpus}/real-projects"
work="${TMPDIR:-/tmp}/ballast-same-output"
mkdir -p "$work"

rm -rf "$work/base" && git worktree prune
git worktree add -q --detach "$work/base" "$base"
trap 'git worktree remove --force "$work/base"' EXIT
CARGO_TARGET_DIR="$work/base-target" cargo build -q --release -p ballast --manifest-path "$work/base/Cargo.toml"
cargo build -q --release -p ballast -p ballast_testkit --bin ballast --bin ballast-mkimage
old="$work/base-target/release/ballast"
new="$root/target/release/ballast"

rm -rf "$work/projects" "$work/runs.txt" && mkdir -p "$work/projects"
runs=0
diffs=0
# Runs `ballast ARGS...` with binary $2 in directory $3, to $work/$1.*.
run() {
  local side="$1" bin="$2" dir="$3"
  shift 3
  (cd "$dir" && "$bin" "$@" >"$work/$side.out" 2>"$work/$side.err"; echo $? >"$work/$side.rc") || true
}
# Counts a run named $1 and compares the two sides' output and exit code.
compare() {
  runs=$((runs + 1))
  echo "$1" >>"$work/runs.txt"
  for f in out err rc; do
    if ! cmp -s "$work/old.$f" "$work/new.$f"; then
      diffs=$((diffs + 1))
      echo "differs ($f): $1"
      return
    fi
  done
}
# Runs `ballast ARGS...` in directory $1 with both binaries.
same() {
  local dir="$1"
  shift
  run old "$old" "$dir" "$@"
  run new "$new" "$dir" "$@"
  compare "$(basename "$dir"): ballast $*"
}
# Slims image $1 with both binaries (ARGS... added), each into a directory
# of its own; compares the summaries and a hash of every file written.
same_slim() {
  local image="$1" side bin dir
  shift
  for side in old new; do
    bin="$old"
    if [ "$side" = new ]; then bin="$new"; fi
    dir="$work/slim-$side" && rm -rf "$dir" && mkdir -p "$dir"
    run "$side" "$bin" "$dir" slim --format json -o out "$@" "$image"
    if [ -e "$dir/out" ]; then
      (cd "$dir/out" && find . -type f | sort | xargs -r sha256sum) >>"$work/$side.out"
    fi
  done
  compare "$(basename "$image"): ballast slim $*"
  rm -rf "$work/slim-old" "$work/slim-new"
}

corpus_leg() {
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
}

# Writes a file of $2 bytes at $1 (its name repeated: files of one name and
# size are equal, as a library copied twice is), making its directory.
fixture_file() {
  mkdir -p "$(dirname "$1")"
  # (yes would die of the closed pipe, and pipefail would stop the script.)
  head -c "$2" < <(yes "${1##*/}") >"$1"
}

# The two fixture images of the image leg, in $work/images.
fixture_images() {
  local ml="$work/images/ml" over="$work/images/over" sp
  rm -rf "$work/images" && mkdir -p "$ml" "$over"
  sp="$ml/opt/venv/lib/python3.11/site-packages"
  mkdir -p "$sp"
  echo "home = /usr/bin" >"$ml/opt/venv/pyvenv.cfg"
  fixture_file "$sp/torch/__init__.py" 4000
  fixture_file "$sp/torch/lib/libtorch_cuda.so" 900000
  fixture_file "$sp/torch/lib/libkineto.a" 300000
  fixture_file "$sp/torch/include/ATen/ATen.h" 20000
  mkdir -p "$sp/torch-2.5.1.dist-info"
  printf 'Metadata-Version: 2.1\nName: torch\nVersion: 2.5.1\n' >"$sp/torch-2.5.1.dist-info/METADATA"
  printf 'torch/__init__.py,,4000\ntorch/lib/libtorch_cuda.so,,900000\n' >"$sp/torch-2.5.1.dist-info/RECORD"
  fixture_file "$sp/pandas/tests/frame/test_api.py" 12000
  fixture_file "$sp/pandas/__pycache__/core.cpython-311.pyc" 8000
  fixture_file "$sp/nvidia/cublas/lib/libcublas.so.12" 700000
  fixture_file "$sp/triton/backends/nvidia/include/cuda.h" 5000
  fixture_file "$ml/usr/local/cuda/lib64/libcublas.so.12" 700000
  fixture_file "$ml/usr/local/cuda/include/cuda_runtime.h" 3000
  fixture_file "$ml/root/.cache/pip/http/a/b" 150000
  fixture_file "$ml/opt/conda/conda-meta/numpy-1.26.4-py311h64a7726_0.json" 300
  local hub="$ml/root/.cache/huggingface/hub/models--org--tiny-model"
  fixture_file "$hub/blobs/aaa" 400000
  fixture_file "$hub/blobs/unreferenced" 50000
  mkdir -p "$hub/snapshots/r1" "$hub/snapshots/r2"
  ln -s ../../blobs/aaa "$hub/snapshots/r1/model.safetensors"
  ln -s ../../blobs/aaa "$hub/snapshots/r2/model.safetensors"
  fixture_file "$ml/models/w.pt" 250000
  fixture_file "$ml/app/.git/objects/pack/p.pack" 60000
  fixture_file "$ml/app/main.py" 500
  fixture_file "$over/models/w.pt" 260000
  local layers=(--compression none
    --layer "etc=/etc:/etc" --layer "dpkg=/var/lib/dpkg:/var/lib/dpkg"
    --layer "python=/usr/lib/python3:/usr/lib/python3"
    --layer "doc=/usr/share/doc:/usr/share/doc" --layer "ml=$ml")
  "$mkimage" "$work/images/machine.tar" "${layers[@]}" >/dev/null
  "$mkimage" "$work/images/machine-changed.tar" "${layers[@]}" \
    --layer "over=$over" --delete "clean=root/.cache/pip,usr/share/doc" >/dev/null
}

image_leg() {
  local images=() image previous=""
  fixture_images
  images=("$work/images/machine.tar" "$work/images/machine-changed.tar" "${extra_images[@]}")
  export SOURCE_DATE_EPOCH=0
  for image in "${images[@]}"; do
    same "$work" inspect --format json "$image"
    same "$work" inspect --format markdown "$image"
    same "$work" sbom --format cyclonedx-json "$image"
    same "$work" sbom --format spdx-json "$image"
    if [ -n "$previous" ]; then same "$work" diff --format json "$previous" "$image"; fi
    if [ "$(du -sb "$image" | cut -f1)" -lt 2000000000 ]; then
      same_slim "$image"
      same_slim "$image" --drop pip-cache,uv-cache,conda-pkgs,apt-lists,apt-archives,pycache,hf-cache,docs,static-libs,headers,tests,git
    fi
    previous="$image"
  done
}

mkimage="$root/target/release/ballast-mkimage"
[ "${SAME_OUTPUT_CORPUS:-1}" = 0 ] || corpus_leg
[ "${SAME_OUTPUT_IMAGES:-1}" = 0 ] || image_leg
echo "$runs runs, $diffs with a different output (base $base vs the working tree)"
[ "$diffs" -eq 0 ]
