/*
 * logs_api.c - CloudWatch Logs operations (awsJson1.1, reference/logs-api.md): dispatch on the
 * X-Amz-Target header through the operation tables, the helpers every operation file shares
 * (logs_api_int.h), and the group, stream, retention, KMS and tag operations.
 *
 * Threads: HTTP connection threads. Reads use the thread's read-only store; writes run as
 * writer_fn callbacks on the writer thread and the request answers after the commit
 * ("acknowledged means committed", DESIGN.md §2). Only C strings cross to the writer, never a
 * json_t. Every error goes through aws_err_awsjson() via logs_fail().
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "logs_api_int.h"
#include "routes.h"

#define TARGET_PREFIX "Logs_20140328."
#define MAX_TAGS 50

/* ---- shared helpers (logs_api_int.h) ---- */

bool logs_fail(struct logs_call *c, const char *code, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    char *msg = xmalloc(n > 0 ? (size_t)n + 1 : 1);
    va_start(ap, fmt);
    vsnprintf(msg, n > 0 ? (size_t)n + 1 : 1, fmt, ap);
    va_end(ap);
    bool fault = strcmp(code, "ServiceUnavailableException") == 0;
    aws_err_awsjson(c->rep, fault ? 500 : 400, code, "%s", msg);
    free(msg);
    return false;
}

void logs_reply(struct logs_call *c, json_t *body_steal)
{
    aws_reply(c->rep, "application/x-amz-json-1.1", body_steal ? body_steal : json_object());
}

const char *logs_str(const struct logs_call *c, const char *name)
{
    return json_string_value(json_object_get(c->body, name));
}

int64_t logs_int(const struct logs_call *c, const char *name, int64_t dflt)
{
    const json_t *v = json_object_get(c->body, name);
    return json_is_number(v) ? (int64_t)json_number_value(v) : dflt;
}

bool logs_bool(const struct logs_call *c, const char *name, bool dflt)
{
    const json_t *v = json_object_get(c->body, name);
    return json_is_boolean(v) ? json_is_true(v) : dflt;
}

/* "arn:aws:logs:<region>:<account>:log-group:<name>[:*]" -> name, or NULL when not that shape. */
static const char *arn_group(const char *arn, char buf[513])
{
    const char *p = arn;
    for (int colons = 0; colons < 5; colons++) {
        p = strchr(p, ':');
        if (!p) {
            return NULL;
        }
        p++;
    }
    if (strncmp(arn, "arn:", 4) != 0 || strncmp(p, "log-group:", 10) != 0) {
        return NULL;
    }
    p += 10;
    size_t n = strcspn(p, ":");
    if (n == 0 || n > 512 || (p[n] && strcmp(p + n, ":*") != 0)) {
        return NULL;
    }
    memcpy(buf, p, n);
    buf[n] = '\0';
    return buf;
}

static bool group_by(struct logs_call *c, const char *ident, char name_buf[513], const char **name,
                     int64_t *gid, int *retention, bool query)
{
    *name = ident;
    if (strncmp(ident, "arn:", 4) == 0) {
        *name = arn_group(ident, name_buf);
        if (!*name) {
            return logs_invalid(c, "Invalid log group ARN: %.600s", ident);
        }
    }
    int rc = logs_db_group_find(c->ro, *name, gid, retention);
    if (rc == ERR_NOTFOUND && query) {
        /* Logs Insights answers with the wrapped message of its backend (recorded, 2026). */
        char id[37];
        aws_uuid(id);
        return logs_fail(c, "ResourceNotFoundException",
                         "Log group '%s' does not exist for account ID '%s' (Service: AWSLogs; "
                         "Status Code: 400; Error Code: ResourceNotFoundException; Request ID: "
                         "%s; Proxy: null)",
                         *name, c->account, id);
    }
    if (rc == ERR_NOTFOUND) {
        return logs_fail(c, "ResourceNotFoundException", "The specified log group does not exist.");
    }
    if (rc < 0) {
        return logs_fail(c, "ServiceUnavailableException", "The service cannot read log groups.");
    }
    return true;
}

bool logs_group_by(struct logs_call *c, const char *ident, char name_buf[513], const char **name,
                   int64_t *gid, int *retention)
{
    return group_by(c, ident, name_buf, name, gid, retention, false);
}

