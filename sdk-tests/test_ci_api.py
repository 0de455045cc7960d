"""fluoro as a CI harness, through its own API and its CLI: POST /api/v1/assert (counts, trees,
logs, within_ms, 422 reasons, 400 positions), POST /api/v1/load, GET /api/v1/export, ?normalize=
golden output, and the subcommands assert/wait/reset/load/export/send with their exit codes."""
import json
import os
import subprocess
import threading
import time

import pytest

from conftest import FLUORO_BIN, ROOT, datagram, new_trace_id, segment, subsegment

DEMO = os.path.join(ROOT, "fixtures", "demo.jsonl")
LARGE = os.path.join(ROOT, "fixtures", "large.jsonl")


def cli(f, *args, env=None, timeout=60, stdin=None):
    """Runs `fluoro <args>` against f; returns (exit status, stdout, stderr)."""
    e = dict(os.environ, FLUORO_URL=f.url if f else "http://127.0.0.1:1")
    e.update(env or {})
    p = subprocess.run([FLUORO_BIN] + list(args), capture_output=True, text=True, env=e,
                       timeout=timeout, input=stdin)
    assert "Sanitizer" not in p.stderr and "runtime error:" not in p.stderr, p.stderr
    return p.returncode, p.stdout, p.stderr


def assert_spec(f, spec):
    return f.post("/api/v1/assert", spec)


def load_demo(f):
    with open(DEMO, "rb") as fh:
        status, body = f.post("/api/v1/load?shift=1", fh.read())
    assert status == 200, body
    return body


def orders_trace(f, fault_sns=False, name="orders"):
    """A trace orders -> DynamoDB PutItem (+ SNS Publish), sent over UDP like an SDK."""
    start = time.time() - 1
    doc = segment(name, start=start, duration=0.2, annotations={"order_id": "o-1"},
                  http={"request": {"method": "POST", "url": "http://x/orders"},
                        "response": {"status": 500 if fault_sns else 201}},
                  fault=True if fault_sns else None,
                  subsegments=[
                      subsegment("DynamoDB", start + 0.01, namespace="aws",
                                 aws={"operation": "PutItem", "table_name": "orders"}),
                      subsegment("SNS", start + 0.05, namespace="aws",
                                 aws={"operation": "Publish"},
                                 fault=True if fault_sns else None)])
    f.send_udp(datagram(doc))
    return doc


# ---- POST /api/v1/assert ----

def test_assert_counts_and_tree_hold(fluoro):
    doc = orders_trace(fluoro)
    fluoro.wait_idle()
    status, body = assert_spec(fluoro, {
        "filter": 'service("orders")', "count": 1,
        "tree": {"name": "orders", "subsegments": [
            {"name": "DynamoDB", "namespace": "aws", "aws": {"operation": "PutItem"}},
            {"name": "SNS", "fault": False}]}})
    assert status == 200, body
    assert body["ok"] is True
    assert body["traces"]["matched"] == 1
    assert body["traces"]["ids"] == [doc["trace_id"]]
    assert body["tree"] == {"mode": "every", "matched": 1,
                            "at": [{"trace_id": doc["trace_id"], "at": "orders"}]}


def test_assert_fails_with_expected_found_and_first_difference(fluoro):
    doc = orders_trace(fluoro, fault_sns=True)
    fluoro.wait_idle()
    status, body = assert_spec(fluoro, {
        "filter": 'service("orders")',
        "tree": {"name": "orders", "subsegments": [{"name": "SNS", "fault": False}]}})
    assert status == 422, body
    err = body["error"]
    assert err["code"] == "AssertionFailed"
    msg = err["message"]
    assert msg.startswith('1 of the 1 trace matching filter "service("orders")" does not contain')
    assert "closest trace %s (orders, 500, fault" % doc["trace_id"] in msg
    assert 'at "orders > SNS": fault expected false, found true' in msg


def test_assert_count_failure_lists_recent_traces(fluoro):
    doc = orders_trace(fluoro)
    fluoro.wait_idle()
    status, body = assert_spec(fluoro, {"filter": 'service("payments")'})
    assert status == 422
    msg = body["error"]["message"]
    assert msg.startswith('expected at least 1 trace matching filter "service("payments")", '
                          "found 0; the most recent traces are " + doc["trace_id"]), msg
    status, body = assert_spec(fluoro, {"filter": "fault = false", "max": 0})
    assert status == 422
    assert body["error"]["message"].startswith(
        'expected no traces matching filter "fault = false", found 1'), body


def test_assert_any_needs_one_matching_trace(fluoro):
    orders_trace(fluoro)
    orders_trace(fluoro, fault_sns=True)
    fluoro.wait_idle()
    spec = {"filter": 'service("orders")', "tree": {"name": "SNS", "fault": True}}
    status, body = assert_spec(fluoro, spec)
    assert status == 422 and "1 of the 2 traces" in body["error"]["message"], body
    status, body = assert_spec(fluoro, dict(spec, any=True))
    assert status == 200, body
    assert body["tree"]["mode"] == "any" and body["tree"]["matched"] == 1


