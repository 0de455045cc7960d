/*
 * logs_config.c - the CloudWatch Logs configuration operations (reference/logs-api.md): metric
 * filters (and TestMetricFilter through fpattern.h), subscription filters, destinations,
 * resource policies, export tasks and data protection policies. Each is stored as the JSON AWS
 * describes it in log_config (logs_db.h) and described back as stored; nothing is delivered to
 * other services.
 *
 * Threads: HTTP connection threads; writes go through logs_config_write() (the writer).
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fpattern.h"
#include "logs_api_int.h"

enum {
    MAX_METRIC_FILTERS = 100,
    MAX_SUBSCRIPTION_FILTERS = 2,
    MAX_RESOURCE_POLICIES = 10,
    MAX_DIMENSIONS = 3,
};

/* Pages through the docs of kind (gid < 0 = all) under key, with an offset token. */
static void reply_page(struct logs_call *c, const char *kind, int64_t gid, const char *prefix,
                       const char *key, const char *scope_extra)
{
    int64_t offset = 0, limit = logs_int(c, "limit", 50);
    char scope[1200];
    snprintf(scope, sizeof(scope), "%s|%" PRId64 "|%s|%s", kind, gid, prefix ? prefix : "",
             scope_extra ? scope_extra : "");
    if (!logs_page_start(c, scope, &offset)) {
        return;
    }
    bool more = false;
    json_t *out = json_object();
    json_object_set_new(out, key,
                        logs_db_config_list(c->ro, kind, gid, prefix, offset, limit, &more));
    logs_page_next(out, more, offset + limit, scope);
    logs_reply(c, out);
}

/* Stores doc as (kind, gid, name) and replies {} (or reply_body when given). */
static void store_doc(struct logs_call *c, const char *kind, int64_t gid, const char *name,
                      const json_t *doc, json_t *reply_body)
{
    char *text = logs_doc_text(doc);
    int rc = logs_config_write(c, kind, gid, name, text);
    free(text);
    if (rc == 0) {
        logs_reply(c, reply_body);
        reply_body = NULL;
    }
    json_decref(reply_body);
}

static void delete_doc(struct logs_call *c, const char *kind, int64_t gid, const char *name,
                       const char *missing)
{
    int rc = logs_config_write(c, kind, gid, name, NULL);
    if (rc == ERR_NOTFOUND) {
        logs_fail(c, "ResourceNotFoundException", "%s", missing);
    } else if (rc == 0) {
        logs_reply(c, NULL);
    }
}

/* Compiles a filter pattern only to check it; replies and returns false when invalid. */
static bool pattern_ok(struct logs_call *c, const char *src)
{
    struct fpattern *p = NULL;
    struct errbuf err = {{0}, -1};
    if (fpattern_compile(src, &p, &err) < 0) {
        return logs_invalid(c, "Invalid filter pattern: %s", err.msg);
    }
    fpattern_free(p);
    return true;
}

/* Keeps creationTime of an existing doc across a create-or-update. */
static json_int_t creation_time(struct logs_call *c, const char *kind, int64_t gid,
                                const char *name, bool *exists)
{
    json_t *old = logs_db_config_get(c->ro, kind, gid, name);
    json_int_t t = old ? json_integer_value(json_object_get(old, "creationTime")) : 0;
    *exists = old != NULL;
    json_decref(old);
    return t ? t : (json_int_t)now_epoch_ms();
}

/* ---- metric filters ---- */

static const char *const units[] = {"Seconds",
                                    "Microseconds",
                                    "Milliseconds",
                                    "Bytes",
                                    "Kilobytes",
                                    "Megabytes",
                                    "Gigabytes",
                                    "Terabytes",
                                    "Bits",
                                    "Kilobits",
                                    "Megabits",
                                    "Gigabits",
                                    "Terabits",
                                    "Percent",
                                    "Count",
                                    "Bytes/Second",
                                    "Kilobytes/Second",
                                    "Megabytes/Second",
                                    "Gigabytes/Second",
                                    "Terabytes/Second",
                                    "Bits/Second",
                                    "Kilobits/Second",
                                    "Megabits/Second",
                                    "Gigabits/Second",
                                    "Terabits/Second",
                                    "Count/Second",
                                    "None",
                                    NULL};
