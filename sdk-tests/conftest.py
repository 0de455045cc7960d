"""Shared pytest fixtures: start the real fluoro binary on free ports with a temporary database
and hand tests its addresses. FLUORO_BIN picks the binary (release or ASan build)."""
import json
import os
import re
import secrets
import socket
import subprocess
import tempfile
import time
import urllib.error
import urllib.request

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
FLUORO_BIN = os.environ.get("FLUORO_BIN", os.path.join(ROOT, "build", "fluoro"))


def free_port():
    """A port free for both TCP and UDP on 127.0.0.1 (fluoro uses the same number for both)."""
    for _ in range(50):
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as t:
            t.bind(("127.0.0.1", 0))
            port = t.getsockname()[1]
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as u:
            try:
                u.bind(("127.0.0.1", port))
            except OSError:
                continue
        return port
    raise RuntimeError("no free port")


class Fluoro:
    """A running fluoro process."""

    def __init__(self, extra_args=(), env=None):
        self.port = free_port()
        self.dir = tempfile.mkdtemp(prefix="fluoro-test-")
        self.db = os.path.join(self.dir, "test.db")
        self.url = "http://127.0.0.1:%d" % self.port
        self.udp = ("127.0.0.1", self.port)
        self.log_path = os.path.join(self.dir, "fluoro.log")
        args = [FLUORO_BIN, "serve", "--udp-address", "127.0.0.1:%d" % self.port,
                "--http-address", "127.0.0.1:%d" % self.port, "--db", self.db,
                "--log-level", "debug"] + list(extra_args)
        self.log = open(self.log_path, "wb")
        self.proc = subprocess.Popen(args, stdout=self.log, stderr=subprocess.STDOUT,
                                     env=dict(os.environ, **(env or {})))
        deadline = time.time() + 20
        while time.time() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError("fluoro exited early:\n" + self.read_log())
            try:
                self.get("/health")
                return
            except (urllib.error.URLError, ConnectionError):
                time.sleep(0.05)
        raise RuntimeError("fluoro did not become healthy:\n" + self.read_log())

    def read_log(self):
        with open(self.log_path, "rb") as f:
            return f.read().decode("utf-8", "replace")

    def request(self, method, path, body=None, headers=None):
        """Returns (status, headers, body bytes) without raising on HTTP errors."""
        data = body if isinstance(body, (bytes, type(None))) else json.dumps(body).encode()
        req = urllib.request.Request(self.url + path, data=data, method=method,
                                     headers=headers or {})
        try:
            with urllib.request.urlopen(req, timeout=30) as r:
                return r.status, dict(r.headers), r.read()
        except urllib.error.HTTPError as e:
            return e.code, dict(e.headers), e.read()

    def get(self, path):
        status, _, body = self.request("GET", path)
        if status != 200:
            raise AssertionError("GET %s -> %d %s" % (path, status, body[:500]))
        return json.loads(body) if body[:1] in (b"{", b"[") else body.decode()

    def post(self, path, body=None):
        # fluoro's own POST routes take only application/json (a web page cannot send it
        # cross-origin without a preflight).
        status, _, data = self.request("POST", path, body if body is not None else b"",
                                       {"Content-Type": "application/json"})
        return status, (json.loads(data) if data[:1] in (b"{", b"[") else data.decode())

    def send_udp(self, payload):
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
            s.sendto(payload if isinstance(payload, bytes) else payload.encode(), self.udp)

    def wait_idle(self, idle_ms=100, timeout_ms=10000):
        return self.get("/api/v1/wait?idle_ms=%d&timeout_ms=%d" % (idle_ms, timeout_ms))

    def stats(self):
        return self.get("/api/v1/stats")

    def stop(self):
        """SIGTERM and wait; returns the exit status. Fails on sanitizer reports."""
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.log.close()
        log = self.read_log()
        assert "ERROR: AddressSanitizer" not in log and "runtime error:" not in log, log[-4000:]
        assert "ERROR: LeakSanitizer" not in log, log[-4000:]
        return self.proc.returncode


# ---- helpers shared by the X-Ray suites (import them with `from conftest import ...`) ----

