/*
 * otlp_xray_fields.c - the http, aws, sql and origin fields of a translated segment, after the
 * Collector's awsxray translator (http.go, aws.go, sql.go, segment.go determineAwsOrigin), with
 * both the old and the current HTTP semantic conventions. Pure; any thread.
 */
#include <stdlib.h>
#include <string.h>

#include "otlp_xray_int.h"

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

/* The request URL: http.url / url.full as given, or rebuilt from the scheme, the host (the
 * server's own name on a server span, the peer's on a client span), a non-default port and the
 * target or path + query. New string, or NULL when no host is known. */
static char *http_url(const struct span_ctx *c, bool server, const char *full, const char *scheme,
                      const char *host, const char *target, const char *path)
{
    if (full) {
        return xstrdup(full);
    }
    const char *h = host;
    int64_t port = 0;
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
    if (!h) {
        return NULL;
    }
    const char *sch = scheme ? scheme : "http";
    bool default_port =
        (strcmp(sch, "http") == 0 && port == 80) || (strcmp(sch, "https") == 0 && port == 443);
    const char *query = attr(c, "url.query");
    char portbuf[24] = "";
    if (have_port && port && !default_port && !host) {
        snprintf(portbuf, sizeof(portbuf), ":%lld", (long long)port);
    }
    if (target) {
        return xasprintf("%s://%s%s%s", sch, h, portbuf, target);
    }
    if (path) {
        return xasprintf("%s://%s%s%s%s%s", sch, h, portbuf, path, query ? "?" : "",
                         query ? query : "");
    }
    return xasprintf("%s://%s%s/", sch, h, portbuf);
}

/* http.request / http.response (http.go makeHTTP, with the current semantic conventions). */
json_t *otlp_xray_http(const struct span_ctx *c)
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
    int64_t status = 0, length = 0;
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
    char *url = http_url(c, server, full, scheme, host, target, path);
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
json_t *otlp_xray_aws(const struct span_ctx *c, bool service_segment)
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

const char *otlp_xray_origin(const struct span_ctx *c)
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
json_t *otlp_xray_sql(const struct span_ctx *c)
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
