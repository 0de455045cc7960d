"""The X-Ray API (reference/xray-api.md) through boto3 and the AWS CLI v2: writes, assembled
traces, summaries and filter expressions, service and trace graphs, sampling, and bad input.
The demo scenario (fixtures/demo.jsonl) checks a realistic serverless graph end to end."""
import json
import re
import subprocess
import time

import pytest
from botocore.exceptions import ClientError

from conftest import (AWS_CLI, Fluoro, aws_client, all_summaries, metric, new_trace_id,
                      segment, subsegment)


def put(xray, *docs):
    out = xray.put_trace_segments(TraceSegmentDocuments=[json.dumps(d) for d in docs])
    assert out["UnprocessedTraceSegments"] == [], out
    return out


def window(**kw):
    now = time.time()
    return dict(StartTime=now - 3600, EndTime=now + 600, **kw)


def trace_docs(xray, trace_id):
    out = xray.batch_get_traces(TraceIds=[trace_id])
    (trace,) = out["Traces"]
    return trace, [json.loads(s["Document"]) for s in trace["Segments"]]


def by_name(services):
    return {(s["Name"], s["Type"]): s for s in services}


def service_id_set(ids):
    return {(x["Name"], x.get("Type")) for x in ids}


def raw_post(f, path, body, headers=None):
    status, hdrs, data = f.request("POST", path, body,
                                   dict({"Content-Type": "application/json"}, **(headers or {})))
    return status, {k.lower(): v for k, v in hdrs.items()}, data


def assert_restjson_error(status, hdrs, data, code, http_status=400):
    assert status == http_status, (status, data)
    assert hdrs.get("x-amzn-errortype") == code, hdrs
    assert hdrs.get("content-type", "").startswith("application/json"), hdrs
    assert hdrs.get("x-amzn-requestid")
    body = json.loads(data)
    assert body["__type"] == code, body
    assert body["Message"] and body["message"] == body["Message"], body
    return body


# ---------------------------------------------------------------- PutTraceSegments / BatchGetTraces

def test_put_trace_segments_reports_each_bad_document(fluoro, boto):
    xray = boto("xray")
    good = segment("put-ok", http={"response": {"status": 200}})
    bad_tid = segment("put-bad-tid", trace_id="1-zzzz-0000")
    no_end = segment("put-no-end")
    del no_end["end_time"]
    big = segment("put-big", metadata={"default": {"pad": "x" * 70000}})
    docs = [json.dumps(good), json.dumps(bad_tid), json.dumps(no_end), "{not json", "[1]",
            json.dumps(big)]
    out = xray.put_trace_segments(TraceSegmentDocuments=docs)
    un = out["UnprocessedTraceSegments"]
    assert [u["ErrorCode"] for u in un] == ["InvalidTraceId", "MissingRequiredField",
                                            "InvalidJson", "InvalidJson", "SegmentTooLarge"], un
    assert [u["Id"] for u in un[:3]] == [bad_tid["id"], no_end["id"], ""]
    assert un[4]["Id"] == big["id"]
    for u in un:
        assert u["Message"].startswith("Invalid segment. ErrorCode: " + u["ErrorCode"]), u
    # Acknowledged means committed: readable at once, no waiting.
    trace, docs = trace_docs(xray, good["trace_id"])
    assert [d["id"] for d in docs] == [good["id"]]
    assert trace["Duration"] == pytest.approx(0.05, abs=1e-3)
    assert trace["LimitExceeded"] is False
    st = fluoro.stats()
    assert st["api_segments_stored_total"] == 1 and st["api_segments_rejected_total"] == 5
    assert st["udp_received_total"] == 0
    # Empty list: accepted, nothing to do.
    assert xray.put_trace_segments(TraceSegmentDocuments=[])["UnprocessedTraceSegments"] == []


