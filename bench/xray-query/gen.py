#!/usr/bin/env python3
"""Writes X-Ray fixture lines (docs/fixtures.md) for the query benchmark: TRACES traces of four
segment documents each (frontend -> HTTP orders -> HTTP payments, orders -> HTTP inventory, with
DynamoDB and SNS subsegments), spread evenly over the last HOURS hours. Deterministic (seeded).
Every trace carries annotation customer = "c-<n>" with n in 0..9999, so
`annotation.customer = "c-42"` selects 1 trace in 10,000; 1% of payments segments fault.
Usage: gen.py TRACES HOURS > segments.jsonl"""
import json
import random
import sys
import time

traces = int(sys.argv[1]) if len(sys.argv) > 1 else 250000
hours = float(sys.argv[2]) if len(sys.argv) > 2 else 12
rng = random.Random(42)
end = time.time() - 60
start = end - hours * 3600
out = sys.stdout
hexd = "0123456789abcdef"


def hid(n):
    return "".join(rng.choice(hexd) for _ in range(n))


for i in range(traces):
    t = start + (end - start) * i / traces
    tid = "1-%08x-%s" % (int(t), hid(24))
    fault = rng.random() < 0.01
    ids = [hid(16) for _ in range(8)]
    status = 500 if fault else 200
    call_orders = {"id": ids[4], "name": "orders", "namespace": "remote", "start_time": t + 0.002,
                   "end_time": t + 0.08, "http": {"request": {"method": "POST",
                                                              "url": "http://orders/o"},
                                                  "response": {"status": status}}}
    front = {"trace_id": tid, "id": ids[0], "name": "frontend", "start_time": t,
             "end_time": t + 0.09, "fault": fault or None,
             "http": {"request": {"method": "GET", "url": "http://shop/checkout",
                                  "client_ip": "10.0.0.%d" % (i % 250)},
                      "response": {"status": status}},
             "annotations": {"customer": "c-%d" % rng.randrange(10000), "tier": i % 3},
             "user": "u%d" % (i % 5000), "subsegments": [call_orders]}
    call_pay = {"id": ids[5], "name": "payments", "namespace": "remote", "start_time": t + 0.01,
                "end_time": t + 0.06, "http": {"request": {"method": "POST",
                                                           "url": "http://payments/p"},
                                               "response": {"status": status}}}
    call_inv = {"id": ids[6], "name": "inventory", "namespace": "remote",
                "start_time": t + 0.062, "end_time": t + 0.075,
                "http": {"request": {"method": "GET", "url": "http://inventory/i"},
                         "response": {"status": 200}}}
    ddb = {"id": ids[7], "name": "DynamoDB", "namespace": "aws", "start_time": t + 0.005,
           "end_time": t + 0.009, "aws": {"operation": "PutItem", "table_name": "orders"},
           "http": {"response": {"status": 200}}}
    orders = {"trace_id": tid, "id": ids[1], "parent_id": ids[4], "name": "orders",
              "start_time": t + 0.003, "end_time": t + 0.078, "fault": fault or None,
              "http": {"response": {"status": status}}, "subsegments": [ddb, call_pay, call_inv]}
    pay = {"trace_id": tid, "id": ids[2], "parent_id": ids[5], "name": "payments",
           "start_time": t + 0.011, "end_time": t + 0.058, "fault": fault or None,
           "http": {"response": {"status": status}},
           "subsegments": [{"id": hid(16), "name": "SNS", "namespace": "aws",
                            "start_time": t + 0.02, "end_time": t + 0.03,
                            "aws": {"operation": "Publish"},
                            "http": {"response": {"status": 200}}}]}
    inv = {"trace_id": tid, "id": ids[3], "parent_id": ids[6], "name": "inventory",
           "start_time": t + 0.063, "end_time": t + 0.074, "http": {"response": {"status": 200}}}
    for d in (front, orders, pay, inv):
        out.write(json.dumps({k: v for k, v in d.items() if v is not None},
                             separators=(",", ":")) + "\n")
