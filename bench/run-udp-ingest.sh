#!/usr/bin/env bash
# Starts a release fluoro with a fresh database and runs the UDP ingest benchmark against it.
# Usage: bench/run-udp-ingest.sh [udp-ingest options...]   (default: --search 10000:50000:5000)
# FLUORO_BIN=path runs that binary instead of a fresh release build (for same-run comparisons).
set -euo pipefail
cd "$(dirname "$0")/.."
bin=${FLUORO_BIN:-build/fluoro}
[ -n "${FLUORO_BIN:-}" ] || make -s -C emulator release
mkdir -p build bench/out
cc -O2 -Wall -o build/udp-ingest bench/udp-ingest.c $(pkg-config --cflags --libs libcurl jansson)
port=${PORT:-24000}
dir=$(mktemp -d)
"$bin" serve --udp-address 127.0.0.1:$port --http-address 127.0.0.1:$port \
  --db "$dir/bench.db" --log-level warn &
pid=$!
trap 'kill $pid 2>/dev/null; wait $pid 2>/dev/null; rm -rf "$dir"' EXIT
for _ in $(seq 100); do curl -sf "http://127.0.0.1:$port/health" >/dev/null && break; sleep 0.1; done
args=("$@")
[ ${#args[@]} -gt 0 ] || args=(--search 10000:50000:5000 --seconds 10)
build/udp-ingest --address 127.0.0.1:$port --url "http://127.0.0.1:$port" "${args[@]}" | tee bench/out/udp-ingest.txt