bool logs_query_group_by(struct logs_call *c, const char *ident, char name_buf[513],
                         const char **name, int64_t *gid)
{
    return group_by(c, ident, name_buf, name, gid, NULL, true);
}

bool logs_group(struct logs_call *c, bool allow_ident, char name_buf[513], const char **name,
                int64_t *gid, int *retention)
{
    const char *by_name = logs_str(c, "logGroupName");
    const char *by_ident = allow_ident ? logs_str(c, "logGroupIdentifier") : NULL;
    if (by_name && by_ident) {
        /* Real AWS answers ValidationException here (logs-api.md, DescribeLogStreams). */
        return logs_fail(c, "ValidationException",
                         "LogGroup name and LogGroup ARN are mutually exclusive parameters.");
    }
    if (!by_name && !by_ident) {
        return logs_invalid(c, "1 validation error detected: Value null at 'logGroupName' failed "
                               "to satisfy constraint: Member must not be null");
    }
    return logs_group_by(c, by_name ? by_name : by_ident, name_buf, name, gid, retention);
}

bool logs_page_start(struct logs_call *c, const char *scope, int64_t *offset)
{
    const char *token = logs_str(c, "nextToken");
    *offset = 0;
    if (token && aws_token_decode(token, scope, offset) < 0) {
        return logs_invalid(c, "The specified nextToken is invalid.");
    }
    return true;
}

void logs_page_next(json_t *out, bool more, int64_t offset, const char *scope)
{
    if (more) {
        char *t = aws_token_encode(offset, scope);
        json_object_set_new(out, "nextToken", json_string(t));
        free(t);
    }
}

int logs_write(struct logs_call *c, writer_fn fn, void *arg)
{
    /* The json_t in arg (request bodies, documents) go to the writer thread and back inside
     * writer_call: the queue mutex orders the hand-over, the writer mutex (command done) the
     * hand-back (writer.h). */
    int rc = writer_call(c->req->app->writer, fn, arg);
    if (rc == ERR_INTERNAL || rc == ERR_TIMEOUT) {
        logs_fail(c, "ServiceUnavailableException", "The service could not store the change.");
    }
    return rc;
}

struct config_write {
    const char *kind;
    int64_t gid;
    const char *name;
    const char *doc;
    int64_t now;
};

static int config_write_fn(struct writer_txn *txn, void *arg)
{
    struct config_write *w = arg;
    struct store *rw = writer_txn_store(txn);
    return w->doc ? logs_db_config_put(rw, w->kind, w->gid, w->name, w->now, w->doc)
                  : logs_db_config_delete(rw, w->kind, w->gid, w->name);
}

int logs_config_write(struct logs_call *c, const char *kind, int64_t gid, const char *name,
                      const char *doc)
{
    struct config_write w = {kind, gid, name, doc, now_epoch_ms()};
    return logs_write(c, config_write_fn, &w);
}

char *logs_doc_text(const json_t *doc)
{
    return json_dumps(doc, JSON_COMPACT);
}

/* ---- groups, streams, retention, KMS, tags ---- */

/* What a group/stream/tag write needs, as C strings borrowed from the request body. */
struct group_write {
    const char *group;
    const char *stream;
    const char *kms;
    const char *resource; /* tag resource key */
    int days;
    int64_t now;
    const json_t *tags_in; /* read on the HTTP thread only; see tag_keys/tag_vals */
    const char *tag_keys[MAX_TAGS + 1];
    const char *tag_vals[MAX_TAGS + 1];
    size_t ntags;
    bool untag;
    bool no_stream;
};

static int find_group_rw(struct store *rw, struct group_write *w, int64_t *gid)
{
    return logs_db_group_find(rw, w->group, gid, NULL);
}

static int apply_tags(struct store *rw, struct group_write *w)
{
    int rc = 0;
    for (size_t i = 0; i < w->ntags && rc == 0; i++) {
        rc = w->untag ? logs_db_tag_delete(rw, w->resource, w->tag_keys[i])
                      : logs_db_tag_set(rw, w->resource, w->tag_keys[i], w->tag_vals[i]);
    }
    if (rc == 0 && !w->untag) {
        json_t *all = logs_db_tags(rw, w->resource);
        if (json_object_size(all) > MAX_TAGS) {
            rc = ERR_LIMIT;
        }
        json_decref(all);
    }
    return rc;
}

