# Sourced by the scripts that measure Python packages (distribution-sizes.sh,
# cache-ratios.sh): sets V to a virtualenv with pip, uv and packaging, made
# once under the user's cache.
V="${XDG_CACHE_HOME:-$HOME/.cache}/ballast/distribution-sizes"
if [ ! -x "$V/bin/uv" ]; then
  python3 -m venv "$V"
  "$V/bin/pip" install -q --upgrade pip uv packaging
fi
