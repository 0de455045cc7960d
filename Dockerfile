# fluoro: an AWS X-Ray + CloudWatch Logs emulator, as a small container image.
#   docker build -t fluoro .
#   docker run -p 2000:2000/udp -p 2000:2000/tcp fluoro          (UI at http://localhost:2000)
# The build stage compiles with scripts/docker-build.sh; `make compose-check` runs that same
# script outside Docker (scripts/check-compose.sh), so the steps below are tested without an engine.

FROM debian:bookworm AS build
RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
      build-essential pkg-config libuv1-dev libmicrohttpd-dev libsqlite3-dev libjansson-dev \
      libcurl4-openssl-dev libre2-dev libprotobuf-c-dev protobuf-c-compiler zlib1g-dev \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY emulator/Makefile emulator/.clang-format emulator/
COPY emulator/src emulator/src
COPY emulator/proto emulator/proto
COPY emulator/tools emulator/tools
COPY web/index.html web/index.html
COPY web/assets web/assets
COPY fixtures/demo.jsonl fixtures/demo.jsonl
COPY scripts/docker-build.sh scripts/docker-build.sh
RUN scripts/docker-build.sh /out

FROM debian:bookworm-slim
RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
      libuv1 libmicrohttpd12 libsqlite3-0 libjansson4 libcurl4 libre2-9 libprotobuf-c1 zlib1g \
 && rm -rf /var/lib/apt/lists/* \
 && useradd --system --uid 10001 --home-dir /data --create-home fluoro
COPY --from=build /out/fluoro /usr/local/bin/fluoro
USER fluoro
WORKDIR /data
# A container must listen on every interface; fluoro's own default is loopback only. Other
# containers reach it by a name fluoro cannot know (http://fluoro:2000), so any Host is accepted;
# cross-origin writes from web pages are still refused (README, "Who may talk to the HTTP port").
ENV FLUORO_UDP_ADDRESS=0.0.0.0:2000 \
    FLUORO_HTTP_ADDRESS=0.0.0.0:2000 \
    FLUORO_ALLOW_HOST=*
EXPOSE 2000/udp 2000/tcp
HEALTHCHECK --interval=5s --timeout=3s --start-period=5s --retries=3 \
  CMD ["fluoro", "health", "--url", "http://127.0.0.1:2000"]
ENTRYPOINT ["fluoro"]
CMD ["serve"]