static const struct aws_member m_transformation[] = {
    {"metricName", AWS_STRING, true, 0, 255, LOGS_PAT_METRIC, NULL},
    {"metricNamespace", AWS_STRING, true, 0, 255, LOGS_PAT_METRIC, NULL},
    {"metricValue", AWS_STRING, true, 0, 100, NULL, NULL},
    {"defaultValue", AWS_NUMBER, false, -1, -1, NULL, NULL},
    {"dimensions", AWS_MAP, false, -1, -1, NULL, NULL},
    {"unit", AWS_STRING, false, -1, -1, NULL, units}};

static bool transformation_ok(struct logs_call *c, const json_t *t)
{
    struct errbuf err = {{0}, -1};
    if (!json_is_object(t)) {
        return logs_invalid(c, "metricTransformations entries must be objects.");
    }
    if (aws_validate(t, m_transformation, ARRAY_LEN(m_transformation), &err) < 0) {
        return logs_invalid(c, "%s", err.msg);
    }
    for (size_t i = 0; i < 2; i++) {
        if (!logs_check(c, m_transformation[i].name,
                        json_string_value(json_object_get(t, m_transformation[i].name)),
                        LOGS_PAT_METRIC, 0, 255)) {
            return false;
        }
    }
    const json_t *dims = json_object_get(t, "dimensions");
    if (json_object_size(dims) > MAX_DIMENSIONS) {
        return logs_invalid(c, "A metric filter may have at most %d dimensions.", MAX_DIMENSIONS);
    }
    return true;
}

static void put_metric_filter(struct logs_call *c)
{
    char buf[513];
    const char *group = NULL, *name = logs_str(c, "filterName");
    int64_t gid = 0;
    const json_t *ts = json_object_get(c->body, "metricTransformations");
    if (!pattern_ok(c, logs_str(c, "filterPattern")) ||
        !transformation_ok(c, json_array_get(ts, 0)) ||
        !logs_group(c, false, buf, &group, &gid, NULL)) {
        return;
    }
    bool exists = false;
    json_int_t created = creation_time(c, "metric", gid, name, &exists);
    if (!exists && logs_db_config_count(c->ro, "metric", gid) >= MAX_METRIC_FILTERS) {
        logs_fail(c, "LimitExceededException", "Resource limit exceeded.");
        return;
    }
    json_t *doc = json_pack("{s:s, s:s, s:O, s:I, s:s}", "filterName", name, "filterPattern",
                            logs_str(c, "filterPattern"), "metricTransformations", ts,
                            "creationTime", created, "logGroupName", group);
    store_doc(c, "metric", gid, name, doc, NULL);
    json_decref(doc);
}

static void describe_metric_filters(struct logs_call *c)
{
    char buf[513];
    const char *group = NULL, *prefix = logs_str(c, "filterNamePrefix");
    const char *metric = logs_str(c, "metricName"), *ns = logs_str(c, "metricNamespace");
    int64_t gid = -1;
    if ((metric != NULL) != (ns != NULL)) {
        logs_invalid(c, "metricName and metricNamespace must be specified together.");
        return;
    }
    /* filterNamePrefix without logGroupName searches every group (recorded AWS: 200). */
    if (logs_str(c, "logGroupName") && !logs_group(c, false, buf, &group, &gid, NULL)) {
        return;
    }
    if (!metric) {
        reply_page(c, "metric", gid, prefix, "metricFilters", NULL);
        return;
    }
    /* By metric: filter every matching filter in C, then page the result. */
    int64_t offset = 0, limit = logs_int(c, "limit", 50), n = 0;
    char scope[1200];
    snprintf(scope, sizeof(scope), "metric|%" PRId64 "|%s|%s|%s", gid, prefix ? prefix : "", metric,
             ns);
    if (!logs_page_start(c, scope, &offset)) {
        return;
    }
    bool more = false;
    json_t *all = logs_db_config_list(c->ro, "metric", gid, prefix, 0, -1, &more);
    json_t *page = json_array();
    size_t i;
    json_t *f;
    more = false;
    json_array_foreach(all, i, f)
    {
        const json_t *t = json_array_get(json_object_get(f, "metricTransformations"), 0);
        const char *fm = json_string_value(json_object_get(t, "metricName"));
        const char *fn = json_string_value(json_object_get(t, "metricNamespace"));
        if (!fm || !fn || strcmp(fm, metric) != 0 || strcmp(fn, ns) != 0 || n++ < offset) {
            continue;
        }
        if ((int64_t)json_array_size(page) == limit) {
            more = true;
            break;
        }
        json_array_append(page, f);
    }
    json_decref(all);
    json_t *out = json_pack("{s:o}", "metricFilters", page);
    logs_page_next(out, more, offset + limit, scope);
    logs_reply(c, out);
}

