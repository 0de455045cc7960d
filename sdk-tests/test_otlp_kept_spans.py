"""OTLP spans as received are stored once, as aws/spans log events, and ListRetrievedTraces with
TraceFormat=OTEL reads them back from there (schema migration 9 dropped the otel_spans copy):
a span an exporter sent twice is served once (its last copy), spans come in start-time order,
the trace's application log lines (same trace id, another group) are not spans, and a database
made before migration 9 (with otel_spans) opens and still serves its spans."""
import json
import sqlite3
import time

from conftest import Fluoro, aws_client, new_trace_id, to_schema_9
from test_otlp import json_request, json_span, post_traces, w3c


def retrieved_spans(f, tid):
    """The trace's OTEL spans through the REST-JSON calls (Debian's botocore predates them)."""
    now = time.time()
    status, body = f.post("/StartTraceRetrieval", {"TraceIds": [tid], "StartTime": now - 3600,
                                                   "EndTime": now + 60})
    assert status == 200, body
    for _ in range(50):
        status, out = f.post("/ListRetrievedTraces", {"RetrievalToken": body["RetrievalToken"],
                                                      "TraceFormat": "OTEL"})
        assert status == 200, out
        if out["RetrievalStatus"] == "COMPLETE":
            break
        time.sleep(0.1)
    assert len(out["Traces"]) == 1, out
    return out["Traces"][0]["Spans"]


def test_retried_span_is_served_once_and_spans_in_start_order(fluoro):
    tid = new_trace_id()
    now = time.time()
    late = json_span(w3c(tid), "00000000000000b2", "late", now - 1, kind=3,
                     parentSpanId="00000000000000a1")
    root = json_span(w3c(tid), "00000000000000a1", "root", now - 2)
    first = json_span(w3c(tid), "00000000000000c3", "retried", now - 1.5, kind=3,
                      parentSpanId="00000000000000a1")
    assert post_traces(fluoro, json_request([late, first, root]))[0] == 200
    again = dict(first, name="retried-again")  # the exporter's retry, a changed copy
    assert post_traces(fluoro, json_request([again]))[0] == 200
    fluoro.wait_idle()
    # An application log line of the same trace, in another group: a log, not a span.
    logs = aws_client(fluoro, "logs")
    logs.create_log_group(logGroupName="app")
    logs.create_log_stream(logGroupName="app", logStreamName="s")
    logs.put_log_events(logGroupName="app", logStreamName="s", logEvents=[
        {"timestamp": int(now * 1000) - 1800,
         "message": '{"traceId": "%s", "spanId": "00000000000000a1", "msg": "hi"}' % tid}])
    fluoro.wait_idle()

    spans = retrieved_spans(fluoro, tid)
    assert [s["Id"] for s in spans] == ["00000000000000a1", "00000000000000c3",
                                        "00000000000000b2"]
    docs = [json.loads(s["Document"]) for s in spans]
    assert [d["name"] for d in docs] == ["root", "retried-again", "late"]
    assert all(d["traceId"] == w3c(tid) for d in docs)
    assert docs[0]["resource"]["attributes"]["service.name"] == "json-svc"


def test_database_from_before_migration_9_opens_and_serves_spans(fluoro_factory):
    f = fluoro_factory()
    tid = new_trace_id()
    assert post_traces(f, json_request([json_span(w3c(tid), "00000000000000d4", "old",
                                                  time.time() - 1)]))[0] == 200
    f.wait_idle()
    db = f.db
    assert f.stop() == 0
    # Put the database back to schema 8: the otel_spans table and its trigger, one row.
    con = sqlite3.connect(db)
    to_schema_9(con)
    con.executescript(
        "CREATE TABLE otel_spans(id INTEGER PRIMARY KEY, trace_id TEXT NOT NULL,"
        " span_id TEXT NOT NULL, start_time REAL NOT NULL, received_at REAL NOT NULL,"
        " span TEXT NOT NULL, UNIQUE(trace_id, span_id));"
        "CREATE TRIGGER segments_ad_otel_spans AFTER DELETE ON segments BEGIN"
        "  DELETE FROM otel_spans WHERE trace_id = old.trace_id; END;"
        "INSERT INTO otel_spans(trace_id, span_id, start_time, received_at, span)"
        " VALUES ('%s', '00000000000000d4', 0, 0, '{}');"
        "PRAGMA user_version=8;" % tid)
    con.close()

    g = Fluoro(["--db", db])
    try:
        spans = retrieved_spans(g, tid)
        assert [s["Id"] for s in spans] == ["00000000000000d4"]
        assert '"name":"old"' in spans[0]["Document"]
    finally:
        assert g.stop() == 0
    con = sqlite3.connect(db)
    assert con.execute("PRAGMA user_version").fetchone()[0] == 10
    assert con.execute("SELECT count(*) FROM sqlite_schema WHERE name LIKE '%otel_spans%'"
                       ).fetchone()[0] == 0
    con.close()


def test_spans_whose_events_are_gone_are_converted_from_the_segments(fluoro):
    tid = new_trace_id()
    now = time.time()
    root = json_span(w3c(tid), "00000000000000e5", "root", now - 1)
    assert post_traces(fluoro, json_request([root]))[0] == 200
    fluoro.wait_idle()
    assert '"name":"root"' in retrieved_spans(fluoro, tid)[0]["Document"]
    aws_client(fluoro, "logs").delete_log_group(logGroupName="aws/spans")
    fluoro.wait_idle()
    spans = retrieved_spans(fluoro, tid)
    assert [s["Id"] for s in spans] == ["00000000000000e5"]
    converted = json.loads(spans[0]["Document"])
    # Converted from the segment: named after it (the service), not the span as sent.
    assert (converted["name"], converted["kind"]) == ("json-svc", "SERVER"), converted


def test_put_log_events_into_aws_spans_is_refused(fluoro):
    # AWS (Transaction Search): "Spans cannot be sent to CloudWatch Logs with the PutLogEvents API."
    tid = new_trace_id()
    root = json_span(w3c(tid), "00000000000000f1", "root", time.time() - 1)
    assert post_traces(fluoro, json_request([root]))[0] == 200
    fluoro.wait_idle()
    logs = aws_client(fluoro, "logs")
    before = logs.get_log_events(logGroupName="aws/spans", logStreamName="default")["events"]
    try:
        logs.put_log_events(logGroupName="aws/spans", logStreamName="default",
                            logEvents=[{"timestamp": int(time.time() * 1000), "message": "x"}])
        raise AssertionError("PutLogEvents into aws/spans was accepted")
    except logs.exceptions.InvalidParameterException as e:
        assert "aws/spans" in str(e) and "/v1/traces" in str(e)
    after = logs.get_log_events(logGroupName="aws/spans", logStreamName="default")["events"]
    assert after == before and len(after) == 1
    # the group's other features keep working: a filter over the kept span
    found = logs.filter_log_events(logGroupName="aws/spans", filterPattern='"00000000000000f1"')
    assert len(found["events"]) == 1
