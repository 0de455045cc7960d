"""The X-Ray configuration and statistics operations (reference/xray-api.md) through boto3 and the
AWS CLI v2: groups, sampling-rule CRUD with GetSamplingRules/GetSamplingTargets/
GetSamplingStatisticSummaries, encryption config, resource policies, tags, the Insight operations
and GetTimeSeriesServiceStatistics, each with bad input for every validation rule. Requests that
botocore would refuse before sending (required, type, min) go over raw HTTP."""
import json
import subprocess
import time

import pytest
from botocore.exceptions import ClientError

from conftest import AWS_CLI, Fluoro, aws_client, new_trace_id, segment, subsegment

ACCOUNT = "000000000000"


def raw(f, path, body):
    """POST body (dict, or bytes as is) -> (status, lower-cased headers, parsed body)."""
    data = body if isinstance(body, bytes) else json.dumps(body).encode()
    status, hdrs, out = f.request("POST", path, data, {"Content-Type": "application/json"})
    hdrs = {k.lower(): v for k, v in hdrs.items()}
    return status, hdrs, (json.loads(out) if out[:1] == b"{" else out)


def raw_error(f, path, body, code="InvalidRequestException", status=400):
    st, hdrs, out = raw(f, path, body)
    assert st == status, (path, body, st, out)
    assert hdrs.get("x-amzn-errortype") == code, (hdrs, out)
    assert out["__type"] == code and out["Message"] == out["message"] and out["Message"], out
    return out


def client_error(call, code, **kw):
    with pytest.raises(ClientError) as e:
        call(**kw)
    err = e.value.response["Error"]
    assert err["Code"] == code, (kw, e.value.response)
    return e.value.response


def put(xray, *docs):
    out = xray.put_trace_segments(TraceSegmentDocuments=[json.dumps(d) for d in docs])
    assert out["UnprocessedTraceSegments"] == [], out
    return out


def window():
    now = time.time()
    return dict(StartTime=now - 3600, EndTime=now + 600)


def aws(fluoro, env, *args, check=True):
    p = subprocess.run([AWS_CLI, "--endpoint-url", fluoro.url, "--output", "json", "xray"] +
                       list(args), env=env, capture_output=True, text=True, timeout=60)
    if check:
        assert p.returncode == 0, (args, p.stdout, p.stderr)
        return json.loads(p.stdout) if p.stdout.strip() else {}
    assert p.returncode != 0, (args, p.stdout)
    return p


RULE = dict(RuleName="r1", ResourceARN="*", Priority=10, FixedRate=0.1, ReservoirSize=4,
            ServiceName="*", ServiceType="*", Host="*", HTTPMethod="*", URLPath="*", Version=1)

POLICY = json.dumps({"Version": "2012-10-17", "Statement": [
    {"Sid": "a", "Effect": "Allow", "Principal": {"Service": "sns.amazonaws.com"},
     "Action": ["xray:PutTraceSegments"], "Resource": "*"}]})


# ---------------------------------------------------------------- groups

def test_group_lifecycle(fluoro, boto):
    xray = boto("xray")
    g = xray.create_group(GroupName="orders", FilterExpression='service("orders")',
                          InsightsConfiguration={"InsightsEnabled": True},
                          Tags=[{"Key": "team", "Value": "core"}])["Group"]
    assert g["GroupName"] == "orders" and g["FilterExpression"] == 'service("orders")'
    assert g["GroupARN"].startswith("arn:aws:xray:us-east-1:%s:group/orders/" % ACCOUNT)
    assert len(g["GroupARN"].rsplit("/", 1)[1]) == 32
    assert g["InsightsConfiguration"] == {"InsightsEnabled": True, "NotificationsEnabled": False}
    assert xray.get_group(GroupName="orders")["Group"] == g
    assert xray.get_group(GroupARN=g["GroupARN"])["Group"] == g
    xray.create_group(GroupName="all")
    groups = [x for p in xray.get_paginator("get_groups").paginate() for x in p["Groups"]]
    assert [x["GroupName"] for x in groups] == ["Default", "all", "orders"]
    assert groups[0]["GroupARN"] == "arn:aws:xray:us-east-1:%s:group/Default" % ACCOUNT
    assert "FilterExpression" not in groups[1]
    # Update by ARN: the expression and the notifications flag.
    up = xray.update_group(GroupARN=g["GroupARN"], FilterExpression='service("pay")',
                           InsightsConfiguration={"NotificationsEnabled": True})["Group"]
    assert up["FilterExpression"] == 'service("pay")'
    assert up["InsightsConfiguration"] == {"InsightsEnabled": True, "NotificationsEnabled": True}
    assert xray.list_tags_for_resource(ResourceARN=g["GroupARN"])["Tags"] == [
        {"Key": "team", "Value": "core"}]
    # The Default group: insights may be switched on, its filter may not be set.
    d = xray.update_group(GroupName="Default",
                          InsightsConfiguration={"InsightsEnabled": True})["Group"]
    assert d["GroupName"] == "Default" and d["InsightsConfiguration"]["InsightsEnabled"] is True
    assert [x["GroupName"] for x in xray.get_groups()["Groups"]] == ["Default", "all", "orders"]
    client_error(xray.update_group, "InvalidRequestException", GroupName="Default",
                 FilterExpression="ok")
    out = xray.delete_group(GroupName="orders")
    assert set(out) == {"ResponseMetadata"}
    xray.delete_group(GroupName="all")
    client_error(xray.get_group, "InvalidRequestException", GroupName="orders")
    # Deleting a group deletes its tags: the ARN is gone.
    client_error(xray.list_tags_for_resource, "ResourceNotFoundException",
                 ResourceARN=g["GroupARN"])
    assert [x["GroupName"] for x in xray.get_groups()["Groups"]] == ["Default"]


