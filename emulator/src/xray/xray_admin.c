/*
 * xray_admin.c - account-level X-Ray settings (reference/xray-api.md): GetEncryptionConfig and
 * PutEncryptionConfig (kept in settings as JSON; the default is {Type: NONE, Status: ACTIVE}) and
 * the resource policies (PutResourcePolicy, ListResourcePolicies, DeleteResourcePolicy, kept in
 * xray_resource_policies with a revision counted up per policy).
 *
 * GetEncryptionConfig arrives with an empty body and no Content-Type (its input has no members),
 * which aws_parse_body() reads as {}. Policy limits are the model's documentation: 5 policies per
 * account, 5 KB per document. fluoro has no IAM, so LockoutPreventionException is never raised.
 * HTTP threads validate; the writer re-checks revisions and counts in its transaction.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "routes.h"
#include "writer.h"
#include "xray_api_int.h"
#include "xray_config_db.h"

#define POLICY_MAX_COUNT 5
#define POLICY_MAX_BYTES 5120

static const char ENCRYPTION_KEY[] = "xray_encryption_config";

/* ---- account-level settings (JSON values in the settings table) ---- */

struct setting_put {
    char *key, *value;
};

static int put_setting(struct writer_txn *txn, void *arg)
{
    struct setting_put *p = arg;
    struct store *rw = writer_txn_store(txn);
    return xray_config_db_setting_put(rw, p->key, p->value);
}

bool xray_api_setting_store(struct http_request *req, struct http_reply *rep, const char *key,
                            json_t *value_steal, const char *what)
{
    struct setting_put p = {xstrdup(key), json_dumps(value_steal, JSON_COMPACT)};
    bool ok = writer_call(req->app->writer, put_setting, &p) == 0;
    if (!ok) {
        aws_err_restjson(rep, 500, "InternalFailure", "the %s could not be stored", what);
    }
    free(p.key);
    free(p.value);
    json_decref(value_steal);
    return ok;
}

json_t *xray_api_setting_load(struct store *ro, const char *key)
{
    char *text = NULL;
    json_t *v = NULL;
    if (xray_config_db_setting_get(ro, key, &text) == 0 && text) {
        v = json_loads(text, 0, NULL);
    }
    free(text);
    return v;
}

/* ---- encryption config ---- */

void xray_get_encryption_config(struct http_request *req, struct http_reply *rep)
{
    json_t *body = xray_api_parse_request(req, rep, NULL, 0);
    struct store *ro = body ? xray_api_reader(rep) : NULL;
    json_t *config = NULL;
    if (!ro) {
        goto out;
    }
    config = xray_api_setting_load(ro, ENCRYPTION_KEY);
    if (!config) {
        config = json_pack("{s:s}", "Type", "NONE");
    }
    /* A change is reported as UPDATING by the Put; here it has taken effect. */
    json_object_set_new(config, "Status", json_string("ACTIVE"));
    aws_reply(rep, XRAY_API_CT, json_pack("{s:o}", "EncryptionConfig", config));
out:
    json_decref(body);
}

void xray_put_encryption_config(struct http_request *req, struct http_reply *rep)
{
    static const char *const types[] = {"NONE", "KMS", NULL};
    static const struct aws_member members[] = {
        {"KeyId", AWS_STRING, false, 1, 3000, NULL, NULL},
        {"Type", AWS_STRING, true, -1, -1, NULL, types},
    };
    json_t *body = xray_api_parse_request(req, rep, members, ARRAY_LEN(members));
    json_t *config = NULL;
    if (!body) {
        return;
    }
    const char *type = json_string_value(json_object_get(body, "Type"));
    const char *key = json_string_value(json_object_get(body, "KeyId"));
    if (strcmp(type, "NONE") == 0 && key) {
        xray_api_invalid(rep, "KeyId must be omitted when Type is NONE");
        goto out;
    }
    config = json_pack("{s:s}", "Type", type);
    if (strcmp(type, "KMS") == 0) {
        /* Without a key X-Ray uses the AWS managed key. */
        json_object_set_new(config, "KeyId", json_string(key ? key : "alias/aws/xray"));
    }
    if (!xray_api_setting_store(req, rep, ENCRYPTION_KEY, json_incref(config),
                                "encryption config")) {
        goto out;
    }
    json_object_set_new(config, "Status",
                        json_string(strcmp(type, "KMS") == 0 ? "UPDATING" : "ACTIVE"));
    aws_reply(rep, XRAY_API_CT, json_pack("{s:O}", "EncryptionConfig", config));
out:
    json_decref(config);
    json_decref(body);
}