static int create_group_fn(struct writer_txn *txn, void *arg)
{
    struct group_write *w = arg;
    struct store *rw = writer_txn_store(txn);
    int rc = logs_db_group_create(rw, w->group, w->kms, w->now);
    if (rc == 0) {
        rc = apply_tags(rw, w);
    }
    if (rc == 0) {
        writer_txn_changed(txn, WRITER_CHANGED_LOGS);
    }
    return rc;
}

static int delete_group_fn(struct writer_txn *txn, void *arg)
{
    struct group_write *w = arg;
    struct store *rw = writer_txn_store(txn);
    int64_t gid = 0;
    int rc = find_group_rw(rw, w, &gid);
    if (rc == 0) {
        rc = logs_db_group_delete(rw, gid, w->resource);
        writer_txn_changed(txn, WRITER_CHANGED_LOGS);
    }
    return rc;
}

static int set_group_fn(struct writer_txn *txn, void *arg)
{
    struct group_write *w = arg;
    struct store *rw = writer_txn_store(txn);
    int64_t gid = 0;
    int rc = find_group_rw(rw, w, &gid);
    if (rc == 0) {
        rc = w->kms || w->days < 0 ? logs_db_group_set_kms(rw, gid, w->kms)
                                   : logs_db_group_set_retention(rw, gid, w->days);
    }
    return rc;
}

static int stream_fn(struct writer_txn *txn, void *arg)
{
    struct group_write *w = arg;
    struct store *rw = writer_txn_store(txn);
    int64_t gid = 0, sid = 0;
    int rc = find_group_rw(rw, w, &gid);
    if (rc < 0) {
        return rc;
    }
    if (w->days == 1) {
        rc = logs_db_stream_create(rw, gid, w->stream, w->now);
    } else {
        rc = logs_db_stream_find(rw, gid, w->stream, &sid);
        if (rc == ERR_NOTFOUND) {
            w->no_stream = true;
        } else if (rc == 0) {
            rc = logs_db_stream_delete(rw, gid, sid);
        }
    }
    if (rc == 0) {
        writer_txn_changed(txn, WRITER_CHANGED_LOGS);
    }
    return rc;
}

static int tag_fn(struct writer_txn *txn, void *arg)
{
    struct group_write *w = arg;
    struct store *rw = writer_txn_store(txn);
    int64_t gid = 0;
    int rc = 0;
    if (w->group) {
        rc = find_group_rw(rw, w, &gid);
    } else {
        json_t *d = logs_db_config_get(rw, "destination", 0, w->resource + strlen("destination:"));
        rc = d ? 0 : ERR_NOTFOUND;
        json_decref(d);
    }
    return rc == 0 ? apply_tags(rw, w) : rc;
}

static void resource_key(char *out, size_t n, const char *kind, const char *name)
{
    snprintf(out, n, "%s:%s", kind, name);
}

/* Reads the request's tags map (or key list when untag) into w; replies on invalid input. */
static bool read_tags(struct logs_call *c, const char *member, struct group_write *w)
{
    const json_t *tags = json_object_get(c->body, member);
    if (!tags) {
        return true;
    }
    if (w->untag) {
        size_t i;
        const json_t *k;
        json_array_foreach(tags, i, k)
        {
            if (!json_is_string(k) ||
                !logs_check(c, member, json_string_value(k), LOGS_PAT_TAGKEY, 1, 128)) {
                return json_is_string(k) ? false : logs_invalid(c, "Tag keys must be strings.");
            }
            if (w->ntags < MAX_TAGS) {
                w->tag_keys[w->ntags++] = json_string_value(k);
            }
        }
        return true;
    }
    const char *key;
    const json_t *v;
    json_object_foreach((json_t *)tags, key, v)
    {
        if (!json_is_string(v)) {
            return logs_invalid(c, "Tag values must be strings.");
        }
        if (!logs_check(c, "tags.key", key, LOGS_PAT_TAGKEY, 1, 128) ||
            !logs_check(c, "tags.value", json_string_value(v), LOGS_PAT_TAGVAL, 0, 256)) {
            return false;
        }
        w->tag_keys[w->ntags] = key;
        w->tag_vals[w->ntags++] = json_string_value(v);
    }
    return true;
}

