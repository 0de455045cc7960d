/*
 * xray_groups.c - CreateGroup, GetGroup, GetGroups, UpdateGroup and DeleteGroup
 * (reference/xray-api.md). Groups live in xray_groups; the built-in `Default` group (no filter,
 * every trace) exists without a row until its InsightsConfiguration is changed, is listed first by
 * GetGroups and can be neither created nor deleted. Filter expressions are compiled with
 * fexpr_compile() before anything is stored, so a stored expression always parses.
 *
 * HTTP threads validate and read with their own store; writes run on the writer, which also
 * re-checks existence so two racing CreateGroup calls cannot both succeed.
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "routes.h"
#include "writer.h"
#include "xray_api_int.h"
#include "xray_config_db.h"
#include "xray_tags.h"

#define GROUPS_PAGE 100

static char *default_arn(const char *region, const char *account_id)
{
    return xasprintf("arn:aws:xray:%s:%s:group/Default", region, account_id);
}

/* Finds a group by name and/or ARN; the Default group is synthesized when it has no row.
 * Returns 0 or ERR_NOTFOUND (ERR_INTERNAL on a SQL failure). */
static int find_group(struct store *s, const char *name, const char *arn, const char *region,
                      const char *account_id, struct xray_config_group *out)
{
    int rc = xray_config_db_group_find(s, name, arn, out);
    if (rc == ERR_NOTFOUND && xray_api_is_default_group(name, arn)) {
        out->name = xstrdup("Default");
        out->arn = default_arn(region, account_id);
        rc = 0;
    }
    return rc;
}

static json_t *group_json(const struct xray_config_group *g)
{
    json_t *out = json_pack("{s:s, s:s}", "GroupName", g->name, "GroupARN", g->arn);
    if (g->filter) {
        json_object_set_new(out, "FilterExpression", json_string(g->filter));
    }
    json_object_set_new(out, "InsightsConfiguration",
                        json_pack("{s:b, s:b}", "InsightsEnabled", g->insights,
                                  "NotificationsEnabled", g->notifications));
    return out;
}

/* A 32-character upper-case id for the ARN, as AWS appends to group ARNs. */
static char *random_id(void)
{
    char uuid[37];
    char *out = xmalloc(33);
    size_t n = 0;
    aws_uuid(uuid);
    for (const char *p = uuid; *p && n < 32; p++) {
        if (*p != '-') {
            out[n++] = (char)toupper((unsigned char)*p);
        }
    }
    out[n] = '\0';
    return out;
}

/* ---- shared request checks ---- */

static const struct aws_member insights_members[] = {
    {"InsightsEnabled", AWS_BOOLEAN, false, -1, -1, NULL, NULL},
    {"NotificationsEnabled", AWS_BOOLEAN, false, -1, -1, NULL, NULL},
};

/* Validates InsightsConfiguration and the filter expression; replies and returns false. */
static bool check_group_input(struct http_reply *rep, struct store *ro, const json_t *body)
{
    struct errbuf err = {{0}, -1};
    const json_t *ic = json_object_get(body, "InsightsConfiguration");
    const char *expr = json_string_value(json_object_get(body, "FilterExpression"));
    struct fexpr *f = NULL;
    if (ic && !json_is_null(ic) &&
        aws_validate(ic, insights_members, ARRAY_LEN(insights_members), &err) < 0) {
        xray_api_invalid(rep, err.msg);
        return false;
    }
    if (expr && *expr && !xray_api_compile_filter(rep, ro, expr, &f)) {
        return false;
    }
    fexpr_free(f);
    return true;
}

/* Either GroupName or GroupARN must name the group. */
static bool check_named(struct http_reply *rep, const json_t *body)
{
    if (!json_is_string(json_object_get(body, "GroupName")) &&
        !json_is_string(json_object_get(body, "GroupARN"))) {
        xray_api_invalid(rep, "Either GroupName or GroupARN must be specified");
        return false;
    }
    return true;
}

/* Reads a tri-state boolean member of InsightsConfiguration: 1, 0 or -1 (absent). */
static int tri(const json_t *body, const char *member)
{
    const json_t *v = json_object_get(json_object_get(body, "InsightsConfiguration"), member);
    return json_is_boolean(v) ? json_is_true(v) : -1;
}

/* ---- writes (writer thread) ---- */

struct group_write {
    const char *name, *arn; /* lookup (update/delete) or the new group (create) */
    const char *filter;     /* new filter expression; NULL = keep ("" clears) */
    int insights, notifications;
    const json_t *tags;
    const char *region, *account_id;
    struct xray_config_group result; /* filled on success */
};