@pytest.mark.parametrize("spec,code,position,text", [
    ({"filter": "service(\"a\") and"}, "InvalidFilterExpression", 16, "filter: "),
    ({"filter": 'responsetime >'}, "InvalidFilterExpression", 14, "filter: "),
    ({"count": 1, "max": 3}, "InvalidSpec", None, "count cannot be combined with min or max"),
    ({"tree": {"subsegments": "x"}}, "InvalidSpec", None, "tree.subsegments must be an array"),
    ({"logs": {"group": "g", "pattern": "{ $.a = "}}, "InvalidFilterPattern", "any",
     "logs[0].pattern: "),
    ({"nonsense": 1}, "InvalidSpec", None, 'unknown member "nonsense" in the spec'),
])
def test_assert_malformed_spec_is_400_with_position(fluoro, spec, code, position, text):
    status, body = assert_spec(fluoro, spec)
    assert status == 400, body
    assert body["error"]["code"] == code
    assert text in body["error"]["message"]
    if position == "any":
        assert isinstance(body["error"].get("position"), int)
    elif position is not None:
        assert body["error"]["position"] == position, body
    else:
        assert "position" not in body["error"]


def test_assert_body_that_is_not_json_is_400(fluoro):
    status, body = fluoro.post("/api/v1/assert", b'{"filter": ')
    assert status == 400 and body["error"]["code"] == "InvalidSpec"
    assert isinstance(body["error"]["position"], int)


def test_assert_within_ms_waits_for_data_that_arrives_later(fluoro):
    tid = new_trace_id()

    def late():
        time.sleep(0.4)
        fluoro.send_udp(datagram(segment("late-svc", trace_id=tid)))
    t = threading.Thread(target=late)
    t.start()
    started = time.time()
    status, body = assert_spec(fluoro, {"filter": 'service("late-svc")', "within_ms": 8000})
    elapsed = time.time() - started
    t.join()
    assert status == 200, body
    assert body["traces"]["ids"] == [tid]
    assert body["attempts"] >= 2
    assert 0.3 < elapsed < 5, elapsed  # woken by the commit, not by the deadline


def test_assert_within_ms_gives_up_with_the_reason(fluoro):
    started = time.time()
    status, body = assert_spec(fluoro, {"filter": 'service("never")', "within_ms": 600})
    assert status == 422
    assert time.time() - started >= 0.55
    assert "(checked " in body["error"]["message"]


def test_assert_logs_with_pattern_and_correlation(fluoro):
    load_demo(fluoro)
    group = "/aws/lambda/orders-function"
    status, body = assert_spec(fluoro, {"filter": "fault", "logs": {
        "group": group, "pattern": "ERROR", "correlated": True, "count": 1}})
    assert status == 200, body
    assert body["logs"][0]["matched"] == 1
    assert "AuthorizationErrorException" in body["logs"][0]["sample"][0]
    status, body = assert_spec(fluoro, {"min": 0, "logs": [
        {"group": group, "pattern": "\"no such text\""},
        {"group": "/missing/group", "max": 0}]})
    assert status == 422, body
    msg = body["error"]["message"]
    assert ('expected at least 1 log event in group "/aws/lambda/orders-function" matching '
            'pattern ""no such text"", found 0') in msg, msg


# ---- load, export, normalize ----

def test_load_reports_counts_and_rejects_bad_lines(fluoro):
    body = load_demo(fluoro)
    assert body["segments"] > 40 and body["log_events"] > 10 and body["shifted"] is True
    status, body = fluoro.post("/api/v1/load", b'{"trace_id": "nope"}\n')
    assert status == 400 and body["error"]["code"] == "InvalidFixture"
    assert body["error"]["message"].startswith("line 1: ")
    status, body = fluoro.post("/api/v1/load", b'{"log": {"group": "g"}}\n')
    assert status == 400


def test_demo_scenario_answers_the_design_questions(fluoro):
    load_demo(fluoro)
    # "is there a trace where orders called DynamoDB PutItem without a fault?"
    status, body = assert_spec(fluoro, {
        "filter": 'service("orders-function") AND !fault', "any": True,
        "tree": {"name": "orders-function", "subsegments": [
            {"name": "DynamoDB", "aws": {"operation": "PutItem"}, "fault": False}]}})
    assert status == 200, body
    # the SNS permission fault, with its log line
    status, body = assert_spec(fluoro, {
        "filter": "fault", "count": 1,
        "tree": {"name": "SNS", "aws": {"operation": "Publish"}},
        "logs": {"group": "/aws/lambda/orders-function", "pattern": "SNS", "correlated": True}})
    assert status == 200, body


