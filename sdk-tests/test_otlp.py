"""OTLP in, bad input and limits: POST /v1/traces and /v1/logs answer every malformed, oversized
or unsupported request with the OTLP/HTTP error (a google.rpc.Status in the request's content
type), refuse single spans through partial_success, count each refusal by reason in /metrics,
and keep running; ADOT's UDP payloads are told apart by prefix (T1S stored, T1U/M1 counted,
junk never counted as "not_json"). Protobuf bodies are assembled by hand (no protobuf module on
this machine), which also pins the field numbers the endpoint relies on."""
import base64
import gzip
import json
import socket
import struct
import threading
import time

from conftest import HEADER, aws_client, metric, new_trace_id

JSON = {"Content-Type": "application/json"}
PROTO = {"Content-Type": "application/x-protobuf"}
UDP_HEADER = HEADER.encode() + b"\n"


# ---- a minimal protobuf writer/reader ----

def varint(n):
    out = b""
    while True:
        b = n & 0x7F
        n >>= 7
        if n:
            out += bytes([b | 0x80])
        else:
            return out + bytes([b])


def field(num, wire, payload):
    key = varint(num << 3 | wire)
    if wire == 0:
        return key + varint(payload)
    if wire == 1:
        return key + struct.pack("<Q", payload)
    return key + varint(len(payload)) + payload


def pb_span(trace_id, span_id, name, start_ns, end_ns, kind=2, parent=b""):
    body = field(1, 2, trace_id) + field(2, 2, span_id) + field(5, 2, name.encode())
    if parent:
        body += field(4, 2, parent)
    return body + field(6, 0, kind) + field(7, 1, start_ns) + field(8, 1, end_ns)


def pb_request(spans, service="pb-svc"):
    kv = field(1, 2, b"service.name") + field(2, 2, field(1, 2, service.encode()))
    resource = field(1, 2, kv)
    scope_spans = b"".join(field(2, 2, s) for s in spans)
    resource_spans = field(1, 2, resource) + field(2, 2, scope_spans)
    return field(1, 2, resource_spans)


def pb_read(data):
    """Top-level fields of a message: {number: [values]} (varints as ints, others as bytes)."""
    out, i = {}, 0
    while i < len(data):
        key, i = read_varint(data, i)
        num, wire = key >> 3, key & 7
        if wire == 0:
            val, i = read_varint(data, i)
        elif wire == 2:
            n, i = read_varint(data, i)
            val, i = data[i:i + n], i + n
        else:
            raise AssertionError("unexpected wire type %d" % wire)
        out.setdefault(num, []).append(val)
    return out


def read_varint(data, i):
    n = shift = 0
    while True:
        b = data[i]
        i += 1
        n |= (b & 0x7F) << shift
        shift += 7
        if not b & 0x80:
            return n, i


def json_span(trace_hex, span_hex, name, start_s, kind=2, **extra):
    span = {"traceId": trace_hex, "spanId": span_hex, "name": name, "kind": kind,
            "startTimeUnixNano": str(int(start_s * 1e9)),
            "endTimeUnixNano": str(int((start_s + 0.05) * 1e9))}
    span.update(extra)
    return span


def json_request(spans, service="json-svc"):
    return {"resourceSpans": [{
        "resource": {"attributes": [{"key": "service.name", "value": {"stringValue": service}}]},
        "scopeSpans": [{"scope": {"name": "t"}, "spans": spans}]}]}


def w3c(xray_id):
    return xray_id[2:10] + xray_id[11:]


def post_traces(f, body, headers=JSON):
    data = body if isinstance(body, bytes) else json.dumps(body).encode()
    return f.request("POST", "/v1/traces", data, headers)


def status_json(body):
    doc = json.loads(body)
    assert set(doc) <= {"code", "message", "details"}, doc
    return doc


# ---- /v1/traces ----

def test_protobuf_request_answers_protobuf_and_stores_the_span(fluoro):
    tid = new_trace_id()
    now = time.time()
    req = pb_request([pb_span(bytes.fromhex(w3c(tid)), bytes.fromhex("1234567890abcdef"), "GET /pb",
                              int(now * 1e9), int((now + 0.1) * 1e9))])
    status, headers, body = post_traces(fluoro, req, PROTO)
    assert status == 200, body
    assert headers["Content-Type"] == "application/x-protobuf"
    assert body == b""  # an empty ExportTraceServiceResponse
    trace = fluoro.get("/api/v1/traces/" + tid)
    assert [s["name"] for s in trace["segments"]] == ["pb-svc"]
    assert trace["segments"][0]["id"] == "1234567890abcdef"