HEADER = '{"format":"json","version":1}'          # Node and current Python SDKs
HEADER_SPACED = '{"format": "json", "version": 1}'  # Go and Debian's Python SDK 0.95


def new_trace_id(t=None):
    """A fresh X-Ray trace id whose time part is t (default now)."""
    return "1-%08x-%s" % (int(time.time() if t is None else t), secrets.token_hex(12))


def new_id():
    return secrets.token_hex(8)


def segment(name="svc", trace_id=None, start=None, duration=0.05, **fields):
    """A complete segment document (dict); fields are added as given (None values dropped)."""
    start = time.time() - 1 if start is None else start
    doc = {"trace_id": trace_id or new_trace_id(start), "id": new_id(), "name": name,
           "start_time": start, "end_time": start + duration}
    doc.update(fields)
    return {k: v for k, v in doc.items() if v is not None}


def subsegment(name, start, duration=0.01, **fields):
    """An embedded subsegment (dict)."""
    doc = {"id": new_id(), "name": name, "start_time": start, "end_time": start + duration}
    doc.update(fields)
    return {k: v for k, v in doc.items() if v is not None}


def datagram(doc, header=HEADER):
    body = doc if isinstance(doc, (str, bytes)) else json.dumps(doc)
    body = body if isinstance(body, bytes) else body.encode()
    return header.encode() + b"\n" + body


def parse_metrics(text):
    """Prometheus text -> {(name, frozenset(labels.items())): value}."""
    out = {}
    for line in text.splitlines():
        if not line or line.startswith("#"):
            continue
        m = re.match(r'^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})?\s+(\S+)$', line)
        assert m, "unparseable metrics line: %r" % line
        labels = dict(re.findall(r'(\w+)="((?:[^"\\]|\\.)*)"', m.group(2) or ""))
        out[(m.group(1), frozenset(labels.items()))] = float(m.group(3))
    return out


def metric(fluoro, name, **labels):
    """One sample of /metrics (0 when the series is absent)."""
    return parse_metrics(fluoro.get("/metrics")).get((name, frozenset(labels.items())), 0.0)


def aws_client(f, service):
    """A boto3 client for the fluoro instance f (dummy credentials, no retries)."""
    import boto3
    from botocore.config import Config
    return boto3.client(service, endpoint_url=f.url, region_name="us-east-1",
                        aws_access_key_id="test", aws_secret_access_key="test",
                        config=Config(retries={"max_attempts": 1, "mode": "standard"}))


def all_summaries(xray, **kw):
    """Every TraceSummary of a GetTraceSummaries query, through the boto3 paginator."""
    out = []
    for page in xray.get_paginator("get_trace_summaries").paginate(**kw):
        out.extend(page["TraceSummaries"])
    return out


AWS_CLI = "/usr/bin/aws" if os.path.exists("/usr/bin/aws") else "aws"


