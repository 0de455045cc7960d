#!/usr/bin/env bash
# `make compose-check`: checks docker-compose.yml and the Dockerfile without a Docker engine.
#  1. `docker-compose config -q` validates the compose file (Debian's docker-compose 1.29).
#  2. The Dockerfile's build stage is replayed in a temporary directory: its COPY lines build the
#     context copy, its apt-get packages must be installed here, and its other RUN lines run as
#     written (they call scripts/docker-build.sh, the script the image runs).
#  3. The runtime stage: every shared library the built binary needs must come from a package the
#     stage installs (or from debian:bookworm-slim itself), the COPY --from source must exist, and
#     the binary, configured only by the stage's ENV (0.0.0.0 addresses, another port), must pass
#     the HEALTHCHECK command.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD

say() { printf 'compose-check: %s\n' "$*"; }
fail() { printf 'compose-check: FAILED: %s\n' "$*" >&2; exit 1; }

command -v docker-compose >/dev/null || fail "docker-compose is not installed (apt-get install docker-compose)"
docker-compose -f docker-compose.yml config -q || fail "docker-compose config rejected docker-compose.yml"
say "docker-compose.yml is valid"
services=$(docker-compose -f docker-compose.yml config --services)
resolved=$(docker-compose -f docker-compose.yml config)
for svc in fluoro sample-app; do
  grep -qx "$svc" <<<"$services" || fail "no service $svc"
done
grep -q 'AWS_XRAY_DAEMON_ADDRESS: fluoro:2000' <<<"$resolved" ||
  fail "the sample app must send to fluoro:2000"
grep -Eq "FLUORO_ALLOW_HOST: ('\*'|\"\*\"|\*|.*fluoro)" <<<"$resolved" ||
  fail "fluoro must accept the Host name other services use (FLUORO_ALLOW_HOST)"
for port in 2000/udp 2000/tcp; do
  grep -q "published: 2000" <<<"$resolved" && grep -q "protocol: ${port#*/}" <<<"$resolved" ||
    grep -q "$port" docker-compose.yml || fail "fluoro must publish $port"
done

# The otel profile (docs/outgrowing.md): fluoro -> OpenTelemetry Collector -> Jaeger.
otel=$(FLUORO_EXPORT_OTLP=http://otel-collector:4318 docker-compose -f docker-compose.yml \
  --profile otel config) || fail "docker-compose config rejected the otel profile"
python3 -c '
import sys, yaml
svc = yaml.safe_load(sys.stdin)["services"]
for name in ("otel-collector", "jaeger"):
    assert svc[name].get("profiles") == ["otel"], name + " must only run with --profile otel"
assert "profiles" not in svc["fluoro"]
' <<<"$otel" || fail "the otel profile must hold otel-collector and jaeger"
grep -q 'FLUORO_EXPORT_OTLP: http://otel-collector:4318' <<<"$otel" ||
  fail "fluoro must take FLUORO_EXPORT_OTLP from the environment"
python3 - compose/otel-collector.yaml <<'PY' || fail "compose/otel-collector.yaml is not a working pipeline"
import sys, yaml
c = yaml.safe_load(open(sys.argv[1]))
assert "0.0.0.0:4318" in c["receivers"]["otlp"]["protocols"]["http"]["endpoint"]
assert c["exporters"]["otlp/jaeger"]["endpoint"] == "jaeger:4317"
for name, p in c["service"]["pipelines"].items():
    for kind in ("receivers", "processors", "exporters"):
        for ref in p.get(kind, []):
            assert ref in c[kind], (name, ref)
PY
say "otel profile (collector, jaeger) is valid"

tmp=$(mktemp -d)
pid=
cleanup() { [ -n "$pid" ] && kill "$pid" 2>/dev/null; wait 2>/dev/null || true; rm -rf "$tmp"; }
trap cleanup EXIT

# Parse the Dockerfile into shell-quoted steps: "<stage> <instruction> <args>" lines.
python3 - Dockerfile > "$tmp/steps" <<'PY'
import shlex, sys
text = open(sys.argv[1]).read().replace("\\\n", " ")
stage = -1
for raw in text.splitlines():
    line = raw.strip()
    if not line or line.startswith("#"):
        continue
    instr, _, args = line.partition(" ")
    instr = instr.upper()
    if instr == "FROM":
        stage += 1
    print(stage, instr, shlex.quote(" ".join(args.split())))
PY
[ "$(awk '$2 == "FROM"' "$tmp/steps" | wc -l)" -eq 2 ] || fail "expected a two-stage Dockerfile"
grep -q "^0 FROM 'debian:bookworm AS build'" "$tmp/steps" || fail "the build stage must be FROM debian:bookworm"
grep -q "^1 FROM debian:bookworm" "$tmp/steps" || fail "the runtime stage must be debian:bookworm(-slim)"

