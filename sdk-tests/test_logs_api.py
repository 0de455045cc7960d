"""CloudWatch Logs through boto3: groups, streams, retention, KMS, tags, PutLogEvents rules,
GetLogEvents tokens and FilterLogEvents (reference/logs-api.md)."""
import time

import pytest

from logs_helpers import make_stream, now_ms, raw


@pytest.fixture
def logs(boto):
    return boto("logs")


def test_unknown_operation_and_missing_target(fluoro):
    status, out, _ = raw(fluoro, "NoSuchOp", {})
    assert status == 400 and out["__type"] == "UnknownOperationException"
    status, out, _ = raw(fluoro, None, {}, target="")
    assert status == 400 and out["__type"] == "UnknownOperationException"
    status, out, _ = raw(fluoro, "DescribeLogGroups", b"{not json")
    assert status == 400 and out["__type"] == "SerializationException"


def test_empty_body_and_empty_success_body(fluoro):
    status, out, headers = raw(fluoro, "DescribeLogGroups", b"")
    assert status == 200 and out == {"logGroups": []}
    assert headers.get("x-amzn-RequestId")


def test_group_lifecycle_and_describe_fields(logs, fluoro):
    before = now_ms()
    logs.create_log_group(logGroupName="/app/orders", kmsKeyId="arn:aws:kms:us-east-1:1:key/k",
                          tags={"team": "core"})
    with pytest.raises(logs.exceptions.ResourceAlreadyExistsException) as e:
        logs.create_log_group(logGroupName="/app/orders")
    assert e.value.response["Error"]["Message"] == "The specified log group already exists"
    g = logs.describe_log_groups()["logGroups"][0]
    assert g["logGroupName"] == "/app/orders"
    assert g["arn"] == "arn:aws:logs:us-east-1:000000000000:log-group:/app/orders:*"
    assert before <= g["creationTime"] <= now_ms()
    assert g["storedBytes"] == 0 and g["metricFilterCount"] == 0
    assert g["kmsKeyId"] == "arn:aws:kms:us-east-1:1:key/k"
    assert "retentionInDays" not in g
    logs.delete_log_group(logGroupName="/app/orders")
    assert logs.describe_log_groups()["logGroups"] == []
    with pytest.raises(logs.exceptions.ResourceNotFoundException) as e:
        logs.delete_log_group(logGroupName="/app/orders")
    assert e.value.response["Error"]["Message"] == "The specified log group does not exist."


def test_describe_groups_prefix_pattern_order_and_pagination(logs):
    names = ["b/two", "a/one", "a/three", "c.x", "A_upper"]
    for n in names:
        logs.create_log_group(logGroupName=n)
    got = [g["logGroupName"] for g in logs.describe_log_groups()["logGroups"]]
    assert got == sorted(names)  # ASCII order
    assert [g["logGroupName"] for g in logs.describe_log_groups(logGroupNamePrefix="a/")["logGroups"]] == ["a/one", "a/three"]
    assert [g["logGroupName"] for g in logs.describe_log_groups(logGroupNamePattern="o")["logGroups"]] == ["a/one", "b/two"]
    with pytest.raises(logs.exceptions.InvalidParameterException):
        logs.describe_log_groups(logGroupNamePrefix="a", logGroupNamePattern="o")
    pages = list(logs.get_paginator("describe_log_groups").paginate(PaginationConfig={"PageSize": 2}))
    assert [len(p["logGroups"]) for p in pages] == [2, 2, 1]
    assert [g["logGroupName"] for p in pages for g in p["logGroups"]] == sorted(names)
    with pytest.raises(logs.exceptions.InvalidParameterException):
        logs.describe_log_groups(nextToken="garbage")