static bool not_found(struct logs_call *c, bool stream)
{
    return logs_fail(c, "ResourceNotFoundException", "The specified log %s does not exist.",
                     stream ? "stream" : "group");
}

static void create_log_group(struct logs_call *c)
{
    char res[600];
    struct group_write w = {.group = logs_str(c, "logGroupName"),
                            .kms = logs_str(c, "kmsKeyId"),
                            .now = now_epoch_ms(),
                            .resource = res};
    if (strncasecmp(w.group, "aws/", 4) == 0) {
        logs_invalid(c, "Log groups starting with AWS/ are reserved for AWS.");
        return;
    }
    resource_key(res, sizeof(res), "log-group", w.group);
    if (!read_tags(c, "tags", &w)) {
        return;
    }
    int rc = logs_write(c, create_group_fn, &w);
    if (rc == ERR_CONFLICT) {
        logs_fail(c, "ResourceAlreadyExistsException", "The specified log group already exists");
    } else if (rc == ERR_LIMIT) {
        logs_fail(c, "LimitExceededException", "A log group may have at most 50 tags.");
    } else if (rc == 0) {
        logs_reply(c, NULL);
    }
}

/* Runs a group write and maps the common outcomes. */
static void group_write(struct logs_call *c, writer_fn fn, struct group_write *w)
{
    int rc = logs_write(c, fn, w);
    if (rc == ERR_NOTFOUND) {
        not_found(c, w->no_stream);
    } else if (rc == ERR_CONFLICT) {
        logs_fail(c, "ResourceAlreadyExistsException", "The specified log stream already exists");
    } else if (rc == ERR_LIMIT) {
        /* The modeled member resourceName rides in the body (logs-api.md error shapes). */
        aws_err_awsjson_members(c->rep, 400, "TooManyTagsException",
                                json_pack("{s:s}", "resourceName", logs_str(c, "logGroupName")),
                                "A resource may have at most %d tags.", MAX_TAGS);
    } else if (rc == 0) {
        logs_reply(c, NULL);
    }
}

static void delete_log_group(struct logs_call *c)
{
    char res[600];
    struct group_write w = {.group = logs_str(c, "logGroupName"), .resource = res};
    resource_key(res, sizeof(res), "log-group", w.group);
    group_write(c, delete_group_fn, &w);
}

static void describe_log_groups(struct logs_call *c)
{
    const char *prefix = logs_str(c, "logGroupNamePrefix");
    const char *pattern = logs_str(c, "logGroupNamePattern");
    int64_t offset = 0, limit = logs_int(c, "limit", 50);
    if (prefix && pattern) {
        logs_invalid(c, "LogGroup name prefix and LogGroup name pattern are mutually exclusive "
                        "parameters.");
        return;
    }
    char scope[1100];
    snprintf(scope, sizeof(scope), "groups|%s|%s", prefix ? prefix : "", pattern ? pattern : "");
    if (!logs_page_start(c, scope, &offset)) {
        return;
    }
    bool more = false;
    struct logs_db_group_row *rows = NULL;
    size_t n = 0;
    if (logs_db_describe_groups(c->ro, prefix, pattern && *pattern ? pattern : NULL, offset, limit,
                                &rows, &n, &more) < 0) {
        n = 0; /* logged by the store; an empty page, as AWS would never say why */
    }
    json_t *groups = json_array();
    for (size_t i = 0; i < n; i++) {
        json_array_append_new(groups, logs_shapes_group(&rows[i], c->arn_prefix));
    }
    logs_db_group_rows_free(rows, n);
    json_t *out = json_object();
    json_object_set_new(out, "logGroups", groups);
    logs_page_next(out, more, offset + limit, scope);
    logs_reply(c, out);
}

static void stream_op(struct logs_call *c, bool create)
{
    struct group_write w = {.group = logs_str(c, "logGroupName"),
                            .stream = logs_str(c, "logStreamName"),
                            .days = create ? 1 : 0,
                            .now = now_epoch_ms()};
    group_write(c, stream_fn, &w);
}

static void create_log_stream(struct logs_call *c)
{
    stream_op(c, true);
}

static void delete_log_stream(struct logs_call *c)
{
    stream_op(c, false);
}

