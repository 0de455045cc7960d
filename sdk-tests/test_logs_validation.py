"""Bad input for every validation rule the Logs model declares (required, length, pattern,
enum, range, list/map sizes) plus the service's own rules, sent raw so botocore's client-side
checks do not hide the server's. Each case names the expected __type and a message fragment."""
import pytest

from logs_helpers import err, now_ms, raw

G = "/v/group"
LONG = "a" * 513

CASES = [
    # required members
    ("CreateLogGroup", {}, "InvalidParameterException", "Value null at 'logGroupName' failed to satisfy constraint: Member must not be null"),
    ("CreateLogStream", {"logGroupName": G}, "InvalidParameterException", "at 'logStreamName'"),
    ("PutLogEvents", {"logGroupName": G, "logStreamName": "s"}, "InvalidParameterException", "at 'logEvents'"),
    ("PutRetentionPolicy", {"logGroupName": G}, "InvalidParameterException", "at 'retentionInDays'"),
    ("AssociateKmsKey", {"logGroupName": G}, "InvalidParameterException", "at 'kmsKeyId'"),
    ("TagResource", {"resourceArn": "arn:aws:logs:us-east-1:000000000000:log-group:x"}, "InvalidParameterException", "at 'tags'"),
    ("UntagResource", {"resourceArn": "arn:aws:logs:us-east-1:000000000000:log-group:x"}, "InvalidParameterException", "at 'tagKeys'"),
    ("GetLogEvents", {"logGroupName": G}, "InvalidParameterException", "at 'logStreamName'"),
    ("GetLogEvents", {"logStreamName": "s"}, "InvalidParameterException", "at 'logGroupName'"),
    ("FilterLogEvents", {}, "InvalidParameterException", "at 'logGroupName'"),
    ("StartQuery", {"logGroupName": G, "startTime": 0, "endTime": 1}, "InvalidParameterException", "at 'queryString'"),
    ("GetQueryResults", {}, "InvalidParameterException", "at 'queryId'"),
    ("PutMetricFilter", {"logGroupName": G, "filterName": "f", "filterPattern": ""}, "InvalidParameterException", "at 'metricTransformations'"),
    ("PutSubscriptionFilter", {"logGroupName": G, "filterName": "f", "filterPattern": ""}, "InvalidParameterException", "at 'destinationArn'"),
    ("TestMetricFilter", {"filterPattern": "x"}, "InvalidParameterException", "at 'logEventMessages'"),
    ("PutDestination", {"destinationName": "d", "targetArn": "t"}, "InvalidParameterException", "at 'roleArn'"),
    ("CreateExportTask", {"logGroupName": G, "from": 0, "to": 1}, "InvalidParameterException", "at 'destination'"),
    ("PutDataProtectionPolicy", {"logGroupIdentifier": G}, "InvalidParameterException", "at 'policyDocument'"),
    ("PutQueryDefinition", {"name": "n"}, "InvalidParameterException", "at 'queryString'"),
    # lengths
    ("CreateLogGroup", {"logGroupName": ""}, "InvalidParameterException", "Member must have length greater than or equal to 1"),
    ("CreateLogGroup", {"logGroupName": LONG}, "InvalidParameterException", "Invalid LogGroup or LogStream, both must have length less than or equal to 512."),
    ("CreateLogStream", {"logGroupName": G, "logStreamName": LONG}, "InvalidParameterException", "less than or equal to 512"),
    ("CreateLogGroup", {"logGroupName": "g", "kmsKeyId": "k" * 257}, "InvalidParameterException", "less than or equal to 256"),
    ("FilterLogEvents", {"logGroupName": G, "filterPattern": "x" * 1025}, "InvalidParameterException", "less than or equal to 1024"),
    ("FilterLogEvents", {"logGroupName": G, "nextToken": ""}, "InvalidParameterException", "greater than or equal to 1"),
    ("StartQuery", {"logGroupName": G, "startTime": 0, "endTime": 1, "queryString": "x" * 10001}, "InvalidParameterException", "less than or equal to 10000"),
    ("PutResourcePolicy", {"policyName": "p", "policyDocument": "x" * 5121}, "InvalidParameterException", "less than or equal to 5120"),
    ("PutQueryDefinition", {"name": "n" * 256, "queryString": "q"}, "InvalidParameterException", "less than or equal to 255"),
    ("GetDataProtectionPolicy", {"logGroupIdentifier": "x" * 2049}, "InvalidParameterException", "less than or equal to 2048"),
    ("TagResource", {"resourceArn": "a" * 1012, "tags": {"a": "b"}}, "InvalidParameterException", "less than or equal to 1011"),
    # patterns
    ("CreateLogGroup", {"logGroupName": "bad name"}, "InvalidParameterException", "Member must satisfy regular expression pattern: [\\.\\-_/#A-Za-z0-9]+"),
    ("CreateLogGroup", {"logGroupName": "bad:name"}, "InvalidParameterException", "regular expression pattern"),
    ("CreateLogStream", {"logGroupName": G, "logStreamName": "a:b"}, "InvalidParameterException", "pattern: [^:*]*"),
    ("CreateLogStream", {"logGroupName": G, "logStreamName": "a*b"}, "InvalidParameterException", "pattern: [^:*]*"),
    ("DescribeLogStreams", {"logGroupIdentifier": "bad id!"}, "InvalidParameterException", "pattern: [\\w#+=/:,.@-]*"),
    ("DescribeLogGroups", {"logGroupNamePrefix": "a b"}, "InvalidParameterException", "pattern"),
    ("DescribeLogGroups", {"logGroupNamePattern": "a b"}, "InvalidParameterException", "pattern"),
    ("TagResource", {"resourceArn": "arn bad", "tags": {"a": "b"}}, "InvalidParameterException", "pattern: [\\w+=/:,.@-]*"),
    ("CreateLogGroup", {"logGroupName": "g", "tags": {"bad!": "v"}}, "InvalidParameterException", "pattern"),
    ("CreateLogGroup", {"logGroupName": "g", "tags": {"k": "bad!"}}, "InvalidParameterException", "pattern"),
    ("CreateLogGroup", {"logGroupName": "g", "tags": {"": "v"}}, "InvalidParameterException", "greater than or equal to 1"),
    ("FilterLogEvents", {"logGroupName": G, "logStreamNames": ["a:b"]}, "InvalidParameterException", "pattern"),
    ("PutMetricFilter", {"logGroupName": G, "filterName": "f", "filterPattern": "", "metricTransformations": [{"metricName": "a:b", "metricNamespace": "n", "metricValue": "1"}]}, "InvalidParameterException", "pattern: [^:*$]*"),
    ("PutDestination", {"destinationName": "d*", "targetArn": "t", "roleArn": "r"}, "InvalidParameterException", "pattern"),
    # enums
    ("DescribeLogStreams", {"logGroupName": G, "orderBy": "Size"}, "InvalidParameterException", "Member must satisfy enum value set"),
    ("PutSubscriptionFilter", {"logGroupName": G, "filterName": "f", "filterPattern": "", "destinationArn": "d", "distribution": "All"}, "InvalidParameterException", "enum"),
    ("DescribeQueries", {"status": "Done"}, "InvalidParameterException", "enum"),
    ("DescribeExportTasks", {"statusCode": "DONE"}, "InvalidParameterException", "enum"),
    ("PutMetricFilter", {"logGroupName": G, "filterName": "f", "filterPattern": "", "metricTransformations": [{"metricName": "m", "metricNamespace": "n", "metricValue": "1", "unit": "Parsecs"}]}, "InvalidParameterException", "enum"),
    ("PutRetentionPolicy", {"logGroupName": G, "retentionInDays": 2}, "InvalidParameterException", "Member must satisfy enum value set"),
    # ranges and sizes
    ("DescribeLogGroups", {"limit": 0}, "InvalidParameterException", "greater than or equal to 1"),
    ("DescribeLogGroups", {"limit": 51}, "InvalidParameterException", "less than or equal to 50"),
    ("DescribeLogStreams", {"logGroupName": G, "limit": 51}, "InvalidParameterException", "less than or equal to 50"),
    ("GetLogEvents", {"logGroupName": G, "logStreamName": "s", "limit": 10001}, "InvalidParameterException", "less than or equal to 10000"),
    ("FilterLogEvents", {"logGroupName": G, "limit": 0}, "InvalidParameterException", "greater than or equal to 1"),
    ("FilterLogEvents", {"logGroupName": G, "startTime": -1}, "InvalidParameterException", "greater than or equal to 0"),
    ("FilterLogEvents", {"logGroupName": G, "logStreamNames": []}, "InvalidParameterException", "greater than or equal to 1"),
    ("FilterLogEvents", {"logGroupName": G, "logStreamNames": ["s%d" % i for i in range(101)]}, "InvalidParameterException", "less than or equal to 100"),
    ("PutLogEvents", {"logGroupName": G, "logStreamName": "s", "logEvents": []}, "InvalidParameterException", "greater than or equal to 1"),
    ("PutLogEvents", {"logGroupName": G, "logStreamName": "s", "logEvents": [{"timestamp": 1, "message": "x"}] * 10001}, "InvalidParameterException", "less than or equal to 10000"),
    ("StartQuery", {"logGroupName": G, "startTime": 0, "endTime": 1, "queryString": "fields x", "limit": 10001}, "InvalidParameterException", "less than or equal to 10000"),
    ("DescribeQueries", {"maxResults": 1001}, "InvalidParameterException", "less than or equal to 1000"),
    ("TestMetricFilter", {"filterPattern": "x", "logEventMessages": ["m"] * 51}, "InvalidParameterException", "less than or equal to 50"),
    ("TestMetricFilter", {"filterPattern": "x", "logEventMessages": []}, "InvalidParameterException", "greater than or equal to 1"),
    ("CreateLogGroup", {"logGroupName": "g", "tags": {}}, "InvalidParameterException", "greater than or equal to 1"),
    ("CreateLogGroup", {"logGroupName": "g", "tags": {"k%d" % i: "v" for i in range(51)}}, "InvalidParameterException", "less than or equal to 50"),
    ("PutMetricFilter", {"logGroupName": G, "filterName": "f", "filterPattern": "", "metricTransformations": []}, "InvalidParameterException", "greater than or equal to 1"),
    # types
    ("CreateLogGroup", {"logGroupName": 5}, "InvalidParameterException", "Member must be of type string"),
    ("PutLogEvents", {"logGroupName": G, "logStreamName": "s", "logEvents": "x"}, "InvalidParameterException", "Member must be of type list"),
    ("DescribeLogStreams", {"logGroupName": G, "descending": "yes"}, "InvalidParameterException", "Member must be of type boolean"),
    # event members
    ("PutLogEvents", {"logGroupName": G, "logStreamName": "s", "logEvents": [{"message": "x"}]}, "InvalidParameterException", "'logEvents.1.member.timestamp'"),
    ("PutLogEvents", {"logGroupName": G, "logStreamName": "s", "logEvents": [{"timestamp": 1}]}, "InvalidParameterException", "'logEvents.1.member.message'"),
    ("PutLogEvents", {"logGroupName": G, "logStreamName": "s", "logEvents": [{"timestamp": 1, "message": ""}]}, "InvalidParameterException", "greater than or equal to 1"),
    ("PutLogEvents", {"logGroupName": G, "logStreamName": "s", "logEvents": [{"timestamp": -5, "message": "x"}]}, "InvalidParameterException", "greater than or equal to 0"),
    # the service's own rules
    ("CreateLogGroup", {"logGroupName": "aws/reserved"}, "InvalidParameterException", "Log groups starting with AWS/ are reserved for AWS."),
    ("CreateLogGroup", {"logGroupName": "AWS/reserved"}, "InvalidParameterException", "reserved for AWS"),
    ("DescribeLogGroups", {"logGroupNamePrefix": "a", "logGroupNamePattern": "b"}, "InvalidParameterException", "mutually exclusive"),
    ("DescribeLogStreams", {"logGroupName": G, "logGroupIdentifier": G}, "ValidationException", "mutually exclusive"),
    ("DescribeLogStreams", {"logGroupName": G, "orderBy": "LastEventTime", "logStreamNamePrefix": "s"}, "InvalidParameterException", "LastEventTime"),
    ("FilterLogEvents", {"logGroupName": G, "logStreamNames": ["a"], "logStreamNamePrefix": "a"}, "InvalidParameterException", "mutually exclusive"),
    ("FilterLogEvents", {"logGroupName": G, "filterPattern": "{ $.x = }"}, "InvalidParameterException", "Invalid filter pattern"),
    ("FilterLogEvents", {"logGroupName": G, "nextToken": "x"}, "InvalidParameterException", "nextToken"),
    ("GetLogEvents", {"logGroupName": G, "logStreamName": "s", "nextToken": "f/1"}, "InvalidParameterException", "nextToken"),
    ("DescribeLogGroups", {"nextToken": "zz"}, "InvalidParameterException", "nextToken"),
    ("StartQuery", {"startTime": 0, "endTime": 1, "queryString": "fields x"}, "InvalidParameterException", "Exactly one of"),
    ("StartQuery", {"logGroupName": G, "logGroupNames": [G], "startTime": 0, "endTime": 1, "queryString": "fields x"}, "InvalidParameterException", "Exactly one of"),
    ("StartQuery", {"logGroupIdentifiers": [G + "*"], "startTime": 0, "endTime": 1, "queryString": "fields x"}, "InvalidParameterException", "pattern"),
    ("StartQuery", {"logGroupName": G, "startTime": 10, "endTime": 1, "queryString": "fields x"}, "InvalidParameterException", "endTime"),
    ("StartQuery", {"logGroupName": G, "startTime": 0, "endTime": 1, "queryString": "fields @message | nope"}, "MalformedQueryException", "unknown command nope"),
    ("PutMetricFilter", {"logGroupName": G, "filterName": "f", "filterPattern": "{ bad", "metricTransformations": [{"metricName": "m", "metricNamespace": "n", "metricValue": "1"}]}, "InvalidParameterException", "Invalid filter pattern"),
    ("PutMetricFilter", {"logGroupName": G, "filterName": "f", "filterPattern": "", "metricTransformations": [{"metricName": "m", "metricNamespace": "n", "metricValue": "1", "dimensions": {"a": "1", "b": "2", "c": "3", "d": "4"}}]}, "InvalidParameterException", "dimensions"),
    ("TestMetricFilter", {"filterPattern": "[a", "logEventMessages": ["m"]}, "InvalidParameterException", "Invalid filter pattern"),
    ("TestMetricFilter", {"filterPattern": "x", "logEventMessages": [""]}, "InvalidParameterException", "logEventMessages.1.member"),
    ("DescribeMetricFilters", {"metricName": "m"}, "InvalidParameterException", "together"),
    ("PutResourcePolicy", {"policyName": "p", "policyDocument": "not json"}, "InvalidParameterException", "not valid JSON"),
    ("PutResourcePolicy", {"policyName": "p"}, "InvalidParameterException", "policyDocument"),
    ("StopQuery", {"queryId": "nope"}, "ResourceNotFoundException", ""),
    ("GetQueryResults", {"queryId": "nope"}, "ResourceNotFoundException", ""),
    ("GetLogRecord", {"logRecordPointer": "garbage"}, "InvalidParameterException", "logRecordPointer"),
    ("DeleteQueryDefinition", {"queryDefinitionId": "nope"}, "ResourceNotFoundException", ""),
    ("PutQueryDefinition", {"name": "n", "queryString": "q", "queryDefinitionId": "nope"}, "ResourceNotFoundException", ""),
    ("CancelExportTask", {"taskId": "nope"}, "ResourceNotFoundException", ""),
    ("DeleteResourcePolicy", {"policyName": "nope"}, "ResourceNotFoundException", ""),
    ("DeleteDestination", {"destinationName": "nope"}, "ResourceNotFoundException", ""),
    ("PutDestinationPolicy", {"destinationName": "nope", "accessPolicy": "{}"}, "ResourceNotFoundException", ""),
    ("DeleteMetricFilter", {"logGroupName": G, "filterName": "nope"}, "ResourceNotFoundException", "metric filter"),
    ("DeleteSubscriptionFilter", {"logGroupName": G, "filterName": "nope"}, "ResourceNotFoundException", "subscription filter"),
    ("DeleteDataProtectionPolicy", {"logGroupIdentifier": G}, "ResourceNotFoundException", ""),
    ("CreateExportTask", {"logGroupName": G, "from": 10, "to": 1, "destination": "b"}, "InvalidParameterException", "from"),
    ("TagResource", {"resourceArn": "arn:aws:s3:::bucket", "tags": {"a": "b"}}, "ResourceNotFoundException", ""),
    # unknown groups and streams
    ("PutLogEvents", {"logGroupName": "/v/none", "logStreamName": "s", "logEvents": [{"timestamp": 1, "message": "x"}]}, "ResourceNotFoundException", "The specified log group does not exist."),
    ("DescribeLogStreams", {"logGroupName": "/v/none"}, "ResourceNotFoundException", "The specified log group does not exist."),
    ("FilterLogEvents", {"logGroupName": "/v/none"}, "ResourceNotFoundException", "The specified log group does not exist."),
    ("GetLogEvents", {"logGroupName": G, "logStreamName": "none"}, "ResourceNotFoundException", "The specified log stream does not exist."),
    ("DeleteLogStream", {"logGroupName": G, "logStreamName": "none"}, "ResourceNotFoundException", "The specified log stream does not exist."),
    ("StartQuery", {"logGroupName": "/v/none", "startTime": 0, "endTime": 1, "queryString": "fields x"}, "ResourceNotFoundException", "Log group '/v/none' does not exist for account ID"),
    ("GetLogGroupFields", {"logGroupName": "/v/none"}, "ResourceNotFoundException", "log group"),
    ("ListTagsLogGroup", {"logGroupName": "/v/none"}, "ResourceNotFoundException", "log group"),
    ("DisassociateKmsKey", {"logGroupName": "/v/none"}, "ResourceNotFoundException", "log group"),
    ("DeleteRetentionPolicy", {"logGroupName": "/v/none"}, "ResourceNotFoundException", "log group"),
    ("PutSubscriptionFilter", {"logGroupName": "/v/none", "filterName": "f", "filterPattern": "", "destinationArn": "d"}, "ResourceNotFoundException", "log group"),
]