def test_streams_ordering_times_and_identifier(logs, fluoro):
    logs.create_log_group(logGroupName="g")
    for s in ["s-b", "s-a", "s-c"]:
        logs.create_log_stream(logGroupName="g", logStreamName=s)
    with pytest.raises(logs.exceptions.ResourceAlreadyExistsException) as e:
        logs.create_log_stream(logGroupName="g", logStreamName="s-a")
    assert e.value.response["Error"]["Message"] == "The specified log stream already exists"
    with pytest.raises(logs.exceptions.ResourceNotFoundException):
        logs.create_log_stream(logGroupName="nope", logStreamName="x")
    t = now_ms()
    logs.put_log_events(logGroupName="g", logStreamName="s-b", logEvents=[{"timestamp": t - 5000, "message": "x"}])
    logs.put_log_events(logGroupName="g", logStreamName="s-a", logEvents=[{"timestamp": t - 100, "message": "y"}, {"timestamp": t - 50, "message": "z"}])
    streams = logs.describe_log_streams(logGroupName="g")["logStreams"]
    assert [s["logStreamName"] for s in streams] == ["s-a", "s-b", "s-c"]
    a = streams[0]
    assert a["firstEventTimestamp"] == t - 100 and a["lastEventTimestamp"] == t - 50
    assert a["lastIngestionTime"] >= t - 1000
    assert a["arn"] == "arn:aws:logs:us-east-1:000000000000:log-group:g:log-stream:s-a"
    assert "firstEventTimestamp" not in streams[2]
    desc = logs.describe_log_streams(logGroupName="g", orderBy="LastEventTime", descending=True)["logStreams"]
    assert [s["logStreamName"] for s in desc][:2] == ["s-a", "s-b"]
    assert [s["logStreamName"] for s in logs.describe_log_streams(logGroupName="g", logStreamNamePrefix="s-c")["logStreams"]] == ["s-c"]
    with pytest.raises(logs.exceptions.InvalidParameterException):
        logs.describe_log_streams(logGroupName="g", logStreamNamePrefix="s", orderBy="LastEventTime")
    arn = "arn:aws:logs:us-east-1:000000000000:log-group:g:*"
    # Debian's botocore still requires logGroupName; the awscli model allows the identifier alone
    for ident in ("g", arn[:-2]):
        status, out, _ = raw(fluoro, "DescribeLogStreams", {"logGroupIdentifier": ident})
        assert status == 200 and len(out["logStreams"]) == 3
    pages = list(logs.get_paginator("describe_log_streams").paginate(logGroupName="g", PaginationConfig={"PageSize": 1}))
    assert len(pages) == 3
    logs.delete_log_stream(logGroupName="g", logStreamName="s-a")
    with pytest.raises(logs.exceptions.ResourceNotFoundException) as e:
        logs.delete_log_stream(logGroupName="g", logStreamName="s-a")
    assert e.value.response["Error"]["Message"] == "The specified log stream does not exist."
    assert logs.describe_log_groups()["logGroups"][0]["storedBytes"] == 1


def test_name_and_identifier_together_is_validation_exception(fluoro, logs):
    logs.create_log_group(logGroupName="g")
    status, out, _ = raw(fluoro, "DescribeLogStreams", {"logGroupName": "g", "logGroupIdentifier": "g"})
    assert status == 400 and out["__type"] == "ValidationException"


def test_retention_and_kms(logs):
    logs.create_log_group(logGroupName="g")
    logs.put_retention_policy(logGroupName="g", retentionInDays=1096)
    assert logs.describe_log_groups()["logGroups"][0]["retentionInDays"] == 1096
    for bad in (0, 2, 4000, -1):
        with pytest.raises(logs.exceptions.InvalidParameterException):
            logs.put_retention_policy(logGroupName="g", retentionInDays=bad)
    logs.delete_retention_policy(logGroupName="g")
    assert "retentionInDays" not in logs.describe_log_groups()["logGroups"][0]
    with pytest.raises(logs.exceptions.ResourceNotFoundException):
        logs.put_retention_policy(logGroupName="nope", retentionInDays=1)
    logs.associate_kms_key(logGroupName="g", kmsKeyId="arn:aws:kms:us-east-1:1:key/abc")
    assert logs.describe_log_groups()["logGroups"][0]["kmsKeyId"] == "arn:aws:kms:us-east-1:1:key/abc"
    logs.disassociate_kms_key(logGroupName="g")
    assert "kmsKeyId" not in logs.describe_log_groups()["logGroups"][0]
    with pytest.raises(logs.exceptions.ResourceNotFoundException):
        logs.associate_kms_key(logGroupName="nope", kmsKeyId="k")


def test_retention_rejects_expired_events_as_expired(logs):
    make_stream(logs, "g", "s")
    logs.put_retention_policy(logGroupName="g", retentionInDays=1)
    t = now_ms()
    r = logs.put_log_events(logGroupName="g", logStreamName="s", logEvents=[
        {"timestamp": t - 86400000 - 600000, "message": "old"},
        {"timestamp": t - 82800000, "message": "new"}])
    assert r["rejectedLogEventsInfo"] == {"expiredLogEventEndIndex": 1}
    assert [e["message"] for e in logs.get_log_events(logGroupName="g", logStreamName="s")["events"]] == ["new"]


