/*
 * otlp_logs.c - POST /v1/logs, CloudWatch Logs' OTLP endpoint (reference/otlp.md §2): the
 * x-aws-log-group and x-aws-log-stream headers name a group and stream that must exist; each
 * log record becomes one log event. HTTP connection threads decode, build and pack the events
 * (logs_chunk.h); the writer only inserts the chunks (acknowledged means committed).
 *
 * The event's message is the record as OTLP JSON (body, severity, attributes, resource, scope,
 * hex trace and span ids), the structured form CloudWatch keeps for OTLP logs (its
 * x-aws-truncatable-fields header addresses fields of exactly that JSON), so JSON filter
 * patterns and Insights see every field. The record's trace id is linked to the event in its
 * X-Ray form, so a trace shows its OTel logs like any log line carrying a trace id.
 * Records too old, too new or past the group's retention are refused the way PutLogEvents
 * refuses them, reported in partial_success as CloudWatch does.
 */
#include <stdlib.h>
#include <string.h>

#include "logs_chunk.h"
#include "logs_db.h"
#include "metrics.h"
#include "otlp_http.h"
#include "otlp_ingest.h"
#include "routes.h"
#include "store.h"

#define DAY_MS INT64_C(86400000)
#define TOO_NEW_MS (2 * 3600 * INT64_C(1000))
#define TOO_OLD_MS (14 * DAY_MS)
/* CloudWatch's per-event limit (1 MB events, with its 26 bytes of overhead). */
#define MAX_EVENT_BYTES (1048576 - 26)

struct record {
    int64_t ts;
    char *message; /* owned JSON text */
    size_t len;
    char trace[36]; /* X-Ray form, "" when the record has none */
};

static int cmp_record(const void *a, const void *b)
{
    const struct record *x = a, *y = b;
    return x->ts < y->ts ? -1 : x->ts > y->ts;
}

static json_t *record_json(const OTLP_LOG_RECORD *r, const OTLP_RESOURCE *res,
                           const OTLP_SCOPE *scope)
{
    json_t *o = json_object(), *attrs = json_object(), *rattrs = json_object();
    for (size_t i = 0; i < r->n_attributes; i++) {
        json_object_set_new(attrs, r->attributes[i]->key, otlp_any_json(r->attributes[i]->value));
    }
    for (size_t i = 0; res && i < res->n_attributes; i++) {
        json_object_set_new(rattrs, res->attributes[i]->key,
                            otlp_any_json(res->attributes[i]->value));
    }
    json_object_set_new(o, "resource", json_pack("{s:o}", "attributes", rattrs));
    json_object_set_new(o, "scope", otlp_scope_json(scope));
    json_object_set_new(o, "timeUnixNano", json_integer((json_int_t)r->time_unix_nano));
    json_object_set_new(o, "observedTimeUnixNano",
                        json_integer((json_int_t)r->observed_time_unix_nano));
    json_object_set_new(o, "severityNumber", json_integer(r->severity_number));
    if (r->severity_text && *r->severity_text) {
        json_object_set_new(o, "severityText", json_string(r->severity_text));
    }
    json_object_set_new(o, "body", otlp_any_json(r->body));
    json_object_set_new(o, "attributes", attrs);
    json_object_set_new(o, "flags", json_integer(r->flags));
    if (r->trace_id.len) {
        char *h = otlp_hex_encode(r->trace_id.data, r->trace_id.len);
        json_object_set_new(o, "traceId", json_string(h));
        free(h);
    }
    if (r->span_id.len) {
        char *h = otlp_hex_encode(r->span_id.data, r->span_id.len);
        json_object_set_new(o, "spanId", json_string(h));
        free(h);
    }
    if (r->event_name && *r->event_name) {
        json_object_set_new(o, "eventName", json_string(r->event_name));
    }
    return o;
}

struct logs_batch {
    struct record *recs;
    size_t n, cap;
    size_t too_old, too_new, expired, too_large;
};