def test_batch_get_traces_assembles_documents(fluoro, boto):
    xray = boto("xray")
    t = time.time() - 5
    tid = new_trace_id(t)
    call_b = subsegment("svc-b", t + 0.01, 0.2, namespace="remote", traced=None,
                        http={"request": {"method": "GET", "url": "http://svc-b/x", "traced": True},
                              "response": {"status": 200}})
    ddb = subsegment("DynamoDB", t + 0.22, 0.03, namespace="aws",
                     aws={"operation": "PutItem", "table_name": "orders"},
                     http={"response": {"status": 200}})
    sns = subsegment("SNS", t + 0.26, 0.02, namespace="aws",
                     aws={"operation": "Publish", "topic_arn": "arn:aws:sns:us-east-1:1:t"},
                     http={"response": {"status": 200}})
    a = segment("svc-a", trace_id=tid, start=t, duration=0.3, subsegments=[call_b, ddb, sns],
                http={"request": {"method": "POST", "url": "http://svc-a/"},
                      "response": {"status": 200}})
    b = segment("svc-b", trace_id=tid, start=t + 0.02, duration=0.15, parent_id=call_b["id"],
                http={"response": {"status": 200}})
    streamed = subsegment("b-work", t + 0.03, 0.05, type="subsegment", trace_id=tid,
                          parent_id=b["id"], annotations={"streamed": True})
    put(xray, streamed, b, a)
    out = xray.batch_get_traces(TraceIds=[tid, new_trace_id(), "1-00000000-000000000000000000000000"])
    assert len(out["UnprocessedTraceIds"]) == 2 and tid not in out["UnprocessedTraceIds"]
    (trace,) = out["Traces"]
    assert trace["Id"] == tid
    assert trace["Duration"] == pytest.approx(0.3, abs=1e-3)
    docs = {json.loads(s["Document"])["id"]: json.loads(s["Document"]) for s in trace["Segments"]}
    real = {i: d for i, d in docs.items() if not d.get("inferred")}
    inferred = [d for d in docs.values() if d.get("inferred")]
    # One document per segment; the streamed subsegment is nested under B, not its own document.
    assert set(real) == {a["id"], b["id"]}
    assert streamed["id"] not in docs
    assert [s["id"] for s in real[b["id"]]["subsegments"]] == [streamed["id"]]
    assert real[b["id"]]["subsegments"][0]["annotations"] == {"streamed": True}
    assert [s["id"] for s in real[a["id"]]["subsegments"]] == [call_b["id"], ddb["id"], sns["id"]]
    # Inferred segments for the AWS calls; svc-b has a real segment so it is not inferred.
    inf = {d["name"]: d for d in inferred}
    assert set(inf) == {"DynamoDB", "SNS"}, inferred
    assert inf["DynamoDB"]["parent_id"] == ddb["id"]
    assert inf["DynamoDB"]["origin"] == "AWS::DynamoDB::Table"
    assert inf["SNS"]["origin"] == "AWS::SNS"
    assert inf["SNS"]["parent_id"] == sns["id"]
    for d in inferred:
        assert d["trace_id"] == tid and re.fullmatch(r"[0-9a-f]{16}", d["id"])
        assert d["id"] not in real
    assert inf["DynamoDB"]["aws"]["operation"] == "PutItem"


@pytest.mark.parametrize("n", [0, 6])
def test_batch_get_traces_id_count_limits(boto, n):
    xray = boto("xray")
    with pytest.raises(xray.exceptions.InvalidRequestException) as e:
        xray.batch_get_traces(TraceIds=[new_trace_id() for _ in range(n)])
    assert e.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400
    assert e.value.response["ResponseMetadata"]["HTTPHeaders"]["x-amzn-errortype"] == \
        "InvalidRequestException"
    assert "TraceIds" in e.value.response["Error"]["Message"]


# ---------------------------------------------------------------- GetTraceSummaries

def test_time_range_type_trace_id_vs_event(boto):
    xray = boto("xray")
    now = time.time()
    old_id_time = now - 7200              # trace id minted two hours ago ...
    doc = segment("slow-batch", trace_id=new_trace_id(old_id_time), start=now - 10, duration=2)
    put(xray, doc)                        # ... but its segment ran ten seconds ago
    recent = dict(StartTime=now - 60, EndTime=now + 60)
    ids = lambda **kw: {s["Id"] for s in all_summaries(xray, **kw)}  # noqa: E731
    assert doc["trace_id"] not in ids(**recent)
    assert doc["trace_id"] not in ids(TimeRangeType="TraceId", **recent)
    assert doc["trace_id"] in ids(TimeRangeType="Event", **recent)
    assert doc["trace_id"] in ids(StartTime=old_id_time - 1, EndTime=old_id_time + 1)
    assert doc["trace_id"] not in ids(TimeRangeType="Event", StartTime=old_id_time - 1,
                                      EndTime=old_id_time + 1)
    with pytest.raises(xray.exceptions.InvalidRequestException):
        xray.get_trace_summaries(TimeRangeType="Service", **recent)