def test_tags_new_and_legacy(logs):
    logs.create_log_group(logGroupName="g", tags={"a": "1"})
    arn = "arn:aws:logs:us-east-1:000000000000:log-group:g"
    logs.tag_resource(resourceArn=arn, tags={"b": "2"})
    assert logs.list_tags_for_resource(resourceArn=arn)["tags"] == {"a": "1", "b": "2"}
    logs.untag_resource(resourceArn=arn, tagKeys=["a"])
    assert logs.list_tags_log_group(logGroupName="g")["tags"] == {"b": "2"}
    logs.tag_log_group(logGroupName="g", tags={"c": "3"})
    logs.untag_log_group(logGroupName="g", tags=["b"])
    assert logs.list_tags_log_group(logGroupName="g")["tags"] == {"c": "3"}
    with pytest.raises(logs.exceptions.ResourceNotFoundException):
        logs.list_tags_for_resource(resourceArn="arn:aws:logs:us-east-1:000000000000:log-group:nope")
    with pytest.raises(logs.exceptions.ResourceNotFoundException):
        logs.tag_log_group(logGroupName="nope", tags={"a": "b"})
    with pytest.raises(logs.exceptions.TooManyTagsException) as e:
        logs.tag_resource(resourceArn=arn, tags={"k%d" % i: "v" for i in range(50)})
    assert e.value.response["resourceName"] == arn
    with pytest.raises(logs.exceptions.InvalidParameterException):
        logs.tag_resource(resourceArn=arn, tags={"bad!key": "v"})


def test_put_log_events_rejected_info_and_sequence_tokens(logs):
    make_stream(logs, "g", "s")
    t = now_ms()
    evs = [{"timestamp": t - 15 * 86400000, "message": "too old"},
           {"timestamp": t - 1000, "message": "ok 1"},
           {"timestamp": t, "message": "ok 2"},
           {"timestamp": t + 3 * 3600000, "message": "too new"}]
    r = logs.put_log_events(logGroupName="g", logStreamName="s", logEvents=evs[1:], sequenceToken="whatever")
    assert r["rejectedLogEventsInfo"] == {"tooNewLogEventStartIndex": 2}
    assert r["nextSequenceToken"].isdigit()
    with pytest.raises(logs.exceptions.InvalidParameterException):
        logs.put_log_events(logGroupName="g", logStreamName="s", logEvents=evs)  # spans > 24 h
    r = logs.put_log_events(logGroupName="g", logStreamName="s", logEvents=[
        {"timestamp": t - 15 * 86400000, "message": "too old"}, {"timestamp": t - 14 * 86400000 - 1, "message": "too old 2"}])
    assert r["rejectedLogEventsInfo"] == {"tooOldLogEventEndIndex": 2}
    got = [e["message"] for e in logs.get_log_events(logGroupName="g", logStreamName="s", startFromHead=True)["events"]]
    assert got == ["ok 1", "ok 2"]
    r = logs.put_log_events(logGroupName="g", logStreamName="s", logEvents=[{"timestamp": t, "message": "fine"}])
    assert "rejectedLogEventsInfo" not in r


def test_put_log_events_batch_rules(logs):
    make_stream(logs, "g", "s")
    t = now_ms()
    with pytest.raises(logs.exceptions.InvalidParameterException) as e:
        logs.put_log_events(logGroupName="g", logStreamName="s", logEvents=[
            {"timestamp": t, "message": "b"}, {"timestamp": t - 1, "message": "a"}])
    assert e.value.response["Error"]["Message"] == \
        "Log events in a single PutLogEvents request must be in chronological order."
    with pytest.raises(logs.exceptions.InvalidParameterException) as e:
        logs.put_log_events(logGroupName="g", logStreamName="s", logEvents=[{"timestamp": t, "message": "x" * 300000}])
    assert e.value.response["Error"]["Message"] == "Log event too large: 300026 bytes exceeds limit of 262144"
    big = [{"timestamp": t, "message": "y" * 200000} for _ in range(6)]
    with pytest.raises(logs.exceptions.InvalidParameterException) as e:
        logs.put_log_events(logGroupName="g", logStreamName="s", logEvents=big)
    assert e.value.response["Error"]["Message"] == "Upload too large: 1200156 bytes exceeds limit of 1048576"
    # exactly at the limit: 26 bytes per event counted
    n = 10000
    size = (1048576 - 26 * n) // n
    r = logs.put_log_events(logGroupName="g", logStreamName="s", logEvents=[{"timestamp": t, "message": "z" * size}] * n)
    assert "rejectedLogEventsInfo" not in r
    with pytest.raises(logs.exceptions.ResourceNotFoundException) as e:
        logs.put_log_events(logGroupName="g", logStreamName="nope", logEvents=[{"timestamp": t, "message": "x"}])
    assert e.value.response["Error"]["Message"] == "The specified log stream does not exist."
    with pytest.raises(logs.exceptions.ResourceNotFoundException) as e:
        logs.put_log_events(logGroupName="nope", logStreamName="s", logEvents=[{"timestamp": t, "message": "x"}])
    assert e.value.response["Error"]["Message"] == "The specified log group does not exist."


