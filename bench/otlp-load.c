/*
 * otlp-load.c - OTLP/HTTP protobuf ingest load generator for fluoro's POST /v1/traces.
 *
 * Each request is an ExportTraceServiceRequest (protobuf, built with the same protoc-c messages
 * fluoro compiles) of --traces traces of four spans, shaped like an ADOT-instrumented service: a
 * SERVER span with current HTTP semantic conventions, an AWS SDK CLIENT span (DynamoDB PutItem),
 * an SNS Publish CLIENT span and an INTERNAL span, under a resource with service, cloud and SDK
 * attributes. --threads connections (keep-alive) send requests back to back until --spans spans
 * are acknowledged; fluoro answers after the commit, so the rate is durable ingest with full
 * translation and derivation. Any non-200 answer or partial_success counts as loss.
 *
 * Build: see bench/run-otlp.sh (links the generated build/gen .pb-c.c files, libprotobuf-c, libcurl).
 * Usage: otlp-load --url http://127.0.0.1:2000 --spans 1000000 --traces 250 --threads 2
 *                  [--ids xray|w3c]
 * Trace ids: xray (the default) starts each id with the epoch seconds, as ADOT's AWS X-Ray id
 * generator does; w3c makes all 16 bytes random, as an OpenTelemetry SDK's default generator.
 */
#define _GNU_SOURCE
#include <curl/curl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "otlp_trace_service.pb-c.h"

#define KV_MAX 8

struct opts {
    const char *url;
    long spans;
    int traces;
    int threads;
    bool w3c_ids;
};

static struct opts o = {"http://127.0.0.1:2000", 1000000, 250, 2, false};
static _Atomic long sent_spans, ok_spans, failed_requests;

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* A flat arena of protobuf-c messages for one request, rebuilt per request. */
struct kvs {
    Opentelemetry__Proto__Common__V1__KeyValue kv[KV_MAX];
    Opentelemetry__Proto__Common__V1__AnyValue v[KV_MAX];
    Opentelemetry__Proto__Common__V1__KeyValue *p[KV_MAX];
    size_t n;
};

static void kv_str(struct kvs *k, const char *key, const char *val)
{
    size_t i = k->n++;
    opentelemetry__proto__common__v1__key_value__init(&k->kv[i]);
    opentelemetry__proto__common__v1__any_value__init(&k->v[i]);
    k->kv[i].key = (char *)key;
    k->v[i].value_case = OPENTELEMETRY__PROTO__COMMON__V1__ANY_VALUE__VALUE_STRING_VALUE;
    k->v[i].string_value = (char *)val;
    k->kv[i].value = &k->v[i];
    k->p[i] = &k->kv[i];
}

static void kv_int(struct kvs *k, const char *key, long val)
{
    size_t i = k->n++;
    opentelemetry__proto__common__v1__key_value__init(&k->kv[i]);
    opentelemetry__proto__common__v1__any_value__init(&k->v[i]);
    k->kv[i].key = (char *)key;
    k->v[i].value_case = OPENTELEMETRY__PROTO__COMMON__V1__ANY_VALUE__VALUE_INT_VALUE;
    k->v[i].int_value = val;
    k->kv[i].value = &k->v[i];
    k->p[i] = &k->kv[i];
}

struct span_buf {
    Opentelemetry__Proto__Trace__V1__Span span;
    struct kvs attrs;
    uint8_t tid[16], sid[8], pid[8];
};

/* splitmix64: a bijection, so distinct sequence numbers give distinct random-looking ids. */
static uint64_t mix(uint64_t x)
{
    x += 0x9e3779b97f4a7c15u;
    x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9u;
    x = (x ^ (x >> 27)) * 0x94d049bb133111ebu;
    return x ^ (x >> 31);
}

