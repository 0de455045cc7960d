#!/usr/bin/env bash
# OTLP ingest benchmark: starts a release fluoro with a fresh database, sends --spans OTLP
# protobuf spans to /v1/traces (bench/otlp-load.c), then in the same run and against the same
# process a fixed-rate UDP segment load (bench/udp-ingest.c), and reports fluoro's CPU per span
# and per UDP segment, each measured from /proc over its own phase.
# The OTLP phase's CPU is also split by thread: the HTTP connection threads, the writer (the
# busiest of fluoro's own threads, the one that limits the rate) and the rest (checkpointer,
# pool, parse stage).
# Usage: bench/run-otlp.sh [--spans N] [--traces N] [--threads N] [--ids xray|w3c]
#        (UDP: UDP_RATE, UDP_SECONDS)
# FLUORO_BIN=path runs that binary instead of a fresh release build.
set -euo pipefail
cd "$(dirname "$0")/.."
bin=${FLUORO_BIN:-build/fluoro}
[ -n "${FLUORO_BIN:-}" ] || make -s -C emulator release
mkdir -p build bench/out
cc -O2 -Wall -Ibuild/gen -o build/otlp-load bench/otlp-load.c build/gen/*.pb-c.c \
  $(pkg-config --cflags --libs libcurl libprotobuf-c) -lpthread
cc -O2 -Wall -o build/udp-ingest bench/udp-ingest.c $(pkg-config --cflags --libs libcurl jansson)
port=${PORT:-24100}
dir=$(mktemp -d)
"$bin" serve --udp-address 127.0.0.1:$port --http-address 127.0.0.1:$port \
  --db "$dir/bench.db" --log-level warn &
pid=$!
trap 'kill $pid 2>/dev/null; wait $pid 2>/dev/null; rm -rf "$dir"' EXIT
for _ in $(seq 100); do curl -sf "http://127.0.0.1:$port/health" >/dev/null && break; sleep 0.1; done
hz=$(getconf CLK_TCK)
cpu() { awk '{print $14 + $15}' "/proc/$pid/stat"; }
stat() { curl -s "http://127.0.0.1:$port/api/v1/stats" | python3 -c "import json,sys; print(json.load(sys.stdin)['$1'])"; }
out=bench/out/otlp.txt
: > $out

threads() { for t in /proc/$pid/task/*; do echo "${t##*/} $(cat "$t/comm") $(awk '{print $14 + $15}' "$t/stat")"; done; }
threads > "$dir/t0"
c0=$(cpu)
build/otlp-load --url "http://127.0.0.1:$port" "$@" | tee -a $out
curl -s "http://127.0.0.1:$port/api/v1/wait?idle_ms=200&timeout_ms=60000" >/dev/null
c1=$(cpu)
threads > "$dir/t1"
spans=$(stat otlp_spans_accepted_total)
segs=$(stat otlp_segments_stored_total)
echo "otlp: committed spans=$spans segments=$segs; fluoro cpu $(echo "scale=2; ($c1 - $c0) / $hz" | bc) s:" \
  "$(echo "scale=1; ($c1 - $c0) * 1000000 / $hz / $spans" | bc) us per span" | tee -a $out
join <(sort "$dir/t0") <(sort "$dir/t1") | awk -v hz="$hz" -v n="$spans" '
  { d = $5 - $3; if ($2 ~ /^MHD/) http += d; else { own += d; if (d > w) w = d } }
  END { f = 1e6 / hz / n; printf "otlp per thread: http %.1f, writer %.1f, rest %.1f us per span\n",
        http * f, w * f, (own - w) * f }' | tee -a $out

c2=$(cpu)
build/udp-ingest --address 127.0.0.1:$port --url "http://127.0.0.1:$port" \
  --rate "${UDP_RATE:-15000}" --seconds "${UDP_SECONDS:-10}" | tee -a $out || true
c3=$(cpu)
stored=$(grep -o 'stored=[0-9]*' $out | tail -1 | cut -d= -f2)
echo "udp: stored segments=$stored; fluoro cpu $(echo "scale=2; ($c3 - $c2) / $hz" | bc) s:" \
  "$(echo "scale=1; ($c3 - $c2) * 1000000 / $hz / $stored" | bc) us per segment" | tee -a $out