static void add_records(struct logs_batch *b, const OTLP_LOGS_REQ *req, int64_t now,
                        int retention_days)
{
    for (size_t i = 0; i < req->n_resource_logs; i++) {
        const OTLP_RESOURCE_LOGS *rl = req->resource_logs[i];
        for (size_t k = 0; k < rl->n_scope_logs; k++) {
            const OTLP_SCOPE_LOGS *sl = rl->scope_logs[k];
            for (size_t j = 0; j < sl->n_log_records; j++) {
                const OTLP_LOG_RECORD *r = sl->log_records[j];
                uint64_t ns = r->time_unix_nano ? r->time_unix_nano : r->observed_time_unix_nano;
                int64_t ts = ns ? (int64_t)(ns / 1000000) : now;
                if (ts > now + TOO_NEW_MS) {
                    b->too_new++;
                    continue;
                }
                if (ts < now - TOO_OLD_MS) {
                    b->too_old++;
                    continue;
                }
                if (retention_days > 0 && ts < now - retention_days * DAY_MS) {
                    b->expired++;
                    continue;
                }
                json_t *rec_json = record_json(r, rl->resource, sl->scope);
                char *text = json_dumps(rec_json, JSON_COMPACT);
                json_decref(rec_json);
                if (strlen(text) > MAX_EVENT_BYTES) {
                    b->too_large++;
                    free(text);
                    continue;
                }
                if (b->n == b->cap) {
                    b->cap = b->cap ? b->cap * 2 : 64;
                    b->recs = xrealloc(b->recs, b->cap * sizeof(*b->recs));
                }
                struct record *rec = &b->recs[b->n++];
                rec->ts = ts;
                rec->message = text;
                rec->len = strlen(text);
                rec->trace[0] = 0;
                otlp_xray_trace_id(&r->trace_id, rec->trace);
            }
        }
    }
}

/* Links each record's trace id to its event, unless the message scan already found one. */
static void link_traces(struct logs_chunk_pack *pack, const struct logs_batch *b)
{
    size_t k = 0;
    for (size_t c = 0; c < pack->n; c++) {
        struct logs_chunk *ch = &pack->chunks[c];
        for (uint32_t idx = 0; idx < ch->count; idx++, k++) {
            const struct record *r = &b->recs[k];
            if (r->trace[0]) {
                logs_chunk_link_trace(ch, idx, r->ts, r->trace);
            }
        }
    }
}

struct put_arg {
    const char *group, *stream;
    struct logs_chunk_pack pack;
    int64_t ingest_ts;
    size_t n;
    bool no_stream;
};

static int put_fn(struct writer_txn *txn, void *arg)
{
    struct put_arg *p = arg;
    int rc = logs_db_put_pack_named(writer_txn_store(txn), p->group, p->stream, &p->pack,
                                    p->ingest_ts, &p->no_stream);
    if (rc == 0 && p->n > 0) {
        writer_txn_changed(txn, WRITER_CHANGED_LOGS);
    }
    return rc;
}

static void reply_success(struct http_reply *rep, enum otlp_content ct, const struct logs_batch *b)
{
    Opentelemetry__Proto__Collector__Logs__V1__ExportLogsServiceResponse resp =
        OPENTELEMETRY__PROTO__COLLECTOR__LOGS__V1__EXPORT_LOGS_SERVICE_RESPONSE__INIT;
    Opentelemetry__Proto__Collector__Logs__V1__ExportLogsPartialSuccess partial =
        OPENTELEMETRY__PROTO__COLLECTOR__LOGS__V1__EXPORT_LOGS_PARTIAL_SUCCESS__INIT;
    size_t rejected = b->too_old + b->too_new + b->expired + b->too_large;
    char msg[200];
    if (rejected) {
        /* CloudWatch reports the counts as a JSON object in errorMessage. */
        snprintf(msg, sizeof(msg),
                 "{\"tooOldLogEventCount\": %zu, \"tooNewLogEventCount\": %zu, "
                 "\"expiredLogEventCount\": %zu, \"tooLargeLogEventCount\": %zu}",
                 b->too_old, b->too_new, b->expired, b->too_large);
        partial.rejected_log_records = (int64_t)rejected;
        partial.error_message = msg;
        resp.partial_success = &partial;
    }
    METRIC_ADD(otlp_log_records_rejected, rejected);
    otlp_http_reply(rep, ct, &resp.base);
}