static void describe_log_streams(struct logs_call *c)
{
    char buf[513];
    const char *group = NULL;
    int64_t gid = 0, offset = 0, limit = logs_int(c, "limit", 50);
    const char *prefix = logs_str(c, "logStreamNamePrefix");
    const char *order = logs_str(c, "orderBy");
    bool by_time = order && strcmp(order, "LastEventTime") == 0;
    bool desc = logs_bool(c, "descending", false);
    if (!logs_group(c, true, buf, &group, &gid, NULL)) {
        return;
    }
    if (by_time && prefix) {
        logs_invalid(c, "Cannot order by LastEventTime with a logStreamNamePrefix.");
        return;
    }
    char scope[1200];
    snprintf(scope, sizeof(scope), "streams|%s|%s|%d%d", group, prefix ? prefix : "", by_time,
             desc);
    if (!logs_page_start(c, scope, &offset)) {
        return;
    }
    bool more = false;
    struct logs_db_stream_row *rows = NULL;
    size_t n = 0;
    if (logs_db_describe_streams(c->ro, gid, prefix, by_time, desc, offset, limit, &rows, &n,
                                 &more) < 0) {
        n = 0; /* logged by the store */
    }
    json_t *streams = json_array();
    for (size_t i = 0; i < n; i++) {
        json_array_append_new(streams, logs_shapes_stream(&rows[i], group, c->arn_prefix));
    }
    logs_db_stream_rows_free(rows, n);
    json_t *out = json_object();
    json_object_set_new(out, "logStreams", streams);
    logs_page_next(out, more, offset + limit, scope);
    logs_reply(c, out);
}

static void put_retention_policy(struct logs_call *c)
{
    /* logs-api.md PutRetentionPolicy: the model's list plus 1096 from current docs. */
    static const int allowed[] = {1,   3,   5,   7,   14,   30,   60,   90,   120,  150,  180,
                                  365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653};
    int64_t days = logs_int(c, "retentionInDays", 0);
    bool ok = false;
    for (size_t i = 0; i < ARRAY_LEN(allowed); i++) {
        ok = ok || allowed[i] == days;
    }
    if (!ok) {
        logs_invalid(c,
                     "1 validation error detected: Value '%lld' at 'retentionInDays' failed to "
                     "satisfy constraint: Member must satisfy enum value set: [1, 3, 5, 7, 14, 30, "
                     "60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, "
                     "3288, 3653]",
                     (long long)days);
        return;
    }
    struct group_write w = {.group = logs_str(c, "logGroupName"), .days = (int)days};
    group_write(c, set_group_fn, &w);
}

static void delete_retention_policy(struct logs_call *c)
{
    struct group_write w = {.group = logs_str(c, "logGroupName"), .days = 0};
    group_write(c, set_group_fn, &w);
}

static void associate_kms_key(struct logs_call *c)
{
    struct group_write w = {.group = logs_str(c, "logGroupName"), .kms = logs_str(c, "kmsKeyId")};
    group_write(c, set_group_fn, &w);
}

static void disassociate_kms_key(struct logs_call *c)
{
    struct group_write w = {.group = logs_str(c, "logGroupName"), .days = -1};
    group_write(c, set_group_fn, &w);
}

/* resourceArn -> resource key and group name; replies and returns false when not a Logs ARN. */
static bool arn_resource(struct logs_call *c, const char *arn, char *res, size_t n,
                         char name_buf[513], struct group_write *w)
{
    const char *group = arn_group(arn, name_buf);
    const char *dest = strstr(arn, ":destination:");
    if (group) {
        w->group = group;
        resource_key(res, n, "log-group", group);
    } else if (strncmp(arn, "arn:", 4) == 0 && dest && dest[13]) {
        resource_key(res, n, "destination", dest + 13);
    } else {
        return logs_fail(c, "ResourceNotFoundException", "The specified resource does not exist.");
    }
    w->resource = res;
    return true;
}

static void tag_resource_op(struct logs_call *c, bool untag)
{
    char res[1100], buf[513];
    struct group_write w = {.untag = untag};
    if (!arn_resource(c, logs_str(c, "resourceArn"), res, sizeof(res), buf, &w) ||
        !read_tags(c, untag ? "tagKeys" : "tags", &w)) {
        return;
    }
    int rc = logs_write(c, tag_fn, &w);
    if (rc == ERR_NOTFOUND) {
        logs_fail(c, "ResourceNotFoundException", "The specified resource does not exist.");
    } else if (rc == ERR_LIMIT) {
        /* The modeled member resourceName rides in the body (logs-api.md error shapes). */
        aws_err_awsjson_members(c->rep, 400, "TooManyTagsException",
                                json_pack("{s:s}", "resourceName", logs_str(c, "resourceArn")),
                                "A resource may have at most %d tags.", MAX_TAGS);
    } else if (rc == 0) {
        logs_reply(c, NULL);
    }
}

