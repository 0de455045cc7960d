/*
 * export.c - the exporter threads (see export.h). Each thread loops over rounds: read up to a
 * round's rows after its cursor from its own read-only connection, encode them into requests,
 * send them until each is accepted or permanently refused (export_send.c), then move the
 * cursor in memory and queue its write to the writer. With nothing to read it waits for the
 * writer's next commit. Lag (items and age after the cursor) and the thread's CPU time are
 * published as exporter gauges once a second at most.
 *
 * Invariant: the cursor never passes a row that was neither delivered nor counted as rejected.
 * A crash between a delivery and its cursor write sends that round again (at-least-once; the
 * X-Ray and OTLP receivers replace a segment or span with the same id).
 */
#include "export.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "export_int.h"
#include "log.h"

#define LAG_EVERY_MS 1000
#define IDLE_WAIT_MS 250

struct kind {
    enum metrics_exporter id;
    enum export_source source;
    int round_max;             /* rows read per round */
    const char *sigv4_service; /* NULL: signed only towards *.amazonaws.com (OTLP) */
    int (*build)(struct export_target *t, const struct export_batch *b, struct export_reqs *out);
};

/* 1,000 segments make 20 PutTraceSegments of 50 sent 8 at a time; an OTLP request of 1,000
 * segments stays far below the 5 MB AWS accepts (reference/otlp.md §1). A log chunk holds up to
 * 2,048 events and about 64 KB, so a round of 32 chunks is at most a few MB. */
static const struct kind kinds[] = {
    {METRICS_EXPORTER_OTLP_TRACES, EXPORT_SOURCE_SEGMENTS, 1000, NULL, export_otlp_traces_build},
    {METRICS_EXPORTER_OTLP_LOGS, EXPORT_SOURCE_LOG_CHUNKS, 32, NULL, export_otlp_logs_build},
    {METRICS_EXPORTER_XRAY, EXPORT_SOURCE_SEGMENTS, 1000, "xray", export_xray_build},
    {METRICS_EXPORTER_LOGS, EXPORT_SOURCE_LOG_CHUNKS, 32, "logs", export_logs_build},
};
_Static_assert(ARRAY_LEN(kinds) == METRICS_EXPORTER_COUNT, "one kind per exporter");

struct exporter {
    const struct kind *kind;
    struct export_target target;
    struct writer *writer;
    const char *db_path;
    pthread_t thread;
    bool started;
    int64_t cursor;
};

struct exporters {
    struct exporter v[METRICS_EXPORTER_COUNT];
    size_t n;
    atomic_bool stopping; /* export_stop (main thread) -> exporter threads */
    char **headers;       /* --export-header as "K: V" lines, NULL-terminated */
};

static uint64_t thread_cpu_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

struct exporter_tick {
    struct exporter *e;
    struct store *ro;
};

static void publish_lag(struct exporter *e, struct store *ro);

static void on_tick(void *arg)
{
    struct exporter_tick *t = arg;
    publish_lag(t->e, t->ro);
}

static void publish_lag(struct exporter *e, struct store *ro)
{
    uint64_t items = 0, age = 0;
    if (export_db_lag(ro, e->kind->source, e->cursor, &items, &age) == 0) {
        struct metrics_exporter_counters *m = &metrics.exporters[e->kind->id];
        atomic_store_explicit(&m->lag_items, items, memory_order_relaxed);
        atomic_store_explicit(&m->lag_ms, age, memory_order_relaxed);
    }
}

/* A reset or a prune of the newest chunks can leave the cursor past every stored chunk id, and
 * SQLite reuses ids above the largest remaining one: bring the cursor back so those are seen.
 * Segments need no such care, as the writer's seq never goes back (xray_db_max_seq). */
static void clamp_cursor(struct exporter *e, struct store *ro)
{
    if (e->kind->source != EXPORT_SOURCE_LOG_CHUNKS) {
        return;
    }
    int64_t max = export_db_max_pos(ro, e->kind->source);
    if (max >= 0 && max < e->cursor) {
        e->cursor = max;
        export_db_save_cursor(e->writer, metrics_exporter_label(e->kind->id), e->kind->source, max);
    }
}

/* One round. Returns the number of rows handled, 0 when there were none, or a negative error
 * (then the cursor has not moved). */
