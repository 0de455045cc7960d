/*
 * api_v1.c - fluoro's own HTTP API (docs/api.md): health, metrics, stats, reset, wait, and the
 * trace and service-map reads the UI and CI use. HTTP threads only; writes go through the writer.
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "api_v1_ci.h"
#include "api_v1.h"
#include "aws.h"
#include "config.h"
#include "critical_path.h"
#include "trace.h"
#include "xray_query.h"
#include "fexpr.h"
#include "graph.h"
#include "health.h"
#include "api_v1_logs.h"
#include "logs_db.h"
#include "logs_query.h"
#include "routes.h"
#include "store.h"
#include "udp.h"
#include "xray_db.h"

/* Always 200 while fluoro answers, since it is a liveness probe and restarting would not free
 * space: a disk-full fluoro says "degraded" with the reason and keeps serving reads. */
void api_health(struct http_request *req, struct http_reply *rep)
{
    json_t *body = json_object();
    char reason[256];
    double since = 0;
    if (health_degraded(reason, sizeof(reason), &since)) {
        json_object_set_new(body, "status", json_string("degraded"));
        json_object_set_new(body, "reason", json_string(reason));
        json_object_set_new(body, "degraded_since", json_real(since));
    } else {
        json_object_set_new(body, "status", json_string("ok"));
    }
    json_object_set_new(body, "version", json_string(FLUORO_VERSION));
    json_object_set_new(body, "uptime_seconds", json_real(now_epoch() - req->app->started_at));
    http_reply_json(rep, 200, body);
}

void api_metrics(struct http_request *req, struct http_reply *rep)
{
    (void)req;
    struct buf b;
    buf_init(&b, 0);
    if (metrics_render_prometheus(&b) < 0) {
        buf_fini(&b);
        api_err(rep, 500, "Internal", -1, "could not render metrics");
        return;
    }
    size_t len = 0;
    char *text = buf_steal(&b, &len);
    http_reply_text(rep, 200, "text/plain; version=0.0.4; charset=utf-8", text, len);
}

void api_stats(struct http_request *req, struct http_reply *rep)
{
    json_t *body = metrics_to_json();
    struct store *ro = store_thread_ro();
    int64_t traces = 0, segments = 0;
    if (ro && xray_db_counts(ro, &traces, &segments) == 0) {
        json_object_set_new(body, "traces", json_integer(traces));
        json_object_set_new(body, "segments", json_integer(segments));
    }
    json_object_set_new(body, "uptime_seconds", json_real(now_epoch() - req->app->started_at));
    http_reply_json(rep, 200, body);
}

struct reset_what {
    bool xray;
    bool logs;
};

static int do_reset(struct writer_txn *txn, void *arg)
{
    struct reset_what *what = arg;
    struct store *rw = writer_txn_store(txn);
    int rc = what->xray ? xray_db_reset(rw) : 0;
    if (rc == 0 && what->logs) {
        rc = logs_db_reset(rw);
    }
    writer_txn_changed(txn, WRITER_CHANGED_TRACES | WRITER_CHANGED_LOGS);
    return rc;
}

void api_reset(struct http_request *req, struct http_reply *rep)
{
    const char *only = http_query(req, "only");
    struct reset_what what = {true, true};
    if (only && strcmp(only, "xray") == 0) {
        what.logs = false;
    } else if (only && strcmp(only, "logs") == 0) {
        what.xray = false;
    } else if (only && *only) {
        api_err(rep, 400, "InvalidParameter", -1, "only must be \"xray\" or \"logs\"");
        return;
    }
    if (writer_call(req->app->writer, do_reset, &what) < 0) {
        api_err(rep, 500, "Internal", -1, "reset failed");
        return;
    }
    if (what.logs) {
        logs_query_reset(); /* Insights queries live in memory, not in the store */
    }
    json_t *body = json_object();
    json_object_set_new(body, "reset", json_string(only && *only ? only : "all"));
    http_reply_json(rep, 200, body);
}

