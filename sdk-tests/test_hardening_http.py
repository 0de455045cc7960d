"""Issue 10, HTTP hardening: idle sockets cannot starve the server, ports are exclusive, a web
page cannot read or change fluoro's data (Host, Origin, Content-Type), security headers, path
hygiene under --web-root, and --db refusing files that are not fluoro databases.
Each test drives the real binary with real clients (raw sockets, urllib, boto3)."""
import json
import os
import resource
import select
import socket
import sqlite3
import subprocess
import tempfile
import threading
import time

import pytest

from conftest import (FLUORO_BIN, Fluoro, aws_client, datagram, free_port, new_trace_id,
                      segment)

IDLE_SOCKETS = 10000


def raise_own_nofile(want):
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < want:
        resource.setrlimit(resource.RLIMIT_NOFILE, (min(hard, max(want, soft)), hard))
    return resource.getrlimit(resource.RLIMIT_NOFILE)[0]


def still_open(socks):
    """How many of socks the server has not closed (no EOF waiting to be read)."""
    p = select.poll()
    for s in socks:
        p.register(s.fileno(), select.POLLIN | select.POLLHUP)
    return len(socks) - len(p.poll(0))


class Sse:
    """A raw server-sent-event stream; frames() returns the frames read so far."""

    def __init__(self, port, path, host="127.0.0.1"):
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=10)
        self.sock.sendall(("GET %s HTTP/1.1\r\nHost: %s\r\nAccept: text/event-stream\r\n\r\n"
                           % (path, host)).encode())
        self.buf = b""

    def read_until(self, needle, timeout=10):
        deadline = time.time() + timeout
        while needle.encode() not in self.buf and time.time() < deadline:
            self.sock.settimeout(max(0.05, deadline - time.time()))
            try:
                chunk = self.sock.recv(65536)
            except socket.timeout:
                break
            if not chunk:
                break
            self.buf += chunk
        return needle.encode() in self.buf

    def close(self):
        self.sock.close()


def put_segment(f, name):
    xray = aws_client(f, "xray")
    doc = segment(name=name)
    out = xray.put_trace_segments(TraceSegmentDocuments=[json.dumps(doc)])
    assert out["UnprocessedTraceSegments"] == []
    return doc["trace_id"]


# ---- 1. idle connections ----

def test_ten_thousand_idle_connections_do_not_lock_clients_out(fluoro_factory):
    """On main 515 idle sockets took every connection thread; /health answered 0 of 12."""
    if raise_own_nofile(IDLE_SOCKETS + 500) < IDLE_SOCKETS + 500:
        pytest.skip("this process cannot open %d sockets" % IDLE_SOCKETS)
    # A long idle timeout, so the server keeps every idle socket open for the whole test.
    f = fluoro_factory(["--http-idle-timeout", "300s"])
    events = Sse(f.port, "/api/v1/events")
    tail = Sse(f.port, "/api/v1/logs/events?follow=1")
    assert events.read_until("event: hello") and tail.read_until("event: hello")
    idle = []
    try:
        for _ in range(IDLE_SOCKETS):
            idle.append(socket.create_connection(("127.0.0.1", f.port), timeout=10))
        for _ in range(12):
            assert f.get("/health")["status"] == "ok"
        tid = put_segment(f, "after-flood")                     # X-Ray, restJson
        logs = aws_client(f, "logs")                            # Logs, awsJson1.1
        logs.create_log_group(logGroupName="/flood")
        logs.create_log_stream(logGroupName="/flood", logStreamName="s")
        logs.put_log_events(logGroupName="/flood", logStreamName="s",
                            logEvents=[{"timestamp": int(time.time() * 1000), "message": "hi"}])
        assert [g["logGroupName"] for g in logs.describe_log_groups()["logGroups"]] == ["/flood"]
        got = aws_client(f, "xray").batch_get_traces(TraceIds=[tid])["Traces"]
        assert [t["Id"] for t in got] == [tid]
        # The SSE clients that were open before the flood keep streaming.
        assert events.read_until('"traces":true'), events.buf[-500:]
        assert tail.read_until('"message":"hi"'), tail.buf[-500:]
        # A fresh stream opened during the flood works too.
        late = Sse(f.port, "/api/v1/events")
        assert late.read_until("event: hello")
        late.close()
        assert still_open(idle) == len(idle), "the idle sockets were closed, so nothing was tested"
    finally:
        for s in idle:
            s.close()
        events.close()
        tail.close()


