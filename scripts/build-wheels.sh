#!/usr/bin/env bash
# Builds the wheels of ballast-cli (and its source distribution) with the
# dist profile into OUT (default target/wheels):
#
#   - x86_64: a statically linked binary (crt-static, pyproject.toml), tagged
#     manylinux1: it runs on any x86_64 Linux;
#   - aarch64: cross-compiled with zig, linked against glibc 2.17 or later
#     (manylinux_2_17; zig does not link glibc statically). Built here, not
#     run: this machine has no aarch64 CPU or emulator.
#
#   scripts/build-wheels.sh [OUT]
#
# Needs maturin; for aarch64 also zig (`pip install ziglang`) and the target
# (`rustup target add aarch64-unknown-linux-gnu`).
set -euo pipefail
cd "$(dirname "$0")/.."
out="${1:-target/wheels}"
maturin build --locked --out "$out"
# Command-line rustc flags replace pyproject's `rustc-args` (no crt-static).
maturin build --locked --zig --target aarch64-unknown-linux-gnu --out "$out" -- -C target-feature=-crt-static
maturin sdist --out "$out"
ls -l "$out"
