#!/usr/bin/env bash
# Installs what fluoro needs on Debian bookworm when it is missing. `deps.sh build` covers the
# C build; `deps.sh all` adds the test clients (AWS CLI, boto3, pytest, Node packages, Chromium,
# docker-compose). Without root or apt it prints what to install and fails.
set -euo pipefail
cd "$(dirname "$0")/.."
what=${1:-all}

build_pkgs=(build-essential pkg-config clang-format libuv1-dev libmicrohttpd-dev libsqlite3-dev
            libjansson-dev libcriterion-dev libcurl4-openssl-dev libpcre2-dev libre2-dev libprotobuf-c-dev
            protobuf-c-compiler zlib1g-dev clang libclang-rt-14-dev)
test_pkgs=(awscli python3-boto3 python3-botocore python3-pytest nodejs npm chromium docker-compose
           python3-aws-xray-sdk curl)

missing=()
check_pkg() { dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q "install ok installed" || missing+=("$1"); }
for p in "${build_pkgs[@]}"; do check_pkg "$p"; done
if [ "$what" = all ]; then
  for p in "${test_pkgs[@]}"; do
    # Node may come from elsewhere (nodesource, the image); only ask apt when it is absent.
    if { [ "$p" = nodejs ] && command -v node >/dev/null; } || { [ "$p" = npm ] && command -v npm >/dev/null; }; then
      continue
    fi
    check_pkg "$p"
  done
fi

if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" -ne 0 ] || ! command -v apt-get >/dev/null; then
    echo "fluoro needs these Debian packages: ${missing[*]}" >&2
    echo "install them with: sudo apt-get install -y ${missing[*]}" >&2
    exit 1
  fi
  echo "installing: ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

if [ "$what" = all ]; then
  for dir in sdk-tests web; do
    if [ -f "$dir/package-lock.json" ] && [ ! -d "$dir/node_modules" -o "$dir/package-lock.json" -nt "$dir/node_modules" ]; then
      (cd "$dir" && npm ci --no-audit --no-fund --loglevel=error && touch node_modules)
    fi
  done
fi