/* ---- resource policies ---- */

/* PolicyName: the model's [\w+=,.@-]+ spelled for POSIX ERE. */
#define POLICY_NAME_MEMBER                                                                         \
    {                                                                                              \
        "PolicyName", AWS_STRING, true, 1, 128, "[A-Za-z0-9_+=,.@-]+", NULL                        \
    }

static json_t *policy_json(const char *name, const char *doc, int64_t revision, double updated)
{
    char rev[24];
    snprintf(rev, sizeof(rev), "%lld", (long long)revision);
    return json_pack("{s:s, s:s, s:s, s:f}", "PolicyName", name, "PolicyDocument", doc,
                     "PolicyRevisionId", rev, "LastUpdatedTime", updated);
}

/* A revision id as sent: decimal digits only. Returns -1 when it cannot be one of ours. */
static int64_t parse_revision(const char *s)
{
    char *end = NULL;
    long long v = s && *s ? strtoll(s, &end, 10) : -1;
    return end && *end == '\0' && v >= 0 ? v : -1;
}

struct policy_write {
    const char *name, *doc;
    const char *revision; /* PolicyRevisionId as sent, or NULL */
    json_t *result;       /* out */
};

/* The current revision of a policy, 0 when it does not exist, -1 on a SQL failure (logged). */
static int64_t current_revision(struct store *s, const char *name)
{
    struct xray_config_policy p = {0};
    int rc = xray_config_db_policy_find(s, name, &p);
    int64_t rev = rc == 0 ? p.revision : rc == ERR_NOTFOUND ? 0 : -1;
    free(p.name);
    free(p.doc);
    return rev;
}

/* Reads the policy's current revision into *rev (0 when it does not exist): 0, ERR_INTERNAL, or
 * ERR_CONFLICT when the request named another revision ("0" means "only if it does not exist
 * yet"). */
static int check_revision(struct store *rw, const struct policy_write *w, int64_t *rev)
{
    *rev = current_revision(rw, w->name);
    if (*rev < 0) {
        return ERR_INTERNAL;
    }
    if (w->revision && parse_revision(w->revision) != *rev) {
        return ERR_CONFLICT;
    }
    return 0;
}

/* Maps a writer result other than 0 to its reply; `failed` ends the InternalFailure message. */
static void policy_write_error(struct http_reply *rep, int rc, const struct policy_write *w,
                               const char *failed)
{
    switch (rc) {
    case ERR_CONFLICT:
        aws_err_restjson(rep, 400, "InvalidPolicyRevisionIdException",
                         "The policy revision id does not match the latest revision of %s",
                         w->name);
        break;
    case ERR_LIMIT:
        aws_err_restjson(rep, 400, "PolicyCountLimitExceededException",
                         "An account can have at most %d resource policies", POLICY_MAX_COUNT);
        break;
    default:
        aws_err_restjson(rep, 500, "InternalFailure", "the policy could not be %s", failed);
    }
}

static int put_policy(struct writer_txn *txn, void *arg)
{
    struct policy_write *w = arg;
    struct store *rw = writer_txn_store(txn);
    int64_t rev = 0;
    int rc = check_revision(rw, w, &rev);
    if (rc < 0) {
        return rc;
    }
    if (rev == 0) {
        int64_t n = 0;
        if (xray_config_db_policy_count(rw, &n) < 0) {
            return ERR_INTERNAL;
        }
        if (n >= POLICY_MAX_COUNT) {
            return ERR_LIMIT;
        }
    }
    double now = now_epoch();
    struct xray_config_policy p = {(char *)w->name, (char *)w->doc, rev + 1, now};
    w->result = policy_json(w->name, w->doc, rev + 1, now);
    return xray_config_db_policy_put(rw, &p);
}

/* A policy document must be a JSON object with a Statement (an object or a non-empty list of
 * objects), each with Effect Allow or Deny. */
static bool policy_document_ok(const char *doc)
{
    json_t *j = json_loads(doc, 0, NULL);
    json_t *stmts = json_object_get(j, "Statement");
    bool ok = json_is_object(stmts) || (json_is_array(stmts) && json_array_size(stmts) > 0);
    json_t *one = json_is_object(stmts) ? json_array() : NULL;
    if (one) {
        json_array_append(one, stmts);
    }
    size_t i;
    json_t *s;
    json_array_foreach(one ? one : stmts, i, s)
    {
        const char *effect = json_string_value(json_object_get(s, "Effect"));
        ok = ok && json_is_object(s) && effect &&
             (strcmp(effect, "Allow") == 0 || strcmp(effect, "Deny") == 0);
    }
    json_decref(one);
    json_decref(j);
    return ok;
}

