/*
 * otlp_ingest.c - ExportTraceServiceRequest -> validated segments + kept spans (see
 * otlp_ingest.h). Translation and validation run on the receiving thread; only
 * otlp_batch_store() runs on the writer. A span is accepted whole or refused whole: when any of
 * its documents breaks X-Ray's rules none of them is kept, and it counts once as rejected.
 */
#include "otlp_ingest.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "jarena.h"
#include "jx.h"
#include "logs_db.h"
#include "metrics.h"
#include "xray_ingest.h"

static const char *const span_kinds[] = {"UNSPECIFIED", "INTERNAL", "SERVER",
                                         "CLIENT",      "PRODUCER", "CONSUMER"};
static const char *const status_codes[] = {"UNSET", "OK", "ERROR"};

size_t otlp_count_spans(const OTLP_TRACE_REQ *req)
{
    size_t n = 0;
    for (size_t i = 0; i < req->n_resource_spans; i++) {
        const OTLP_RESOURCE_SPANS *rs = req->resource_spans[i];
        for (size_t k = 0; k < rs->n_scope_spans; k++) {
            n += rs->scope_spans[k]->n_spans;
        }
    }
    return n;
}

/* AWS's time rules for one span start relative to now (epoch seconds): TOO_NEW, TOO_OLD, or
 * OTLP_SPAN_REJECT_COUNT when the span passes. The one place the window is decided. */
static enum otlp_span_reject start_time_rule(uint64_t start_unix_nano, double now)
{
    double start = (double)start_unix_nano / 1e9;
    return start > now + OTLP_MAX_FUTURE_S ? OTLP_SPAN_REJECT_TOO_NEW
           : start < now - OTLP_MAX_PAST_S ? OTLP_SPAN_REJECT_TOO_OLD
                                           : OTLP_SPAN_REJECT_COUNT;
}

double otlp_start_gap(const OTLP_TRACE_REQ *req, double now)
{
    uint64_t lo = UINT64_MAX, hi = 0;
    for (size_t i = 0; i < req->n_resource_spans; i++) {
        const OTLP_RESOURCE_SPANS *rs = req->resource_spans[i];
        for (size_t k = 0; k < rs->n_scope_spans; k++) {
            const OTLP_SCOPE_SPANS *ss = rs->scope_spans[k];
            for (size_t s = 0; s < ss->n_spans; s++) {
                uint64_t t = ss->spans[s]->start_time_unix_nano;
                if (start_time_rule(t, now) != OTLP_SPAN_REJECT_COUNT) {
                    continue;
                }
                lo = t < lo ? t : lo;
                hi = t > hi ? t : hi;
            }
        }
    }
    return hi > lo ? (double)(hi - lo) / 1e9 : 0;
}

void otlp_batch_reject(struct otlp_batch *b, enum otlp_span_reject reason, size_t n,
                       const char *detail)
{
    b->rejected += n;
    b->rejected_by[reason] += (unsigned)n;
    METRIC_ADD(otlp_spans_rejected[reason], n);
    if (!b->first_error[0] && detail) {
        size_t len = strnlen(detail, sizeof(b->first_error) - 1);
        memcpy(b->first_error, detail, len);
        b->first_error[len] = 0;
    }
}

static json_t *attrs_object(OTLP_KV *const *kvs, size_t n)
{
    json_t *o = json_object();
    for (size_t i = 0; i < n; i++) {
        if (kvs[i]->key) {
            json_object_set_new(o, kvs[i]->key, otlp_any_json(kvs[i]->value));
        }
    }
    return o;
}

static json_t *hex_or_null(const ProtobufCBinaryData *b)
{
    if (!b->len) {
        return NULL;
    }
    char *h = otlp_hex_encode(b->data, b->len);
    json_t *s = json_string(h);
    free(h);
    return s;
}

static json_t *resource_json(const OTLP_RESOURCE *res)
{
    return json_pack("{s:o}", "attributes",
                     attrs_object(res ? res->attributes : NULL, res ? res->n_attributes : 0));
}

