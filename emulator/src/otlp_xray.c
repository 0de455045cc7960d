/*
 * otlp_xray.c - span -> X-Ray segment documents (see otlp_xray.h), following the Collector's
 * awsxray exporter translator (segment.go, http.go, aws.go, cause.go; reference/otlp.md §6).
 * Pure; any thread. Attributes the http/aws/sql blocks consume stay out of metadata, as the
 * Collector filters them; everything else lands in annotations or metadata.default.
 */
#include "otlp_xray.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define NAME_MAX_LEN 200
#define KIND(k) OPENTELEMETRY__PROTO__TRACE__V1__SPAN__SPAN_KIND__SPAN_KIND_##k
#define ANY(k) OPENTELEMETRY__PROTO__COMMON__V1__ANY_VALUE__VALUE_##k

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

/* cloud.platform -> origin (segment.go determineAwsOrigin). */
static const struct {
    const char *platform, *origin;
} origins[] = {
    {"aws_app_runner", "AWS::AppRunner::Service"},
    {"aws_eks", "AWS::EKS::Container"},
    {"aws_elastic_beanstalk", "AWS::ElasticBeanstalk::Environment"},
    {"aws_ec2", "AWS::EC2::Instance"},
    {"aws_lambda", "AWS::Lambda::Function"},
};

struct span_ctx {
    const OTLP_SPAN *span;
    OTLP_KV *const *attrs;
    size_t nattrs;
    OTLP_KV *const *rattrs; /* resource attributes */
    size_t nrattrs;
    const struct otlp_xray_opts *opts;
    bool sql; /* the span made an sql block, so its db.* attributes are consumed (sql.go) */
};

static const char *attr(const struct span_ctx *c, const char *key)
{
    return otlp_attr_str(c->attrs, c->nattrs, key);
}

static const char *rattr(const struct span_ctx *c, const char *key)
{
    return otlp_attr_str(c->rattrs, c->nrattrs, key);
}

static const char *first_attr(const struct span_ctx *c, const char *a, const char *b)
{
    const char *v = attr(c, a);
    return v ? v : attr(c, b);
}

static void set_str(json_t *o, const char *key, const char *v)
{
    if (v && *v) {
        json_t *s = json_string(v);
        if (s) {
            json_object_set_new(o, key, s);
        }
    }
}

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

static bool is_aws_sdk_span(const struct span_ctx *c)
{
    const char *sys = attr(c, "rpc.system");
    return sys && strcmp(sys, "aws-api") == 0;
}

