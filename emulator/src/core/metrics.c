/*
 * metrics.c - rendering of struct metrics. The scalar counters are listed once in a table
 * (name, help, type, field offset) that both renderers walk; labelled families follow it.
 */
#include "metrics.h"

#include <stddef.h>
#include <stdio.h>

struct metrics metrics;

struct scalar_def {
    const char *name; /* Prometheus name without the fluoro_ prefix; also the JSON key */
    const char *type;
    const char *help;
    size_t offset;
};

#define OFF(f) offsetof(struct metrics, f)
static const struct scalar_def scalars[] = {
    {"udp_received_total", "counter", "UDP datagrams received", OFF(udp_received)},
    {"udp_stored_total", "counter", "UDP segment documents committed", OFF(udp_stored)},
    {"udp_dropped_total", "counter",
     "UDP datagrams read but dropped: ingest queue full (datagrams or bytes) or batch failed",
     OFF(udp_dropped)},
    {"udp_dropped_kernel_total", "counter",
     "UDP datagrams the kernel dropped before fluoro read them (socket receive buffer full)",
     OFF(udp_dropped_kernel)},
    {"api_segments_stored_total", "counter", "PutTraceSegments documents committed",
     OFF(api_segments_stored)},
    {"api_segments_rejected_total", "counter",
     "PutTraceSegments documents returned as UnprocessedTraceSegments", OFF(api_segments_rejected)},
    {"segments_replaced_total", "counter", "documents that replaced one with the same id",
     OFF(segments_replaced)},
    {"queue_depth", "gauge", "items waiting in the ingest queue", OFF(queue_depth)},
    {"queue_capacity", "gauge", "ingest queue capacity", OFF(queue_capacity)},
    {"queue_bytes", "gauge", "datagram bytes queued or being applied", OFF(queue_bytes)},
    {"queue_capacity_bytes", "gauge", "ingest queue capacity in datagram bytes",
     OFF(queue_capacity_bytes)},
    {"writer_batches_total", "counter", "writer transactions committed", OFF(writer_batches)},
    {"writer_items_total", "counter", "items applied by the writer", OFF(writer_items)},
    {"writer_traces_derived_total", "counter", "trace re-derivations", OFF(writer_traces_derived)},
    {"writer_batch_microseconds_sum", "counter", "time spent in writer batches",
     OFF(writer_batch_us_sum)},
    {"writer_batch_microseconds_max", "gauge", "longest writer batch", OFF(writer_batch_us_max)},
    {"writer_errors_total", "counter", "writer batches that failed and were rolled back",
     OFF(writer_errors)},
    {"traces_expired_total", "counter", "traces removed by --trace-retention", OFF(traces_expired)},
    {"traces_pruned_total", "counter", "traces removed by --max-db-size", OFF(traces_pruned_size)},
    {"log_events_stored_total", "counter", "log events committed", OFF(log_events_stored)},
    {"log_events_expired_total", "counter", "log events removed by retention",
     OFF(log_events_expired)},
    {"insights_queries_running", "gauge", "Logs Insights queries whose worker is scanning",
     OFF(insights_running)},
    {"log_scans_deadline_total", "counter",
     "FilterLogEvents pages and log searches cut short by --scan-deadline",
     OFF(log_scans_deadline)},
    {"udp_receive_buffer_bytes", "gauge", "effective SO_RCVBUF of the UDP socket",
     OFF(udp_rcvbuf_bytes)},
    {"otlp_requests_total", "counter", "OTLP /v1/traces and /v1/logs requests received",
     OFF(otlp_requests)},
    {"otlp_spans_accepted_total", "counter", "OTLP spans committed (HTTP and UDP T1S)",
     OFF(otlp_spans_accepted)},
    {"otlp_segments_stored_total", "counter", "segment documents translated from OTLP spans",
     OFF(otlp_segments_stored)},
    {"otlp_log_records_accepted_total", "counter", "OTLP log records committed as log events",
     OFF(otlp_log_records_accepted)},
    {"otlp_log_records_rejected_total", "counter", "OTLP log records refused",
     OFF(otlp_log_records_rejected)},
};

