/*
 * export_otlp.c - segments and log chunks as OTLP/HTTP protobuf requests (export_int.h), built
 * with the protoc-c messages and gzipped, on the exporter thread.
 *
 * Segment -> span is the inverse of otlp_xray.c (the Collector's awsxray translator), chosen
 * so that fluoro -> OTLP -> fluoro gives back the same trace tree: a segment is a SERVER span
 * whose resource's service.name is the segment's name; an embedded or separately sent
 * subsegment is a CLIENT span (namespace remote, or aws with rpc.system=aws-api) or an INTERNAL
 * one, named by the span name; the X-Ray trace id's 32 hex digits are the W3C trace id; http,
 * aws and user fields become the attributes the translator reads back (http.method, http.url,
 * http.status_code, aws.operation, enduser.id, ...); annotations become attributes listed in
 * aws.xray.annotations, and each metadata namespace one aws.xray.metadata.<ns> JSON string;
 * fault becomes status ERROR and cause.exceptions "exception" events. In-progress documents are
 * left out: the completed document replaces them and is exported then (segments.seq).
 *
 * Log events go one request per stream (x-aws-log-group and x-aws-log-stream headers, as
 * CloudWatch's OTLP endpoint wants); each chunk is a ResourceLogs whose resource names the group
 * and stream (aws.log.group.names, aws.log.stream.names), one LogRecord per event with the
 * message as the body and the X-Ray trace id it mentions, if any, as trace_id.
 */
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "export_int.h"
#include "jparse.h"
#include "logs_chunk.h"
#include "otlp_decode.h"

#define KIND(k) OPENTELEMETRY__PROTO__TRACE__V1__SPAN__SPAN_KIND__SPAN_KIND_##k
#define ANY(k) OPENTELEMETRY__PROTO__COMMON__V1__ANY_VALUE__VALUE_##k
#define OTLP_STATUS struct Opentelemetry__Proto__Trace__V1__Status
#define OTLP_ARRAY struct Opentelemetry__Proto__Common__V1__ArrayValue

/* Every message of one request lives in the arena and goes with it. */
struct arena {
    void **v;
    size_t n, cap;
};

static void *arena_alloc(struct arena *a, size_t size)
{
    if (a->n == a->cap) {
        a->cap = a->cap ? a->cap * 2 : 256;
        a->v = xrealloc(a->v, a->cap * sizeof(*a->v));
    }
    return a->v[a->n++] = xcalloc(1, size);
}

static char *arena_strdup(struct arena *a, const char *s)
{
    size_t n = strlen(s);
    char *p = arena_alloc(a, n + 1);
    memcpy(p, s, n);
    return p;
}

static void arena_free(struct arena *a)
{
    for (size_t i = 0; i < a->n; i++) {
        free(a->v[i]);
    }
    free(a->v);
}

/* A growable array of message pointers in the arena's memory. */
static void push_ptr(void ***v, size_t *n, void *p)
{
    if ((*n & (*n - 1)) == 0) {
        *v = xrealloc(*v, (*n ? *n * 2 : 1) * sizeof(void *));
    }
    (*v)[(*n)++] = p;
}

static OTLP_ANY *any_new(struct arena *a)
{
    OTLP_ANY *v = arena_alloc(a, sizeof(*v));
    opentelemetry__proto__common__v1__any_value__init(v);
    return v;
}

/* Attribute lists are plain malloc'd pointer arrays, released by release_attrs. */
struct attrs {
    OTLP_KV **v;
    size_t n;
};

static OTLP_KV *kv_new(struct arena *a, struct attrs *at, const char *key)
{
    OTLP_KV *kv = arena_alloc(a, sizeof(*kv));
    opentelemetry__proto__common__v1__key_value__init(kv);
    kv->key = arena_strdup(a, key);
    kv->value = any_new(a);
    push_ptr((void ***)&at->v, &at->n, kv);
    return kv;
}

static void kv_str(struct arena *a, struct attrs *at, const char *key, const char *s)
{
    if (s) {
        OTLP_KV *kv = kv_new(a, at, key);
        kv->value->value_case = ANY(STRING_VALUE);
        kv->value->string_value = arena_strdup(a, s);
    }
}

