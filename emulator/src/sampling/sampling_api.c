/*
 * sampling_api.c - every sampling operation (reference/xray-api.md, daemon-protocol.md §2): the
 * two the SDK pollers call through the daemon's TCP port, GetSamplingRules and
 * GetSamplingTargets, and the rule management CreateSamplingRule, UpdateSamplingRule,
 * DeleteSamplingRule and GetSamplingStatisticSummaries. Rules are kept as the SamplingRule JSON
 * the API returns, one row per rule in sampling_rules (xray_config_db.h); sampling.c turns the
 * rows into records and quotas. The built-in `Default` rule has no row until it is edited; it
 * can be updated (FixedRate and ReservoirSize only, like the console) but never created or
 * deleted. Every change stamps settings.sampling_rules_modified, which GetSamplingTargets
 * reports as LastRuleModification so the SDKs refresh their rules.
 *
 * HTTP threads validate; the writer re-checks existence and the rule quota
 * (--sampling-rule-limit, default 25 besides Default) inside its transaction, and stores the
 * statistics GetSamplingTargets receives before the targets are computed from them.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "routes.h"
#include "sampling.h"
#include "writer.h"
#include "xray_api_int.h"
#include "xray_config_db.h"
#include "xray_tags.h"

/* The SamplingRule members (model shape SamplingRule); all but the names are required. */
static const struct aws_member rule_members[] = {
    {"RuleName", AWS_STRING, true, 1, 32, "[A-Za-z0-9._-]+", NULL},
    {"RuleARN", AWS_STRING, false, -1, -1, NULL, NULL},
    {"ResourceARN", AWS_STRING, true, 0, 500, NULL, NULL},
    {"Priority", AWS_INTEGER, true, 1, 9999, NULL, NULL},
    {"FixedRate", AWS_NUMBER, true, 0, 1, NULL, NULL},
    {"ReservoirSize", AWS_INTEGER, true, 0, -1, NULL, NULL},
    {"ServiceName", AWS_STRING, true, 0, 64, NULL, NULL},
    {"ServiceType", AWS_STRING, true, 0, 64, NULL, NULL},
    {"Host", AWS_STRING, true, 0, 64, NULL, NULL},
    {"HTTPMethod", AWS_STRING, true, 0, 10, NULL, NULL},
    {"URLPath", AWS_STRING, true, 0, 128, NULL, NULL},
    {"Version", AWS_INTEGER, true, 1, -1, NULL, NULL},
    {"Attributes", AWS_MAP, false, -1, 5, NULL, NULL},
};

/* SamplingRuleUpdate: the same fields, all optional; Priority keeps Create's range. */
static const struct aws_member update_members[] = {
    {"RuleName", AWS_STRING, false, 1, 32, NULL, NULL},
    {"RuleARN", AWS_STRING, false, -1, -1, NULL, NULL},
    {"ResourceARN", AWS_STRING, false, 0, 500, NULL, NULL},
    {"Priority", AWS_INTEGER, false, 1, 9999, NULL, NULL},
    {"FixedRate", AWS_NUMBER, false, 0, 1, NULL, NULL},
    {"ReservoirSize", AWS_INTEGER, false, 0, -1, NULL, NULL},
    {"Host", AWS_STRING, false, 0, 64, NULL, NULL},
    {"ServiceName", AWS_STRING, false, 0, 64, NULL, NULL},
    {"ServiceType", AWS_STRING, false, 0, 64, NULL, NULL},
    {"HTTPMethod", AWS_STRING, false, 0, 10, NULL, NULL},
    {"URLPath", AWS_STRING, false, 0, 128, NULL, NULL},
    {"Attributes", AWS_MAP, false, -1, 5, NULL, NULL},
};

/* Members copied from a request into the stored rule, with their JSON kind. */
static const struct {
    const char *name;
    enum aws_type type;
} copied[] = {
    {"ResourceARN", AWS_STRING},    {"Priority", AWS_INTEGER},   {"FixedRate", AWS_NUMBER},
    {"ReservoirSize", AWS_INTEGER}, {"ServiceName", AWS_STRING}, {"ServiceType", AWS_STRING},
    {"Host", AWS_STRING},           {"HTTPMethod", AWS_STRING},  {"URLPath", AWS_STRING},
    {"Attributes", AWS_MAP},
};

