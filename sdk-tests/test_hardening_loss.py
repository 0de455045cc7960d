"""Every lost datagram is counted (issue 10): the kernel's own drops when the socket buffer
overflows (udp_dropped_kernel, read from the socket's drop counter), drops when the ingest queue
is full by bytes (udp_dropped, --queue-bytes), and /api/v1/wait never answering "idle" while
datagrams are still unread in the socket, reporting the loss counters with its answer."""
import json
import os
import signal
import socket
import subprocess
import time

from conftest import FLUORO_BIN, datagram, free_port, metric, segment


def books(st):
    return (st["udp_received_total"], st["udp_stored_total"], st["udp_rejected_total"],
            st["udp_dropped_total"])


def assert_books_balance(st):
    received, stored, rejected, dropped = books(st)
    assert received == stored + rejected + dropped, st


def blast(f, payloads):
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, 4 << 20)
        for p in payloads:
            s.sendto(p, f.udp)


def softnet_dropped():
    """Packets the kernel dropped before any socket (per-CPU backlog full): loopback traffic can
    be lost there too, and no socket counter sees it."""
    total = 0
    with open("/proc/net/softnet_stat") as fh:
        for line in fh:
            total += int(line.split()[1], 16)
    return total



def blast_while_stopped(f, payloads):
    """Sends payloads while fluoro is stopped (SIGSTOP), so they pile up in its socket buffer;
    returns how many the host's backlog dropped before they reached any socket."""
    backlog_before = softnet_dropped()
    os.kill(f.proc.pid, signal.SIGSTOP)
    try:
        blast(f, payloads)
    finally:
        os.kill(f.proc.pid, signal.SIGCONT)
    return softnet_dropped() - backlog_before

