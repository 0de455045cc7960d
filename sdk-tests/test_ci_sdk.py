"""fluoro with real X-Ray SDKs, the way a team's CI uses it: the Node sample app (two Express
services instrumented with aws-xray-sdk-core + aws-xray-sdk-express calling each other with the
tracing header) must come out as one trace with an edge between the services; the Python X-Ray
SDK's segments are asserted on with the CLI; boto3 reads the same data back; and a CI job written
as a shell script fails on a deliberately broken expectation."""
import json
import os
import shutil
import subprocess
import textwrap
import time
import urllib.request

import pytest

from conftest import FLUORO_BIN, ROOT, aws_client

SDK_TESTS = os.path.dirname(os.path.abspath(__file__))
APP = os.path.join(SDK_TESTS, "sample-app", "server.mjs")
HAVE_NODE_DEPS = all(os.path.isdir(os.path.join(SDK_TESTS, "node_modules", m))
                     for m in ("aws-xray-sdk-core", "aws-xray-sdk-express", "express"))

# The tree a CI job would assert for GET /order/:id: frontend's HTTP call to the backend, the
# backend's segment under that call, and its SQL subsegment.
ORDER_TREE = {
    "name": "frontend", "kind": "segment",
    "http": {"request": {"method": "GET"}, "response": {"status": 200}},
    "annotations": {"order_id": "o-42"},
    "subsegments": [{
        "namespace": "remote", "http": {"response": {"status": 200}},
        "subsegments": [{
            "name": "backend", "kind": "segment", "annotations": {"item_id": "o-42"},
            "subsegments": [{"name": "orders-db", "namespace": "remote",
                             "sql": {"database_type": "PostgreSQL"}}]}]}]}


class App:
    """The sample app's two services, pointed at one fluoro."""

    def __init__(self, fluoro_port):
        self.procs = []
        env = dict(os.environ, AWS_XRAY_DAEMON_ADDRESS="127.0.0.1:%d" % fluoro_port, PORT="0")
        self.backend = self._start(dict(env, SERVICE="backend"))
        self.frontend = self._start(dict(env, SERVICE="frontend",
                                         BACKEND_URL="http://127.0.0.1:%d" % self.backend))
        self.url = "http://127.0.0.1:%d" % self.frontend

    def _start(self, env):
        p = subprocess.Popen(["node", APP], env=env, cwd=SDK_TESTS, stdout=subprocess.PIPE,
                             stderr=subprocess.STDOUT, text=True)
        self.procs.append(p)
        line = p.stdout.readline()
        assert line.startswith("listening "), line + (p.stdout.read() if p.poll() else "")
        return int(line.split()[1])

    def get(self, path):
        try:
            with urllib.request.urlopen(self.url + path, timeout=10) as r:
                return r.status, r.read()
        except urllib.error.HTTPError as e:
            return e.code, e.read()

    def stop(self):
        for p in self.procs:
            p.terminate()
        for p in self.procs:
            try:
                p.wait(timeout=10)
            except subprocess.TimeoutExpired:
                p.kill()


@pytest.fixture
def app(fluoro):
    if not HAVE_NODE_DEPS or not shutil.which("node"):
        pytest.skip("node and sdk-tests/node_modules (npm ci) are needed for the sample app")
    a = App(fluoro.port)
    yield a
    a.stop()


def cli(f, *args, timeout=60):
    p = subprocess.run([FLUORO_BIN] + list(args), capture_output=True, text=True,
                       env=dict(os.environ, FLUORO_URL=f.url), timeout=timeout)
    assert "Sanitizer" not in p.stderr and "runtime error:" not in p.stderr, p.stderr
    return p.returncode, p.stdout, p.stderr