/* Attribute keys and values are 1-32 characters (AttributeKey, AttributeValue). */
static int check_attributes(const json_t *attrs, struct errbuf *err)
{
    const char *key;
    json_t *v;
    json_object_foreach((json_t *)attrs, key, v)
    {
        size_t kl = strlen(key), vl = json_string_length(v);
        if (kl < 1 || kl > 32 || !json_is_string(v) || vl < 1 || vl > 32) {
            return errbuf_set(err, -1,
                              "1 validation error detected: Value at 'attributes' failed to "
                              "satisfy constraint: Map keys and values must have length between "
                              "1 and 32");
        }
    }
    return 0;
}

/* Validates a SamplingRule or SamplingRuleUpdate against its members and its Attributes; replies
 * and returns false when it is not valid. */
static bool check_input(struct http_reply *rep, const json_t *input,
                        const struct aws_member *members, size_t n)
{
    struct errbuf err = {{0}, -1};
    if (aws_validate(input, members, n, &err) < 0 ||
        check_attributes(json_object_get(input, "Attributes"), &err) < 0) {
        xray_api_invalid(rep, err.msg);
        return false;
    }
    return true;
}

/* Copies the request's members onto rule (borrowed request, owned rule). */
static void copy_members(json_t *rule, const json_t *from)
{
    for (size_t i = 0; i < ARRAY_LEN(copied); i++) {
        const json_t *v = json_object_get(from, copied[i].name);
        if (!v || json_is_null(v)) {
            continue;
        }
        json_t *c = NULL;
        if (copied[i].type == AWS_INTEGER) {
            c = json_integer((json_int_t)json_number_value(v));
        } else if (copied[i].type == AWS_NUMBER) {
            c = json_real(json_number_value(v));
        } else {
            c = json_deep_copy(v);
        }
        json_object_set_new(rule, copied[i].name, c);
    }
}

static json_t *record_json(json_t *rule_steal, double created, double modified)
{
    return json_pack("{s:o, s:f, s:f}", "SamplingRule", rule_steal, "CreatedAt", created,
                     "ModifiedAt", modified);
}

/* ---- writes (writer thread) ---- */

struct rule_write;

/* What update or delete does to the rule change_rule() found: steals rule, returns 0 or an error
 * (writer thread). */
typedef int (*rule_change)(struct store *rw, struct rule_write *w, json_t *rule, double created,
                           double modified);

struct rule_write {
    rule_change change;     /* update/delete: applied to the rule found */
    const char *name, *arn; /* lookup (update/delete); name of the new rule (create) */
    const json_t *input;    /* SamplingRule or SamplingRuleUpdate, borrowed */
    const json_t *tags;
    const char *region, *account_id;
    int64_t limit;
    json_t *record; /* out: the SamplingRuleRecord (owned by the caller) */
};

/* Finds a rule by name and/or ARN, synthesizing Default when it has no row. */
static int find_rule(struct store *s, const struct rule_write *w, json_t **rule, double *created,
                     double *modified)
{
    struct xray_config_rule row = {0};
    int rc = xray_config_db_rule_find(s, w->name, w->arn, &row);
    if (rc == ERR_INTERNAL) {
        return rc;
    }
    *rule = row.rule ? json_loads(row.rule, 0, NULL) : NULL;
    *created = row.created;
    *modified = row.modified;
    free(row.rule);
    if (*rule) {
        return 0;
    }
    char *default_arn =
        xasprintf("arn:aws:xray:%s:%s:sampling-rule/Default", w->region, w->account_id);
    bool is_default =
        w->name ? strcmp(w->name, "Default") == 0 && (!w->arn || !strcmp(w->arn, default_arn))
                : strcmp(w->arn, default_arn) == 0;
    free(default_arn);
    if (!is_default) {
        return ERR_NOTFOUND;
    }
    /* Default as sampling_rule_records() builds it. */
    json_t *records = sampling_rule_records(s, w->region, w->account_id);
    size_t i;
    json_t *r;
    json_array_foreach(records, i, r)
    {
        json_t *sr = json_object_get(r, "SamplingRule");
        if (strcmp(json_string_value(json_object_get(sr, "RuleName")), "Default") == 0) {
            *rule = json_deep_copy(sr);
            *created = json_number_value(json_object_get(r, "CreatedAt"));
            *modified = json_number_value(json_object_get(r, "ModifiedAt"));
        }
    }
    json_decref(records);
    return *rule ? 0 : ERR_NOTFOUND;
}