def test_pagination_over_many_traces(fluoro, boto):
    xray = boto("xray")
    t = time.time() - 30
    docs = [segment("paged", start=t + i * 0.01, duration=0.01) for i in range(257)]
    for k in range(0, len(docs), 50):
        put(xray, *docs[k:k + 50])
    pages = list(xray.get_paginator("get_trace_summaries").paginate(**window()))
    assert len(pages) >= 3, [len(p["TraceSummaries"]) for p in pages]
    got = [s["Id"] for p in pages for s in p["TraceSummaries"]]
    assert len(got) == len(set(got)) == 257
    assert set(got) == {d["trace_id"] for d in docs}
    for p in pages[:-1]:
        assert p["NextToken"] and len(p["TraceSummaries"]) == 100
    assert "NextToken" not in pages[-1] or not pages[-1]["NextToken"]
    assert sum(p["TracesProcessedCount"] for p in pages) == 257
    # A token minted for one query does not page through another.
    with pytest.raises(xray.exceptions.InvalidRequestException):
        xray.get_trace_summaries(NextToken=pages[0]["NextToken"], FilterExpression="ok",
                                 **window())
    with pytest.raises(xray.exceptions.InvalidRequestException):
        xray.get_trace_summaries(NextToken="garbage", **window())


@pytest.fixture(scope="module")
def filter_traces():
    """A handful of traces that each match one kind of expression (one server for the module's
    parametrized expression tests)."""
    f = Fluoro()
    try:
        yield f, make_filter_traces(f)
    finally:
        assert f.stop() == 0, f.read_log()[-4000:]


def make_filter_traces(fluoro):
    xray = aws_client(fluoro, "xray")
    t = time.time() - 20
    ok = {"response": {"status": 200}}

    def root(name, duration=0.05, **kw):
        kw.setdefault("http", ok)
        return segment(name, start=t, duration=duration, **kw)

    traces = {}
    traces["fault"] = [root("svc-a", fault=True, http={"response": {"status": 500}})]
    call = subsegment("x", t + 0.01, 0.02, namespace="remote",
                      http={"request": {"url": "http://x/"}, "response": {"status": 500}},
                      fault=True)
    front = root("front", subsegments=[call])
    x = segment("x", trace_id=front["trace_id"], start=t + 0.012, duration=0.015,
                parent_id=call["id"], fault=True, http={"response": {"status": 500}})
    traces["downstream_fault"] = [front, x]
    traces["annotated"] = [root("svc-a", annotations={"k": "v", "n": 7})]
    traces["slow"] = [root("svc-a", duration=2.0)]
    traces["alice"] = [root("svc-a", user="alice")]
    traces["long_ok"] = [root("svc-a", duration=0.2)]
    traces["client_error"] = [root("svc-a", duration=0.3, error=True,
                                   http={"response": {"status": 404}})]
    for docs in traces.values():
        put(xray, *docs)
    return xray, {k: v[0]["trace_id"] for k, v in traces.items()}


@pytest.mark.parametrize("expr, expected", [
    ("fault", {"fault"}),
    ('service("x") { fault }', {"downstream_fault"}),
    ('service("svc-a") { fault }', {"fault"}),
    ('annotation.k = "v"', {"annotated"}),
    ("annotation.n > 5", {"annotated"}),
    ("http.status = 500", {"fault"}),
    ("responsetime > 1", {"slow"}),
    ('user = "alice"', {"alice"}),
    ("duration >= 0.1 AND ok", {"slow", "long_ok"}),
    ("error", {"client_error"}),
    ('!service("x") AND (fault OR error)', {"fault", "client_error"}),
])
def test_filter_expressions(filter_traces, expr, expected):
    f, (xray, ids) = filter_traces
    got = {s["Id"] for s in all_summaries(xray, FilterExpression=expr, **window())}
    names = {v: k for k, v in ids.items()}
    assert {names.get(i, i) for i in got} == expected


@pytest.mark.parametrize("expr, pos", [
    ('annotation.k = ', 15),
    ('service("x" { fault }', 12),
    ("responsetime >> 1", 14),
    ("fault AND", 9),
])
def test_malformed_filter_expression_reports_position(boto, expr, pos):
    xray = boto("xray")
    with pytest.raises(xray.exceptions.InvalidRequestException) as e:
        xray.get_trace_summaries(FilterExpression=expr, **window())
    msg = e.value.response["Error"]["Message"]
    assert re.search(r"\bposition %d\b" % pos, msg), (expr, msg)


