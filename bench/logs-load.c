/*
 * logs-load.c - CloudWatch Logs load generator and query timer for fluoro.
 *
 * Phase 1 (ingest): --threads connections each create a stream and send PutLogEvents batches of
 * --batch events (10,000 by default, the API maximum) until --events have been acknowledged;
 * acknowledged means committed, so events/s is the durable ingest rate. One message in 100
 * carries the term ERROR, one in 10,000 the term PANIC.
 * Phase 2 (queries): --queries FilterLogEvents calls per pattern (first page at a given limit) and
 * --insights StartQuery/GetQueryResults runs, reporting p50/p90/max latency.
 *
 * Build: cc -O2 -o build/logs-load bench/logs-load.c $(pkg-config --cflags --libs libcurl jansson) -lpthread
 * Usage: logs-load --url http://127.0.0.1:2000 --events 10000000 --threads 2 --queries 20
 */
#define _GNU_SOURCE
#include <curl/curl.h>
#include <jansson.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

struct opts {
    const char *url;
    const char *group;
    long long events;
    int batch;
    int threads;
    int queries;
    int insights;
    bool skip_load;
};

static struct opts o = {.url = "http://127.0.0.1:2000", .group = "/bench/logs", .events = 1000000,
                        .batch = 10000, .threads = 2, .queries = 20, .insights = 3};
static atomic_llong sent;

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

struct buf {
    char *p;
    size_t n, cap;
};

static size_t sink(char *data, size_t size, size_t n, void *arg)
{
    struct buf *b = arg;
    size_t len = size * n;
    if (b->n + len + 1 > b->cap) {
        b->cap = (b->n + len + 1) * 2;
        b->p = realloc(b->p, b->cap);
    }
    memcpy(b->p + b->n, data, len);
    b->n += len;
    b->p[b->n] = '\0';
    return len;
}

/* POSTs body to the Logs API as op; returns the HTTP status, the response in *out. */
static long call(CURL *c, const char *op, const char *body, size_t len, struct buf *out)
{
    char target[128];
    snprintf(target, sizeof(target), "X-Amz-Target: Logs_20140328.%s", op);
    struct curl_slist *h = curl_slist_append(NULL, target);
    h = curl_slist_append(h, "Content-Type: application/x-amz-json-1.1");
    out->n = 0;
    curl_easy_setopt(c, CURLOPT_URL, o.url);
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, h);
    curl_easy_setopt(c, CURLOPT_POSTFIELDS, body);
    curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE, (long)len);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, sink);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, out);
    long status = 0;
    if (curl_easy_perform(c) == CURLE_OK) {
        curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
    }
    curl_slist_free_all(h);
    return status;
}