# Migration 10 undone: per-trace tables keyed by trace id again, no trace_ids. Tests of older
# migrations build their old database from one today's code wrote, and start from schema 9.
SCHEMA_9 = (
    "CREATE TABLE s9(trace_id TEXT NOT NULL, id TEXT NOT NULL, parent_id TEXT,"
    " is_subsegment INTEGER NOT NULL, in_progress INTEGER NOT NULL, start_time REAL NOT NULL,"
    " end_time REAL, received_at REAL NOT NULL, doc TEXT NOT NULL, seq INTEGER,"
    " PRIMARY KEY(trace_id, id)) WITHOUT ROWID;"
    "INSERT INTO s9 SELECT i.trace_id, s.id, s.parent_id, s.is_subsegment, s.in_progress,"
    " s.start_time, s.end_time, s.received_at, s.doc, s.seq FROM segments s"
    " JOIN trace_ids i ON i.no = s.trace_no;"
    "DROP TABLE segments; ALTER TABLE s9 RENAME TO segments;"
    "CREATE INDEX segments_by_seq ON segments(seq);"
    "CREATE TABLE t9(trace_id TEXT PRIMARY KEY, id_time REAL NOT NULL,"
    " start_time REAL, end_time REAL, duration REAL, response_time REAL,"
    " root_name TEXT, root_type TEXT, has_error INTEGER, has_fault INTEGER,"
    " has_throttle INTEGER, partial INTEGER, http_status INTEGER, http_method TEXT,"
    " http_url TEXT, segment_count INTEGER, revision INTEGER, updated_at REAL,"
    " derived TEXT NOT NULL);"
    "INSERT INTO t9 SELECT trace_id, id_time, start_time, end_time, duration, response_time,"
    " root_name, root_type, has_error, has_fault, has_throttle, partial, http_status,"
    " http_method, http_url, segment_count, revision, updated_at, derived FROM traces;"
    "DROP TABLE traces; ALTER TABLE t9 RENAME TO traces;"
    "CREATE INDEX traces_by_end ON traces(end_time);"
    "CREATE TABLE f9(trace_id TEXT PRIMARY KEY, id_time REAL NOT NULL, start_time REAL,"
    " end_time REAL, facts BLOB NOT NULL) WITHOUT ROWID;"
    "INSERT INTO f9 SELECT trace_id, id_time, start_time, end_time, facts FROM trace_facts;"
    "DROP TABLE trace_facts; ALTER TABLE f9 RENAME TO trace_facts;"
    "CREATE INDEX trace_facts_by_start ON trace_facts(start_time, trace_id, end_time);"
    "CREATE INDEX trace_facts_by_id_time ON trace_facts(id_time);"
    "CREATE TABLE m9(trace_id TEXT PRIMARY KEY, summary BLOB NOT NULL) WITHOUT ROWID;"
    "INSERT INTO m9 SELECT i.trace_id, s.summary FROM trace_summaries s"
    " JOIN trace_ids i ON i.no = s.trace_no;"
    "DROP TABLE trace_summaries; ALTER TABLE m9 RENAME TO trace_summaries;"
    "CREATE TABLE l9(trace_id TEXT NOT NULL, ts INTEGER NOT NULL, event_id INTEGER NOT NULL,"
    " chunk_id INTEGER NOT NULL REFERENCES log_chunks(id) ON DELETE CASCADE,"
    " PRIMARY KEY(trace_id, ts, event_id)) WITHOUT ROWID;"
    "INSERT INTO l9 SELECT i.trace_id, l.ts, l.event_id, l.chunk_id FROM log_event_traces l"
    " JOIN trace_ids i ON i.no = l.trace_no;"
    "DROP TABLE log_event_traces; ALTER TABLE l9 RENAME TO log_event_traces;"
    "CREATE INDEX log_event_traces_by_chunk ON log_event_traces(chunk_id);"
    "DROP TABLE trace_ids;"
    "PRAGMA user_version=9;")


def to_schema_9(con):
    """Turns a schema-10 database (closed by fluoro) back into the schema 9 it migrated from."""
    assert con.execute("PRAGMA user_version").fetchone()[0] == 10
    con.executescript(SCHEMA_9)
    con.commit()


@pytest.fixture
def fluoro():
    f = Fluoro()
    yield f
    code = f.stop()
    assert code == 0, "fluoro exited with %s:\n%s" % (code, f.read_log()[-4000:])


@pytest.fixture
def fluoro_factory():
    started = []

    def start(*args, **kw):
        f = Fluoro(*args, **kw)
        started.append(f)
        return f
    yield start
    for f in started:
        f.stop()


@pytest.fixture
def aws_env(fluoro):
    """Environment for AWS CLI / SDK subprocesses pointed at fluoro with dummy credentials."""
    return dict(os.environ, AWS_ACCESS_KEY_ID="test", AWS_SECRET_ACCESS_KEY="test",
                AWS_DEFAULT_REGION="us-east-1", AWS_REGION="us-east-1", AWS_MAX_ATTEMPTS="1",
                AWS_PAGER="", AWS_ENDPOINT_URL=fluoro.url,
                AWS_XRAY_DAEMON_ADDRESS="127.0.0.1:%d" % fluoro.port)


@pytest.fixture
def boto(fluoro):
    """boto3 client factory: boto("xray"), boto("logs")."""
    def make(service):
        return aws_client(fluoro, service)
    return make
