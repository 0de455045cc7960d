/*
 * sampling.c - sampling rules and quotas (see sampling.h). AWS does not publish its quota
 * algorithm; this follows the reference's model: a rule's ReservoirSize is divided evenly across
 * the distinct clients that reported it within the last interval, rounding up so every client
 * may take at least one request per second while the rule has any reservoir.
 */
#include "sampling.h"

#include <math.h>
#include <string.h>

static const char SQL_RULES[] = "SELECT rule, created_at, modified_at FROM sampling_rules";
/* Deletes leave no row behind, so sampling_api.c also stamps settings on every change. */
static const char SQL_LAST_MOD[] =
    "SELECT max(coalesce((SELECT max(modified_at) FROM sampling_rules), 0),"
    " coalesce((SELECT CAST(value AS REAL) FROM settings"
    " WHERE key = 'sampling_rules_modified'), 0))";
static const char SQL_INSERT_STAT[] =
    "INSERT INTO sampling_statistics(rule_name, client_id, ts, request_count, sampled_count,"
    " borrow_count, received_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)";
static const char SQL_CLIENTS[] = "SELECT count(DISTINCT client_id) FROM sampling_statistics"
                                  " WHERE rule_name = ?1 AND received_at >= ?2";
static const char SQL_TRIM_STATS[] = "DELETE FROM sampling_statistics WHERE received_at < ?1";

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
    sqlite3_stmt *st = store_stmt(ro, SQL_RULES);
    while (st && sqlite3_step(st) == SQLITE_ROW) {
        json_t *rule = json_loads((const char *)sqlite3_column_text(st, 0), 0, NULL);
        if (!rule) {
            continue;
        }
        have_default |=
            strcmp(json_string_value(json_object_get(rule, "RuleName")) ?: "", "Default") == 0;
        json_array_append_new(records, json_pack("{s:o, s:f, s:f}", "SamplingRule", rule,
                                                 "CreatedAt", sqlite3_column_double(st, 1),
                                                 "ModifiedAt", sqlite3_column_double(st, 2)));
    }
    if (st) {
        sqlite3_reset(st);
    }
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
    double t = 0;
    sqlite3_stmt *st = store_stmt(ro, SQL_LAST_MOD);
    if (st && sqlite3_step(st) == SQLITE_ROW) {
        t = sqlite3_column_double(st, 0);
    }
    if (st) {
        sqlite3_reset(st);
    }
    return t;
}

int sampling_store_statistics(struct writer_txn *txn, void *arg)
{
    const json_t *docs = arg;
    struct store *rw = writer_txn_store(txn);
    double now = now_epoch();
    size_t i;
    json_t *d;
    sqlite3_stmt *st = store_stmt(rw, SQL_TRIM_STATS);
    if (!st) {
        return ERR_INTERNAL;
    }
    /* Keep an hour of reports: enough for GetSamplingStatisticSummaries, bounded forever. */
    sqlite3_bind_double(st, 1, now - 3600);
    int rc = store_step_done(rw, st, "trim sampling statistics");
    json_array_foreach((json_t *)docs, i, d)
    {
        if (rc < 0 || !(st = store_stmt(rw, SQL_INSERT_STAT))) {
            return ERR_INTERNAL;
        }
        double ts = 0;
        json_t *tsv = json_object_get(d, "Timestamp");
        ts = json_is_number(tsv) ? json_number_value(tsv) : now;
        store_bind_text(st, 1, json_string_value(json_object_get(d, "RuleName")));
        store_bind_text(st, 2, json_string_value(json_object_get(d, "ClientID")));
        sqlite3_bind_double(st, 3, ts);
        sqlite3_bind_int64(st, 4, json_integer_value(json_object_get(d, "RequestCount")));
        sqlite3_bind_int64(st, 5, json_integer_value(json_object_get(d, "SampledCount")));
        sqlite3_bind_int64(st, 6, json_integer_value(json_object_get(d, "BorrowCount")));
        sqlite3_bind_double(st, 7, now);
        rc = store_step_done(rw, st, "insert sampling statistics");
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
    int64_t n = 1;
    sqlite3_stmt *st = store_stmt(ro, SQL_CLIENTS);
    if (st) {
        sqlite3_bind_text(st, 1, rule, -1, SQLITE_TRANSIENT);
        sqlite3_bind_double(st, 2, since);
        if (sqlite3_step(st) == SQLITE_ROW && sqlite3_column_int64(st, 0) > 0) {
            n = sqlite3_column_int64(st, 0);
        }
        sqlite3_reset(st);
    }
    return n;
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
