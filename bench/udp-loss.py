#!/usr/bin/env python3
"""UDP loss accounting (issue 10): the two measurements of the issue, re-run against a fluoro
binary, printing what was sent next to what fluoro counted. A loss is never invisible when
sent == udp_received + udp_dropped_kernel (on loopback nothing is lost before the socket unless
the host's per-CPU backlog overflows, shown as softnet). Usage:
    FLUORO_BIN=build/fluoro bench/udp-loss.py
Scenario "large": 20,000 datagrams of 60 KB at 10,000/s. Scenario "stall": 1 KB datagrams at
20,000/s for 4 s with fluoro stopped (SIGSTOP) for the middle 2 s."""
import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request

BIN = os.environ.get("FLUORO_BIN", "build/fluoro")


def softnet():
    with open("/proc/net/softnet_stat") as fh:
        return sum(int(line.split()[1], 16) for line in fh)


def start():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    d = tempfile.mkdtemp()
    p = subprocess.Popen([BIN, "serve", "--udp-address", "127.0.0.1:%d" % port, "--http-address",
                          "127.0.0.1:%d" % port, "--db", d + "/b.db", "--log-level", "warn"])
    url = "http://127.0.0.1:%d" % port
    for _ in range(100):
        try:
            urllib.request.urlopen(url + "/health")
            break
        except OSError:
            time.sleep(0.1)
    return p, port, url


def get(url):
    with urllib.request.urlopen(url, timeout=120) as r:
        return json.loads(r.read())


def payload(i, size):
    now = time.time()
    doc = {"trace_id": "1-%08x-%024x" % (int(now), i), "id": "%016x" % (i + 1), "name": "loss",
           "start_time": now, "end_time": now + 0.01, "metadata": {"default": {"pad": "x" * size}}}
    return b'{"format":"json","version":1}\n' + json.dumps(doc).encode()


def send_paced(port, payloads, rate):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, 8 << 20)
    t0 = time.perf_counter()
    for i, p in enumerate(payloads):
        while time.perf_counter() - t0 < i / rate:
            pass
        s.sendto(p, ("127.0.0.1", port))
    took = time.perf_counter() - t0
    s.close()
    return took


def run(name, size, n, rate, stall=None):
    p, port, url = start()
    try:
        payloads = [payload(i, size) for i in range(n)]
        sn0 = softnet()
        if stall:
            def stopper():
                time.sleep(stall[0])
                os.kill(p.pid, signal.SIGSTOP)
                time.sleep(stall[1])
                os.kill(p.pid, signal.SIGCONT)
            threading.Thread(target=stopper).start()
        took = send_paced(port, payloads, rate)
        time.sleep(0.1 + (stall[0] + stall[1] if stall else 0))
        w = get(url + "/api/v1/wait?idle_ms=300&timeout_ms=120000")
        st = get(url + "/api/v1/stats")
        rec, kern = st["udp_received_total"], st.get("udp_dropped_kernel_total", 0)
        print("%s: sent=%d in %.1fs (%.0f/s) received=%d stored=%d rejected=%d dropped=%d "
              "dropped_kernel=%d softnet=%d unaccounted=%d wait_idle=%s" % (
                  name, n, took, n / took, rec, st["udp_stored_total"], st["udp_rejected_total"],
                  st["udp_dropped_total"], kern, softnet() - sn0, n - rec - kern, w["idle"]))
    finally:
        p.terminate()
        p.wait()


if __name__ == "__main__":
    run("large", 60000, 20000, 10000)
    run("stall", 1000, 80000, 20000, stall=(1.0, 2.0))
    sys.exit(0)
