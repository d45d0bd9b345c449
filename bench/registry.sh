#!/usr/bin/env bash
# Registry benchmark: a multi-GB ML image (the gzip OCI archive that
# bench/inspect.sh builds: CUDA torch 2.5.1 with its nvidia-* wheels) pushed
# to a local Distribution registry, then in one run:
#   - ballast inspect docker://... with an empty layer cache (cold),
#   - the same again with the cache filled (warm),
#   - ballast inspect docker://... --no-cache (streamed, nothing kept),
#   - skopeo copy docker://... oci:DIR, then ballast inspect oci:DIR.
# Prints wall time and peak memory of each, and the ratios.
#
#   bench/registry.sh        (run bench/inspect.sh first for the image)
set -euo pipefail
cd "$(dirname "$0")/.."
R=bench/results/registry
IMG=bench/results/inspect/ml.oci-archive.tar
[ -f "$IMG" ] || { echo "run bench/inspect.sh first ($IMG missing)" >&2; exit 2; }
cargo build --release -q -p ballast
rm -rf "$R" && mkdir -p "$R/data"
PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
cat > "$R/config.yml" <<YML
version: 0.1
storage:
  filesystem: {rootdirectory: $PWD/$R/data}
http:
  addr: 127.0.0.1:$PORT
  secret: bench
log:
  level: error
YML
docker-registry serve "$R/config.yml" > "$R/log" 2>&1 &
REG=$!
trap 'kill $REG 2>/dev/null; wait $REG 2>/dev/null || true' EXIT
until curl -fsS "http://127.0.0.1:$PORT/v2/" >/dev/null; do sleep 0.05; done
echo "== push (setup, not measured): $(du -h "$IMG" | cut -f1)"
time skopeo --insecure-policy copy -q --dest-tls-verify=false "oci-archive:$IMG" "docker://127.0.0.1:$PORT/ml:1"

B=target/release/ballast
REF="docker://127.0.0.1:$PORT/ml:1"
sync
python3 bench/measure.py "ballast cold cache" -- $B inspect --quiet --format json --cache-dir "$R/cache" "$REF" | tee "$R/cold.json"
python3 bench/measure.py "ballast warm cache" -- $B inspect --quiet --format json --cache-dir "$R/cache" "$REF" | tee "$R/warm.json"
python3 bench/measure.py "ballast --no-cache" -- $B inspect --quiet --format json --no-cache "$REF" | tee "$R/nocache.json"
rm -rf "$R/oci"
python3 bench/measure.py "skopeo copy to oci:" -- skopeo --insecure-policy copy -q --src-tls-verify=false "$REF" "oci:$R/oci:ml" | tee "$R/skopeo.json"
python3 bench/measure.py "ballast on oci: dir" -- $B inspect --quiet --format json "oci:$R/oci:ml" | tee "$R/local.json"
python3 - "$R" <<'PY'
import json, sys
r = sys.argv[1]
t = {k: json.load(open(f"{r}/{k}.json")) for k in ["cold", "warm", "nocache", "skopeo", "local"]}
peer = t["skopeo"]["seconds"] + t["local"]["seconds"]
print(f"skopeo copy + ballast on the directory: {peer:.2f} s")
for k in ["cold", "warm", "nocache"]:
    print(f"ratio (skopeo + local) / ballast {k}: {peer / t[k]['seconds']:.2f}x")
PY