/* A JSON scalar as an attribute (annotations: string, number or boolean). */
static void kv_json(struct arena *a, struct attrs *at, const char *key, json_t *v)
{
    if (json_is_string(v)) {
        kv_str(a, at, key, json_string_value(v));
        return;
    }
    OTLP_KV *kv = kv_new(a, at, key);
    if (json_is_integer(v)) {
        kv->value->value_case = ANY(INT_VALUE);
        kv->value->int_value = json_integer_value(v);
    } else if (json_is_real(v)) {
        kv->value->value_case = ANY(DOUBLE_VALUE);
        kv->value->double_value = json_real_value(v);
    } else if (json_is_boolean(v)) {
        kv->value->value_case = ANY(BOOL_VALUE);
        kv->value->bool_value = json_is_true(v);
    }
}

static bool hex_bytes(const char *hex, size_t want, uint8_t *out)
{
    if (!hex || strlen(hex) != want * 2) {
        return false;
    }
    for (size_t i = 0; i < want; i++) {
        unsigned v;
        if (sscanf(hex + 2 * i, "%2x", &v) != 1) {
            return false;
        }
        out[i] = (uint8_t)v;
    }
    return true;
}

/* "1-5f84c7a1-e7d1852db8c4fd35d88bf49a" -> 16 bytes. */
static bool xray_trace_bytes(const char *id, uint8_t out[16])
{
    char hex[33];
    if (!id || strlen(id) != 35 || id[0] != '1' || id[1] != '-' || id[10] != '-') {
        return false;
    }
    memcpy(hex, id + 2, 8);
    memcpy(hex + 8, id + 11, 24);
    hex[32] = '\0';
    return hex_bytes(hex, 16, out);
}

static ProtobufCBinaryData bin(struct arena *a, const uint8_t *p, size_t n)
{
    uint8_t *d = arena_alloc(a, n);
    memcpy(d, p, n);
    return (ProtobufCBinaryData){.len = n, .data = d};
}

static const char *jstr(json_t *o, const char *path1, const char *path2)
{
    json_t *v = json_object_get(o, path1);
    if (path2) {
        v = json_object_get(v, path2);
    }
    return json_string_value(v);
}

/* http and aws blocks as the attributes otlp_xray.c reads back. */
static void http_aws_attrs(struct arena *a, struct attrs *at, json_t *doc)
{
    json_t *req = json_object_get(json_object_get(doc, "http"), "request");
    json_t *resp = json_object_get(json_object_get(doc, "http"), "response");
    kv_str(a, at, "http.method", jstr(req, "method", NULL));
    kv_str(a, at, "http.url", jstr(req, "url", NULL));
    kv_str(a, at,
           json_is_true(json_object_get(req, "x_forwarded_for")) ? "http.client_ip"
                                                                 : "client.address",
           jstr(req, "client_ip", NULL));
    kv_str(a, at, "http.user_agent", jstr(req, "user_agent", NULL));
    if (json_is_integer(json_object_get(resp, "status"))) {
        kv_json(a, at, "http.status_code", json_object_get(resp, "status"));
    }
    if (json_is_integer(json_object_get(resp, "content_length"))) {
        kv_json(a, at, "http.response_content_length", json_object_get(resp, "content_length"));
    }
    static const char *const aws_keys[][2] = {
        {"operation", "aws.operation"},   {"region", "aws.region"},
        {"request_id", "aws.request_id"}, {"table_name", "aws.table_name"},
        {"queue_url", "aws.queue_url"},   {"account_id", "aws.account_id"},
    };
    json_t *aws = json_object_get(doc, "aws");
    for (size_t i = 0; i < ARRAY_LEN(aws_keys); i++) {
        kv_str(a, at, aws_keys[i][1], jstr(aws, aws_keys[i][0], NULL));
    }
    kv_str(a, at, "enduser.id", jstr(doc, "user", NULL));
}

static void annotation_attrs(struct arena *a, struct attrs *at, json_t *doc)
{
    json_t *ann = json_object_get(doc, "annotations");
    const char *key;
    json_t *v;
    if (!json_object_size(ann)) {
        return;
    }
    OTLP_KV *list = kv_new(a, at, "aws.xray.annotations");
    OTLP_ARRAY *arr = arena_alloc(a, sizeof(*arr));
    opentelemetry__proto__common__v1__array_value__init(arr);
    list->value->value_case = ANY(ARRAY_VALUE);
    list->value->array_value = arr;
    json_object_foreach(ann, key, v)
    {
        OTLP_ANY *name = any_new(a);
        name->value_case = ANY(STRING_VALUE);
        name->string_value = arena_strdup(a, key);
        push_ptr((void ***)&arr->values, &arr->n_values, name);
        kv_json(a, at, key, v);
    }
}

