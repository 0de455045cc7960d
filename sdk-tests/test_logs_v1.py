"""fluoro's own /api/v1 over Logs data (DESIGN.md §7): groups, streams, events with a pattern,
trace correlation (/api/v1/traces/{id}/logs and trace_id=), live tail over server-sent events
(follow=1), reset, and fixture-loaded logs. The retention pass is tested in test_logs_db.c."""
import json
import socket
import threading
import time
import urllib.parse

import pytest

from conftest import new_trace_id
from logs_helpers import make_stream, now_ms


@pytest.fixture
def logs(boto):
    return boto("logs")


def q(path, **params):
    return path + "?" + urllib.parse.urlencode(params)


def test_groups_streams_events(fluoro, logs):
    make_stream(logs, "/api/g", "s1", ["ERROR one", "INFO two", '{"level":"ERROR"}'])
    make_stream(logs, "/api/g", "s2", ["ERROR three"])
    groups = fluoro.get("/api/v1/logs/groups")["groups"]
    assert [(g["name"], g["streams"]) for g in groups] == [("/api/g", 2)]
    assert groups[0]["stored_bytes"] > 0 and groups[0]["last_event_time"] > 0
    streams = fluoro.get(q("/api/v1/logs/streams", group="/api/g"))["streams"]
    assert sorted(s["name"] for s in streams) == ["s1", "s2"]
    ev = fluoro.get(q("/api/v1/logs/events", group="/api/g"))["events"]
    assert len(ev) == 4 and [e["timestamp"] for e in ev] == sorted(e["timestamp"] for e in ev)
    assert set(ev[0]) >= {"id", "timestamp", "group", "stream", "message", "ingestion_time"}
    got = fluoro.get(q("/api/v1/logs/events", group="/api/g", pattern="ERROR", stream="s1"))["events"]
    assert [e["message"] for e in got] == ["ERROR one", '{"level":"ERROR"}']
    got = fluoro.get(q("/api/v1/logs/events", group="/api/g", pattern='{ $.level = "ERROR" }'))["events"]
    assert [e["message"] for e in got] == ['{"level":"ERROR"}']
    r = fluoro.get(q("/api/v1/logs/events", group="/api/g", limit=2))
    assert len(r["events"]) == 2 and r["truncated"] is True
    assert fluoro.get(q("/api/v1/logs/events", group="/api/g", since="1s", until=str(time.time() - 3600)))["events"] == []


def test_errors(fluoro, logs):
    make_stream(logs, "g", "s")
    status, _, body = fluoro.request("GET", q("/api/v1/logs/events", group="g", pattern="{ $.x = "))
    err = json.loads(body)["error"]
    assert status == 400 and err["code"] == "InvalidPattern"
    status, _, _ = fluoro.request("GET", q("/api/v1/logs/streams", group="nope"))
    assert status == 404
    status, _, _ = fluoro.request("GET", "/api/v1/logs/streams")
    assert status == 400
    status, _, _ = fluoro.request("GET", q("/api/v1/logs/events", since="yesterday"))
    assert status == 400
    status, _, _ = fluoro.request("GET", "/api/v1/traces/not-a-trace/logs")
    assert status == 400


def test_trace_correlation(fluoro, logs):
    tid = new_trace_id()
    other = new_trace_id()
    make_stream(logs, "/svc/a", "s", [
        "handled %s ok" % tid,
        "X-Amzn-Trace-Id: Root=%s;Parent=53995c3f42cd8ad8;Sampled=1" % tid,
        json.dumps({"msg": "json", "traceId": tid}),
        "unrelated %s" % other,
        "no trace here"])
    make_stream(logs, "/svc/b", "s", ["downstream %s" % tid])
    got = fluoro.get("/api/v1/traces/%s/logs" % tid)
    assert got["trace_id"] == tid
    assert [(e["group"], e["trace_id"]) for e in got["events"]] == [("/svc/a", tid)] * 3 + [("/svc/b", tid)]
    by_param = fluoro.get(q("/api/v1/logs/events", trace_id=tid))["events"]
    assert len(by_param) == 4
    in_group = fluoro.get(q("/api/v1/logs/events", trace_id=tid, group="/svc/b"))["events"]
    assert [e["message"] for e in in_group] == ["downstream %s" % tid]
    assert fluoro.get("/api/v1/traces/%s/logs" % new_trace_id())["events"] == []


