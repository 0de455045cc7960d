"""AWS fidelity (issue 11): answers that differ from what AWS was recorded answering (early 2026),
driven through raw awsJson1.1 calls (so botocore's client-side checks do not hide the server's)
and through boto3 where the shape of a successful answer matters."""
import json

import pytest

from conftest import aws_client
from logs_helpers import err, now_ms, raw

G = "/fidelity/group"
MT = {"metricName": "m", "metricNamespace": "ns", "metricValue": "1"}


@pytest.fixture
def logs(fluoro):
    return aws_client(fluoro, "logs")


# ---- item 2: validation messages as AWS writes them ----

def test_number_limits_print_as_integers(fluoro):
    code, msg = err(fluoro, "DescribeLogGroups", {"limit": 1000000})
    assert code == "InvalidParameterException"
    assert msg == ("1 validation error detected: Value '1000000' at 'limit' failed to satisfy "
                   "constraint: Member must have value less than or equal to 50"), msg
    code, msg = err(fluoro, "FilterLogEvents", {"logGroupName": G, "limit": 0})
    assert "Value '0' at 'limit'" in msg and msg.endswith("greater than or equal to 1"), msg


def test_enum_failures_list_the_set(fluoro):
    raw(fluoro, "CreateLogGroup", {"logGroupName": G})
    code, msg = err(fluoro, "DescribeLogStreams", {"logGroupName": G, "orderBy": "Size"})
    assert msg == ("1 validation error detected: Value 'Size' at 'orderBy' failed to satisfy "
                   "constraint: Member must satisfy enum value set: [LogStreamName, "
                   "LastEventTime]"), msg


def test_negative_event_timestamp_repeats_the_value(fluoro):
    code, msg = err(fluoro, "PutLogEvents", {"logGroupName": G, "logStreamName": "s",
                                             "logEvents": [{"timestamp": -5, "message": "x"}]})
    assert "Value '-5' at 'logEvents.1.member.timestamp'" in msg, msg


# ---- item 9: recorded AWS answers ----

def test_validation_repeats_the_whole_value(fluoro):
    raw(fluoro, "CreateLogGroup", {"logGroupName": G})
    name = "f" * 513
    code, msg = err(fluoro, "PutMetricFilter", {"logGroupName": G, "filterName": name,
                                                "filterPattern": "", "metricTransformations": [MT]})
    assert code == "InvalidParameterException"
    assert msg == ("1 validation error detected: Value '%s' at 'filterName' failed to satisfy "
                   "constraint: Member must have length less than or equal to 512" % name), msg


def test_validation_prints_a_list_value(fluoro):
    raw(fluoro, "CreateLogGroup", {"logGroupName": G})
    code, msg = err(fluoro, "PutMetricFilter", {"logGroupName": G, "filterName": "f",
                                                "filterPattern": "",
                                                "metricTransformations": [MT, MT]})
    assert msg.startswith("1 validation error detected: Value '[MetricTransformation(metricName=m, "
                          "metricNamespace=ns, metricValue=1), MetricTransformation(") and \
        "' at 'metricTransformations' failed to satisfy constraint: Member must have length " \
        "less than or equal to 1" in msg, msg


@pytest.mark.parametrize("op,body", [
    ("CreateLogGroup", {}),
    ("DeleteMetricFilter", {"filterName": "f"}),
    ("CreateLogStream", {}),
])
def test_overlong_group_name(fluoro, op, body):
    code, msg = err(fluoro, op, dict(body, logGroupName="g" * 513, logStreamName="s"))
    assert code == "InvalidParameterException"
    assert msg == "Invalid LogGroup or LogStream, both must have length less than or equal to 512."


def test_new_stream_has_no_sequence_token(logs):
    logs.create_log_group(logGroupName=G)
    logs.create_log_stream(logGroupName=G, logStreamName="empty")
    logs.create_log_stream(logGroupName=G, logStreamName="used")
    logs.put_log_events(logGroupName=G, logStreamName="used",
                        logEvents=[{"timestamp": now_ms(), "message": "hi"}])
    streams = {s["logStreamName"]: s for s in logs.describe_log_streams(logGroupName=G)["logStreams"]}
    assert "uploadSequenceToken" not in streams["empty"], streams["empty"]
    assert "uploadSequenceToken" in streams["used"]


