"""Metric filters (with TestMetricFilter), subscription filters, destinations, resource
policies, export tasks and data protection policies, stored and described as AWS does."""
import json

import pytest

from logs_helpers import make_stream


@pytest.fixture
def logs(boto):
    l = boto("logs")
    make_stream(l, "g", "s")
    return l


T = [{"metricName": "Errors", "metricNamespace": "App", "metricValue": "1", "defaultValue": 0.0}]


def test_metric_filters(logs):
    logs.put_metric_filter(logGroupName="g", filterName="errors", filterPattern="ERROR", metricTransformations=T)
    logs.put_metric_filter(logGroupName="g", filterName="latency", filterPattern="{ $.ms > 0 }",
                           metricTransformations=[{"metricName": "Latency", "metricNamespace": "App", "metricValue": "$.ms", "unit": "Milliseconds", "dimensions": {"route": "$.route"}}])
    fs = logs.describe_metric_filters(logGroupName="g")["metricFilters"]
    assert [f["filterName"] for f in fs] == ["errors", "latency"]
    assert fs[0]["logGroupName"] == "g" and fs[0]["filterPattern"] == "ERROR" and fs[0]["creationTime"] > 0
    assert fs[0]["metricTransformations"] == T
    assert logs.describe_log_groups()["logGroups"][0]["metricFilterCount"] == 2
    by_metric = logs.describe_metric_filters(metricName="Latency", metricNamespace="App")["metricFilters"]
    assert [f["filterName"] for f in by_metric] == ["latency"]
    assert [f["filterName"] for f in logs.describe_metric_filters(logGroupName="g", filterNamePrefix="err")["metricFilters"]] == ["errors"]
    created = fs[0]["creationTime"]
    logs.put_metric_filter(logGroupName="g", filterName="errors", filterPattern="FATAL", metricTransformations=T)
    f = logs.describe_metric_filters(logGroupName="g", filterNamePrefix="errors")["metricFilters"][0]
    assert f["filterPattern"] == "FATAL" and f["creationTime"] == created
    pages = list(logs.get_paginator("describe_metric_filters").paginate(logGroupName="g", PaginationConfig={"PageSize": 1}))
    assert len(pages) == 2
    logs.delete_metric_filter(logGroupName="g", filterName="errors")
    with pytest.raises(logs.exceptions.ResourceNotFoundException):
        logs.delete_metric_filter(logGroupName="g", filterName="errors")
    with pytest.raises(logs.exceptions.ResourceNotFoundException):
        logs.put_metric_filter(logGroupName="nope", filterName="x", filterPattern="", metricTransformations=T)
    with pytest.raises(logs.exceptions.InvalidParameterException):
        logs.put_metric_filter(logGroupName="g", filterName="x", filterPattern='{ $.a = ', metricTransformations=T)


def test_test_metric_filter_uses_the_pattern_engine(logs):
    msgs = ["[ERROR] 400 BAD REQUEST", "[ERROR] 400 BAD REQUEST", "[INFO] 200 OK"]
    r = logs.test_metric_filter(filterPattern="ERROR", logEventMessages=msgs)["matches"]
    assert [(m["eventNumber"], m["eventMessage"], m["extractedValues"]) for m in r] == [
        (1, msgs[0], {}), (2, msgs[1], {})]
    r = logs.test_metric_filter(filterPattern='{ $.code >= 500 }', logEventMessages=['{"code":503}', '{"code":200}', "plain"])["matches"]
    assert [m["eventNumber"] for m in r] == [1]
    assert logs.test_metric_filter(filterPattern="", logEventMessages=["a", "b"])["matches"][1]["eventNumber"] == 2
    with pytest.raises(logs.exceptions.InvalidParameterException):
        logs.test_metric_filter(filterPattern="[a, b", logEventMessages=["x"])


def test_test_metric_filter_reports_extracted_values(logs):
    line = '127.0.0.1 - frank [10/Oct/2000:13:25:15 -0700] "GET /index.html HTTP/1.0" 404 1534'
    r = logs.test_metric_filter(filterPattern="[ip, identity, user_id, timestamp, request, status_code, size]",
                                logEventMessages=[line, "too short"])["matches"]
    assert len(r) == 1 and r[0]["eventNumber"] == 1
    assert r[0]["extractedValues"] == {
        "$ip": "127.0.0.1", "$identity": "-", "$user_id": "frank",
        "$timestamp": "10/Oct/2000:13:25:15 -0700", "$request": "GET /index.html HTTP/1.0",
        "$status_code": "404", "$size": "1534"}
    r = logs.test_metric_filter(filterPattern="{ $.latency > 100 && $.path = * }",
                                logEventMessages=['{"latency": 250, "path": "/a"}', '{"latency": 5, "path": "/b"}'])["matches"]
    assert [(m["eventNumber"], m["extractedValues"]) for m in r] == [(1, {"$.latency": "250", "$.path": "/a"})]