static int save_rule(struct store *rw, const json_t *rule, double created, double modified)
{
    char *text = json_dumps(rule, JSON_COMPACT);
    int rc = xray_config_db_rule_save(rw, json_string_value(json_object_get(rule, "RuleName")),
                                      json_string_value(json_object_get(rule, "RuleARN")), text,
                                      created, modified);
    free(text);
    return rc < 0 ? rc : xray_config_db_rules_stamp(rw, modified);
}

static int create_rule(struct writer_txn *txn, void *arg)
{
    struct rule_write *w = arg;
    struct store *rw = writer_txn_store(txn);
    json_t *existing = NULL;
    double created = 0, modified = 0;
    int rc = find_rule(rw, w, &existing, &created, &modified);
    json_decref(existing);
    if (rc == 0) {
        return ERR_CONFLICT;
    }
    int64_t count = 0;
    if (xray_config_db_rule_count(rw, &count) < 0) {
        return ERR_INTERNAL;
    }
    if (count >= w->limit) {
        return ERR_LIMIT;
    }
    char *arn = xasprintf("arn:aws:xray:%s:%s:sampling-rule/%s", w->region, w->account_id, w->name);
    json_t *rule = json_pack("{s:s, s:s}", "RuleName", w->name, "RuleARN", arn);
    free(arn);
    copy_members(rule, w->input);
    json_object_set_new(rule, "Version", json_integer(1));
    if (!json_object_get(rule, "Attributes")) {
        json_object_set_new(rule, "Attributes", json_object());
    }
    double now = now_epoch();
    rc = save_rule(rw, rule, now, now);
    if (rc == 0) {
        rc = xray_tags_put(rw, json_string_value(json_object_get(rule, "RuleARN")), w->tags);
    }
    w->record = record_json(rule, now, now);
    return rc;
}

/* The writer_fn of update and delete: finds the rule by name or ARN (Default synthesized), then
 * applies w->change to it. */
static int change_rule(struct writer_txn *txn, void *arg)
{
    struct rule_write *w = arg;
    struct store *rw = writer_txn_store(txn);
    json_t *rule = NULL;
    double created = 0, modified = 0;
    int rc = find_rule(rw, w, &rule, &created, &modified);
    return rc < 0 ? rc : w->change(rw, w, rule, created, modified);
}

static int update_rule(struct store *rw, struct rule_write *w, json_t *rule, double created,
                       double modified)
{
    if (strcmp(json_string_value(json_object_get(rule, "RuleName")), "Default") == 0) {
        for (size_t i = 0; i < ARRAY_LEN(copied); i++) {
            const char *m = copied[i].name;
            const json_t *v = json_object_get(w->input, m);
            if (v && !json_is_null(v) && strcmp(m, "FixedRate") != 0 &&
                strcmp(m, "ReservoirSize") != 0) {
                json_decref(rule);
                return ERR_CONFLICT;
            }
        }
    }
    copy_members(rule, w->input);
    modified = now_epoch();
    int rc = save_rule(rw, rule, created, modified);
    w->record = record_json(rule, created, modified);
    return rc;
}

static int delete_rule(struct store *rw, struct rule_write *w, json_t *rule, double created,
                       double modified)
{
    const char *name = json_string_value(json_object_get(rule, "RuleName"));
    w->record = record_json(rule, created, modified);
    if (strcmp(name, "Default") == 0) {
        return ERR_CONFLICT;
    }
    int rc = xray_config_db_rule_delete(rw, name);
    if (rc == 0) {
        rc = xray_tags_delete_all(rw, json_string_value(json_object_get(rule, "RuleARN")));
    }
    return rc < 0 ? rc : xray_config_db_rules_stamp(rw, now_epoch());
}

/* Replies with the record, or maps the writer's error. */
static void write_reply(struct http_reply *rep, int rc, struct rule_write *w,
                        const char *conflict_msg)
{
    switch (rc) {
    case 0:
        aws_reply(rep, XRAY_API_CT, json_pack("{s:O}", "SamplingRuleRecord", w->record));
        break;
    case ERR_NOTFOUND:
        xray_api_invalid(rep, "Sampling rule does not exist");
        break;
    case ERR_CONFLICT:
        xray_api_invalid(rep, conflict_msg);
        break;
    case ERR_LIMIT:
        aws_err_restjson(rep, 400, "RuleLimitExceededException",
                         "You have reached the maximum number of sampling rules (%lld)",
                         (long long)w->limit);
        break;
    default:
        aws_err_restjson(rep, 500, "InternalFailure", "the sampling rule could not be stored");
    }
}