def test_group_bad_input(fluoro, boto):
    xray = boto("xray")
    xray.create_group(GroupName="dup")
    cases = [
        (xray.create_group, dict(GroupName="dup")),                       # exists
        (xray.create_group, dict(GroupName="Default")),                   # reserved
        (xray.create_group, dict(GroupName="x" * 33)),                    # max 32
        (xray.create_group, dict(GroupName="bad/name")),                  # pattern
        (xray.create_group, dict(GroupName="f", FilterExpression='service("a"')),
        (xray.create_group, dict(GroupName="f", FilterExpression='group.name = "nope"')),
        (xray.create_group, dict(GroupName="f", InsightsConfiguration={
            "InsightsEnabled": False, "NotificationsEnabled": True})),
        (xray.create_group, dict(GroupName="f", Tags=[{"Key": "aws:x", "Value": "v"}])),
        (xray.create_group, dict(GroupName="f", Tags=[{"Key": "k!", "Value": "v"}])),
        (xray.create_group, dict(GroupName="f", Tags=[{"Key": "k%d" % i, "Value": "v"}
                                                       for i in range(51)])),
        (xray.get_group, dict(GroupName="missing")),
        (xray.get_group, dict()),                                         # neither name nor ARN
        (xray.update_group, dict(GroupName="missing", FilterExpression="ok")),
        (xray.update_group, dict(GroupName="dup", FilterExpression="responsetime >")),
        (xray.delete_group, dict(GroupName="missing")),
        (xray.delete_group, dict(GroupName="Default")),
        (xray.delete_group, dict()),
    ]
    for call, kw in cases:
        client_error(call, "InvalidRequestException", **kw)
    err = client_error(xray.create_group, "InvalidRequestException", GroupName="p",
                       FilterExpression='service("a") AND')
    assert "position" in err["Error"]["Message"]
    # botocore refuses these before sending; fluoro refuses them too.
    raw_error(fluoro, "/CreateGroup", {})
    raw_error(fluoro, "/CreateGroup", {"GroupName": ""})
    raw_error(fluoro, "/CreateGroup", {"GroupName": 5})
    raw_error(fluoro, "/CreateGroup", {"GroupName": "t", "InsightsConfiguration": {
        "InsightsEnabled": "yes"}})
    raw_error(fluoro, "/Groups", {"NextToken": "garbage"})
    raw_error(fluoro, "/GetGroup", b"{not json")
    assert [g["GroupName"] for g in xray.get_groups()["Groups"]] == ["Default", "dup"]


def test_group_applies_to_trace_summaries_and_service_graph(fluoro, boto):
    xray = boto("xray")
    t = time.time() - 10
    a = segment("grp-a", start=t, http={"response": {"status": 200}})
    b = segment("grp-b", start=t, http={"response": {"status": 500}}, fault=True)
    put(xray, a, b)
    g = xray.create_group(GroupName="faults", FilterExpression="fault")["Group"]
    for expr in ('group.name = "faults"', 'group.arn = "%s"' % g["GroupARN"]):
        ids = [s["Id"] for s in xray.get_trace_summaries(FilterExpression=expr,
                                                         **window())["TraceSummaries"]]
        assert ids == [b["trace_id"]], expr
    both = xray.get_trace_summaries(FilterExpression='group.name = "faults" OR service("grp-a")',
                                    **window())["TraceSummaries"]
    assert {s["Id"] for s in both} == {a["trace_id"], b["trace_id"]}
    names = {s["Name"] for s in xray.get_service_graph(GroupName="faults", **window())["Services"]}
    assert "grp-b" in names and "grp-a" not in names
    names = {s["Name"] for s in xray.get_service_graph(GroupARN=g["GroupARN"],
                                                       **window())["Services"]}
    assert "grp-b" in names and "grp-a" not in names
    # Changing the group's expression changes what it selects.
    xray.update_group(GroupName="faults", FilterExpression='service("grp-a")')
    ids = [s["Id"] for s in xray.get_trace_summaries(FilterExpression='group.name = "faults"',
                                                     **window())["TraceSummaries"]]
    assert ids == [a["trace_id"]]
    # The Default group selects everything.
    names = {s["Name"] for s in xray.get_service_graph(GroupName="Default", **window())["Services"]}
    assert {"grp-a", "grp-b"} <= names
    client_error(xray.get_service_graph, "InvalidRequestException", GroupName="nope", **window())


# ---------------------------------------------------------------- sampling rules

def records(xray):
    return xray.get_sampling_rules()["SamplingRuleRecords"]