def test_summary_fields(boto):
    xray = boto("xray")
    t = time.time() - 30
    tid = new_trace_id(t)
    call = subsegment("back", t + 0.05, 0.3, namespace="remote",
                      http={"request": {"url": "http://back/q", "method": "GET"},
                            "response": {"status": 429}}, error=True, throttle=True)
    front = segment("front", trace_id=tid, start=t, duration=0.5, origin="AWS::EC2::Instance",
                    user="bob", fault=True, subsegments=[call],
                    annotations={"tier": "gold", "items": 3, "vip": True},
                    aws={"ec2": {"instance_id": "i-0123456789abcdef0",
                                 "availability_zone": "us-east-1a"}},
                    resource_arn="arn:aws:ec2:us-east-1:123456789012:instance/i-0123",
                    http={"request": {"method": "GET", "url": "https://front.example/orders",
                                      "user_agent": "pytest", "client_ip": "198.51.100.7"},
                          "response": {"status": 502}})
    back = segment("back", trace_id=tid, start=t + 0.06, duration=0.9, parent_id=call["id"],
                   user="svc-user", error=True, throttle=True, annotations={"tier": "silver"},
                   http={"response": {"status": 429}})
    put(xray, front, back)
    (s,) = [x for x in all_summaries(xray, **window()) if x["Id"] == tid]
    assert s["Duration"] == pytest.approx(0.96, abs=1e-3)      # earliest start -> latest end
    assert s["ResponseTime"] == pytest.approx(0.5, abs=1e-3)   # the root segment's
    assert s["HasFault"] is True
    assert s["HasError"] is False
    assert s["HasThrottle"] is True
    assert s["IsPartial"] is False
    assert s["Http"] == {"HttpURL": "https://front.example/orders", "HttpStatus": 502,
                         "HttpMethod": "GET", "UserAgent": "pytest", "ClientIp": "198.51.100.7"}
    ann = s["Annotations"]
    assert sorted(v["AnnotationValue"]["StringValue"] for v in ann["tier"]) == ["gold", "silver"]
    assert ann["items"][0]["AnnotationValue"] == {"NumberValue": 3}
    assert ann["vip"][0]["AnnotationValue"] == {"BooleanValue": True}
    (gold,) = [v for v in ann["tier"] if v["AnnotationValue"]["StringValue"] == "gold"]
    assert ("front", "AWS::EC2::Instance") in service_id_set(gold["ServiceIds"])
    users = {u["UserName"]: u for u in s["Users"]}
    assert set(users) == {"bob", "svc-user"}
    assert ("front", "AWS::EC2::Instance") in service_id_set(users["bob"]["ServiceIds"])
    names = {x["Name"] for x in s["ServiceIds"]}
    assert {"front", "back"} <= names
    assert s["EntryPoint"]["Name"] == "front"
    assert s["EntryPoint"]["Type"] == "AWS::EC2::Instance"
    assert s["ResourceARNs"] == [{"ARN": front["resource_arn"]}]
    assert s["InstanceIds"] == [{"Id": "i-0123456789abcdef0"}]
    assert s["AvailabilityZones"] == [{"Name": "us-east-1a"}]
    assert isinstance(s.get("Revision", 0), int)


def test_in_progress_trace_is_partial(boto):
    xray = boto("xray")
    doc = segment("running")
    del doc["end_time"]
    doc["in_progress"] = True
    put(xray, doc)
    (s,) = [x for x in all_summaries(xray, FilterExpression="partial", **window())]
    assert s["Id"] == doc["trace_id"] and s["IsPartial"] is True
    assert [x["Id"] for x in all_summaries(xray, FilterExpression="!partial", **window())] == []


# ---------------------------------------------------------------- graphs

