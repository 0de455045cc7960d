#!/usr/bin/env bash
# Runs the integration tests against $FLUORO_BIN: pytest suites (Debian's python3 with its boto3
# and pytest) and Node suites (node --test, with the packages from package-lock.json).
set -euo pipefail
cd "$(dirname "$0")"
: "${FLUORO_BIN:?set FLUORO_BIN to the fluoro binary}"
export FLUORO_BIN
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=0}
/usr/bin/python3 -m pytest -q -x -p no:cacheprovider "$@" .
if ls node/*.test.mjs >/dev/null 2>&1; then
  if [ ! -d node_modules ] && [ -f package-lock.json ]; then
    npm ci --no-audit --no-fund
  fi
  node --test --test-concurrency=1 node/*.test.mjs
fi
