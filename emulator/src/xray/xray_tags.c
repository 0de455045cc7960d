/*
 * xray_tags.c - TagResource, UntagResource and ListTagsForResource for group and sampling-rule
 * ARNs (reference/xray-api.md), and the tag helpers CreateGroup/CreateSamplingRule use. HTTP
 * threads validate; the writer checks that the resource exists and applies the change in the
 * same transaction, so a tag never outlives its resource.
 *
 * Limits (model documentation of TagList): 50 user tags per resource, keys 1-128 and values
 * 0-256 characters of letters, digits, space and _ . : / = + - @; keys starting with `aws:` are
 * reserved for AWS and cannot be added or removed.
 */
#include "xray_tags.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "routes.h"
#include "writer.h"
#include "xray_api_int.h"
#include "xray_config_db.h"

/* Letters (any non-ASCII byte is taken as part of a Unicode letter), digits, space, _.:/=+-@ */
static bool tag_text_ok(const char *s)
{
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        if (!(*p >= 0x80 || (*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
              (*p >= '0' && *p <= '9') || strchr(" _.:/=+-@", *p))) {
            return false;
        }
    }
    return true;
}

static bool reserved_key(const char *key)
{
    return strncasecmp(key, "aws:", 4) == 0;
}

int xray_tags_validate(const json_t *tags, struct errbuf *err)
{
    static const struct aws_member tag_members[] = {
        {"Key", AWS_STRING, true, 1, 128, NULL, NULL},
        {"Value", AWS_STRING, true, 0, 256, NULL, NULL},
    };
    size_t i, k;
    json_t *t, *u;
    json_array_foreach((json_t *)tags, i, t)
    {
        if (!json_is_object(t)) {
            return errbuf_set(err, -1, "Tags must be a list of {Key, Value} objects");
        }
        int rc = aws_validate(t, tag_members, ARRAY_LEN(tag_members), err);
        if (rc < 0) {
            return rc;
        }
        const char *key = json_string_value(json_object_get(t, "Key"));
        const char *value = json_string_value(json_object_get(t, "Value"));
        if (!tag_text_ok(key) || !tag_text_ok(value)) {
            return errbuf_set(err, -1,
                              "Tag keys and values may contain only letters, digits, spaces and "
                              "_ . : / = + - @");
        }
        if (reserved_key(key)) {
            return errbuf_set(err, -1, "Tag keys starting with 'aws:' are reserved for system use");
        }
        json_array_foreach((json_t *)tags, k, u)
        {
            if (k < i && strcmp(json_string_value(json_object_get(u, "Key")), key) == 0) {
                return errbuf_set(err, -1, "Duplicate tag key '%s'", key);
            }
        }
    }
    return 0;
}

int xray_tags_put(struct store *rw, const char *arn, const json_t *tags)
{
    size_t i;
    json_t *t;
    json_array_foreach((json_t *)tags, i, t)
    {
        if (xray_config_db_tag_put(rw, arn, json_string_value(json_object_get(t, "Key")),
                                   json_string_value(json_object_get(t, "Value"))) < 0) {
            return ERR_INTERNAL;
        }
    }
    return 0;
}

int xray_tags_delete_all(struct store *rw, const char *arn)
{
    return xray_config_db_tags_delete_all(rw, arn);
}

/* Whether arn names a group or sampling rule, including the built-in Default group and rule of
 * the account (in any region). */
static bool resource_exists(struct store *s, const char *arn, const char *account_id)
{
    static const char prefix[] = "arn:aws:xray:";
    char *rule_suffix = xasprintf(":%s:sampling-rule/Default", account_id);
    char *group_suffix = xasprintf(":%s:group/Default", account_id);
    const char *region_end = strncmp(arn, prefix, sizeof(prefix) - 1) == 0
                                 ? strchr(arn + sizeof(prefix) - 1, ':')
                                 : NULL;
    bool found = region_end &&
                 (strcmp(region_end, rule_suffix) == 0 || strcmp(region_end, group_suffix) == 0);
    found = found || xray_config_db_resource_exists(s, arn);
    free(rule_suffix);
    free(group_suffix);
    return found;
}

static int64_t tag_count(struct store *s, const char *arn)
{
    int64_t n = 0;
    /* A failed count is logged by the store and taken as none. */
    if (xray_config_db_tag_count(s, arn, &n) < 0) {
        n = 0;
    }
    return n;
}

static void not_found(struct http_reply *rep, const char *arn)
{
    aws_err_restjson_members(rep, 404, "ResourceNotFoundException",
                             json_pack("{s:s}", "ResourceName", arn), "Resource %s not found", arn);
}

struct tag_change {
    const char *arn;
    const char *account_id;
    const json_t *tags; /* TagResource: TagList */
    const json_t *keys; /* UntagResource: list of keys */
};

static int apply_tags(struct writer_txn *txn, void *arg)
{
    struct tag_change *c = arg;
    struct store *rw = writer_txn_store(txn);
    if (!resource_exists(rw, c->arn, c->account_id)) {
        return ERR_NOTFOUND;
    }
    if (xray_tags_put(rw, c->arn, c->tags) < 0) {
        return ERR_INTERNAL;
    }
    /* Checked after the upsert so replaced keys are not counted twice; the savepoint rolls the
     * change back when over the limit. */
    return tag_count(rw, c->arn) > XRAY_API_MAX_TAGS ? ERR_LIMIT : 0;
}