def test_metric_filters_by_prefix_across_groups(logs):
    for g in (G, G + "2"):
        logs.create_log_group(logGroupName=g)
        logs.put_metric_filter(logGroupName=g, filterName="errors-" + g[-1], filterPattern="ERROR",
                               metricTransformations=[MT])
        logs.put_metric_filter(logGroupName=g, filterName="other", filterPattern="x",
                               metricTransformations=[MT])
    found = logs.describe_metric_filters(filterNamePrefix="errors-")["metricFilters"]
    assert sorted((f["logGroupName"], f["filterName"]) for f in found) == [
        (G, "errors-p"), (G + "2", "errors-2")]


def test_start_query_missing_group_message(fluoro):
    code, msg = err(fluoro, "StartQuery", {"logGroupName": "/nope", "startTime": 0, "endTime": 1,
                                           "queryString": "fields @message"})
    assert code == "ResourceNotFoundException"
    assert msg.startswith("Log group '/nope' does not exist for account ID '") and \
        "(Service: AWSLogs; Status Code: 400; Error Code: ResourceNotFoundException;" in msg, msg


def test_resource_policy_reads_back_normalized(logs):
    doc = {"Statement": [{"Effect": "Allow", "Principal": {"Service": ["es.amazonaws.com"]},
                          "Action": "logs:PutLogEvents", "Resource": "*"}]}
    put = logs.put_resource_policy(policyName="p1", policyDocument=json.dumps(doc))
    [got] = logs.describe_resource_policies()["resourcePolicies"]
    for text in (put["resourcePolicy"]["policyDocument"], got["policyDocument"]):
        back = json.loads(text)
        assert back["Version"] == "2008-10-17"
        assert back["Statement"][0]["Principal"] == {"Service": "es.amazonaws.com"}
    doc2 = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {
        "Service": ["a.amazonaws.com", "b.amazonaws.com"]}, "Action": "logs:*", "Resource": "*"}]}
    logs.put_resource_policy(policyName="p2", policyDocument=json.dumps(doc2))
    byname = {p["policyName"]: json.loads(p["policyDocument"])
              for p in logs.describe_resource_policies()["resourcePolicies"]}
    assert byname["p2"] == doc2


def test_subscription_destination_checked_before_group(fluoro):
    base = {"logGroupName": "/does/not/exist", "filterName": "f", "filterPattern": ""}
    code, msg = err(fluoro, "PutSubscriptionFilter", dict(
        base, destinationArn="arn:aws:lambda:us-east-1:999999999999:function:other"))
    assert code == "AccessDeniedException"
    assert msg.startswith("Cross-account lambda invocation passing is not allowed"), msg
    code, msg = err(fluoro, "PutSubscriptionFilter", dict(
        base, destinationArn="arn:aws:kinesis:us-east-1:000000000000:stream/s"))
    assert (code, msg) == ("InvalidParameterException",
                           "destinationArn for vendor kinesis cannot be used without roleArn")
    # With a valid destination the missing group is what fails.
    code, _ = err(fluoro, "PutSubscriptionFilter", dict(
        base, destinationArn="arn:aws:kinesis:us-east-1:000000000000:stream/s",
        roleArn="arn:aws:iam::000000000000:role/r"))
    assert code == "ResourceNotFoundException"


# ---- item 3: missing policies and export tasks ----

def test_delete_missing_resource_policy(fluoro):
    code, msg = err(fluoro, "DeleteResourcePolicy", {"policyName": "ghost"})
    assert (code, msg) == ("ResourceNotFoundException", "Policy with name [ghost] does not exist.")


