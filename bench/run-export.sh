#!/usr/bin/env bash
# Export speed (issue 14): a release fluoro ingesting UDP segments at a fixed rate while it
# forwards every segment to X-Ray (--forward-xray) and exports it as OTLP (--export-otlp), both
# to bench/export-sink.c (libmicrohttpd, accepts everything) on the same machine. Reports what
# the ingest benchmark reports, then
# per exporter: sent, the largest lag seen while the load ran, how long the backlog took to
# drain after it, and the exporter thread's CPU per segment beside the writer's, from one run.
# Usage: bench/run-export.sh [udp-ingest options...]   (default: --rate 20000 --seconds 10)
#        EXPORTERS="--forward-xray" bench/run-export.sh   (which exporters run; default both)
set -euo pipefail
cd "$(dirname "$0")/.."
bin=${FLUORO_BIN:-build/fluoro}
[ -n "${FLUORO_BIN:-}" ] || make -s -C emulator release
mkdir -p build bench/out
cc -O2 -Wall -o build/udp-ingest bench/udp-ingest.c $(pkg-config --cflags --libs libcurl jansson)
cc -O2 -Wall -Wextra -o build/export-sink bench/export-sink.c $(pkg-config --cflags --libs libmicrohttpd) -lpthread
# Free ports by default: a fixed one may be another benchmark's fluoro on a shared machine.
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
port=${PORT:-$(free_port)}
sink=${SINK_PORT:-$(free_port)}
dir=$(mktemp -d)
build/export-sink $sink > "$dir/sink.txt" &
spid=$!
for _ in $(seq 100); do curl -s -o /dev/null -X POST "http://127.0.0.1:$sink/" && break; sleep 0.1; done
exp=()
for f in ${EXPORTERS:---forward-xray --export-otlp}; do exp+=("$f" "http://127.0.0.1:$sink"); done
"$bin" serve --udp-address 127.0.0.1:$port --http-address 127.0.0.1:$port \
  --db "$dir/bench.db" --log-level warn "${exp[@]}" &
pid=$!
lpid=
trap 'kill $pid $spid $lpid 2>/dev/null; wait $pid $spid 2>/dev/null; rm -rf "$dir"' EXIT
for _ in $(seq 100); do curl -sf "http://127.0.0.1:$port/health" >/dev/null && break; sleep 0.1; done
args=("$@")
[ ${#args[@]} -gt 0 ] || args=(--rate 20000 --seconds 10)
out=bench/out/export.txt
stats() { curl -sf "http://127.0.0.1:$port/api/v1/stats"; }
# Sample the exporters' lag every 200 ms while the load runs.
(while sleep 0.2; do stats | python3 -c 'import json,sys; e=json.load(sys.stdin)["exporters"]
print(" ".join("%s=%d" % (k, v["lag_items"]) for k, v in e.items()))' 2>/dev/null || true; done) \
  > "$dir/lag.txt" &
lpid=$!
# The writer is the thread that gains the most CPU over the run (as in run-udp-ingest.sh).
threads() { for t in /proc/$pid/task/*; do echo "${t##*/} $(awk '{print $14 + $15}' "$t/stat")"; done; }
threads > "$dir/threads0"
set +e # udp-ingest fails a run with losses; still report the exporters
build/udp-ingest --address 127.0.0.1:$port --url "http://127.0.0.1:$port" "${args[@]}" | tee $out
t_end=$(date +%s.%N)
# Drain: until both segment exporters have no lag.
until stats | python3 -c 'import json,sys; e=json.load(sys.stdin)["exporters"]
sys.exit(0 if all(v["lag_items"] == 0 for v in e.values()) else 1)'; do
  sleep 0.1
  (( $(date +%s) - ${t_end%.*} < 120 )) || { echo "backlog not drained after 120 s"; break; }
done
t_drained=$(date +%s.%N)
kill $lpid; wait $lpid 2>/dev/null || true
hz=$(getconf CLK_TCK)
# (exporter threads are not the busiest: their CPU is reported from their own counters)
busiest=$(threads | awk 'NR == FNR {t0[$1] = $2; next} {d = $2 - t0[$1]; if (d > m) m = d} END {print m + 0}' "$dir/threads0" -)
stats | python3 -c '
import json, sys
st = json.load(sys.stdin)
stored = st["udp_stored_total"]
writer_us = '"$busiest"' / '"$hz"' * 1e6
lags = {}
for line in open(sys.argv[1]):
    for kv in line.split():
        k, v = kv.split("=")
        lags[k] = max(lags.get(k, 0), int(v))
print("stored %d segments; writer thread %.1f us/segment; backlog drained %.1f s after the load"
      % (stored, writer_us / max(stored, 1), float(sys.argv[2]) - float(sys.argv[3])))
for name in ("xray", "otlp_traces"):
    if name not in st["exporters"]:
        continue
    e = st["exporters"][name]
    print("%-11s sent %d (requests %d, retried %d, rejected %d); max lag %d segments; "
          "cpu %.1f us/segment" % (name, e["sent_total"], e["requests_total"], e["retried_total"],
                                    e["rejected_total"], lags.get(name, 0),
                                    e["cpu_seconds_total"] * 1e6 / max(e["sent_total"], 1)))
' "$dir/lag.txt" "$t_drained" "$t_end" | tee -a $out
kill $spid; wait $spid 2>/dev/null || true
cat "$dir/sink.txt" | tee -a $out