/* The labelled OTLP families: one counter per reason. */
static const char *const otlp_request_labels[] = {
#define X(id, label) label,
    OTLP_REQUEST_REJECT_REASONS(X)
#undef X
};
static const char *const otlp_span_labels[] = {
#define X(id, label) label,
    OTLP_SPAN_REJECT_REASONS(X)
#undef X
};

static int render_otlp(struct buf *out)
{
    int rc = buf_puts(out, "# HELP fluoro_otlp_requests_rejected_total OTLP requests refused, "
                           "by reason\n# TYPE fluoro_otlp_requests_rejected_total counter\n");
    for (int r = 0; r < OTLP_REQUEST_REJECT_COUNT && rc == 0; r++) {
        rc = buf_printf(out, "fluoro_otlp_requests_rejected_total{reason=\"%s\"} %llu\n",
                        otlp_request_labels[r],
                        (unsigned long long)metrics.otlp_requests_rejected[r]);
    }
    if (rc == 0) {
        rc = buf_puts(out, "# HELP fluoro_otlp_spans_rejected_total OTLP spans refused or dropped, "
                           "by reason\n# TYPE fluoro_otlp_spans_rejected_total counter\n");
    }
    for (int r = 0; r < OTLP_SPAN_REJECT_COUNT && rc == 0; r++) {
        rc = buf_printf(out, "fluoro_otlp_spans_rejected_total{reason=\"%s\"} %llu\n",
                        otlp_span_labels[r], (unsigned long long)metrics.otlp_spans_rejected[r]);
    }
    return rc;
}

static void otlp_to_json(json_t *root)
{
    json_t *req = json_object(), *spans = json_object();
    for (int r = 0; r < OTLP_REQUEST_REJECT_COUNT; r++) {
        json_object_set_new(req, otlp_request_labels[r],
                            json_integer((json_int_t)metrics.otlp_requests_rejected[r]));
    }
    for (int r = 0; r < OTLP_SPAN_REJECT_COUNT; r++) {
        json_object_set_new(spans, otlp_span_labels[r],
                            json_integer((json_int_t)metrics.otlp_spans_rejected[r]));
    }
    json_object_set_new(root, "otlp_requests_rejected", req);
    json_object_set_new(root, "otlp_spans_rejected", spans);
}
#undef OFF

static const unsigned status_codes[] = {
#define X(code) code,
    METRICS_STATUSES(X)
#undef X
};
_Static_assert(ARRAY_LEN(status_codes) + 1 == METRICS_STATUS_COUNT, "status buckets");

static const char *const route_labels[] = {
#define X(id, label) label,
    METRICS_ROUTES(X)
#undef X
};

static const char *const exporter_labels[] = {
#define X(id, label) label,
    METRICS_EXPORTERS(X)
#undef X
};
static const char *const export_reject_labels[] = {
#define X(id, label) label,
    METRICS_EXPORT_REJECTS(X)
#undef X
};

/* The per-exporter scalars, walked by both renderers like scalars[] above. */
struct exporter_def {
    const char *name; /* Prometheus name after fluoro_export_; JSON key */
    const char *type;
    const char *help;
    size_t offset;
    double scale; /* Prometheus value = field * scale */
};
#define EOFF(f) offsetof(struct metrics_exporter_counters, f)
static const struct exporter_def exporter_fields[] = {
    {"sent_total", "counter", "items delivered (in requests the backend accepted)", EOFF(sent), 1},
    {"requests_total", "counter", "requests the backend accepted", EOFF(requests), 1},
    {"retried_total", "counter", "requests sent again after a retryable failure", EOFF(retried), 1},
    {"lag_items", "gauge", "stored items not yet exported", EOFF(lag_items), 1},
    {"lag_seconds", "gauge", "age of the oldest stored item not yet exported", EOFF(lag_ms), 0.001},
    {"failing", "gauge", "1 while the last attempt failed", EOFF(failing), 1},
    {"cpu_seconds_total", "counter", "CPU time of the exporter thread", EOFF(cpu_us), 1e-6},
    {"last_status", "gauge", "HTTP status of the last attempt (0 = no answer)", EOFF(last_status),
     1},
};
#undef EOFF