static void delete_metric_filter(struct logs_call *c)
{
    char buf[513];
    const char *group = NULL;
    int64_t gid = 0;
    if (logs_group(c, false, buf, &group, &gid, NULL)) {
        delete_doc(c, "metric", gid, logs_str(c, "filterName"),
                   "The specified metric filter does not exist.");
    }
}

static void test_metric_filter(struct logs_call *c)
{
    struct fpattern *p = NULL;
    struct errbuf err = {{0}, -1};
    const json_t *msgs = json_object_get(c->body, "logEventMessages");
    if (fpattern_compile(logs_str(c, "filterPattern"), &p, &err) < 0) {
        logs_invalid(c, "Invalid filter pattern: %s", err.msg);
        return;
    }
    json_t *matches = json_array();
    size_t i;
    const json_t *m;
    json_array_foreach(msgs, i, m)
    {
        const char *text = json_string_value(m);
        if (!text || !*text) {
            json_decref(matches);
            fpattern_free(p);
            logs_invalid(c,
                         "1 validation error detected: Value '' at 'logEventMessages.%zu.member' "
                         "failed to satisfy constraint: Member must have length greater than or "
                         "equal to 1",
                         i + 1);
            return;
        }
        json_t *extracted = fpattern_extract(p, text, json_string_length(m));
        if (extracted) {
            json_array_append_new(matches,
                                  json_pack("{s:I, s:s, s:o}", "eventNumber", (json_int_t)(i + 1),
                                            "eventMessage", text, "extractedValues", extracted));
        }
    }
    fpattern_free(p);
    logs_reply(c, json_pack("{s:o}", "matches", matches));
}

/* ---- subscription filters ---- */

/* The destination checks AWS makes before it looks at the log group (recorded, 2026): a Lambda
 * of another account is refused, and a Kinesis or Firehose stream needs a role to write with.
 * Replies and returns false. */
static bool destination_ok(struct logs_call *c)
{
    static const char *const need_role[] = {"kinesis", "firehose"};
    const char *arn = logs_str(c, "destinationArn");
    char vendor[32] = "", account[32] = "";
    /* arn:partition:vendor:region:account:... */
    if (sscanf(arn, "arn:%*[^:]:%31[^:]:%*[^:]:%31[^:]:", vendor, account) < 1) {
        return true; /* a destination name or other shape: stored as given */
    }
    if (strcmp(vendor, "lambda") == 0 && account[0] && strcmp(account, c->account) != 0) {
        return logs_fail(c, "AccessDeniedException",
                         "Cross-account lambda invocation passing is not allowed.");
    }
    for (size_t i = 0; i < ARRAY_LEN(need_role); i++) {
        if (strcmp(vendor, need_role[i]) == 0 && !logs_str(c, "roleArn")) {
            return logs_invalid(c, "destinationArn for vendor %s cannot be used without roleArn",
                                vendor);
        }
    }
    return true;
}