static void metadata_attrs(struct arena *a, struct attrs *at, json_t *doc)
{
    const char *key;
    json_t *v;
    json_t *meta = json_object_get(doc, "metadata");
    json_object_foreach(meta, key, v)
    {
        char *text = json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY);
        char *k = xasprintf("aws.xray.metadata.%s", key);
        kv_str(a, at, k, text);
        free(k);
        free(text);
    }
}

static void exception_events(struct arena *a, OTLP_SPAN *span, json_t *doc)
{
    json_t *exc = json_object_get(json_object_get(doc, "cause"), "exceptions");
    size_t i;
    json_t *e;
    json_array_foreach(exc, i, e)
    {
        OTLP_EVENT *ev = arena_alloc(a, sizeof(*ev));
        opentelemetry__proto__trace__v1__span__event__init(ev);
        ev->name = arena_strdup(a, "exception");
        ev->time_unix_nano = span->end_time_unix_nano;
        struct attrs at = {0};
        kv_str(a, &at, "exception.type", jstr(e, "type", NULL));
        kv_str(a, &at, "exception.message", jstr(e, "message", NULL));
        ev->attributes = at.v;
        ev->n_attributes = at.n;
        push_ptr((void ***)&span->events, &span->n_events, ev);
    }
}

static uint64_t nanos(json_t *v)
{
    double s = json_number_value(v);
    return s > 0 ? (uint64_t)(s * 1e9 + 0.5) : 0;
}

/* Adds doc (and its embedded subsegments) as spans of ss. parent_id: the enclosing document's
 * id for an embedded subsegment, else NULL (then the document's own parent_id counts). */
static void add_spans(struct arena *a, OTLP_SCOPE_SPANS *ss, json_t *doc, const uint8_t tid[16],
                      const char *parent_id, bool top)
{
    uint8_t sid[8], pid[8];
    if (!hex_bytes(jstr(doc, "id", NULL), 8, sid)) {
        return;
    }
    OTLP_SPAN *span = arena_alloc(a, sizeof(*span));
    opentelemetry__proto__trace__v1__span__init(span);
    span->trace_id = bin(a, tid, 16);
    span->span_id = bin(a, sid, 8);
    const char *pidhex = parent_id ? parent_id : jstr(doc, "parent_id", NULL);
    if (hex_bytes(pidhex, 8, pid)) {
        span->parent_span_id = bin(a, pid, 8);
    }
    const char *name = jstr(doc, "name", NULL);
    span->name = arena_strdup(a, name ? name : "");
    const char *ns = jstr(doc, "namespace", NULL);
    bool sub =
        !top || (jstr(doc, "type", NULL) && strcmp(jstr(doc, "type", NULL), "subsegment") == 0);
    bool remote = ns && (strcmp(ns, "remote") == 0 || strcmp(ns, "aws") == 0);
    span->kind = !sub ? KIND(SERVER) : remote ? KIND(CLIENT) : KIND(INTERNAL);
    span->start_time_unix_nano = nanos(json_object_get(doc, "start_time"));
    span->end_time_unix_nano = json_is_number(json_object_get(doc, "end_time"))
                                   ? nanos(json_object_get(doc, "end_time"))
                                   : span->start_time_unix_nano;
    struct attrs at = {0};
    if (ns && strcmp(ns, "aws") == 0) {
        kv_str(a, &at, "rpc.system", "aws-api");
    }
    http_aws_attrs(a, &at, doc);
    annotation_attrs(a, &at, doc);
    metadata_attrs(a, &at, doc);
    span->attributes = at.v;
    span->n_attributes = at.n;
    if (json_is_true(json_object_get(doc, "fault"))) {
        OTLP_STATUS *st = arena_alloc(a, sizeof(*st));
        opentelemetry__proto__trace__v1__status__init(st);
        st->code = OPENTELEMETRY__PROTO__TRACE__V1__STATUS__STATUS_CODE__STATUS_CODE_ERROR;
        span->status = st;
    }
    exception_events(a, span, doc);
    push_ptr((void ***)&ss->spans, &ss->n_spans, span);
    size_t i;
    json_t *child;
    json_array_foreach(json_object_get(doc, "subsegments"), i, child)
    {
        add_spans(a, ss, child, tid, jstr(doc, "id", NULL), false);
    }
}

