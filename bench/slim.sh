#!/usr/bin/env bash
# Slim benchmark on the multi-GB ML image of bench/ml-image.sh (real torch,
# CUDA and RAG wheels; a 3.5 GB pip cache deleted by a later layer), in one
# run:
#   - bytes: what `slim` reclaims by default against the waste `inspect`
#     reports (aim: all of it), and with --drop tests,headers,static-libs;
#   - time and peak memory of `ballast slim` (gzip OCI archive in, OCI
#     archive out, proof included) against the cost of reading the source
#     and writing the output measured in the same run: cat of the archive to
#     a file, gzip -dc of every layer on all cores, and parallel gzip (pigz
#     when installed) of the layer a --drop rewrites (aim: within 1.5x).
#
#   bench/slim.sh
set -euo pipefail
cd "$(dirname "$0")/.."
R=bench/results/inspect
S=bench/results/slim
mkdir -p "$S"
cargo build --release -q -p ballast
bench/ml-image.sh
SRC="$R/ml.oci-archive.tar"
B=target/release/ballast
M=bench/measure.py
rm -rf "$S/gz" && mkdir -p "$S/gz"
tar -C "$S/gz" -xf "$SRC"
GZ=$(find "$S/gz/blobs/sha256" -type f -size +1k)
# The site-packages layer, uncompressed: the largest member of the
# docker-archive, streamed out of it (tar -xO) rather than extracted.
RAW="$R/ml.docker-archive.tar"
SITE=$(tar -tvf "$RAW" | sort -k3 -n | tail -1 | awk '{print $6}')
PGZ=gzip; command -v pigz > /dev/null && PGZ=pigz

best() {
  local label=$1; shift
  local a b
  a=$($M "$label" -- "$@"); b=$($M "$label" -- "$@")
  python3 -c 'import json,sys; r=[json.loads(x) for x in sys.argv[1:]]; print(json.dumps(min(r, key=lambda x: x["seconds"])))' "$a" "$b"
}
slim() { rm -f "$S/out.tar"; $B slim "$SRC" -o "oci-archive:$S/out.tar" "$@"; }
export -f slim; export B SRC S

# The bytes: inspect's waste, and what slim removes.
$B inspect --quiet --format json "$SRC" > "$S/inspect.json"
slim --format json > "$S/default.json"
slim --format json --drop tests,headers,static-libs > "$S/drop.json"

{
  cat "$SRC" > /dev/null
  best "cat archive > file" sh -c "cat '$SRC' > '$S/copy.tar'"
  rm -f "$S/copy.tar"
  best "gzip -dc of layers, all cores" sh -c "echo '$GZ' | xargs -P$(nproc) -I{} sh -c 'gzip -dc < {} > /dev/null'"
  tar -xOf "$RAW" "$SITE" > /dev/null
  best "$PGZ -6 of the site-packages layer" sh -c "tar -xOf '$RAW' '$SITE' | $PGZ -6 -c > /dev/null"
  cat "$SRC" > /dev/null
  best "ballast slim (default)" bash -c 'slim --format json'
  best "ballast slim --drop tests,headers,static-libs" bash -c 'slim --format json --drop tests,headers,static-libs'
} | tee "$S/results.jsonl"
rm -rf "$S/copy.tar" "$S/out.tar" "$S/gz"

python3 - "$S" <<'PY'
import json, sys
d = sys.argv[1]
rows = [json.loads(l) for l in open(f"{d}/results.jsonl")]
by = {r["label"]: r for r in rows}
insp = json.load(open(f"{d}/inspect.json"))
default, drop = json.load(open(f"{d}/default.json")), json.load(open(f"{d}/drop.json"))
waste = insp["totals"]["wasted_bytes"]
reclaimed = default["stored_before"] - default["stored_after"]
print(f"\ninspect's waste {waste:,} bytes; slim reclaims {reclaimed:,} ({reclaimed / waste:.4f} of it) by default")
print(f"blobs {default['compressed_before']:,} -> {default['compressed_after']:,} bytes (default), {drop['compressed_after']:,} with --drop")
for c in drop["classes"]:
    print(f"  --drop: {c['class']:12s} {c['bytes']:>14,} bytes {c['entries']:>7,} entries")
print(f"\n{'measurement':46s} {'seconds':>8s} {'peak MB':>8s}")
for r in rows:
    print(f"{r['label']:46s} {r['seconds']:8.2f} {r['max_rss_mb']:8.0f}")
cat, gz = by["cat archive > file"]["seconds"], by["gzip -dc of layers, all cores"]["seconds"]
pgz = next(r for r in rows if "site-packages layer" in r["label"])["seconds"]
sd = by["ballast slim (default)"]["seconds"]
sx = by["ballast slim --drop tests,headers,static-libs"]["seconds"]
print(f"\ndefault: {sd / (cat + gz):.2f}x the time of cat + parallel gzip -dc ({cat + gz:.1f} s)")
print(f"--drop:  {sx / (cat + gz + pgz):.2f}x the time of cat + parallel gzip -dc + parallel gzip of the rewritten layer ({cat + gz + pgz:.1f} s)")
PY
