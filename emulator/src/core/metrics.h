/*
 * metrics.h - every counter fluoro keeps, in one struct of atomics, rendered from one table as
 * Prometheus text (/metrics) and JSON (/api/v1/stats). Any thread may increment (relaxed).
 *
 * The UDP invariant: udp_received = udp_stored + sum(udp_rejected) + udp_dropped once the queue is
 * drained, so every datagram fluoro read is accounted for; udp_dropped_kernel counts the ones the
 * kernel dropped before fluoro could read them (socket buffer full), so every datagram that
 * reached the socket is: udp_received + udp_dropped_kernel.
 */
#ifndef METRICS_H
#define METRICS_H

#include <jansson.h>
#include <stdatomic.h>

#include "buf.h"
#include "otlp_reasons.h"
#include "segment.h"

/* HTTP route families for per-route request counters. */
#define METRICS_ROUTES(X)                                                                          \
    X(XRAY, "xray")                                                                                \
    X(LOGS, "logs")                                                                                \
    X(API, "api")                                                                                  \
    X(UI, "ui")                                                                                    \
    X(METRICS, "metrics")                                                                          \
    X(OTHER, "other")

enum metrics_route {
#define X(id, label) METRICS_ROUTE_##id,
    METRICS_ROUTES(X)
#undef X
        METRICS_ROUTE_COUNT
};

/* Status codes counted individually; anything else lands in the last bucket. */
#define METRICS_STATUSES(X) X(200) X(204) X(304) X(400) X(404) X(405) X(413) X(422) X(429) X(500)
enum { METRICS_STATUS_COUNT = 11 };

/* Exporters (export.h): one slot each, rendered only when configured. */
#define METRICS_EXPORTERS(X)                                                                       \
    X(OTLP_TRACES, "otlp_traces")                                                                  \
    X(OTLP_LOGS, "otlp_logs")                                                                      \
    X(XRAY, "xray")                                                                                \
    X(LOGS, "logs")

enum metrics_exporter {
#define X(id, label) METRICS_EXPORTER_##id,
    METRICS_EXPORTERS(X)
#undef X
        METRICS_EXPORTER_COUNT
};

/* Why an exported item was not delivered (it is never retried once counted here). */
#define METRICS_EXPORT_REJECTS(X)                                                                  \
    X(HTTP_400, "http_400")                                                                        \
    X(HTTP_401, "http_401")                                                                        \
    X(HTTP_403, "http_403")                                                                        \
    X(HTTP_404, "http_404")                                                                        \
    X(HTTP_413, "http_413")                                                                        \
    X(HTTP_4XX, "http_other_4xx")                                                                  \
    X(UNPROCESSED, "unprocessed")                                                                  \
    X(INVALID, "invalid")

enum metrics_export_reject {
#define X(id, label) METRICS_EXPORT_REJECT_##id,
    METRICS_EXPORT_REJECTS(X)
#undef X
        METRICS_EXPORT_REJECT_COUNT
};

struct metrics_exporter_counters {
    _Atomic uint64_t configured; /* 1 when this exporter runs */
    _Atomic uint64_t sent;       /* items in requests the backend accepted */
    _Atomic uint64_t requests;   /* requests the backend accepted */
    _Atomic uint64_t retried;    /* requests sent again after a retryable failure */
    _Atomic uint64_t rejected[METRICS_EXPORT_REJECT_COUNT];
    _Atomic uint64_t lag_items;   /* stored items after the cursor (gauge) */
    _Atomic uint64_t lag_ms;      /* age of the oldest item after the cursor (gauge) */
    _Atomic uint64_t failing;     /* 1 while the last attempt failed (gauge) */
    _Atomic uint64_t cpu_us;      /* CPU time of the exporter's thread */
    _Atomic uint64_t last_status; /* HTTP status of the last attempt, 0 = no answer */
};

struct metrics {
    _Atomic uint64_t udp_received;
    _Atomic uint64_t udp_stored;
    _Atomic uint64_t udp_dropped;
    _Atomic uint64_t udp_dropped_kernel; /* the socket's drop counter, as last read */
    _Atomic uint64_t udp_rejected[SEGMENT_REJECT_COUNT];
    _Atomic uint64_t api_segments_stored;
    _Atomic uint64_t api_segments_rejected;
    _Atomic uint64_t segments_replaced; /* a document with an id already stored */
    _Atomic uint64_t queue_depth;
    _Atomic uint64_t queue_capacity;
    _Atomic uint64_t queue_bytes;
    _Atomic uint64_t queue_capacity_bytes;
    _Atomic uint64_t writer_batches;
    _Atomic uint64_t writer_items;
    _Atomic uint64_t writer_traces_derived;
    _Atomic uint64_t writer_batch_us_sum;
    _Atomic uint64_t writer_batch_us_max;
    _Atomic uint64_t writer_errors;
    _Atomic uint64_t traces_expired;
    _Atomic uint64_t traces_pruned_size;
    _Atomic uint64_t log_events_stored;
    _Atomic uint64_t log_events_expired;
    _Atomic uint64_t insights_running;   /* Insights workers scanning right now */
    _Atomic uint64_t log_scans_deadline; /* log scans cut short by --scan-deadline */
    _Atomic uint64_t udp_rcvbuf_bytes;
    _Atomic uint64_t http_requests[METRICS_ROUTE_COUNT][METRICS_STATUS_COUNT];
    /* OTLP in (otlp_http.c, otlp_udp.c): requests, spans and log records */
    _Atomic uint64_t otlp_requests;
    _Atomic uint64_t otlp_requests_rejected[OTLP_REQUEST_REJECT_COUNT];
    _Atomic uint64_t otlp_spans_accepted;
    _Atomic uint64_t otlp_segments_stored;
    _Atomic uint64_t otlp_spans_rejected[OTLP_SPAN_REJECT_COUNT];
    _Atomic uint64_t otlp_log_records_accepted;
    _Atomic uint64_t otlp_log_records_rejected;
    struct metrics_exporter_counters exporters[METRICS_EXPORTER_COUNT];
};

extern struct metrics metrics;

#define METRIC_INC(field) atomic_fetch_add_explicit(&metrics.field, 1, memory_order_relaxed)
#define METRIC_ADD(field, n) atomic_fetch_add_explicit(&metrics.field, (n), memory_order_relaxed)
#define METRIC_SET(field, n) atomic_store_explicit(&metrics.field, (n), memory_order_relaxed)
#define METRIC_GET(field) atomic_load_explicit(&metrics.field, memory_order_relaxed)

void metrics_count_http(enum metrics_route route, unsigned status);
void metrics_record_batch(uint64_t items, uint64_t us);
const char *metrics_exporter_label(enum metrics_exporter e);
const char *metrics_export_reject_label(enum metrics_export_reject r);
/* Sum of udp_rejected over all reasons. */
uint64_t metrics_udp_rejected_total(void);
int metrics_render_prometheus(struct buf *out) MUST_CHECK;
/* New reference: the same numbers as a JSON object. */
json_t *metrics_to_json(void);

#endif