/* origin -> cloud.platform (and the ECS launch type), the inverse of otlp_xray.c's table. */
static void origin_attrs(struct arena *a, struct attrs *at, const char *origin)
{
    static const char *const map[][3] = {
        {"AWS::AppRunner::Service", "aws_app_runner", NULL},
        {"AWS::EKS::Container", "aws_eks", NULL},
        {"AWS::ElasticBeanstalk::Environment", "aws_elastic_beanstalk", NULL},
        {"AWS::EC2::Instance", "aws_ec2", NULL},
        {"AWS::Lambda::Function", "aws_lambda", NULL},
        {"AWS::ECS::Container", "aws_ecs", NULL},
        {"AWS::ECS::EC2", "aws_ecs", "ec2"},
        {"AWS::ECS::Fargate", "aws_ecs", "fargate"},
    };
    for (size_t i = 0; origin && i < ARRAY_LEN(map); i++) {
        if (strcmp(origin, map[i][0]) == 0) {
            kv_str(a, at, "cloud.provider", "aws");
            kv_str(a, at, "cloud.platform", map[i][1]);
            kv_str(a, at, "aws.ecs.launchtype", map[i][2]);
        }
    }
}

static OTLP_SCOPE *scope_new(struct arena *a)
{
    OTLP_SCOPE *sc = arena_alloc(a, sizeof(*sc));
    opentelemetry__proto__common__v1__instrumentation_scope__init(sc);
    sc->name = arena_strdup(a, "fluoro");
    sc->version = arena_strdup(a, FLUORO_VERSION);
    return sc;
}

static OTLP_RESOURCE *resource_new(struct arena *a, struct attrs *at)
{
    OTLP_RESOURCE *r = arena_alloc(a, sizeof(*r));
    opentelemetry__proto__resource__v1__resource__init(r);
    r->attributes = at->v;
    r->n_attributes = at->n;
    return r;
}

/* One ResourceSpans per top-level document: the resource is the segment's service. */
static OTLP_RESOURCE_SPANS *resource_spans(struct arena *a, json_t *doc, const uint8_t tid[16])
{
    struct attrs at = {0};
    kv_str(a, &at, "service.name", jstr(doc, "name", NULL));
    kv_str(a, &at, "service.version", jstr(doc, "service", "version"));
    origin_attrs(a, &at, jstr(doc, "origin", NULL));
    OTLP_RESOURCE_SPANS *rs = arena_alloc(a, sizeof(*rs));
    opentelemetry__proto__trace__v1__resource_spans__init(rs);
    rs->resource = resource_new(a, &at);
    OTLP_SCOPE_SPANS *ss = arena_alloc(a, sizeof(*ss));
    opentelemetry__proto__trace__v1__scope_spans__init(ss);
    ss->scope = scope_new(a);
    add_spans(a, ss, doc, tid, NULL, true);
    push_ptr((void ***)&rs->scope_spans, &rs->n_scope_spans, ss);
    return rs;
}

/* The pointer arrays grown by push_ptr are malloc'd, not in the arena: free them by walking. */
static void free_trace_arrays(OTLP_TRACE_REQ *req)
{
    for (size_t i = 0; i < req->n_resource_spans; i++) {
        OTLP_RESOURCE_SPANS *rs = req->resource_spans[i];
        free(rs->resource->attributes);
        for (size_t k = 0; k < rs->n_scope_spans; k++) {
            OTLP_SCOPE_SPANS *ss = rs->scope_spans[k];
            for (size_t s = 0; s < ss->n_spans; s++) {
                OTLP_SPAN *sp = ss->spans[s];
                for (size_t j = 0; j < sp->n_attributes; j++) {
                    OTLP_ANY *v = sp->attributes[j]->value;
                    if (v->value_case == ANY(ARRAY_VALUE)) {
                        free(v->array_value->values);
                    }
                }
                for (size_t e = 0; e < sp->n_events; e++) {
                    free(sp->events[e]->attributes);
                }
                free(sp->attributes);
                free(sp->events);
            }
            free(ss->spans);
        }
        free(rs->scope_spans);
    }
    free(req->resource_spans);
}