def test_sampling_rule_lifecycle(fluoro, boto):
    xray = boto("xray")
    before = time.time()
    rec = xray.create_sampling_rule(SamplingRule=RULE, Tags=[{"Key": "k", "Value": "v"}])[
        "SamplingRuleRecord"]
    rule = rec["SamplingRule"]
    assert rule["RuleARN"] == "arn:aws:xray:us-east-1:%s:sampling-rule/r1" % ACCOUNT
    assert rule["Attributes"] == {} and rule["Version"] == 1 and rule["Priority"] == 10
    assert rec["CreatedAt"].timestamp() >= before - 1 and rec["ModifiedAt"] == rec["CreatedAt"]
    xray.create_sampling_rule(SamplingRule=dict(RULE, RuleName="r0", Priority=5,
                                                Attributes={"tier": "gold"}))
    xray.create_sampling_rule(SamplingRule=dict(RULE, RuleName="r2", Priority=5))
    # Priority order (ties by name), Default last, every rule with Attributes.
    got = records(xray)
    assert [r["SamplingRule"]["RuleName"] for r in got] == ["r0", "r2", "r1", "Default"]
    assert got[0]["SamplingRule"]["Attributes"] == {"tier": "gold"}
    assert all(r["SamplingRule"]["Attributes"] is not None for r in got)
    # Update by ARN: only the given fields change; ModifiedAt moves, CreatedAt stays.
    time.sleep(0.01)
    up = xray.update_sampling_rule(SamplingRuleUpdate={"RuleARN": rule["RuleARN"], "Priority": 1,
                                                       "Host": "api.example.com"})
    up = up["SamplingRuleRecord"]
    assert up["SamplingRule"]["Priority"] == 1 and up["SamplingRule"]["Host"] == "api.example.com"
    assert up["SamplingRule"]["FixedRate"] == 0.1
    assert up["CreatedAt"] == rec["CreatedAt"] and up["ModifiedAt"] > rec["ModifiedAt"]
    assert [r["SamplingRule"]["RuleName"] for r in records(xray)] == ["r1", "r0", "r2", "Default"]
    # Default: FixedRate and ReservoirSize are editable, the rest is not, and it stays last.
    d = xray.update_sampling_rule(SamplingRuleUpdate={"RuleName": "Default", "FixedRate": 0.5,
                                                      "ReservoirSize": 3})["SamplingRuleRecord"]
    assert d["SamplingRule"]["FixedRate"] == 0.5 and d["SamplingRule"]["ReservoirSize"] == 3
    assert d["SamplingRule"]["Priority"] == 10000
    last = records(xray)[-1]["SamplingRule"]
    assert last["RuleName"] == "Default" and last["FixedRate"] == 0.5
    assert [r["SamplingRule"]["RuleName"] for r in records(xray)].count("Default") == 1
    # Delete returns the deleted record; the tags go with it.
    gone = xray.delete_sampling_rule(RuleName="r2")["SamplingRuleRecord"]
    assert gone["SamplingRule"]["RuleName"] == "r2"
    gone = xray.delete_sampling_rule(RuleARN=rule["RuleARN"])["SamplingRuleRecord"]
    assert gone["SamplingRule"]["Priority"] == 1
    client_error(xray.list_tags_for_resource, "ResourceNotFoundException",
                 ResourceARN=rule["RuleARN"])
    assert [r["SamplingRule"]["RuleName"] for r in records(xray)] == ["r0", "Default"]


def test_sampling_rule_bad_input(fluoro, boto):
    xray = boto("xray")
    xray.create_sampling_rule(SamplingRule=RULE)
    bad_rules = [
        dict(RULE),                                   # duplicate name
        dict(RULE, RuleName="Default"),               # reserved
        dict(RULE, RuleName="x" * 33),
        dict(RULE, RuleName="a/b"),
        dict(RULE, RuleName="v", Version=2),
        dict(RULE, RuleName="v", Priority=10000),
        dict(RULE, RuleName="v", FixedRate=1.5),
        dict(RULE, RuleName="v", ServiceName="s" * 65),
        dict(RULE, RuleName="v", ServiceType="s" * 65),
        dict(RULE, RuleName="v", Host="h" * 65),
        dict(RULE, RuleName="v", HTTPMethod="GETGETGETGE"),
        dict(RULE, RuleName="v", URLPath="/" * 129),
        dict(RULE, RuleName="v", ResourceARN="a" * 501),
        dict(RULE, RuleName="v", Attributes={"k%d" % i: "v" for i in range(6)}),
        dict(RULE, RuleName="v", Attributes={"k" * 33: "v"}),
    ]
    for r in bad_rules:
        client_error(xray.create_sampling_rule, "InvalidRequestException", SamplingRule=r)
    client_error(xray.create_sampling_rule, "InvalidRequestException",
                 SamplingRule=dict(RULE, RuleName="t"), Tags=[{"Key": "aws:x", "Value": "v"}])
    # Values botocore itself refuses (min, required, type), sent raw.
    for r in [dict(RULE, Priority=0), dict(RULE, FixedRate=-0.1), dict(RULE, ReservoirSize=-1),
              dict(RULE, Version=0), {k: v for k, v in RULE.items() if k != "Host"},
              dict(RULE, Priority="high"), dict(RULE, RuleName=""),
              {k: v for k, v in RULE.items() if k != "RuleName"}]:
        raw_error(fluoro, "/CreateSamplingRule", {"SamplingRule": r})
    raw_error(fluoro, "/CreateSamplingRule", {})
    # Update and delete.
    for upd in [{"RuleName": "missing", "FixedRate": 0.1},
                {"RuleName": "r1", "RuleARN": "arn:x"},          # not both
                {"FixedRate": 0.1},                              # neither
                {"RuleName": "r1", "FixedRate": 2},
                {"RuleName": "r1", "Priority": 10001},
                {"RuleName": "r1", "Host": "h" * 65},
                {"RuleName": "Default", "Priority": 1}]:
        client_error(xray.update_sampling_rule, "InvalidRequestException",
                     SamplingRuleUpdate=upd)
    for kw in [dict(RuleName="missing"), dict(RuleName="Default"), dict(),
               dict(RuleName="r1", RuleARN=RULE["ResourceARN"])]:
        client_error(xray.delete_sampling_rule, "InvalidRequestException", **kw)
    assert [r["SamplingRule"]["RuleName"] for r in records(xray)] == ["r1", "Default"]