def test_unknown_export_task(fluoro, logs):
    for op in ("DescribeExportTasks", "CancelExportTask"):
        code, _ = err(fluoro, op, {"taskId": "00000000-0000-0000-0000-000000000000"})
        assert code == "ResourceNotFoundException", op
    logs.create_log_group(logGroupName=G)
    task = logs.create_export_task(logGroupName=G, fromTime=0, to=1, destination="bucket")["taskId"]
    # A task id is an exact name, not a prefix.
    code, _ = err(fluoro, "DescribeExportTasks", {"taskId": task[:8]})
    assert code == "ResourceNotFoundException"
    [t] = logs.describe_export_tasks(taskId=task)["exportTasks"]
    assert t["status"]["code"] == "COMPLETED" and t["destination"] == "bucket"


# ---- item 4: /api/v1/reset wipes everything ----

# Positions, not data: an exporter's cursor survives a reset, so what was stored before it is not
# sent again and what comes after it is (the writer numbers new segments above every cursor).
KEPT_BY_RESET = {"export_cursors"}


def _tables(db):
    """Every table of the schema (FTS shadow tables and SQLite's own left out), read from
    sqlite_master so a table added later cannot be forgotten."""
    import sqlite3
    con = sqlite3.connect("file:%s?mode=ro" % db, uri=True)
    try:
        names = [r[0] for r in con.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'")]
        virtual = [r[0] for r in con.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND sql LIKE 'CREATE VIRTUAL%'")]
        names = [n for n in names if not any(n.startswith(v + "_") for v in virtual)
                 and n not in KEPT_BY_RESET]
        return {n: con.execute('SELECT count(*) FROM "%s"' % n).fetchone()[0] for n in names}
    finally:
        con.close()


def _fill_everything(fluoro):
    """One of every kind of resource fluoro keeps, through the public APIs."""
    import time
    from conftest import new_trace_id, segment
    xray, logs = aws_client(fluoro, "xray"), aws_client(fluoro, "logs")
    tid = new_trace_id()
    xray.put_trace_segments(TraceSegmentDocuments=[json.dumps(segment("svc", trace_id=tid))])
    xray.create_group(GroupName="g1", FilterExpression="fault", Tags=[{"Key": "k", "Value": "v"}])
    rule = {"RuleName": "r1", "Priority": 1, "FixedRate": 0.1, "ReservoirSize": 1,
            "ServiceName": "*", "ServiceType": "*", "Host": "*", "HTTPMethod": "*",
            "URLPath": "*", "Version": 1, "ResourceARN": "*"}
    xray.create_sampling_rule(SamplingRule=rule)
    now = time.time()
    xray.get_sampling_targets(SamplingStatisticsDocuments=[{
        "RuleName": "r1", "ClientID": "0123456789abcdef01234567", "Timestamp": now,
        "RequestCount": 3, "SampledCount": 1, "BorrowCount": 0}])
    xray.put_encryption_config(Type="NONE")
    xray.put_resource_policy(PolicyName="xp", PolicyDocument=json.dumps({
        "Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {
            "Service": "sns.amazonaws.com"}, "Action": "xray:PutTraceSegments", "Resource": "*"}]}))
    logs.create_log_group(logGroupName=G, tags={"team": "a"})
    logs.create_log_stream(logGroupName=G, logStreamName="s")
    logs.put_log_events(logGroupName=G, logStreamName="s", logEvents=[
        {"timestamp": now_ms(), "message": "hello ERROR Root=%s" % tid}])
    logs.put_metric_filter(logGroupName=G, filterName="f", filterPattern="ERROR",
                           metricTransformations=[MT])
    logs.put_query_definition(name="qd", queryString="fields @message")
    logs.put_destination(destinationName="d", targetArn="arn:aws:kinesis:us-east-1:000000000000:stream/s",
                         roleArn="arn:aws:iam::000000000000:role/r")
    # An OpenTelemetry span (kept as received, as an aws/spans log event, besides its segment).
    otel_tid = new_trace_id()
    span = {"traceId": otel_tid[2:10] + otel_tid[11:], "spanId": "ab" * 8, "name": "otel-op",
            "kind": 2, "startTimeUnixNano": str(int(now * 1e9)),
            "endTimeUnixNano": str(int((now + 0.05) * 1e9))}
    status, _, _ = fluoro.request("POST", "/v1/traces", json.dumps({"resourceSpans": [{
        "resource": {"attributes": [{"key": "service.name", "value": {"stringValue": "otel"}}]},
        "scopeSpans": [{"spans": [span]}]}]}).encode(), {"Content-Type": "application/json"})
    assert status == 200
    qid = logs.start_query(logGroupName=G, startTime=0, endTime=int(now) + 60,
                           queryString="fields @message")["queryId"]
    fluoro.wait_idle()
    return xray, logs, qid