static int round_once(struct exporter *e, struct store *ro)
{
    struct export_batch b;
    struct export_reqs reqs = {0};
    int rc = export_db_read(ro, e->kind->source, e->cursor, e->kind->round_max, &b);
    if (rc < 0) {
        return rc;
    }
    size_t rows = b.nsegs + b.nchunks;
    if (rows == 0) {
        if (b.last > e->cursor) { /* only rows this exporter passes over */
            e->cursor = b.last;
            export_db_save_cursor(e->writer, metrics_exporter_label(e->kind->id), e->kind->source,
                                  b.last);
            rows = 1;
        }
        goto out;
    }
    rc = e->kind->build(&e->target, &b, &reqs);
    if (rc == 0) {
        rc = export_send(&e->target, &reqs);
    }
    if (rc == 0) {
        e->cursor = b.last;
        export_db_save_cursor(e->writer, metrics_exporter_label(e->kind->id), e->kind->source,
                              b.last);
    }
out:
    export_reqs_fini(&reqs);
    export_batch_fini(&b);
    return rc < 0 ? rc : (int)rows;
}

static void *exporter_main(void *arg)
{
    struct exporter *e = arg;
    struct store *ro = NULL;
    struct metrics_exporter_counters *m = &metrics.exporters[e->kind->id];
    uint64_t last_lag = 0;
    if (store_open_ro(e->db_path, &ro) < 0 ||
        export_db_cursor(ro, metrics_exporter_label(e->kind->id), e->kind->source, &e->cursor) <
            0) {
        log_error("export: cannot open the store", "exporter=%s",
                  metrics_exporter_label(e->kind->id));
        goto out;
    }
    struct exporter_tick tick = {e, ro};
    e->target.tick = on_tick;
    e->target.tick_arg = &tick;
    publish_lag(e, ro); /* so a fresh start never shows the zero of the gauges' init */
    log_info("exporter started", "exporter=%s url=\"%s\" cursor=%lld",
             metrics_exporter_label(e->kind->id), e->target.base_url, (long long)e->cursor);
    while (!*e->target.stopping) {
        uint64_t gen = writer_generation(e->writer);
        uint64_t cpu0 = thread_cpu_us();
        clamp_cursor(e, ro);
        int n = round_once(e, ro);
        atomic_fetch_add_explicit(&m->cpu_us, thread_cpu_us() - cpu0, memory_order_relaxed);
        uint64_t now = now_mono_ms();
        if (now - last_lag >= LAG_EVERY_MS || n == 0) {
            publish_lag(e, ro);
            last_lag = now;
        }
        if (n == 0) {
            writer_wait_change(e->writer, gen, IDLE_WAIT_MS, NULL);
        } else if (n < 0 && !*e->target.stopping) {
            /* A read or encode failure (logged) is retried after a pause, never skipped. */
            struct timespec ts = {0, 500 * 1000 * 1000};
            nanosleep(&ts, NULL);
        }
    }
out:
    store_close(ro);
    return NULL;
}

static void free_lines(char **v)
{
    for (char **p = v; p && *p; p++) {
        free(*p);
    }
    free(v);
}

/* --export-header K=V,K2=V2 (comma-joined, like OTEL_EXPORTER_OTLP_HEADERS) as "K: V" lines. */
static char **header_lines(const char *spec)
{
    size_t n = 0, cap = 4;
    char **v = xcalloc(cap, sizeof(*v));
    for (const char *h = spec; *h;) {
        size_t len = strcspn(h, ",");
        const char *eq = memchr(h, '=', len);
        if (eq) {
            if (n + 2 > cap) {
                cap *= 2;
                v = xrealloc(v, cap * sizeof(*v));
            }
            v[n++] = xasprintf("%.*s: %.*s", (int)(eq - h), h, (int)(len - (size_t)(eq - h) - 1),
                               eq + 1);
            v[n] = NULL;
        }
        h += len + (h[len] == ',');
    }
    return v;
}