def test_get_log_events_token_algorithm(logs):
    make_stream(logs, "g", "s", ["m%d" % i for i in range(10)])
    tail = logs.get_log_events(logGroupName="g", logStreamName="s", limit=3)
    assert [e["message"] for e in tail["events"]] == ["m7", "m8", "m9"]
    assert tail["nextForwardToken"].startswith("f/") and tail["nextBackwardToken"].startswith("b/")
    assert len(tail["nextForwardToken"]) == 58
    back = logs.get_log_events(logGroupName="g", logStreamName="s", limit=3, nextToken=tail["nextBackwardToken"])
    assert [e["message"] for e in back["events"]] == ["m4", "m5", "m6"]
    head = logs.get_log_events(logGroupName="g", logStreamName="s", limit=4, startFromHead=True)
    assert [e["message"] for e in head["events"]] == ["m0", "m1", "m2", "m3"]
    fwd = logs.get_log_events(logGroupName="g", logStreamName="s", limit=4, nextToken=head["nextForwardToken"], startFromHead=True)
    assert [e["message"] for e in fwd["events"]] == ["m4", "m5", "m6", "m7"]
    # a forward token at the end returns itself; appended events become visible through it
    end = logs.get_log_events(logGroupName="g", logStreamName="s", nextToken=tail["nextForwardToken"])
    assert end["events"] == [] and end["nextForwardToken"] == tail["nextForwardToken"]
    logs.put_log_events(logGroupName="g", logStreamName="s", logEvents=[{"timestamp": now_ms(), "message": "late"}])
    later = logs.get_log_events(logGroupName="g", logStreamName="s", nextToken=tail["nextForwardToken"])
    assert [e["message"] for e in later["events"]] == ["late"]
    # a backward token at the start returns itself too
    start = logs.get_log_events(logGroupName="g", logStreamName="s", nextToken=head["nextBackwardToken"])
    assert start["events"] == [] and start["nextBackwardToken"] == head["nextBackwardToken"]
    e = logs.get_log_events(logGroupName="g", logStreamName="s", limit=1)["events"][0]
    assert set(e) == {"timestamp", "message", "ingestionTime"}


def test_get_log_events_time_range_and_empty_stream(logs, fluoro):
    make_stream(logs, "g", "empty")
    r = logs.get_log_events(logGroupName="g", logStreamName="empty")
    assert r["events"] == [] and r["nextForwardToken"] and r["nextBackwardToken"]
    t = now_ms()
    logs.put_log_events(logGroupName="g", logStreamName="empty", logEvents=[
        {"timestamp": t - 3000, "message": "a"}, {"timestamp": t - 2000, "message": "b"}, {"timestamp": t - 1000, "message": "c"}])
    r = logs.get_log_events(logGroupName="g", logStreamName="empty", startTime=t - 2000, endTime=t - 1000, startFromHead=True)
    assert [e["message"] for e in r["events"]] == ["b"]  # start inclusive, end exclusive
    later = logs.get_log_events(logGroupName="g", logStreamName="empty", nextToken=r["nextForwardToken"])
    assert later["events"] == [] or later["events"][0]["message"] == "c"
    with pytest.raises(logs.exceptions.ResourceNotFoundException):
        logs.get_log_events(logGroupName="g", logStreamName="nope")
    with pytest.raises(logs.exceptions.InvalidParameterException):
        logs.get_log_events(logGroupName="g", logStreamName="empty", nextToken="f/123")
    status, r, _ = raw(fluoro, "GetLogEvents", {"logGroupIdentifier": "arn:aws:logs:us-east-1:000000000000:log-group:g", "logStreamName": "empty"})
    assert status == 200 and len(r["events"]) == 3


