"""UDP ingest (reference/daemon-protocol.md §1, segment-document.md): datagrams as the SDKs and
the real daemon's clients send them, every reject reason counted, the books balancing under a
burst that overflows a tiny queue, and the assembly rules for documents that arrive out of
order or in pieces."""
import json
import socket
import time

import pytest

from conftest import (HEADER, HEADER_SPACED, aws_client, datagram, metric, new_id,
                      new_trace_id, segment, subsegment)

REASONS = ["no_header", "bad_header", "not_json", "not_object", "too_large", "missing_field",
           "wrong_type", "bad_trace_id", "bad_id", "bad_name", "bad_time", "bad_subsegment",
           # ADOT's OTel payloads (test_otlp.py sends them)
           "otel_unsampled", "otel_metrics", "otel_invalid"]


def books(stats):
    return (stats["udp_received_total"], stats["udp_stored_total"], stats["udp_rejected_total"],
            stats["udp_dropped_total"])


def assert_books_balance(f):
    st = f.stats()
    received, stored, rejected, dropped = books(st)
    assert received == stored + rejected + dropped, st
    assert rejected == sum(st["udp_rejected"].values()), st
    return st


def send_all(f, payloads):
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        for p in payloads:
            s.sendto(p, f.udp)


def docs_of(xray, trace_id):
    """BatchGetTraces for one id -> list of parsed segment documents."""
    out = xray.batch_get_traces(TraceIds=[trace_id])
    assert out["UnprocessedTraceIds"] == [], out
    assert len(out["Traces"]) == 1, out
    trace = out["Traces"][0]
    assert trace["Id"] == trace_id
    docs = [json.loads(s["Document"]) for s in trace["Segments"]]
    for s, d in zip(trace["Segments"], docs):
        assert s["Id"] == d["id"]
    return docs


def summary_of(xray, trace_id):
    now = time.time()
    res = xray.get_trace_summaries(StartTime=now - 3600, EndTime=now + 3600,
                                   FilterExpression='annotation.probe = "%s"' % trace_id)
    found = [s for s in res["TraceSummaries"] if s["Id"] == trace_id]
    if not found:  # the filter may not be the point of the test: fall back to a plain scan
        res = xray.get_trace_summaries(StartTime=now - 3600, EndTime=now + 3600)
        found = [s for s in res["TraceSummaries"] if s["Id"] == trace_id]
    assert len(found) == 1, res
    return found[0]


def find_sub(doc, sub_id):
    for s in doc.get("subsegments", []):
        if s["id"] == sub_id:
            return s
        hit = find_sub(s, sub_id)
        if hit:
            return hit
    return None


def test_both_header_spellings_are_stored(fluoro):
    xray = aws_client(fluoro, "xray")
    a = segment("spaced-header", http={"response": {"status": 200}})
    b = segment("compact-header", http={"response": {"status": 200}})
    fluoro.send_udp(datagram(a, HEADER_SPACED))
    fluoro.send_udp(datagram(b, HEADER))
    # Also a header with other member order and case in "format", which still parses as valid.
    c = segment("reordered-header")
    fluoro.send_udp(datagram(c, '{ "version" : 1 , "format" : "JSON" }'))
    assert fluoro.wait_idle()["idle"]
    for doc in (a, b, c):
        (got,) = docs_of(xray, doc["trace_id"])
        assert got["name"] == doc["name"]
        assert got["id"] == doc["id"]
        assert got["start_time"] == pytest.approx(doc["start_time"])
        assert got["end_time"] == pytest.approx(doc["end_time"])
    now = time.time()
    ids = {s["Id"] for s in xray.get_trace_summaries(StartTime=now - 600,
                                                     EndTime=now + 60)["TraceSummaries"]}
    assert {a["trace_id"], b["trace_id"], c["trace_id"]} <= ids
    st = assert_books_balance(fluoro)
    assert st["udp_stored_total"] == 3 and st["udp_rejected_total"] == 0
    assert st["traces"] == 3 and st["segments"] == 3


