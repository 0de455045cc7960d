/*
 * otlp_http.c - POST /v1/traces, AWS X-Ray's OTLP endpoint (reference/otlp.md §1, §3), and the
 * OTLP/HTTP reply helpers /v1/logs shares. HTTP connection threads: the body is inflated,
 * decoded and translated here, and only the validated documents and kept spans go to the
 * writer; the reply waits for the commit (acknowledged means committed). SigV4 is accepted
 * when present and never required (http.c reads the region from it and nothing else).
 */
#include "otlp_http.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "log.h"
#include "metrics.h"
#include "otlp_ingest.h"
#include "otlp_json.h"
#include "routes.h"

#define CT_PROTOBUF "application/x-protobuf"
#define CT_JSON "application/json"

/* google.rpc.Code for each HTTP status the OTLP endpoints send. */
static int rpc_code(unsigned status)
{
    switch (status) {
    case 413:
    case 429:
        return 8; /* RESOURCE_EXHAUSTED */
    case 503:
        return 14; /* UNAVAILABLE */
    case 500:
        return 13; /* INTERNAL */
    case 404:
        return 5; /* NOT_FOUND */
    default:
        return 3; /* INVALID_ARGUMENT */
    }
}

static void reply_message(struct http_reply *rep, unsigned status, enum otlp_content ct,
                          const ProtobufCMessage *msg)
{
    if (ct == OTLP_CONTENT_PROTOBUF) {
        size_t n = protobuf_c_message_get_packed_size(msg);
        uint8_t *out = xmalloc(n + 1);
        protobuf_c_message_pack(msg, out);
        http_reply_text(rep, status, CT_PROTOBUF, (char *)out, n);
        return;
    }
    json_t *j = otlp_json_encode(msg);
    char *text = json_dumps(j, JSON_COMPACT);
    json_decref(j);
    http_reply_text(rep, status, CT_JSON, text, strlen(text));
}

