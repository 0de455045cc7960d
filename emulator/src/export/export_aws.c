/*
 * export_aws.c - the AWS-shaped exporters' requests (export_int.h), on the exporter thread:
 * X-Ray PutTraceSegments with the documents exactly as they were received, at most
 * XRAY_BATCH_DOCS per request (reference/xray-api.md, like the X-Ray daemon), and CloudWatch
 * Logs PutLogEvents under AWS's batch rules (reference/logs-api.md): one stream per call, at
 * most 10,000 events and 1,048,576 bytes counting 26 bytes per event, events in timestamp order
 * spanning at most 24 hours. Also what a 2xx answer still refuses (partial rejects).
 */
#include <stdlib.h>
#include <string.h>

#include "export_int.h"
#include "logs_chunk.h"

#define XRAY_BATCH_DOCS 50
#define LOGS_BATCH_EVENTS 10000
#define LOGS_BATCH_BYTES 1048576
#define LOGS_EVENT_OVERHEAD 26
#define LOGS_BATCH_SPAN_MS INT64_C(86400000)

static int finish_json(struct export_req *q, json_t *body)
{
    q->body = json_dumps(body, JSON_COMPACT);
    json_decref(body);
    if (!q->body) {
        return ERR_INTERNAL;
    }
    q->len = strlen(q->body);
    return 0;
}

int export_xray_build(struct export_target *t, const struct export_batch *b,
                      struct export_reqs *out)
{
    for (size_t i = 0; i < b->nsegs; i += XRAY_BATCH_DOCS) {
        size_t n = b->nsegs - i < XRAY_BATCH_DOCS ? b->nsegs - i : XRAY_BATCH_DOCS;
        json_t *docs = json_array();
        for (size_t k = 0; k < n; k++) {
            const struct export_seg *s = &b->segs[i + k];
            json_array_append_new(docs, json_stringn(s->doc, s->len));
        }
        struct export_req *q = export_req_new(t, out, "/TraceSegments", "application/json");
        q->items = n;
        if (finish_json(q, json_pack("{s:o}", "TraceSegmentDocuments", docs)) < 0) {
            return ERR_INTERNAL;
        }
    }
    return 0;
}

/* A PutLogEvents being filled: one stream, and the running totals the batch rules bound. */
struct logs_batch {
    const struct export_chunk *chunk; /* the stream's chunk that opened it */
    json_t *events;
    size_t bytes;
    int64_t first_ts, last_ts;
};

static int close_batch(struct export_target *t, struct logs_batch *lb, struct export_reqs *out)
{
    if (!lb->events) {
        return 0;
    }
    struct export_req *q = export_req_new(t, out, "", "application/x-amz-json-1.1");
    q->headers = curl_slist_append(q->headers, "X-Amz-Target: Logs_20140328.PutLogEvents");
    q->items = json_array_size(lb->events);
    q->log_group = xstrdup(lb->chunk->group);
    q->log_stream = xstrdup(lb->chunk->stream);
    json_t *body = json_pack("{s:s, s:s, s:o}", "logGroupName", lb->chunk->group, "logStreamName",
                             lb->chunk->stream, "logEvents", lb->events);
    lb->events = NULL;
    return finish_json(q, body);
}

static bool fits(const struct logs_batch *lb, const struct export_chunk *c, int64_t ts, size_t len)
{
    return lb->events && strcmp(lb->chunk->group, c->group) == 0 &&
           strcmp(lb->chunk->stream, c->stream) == 0 &&
           json_array_size(lb->events) < LOGS_BATCH_EVENTS &&
           lb->bytes + len + LOGS_EVENT_OVERHEAD <= LOGS_BATCH_BYTES && ts >= lb->last_ts &&
           ts - lb->first_ts <= LOGS_BATCH_SPAN_MS;
}

int export_logs_build(struct export_target *t, const struct export_batch *b,
                      struct export_reqs *out)
{
    struct logs_batch lb = {0};
    struct logs_chunk_event *ev = NULL;
    int rc = 0;
    for (size_t i = 0; i < b->nchunks && rc == 0; i++) {
        const struct export_chunk *c = &b->chunks[i];
        ev = xrealloc(ev, (c->count ? c->count : 1) * sizeof(*ev));
        int64_t n = logs_chunk_decode(c->data, c->data_len, c->min_ts, ev, c->count);
        if (n < 0) {
            /* Logged where the chunk is read for queries too; counted, never retried. */
            METRIC_ADD(exporters[t->id].rejected[METRICS_EXPORT_REJECT_INVALID], c->count);
            continue;
        }
        for (int64_t k = 0; k < n && rc == 0; k++) {
            if (!fits(&lb, c, ev[k].ts, ev[k].len)) {
                rc = close_batch(t, &lb, out);
                lb = (struct logs_batch){.chunk = c, .events = json_array(), .first_ts = ev[k].ts};
            }
            json_array_append_new(lb.events,
                                  json_pack("{s:I, s:s%}", "timestamp", (json_int_t)ev[k].ts,
                                            "message", ev[k].message, ev[k].len));
            lb.bytes += ev[k].len + LOGS_EVENT_OVERHEAD;
            lb.last_ts = ev[k].ts;
        }
    }
    if (rc == 0) {
        rc = close_batch(t, &lb, out);
    }
    json_decref(lb.events);
    free(ev);
    return rc;
}

static json_int_t index_of(json_t *info, const char *key, json_int_t dflt)
{
    json_t *v = json_object_get(info, key);
    return json_is_integer(v) ? json_integer_value(v) : dflt;
}

uint64_t export_partial_rejects(enum metrics_exporter id, const struct export_req *r)
{
    if (!r->resp.data || r->resp.len == 0) {
        return 0;
    }
    if (id == METRICS_EXPORTER_OTLP_TRACES || id == METRICS_EXPORTER_OTLP_LOGS) {
        return export_otlp_partial(id, r);
    }
    json_t *body = json_loadb(r->resp.data, r->resp.len, 0, NULL);
    uint64_t n = 0;
    if (id == METRICS_EXPORTER_XRAY) {
        n = json_array_size(json_object_get(body, "UnprocessedTraceSegments"));
    } else {
        /* rejectedLogEventsInfo: a leading run too old or expired, a trailing run too new. */
        json_t *info = json_object_get(body, "rejectedLogEventsInfo");
        json_int_t items = (json_int_t)r->items;
        json_int_t old = index_of(info, "tooOldLogEventEndIndex", -1);
        json_int_t expired = index_of(info, "expiredLogEventEndIndex", -1);
        json_int_t lead = (old > expired ? old : expired) + 1;
        json_int_t tail_start = index_of(info, "tooNewLogEventStartIndex", items);
        json_int_t total = lead + (items - tail_start);
        n = total < 0 ? 0 : (uint64_t)total;
    }
    json_decref(body);
    return n;
}