/* The span's own members, without the resource and scope it shares with its neighbours. */
static json_t *span_body(const OTLP_SPAN *span)
{
    json_t *o = json_object();
    json_object_set_new(o, "traceId", hex_or_null(&span->trace_id));
    json_object_set_new(o, "spanId", hex_or_null(&span->span_id));
    json_t *parent = hex_or_null(&span->parent_span_id);
    if (parent) {
        json_object_set_new(o, "parentSpanId", parent);
    }
    if (span->trace_state && *span->trace_state) {
        json_object_set_new(o, "traceState", json_string(span->trace_state));
    }
    json_object_set_new(o, "flags", json_integer(span->flags));
    json_t *name = json_string(span->name ? span->name : "");
    json_object_set_new(o, "name", name ? name : json_string(""));
    unsigned kind = (unsigned)span->kind;
    json_object_set_new(
        o, "kind", json_string(kind < ARRAY_LEN(span_kinds) ? span_kinds[kind] : "UNSPECIFIED"));
    json_object_set_new(o, "startTimeUnixNano",
                        json_integer((json_int_t)span->start_time_unix_nano));
    json_object_set_new(o, "endTimeUnixNano", json_integer((json_int_t)span->end_time_unix_nano));
    json_object_set_new(
        o, "durationNano",
        json_integer((json_int_t)(span->end_time_unix_nano - span->start_time_unix_nano)));
    json_object_set_new(o, "attributes", attrs_object(span->attributes, span->n_attributes));
    json_t *status = json_object();
    unsigned code = span->status ? (unsigned)span->status->code : 0;
    json_object_set_new(status, "code",
                        json_string(code < ARRAY_LEN(status_codes) ? status_codes[code] : "UNSET"));
    if (span->status && span->status->message && *span->status->message) {
        json_object_set_new(status, "message", json_string(span->status->message));
    }
    json_object_set_new(o, "status", status);
    if (span->n_events) {
        json_t *events = json_array();
        for (size_t i = 0; i < span->n_events; i++) {
            const OTLP_EVENT *e = span->events[i];
            json_array_append_new(events,
                                  json_pack("{s:s?, s:I, s:o}", "name", e->name, "timeUnixNano",
                                            (json_int_t)e->time_unix_nano, "attributes",
                                            attrs_object(e->attributes, e->n_attributes)));
        }
        json_object_set_new(o, "events", events);
    }
    if (span->n_links) {
        json_t *links = json_array();
        for (size_t i = 0; i < span->n_links; i++) {
            const OTLP_LINK *l = span->links[i];
            json_t *link =
                json_pack("{s:o, s:o}", "attributes", attrs_object(l->attributes, l->n_attributes),
                          "flags", json_integer(l->flags));
            json_t *t = hex_or_null(&l->trace_id), *s = hex_or_null(&l->span_id);
            if (t) {
                json_object_set_new(link, "traceId", t);
            }
            if (s) {
                json_object_set_new(link, "spanId", s);
            }
            json_array_append_new(links, link);
        }
        json_object_set_new(o, "links", links);
    }
    return o;
}

json_t *otlp_span_json(const OTLP_SPAN *span, const OTLP_RESOURCE *res, const OTLP_SCOPE *scope)
{
    json_t *o = json_object(), *body = span_body(span);
    json_object_set_new(o, "resource", resource_json(res));
    json_object_set_new(o, "scope", otlp_scope_json(scope));
    json_object_update(o, body);
    json_decref(body);
    return o;
}

/* '{"resource":…,"scope":…,' once per scope's spans: the same text otlp_span_json() would start
 * each of them with, so a kept span is its prefix and its own members (a third of the JSON
 * building and dumping per span, when the resource carries the usual dozen attributes). */
static char *span_prefix(const OTLP_RESOURCE *res, const OTLP_SCOPE *scope)
{
    json_t *r = resource_json(res), *sc = otlp_scope_json(scope);
    char *rt = jx_dumps(r), *st = jx_dumps(sc);
    char *out = xasprintf("{\"resource\":%s,\"scope\":%s,", rt ? rt : "{}", st ? st : "{}");
    free(rt);
    free(st);
    json_decref(r);
    json_decref(sc);
    return out;
}

/* Checks AWS's per-span rules; returns true when the span may be translated. */
static bool span_allowed(struct otlp_batch *b, const OTLP_SPAN *span, double now)
{
    char detail[160];
    enum otlp_span_reject time_rule = start_time_rule(span->start_time_unix_nano, now);
    if (time_rule != OTLP_SPAN_REJECT_COUNT) {
        snprintf(detail, sizeof(detail), "span %s starts more than %s",
                 span->name ? span->name : "",
                 time_rule == OTLP_SPAN_REJECT_TOO_NEW ? "2 hours in the future"
                                                       : "14 days in the past");
        otlp_batch_reject(b, time_rule, 1, detail);
        return false;
    }
    size_t size = protobuf_c_message_get_packed_size(&span->base);
    if (size > OTLP_MAX_SPAN_BYTES) {
        snprintf(detail, sizeof(detail), "span %s is %zu bytes (at most %d)",
                 span->name ? span->name : "", size, OTLP_MAX_SPAN_BYTES);
        otlp_batch_reject(b, OTLP_SPAN_REJECT_TOO_LARGE, 1, detail);
        return false;
    }
    return true;
}

