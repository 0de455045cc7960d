#!/usr/bin/env bash
# Builds the release binary inside the Dockerfile's build stage and copies it, stripped, to
# $1 (default /out). scripts/check-compose.sh runs this same script in a temporary copy of the
# build context, so what the image builds is what `make test` checked. Needs the Debian -dev
# packages the Dockerfile installs (see scripts/deps.sh for the same list).
set -euo pipefail
out=${1:-/out}
cd "$(dirname "$0")/.."
make -C emulator release BUILD="$PWD/build" -j"$(nproc 2>/dev/null || echo 2)"
mkdir -p "$out"
install -m 0755 build/fluoro "$out/fluoro"
strip --strip-unneeded "$out/fluoro"
"$out/fluoro" --version