@pytest.fixture
def seeded(fluoro):
    status, _, _ = raw(fluoro, "CreateLogGroup", {"logGroupName": G})
    assert status == 200
    status, _, _ = raw(fluoro, "CreateLogStream", {"logGroupName": G, "logStreamName": "s"})
    assert status == 200
    return fluoro


@pytest.mark.parametrize("op,body,code,fragment", CASES,
                         ids=["%s-%d" % (c[0], i) for i, c in enumerate(CASES)])
def test_bad_input(seeded, op, body, code, fragment):
    got_code, message = err(seeded, op, body)
    assert got_code == code, message
    assert fragment in message


def test_every_operation_rejects_a_non_object_body(fluoro):
    import json
    m = json.load(open("/usr/lib/python3/dist-packages/awscli/botocore/data/logs/2014-03-28/service-2.json"))
    for op in m["operations"]:
        status, out, _ = raw(fluoro, op, b"[1,2]")
        assert status == 400 and out["__type"] == "SerializationException", op


def test_every_model_operation_is_dispatched(fluoro):
    import json
    m = json.load(open("/usr/lib/python3/dist-packages/awscli/botocore/data/logs/2014-03-28/service-2.json"))
    assert len(m["operations"]) == 48
    for op in m["operations"]:
        status, out, _ = raw(fluoro, op, {})
        assert out.get("__type") != "UnknownOperationException", op