const char *metrics_exporter_label(enum metrics_exporter e)
{
    return exporter_labels[e];
}

const char *metrics_export_reject_label(enum metrics_export_reject r)
{
    return export_reject_labels[r];
}

static uint64_t exporter_value(int e, const struct exporter_def *d)
{
    return atomic_load_explicit((_Atomic uint64_t *)((char *)&metrics.exporters[e] + d->offset),
                                memory_order_relaxed);
}

static uint64_t exporter_rejected_total(int e)
{
    uint64_t sum = 0;
    for (int r = 0; r < METRICS_EXPORT_REJECT_COUNT; r++) {
        sum += metrics.exporters[e].rejected[r];
    }
    return sum;
}

static int render_exporters(struct buf *out)
{
    int rc = 0;
    for (size_t i = 0; i < ARRAY_LEN(exporter_fields) && rc == 0; i++) {
        const struct exporter_def *d = &exporter_fields[i];
        rc = buf_printf(out, "# HELP fluoro_export_%s %s\n# TYPE fluoro_export_%s %s\n", d->name,
                        d->help, d->name, d->type);
        for (int e = 0; e < METRICS_EXPORTER_COUNT && rc == 0; e++) {
            if (metrics.exporters[e].configured) {
                rc = buf_printf(out, "fluoro_export_%s{exporter=\"%s\"} %.15g\n", d->name,
                                exporter_labels[e], (double)exporter_value(e, d) * d->scale);
            }
        }
    }
    if (rc == 0) {
        rc = buf_puts(out, "# HELP fluoro_export_rejected_total items not delivered, by reason\n"
                           "# TYPE fluoro_export_rejected_total counter\n");
    }
    for (int e = 0; e < METRICS_EXPORTER_COUNT && rc == 0; e++) {
        for (int r = 0; r < METRICS_EXPORT_REJECT_COUNT && rc == 0; r++) {
            if (metrics.exporters[e].configured) {
                rc = buf_printf(
                    out, "fluoro_export_rejected_total{exporter=\"%s\",reason=\"%s\"} %llu\n",
                    exporter_labels[e], export_reject_labels[r],
                    (unsigned long long)metrics.exporters[e].rejected[r]);
            }
        }
    }
    return rc;
}

static json_t *exporters_to_json(void)
{
    json_t *all = json_object();
    for (int e = 0; e < METRICS_EXPORTER_COUNT; e++) {
        if (!metrics.exporters[e].configured) {
            continue;
        }
        json_t *one = json_object();
        for (size_t i = 0; i < ARRAY_LEN(exporter_fields); i++) {
            const struct exporter_def *d = &exporter_fields[i];
            uint64_t v = exporter_value(e, d);
            json_object_set_new(one, d->name,
                                d->scale == 1 ? json_integer((json_int_t)v)
                                              : json_real((double)v * d->scale));
        }
        json_t *rej = json_object();
        for (int r = 0; r < METRICS_EXPORT_REJECT_COUNT; r++) {
            json_object_set_new(rej, export_reject_labels[r],
                                json_integer((json_int_t)metrics.exporters[e].rejected[r]));
        }
        json_object_set_new(one, "rejected", rej);
        json_object_set_new(one, "rejected_total",
                            json_integer((json_int_t)exporter_rejected_total(e)));
        json_object_set_new(all, exporter_labels[e], one);
    }
    return all;
}

static uint64_t scalar_value(const struct scalar_def *d)
{
    return atomic_load_explicit((_Atomic uint64_t *)((char *)&metrics + d->offset),
                                memory_order_relaxed);
}

void metrics_count_http(enum metrics_route route, unsigned status)
{
    size_t bucket = ARRAY_LEN(status_codes);
    for (size_t i = 0; i < ARRAY_LEN(status_codes); i++) {
        if (status_codes[i] == status) {
            bucket = i;
            break;
        }
    }
    atomic_fetch_add_explicit(&metrics.http_requests[route][bucket], 1, memory_order_relaxed);
}