static int create_group(struct writer_txn *txn, void *arg)
{
    struct group_write *w = arg;
    struct store *rw = writer_txn_store(txn);
    struct xray_config_group existing = {0};
    int rc = find_group(rw, w->name, NULL, w->region, w->account_id, &existing);
    xray_config_group_fini(&existing);
    if (rc == 0) {
        return ERR_CONFLICT;
    }
    struct xray_config_group *g = &w->result;
    char *id = random_id();
    g->name = xstrdup(w->name);
    g->arn = xasprintf("arn:aws:xray:%s:%s:group/%s/%s", w->region, w->account_id, w->name, id);
    free(id);
    g->filter = w->filter && *w->filter ? xstrdup(w->filter) : NULL;
    g->insights = w->insights == 1;
    g->notifications = w->notifications == 1;
    if (g->notifications && !g->insights) {
        return ERR_INVALID;
    }
    rc = xray_config_db_group_insert(rw, g);
    return rc < 0 ? rc : xray_tags_put(rw, g->arn, w->tags);
}

static int update_group(struct writer_txn *txn, void *arg)
{
    struct group_write *w = arg;
    struct store *rw = writer_txn_store(txn);
    struct xray_config_group *g = &w->result;
    int rc = find_group(rw, w->name, w->arn, w->region, w->account_id, g);
    if (rc < 0) {
        return rc;
    }
    bool is_default = strcmp(g->name, "Default") == 0;
    if (is_default && w->filter && *w->filter) {
        return ERR_CONFLICT;
    }
    if (w->filter) {
        free(g->filter);
        g->filter = *w->filter ? xstrdup(w->filter) : NULL;
    }
    g->insights = w->insights >= 0 ? w->insights == 1 : g->insights;
    g->notifications = w->notifications >= 0 ? w->notifications == 1 : g->notifications;
    if (g->notifications && !g->insights) {
        return ERR_INVALID;
    }
    return xray_config_db_group_update(rw, g, is_default);
}

static int delete_group(struct writer_txn *txn, void *arg)
{
    struct group_write *w = arg;
    struct store *rw = writer_txn_store(txn);
    struct xray_config_group *g = &w->result;
    int rc = find_group(rw, w->name, w->arn, w->region, w->account_id, g);
    if (rc < 0) {
        return rc;
    }
    if (strcmp(g->name, "Default") == 0) {
        return ERR_CONFLICT;
    }
    rc = xray_config_db_group_delete(rw, g->name);
    return rc < 0 ? rc : xray_tags_delete_all(rw, g->arn);
}

/* Maps a writer result to the reply; returns true on success. */
static bool write_outcome(struct http_reply *rep, int rc, const char *conflict_msg)
{
    switch (rc) {
    case 0:
        return true;
    case ERR_NOTFOUND:
        xray_api_invalid(rep, "Group not found");
        break;
    case ERR_CONFLICT:
        xray_api_invalid(rep, conflict_msg);
        break;
    case ERR_INVALID:
        xray_api_invalid(rep, "NotificationsEnabled can only be true when InsightsEnabled is true");
        break;
    default:
        aws_err_restjson(rep, 500, "InternalFailure", "the group could not be stored");
    }
    return false;
}

/* Runs a group write on the writer and replies with the stored group, or with its error.
 * The json_t in w (tags) go to the writer thread and back inside writer_call: the queue mutex
 * orders the hand-over, the writer mutex (command done) the hand-back (writer.h). */
static void write_and_reply(struct http_request *req, struct http_reply *rep, writer_fn fn,
                            struct group_write *w, const char *conflict_msg)
{
    if (write_outcome(rep, writer_call(req->app->writer, fn, w), conflict_msg)) {
        aws_reply(rep, XRAY_API_CT, json_pack("{s:o}", "Group", group_json(&w->result)));
    }
}

/* The group_write a request asks for (borrowing from body): each operation reads the members
 * it declares, the others are absent. */
static struct group_write group_request(const struct http_request *req, const json_t *body)
{
    return (struct group_write){
        .name = json_string_value(json_object_get(body, "GroupName")),
        .arn = json_string_value(json_object_get(body, "GroupARN")),
        .filter = json_string_value(json_object_get(body, "FilterExpression")),
        .insights = tri(body, "InsightsEnabled"),
        .notifications = tri(body, "NotificationsEnabled"),
        .tags = json_object_get(body, "Tags"),
        .region = req->region,
        .account_id = req->app->cfg->account_id,
    };
}

/* ---- operations ---- */

void xray_create_group(struct http_request *req, struct http_reply *rep)
{
    static const struct aws_member members[] = {
        {"GroupName", AWS_STRING, true, 1, 32, "[A-Za-z0-9_.-]+", NULL},
        {"FilterExpression", AWS_STRING, false, -1, FEXPR_MAX_LEN, NULL, NULL},
        {"InsightsConfiguration", AWS_STRUCT, false, -1, -1, NULL, NULL},
        {"Tags", AWS_LIST, false, 0, 200, NULL, NULL},
    };
    json_t *body = xray_api_parse_request(req, rep, members, ARRAY_LEN(members));
    struct store *ro = body ? xray_api_reader(rep) : NULL;
    struct errbuf err = {{0}, -1};
    struct group_write w = group_request(req, body);
    if (!ro || !check_group_input(rep, ro, body)) {
        goto out;
    }
    if (strcmp(w.name, "Default") == 0) {
        xray_api_invalid(rep, "Default is a reserved group name");
        goto out;
    }
    if (xray_tags_validate(w.tags, &err) < 0) {
        xray_api_invalid(rep, err.msg);
        goto out;
    }
    if (json_array_size(w.tags) > XRAY_API_MAX_TAGS) {
        xray_api_invalid(rep, "A group can have at most 50 tags");
        goto out;
    }
    write_and_reply(req, rep, create_group, &w, "A group with this name already exists");
out:
    xray_config_group_fini(&w.result);
    json_decref(body);
}

