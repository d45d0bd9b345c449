#!/usr/bin/env bash
# The multi-GB ML image the inspect and slim benchmarks read, built from real
# wheels (torch from PyPI, which brings the CUDA nvidia-* wheels, and a
# typical RAG stack) without an engine: a base, the pip cache left behind by
# one layer and deleted by a later one (3.5 GB of waste), the installed
# site-packages. Written once to bench/results/inspect/ as an uncompressed
# docker-archive (what dive reads) and a gzip OCI archive.
#
#   bench/ml-image.sh     (downloads ~3.5 GB of wheels once)
set -euo pipefail
cd "$(dirname "$0")/.."
R=bench/results/inspect
mkdir -p "$R"
cargo build --release -q -p ballast_testkit

# 1. Real wheels: CUDA torch from PyPI and a typical RAG stack.
if [ ! -f "$R/wheels/.done" ]; then
  rm -rf "$R/wheels"
  pip download -q --dest "$R/wheels" --only-binary=:all: --python-version 3.11 \
    --platform manylinux2014_x86_64 --platform manylinux_2_28_x86_64 --platform manylinux_2_17_x86_64 \
    torch==2.5.1 transformers==4.46.3 safetensors numpy==1.26.4 tokenizers
  touch "$R/wheels/.done"
fi

# 2. Install them into a site-packages (offline, no dependency resolution).
if [ ! -f "$R/site/.done" ]; then
  rm -rf "$R/site"
  pip install -q --no-deps --no-index --no-compile --target "$R/site" "$R"/wheels/*.whl
  touch "$R/site/.done"
fi

# 3. The image: a base, the pip cache left behind then deleted (waste),
#    the site-packages. Uncompressed docker-archive (what dive reads) and a
#    gzip OCI archive.
if [ -f "$R/ml.docker-archive.tar" ] && [ -f "$R/ml.oci-archive.tar" ]; then
  exit 0
fi
mkdir -p "$R/base/usr/bin" "$R/cache/root/.cache/pip"
head -c 50000000 /dev/urandom > "$R/base/usr/bin/python3.11"
rm -rf "$R/cache/root/.cache/pip/wheels" && cp -r "$R/wheels" "$R/cache/root/.cache/pip/wheels"
for fmt in docker-archive oci-archive; do
  out="$R/ml.$fmt.tar"
  [ -f "$out" ] && continue
  comp=none; [ "$fmt" = oci-archive ] && comp=gzip
  target/release/ballast-mkimage "$out" --format "$fmt" --compression "$comp" \
    --layer "ADD rootfs=$R/base" \
    --layer "RUN pip download=$R/cache" \
    --layer "RUN pip install=$R/site:usr/local/lib/python3.11/site-packages" \
    --delete "RUN rm -rf /root/.cache/pip=root/.cache/pip"
done
# The copy of the wheels the image's cache layer was made from.
rm -rf "$R/cache"
