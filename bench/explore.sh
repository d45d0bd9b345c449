#!/usr/bin/env bash
# Explorer benchmark: time to the first screen of `ballast explore` and of
# dive on the multi-GB ML image of bench/ml-image.sh (the docker-archive both
# read), each in a tmux pane of 160x45, in one run; and peak memory (VmHWM)
# at the first screen and, for ballast, once its background verification is
# done.
#
#   bench/explore.sh          (builds the image first if bench/results/inspect lacks it)
#
# DIVE=path overrides the dive binary (default: the peers' venv of .ci/run).
set -euo pipefail
cd "$(dirname "$0")/.."
R=bench/results/inspect
cargo build --release -q -p ballast
bench/ml-image.sh
DIVE="${DIVE:-${XDG_CACHE_HOME:-$HOME/.cache}/ballast/peers/bin/dive}"
IMG="$R/ml.docker-archive.tar"
SOCK=$(mktemp -u /tmp/ballast-bench-tmux.XXXXXX)
cat "$IMG" > /dev/null  # warm the page cache for both

# first_screen LABEL MARKER CMD...: seconds until MARKER shows, VmHWM then (kB).
first_screen() {
  local label=$1 marker=$2; shift 2
  tmux -S "$SOCK" kill-server 2>/dev/null || true
  local start end pid
  start=$(date +%s.%N)
  tmux -S "$SOCK" new-session -d -x 160 -y 45 "exec $*"
  pid=$(tmux -S "$SOCK" list-panes -F '#{pane_pid}')
  until tmux -S "$SOCK" capture-pane -p | grep -q -- "$marker"; do sleep 0.01; done
  end=$(date +%s.%N)
  local hwm
  hwm=$(grep VmHWM "/proc/$pid/status" | awk '{print $2}')
  echo "$label first screen: $(echo "$end - $start" | bc) s, peak $((hwm / 1024)) MB"
  echo "$pid"
}

out=$(first_screen "ballast explore" "Layers (" target/release/ballast explore "$IMG")
echo "$out" | head -1
pid=$(echo "$out" | tail -1)
until tmux -S "$SOCK" capture-pane -p | grep -q "digests verified"; do sleep 0.05; done
echo "ballast explore after verification: peak $(($(grep VmHWM "/proc/$pid/status" | awk '{print $2}') / 1024)) MB"
out=$(first_screen "dive" "Layers" "$DIVE" "docker-archive://$IMG")
echo "$out" | head -1
tmux -S "$SOCK" kill-server 2>/dev/null || true
