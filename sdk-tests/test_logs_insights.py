"""Logs Insights through boto3: the StartQuery -> GetQueryResults lifecycle, result shape,
statistics, StopQuery, DescribeQueries, GetLogRecord, GetLogGroupFields and saved queries."""
import json
import time

import pytest

from logs_helpers import make_stream, now_ms


@pytest.fixture
def logs(boto):
    l = boto("logs")
    t = now_ms() - 60000
    make_stream(l, "/app/api", "a", [
        {"timestamp": t + i * 1000, "message": json.dumps({"level": lv, "ms": ms, "route": r})}
        for i, (lv, ms, r) in enumerate([("INFO", 10, "/x"), ("ERROR", 300, "/y"), ("INFO", 20, "/x"),
                                         ("ERROR", 100, "/y"), ("WARN", 50, "/z")])])
    make_stream(l, "/app/worker", "w", [{"timestamp": t + 500, "message": "[ERROR] job=7 failed"}])
    return l


def run(logs, query, groups=("/app/api",), **kw):
    now = int(time.time())
    kw.setdefault("startTime", now - 3600)
    kw.setdefault("endTime", now + 60)
    if len(groups) == 1:
        kw["logGroupName"] = groups[0]
    else:
        kw["logGroupNames"] = list(groups)
    qid = logs.start_query(queryString=query, **kw)["queryId"]
    statuses = []
    for _ in range(200):
        r = logs.get_query_results(queryId=qid)
        statuses.append(r["status"])
        if r["status"] not in ("Scheduled", "Running"):
            break
        time.sleep(0.02)
    return r, qid, statuses


def rows(r):
    return [{f["field"]: f["value"] for f in row if f["field"] != "@ptr"} for row in r["results"]]


def test_lifecycle_and_default_fields(logs):
    r, qid, statuses = run(logs, "filter level = 'ERROR'")
    assert r["status"] == "Complete" and set(statuses) <= {"Scheduled", "Running", "Complete"}
    assert r["statistics"] == {"recordsMatched": 2.0, "recordsScanned": 5.0,
                               "bytesScanned": r["statistics"]["bytesScanned"]}
    assert r["statistics"]["bytesScanned"] > 0
    assert [set(x) for x in rows(r)] == [{"@timestamp", "@message"}] * 2
    assert r["results"][0][-1]["field"] == "@ptr"
    ts = r["results"][0][0]["value"]
    assert len(ts) == 23 and ts[4] == "-" and ts[19] == "."  # YYYY-MM-DD HH:MM:SS.mmm
    assert all(isinstance(f["value"], str) for row in r["results"] for f in row)


def test_stats_by_and_sort(logs):
    r, _, _ = run(logs, "stats count(*) as n, avg(ms) as mean, max(ms) as hi by level | sort n desc, level asc")
    assert rows(r) == [{"level": "ERROR", "n": "2", "mean": "200", "hi": "300"},
                       {"level": "INFO", "n": "2", "mean": "15", "hi": "20"},
                       {"level": "WARN", "n": "1", "mean": "50", "hi": "50"}]
    assert all(f["field"] != "@ptr" for row in r["results"] for f in row)
    r, _, _ = run(logs, "stats count(*) by bin(1h)")
    assert len(r["results"]) in (1, 2) and list(rows(r)[0]) == ["bin(1h)", "count(*)"]


def test_parse_display_limit_and_multiple_groups(logs):
    r, _, _ = run(logs, "parse @message '[*] job=* *' as lvl, job, what | filter ispresent(job) | display job, what",
                  groups=("/app/api", "/app/worker"))
    assert rows(r) == [{"job": "7", "what": "failed"}]
    r, _, _ = run(logs, "fields @timestamp, @message, @logStream, @log | sort @timestamp desc | limit 2",
                  groups=("/app/api", "/app/worker"))
    assert len(r["results"]) == 2
    assert rows(r)[0]["@log"] == "000000000000:/app/api" and rows(r)[0]["@logStream"] == "a"
    r, _, _ = run(logs, "fields route", limit=3)
    assert len(r["results"]) == 3


def test_time_range_is_in_seconds(logs):
    r, _, _ = run(logs, "fields @message", startTime=1, endTime=2)
    assert r["results"] == [] and r["statistics"]["recordsScanned"] == 0


def test_malformed_query_has_location(logs):
    with pytest.raises(logs.exceptions.MalformedQueryException) as e:
        run(logs, "fields @message | sort")
    err = e.value.response["queryCompileError"]
    assert err["location"]["startCharOffset"] == 22
    assert "expected" in err["message"]


def test_stop_describe_and_get_log_record(logs):
    r, qid, _ = run(logs, "fields @message | limit 1")
    ptr = r["results"][0][-1]["value"]
    rec = logs.get_log_record(logRecordPointer=ptr)["logRecord"]
    assert rec["@logStream"] == "a" and rec["@log"] == "000000000000:/app/api"
    assert rec["@timestamp"].isdigit() and "level" in rec and "@message" in rec
    qs = logs.describe_queries(logGroupName="/app/api")["queries"]
    assert qs[0]["queryId"] == qid and qs[0]["status"] == "Complete"
    assert qs[0]["queryString"] == "fields @message | limit 1" and qs[0]["createTime"] > 0
    assert logs.describe_queries(status="Cancelled")["queries"] == []
    with pytest.raises(logs.exceptions.InvalidParameterException):
        logs.stop_query(queryId=qid)
    with pytest.raises(logs.exceptions.ResourceNotFoundException):
        logs.get_query_results(queryId="00000000-0000-0000-0000-000000000000")


def test_get_log_group_fields(logs):
    fields = logs.get_log_group_fields(logGroupName="/app/api")["logGroupFields"]
    names = [f["name"] for f in fields]
    for n in ("@timestamp", "@message", "level", "ms", "route"):
        assert n in names
    assert all(f["percent"] == 100 for f in fields if f["name"] in ("level", "@message"))
    assert fields == sorted(fields, key=lambda f: -f["percent"])


def test_query_definitions(logs):
    qid = logs.put_query_definition(name="errors", queryString="filter level = 'ERROR'",
                                    logGroupNames=["/app/api"])["queryDefinitionId"]
    logs.put_query_definition(name="slow", queryString="filter ms > 100")
    defs = logs.describe_query_definitions(queryDefinitionNamePrefix="err")["queryDefinitions"]
    assert [(d["name"], d["queryDefinitionId"], d["logGroupNames"]) for d in defs] == [("errors", qid, ["/app/api"])]
    logs.put_query_definition(name="errors2", queryString="fields x", queryDefinitionId=qid)
    d = [d for d in logs.describe_query_definitions()["queryDefinitions"] if d["queryDefinitionId"] == qid][0]
    assert d["name"] == "errors2" and "logGroupNames" not in d
    assert logs.delete_query_definition(queryDefinitionId=qid)["success"] is True
    assert len(logs.describe_query_definitions()["queryDefinitions"]) == 1


def test_queries_run_concurrently(logs, boto):
    import threading
    out = []
    def one():
        r, _, _ = run(boto("logs"), "stats count(*) as n")
        out.append(rows(r))
    th = [threading.Thread(target=one) for _ in range(5)]
    for t in th:
        t.start()
    for t in th:
        t.join()
    assert out == [[{"n": "5"}]] * 5