static void keep_span(struct otlp_batch *b, const OTLP_SPAN *span, const char *prefix,
                      const char *trace_id)
{
    if (b->nspans == b->spancap) {
        b->spancap = b->spancap ? b->spancap * 2 : 16;
        b->spans = xrealloc(b->spans, b->spancap * sizeof(*b->spans));
    }
    struct otlp_span_row *row = &b->spans[b->nspans++];
    snprintf(row->trace_id, sizeof(row->trace_id), "%s", trace_id);
    row->start_time = (double)span->start_time_unix_nano / 1e9;
    struct jx_out o = {0};
    jx_raw(&o, prefix, strlen(prefix));
    if (otlp_span_text(&o, span) == 0) {
        row->json = jx_steal(&o);
        return;
    }
    /* Something jansson drops or merges: its own path is the reference. */
    jx_fini(&o);
    json_t *j = span_body(span);
    char *own = jx_dumps(j); /* '{"traceId":…}', never empty */
    row->json = own ? xasprintf("%s%s", prefix, own + 1) : NULL;
    free(own);
    json_decref(j);
}

/* Translates and validates one span; on success its documents join b->segs. */
static void add_span(struct otlp_batch *b, const OTLP_SPAN *span, const OTLP_RESOURCE *res,
                     const struct otlp_xray_opts *opts, double now, const char *prefix)
{
    struct errbuf err = {{0}, -1};
    if (!span_allowed(b, span, now)) {
        return;
    }
    json_t *docs = json_array();
    if (otlp_xray_translate(span, res, opts, docs, &err) < 0) {
        otlp_batch_reject(b, OTLP_SPAN_REJECT_BAD_ID, 1, err.msg);
        json_decref(docs);
        return;
    }
    size_t first = b->nsegs, i;
    json_t *doc;
    json_array_foreach(docs, i, doc)
    {
        if (b->nsegs == b->segcap) {
            b->segcap = b->segcap ? b->segcap * 2 : 16;
            b->segs = xrealloc(b->segs, b->segcap * sizeof(*b->segs));
            b->texts = xrealloc(b->texts, b->segcap * sizeof(*b->texts));
        }
        if (segment_validate(doc, &b->segs[b->nsegs], &err) != SEGMENT_OK) {
            while (b->nsegs > first) {
                segment_fini(&b->segs[--b->nsegs]);
                free(b->texts[b->nsegs]);
            }
            char detail[320];
            snprintf(detail, sizeof(detail), "span %.40s: %s", span->name ? span->name : "",
                     err.msg);
            otlp_batch_reject(b, OTLP_SPAN_REJECT_BAD_SEGMENT, 1, detail);
            json_decref(docs);
            return;
        }
        b->texts[b->nsegs++] = jx_dumps(doc);
    }
    json_decref(docs);
    if (b->nsegs == first) {
        /* Only when a document could not even be built (text that is not UTF-8). */
        otlp_batch_reject(b, OTLP_SPAN_REJECT_BAD_SEGMENT, 1,
                          "the span holds text that is not UTF-8");
        return;
    }
    b->accepted++;
    if (prefix) {
        keep_span(b, span, prefix, b->segs[first].trace_id);
    }
}

static int cmp_row_time(const void *a, const void *b)
{
    const struct otlp_span_row *x = *(struct otlp_span_row *const *)a;
    const struct otlp_span_row *y = *(struct otlp_span_row *const *)b;
    return x->start_time < y->start_time ? -1 : x->start_time > y->start_time;
}

/* Packs the kept spans as log events (oldest first, as chunks require), each linked to its
 * trace in X-Ray form so the trace shows its spans' events like any log line of the trace. */
static void pack_spans_log(struct otlp_batch *b)
{
    struct otlp_span_row **rows = xcalloc(b->nspans + 1, sizeof(*rows));
    struct logs_db_event *ev = xcalloc(b->nspans + 1, sizeof(*ev));
    size_t n = 0;
    for (size_t i = 0; i < b->nspans; i++) {
        if (b->spans[i].json) {
            rows[n++] = &b->spans[i];
        }
    }
    qsort(rows, n, sizeof(*rows), cmp_row_time);
    for (size_t i = 0; i < n; i++) {
        ev[i] = (struct logs_db_event){(int64_t)(rows[i]->start_time * 1000), rows[i]->json,
                                       strlen(rows[i]->json)};
    }
    logs_chunk_pack_init(&b->spans_log, ev, n);
    size_t k = 0;
    for (size_t c = 0; c < b->spans_log.n; c++) {
        struct logs_chunk *ch = &b->spans_log.chunks[c];
        for (uint32_t idx = 0; idx < ch->count; idx++, k++) {
            logs_chunk_link_trace(ch, idx, ev[k].ts, rows[k]->trace_id);
        }
    }
    free(rows);
    free(ev);
}

