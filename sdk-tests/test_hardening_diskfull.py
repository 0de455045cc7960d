"""Disk full (issue 10): with the database on a small tmpfs, filling it makes writes fail with the
protocol's own 500, /health say "degraded" with the reason (still 200: it is a liveness probe),
and reads go on; freeing a little space brings writes back within seconds (the checkpointer no
longer re-grows the database file into the space just freed), freeing enough truncates the WAL,
and nothing acknowledged is lost, also across a restart. Needs root to mount the tmpfs."""
import json
import os
import random
import string
import subprocess
import tempfile
import time

import pytest

from conftest import FLUORO_BIN, Fluoro, datagram, segment
from logs_helpers import raw

GROUP, STREAM = "/hardening/diskfull", "s"


@pytest.fixture
def tmpfs():
    d = tempfile.mkdtemp(prefix="fluoro-diskfull-")
    try:
        r = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=24m", "tmpfs", d],
                           capture_output=True)
        if r.returncode != 0:
            pytest.skip("cannot mount a tmpfs (needs root): %s" % r.stderr.decode().strip())
        yield d
    finally:
        subprocess.run(["umount", "-l", d], capture_output=True)
        os.rmdir(d)


def ballast(path, mib):
    with open(path, "wb") as fh:
        fh.write(os.urandom(mib << 20))


def put(f, first, n, size=2000):
    rnd = random.Random(first)
    pad = "".join(rnd.choice(string.ascii_letters) for _ in range(size))
    t0 = int(time.time() * 1000) - 60000
    events = [{"timestamp": t0 + first + k, "message": "ev-%d %s" % (first + k, pad)}
              for k in range(n)]
    status, out, headers = raw(f, "PutLogEvents", {"logGroupName": GROUP, "logStreamName": STREAM,
                                                   "logEvents": events})
    return status, out, headers


def stored_ids(f):
    """The ev-N numbers of every stored event, through GetLogEvents' forward pagination."""
    ids, token = set(), None
    while True:
        body = {"logGroupName": GROUP, "logStreamName": STREAM, "startFromHead": True}
        if token:
            body["nextToken"] = token
        status, out, _ = raw(f, "GetLogEvents", body)
        assert status == 200, out
        for e in out["events"]:
            ids.add(int(e["message"].split(" ", 1)[0][3:]))
        if out["nextForwardToken"] == token:
            return ids
        token = out["nextForwardToken"]


def file_size(path):
    return os.path.getsize(path) if os.path.exists(path) else 0


def test_disk_full_degrades_then_recovers_without_losing_acknowledged_writes(tmpfs):
    db = os.path.join(tmpfs, "fluoro.db")
    ballast(os.path.join(tmpfs, "small"), 1)
    ballast(os.path.join(tmpfs, "big"), 14)
    f = Fluoro(["--db", db])
    try:
        assert raw(f, "CreateLogGroup", {"logGroupName": GROUP})[0] == 200
        assert raw(f, "CreateLogStream", {"logGroupName": GROUP, "logStreamName": STREAM})[0] == 200
        acked, n = set(), 50
        status = out = headers = None
        for i in range(0, 20000, n):
            status, out, headers = put(f, i, n)
            if status != 200:
                break
            acked.update(range(i, i + n))
        # Full: the write fails in the Logs protocol's own error format, nothing half-stored.
        assert status == 500, "the 24 MiB tmpfs never filled"
        assert headers.get("Content-Type", "").startswith("application/x-amz-json-1.1")
        assert out["__type"] == "ServiceUnavailableException", out
        assert len(acked) > 500
        health = f.get("/health")
        assert health["status"] == "degraded", health
        assert "disk full" in health["reason"], health
        assert health["degraded_since"] <= time.time()
        cli = subprocess.run([FLUORO_BIN, "health"], capture_output=True, text=True,
                             env=dict(os.environ, FLUORO_URL=f.url), timeout=60)
        assert cli.returncode == 0, "a liveness probe must not restart a full fluoro"
        assert "degraded: disk full" in cli.stderr, cli.stderr
        # Reads go on.
        assert stored_ids(f) == acked
        # A small X-Ray write may still fit (SQLite reuses pages); when it does not, the error is
        # restJson1's own, and UDP segments that cannot be stored are counted, never lost silently.
        doc = segment("during-full", metadata={"default": {"pad": "p" * 50000}})
        status, hdrs, body = f.request("POST", "/TraceSegments",
                                       json.dumps({"TraceSegmentDocuments": [json.dumps(doc)]}).encode())
        assert status in (200, 500), body
        if status == 500:
            assert hdrs.get("Content-Type", "").startswith("application/json"), hdrs
            assert json.loads(body)["message"], body
        f.send_udp(datagram(segment("udp-during-full", metadata={"default": {"pad": "q" * 50000}})))
        st = f.wait_idle(idle_ms=100)
        assert st["idle"], st
        st = f.stats()
        assert st["udp_received_total"] == st["udp_stored_total"] + st["udp_dropped_total"], st

        # Freeing 1 MiB is far less than the WAL: writes must come back all the same.
        wal_when_full = file_size(db + "-wal")
        os.remove(os.path.join(tmpfs, "small"))
        deadline, back = time.time() + 10, False
        k = 100000
        while time.time() < deadline and not back:
            status, out, _ = put(f, k, 1, size=100)
            back = status == 200
            if back:
                acked.add(k)
            else:
                time.sleep(0.25)
            k += 1
        assert back, "writes did not come back after space was freed: %s\n%s" % (
            out, f.read_log()[-2000:])
        assert f.get("/health")["status"] == "ok"
        for i in range(200000, 200010):
            assert put(f, i, 1, size=100)[0] == 200
            acked.add(i)

        # Freeing enough for the whole WAL: it is checkpointed and truncated to nothing.
        os.remove(os.path.join(tmpfs, "big"))
        deadline = time.time() + 10
        # The checkpointer logs the truncation just after it: wait for both, not the size alone.
        while time.time() < deadline and (file_size(db + "-wal") > 0 or
                                          "wal truncated after disk full" not in f.read_log()):
            time.sleep(0.2)
        assert file_size(db + "-wal") == 0, (wal_when_full, file_size(db + "-wal"),
                                             f.read_log()[-2000:])
        assert "wal truncated after disk full" in f.read_log()
        for i in range(300000, 300200, 50):
            assert put(f, i, 50)[0] == 200
            acked.update(range(i, i + 50))
        assert stored_ids(f) == acked
    finally:
        code = f.stop()
    assert code == 0, f.read_log()[-3000:]
    # Everything acknowledged is on disk: a fresh process on the same file sees it all.
    g = Fluoro(["--db", db])
    try:
        assert stored_ids(g) == acked
        assert g.get("/health")["status"] == "ok"
    finally:
        assert g.stop() == 0