static void set_credentials(struct export_target *t, const char *cfg_region)
{
    const char *region = getenv("AWS_REGION");
    if (!region || !*region) {
        region = getenv("AWS_DEFAULT_REGION");
    }
    snprintf(t->region, sizeof(t->region), "%s", region && *region ? region : cfg_region);
    const char *ak = getenv("AWS_ACCESS_KEY_ID"), *sk = getenv("AWS_SECRET_ACCESS_KEY");
    const char *tok = getenv("AWS_SESSION_TOKEN");
    t->access_key = ak && *ak ? (char *)ak : NULL;
    t->secret_key = sk ? (char *)sk : NULL;
    t->session_token = tok && *tok && t->access_key ? (char *)tok : NULL;
}

static void add_exporter(struct exporters *x, const struct config *cfg, enum metrics_exporter id,
                         const char *url, struct writer *w, const char *db_path)
{
    struct exporter *e = &x->v[x->n++];
    e->kind = &kinds[id];
    e->writer = w;
    e->db_path = db_path;
    e->target.id = id;
    e->target.base_url = url;
    e->target.stopping = &x->stopping;
    /* OTLP is signed only towards AWS's own endpoints (xray.<region>.amazonaws.com/v1/traces
     * with service xray, logs.<region>... with logs), as ADOT does (reference/otlp.md §1, §2);
     * a Collector gets --export-header instead. */
    e->target.sigv4_service = kinds[id].sigv4_service;
    if (!e->target.sigv4_service && strstr(url, ".amazonaws.com")) {
        e->target.sigv4_service = id == METRICS_EXPORTER_OTLP_TRACES ? "xray" : "logs";
    }
    if (e->target.sigv4_service) {
        set_credentials(&e->target, cfg->region);
    }
    if (!kinds[id].sigv4_service) {
        e->target.headers = x->headers;
    }
}

int export_start(const struct config *cfg, struct writer *w, const char *db_path,
                 struct exporters **out)
{
    *out = NULL;
    if (!cfg->export_otlp[0] && !cfg->forward_xray[0] && !cfg->forward_logs[0]) {
        return 0;
    }
    if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
        return ERR_INTERNAL;
    }
    struct exporters *x = xcalloc(1, sizeof(*x));
    x->headers = header_lines(cfg->export_headers);
    srandom((unsigned)now_mono_ms());
    if (cfg->export_otlp[0]) {
        add_exporter(x, cfg, METRICS_EXPORTER_OTLP_TRACES, cfg->export_otlp, w, db_path);
        add_exporter(x, cfg, METRICS_EXPORTER_OTLP_LOGS, cfg->export_otlp, w, db_path);
    }
    if (cfg->forward_xray[0]) {
        add_exporter(x, cfg, METRICS_EXPORTER_XRAY, cfg->forward_xray, w, db_path);
    }
    if (cfg->forward_logs[0]) {
        add_exporter(x, cfg, METRICS_EXPORTER_LOGS, cfg->forward_logs, w, db_path);
    }
    for (size_t i = 0; i < x->n; i++) {
        struct exporter *e = &x->v[i];
        e->target.multi = curl_multi_init();
        /* HTTP/1.1 only: without this, libcurl queues the round's requests on the first
         * connection while it waits to learn whether it can multiplex them (HTTP/2), so they
         * would go one at a time instead of SEND_PARALLEL at once. */
        if (e->target.multi) {
            curl_multi_setopt(e->target.multi, CURLMOPT_PIPELINING, (long)CURLPIPE_NOTHING);
        }
        atomic_store_explicit(&metrics.exporters[e->kind->id].configured, 1, memory_order_relaxed);
        if (!e->target.multi || pthread_create(&e->thread, NULL, exporter_main, e) != 0) {
            export_stop(x);
            return ERR_INTERNAL;
        }
        e->started = true;
    }
    *out = x;
    return 0;
}

void export_stop(struct exporters *x)
{
    if (!x) {
        return;
    }
    atomic_store(&x->stopping, true);
    for (size_t i = 0; i < x->n; i++) {
        if (x->v[i].target.multi) {
            curl_multi_wakeup(x->v[i].target.multi);
        }
    }
    for (size_t i = 0; i < x->n; i++) {
        struct exporter *e = &x->v[i];
        if (e->started) {
            pthread_join(e->thread, NULL);
        }
        if (e->target.multi) {
            curl_multi_cleanup(e->target.multi);
        }
    }
    free_lines(x->headers);
    free(x);
    curl_global_cleanup();
}