def test_long_waits_park_instead_of_holding_pool_threads(fluoro):
    """Far more pending within_ms assertions and waits than pool threads: /health still answers
    while they wait, and a commit releases every assertion."""
    service = "parked-%d" % time.time_ns()
    spec = {"filter": 'service("%s")' % service, "count": 1, "within_ms": 20000}
    results = []

    def assert_later():
        results.append(fluoro.post("/api/v1/assert", spec))

    threads = [threading.Thread(target=assert_later) for _ in range(40)]
    waits = [threading.Thread(target=fluoro.wait_idle, kwargs={"idle_ms": 3000})
             for _ in range(10)]
    for t in threads + waits:
        t.start()
    time.sleep(1.0)
    started = time.time()
    assert fluoro.get("/health")["status"] == "ok"
    assert fluoro.get("/api/v1/stats")
    assert time.time() - started < 5
    assert not results, "the assertions should still be waiting for the segment"
    put_segment(fluoro, service)
    for t in threads + waits:
        t.join(30)
    assert len(results) == 40
    assert all(status == 200 and body["ok"] for status, body in results), results[:3]


def test_connection_that_sends_no_request_is_closed_after_the_idle_timeout(fluoro_factory):
    f = fluoro_factory(["--http-idle-timeout", "1s"])
    s = socket.create_connection(("127.0.0.1", f.port), timeout=10)
    started = time.time()
    assert s.recv(1) == b""       # closed by the server, not by our timeout
    assert time.time() - started < 8
    s.close()
    assert f.get("/health")["status"] == "ok"


def spawn(args, nofile=None, **kw):
    """fluoro with the given arguments (and descriptor limit); returns the Popen."""
    def limit():
        if nofile:
            resource.setrlimit(resource.RLIMIT_NOFILE, (nofile, nofile))
    return subprocess.Popen([FLUORO_BIN, "serve"] + args, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, preexec_fn=limit, **kw)