def export_lines(f, query=""):
    status, headers, data = f.request("GET", "/api/v1/export" + query)
    assert status == 200, data
    assert headers["Content-Type"].startswith("application/x-ndjson")
    return [json.loads(line) for line in data.decode().splitlines()]


def test_export_is_one_assembled_trace_per_line_oldest_first(fluoro):
    load_demo(fluoro)
    lines = export_lines(fluoro)
    listed = fluoro.get("/api/v1/traces?limit=1000")["traces"]
    assert len(lines) == len(listed)
    assert [t["start_time"] for t in lines] == sorted(t["start_time"] for t in lines)
    assert all(t["segments"] and t["nodes"] and t["edges"] for t in lines)
    faults = export_lines(fluoro, "?filter=fault")
    assert len(faults) == 1 and faults[0]["summary"]["HasFault"] is True
    status, _, data = fluoro.request("GET", "/api/v1/export?filter=fault%20and")
    assert status == 400 and json.loads(data)["error"]["position"] == 9


def test_normalize_gives_byte_identical_json_across_two_runs(fluoro_factory):
    outputs = []
    for _ in range(2):
        f = fluoro_factory()
        load_demo(f)
        f.wait_idle()
        tid = f.get("/api/v1/traces?filter=fault")["traces"][0]["trace_id"]
        _, _, one = f.request("GET", "/api/v1/traces/%s?normalize=1" % tid)
        _, _, every = f.request("GET", "/api/v1/export?normalize=1")
        outputs.append((one, every))
    assert outputs[0][0] == outputs[1][0]
    assert outputs[0][1] == outputs[1][1]
    doc = json.loads(outputs[0][0])
    assert doc["trace_id"] == "1-00000000-000000000000000000000001"
    assert doc["start_time"] == 0
    assert doc["segments"][0]["id"] == "0000000000000001" or doc["root"]["id"] == \
        "0000000000000001"
    text = outputs[0][1].decode()
    assert tid not in text and tid[11:] not in text


def test_normalize_structure_zeroes_timings(fluoro):
    orders_trace(fluoro)
    fluoro.wait_idle()
    tid = fluoro.get("/api/v1/traces")["traces"][0]["trace_id"]
    doc = fluoro.get("/api/v1/traces/%s?normalize=structure" % tid)
    assert doc["duration"] == 0 and doc["segments"][0]["end_time"] == 0
    assert doc["segments"][0]["subsegments"][0]["name"] == "DynamoDB"


# ---- the CLI ----

def test_cli_assert_exit_codes(fluoro):
    orders_trace(fluoro, fault_sns=True)
    assert cli(fluoro, "wait", "--idle", "100ms")[0] == 0
    rc, out, err = cli(fluoro, "assert", "--filter", 'service("orders")', "--count", "1")
    assert rc == 0, err
    assert out.startswith('ok: 1 trace matching filter "service("orders")" (expected exactly 1)')
    rc, out, err = cli(fluoro, "assert", "--filter", 'service("orders")', "--tree",
                       '{"name":"orders","subsegments":[{"name":"SNS","fault":false}]}')
    assert rc == 1
    assert err.startswith('fluoro assert: FAILED: 1 of the 1 trace matching filter '
                          '"service("orders")"'), err
    assert "fault expected false, found true" in err
    rc, out, err = cli(fluoro, "assert", "--filter", 'service("orders")', "--max", "0")
    assert rc == 1 and 'expected no traces matching filter "service("orders")", found 1' in err
    rc, _, err = cli(fluoro, "assert", "--filter", "service(")
    assert rc == 2 and "invalid assertion" in err and "position" in err
    rc, _, err = cli(fluoro, "assert", "--min", "many")
    assert rc == 2 and "--min needs a non-negative integer" in err
    rc, _, err = cli(None, "assert", "--filter", "ok")
    assert rc == 2 and "127.0.0.1:1" in err


def test_cli_assert_tree_from_file_logs_and_url_flag(fluoro, tmp_path):
    load_demo(fluoro)
    tree = tmp_path / "tree.json"
    tree.write_text('{"name": "orders-function", "subsegments": [{"name": "KMS"}]}')
    rc, out, err = cli(fluoro, "assert", "--url", fluoro.url, "--filter", "fault",
                       "--tree", "@" + str(tree), "--logs-group", "/aws/lambda/orders-function",
                       "--logs-pattern", "ERROR", "--logs-min", "1", "--logs-correlated",
                       env={"FLUORO_URL": "http://127.0.0.1:1"})
    assert rc == 0, err
    assert "1 log event in /aws/lambda/orders-function" in out
    rc, out, err = cli(fluoro, "assert", "--json", "--filter", "fault", "--within", "200ms")
    assert rc == 0 and json.loads(out)["traces"]["matched"] == 1


