#!/usr/bin/env bash
# Builds ballast's container image (docker/Dockerfile): a statically linked
# binary (glibc with crt-static, the dist profile) on scratch.
#
#   docker/build.sh [TAG]          (default TAG: ballast)
#
# BALLAST_BINARY names a static binary already built (the wheel's holds one)
# instead of building it; DOCKER names the client (default: docker; podman
# works too). The build context holds only what the image gets; it is made
# afresh in BALLAST_IMAGE_CONTEXT (default: target/image-context), where
# `ballast check` can judge it.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
tag="${1:-ballast}"
bin="${BALLAST_BINARY:-}"
if [ -z "$bin" ]; then
  host="$(rustc -vV | sed -n 's/^host: //p')"
  # An explicit target keeps crt-static away from build scripts and proc macros.
  RUSTFLAGS="${RUSTFLAGS:-} -C target-feature=+crt-static" \
    cargo build --locked --profile dist -p ballast --target "$host" --manifest-path "$root/Cargo.toml"
  bin="$root/target/$host/dist/ballast"
fi
# scratch has no dynamic loader: refuse a binary that needs one.
if readelf -l "$bin" | grep -q 'INTERP'; then
  echo "error: $bin is dynamically linked; the image needs a static binary" >&2
  exit 2
fi
certs="${SSL_CERT_FILE:-/etc/ssl/certs/ca-certificates.crt}"
[ -f "$certs" ] || { echo "error: no CA certificate bundle at $certs (set SSL_CERT_FILE)" >&2; exit 2; }

ctx="${BALLAST_IMAGE_CONTEXT:-$root/target/image-context}"
rm -rf "$ctx"
mkdir -p "$ctx/rootfs/usr/local/bin" "$ctx/rootfs/etc/ssl/certs" "$ctx/home/tmp"
install -m 0755 "$bin" "$ctx/rootfs/usr/local/bin/ballast"
install -m 0644 "$certs" "$ctx/rootfs/etc/ssl/certs/ca-certificates.crt"
cp "$root/docker/Dockerfile" "$ctx/Dockerfile"
"${DOCKER:-docker}" build -t "$tag" "$ctx"