/* The translated documents are built in the batch's own arena: the writer and its pool only
 * read them (and drop their references before the batch's caller is woken), so when the arena
 * held them all, otlp_batch_fini frees them in one go instead of walking every tree (the walk
 * and the per-value malloc/free were about a tenth of fluoro's CPU on OTLP ingest). */
void otlp_batch_add(struct otlp_batch *b, const OTLP_TRACE_REQ *req, double now,
                    const struct otlp_xray_opts *opts, bool keep_spans)
{
    if (!b->arena) {
        b->arena = jarena_new();
    }
    struct jarena *outer = jarena_use(b->arena);
    for (size_t i = 0; i < req->n_resource_spans; i++) {
        const OTLP_RESOURCE_SPANS *rs = req->resource_spans[i];
        for (size_t k = 0; k < rs->n_scope_spans; k++) {
            const OTLP_SCOPE_SPANS *ss = rs->scope_spans[k];
            char *prefix = keep_spans && ss->n_spans ? span_prefix(rs->resource, ss->scope) : NULL;
            for (size_t s = 0; s < ss->n_spans; s++) {
                add_span(b, ss->spans[s], rs->resource, opts, now, prefix);
            }
            free(prefix);
        }
    }
    jarena_use(outer);
    if (keep_spans && b->nspans) {
        pack_spans_log(b);
    }
}

void otlp_batch_fini(struct otlp_batch *b)
{
    bool arena_holds_all = b->arena && jarena_pure(b->arena);
    for (size_t i = 0; i < b->nsegs; i++) {
        if (arena_holds_all) {
            b->segs[i].doc = NULL;
        } else {
            segment_fini(&b->segs[i]);
        }
        free(b->texts[i]);
    }
    free(b->texts);
    for (size_t i = 0; i < b->nspans; i++) {
        free(b->spans[i].json);
    }
    free(b->segs);
    free(b->spans);
    logs_chunk_pack_fini(&b->spans_log);
    jarena_free(b->arena);
    memset(b, 0, sizeof(*b));
}

/* The id of a group (and of its stream), created when missing. */
static int find_or_create(struct store *rw, int64_t now_ms, int64_t *gid, int64_t *sid)
{
    int rc = logs_db_group_find(rw, LOGS_SPANS_GROUP, gid, NULL);
    if (rc == ERR_NOTFOUND) {
        rc = logs_db_group_create(rw, LOGS_SPANS_GROUP, NULL, now_ms);
        if (rc == 0) {
            rc = logs_db_group_find(rw, LOGS_SPANS_GROUP, gid, NULL);
        }
    }
    if (rc == 0) {
        rc = logs_db_stream_find(rw, *gid, LOGS_SPANS_STREAM, sid);
        if (rc == ERR_NOTFOUND) {
            rc = logs_db_stream_create(rw, *gid, LOGS_SPANS_STREAM, now_ms);
            if (rc == 0) {
                rc = logs_db_stream_find(rw, *gid, LOGS_SPANS_STREAM, sid);
            }
        }
    }
    return rc;
}

static int store_spans_log(struct writer_txn *txn, const struct otlp_batch *b, double received_at)
{
    struct store *rw = writer_txn_store(txn);
    int64_t gid = 0, sid = 0, now_ms = (int64_t)(received_at * 1000);
    int rc = find_or_create(rw, now_ms, &gid, &sid);
    if (rc == 0) {
        rc = logs_db_put_pack(rw, gid, sid, &b->spans_log, now_ms);
    }
    if (rc == 0) {
        writer_txn_changed(txn, WRITER_CHANGED_LOGS);
    }
    return rc < 0 ? ERR_INTERNAL : 0;
}

int otlp_batch_store(struct writer_txn *txn, const struct otlp_batch *b, double received_at)
{
    for (size_t i = 0; i < b->nsegs; i++) {
        const char *text = b->texts[i];
        int rc =
            xray_ingest_put_segment(txn, &b->segs[i], text, text ? strlen(text) : 0, received_at);
        if (rc < 0) {
            return rc;
        }
    }
    return b->spans_log.n ? store_spans_log(txn, b, received_at) : 0;
}