static void put_subscription_filter(struct logs_call *c)
{
    char buf[513];
    const char *group = NULL, *name = logs_str(c, "filterName");
    int64_t gid = 0;
    if (!destination_ok(c) || !pattern_ok(c, logs_str(c, "filterPattern")) ||
        !logs_group(c, false, buf, &group, &gid, NULL)) {
        return;
    }
    bool exists = false;
    json_int_t created = creation_time(c, "subscription", gid, name, &exists);
    if (!exists && logs_db_config_count(c->ro, "subscription", gid) >= MAX_SUBSCRIPTION_FILTERS) {
        logs_fail(c, "LimitExceededException", "Resource limit exceeded.");
        return;
    }
    const char *dist = logs_str(c, "distribution");
    json_t *doc = json_pack("{s:s, s:s, s:s, s:s, s:s, s:I}", "filterName", name, "logGroupName",
                            group, "filterPattern", logs_str(c, "filterPattern"), "destinationArn",
                            logs_str(c, "destinationArn"), "distribution",
                            dist ? dist : "ByLogStream", "creationTime", created);
    if (logs_str(c, "roleArn")) {
        json_object_set_new(doc, "roleArn", json_string(logs_str(c, "roleArn")));
    }
    store_doc(c, "subscription", gid, name, doc, NULL);
    json_decref(doc);
}

static void describe_subscription_filters(struct logs_call *c)
{
    char buf[513];
    const char *group = NULL;
    int64_t gid = 0;
    if (logs_group(c, false, buf, &group, &gid, NULL)) {
        reply_page(c, "subscription", gid, logs_str(c, "filterNamePrefix"), "subscriptionFilters",
                   NULL);
    }
}

static void delete_subscription_filter(struct logs_call *c)
{
    char buf[513];
    const char *group = NULL;
    int64_t gid = 0;
    if (logs_group(c, false, buf, &group, &gid, NULL)) {
        delete_doc(c, "subscription", gid, logs_str(c, "filterName"),
                   "The specified subscription filter does not exist.");
    }
}

/* ---- destinations ---- */

struct dest_tags {
    const char *resource;
    const char *keys[51];
    const char *vals[51];
    size_t n;
};

static int dest_tags_fn(struct writer_txn *txn, void *arg)
{
    struct dest_tags *t = arg;
    int rc = 0;
    for (size_t i = 0; i < t->n && rc == 0; i++) {
        rc = logs_db_tag_set(writer_txn_store(txn), t->resource, t->keys[i], t->vals[i]);
    }
    return rc;
}

static void put_destination(struct logs_call *c)
{
    const char *name = logs_str(c, "destinationName");
    const json_t *tags = json_object_get(c->body, "tags");
    char res[600];
    struct dest_tags t = {.resource = res};
    snprintf(res, sizeof(res), "destination:%s", name);
    const char *k;
    const json_t *v;
    json_object_foreach((json_t *)tags, k, v)
    {
        if (!json_is_string(v) || !logs_check(c, "tags.key", k, LOGS_PAT_TAGKEY, 1, 128) ||
            !logs_check(c, "tags.value", json_string_value(v), LOGS_PAT_TAGVAL, 0, 256)) {
            if (!json_is_string(v)) {
                logs_invalid(c, "Tag values must be strings.");
            }
            return;
        }
        t.keys[t.n] = k;
        t.vals[t.n++] = json_string_value(v);
    }
    json_t *old = logs_db_config_get(c->ro, "destination", 0, name);
    json_t *doc = json_pack("{s:s, s:s, s:s, s:s, s:I}", "destinationName", name, "targetArn",
                            logs_str(c, "targetArn"), "roleArn", logs_str(c, "roleArn"), "arn", "",
                            "creationTime",
                            old ? json_integer_value(json_object_get(old, "creationTime"))
                                : (json_int_t)now_epoch_ms());
    json_object_set_new(doc, "arn", json_sprintf("%sdestination:%s", c->arn_prefix, name));
    const json_t *policy = json_object_get(old, "accessPolicy");
    if (policy) {
        json_object_set(doc, "accessPolicy", (json_t *)policy);
    }
    json_decref(old);
    char *text = logs_doc_text(doc);
    int rc = logs_config_write(c, "destination", 0, name, text);
    free(text);
    if (rc == 0 && t.n > 0) {
        rc = logs_write(c, dest_tags_fn, &t);
    }
    if (rc == 0) {
        logs_reply(c, json_pack("{s:O}", "destination", doc));
    }
    json_decref(doc);
}