/* Fills a 4-span trace into s[0..3]; seq makes ids unique. */
static void make_trace(struct span_buf *s, uint64_t seq, uint64_t t0_ns, char *url)
{
    uint32_t epoch = (uint32_t)(t0_ns / 1000000000u);
    for (int i = 0; i < 4; i++) {
        struct span_buf *b = &s[i];
        memset(&b->attrs, 0, sizeof(b->attrs));
        opentelemetry__proto__trace__v1__span__init(&b->span);
        b->tid[0] = (uint8_t)(epoch >> 24);
        b->tid[1] = (uint8_t)(epoch >> 16);
        b->tid[2] = (uint8_t)(epoch >> 8);
        b->tid[3] = (uint8_t)epoch;
        memcpy(b->tid + 4, &seq, 8);
        memset(b->tid + 12, 0x5a, 4);
        if (o.w3c_ids) {
            uint64_t hi = mix(seq), lo = mix(~seq);
            memcpy(b->tid, &hi, 8);
            memcpy(b->tid + 8, &lo, 8);
        }
        uint64_t id = seq * 4 + (uint64_t)i + 1;
        memcpy(b->sid, &id, 8);
        b->span.trace_id = (ProtobufCBinaryData){16, b->tid};
        b->span.span_id = (ProtobufCBinaryData){8, b->sid};
        if (i > 0) {
            memcpy(b->pid, s[0].sid, 8);
            b->span.parent_span_id = (ProtobufCBinaryData){8, b->pid};
        }
        b->span.start_time_unix_nano = t0_ns + (uint64_t)i * 1000000u;
        b->span.end_time_unix_nano = t0_ns + 40000000u - (uint64_t)i * 1000000u;
    }
    s[0].span.name = "GET /orders/{id}";
    s[0].span.kind = OPENTELEMETRY__PROTO__TRACE__V1__SPAN__SPAN_KIND__SPAN_KIND_SERVER;
    snprintf(url, 64, "https://api.example.com/orders/%llu", (unsigned long long)seq);
    kv_str(&s[0].attrs, "http.request.method", "GET");
    kv_str(&s[0].attrs, "url.full", url);
    kv_int(&s[0].attrs, "http.response.status_code", seq % 50 ? 200 : 500);
    kv_str(&s[0].attrs, "http.route", "/orders/{id}");
    s[1].span.name = "DynamoDB.PutItem";
    s[1].span.kind = OPENTELEMETRY__PROTO__TRACE__V1__SPAN__SPAN_KIND__SPAN_KIND_CLIENT;
    kv_str(&s[1].attrs, "rpc.system", "aws-api");
    kv_str(&s[1].attrs, "rpc.service", "DynamoDB");
    kv_str(&s[1].attrs, "rpc.method", "PutItem");
    kv_str(&s[1].attrs, "aws.region", "us-east-1");
    kv_str(&s[1].attrs, "aws.request_id", "REQ0123456789");
    s[2].span.name = "SNS.Publish";
    s[2].span.kind = OPENTELEMETRY__PROTO__TRACE__V1__SPAN__SPAN_KIND__SPAN_KIND_CLIENT;
    kv_str(&s[2].attrs, "rpc.system", "aws-api");
    kv_str(&s[2].attrs, "rpc.service", "SNS");
    kv_str(&s[2].attrs, "rpc.method", "Publish");
    s[3].span.name = "render";
    s[3].span.kind = OPENTELEMETRY__PROTO__TRACE__V1__SPAN__SPAN_KIND__SPAN_KIND_INTERNAL;
    kv_str(&s[3].attrs, "template", "order.html");
    for (int i = 0; i < 4; i++) {
        s[i].span.n_attributes = s[i].attrs.n;
        s[i].span.attributes = s[i].attrs.p;
    }
}