/* ---- operations ---- */

void xray_create_sampling_rule(struct http_request *req, struct http_reply *rep)
{
    static const struct aws_member members[] = {
        {"SamplingRule", AWS_STRUCT, true, -1, -1, NULL, NULL},
        {"Tags", AWS_LIST, false, 0, 200, NULL, NULL},
    };
    json_t *body = xray_api_parse_request(req, rep, members, ARRAY_LEN(members));
    json_t *input = json_object_get(body, "SamplingRule");
    struct errbuf err = {{0}, -1};
    struct rule_write w = {.input = input,
                           .tags = json_object_get(body, "Tags"),
                           .region = req->region,
                           .account_id = req->app->cfg->account_id,
                           .limit = req->app->cfg->sampling_rule_limit};
    if (!body) {
        return;
    }
    if (!check_input(rep, input, rule_members, ARRAY_LEN(rule_members))) {
        goto out;
    }
    if (xray_tags_validate(w.tags, &err) < 0) {
        xray_api_invalid(rep, err.msg);
        goto out;
    }
    w.name = json_string_value(json_object_get(input, "RuleName"));
    if (json_number_value(json_object_get(input, "Version")) != 1) {
        xray_api_invalid(rep, "Version must be 1");
        goto out;
    }
    if (json_array_size(w.tags) > XRAY_API_MAX_TAGS) {
        xray_api_invalid(rep, "A sampling rule can have at most 50 tags");
        goto out;
    }
    /* The json_t in w (rule, tags, the result) go to the writer thread and back inside writer_call:
     * the queue mutex orders the hand-over, the writer mutex (command done) the hand-back
     * (writer.h). */
    write_reply(rep, writer_call(req->app->writer, create_rule, &w), &w,
                "A sampling rule with this name already exists");
out:
    json_decref(w.record);
    json_decref(body);
}

/* Exactly one of RuleName and RuleARN ("Specify a rule by either name or ARN, but not both"). */
static bool check_named(struct http_reply *rep, const json_t *obj, struct rule_write *w)
{
    w->name = json_string_value(json_object_get(obj, "RuleName"));
    w->arn = json_string_value(json_object_get(obj, "RuleARN"));
    if (!w->name == !w->arn) {
        xray_api_invalid(rep, "Specify a rule by either RuleName or RuleARN, but not both");
        return false;
    }
    return true;
}

void xray_update_sampling_rule(struct http_request *req, struct http_reply *rep)
{
    static const struct aws_member members[] = {
        {"SamplingRuleUpdate", AWS_STRUCT, true, -1, -1, NULL, NULL},
    };
    json_t *body = xray_api_parse_request(req, rep, members, ARRAY_LEN(members));
    json_t *input = json_object_get(body, "SamplingRuleUpdate");
    struct rule_write w = {.change = update_rule,
                           .input = input,
                           .region = req->region,
                           .account_id = req->app->cfg->account_id};
    if (body && check_input(rep, input, update_members, ARRAY_LEN(update_members)) &&
        check_named(rep, input, &w)) {
        write_reply(rep, writer_call(req->app->writer, change_rule, &w), &w,
                    "Only FixedRate and ReservoirSize of the Default rule can be changed");
    }
    json_decref(w.record);
    json_decref(body);
}

void xray_delete_sampling_rule(struct http_request *req, struct http_reply *rep)
{
    static const struct aws_member members[] = {
        {"RuleName", AWS_STRING, false, 1, 32, NULL, NULL},
        {"RuleARN", AWS_STRING, false, 1, -1, NULL, NULL},
    };
    json_t *body = xray_api_parse_request(req, rep, members, ARRAY_LEN(members));
    struct rule_write w = {
        .change = delete_rule, .region = req->region, .account_id = req->app->cfg->account_id};
    if (body && check_named(rep, body, &w)) {
        write_reply(rep, writer_call(req->app->writer, change_rule, &w), &w,
                    "The Default rule cannot be deleted");
    }
    json_decref(w.record);
    json_decref(body);
}