def test_subscription_filters(logs):
    arn = "arn:aws:lambda:us-east-1:000000000000:function:f"
    logs.put_subscription_filter(logGroupName="g", filterName="one", filterPattern="ERROR", destinationArn=arn)
    logs.put_subscription_filter(logGroupName="g", filterName="two", filterPattern="", destinationArn=arn,
                                 roleArn="arn:aws:iam::000000000000:role/r", distribution="Random")
    fs = logs.describe_subscription_filters(logGroupName="g")["subscriptionFilters"]
    assert [(f["filterName"], f["distribution"]) for f in fs] == [("one", "ByLogStream"), ("two", "Random")]
    assert fs[1]["roleArn"].endswith("role/r") and fs[0]["destinationArn"] == arn and fs[0]["logGroupName"] == "g"
    with pytest.raises(logs.exceptions.LimitExceededException):
        logs.put_subscription_filter(logGroupName="g", filterName="three", filterPattern="", destinationArn=arn)
    logs.delete_subscription_filter(logGroupName="g", filterName="one")
    assert [f["filterName"] for f in logs.describe_subscription_filters(logGroupName="g", filterNamePrefix="t")["subscriptionFilters"]] == ["two"]
    with pytest.raises(logs.exceptions.ResourceNotFoundException):
        logs.describe_subscription_filters(logGroupName="nope")


def test_destinations_and_their_tags(logs):
    d = logs.put_destination(destinationName="dest", targetArn="arn:aws:kinesis:us-east-1:1:stream/s",
                             roleArn="arn:aws:iam::1:role/r", tags={"env": "dev"})["destination"]
    assert d["arn"] == "arn:aws:logs:us-east-1:000000000000:destination:dest" and d["creationTime"] > 0
    logs.put_destination_policy(destinationName="dest", accessPolicy='{"Version":"2012-10-17"}')
    ds = logs.describe_destinations(DestinationNamePrefix="de")["destinations"]
    assert ds[0]["accessPolicy"] == '{"Version":"2012-10-17"}' and ds[0]["targetArn"].endswith("stream/s")
    assert logs.list_tags_for_resource(resourceArn=d["arn"])["tags"] == {"env": "dev"}
    logs.delete_destination(destinationName="dest")
    assert logs.describe_destinations()["destinations"] == []


def test_resource_policies(logs):
    doc = json.dumps({"Version": "2012-10-17", "Statement": []})
    p = logs.put_resource_policy(policyName="p1", policyDocument=doc)["resourcePolicy"]
    assert p["policyName"] == "p1" and p["policyDocument"] == doc and p["lastUpdatedTime"] > 0
    assert [x["policyName"] for x in logs.describe_resource_policies()["resourcePolicies"]] == ["p1"]
    logs.delete_resource_policy(policyName="p1")
    with pytest.raises(logs.exceptions.ResourceNotFoundException):
        logs.delete_resource_policy(policyName="p1")


def test_export_tasks(logs):
    tid = logs.create_export_task(taskName="t", logGroupName="g", fromTime=0, to=1000, destination="bucket")["taskId"]
    t = logs.describe_export_tasks(taskId=tid)["exportTasks"][0]
    assert t["status"]["code"] == "COMPLETED" and t["destination"] == "bucket" and t["logGroupName"] == "g"
    assert t["executionInfo"]["creationTime"] > 0 and t["taskName"] == "t"
    assert logs.describe_export_tasks(statusCode="RUNNING")["exportTasks"] == []
    with pytest.raises(logs.exceptions.InvalidOperationException):
        logs.cancel_export_task(taskId=tid)
    with pytest.raises(logs.exceptions.ResourceNotFoundException):
        logs.create_export_task(logGroupName="nope", fromTime=0, to=1, destination="b")


def test_data_protection_policies(logs):
    doc = json.dumps({"Name": "p", "Version": "2021-06-01", "Statement": []})
    r = logs.put_data_protection_policy(logGroupIdentifier="g", policyDocument=doc)
    assert r["policyDocument"] == doc and r["lastUpdatedTime"] > 0
    assert logs.get_data_protection_policy(logGroupIdentifier="g")["policyDocument"] == doc
    assert logs.describe_log_groups()["logGroups"][0]["dataProtectionStatus"] == "ACTIVATED"
    logs.delete_data_protection_policy(logGroupIdentifier="g")
    assert "policyDocument" not in logs.get_data_protection_policy(logGroupIdentifier="g")
    with pytest.raises(logs.exceptions.ResourceNotFoundException):
        logs.get_data_protection_policy(logGroupIdentifier="nope")


def test_deleting_a_group_deletes_its_filters(logs):
    logs.put_metric_filter(logGroupName="g", filterName="f", filterPattern="", metricTransformations=T)
    logs.delete_log_group(logGroupName="g")
    logs.create_log_group(logGroupName="g")
    assert logs.describe_metric_filters(logGroupName="g")["metricFilters"] == []
