#!/usr/bin/env bash
# X-Ray query benchmark (issue 4 point 5): generates 1,000,000 segments (250,000 traces of 4
# documents over 12 hours), starts a release fluoro with a fresh database, loads them through
# POST /api/v1/load and times the queries. Usage: bench/xray-query/run.sh [TRACES [HOURS [RUNS]]]
# FLUORO_BIN=path runs that binary instead of a fresh release build; compare.sh runs two.
set -euo pipefail
cd "$(dirname "$0")/../.."
bin=${FLUORO_BIN:-build/fluoro}
[ -n "${FLUORO_BIN:-}" ] || make -s -C emulator release
mkdir -p bench/out
traces=${1:-250000}
hours=${2:-12}
runs=${3:-20}
port=${PORT:-24200}
dir=${BENCH_DIR:-$(mktemp -d)}
python3 bench/xray-query/gen.py "$traces" "$hours" > "$dir/segments.jsonl"
"$bin" serve --udp-address 127.0.0.1:$port --http-address 127.0.0.1:$port \
  --db "$dir/bench.db" --log-level warn --http-body-limit 64MiB &
pid=$!
trap 'kill $pid 2>/dev/null; wait $pid 2>/dev/null; [ -n "${BENCH_DIR:-}" ] || rm -rf "$dir"' EXIT
for _ in $(seq 100); do curl -sf "http://127.0.0.1:$port/health" >/dev/null && break; sleep 0.1; done
python3 bench/xray-query/bench.py "http://127.0.0.1:$port" "$dir/segments.jsonl" --runs "$runs" \
  | tee bench/out/xray-query.txt
du -sb "$dir/bench.db"* | awk '{s += $1} END {print "database: " s " bytes"}' \
  | tee -a bench/out/xray-query.txt