def rejected_cases():
    """(reason, datagram) for every way a datagram can be refused."""
    def good(**kw):
        doc = segment("reject-probe")
        doc.update(kw)
        return doc
    no_end = good()
    del no_end["end_time"]
    no_name = good()
    del no_name["name"]
    no_trace = good()
    del no_trace["trace_id"]
    t = time.time() - 1
    return [
        ("no_header", json.dumps(good()).encode()),                 # no newline at all
        ("no_header", (HEADER + "\n").encode()),                   # nothing after the newline
        ("no_header", b"\n"),
        ("bad_header", b'{"format":"json","version":1\n' + json.dumps(good()).encode()),
        ("bad_header", b'not json at all\n' + json.dumps(good()).encode()),
        ("bad_header", datagram(good(), '{"format":"xml","version":1}')),
        ("bad_header", datagram(good(), '{"format":"json","version":2}')),
        ("bad_header", datagram(good(), '{"format":"json","version":"1"}')),
        ("bad_header", datagram(good(), '{"format":"json"}')),
        ("bad_header", datagram(good(), '[1]')),
        ("not_json", datagram('{"trace_id": "1-')),
        ("not_json", datagram(b"\xff\xfe garbage \x00")),
        ("not_object", datagram("[1, 2, 3]")),
        ("not_object", datagram('"a string"')),
        ("missing_field", datagram(no_end)),
        ("missing_field", datagram(no_name)),
        ("missing_field", datagram(no_trace)),
        ("missing_field", datagram(good(type="subsegment"))),      # streamed: needs parent_id
        ("wrong_type", datagram(good(start_time="yesterday"))),
        ("wrong_type", datagram(good(name=42))),
        ("bad_trace_id", datagram(good(trace_id="1-abc-def"))),
        ("bad_trace_id", datagram(good(trace_id="2-5759e988-bd862e3fe1be46a994272793"))),
        ("bad_trace_id", datagram(good(trace_id="1-5759e98z-bd862e3fe1be46a994272793"))),
        ("bad_id", datagram(good(id="xyz"))),
        ("bad_id", datagram(good(id="0123456789abcdef0"))),
        ("bad_id", datagram(good(parent_id="not-an-id"))),
        ("bad_time", datagram(good(start_time=t, end_time=t - 1))),
        ("bad_name", datagram(good(name=""))),
        ("bad_name", datagram(good(name="x" * 201))),
        ("bad_name", datagram(good(name="semi;colon<script>"))),
        ("bad_subsegment", datagram(good(subsegments=[{"id": new_id(), "start_time": t,
                                                         "end_time": t + 1}]))),   # no name
        ("bad_subsegment", datagram(good(subsegments=[subsegment("s", t, id="short")]))),
        ("bad_subsegment", datagram(good(subsegments=[subsegment(
            "outer", t, subsegments=[subsegment("inner", t, 1, end_time=t - 5)])]))),
        ("bad_subsegment", datagram(good(subsegments=["not an object"]))),
    ]


def test_every_reject_reason_is_counted(fluoro):
    cases = rejected_cases()
    send_all(fluoro, [d for _, d in cases])
    # An empty datagram is received and rejected too.
    send_all(fluoro, [b""])
    assert fluoro.wait_idle()["idle"]
    st = assert_books_balance(fluoro)
    expected = {r: 0 for r in REASONS}
    for reason, _ in cases:
        expected[reason] += 1
    expected["no_header"] += 1
    assert st["udp_received_total"] == len(cases) + 1
    assert st["udp_stored_total"] == 0
    assert st["udp_dropped_total"] == 0
    assert st["udp_rejected"] == {r: expected[r] for r in REASONS}, (
        {r: (st["udp_rejected"].get(r), expected[r]) for r in REASONS
         if st["udp_rejected"].get(r) != expected[r]})
    for r in REASONS:
        assert metric(fluoro, "fluoro_udp_rejected_total", reason=r) == expected[r], r
    assert metric(fluoro, "fluoro_udp_received_total") == len(cases) + 1
    assert st["traces"] == 0 and st["segments"] == 0


