#!/usr/bin/env bash
# Runs each fuzz target for a given time (default 600 s), keeping its corpus
# under fuzz/corpus/<target> between runs. Needs cargo-fuzz
# (`cargo install cargo-fuzz`); the stable toolchain works with --sanitizer none.
#
#   scripts/fuzz.sh [SECONDS] [TARGET...]
set -euo pipefail
cd "$(dirname "$0")/../fuzz"
seconds="${1:-600}"
shift || true
targets=("$@")
if [ ${#targets[@]} -eq 0 ]; then
  mapfile -t targets < <(cargo fuzz list)
fi
for t in "${targets[@]}"; do
  mkdir -p "corpus/$t"
  # Seed the parser targets with the project's own Dockerfiles.
  case "$t" in
    parse_dockerfile) cp -n ../testdata/dockerfiles/* "corpus/$t/" 2>/dev/null || true ;;
  esac
  echo "== $t for ${seconds}s"
  cargo fuzz run --sanitizer none "$t" "corpus/$t" -- -max_total_time="$seconds" -print_final_stats=1 2>&1 \
    | grep -E "^(#[0-9]+.*DONE|stat::number_of_executed_units|stat::peak_rss_mb|==|SUMMARY|Done)" || true
  if ls artifacts/"$t"/crash-* >/dev/null 2>&1; then
    echo "FINDING in $t: see fuzz/artifacts/$t" >&2
    exit 1
  fi
done