void otlp_http_error(struct http_reply *rep, enum otlp_content ct, unsigned status,
                     enum otlp_request_reject reason, const char *fmt, ...)
{
    char msg[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    Google__Rpc__Status st = GOOGLE__RPC__STATUS__INIT;
    st.code = rpc_code(status);
    st.message = msg;
    reply_message(rep, status, ct, &st.base);
    if (status == 429 || status == 503) {
        http_add_header(rep, "Retry-After", "1");
    }
    METRIC_INC(otlp_requests_rejected[reason]);
    log_ratelimited(LOG_DEBUG, "otlp request refused", "status=%u reason=\"%s\"", status, msg);
}

void otlp_http_reply(struct http_reply *rep, enum otlp_content ct, const ProtobufCMessage *msg)
{
    reply_message(rep, 200, ct, msg);
}

bool otlp_http_body(struct http_request *req, struct http_reply *rep, size_t max,
                    enum otlp_content *ct, const void **body, size_t *len, uint8_t **owned)
{
    const char *type = http_header(req, "Content-Type");
    const char *enc = http_header(req, "Content-Encoding");
    *owned = NULL;
    *ct = otlp_content_type(type);
    if (*ct == OTLP_CONTENT_UNKNOWN) {
        otlp_http_error(rep, OTLP_CONTENT_JSON, 415, OTLP_REQUEST_REJECT_MEDIA_TYPE,
                        "Content-Type must be application/x-protobuf or application/json, "
                        "got %s",
                        type ? type : "none");
        return false;
    }
    *body = req->body;
    *len = req->body_len;
    if (enc && *enc && strcasecmp(enc, "identity") != 0) {
        if (strcasecmp(enc, "gzip") != 0 && strcasecmp(enc, "deflate") != 0) {
            otlp_http_error(rep, *ct, 415, OTLP_REQUEST_REJECT_MEDIA_TYPE,
                            "Content-Encoding %s is not supported (gzip or none)", enc);
            return false;
        }
        size_t n = 0;
        int rc = otlp_gunzip(req->body, req->body_len, max, owned, &n);
        if (rc == ERR_LIMIT) {
            otlp_http_error(rep, *ct, 413, OTLP_REQUEST_REJECT_TOO_LARGE,
                            "the uncompressed request is larger than %zu bytes", max);
            return false;
        }
        if (rc < 0) {
            otlp_http_error(rep, *ct, 400, OTLP_REQUEST_REJECT_MALFORMED,
                            "the body is not valid %s data", enc);
            return false;
        }
        *body = *owned;
        *len = n;
    }
    if (*len > max) {
        otlp_http_error(rep, *ct, 413, OTLP_REQUEST_REJECT_TOO_LARGE,
                        "the request is %zu bytes, larger than %zu", *len, max);
        return false;
    }
    return true;
}

bool otlp_http_queue_full(struct http_request *req, struct http_reply *rep, enum otlp_content ct)
{
    if (queue_pending(req->app->queue) < METRIC_GET(queue_capacity)) {
        return false;
    }
    otlp_http_error(rep, ct, 503, OTLP_REQUEST_REJECT_QUEUE_FULL,
                    "the ingest queue is full; retry later");
    return true;
}

struct store_arg {
    const struct otlp_batch *batch;
    double received_at;
};

static int store_batch(struct writer_txn *txn, void *arg)
{
    struct store_arg *a = arg;
    return otlp_batch_store(txn, a->batch, a->received_at);
}

void otlp_traces(struct http_request *req, struct http_reply *rep)
{
    enum otlp_content ct;
    const void *body;
    size_t len;
    uint8_t *owned = NULL;
    struct errbuf err = {{0}, -1};
    struct otlp_batch b = {0};
    OTLP_TRACE_REQ *msg = NULL;
    METRIC_INC(otlp_requests);
    if (!otlp_http_body(req, rep, OTLP_TRACES_MAX_BYTES, &ct, &body, &len, &owned)) {
        goto out;
    }
    msg = otlp_decode_traces(body, len, ct, &err);
    if (!msg) {
        otlp_http_error(rep, ct, 400, OTLP_REQUEST_REJECT_MALFORMED, "%s", err.msg);
        goto out;
    }
    size_t nspans = otlp_count_spans(msg);
    if (nspans > OTLP_MAX_SPANS_PER_REQUEST) {
        otlp_http_error(rep, ct, 400, OTLP_REQUEST_REJECT_TOO_MANY_SPANS,
                        "the request has %zu spans; at most %d are accepted per request", nspans,
                        OTLP_MAX_SPANS_PER_REQUEST);
        goto out;
    }
    /* AWS: "Maximum time gap in events / request: 24 hours"; like PutLogEvents' 24-hour batch
     * rule, the whole call is refused. Spans the per-span time rules refuse do not count. */
    double now = now_epoch();
    double gap = otlp_start_gap(msg, now);
    if (gap > OTLP_MAX_GAP_S) {
        otlp_http_error(rep, ct, 400, OTLP_REQUEST_REJECT_TIME_GAP,
                        "the spans of one request must start within 24 hours of each other; "
                        "these are %.0f hours apart",
                        gap / 3600);
        goto out;
    }
    if (otlp_http_queue_full(req, rep, ct)) {
        goto out;
    }
    struct otlp_xray_opts opts = {.index_all = req->app->cfg->otlp_index_all};
    otlp_batch_add(&b, msg, now, &opts, true);
    struct store_arg arg = {&b, now};
    if ((b.nsegs || b.nspans) && writer_call(req->app->writer, store_batch, &arg) < 0) {
        otlp_http_error(rep, ct, 500, OTLP_REQUEST_REJECT_STORE_FAILED,
                        "the spans could not be stored");
        goto out;
    }
    METRIC_ADD(otlp_spans_accepted, b.accepted);
    METRIC_ADD(otlp_segments_stored, b.nsegs);
    Opentelemetry__Proto__Collector__Trace__V1__ExportTraceServiceResponse resp =
        OPENTELEMETRY__PROTO__COLLECTOR__TRACE__V1__EXPORT_TRACE_SERVICE_RESPONSE__INIT;
    Opentelemetry__Proto__Collector__Trace__V1__ExportTracePartialSuccess partial =
        OPENTELEMETRY__PROTO__COLLECTOR__TRACE__V1__EXPORT_TRACE_PARTIAL_SUCCESS__INIT;
    char message[300];
    if (b.rejected) {
        snprintf(message, sizeof(message), "%zu of %zu spans were rejected; the first: %s",
                 b.rejected, nspans, b.first_error);
        partial.rejected_spans = (int64_t)b.rejected;
        partial.error_message = message;
        resp.partial_success = &partial;
    }
    otlp_http_reply(rep, ct, &resp.base);
out:
    otlp_batch_fini(&b);
    if (msg) {
        protobuf_c_message_free_unpacked(&msg->base, NULL);
    }
    free(owned);
}
