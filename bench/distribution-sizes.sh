#!/usr/bin/env bash
# Re-measure crates/ballast_ml/data/{distributions,closures}.tsv from real
# wheels (issue 15): see bench/distribution_sizes.py. Downloads several GB
# (torch's CUDA wheels among them) once; nothing is kept but the tables.
#
#   bench/distribution-sizes.sh            JOBS=4 by default
set -euo pipefail
cd "$(dirname "$0")/.."
. bench/measure-venv.sh
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
"$V/bin/python" bench/distribution_sizes.py "$V/bin/uv" "$V/bin/python" "$work"
