#!/usr/bin/env bash
# Starts a release fluoro with a fresh database and runs the UDP ingest benchmark against it.
# Usage: bench/run-udp-ingest.sh [udp-ingest options...]   (default: --search 10000:50000:5000)
# FLUORO_BIN=path runs that binary instead of a fresh release build (for same-run comparisons).
# BARE=1 runs bench/bare-pipeline.c instead (receive, parse, one row per segment: the ceiling).
set -euo pipefail
cd "$(dirname "$0")/.."
bin=${FLUORO_BIN:-build/fluoro}
[ -n "${FLUORO_BIN:-}${BARE:-}" ] || make -s -C emulator release
mkdir -p build bench/out
cc -O2 -Wall -o build/udp-ingest bench/udp-ingest.c $(pkg-config --cflags --libs libcurl jansson)
port=${PORT:-24000}
dir=$(mktemp -d)
if [ -n "${BARE:-}" ]; then
  cc -O2 -Wall -o build/bare-pipeline bench/bare-pipeline.c -lsqlite3 -ljansson -lpthread
  build/bare-pipeline --address 127.0.0.1:$port --db "$dir/bench.db" &
else
  "$bin" serve --udp-address 127.0.0.1:$port --http-address 127.0.0.1:$port \
    --db "$dir/bench.db" --log-level warn &
fi
pid=$!
trap 'kill $pid 2>/dev/null; wait $pid 2>/dev/null; rm -rf "$dir"' EXIT
for _ in $(seq 100); do curl -sf "http://127.0.0.1:$port/health" >/dev/null && break; sleep 0.1; done
args=("$@")
[ ${#args[@]} -gt 0 ] || args=(--search 10000:50000:5000 --seconds 10)
# CPU seconds fluoro used (all its threads), which other load on the machine disturbs far less
# than the highest zero-loss rate does: per stored segment it is the writer-cost figure to compare.
# The busiest thread is the writer, the one that limits the rate.
cpu() { awk '{print $14 + $15}' "/proc/$pid/stat"; }
threads() { for t in /proc/$pid/task/*; do echo "${t##*/} $(awk '{print $14 + $15}' "$t/stat")"; done; }
cpu0=$(cpu)
threads > "$dir/threads0"
# udp-ingest exits non-zero when anything was lost; the CPU figures are still wanted then.
status=0
build/udp-ingest --address 127.0.0.1:$port --url "http://127.0.0.1:$port" "${args[@]}" \
  | tee bench/out/udp-ingest.txt || status=$?
cpu1=$(cpu)
busiest=$(threads | awk 'NR == FNR {t0[$1] = $2; next} {d = $2 - t0[$1]; if (d > m) m = d} END {print m + 0}' "$dir/threads0" -)
stored=$(grep -o 'stored=[0-9]*' bench/out/udp-ingest.txt | cut -d= -f2 | paste -sd+ | bc)
hz=$(getconf CLK_TCK)
echo "fluoro cpu: $(echo "scale=2; ($cpu1 - $cpu0) / $hz" | bc) s in all threads," \
  "$(echo "scale=2; $busiest / $hz" | bc) s in the busiest (writer) for $stored stored segments:" \
  "$(echo "scale=1; ($cpu1 - $cpu0) * 1000000 / $hz / $stored" | bc) us and" \
  "$(echo "scale=1; $busiest * 1000000 / $hz / $stored" | bc) us per segment" \
  | tee -a bench/out/udp-ingest.txt
echo "load average: $(cut -d" " -f1-3 /proc/loadavg)" | tee -a bench/out/udp-ingest.txt
exit $status
