#!/bin/sh
# Runs the web UI's browser tests: starts `$FLUORO_BIN serve --demo` on free ports, runs
# tests/*.test.mjs with node's test runner (playwright-core driving Debian's Chromium), stops it.
# FLUORO_WEB_ROOT=web serves the UI from disk instead of the embedded copy (while developing).
set -eu
cd "$(dirname "$0")"
BIN=${FLUORO_BIN:-../build/fluoro}
CHROMIUM=${CHROMIUM:-/usr/bin/chromium}
[ -x "$BIN" ] || { echo "run-tests: $BIN is not built (make -C emulator release)" >&2; exit 1; }
[ -x "$CHROMIUM" ] || { echo "run-tests: $CHROMIUM not found (apt-get install chromium); never downloads a browser" >&2; exit 1; }
if [ ! -d node_modules/playwright-core ]; then
    PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm ci --no-audit --no-fund --silent
fi

free_port() {
    node -e 'const s=require("net").createServer();s.listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})'
}
HTTP_PORT=$(free_port)
UDP_PORT=$(free_port)
mkdir -p test-artifacts
LOG=test-artifacts/fluoro.log
# The replay is off: the tests count the demo's traces, and a new round would add to them.
set -- serve --demo --demo-replay-interval 0 --http-address "127.0.0.1:$HTTP_PORT" --udp-address "127.0.0.1:$UDP_PORT"
if [ -n "${FLUORO_WEB_ROOT:-}" ]; then
    set -- "$@" --web-root "$FLUORO_WEB_ROOT"
fi
"$BIN" "$@" >"$LOG" 2>&1 &
PID=$!
trap 'kill "$PID" 2>/dev/null || true; wait "$PID" 2>/dev/null || true' EXIT INT TERM

i=0
until curl -fsS "http://127.0.0.1:$HTTP_PORT/health" >/dev/null 2>&1; do
    i=$((i + 1))
    if [ "$i" -gt 100 ] || ! kill -0 "$PID" 2>/dev/null; then
        echo "run-tests: fluoro did not start" >&2
        cat "$LOG" >&2
        exit 1
    fi
    sleep 0.1
done

export FLUORO_URL="http://127.0.0.1:$HTTP_PORT"
export FLUORO_BIN="$BIN"  # tests that need a differently configured instance start their own
export FLUORO_UDP_PORT="$UDP_PORT"
export CHROMIUM
set +e
node --test --test-concurrency=1 tests/*.test.mjs >test-artifacts/report.txt 2>&1
rc=$?
cat test-artifacts/report.txt
exit $rc