def test_largest_datagram_fits_and_oversized_documents_are_refused(fluoro):
    """A UDP datagram cannot exceed 65,507 bytes, so the 64 KiB document limit is only reachable
    over HTTP; the largest datagram must be read whole (no truncation) and stored."""
    xray = aws_client(fluoro, "xray")
    doc = segment("max-datagram", metadata={"default": {"pad": ""}})
    base = len(datagram(doc))
    doc["metadata"]["default"]["pad"] = "p" * (65507 - base)
    payload = datagram(doc)
    assert len(payload) == 65507
    fluoro.send_udp(payload)
    assert fluoro.wait_idle()["idle"]
    (got,) = docs_of(xray, doc["trace_id"])
    assert len(got["metadata"]["default"]["pad"]) == 65507 - base
    big = segment("too-big", metadata={"default": {"pad": "q" * 70000}})
    out = xray.put_trace_segments(TraceSegmentDocuments=[json.dumps(big)])
    (un,) = out["UnprocessedTraceSegments"]
    assert un["Id"] == big["id"] and un["ErrorCode"] == "SegmentTooLarge", un
    st = assert_books_balance(fluoro)
    assert st["udp_stored_total"] == 1 and st["udp_rejected_total"] == 0


def test_process_survives_garbage_and_keeps_ingesting(fluoro):
    import random
    rng = random.Random(1234)
    junk = [bytes(rng.getrandbits(8) for _ in range(rng.randint(0, 2000))) for _ in range(300)]
    junk += [HEADER.encode() + b"\n" + b"{" * 5000, HEADER.encode() + b"\n" + b"[" * 60000,
             HEADER.encode() + b"\n" + b'{"a":' * 10000,
             datagram('{"trace_id":"' + "1" * 60000 + '"}'),
             HEADER.encode() + b"\n" + b"\x00" * 1000,
             datagram(segment("nul", annotations={"k\u0000": "v\u0000"}))]
    send_all(fluoro, junk)
    assert fluoro.wait_idle()["idle"]
    assert fluoro.get("/health")["status"] == "ok"
    good = segment("after-garbage")
    fluoro.send_udp(datagram(good))
    assert fluoro.wait_idle()["idle"]
    (got,) = docs_of(aws_client(fluoro, "xray"), good["trace_id"])
    assert got["name"] == "after-garbage"
    st = assert_books_balance(fluoro)
    assert st["udp_received_total"] == len(junk) + 1
    assert st["udp_rejected_total"] >= len(junk) - 1


def test_books_balance_under_a_burst_with_a_tiny_queue(fluoro_factory):
    f = fluoro_factory(["--queue-size", "8"])
    assert f.stats()["queue_capacity"] == 8
    n = 6000
    t = time.time() - 5
    payloads = []
    for i in range(n):
        if i % 10 == 3:
            payloads.append(b"garbage without a header")
        elif i % 10 == 7:
            payloads.append(datagram(segment("burst", id="zz")))
        else:
            payloads.append(datagram(segment("burst", start=t + i * 1e-4)))
    send_all(f, payloads)
    # Drain: the wait must report idle, and a second wait must find the same numbers.
    assert f.wait_idle(idle_ms=300, timeout_ms=60000)["idle"]
    st = assert_books_balance(f)
    received, stored, rejected, dropped = books(st)
    assert 0 < received <= n
    assert dropped > 0, "a queue of 8 must overflow under %d datagrams: %s" % (n, st)
    assert stored > 0 and rejected > 0
    assert st["udp_rejected"]["no_header"] + st["udp_rejected"]["bad_id"] == rejected
    assert st["segments"] == stored
    assert metric(f, "fluoro_udp_dropped_total") == dropped
    assert metric(f, "fluoro_udp_received_total") == received
    # Nothing keeps arriving after idle: the books are final.
    assert f.wait_idle(idle_ms=100)["idle"]
    assert books(f.stats()) == books(st)
    assert f.get("/health")["status"] == "ok"