def test_limits_on_counts(seeded):
    f = seeded
    body = {"logGroupName": G, "filterPattern": "", "destinationArn": "arn:aws:lambda:us-east-1:000000000000:function:f"}
    for name in ("a", "b"):
        assert raw(f, "PutSubscriptionFilter", dict(body, filterName=name))[0] == 200
    assert raw(f, "PutSubscriptionFilter", dict(body, filterName="a"))[0] == 200  # update is fine
    code, _ = err(f, "PutSubscriptionFilter", dict(body, filterName="c"))
    assert code == "LimitExceededException"
    for i in range(10):
        assert raw(f, "PutResourcePolicy", {"policyName": "p%d" % i, "policyDocument": "{}"})[0] == 200
    code, _ = err(f, "PutResourcePolicy", {"policyName": "p10", "policyDocument": "{}"})
    assert code == "LimitExceededException"


def test_stop_query_after_it_ended(seeded):
    import time
    f = seeded
    status, out, _ = raw(f, "StartQuery", {"logGroupName": G, "startTime": 0, "endTime": int(time.time()), "queryString": "fields @message"})
    assert status == 200
    qid = out["queryId"]
    for _ in range(100):
        if raw(f, "GetQueryResults", {"queryId": qid})[1]["status"] == "Complete":
            break
        time.sleep(0.02)
    code, _ = err(f, "StopQuery", {"queryId": qid})
    assert code == "InvalidParameterException"
