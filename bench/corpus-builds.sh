#!/usr/bin/env bash
# Issue 14's proof by building, with `ballast bench` numbers for the README:
# the corpus cases of ballast_testkit::proof built as written and as
# `ballast fix --restructure` rewrites them, in a throwaway dockerd with
# local python bases and wheels from the package index served offline.
# Each pair is compared from inside (distributions, pip check, dpkg, start
# command, writable directories, dependency layers reused after a code
# change); then `ballast bench` measures both (size, rebuild after a
# one-line code change).
#
#   bench/corpus-builds.sh [light|full] [NAME...]
#
# light (default): requirement files cut to their packages without torch,
#   as CI builds them (crates/ballast/tests/engine.rs).
# full: every requirement (torch with its CUDA wheels from the package
#   index: gigabytes); the heavy projects belong here, not in CI.
set -euo pipefail
cd "$(dirname "$0")/.."
set_="${1:-light}"
shift || true
R=bench/results/corpus-builds
mkdir -p "$R"
# PROFILE=debug reuses the test build (the figures are the engine's build
# and rebuild times, not ballast's).
profile="${PROFILE:-release}"
if [ "$profile" = release ]; then cargo build --release -q -p ballast -p ballast_testkit; else cargo build -q -p ballast -p ballast_testkit; fi
full=()
[ "$set_" = full ] && full=(--full)
echo "machine: $(nproc) cores, $(free -g | awk '/Mem:/{print $2}') GB RAM, $(. /etc/os-release; echo "$PRETTY_NAME")" | tee "$R/table-$set_.md"
PATH=/usr/bin:$PATH "target/$profile/ballast-prove" --ballast "target/$profile/ballast" --bench "${full[@]}" "$@" \
  | tee -a "$R/table-$set_.md"