/* Reads a non-negative integer query argument; returns false (and replies 400) when malformed. */
static bool query_int(struct http_request *req, struct http_reply *rep, const char *name,
                      long long dflt, long long max, long long *out)
{
    const char *v = http_query(req, name);
    *out = dflt;
    if (!v || !*v) {
        return true;
    }
    char *end = NULL;
    long long n = strtoll(v, &end, 10);
    if (*end || n < 0 || n > max) {
        api_err(rep, 400, "InvalidParameter", -1, "%s must be an integer from 0 to %lld", name,
                max);
        return false;
    }
    *out = n;
    return true;
}

/* How soon api_wait looks again when the writer is quiet but datagrams are still unread. */
#define UNREAD_RECHECK_MS 5

/* api_wait parks between checks; this is when it started. */
struct wait_progress {
    uint64_t start;
};

void api_wait(struct http_request *req, struct http_reply *rep)
{
    long long idle_ms, timeout_ms;
    if (!query_int(req, rep, "idle_ms", 200, 600000, &idle_ms) ||
        !query_int(req, rep, "timeout_ms", 10000, 600000, &timeout_ms)) {
        return;
    }
    struct wait_progress *wp = http_saved(req);
    if (!wp) {
        wp = xcalloc(1, sizeof(*wp));
        wp->start = now_mono_ms();
        http_save(req, wp, free);
    }
    uint64_t start = wp->start;
    uint64_t left = writer_idle_in(req->app->writer, start, (int)idle_ms);
    if (left == 0 &&
        (udp_refresh_kernel_stats(req->app->udp) || queue_pending(req->app->queue) != 0)) {
        /* The writer is quiet but datagrams still sit in the socket's buffer or the queue: they
         * are not received yet, so "idle" now would be a lie. Look again shortly. The kernel's
         * drop counter is refreshed on the way, so the answer reports every loss up to now. */
        left = UNREAD_RECHECK_MS;
    }
    uint64_t deadline = start + (uint64_t)timeout_ms;
    int rc = left == 0 ? 0 : ERR_TIMEOUT;
    if (left && now_mono_ms() < deadline && !req->app->stopping) {
        uint64_t at = now_mono_ms() + left;
        http_park(rep, UINT64_MAX, at < deadline ? at : deadline); /* only time ends idleness */
        return;
    }
    json_t *body = json_object();
    json_object_set_new(body, "idle", json_boolean(rc == 0));
    json_object_set_new(body, "waited_ms", json_integer((json_int_t)(now_mono_ms() - start)));
    json_object_set_new(body, "queue_depth",
                        json_integer((json_int_t)queue_pending(req->app->queue)));
    /* Totals since start, so a CI step can compare them before and after its run. */
    json_object_set_new(body, "udp_received", json_integer((json_int_t)METRIC_GET(udp_received)));
    json_object_set_new(body, "udp_dropped", json_integer((json_int_t)METRIC_GET(udp_dropped)));
    json_object_set_new(body, "udp_dropped_kernel",
                        json_integer((json_int_t)METRIC_GET(udp_dropped_kernel)));
    if (rc < 0) {
        json_t *err = json_object();
        json_object_set_new(err, "code", json_string("Timeout"));
        json_object_set_new(err, "message",
                            json_string("ingest did not go idle before timeout_ms"));
        json_object_set_new(body, "error", err);
    }
    http_reply_json(rep, rc == 0 ? 200 : 408, body);
}

bool api_v1_query_time(struct http_request *req, struct http_reply *rep, const char *name,
                       double dflt, double *out)
{
    const char *v = http_query(req, name);
    *out = dflt;
    if (!v || !*v || config_parse_when(v, out) == 0) {
        return true;
    }
    api_err(rep, 400, "InvalidParameter", -1,
            "%s must be epoch seconds or a duration back from now such as 15m", name);
    return false;
}