def test_service_graph(boto):
    xray = boto("xray")
    t = time.time() - 60
    for i in range(3):
        tid = new_trace_id(t)
        call = subsegment("back", t + 0.01, 0.1, namespace="remote",
                          http={"request": {"url": "http://back/"},
                                "response": {"status": 500 if i == 2 else 200}},
                          fault=(i == 2) or None)
        ddb = subsegment("DynamoDB", t + 0.12, 0.02, namespace="aws",
                         aws={"operation": "Query", "table_name": "t"},
                         http={"response": {"status": 200}})
        sns = subsegment("SNS", t + 0.15, 0.01, namespace="aws", aws={"operation": "Publish"},
                         http={"response": {"status": 200}})
        front = segment("front", trace_id=tid, start=t, duration=0.2, origin="AWS::ECS::Container",
                        subsegments=[call, ddb, sns], fault=(i == 2) or None,
                        http={"response": {"status": 500 if i == 2 else 200}},
                        aws={"account_id": "123456789012"})
        back = segment("back", trace_id=tid, start=t + 0.02, duration=0.08, parent_id=call["id"],
                       fault=(i == 2) or None,
                       http={"response": {"status": 500 if i == 2 else 200}})
        put(xray, front, back)
        t += 1
    g = xray.get_service_graph(**window())
    assert g["ContainsOldGroupVersions"] is False
    svcs = g["Services"]
    refs = [s["ReferenceId"] for s in svcs]
    assert len(refs) == len(set(refs))
    nodes = by_name(svcs)
    by_ref = {s["ReferenceId"]: s for s in svcs}
    client = nodes[("front", "client")]
    front = nodes[("front", "AWS::ECS::Container")]
    back = nodes[("back", "")] if ("back", "") in nodes else nodes[("back", None)]
    ddb = nodes[("DynamoDB", "AWS::DynamoDB::Table")]
    sns = nodes[("SNS", "AWS::SNS")]
    assert client["State"] == "unknown"
    assert [by_ref[e["ReferenceId"]]["Name"] for e in client["Edges"]] == ["front"]
    assert front["Root"] is True and front["State"] == "active"
    assert front.get("AccountId") == "123456789012"
    assert {by_ref[e["ReferenceId"]]["Name"] for e in front["Edges"]} == {"back", "DynamoDB", "SNS"}
    assert ddb["State"] == "unknown" and sns["State"] == "unknown"
    assert ddb["Edges"] == [] and sns["Edges"] == [] and back["Edges"] == []
    fs = front["SummaryStatistics"]
    assert fs["TotalCount"] == 3 and fs["OkCount"] == 2
    assert fs["FaultStatistics"]["TotalCount"] == 1
    assert fs["ErrorStatistics"]["TotalCount"] == 0
    assert fs["TotalResponseTime"] == pytest.approx(0.6, abs=1e-3)
    assert sum(h["Count"] for h in front["ResponseTimeHistogram"]) == 3
    assert sum(h["Count"] for h in front["DurationHistogram"]) == 3
    bs = back["SummaryStatistics"]          # the callee's own segments
    assert bs["TotalCount"] == 3 and bs["TotalResponseTime"] == pytest.approx(0.24, abs=1e-3)
    (edge,) = [e for e in front["Edges"] if by_ref[e["ReferenceId"]]["Name"] == "back"]
    es = edge["SummaryStatistics"]          # the caller's subsegments
    assert es["TotalCount"] == 3 and es["FaultStatistics"]["TotalCount"] == 1
    assert es["TotalResponseTime"] == pytest.approx(0.3, abs=1e-3)
    assert sum(h["Count"] for h in edge["ResponseTimeHistogram"]) == 3
    assert ddb["SummaryStatistics"]["TotalCount"] == 3
    assert ddb["SummaryStatistics"]["OkCount"] == 3
    # An empty window: no services.
    now = time.time()
    assert xray.get_service_graph(StartTime=now + 3600, EndTime=now + 7200)["Services"] == []
    with pytest.raises(xray.exceptions.InvalidRequestException):
        xray.get_service_graph(StartTime=now, EndTime=now - 10)


def test_trace_graph(boto):
    xray = boto("xray")
    t = time.time() - 5
    one = segment("alpha", start=t, http={"response": {"status": 200}},
                  subsegments=[subsegment("DynamoDB", t + 0.01, namespace="aws",
                                          aws={"operation": "GetItem", "table_name": "x"})])
    other = segment("beta", start=t, http={"response": {"status": 200}})
    put(xray, one, other)
    g = xray.get_trace_graph(TraceIds=[one["trace_id"]])
    names = {(s["Name"], s["Type"]) for s in g["Services"]}
    assert names == {("alpha", "client"), ("alpha", ""), ("DynamoDB", "AWS::DynamoDB::Table")}
    both = xray.get_trace_graph(TraceIds=[one["trace_id"], other["trace_id"]])
    assert {s["Name"] for s in both["Services"]} == {"alpha", "beta", "DynamoDB"}
    assert xray.get_trace_graph(TraceIds=[new_trace_id()])["Services"] == []
    with pytest.raises(xray.exceptions.InvalidRequestException):
        xray.get_trace_graph(TraceIds=[])


# ---------------------------------------------------------------- the demo scenario