void xray_get_sampling_statistic_summaries(struct http_request *req, struct http_reply *rep)
{
    static const struct aws_member members[] = {
        {"NextToken", AWS_STRING, false, -1, -1, NULL, NULL},
    };
    json_t *body = xray_api_parse_request(req, rep, members, ARRAY_LEN(members));
    struct store *ro = body ? xray_api_reader(rep) : NULL;
    if (!ro) {
        goto out;
    }
    /* One page: a summary per rule that reported within the hour sampling.c keeps. */
    json_t *list = json_array();
    struct xray_config_stat_summary *rows = NULL;
    size_t n = 0;
    if (xray_config_db_stat_summaries(ro, &rows, &n) < 0) {
        n = 0; /* logged; no summaries */
    }
    for (size_t i = 0; i < n; i++) {
        json_array_append_new(list, json_pack("{s:s, s:f, s:I, s:I, s:I}", "RuleName", rows[i].rule,
                                              "Timestamp", rows[i].timestamp, "RequestCount",
                                              (json_int_t)rows[i].requests, "BorrowCount",
                                              (json_int_t)rows[i].borrowed, "SampledCount",
                                              (json_int_t)rows[i].sampled));
    }
    xray_config_stat_summaries_free(rows, n);
    aws_reply(rep, XRAY_API_CT, json_pack("{s:o}", "SamplingStatisticSummaries", list));
out:
    json_decref(body);
}

/* ---- the SDK pollers: GetSamplingRules and GetSamplingTargets ---- */

void xray_get_sampling_rules(struct http_request *req, struct http_reply *rep)
{
    static const struct aws_member members[] = {
        {"NextToken", AWS_STRING, false, -1, -1, NULL, NULL},
    };
    json_t *body = xray_api_parse_request(req, rep, members, ARRAY_LEN(members));
    struct store *ro = body ? xray_api_reader(rep) : NULL;
    if (ro) {
        /* One page: the Go and Node pollers ignore NextToken (reference/xray-api.md). */
        aws_reply(rep, XRAY_API_CT,
                  json_pack("{s:o}", "SamplingRuleRecords",
                            sampling_rule_records(ro, req->region, req->app->cfg->account_id)));
    }
    json_decref(body);
}

void xray_get_sampling_targets(struct http_request *req, struct http_reply *rep)
{
    static const struct aws_member members[] = {
        {"SamplingStatisticsDocuments", AWS_LIST, true, -1, 25, NULL, NULL},
    };
    static const struct aws_member doc_members[] = {
        {"RuleName", AWS_STRING, true, 1, 32, NULL, NULL},
        {"ClientID", AWS_STRING, true, 24, 24, NULL, NULL},
        {"Timestamp", AWS_TIMESTAMP, true, -1, -1, NULL, NULL},
        {"RequestCount", AWS_INTEGER, true, 0, -1, NULL, NULL},
        {"SampledCount", AWS_INTEGER, true, 0, -1, NULL, NULL},
        {"BorrowCount", AWS_INTEGER, false, 0, -1, NULL, NULL},
    };
    json_t *body = xray_api_parse_request(req, rep, members, ARRAY_LEN(members));
    struct store *ro = body ? xray_api_reader(rep) : NULL;
    json_t *docs = json_object_get(body, "SamplingStatisticsDocuments");
    size_t i;
    json_t *d;
    if (!ro) {
        goto out;
    }
    json_array_foreach(docs, i, d)
    {
        struct errbuf err = {{0}, -1};
        if (!json_is_object(d) || aws_validate(d, doc_members, ARRAY_LEN(doc_members), &err) < 0) {
            xray_api_invalid(
                rep, json_is_object(d) ? err.msg : "SamplingStatisticsDocuments must hold objects");
            goto out;
        }
    }
    /* The json_t in docs go to the writer thread and back inside writer_call: the queue mutex
     * orders the hand-over, the writer mutex (command done) the hand-back (writer.h). */
    if (writer_call(req->app->writer, sampling_store_statistics, docs) < 0) {
        aws_err_restjson(rep, 500, "InternalFailure", "statistics could not be stored");
        goto out;
    }
    aws_reply(rep, XRAY_API_CT, sampling_targets(ro, docs, req->region, req->app->cfg->account_id));
out:
    json_decref(body);
}