def test_bad_bodies_get_a_status_in_the_request_content_type(fluoro):
    status, headers, body = post_traces(fluoro, b"{not json", JSON)
    assert status == 400 and headers["Content-Type"] == "application/json"
    assert status_json(body)["code"] == 3 and "not valid JSON" in status_json(body)["message"]
    status, _, body = post_traces(fluoro, {"resourceSpans": {"x": 1}})
    assert status == 400 and "must be an array" in status_json(body)["message"]
    status, _, body = post_traces(fluoro, json_request([json_span("zz" * 16, "11" * 8, "x", time.time())]))
    assert status == 400 and "hex" in status_json(body)["message"]
    # protobuf: a length running past the end, and messages nested past the depth limit
    status, headers, body = post_traces(fluoro, b"\x0a\xff\x01abc", PROTO)
    assert status == 400 and headers["Content-Type"] == "application/x-protobuf"
    st = pb_read(body)
    assert st[1] == [3] and b"truncated" in st[2][0]
    nested = b""
    for _ in range(200):  # AnyValue.array_value.values[0]... nested 200 deep
        nested = field(5, 2, field(1, 2, nested))
    kv = field(1, 2, b"k") + field(2, 2, nested)
    deep = field(1, 2, field(2, 2, field(2, 2, field(9, 2, kv))))
    status, _, body = post_traces(fluoro, deep, PROTO)
    assert status == 400 and b"nested" in pb_read(body)[2][0]
    assert metric(fluoro, "fluoro_otlp_requests_rejected_total", reason="malformed") == 5
    assert fluoro.get("/health")


def test_content_type_and_encoding_rules(fluoro):
    status, headers, body = post_traces(fluoro, b"{}", {"Content-Type": "text/plain"})
    assert status == 415 and headers["Content-Type"] == "application/json"
    assert "Content-Type" in status_json(body)["message"]
    status, _, body = post_traces(fluoro, b"{}", dict(JSON, **{"Content-Encoding": "br"}))
    assert status == 415
    status, _, body = post_traces(fluoro, b"\x1f\x8b\x08garbage", dict(JSON, **{"Content-Encoding": "gzip"}))
    assert status == 400 and "gzip" in status_json(body)["message"]
    tid = new_trace_id()
    req = json_request([json_span(w3c(tid), "22" * 8, "zipped", time.time())])
    status, _, body = post_traces(fluoro, gzip.compress(json.dumps(req).encode()),
                                  dict(JSON, **{"Content-Encoding": "gzip"}))
    assert status == 200, body
    assert json.loads(body) == {}
    assert metric(fluoro, "fluoro_otlp_requests_rejected_total", reason="media_type") == 2


def test_size_and_span_count_limits(fluoro):
    # 6 MB of zeros compress to a few KB; inflated, they pass AWS's 5 MB limit
    bomb = gzip.compress(b" " * (6 * 1024 * 1024))
    status, _, body = post_traces(fluoro, bomb, dict(JSON, **{"Content-Encoding": "gzip"}))
    assert status == 413 and "5242880" in status_json(body)["message"]
    now = time.time()
    tid = w3c(new_trace_id())
    spans = [json_span(tid, "%016x" % (i + 1), "s", now) for i in range(10001)]
    status, _, body = post_traces(fluoro, json_request(spans))
    assert status == 400 and "10001 spans" in status_json(body)["message"]
    assert metric(fluoro, "fluoro_otlp_requests_rejected_total", reason="too_large") == 1
    assert metric(fluoro, "fluoro_otlp_requests_rejected_total", reason="too_many_spans") == 1


def test_spans_more_than_24_hours_apart_refuse_the_whole_request(fluoro):
    # AWS's OTLP endpoint: "Maximum time gap in events / request: 24 hours"
    now = time.time()
    tid = w3c(new_trace_id())
    early = json_span(tid, "%016x" % 1, "early", now - 25 * 3600)
    late = json_span(tid, "%016x" % 2, "late", now)
    status, _, body = post_traces(fluoro, json_request([early, late]))
    assert status == 400
    assert "within 24 hours" in status_json(body)["message"]
    assert metric(fluoro, "fluoro_otlp_requests_rejected_total", reason="time_gap") == 1
    # nothing of the refused request was stored, and 23 h apart is accepted; a span refused on
    # its own (15 days old) does not count towards the gap
    old = json_span(tid, "%016x" % 3, "old", now - 15 * 86400)
    early["startTimeUnixNano"] = str(int((now - 23 * 3600) * 1e9))
    early["endTimeUnixNano"] = str(int((now - 23 * 3600 + 0.05) * 1e9))
    status, _, body = post_traces(fluoro, json_request([early, late, old]))
    assert status == 200 and json.loads(body)["partialSuccess"]["rejectedSpans"] == "1"
    assert metric(fluoro, "fluoro_otlp_spans_accepted_total") == 2


