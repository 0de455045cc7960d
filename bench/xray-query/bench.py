#!/usr/bin/env python3
"""Loads a fixture file into a running fluoro (POST /api/v1/load in chunks) and times the X-Ray
queries of issue 4 point 5 over raw HTTP keep-alive (one connection, no SigV4): GetTraceSummaries
with a selective filter over the last hour, GetServiceGraph over one hour, BatchGetTraces of 5
ids. Prints p50/p90/max per query.
Usage: bench.py URL FILE [--runs N] [--no-load]"""
import http.client
import json
import statistics
import sys
import time
import urllib.parse

url, path = sys.argv[1], sys.argv[2]
runs = int(sys.argv[sys.argv.index("--runs") + 1]) if "--runs" in sys.argv else 20
u = urllib.parse.urlparse(url)
conn = http.client.HTTPConnection(u.hostname, u.port, timeout=600)


def post(p, body):
    data = body if isinstance(body, bytes) else json.dumps(body).encode()
    conn.request("POST", p, data, {"Content-Type": "application/json"})
    r = conn.getresponse()
    out = r.read()
    assert r.status == 200, (p, r.status, out[:300])
    return json.loads(out) if out else {}


if "--no-load" not in sys.argv:
    t0 = time.time()
    n = 0
    chunk = []
    with open(path, "rb") as f:
        for line in f:
            chunk.append(line)
            if len(chunk) == 20000:
                post("/api/v1/load", b"".join(chunk))
                n += len(chunk)
                chunk = []
        if chunk:
            post("/api/v1/load", b"".join(chunk))
            n += len(chunk)
    dt = time.time() - t0
    print("loaded %d segments in %.1f s (%.0f segments/s)" % (n, dt, n / dt))


def timed(name, p, body, check):
    times = []
    out = None
    for _ in range(runs):
        t = time.perf_counter()
        out = post(p, body)
        times.append((time.perf_counter() - t) * 1000)
    times.sort()
    print("%-58s p50 %8.1f ms  p90 %8.1f ms  max %8.1f ms  (%s)" % (
        name, statistics.median(times), times[int(len(times) * 0.9) - 1], times[-1], check(out)))
    return out


now = time.time()
hour = {"StartTime": now - 3600, "EndTime": now}
summ = timed('GetTraceSummaries annotation.customer = "c-42", 1 h', "/TraceSummaries",
             dict(hour, FilterExpression='annotation.customer = "c-42"'),
             lambda o: "%d matches, %d processed" % (len(o["TraceSummaries"]),
                                                     o["TracesProcessedCount"]))
timed('GetTraceSummaries service("payments") { fault }, 1 h', "/TraceSummaries",
      dict(hour, FilterExpression='service("payments") { fault }'),
      lambda o: "%d matches, %d processed" % (len(o["TraceSummaries"]), o["TracesProcessedCount"]))
timed("GetTraceSummaries no filter, 1 h (first page of 100)", "/TraceSummaries", hour,
      lambda o: "%d summaries" % len(o["TraceSummaries"]))
timed("GetServiceGraph, 1 h", "/ServiceGraph", hour,
      lambda o: "%d services, %d requests at the root" % (
          len(o["Services"]), sum(s.get("SummaryStatistics", {}).get("TotalCount", 0)
                                  for s in o["Services"] if s["Name"] == "frontend")))
ids = [s["Id"] for s in post("/TraceSummaries", hour)["TraceSummaries"][:5]]
timed("BatchGetTraces, 5 ids", "/Traces", {"TraceIds": ids},
      lambda o: "%d traces, %d documents" % (len(o["Traces"]),
                                             sum(len(t["Segments"]) for t in o["Traces"])))
timed("GetTimeSeriesServiceStatistics service(\"orders\"), 1 h, 60 s",
      "/TimeSeriesServiceStatistics",
      dict(hour, EntitySelectorExpression='service("orders")', Period=60),
      lambda o: "%d periods" % len(o["TimeSeriesServiceStatistics"]))