void xray_get_group(struct http_request *req, struct http_reply *rep)
{
    static const struct aws_member members[] = {
        {"GroupName", AWS_STRING, false, 1, 32, NULL, NULL},
        {"GroupARN", AWS_STRING, false, 1, 400, NULL, NULL},
    };
    json_t *body = xray_api_parse_request(req, rep, members, ARRAY_LEN(members));
    struct store *ro = body ? xray_api_reader(rep) : NULL;
    struct xray_config_group g = {0};
    if (!ro || !check_named(rep, body)) {
        goto out;
    }
    int rc = find_group(ro, json_string_value(json_object_get(body, "GroupName")),
                        json_string_value(json_object_get(body, "GroupARN")), req->region,
                        req->app->cfg->account_id, &g);
    if (write_outcome(rep, rc, "")) {
        aws_reply(rep, XRAY_API_CT, json_pack("{s:o}", "Group", group_json(&g)));
    }
out:
    xray_config_group_fini(&g);
    json_decref(body);
}

void xray_get_groups(struct http_request *req, struct http_reply *rep)
{
    static const struct aws_member members[] = {
        {"NextToken", AWS_STRING, false, 1, 100, NULL, NULL},
    };
    json_t *body = xray_api_parse_request(req, rep, members, ARRAY_LEN(members));
    struct store *ro = body ? xray_api_reader(rep) : NULL;
    const char *token = json_string_value(json_object_get(body, "NextToken"));
    int64_t offset = 0, index = 0;
    if (!ro) {
        goto out;
    }
    if (token && aws_token_decode(token, "GetGroups", &offset) < 0) {
        xray_api_invalid(rep, "Invalid NextToken");
        goto out;
    }
    json_t *groups = json_array();
    struct xray_config_group g = {0};
    /* Default first, then the rest by name: the same order on every page. */
    if (offset == 0 &&
        find_group(ro, "Default", NULL, req->region, req->app->cfg->account_id, &g) == 0) {
        json_array_append_new(groups, group_json(&g));
    }
    xray_config_group_fini(&g);
    index = 1;
    struct xray_config_group *rows = NULL;
    size_t n = 0;
    bool more = false;
    /* A failed read (logged) lists Default alone rather than failing the page. */
    if (xray_config_db_group_list(ro, &rows, &n) < 0) {
        n = 0;
    }
    for (size_t i = 0; i < n; i++) {
        if (index++ < offset) {
            continue;
        }
        if (json_array_size(groups) == GROUPS_PAGE) {
            more = true;
            break;
        }
        json_array_append_new(groups, group_json(&rows[i]));
    }
    xray_config_groups_free(rows, n);
    json_t *res = json_pack("{s:o}", "Groups", groups);
    if (more) {
        char *next = aws_token_encode(index - 1, "GetGroups");
        json_object_set_new(res, "NextToken", json_string(next));
        free(next);
    }
    aws_reply(rep, XRAY_API_CT, res);
out:
    json_decref(body);
}

void xray_update_group(struct http_request *req, struct http_reply *rep)
{
    static const struct aws_member members[] = {
        {"GroupName", AWS_STRING, false, 1, 32, NULL, NULL},
        {"GroupARN", AWS_STRING, false, 1, 400, NULL, NULL},
        {"FilterExpression", AWS_STRING, false, -1, FEXPR_MAX_LEN, NULL, NULL},
        {"InsightsConfiguration", AWS_STRUCT, false, -1, -1, NULL, NULL},
    };
    json_t *body = xray_api_parse_request(req, rep, members, ARRAY_LEN(members));
    struct store *ro = body ? xray_api_reader(rep) : NULL;
    struct group_write w = group_request(req, body);
    if (!ro || !check_named(rep, body) || !check_group_input(rep, ro, body)) {
        goto out;
    }
    write_and_reply(req, rep, update_group, &w,
                    "The Default group's filter expression cannot be changed");
out:
    xray_config_group_fini(&w.result);
    json_decref(body);
}

void xray_delete_group(struct http_request *req, struct http_reply *rep)
{
    static const struct aws_member members[] = {
        {"GroupName", AWS_STRING, false, 1, 32, NULL, NULL},
        {"GroupARN", AWS_STRING, false, 1, 400, NULL, NULL},
    };
    json_t *body = xray_api_parse_request(req, rep, members, ARRAY_LEN(members));
    struct group_write w = group_request(req, body);
    if (!body || !check_named(rep, body)) {
        goto out;
    }
    if (write_outcome(rep, writer_call(req->app->writer, delete_group, &w),
                      "The Default group cannot be deleted")) {
        aws_reply(rep, XRAY_API_CT, json_object());
    }
out:
    xray_config_group_fini(&w.result);
    json_decref(body);
}