/* gzip (RFC 1952) of data into a new buffer. */
static int gzip(const uint8_t *data, size_t len, char **out, size_t *out_len)
{
    z_stream z = {0};
    if (deflateInit2(&z, 1, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK) {
        return ERR_INTERNAL;
    }
    size_t cap = deflateBound(&z, (uLong)len);
    *out = xmalloc(cap);
    z.next_in = (Bytef *)data;
    z.avail_in = (uInt)len;
    z.next_out = (Bytef *)*out;
    z.avail_out = (uInt)cap;
    int zrc = deflate(&z, Z_FINISH);
    *out_len = cap - z.avail_out;
    deflateEnd(&z);
    if (zrc != Z_STREAM_END) {
        free(*out);
        *out = NULL;
        return ERR_INTERNAL;
    }
    return 0;
}

static int finish_protobuf(struct export_target *t, struct export_reqs *out, const char *path,
                           const ProtobufCMessage *msg, uint64_t items)
{
    size_t n = protobuf_c_message_get_packed_size(msg);
    uint8_t *raw = xmalloc(n ? n : 1);
    protobuf_c_message_pack(msg, raw);
    struct export_req *q = export_req_new(t, out, path, "application/x-protobuf");
    q->headers = curl_slist_append(q->headers, "Content-Encoding: gzip");
    q->items = items;
    int rc = gzip(raw, n, &q->body, &q->len);
    free(raw);
    return rc;
}

int export_otlp_traces_build(struct export_target *t, const struct export_batch *b,
                             struct export_reqs *out)
{
    struct arena a = {0};
    OTLP_TRACE_REQ req;
    opentelemetry__proto__collector__trace__v1__export_trace_service_request__init(&req);
    json_t **docs = xcalloc(b->nsegs ? b->nsegs : 1, sizeof(*docs));
    uint64_t items = 0;
    for (size_t i = 0; i < b->nsegs; i++) {
        uint8_t tid[16];
        docs[i] = jparse_loadb(b->segs[i].doc, b->segs[i].len, 0, NULL);
        if (json_is_true(json_object_get(docs[i], "in_progress"))) {
            continue;
        }
        if (!json_is_object(docs[i]) || !xray_trace_bytes(jstr(docs[i], "trace_id", NULL), tid)) {
            METRIC_INC(exporters[t->id].rejected[METRICS_EXPORT_REJECT_INVALID]);
            continue;
        }
        push_ptr((void ***)&req.resource_spans, &req.n_resource_spans,
                 resource_spans(&a, docs[i], tid));
        items++;
    }
    int rc = items ? finish_protobuf(t, out, "/v1/traces", &req.base, items) : 0;
    free_trace_arrays(&req);
    for (size_t i = 0; i < b->nsegs; i++) {
        json_decref(docs[i]);
    }
    free(docs);
    arena_free(&a);
    return rc;
}

/* The first X-Ray trace id a message mentions ("1-" 8 hex "-" 24 hex), like logs_chunk's. */
static bool message_trace_id(const char *m, size_t len, uint8_t out[16])
{
    for (const char *p = m; p + 35 <= m + len; p++) {
        p = memchr(p, '1', (size_t)(m + len - p));
        if (!p || p + 35 > m + len) {
            return false;
        }
        char id[36];
        memcpy(id, p, 35);
        id[35] = '\0';
        if (xray_trace_bytes(id, out)) {
            return true;
        }
    }
    return false;
}

static void free_logs_arrays(OTLP_LOGS_REQ *req)
{
    for (size_t i = 0; i < req->n_resource_logs; i++) {
        OTLP_RESOURCE_LOGS *rl = req->resource_logs[i];
        free(rl->resource->attributes);
        for (size_t k = 0; k < rl->n_scope_logs; k++) {
            free(rl->scope_logs[k]->log_records);
        }
        free(rl->scope_logs);
    }
    free(req->resource_logs);
}

static void add_chunk(struct arena *a, OTLP_LOGS_REQ *req, const struct export_chunk *c,
                      const struct logs_chunk_event *ev, size_t n)
{
    struct attrs at = {0};
    kv_str(a, &at, "aws.log.group.names", c->group);
    kv_str(a, &at, "aws.log.stream.names", c->stream);
    OTLP_RESOURCE_LOGS *rl = arena_alloc(a, sizeof(*rl));
    opentelemetry__proto__logs__v1__resource_logs__init(rl);
    rl->resource = resource_new(a, &at);
    OTLP_SCOPE_LOGS *sl = arena_alloc(a, sizeof(*sl));
    opentelemetry__proto__logs__v1__scope_logs__init(sl);
    sl->scope = scope_new(a);
    for (size_t k = 0; k < n; k++) {
        OTLP_LOG_RECORD *r = arena_alloc(a, sizeof(*r));
        opentelemetry__proto__logs__v1__log_record__init(r);
        r->time_unix_nano = (uint64_t)ev[k].ts * 1000000u;
        r->observed_time_unix_nano = r->time_unix_nano;
        r->body = any_new(a);
        r->body->value_case = ANY(STRING_VALUE);
        r->body->string_value = arena_strdup(a, ev[k].message);
        uint8_t tid[16];
        if (message_trace_id(ev[k].message, ev[k].len, tid)) {
            r->trace_id = bin(a, tid, 16);
        }
        push_ptr((void ***)&sl->log_records, &sl->n_log_records, r);
    }
    push_ptr((void ***)&rl->scope_logs, &rl->n_scope_logs, sl);
    push_ptr((void ***)&req->resource_logs, &req->n_resource_logs, rl);
}

/* One /v1/logs request for the chunks [from, to) of one stream: CloudWatch's OTLP endpoint takes
 * one group and stream per request, named by the x-aws-log-group / x-aws-log-stream headers
 * (reference/otlp.md §2); the resource repeats them for a Collector. */
static int logs_request(struct export_target *t, const struct export_batch *b, size_t from,
                        size_t to, struct export_reqs *out)
{
    struct arena a = {0};
    OTLP_LOGS_REQ req;
    opentelemetry__proto__collector__logs__v1__export_logs_service_request__init(&req);
    struct logs_chunk_event *ev = NULL;
    uint64_t items = 0;
    int rc = 0;
    for (size_t i = from; i < to; i++) {
        const struct export_chunk *c = &b->chunks[i];
        ev = xrealloc(ev, (c->count ? c->count : 1) * sizeof(*ev));
        int64_t n = logs_chunk_decode(c->data, c->data_len, c->min_ts, ev, c->count);
        if (n < 0) {
            METRIC_ADD(exporters[t->id].rejected[METRICS_EXPORT_REJECT_INVALID], c->count);
            continue;
        }
        add_chunk(&a, &req, c, ev, (size_t)n);
        items += (uint64_t)n;
    }
    if (items) {
        rc = finish_protobuf(t, out, "/v1/logs", &req.base, items);
    }
    if (items && rc == 0) {
        struct export_req *q = &out->v[out->n - 1];
        char *g = xasprintf("x-aws-log-group: %s", b->chunks[from].group);
        char *st = xasprintf("x-aws-log-stream: %s", b->chunks[from].stream);
        q->headers = curl_slist_append(q->headers, g);
        q->headers = curl_slist_append(q->headers, st);
        free(g);
        free(st);
    }
    free_logs_arrays(&req);
    free(ev);
    arena_free(&a);
    return rc;
}

int export_otlp_logs_build(struct export_target *t, const struct export_batch *b,
                           struct export_reqs *out)
{
    int rc = 0;
    size_t from = 0;
    for (size_t i = 1; i <= b->nchunks && rc == 0; i++) {
        if (i == b->nchunks || strcmp(b->chunks[i].group, b->chunks[from].group) != 0 ||
            strcmp(b->chunks[i].stream, b->chunks[from].stream) != 0) {
            rc = logs_request(t, b, from, i, out);
            from = i;
        }
    }
    return rc;
}

uint64_t export_otlp_partial(enum metrics_exporter id, const struct export_req *r)
{
    uint64_t n = 0;
    const uint8_t *p = (const uint8_t *)r->resp.data;
    if (id == METRICS_EXPORTER_OTLP_TRACES) {
        struct Opentelemetry__Proto__Collector__Trace__V1__ExportTraceServiceResponse *m =
            opentelemetry__proto__collector__trace__v1__export_trace_service_response__unpack(
                NULL, r->resp.len, p);
        if (m && m->partial_success && m->partial_success->rejected_spans > 0) {
            n = (uint64_t)m->partial_success->rejected_spans;
        }
        if (m) {
            protobuf_c_message_free_unpacked(&m->base, NULL);
        }
    } else {
        struct Opentelemetry__Proto__Collector__Logs__V1__ExportLogsServiceResponse *m =
            opentelemetry__proto__collector__logs__v1__export_logs_service_response__unpack(
                NULL, r->resp.len, p);
        if (m && m->partial_success && m->partial_success->rejected_log_records > 0) {
            n = (uint64_t)m->partial_success->rejected_log_records;
        }
        if (m) {
            protobuf_c_message_free_unpacked(&m->base, NULL);
        }
    }
    return n;
}