/* Compiles ?filter=; replies 400 with the position when it does not parse. */
static bool query_filter(struct http_request *req, struct http_reply *rep, struct store *ro,
                         struct fexpr **out)
{
    const char *expr = http_query(req, "filter");
    struct errbuf err = {{0}, -1};
    *out = NULL;
    if (!expr || !*expr) {
        return true;
    }
    if (xray_query_compile(ro, expr, out, &err) < 0) {
        api_err(rep, 400, "InvalidFilterExpression", err.pos, "%s", err.msg);
        return false;
    }
    return true;
}

static struct store *api_reader(struct http_reply *rep)
{
    struct store *ro = store_thread_ro();
    if (!ro) {
        api_err(rep, 500, "Internal", -1, "the database is not available");
    }
    return ro;
}

/* The list form of a trace: what the UI's table and CI need, without the whole view. */
static json_t *trace_row(const json_t *d)
{
    json_t *row = json_object();
    static const char *const keys[] = {"trace_id",      "start_time", "end_time", "duration",
                                       "response_time", "partial",    "root",     "users"};
    for (size_t i = 0; i < ARRAY_LEN(keys); i++) {
        json_t *v = json_object_get(d, keys[i]);
        if (v) {
            json_object_set(row, keys[i], v);
        }
    }
    json_object_set(row, "summary", json_object_get(d, "summary"));
    return row;
}

void api_traces_list(struct http_request *req, struct http_reply *rep)
{
    struct store *ro = api_reader(rep);
    struct fexpr *filter = NULL;
    long long limit = 0;
    double now = now_epoch();
    struct xray_query q = {.by_event = true};
    const char *token = http_query(req, "next_token");
    char *scope = NULL;
    if (!ro || !api_v1_query_time(req, rep, "since", 0, &q.start) ||
        !api_v1_query_time(req, rep, "until", now + 86400, &q.end) ||
        !query_int(req, rep, "limit", 100, 1000, &limit) || !query_filter(req, rep, ro, &filter)) {
        goto out;
    }
    q.filter = filter;
    q.limit = (size_t)(limit ? limit : 100);
    scope = xasprintf("%.3f|%.3f|%s", q.start, q.end, http_query(req, "filter") ?: "");
    if (token && aws_token_decode(token, scope, &q.offset) < 0) {
        api_err(rep, 400, "InvalidParameter", -1, "next_token does not belong to this query");
        goto out;
    }
    struct xray_query_page page;
    if (xray_query_run(ro, &q, &page) < 0) {
        api_err(rep, 500, "Internal", -1, "the trace query failed");
        goto out;
    }
    json_t *rows = json_array();
    size_t i;
    json_t *d;
    json_array_foreach(page.matches, i, d)
    {
        json_array_append_new(rows, trace_row(d));
    }
    json_t *body = json_pack("{s:o, s:I}", "traces", rows, "processed", (json_int_t)page.processed);
    if (page.next_offset >= 0) {
        char *next = aws_token_encode(page.next_offset, scope);
        json_object_set_new(body, "next_token", json_string(next));
        free(next);
    }
    json_decref(page.matches);
    http_reply_json(rep, 200, body);
out:
    free(scope);
    fexpr_free(filter);
}

/* The assembled trace for the UI and CI: derived summary, nodes and edges, and every segment
 * document with its subsegments nested (parsed, not as strings). Declared in api_v1.h. */
json_t *api_v1_trace_detail(struct store *ro, const char *trace_id)
{
    json_t *d = xray_db_trace_derived(ro, trace_id);
    json_t *docs = d ? xray_db_trace_docs(ro, trace_id) : NULL;
    json_t *out = NULL;
    if (!d) {
        return NULL;
    }
    size_t n = json_array_size(docs);
    json_t **items = xmalloc((n + 1) * sizeof(*items));
    for (size_t i = 0; i < n; i++) {
        items[i] = json_array_get(docs, i);
    }
    json_t *assembled = n ? trace_assemble(items, n) : NULL;
    json_t *segments = json_array();
    size_t i;
    json_t *s;
    json_array_foreach(json_object_get(assembled, "Segments"), i, s)
    {
        json_t *doc = json_loads(json_string_value(json_object_get(s, "Document")), 0, NULL);
        if (doc) {
            json_array_append_new(segments, doc);
        }
    }
    out = trace_row(d);
    json_object_set(out, "nodes", json_object_get(d, "nodes"));
    json_object_set(out, "edges", json_object_get(d, "edges"));
    json_object_set_new(out, "segments", segments);
    free(items);
    json_decref(assembled);
    json_decref(docs);
    json_decref(d);
    return out;
}

