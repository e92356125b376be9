#!/usr/bin/env bash
# Measures the daemon's idle footprint: resident memory and CPU while it waits for the till, with the poll loop,
# the token refresher, the control socket and the customer display all running (demo mode, built-in simulator).
# Usage: Benchmarks/idle-footprint.sh [seconds] [debug|release]   (default 60 release)
set -euo pipefail
cd "$(dirname "$0")/.."
seconds="${1:-60}"
configuration="${2:-release}"
swift build -c "$configuration" --product qrpayd >/dev/null
state="$(mktemp -d)"
log="$state/qrpayd.log"
".build/$configuration/qrpayd" --demo --state-directory "$state" >"$log" 2>&1 &
pid=$!
trap 'kill $pid 2>/dev/null; wait $pid 2>/dev/null; rm -rf "$state"' EXIT
# Wait for the daemon to say it is ready (it prints the demo banner then).
for _ in $(seq 1 600); do
    grep -q "ready for the till" "$log" && break
    kill -0 $pid 2>/dev/null || { cat "$log"; exit 1; }
    sleep 0.1
done
ticks() { awk '{print $14 + $15}' "/proc/$pid/stat"; }
rss() { awk '/^VmRSS/ {print $2}' "/proc/$pid/status"; }
hz=$(getconf CLK_TCK)
sleep 5   # let start-up work (first token, recovery) settle before measuring
start_ticks=$(ticks)
start_rss=$(rss)
sleep "$seconds"
end_ticks=$(ticks)
end_rss=$(rss)
cpu=$(awk -v t=$((end_ticks - start_ticks)) -v hz="$hz" -v s="$seconds" 'BEGIN {printf "%.2f", 100 * t / hz / s}')
echo "idle RSS: ${start_rss} KiB at start of window, ${end_rss} KiB after ${seconds} s"
echo "idle CPU: ${cpu} % of one core over ${seconds} s ($((end_ticks - start_ticks)) ticks at ${hz} Hz)"