def wait_healthy(port, proc, timeout=20):
    deadline = time.time() + timeout
    while time.time() < deadline:
        assert proc.poll() is None, proc.stdout.read().decode()
        try:
            s = socket.create_connection(("127.0.0.1", port), timeout=2)
            s.sendall(b"GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
            if s.recv(100).startswith(b"HTTP/1.1 200"):
                s.close()
                return
            s.close()
        except OSError:
            pass
        time.sleep(0.05)
    raise AssertionError("fluoro did not start")


def stop(proc):
    proc.terminate()
    out, _ = proc.communicate(timeout=30)
    text = out.decode("utf-8", "replace")
    assert "ERROR: AddressSanitizer" not in text and "runtime error:" not in text, text[-3000:]
    assert proc.returncode == 0, text[-3000:]
    return text


def test_a_full_server_answers_503_instead_of_hanging():
    """With its descriptor limit nearly used by idle sockets, a new client gets a fast 503."""
    port = free_port()
    proc = spawn(["--http-address", "127.0.0.1:%d" % port, "--udp-address", "127.0.0.1:%d" % port,
                  "--http-idle-timeout", "300s"], nofile=400)
    idle = []
    try:
        wait_healthy(port, proc)
        # 400 descriptors: the server keeps 128 for itself, so 272 connections, the last 64 of
        # which answer 503. 230 idle sockets leave the next request in that band.
        for _ in range(230):
            idle.append(socket.create_connection(("127.0.0.1", port), timeout=10))
        s = socket.create_connection(("127.0.0.1", port), timeout=10)
        s.sendall(b"GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
        reply = b""
        while True:
            chunk = s.recv(4096)
            if not chunk:
                break
            reply += chunk
        s.close()
        assert reply.startswith(b"HTTP/1.1 503"), reply[:300]
        assert b'"TooManyConnections"' in reply
        for c in idle[:100]:
            c.close()
        del idle[:100]
        time.sleep(0.5)
        wait_healthy(port, proc, timeout=5)
    finally:
        for c in idle:
            c.close()
        stop(proc)


# ---- 2. exclusive ports ----

@pytest.mark.parametrize("clash", ["both", "tcp", "udp"])
def test_a_second_instance_on_a_taken_port_fails(fluoro, clash):
    other = free_port()
    http_port = fluoro.port if clash in ("both", "tcp") else other
    udp_port = fluoro.port if clash in ("both", "udp") else other
    proc = spawn(["--http-address", "127.0.0.1:%d" % http_port,
                  "--udp-address", "127.0.0.1:%d" % udp_port])
    out, _ = proc.communicate(timeout=20)
    assert proc.returncode == 1, out.decode()
    assert ("address 127.0.0.1:%d is in use" % fluoro.port) in out.decode(), out.decode()
    # The first instance still gets every request and datagram.
    assert fluoro.get("/health")["status"] == "ok"
    doc = segment(name="still-mine")
    fluoro.send_udp(datagram(doc))
    fluoro.wait_idle()
    assert fluoro.get("/api/v1/stats")["udp_stored_total"] >= 1


# ---- 3. loopback-safe HTTP ----

def raw(f, method, path, headers, body=b""):
    """One request with exactly these headers (Host included); returns (status, headers, body)."""
    s = socket.create_connection(("127.0.0.1", f.port), timeout=10)
    lines = ["%s %s HTTP/1.1" % (method, path)] + ["%s: %s" % kv for kv in headers.items()]
    lines += ["Content-Length: %d" % len(body), "Connection: close", "", ""]
    s.sendall("\r\n".join(lines).encode() + body)
    data = b""
    while True:
        chunk = s.recv(65536)
        if not chunk:
            break
        data += chunk
    s.close()
    head, _, payload = data.partition(b"\r\n\r\n")
    status = int(head.split(b" ", 2)[1])
    hdrs = {}
    for line in head.decode().split("\r\n")[1:]:
        k, _, v = line.partition(":")
        hdrs[k.strip().lower()] = v.strip()
    return status, hdrs, payload


@pytest.mark.parametrize("host", ["127.0.0.1", "localhost", "LOCALHOST.", "app.localhost",
                                  "127.1.2.3", "[::1]", None])
def test_loopback_hosts_are_accepted(fluoro, host):
    headers = {"Host": "%s:%d" % (host, fluoro.port)} if host else {}
    status, _, body = raw(fluoro, "GET", "/api/v1/stats", headers)
    assert status == 200, body


def test_a_foreign_host_cannot_read_traces(fluoro):
    """A DNS-rebinding page reaches 127.0.0.1 with its own name in Host."""
    put_segment(fluoro, "secret")
    for path in ["/api/v1/traces", "/api/v1/logs/groups", "/", "/api/v1/events"]:
        status, _, body = raw(fluoro, "GET", path, {"Host": "evil.example:%d" % fluoro.port})
        assert status == 403, (path, body)
        assert json.loads(body)["error"]["code"] == "ForbiddenHost"
    # the AWS routes answer in their own protocol
    status, hdrs, body = raw(fluoro, "POST", "/TraceSummaries",
                             {"Host": "evil.example", "Content-Type": "application/json"},
                             json.dumps({"StartTime": 0, "EndTime": time.time()}).encode())
    assert status == 403 and hdrs["x-amzn-errortype"] == "AccessDeniedException"
    assert json.loads(body)["Message"]
    status, hdrs, body = raw(fluoro, "POST", "/",
                             {"Host": "evil.example", "X-Amz-Target": "Logs_20140328.DescribeLogGroups",
                              "Content-Type": "application/x-amz-json-1.1"}, b"{}")
    assert status == 403 and json.loads(body)["__type"] == "AccessDeniedException"
    assert hdrs["content-type"] == "application/x-amz-json-1.1"


def test_allow_host_flag_env_and_wildcard(fluoro_factory):
    f = fluoro_factory(["--allow-host", "fluoro", "--allow-host", "ci.internal"])
    for host, want in [("fluoro:2000", 200), ("CI.internal", 200), ("other", 403)]:
        assert raw(f, "GET", "/health", {"Host": host})[0] == want, host
    g = fluoro_factory([], env={"FLUORO_ALLOW_HOST": "a.example, b.example"})
    assert raw(g, "GET", "/health", {"Host": "b.example"})[0] == 200
    assert raw(g, "GET", "/health", {"Host": "c.example"})[0] == 403
    h = fluoro_factory(["--allow-host", "*"])
    assert raw(h, "GET", "/health", {"Host": "anything.example"})[0] == 200
    # "*" opens Host only: a foreign page still cannot change data.
    status, _, _ = raw(h, "POST", "/api/v1/reset", {"Host": "anything.example",
                                                    "Origin": "http://evil.example",
                                                    "Content-Type": "application/json"})
    assert status == 403


def test_a_foreign_page_cannot_wipe_or_load_data(fluoro):
    tid = put_segment(fluoro, "keep-me")
    host = {"Host": "127.0.0.1:%d" % fluoro.port}
    evil = dict(host, Origin="https://evil.example")
    # a form or fetch() simple request: text/plain from another origin
    status, _, body = raw(fluoro, "POST", "/api/v1/reset", dict(evil, **{"Content-Type": "text/plain"}))
    assert status == 403 and json.loads(body)["error"]["code"] == "ForbiddenOrigin"
    status, _, _ = raw(fluoro, "POST", "/api/v1/reset", dict(host, Origin="null",
                                                             **{"Content-Type": "application/json"}))
    assert status == 403
    # text/plain without an Origin (no browser would omit it, but the rule is the type)
    status, _, body = raw(fluoro, "POST", "/api/v1/load", dict(host, **{"Content-Type": "text/plain"}),
                          b'{"segments":[]}')
    assert status == 415 and json.loads(body)["error"]["code"] == "UnsupportedMediaType"
    status, _, _ = raw(fluoro, "POST", "/api/v1/reset", host)
    assert status == 415
    # an X-Ray write from a foreign page
    doc = segment(name="injected")
    status, hdrs, _ = raw(fluoro, "POST", "/TraceSegments", dict(evil, **{"Content-Type": "text/plain"}),
                          json.dumps({"TraceSegmentDocuments": [json.dumps(doc)]}).encode())
    assert status == 403 and hdrs["x-amzn-errortype"] == "AccessDeniedException"
    status, _, body = raw(fluoro, "POST", "/", dict(evil, **{
        "X-Amz-Target": "Logs_20140328.CreateLogGroup", "Content-Type": "text/plain"}),
        b'{"logGroupName":"injected"}')
    assert status == 403 and json.loads(body)["__type"] == "AccessDeniedException"
    fluoro.wait_idle()
    assert [t["trace_id"] for t in fluoro.get("/api/v1/traces?since=0")["traces"]] == [tid]
    assert aws_client(fluoro, "logs").describe_log_groups()["logGroups"] == []
    # the UI's own origin (and other loopback pages) may write
    mine = dict(host, Origin="http://127.0.0.1:%d" % fluoro.port, **{"Content-Type": "application/json"})
    assert raw(fluoro, "POST", "/api/v1/reset", mine)[0] == 200
    local = dict(host, Origin="http://localhost:3000", **{"Content-Type": "application/json; charset=utf-8"})
    assert raw(fluoro, "POST", "/api/v1/reset", local)[0] == 200


def test_aws_cli_and_sdks_still_work(fluoro):
    """What the SDKs send: no Origin, application/json (X-Ray), x-amz-json-1.1 (Logs), and the
    sampling pollers' empty bodies."""
    xray = aws_client(fluoro, "xray")
    assert xray.get_sampling_rules()["SamplingRuleRecords"]
    assert "SamplingTargetDocuments" in xray.get_sampling_targets(SamplingStatisticsDocuments=[])
    logs = aws_client(fluoro, "logs")
    logs.create_log_group(logGroupName="/cli")
    from conftest import AWS_CLI
    out = subprocess.run([AWS_CLI, "logs", "describe-log-groups", "--endpoint-url", fluoro.url,
                          "--region", "us-east-1", "--output", "json"],
                         env=dict(os.environ, AWS_ACCESS_KEY_ID="x", AWS_SECRET_ACCESS_KEY="x"),
                         capture_output=True, timeout=60)
    assert out.returncode == 0, out.stderr
    assert [g["logGroupName"] for g in json.loads(out.stdout)["logGroups"]] == ["/cli"]


def test_security_headers(fluoro):
    for path in ["/", "/index.html", "/assets/app.css", "/api/v1/stats"]:
        status, hdrs, _ = fluoro.request("GET", path)
        assert status == 200, path
        assert "default-src 'self'" in hdrs["Content-Security-Policy"]
        assert "frame-ancestors 'none'" in hdrs["Content-Security-Policy"]
        assert hdrs["X-Content-Type-Options"] == "nosniff"
        assert hdrs["X-Frame-Options"] == "DENY"
        assert hdrs["Referrer-Policy"] == "no-referrer"


# ---- 4. static files and the database file ----

@pytest.fixture
def web_root():
    d = tempfile.mkdtemp(prefix="fluoro-webroot-")
    root = os.path.join(d, "root")
    os.makedirs(os.path.join(root, "assets", "sub"))
    with open(os.path.join(root, "index.html"), "w") as f:
        f.write("<!doctype html><title>t</title>")
    with open(os.path.join(root, "assets", "app.css"), "w") as f:
        f.write("body{}")
    with open(os.path.join(d, "secret.txt"), "w") as f:
        f.write("outside the root")
    os.symlink(os.path.join(d, "secret.txt"), os.path.join(root, "assets", "leak.txt"))
    os.symlink(d, os.path.join(root, "assets", "up"))
    os.symlink(os.path.join(root, "assets", "app.css"), os.path.join(root, "assets", "alias.css"))
    return root


def test_web_root_does_not_follow_symlinks_out_of_the_root(fluoro_factory, web_root):
    f = fluoro_factory(["--web-root", web_root])
    assert f.request("GET", "/assets/app.css")[2] == b"body{}"
    assert f.request("GET", "/assets/alias.css")[2] == b"body{}"   # a link inside the root
    for path in ["/assets/leak.txt", "/assets/up/secret.txt"]:
        status, _, body = f.request("GET", path)
        assert status == 404 and b"outside" not in body, path


@pytest.mark.parametrize("from_disk", [True, False])
def test_bad_asset_paths_never_open_a_directory(fluoro_factory, web_root, from_disk):
    f = fluoro_factory(["--web-root", web_root] if from_disk else [])
    for path in ["/assets/%00/app.css", "/assets/%00", "/assets/", "/assets/sub/", "/assets/sub",
                 "/assets/a%0ab.css", "/assets/..%2fsecret.txt"]:
        status, _, body = raw(f, "GET", path, {"Host": "127.0.0.1"})
        assert status in (400, 404), (path, status, body[:200])
        assert json.loads(body)["error"]["code"] in ("NotFound", "BadPath")


def run_until_exit(args, timeout=20):
    out = subprocess.run([FLUORO_BIN, "serve"] + args, capture_output=True, timeout=timeout)
    return out.returncode, (out.stdout + out.stderr).decode("utf-8", "replace")


def ports():
    p = free_port()
    return ["--http-address", "127.0.0.1:%d" % p, "--udp-address", "127.0.0.1:%d" % p]


def test_db_that_is_not_a_fluoro_database_is_refused(tmp_path):
    empty = tmp_path / "empty.db"
    empty.write_bytes(b"")
    text = tmp_path / "notes.txt"
    text.write_text("hello, this is not SQLite at all\n" * 10)
    other = tmp_path / "other.db"
    con = sqlite3.connect(str(other))
    con.execute("CREATE TABLE customers(id INTEGER PRIMARY KEY, name TEXT)")
    con.commit()
    con.close()
    for path in [empty, text, other, tmp_path]:
        before = path.read_bytes() if path.is_file() else None
        code, log = run_until_exit(ports() + ["--db", str(path)])
        assert code == 1, log
        assert "not a fluoro database" in log, log
        if before is not None:
            assert path.read_bytes() == before, "the file was modified"


def test_db_missing_file_is_created_and_reopened(tmp_path):
    path = tmp_path / "new.db"
    f = Fluoro(["--db", str(path)])
    try:
        tid = put_segment(f, "persisted")
    finally:
        assert f.stop() == 0
    assert path.stat().st_size > 0
    g = Fluoro(["--db", str(path)])
    try:
        assert tid in [t["trace_id"] for t in g.get("/api/v1/traces?since=0")["traces"]]
    finally:
        assert g.stop() == 0


def test_shutdown_resumes_parked_connections(fluoro_factory):
    """SIGTERM while SSE streams, a within_ms assertion and a wait are parked: each gets its
    ending, and fluoro exits 0 promptly (parked connections are resumed before the daemon stops)."""
    f = fluoro_factory([])
    events = Sse(f.port, "/api/v1/events")
    assert events.read_until("event: hello")
    results = {}

    def assertion():
        results["assert"] = f.post("/api/v1/assert", {"filter": 'service("never")', "count": 1,
                                                       "within_ms": 60000})

    def wait():
        results["wait"] = f.request("GET", "/api/v1/wait?idle_ms=60000&timeout_ms=60000")[0]

    threads = [threading.Thread(target=assertion), threading.Thread(target=wait)]
    for t in threads:
        t.start()
    time.sleep(1.0)
    started = time.time()
    f.proc.terminate()
    f.proc.wait(timeout=20)
    for t in threads:
        t.join(20)
    assert time.time() - started < 10
    assert f.stop() == 0
    assert results["assert"][0] == 422, results
    assert results["wait"] == 408, results
    events.sock.settimeout(5)
    rest = b""
    while True:
        chunk = events.sock.recv(4096)
        if not chunk:
            break
        rest += chunk
    events.close()