/* The group's retention, or a reply (400 naming what is missing) and false. */
static bool check_target(struct http_request *req, struct http_reply *rep, enum otlp_content ct,
                         const char *group, const char *stream, int *retention)
{
    if (!group || !*group || !stream || !*stream) {
        otlp_http_error(rep, ct, 400, OTLP_REQUEST_REJECT_NO_LOG_GROUP,
                        "The x-aws-log-group and x-aws-log-stream headers are required");
        return false;
    }
    struct store *ro = store_thread_ro();
    int64_t gid = 0, sid = 0;
    if (!ro) {
        otlp_http_error(rep, ct, 500, OTLP_REQUEST_REJECT_STORE_FAILED,
                        "the database is not available");
        return false;
    }
    if (logs_db_group_find(ro, group, &gid, retention) < 0) {
        otlp_http_error(rep, ct, 400, OTLP_REQUEST_REJECT_NO_LOG_GROUP,
                        "ResourceNotFoundException: The specified log group does not exist.");
        return false;
    }
    if (logs_db_stream_find(ro, gid, stream, &sid) < 0) {
        otlp_http_error(rep, ct, 400, OTLP_REQUEST_REJECT_NO_LOG_GROUP,
                        "ResourceNotFoundException: The specified log stream does not exist.");
        return false;
    }
    (void)req;
    return true;
}

void otlp_logs(struct http_request *req, struct http_reply *rep)
{
    enum otlp_content ct;
    const void *body;
    size_t len;
    uint8_t *owned = NULL;
    struct errbuf err = {{0}, -1};
    struct logs_batch b = {0};
    struct logs_db_event *ev = NULL;
    OTLP_LOGS_REQ *msg = NULL;
    int retention = 0;
    METRIC_INC(otlp_requests);
    if (!otlp_http_body(req, rep, OTLP_LOGS_MAX_BYTES, &ct, &body, &len, &owned)) {
        goto out;
    }
    const char *group = http_header(req, "x-aws-log-group");
    const char *stream = http_header(req, "x-aws-log-stream");
    if (!check_target(req, rep, ct, group, stream, &retention)) {
        goto out;
    }
    msg = otlp_decode_logs(body, len, ct, &err);
    if (!msg) {
        otlp_http_error(rep, ct, 400, OTLP_REQUEST_REJECT_MALFORMED, "%s", err.msg);
        goto out;
    }
    if (otlp_http_queue_full(req, rep, ct)) {
        goto out;
    }
    int64_t now = now_epoch_ms();
    add_records(&b, msg, now, retention);
    qsort(b.recs, b.n, sizeof(*b.recs), cmp_record);
    ev = xcalloc(b.n + 1, sizeof(*ev));
    for (size_t i = 0; i < b.n; i++) {
        ev[i] = (struct logs_db_event){b.recs[i].ts, b.recs[i].message, b.recs[i].len};
    }
    struct put_arg p = {.group = group, .stream = stream, .ingest_ts = now, .n = b.n};
    logs_chunk_pack_init(&p.pack, ev, b.n);
    link_traces(&p.pack, &b);
    int rc = writer_call(req->app->writer, put_fn, &p);
    logs_chunk_pack_fini(&p.pack);
    if (rc == ERR_NOTFOUND) {
        otlp_http_error(rep, ct, 400, OTLP_REQUEST_REJECT_NO_LOG_GROUP,
                        "ResourceNotFoundException: The specified log %s does not exist.",
                        p.no_stream ? "stream" : "group");
        goto out;
    }
    if (rc < 0) {
        otlp_http_error(rep, ct, 500, OTLP_REQUEST_REJECT_STORE_FAILED,
                        "the log records could not be stored");
        goto out;
    }
    METRIC_ADD(otlp_log_records_accepted, b.n);
    reply_success(rep, ct, &b);
out:
    for (size_t i = 0; i < b.n; i++) {
        free(b.recs[i].message);
    }
    free(b.recs);
    free(ev);
    if (msg) {
        protobuf_c_message_free_unpacked(&msg->base, NULL);
    }
    free(owned);
}