void api_trace_get(struct http_request *req, struct http_reply *rep)
{
    struct store *ro = api_reader(rep);
    const char *id = req->path + strlen("/api/v1/traces/");
    if (!ro) {
        return;
    }
    /* /api/v1/traces/{id}/logs: the trace's correlated log events (api_v1_logs.c). */
    size_t idlen = strlen(id);
    if (idlen > 5 && strcmp(id + idlen - 5, "/logs") == 0) {
        char tid[64];
        snprintf(tid, sizeof(tid), "%.*s", (int)(idlen - 5), id);
        api_trace_logs(req, rep, tid);
        return;
    }
    if (strlen(id) != 35 || strncmp(id, "1-", 2) != 0) {
        api_err(rep, 400, "InvalidTraceId", -1, "\"%s\" is not a trace id (1-xxxxxxxx-<24 hex>)",
                id);
        return;
    }
    json_t *t = api_v1_trace_detail(ro, id);
    if (!t) {
        api_err(rep, 404, "TraceNotFound", -1, "no trace %s", id);
        return;
    }
    /* The trace page's critical path, self times and statistics (critical_path.h); golden
     * files (?normalize=) stay the stored documents only. */
    if (!http_query(req, "normalize")) {
        json_object_set_new(t, "analysis", critical_path_analyze(json_object_get(t, "segments")));
    }
    /* ?normalize=1: stable ids and relative times for golden files (normalize.h). */
    api_ci_normalize(req, t);
    http_reply_json(rep, 200, t);
}

/* POST /api/v1/analyze: {"segments": [...]} (the segment documents of a trace that is not in the
 * store, as the UI's import reads them from a file) -> the same analysis as the trace API. */
void api_analyze(struct http_request *req, struct http_reply *rep)
{
    json_error_t jerr;
    json_t *body = json_loadb(req->body, req->body_len, 0, &jerr);
    json_t *segments = json_object_get(body, "segments");
    if (!body) {
        api_err(rep, 400, "InvalidParameter", jerr.position, "the body is not JSON: %s", jerr.text);
        goto out;
    }
    if (!json_is_array(segments)) {
        api_err(rep, 400, "InvalidParameter", -1,
                "the body needs a \"segments\" array of segment documents");
        goto out;
    }
    http_reply_json(rep, 200, critical_path_analyze(segments));
out:
    json_decref(body);
}

static void map_add(void *arg, const struct trace_view *f)
{
    graph_add_facts(arg, f);
}

void api_service_map(struct http_request *req, struct http_reply *rep)
{
    struct store *ro = api_reader(rep);
    struct fexpr *filter = NULL;
    struct graph *g = NULL;
    double since = 0, until = 0, now = now_epoch();
    if (!ro || !api_v1_query_time(req, rep, "since", now - 3600, &since) ||
        !api_v1_query_time(req, rep, "until", now + 60, &until) ||
        !query_filter(req, rep, ro, &filter)) {
        goto out;
    }
    g = graph_new();
    if (xray_query_each(ro, since, until, filter, map_add, g, NULL) < 0) {
        api_err(rep, 500, "Internal", -1, "the service map query failed");
        goto out;
    }
    http_reply_json(rep, 200,
                    json_pack("{s:f, s:f, s:o}", "since", since, "until", until, "services",
                              graph_services(g)));
out:
    graph_free(g);
    fexpr_free(filter);
}
