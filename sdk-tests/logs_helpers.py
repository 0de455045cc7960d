"""Helpers shared by the CloudWatch Logs suites (test_logs_*.py): raw awsJson1.1 calls that skip
botocore's client-side validation, so the server's own checks are what gets tested."""
import json
import time

TARGET = "Logs_20140328."


def raw(fluoro, op, body=None, target=None):
    """POST / with X-Amz-Target; returns (status, parsed body or {})."""
    data = body if isinstance(body, bytes) else json.dumps(body if body is not None else {}).encode()
    status, headers, out = fluoro.request("POST", "/", data, {
        "X-Amz-Target": target if target is not None else TARGET + op,
        "Content-Type": "application/x-amz-json-1.1"})
    return status, (json.loads(out) if out.strip() else {}), headers


def err(fluoro, op, body):
    """The (__type, message) of a call expected to fail with 400."""
    status, out, headers = raw(fluoro, op, body)
    assert status in (400, 500), (op, body, status, out)
    assert headers.get("Content-Type", headers.get("content-type", "")).startswith(
        "application/x-amz-json-1.1")
    return out.get("__type"), out.get("message", "")


def now_ms():
    return int(time.time() * 1000)


def make_stream(logs, group="/app/test", stream="s1", events=None):
    """Creates group and stream (ignoring 'already exists') and puts events (messages or dicts)."""
    try:
        logs.create_log_group(logGroupName=group)
    except logs.exceptions.ResourceAlreadyExistsException:
        pass
    try:
        logs.create_log_stream(logGroupName=group, logStreamName=stream)
    except logs.exceptions.ResourceAlreadyExistsException:
        pass
    if events:
        base = now_ms() - len(events) - 1000
        evs = [e if isinstance(e, dict) else {"timestamp": base + i, "message": e}
               for i, e in enumerate(events)]
        return logs.put_log_events(logGroupName=group, logStreamName=stream, logEvents=evs)
    return None