void xray_put_resource_policy(struct http_request *req, struct http_reply *rep)
{
    static const struct aws_member members[] = {
        POLICY_NAME_MEMBER,
        {"PolicyDocument", AWS_STRING, true, -1, -1, NULL, NULL},
        {"PolicyRevisionId", AWS_STRING, false, -1, -1, NULL, NULL},
        {"BypassPolicyLockoutCheck", AWS_BOOLEAN, false, -1, -1, NULL, NULL},
    };
    json_t *body = xray_api_parse_request(req, rep, members, ARRAY_LEN(members));
    struct policy_write w = {0};
    if (!body) {
        return;
    }
    w.name = json_string_value(json_object_get(body, "PolicyName"));
    w.doc = json_string_value(json_object_get(body, "PolicyDocument"));
    w.revision = json_string_value(json_object_get(body, "PolicyRevisionId"));
    if (strlen(w.doc) > POLICY_MAX_BYTES) {
        aws_err_restjson(rep, 400, "PolicySizeLimitExceededException",
                         "Policy document is %zu bytes; the limit is %d bytes", strlen(w.doc),
                         POLICY_MAX_BYTES);
        goto out;
    }
    if (!policy_document_ok(w.doc)) {
        aws_err_restjson(rep, 400, "MalformedPolicyDocumentException",
                         "Policy document must be a JSON object with a Statement whose Effect is "
                         "Allow or Deny");
        goto out;
    }
    /* The json_t in w (the result) go to the writer thread and back inside writer_call: the queue
     * mutex orders the hand-over, the writer mutex (command done) the hand-back (writer.h). */
    int rc = writer_call(req->app->writer, put_policy, &w);
    if (rc == 0) {
        aws_reply(rep, XRAY_API_CT, json_pack("{s:O}", "ResourcePolicy", w.result));
    } else {
        policy_write_error(rep, rc, &w, "stored");
    }
out:
    json_decref(w.result);
    json_decref(body);
}

void xray_list_resource_policies(struct http_request *req, struct http_reply *rep)
{
    static const struct aws_member members[] = {
        {"NextToken", AWS_STRING, false, 1, 100, NULL, NULL},
    };
    json_t *body = xray_api_parse_request(req, rep, members, ARRAY_LEN(members));
    struct store *ro = body ? xray_api_reader(rep) : NULL;
    if (!ro) {
        goto out;
    }
    /* NextToken is "not currently supported" (model): at most 5 policies, one page. */
    json_t *list = json_array();
    struct xray_config_policy *rows = NULL;
    size_t n = 0;
    if (xray_config_db_policy_list(ro, &rows, &n) < 0) {
        n = 0; /* logged; listed as none */
    }
    for (size_t i = 0; i < n; i++) {
        json_array_append_new(
            list, policy_json(rows[i].name, rows[i].doc, rows[i].revision, rows[i].updated));
    }
    xray_config_policies_free(rows, n);
    aws_reply(rep, XRAY_API_CT, json_pack("{s:o}", "ResourcePolicies", list));
out:
    json_decref(body);
}

static int delete_policy(struct writer_txn *txn, void *arg)
{
    struct policy_write *w = arg;
    struct store *rw = writer_txn_store(txn);
    int64_t rev = 0;
    int rc = check_revision(rw, w, &rev);
    return rc < 0 ? rc : xray_config_db_policy_delete(rw, w->name);
}

void xray_delete_resource_policy(struct http_request *req, struct http_reply *rep)
{
    static const struct aws_member members[] = {
        POLICY_NAME_MEMBER,
        {"PolicyRevisionId", AWS_STRING, false, -1, -1, NULL, NULL},
    };
    json_t *body = xray_api_parse_request(req, rep, members, ARRAY_LEN(members));
    struct policy_write w = {0};
    if (!body) {
        return;
    }
    w.name = json_string_value(json_object_get(body, "PolicyName"));
    w.revision = json_string_value(json_object_get(body, "PolicyRevisionId"));
    /* Deleting a policy that does not exist succeeds (nothing to do) unless a revision was
     * named, which then cannot match. */
    int rc = writer_call(req->app->writer, delete_policy, &w);
    if (rc == 0) {
        aws_reply(rep, XRAY_API_CT, json_object());
    } else {
        policy_write_error(rep, rc, &w, "deleted");
    }
    json_decref(body);
}