def test_demo_scenario(fluoro_factory):
    f = fluoro_factory(["--demo"])
    # main.c starts HTTP before the demo is committed, so /health alone does not mean loaded.
    deadline = time.time() + 20
    while "demo data loaded" not in f.read_log() and time.time() < deadline:
        time.sleep(0.02)
    assert "demo data loaded" in f.read_log(), f.read_log()[-3000:]
    xray = aws_client(f, "xray")
    summaries = all_summaries(xray, **window())
    assert len(summaries) == 16
    faults = all_summaries(xray, FilterExpression="fault", **window())
    assert len(faults) == 1
    (fault,) = faults
    assert fault["HasFault"] and fault["Http"]["HttpStatus"] == 500
    assert fault["EntryPoint"]["Name"] == "orders-api/prod"
    assert len(all_summaries(xray, FilterExpression='service("SNS") { error }', **window())) == 1
    assert len(all_summaries(xray, FilterExpression='annotation.order_id = "ord-0008"',
                             **window())) == 1
    _, docs = trace_docs(xray, fault["Id"])
    real = [d for d in docs if not d.get("inferred")]
    assert {d["name"] for d in real} == {"orders-api/prod", "orders-function"}
    assert len(real) == 3
    assert {d["name"] for d in docs if d.get("inferred")} == {"KMS", "DynamoDB", "SNS"}

    nodes = by_name(xray.get_service_graph(**window())["Services"])
    assert set(nodes) >= {("orders-api/prod", "client"), ("orders-api/prod", "AWS::ApiGateway::Stage"),
                          ("orders-function", "AWS::Lambda"),
                          ("orders-function", "AWS::Lambda::Function"),
                          ("DynamoDB", "AWS::DynamoDB::Table"), ("KMS", "AWS::KMS"),
                          ("SNS", "AWS::SNS")}, set(nodes)
    by_ref = {s["ReferenceId"]: s for s in nodes.values()}
    stage = nodes[("orders-api/prod", "AWS::ApiGateway::Stage")]
    assert stage["Root"] is True
    assert stage["SummaryStatistics"]["TotalCount"] == 16
    assert stage["SummaryStatistics"]["FaultStatistics"]["TotalCount"] == 1
    fn = nodes[("orders-function", "AWS::Lambda::Function")]
    targets = {(by_ref[e["ReferenceId"]]["Name"]): e for e in fn["Edges"]}
    assert set(targets) == {"KMS", "DynamoDB", "SNS"}
    assert targets["DynamoDB"]["SummaryStatistics"]["TotalCount"] == 16
    assert targets["SNS"]["SummaryStatistics"]["TotalCount"] == 12
    assert targets["SNS"]["SummaryStatistics"]["ErrorStatistics"]["TotalCount"] == 1
    sns = nodes[("SNS", "AWS::SNS")]
    assert sns["SummaryStatistics"]["ErrorStatistics"]["TotalCount"] == 1
    assert [(by_ref[e["ReferenceId"]]["Name"], by_ref[e["ReferenceId"]]["Type"])
            for e in stage["Edges"]] == [("orders-function", "AWS::Lambda")]
    lam = nodes[("orders-function", "AWS::Lambda")]
    assert [by_ref[e["ReferenceId"]]["Type"] for e in lam["Edges"]] == ["AWS::Lambda::Function"]


# ---------------------------------------------------------------- sampling and telemetry

DEFAULT_RULE = {"RuleName": "Default", "ResourceARN": "*", "Priority": 10000, "FixedRate": 0.05,
                "ReservoirSize": 1, "ServiceName": "*", "ServiceType": "*", "Host": "*",
                "HTTPMethod": "*", "URLPath": "*", "Version": 1, "Attributes": {}}


def test_get_sampling_rules_default(fluoro, boto):
    rules = boto("xray").get_sampling_rules()["SamplingRuleRecords"]
    (rec,) = [r for r in rules if r["SamplingRule"]["RuleName"] == "Default"]
    rule = rec["SamplingRule"]
    for k, v in DEFAULT_RULE.items():
        assert rule[k] == v, k
    assert rule["RuleARN"].startswith("arn:aws:xray:us-east-1:") and \
        rule["RuleARN"].endswith(":sampling-rule/Default")
    assert "CreatedAt" in rec and "ModifiedAt" in rec
    # Unsigned, the way the SDK pollers ask, with the raw JSON types they check.
    status, hdrs, data = raw_post(fluoro, "/GetSamplingRules", b"{}")
    assert status == 200 and hdrs["content-type"].startswith("application/json")
    raw = json.loads(data)["SamplingRuleRecords"]
    (raw_default,) = [r for r in raw if r["SamplingRule"]["RuleName"] == "Default"]
    assert raw_default["SamplingRule"]["Attributes"] == {}
    assert isinstance(raw_default["SamplingRule"]["FixedRate"], float)
    assert isinstance(raw_default["CreatedAt"], (int, float))
    assert isinstance(raw_default["ModifiedAt"], (int, float))
    assert raw[-1]["SamplingRule"]["RuleName"] == "Default"
    # botocore-style empty body without a Content-Type, and Go's {"NextToken": null}.
    status, _, data = fluoro.request("POST", "/GetSamplingRules", b"")
    assert status == 200 and json.loads(data)["SamplingRuleRecords"]
    status, _, data = raw_post(fluoro, "/GetSamplingRules", b'{"NextToken": null}')
    assert status == 200 and json.loads(data)["SamplingRuleRecords"]


