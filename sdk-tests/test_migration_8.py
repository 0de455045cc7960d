"""Schema migration 8 (one encoded trace view): a database made by the build before it, with each
trace's view as JSON in traces.derived, opens with today's code, its views are converted to the
encoded form, and every query over them answers exactly what a fresh ingest of the same segments
answers.

data/schema7_derived.jsonl.gz holds the traces.derived rows that the last schema-7 build
(ea09629, the parent of the merge that added migration 8) wrote for the demo fixture's traces and
every eighth trace of fixtures/large.jsonl. The schema-7 database is built the way
test_otlp_kept_spans.py builds a schema-8 one: today's code ingests the same segments, and the
tables and indexes migrations 8, 9 and 10 changed are put back, with those JSON rows in derived."""
import gzip
import json
import os
import sqlite3

from conftest import Fluoro, all_summaries, aws_client, to_schema_9

HERE = os.path.dirname(os.path.abspath(__file__))
FIXTURES = os.path.join(os.path.dirname(HERE), "fixtures")
# The fixtures' times are fixed (November 2025): keep them past any retention.
ARGS = ["--trace-retention", "36500d"]
# Both fixtures' segments, each window under X-Ray's 24 h limit.
WINDOWS = [(1763799990, 1763800500), (1763900000, 1763907300)]
FILTERS = [None, "fault", "error", "throttle", "ok", "responsetime > 0.5", "duration >= 1",
           'service("inventory")', 'service(id(name: "DynamoDB", type: "AWS::DynamoDB::Table"))',
           'edge("storefront", "inventory") { responsetime > 0.1 }', 'annotation.sku = "sku-1"',
           "annotation.amount_cents > 1000", 'annotation.customer_tier = "gold"',
           'http.status = 500', 'http.url CONTAINS "/checkout"', 'user = "alice"',
           'rootcause.fault.service { name = "payments" }',
           'rootcause.responsetime.entity { name = "orders-function" }', "partial = false"]


def old_rows():
    with gzip.open(os.path.join(HERE, "data", "schema7_derived.jsonl.gz"), "rt") as f:
        return [json.loads(line) for line in f]


def fixture_text(trace_ids):
    """The segment documents of trace_ids from the two fixtures, as a fixture file."""
    out = []
    for name in ("demo.jsonl", "large.jsonl"):
        with open(os.path.join(FIXTURES, name)) as f:
            for line in f:
                line = line.strip()
                if not line or line.startswith("#"):
                    continue
                doc = json.loads(line)
                if "log" not in doc and doc["trace_id"] in trace_ids:
                    out.append(line)
    return "\n".join(out) + "\n"


def answers(f, trace_ids):
    """Every read that goes through the stored views, keyed by what was asked."""
    xray = aws_client(f, "xray")
    got = {}
    for start, end in WINDOWS:
        for expr in FILTERS:
            for kind in ("TraceId", "Event"):
                kw = dict(StartTime=start, EndTime=end, TimeRangeType=kind)
                if expr:
                    kw["FilterExpression"] = expr
                got[("summaries", start, expr, kind)] = all_summaries(xray, **kw)
        graph = xray.get_service_graph(StartTime=start, EndTime=end)
        got[("graph", start)] = graph["Services"]
        for selector in (None, 'service("inventory")', 'edge("storefront", "inventory")'):
            kw = dict(StartTime=start, EndTime=end, Period=60)
            if selector:
                kw["EntitySelectorExpression"] = selector
            got[("timeseries", start, selector)] = xray.get_time_series_service_statistics(
                **kw)["TimeSeriesServiceStatistics"]
        got[("v1 traces", start)] = f.get("/api/v1/traces?since=%d&until=%d&limit=1000"
                                          % (start, end))
        got[("v1 map", start)] = f.get("/api/v1/service-map?since=%d&until=%d" % (start, end))
    ids = sorted(trace_ids)
    for i in range(0, len(ids), 5):
        got[("trace graph", i)] = xray.get_trace_graph(TraceIds=ids[i:i + 5])["Services"]
    for tid in ids:
        got[("v1 trace", tid)] = f.get("/api/v1/traces/" + tid)
    return got


def test_schema_7_json_views_convert_and_answer_as_a_fresh_ingest(fluoro_factory):
    rows = old_rows()
    trace_ids = {r["trace_id"] for r in rows}
    assert len(trace_ids) == len(rows) > 100
    fresh = fluoro_factory(ARGS)
    status, _, body = fresh.request("POST", "/api/v1/load", fixture_text(trace_ids).encode(),
                                 {"Content-Type": "application/json"})
    assert status == 200, body
    fresh.wait_idle()
    want = answers(fresh, trace_ids)
    # The queries must have something to compare: most filters select some traces, not all.
    sizes = [len(v) for k, v in want.items() if k[0] == "summaries"]
    assert max(sizes) > 100, sizes
    assert sum(1 for n in sizes if 0 < n < 100) > 10, sizes
    db = fresh.db
    assert fresh.stop() == 0

    # Back to schema 7: JSON views in traces.derived, no encoded ones, migration 8's dropped
    # indexes and migration 9's dropped otel_spans back.
    con = sqlite3.connect(db)
    to_schema_9(con)
    assert con.execute("SELECT count(*) FROM traces").fetchone()[0] == len(rows)
    con.executescript(
        "DROP TABLE trace_summaries;"
        "DELETE FROM trace_facts;"
        "CREATE INDEX traces_by_id_time ON traces(id_time);"
        "CREATE INDEX traces_by_start ON traces(start_time);"
        "CREATE TABLE otel_spans(id INTEGER PRIMARY KEY, trace_id TEXT NOT NULL,"
        " span_id TEXT NOT NULL, start_time REAL NOT NULL, received_at REAL NOT NULL,"
        " span TEXT NOT NULL, UNIQUE(trace_id, span_id));"
        "CREATE TRIGGER segments_ad_otel_spans AFTER DELETE ON segments BEGIN"
        "  DELETE FROM otel_spans WHERE trace_id = old.trace_id; END;")
    con.executemany("UPDATE traces SET derived = ? WHERE trace_id = ?",
                    [(r["derived"], r["trace_id"]) for r in rows])
    con.execute("PRAGMA user_version=7")
    con.commit()
    assert con.execute("SELECT count(*) FROM traces WHERE derived LIKE '{%'").fetchone()[0] \
        == len(rows)
    con.close()

    migrated = Fluoro(["--db", db] + ARGS)
    try:
        got = answers(migrated, trace_ids)
    finally:
        assert migrated.stop() == 0
    con = sqlite3.connect(db)
    assert con.execute("PRAGMA user_version").fetchone()[0] == 10
    # Every JSON view was converted: an encoded facts and summary part each, derived emptied.
    assert con.execute("SELECT count(*) FROM trace_facts").fetchone()[0] == len(rows)
    assert con.execute("SELECT count(*) FROM trace_summaries").fetchone()[0] == len(rows)
    assert con.execute("SELECT count(*) FROM traces WHERE derived != ''").fetchone()[0] == 0
    con.close()
    assert got.keys() == want.keys()
    for key in want:
        assert got[key] == want[key], key
