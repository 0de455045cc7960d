#!/usr/bin/env bash
# Same-run comparison of two fluoro binaries on one 1M-segment database (bench/README.md, X-Ray
# section): BEFORE loads the generated segments and runs the queries; then AFTER opens the same
# database (migrating it and backfilling its trace facts, timed) and runs the same queries.
# Usage: bench/xray-query/compare.sh BEFORE_BIN AFTER_BIN [TRACES [HOURS [RUNS]]]
set -euo pipefail
cd "$(dirname "$0")/../.."
before=$1
after=$2
traces=${3:-250000}
hours=${4:-12}
runs=${5:-5}
port=${PORT:-24200}
dir=${BENCH_DIR:-$(mktemp -d)}
mkdir -p bench/out
out=bench/out/xray-query-compare.txt
pid=
trap '[ -z "$pid" ] || kill $pid 2>/dev/null; wait 2>/dev/null; [ -n "${BENCH_DIR:-}" ] || rm -rf "$dir"' EXIT
start() {
  "$1" serve --udp-address 127.0.0.1:$port --http-address 127.0.0.1:$port \
    --db "$dir/bench.db" --log-level info --http-body-limit 64MiB 2>>"$dir/fluoro.log" &
  pid=$!
  for _ in $(seq 6000); do curl -sf "http://127.0.0.1:$port/health" >/dev/null && return; sleep 0.1; done
  echo "fluoro did not start" >&2
  exit 1
}
stop() { kill $pid; wait $pid || true; pid=; }
python3 bench/xray-query/gen.py "$traces" "$hours" > "$dir/segments.jsonl"
rm -f "$dir"/bench.db*
: > "$out"
echo "== before: $before" | tee -a "$out"
start "$before"
python3 bench/xray-query/bench.py "http://127.0.0.1:$port" "$dir/segments.jsonl" --runs "$runs" \
  | tee -a "$out"
stop
echo "== after: $after (same database; opening includes the facts backfill)" | tee -a "$out"
t0=$(date +%s.%N)
start "$after"
echo "open + backfill: $(echo "$(date +%s.%N) - $t0" | bc) s" | tee -a "$out"
python3 bench/xray-query/bench.py "http://127.0.0.1:$port" "$dir/segments.jsonl" --runs "$runs" \
  --no-load | tee -a "$out"
stop
du -sb "$dir/bench.db"* | awk '{s += $1} END {print "database: " s " bytes"}' | tee -a "$out"
grep -h "indexed" "$dir/fluoro.log" | tee -a "$out" || true