def test_sampling_rule_limit(fluoro_factory):
    f = fluoro_factory(["--sampling-rule-limit", "2"])
    xray = aws_client(f, "xray")
    xray.create_sampling_rule(SamplingRule=dict(RULE, RuleName="a"))
    xray.create_sampling_rule(SamplingRule=dict(RULE, RuleName="b"))
    client_error(xray.create_sampling_rule, "RuleLimitExceededException",
                 SamplingRule=dict(RULE, RuleName="c"))
    # Editing Default does not use up the quota; deleting frees a slot.
    xray.update_sampling_rule(SamplingRuleUpdate={"RuleName": "Default", "FixedRate": 0.2})
    xray.delete_sampling_rule(RuleName="a")
    xray.create_sampling_rule(SamplingRule=dict(RULE, RuleName="c"))


def test_default_rule_limit_is_25(fluoro, boto):
    xray = boto("xray")
    for i in range(25):
        xray.create_sampling_rule(SamplingRule=dict(RULE, RuleName="r%02d" % i, Priority=i + 1))
    client_error(xray.create_sampling_rule, "RuleLimitExceededException",
                 SamplingRule=dict(RULE, RuleName="r25"))
    assert len(records(xray)) == 26


def stat(rule, client, requests=10, sampled=2, borrowed=0, ts=None):
    return {"RuleName": rule, "ClientID": client, "Timestamp": ts or time.time(),
            "RequestCount": requests, "SampledCount": sampled, "BorrowCount": borrowed}


def test_sampling_targets_and_statistic_summaries(fluoro, boto):
    xray = boto("xray")
    xray.create_sampling_rule(SamplingRule=dict(RULE, RuleName="quota", ReservoirSize=10))
    c1, c2 = "a" * 24, "b" * 24
    out = xray.get_sampling_targets(SamplingStatisticsDocuments=[stat("quota", c1)])
    (t,) = out["SamplingTargetDocuments"]
    assert t["RuleName"] == "quota" and t["ReservoirQuota"] == 10 and t["FixedRate"] == 0.1
    assert t["Interval"] == 10 and t["ReservoirQuotaTTL"].timestamp() > time.time()
    # A second client reporting the same rule halves each client's share.
    out = xray.get_sampling_targets(SamplingStatisticsDocuments=[stat("quota", c2, 6, 1, 1)])
    assert out["SamplingTargetDocuments"][0]["ReservoirQuota"] == 5
    out = xray.get_sampling_targets(SamplingStatisticsDocuments=[stat("quota", c1),
                                                                 stat("Default", c1)])
    quotas = {d["RuleName"]: d["ReservoirQuota"] for d in out["SamplingTargetDocuments"]}
    assert quotas == {"quota": 5, "Default": 1}
    assert out["UnprocessedStatistics"] == []
    # Summaries aggregate the reports of the latest 10-second window, per rule.
    sums = {s["RuleName"]: s for s in
            xray.get_sampling_statistic_summaries()["SamplingStatisticSummaries"]}
    assert set(sums) == {"quota", "Default"}
    q = sums["quota"]
    assert q["RequestCount"] == 26 and q["SampledCount"] == 5 and q["BorrowCount"] == 1
    assert q["Timestamp"].timestamp() % 10 == 0
    # Deleting the rule: its reports become UnprocessedStatistics and LastRuleModification moves.
    last = out["LastRuleModification"]
    time.sleep(0.01)
    xray.delete_sampling_rule(RuleName="quota")
    out = xray.get_sampling_targets(SamplingStatisticsDocuments=[stat("quota", c1)])
    assert out["SamplingTargetDocuments"] == []
    (u,) = out["UnprocessedStatistics"]
    assert u["RuleName"] == "quota" and u["ErrorCode"].startswith("4")
    assert out["LastRuleModification"] > last
    raw_error(fluoro, "/SamplingStatisticSummaries", {"NextToken": 5})


# ---------------------------------------------------------------- encryption config

def test_encryption_config(fluoro, boto):
    xray = boto("xray")
    assert xray.get_encryption_config()["EncryptionConfig"] == {"Type": "NONE",
                                                               "Status": "ACTIVE"}
    # The SDKs send GetEncryptionConfig with an empty body and no Content-Type.
    status, hdrs, body = fluoro.request("POST", "/EncryptionConfig", b"")
    assert status == 200 and json.loads(body)["EncryptionConfig"]["Type"] == "NONE"
    out = xray.put_encryption_config(Type="KMS", KeyId="alias/my-key")["EncryptionConfig"]
    assert out == {"Type": "KMS", "KeyId": "alias/my-key", "Status": "UPDATING"}
    assert xray.get_encryption_config()["EncryptionConfig"] == {
        "Type": "KMS", "KeyId": "alias/my-key", "Status": "ACTIVE"}
    assert xray.put_encryption_config(Type="NONE")["EncryptionConfig"] == {"Type": "NONE",
                                                                         "Status": "ACTIVE"}
    assert xray.get_encryption_config()["EncryptionConfig"]["Type"] == "NONE"
    client_error(xray.put_encryption_config, "InvalidRequestException", Type="AES")
    client_error(xray.put_encryption_config, "InvalidRequestException", Type="NONE",
                 KeyId="alias/x")
    client_error(xray.put_encryption_config, "InvalidRequestException", Type="KMS",
                 KeyId="k" * 3001)
    raw_error(fluoro, "/PutEncryptionConfig", {})
    raw_error(fluoro, "/PutEncryptionConfig", {"Type": "KMS", "KeyId": ""})