def test_kernel_drops_are_counted_when_the_process_is_stalled(fluoro_factory):
    f = fluoro_factory()
    before = f.stats()
    assert before["udp_dropped_kernel_total"] == 0
    rcvbuf = before["udp_receive_buffer_bytes"]
    # 8 KB documents: the socket buffer holds at most rcvbuf / 8 KB of them, so sending three
    # times that many while fluoro is stopped must overflow it.
    pad = "x" * 8000
    n = max(3000, 3 * rcvbuf // 8000)
    payloads = [datagram(segment("stall", metadata={"default": {"pad": pad}})) for _ in range(n)]
    backlog_lost = blast_while_stopped(f, payloads)
    w = f.wait_idle(idle_ms=200, timeout_ms=60000)
    assert w["idle"], w
    st = f.stats()
    kernel = st["udp_dropped_kernel_total"]
    assert kernel > 0, st
    # wait reports the counters it decided on, refreshed from the kernel before answering.
    assert w["udp_dropped_kernel"] == kernel, (w, st)
    assert w["udp_received"] == st["udp_received_total"]
    assert w["udp_dropped"] == st["udp_dropped_total"]
    assert_books_balance(st)
    # Every datagram that reached the socket is either received or counted as a kernel drop.
    received = st["udp_received_total"]
    assert n - backlog_lost <= received + kernel <= n, (n, backlog_lost, st)
    assert st["udp_stored_total"] == received - st["udp_dropped_total"]
    assert metric(f, "fluoro_udp_dropped_kernel_total") == kernel
    # The CLI's wait succeeds (idle) but says what was lost.
    cli = subprocess.run([FLUORO_BIN, "wait", "--idle", "100ms"], capture_output=True, text=True,
                         env=dict(os.environ, FLUORO_URL=f.url), timeout=60)
    assert cli.returncode == 0, cli.stderr
    assert "udp_dropped_kernel=%d" % kernel in cli.stderr, cli.stderr
    # The counters are final: nothing was left unread when wait said idle.
    time.sleep(1.2)
    again = f.stats()
    assert books(again) == books(st)
    assert again["udp_dropped_kernel_total"] == kernel


def test_wait_is_not_idle_while_datagrams_wait_in_the_socket(fluoro_factory):
    f = fluoro_factory()
    n = 3000
    payloads = [datagram(segment("unread")) for _ in range(n)]
    backlog_lost = blast_while_stopped(f, payloads)
    # idle_ms=0: the only thing between the call and "idle" is what is still unread or queued.
    w = f.wait_idle(idle_ms=0, timeout_ms=60000)
    assert w["idle"], w
    st = f.stats()
    assert w["udp_received"] == st["udp_received_total"], (w, st)
    assert n - backlog_lost <= st["udp_received_total"] + st["udp_dropped_kernel_total"] <= n, st
    time.sleep(0.5)
    assert books(f.stats()) == books(st)


def test_queue_full_by_bytes_drops_and_counts(fluoro_factory):
    f = fluoro_factory(["--queue-bytes", "64KiB"])
    st = f.stats()
    assert st["queue_capacity_bytes"] == 65536
    # 60 KB documents: the queue holds one at a time (queued or being applied), so a burst
    # must overflow it by bytes although it is far below --queue-size in datagrams.
    pad = "y" * 60000
    n = 200
    payloads = [datagram(segment("big", metadata={"default": {"pad": pad}})) for _ in range(n)]
    assert all(len(p) < 65507 for p in payloads)
    blast(f, payloads)
    w = f.wait_idle(idle_ms=300, timeout_ms=60000)
    assert w["idle"], w
    st = f.stats()
    assert_books_balance(st)
    received, stored, rejected, dropped = books(st)
    assert dropped > 0, st
    assert stored > 0 and rejected == 0, st
    assert received + st["udp_dropped_kernel_total"] <= n
    assert w["udp_dropped"] == dropped
    assert st["queue_bytes"] == 0, st
    assert metric(f, "fluoro_udp_dropped_total") == dropped
    assert st["segments"] == stored


def test_default_queue_holds_a_burst_of_large_datagrams(fluoro_factory):
    f = fluoro_factory()
    assert f.stats()["queue_capacity_bytes"] == 256 * 1024 * 1024
    pad = "z" * 60000
    payloads = [datagram(segment("big", metadata={"default": {"pad": pad}})) for _ in range(50)]
    blast(f, payloads)
    assert f.wait_idle(idle_ms=300, timeout_ms=60000)["idle"]
    st = f.stats()
    assert_books_balance(st)
    assert st["udp_dropped_total"] == 0, st
    assert st["udp_received_total"] + st["udp_dropped_kernel_total"] == 50


def test_queue_bytes_below_one_datagram_is_refused():
    port = free_port()
    for args, env in (([("--queue-bytes"), "1000"], {}), ([], {"FLUORO_QUEUE_BYTES": "10KB"})):
        p = subprocess.run([FLUORO_BIN, "serve", "--udp-address", "127.0.0.1:%d" % port,
                            "--http-address", "127.0.0.1:%d" % port] + args,
                           env=dict(os.environ, **env), capture_output=True, timeout=30)
        assert p.returncode != 0
        assert b"less than 64KiB" in p.stderr, p.stderr


def test_stats_and_metrics_name_every_loss_counter(fluoro):
    st = fluoro.stats()
    for key in ("udp_dropped_total", "udp_dropped_kernel_total", "queue_bytes",
                "queue_capacity_bytes"):
        assert key in st, st
    cli = subprocess.run([FLUORO_BIN, "wait", "--idle", "100ms"], capture_output=True, text=True,
                         env=dict(os.environ, FLUORO_URL=fluoro.url), timeout=60)
    assert cli.returncode == 0 and "lost" not in cli.stderr, cli.stderr
    text = fluoro.get("/metrics")
    assert "# TYPE fluoro_udp_dropped_kernel_total counter" in text
    w = fluoro.wait_idle()
    assert {"udp_received", "udp_dropped", "udp_dropped_kernel"} <= set(w), json.dumps(w)