def test_cli_assert_within_waits_for_late_data(fluoro):
    def late():
        time.sleep(0.5)
        fluoro.send_udp(datagram(segment("cli-late")))
    t = threading.Thread(target=late)
    t.start()
    rc, out, err = cli(fluoro, "assert", "--filter", 'service("cli-late")', "--within", "10s")
    t.join()
    assert rc == 0, err


def test_cli_load_export_send_wait(fluoro, tmp_path):
    rc, out, err = cli(fluoro, "load", "--shift", DEMO)
    assert rc == 0, err
    assert out.startswith(DEMO + ": ") and "segments" in out
    rc, out, err = cli(fluoro, "export", "--filter", "fault", "--normalize")
    assert rc == 0, err
    lines = out.splitlines()
    assert len(lines) == 1 and json.loads(lines[0])["trace_id"].startswith("1-00000000-")
    dest = tmp_path / "all.jsonl"
    assert cli(fluoro, "export", "-o", str(dest))[0] == 0
    assert len(dest.read_text().splitlines()) == len(fluoro.get("/api/v1/traces")["traces"])
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"trace_id": "nope"}\n')
    rc, _, err = cli(fluoro, "load", str(bad))
    assert rc == 2 and "line 1" in err
    assert cli(fluoro, "load", str(tmp_path / "missing.jsonl"))[0] == 2
    # send: segment documents over UDP like an SDK, log lines skipped
    seg = segment("sent-by-cli")
    src = tmp_path / "send.jsonl"
    src.write_text(json.dumps(seg) + "\n" +
                   json.dumps({"log": {"group": "g", "stream": "s", "timestamp": 1,
                                       "message": "m"}}) + "\n")
    rc, out, err = cli(fluoro, "send", "--address", "127.0.0.1:%d" % fluoro.port, str(src))
    assert rc == 0, err
    assert out.strip() == "sent 1 segment document (skipped 1 log line: use fluoro load for logs)"
    assert cli(fluoro, "wait", "--idle", "100ms", "--timeout", "5s")[0] == 0
    assert fluoro.get("/api/v1/traces/" + seg["trace_id"])["root"]["name"] == "sent-by-cli"
    rc, out, err = cli(fluoro, "send", str(src),
                       env={"AWS_XRAY_DAEMON_ADDRESS": "tcp:127.0.0.1:1 udp:127.0.0.1:%d"
                            % fluoro.port})
    assert rc == 0, err
    assert cli(fluoro, "wait", "--idle", "x")[0] == 2


def test_cli_reset(fluoro):
    orders_trace(fluoro)
    load_demo(fluoro)
    fluoro.wait_idle()
    assert cli(fluoro, "reset", "--logs")[0] == 0
    assert fluoro.get("/api/v1/logs/groups")["groups"] == []
    assert fluoro.get("/api/v1/traces")["traces"]
    assert cli(fluoro, "reset", "--both")[0] == 2


def test_cli_reset_everything(fluoro):
    orders_trace(fluoro)
    fluoro.wait_idle()
    rc, _, err = cli(fluoro, "reset")
    assert rc == 0, err
    assert fluoro.get("/api/v1/traces")["traces"] == []
    rc, _, err = cli(fluoro, "reset", "--xray")
    assert rc == 0, err


def test_cli_help_and_unknown_command(fluoro):
    rc, out, _ = cli(fluoro, "assert", "--help")
    assert rc == 0 and out.startswith("usage: fluoro assert")
    rc, _, err = cli(fluoro, "frobnicate")
    assert rc == 2 and "unknown command" in err


@pytest.mark.skipif(not os.path.exists(LARGE), reason="fixtures/large.jsonl not generated")
def test_large_scenario_loads_and_asserts(fluoro):
    rc, out, err = cli(fluoro, "load", "--shift", LARGE, timeout=120)
    assert rc == 0, err
    rc, out, err = cli(fluoro, "assert", "--filter", 'service("checkout") { throttle }',
                       "--any", "--tree", '{"name":"checkout","subsegments":[{"name":"DynamoDB",'
                       '"throttle":true}]}')
    assert rc == 0, err
    rc, out, err = cli(fluoro, "assert", "--filter", 'edge("checkout", "payments")',
                       "--min", "10", "--tree",
                       '{"name":"checkout","subsegments":[{"namespace":"remote",'
                       '"subsegments":[{"name":"payments","kind":"segment"}]}]}')
    assert rc == 0, err
    rc, out, err = cli(fluoro, "assert", "--filter", 'service("inventory")', "--any", "--tree",
                       '{"name":"inventory","subsegments":[{"sql":{"database_type":'
                       '"PostgreSQL"}}]}')
    assert rc == 0, err