def test_streamed_subsegments_before_their_parent(fluoro):
    xray = aws_client(fluoro, "xray")
    t = time.time() - 2
    tid = new_trace_id(t)
    parent = segment("frontend", trace_id=tid, start=t, duration=0.5,
                     annotations={"probe": tid}, http={"response": {"status": 200}})
    inner = subsegment("handler", t + 0.01, 0.4)
    parent["subsegments"] = [inner]
    # Two streamed subsegments: one under the segment, one under its embedded subsegment, the
    # second with a child of its own streamed even earlier.
    s1 = subsegment("streamed-a", t + 0.02, 0.1, type="subsegment", trace_id=tid,
                    parent_id=parent["id"])
    s2 = subsegment("streamed-b", t + 0.15, 0.1, type="subsegment", trace_id=tid,
                    parent_id=inner["id"])
    s3 = subsegment("streamed-c", t + 0.16, 0.05, type="subsegment", trace_id=tid,
                    parent_id=s2["id"], namespace="remote",
                    http={"request": {"url": "http://backend:8080/x", "method": "GET"},
                          "response": {"status": 200}})
    send_all(fluoro, [datagram(s3), datagram(s1), datagram(s2)])
    assert fluoro.wait_idle()["idle"]
    st = fluoro.stats()
    assert st["udp_stored_total"] == 3 and st["segments"] == 3
    # Orphans are kept; the trace is partial while their parents are missing.
    res = xray.get_trace_summaries(StartTime=t - 60, EndTime=t + 60)
    (summary,) = [s for s in res["TraceSummaries"] if s["Id"] == tid]
    assert summary["IsPartial"] is True
    fluoro.send_udp(datagram(parent))
    assert fluoro.wait_idle()["idle"]
    docs = docs_of(xray, tid)
    real = [d for d in docs if not d.get("inferred")]
    assert [d["id"] for d in real] == [parent["id"]], docs  # one document per *segment*
    (front,) = real
    assert "type" not in front or front["type"] != "subsegment"
    got_s1 = find_sub(front, s1["id"])
    got_s2 = find_sub(front, s2["id"])
    got_s3 = find_sub(front, s3["id"])
    assert got_s1 is not None and got_s1["name"] == "streamed-a"
    assert s1["id"] in [s["id"] for s in front["subsegments"]]
    assert s2["id"] in [s["id"] for s in find_sub(front, inner["id"])["subsegments"]]
    assert s3["id"] in [s["id"] for s in got_s2["subsegments"]]
    assert got_s3["namespace"] == "remote"
    # The remote call gets an inferred segment, parented on the calling subsegment.
    inferred = [d for d in docs if d.get("inferred")]
    assert [d["parent_id"] for d in inferred] == [s3["id"]], inferred
    assert inferred[0]["name"] == "streamed-c" and inferred[0]["trace_id"] == tid
    summary = summary_of(xray, tid)
    assert summary["IsPartial"] is False
    assert summary["Duration"] == pytest.approx(0.5, abs=1e-3)


