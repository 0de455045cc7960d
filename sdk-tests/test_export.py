"""Exporters (issue 14): fluoro relays what it stores to another backend.

A second fluoro is the receiving backend (it serves PutTraceSegments, PutLogEvents and OTLP
/v1/traces), so trees are compared after the round trip; a small in-process HTTP server plays a
backend that fails (503 with Retry-After, then 200), refuses (400) or checks signatures.
"""
import gzip
import http.server
import json
import os
import signal
import socket
import threading
import time

import pytest

from conftest import Fluoro, aws_client, datagram, metric, new_id, new_trace_id, segment, \
    subsegment


# ---- helpers ----

def exporter_stats(f, name):
    return f.stats()["exporters"][name]


def wait_for(pred, timeout=30, what="condition"):
    deadline = time.time() + timeout
    last = None
    while time.time() < deadline:
        last = pred()
        if last:
            return last
        time.sleep(0.1)
    raise AssertionError("timed out waiting for %s (last: %r)" % (what, last))


def wait_exported(f, name, count, timeout=30):
    """Until the exporter has handled `count` items (sent or rejected) and has no lag."""
    def done():
        s = exporter_stats(f, name)
        return s if s["sent_total"] + s["rejected_total"] >= count and s["lag_items"] == 0 \
            else None
    return wait_for(done, timeout, "%s to export %d items" % (name, count))


