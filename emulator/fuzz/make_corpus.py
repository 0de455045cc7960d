#!/usr/bin/env python3
"""Regenerates the small seed corpora in fuzz/corpus/<name>/ from the parser test cases
(tests/cases/*.txt) and the demo fixture, so the fuzzers start from inputs that reach deep into
each parser. Run from emulator/: python3 fuzz/make_corpus.py. Deterministic; keeps each corpus
to a few dozen files."""
import hashlib
import json
import os

HERE = os.path.dirname(os.path.abspath(__file__))
CASES = os.path.join(HERE, "..", "tests", "cases")
DEMO = os.path.join(HERE, "..", "..", "fixtures", "demo.jsonl")
LIMIT = 40


def cases(name):
    """Blocks of non-comment lines separated by blank lines."""
    block = []
    with open(os.path.join(CASES, name), encoding="utf-8") as fh:
        for line in fh.read().split("\n"):
            if line.startswith("#"):
                continue
            if line.strip() == "" and block:
                yield block
                block = []
            elif line.strip() != "" or block:
                block.append(line)
    if block:
        yield block


def spread(items, limit=LIMIT):
    """At most limit items, evenly spaced so every section of the cases is represented."""
    if len(items) <= limit:
        return items
    step = len(items) / limit
    return [items[int(i * step)] for i in range(limit)]


def write(name, seeds):
    out = os.path.join(HERE, "corpus", name)
    os.makedirs(out, exist_ok=True)
    for f in os.listdir(out):
        os.remove(os.path.join(out, f))
    for s in spread(seeds):
        data = s.encode("utf-8") if isinstance(s, str) else s
        with open(os.path.join(out, hashlib.sha1(data).hexdigest()[:16]), "wb") as fh:
            fh.write(data)


def main():
    fexpr = [b[0] for b in cases("fexpr.txt") if not b[0].startswith("%%")]
    fexpr += [b[1] for b in cases("fexpr.txt") if b[0] == "%%FAIL" and len(b) > 1]
    write("fexpr", fexpr)

    fpattern = []
    for b in cases("fpattern.txt"):
        pat = b[1] if b[0] == "%%FAIL" and len(b) > 1 else ("" if b[0] == "%%EMPTY" else b[0])
        msgs = [l[2:] for l in b[1:] if l[:2] in ("+ ", "- ")]
        fpattern.append("\n".join([pat] + msgs))
    write("fpattern", fpattern)

    events, insights = [], []
    for b in cases("insights.txt"):
        for l in b:
            if l.startswith("%%EVENT "):
                events.append(l.split(" ", 3)[3])
        q = b[1] if b[0] == "%%FAIL" and len(b) > 1 else b[0]
        if not q.startswith("%%"):
            insights.append(q)
    write("insights", ["\n".join([q] + events) for q in insights])

    header = '{"format":"json","version":1}'
    docs = []
    with open(DEMO, encoding="utf-8") as fh:
        for line in fh:
            d = json.loads(line)
            if "trace_id" in d:
                docs.append(json.dumps(d, separators=(",", ":")))
    seg = [header + "\n" + d for d in spread(docs, 30)]
    seg += ['{"format": "json", "version": 1}\n' + docs[0], docs[1],
            header + "\n" + '{"trace_id":"1-5f84c7a0-0123456789abcdef01234567","id":'
            '"0123456789abcdef","name":"x","start_time":1,"in_progress":true}',
            header + "\n" + '{"type":"subsegment","trace_id":"1-5f84c7a0-0123456789abcdef01234567",'
            '"id":"1123456789abcdef","parent_id":"0123456789abcdef","name":"s","start_time":1,'
            '"end_time":2,"namespace":"aws","aws":{"operation":"GetItem"}}']
    write("segment", seg)

    ev = lambda ts, m: {"timestamp": ts, "message": m}
    bodies = [
        {"logGroupName": "g", "logStreamName": "s", "logEvents": [ev(1700000000000, "hello")]},
        {"logGroupName": "g", "logStreamName": "s", "sequenceToken": "1",
         "logEvents": [ev(1700000000000 + i, "line %d \\u00e9\u00e9 \"q\"" % i) for i in range(5)]},
        {"logEvents": [ev(1, "")], "logGroupName": "/aws/lambda/f", "logStreamName": "2024/01/01"},
        {"logGroupName": "g", "logStreamName": "s", "logEvents": [ev(-1, "\t\n\u2028")]},
        {"logGroupName": "g", "logStreamName": "s", "logEvents": []},
    ]
    write("logs_putjson", [json.dumps(b) for b in bodies] +
          ['{"logGroupName":"g","logStreamName":"s","logEvents":[{"timestamp":1,"message":"a",'
           '"timestamp":2}]}', '{"logGroupName":"g","logEvents":[{"message":"\\ud83d\\ude00",'
           '"timestamp":1.5e3}]}'])


if __name__ == "__main__":
    main()
