#!/usr/bin/env bash
# Starts a release fluoro with a fresh database and runs the Logs benchmark against it.
# Usage: bench/run-logs.sh [logs-load options...]   (default: --events 1000000)
set -euo pipefail
cd "$(dirname "$0")/.."
make -s -C emulator release
mkdir -p build bench/out
cc -O2 -Wall -o build/logs-load bench/logs-load.c $(pkg-config --cflags --libs libcurl jansson) -lpthread
port=${PORT:-24100}
dir=${BENCH_DIR:-$(mktemp -d)}
build/fluoro serve --udp-address 127.0.0.1:$port --http-address 127.0.0.1:$port \
  --db "$dir/bench.db" --log-level warn &
pid=$!
trap 'kill $pid 2>/dev/null; wait $pid 2>/dev/null; [ -n "${BENCH_DIR:-}" ] || rm -rf "$dir"' EXIT
for _ in $(seq 100); do curl -sf "http://127.0.0.1:$port/health" >/dev/null && break; sleep 0.1; done
args=("$@")
[ ${#args[@]} -gt 0 ] || args=(--events 1000000)
build/logs-load --url "http://127.0.0.1:$port" "${args[@]}" | tee bench/out/logs.txt
du -sb "$dir" | awk '{print "database directory: " $1 " bytes"}' | tee -a bench/out/logs.txt