static void tag_resource(struct logs_call *c)
{
    tag_resource_op(c, false);
}

static void untag_resource(struct logs_call *c)
{
    tag_resource_op(c, true);
}

static void list_tags_for_resource(struct logs_call *c)
{
    char res[1100], buf[513];
    struct group_write w = {0};
    int64_t gid = 0;
    if (!arn_resource(c, logs_str(c, "resourceArn"), res, sizeof(res), buf, &w)) {
        return;
    }
    if (w.group && logs_db_group_find(c->ro, w.group, &gid, NULL) < 0) {
        logs_fail(c, "ResourceNotFoundException", "The specified resource does not exist.");
        return;
    }
    logs_reply(c, json_pack("{s:o}", "tags", logs_db_tags(c->ro, res)));
}

static void tag_log_group_op(struct logs_call *c, bool untag)
{
    char res[600];
    struct group_write w = {.group = logs_str(c, "logGroupName"), .untag = untag, .resource = res};
    resource_key(res, sizeof(res), "log-group", w.group);
    if (read_tags(c, "tags", &w)) {
        group_write(c, tag_fn, &w);
    }
}

static void tag_log_group(struct logs_call *c)
{
    tag_log_group_op(c, false);
}

static void untag_log_group(struct logs_call *c)
{
    tag_log_group_op(c, true);
}

static void list_tags_log_group(struct logs_call *c)
{
    char res[600];
    int64_t gid = 0;
    const char *group = logs_str(c, "logGroupName");
    if (logs_db_group_find(c->ro, group, &gid, NULL) < 0) {
        not_found(c, false);
        return;
    }
    resource_key(res, sizeof(res), "log-group", group);
    logs_reply(c, json_pack("{s:o}", "tags", logs_db_tags(c->ro, res)));
}

#define M_TAGS(req)                                                                                \
    {                                                                                              \
        "tags", AWS_MAP, req, 1, 50, NULL, NULL                                                    \
    }
static const struct aws_member m_create_group[] = {
    M_GROUP(true), {"kmsKeyId", AWS_STRING, false, 0, 256, NULL, NULL}, M_TAGS(false)};
static const struct aws_member m_group[] = {M_GROUP(true)};
static const char *const log_group_classes[] = {"STANDARD", "INFREQUENT_ACCESS", NULL};
static const struct aws_member m_describe_groups[] = {
    {"accountIdentifiers", AWS_LIST, false, 0, 20, NULL, NULL},
    {"logGroupNamePrefix", AWS_STRING, false, 1, 512, LOGS_PAT_GROUP, NULL},
    {"logGroupNamePattern", AWS_STRING, false, 0, 512, LOGS_PAT_GROUP_OPT, NULL},
    M_TOKEN,
    M_LIMIT(50),
    {"includeLinkedAccounts", AWS_BOOLEAN, false, -1, -1, NULL, NULL},
    {"logGroupClass", AWS_STRING, false, -1, -1, NULL, log_group_classes}};
static const struct aws_member m_stream[] = {M_GROUP(true), M_STREAM("logStreamName", true)};
static const char *const order_by[] = {"LogStreamName", "LastEventTime", NULL};
static const struct aws_member m_describe_streams[] = {
    M_GROUP(false),
    M_IDENT,
    M_STREAM("logStreamNamePrefix", false),
    {"orderBy", AWS_STRING, false, -1, -1, NULL, order_by},
    {"descending", AWS_BOOLEAN, false, -1, -1, NULL, NULL},
    M_TOKEN,
    M_LIMIT(50)};
static const struct aws_member m_retention[] = {
    M_GROUP(true), {"retentionInDays", AWS_INTEGER, true, -1, -1, NULL, NULL}};
static const struct aws_member m_kms[] = {M_GROUP(true),
                                          {"kmsKeyId", AWS_STRING, true, 0, 256, NULL, NULL}};