def send_docs(f, docs):
    """Sends each document as one UDP datagram, exactly these bytes, and waits for the commit."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        for d in docs:
            s.sendto(datagram(d), f.udp)
            time.sleep(0.0005)
    f.wait_idle()


def stored_documents(f, trace_ids):
    """{segment id: document text} as the receiver returns them (BatchGetTraces)."""
    xray = aws_client(f, "xray")
    out = {}
    ids = list(trace_ids)
    for i in range(0, len(ids), 5):
        for page in xray.get_paginator("batch_get_traces").paginate(TraceIds=ids[i:i + 5]):
            for t in page["Traces"]:
                for seg in t["Segments"]:
                    out[seg["Id"]] = seg["Document"]
    return out


class Backend:
    """An HTTP backend on a free port. policy(n, path, body) -> (status, headers, body) decides
    each answer (n counts requests from 0); every request is recorded."""

    def __init__(self, policy):
        self.requests = []
        self.lock = threading.Lock()
        backend = self

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                with backend.lock:
                    n = len(backend.requests)
                    backend.requests.append((self.path, dict(self.headers), body))
                status, headers, out = policy(n, self.path, body)
                self.send_response(status)
                for k, v in headers.items():
                    self.send_header(k, v)
                self.send_header("Content-Length", str(len(out)))
                self.end_headers()
                self.wfile.write(out)

            def log_message(self, *a):
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = "http://127.0.0.1:%d" % self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()


def xray_ok(n, path, body):
    return 200, {"Content-Type": "application/json"}, b'{"UnprocessedTraceSegments":[]}'


def docs_of(req_body):
    return json.loads(req_body)["TraceSegmentDocuments"]


@pytest.fixture
def receiver():
    f = Fluoro()
    yield f
    assert f.stop() == 0


@pytest.fixture
def started():
    procs = []
    yield procs
    for p in procs:
        p.stop()


def make_trace(name="orders", n_sub=2):
    start = time.time() - 2
    tid = new_trace_id(start)
    subs = [subsegment("DynamoDB", start + 0.01 * i, namespace="aws",
                       aws={"operation": "PutItem", "table_name": "orders"})
            for i in range(n_sub)]
    return segment(name, trace_id=tid, start=start, duration=0.2,
                   http={"request": {"method": "POST", "url": "http://shop/orders"},
                         "response": {"status": 200}},
                   annotations={"customer": "c-%d" % n_sub, "items": n_sub},
                   metadata={"default": {"cart": {"size": n_sub}}}, subsegments=subs)


# ---- X-Ray forward ----

def test_forward_xray_relays_documents_to_a_second_fluoro(receiver, started):
    sender = Fluoro(["--forward-xray", receiver.url])
    started.append(sender)
    docs = [make_trace("svc%d" % (i % 4), i % 3) for i in range(120)]
    send_docs(sender, [json.dumps(d) for d in docs])
    stats = wait_exported(sender, "xray", len(docs))
    assert stats["sent_total"] == len(docs) and stats["rejected_total"] == 0
    assert stats["requests_total"] >= 3  # batches of at most 50
    assert metric(sender, "fluoro_export_sent_total", exporter="xray") == len(docs)
    # (BatchGetTraces adds the inferred DynamoDB segments; only the relayed ones are compared)
    got = stored_documents(receiver, {d["trace_id"] for d in docs})
    for d in docs:
        assert json.loads(got[d["id"]]) == d
    for d in docs[:5]:
        path = "/api/v1/traces/%s?normalize=1" % d["trace_id"]
        assert receiver.get(path) == sender.get(path)


def test_forward_xray_sends_the_documents_byte_for_byte(started):
    bodies = []

    def policy(n, path, body):
        bodies.append(body)
        return xray_ok(n, path, body)
    backend = Backend(policy)
    try:
        sender = Fluoro(["--forward-xray", backend.url])
        started.append(sender)
        texts = []
        for i in range(120):
            d = make_trace("svc%d" % (i % 4), i % 3)
            # odd spacing, key order and escapes survive: the relay sends the text as received
            d["annotations"]["note"] = "caf\u00e9 \"quoted\" \u2603"
            texts.append(json.dumps(d, indent=None if i % 2 else 1, sort_keys=bool(i % 3),
                                    ensure_ascii=bool(i % 5)))
        send_docs(sender, texts)
        wait_exported(sender, "xray", len(texts))
        sent = [doc for b in bodies for doc in docs_of(b)]
        assert all(len(docs_of(b)) <= 50 for b in bodies)
        assert sorted(sent) == sorted(texts)
    finally:
        backend.close()


def test_forward_xray_resends_a_completed_in_progress_segment(receiver, started):
    sender = Fluoro(["--forward-xray", receiver.url])
    started.append(sender)
    d = make_trace()
    first = dict(d, in_progress=True)
    first.pop("end_time")
    send_docs(sender, [json.dumps(first)])
    wait_exported(sender, "xray", 1)
    assert json.loads(stored_documents(receiver, [d["trace_id"]])[d["id"]]).get("in_progress")
    send_docs(sender, [json.dumps(d)])
    wait_exported(sender, "xray", 2)
    doc = json.loads(stored_documents(receiver, [d["trace_id"]])[d["id"]])
    assert "in_progress" not in doc and doc["end_time"] == d["end_time"]


def test_a_reset_keeps_the_export_position(receiver, started):
    """A reset wipes the data but not the cursor: what was relayed is not relayed again, and what
    arrives after the reset still is (the writer numbers it above the cursor)."""
    sender = Fluoro(["--forward-xray", receiver.url])
    started.append(sender)
    before = [make_trace("before%d" % i) for i in range(3)]
    send_docs(sender, [json.dumps(d) for d in before])
    wait_exported(sender, "xray", len(before))
    status, _ = sender.post("/api/v1/reset")
    assert status == 200
    after = [make_trace("after%d" % i) for i in range(2)]
    send_docs(sender, [json.dumps(d) for d in after])
    stats = wait_exported(sender, "xray", len(before) + len(after))
    assert stats["sent_total"] == len(before) + len(after)
    got = stored_documents(receiver, {d["trace_id"] for d in after})
    assert {d["id"] for d in after} <= set(got)


def test_forward_xray_signs_with_sigv4_when_credentials_are_set(started):
    backend = Backend(xray_ok)
    try:
        env = {"AWS_ACCESS_KEY_ID": "AKIDEXAMPLE", "AWS_SECRET_ACCESS_KEY": "secret",
               "AWS_SESSION_TOKEN": "tok123", "AWS_REGION": "eu-west-3"}
        sender = Fluoro(["--forward-xray", backend.url], env=env)
        started.append(sender)
        send_docs(sender, [json.dumps(make_trace())])
        wait_exported(sender, "xray", 1)
        path, headers, body = backend.requests[0]
        assert path == "/TraceSegments"
        auth = headers["Authorization"]
        assert auth.startswith("AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/")
        assert "/eu-west-3/xray/aws4_request" in auth
        assert headers["X-Amz-Security-Token"] == "tok123"
        assert "X-Amz-Date" in headers
    finally:
        backend.close()


def test_otlp_is_signed_only_towards_aws_endpoints(started):
    backend = Backend(lambda n, p, b: (200, {"Content-Type": "application/x-protobuf"}, b""))
    try:
        env = {"AWS_ACCESS_KEY_ID": "AKIDEXAMPLE", "AWS_SECRET_ACCESS_KEY": "secret",
               "AWS_SESSION_TOKEN": "", "AWS_REGION": "eu-west-3"}
        port = backend.url.rsplit(":", 1)[1]
        # curl resolves *.localhost to loopback, so this name reaches the backend
        aws_like = "http://xray.eu-west-3.amazonaws.com.localhost:%s" % port
        signed = Fluoro(["--export-otlp", aws_like], env=env)
        started.append(signed)
        send_docs(signed, [json.dumps(make_trace())])
        wait_exported(signed, "otlp_traces", 1)
        assert "/eu-west-3/xray/aws4_request" in backend.requests[-1][1]["Authorization"]
        n = len(backend.requests)
        plain = Fluoro(["--export-otlp", backend.url], env=env)
        started.append(plain)
        send_docs(plain, [json.dumps(make_trace())])
        wait_exported(plain, "otlp_traces", 1)
        assert "Authorization" not in backend.requests[n][1]
    finally:
        backend.close()


def test_unsigned_without_credentials(started):
    backend = Backend(xray_ok)
    try:
        env = {"AWS_ACCESS_KEY_ID": "", "AWS_SECRET_ACCESS_KEY": "", "AWS_SESSION_TOKEN": ""}
        sender = Fluoro(["--forward-xray", backend.url], env=env)
        started.append(sender)
        send_docs(sender, [json.dumps(make_trace())])
        wait_exported(sender, "xray", 1)
        assert "Authorization" not in backend.requests[0][1]
    finally:
        backend.close()


# ---- failures: retried, refused, restarted ----

def test_503_with_retry_after_then_200_loses_nothing_and_duplicates_nothing(started):
    def policy(n, path, body):
        if n < 4:
            return 503, {"Retry-After": "1", "Content-Type": "application/json"}, \
                b'{"message":"slow down"}'
        return xray_ok(n, path, body)
    backend = Backend(policy)
    try:
        sender = Fluoro(["--forward-xray", backend.url])
        started.append(sender)
        docs = [json.dumps(make_trace("s%d" % i, 0)) for i in range(80)]
        t0 = time.time()
        send_docs(sender, docs)
        wait_for(lambda: exporter_stats(sender, "xray")["failing"] == 1, 10, "failing flag")
        stats = wait_exported(sender, "xray", len(docs))
        assert time.time() - t0 >= 1.0  # Retry-After: 1 was honoured
        assert stats["retried_total"] >= 4 and stats["failing"] == 0
        assert stats["sent_total"] == len(docs) and stats["rejected_total"] == 0
        delivered = [d for i, (_, _, body) in enumerate(backend.requests) if i >= 4
                     for d in docs_of(body)]
        assert sorted(delivered) == sorted(docs)  # each exactly once
    finally:
        backend.close()


def test_400_is_counted_as_rejected_and_not_retried(started):
    backend = Backend(lambda n, p, b: (400, {"Content-Type": "application/json"},
                                       b'{"__type":"InvalidRequestException","message":"no"}'))
    try:
        sender = Fluoro(["--forward-xray", backend.url])
        started.append(sender)
        sent = [make_trace("s%d" % i, 0) for i in range(60)]
        send_docs(sender, [json.dumps(d) for d in sent])
        stats = wait_exported(sender, "xray", 60)
        assert stats["rejected"]["http_400"] == 60 and stats["sent_total"] == 0
        assert stats["retried_total"] == 0
        assert metric(sender, "fluoro_export_rejected_total", exporter="xray",
                      reason="http_400") == 60
        n = len(backend.requests)
        # every document was in exactly one refused request: none was sent again
        assert sorted(d for _, _, b in backend.requests for d in docs_of(b)) == \
            sorted(json.dumps(d) for d in sent)
        time.sleep(1.0)
        assert len(backend.requests) == n  # not retried forever
    finally:
        backend.close()


def test_partial_refusals_in_a_2xx_are_counted_as_unprocessed(started):
    def xray(n, path, body):
        first = docs_of(body)[0]
        out = {"UnprocessedTraceSegments": [{"Id": json.loads(first)["id"],
                                             "ErrorCode": "InvalidSegment", "Message": "no"}]}
        return 200, {"Content-Type": "application/json"}, json.dumps(out).encode()

    def logs(n, path, body):
        return 200, {"Content-Type": "application/x-amz-json-1.1"}, json.dumps(
            {"rejectedLogEventsInfo": {"tooOldLogEventEndIndex": 1,
                                       "tooNewLogEventStartIndex": 9}}).encode()
    bx, bl = Backend(xray), Backend(logs)
    try:
        sender = Fluoro(["--forward-xray", bx.url, "--forward-logs", bl.url])
        started.append(sender)
        send_docs(sender, [json.dumps(make_trace())])
        client = aws_client(sender, "logs")
        client.create_log_group(logGroupName="g")
        client.create_log_stream(logGroupName="g", logStreamName="s")
        now = int(time.time() * 1000)
        client.put_log_events(logGroupName="g", logStreamName="s", logEvents=[
            {"timestamp": now - 100 + i, "message": "m%d" % i} for i in range(10)])
        x = wait_exported(sender, "xray", 1)
        assert x["rejected"]["unprocessed"] == 1 and x["sent_total"] == 0
        lg = wait_exported(sender, "logs", 10)
        # events 0-1 too old and 9 too new: 3 refused, 7 delivered
        assert lg["rejected"]["unprocessed"] == 3 and lg["sent_total"] == 7
    finally:
        bx.close()
        bl.close()


def test_kill_9_mid_stream_then_restart_loses_nothing(tmp_path, started):
    slow = threading.Event()
    slow.set()

    def policy(n, path, body):
        if slow.is_set():
            time.sleep(1.0)
        return xray_ok(n, path, body)
    backend = Backend(policy)
    db = str(tmp_path / "export.db")
    try:
        sender = Fluoro(["--forward-xray", backend.url, "--db", db])
        docs = [json.dumps(make_trace("s%d" % i, 0)) for i in range(3000)]
        send_docs(sender, docs)
        wait_for(lambda: exporter_stats(sender, "xray")["sent_total"] > 0, 10, "first send")
        sender.proc.send_signal(signal.SIGKILL)
        sender.proc.wait()
        sender.log.close()
        sent_before = len(backend.requests)
        assert sent_before * 50 < len(docs)  # it really was mid-stream
        slow.clear()
        again = Fluoro(["--forward-xray", backend.url, "--db", db])
        started.append(again)

        def delivered():
            return [d for _, _, body in list(backend.requests) for d in docs_of(body)]
        wait_for(lambda: set(delivered()) >= set(docs), 30, "every document")  # nothing lost
        wait_exported(again, "xray", 1)
        delivered = delivered()
        assert set(delivered) == set(docs)
        # at most the rounds in flight at the kill are sent twice (1,000 documents a round)
        assert len(delivered) - len(docs) <= 1000
    finally:
        backend.close()


def test_rejects_bad_urls_and_headers():
    import subprocess
    from conftest import FLUORO_BIN
    for args, msg in ((["--forward-xray", "ftp://x"], "--forward-xray"),
                      (["--export-otlp", "localhost:4318"], "--export-otlp"),
                      (["--export-header", "novalue"], "--export-header")):
        r = subprocess.run([FLUORO_BIN, "serve"] + args, capture_output=True, timeout=10)
        assert r.returncode == 2 and msg.encode() in r.stderr, r.stderr


# ---- Logs forward ----

def test_forward_logs_creates_group_and_stream_and_relays_events(receiver, started):
    sender = Fluoro(["--forward-logs", receiver.url])
    started.append(sender)
    logs = aws_client(sender, "logs")
    logs.create_log_group(logGroupName="/app/orders")
    logs.create_log_stream(logGroupName="/app/orders", logStreamName="i-1")
    now = int(time.time() * 1000)
    events = [{"timestamp": now - 5000 + i, "message": "line %d \u00e9" % i} for i in range(3000)]
    for i in range(0, len(events), 1000):
        logs.put_log_events(logGroupName="/app/orders", logStreamName="i-1",
                            logEvents=events[i:i + 1000])
    stats = wait_exported(sender, "logs", len(events))
    assert stats["sent_total"] == len(events) and stats["rejected_total"] == 0
    got = []
    rlogs = aws_client(receiver, "logs")
    for page in rlogs.get_paginator("filter_log_events").paginate(logGroupName="/app/orders"):
        got.extend((e["timestamp"], e["message"], e["logStreamName"]) for e in page["events"])
    assert sorted(got) == sorted((e["timestamp"], e["message"], "i-1") for e in events)


def test_forward_logs_batches_follow_the_put_log_events_rules(started):
    seen = []

    def policy(n, path, body):
        seen.append(json.loads(body))
        return 200, {"Content-Type": "application/x-amz-json-1.1"}, b"{}"
    backend = Backend(policy)
    try:
        sender = Fluoro(["--forward-logs", backend.url])
        started.append(sender)
        logs = aws_client(sender, "logs")
        logs.create_log_group(logGroupName="g")
        for s in ("a", "b"):
            logs.create_log_stream(logGroupName="g", logStreamName=s)
        now = int(time.time() * 1000)
        big = "x" * 200000
        for s in ("a", "b"):
            for k in range(2):  # a PutLogEvents takes at most 1 MiB: 5 events of 200 KB
                logs.put_log_events(logGroupName="g", logStreamName=s,
                                    logEvents=[{"timestamp": now - 1000 + 5 * k + i,
                                                "message": big} for i in range(5)])
        wait_exported(sender, "logs", 20)
        puts = [b for b in seen if "logEvents" in b]
        assert sum(len(b["logEvents"]) for b in puts) == 20
        assert all(len({(b["logGroupName"], b["logStreamName"])}) == 1 for b in puts)
        for b in puts:
            ev = b["logEvents"]
            assert len(ev) <= 10000
            assert sum(len(e["message"].encode()) + 26 for e in ev) <= 1048576
            assert [e["timestamp"] for e in ev] == sorted(e["timestamp"] for e in ev)
            assert ev[-1]["timestamp"] - ev[0]["timestamp"] <= 24 * 3600 * 1000
        assert len(puts) >= 4  # 12 events of 200 KB per stream need at least two calls each
    finally:
        backend.close()


# ---- OTLP ----

def normalized(tree):
    """A trace tree without what the OTLP hop adds by design: explicit false flags, the
    resource copied to otel.resource.* metadata, and rpc.system marking AWS calls."""
    def clean(seg):
        seg = dict(seg)
        for flag in ("error", "fault", "throttle"):
            if seg.get(flag) is False:
                del seg[flag]
        meta = seg.get("metadata")
        if meta:
            d = {k: v for k, v in meta.get("default", {}).items()
                 if not k.startswith("otel.resource.") and k != "rpc.system"}
            meta = dict(meta)
            if d:
                meta["default"] = d
            else:
                meta.pop("default", None)
            if meta:
                seg["metadata"] = meta
            else:
                del seg["metadata"]
        if seg.get("subsegments"):
            seg["subsegments"] = [clean(s) for s in seg["subsegments"]]
        else:
            seg.pop("subsegments", None)
        return seg
    tree = dict(tree)
    tree["segments"] = [clean(s) for s in tree["segments"]]
    return tree


def test_otlp_round_trip_gives_the_same_normalized_tree(receiver, started):
    sender = Fluoro(["--export-otlp", receiver.url, "--export-header", "X-Team=blue"])
    started.append(sender)
    traces = [make_trace("orders", 2), make_trace("payments", 0)]
    # a downstream service whose segment's parent is a subsegment of the first trace
    down = segment("inventory", trace_id=traces[0]["trace_id"],
                   start=traces[0]["start_time"] + 0.05, duration=0.05,
                   parent_id=traces[0]["subsegments"][0]["id"],
                   http={"request": {"method": "GET", "url": "http://inv/"},
                         "response": {"status": 503}}, fault=True)
    send_docs(sender, [json.dumps(d) for d in traces + [down]])
    stats = wait_exported(sender, "otlp_traces", 3)
    assert stats["sent_total"] == 3 and stats["rejected_total"] == 0
    receiver.wait_idle()
    for t in traces:
        path = "/api/v1/traces/%s?normalize=1" % t["trace_id"]
        want = normalized(sender.get(path))
        got = normalized(wait_for(lambda: receiver.request("GET", path)[0] == 200
                                  and receiver.get(path), 10, "trace on receiver"))
        assert got["segments"] == want["segments"]
        assert got["summary"]["ServiceIds"] == want["summary"]["ServiceIds"]
        assert got["summary"]["Annotations"] == want["summary"]["Annotations"]


def test_otlp_request_shape(started):
    backend = Backend(lambda n, p, b: (200, {"Content-Type": "application/x-protobuf"}, b""))
    try:
        sender = Fluoro(["--export-otlp", backend.url + "/", "--export-header", "X-Team=blue",
                         "--export-header", "Authorization=Bearer abc"])
        started.append(sender)
        send_docs(sender, [json.dumps(make_trace())])
        wait_exported(sender, "otlp_traces", 1)
        path, headers, body = backend.requests[0]
        assert path == "/v1/traces"
        assert headers["Content-Type"] == "application/x-protobuf"
        assert headers["Content-Encoding"] == "gzip"
        assert headers["X-Team"] == "blue" and headers["Authorization"] == "Bearer abc"
        raw = gzip.decompress(body)
        assert b"orders" in raw and b"DynamoDB" in raw and b"aws.xray.annotations" in raw
    finally:
        backend.close()


def test_otlp_logs_are_sent_to_v1_logs(started):
    backend = Backend(lambda n, p, b: (200, {"Content-Type": "application/x-protobuf"}, b""))
    try:
        sender = Fluoro(["--export-otlp", backend.url])
        started.append(sender)
        logs = aws_client(sender, "logs")
        logs.create_log_group(logGroupName="g")
        logs.create_log_stream(logGroupName="g", logStreamName="s")
        tid = new_trace_id()
        logs.put_log_events(logGroupName="g", logStreamName="s", logEvents=[
            {"timestamp": int(time.time() * 1000), "message": "hello trace " + tid}])
        wait_exported(sender, "otlp_logs", 1)
        reqs = [r for r in backend.requests if r[0] == "/v1/logs"]
        assert reqs[0][1]["x-aws-log-group"] == "g" and reqs[0][1]["x-aws-log-stream"] == "s"
        raw = gzip.decompress(reqs[0][2])
        assert b"hello trace" in raw and b"aws.log.group.names" in raw
        assert bytes.fromhex(tid[2:10] + tid[11:]) in raw  # the trace id as the record's
    finally:
        backend.close()


def test_otlp_logs_round_trip_through_a_second_fluoro(receiver, started):
    sender = Fluoro(["--export-otlp", receiver.url])
    started.append(sender)
    for f in (sender, receiver):  # CloudWatch's OTLP endpoint needs an existing group and stream
        logs = aws_client(f, "logs")
        logs.create_log_group(logGroupName="/app/web")
        for s in ("a", "b"):
            logs.create_log_stream(logGroupName="/app/web", logStreamName=s)
    logs = aws_client(sender, "logs")
    now = int(time.time() * 1000)
    sent = {}
    for s in ("a", "b"):
        events = [{"timestamp": now - 1000 + i, "message": "%s line %d" % (s, i)} for i in range(50)]
        logs.put_log_events(logGroupName="/app/web", logStreamName=s, logEvents=events)
        sent[s] = [(e["timestamp"], e["message"]) for e in events]
    stats = wait_exported(sender, "otlp_logs", 100)
    assert stats["sent_total"] == 100 and stats["rejected_total"] == 0
    rlogs = aws_client(receiver, "logs")
    for s in ("a", "b"):
        got = rlogs.get_log_events(logGroupName="/app/web", logStreamName=s,
                                   startFromHead=True)["events"]
        # the receiver keeps each record as OTLP JSON (CloudWatch's form); the body is the line
        assert [(e["timestamp"], json.loads(e["message"])["body"]) for e in got] == sent[s]


def test_spans_received_over_otlp_leave_as_traces_not_as_log_events(started):
    backend = Backend(lambda n, p, b: (200, {"Content-Type": "application/x-amz-json-1.1"}, b"{}"))
    try:
        sender = Fluoro(["--forward-logs", backend.url])
        started.append(sender)
        now = time.time_ns()
        body = {"resourceSpans": [{"resource": {"attributes": [
            {"key": "service.name", "value": {"stringValue": "otel-svc"}}]},
            "scopeSpans": [{"spans": [{"traceId": os.urandom(16).hex(), "spanId": os.urandom(8).hex(),
                                       "name": "GET /", "kind": 2,
                                       "startTimeUnixNano": str(now - 10**8),
                                       "endTimeUnixNano": str(now)}]}]}]}
        status, _, _ = sender.request("POST", "/v1/traces", json.dumps(body).encode(),
                                      {"Content-Type": "application/json"})
        assert status == 200
        logs = aws_client(sender, "logs")
        logs.create_log_group(logGroupName="g")
        logs.create_log_stream(logGroupName="g", logStreamName="s")
        logs.put_log_events(logGroupName="g", logStreamName="s",
                            logEvents=[{"timestamp": int(time.time() * 1000), "message": "m"}])
        assert logs.filter_log_events(logGroupName="aws/spans")["events"]  # stored as events
        stats = wait_exported(sender, "logs", 1)
        groups = {json.loads(b).get("logGroupName") for _, _, b in backend.requests}
        assert groups == {"g"} and stats["sent_total"] == 1 and stats["lag_items"] == 0
    finally:
        backend.close()