def test_in_progress_is_replaced_by_complete_and_never_the_reverse(fluoro):
    xray = aws_client(fluoro, "xray")
    t = time.time() - 3
    done = segment("worker", start=t, duration=1.25, annotations={"probe": "x"},
                   http={"response": {"status": 200}})
    tid = done["trace_id"]
    done["annotations"]["probe"] = tid
    started = {k: v for k, v in done.items() if k != "end_time"}
    started["in_progress"] = True
    started["annotations"] = {"probe": tid, "stage": "started"}
    fluoro.send_udp(datagram(started))
    assert fluoro.wait_idle()["idle"]
    (doc,) = docs_of(xray, tid)
    assert doc["in_progress"] is True and "end_time" not in doc
    assert summary_of(xray, tid)["IsPartial"] is True

    fluoro.send_udp(datagram(done))
    assert fluoro.wait_idle()["idle"]
    (doc,) = docs_of(xray, tid)
    assert doc["end_time"] == pytest.approx(done["end_time"]) and not doc.get("in_progress")
    assert "stage" not in doc["annotations"]
    s = summary_of(xray, tid)
    assert s["IsPartial"] is False
    assert s["Duration"] == pytest.approx(1.25, abs=1e-3)
    assert s["ResponseTime"] == pytest.approx(1.25, abs=1e-3)

    # A late in-progress copy (e.g. a retry) must not undo the complete document.
    late = dict(started, annotations={"probe": tid, "stage": "late"})
    fluoro.send_udp(datagram(late))
    assert fluoro.wait_idle()["idle"]
    (doc,) = docs_of(xray, tid)
    assert doc["end_time"] == pytest.approx(done["end_time"]) and not doc.get("in_progress")
    assert "stage" not in doc["annotations"]
    assert summary_of(xray, tid)["IsPartial"] is False
    st = assert_books_balance(fluoro)
    assert st["udp_received_total"] == 3 and st["segments"] == 1

    # Two complete documents with the same id: the last one wins.
    again = dict(done, name="worker-renamed")
    fluoro.send_udp(datagram(again))
    assert fluoro.wait_idle()["idle"]
    (doc,) = docs_of(xray, tid)
    assert doc["name"] == "worker-renamed"


def test_nested_embedded_subsegments_keep_their_shape(fluoro):
    xray = aws_client(fluoro, "xray")
    t = time.time() - 2
    ddb = subsegment("DynamoDB", t + 0.03, 0.02, namespace="aws",
                     aws={"operation": "GetItem", "table_name": "users", "region": "us-east-1"},
                     http={"response": {"status": 200}})
    level3 = subsegment("level3", t + 0.02, 0.05, subsegments=[ddb],
                        annotations={"depth": 3, "deep": True})
    level2 = subsegment("level2", t + 0.01, 0.1, subsegments=[level3])
    level1 = subsegment("level1", t + 0.005, 0.2, subsegments=[level2],
                        metadata={"default": {"nested": {"x": [1, 2, {"y": None}]}}})
    root = segment("nest-root", start=t, duration=0.3, subsegments=[level1],
                   annotations={"probe": "p"}, http={"response": {"status": 200}})
    root["annotations"]["probe"] = root["trace_id"]
    fluoro.send_udp(datagram(root, HEADER_SPACED))
    assert fluoro.wait_idle()["idle"]
    docs = docs_of(xray, root["trace_id"])
    (got,) = [d for d in docs if d["id"] == root["id"]]
    l1 = got["subsegments"][0]
    assert l1["id"] == level1["id"] and l1["metadata"] == level1["metadata"]
    l2 = l1["subsegments"][0]
    l3 = l2["subsegments"][0]
    assert (l2["id"], l3["id"]) == (level2["id"], level3["id"])
    assert l3["annotations"] == {"depth": 3, "deep": True}
    d = l3["subsegments"][0]
    assert d["id"] == ddb["id"] and d["aws"]["table_name"] == "users"
    (inferred,) = [x for x in docs if x.get("inferred")]
    assert inferred["name"] == "DynamoDB" and inferred["parent_id"] == ddb["id"]
    assert inferred["origin"] == "AWS::DynamoDB::Table"
    assert inferred["start_time"] == pytest.approx(ddb["start_time"])
    assert inferred["end_time"] == pytest.approx(ddb["end_time"])
    s = summary_of(xray, root["trace_id"])
    keys = s["Annotations"]
    assert keys["depth"][0]["AnnotationValue"]["NumberValue"] == 3
    assert keys["deep"][0]["AnnotationValue"]["BooleanValue"] is True
    names = {(x["Name"], x.get("Type")) for x in s["ServiceIds"]}
    assert ("DynamoDB", "AWS::DynamoDB::Table") in names
