/*
 * otlp_udp.c - ADOT's T1S/T1U/M1 datagram bodies (see otlp_udp.h). Runs on the writer's pool
 * threads; the writer stores the batch. A T1U span is unsampled: AWS's daemon path drops it, so
 * fluoro counts it (fluoro_otlp_spans_rejected_total{reason="udp_unsampled"}) and stores nothing.
 */
#include "otlp_udp.h"

#include <stdlib.h>
#include <string.h>

#include "metrics.h"

static bool has_prefix(const char *body, size_t len, const char *prefix)
{
    size_t n = strlen(prefix);
    return len >= n && memcmp(body, prefix, n) == 0;
}

bool otlp_udp_claims(const char *body, size_t len)
{
    return has_prefix(body, len, "T1S") || has_prefix(body, len, "T1U") ||
           has_prefix(body, len, "M1");
}

/* Decodes base64 protobuf after the prefix; NULL with err when it is not one. */
static OTLP_TRACE_REQ *decode_payload(const char *body, size_t len, struct errbuf *err)
{
    ProtobufCBinaryData raw = {0, NULL};
    /* Trailing whitespace (a newline some senders add) is not part of the base64. */
    while (len > 3 && (body[len - 1] == '\n' || body[len - 1] == '\r' || body[len - 1] == ' ')) {
        len--;
    }
    if (otlp_base64_decode(body + 3, len - 3, &raw) < 0) {
        errbuf_set(err, -1, "the payload after %.3s is not base64", body);
        return NULL;
    }
    OTLP_TRACE_REQ *req = otlp_decode_traces(raw.data, raw.len, OTLP_CONTENT_PROTOBUF, err);
    free(raw.data);
    return req;
}

enum segment_reject otlp_udp_parse(const char *body, size_t len, double now,
                                   struct otlp_batch **out, struct errbuf *err)
{
    *out = NULL;
    if (has_prefix(body, len, "M1")) {
        errbuf_set(err, -1, "OTel metrics (M1) are not stored");
        return SEGMENT_REJECT_OTEL_METRICS;
    }
    OTLP_TRACE_REQ *req = decode_payload(body, len, err);
    if (has_prefix(body, len, "T1U")) {
        /* Counted per span when the payload can be read, else once for the datagram. */
        size_t n = req ? otlp_count_spans(req) : 1;
        METRIC_ADD(otlp_spans_rejected[OTLP_SPAN_REJECT_UDP_UNSAMPLED], n ? n : 1);
        if (req) {
            protobuf_c_message_free_unpacked(&req->base, NULL);
        }
        errbuf_set(err, -1, "unsampled OTel spans (T1U) are dropped");
        return SEGMENT_REJECT_OTEL_UNSAMPLED;
    }
    if (!req) {
        METRIC_INC(otlp_spans_rejected[OTLP_SPAN_REJECT_UDP_INVALID]);
        return SEGMENT_REJECT_OTEL_INVALID;
    }
    struct otlp_batch *b = xcalloc(1, sizeof(*b));
    static const struct otlp_xray_opts opts = {0};
    otlp_batch_add(b, req, now, &opts, true);
    protobuf_c_message_free_unpacked(&req->base, NULL);
    if (!b->accepted) {
        errbuf_set(err, -1, "no span of the T1S payload was accepted: %s",
                   b->first_error[0] ? b->first_error : "it holds none");
        otlp_udp_free(b);
        return SEGMENT_REJECT_OTEL_INVALID;
    }
    *out = b;
    return SEGMENT_OK;
}

void otlp_udp_free(struct otlp_batch *b)
{
    if (b) {
        otlp_batch_fini(b);
        free(b);
    }
}
