/*
 * sampling.c - sampling rules and quotas (see sampling.h). AWS does not publish its quota
 * algorithm; this follows the reference's model: a rule's ReservoirSize is divided evenly across
 * the distinct clients that reported it within the last interval, rounding up so every client
 * may take at least one request per second while the rule has any reservoir.
 */
#include "sampling.h"

#include <math.h>
#include <string.h>

#include "xray_config_db.h"

/* The service's built-in rule: first request each second plus 5 % (reference/xray-api.md). */
static json_t *default_record(const char *region, const char *account_id)
{
    json_t *rule =
        json_pack("{s:s, s:s, s:s, s:i, s:f, s:i, s:s, s:s, s:s, s:s, s:s, s:i, s:{}}", "RuleName",
                  "Default", "RuleARN", "", "ResourceARN", "*", "Priority", 10000, "FixedRate",
                  0.05, "ReservoirSize", 1, "ServiceName", "*", "ServiceType", "*", "Host", "*",
                  "HTTPMethod", "*", "URLPath", "*", "Version", 1, "Attributes");
    char *arn = xasprintf("arn:aws:xray:%s:%s:sampling-rule/Default", region, account_id);
    json_object_set_new(rule, "RuleARN", json_string(arn));
    free(arn);
    return json_pack("{s:o, s:f, s:f}", "SamplingRule", rule, "CreatedAt", 0.0, "ModifiedAt", 0.0);
}

static int compare_records(const void *a, const void *b)
{
    const json_t *ra = json_object_get(*(json_t *const *)a, "SamplingRule");
    const json_t *rb = json_object_get(*(json_t *const *)b, "SamplingRule");
    json_int_t pa = json_integer_value(json_object_get(ra, "Priority"));
    json_int_t pb = json_integer_value(json_object_get(rb, "Priority"));
    if (pa != pb) {
        return pa < pb ? -1 : 1;
    }
    return strcmp(json_string_value(json_object_get(ra, "RuleName")),
                  json_string_value(json_object_get(rb, "RuleName")));
}

json_t *sampling_rule_records(struct store *ro, const char *region, const char *account_id)
{
    json_t *records = json_array();
    bool have_default = false;
    struct xray_config_rule *rows = NULL;
    size_t n_rows = 0;
    if (xray_config_db_rule_list(ro, &rows, &n_rows) < 0) {
        n_rows = 0; /* logged; Default alone */
    }
    for (size_t i = 0; i < n_rows; i++) {
        json_t *rule = rows[i].rule ? json_loads(rows[i].rule, 0, NULL) : NULL;
        if (!rule) {
            continue;
        }
        have_default |=
            strcmp(json_string_value(json_object_get(rule, "RuleName")) ?: "", "Default") == 0;
        json_array_append_new(records,
                              json_pack("{s:o, s:f, s:f}", "SamplingRule", rule, "CreatedAt",
                                        rows[i].created, "ModifiedAt", rows[i].modified));
    }
    xray_config_rules_free(rows, n_rows);
    if (!have_default) {
        json_array_append_new(records, default_record(region, account_id));
    }
    size_t n = json_array_size(records);
    json_t **items = xmalloc(n * sizeof(*items));
    for (size_t i = 0; i < n; i++) {
        items[i] = json_incref(json_array_get(records, i));
    }
    qsort(items, n, sizeof(*items), compare_records);
    json_array_clear(records);
    for (size_t i = 0; i < n; i++) {
        json_array_append_new(records, items[i]);
    }
    free(items);
    return records;
}

double sampling_last_modification(struct store *ro)
{
    return xray_config_db_rules_modified(ro);
}

int sampling_store_statistics(struct writer_txn *txn, void *arg)
{
    const json_t *docs = arg;
    struct store *rw = writer_txn_store(txn);
    double now = now_epoch();
    size_t i;
    json_t *d;
    /* Keep an hour of reports: enough for GetSamplingStatisticSummaries, bounded forever. */
    int rc = xray_config_db_stats_trim(rw, now - 3600);
    json_array_foreach((json_t *)docs, i, d)
    {
        if (rc < 0) {
            return ERR_INTERNAL;
        }
        json_t *tsv = json_object_get(d, "Timestamp");
        struct xray_config_stat stat = {
            .rule = json_string_value(json_object_get(d, "RuleName")),
            .client_id = json_string_value(json_object_get(d, "ClientID")),
            .timestamp = json_is_number(tsv) ? json_number_value(tsv) : now,
            .requests = json_integer_value(json_object_get(d, "RequestCount")),
            .sampled = json_integer_value(json_object_get(d, "SampledCount")),
            .borrowed = json_integer_value(json_object_get(d, "BorrowCount")),
        };
        rc = xray_config_db_stats_insert(rw, &stat, now);
    }
    return rc;
}

static const json_t *find_rule(const json_t *records, const char *name)
{
    size_t i;
    json_t *r;
    json_array_foreach((json_t *)records, i, r)
    {
        const json_t *rule = json_object_get(r, "SamplingRule");
        if (strcmp(json_string_value(json_object_get(rule, "RuleName")), name) == 0) {
            return rule;
        }
    }
    return NULL;
}

static int64_t reporting_clients(struct store *ro, const char *rule, double since)
{
    /* At least this client, even when its own report is not readable. */
    int64_t n = xray_config_db_stats_clients(ro, rule, since);
    return n > 0 ? n : 1;
}

json_t *sampling_targets(struct store *ro, const json_t *docs, const char *region,
                         const char *account_id)
{
    json_t *records = sampling_rule_records(ro, region, account_id);
    json_t *targets = json_array(), *unprocessed = json_array();
    double now = now_epoch();
    size_t i;
    json_t *d;
    json_array_foreach((json_t *)docs, i, d)
    {
        const char *name = json_string_value(json_object_get(d, "RuleName"));
        const json_t *rule = find_rule(records, name);
        if (!rule) {
            json_array_append_new(unprocessed,
                                  json_pack("{s:s, s:s, s:s}", "RuleName", name, "ErrorCode", "400",
                                            "Message", "Sampling rule does not exist"));
            continue;
        }
        json_int_t reservoir = json_integer_value(json_object_get(rule, "ReservoirSize"));
        int64_t clients = reporting_clients(ro, name, now - SAMPLING_INTERVAL_S * 2);
        json_int_t quota =
            reservoir > 0 ? (json_int_t)ceil((double)reservoir / (double)clients) : 0;
        json_array_append_new(targets,
                              json_pack("{s:s, s:O, s:I, s:f, s:i}", "RuleName", name, "FixedRate",
                                        json_object_get(rule, "FixedRate"), "ReservoirQuota", quota,
                                        "ReservoirQuotaTTL", floor(now) + SAMPLING_QUOTA_TTL_S,
                                        "Interval", SAMPLING_INTERVAL_S));
    }
    json_decref(records);
    return json_pack("{s:o, s:f, s:o}", "SamplingTargetDocuments", targets, "LastRuleModification",
                     sampling_last_modification(ro), "UnprocessedStatistics", unprocessed);
}
