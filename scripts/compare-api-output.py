#!/usr/bin/env python3
"""compare-api-output.py BASE_BIN NEW_BIN [-v]: starts each fluoro binary on its own port, sends
both the same X-Ray, Logs and /api/v1 requests (configuration stores, sampling, describes, a
two-segment trace and its queries) and prints every response that differs once times, random
group ids, UUIDs and the trace id's time are masked. Used for issue 13's "API output identical"
check of a refactor (docs/design-notes.md 15); PutLogEvents' nextSequenceToken is time-based and
always differs, and a time-bucketed answer can differ when the two runs straddle a period
boundary (rerun to confirm)."""
import json, re, socket, subprocess, sys, time, urllib.request

def run(binary, port):
    p = subprocess.Popen([binary, "serve", "--udp-address", "127.0.0.1:%d" % port,
                          "--http-address", "127.0.0.1:%d" % port, "--log-level", "error"],
                         stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    for _ in range(100):
        try:
            urllib.request.urlopen("http://127.0.0.1:%d/api/v1/health" % port, timeout=1); break
        except Exception:
            time.sleep(0.05)
    out = []
    def req(method, path, body=None, headers=None):
        data = json.dumps(body).encode() if body is not None else None
        h = {"Content-Type": "application/json", "Host": "127.0.0.1:%d" % port}
        h.update(headers or {})
        r = urllib.request.Request("http://127.0.0.1:%d%s" % (port, path), data=data, method=method, headers=h)
        try:
            resp = urllib.request.urlopen(r, timeout=10); code = resp.status; text = resp.read().decode()
        except urllib.error.HTTPError as e:
            code = e.code; text = e.read().decode()
        out.append("%s %s -> %d %s" % (method, path if not headers else headers.get("X-Amz-Target"), code, text))
        return text
    def logs(op, body):
        return req("POST", "/", body, {"X-Amz-Target": "Logs_20140328." + op, "Content-Type": "application/x-amz-json-1.1"})
    now = int(time.time() * 1000)
    logs("CreateLogGroup", {"logGroupName": "g1"})
    logs("CreateLogGroup", {"logGroupName": "g2", "kmsKeyId": "arn:aws:kms:us-east-1:000000000000:key/k"})
    logs("CreateLogGroup", {"logGroupName": "g3"})
    logs("PutRetentionPolicy", {"logGroupName": "g1", "retentionInDays": 7})
    logs("CreateLogStream", {"logGroupName": "g1", "logStreamName": "s1"})
    logs("CreateLogStream", {"logGroupName": "g1", "logStreamName": "s2"})
    logs("PutLogEvents", {"logGroupName": "g1", "logStreamName": "s1", "logEvents": [{"timestamp": now, "message": "hello 1-5759e988-bd862e3fe1be46a994272793"}]})
    logs("PutMetricFilter", {"logGroupName": "g1", "filterName": "f", "filterPattern": "hello", "metricTransformations": [{"metricName": "m", "metricNamespace": "n", "metricValue": "1"}]})
    logs("PutDataProtectionPolicy", {"logGroupIdentifier": "g2", "policyDocument": json.dumps({"Name": "p", "Version": "2021-06-01", "Statement": [{"Sid": "a", "DataIdentifier": ["arn:aws:dataprotection::aws:data-identifier/EmailAddress"], "Operation": {"Audit": {"FindingsDestination": {}}}}, {"Sid": "b", "DataIdentifier": ["arn:aws:dataprotection::aws:data-identifier/EmailAddress"], "Operation": {"Deidentify": {"MaskConfig": {}}}}]})})
    logs("DescribeLogGroups", {})
    t = json.loads(logs("DescribeLogGroups", {"limit": 1})).get("nextToken")
    logs("DescribeLogGroups", {"limit": 1, "nextToken": t})
    logs("DescribeLogGroups", {"logGroupNamePattern": "2"})
    logs("DescribeLogStreams", {"logGroupName": "g1"})
    logs("DescribeLogStreams", {"logGroupName": "g1", "orderBy": "LastEventTime", "descending": True})
    t = json.loads(logs("DescribeLogStreams", {"logGroupName": "g1", "limit": 1})).get("nextToken")
    logs("DescribeLogStreams", {"logGroupName": "g1", "limit": 1, "nextToken": t})
    req("GET", "/api/v1/logs/groups")
    req("GET", "/api/v1/logs/streams?group=g1")
    x = lambda path, body: req("POST", path, body)
    x("/CreateGroup", {"GroupName": "web", "FilterExpression": "service(\"web\")", "Tags": [{"Key": "a", "Value": "b"}]})
    x("/CreateGroup", {"GroupName": "api", "InsightsConfiguration": {"InsightsEnabled": True}})
    x("/Groups", {})
    x("/GetGroup", {"GroupName": "web"})
    x("/GetGroup", {"GroupName": "Default"})
    x("/GetGroup", {"GroupName": "nope"})
    x("/UpdateGroup", {"GroupName": "web", "FilterExpression": "service(\"api\")"})
    x("/UpdateGroup", {"GroupName": "Default", "InsightsConfiguration": {"InsightsEnabled": True}})
    x("/Groups", {})
    x("/CreateSamplingRule", {"SamplingRule": {"RuleName": "r1", "ResourceARN": "*", "Priority": 5, "FixedRate": 0.1, "ReservoirSize": 2, "ServiceName": "*", "ServiceType": "*", "Host": "*", "HTTPMethod": "*", "URLPath": "*", "Version": 1}, "Tags": [{"Key": "k", "Value": "v"}]})
    x("/CreateSamplingRule", {"SamplingRule": {"RuleName": "r1", "ResourceARN": "*", "Priority": 5, "FixedRate": 0.1, "ReservoirSize": 2, "ServiceName": "*", "ServiceType": "*", "Host": "*", "HTTPMethod": "*", "URLPath": "*", "Version": 1}})
    x("/UpdateSamplingRule", {"SamplingRuleUpdate": {"RuleName": "Default", "FixedRate": 0.2}})
    x("/GetSamplingRules", {})
    x("/SamplingTargets", {"SamplingStatisticsDocuments": [{"RuleName": "r1", "ClientID": "0123456789abcdef01234567", "Timestamp": time.time(), "RequestCount": 10, "SampledCount": 3, "BorrowCount": 1}]})
    x("/SamplingStatisticSummaries", {})
    x("/ListTagsForResource", {"ResourceARN": "arn:aws:xray:us-east-1:000000000000:sampling-rule/r1"})
    x("/TagResource", {"ResourceARN": "arn:aws:xray:us-east-1:000000000000:sampling-rule/r1", "Tags": [{"Key": "z", "Value": "1"}]})
    x("/UntagResource", {"ResourceARN": "arn:aws:xray:us-east-1:000000000000:sampling-rule/r1", "TagKeys": ["k"]})
    x("/ListTagsForResource", {"ResourceARN": "arn:aws:xray:us-east-1:000000000000:sampling-rule/r1"})
    x("/ListTagsForResource", {"ResourceARN": "arn:aws:xray:us-east-1:000000000000:sampling-rule/none"})
    x("/PutEncryptionConfig", {"Type": "KMS", "KeyId": "alias/k"})
    x("/EncryptionConfig", {})
    x("/PutResourcePolicy", {"PolicyName": "p1", "PolicyDocument": json.dumps({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"Service": "sns.amazonaws.com"}, "Action": "xray:PutTraceSegments", "Resource": "*"}]})})
    x("/PutResourcePolicy", {"PolicyName": "p1", "PolicyRevisionId": "7", "PolicyDocument": json.dumps({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"Service": "sns.amazonaws.com"}, "Action": "xray:PutTraceSegments", "Resource": "*"}]})})
    x("/ListResourcePolicies", {})
    x("/DeleteResourcePolicy", {"PolicyName": "p1"})
    # a segment over UDP and the queries
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    tid = "1-%08x-bd862e3fe1be46a994272793" % int(time.time())
    st = time.time() - 5
    for i, (name, parent) in enumerate([("web", None), ("api", "70de5b6f19ff9a0a")]):
        doc = {"trace_id": tid, "id": "70de5b6f19ff9a0%d" % i if parent else "70de5b6f19ff9a0a", "name": name, "start_time": st, "end_time": st + 1, "http": {"request": {"method": "GET", "url": "http://x/y"}, "response": {"status": 500 if parent else 200}}, "annotations": {"k": 1}}
        if parent:
            doc["parent_id"] = parent; doc["fault"] = True
        s.sendto(('{"format":"json","version":1}\n' + json.dumps(doc)).encode(), ("127.0.0.1", port))
    req("GET", "/api/v1/wait")
    x("/TraceSummaries", {"StartTime": st - 60, "EndTime": st + 60})
    x("/TraceSummaries", {"StartTime": st - 60, "EndTime": st + 60, "FilterExpression": "group.name = \"web\""})
    x("/TraceSummaries", {"StartTime": st - 60, "EndTime": st + 60, "FilterExpression": "group.arn = \"nope\""})
    x("/ServiceGraph", {"StartTime": st - 60, "EndTime": st + 60, "GroupName": "web"})
    x("/TimeSeriesServiceStatistics", {"StartTime": st - 60, "EndTime": st + 60, "EntitySelectorExpression": "service(\"api\")"})
    x("/Traces", {"TraceIds": [tid]})
    x("/DeleteSamplingRule", {"RuleName": "r1"})
    x("/DeleteGroup", {"GroupName": "web"})
    x("/Groups", {})
    x("/GetSamplingRules", {})
    req("GET", "/api/v1/traces/" + tid)
    p.terminate(); p.wait()
    return out

def norm(s):
    s = re.sub(r'\d{10}\.\d+(e[+-]?\d+)?', 'T', s)
    s = re.sub(r'1-[0-9a-f]{8}-', '1-X-', s)
    s = re.sub(r'\b1\d{12}\b', 'TMS', s)
    s = re.sub(r'\b1\d{9}\b', 'TS', s)
    s = re.sub(r'group/(web|api)/[0-9A-F]{32}', r'group/\1/ID', s)
    s = re.sub(r'[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}', 'UUID', s)
    return s

a = run(sys.argv[1], 42611)
b = run(sys.argv[2], 42612)
diffs = 0
for x, y in zip(a, b):
    if norm(x) != norm(y):
        diffs += 1
        print("DIFF\n  base: %s\n  new:  %s" % (x[:600], y[:600]))
print("%d responses compared, %d differ" % (len(a), diffs))
if len(sys.argv) > 3:
    for y in b:
        print(y[:200])