# ---------------------------------------------------------------- resource policies

def test_resource_policies(fluoro, boto):
    xray = boto("xray")
    assert xray.list_resource_policies()["ResourcePolicies"] == []
    p = xray.put_resource_policy(PolicyName="sns", PolicyDocument=POLICY)["ResourcePolicy"]
    assert p["PolicyName"] == "sns" and p["PolicyDocument"] == POLICY
    assert p["PolicyRevisionId"] == "1" and p["LastUpdatedTime"].timestamp() > time.time() - 60
    # Revision ids: the current one updates, a stale one or "0" (create only) is refused.
    p2 = xray.put_resource_policy(PolicyName="sns", PolicyDocument=POLICY,
                                  PolicyRevisionId="1")["ResourcePolicy"]
    assert p2["PolicyRevisionId"] == "2"
    for rev in ["1", "0", "abc"]:
        client_error(xray.put_resource_policy, "InvalidPolicyRevisionIdException",
                     PolicyName="sns", PolicyDocument=POLICY, PolicyRevisionId=rev)
    assert xray.put_resource_policy(PolicyName="new", PolicyDocument=POLICY,
                                    PolicyRevisionId="0")["ResourcePolicy"]["PolicyRevisionId"] \
        == "1"
    assert [x["PolicyName"] for x in xray.list_resource_policies()["ResourcePolicies"]] == [
        "new", "sns"]
    # Five per account.
    for i in range(3):
        xray.put_resource_policy(PolicyName="p%d" % i, PolicyDocument=POLICY)
    client_error(xray.put_resource_policy, "PolicyCountLimitExceededException",
                 PolicyName="sixth", PolicyDocument=POLICY)
    # Replacing an existing one is not a new policy.
    xray.put_resource_policy(PolicyName="p0", PolicyDocument=POLICY)
    # Documents: at most 5 KB, and a policy.
    big = json.dumps({"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Action": "xray:*", "Resource": "*", "Sid": "x" * 5200}]})
    client_error(xray.put_resource_policy, "PolicySizeLimitExceededException",
                 PolicyName="p0", PolicyDocument=big)
    for doc in ["not json", "[]", "{}", json.dumps({"Statement": []}),
                json.dumps({"Statement": [{"Effect": "Maybe"}]})]:
        client_error(xray.put_resource_policy, "MalformedPolicyDocumentException",
                     PolicyName="p0", PolicyDocument=doc)
    client_error(xray.put_resource_policy, "InvalidRequestException",
                 PolicyName="bad name", PolicyDocument=POLICY)
    client_error(xray.put_resource_policy, "InvalidRequestException",
                 PolicyName="x" * 129, PolicyDocument=POLICY)
    raw_error(fluoro, "/PutResourcePolicy", {"PolicyName": "a"})
    raw_error(fluoro, "/PutResourcePolicy", {"PolicyName": "", "PolicyDocument": POLICY})
    # Delete: with a stale revision refused, with the right one or none accepted.
    client_error(xray.delete_resource_policy, "InvalidPolicyRevisionIdException",
                 PolicyName="sns", PolicyRevisionId="1")
    xray.delete_resource_policy(PolicyName="sns", PolicyRevisionId="2")
    xray.delete_resource_policy(PolicyName="new")
    xray.delete_resource_policy(PolicyName="never-existed")
    client_error(xray.delete_resource_policy, "InvalidRequestException", PolicyName="bad name")
    assert [x["PolicyName"] for x in xray.list_resource_policies()["ResourcePolicies"]] == [
        "p0", "p1", "p2"]


# ---------------------------------------------------------------- tags