void metrics_record_batch(uint64_t items, uint64_t us)
{
    METRIC_INC(writer_batches);
    METRIC_ADD(writer_items, items);
    METRIC_ADD(writer_batch_us_sum, us);
    uint64_t max = METRIC_GET(writer_batch_us_max);
    while (us > max && !atomic_compare_exchange_weak(&metrics.writer_batch_us_max, &max, us)) {
    }
}

uint64_t metrics_udp_rejected_total(void)
{
    uint64_t sum = 0;
    for (int r = 1; r < SEGMENT_REJECT_COUNT; r++) {
        sum += atomic_load_explicit(&metrics.udp_rejected[r], memory_order_relaxed);
    }
    return sum;
}

static const char *status_label(size_t bucket, char *tmp, size_t n)
{
    if (bucket == ARRAY_LEN(status_codes)) {
        return "other";
    }
    snprintf(tmp, n, "%u", status_codes[bucket]);
    return tmp;
}

int metrics_render_prometheus(struct buf *out)
{
    int rc = 0;
    for (size_t i = 0; i < ARRAY_LEN(scalars) && rc == 0; i++) {
        const struct scalar_def *d = &scalars[i];
        rc = buf_printf(out, "# HELP fluoro_%s %s\n# TYPE fluoro_%s %s\nfluoro_%s %llu\n", d->name,
                        d->help, d->name, d->type, d->name, (unsigned long long)scalar_value(d));
    }
    if (rc == 0) {
        rc = buf_puts(out, "# HELP fluoro_udp_rejected_total UDP datagrams rejected, by reason\n"
                           "# TYPE fluoro_udp_rejected_total counter\n");
    }
    for (int r = 1; r < SEGMENT_REJECT_COUNT && rc == 0; r++) {
        rc = buf_printf(out, "fluoro_udp_rejected_total{reason=\"%s\"} %llu\n",
                        segment_reject_label((enum segment_reject)r),
                        (unsigned long long)metrics.udp_rejected[r]);
    }
    if (rc == 0) {
        rc = buf_puts(out, "# HELP fluoro_http_requests_total HTTP requests by route and status\n"
                           "# TYPE fluoro_http_requests_total counter\n");
    }
    for (int r = 0; r < METRICS_ROUTE_COUNT && rc == 0; r++) {
        for (size_t s = 0; s < METRICS_STATUS_COUNT && rc == 0; s++) {
            uint64_t v = metrics.http_requests[r][s];
            char tmp[16];
            if (v) {
                rc = buf_printf(
                    out, "fluoro_http_requests_total{route=\"%s\",status=\"%s\"} %llu\n",
                    route_labels[r], status_label(s, tmp, sizeof(tmp)), (unsigned long long)v);
            }
        }
    }
    if (rc == 0) {
        rc = render_otlp(out);
    }
    if (rc == 0) {
        rc = render_exporters(out);
    }
    return rc;
}

json_t *metrics_to_json(void)
{
    json_t *root = json_object();
    for (size_t i = 0; i < ARRAY_LEN(scalars); i++) {
        json_object_set_new(root, scalars[i].name,
                            json_integer((json_int_t)scalar_value(&scalars[i])));
    }
    json_t *rej = json_object();
    for (int r = 1; r < SEGMENT_REJECT_COUNT; r++) {
        json_object_set_new(rej, segment_reject_label((enum segment_reject)r),
                            json_integer((json_int_t)metrics.udp_rejected[r]));
    }
    json_object_set_new(root, "udp_rejected", rej);
    json_object_set_new(root, "udp_rejected_total",
                        json_integer((json_int_t)metrics_udp_rejected_total()));
    json_t *http = json_object();
    for (int r = 0; r < METRICS_ROUTE_COUNT; r++) {
        json_t *by_status = json_object();
        for (size_t s = 0; s < METRICS_STATUS_COUNT; s++) {
            char tmp[16];
            if (metrics.http_requests[r][s]) {
                json_object_set_new(by_status, status_label(s, tmp, sizeof(tmp)),
                                    json_integer((json_int_t)metrics.http_requests[r][s]));
            }
        }
        json_object_set_new(http, route_labels[r], by_status);
    }
    json_object_set_new(root, "http_requests", http);
    otlp_to_json(root);
    json_object_set_new(root, "exporters", exporters_to_json());
    return root;
}