static void put_destination_policy(struct logs_call *c)
{
    const char *name = logs_str(c, "destinationName");
    json_t *doc = logs_db_config_get(c->ro, "destination", 0, name);
    if (!doc) {
        logs_fail(c, "ResourceNotFoundException", "The specified destination does not exist.");
        return;
    }
    json_object_set_new(doc, "accessPolicy", json_string(logs_str(c, "accessPolicy")));
    store_doc(c, "destination", 0, name, doc, NULL);
    json_decref(doc);
}

static void describe_destinations(struct logs_call *c)
{
    reply_page(c, "destination", 0, logs_str(c, "DestinationNamePrefix"), "destinations", NULL);
}

static void delete_destination(struct logs_call *c)
{
    delete_doc(c, "destination", 0, logs_str(c, "destinationName"),
               "The specified destination does not exist.");
}

/* ---- resource policies ---- */

static bool json_document_ok(struct logs_call *c, const char *text)
{
    json_t *doc = json_loads(text, 0, NULL);
    bool ok = json_is_object(doc);
    json_decref(doc);
    return ok ? true : logs_invalid(c, "The policy document is not valid JSON.");
}

/* A Principal.Service list of one item becomes that item. Returns whether it changed. */
static bool normalize_principal(json_t *statement)
{
    bool changed = false;
    json_t *principal = json_object_get(statement, "Principal");
    const char *key;
    json_t *v;
    json_object_foreach(principal, key, v)
    {
        if (strcmp(key, "Service") == 0 && json_is_array(v) && json_array_size(v) == 1) {
            json_object_set(principal, key, json_array_get(v, 0));
            changed = true;
        }
    }
    return changed;
}

/* The document as AWS reads it back (recorded, 2026): a one-item Principal.Service list becomes
 * a string and a missing Version becomes "2008-10-17", IAM's default. New string; text must be
 * a JSON object (json_document_ok). */
static char *normalized_policy(const char *text)
{
    json_t *doc = json_loads(text, JSON_PRESERVE_ORDER, NULL);
    json_t *out = json_object();
    json_t *statements = json_object_get(doc, "Statement");
    size_t i;
    json_t *st;
    bool changed = false;
    if (json_is_array(statements)) {
        json_array_foreach(statements, i, st)
        {
            changed |= normalize_principal(st);
        }
    } else {
        changed = normalize_principal(statements);
    }
    if (!json_object_get(doc, "Version")) {
        json_object_set_new(out, "Version", json_string("2008-10-17"));
        changed = true;
    }
    json_object_update(out, doc);
    /* An unchanged document reads back byte for byte as it was sent. */
    char *s = changed ? json_dumps(out, JSON_PRESERVE_ORDER | JSON_COMPACT) : NULL;
    json_decref(out);
    json_decref(doc);
    return s ? s : xstrdup(text);
}

static void put_resource_policy(struct logs_call *c)
{
    const char *name = logs_str(c, "policyName"), *text = logs_str(c, "policyDocument");
    if (!name || !text) {
        logs_invalid(c,
                     "1 validation error detected: Value null at '%s' failed to satisfy "
                     "constraint: Member must not be null",
                     name ? "policyDocument" : "policyName");
        return;
    }
    if (!json_document_ok(c, text)) {
        return;
    }
    json_t *old = logs_db_config_get(c->ro, "policy", 0, name);
    if (!old && logs_db_config_count(c->ro, "policy", 0) >= MAX_RESOURCE_POLICIES) {
        logs_fail(c, "LimitExceededException", "Resource limit exceeded.");
        return;
    }
    json_decref(old);
    char *normal = normalized_policy(text);
    json_t *doc = json_pack("{s:s, s:s, s:I}", "policyName", name, "policyDocument", normal,
                            "lastUpdatedTime", (json_int_t)now_epoch_ms());
    free(normal);
    store_doc(c, "policy", 0, name, doc, json_pack("{s:O}", "resourcePolicy", doc));
    json_decref(doc);
}

static void describe_resource_policies(struct logs_call *c)
{
    reply_page(c, "policy", 0, NULL, "resourcePolicies", NULL);
}