def test_tags_on_groups_and_rules(fluoro, boto):
    xray = boto("xray")
    g = xray.create_group(GroupName="tagged")["Group"]["GroupARN"]
    r = xray.create_sampling_rule(SamplingRule=RULE)["SamplingRuleRecord"]["SamplingRule"][
        "RuleARN"]
    default_rule = "arn:aws:xray:us-east-1:%s:sampling-rule/Default" % ACCOUNT
    for arn in (g, r, default_rule):
        xray.tag_resource(ResourceARN=arn, Tags=[{"Key": "b", "Value": "2"},
                                                 {"Key": "a", "Value": ""}])
        xray.tag_resource(ResourceARN=arn, Tags=[{"Key": "b", "Value": "3"}])
        assert xray.list_tags_for_resource(ResourceARN=arn)["Tags"] == [
            {"Key": "a", "Value": ""}, {"Key": "b", "Value": "3"}]
        xray.untag_resource(ResourceARN=arn, TagKeys=["a", "not-there"])
        assert xray.list_tags_for_resource(ResourceARN=arn)["Tags"] == [
            {"Key": "b", "Value": "3"}]
    # 50 user tags per resource; replacing existing keys does not count twice.
    xray.tag_resource(ResourceARN=g, Tags=[{"Key": "k%02d" % i, "Value": "v"} for i in range(49)])
    xray.tag_resource(ResourceARN=g, Tags=[{"Key": "k00", "Value": "w"}])
    client_error(xray.tag_resource, "TooManyTagsException", ResourceARN=g,
                 Tags=[{"Key": "one-more", "Value": "v"}])
    st, _, body = raw(fluoro, "/TagResource", {"ResourceARN": g, "Tags": [
        {"Key": "one-more", "Value": "v"}]})
    assert st == 400 and body["__type"] == "TooManyTagsException" and body["ResourceName"] == g
    assert len(xray.list_tags_for_resource(ResourceARN=g)["Tags"]) == 50
    # Unknown ARNs: 404 with ResourceName.
    missing = "arn:aws:xray:us-east-1:%s:group/none/ABC" % ACCOUNT
    for call, kw in [(xray.tag_resource, dict(Tags=[{"Key": "a", "Value": "b"}])),
                     (xray.untag_resource, dict(TagKeys=["a"])),
                     (xray.list_tags_for_resource, {})]:
        resp = client_error(call, "ResourceNotFoundException", ResourceARN=missing, **kw)
        assert resp["ResponseMetadata"]["HTTPStatusCode"] == 404
    body = raw_error(fluoro, "/ListTagsForResource", {"ResourceARN": missing},
                     "ResourceNotFoundException", 404)
    assert body["ResourceName"] == missing
    # aws: keys are the system's.
    client_error(xray.tag_resource, "InvalidRequestException", ResourceARN=r,
                 Tags=[{"Key": "aws:owner", "Value": "me"}])
    client_error(xray.untag_resource, "InvalidRequestException", ResourceARN=r,
                 TagKeys=["AWS:owner"])
    client_error(xray.tag_resource, "InvalidRequestException", ResourceARN=r,
                 Tags=[{"Key": "k" * 129, "Value": "v"}])
    client_error(xray.tag_resource, "InvalidRequestException", ResourceARN=r,
                 Tags=[{"Key": "k", "Value": "v" * 257}])
    client_error(xray.tag_resource, "InvalidRequestException", ResourceARN=r,
                 Tags=[{"Key": "k", "Value": "<script>"}])
    client_error(xray.untag_resource, "InvalidRequestException", ResourceARN=r,
                 TagKeys=["k" * 129])
    raw_error(fluoro, "/TagResource", {"ResourceARN": r})
    raw_error(fluoro, "/TagResource", {"ResourceARN": r, "Tags": [{"Key": "k"}]})
    raw_error(fluoro, "/UntagResource", {"ResourceARN": r, "TagKeys": [""]})
    raw_error(fluoro, "/ListTagsForResource", {"ResourceARN": ""})


# ---------------------------------------------------------------- insights

INSIGHT = "8c1ea9b2-4d0a-4a7e-9c7b-6d0f8e1a2b3c"


def test_insight_operations(fluoro, boto):
    xray = boto("xray")
    now = time.time()
    client_error(xray.get_insight, "InvalidRequestException", InsightId=INSIGHT)
    assert xray.get_insight_events(InsightId=INSIGHT, MaxResults=10)["InsightEvents"] == []
    g = xray.get_insight_impact_graph(InsightId=INSIGHT, StartTime=now - 3600, EndTime=now)
    assert g["InsightId"] == INSIGHT and g["Services"] == []
    assert g["StartTime"].timestamp() == pytest.approx(now - 3600, abs=1)
    assert xray.get_insight_summaries(GroupName="Default", StartTime=now - 3600, EndTime=now,
                                      States=["ACTIVE"], MaxResults=5)["InsightSummaries"] == []
    xray.create_group(GroupName="ins")
    assert xray.get_insight_summaries(GroupName="ins", StartTime=now - 60,
                                      EndTime=now)["InsightSummaries"] == []
    bad = [
        (xray.get_insight, dict(InsightId="not-a-uuid")),
        (xray.get_insight_events, dict(InsightId="not-a-uuid")),
        (xray.get_insight_events, dict(InsightId=INSIGHT, MaxResults=51)),
        (xray.get_insight_impact_graph, dict(InsightId=INSIGHT, StartTime=now, EndTime=now - 1)),
        (xray.get_insight_impact_graph, dict(InsightId=INSIGHT, StartTime=now - 7 * 3600,
                                             EndTime=now)),
        (xray.get_insight_impact_graph, dict(InsightId=INSIGHT, StartTime=now - 40 * 86400,
                                             EndTime=now - 40 * 86400 + 60)),
        (xray.get_insight_summaries, dict(StartTime=now - 60, EndTime=now)),
        (xray.get_insight_summaries, dict(GroupName="nope", StartTime=now - 60, EndTime=now)),
        (xray.get_insight_summaries, dict(GroupName="Default", StartTime=now - 60, EndTime=now,
                                          States=["OPEN"])),
        (xray.get_insight_summaries, dict(GroupName="Default", StartTime=now - 60, EndTime=now,
                                          States=["ACTIVE", "CLOSED"])),
        (xray.get_insight_summaries, dict(GroupName="Default", StartTime=now - 60, EndTime=now,
                                          MaxResults=101)),
    ]
    for call, kw in bad:
        client_error(call, "InvalidRequestException", **kw)
    raw_error(fluoro, "/Insight", {})
    raw_error(fluoro, "/InsightEvents", {"InsightId": INSIGHT, "MaxResults": 0})
    raw_error(fluoro, "/InsightImpactGraph", {"InsightId": INSIGHT, "StartTime": now})
    raw_error(fluoro, "/InsightSummaries", {"GroupName": "Default", "EndTime": now})


# ---------------------------------------------------------------- time series

