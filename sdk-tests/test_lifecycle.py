"""The fluoro command itself: options, environment, persistence across restarts and a clean
shutdown that commits everything it acknowledged."""
import os
import re
import signal
import sqlite3
import subprocess
import time

from conftest import FLUORO_BIN, Fluoro, aws_client, datagram, free_port, segment


def run(*args, env=None):
    return subprocess.run([FLUORO_BIN, *args], capture_output=True, text=True, timeout=30,
                          env=dict(os.environ, **(env or {})))


def test_version_and_help_exit_zero():
    v = run("--version")
    assert v.returncode == 0 and re.match(r"^fluoro \d+\.\d+\.\d+$", v.stdout.strip())
    h = run("serve", "--help")
    assert h.returncode == 0
    for flag in ("--udp-address", "--http-address", "--db", "--demo", "--log-level",
                 "FLUORO_UDP_ADDRESS", "-b, --udp-address", "-t, --http-address"):
        assert flag in h.stdout, flag


def test_bad_options_exit_two_with_a_reason():
    r = run("--udp-address", "nowhere")
    assert r.returncode == 2
    assert "--udp-address (FLUORO_UDP_ADDRESS): \"nowhere\" is not HOST:PORT" in r.stderr
    r = run("--no-such-flag")
    assert r.returncode == 2 and "unknown option" in r.stderr
    r = run(env={"FLUORO_LOG_LEVEL": "chatty"})
    assert r.returncode == 2 and "FLUORO_LOG_LEVEL" in r.stderr
    r = run("frobnicate")
    assert r.returncode == 2


def test_every_option_can_come_from_the_environment(tmp_path):
    port = free_port()
    db = tmp_path / "env.db"
    env = dict(os.environ, FLUORO_UDP_ADDRESS="127.0.0.1:%d" % port,
               FLUORO_HTTP_ADDRESS="127.0.0.1:%d" % port, FLUORO_DB=str(db), FLUORO_DEMO="true",
               FLUORO_LOG_LEVEL="warn")
    proc = subprocess.Popen([FLUORO_BIN], env=env, stderr=subprocess.PIPE)
    try:
        xray = None
        deadline = time.time() + 20
        while time.time() < deadline:
            try:
                f = type("F", (), {"url": "http://127.0.0.1:%d" % port})
                xray = aws_client(f, "xray")
                got = xray.get_trace_summaries(StartTime=time.time() - 3600,
                                               EndTime=time.time() + 60)
                break
            except Exception:
                time.sleep(0.1)
        assert got["TraceSummaries"], "the demo (FLUORO_DEMO) should be loaded"
        assert db.exists(), "FLUORO_DB should be used"
    finally:
        proc.send_signal(signal.SIGINT)
        assert proc.wait(timeout=30) == 0


def test_documents_survive_a_restart_on_the_same_database(tmp_path):
    db = str(tmp_path / "keep.db")
    first = Fluoro(["--db", db])
    doc = segment("persisted")
    status, body = first.post("/TraceSegments", {"TraceSegmentDocuments": [__import__("json").dumps(doc)]})
    assert status == 200 and body["UnprocessedTraceSegments"] == []
    assert first.stop() == 0
    second = Fluoro(["--db", db])
    try:
        xray = aws_client(second, "xray")
        traces = xray.batch_get_traces(TraceIds=[doc["trace_id"]])["Traces"]
        assert [t["Id"] for t in traces] == [doc["trace_id"]]
        names = [s["name"] for s in [__import__("json").loads(x["Document"]) for x in traces[0]["Segments"]]]
        assert names == ["persisted"]
    finally:
        assert second.stop() == 0


def test_sigterm_commits_every_datagram_it_received(tmp_path):
    db = str(tmp_path / "drain.db")
    f = Fluoro(["--db", db, "--log-level", "info"])
    for i in range(3000):
        f.send_udp(datagram(segment("burst-%d" % (i % 7))))
    # Stop at once: whatever was received must be committed (or counted) before exit.
    assert f.stop() == 0
    m = re.search(r'msg="stopped" udp_received=(\d+) udp_stored=(\d+) udp_rejected=(\d+) '
                  r'udp_dropped=(\d+)', f.read_log())
    assert m, f.read_log()[-2000:]
    received, stored, rejected, dropped = map(int, m.groups())
    assert received > 0
    assert received == stored + rejected + dropped
    assert rejected == 0
    with sqlite3.connect(db) as conn:
        (rows,) = conn.execute("SELECT count(*) FROM segments").fetchone()
    assert rows == stored