/* Packs one request of o.traces traces into a new buffer. */
static uint8_t *build_request(uint64_t first_seq, size_t *len)
{
    size_t nspans = (size_t)o.traces * 4;
    struct span_buf *bufs = calloc(nspans, sizeof(*bufs));
    Opentelemetry__Proto__Trace__V1__Span **spans = calloc(nspans, sizeof(*spans));
    char(*urls)[64] = calloc((size_t)o.traces, 64);
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    uint64_t t0 = (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
    for (int t = 0; t < o.traces; t++) {
        make_trace(&bufs[t * 4], first_seq + (uint64_t)t, t0, urls[t]);
    }
    for (size_t i = 0; i < nspans; i++) {
        spans[i] = &bufs[i].span;
    }
    struct kvs res = {0};
    kv_str(&res, "service.name", "orders-api");
    kv_str(&res, "service.version", "1.4.2");
    kv_str(&res, "cloud.provider", "aws");
    kv_str(&res, "cloud.platform", "aws_ecs");
    kv_str(&res, "telemetry.sdk.name", "opentelemetry");
    kv_str(&res, "telemetry.sdk.language", "nodejs");
    kv_str(&res, "telemetry.sdk.version", "2.1.0");
    Opentelemetry__Proto__Resource__V1__Resource resource =
        OPENTELEMETRY__PROTO__RESOURCE__V1__RESOURCE__INIT;
    resource.n_attributes = res.n;
    resource.attributes = res.p;
    Opentelemetry__Proto__Trace__V1__ScopeSpans ss = OPENTELEMETRY__PROTO__TRACE__V1__SCOPE_SPANS__INIT;
    ss.n_spans = nspans;
    ss.spans = spans;
    Opentelemetry__Proto__Trace__V1__ScopeSpans *ssp = &ss;
    Opentelemetry__Proto__Trace__V1__ResourceSpans rs =
        OPENTELEMETRY__PROTO__TRACE__V1__RESOURCE_SPANS__INIT;
    rs.resource = &resource;
    rs.n_scope_spans = 1;
    rs.scope_spans = &ssp;
    Opentelemetry__Proto__Trace__V1__ResourceSpans *rsp = &rs;
    Opentelemetry__Proto__Collector__Trace__V1__ExportTraceServiceRequest req =
        OPENTELEMETRY__PROTO__COLLECTOR__TRACE__V1__EXPORT_TRACE_SERVICE_REQUEST__INIT;
    req.n_resource_spans = 1;
    req.resource_spans = &rsp;
    *len = opentelemetry__proto__collector__trace__v1__export_trace_service_request__get_packed_size(&req);
    uint8_t *out = malloc(*len);
    opentelemetry__proto__collector__trace__v1__export_trace_service_request__pack(&req, out);
    free(bufs);
    free(spans);
    free(urls);
    return out;
}

struct reply {
    char buf[512];
    size_t len;
};

static size_t on_body(char *p, size_t size, size_t n, void *arg)
{
    struct reply *r = arg;
    size_t k = size * n;
    size_t room = sizeof(r->buf) - r->len;
    memcpy(r->buf + r->len, p, k < room ? k : room);
    r->len += k < room ? k : room;
    return size * n;
}

static void *worker(void *arg)
{
    long id = (long)arg;
    CURL *c = curl_easy_init();
    char url[512];
    snprintf(url, sizeof(url), "%s/v1/traces", o.url);
    struct curl_slist *h = curl_slist_append(NULL, "Content-Type: application/x-protobuf");
    curl_easy_setopt(c, CURLOPT_URL, url);
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, h);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body);
    long per_req = (long)o.traces * 4;
    for (uint64_t k = 0;; k++) {
        long start = atomic_fetch_add(&sent_spans, per_req);
        if (start >= o.spans) {
            break;
        }
        size_t len;
        uint8_t *body = build_request(((uint64_t)id << 40) + k * (uint64_t)o.traces, &len);
        struct reply r = {.len = 0};
        curl_easy_setopt(c, CURLOPT_WRITEDATA, &r);
        curl_easy_setopt(c, CURLOPT_POSTFIELDS, body);
        curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE, (long)len);
        long status = 0;
        if (curl_easy_perform(c) == CURLE_OK) {
            curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
        }
        /* An empty 200 body is a full success; anything else (partial_success) is loss. */
        if (status == 200 && r.len == 0) {
            atomic_fetch_add(&ok_spans, per_req);
        } else {
            atomic_fetch_add(&failed_requests, 1);
            fprintf(stderr, "request failed: status %ld, %zu body bytes\n", status, r.len);
        }
        free(body);
    }
    curl_slist_free_all(h);
    curl_easy_cleanup(c);
    return NULL;
}

int main(int argc, char **argv)
{
    for (int i = 1; i + 1 < argc; i += 2) {
        if (strcmp(argv[i], "--url") == 0) {
            o.url = argv[i + 1];
        } else if (strcmp(argv[i], "--spans") == 0) {
            o.spans = atol(argv[i + 1]);
        } else if (strcmp(argv[i], "--traces") == 0) {
            o.traces = atoi(argv[i + 1]);
        } else if (strcmp(argv[i], "--threads") == 0) {
            o.threads = atoi(argv[i + 1]);
        } else if (strcmp(argv[i], "--ids") == 0) {
            o.w3c_ids = strcmp(argv[i + 1], "w3c") == 0;
        } else {
            fprintf(stderr, "unknown option %s\n", argv[i]);
            return 2;
        }
    }
    curl_global_init(CURL_GLOBAL_ALL);
    pthread_t th[64];
    double t0 = now_s();
    for (long i = 0; i < o.threads && i < 64; i++) {
        pthread_create(&th[i], NULL, worker, (void *)i);
    }
    for (long i = 0; i < o.threads && i < 64; i++) {
        pthread_join(th[i], NULL);
    }
    double dt = now_s() - t0;
    long ok = atomic_load(&ok_spans);
    printf("otlp: acknowledged=%ld spans in %.2f s = %.0f spans/s (%d spans/request, %d "
           "connections), failed_requests=%ld\n",
           ok, dt, ok / dt, o.traces * 4, o.threads, atomic_load(&failed_requests));
    curl_global_cleanup();
    return atomic_load(&failed_requests) ? 1 : 0;
}