def read_sse(fluoro, path, want, timeout=10, greeted=None):
    """Opens an SSE stream and collects data frames until `want` events arrived; sets the
    threading.Event `greeted` once the server's `hello` frame arrived (the stream follows)."""
    s = socket.create_connection(("127.0.0.1", fluoro.port), timeout=timeout)
    s.sendall(("GET %s HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: text/event-stream\r\n\r\n" % path).encode())
    buf = b""
    events = []
    deadline = time.time() + timeout
    try:
        while time.time() < deadline and len(events) < want:
            chunk = s.recv(65536)
            if not chunk:
                break
            buf += chunk
            if greeted is not None and b"event: hello\n" in buf:
                greeted.set()
            for line in buf.decode("utf-8", "replace").splitlines():
                if line.startswith("data: {\"events\""):
                    events = []  # re-parse everything seen so far
            events = []
            for line in buf.decode("utf-8", "replace").splitlines():
                if line.startswith("data: ") and line[6:].startswith("{\"events\""):
                    events.extend(json.loads(line[6:])["events"])
    finally:
        s.close()
    return buf.decode("utf-8", "replace"), events


def test_live_tail_over_sse(fluoro, logs):
    make_stream(logs, "/tail", "s", ["old line"])
    make_stream(logs, "/other", "s")
    result = {}
    greeted = threading.Event()

    def reader():
        result["raw"], result["events"] = read_sse(
            fluoro, q("/api/v1/logs/events", group="/tail", pattern="ERROR", follow=1), want=2,
            greeted=greeted)
    th = threading.Thread(target=reader)
    th.start()
    assert greeted.wait(10), "the tail never sent its hello event"
    logs.put_log_events(logGroupName="/tail", logStreamName="s", logEvents=[
        {"timestamp": now_ms(), "message": "ERROR live 1"}, {"timestamp": now_ms(), "message": "INFO skipped"}])
    logs.put_log_events(logGroupName="/other", logStreamName="s", logEvents=[{"timestamp": now_ms(), "message": "ERROR elsewhere"}])
    # an event with an old timestamp still shows up live (the tail follows insertion order)
    logs.put_log_events(logGroupName="/tail", logStreamName="s", logEvents=[{"timestamp": now_ms() - 3600000, "message": "ERROR late"}])
    th.join(15)
    assert "text/event-stream" in result["raw"].split("\r\n\r\n", 1)[0]
    assert [e["message"] for e in result["events"]] == ["ERROR live 1", "ERROR late"]
    assert result["events"][0]["group"] == "/tail"


def test_reset_logs_only(fluoro, logs):
    make_stream(logs, "g", "s", ["x"])
    logs.put_metric_filter(logGroupName="g", filterName="f", filterPattern="",
                           metricTransformations=[{"metricName": "m", "metricNamespace": "n", "metricValue": "1"}])
    status, _ = fluoro.post("/api/v1/reset?only=logs")
    assert status == 200
    assert logs.describe_log_groups()["logGroups"] == []
    assert logs.describe_metric_filters()["metricFilters"] == []


def test_demo_fixture_logs_are_served_by_the_logs_api(fluoro_factory):
    """Events loaded by fixtures (logs_db_put_event_autocreate) are ordinary Logs data."""
    from conftest import aws_client
    f = fluoro_factory(["--demo"])
    logs = aws_client(f, "logs")
    groups = [g["logGroupName"] for g in logs.describe_log_groups()["logGroups"]]
    assert "/aws/lambda/orders-function" in groups
    ev = logs.filter_log_events(logGroupName="/aws/lambda/orders-function", filterPattern="START")["events"]
    assert ev and all(e["message"].startswith("START") for e in ev)
    # the demo re-times its data, so take a trace id from what was stored
    tid = [e for e in f.get("/api/v1/logs/events?limit=500")["events"] if e.get("trace_id")][0]["trace_id"]
    linked = f.get("/api/v1/traces/%s/logs" % tid)["events"]
    assert linked and all(tid in e["message"] for e in linked)