static long long now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void *loader(void *arg)
{
    int id = (int)(long)arg;
    CURL *c = curl_easy_init();
    struct buf out = {0};
    char stream[64], body[256];
    snprintf(stream, sizeof(stream), "loader-%d", id);
    snprintf(body, sizeof(body), "{\"logGroupName\":\"%s\",\"logStreamName\":\"%s\"}", o.group,
             stream);
    call(c, "CreateLogStream", body, strlen(body), &out);
    size_t cap = (size_t)o.batch * 200 + 256;
    char *req = malloc(cap);
    long long seq = 0;
    for (;;) {
        long long start = atomic_fetch_add(&sent, o.batch);
        if (start >= o.events) {
            break;
        }
        int n = (int)(o.events - start < o.batch ? o.events - start : o.batch);
        long long ts = now_ms() - 60000;
        size_t len = (size_t)snprintf(req, cap,
                                      "{\"logGroupName\":\"%s\",\"logStreamName\":\"%s\","
                                      "\"logEvents\":[",
                                      o.group, stream);
        for (int i = 0; i < n; i++, seq++) {
            long long k = start + i;
            const char *lvl = k % 10000 == 7 ? "PANIC" : k % 100 == 3 ? "ERROR" : "INFO";
            len += (size_t)snprintf(req + len, cap - len,
                                    "%s{\"timestamp\":%lld,\"message\":\"%s request id=%lld "
                                    "user=u%lld path=/api/items/%lld status=%d latency=%lldms\"}",
                                    i ? "," : "", ts, lvl, k, k % 997, k % 50,
                                    lvl[0] == 'I' ? 200 : 500, k % 300);
        }
        len += (size_t)snprintf(req + len, cap - len, "]}");
        long st = call(c, "PutLogEvents", req, len, &out);
        if (st != 200) {
            fprintf(stderr, "PutLogEvents -> %ld %.300s\n", st, out.p ? out.p : "");
            exit(1);
        }
    }
    (void)seq;
    free(req);
    free(out.p);
    curl_easy_cleanup(c);
    return NULL;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static void report(const char *what, double *ms, int n, const char *extra)
{
    qsort(ms, (size_t)n, sizeof(*ms), cmp_double);
    printf("%-44s p50 %8.1f ms  p90 %8.1f ms  max %8.1f ms  (%d runs)%s\n", what, ms[n / 2],
           ms[(n * 9) / 10 < n ? (n * 9) / 10 : n - 1], ms[n - 1], n, extra);
}

static void filter_bench(CURL *c, const char *pattern, int limit)
{
    struct buf out = {0};
    double *ms = calloc((size_t)o.queries, sizeof(double));
    char body[512], extra[64] = "";
    snprintf(body, sizeof(body), "{\"logGroupName\":\"%s\",\"filterPattern\":\"%s\",\"limit\":%d}",
             o.group, pattern, limit);
    size_t events = 0;
    for (int i = 0; i < o.queries; i++) {
        double t0 = now_s();
        long st = call(c, "FilterLogEvents", body, strlen(body), &out);
        ms[i] = (now_s() - t0) * 1000;
        if (st != 200) {
            fprintf(stderr, "FilterLogEvents -> %ld %.300s\n", st, out.p);
            exit(1);
        }
        json_t *r = json_loads(out.p, 0, NULL);
        events = json_array_size(json_object_get(r, "events"));
        json_decref(r);
    }
    snprintf(extra, sizeof(extra), "  [%zu events on the first page]", events);
    char what[128];
    snprintf(what, sizeof(what), "FilterLogEvents \"%s\" limit %d", pattern, limit);
    report(what, ms, o.queries, extra);
    free(ms);
    free(out.p);
}

static void insights_bench(CURL *c, const char *query)
{
    struct buf out = {0};
    double *ms = calloc((size_t)o.insights, sizeof(double));
    char body[1024], qbody[128], extra[128] = "";
    long long now = now_ms() / 1000;
    json_t *b = json_pack("{s:s, s:I, s:I, s:s}", "logGroupName", o.group, "startTime",
                          (json_int_t)(now - 86400), "endTime", (json_int_t)(now + 60),
                          "queryString", query);
    char *text = json_dumps(b, JSON_COMPACT);
    snprintf(body, sizeof(body), "%s", text);
    free(text);
    json_decref(b);
    for (int i = 0; i < o.insights; i++) {
        double t0 = now_s();
        if (call(c, "StartQuery", body, strlen(body), &out) != 200) {
            fprintf(stderr, "StartQuery failed: %.300s\n", out.p);
            exit(1);
        }
        json_t *r = json_loads(out.p, 0, NULL);
        snprintf(qbody, sizeof(qbody), "{\"queryId\":\"%s\"}",
                 json_string_value(json_object_get(r, "queryId")));
        json_decref(r);
        for (;;) {
            call(c, "GetQueryResults", qbody, strlen(qbody), &out);
            r = json_loads(out.p, 0, NULL);
            const char *status = json_string_value(json_object_get(r, "status"));
            bool done = status && strcmp(status, "Running") != 0 && strcmp(status, "Scheduled") != 0;
            if (done) {
                snprintf(extra, sizeof(extra), "  [%s, %.0f records scanned]", status,
                         json_number_value(json_object_get(json_object_get(r, "statistics"),
                                                           "recordsScanned")));
            }
            json_decref(r);
            if (done) {
                break;
            }
            usleep(20000);
        }
        ms[i] = (now_s() - t0) * 1000;
    }
    char what[160];
    snprintf(what, sizeof(what), "Insights \"%.30s…\"", query);
    report(what, ms, o.insights, extra);
    free(ms);
    free(out.p);
}

int main(int argc, char **argv)
{
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : "";
        if (!strcmp(a, "--url")) {
            o.url = v, i++;
        } else if (!strcmp(a, "--group")) {
            o.group = v, i++;
        } else if (!strcmp(a, "--events")) {
            o.events = atoll(v), i++;
        } else if (!strcmp(a, "--batch")) {
            o.batch = atoi(v), i++;
        } else if (!strcmp(a, "--threads")) {
            o.threads = atoi(v), i++;
        } else if (!strcmp(a, "--queries")) {
            o.queries = atoi(v), i++;
        } else if (!strcmp(a, "--insights")) {
            o.insights = atoi(v), i++;
        } else if (!strcmp(a, "--skip-load")) {
            o.skip_load = true;
        } else {
            fprintf(stderr, "usage: logs-load [--url U] [--group G] [--events N] [--batch N] "
                            "[--threads N] [--queries N] [--insights N] [--skip-load]\n");
            return 2;
        }
    }
    curl_global_init(CURL_GLOBAL_ALL);
    CURL *c = curl_easy_init();
    struct buf out = {0};
    if (!o.skip_load) {
        char body[256];
        snprintf(body, sizeof(body), "{\"logGroupName\":\"%s\"}", o.group);
        call(c, "CreateLogGroup", body, strlen(body), &out);
        pthread_t th[16];
        int n = o.threads < 16 ? o.threads : 16;
        double t0 = now_s();
        for (int i = 0; i < n; i++) {
            pthread_create(&th[i], NULL, loader, (void *)(long)i);
        }
        for (int i = 0; i < n; i++) {
            pthread_join(th[i], NULL);
        }
        double dt = now_s() - t0;
        printf("PutLogEvents: %lld events in %.1f s = %.0f events/s (%d threads, %d per batch)\n",
               o.events, dt, (double)o.events / dt, n, o.batch);
    }
    filter_bench(c, "ERROR", 100);
    filter_bench(c, "ERROR", 10000);
    filter_bench(c, "PANIC", 10000);
    filter_bench(c, "NOSUCHTERM", 10000);
    filter_bench(c, "[lvl=PANIC, ...]", 100);
    insights_bench(c, "filter @message like /PANIC/ | stats count(*) as n");
    free(out.p);
    curl_easy_cleanup(c);
    curl_global_cleanup();
    return 0;
}