static void delete_resource_policy(struct logs_call *c)
{
    const char *name = logs_str(c, "policyName");
    if (!name) {
        logs_fail(c, "ResourceNotFoundException", "Policy with name [null] does not exist.");
        return;
    }
    char *missing = xasprintf("Policy with name [%s] does not exist.", name);
    delete_doc(c, "policy", 0, name, missing);
    free(missing);
}

/* ---- export tasks (completed at once: there is no S3 to write to) ---- */

static void create_export_task(struct logs_call *c)
{
    char buf[513], id[37];
    const char *group = NULL;
    int64_t gid = 0, from = logs_int(c, "from", 0), to = logs_int(c, "to", 0);
    if (!logs_group(c, false, buf, &group, &gid, NULL)) {
        return;
    }
    if (from > to) {
        logs_invalid(c, "The from time must not be later than the to time.");
        return;
    }
    aws_uuid(id);
    json_int_t now = (json_int_t)now_epoch_ms();
    const char *prefix = logs_str(c, "destinationPrefix");
    json_t *doc = json_pack("{s:s, s:s, s:I, s:I, s:s, s:s, s:{s:s, s:s}, s:{s:I, s:I}}", "taskId",
                            id, "logGroupName", group, "from", (json_int_t)from, "to",
                            (json_int_t)to, "destination", logs_str(c, "destination"),
                            "destinationPrefix", prefix ? prefix : "exportedlogs", "status", "code",
                            "COMPLETED", "message", "Completed successfully", "executionInfo",
                            "creationTime", now, "completionTime", now);
    if (logs_str(c, "taskName")) {
        json_object_set_new(doc, "taskName", json_string(logs_str(c, "taskName")));
    }
    store_doc(c, "export", 0, id, doc, json_pack("{s:s}", "taskId", id));
    json_decref(doc);
}

static void describe_export_tasks(struct logs_call *c)
{
    const char *id = logs_str(c, "taskId"), *code = logs_str(c, "statusCode");
    if (id) {
        /* A task id names one task, not a prefix; an unknown one is an error (AWS). */
        json_t *t = logs_db_config_get(c->ro, "export", 0, id);
        const char *tc = json_string_value(json_object_get(json_object_get(t, "status"), "code"));
        if (!t) {
            logs_fail(c, "ResourceNotFoundException", "The specified export task does not exist.");
            return;
        }
        json_t *tasks = json_array();
        if (!code || (tc && strcmp(tc, code) == 0)) {
            json_array_append(tasks, t);
        }
        json_decref(t);
        logs_reply(c, json_pack("{s:o}", "exportTasks", tasks));
        return;
    }
    if (!code) {
        reply_page(c, "export", 0, id, "exportTasks", NULL);
        return;
    }
    bool more = false;
    json_t *all = logs_db_config_list(c->ro, "export", 0, id, 0, -1, &more);
    json_t *tasks = json_array();
    size_t i;
    json_t *t;
    json_array_foreach(all, i, t)
    {
        const char *tc = json_string_value(json_object_get(json_object_get(t, "status"), "code"));
        if (tc && strcmp(tc, code) == 0) {
            json_array_append(tasks, t);
        }
    }
    json_decref(all);
    logs_reply(c, json_pack("{s:o}", "exportTasks", tasks));
}

static void cancel_export_task(struct logs_call *c)
{
    json_t *t = logs_db_config_get(c->ro, "export", 0, logs_str(c, "taskId"));
    if (!t) {
        logs_fail(c, "ResourceNotFoundException", "The specified export task does not exist.");
        return;
    }
    const char *code = json_string_value(json_object_get(json_object_get(t, "status"), "code"));
    if (code && (strcmp(code, "PENDING") == 0 || strcmp(code, "RUNNING") == 0)) {
        json_object_set_new(t, "status",
                            json_pack("{s:s, s:s}", "code", "CANCELLED", "message", "Cancelled"));
        store_doc(c, "export", 0, logs_str(c, "taskId"), t, NULL);
    } else {
        logs_fail(c, "InvalidOperationException",
                  "The specified export task has already finished.");
    }
    json_decref(t);
}

