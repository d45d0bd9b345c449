#!/usr/bin/env bash
# `ballast bench` on the bundled example, for the README's table: a
# throwaway dockerd with local python:3.11 bases (there is no registry to
# pull them from), wheels downloaded on the host and served to the builds,
# the example as shipped against ballast's restructured version.
#
#   bench/example.sh [light|full] [ladder]
#
# ladder: `ballast bench --ladder`, the lesson's rungs generated from the
#   example (slim base, multi-stage, CPU torch, .dockerignore + non-root),
#   each measured beside the image model's prediction.
# light (default): the example with its requirements cut to the web stack
#   (fastapi, uvicorn); the application answers without the embedding model.
# full: the example's own requirements (torch with its CUDA wheels,
#   transformers, chromadb, jupyter...): several GB of wheels and images.
set -euo pipefail
cd "$(dirname "$0")/.."
set_="${1:-light}"
mode="${2:-}"
R=bench/results/example
mkdir -p "$R"
# PROFILE=debug reuses the test build (the figures are the engine's).
profile="${PROFILE:-release}"
if [ "$profile" = release ]; then cargo build --release -q -p ballast -p ballast_testkit; else cargo build -q -p ballast -p ballast_testkit; fi
W="$R/wheels-$set_"
if [ ! -f "$W/.done" ]; then
  rm -rf "$W"
  if [ -z "${PY:-}" ]; then
    [ -x bench/results/venv/bin/pip ] || python3 -m venv bench/results/venv
    PY=bench/results/venv/bin/python
  fi
  if [ "$set_" = full ]; then reqs=(-r examples/rag-service/requirements.txt); else reqs=(fastapi==0.115.5 uvicorn==0.32.1); fi
  "$PY" -m pip download -q --dest "$W" --only-binary=:all: --python-version 3.11 --implementation cp \
    --platform manylinux2014_x86_64 --platform manylinux_2_17_x86_64 --platform manylinux_2_28_x86_64 --platform any "${reqs[@]}"
  # pip evaluates markers with the interpreter it runs on, not the one it
  # downloads for: the stand-in bases run Debian bookworm's Python 3.11.2,
  # where redis also needs async-timeout (`python_full_version < "3.11.3"`).
  if [ "$set_" = full ]; then
    "$PY" -m pip download -q --dest "$W" --only-binary=:all: --python-version 3.11 --implementation cp \
      --platform any 'async-timeout>=4.0.3'
  fi
  touch "$W/.done"
fi
work=$(mktemp -d)
trap 'exec 3>&- 2>/dev/null || true; wait 2>/dev/null || true; rm -rf "$work"' EXIT
cp -r examples/rag-service "$work/rag-service"
# The restructure refuses to carry the baked token (ENV HF_TOKEN) into a new
# stage; the bench drops it first, as the refusal says.
sed -i '/^ENV HF_TOKEN=/d' "$work/rag-service/Dockerfile"
[ "$set_" = full ] || printf 'fastapi==0.115.5\nuvicorn==0.32.1\n' > "$work/rag-service/requirements.txt"
mkfifo "$work/ctl"
"target/$profile/ballast-dockerd" --wheels "$W" < "$work/ctl" > "$work/env" &
exec 3> "$work/ctl"
until grep -q DOCKER_CONFIG "$work/env" 2>/dev/null; do sleep 0.5; done
set -a; . "$work/env"; set +a
echo "machine: $(nproc) cores, $(free -g | awk '/Mem:/{print $2}') GB RAM, $(. /etc/os-release; echo "$PRETTY_NAME"), $(/usr/bin/docker version --format 'Docker {{.Server.Version}}')"
if [ "$mode" = ladder ]; then
  PATH=/usr/bin:$PATH "target/$profile/ballast" bench --ladder "$work/rag-service" --format markdown | tee "$R/ladder-$set_.md"
else
  PATH=/usr/bin:$PATH "target/$profile/ballast" bench "$work/rag-service" --format markdown | tee "$R/table-$set_.md"
fi
