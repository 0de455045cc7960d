/*
 * otlp_xray.c - span -> X-Ray segment documents (see otlp_xray.h), following the Collector's
 * awsxray exporter translator (segment.go, http.go, aws.go, cause.go; reference/otlp.md §6).
 * Pure; any thread. Attributes the http/aws/sql blocks consume stay out of metadata, as the
 * Collector filters them; everything else lands in annotations or metadata.default.
 */
#include "otlp_xray_int.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define NAME_MAX_LEN 200

/* Span attributes that become http/aws/sql/user fields and so are not repeated as metadata. */
static const char *const consumed_keys[] = {"http.method",      "http.request.method",
                                            "http.client_ip",   "client.address",
                                            "http.user_agent",  "user_agent.original",
                                            "http.status_code", "http.response.status_code",
                                            "http.url",         "url.full",
                                            "http.scheme",      "url.scheme",
                                            "http.host",        "http.target",
                                            "url.path",         "url.query",
                                            "http.server_name", "server.address",
                                            "server.port",      "net.host.port",
                                            "host.name",        "net.host.name",
                                            "net.peer.name",    "net.peer.port",
                                            "net.peer.ip",      "network.peer.address",
                                            "aws.operation",    "rpc.method",
                                            "aws.account_id",   "aws.region",
                                            "aws.request_id",   "aws.requestId",
                                            "aws.queue_url",    "aws.queue.url",
                                            "aws.table_name",   "aws.table.name",
                                            "enduser.id",       "aws.xray.annotations"};

/* Attributes an sql block consumes. */
static const char *const sql_keys[] = {"db.connection_string", "db.system", "db.name",
                                       "db.statement",         "db.user",   "db.query.text"};

/* Attributes kept off a local root's service segment (segment.go removeAnnotations...). */
static const char *const service_segment_drop[] = {"aws.remote.service", "aws.remote.operation",
                                                   "remoteTarget", "K8s.RemoteNamespace"};

void otlp_xray_derived_id(const ProtobufCBinaryData *span_id, uint32_t salt, char out[17])
{
    uint64_t h = 1469598103934665603ull ^ salt;
    for (size_t i = 0; i < span_id->len; i++) {
        h = (h ^ span_id->data[i]) * 1099511628211ull;
    }
    h ^= h >> 29;
    snprintf(out, 17, "%016llx", (unsigned long long)h);
}

bool otlp_xray_trace_id(const ProtobufCBinaryData *id, char out[36])
{
    bool nonzero = false;
    if (id->len != 16) {
        return false;
    }
    for (size_t i = 0; i < 16; i++) {
        nonzero |= id->data[i] != 0;
    }
    if (!nonzero) {
        return false;
    }
    char *hex = otlp_hex_encode(id->data, 16);
    snprintf(out, 36, "1-%.8s-%s", hex, hex + 8);
    free(hex);
    return true;
}

/* X-Ray's allowed name characters: letters, digits, whitespace and _ . : / % & # = + \ - @.
 * Non-ASCII bytes are kept (the validator classifies them as letters or not). */
/* Length of the valid UTF-8 sequence at s (at most left bytes), or 0. protobuf-c does not
 * check that strings are UTF-8, and jansson refuses any that is not. */
static size_t utf8_len(const unsigned char *s, size_t left)
{
    size_t n = s[0] < 0x80             ? 1
               : (s[0] & 0xE0) == 0xC0 ? 2
               : (s[0] & 0xF0) == 0xE0 ? 3
               : (s[0] & 0xF8) == 0xF0 ? 4
                                       : 0;
    if (n == 0 || n > left || (n == 2 && s[0] < 0xC2)) {
        return 0;
    }
    for (size_t i = 1; i < n; i++) {
        if ((s[i] & 0xC0) != 0x80) {
            return 0;
        }
    }
    return n;
}

/* X-Ray's allowed name characters: letters, digits, whitespace and _ . : / % & # = + \ - @,
 * at most 200 bytes of whole UTF-8 characters. Non-ASCII characters are kept (the validator
 * classifies them as letters or not); invalid UTF-8 is dropped. */
