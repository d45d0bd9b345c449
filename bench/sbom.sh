#!/usr/bin/env bash
# SBOM benchmark and check on the multi-GB ML image (bench/ml-image.sh):
#   - ballast sbom (CycloneDX and SPDX) against ballast inspect on the same
#     archive (an SBOM is the inspection plus a document) and against the
#     physical floor, cat of the archive;
#   - the test (ignored until the image exists) that checks every installed distribution is listed
#     and both documents are schema-valid.
#
#   bench/sbom.sh            (downloads ~3.5 GB of wheels once, cached in bench/results/)
set -euo pipefail
cd "$(dirname "$0")/.."
R=bench/results/inspect
cargo build --release -q -p ballast
bench/ml-image.sh
A="$R/ml.docker-archive.tar"
M=bench/measure.py
best() {
  local label=$1; shift
  local a b
  a=$($M "$label" -- "$@"); b=$($M "$label" -- "$@")
  python3 -c 'import json,sys; r=[json.loads(x) for x in sys.argv[1:]]; print(json.dumps(min(r, key=lambda x: x["seconds"])))' "$a" "$b"
}
cat "$A" > /dev/null
{
  best "cat > /dev/null (archive)" sh -c "cat '$A' > /dev/null"
  best "ballast inspect --format json" target/release/ballast inspect --quiet --format json "$A"
  best "ballast sbom (CycloneDX)" target/release/ballast sbom --quiet --format cyclonedx-json "$A"
  best "ballast sbom (SPDX)" target/release/ballast sbom --quiet --format spdx-json "$A"
} > "$R/sbom.jsonl"
python3 - "$R/sbom.jsonl" <<'PY'
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1])]
floor, inspect = rows[0]["seconds"], rows[1]["seconds"]
for r in rows:
    print(f'{r["label"]:32} {r["seconds"]:7.2f} s {r["max_rss_mb"]:7.1f} MB  {r["seconds"]/inspect:5.2f}x inspect  {r["seconds"]/floor:5.2f}x cat')
PY
cargo test -q -p ballast --test sbom -- --nocapture multi_gb