static int remove_tags(struct writer_txn *txn, void *arg)
{
    struct tag_change *c = arg;
    struct store *rw = writer_txn_store(txn);
    size_t i;
    json_t *k;
    if (!resource_exists(rw, c->arn, c->account_id)) {
        return ERR_NOTFOUND;
    }
    json_array_foreach((json_t *)c->keys, i, k)
    {
        if (xray_config_db_tag_delete(rw, c->arn, json_string_value(k)) < 0) {
            return ERR_INTERNAL;
        }
    }
    return 0;
}

void xray_tag_resource(struct http_request *req, struct http_reply *rep)
{
    static const struct aws_member members[] = {
        {"ResourceARN", AWS_STRING, true, 1, 1011, NULL, NULL},
        {"Tags", AWS_LIST, true, 0, 200, NULL, NULL},
    };
    json_t *body = xray_api_parse_request(req, rep, members, ARRAY_LEN(members));
    struct errbuf err = {{0}, -1};
    if (!body) {
        return;
    }
    struct tag_change c = {.arn = json_string_value(json_object_get(body, "ResourceARN")),
                           .account_id = req->app->cfg->account_id,
                           .tags = json_object_get(body, "Tags")};
    if (xray_tags_validate(c.tags, &err) < 0) {
        xray_api_invalid(rep, err.msg);
        goto out;
    }
    /* The json_t in c (tags) go to the writer thread and back inside writer_call: the queue mutex
     * orders the hand-over, the writer mutex (command done) the hand-back (writer.h). */
    int rc = writer_call(req->app->writer, apply_tags, &c);
    if (rc == ERR_NOTFOUND) {
        not_found(rep, c.arn);
    } else if (rc == ERR_LIMIT) {
        aws_err_restjson_members(rep, 400, "TooManyTagsException",
                                 json_pack("{s:s}", "ResourceName", c.arn),
                                 "A resource can have at most %d tags", XRAY_API_MAX_TAGS);
    } else if (rc < 0) {
        aws_err_restjson(rep, 500, "InternalFailure", "the tags could not be stored");
    } else {
        aws_reply(rep, XRAY_API_CT, json_object());
    }
out:
    json_decref(body);
}

void xray_untag_resource(struct http_request *req, struct http_reply *rep)
{
    static const struct aws_member members[] = {
        {"ResourceARN", AWS_STRING, true, 1, 1011, NULL, NULL},
        {"TagKeys", AWS_LIST, true, 0, 200, NULL, NULL},
    };
    json_t *body = xray_api_parse_request(req, rep, members, ARRAY_LEN(members));
    if (!body) {
        return;
    }
    struct tag_change c = {.arn = json_string_value(json_object_get(body, "ResourceARN")),
                           .account_id = req->app->cfg->account_id,
                           .keys = json_object_get(body, "TagKeys")};
    size_t i;
    json_t *k;
    json_array_foreach((json_t *)c.keys, i, k)
    {
        size_t len = json_string_length(k);
        if (!json_is_string(k) || len < 1 || len > 128) {
            xray_api_invalid(rep, "1 validation error detected: Value at 'tagKeys' failed to "
                                  "satisfy constraint: Member must have length between 1 and 128");
            goto out;
        }
        if (reserved_key(json_string_value(k))) {
            xray_api_invalid(rep, "Tag keys starting with 'aws:' are reserved for system use");
            goto out;
        }
    }
    int rc = writer_call(req->app->writer, remove_tags, &c);
    if (rc == ERR_NOTFOUND) {
        not_found(rep, c.arn);
    } else if (rc < 0) {
        aws_err_restjson(rep, 500, "InternalFailure", "the tags could not be removed");
    } else {
        aws_reply(rep, XRAY_API_CT, json_object());
    }
out:
    json_decref(body);
}

void xray_list_tags_for_resource(struct http_request *req, struct http_reply *rep)
{
    static const struct aws_member members[] = {
        {"ResourceARN", AWS_STRING, true, 1, 1011, NULL, NULL},
        {"NextToken", AWS_STRING, false, -1, -1, NULL, NULL},
    };
    json_t *body = xray_api_parse_request(req, rep, members, ARRAY_LEN(members));
    struct store *ro = body ? xray_api_reader(rep) : NULL;
    const char *arn = json_string_value(json_object_get(body, "ResourceARN"));
    if (!ro) {
        goto out;
    }
    if (!resource_exists(ro, arn, req->app->cfg->account_id)) {
        not_found(rep, arn);
        goto out;
    }
    /* At most 50 tags: one page, never a NextToken. */
    json_t *tags = json_array();
    struct xray_config_tag *rows = NULL;
    size_t n = 0;
    if (xray_config_db_tag_list(ro, arn, &rows, &n) < 0) {
        n = 0; /* logged; listed as no tags */
    }
    for (size_t i = 0; i < n; i++) {
        json_array_append_new(tags,
                              json_pack("{s:s, s:s}", "Key", rows[i].key, "Value", rows[i].value));
    }
    xray_config_tags_free(rows, n);
    aws_reply(rep, XRAY_API_CT, json_pack("{s:o}", "Tags", tags));
out:
    json_decref(body);
}
