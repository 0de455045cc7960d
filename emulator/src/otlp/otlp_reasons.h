/*
 * otlp_reasons.h - why OTLP input was refused, as metric label values (metrics.h renders them
 * as fluoro_otlp_requests_rejected_total{reason} and fluoro_otlp_spans_rejected_total{reason}).
 * Kept apart from the OTLP modules so metrics.h need not see the protobuf types.
 */
#ifndef OTLP_REASONS_H
#define OTLP_REASONS_H

/* A whole request refused (HTTP /v1/traces and /v1/logs). */
#define OTLP_REQUEST_REJECT_REASONS(X)                                                             \
    X(MALFORMED, "malformed")           /* 400: not protobuf/JSON of the message */                \
    X(TOO_LARGE, "too_large")           /* 413: over the uncompressed byte limit */                \
    X(TOO_MANY_SPANS, "too_many_spans") /* 400: more than 10,000 spans */                          \
    X(TIME_GAP, "time_gap")             /* 400: span starts more than 24 hours apart */            \
    X(MEDIA_TYPE, "media_type")         /* 415: Content-Type/-Encoding not understood */           \
    X(QUEUE_FULL, "queue_full")         /* 503 + Retry-After: the ingest queue is full */          \
    X(NO_LOG_GROUP, "no_log_group")     /* /v1/logs: group or stream headers/resources missing */  \
    X(STORE_FAILED, "store_failed")     /* 500: the commit failed */                               \
    X(REFUSED, "refused")               /* 403/415/503: Host/Origin guard, connection cap */

enum otlp_request_reject {
#define X(id, label) OTLP_REQUEST_REJECT_##id,
    OTLP_REQUEST_REJECT_REASONS(X)
#undef X
        OTLP_REQUEST_REJECT_COUNT
};

/* One span refused inside an accepted request (partial_success.rejected_spans). */
#define OTLP_SPAN_REJECT_REASONS(X)                                                                \
    X(BAD_ID, "bad_id")               /* trace id not 16 bytes / all zeros, span id not 8 bytes */ \
    X(TOO_OLD, "too_old")             /* starts more than 14 days ago */                           \
    X(TOO_NEW, "too_new")             /* starts more than 2 hours ahead */                         \
    X(TOO_LARGE, "too_large")         /* over 200 KB */                                            \
    X(BAD_SEGMENT, "bad_segment")     /* its translation fails X-Ray's document rules */           \
    X(UDP_UNSAMPLED, "udp_unsampled") /* UDP T1U payload: unsampled, dropped like the daemon */    \
    X(UDP_INVALID, "udp_invalid")     /* UDP T1S payload that is not base64 protobuf */

enum otlp_span_reject {
#define X(id, label) OTLP_SPAN_REJECT_##id,
    OTLP_SPAN_REJECT_REASONS(X)
#undef X
        OTLP_SPAN_REJECT_COUNT
};

#endif