def test_filter_log_events_patterns_streams_time_and_pages(logs):
    t = now_ms() - 10000
    make_stream(logs, "g", "web-1")
    logs.put_log_events(logGroupName="g", logStreamName="web-1", logEvents=[
        {"timestamp": t + 0, "message": "[ERROR] 500 boom"},
        {"timestamp": t + 2, "message": "[INFO] 200 ok"},
        {"timestamp": t + 4, "message": '{"level":"ERROR","ms":7}'}])
    make_stream(logs, "g", "worker")
    logs.put_log_events(logGroupName="g", logStreamName="worker", logEvents=[
        {"timestamp": t + 1, "message": "[ERROR] 503 retry"},
        {"timestamp": t + 3, "message": "[WARN] slow"}])
    def msgs(**kw):
        return [e["message"] for e in logs.filter_log_events(logGroupName="g", **kw)["events"]]
    assert msgs() == ["[ERROR] 500 boom", "[ERROR] 503 retry", "[INFO] 200 ok", "[WARN] slow", '{"level":"ERROR","ms":7}']
    assert msgs(filterPattern="ERROR") == ["[ERROR] 500 boom", "[ERROR] 503 retry", '{"level":"ERROR","ms":7}']
    assert msgs(filterPattern="?WARN ?INFO") == ["[INFO] 200 ok", "[WARN] slow"]
    assert msgs(filterPattern='{ $.level = "ERROR" }') == ['{"level":"ERROR","ms":7}']
    assert msgs(filterPattern="[lvl, code = 5*, ...]") == ["[ERROR] 500 boom", "[ERROR] 503 retry"]
    assert msgs(filterPattern="%50[0-9]%") == ["[ERROR] 500 boom", "[ERROR] 503 retry"]
    assert msgs(filterPattern="ERROR -retry") == ["[ERROR] 500 boom", '{"level":"ERROR","ms":7}']
    assert msgs(logStreamNames=["worker"]) == ["[ERROR] 503 retry", "[WARN] slow"]
    assert msgs(logStreamNamePrefix="web") == ["[ERROR] 500 boom", "[INFO] 200 ok", '{"level":"ERROR","ms":7}']
    assert msgs(startTime=t + 1, endTime=t + 3) == ["[ERROR] 503 retry", "[INFO] 200 ok", "[WARN] slow"]
    ev = logs.filter_log_events(logGroupName="g", limit=1)
    e = ev["events"][0]
    assert set(e) == {"logStreamName", "timestamp", "message", "ingestionTime", "eventId"}
    assert isinstance(e["eventId"], str) and len(e["eventId"]) == 56
    assert "nextToken" in ev
    pages = list(logs.get_paginator("filter_log_events").paginate(logGroupName="g", PaginationConfig={"PageSize": 2}))
    assert [e["message"] for p in pages for e in p["events"]] == msgs()
    with pytest.raises(logs.exceptions.InvalidParameterException):
        logs.filter_log_events(logGroupName="g", filterPattern='{ $.level = }')
    with pytest.raises(logs.exceptions.InvalidParameterException):
        logs.filter_log_events(logGroupName="g", logStreamNames=["a"], logStreamNamePrefix="w")
    with pytest.raises(logs.exceptions.InvalidParameterException):
        logs.filter_log_events(logGroupName="g", nextToken="bogus")
    with pytest.raises(logs.exceptions.ResourceNotFoundException):
        logs.filter_log_events(logGroupName="nope")
    searched = logs.filter_log_events(logGroupName="g", logStreamNames=["worker"])["searchedLogStreams"]
    assert searched == [{"logStreamName": "worker", "searchedCompletely": True}]


def test_filter_start_time_sees_new_events_promptly(logs):
    make_stream(logs, "g", "s", ["first"])
    seen = logs.filter_log_events(logGroupName="g")["events"][-1]
    logs.put_log_events(logGroupName="g", logStreamName="s", logEvents=[{"timestamp": now_ms(), "message": "second"}])
    got = logs.filter_log_events(logGroupName="g", startTime=seen["timestamp"])["events"]
    assert [e["message"] for e in got] == ["first", "second"]


def test_acknowledged_means_committed_under_concurrency(logs, boto):
    import threading
    make_stream(logs, "g", "s")
    errors = []
    def writer(k):
        c = boto("logs")
        try:
            for i in range(20):
                c.put_log_events(logGroupName="g", logStreamName="s", logEvents=[{"timestamp": now_ms(), "message": "w%d-%d" % (k, i)}])
        except Exception as e:  # noqa: BLE001
            errors.append(e)
    th = [threading.Thread(target=writer, args=(k,)) for k in range(4)]
    for x in th:
        x.start()
    for x in th:
        x.join()
    assert not errors
    n = sum(len(p["events"]) for p in logs.get_paginator("filter_log_events").paginate(logGroupName="g"))
    assert n == 80


def test_delete_group_removes_everything(logs, fluoro):
    make_stream(logs, "g", "s", ["a 1-5759e988-bd862e3fe1be46a994272793"])
    logs.delete_log_group(logGroupName="g")
    assert fluoro.get("/api/v1/traces/1-5759e988-bd862e3fe1be46a994272793/logs")["events"] == []
    logs.create_log_group(logGroupName="g")
    assert logs.describe_log_streams(logGroupName="g")["logStreams"] == []