#define M_ARN                                                                                      \
    {                                                                                              \
        "resourceArn", AWS_STRING, true, 1, 1011, LOGS_PAT_ARN, NULL                               \
    }
static const struct aws_member m_tag_resource[] = {M_ARN, M_TAGS(true)};
static const struct aws_member m_untag_resource[] = {
    M_ARN, {"tagKeys", AWS_LIST, true, 0, 50, NULL, NULL}};
static const struct aws_member m_arn[] = {M_ARN};
static const struct aws_member m_tag_group[] = {M_GROUP(true), M_TAGS(true)};
static const struct aws_member m_untag_group[] = {M_GROUP(true),
                                                  {"tags", AWS_LIST, true, 1, -1, NULL, NULL}};

static const struct logs_op group_ops[] = {
    LOGS_OP("CreateLogGroup", create_log_group, m_create_group),
    LOGS_OP("DeleteLogGroup", delete_log_group, m_group),
    LOGS_OP("DescribeLogGroups", describe_log_groups, m_describe_groups),
    LOGS_OP("CreateLogStream", create_log_stream, m_stream),
    LOGS_OP("DeleteLogStream", delete_log_stream, m_stream),
    LOGS_OP("DescribeLogStreams", describe_log_streams, m_describe_streams),
    LOGS_OP("PutRetentionPolicy", put_retention_policy, m_retention),
    LOGS_OP("DeleteRetentionPolicy", delete_retention_policy, m_group),
    LOGS_OP("AssociateKmsKey", associate_kms_key, m_kms),
    LOGS_OP("DisassociateKmsKey", disassociate_kms_key, m_group),
    LOGS_OP("TagResource", tag_resource, m_tag_resource),
    LOGS_OP("UntagResource", untag_resource, m_untag_resource),
    LOGS_OP("ListTagsForResource", list_tags_for_resource, m_arn),
    LOGS_OP("TagLogGroup", tag_log_group, m_tag_group),
    LOGS_OP("UntagLogGroup", untag_log_group, m_untag_group),
    LOGS_OP("ListTagsLogGroup", list_tags_log_group, m_group),
};

/* ---- dispatch ---- */

static const struct logs_op *find_op(const char *name)
{
    const struct {
        const struct logs_op *ops;
        size_t n;
    } tables[] = {{group_ops, ARRAY_LEN(group_ops)},
                  {logs_events_ops, logs_events_op_count},
                  {logs_config_ops, logs_config_op_count},
                  {logs_query_ops, logs_query_op_count}};
    for (size_t t = 0; t < ARRAY_LEN(tables); t++) {
        for (size_t i = 0; i < tables[t].n; i++) {
            if (strcmp(tables[t].ops[i].name, name) == 0) {
                return &tables[t].ops[i];
            }
        }
    }
    return NULL;
}

void logs_api_dispatch(struct http_request *req, struct http_reply *rep)
{
    struct logs_call c = {.req = req, .rep = rep};
    struct errbuf err = {{0}, -1};
    json_t *body = NULL;
    const char *target = req->target;
    const struct logs_op *op = NULL;
    if (target && strncmp(target, TARGET_PREFIX, strlen(TARGET_PREFIX)) == 0) {
        op = find_op(target + strlen(TARGET_PREFIX));
    }
    if (!op) {
        aws_err_awsjson(rep, 400, "UnknownOperationException", "Unknown operation %s",
                        target ? target : "(no X-Amz-Target header)");
        goto out;
    }
    c.account = req->app->cfg->account_id;
    snprintf(c.arn_prefix, sizeof(c.arn_prefix), "arn:aws:logs:%s:%s:", req->region, c.account);
    if (op->raw) {
        c.ro = store_thread_ro();
        if (c.ro && op->raw(&c)) {
            goto out;
        }
    }
    body = aws_parse_body(req, &err);
    if (!body) {
        aws_err_awsjson(rep, 400, "SerializationException", "%s", err.msg);
        goto out;
    }
    c.body = body;
    c.ro = store_thread_ro();
    if (!c.ro) {
        logs_fail(&c, "ServiceUnavailableException", "The service cannot open its database.");
        goto out;
    }
    if (logs_validate(&c, op)) {
        op->fn(&c);
    }
out:
    json_decref(body);
}