ctx=$tmp/ctx
out=$tmp/out
mkdir -p "$ctx"
apt_pkgs() { # the package names of an apt-get install command line
  tr ' ' '\n' <<<"$1" | sed -n '/^install$/,/^&&$/p' | grep -v -e '^install$' -e '^&&$' -e '^-' -e '^$' || true
}
runtime_pkgs=()
healthcheck=
envs=()
while read -r stage instr rest; do
  eval "args=$rest"
  case "$stage:$instr" in
    0:COPY)
      read -r -a parts <<<"$args"
      dst=${parts[-1]}
      unset 'parts[-1]'
      for src in "${parts[@]}"; do
        [ -e "$src" ] || fail "COPY source $src does not exist"
        if [ "${dst: -1}" = / ]; then
          mkdir -p "$ctx/$dst" && cp -a "$src" "$ctx/$dst"
        else
          mkdir -p "$(dirname "$ctx/$dst")" && cp -a "$src" "$ctx/$dst"
        fi
      done ;;
    0:RUN)
      if grep -q 'apt-get install' <<<"$args"; then
        for p in $(apt_pkgs "$args"); do
          dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" ||
            fail "build stage package $p is not installed here (scripts/deps.sh build)"
        done
      else
        cmd=${args//\/out/$out}
        say "build stage: RUN $args"
        (cd "$ctx" && bash -euo pipefail -c "$cmd") > "$tmp/build.log" 2>&1 ||
          { tail -30 "$tmp/build.log" >&2; fail "RUN $args failed"; }
      fi ;;
    1:RUN)
      if grep -q 'apt-get install' <<<"$args"; then
        mapfile -t runtime_pkgs < <(apt_pkgs "$args")
        for p in "${runtime_pkgs[@]}"; do
          apt-cache show "$p" >/dev/null 2>&1 || fail "runtime package $p is unknown to apt"
        done
      fi ;;
    1:COPY)
      grep -q -- '--from=build /out/fluoro' <<<"$args" || fail "unexpected runtime COPY: $args"
      [ -x "$out/fluoro" ] || fail "the build stage did not produce /out/fluoro" ;;
    1:ENV)
      read -r -a envs <<<"$args" ;;
    1:HEALTHCHECK)
      healthcheck=$args ;;
  esac
done < "$tmp/steps"
[ -x "$out/fluoro" ] || fail "the build stage produced no binary"
say "build stage replayed: $(du -h "$out/fluoro" | cut -f1) stripped binary"

# Every needed library must come from the runtime stage's packages or the slim base image.
base_pkgs="libc6 libgcc-s1 libstdc++6 zlib1g libzstd1 liblzma5 libbz2-1.0 libgnutls30 libp11-kit0
libtasn1-6 libnettle8 libhogweed6 libgmp10 libidn2-0 libunistring2 libffi8 libssl3 libsystemd0
libcap2 libgcrypt20 libgpg-error0 liblz4-1 libselinux1 libpcre2-8-0 libcrypt1 libacl1 libattr1
libdb5.3 libudev1 libtinfo6 libsemanage2 libsepol2 libaudit1 libcap-ng0"
closure="${runtime_pkgs[*]} $base_pkgs"
for p in "${runtime_pkgs[@]}"; do # and whatever those packages depend on
  closure+=" $(apt-cache depends --recurse --no-recommends --no-suggests --no-conflicts \
    --no-breaks --no-replaces --no-enhances "$p" 2>/dev/null | grep -v '^ ' | grep -v '^<' | tr '\n' ' ')"
done
while read -r lib; do
  owner=$(dpkg -S "$(readlink -f "$lib")" 2>/dev/null | head -1 | cut -d: -f1) ||
    owner=$(dpkg -S "$lib" 2>/dev/null | head -1 | cut -d: -f1) || true
  [ -n "$owner" ] || fail "no package owns $lib"
  grep -qw -- "$owner" <<<"$closure" || fail "$lib comes from $owner, which the runtime stage does not install"
done < <(ldd "$out/fluoro" | awk '/=> \// {print $3}')
say "runtime stage installs every library the binary links (${runtime_pkgs[*]})"

# Run the binary as the image would: configured by the stage's ENV, checked by its HEALTHCHECK.
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
env_args=()
for kv in "${envs[@]}"; do
  case "$kv" in FLUORO_*_ADDRESS=0.0.0.0:2000) env_args+=("${kv%:2000}:$port") ;;
    *=*) env_args+=("$kv") ;; esac
done
[ "${#env_args[@]}" -ge 2 ] || fail "the runtime stage must set FLUORO_UDP_ADDRESS and FLUORO_HTTP_ADDRESS to 0.0.0.0:2000"
(cd "$tmp" && exec env "${env_args[@]}" "$out/fluoro" serve > "$tmp/serve.log" 2>&1) &
pid=$!
hc=$(python3 -c 'import json,sys; print(" ".join(json.loads(sys.argv[1].split(" CMD ",1)[1])))' "$healthcheck")
hc=${hc/fluoro /$out/fluoro }
hc=${hc/:2000/:$port}
for _ in $(seq 100); do
  if $hc 2>/dev/null; then
    grep -q "0.0.0.0:$port" "$tmp/serve.log" || fail "fluoro did not bind 0.0.0.0 from the image's ENV"
    say "HEALTHCHECK passes against the image's configuration ($hc)"
    # Sibling containers call http://fluoro:2000, so that Host must be accepted.
    python3 - "$port" <<'PY' || fail "the image's configuration refuses Host: fluoro:2000 (FLUORO_ALLOW_HOST)"
import sys, urllib.request
req = urllib.request.Request("http://127.0.0.1:%s/api/v1/stats" % sys.argv[1], headers={"Host": "fluoro:2000"})
urllib.request.urlopen(req, timeout=5).read()
PY
    say "the image accepts requests for Host fluoro:2000"
    say "ok"
    exit 0
  fi
  sleep 0.1
done
cat "$tmp/serve.log" >&2
fail "the HEALTHCHECK command never passed"