static char *fix_name(const char *name)
{
    size_t n = 0, len = strlen(name);
    char *out = xmalloc(len + 1);
    for (size_t i = 0; i < len;) {
        const unsigned char *p = (const unsigned char *)name + i;
        size_t seq = utf8_len(p, len - i);
        if (seq == 0) {
            i++;
            continue;
        }
        if (n + seq > NAME_MAX_LEN) {
            break;
        }
        if (seq > 1 || (p[0] >= '0' && p[0] <= '9') || (p[0] >= 'a' && p[0] <= 'z') ||
            (p[0] >= 'A' && p[0] <= 'Z') || strchr(" _.:/%&#=+\\-@", p[0])) {
            memcpy(out + n, p, seq);
            n += seq;
        }
        i += seq;
    }
    out[n] = 0;
    if (!n) {
        free(out);
        return xstrdup("span");
    }
    return out;
}

bool otlp_xray_is_aws_sdk_span(const struct span_ctx *c)
{
    const char *sys = attr(c, "rpc.system");
    return sys && strcmp(sys, "aws-api") == 0;
}

static const char *trim_sdk_prefix(const struct span_ctx *c, const char *name)
{
    if (otlp_xray_is_aws_sdk_span(c)) {
        if (strncmp(name, "AWS.SDK.", 8) == 0) {
            return name + 8;
        }
        if (strncmp(name, "AWS::", 5) == 0) {
            return name + 5;
        }
    }
    return name;
}

/* The segment name and namespace (segment.go MakeSegment). Returns a new string. */
static char *pick_name(const struct span_ctx *c, const char **namespace)
{
    int kind = c->span->kind;
    const char *name = NULL, *local_kind = attr(c, "aws.span.kind");
    char *owned = NULL;
    *namespace = NULL;
    if (kind == KIND(SERVER) ||
        (kind == KIND(INTERNAL) && local_kind && strcmp(local_kind, "LOCAL_ROOT") == 0)) {
        name = attr(c, "aws.local.service");
    }
    if (kind == KIND(CLIENT) || kind == KIND(PRODUCER) || kind == KIND(CONSUMER)) {
        name = attr(c, "aws.remote.service");
        if (name) {
            name = trim_sdk_prefix(c, name);
        }
    }
    if (!name) {
        name = attr(c, "peer.service");
    }
    if (otlp_xray_is_aws_sdk_span(c)) {
        *namespace = "aws";
    }
    if (!name && (name = attr(c, "aws.service"))) {
        *namespace = "aws";
    }
    const char *db = attr(c, "db.name");
    if (!name && db) {
        /* <db name>@<host of db.connection_string> */
        const char *url = attr(c, "db.connection_string"), *host = NULL;
        size_t host_len = 0;
        if (url) {
            if (strncmp(url, "jdbc:", 5) == 0) {
                url += 5;
            }
            const char *sep = strstr(url, "://");
            if (sep) {
                host = sep + 3;
                const char *at = strchr(host, '@');
                if (at && at < host + strcspn(host, "/")) {
                    host = at + 1;
                }
                host_len = strcspn(host, ":/?#");
            }
        }
        name = owned = host_len ? xasprintf("%s@%.*s", db, (int)host_len, host) : xstrdup(db);
    }
    if (!name && kind == KIND(SERVER)) {
        name = rattr(c, "service.name");
    }
    if (!name) {
        name = attr(c, "rpc.service");
    }
    if (!name) {
        name = attr(c, "http.host");
    }
    if (!name) {
        name = attr(c, "net.peer.name");
    }
    if (!name) {
        name = c->span->name ? c->span->name : "";
    }
    if (!*namespace && kind == KIND(CLIENT)) {
        *namespace = "remote";
    }
    char *fixed = fix_name(name);
    free(owned);
    return fixed;
}

