#!/usr/bin/python3
"""End-to-end regex and scan figures for bench/README.md ("Regular expressions and scans"): starts
the given fluoro binary (default build/fluoro) on a fresh database, loads long events with boto3
and times the hostile cases of issue 10. Each call gets `--timeout` seconds (boto3 read timeout);
a case that runs out is reported as such. Peak RSS (VmHWM) is read from /proc after each case.
  bench/run-regex.py [--bin PATH] [--timeout 120]"""
import argparse
import os
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "sdk-tests"))
import conftest  # noqa: E402

ap = argparse.ArgumentParser()
ap.add_argument("--bin", default=conftest.FLUORO_BIN)
ap.add_argument("--timeout", type=int, default=120)
args = ap.parse_args()
conftest.FLUORO_BIN = os.path.abspath(args.bin)

import boto3  # noqa: E402
from botocore.config import Config  # noqa: E402


def hwm_mib(pid):
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return 0


def cpu_s(pid):
    with open("/proc/%d/stat" % pid) as f:
        x = f.read().rsplit(")", 1)[1].split()
    return (int(x[11]) + int(x[12])) / os.sysconf("SC_CLK_TCK")


f = conftest.Fluoro()
logs = boto3.client("logs", endpoint_url=f.url, region_name="us-east-1",
                    aws_access_key_id="t", aws_secret_access_key="t",
                    config=Config(retries={"max_attempts": 1}, read_timeout=args.timeout))


def case(name, fn):
    t0 = time.monotonic()
    try:
        what = fn()
    except Exception as e:  # a timeout or an AWS error is a result too
        what = type(e).__name__ + ": " + str(e)[:80]
    print("%-44s %9.3f s  peak RSS %6.0f MiB  %s" % (name, time.monotonic() - t0,
                                                       hwm_mib(f.proc.pid), what))


def insights(q, group, wait_s):
    now = int(time.time())
    qid = logs.start_query(logGroupName=group, startTime=now - 3600, endTime=now + 60,
                           queryString=q)["queryId"]
    end = time.monotonic() + wait_s
    while time.monotonic() < end:
        r = logs.get_query_results(queryId=qid)
        if r["status"] not in ("Scheduled", "Running"):
            return r["status"]
        time.sleep(0.02)
    logs.stop_query(queryId=qid)
    return "still Running after %ds (stopped)" % wait_s


try:
    base = int(time.time() * 1000) - 600000
    for g in ("/one", "/four", "/stop"):
        logs.create_log_group(logGroupName=g)
        logs.create_log_stream(logGroupName=g, logStreamName="s")
    logs.put_log_events(logGroupName="/one", logStreamName="s",
                        logEvents=[{"timestamp": base, "message": "a" * 160000}])
    logs.put_log_events(logGroupName="/four", logStreamName="s", logEvents=[
        {"timestamp": base + k, "message": "a" * 200000} for k in range(4)])
    for b in range(50):
        logs.put_log_events(logGroupName="/stop", logStreamName="s", logEvents=[
            {"timestamp": base + b * 4 + k, "message": "a" * 200000 + "x%d" % (b * 4 + k)}
            for k in range(4)])
    case("FilterLogEvents %a+c% (1 x 160,000 chars)",
         lambda: len(logs.filter_log_events(logGroupName="/one", filterPattern="%a+c%")["events"]))
    case("FilterLogEvents %a+a+a+a+a+c% (4 x 200,000)",
         lambda: len(logs.filter_log_events(logGroupName="/four",
                                            filterPattern="%a+a+a+a+a+c%")["events"]))
    case("FilterLogEvents %z++...z% (22 +)",
         lambda: len(logs.filter_log_events(logGroupName="/one",
                                            filterPattern="%z" + "+" * 22 + "z%")["events"]))
    case("Insights like /(a+)+$/ (4 x 200,000)",
         lambda: insights("filter @message like /(a+)+$/", "/four", args.timeout))
    case("Insights parse captures (200 x 200,000)",
         lambda: insights("parse @message /(?<x>(a|b)*)(?<y>a*)x/ | stats count(*) by x",
                          "/stop", args.timeout))

    def stop_latency():
        now = int(time.time())
        qid = logs.start_query(logGroupName="/stop", startTime=now - 3600, endTime=now + 60,
                               queryString="parse @message /(?<x>(a|b)*)(?<y>a*)x/ "
                                           "| stats count(*) by x")["queryId"]
        time.sleep(0.5)
        logs.stop_query(queryId=qid)
        t0, c0 = time.monotonic(), cpu_s(f.proc.pid)
        time.sleep(1.0)
        return "CPU used in the 1 s after StopQuery: %.2f s" % (cpu_s(f.proc.pid) - c0)
    case("StopQuery 0.5 s into the captures query", stop_latency)
finally:
    f.stop()