def test_body_over_the_http_limit_gets_the_otlp_413(fluoro_factory):
    f = fluoro_factory(["--http-body-limit", "64KiB"])
    status, headers, body = post_traces(f, b"x" * 100000, PROTO)
    assert status == 413 and headers["Content-Type"] == "application/x-protobuf"
    assert pb_read(body)[1] == [8]


def test_refused_spans_are_reported_in_partial_success(fluoro):
    now = time.time()
    tid = new_trace_id()
    spans = [
        json_span(w3c(tid), "a1" * 8, "ok", now),
        json_span(w3c(tid), "a2" * 8, "old", now - 15 * 86400),
        json_span(w3c(tid), "a3" * 8, "future", now + 3 * 3600),
        json_span(w3c(tid), "a4", "short id", now),
        json_span(w3c(tid), "a5" * 8, "huge", now, attributes=[
            {"key": "blob", "value": {"stringValue": "x" * (210 * 1024)}}]),
        json_span(w3c(tid), "a6" * 8, "backwards", now, endTimeUnixNano=str(int((now - 1) * 1e9))),
    ]
    status, _, body = post_traces(fluoro, json_request(spans))
    assert status == 200, body
    partial = json.loads(body)["partialSuccess"]
    assert partial["rejectedSpans"] == "5"
    assert "14 days" in partial["errorMessage"]
    for reason in ("too_old", "too_new", "bad_id", "too_large", "bad_segment"):
        assert metric(fluoro, "fluoro_otlp_spans_rejected_total", reason=reason) == 1, reason
    assert metric(fluoro, "fluoro_otlp_spans_accepted_total") == 1
    trace = fluoro.get("/api/v1/traces/" + tid)
    assert [s["id"] for s in trace["segments"]] == ["a1" * 8]


def test_full_ingest_queue_answers_503_with_retry_after(fluoro_factory):
    """With a one-slot queue kept busy by a UDP flood, some requests find it full: those get 503
    with Retry-After and are counted; every request that got 200 is stored."""
    f = fluoro_factory(["--queue-size", "1"])
    stop = threading.Event()

    def flood():
        sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        doc = UDP_HEADER + json.dumps({"trace_id": new_trace_id(), "id": "6" * 16, "name": "f",
                                       "start_time": time.time(), "end_time": time.time()}).encode()
        while not stop.is_set():
            sock.sendto(doc, f.udp)
        sock.close()

    t = threading.Thread(target=flood)
    t.start()
    refused, accepted = 0, []
    try:
        for i in range(400):
            tid = new_trace_id()
            req = json_request([json_span(w3c(tid), "%016x" % (i + 1), "x", time.time())])
            status, headers, body = post_traces(f, req)
            if status == 503:
                assert headers["Retry-After"] == "1" and status_json(body)["code"] == 14
                refused += 1
            else:
                assert status == 200, body
                accepted.append(tid)
            if refused >= 3 and len(accepted) >= 3:
                break
    finally:
        stop.set()
        t.join()
    assert refused >= 1
    assert metric(f, "fluoro_otlp_requests_rejected_total", reason="queue_full") == refused
    for tid in accepted:
        assert f.get("/api/v1/traces/" + tid)["segments"][0]["name"] == "json-svc"


def test_sigv4_is_accepted_but_not_required(fluoro):
    tid = new_trace_id()
    req = json_request([json_span(w3c(tid), "44" * 8, "signed", time.time())])
    auth = ("AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20261203/eu-west-1/xray/aws4_request, "
            "SignedHeaders=host;x-amz-date, Signature=" + "0" * 64)
    status, _, _ = post_traces(fluoro, req, dict(JSON, Authorization=auth))
    assert status == 200
    assert fluoro.get("/api/v1/traces/" + tid)["segments"][0]["name"] == "json-svc"


# ---- UDP 2000 ----