def test_reset_wipes_every_table_and_insights_queries(fluoro):
    xray, logs, qid = _fill_everything(fluoro)
    before = _tables(fluoro.db)
    unfilled = sorted(n for n, c in before.items() if c == 0)
    assert unfilled == [], "the test fills no row of %s: add them to _fill_everything" % unfilled
    assert [q["queryId"] for q in logs.describe_queries()["queries"]] == [qid]
    status, body = fluoro.post("/api/v1/reset")
    assert (status, body) == (200, {"reset": "all"})
    after = _tables(fluoro.db)
    left = {n: c for n, c in after.items() if c and n != "trace_span"}
    assert left == {}, "reset left rows in %s" % left
    assert logs.describe_queries()["queries"] == []
    with pytest.raises(logs.exceptions.ResourceNotFoundException):
        logs.get_query_results(queryId=qid)
    assert [r["SamplingRule"]["RuleName"] for r in xray.get_sampling_rules()["SamplingRuleRecords"]] \
        == ["Default"]
    assert xray.get_groups()["Groups"] == [] or \
        [g["GroupName"] for g in xray.get_groups()["Groups"]] == ["Default"]
    # Names can be reused at once.
    xray.create_group(GroupName="g1", FilterExpression="ok")
    logs.create_log_group(logGroupName=G)


# ---- item 6: the CLI does not pass silently ----

def _cli(fluoro, *args):
    import subprocess
    from conftest import FLUORO_BIN
    return subprocess.run([FLUORO_BIN] + list(args) + ["--url", fluoro.url], capture_output=True,
                          text=True, timeout=60)


def test_assert_on_a_missing_log_group_fails(fluoro):
    p = _cli(fluoro, "assert", "--min", "0", "--logs-group", "/no/such/group", "--logs-max", "0")
    assert p.returncode == 1, (p.stdout, p.stderr)
    assert 'log group "/no/such/group" does not exist' in p.stderr, p.stderr
    p = _cli(fluoro, "assert", "--min", "0", "--logs-group", "/no/such/group", "--logs-max", "0",
             "--allow-missing")
    assert p.returncode == 0, (p.stdout, p.stderr)
    raw(fluoro, "CreateLogGroup", {"logGroupName": "/now/exists"})
    p = _cli(fluoro, "assert", "--min", "0", "--logs-group", "/now/exists", "--logs-max", "0")
    assert p.returncode == 0, (p.stdout, p.stderr)
    status, body = fluoro.post("/api/v1/assert", {"min": 0, "logs": {"group": "/x", "max": 0}})
    assert status == 422 and "does not exist" in body["error"]["message"], body
    status, body = fluoro.post("/api/v1/assert", {"min": 0, "logs": {"group": "/x", "max": 0,
                                                                      "allow_missing": True}})
    assert status == 200 and body["logs"][0]["group_exists"] is False, body


def test_export_that_matches_nothing_says_so(fluoro):
    p = _cli(fluoro, "export", "--filter", 'service("nobody")')
    assert p.returncode == 0 and p.stdout == ""
    assert 'no trace matched filter "service("nobody")"' in p.stderr, p.stderr


def test_help_lists_every_subcommand_with_flags(fluoro):
    import subprocess
    from conftest import FLUORO_BIN
    out = subprocess.run([FLUORO_BIN, "help"], capture_output=True, text=True, timeout=30).stdout
    for cmd, flag in [("serve", "--udp-address"), ("assert", "--allow-missing"), ("wait", "--idle"),
                      ("reset", "--xray"), ("load", "--shift"), ("export", "--normalize"),
                      ("send", "--address"), ("health", "--url")]:
        usage = "usage: fluoro [serve]" if cmd == "serve" else "usage: fluoro " + cmd
        assert usage in out, cmd
        section = out[out.index(usage):]
        section = section[:section.find("\nusage: ", 1) % (len(section) + 1)]
        assert flag in section, (cmd, flag, section)