def test_sample_app_is_one_trace_across_both_services(fluoro, app):
    assert app.get("/order/o-42")[0] == 200
    rc, out, err = cli(fluoro, "assert", "--within", "10s", "--count", "1",
                       "--filter", 'service("frontend") AND service("backend")',
                       "--tree", json.dumps(ORDER_TREE))
    assert rc == 0, err
    listed = fluoro.get('/api/v1/traces?filter=annotation.order_id%20%3D%20%22o-42%22')["traces"]
    assert len(listed) == 1
    trace = fluoro.get("/api/v1/traces/" + listed[0]["trace_id"])
    edges = {(e["source"]["name"], e["destination"]["name"]) for e in trace["edges"]}
    assert ("frontend", "backend") in edges, edges
    assert ("backend", "orders-db") in edges, edges
    names = {s["name"] for s in trace["segments"] if not s.get("inferred")}
    assert names == {"frontend", "backend"}


def test_sample_app_fault_and_service_map(fluoro, app):
    assert app.get("/order/o-1")[0] == 200
    assert app.get("/checkout")[0] == 502
    rc, _, err = cli(fluoro, "assert", "--within", "10s", "--filter", 'service("backend") { fault }',
                     "--count", "1", "--tree",
                     '{"name":"frontend","subsegments":[{"namespace":"remote","fault":true,'
                     '"subsegments":[{"name":"backend","fault":true,'
                     '"http":{"response":{"status":500}}}]}]}')
    assert rc == 0, err
    services = fluoro.get("/api/v1/service-map")["services"]
    front = [s for s in services if s["Name"] == "frontend" and s.get("Type") != "client"]
    assert front, services
    backend_ids = {s["ReferenceId"] for s in services if s["Name"] == "backend"}
    assert any(e["ReferenceId"] in backend_ids for e in front[0]["Edges"]), front


def test_sample_app_read_back_with_boto3(fluoro, app):
    assert app.get("/order/o-7")[0] == 200
    assert cli(fluoro, "assert", "--within", "10s", "--filter",
               'annotation.order_id = "o-7"')[0] == 0
    xray = aws_client(fluoro, "xray")
    now = time.time()
    out = xray.get_trace_summaries(StartTime=now - 300, EndTime=now + 60,
                                   FilterExpression='annotation.order_id = "o-7"')
    assert len(out["TraceSummaries"]) == 1
    tid = out["TraceSummaries"][0]["Id"]
    got = xray.batch_get_traces(TraceIds=[tid])["Traces"][0]["Segments"]
    docs = [json.loads(s["Document"]) for s in got]
    back = [d for d in docs if d["name"] == "backend"][0]
    front = [d for d in docs if d["name"] == "frontend"][0]
    assert back["parent_id"] == front["subsegments"][0]["id"]


@pytest.mark.parametrize("python", ["/usr/bin/python3", "python3"])
def test_python_xray_sdk_segments_asserted_with_the_cli(fluoro, python):
    exe = shutil.which(python)
    if not exe or subprocess.run([exe, "-c", "import aws_xray_sdk"],
                                 capture_output=True).returncode != 0:
        pytest.skip("aws_xray_sdk is not importable by " + python)
    script = textwrap.dedent("""
        import sys
        from aws_xray_sdk.core import xray_recorder
        xray_recorder.configure(service="py-orders", daemon_address=sys.argv[1], sampling=False,
                                context_missing="LOG_ERROR")
        seg = xray_recorder.begin_segment("py-orders")
        seg.put_annotation("order_id", "py-1")
        seg.put_http_meta("method", "POST")
        seg.put_http_meta("url", "http://localhost/orders")
        seg.put_http_meta("status", 201)
        sub = xray_recorder.begin_subsegment("DynamoDB", namespace="aws")
        sub.set_aws({"operation": "PutItem", "table_name": "orders"})
        xray_recorder.end_subsegment()
        sub = xray_recorder.begin_subsegment("charge-card")
        sub.put_annotation("amount", 12)
        xray_recorder.end_subsegment()
        xray_recorder.end_segment()
        print(seg.trace_id)
    """)
    p = subprocess.run([exe, "-c", script, "127.0.0.1:%d" % fluoro.port], capture_output=True,
                       text=True, timeout=60)
    assert p.returncode == 0, p.stderr
    tid = p.stdout.strip().splitlines()[-1]
    tree = {"name": "py-orders", "annotations": {"order_id": "py-1"},
            "http": {"response": {"status": 201}}, "ordered": True, "direct": True,
            "subsegments": [{"name": "DynamoDB", "namespace": "aws",
                             "aws": {"operation": "PutItem", "table_name": "orders"}},
                            {"name": "charge-card", "annotations": {"amount": 12}}]}
    rc, out, err = cli(fluoro, "assert", "--within", "10s", "--filter", 'annotation.order_id = "py-1"',
                       "--count", "1", "--tree", json.dumps(tree))
    assert rc == 0, err
    tree["subsegments"].reverse()  # order matters when asked for
    rc, _, err = cli(fluoro, "assert", "--filter", 'annotation.order_id = "py-1"', "--tree", json.dumps(tree))
    assert rc == 1 and "out of order" in err, err