/* ---- data protection policies (one per group, stored and shown, never applied) ---- */

static bool dp_group(struct logs_call *c, int64_t *gid)
{
    char buf[513];
    const char *name = NULL;
    return logs_group_by(c, logs_str(c, "logGroupIdentifier"), buf, &name, gid, NULL);
}

static void put_data_protection_policy(struct logs_call *c)
{
    int64_t gid = 0;
    const char *text = logs_str(c, "policyDocument");
    if (!dp_group(c, &gid) || !json_document_ok(c, text)) {
        return;
    }
    json_t *doc =
        json_pack("{s:s, s:s, s:I}", "logGroupIdentifier", logs_str(c, "logGroupIdentifier"),
                  "policyDocument", text, "lastUpdatedTime", (json_int_t)now_epoch_ms());
    store_doc(c, "dataprotection", gid, "", doc, json_incref(doc));
    json_decref(doc);
}

static void get_data_protection_policy(struct logs_call *c)
{
    int64_t gid = 0;
    if (!dp_group(c, &gid)) {
        return;
    }
    json_t *doc = logs_db_config_get(c->ro, "dataprotection", gid, "");
    if (!doc) {
        doc = json_pack("{s:s}", "logGroupIdentifier", logs_str(c, "logGroupIdentifier"));
    }
    json_object_set_new(doc, "logGroupIdentifier", json_string(logs_str(c, "logGroupIdentifier")));
    logs_reply(c, doc);
}

static void delete_data_protection_policy(struct logs_call *c)
{
    int64_t gid = 0;
    if (dp_group(c, &gid)) {
        delete_doc(c, "dataprotection", gid, "",
                   "The specified log group has no data protection policy.");
    }
}

#define M_FILTER_NAME(req) M_STREAM("filterName", req)
#define M_PATTERN                                                                                  \
    {                                                                                              \
        "filterPattern", AWS_STRING, true, 0, 1024, NULL, NULL                                     \
    }
static const struct aws_member m_put_metric[] = {
    M_GROUP(true),
    M_FILTER_NAME(true),
    M_PATTERN,
    {"metricTransformations", AWS_LIST, true, 1, 1, NULL, NULL}};
static const struct aws_member m_describe_metric[] = {
    M_GROUP(false),
    M_STREAM("filterNamePrefix", false),
    M_TOKEN,
    M_LIMIT(50),
    {"metricName", AWS_STRING, false, 0, 255, LOGS_PAT_METRIC, NULL},
    {"metricNamespace", AWS_STRING, false, 0, 255, LOGS_PAT_METRIC, NULL}};
static const struct aws_member m_filter_ref[] = {M_GROUP(true), M_FILTER_NAME(true)};
static const struct aws_member m_test_metric[] = {
    M_PATTERN, {"logEventMessages", AWS_LIST, true, 1, 50, NULL, NULL}};
static const char *const distributions[] = {"Random", "ByLogStream", NULL};
static const struct aws_member m_put_sub[] = {
    M_GROUP(true),
    M_FILTER_NAME(true),
    M_PATTERN,
    {"destinationArn", AWS_STRING, true, 1, -1, NULL, NULL},
    {"roleArn", AWS_STRING, false, 1, -1, NULL, NULL},
    {"distribution", AWS_STRING, false, -1, -1, NULL, distributions}};
static const struct aws_member m_describe_sub[] = {
    M_GROUP(true), M_STREAM("filterNamePrefix", false), M_TOKEN, M_LIMIT(50)};
#define M_DEST M_STREAM("destinationName", true)
static const struct aws_member m_put_dest[] = {M_DEST,
                                               {"targetArn", AWS_STRING, true, 1, -1, NULL, NULL},
                                               {"roleArn", AWS_STRING, true, 1, -1, NULL, NULL},
                                               {"tags", AWS_MAP, false, 1, 50, NULL, NULL}};
static const struct aws_member m_put_dest_policy[] = {
    M_DEST,
    {"accessPolicy", AWS_STRING, true, 1, -1, NULL, NULL},
    {"forceUpdate", AWS_BOOLEAN, false, -1, -1, NULL, NULL}};
