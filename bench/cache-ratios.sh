#!/usr/bin/env bash
# What a package cache adds to a layer, measured on real installs (issue 15):
# the same requirements installed into a fresh virtualenv by pip and by uv,
# each with its cache on the same filesystem as the environment (as in a
# RUN without a cache mount), and the bytes the cache adds beyond the
# environment, counting a hard-linked file once (as a layer's tar stores it).
# Prints a markdown table; the figures feed docs/lint.md ("How ballast sizes
# an image") and the tool's cache model in ballast_linter.
#
#   bench/cache-ratios.sh [REQUIREMENT...]    default: a web and data stack
set -euo pipefail
cd "$(dirname "$0")/.."
reqs=("$@")
[ ${#reqs[@]} -gt 0 ] || reqs=(fastapi==0.115.5 uvicorn==0.32.1 numpy==1.26.4 pandas==2.2.3 scikit-learn==1.5.2)
. bench/measure-venv.sh
work="$(mktemp -d)"
trap 'exec 3>&- 2>/dev/null || true; wait 2>/dev/null || true; rm -rf "$work"' EXIT
bytes() { du -sb "$@" | awk '{s+=$1} END {print s}'; }

# The wheels, downloaded once and served as PyPI serves them (its caching
# headers: the index this machine reaches forbids caching, so pip would
# keep nothing).
"$V/bin/pip" download -q --only-binary=:all: --no-cache-dir -d "$work/wheels" "${reqs[@]}"
wheels=$(bytes "$work/wheels")
cargo build -q -p ballast_testkit --bin ballast-wheels
mkfifo "$work/ctl"
target/debug/ballast-wheels "$work/wheels" < "$work/ctl" > "$work/url" &
exec 3> "$work/ctl"
until [ -s "$work/url" ]; do sleep 0.2; done
url=$(cat "$work/url")

python3 -m venv "$work/pip-env"
"$work/pip-env/bin/pip" install -q --no-compile --cache-dir "$work/pip-cache" \
  --no-index --find-links "$url" --trusted-host 127.0.0.1 "${reqs[@]}"
pip_env=$(bytes "$work/pip-env")
# du counts an inode once per invocation: the cache's bytes beyond the env.
pip_extra=$(( $(du -sb "$work/pip-env" "$work/pip-cache" | awk '{s+=$1} END {print s}') - pip_env ))

"$V/bin/uv" venv -q "$work/uv-env"
UV_CACHE_DIR="$work/uv-cache" "$V/bin/uv" pip install -q --python "$work/uv-env/bin/python" \
  --no-index --find-links "$url" "${reqs[@]}"
uv_env=$(bytes "$work/uv-env")
uv_extra=$(( $(du -sb "$work/uv-env" "$work/uv-cache" | awk '{s+=$1} END {print s}') - uv_env ))
uv_alone=$(bytes "$work/uv-cache")

# UV_LINK_MODE=copy (what uv's Docker guide sets beside a cache mount): the
# environment holds copies, and a cache left in the layer is all extra.
"$V/bin/uv" venv -q "$work/uvc-env"
UV_LINK_MODE=copy UV_CACHE_DIR="$work/uvc-cache" "$V/bin/uv" pip install -q \
  --python "$work/uvc-env/bin/python" --no-index --find-links "$url" "${reqs[@]}"
uvc_env=$(bytes "$work/uvc-env")
uvc_extra=$(( $(du -sb "$work/uvc-env" "$work/uvc-cache" | awk '{s+=$1} END {print s}') - uvc_env ))

# poetry: its artifact cache keeps the wheels it downloaded, beside its
# repository metadata; poetry reads a PEP 503 index, made here from the
# same wheels (one directory per project, served by python's http.server).
python3 -m venv "$work/poetry-tool"
"$work/poetry-tool/bin/pip" install -q poetry
python3 - "$work" <<'PY'
import os, re, sys
work = sys.argv[1]
for w in os.listdir(f"{work}/wheels"):
    d = os.path.join(work, "simple", re.sub(r"[-_.]+", "-", w.split("-")[0]).lower())
    os.makedirs(d, exist_ok=True)
    os.symlink(os.path.join(work, "wheels", w), os.path.join(d, w))
PY
port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
(cd "$work/simple" && exec python3 -m http.server "$port" --bind 127.0.0.1 >/dev/null 2>&1) &
index_pid=$!
until curl -sf "http://127.0.0.1:$port/" >/dev/null; do sleep 0.2; done
mkdir "$work/poetry-project"
{
  printf '[tool.poetry]\npackage-mode = false\n\n[tool.poetry.dependencies]\npython = "~%s"\n' "$(python3 -c 'import sys; print("%d.%d" % sys.version_info[:2])')"
  for r in "${reqs[@]}"; do printf '%s = "%s"\n' "${r%%==*}" "${r#*==}"; done
  printf '\n[[tool.poetry.source]]\nname = "local"\nurl = "http://127.0.0.1:%s/"\npriority = "primary"\n' "$port"
} > "$work/poetry-project/pyproject.toml"
(cd "$work/poetry-project" &&
  export POETRY_CACHE_DIR="$work/poetry-cache" POETRY_VIRTUALENVS_IN_PROJECT=true &&
  "$work/poetry-tool/bin/poetry" lock -q && "$work/poetry-tool/bin/poetry" install -q --no-root)
kill "$index_pid"
poetry_env=$(bytes "$work/poetry-project/.venv")
poetry_extra=$(( $(du -sb "$work/poetry-project/.venv" "$work/poetry-cache" | awk '{s+=$1} END {print s}') - poetry_env ))

ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.3f", a / b }'; }
echo "measured $(date -u +%F) on $(uname -m), pip $("$work/pip-env/bin/pip" --version | cut -d' ' -f2), $("$V/bin/uv" --version | cut -d' ' -f1-2): ${reqs[*]}"
echo
echo "| installer | environment | cache (alone) | cache beyond the environment | per wheel byte | per environment byte |"
echo "|---|---:|---:|---:|---:|---:|"
echo "| pip | $pip_env | $(bytes "$work/pip-cache") | $pip_extra | $(ratio "$pip_extra" "$wheels") | $(ratio "$pip_extra" "$pip_env") |"
echo "| uv (hard links, its Linux default) | $uv_env | $uv_alone | $uv_extra | $(ratio "$uv_extra" "$wheels") | $(ratio "$uv_extra" "$uv_env") |"
echo "| uv, UV_LINK_MODE=copy | $uvc_env | $(bytes "$work/uvc-cache") | $uvc_extra | $(ratio "$uvc_extra" "$wheels") | $(ratio "$uvc_extra" "$uvc_env") |"
echo "| poetry $("$work/poetry-tool/bin/poetry" --version | grep -o '[0-9][0-9.]*') (bytecode compiled) | $poetry_env | $(bytes "$work/poetry-cache") | $poetry_extra | $(ratio "$poetry_extra" "$wheels") | $(ratio "$poetry_extra" "$poetry_env") |"
echo
echo "wheels: $wheels bytes"