static const char *trim_sdk_prefix(const struct span_ctx *c, const char *name)
{
    if (is_aws_sdk_span(c)) {
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
    if (is_aws_sdk_span(c)) {
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

/* http.request / http.response (http.go makeHTTP, with the current semantic conventions). */
static json_t *make_http(const struct span_ctx *c)
{
    bool server = c->span->kind == KIND(SERVER);
    const char *method = first_attr(c, "http.method", "http.request.method");
    const char *xff_ip = attr(c, "http.client_ip");
    const char *client_ip = xff_ip ? xff_ip : attr(c, "client.address");
    if (!client_ip && server) {
        client_ip = first_attr(c, "net.peer.ip", "network.peer.address");
    }
    const char *agent = first_attr(c, "http.user_agent", "user_agent.original");
    const char *full = first_attr(c, "http.url", "url.full");
    const char *scheme = first_attr(c, "http.scheme", "url.scheme");
    const char *host = attr(c, "http.host");
    const char *target = attr(c, "http.target");
    const char *path = attr(c, "url.path");
    int64_t status = 0, port = 0, length = 0;
    bool has_status = otlp_attr_int(c->attrs, c->nattrs, "http.status_code", &status) ||
                      otlp_attr_int(c->attrs, c->nattrs, "http.response.status_code", &status);
    if (!method && !client_ip && !agent && !full && !scheme && !host && !target && !path &&
        !has_status && !attr(c, "http.server_name")) {
        return NULL;
    }
    json_t *req = json_object(), *resp = json_object();
    set_str(req, "method", method);
    set_str(req, "client_ip", client_ip);
    if (xff_ip) {
        json_object_set_new(req, "x_forwarded_for", json_true());
    }
    set_str(req, "user_agent", agent);
    char *url = NULL;
    if (full) {
        url = xstrdup(full);
    } else {
        const char *h = host;
        bool have_port;
        if (server) {
            h = h ? h : first_attr(c, "http.server_name", "net.host.name");
            h = h ? h : first_attr(c, "server.address", "host.name");
            have_port = otlp_attr_int(c->attrs, c->nattrs, "net.host.port", &port) ||
                        otlp_attr_int(c->attrs, c->nattrs, "server.port", &port);
        } else {
            h = h ? h : first_attr(c, "net.peer.name", "server.address");
            h = h ? h : attr(c, "net.peer.ip");
            have_port = otlp_attr_int(c->attrs, c->nattrs, "net.peer.port", &port) ||
                        otlp_attr_int(c->attrs, c->nattrs, "server.port", &port);
        }
        if (h) {
            const char *sch = scheme ? scheme : "http";
            bool default_port = (strcmp(sch, "http") == 0 && port == 80) ||
                                (strcmp(sch, "https") == 0 && port == 443);
            const char *query = attr(c, "url.query");
            char portbuf[24] = "";
            if (have_port && port && !default_port && !host) {
                snprintf(portbuf, sizeof(portbuf), ":%lld", (long long)port);
            }
            if (target) {
                url = xasprintf("%s://%s%s%s", sch, h, portbuf, target);
            } else if (path) {
                url = xasprintf("%s://%s%s%s%s%s", sch, h, portbuf, path, query ? "?" : "",
                                query ? query : "");
            } else {
                url = xasprintf("%s://%s%s/", sch, h, portbuf);
            }
        }
    }
    set_str(req, "url", url);
    free(url);
    if (has_status) {
        json_object_set_new(resp, "status", json_integer(status));
    }
    if (otlp_attr_int(c->attrs, c->nattrs, "http.response_content_length", &length) ||
        otlp_attr_int(c->attrs, c->nattrs, "http.response.body.size", &length)) {
        json_object_set_new(resp, "content_length", json_integer(length));
    }
    json_t *http = json_object();
    if (json_object_size(req)) {
        json_object_set_new(http, "request", req);
    } else {
        json_decref(req);
    }
    if (json_object_size(resp)) {
        json_object_set_new(http, "response", resp);
    } else {
        json_decref(resp);
    }
    return http;
}

/* Log groups from aws.log.group.arns / aws.log.group.names: a list, or one string joined by
 * '&' (how OTEL_RESOURCE_ATTRIBUTES carries several). */
static json_t *log_groups(const struct span_ctx *c)
{
    const OTLP_ANY *arns = otlp_attr(c->rattrs, c->nrattrs, "aws.log.group.arns");
    const OTLP_ANY *names = otlp_attr(c->rattrs, c->nrattrs, "aws.log.group.names");
    const OTLP_ANY *v = arns ? arns : names;
    json_t *out = json_array();
    json_t *items = otlp_any_json(v);
    if (json_is_string(items)) {
        json_t *split = json_array();
        const char *s = json_string_value(items);
        while (*s) {
            size_t n = strcspn(s, "&");
            if (n) {
                json_array_append_new(split, json_stringn(s, n));
            }
            s += n + (s[n] ? 1 : 0);
        }
        json_decref(items);
        items = split;
    }
    size_t i;
    json_t *e;
    json_array_foreach(items, i, e)
    {
        const char *s = json_string_value(e);
        if (!s) {
            continue;
        }
        json_t *g = json_object();
        if (arns) {
            /* arn:aws:logs:region:account:log-group:NAME[:*] */
            const char *p = s;
            for (int k = 0; k < 6 && p; k++) {
                p = strchr(p, ':');
                p = p ? p + 1 : NULL;
            }
            set_str(g, "arn", s);
            char *name = p ? xstrndup(p, strcspn(p, ":")) : xstrdup(s);
            set_str(g, "log_group", name);
            free(name);
        } else {
            set_str(g, "log_group", s);
        }
        json_array_append_new(out, g);
    }
    json_decref(items);
    if (!json_array_size(out)) {
        json_decref(out);
        return NULL;
    }
    return out;
}

/* The `aws` block (aws.go makeAws). NULL when the resource is on another cloud. */
static json_t *make_aws(const struct span_ctx *c, bool service_segment)
{
    const char *cloud = rattr(c, "cloud.provider"), *platform = rattr(c, "cloud.platform");
    if (cloud && strcmp(cloud, "aws") != 0) {
        return NULL;
    }
    json_t *aws = json_object();
    const char *account = attr(c, "aws.account_id");
    set_str(aws, "account_id", account ? account : rattr(c, "cloud.account.id"));
    if (!service_segment) {
        set_str(aws, "operation", first_attr(c, "aws.operation", "rpc.method"));
        set_str(aws, "region", attr(c, "aws.region"));
        set_str(aws, "request_id", first_attr(c, "aws.request_id", "aws.requestId"));
        const char *queue = attr(c, "messaging.url");
        set_str(aws, "queue_url", queue ? queue : first_attr(c, "aws.queue_url", "aws.queue.url"));
        const OTLP_ANY *tables = otlp_attr(c->attrs, c->nattrs, "aws.dynamodb.table_names");
        json_t *t = tables ? otlp_any_json(tables) : NULL;
        if (json_is_array(t) && json_array_size(t) > 1) {
            json_object_set(aws, "table_names", t);
        } else if (json_is_array(t) && json_array_size(t) == 1) {
            set_str(aws, "table_name", json_string_value(json_array_get(t, 0)));
        } else if (json_is_string(t)) {
            set_str(aws, "table_name", json_string_value(t));
        } else {
            set_str(aws, "table_name", first_attr(c, "aws.table_name", "aws.table.name"));
        }
        json_decref(t);
    }
    const char *host_id = rattr(c, "host.id");
    if ((platform && strcmp(platform, "aws_ec2") == 0) || host_id) {
        json_t *ec2 = json_object();
        set_str(ec2, "instance_id", host_id);
        set_str(ec2, "availability_zone", rattr(c, "cloud.availability_zone"));
        set_str(ec2, "instance_size", rattr(c, "host.type"));
        set_str(ec2, "ami_id", rattr(c, "host.image.id"));
        json_object_set_new(aws, "ec2", ec2);
    }
    if (platform && strcmp(platform, "aws_ecs") == 0) {
        json_t *ecs = json_object();
        set_str(ecs, "container", rattr(c, "container.name"));
        set_str(ecs, "container_id", rattr(c, "container.id"));
        set_str(ecs, "availability_zone", rattr(c, "cloud.availability_zone"));
        set_str(ecs, "container_arn", rattr(c, "aws.ecs.container.arn"));
        set_str(ecs, "cluster_arn", rattr(c, "aws.ecs.cluster.arn"));
        set_str(ecs, "task_arn", rattr(c, "aws.ecs.task.arn"));
        set_str(ecs, "task_family", rattr(c, "aws.ecs.task.family"));
        set_str(ecs, "launch_type", rattr(c, "aws.ecs.launchtype"));
        json_object_set_new(aws, "ecs", ecs);
    }
    const char *cluster = rattr(c, "k8s.cluster.name");
    if ((platform && strcmp(platform, "aws_eks") == 0) || cluster) {
        json_t *eks = json_object();
        set_str(eks, "cluster_name", cluster);
        set_str(eks, "pod", rattr(c, "k8s.pod.name"));
        set_str(eks, "container_id", rattr(c, "container.id"));
        json_object_set_new(aws, "eks", eks);
    }
    json_t *cwl = log_groups(c);
    if (cwl) {
        json_object_set_new(aws, "cloudwatch_logs", cwl);
    }
    const char *sdk = rattr(c, "telemetry.sdk.name"), *lang = rattr(c, "telemetry.sdk.language");
    if (sdk) {
        json_t *xray = json_object();
        char *name = lang ? xasprintf("%s for %s", sdk, lang) : xstrdup(sdk);
        set_str(xray, "sdk", name);
        free(name);
        set_str(xray, "sdk_version", rattr(c, "telemetry.sdk.version"));
        json_object_set_new(xray, "auto_instrumentation",
                            json_boolean(rattr(c, "telemetry.auto.version") != NULL));
        json_object_set_new(aws, "xray", xray);
    }
    if (!json_object_size(aws)) {
        json_decref(aws);
        return NULL;
    }
    return aws;
}

static const char *origin_of(const struct span_ctx *c)
{
    const char *cloud = rattr(c, "cloud.provider"), *platform = rattr(c, "cloud.platform");
    if ((cloud && strcmp(cloud, "aws") != 0) || !platform) {
        return NULL;
    }
    if (strcmp(platform, "aws_ecs") == 0) {
        const char *lt = rattr(c, "aws.ecs.launchtype");
        return !lt                          ? "AWS::ECS::Container"
               : strcmp(lt, "ec2") == 0     ? "AWS::ECS::EC2"
               : strcmp(lt, "fargate") == 0 ? "AWS::ECS::Fargate"
                                            : "AWS::ECS::Container";
    }
    for (size_t i = 0; i < ARRAY_LEN(origins); i++) {
        if (strcmp(platform, origins[i].platform) == 0) {
            return origins[i].origin;
        }
    }
    return NULL;
}

/* sql (sql.go): only for SQL databases with a statement. */
static json_t *make_sql(const struct span_ctx *c)
{
    static const char *const sql_systems[] = {
        "other_sql", "mssql",      "mysql",  "oracle", "db2",    "postgresql", "redshift",
        "hive",      "cloudscape", "hsqldb", "h2",     "sqlite", "mariadb",    "derby"};
    const char *sys = attr(c, "db.system");
    const char *stmt = first_attr(c, "db.statement", "db.query.text");
    bool is_sql = false;
    for (size_t i = 0; sys && i < ARRAY_LEN(sql_systems); i++) {
        is_sql |= strcmp(sys, sql_systems[i]) == 0;
    }
    if (!is_sql || !stmt) {
        return NULL;
    }
    json_t *sql = json_object();
    const char *url = attr(c, "db.connection_string");
    const char *db = attr(c, "db.name");
    char *joined = url && db ? xasprintf("%s/%s", url, db) : NULL;
    set_str(sql, "url", joined ? joined : url);
    free(joined);
    set_str(sql, "database_type", sys);
    set_str(sql, "user", attr(c, "db.user"));
    set_str(sql, "sanitized_query", stmt);
    return sql;
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
    set_str(seg, "origin", origin_of(c));
    json_t *http = service_segment ? NULL : make_http(c);
    if (http) {
        json_object_set_new(seg, "http", http);
    }
    json_t *aws = make_aws(c, service_segment);
    if (aws) {
        json_object_set_new(seg, "aws", aws);
    }
    const char *version = rattr(c, "service.version");
    if (version) {
        json_object_set_new(seg, "service", json_pack("{s:s}", "version", version));
    }
    json_t *sql = service_segment ? NULL : make_sql(c);
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