static const struct aws_member m_describe_dest[] = {M_STREAM("DestinationNamePrefix", false),
                                                    M_TOKEN, M_LIMIT(50)};
static const struct aws_member m_dest[] = {M_DEST};
static const struct aws_member m_put_policy[] = {
    {"policyName", AWS_STRING, false, -1, -1, NULL, NULL},
    {"policyDocument", AWS_STRING, false, 1, 5120, NULL, NULL}};
static const struct aws_member m_describe_policies[] = {M_TOKEN, M_LIMIT(50)};
static const struct aws_member m_policy[] = {{"policyName", AWS_STRING, false, -1, -1, NULL, NULL}};
static const struct aws_member m_create_export[] = {
    {"taskName", AWS_STRING, false, 1, 512, NULL, NULL},
    M_GROUP(true),
    M_STREAM("logStreamNamePrefix", false),
    M_TIME("from", true),
    M_TIME("to", true),
    {"destination", AWS_STRING, true, 1, 512, NULL, NULL},
    {"destinationPrefix", AWS_STRING, false, -1, -1, NULL, NULL}};
static const char *const export_codes[] = {"CANCELLED",      "COMPLETED", "FAILED", "PENDING",
                                           "PENDING_CANCEL", "RUNNING",   NULL};
static const struct aws_member m_describe_export[] = {
    {"taskId", AWS_STRING, false, 1, 512, NULL, NULL},
    {"statusCode", AWS_STRING, false, -1, -1, NULL, export_codes},
    M_TOKEN,
    M_LIMIT(50)};
static const struct aws_member m_task[] = {{"taskId", AWS_STRING, true, 1, 512, NULL, NULL}};
#define M_DP_IDENT                                                                                 \
    {                                                                                              \
        "logGroupIdentifier", AWS_STRING, true, 1, 2048, LOGS_PAT_IDENT, NULL                      \
    }
static const struct aws_member m_put_dp[] = {
    M_DP_IDENT, {"policyDocument", AWS_STRING, true, -1, -1, NULL, NULL}};
static const struct aws_member m_dp[] = {M_DP_IDENT};

const struct logs_op logs_config_ops[] = {
    LOGS_OP("PutMetricFilter", put_metric_filter, m_put_metric),
    LOGS_OP("DescribeMetricFilters", describe_metric_filters, m_describe_metric),
    LOGS_OP("DeleteMetricFilter", delete_metric_filter, m_filter_ref),
    LOGS_OP("TestMetricFilter", test_metric_filter, m_test_metric),
    LOGS_OP("PutSubscriptionFilter", put_subscription_filter, m_put_sub),
    LOGS_OP("DescribeSubscriptionFilters", describe_subscription_filters, m_describe_sub),
    LOGS_OP("DeleteSubscriptionFilter", delete_subscription_filter, m_filter_ref),
    LOGS_OP("PutDestination", put_destination, m_put_dest),
    LOGS_OP("PutDestinationPolicy", put_destination_policy, m_put_dest_policy),
    LOGS_OP("DescribeDestinations", describe_destinations, m_describe_dest),
    LOGS_OP("DeleteDestination", delete_destination, m_dest),
    LOGS_OP("PutResourcePolicy", put_resource_policy, m_put_policy),
    LOGS_OP("DescribeResourcePolicies", describe_resource_policies, m_describe_policies),
    LOGS_OP("DeleteResourcePolicy", delete_resource_policy, m_policy),
    LOGS_OP("CreateExportTask", create_export_task, m_create_export),
    LOGS_OP("DescribeExportTasks", describe_export_tasks, m_describe_export),
    LOGS_OP("CancelExportTask", cancel_export_task, m_task),
    LOGS_OP("PutDataProtectionPolicy", put_data_protection_policy, m_put_dp),
    LOGS_OP("GetDataProtectionPolicy", get_data_protection_policy, m_dp),
    LOGS_OP("DeleteDataProtectionPolicy", delete_data_protection_policy, m_dp),
};
const size_t logs_config_op_count = ARRAY_LEN(logs_config_ops);