static char *annotation_key(const char *key)
{
    char *k = xstrdup(key);
    for (char *p = k; *p; p++) {
        char ch = *p;
        if (!((ch >= '0' && ch <= '9') || (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
              ch == '.')) {
            *p = '_';
        }
    }
    return k;
}

static json_t *annotation_value(const OTLP_ANY *v)
{
    if (!v) {
        return NULL;
    }
    switch (v->value_case) {
    case ANY(STRING_VALUE):
    case ANY(INT_VALUE):
    case ANY(DOUBLE_VALUE):
    case ANY(BOOL_VALUE):
        return otlp_any_json(v);
    default:
        return NULL;
    }
}

static bool in_list(const char *const *list, size_t n, const char *key)
{
    for (size_t i = 0; i < n; i++) {
        if (strcmp(list[i], key) == 0) {
            return true;
        }
    }
    return false;
}

/* Whether key is named by the span's aws.xray.annotations list. */
static bool annotated(const struct span_ctx *c, const char *key)
{
    const OTLP_ANY *list = otlp_attr(c->attrs, c->nattrs, "aws.xray.annotations");
    if (!list || list->value_case != ANY(ARRAY_VALUE) || !list->array_value) {
        return false;
    }
    for (size_t i = 0; i < list->array_value->n_values; i++) {
        const OTLP_ANY *e = list->array_value->values[i];
        if (e->value_case == ANY(STRING_VALUE) && strcmp(e->string_value, key) == 0) {
            return true;
        }
    }
    return false;
}

static void put_annotation(json_t *ann, const char *key, const OTLP_ANY *v)
{
    json_t *val = annotation_value(v);
    if (val) {
        char *k = annotation_key(key);
        json_object_set_new(ann, k, val);
        free(k);
    }
}

static void put_metadata(json_t *meta_default, const char *key, const OTLP_ANY *v)
{
    json_t *val = otlp_any_json(v);
    if (json_is_null(val)) {
        json_decref(val);
        return;
    }
    json_object_set_new(meta_default, key, val);
}

/* user, annotations and metadata (segment.go makeXRayAttributes). */
static void make_attributes(const struct span_ctx *c, json_t *seg, bool store_resource,
                            bool service_segment)
{
    json_t *ann = json_object(), *meta = json_object(), *dflt = json_object();
    set_str(seg, "user", attr(c, "enduser.id"));
    if (store_resource) {
        for (size_t i = 0; i < c->nrattrs; i++) {
            const OTLP_KV *kv = c->rattrs[i];
            char *key = xasprintf("otel.resource.%s", kv->key);
            if (c->opts->index_all || annotated(c, key)) {
                put_annotation(ann, key, kv->value);
            } else {
                put_metadata(dflt, key, kv->value);
            }
            free(key);
        }
    }
    for (size_t i = 0; i < c->nattrs; i++) {
        const OTLP_KV *kv = c->attrs[i];
        const char *key = kv->key;
        bool indexed = c->opts->index_all || annotated(c, key);
        if (!indexed && (in_list(consumed_keys, ARRAY_LEN(consumed_keys), key) ||
                         (c->sql && in_list(sql_keys, ARRAY_LEN(sql_keys), key)))) {
            continue;
        }
        if (service_segment) {
            /* A local root's service segment keeps only resource metadata (segment.go). */
            if (!indexed || in_list(service_segment_drop, ARRAY_LEN(service_segment_drop), key)) {
                continue;
            }
        }
        if (indexed) {
            if (strcmp(key, "aws.xray.annotations") != 0) {
                put_annotation(ann, key, kv->value);
            }
        } else if (strncmp(key, "aws.xray.metadata.", 18) == 0 && kv->value &&
                   kv->value->value_case == ANY(STRING_VALUE)) {
            const char *ns = key + 18;
            json_t *parsed = json_loads(kv->value->string_value, 0, NULL);
            if (!json_is_object(parsed)) {
                put_metadata(dflt, key, kv->value);
            } else if (strcasecmp(ns, "default") == 0) {
                json_object_update(dflt, parsed);
            } else {
                json_object_set(meta, ns, parsed);
            }
            json_decref(parsed);
        } else {
            put_metadata(dflt, key, kv->value);
        }
    }
    if (json_object_size(dflt)) {
        json_object_set(meta, "default", dflt);
    }
    if (json_object_size(ann)) {
        json_object_set(seg, "annotations", ann);
    }
    if (json_object_size(meta)) {
        json_object_set(seg, "metadata", meta);
    }
    json_decref(ann);
    json_decref(meta);
    json_decref(dflt);
}

static json_t *make_links(const struct span_ctx *c)
{
    json_t *links = NULL;
    for (size_t i = 0; i < c->span->n_links; i++) {
        const OTLP_LINK *l = c->span->links[i];
        char tid[36];
        if (!otlp_xray_trace_id(&l->trace_id, tid) || l->span_id.len != 8) {
            continue;
        }
        char *sid = otlp_hex_encode(l->span_id.data, 8);
        json_t *link = json_pack("{s:s, s:s}", "trace_id", tid, "id", sid);
        free(sid);
        if (l->n_attributes) {
            json_t *a = json_object();
            for (size_t k = 0; k < l->n_attributes; k++) {
                put_metadata(a, l->attributes[k]->key, l->attributes[k]->value);
            }
            json_object_set_new(link, "attributes", a);
        }
        if (!links) {
            links = json_array();
        }
        json_array_append_new(links, link);
    }
    return links;
}

/* fault/error/throttle and cause (cause.go makeCause). */
static void make_status(const struct span_ctx *c, json_t *seg)
{
    const OTLP_SPAN *s = c->span;
    bool status_error =
        s->status &&
        s->status->code == OPENTELEMETRY__PROTO__TRACE__V1__STATUS__STATUS_CODE__STATUS_CODE_ERROR;
    int64_t code = 0;
    bool has_code = otlp_attr_int(c->attrs, c->nattrs, "http.status_code", &code) ||
                    otlp_attr_int(c->attrs, c->nattrs, "http.response.status_code", &code);
    bool fault = false, error = false, throttle = false;
    if (!has_code || code < 400 || code > 599) {
        fault = status_error;
    } else if (code < 500) {
        error = true;
        throttle = code == 429;
    } else {
        fault = true;
    }
    json_object_set_new(seg, "fault", json_boolean(fault));
    json_object_set_new(seg, "error", json_boolean(error));
    json_object_set_new(seg, "throttle", json_boolean(throttle));
    bool remote = s->kind == KIND(CLIENT) || s->kind == KIND(PRODUCER);
    json_t *exc = otlp_cause_exceptions(s, rattr(c, "telemetry.sdk.language"), remote);
    if (!exc && status_error && s->status->message && *s->status->message) {
        char id[17];
        otlp_xray_derived_id(&s->span_id, 0xff, id);
        exc = json_pack("[{s:s, s:s, s:s}]", "id", id, "type", "", "message", s->status->message);
    }
    if (exc) {
        json_object_set_new(seg, "cause", json_pack("{s:o}", "exceptions", exc));
    }
}

/* Epoch seconds with the fraction computed apart, so 1.25 s stays 1.25 and not 1.2499998. */
static double nanos_to_seconds(uint64_t ns)
{
    return (double)(ns / 1000000000u) + (double)(ns % 1000000000u) / 1e9;
}

/* What a document stands for: the span itself, or one half of a local-root call span. */
enum role { ROLE_SPAN, ROLE_SERVICE, ROLE_DEPENDENCY };

static json_t *make_segment(struct span_ctx *c, enum role role)
{
    const OTLP_SPAN *s = c->span;
    bool service_segment = role == ROLE_SERVICE;
    bool has_parent = s->parent_span_id.len == 8;
    bool subsegment =
        role == ROLE_DEPENDENCY || (role == ROLE_SPAN && s->kind != KIND(SERVER) && has_parent);
    char tid[36];
    otlp_xray_trace_id(&s->trace_id, tid);
    char *id = otlp_hex_encode(s->span_id.data, s->span_id.len);
    const char *namespace;
    char *name = pick_name(c, &namespace);
    json_t *seg = json_pack("{s:s, s:s, s:s, s:f, s:f}", "name", name, "id", id, "trace_id", tid,
                            "start_time", nanos_to_seconds(s->start_time_unix_nano), "end_time",
                            nanos_to_seconds(s->end_time_unix_nano));
    free(name);
    free(id);
    if (has_parent) {
        char *pid = otlp_hex_encode(s->parent_span_id.data, 8);
        json_object_set_new(seg, "parent_id", json_string(pid));
        free(pid);
    }
    if (subsegment) {
        json_object_set_new(seg, "type", json_string("subsegment"));
        set_str(seg, "namespace", namespace);
    }
    make_status(c, seg);
    set_str(seg, "origin", otlp_xray_origin(c));
    json_t *http = service_segment ? NULL : otlp_xray_http(c);
    if (http) {
        json_object_set_new(seg, "http", http);
    }
    json_t *aws = otlp_xray_aws(c, service_segment);
    if (aws) {
        json_object_set_new(seg, "aws", aws);
    }
    const char *version = rattr(c, "service.version");
    if (version) {
        json_object_set_new(seg, "service", json_pack("{s:s}", "version", version));
    }
    json_t *sql = service_segment ? NULL : otlp_xray_sql(c);
    c->sql = sql != NULL;
    if (sql) {
        json_object_set_new(seg, "sql", sql);
    }
    make_attributes(c, seg, !subsegment, service_segment);
    json_t *links = make_links(c);
    if (links) {
        json_object_set_new(seg, "links", links);
    }
    return seg;
}

int otlp_xray_translate(const OTLP_SPAN *span, const OTLP_RESOURCE *res,
                        const struct otlp_xray_opts *opts, json_t *docs, struct errbuf *err)
{
    static const struct otlp_xray_opts defaults = {0};
    char tid[36];
    if (!otlp_xray_trace_id(&span->trace_id, tid)) {
        return errbuf_set(err, -1, "traceId must be 16 bytes, not all zeros (got %zu bytes)",
                          span->trace_id.len);
    }
    if (span->span_id.len != 8) {
        return errbuf_set(err, -1, "spanId must be 8 bytes (got %zu)", span->span_id.len);
    }
    if (span->parent_span_id.len != 0 && span->parent_span_id.len != 8) {
        return errbuf_set(err, -1, "parentSpanId must be empty or 8 bytes (got %zu)",
                          span->parent_span_id.len);
    }
    struct span_ctx c = {.span = span,
                         .attrs = span->attributes,
                         .nattrs = span->n_attributes,
                         .rattrs = res ? res->attributes : NULL,
                         .nrattrs = res ? res->n_attributes : 0,
                         .opts = opts ? opts : &defaults};
    const char *local_kind = attr(&c, "aws.span.kind");
    bool local_root = local_kind && strcmp(local_kind, "LOCAL_ROOT") == 0;
    if (!local_root || span->kind == KIND(SERVER) || span->kind == KIND(INTERNAL)) {
        json_t *seg = make_segment(&c, ROLE_SPAN);
        if (local_root) {
            json_object_del(seg, "type");
            json_object_del(seg, "namespace");
        } else if ((span->kind == KIND(CLIENT) || span->kind == KIND(PRODUCER) ||
                    span->kind == KIND(CONSUMER)) &&
                   json_object_get(seg, "type") && !json_object_get(seg, "namespace") &&
                   attr(&c, "aws.remote.service")) {
            json_object_set_new(seg, "namespace", json_string("remote"));
        }
        json_array_append_new(docs, seg);
        return 0;
    }
    /* A local root that is itself a call (a CLIENT span with no SERVER span above it in this
     * service): a segment for the service and, under it, a subsegment for the call. */
    char service_id[17];
    otlp_xray_derived_id(&span->span_id, 0x5e, service_id);
    json_t *dep = make_segment(&c, ROLE_DEPENDENCY);
    json_object_set_new(dep, "parent_id", json_string(service_id));
    if (!json_object_get(dep, "namespace")) {
        json_object_set_new(dep, "namespace", json_string("remote"));
    }
    if (span->kind == KIND(CONSUMER)) {
        json_object_del(dep, "links");
    }
    json_t *svc = make_segment(&c, ROLE_SERVICE);
    json_object_set_new(svc, "id", json_string(service_id));
    const char *local = attr(&c, "aws.local.service");
    if (local) {
        char *fixed = fix_name(local);
        json_object_set_new(svc, "name", json_string(fixed));
        free(fixed);
    }
    if (span->kind != KIND(CONSUMER)) {
        json_object_del(svc, "links");
    }
    json_array_append_new(docs, dep);
    json_array_append_new(docs, svc);
    return 0;
}