# ---- item 5: the README, tried as a new user would ----

README = __import__("os").path.join(__import__("os").path.dirname(__import__("os").path.abspath(
    __file__)), "..", "README.md")


def _readme_block(after):
    """The first ```sh block of README.md after the line containing `after`."""
    text = open(README).read()
    start = text.index("```sh", text.index(after)) + len("```sh")
    return text[start:text.index("```", start)].strip()


def test_readme_hand_send_stores_the_segment(fluoro):
    import subprocess
    block = _readme_block("Hand-sending a segment")
    assert "/dev/udp/127.0.0.1/2000" in block
    script = block.replace("/dev/udp/127.0.0.1/2000", "/dev/udp/127.0.0.1/%d" % fluoro.port)
    subprocess.run(["bash", "-c", script], check=True, timeout=30)
    fluoro.wait_idle()
    stats = fluoro.stats()
    assert stats["udp_stored_total"] == 1 and stats["udp_rejected_total"] == 0, stats
    [t] = fluoro.get("/api/v1/traces?since=1h")["traces"]
    assert t["root"]["name"] == "example.com"


def _trace_ids(f):
    return {t["trace_id"] for t in f.get("/api/v1/traces?since=1h&limit=1000")["traces"]}


def test_demo_replays_fresh_traffic(fluoro_factory):
    import time
    f = fluoro_factory(["--demo", "--demo-replay-interval", "1s"])
    first = _trace_ids(f)
    assert first
    deadline = time.time() + 20
    while len(_trace_ids(f)) < 3 * len(first) and time.time() < deadline:
        time.sleep(0.2)
    later = _trace_ids(f)
    # Each round adds the whole scenario again under trace ids never seen before.
    assert len(later) >= 3 * len(first) and first < later, (len(first), len(later))
    xray = aws_client(f, "xray")

    def segment_ids(tids):
        out = set()
        for tid in sorted(tids)[:5]:
            for t in xray.batch_get_traces(TraceIds=[tid])["Traces"]:
                out |= {s["Id"] for s in t["Segments"]}
        return out
    old_ids, new_ids = segment_ids(first), segment_ids(later - first)
    assert old_ids and new_ids and not old_ids & new_ids
    # The README's X-Ray example (the last 10 minutes, the SNS fault) finds a trace from the
    # latest round, so it keeps working however long `make run` has been up.
    now = time.time()
    faults = xray.get_trace_summaries(StartTime=now - 600, EndTime=now + 1,
                                      FilterExpression='service("orders-function") { fault }')
    newest = max(s["Id"] for s in faults["TraceSummaries"])
    assert int(newest.split("-")[1], 16) >= int(now) - 5 * 60, newest
    assert len(faults["TraceSummaries"]) >= 3


def test_demo_replay_can_be_turned_off(fluoro_factory):
    import time
    f = fluoro_factory(["--demo", "--demo-replay-interval", "0"])
    first = _trace_ids(f)
    time.sleep(2.5)
    assert _trace_ids(f) == first
    assert "demo replay on" not in f.read_log()


def test_every_broken_constraint_is_listed_as_aws_does(fluoro):
    """AWS reports all violations at once ("2 validation errors detected: …; …"), not the
    first one."""
    typ, msg = err(fluoro, "DescribeLogStreams",
                   {"logGroupName": G, "orderBy": "Newest", "limit": 100000})
    assert typ.endswith("InvalidParameterException"), typ
    assert msg.startswith("2 validation errors detected: "), msg
    assert "Value 'Newest' at 'orderBy' failed to satisfy constraint: Member must satisfy enum " \
           "value set: [LogStreamName, LastEventTime]" in msg, msg
    assert "Value '100000' at 'limit' failed to satisfy constraint: Member must have value less " \
           "than or equal to 50" in msg, msg
    assert msg.count("; ") == 1, msg
