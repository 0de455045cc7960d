"""Schema migration 10 (per-trace rows keyed by an arrival-ordered trace number): a database
written with schema 9 (per-trace tables keyed by trace id) opens with today's code and answers
every read exactly as before: X-Ray summaries, filters, graphs and documents, the trace detail,
the log events linked to a trace, and the OTEL spans kept as aws/spans events. The schema-9
database is today's, turned back by conftest.SCHEMA_9. Also: numbers follow arrival, and a
trace's number goes with its last row (documents and log events), never while one is left."""
import os
import sqlite3
import time

from conftest import Fluoro, aws_client, datagram, new_trace_id, segment, to_schema_9
from test_migration_8 import answers
from test_otlp import json_request, json_span, post_traces, w3c
from test_otlp_kept_spans import retrieved_spans

HERE = os.path.dirname(os.path.abspath(__file__))
FIXTURES = os.path.join(os.path.dirname(HERE), "fixtures")
ARGS = ["--trace-retention", "36500d"]


def demo_trace_ids():
    ids = set()
    with open(os.path.join(FIXTURES, "demo.jsonl")) as f:
        for line in f:
            if line.startswith("{\"trace_id\""):
                ids.add(line.split('"')[3])
    return ids


def everything(f, trace_ids, otlp_tid):
    got = answers(f, trace_ids)
    for tid in sorted(trace_ids):
        got[("linked logs", tid)] = f.get("/api/v1/logs/events?trace_id=%s&limit=1000" % tid)
    xray = aws_client(f, "xray")
    got["batch"] = xray.batch_get_traces(TraceIds=sorted(trace_ids)[:5])["Traces"]
    got["otel spans"] = retrieved_spans(f, otlp_tid)
    return got


def test_schema_9_database_migrates_and_answers_as_before(fluoro_factory):
    fresh = fluoro_factory(ARGS)
    with open(os.path.join(FIXTURES, "demo.jsonl"), "rb") as fx:
        status, _, body = fresh.request("POST", "/api/v1/load", fx.read(),
                                        {"Content-Type": "application/json"})
    assert status == 200, body
    otlp_tid = new_trace_id()
    spans = [json_span(w3c(otlp_tid), "00000000000000a%d" % i, "op%d" % i, time.time() - 2 + i / 10)
             for i in range(3)]
    assert post_traces(fresh, json_request(spans))[0] == 200
    fresh.wait_idle()
    trace_ids = demo_trace_ids()
    assert len(trace_ids) > 10
    want = everything(fresh, trace_ids, otlp_tid)
    # Something to compare: searches that select some of the demo's traces, and linked log lines.
    sizes = [len(v) for k, v in want.items() if k[0] == "summaries"]
    assert max(sizes) >= 10 and sum(1 for n in sizes if 0 < n < max(sizes)) > 5, sizes
    assert sum(len(v["events"]) for k, v in want.items() if k[0] == "linked logs") > 10
    db = fresh.db
    assert fresh.stop() == 0

    con = sqlite3.connect(db)
    numbered = con.execute("SELECT count(*) FROM trace_ids").fetchone()[0]
    to_schema_9(con)
    assert con.execute("SELECT count(*) FROM sqlite_schema WHERE name = 'trace_ids'"
                       ).fetchone()[0] == 0
    con.close()

    migrated = Fluoro(["--db", db] + ARGS)
    try:
        got = everything(migrated, trace_ids, otlp_tid)
    finally:
        assert migrated.stop() == 0
    con = sqlite3.connect(db)
    assert con.execute("PRAGMA user_version").fetchone()[0] == 10
    assert con.execute("SELECT count(*) FROM trace_ids").fetchone()[0] == numbered
    for table in ("segments", "traces", "trace_facts", "trace_summaries", "log_event_traces"):
        orphans = con.execute("SELECT count(*) FROM %s WHERE trace_no NOT IN"
                              " (SELECT no FROM trace_ids)" % table).fetchone()[0]
        assert orphans == 0, table
    con.close()
    assert got.keys() == want.keys()
    for key in want:
        assert got[key] == want[key], key


def test_numbers_follow_arrival_and_go_with_the_last_row(fluoro):
    """The ingest's speed rests on new traces taking the next number up; a number outlives its
    trace's documents while a log event still names the trace."""
    first, second, logged = new_trace_id(), new_trace_id(), new_trace_id()
    for tid in (second, first, logged):  # ids in no particular order; numbers by arrival
        fluoro.send_udp(datagram(segment(trace_id=tid)))
        fluoro.wait_idle()
    logs = aws_client(fluoro, "logs")
    logs.create_log_group(logGroupName="app")
    logs.create_log_stream(logGroupName="app", logStreamName="s")
    logs.put_log_events(logGroupName="app", logStreamName="s", logEvents=[
        {"timestamp": int(time.time() * 1000), "message": "AWS-XRAY-TRACE-ID: " + logged}])
    fluoro.wait_idle()
    con = sqlite3.connect(fluoro.db)
    try:
        numbers = dict(con.execute("SELECT trace_id, no FROM trace_ids").fetchall())
        assert numbers[second] < numbers[first] < numbers[logged], numbers
        linked = con.execute("SELECT count(*) FROM log_event_traces WHERE trace_no = ?",
                             (numbers[logged],)).fetchone()[0]
        assert linked == 1
    finally:
        con.close()
    # X-Ray's data goes: the logged trace keeps its number for its log event's link.
    assert fluoro.post("/api/v1/reset?only=xray")[0] == 200
    fluoro.wait_idle()
    con = sqlite3.connect(fluoro.db)
    try:
        left = [r[0] for r in con.execute("SELECT trace_id FROM trace_ids")]
        assert left == [logged], left
    finally:
        con.close()
    events = fluoro.get("/api/v1/logs/events?trace_id=%s&limit=10" % logged)["events"]
    assert len(events) == 1, events