def test_ci_job_script_fails_on_a_broken_expectation(tmp_path):
    """The job in docs/ci.md, as a script: start fluoro, run the app, assert; the broken
    expectation must fail the job with fluoro's reason on stderr."""
    if not HAVE_NODE_DEPS or not shutil.which("node"):
        pytest.skip("node and sdk-tests/node_modules are needed for the sample app")
    from conftest import free_port
    port = free_port()
    job = textwrap.dedent("""
        set -u
        export FLUORO_URL=http://127.0.0.1:{port}
        export AWS_XRAY_DAEMON_ADDRESS=127.0.0.1:{port}
        "$FLUORO" serve --udp-address 127.0.0.1:{port} --http-address 127.0.0.1:{port} &
        FLUORO_PID=$!
        trap 'kill $FLUORO_PID $BACKEND_PID $FRONTEND_PID 2>/dev/null; wait' EXIT
        for i in $(seq 100); do curl -sf $FLUORO_URL/health >/dev/null && break; sleep 0.1; done
        SERVICE=backend PORT={be} node "$APP" > backend.log & BACKEND_PID=$!
        SERVICE=frontend PORT={fe} BACKEND_URL=http://127.0.0.1:{be} node "$APP" > frontend.log &
        FRONTEND_PID=$!
        for i in $(seq 100); do grep -q listening frontend.log backend.log 2>/dev/null &&
          [ "$(grep -l listening frontend.log backend.log | wc -l)" = 2 ] && break; sleep 0.1; done
        curl -sf http://127.0.0.1:{fe}/order/ci-1 > /dev/null || exit 3
        "$FLUORO" wait --idle 300ms --timeout 10s || exit 4
        "$FLUORO" assert --filter 'service("frontend") AND service("backend")' --count 1 \\
          --tree '{{"name":"frontend","subsegments":[{{"subsegments":[{{"name":"backend"}}]}}]}}' \\
          || exit 5
        echo GOOD-ASSERTION-PASSED
        "$FLUORO" assert --filter 'service("backend")' --tree '{{"name":"backend","fault":true}}'
        status=$?
        echo "broken expectation exited $status"
        exit $status
    """).format(port=port, be=free_port(), fe=free_port())
    script = tmp_path / "ci-job.sh"
    script.write_text(job)
    p = subprocess.run(["bash", str(script)], capture_output=True, text=True, cwd=tmp_path,
                       timeout=120, env=dict(os.environ, FLUORO=FLUORO_BIN, APP=APP))
    assert "GOOD-ASSERTION-PASSED" in p.stdout, p.stdout + p.stderr
    assert p.returncode == 1, p.stdout + p.stderr
    assert "broken expectation exited 1" in p.stdout
    assert ('fluoro assert: FAILED: 1 of the 1 trace matching filter "service("backend")" does '
            'not contain the tree') in p.stderr, p.stderr
    assert "fault expected true, found false" in p.stderr
