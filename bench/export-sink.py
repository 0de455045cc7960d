#!/usr/bin/env python3
"""A backend that accepts everything, for bench/run-export.sh: PutTraceSegments (answers no
unprocessed documents), PutLogEvents and OTLP /v1/traces and /v1/logs (empty 200s). Counts
requests and bytes and prints them at exit. Usage: export-sink.py PORT"""
import http.server
import signal
import sys

counts = {"requests": 0, "bytes": 0}


class Sink(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
        counts["requests"] += 1
        counts["bytes"] += len(body)
        out = b'{"UnprocessedTraceSegments":[]}' if self.path == "/TraceSegments" else b""
        self.send_response(200)
        self.send_header("Content-Length", str(len(out)))
        self.end_headers()
        self.wfile.write(out)

    def log_message(self, *a):
        pass


def bye(*_):
    print("sink: %(requests)d requests, %(bytes)d bytes" % counts, flush=True)
    sys.exit(0)


signal.signal(signal.SIGTERM, bye)
http.server.ThreadingHTTPServer(("127.0.0.1", int(sys.argv[1])), Sink).serve_forever()