def test_get_sampling_targets(fluoro, boto):
    xray = boto("xray")
    now = int(time.time())
    doc = {"RuleName": "Default", "ClientID": "0123456789abcdef01234567", "Timestamp": now,
           "RequestCount": 10, "SampledCount": 2, "BorrowCount": 1}
    out = xray.get_sampling_targets(SamplingStatisticsDocuments=[
        doc, dict(doc, RuleName="no-such-rule")])
    (target,) = out["SamplingTargetDocuments"]
    assert target["RuleName"] == "Default"
    assert target["FixedRate"] == 0.05
    assert target["ReservoirQuota"] == 1
    assert target["Interval"] == 10
    ttl = target["ReservoirQuotaTTL"].timestamp()
    assert now + 60 <= ttl <= now + 3600
    (un,) = out["UnprocessedStatistics"]
    assert un["RuleName"] == "no-such-rule" and un["ErrorCode"].startswith("4")
    assert "LastRuleModification" in out
    # Raw wire types: the Node SDK rejects a non-number LastRuleModification.
    status, _, data = raw_post(fluoro, "/SamplingTargets",
                               json.dumps({"SamplingStatisticsDocuments": [doc]}).encode())
    assert status == 200
    body = json.loads(data)
    assert isinstance(body["LastRuleModification"], (int, float))
    assert isinstance(body["SamplingTargetDocuments"][0]["ReservoirQuotaTTL"], (int, float))
    assert isinstance(body["SamplingTargetDocuments"][0]["ReservoirQuota"], int)
    assert body["UnprocessedStatistics"] == []
    # Two clients share the reservoir (ReservoirSize 1 -> still at least 1 each, rounded up).
    other = dict(doc, ClientID="fedcba9876543210fedcba98")
    out2 = xray.get_sampling_targets(SamplingStatisticsDocuments=[other])
    assert out2["SamplingTargetDocuments"][0]["ReservoirQuota"] >= 1
    status, hdrs, data = raw_post(fluoro, "/SamplingTargets", json.dumps(
        {"SamplingStatisticsDocuments": [dict(doc, ClientID="short")]}).encode())
    assert_restjson_error(status, hdrs, data, "InvalidRequestException")
    with pytest.raises(xray.exceptions.InvalidRequestException):
        xray.get_sampling_targets(SamplingStatisticsDocuments=[doc] * 26)


def test_put_telemetry_records(fluoro, boto):
    xray = boto("xray")
    out = xray.put_telemetry_records(
        TelemetryRecords=[{"Timestamp": time.time(), "SegmentsReceivedCount": 5,
                           "SegmentsSentCount": 5, "SegmentsSpilloverCount": 0,
                           "SegmentsRejectedCount": 0,
                           "BackendConnectionErrors": {"TimeoutCount": 0}}],
        EC2InstanceId="i-0123456789abcdef0", Hostname="builder", ResourceARN="arn:x")
    assert out["ResponseMetadata"]["HTTPStatusCode"] == 200
    status, _, data = raw_post(fluoro, "/TelemetryRecords", b'{"TelemetryRecords": []}')
    assert status == 200 and json.loads(data) == {}
    status, hdrs, data = raw_post(fluoro, "/TelemetryRecords", b'{}')
    assert_restjson_error(status, hdrs, data, "InvalidRequestException")


# ---------------------------------------------------------------- bad input

@pytest.mark.parametrize("path, body", [
    ("/TraceSegments", b"this is not json"),
    ("/TraceSegments", b'{"TraceSegmentDocuments": "not a list"}'),
    ("/TraceSegments", b'{"TraceSegmentDocuments": [1, 2]}'),
    ("/TraceSegments", b"[]"),
    ("/TraceSegments", b"{}"),
    ("/Traces", b'{"TraceIds": "1-5759e988-bd862e3fe1be46a994272793"}'),
    ("/Traces", b'{"TraceIds": [42]}'),
    ("/Traces", b'{"TraceIds": ["' + b"1" * 36 + b'"]}'),
    ("/TraceSummaries", b'{"StartTime": "yesterday", "EndTime": 2}'),
    ("/TraceSummaries", b'{"StartTime": 1, "EndTime": 2, "FilterExpression": 5}'),
    ("/TraceSummaries", b'{"StartTime": 1, "EndTime": 2, "Sampling": "yes"}'),
    ("/TraceSummaries", b'{"EndTime": 2}'),
    ("/TraceSummaries", b'{"StartTime": 5, "EndTime": 5}'),
    ("/TraceSummaries", b'{"StartTime": 1, "EndTime": 2, "FilterExpression": ""}'),
    ("/ServiceGraph", b'{"StartTime": true, "EndTime": 2}'),
    ("/TraceGraph", b'{"TraceIds": {}}'),
    ("/SamplingTargets", b'{"SamplingStatisticsDocuments": [7]}'),
    ("/SamplingTargets", b'{"SamplingStatisticsDocuments": [{"RuleName": "Default"}]}'),
    ("/GetSamplingRules", b'{"NextToken": 5}'),
])
def test_bad_requests_are_invalid_request_exceptions(fluoro, path, body):
    status, hdrs, data = raw_post(fluoro, path, body)
    assert_restjson_error(status, hdrs, data, "InvalidRequestException")
    assert fluoro.get("/health")["status"] == "ok"