def traffic(xray, t0):
    """Three minutes of traffic: front -> DynamoDB, with one fault in the second minute."""
    ids = []
    for minute, status in [(0, 200), (0, 200), (1, 500), (2, 200)]:
        t = t0 + minute * 60 + 5
        ddb = subsegment("DynamoDB", t + 0.01, 0.02, namespace="aws",
                         aws={"operation": "GetItem", "table_name": "items"},
                         http={"response": {"status": 200}})
        seg = segment("front", trace_id=new_trace_id(t), start=t, duration=0.1,
                      http={"request": {"method": "GET", "url": "http://front/"},
                            "response": {"status": status}},
                      fault=status >= 500 or None, subsegments=[ddb])
        put(xray, seg)
        ids.append(seg["trace_id"])
    return ids


def test_time_series_service_statistics(fluoro, boto):
    xray = boto("xray")
    t0 = (int(time.time()) // 600 - 2) * 600  # a multiple of every period used below
    traffic(xray, t0)
    span = dict(StartTime=t0, EndTime=t0 + 300)
    # No selector: the edges into the entry point (the client's requests), per minute.
    out = xray.get_time_series_service_statistics(**span)["TimeSeriesServiceStatistics"]
    assert [int(b["Timestamp"].timestamp()) for b in out] == [t0, t0 + 60, t0 + 120]
    assert [b["EdgeSummaryStatistics"]["TotalCount"] for b in out] == [2, 1, 1]
    assert out[1]["EdgeSummaryStatistics"]["FaultStatistics"]["TotalCount"] == 1
    assert all("ServiceSummaryStatistics" not in b for b in out)
    assert sum(h["Count"] for h in out[0]["ResponseTimeHistogram"]) == 2
    # A service selector: the service's own segments.
    out = xray.get_time_series_service_statistics(EntitySelectorExpression='service("front")',
                                                  Period=300, **span)
    (b,) = out["TimeSeriesServiceStatistics"]
    s = b["ServiceSummaryStatistics"]
    assert s["TotalCount"] == 4 and s["OkCount"] == 3 and s["FaultStatistics"]["TotalCount"] == 1
    assert s["TotalResponseTime"] == pytest.approx(0.4, abs=1e-3)
    assert out["ContainsOldGroupVersions"] is False
    # id() selects by name and type; edge() the calls between two nodes.
    out = xray.get_time_series_service_statistics(
        EntitySelectorExpression='id(name: "DynamoDB", type: "AWS::DynamoDB::Table")', Period=300,
        ForecastStatistics=True, **span)["TimeSeriesServiceStatistics"]
    assert [b["ServiceSummaryStatistics"]["TotalCount"] for b in out] == [4]
    assert set(out[0]["ServiceForecastStatistics"]) == {"FaultCountHigh", "FaultCountLow"}
    out = xray.get_time_series_service_statistics(
        EntitySelectorExpression='edge("front", "DynamoDB")', Period=120,
        **span)["TimeSeriesServiceStatistics"]
    assert [b["EdgeSummaryStatistics"]["TotalCount"] for b in out] == [3, 1]
    assert all("ServiceSummaryStatistics" not in b for b in out)
    # A group narrows the traces.
    xray.create_group(GroupName="faulty", FilterExpression="fault")
    out = xray.get_time_series_service_statistics(GroupName="faulty", **span)
    assert [b["EdgeSummaryStatistics"]["TotalCount"]
            for b in out["TimeSeriesServiceStatistics"]] == [1]
    # Nothing selected, nothing returned.
    assert xray.get_time_series_service_statistics(
        EntitySelectorExpression='service("nobody")', **span)["TimeSeriesServiceStatistics"] == []
    bad = [dict(span, Period=45), dict(span, Period=0), dict(span, EntitySelectorExpression="fault"),
           dict(span, EntitySelectorExpression='service("front") { fault }'),
           dict(span, EntitySelectorExpression='service("front"'),
           dict(span, EntitySelectorExpression="x" * 501),
           dict(span, ForecastStatistics=True),
           dict(span, GroupName="nope"),
           dict(StartTime=t0 + 10, EndTime=t0)]
    for kw in bad:
        client_error(xray.get_time_series_service_statistics, "InvalidRequestException", **kw)
    raw_error(fluoro, "/TimeSeriesServiceStatistics", {"StartTime": t0})
    raw_error(fluoro, "/TimeSeriesServiceStatistics", {"StartTime": t0, "EndTime": t0 + 60,
                                                       "Period": "60"})


# ---------------------------------------------------------------- AWS CLI v2

def test_aws_cli_configuration_operations(fluoro, aws_env):
    env = aws_env
    g = aws(fluoro, env, "create-group", "--group-name", "cli", "--filter-expression",
            'service("cli")', "--tags", "Key=t,Value=1")["Group"]
    assert g["GroupName"] == "cli"
    assert aws(fluoro, env, "get-group", "--group-arn", g["GroupARN"])["Group"] == g
    assert [x["GroupName"] for x in aws(fluoro, env, "get-groups")["Groups"]] == ["Default", "cli"]
    assert aws(fluoro, env, "update-group", "--group-name", "cli", "--filter-expression",
               "fault")["Group"]["FilterExpression"] == "fault"
    p = aws(fluoro, env, "create-group", "--group-name", "cli", check=False)
    assert "InvalidRequestException" in p.stderr
    rule = json.dumps({"SamplingRule": dict(RULE, RuleName="cli-rule")})
    rec = aws(fluoro, env, "create-sampling-rule", "--cli-input-json", rule)["SamplingRuleRecord"]
    assert isinstance(rec["CreatedAt"], (int, float)) or rec["CreatedAt"]
    out = aws(fluoro, env, "update-sampling-rule", "--sampling-rule-update",
              "RuleName=cli-rule,FixedRate=0.3")
    assert out["SamplingRuleRecord"]["SamplingRule"]["FixedRate"] == 0.3
    names = [r["SamplingRule"]["RuleName"]
             for r in aws(fluoro, env, "get-sampling-rules")["SamplingRuleRecords"]]
    assert names == ["cli-rule", "Default"]
    arn = rec["SamplingRule"]["RuleARN"]
    aws(fluoro, env, "tag-resource", "--resource-arn", arn, "--tags", "Key=env,Value=ci")
    assert aws(fluoro, env, "list-tags-for-resource", "--resource-arn", arn)["Tags"] == [
        {"Key": "env", "Value": "ci"}]
    aws(fluoro, env, "untag-resource", "--resource-arn", arn, "--tag-keys", "env")
    p = aws(fluoro, env, "list-tags-for-resource", "--resource-arn", arn + "x", check=False)
    assert "ResourceNotFoundException" in p.stderr
    p = aws(fluoro, env, "tag-resource", "--resource-arn", arn, "--tags", "Key=aws:x,Value=1",
            check=False)
    assert "InvalidRequestException" in p.stderr
    assert aws(fluoro, env, "get-sampling-statistic-summaries")["SamplingStatisticSummaries"] == []
    assert aws(fluoro, env, "delete-sampling-rule", "--rule-name", "cli-rule")[
        "SamplingRuleRecord"]["SamplingRule"]["RuleName"] == "cli-rule"
    p = aws(fluoro, env, "delete-sampling-rule", "--rule-name", "Default", check=False)
    assert "InvalidRequestException" in p.stderr
    p = aws(fluoro, env, "create-sampling-rule", "--cli-input-json",
            json.dumps({"SamplingRule": dict(RULE, FixedRate=3)}), check=False)
    assert "InvalidRequestException" in p.stderr
    # GetEncryptionConfig goes out with an empty body and no Content-Type.
    assert aws(fluoro, env, "get-encryption-config")["EncryptionConfig"] == {
        "Type": "NONE", "Status": "ACTIVE"}
    assert aws(fluoro, env, "put-encryption-config", "--type", "KMS", "--key-id",
               "alias/k")["EncryptionConfig"]["KeyId"] == "alias/k"
    p = aws(fluoro, env, "put-encryption-config", "--type", "RSA", check=False)
    assert "InvalidRequestException" in p.stderr
    pol = aws(fluoro, env, "put-resource-policy", "--policy-name", "cli", "--policy-document",
              POLICY)["ResourcePolicy"]
    assert pol["PolicyRevisionId"] == "1"
    assert len(aws(fluoro, env, "list-resource-policies")["ResourcePolicies"]) == 1
    p = aws(fluoro, env, "put-resource-policy", "--policy-name", "cli", "--policy-document",
            "nope", check=False)
    assert "MalformedPolicyDocumentException" in p.stderr
    aws(fluoro, env, "delete-resource-policy", "--policy-name", "cli")
    now = int(time.time())
    assert aws(fluoro, env, "get-insight-summaries", "--group-name", "Default", "--start-time",
               str(now - 600), "--end-time", str(now))["InsightSummaries"] == []
    assert aws(fluoro, env, "get-insight-events", "--insight-id", INSIGHT)["InsightEvents"] == []
    assert aws(fluoro, env, "get-insight-impact-graph", "--insight-id", INSIGHT, "--start-time",
               str(now - 600), "--end-time", str(now))["Services"] == []
    p = aws(fluoro, env, "get-insight", "--insight-id", INSIGHT, check=False)
    assert "InvalidRequestException" in p.stderr
    out = aws(fluoro, env, "get-time-series-service-statistics", "--start-time", str(now - 600),
              "--end-time", str(now), "--entity-selector-expression", 'service("cli")',
              "--period", "60")
    assert out["TimeSeriesServiceStatistics"] == []
    p = aws(fluoro, env, "get-time-series-service-statistics", "--start-time", str(now - 600),
            "--end-time", str(now), "--period", "7", check=False)
    assert "InvalidRequestException" in p.stderr
    aws(fluoro, env, "delete-group", "--group-name", "cli")
    assert [x["GroupName"] for x in aws(fluoro, env, "get-groups")["Groups"]] == ["Default"]


def test_configuration_survives_restart(tmp_path):
    """Groups, rules, tags, policies and the encryption config are in the database file."""
    db = str(tmp_path / "cfg.db")
    f = Fluoro(["--db", db])
    try:
        xray = aws_client(f, "xray")
        arn = xray.create_group(GroupName="kept", FilterExpression="fault")["Group"]["GroupARN"]
        xray.create_sampling_rule(SamplingRule=RULE, Tags=[{"Key": "k", "Value": "v"}])
        xray.put_resource_policy(PolicyName="kept", PolicyDocument=POLICY)
        xray.put_encryption_config(Type="KMS", KeyId="alias/kept")
    finally:
        assert f.stop() == 0
    f = Fluoro(["--db", db])
    try:
        xray = aws_client(f, "xray")
        assert xray.get_group(GroupName="kept")["Group"]["GroupARN"] == arn
        assert [r["SamplingRule"]["RuleName"] for r in records(xray)] == ["r1", "Default"]
        assert xray.list_tags_for_resource(ResourceARN=records(xray)[0]["SamplingRule"][
            "RuleARN"])["Tags"] == [{"Key": "k", "Value": "v"}]
        assert xray.list_resource_policies()["ResourcePolicies"][0]["PolicyName"] == "kept"
        assert xray.get_encryption_config()["EncryptionConfig"]["KeyId"] == "alias/kept"
    finally:
        assert f.stop() == 0
