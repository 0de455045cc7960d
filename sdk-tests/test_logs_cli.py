"""CloudWatch Logs through the AWS CLI v2 (/usr/bin/aws): the everyday commands, error output,
`logs tail` and `logs tail --follow` (which polls FilterLogEvents with startTime every 5 s)."""
import json
import os
import signal
import subprocess
import time

from conftest import AWS_CLI
from logs_helpers import now_ms


def aws(env, *args, check=True):
    p = subprocess.run([AWS_CLI, "--endpoint-url", env["AWS_ENDPOINT_URL"], "logs"] + list(args),
                       env=env, capture_output=True, text=True, timeout=60)
    if check:
        assert p.returncode == 0, p.stderr
    return p


def test_cli_groups_streams_events(aws_env):
    aws(aws_env, "create-log-group", "--log-group-name", "/cli/app")
    aws(aws_env, "create-log-stream", "--log-group-name", "/cli/app", "--log-stream-name", "s1")
    t = now_ms()
    events = json.dumps([{"timestamp": t - 2000, "message": "hello ERROR one"},
                         {"timestamp": t - 1000, "message": "world two"}])
    out = json.loads(aws(aws_env, "put-log-events", "--log-group-name", "/cli/app",
                         "--log-stream-name", "s1", "--log-events", events).stdout)
    assert "nextSequenceToken" in out
    groups = json.loads(aws(aws_env, "describe-log-groups").stdout)["logGroups"]
    assert [g["logGroupName"] for g in groups] == ["/cli/app"]
    got = json.loads(aws(aws_env, "get-log-events", "--log-group-name", "/cli/app",
                         "--log-stream-name", "s1", "--start-from-head").stdout)
    assert [e["message"] for e in got["events"]] == ["hello ERROR one", "world two"]
    got = json.loads(aws(aws_env, "filter-log-events", "--log-group-name", "/cli/app",
                         "--filter-pattern", "ERROR").stdout)
    assert [e["message"] for e in got["events"]] == ["hello ERROR one"]
    # the CLI's model lets the identifier stand alone
    got = json.loads(aws(aws_env, "describe-log-streams", "--log-group-identifier", "/cli/app").stdout)
    assert [s["logStreamName"] for s in got["logStreams"]] == ["s1"]
    text = aws(aws_env, "describe-log-streams", "--log-group-name", "/cli/app", "--output", "text",
               "--query", "logStreams[].logStreamName").stdout
    assert text.strip() == "s1"


def test_cli_reports_service_errors(aws_env):
    p = aws(aws_env, "create-log-group", "--log-group-name", "aws/x", check=False)
    assert p.returncode != 0
    assert "InvalidParameterException" in p.stderr and "reserved for AWS" in p.stderr
    p = aws(aws_env, "describe-log-streams", "--log-group-name", "nope", check=False)
    assert "ResourceNotFoundException" in p.stderr and "The specified log group does not exist." in p.stderr
    p = aws(aws_env, "start-query", "--log-group-name", "nope", "--start-time", "0", "--end-time", "1",
            "--query-string", "fields @message", check=False)
    assert "ResourceNotFoundException" in p.stderr


def test_cli_start_query_and_results(aws_env):
    aws(aws_env, "create-log-group", "--log-group-name", "q")
    aws(aws_env, "create-log-stream", "--log-group-name", "q", "--log-stream-name", "s")
    aws(aws_env, "put-log-events", "--log-group-name", "q", "--log-stream-name", "s", "--log-events",
        json.dumps([{"timestamp": now_ms(), "message": '{"n": 3}'}]))
    now = int(time.time())
    qid = json.loads(aws(aws_env, "start-query", "--log-group-name", "q", "--start-time", str(now - 600),
                         "--end-time", str(now + 60), "--query-string", "stats sum(n) as total").stdout)["queryId"]
    for _ in range(100):
        r = json.loads(aws(aws_env, "get-query-results", "--query-id", qid).stdout)
        if r["status"] == "Complete":
            break
        time.sleep(0.05)
    assert r["results"] == [[{"field": "total", "value": "3"}]]


def test_cli_tail(aws_env):
    aws(aws_env, "create-log-group", "--log-group-name", "/tail/g")
    aws(aws_env, "create-log-stream", "--log-group-name", "/tail/g", "--log-stream-name", "web")
    t = now_ms()
    aws(aws_env, "put-log-events", "--log-group-name", "/tail/g", "--log-stream-name", "web", "--log-events",
        json.dumps([{"timestamp": t - 3000 + i, "message": "line %d" % i} for i in range(3)]))
    out = aws(aws_env, "tail", "/tail/g", "--since", "1h", "--format", "short").stdout
    assert [l.split(" ", 1)[1] for l in out.strip().splitlines()] == ["line 0", "line 1", "line 2"]
    out = aws(aws_env, "tail", "/tail/g", "--since", "1h", "--filter-pattern", '"line 1"').stdout
    assert "line 1" in out and "line 0" not in out and "web" in out


def test_cli_tail_follow_sees_new_events(aws_env, boto):
    logs = boto("logs")
    logs.create_log_group(logGroupName="/follow/g")
    logs.create_log_stream(logGroupName="/follow/g", logStreamName="s")
    logs.put_log_events(logGroupName="/follow/g", logStreamName="s",
                        logEvents=[{"timestamp": now_ms() - 1000, "message": "before"}])
    proc = subprocess.Popen([AWS_CLI, "--endpoint-url", aws_env["AWS_ENDPOINT_URL"], "logs", "tail",
                             "/follow/g", "--follow", "--since", "5m", "--format", "short"],
                            env=aws_env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            start_new_session=True)
    try:
        time.sleep(2)
        logs.put_log_events(logGroupName="/follow/g", logStreamName="s",
                            logEvents=[{"timestamp": now_ms(), "message": "after"}])
        time.sleep(7)  # the CLI polls every 5 s
    finally:
        os.killpg(proc.pid, signal.SIGINT)
        try:
            out, errs = proc.communicate(timeout=10)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            out, errs = proc.communicate()
    lines = [l.split(" ", 1)[1] for l in out.strip().splitlines() if " " in l]
    assert lines == ["before", "after"], (out, errs)