def test_unknown_path_and_method(fluoro):
    status, hdrs, data = raw_post(fluoro, "/NoSuchOperation", b"{}")
    body = assert_restjson_error(status, hdrs, data, hdrs.get("x-amzn-errortype"), 404)
    assert body["__type"] and "NoSuchOperation" in body["Message"]
    status, hdrs, data = fluoro.request("PUT", "/Traces", b"{}")
    assert status == 405
    assert metric(fluoro, "fluoro_http_requests_total", route="other", status="404") >= 1


def test_oversized_body_is_413(fluoro):
    body = b'{"TraceSegmentDocuments": ["' + b"x" * (16 * 1024 * 1024 + 10) + b'"]}'
    status, hdrs, data = raw_post(fluoro, "/TraceSegments", body)
    err = assert_restjson_error(status, {k.lower(): v for k, v in hdrs.items()}, data,
                                "InvalidRequestException", 413)
    assert "limit" in err["Message"]
    assert fluoro.get("/health")["status"] == "ok"
    assert fluoro.stats()["segments"] == 0


def test_botocore_raises_modeled_exceptions(boto):
    xray = boto("xray")
    now = time.time()
    with pytest.raises(xray.exceptions.InvalidRequestException) as e:
        xray.get_trace_summaries(StartTime=now, EndTime=now - 60)
    err = e.value.response["Error"]
    assert err["Code"] == "InvalidRequestException"
    assert "StartTime" in err["Message"]
    assert e.value.response["ResponseMetadata"]["HTTPHeaders"]["x-amzn-errortype"] == \
        "InvalidRequestException"
    assert e.value.response["ResponseMetadata"]["RequestId"]
    assert isinstance(e.value, ClientError)


# ---------------------------------------------------------------- AWS CLI v2

def aws(aws_env, fluoro, *args, check=True):
    p = subprocess.run([AWS_CLI, "--endpoint-url", fluoro.url, "--output", "json", "xray"] +
                       list(args), env=aws_env, capture_output=True, text=True, timeout=60)
    if check:
        assert p.returncode == 0, (args, p.stdout, p.stderr)
        return json.loads(p.stdout) if p.stdout.strip() else {}
    return p


def test_aws_cli(fluoro, aws_env):
    good = segment("cli-svc", annotations={"via": "cli"}, http={"response": {"status": 200}})
    bad = segment("cli-bad", id="nothex")
    out = aws(aws_env, fluoro, "put-trace-segments", "--trace-segment-documents",
              json.dumps(good), json.dumps(bad))
    (un,) = out["UnprocessedTraceSegments"]
    assert un["Id"] == "nothex" and un["ErrorCode"] == "InvalidSegmentId"
    out = aws(aws_env, fluoro, "batch-get-traces", "--trace-ids", good["trace_id"])
    (trace,) = out["Traces"]
    assert json.loads(trace["Segments"][0]["Document"])["name"] == "cli-svc"
    now = int(time.time())
    out = aws(aws_env, fluoro, "get-trace-summaries", "--start-time", str(now - 600),
              "--end-time", str(now + 60), "--filter-expression", 'annotation.via = "cli"')
    assert [s["Id"] for s in out["TraceSummaries"]] == [good["trace_id"]]
    out = aws(aws_env, fluoro, "get-sampling-rules")
    assert out["SamplingRuleRecords"][-1]["SamplingRule"]["Attributes"] == {}
    p = aws(aws_env, fluoro, "get-trace-summaries", "--start-time", str(now),
            "--end-time", str(now - 60), check=False)
    assert p.returncode != 0
    assert "InvalidRequestException" in p.stderr and "StartTime" in p.stderr, p.stderr