def test_udp_prefixes_are_demultiplexed(fluoro):
    tid = new_trace_id()
    now = time.time()
    req = pb_request([pb_span(bytes.fromhex(w3c(tid)), bytes.fromhex("5555555555555555"), "udp",
                              int(now * 1e9), int((now + 0.1) * 1e9))], service="udp-svc")
    fluoro.send_udp(UDP_HEADER + b"T1S" + base64.b64encode(req))
    fluoro.send_udp(UDP_HEADER + b"T1U" + base64.b64encode(req))
    fluoro.send_udp(UDP_HEADER + b"M1" + base64.b64encode(b"\x0a\x00"))
    fluoro.send_udp(UDP_HEADER + b"T1S" + b"!!not base64!!")
    fluoro.send_udp(UDP_HEADER + b"T1S" + base64.b64encode(b"\x0a\xff\x01"))
    fluoro.wait_idle()
    assert fluoro.get("/api/v1/traces/" + tid)["segments"][0]["name"] == "udp-svc"
    assert metric(fluoro, "fluoro_udp_rejected_total", reason="otel_unsampled") == 1
    assert metric(fluoro, "fluoro_udp_rejected_total", reason="otel_metrics") == 1
    assert metric(fluoro, "fluoro_udp_rejected_total", reason="otel_invalid") == 2
    assert metric(fluoro, "fluoro_udp_rejected_total", reason="not_json") == 0
    assert metric(fluoro, "fluoro_udp_stored_total") == 1
    assert metric(fluoro, "fluoro_otlp_spans_accepted_total") == 1


# ---- /v1/logs ----

def logs_request(records):
    return {"resourceLogs": [{"resource": {"attributes": [
        {"key": "service.name", "value": {"stringValue": "api"}}]},
        "scopeLogs": [{"scope": {"name": "t"}, "logRecords": records}]}]}


def test_logs_need_an_existing_group_and_stream(fluoro):
    logs = aws_client(fluoro, "logs")
    rec = logs_request([{"timeUnixNano": str(time.time_ns()), "body": {"stringValue": "hi"}}])
    data = json.dumps(rec).encode()
    status, _, body = fluoro.request("POST", "/v1/logs", data, JSON)
    assert status == 400 and "x-aws-log-group" in status_json(body)["message"]
    hdrs = dict(JSON, **{"x-aws-log-group": "g", "x-aws-log-stream": "s"})
    status, _, body = fluoro.request("POST", "/v1/logs", data, hdrs)
    assert status == 400 and "log group does not exist" in status_json(body)["message"]
    logs.create_log_group(logGroupName="g")
    status, _, body = fluoro.request("POST", "/v1/logs", data, hdrs)
    assert status == 400 and "log stream does not exist" in status_json(body)["message"]
    logs.create_log_stream(logGroupName="g", logStreamName="s")
    status, _, body = fluoro.request("POST", "/v1/logs", data, hdrs)
    assert status == 200 and json.loads(body) == {}
    events = logs.get_log_events(logGroupName="g", logStreamName="s")["events"]
    assert json.loads(events[0]["message"])["body"] == "hi"


def test_logs_limits_and_partial_success(fluoro):
    logs = aws_client(fluoro, "logs")
    logs.create_log_group(logGroupName="g")
    logs.create_log_stream(logGroupName="g", logStreamName="s")
    hdrs = dict(JSON, **{"x-aws-log-group": "g", "x-aws-log-stream": "s"})
    now = time.time_ns()
    rec = logs_request([
        {"timeUnixNano": str(now), "body": {"stringValue": "kept"}},
        {"timeUnixNano": str(now - 15 * 86400 * 10**9), "body": {"stringValue": "old"}},
        {"timeUnixNano": str(now + 3 * 3600 * 10**9), "body": {"stringValue": "new"}},
    ])
    status, _, body = fluoro.request("POST", "/v1/logs", json.dumps(rec).encode(), hdrs)
    assert status == 200, body
    partial = json.loads(body)["partialSuccess"]
    assert partial["rejectedLogRecords"] == "2"
    assert json.loads(partial["errorMessage"])["tooOldLogEventCount"] == 1
    big = logs_request([{"body": {"stringValue": "x" * (1048576 + 10)}}])
    status, _, body = fluoro.request("POST", "/v1/logs", json.dumps(big).encode(), hdrs)
    assert status == 413
    assert metric(fluoro, "fluoro_otlp_log_records_accepted_total") == 1
    assert metric(fluoro, "fluoro_otlp_log_records_rejected_total") == 2
