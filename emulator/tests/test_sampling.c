/*
 * test_sampling.c - centralized sampling (sampling.h) over a real temporary database, statistics
 * written through the writer as the HTTP handler does: the GetSamplingRules records (every
 * member, Attributes {}, the built-in Default unless one is stored, ascending Priority then
 * RuleName), and the GetSamplingTargets answer the SDKs' TCP 2000 poller reads
 * (reference/daemon-protocol.md §2): the reservoir split across the clients reporting a rule, the
 * fixed rate passed through, the TTL and interval, unknown rules as UnprocessedStatistics.
 * Matching requests against rules (globs, first match by priority) is the SDKs' part of the
 * protocol, so fluoro has none to test; what it owes them is the order and the members.
 */
#include <criterion/criterion.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "queue.h"
#include "sampling.h"
#include "store.h"
#include "writer.h"
#include "xray_ingest.h"
#include "helpers.h"

TestSuite(sampling);

static struct helpers_db env;
static struct store *ro;

static int exec_sql(struct writer_txn *txn, void *sql)
{
    return store_exec(writer_txn_store(txn), sql);
}

/* Stores a rule through the writer, as sampling_api.c does. */
static void put_rule(const char *name, int priority, double rate, int reservoir,
                     const char *service, double modified)
{
    json_t *rule =
        json_pack("{s:s, s:s, s:s, s:i, s:f, s:i, s:s, s:s, s:s, s:s, s:s, s:i, s:{}}", "RuleName",
                  name, "RuleARN", "arn", "ResourceARN", "*", "Priority", priority, "FixedRate",
                  rate, "ReservoirSize", reservoir, "ServiceName", service, "ServiceType", "*",
                  "Host", "*", "HTTPMethod", "*", "URLPath", "*", "Version", 1, "Attributes");
    char *text = json_dumps(rule, JSON_COMPACT);
    char *sql = sqlite3_mprintf("INSERT INTO sampling_rules(name, arn, rule, created_at,"
                                " modified_at) VALUES (%Q, 'arn', %Q, %.3f, %.3f)",
                                name, text, modified, modified);
    cr_assert_eq(writer_call(env.w, exec_sql, sql), 0);
    sqlite3_free(sql);
    free(text);
    json_decref(rule);
}

static void start(void)
{
    helpers_db_open(&env, "sampling");
    helpers_db_start_xray(&env);
    cr_assert_eq(store_open_ro(env.path, &ro), 0);
}

static void setup_empty(void)
{
    start();
}

static void setup_rules(void)
{
    start();
    put_rule("b-rule", 5, 0.5, 10, "web-*", 1700000001);
    put_rule("a-rule", 5, 0.25, 0, "api-?", 1700000002);
    put_rule("z-first", 1, 1.0, 3, "*", 1700000003);
    put_rule("y-late", 9999, 0.0, 7, "WORKER", 1700000000);
}

static void teardown(void)
{
    store_close(ro);
    helpers_db_close(&env);
}

static const json_t *rule_at(const json_t *records, size_t i)
{
    return json_object_get(json_array_get(records, i), "SamplingRule");
}

static const char *str(const json_t *o, const char *k)
{
    return json_string_value(json_object_get(o, k));
}

static double num(const json_t *o, const char *k)
{
    return json_number_value(json_object_get(o, k));
}

/* Reports docs (a JSON array text) as GetSamplingTargets does: stored through the writer first. */
static json_t *targets(const char *docs_text)
{
    json_t *docs = json_loads(docs_text, 0, NULL);
    cr_assert_not_null(docs);
    cr_assert_eq(writer_call(env.w, sampling_store_statistics, docs), 0);
    json_t *out = sampling_targets(ro, docs, "us-west-2", "000000000000");
    json_decref(docs);
    return out;
}

static const json_t *target_for(const json_t *answer, const char *name)
{
    size_t i;
    json_t *t;
    json_array_foreach(json_object_get(answer, "SamplingTargetDocuments"), i, t)
    {
        if (strcmp(str(t, "RuleName"), name) == 0) {
            return t;
        }
    }
    return NULL;
}

Test(sampling, without_stored_rules_the_default_rule_has_every_member, .init = setup_empty,
     .fini = teardown)
{
    json_t *records = sampling_rule_records(ro, "us-west-2", "000000000000");
    cr_assert_eq(json_array_size(records), 1);
    const json_t *r = rule_at(records, 0);
    cr_expect_str_eq(str(r, "RuleName"), "Default");
    cr_expect_str_eq(str(r, "RuleARN"),
                     "arn:aws:xray:us-west-2:000000000000:sampling-rule/Default");
    cr_expect_eq(json_integer_value(json_object_get(r, "Priority")), 10000);
    cr_expect_float_eq(num(r, "FixedRate"), 0.05, 1e-12);
    cr_expect_eq(json_integer_value(json_object_get(r, "ReservoirSize")), 1);
    cr_expect_eq(json_integer_value(json_object_get(r, "Version")), 1, "SDKs drop other versions");
    static const char *const globs[] = {"ResourceARN", "ServiceName", "ServiceType",
                                        "Host",        "HTTPMethod",  "URLPath"};
    for (size_t i = 0; i < sizeof(globs) / sizeof(globs[0]); i++) {
        cr_expect_str_eq(str(r, globs[i]), "*", "%s", globs[i]);
    }
    cr_expect(json_is_object(json_object_get(r, "Attributes")), "the Node SDK drops rules without");
    cr_expect_eq(json_object_size(json_object_get(r, "Attributes")), 0);
    const json_t *rec = json_array_get(records, 0);
    cr_expect(json_is_number(json_object_get(rec, "CreatedAt")));
    cr_expect(json_is_number(json_object_get(rec, "ModifiedAt")));
    json_decref(records);
}

Test(sampling, rules_come_by_priority_then_name_with_default_last, .init = setup_rules,
     .fini = teardown)
{
    json_t *records = sampling_rule_records(ro, "us-west-2", "000000000000");
    static const char *const want[] = {"z-first", "a-rule", "b-rule", "y-late", "Default"};
    cr_assert_eq(json_array_size(records), 5);
    for (size_t i = 0; i < 5; i++) {
        cr_expect_str_eq(str(rule_at(records, i), "RuleName"), want[i], "position %zu", i);
    }
    /* Patterns reach the SDKs as stored: globs and case are theirs to match. */
    cr_expect_str_eq(str(rule_at(records, 2), "ServiceName"), "web-*");
    cr_expect_str_eq(str(rule_at(records, 1), "ServiceName"), "api-?");
    cr_expect_str_eq(str(rule_at(records, 3), "ServiceName"), "WORKER");
    cr_expect_float_eq(num(json_array_get(records, 0), "ModifiedAt"), 1700000003, 1e-6);
    cr_expect_float_eq(sampling_last_modification(ro), 1700000003, 1e-6);
    json_decref(records);
}

Test(sampling, a_stored_default_rule_replaces_the_built_in_one, .init = setup_empty,
     .fini = teardown)
{
    put_rule("Default", 10000, 0.2, 4, "*", 1700000005);
    json_t *records = sampling_rule_records(ro, "us-west-2", "000000000000");
    cr_assert_eq(json_array_size(records), 1);
    cr_expect_float_eq(num(rule_at(records, 0), "FixedRate"), 0.2, 1e-12);
    cr_expect_eq(json_integer_value(json_object_get(rule_at(records, 0), "ReservoirSize")), 4);
    json_decref(records);
}

Test(sampling, the_reservoir_is_split_across_the_clients_reporting_a_rule, .init = setup_rules,
     .fini = teardown)
{
    double before = floor(now_epoch());
    json_t *one = targets("[{\"RuleName\":\"b-rule\",\"ClientID\":\"c1\",\"RequestCount\":5,"
                          "\"SampledCount\":2,\"BorrowCount\":0,\"Timestamp\":1700000000}]");
    const json_t *t = target_for(one, "b-rule");
    cr_assert_not_null(t);
    cr_expect_eq(json_integer_value(json_object_get(t, "ReservoirQuota")), 10, "one client");
    cr_expect_float_eq(num(t, "FixedRate"), 0.5, 1e-12, "the rule's rate, passed through");
    cr_expect_eq(json_integer_value(json_object_get(t, "Interval")), SAMPLING_INTERVAL_S);
    double ttl = num(t, "ReservoirQuotaTTL");
    cr_expect_geq(ttl, before + SAMPLING_QUOTA_TTL_S);
    cr_expect_leq(ttl, floor(now_epoch()) + SAMPLING_QUOTA_TTL_S);
    cr_expect_float_eq(num(one, "LastRuleModification"), 1700000003, 1e-6);
    cr_expect_eq(json_array_size(json_object_get(one, "UnprocessedStatistics")), 0);
    json_decref(one);

    /* Two more clients report the same rule: 10 over 3 clients, rounded up. */
    json_t *three = targets("[{\"RuleName\":\"b-rule\",\"ClientID\":\"c2\",\"RequestCount\":1,"
                            "\"SampledCount\":1,\"BorrowCount\":0},"
                            "{\"RuleName\":\"b-rule\",\"ClientID\":\"c3\",\"RequestCount\":1,"
                            "\"SampledCount\":1,\"BorrowCount\":0},"
                            "{\"RuleName\":\"a-rule\",\"ClientID\":\"c3\",\"RequestCount\":9,"
                            "\"SampledCount\":0,\"BorrowCount\":0}]");
    cr_expect_eq(json_integer_value(json_object_get(target_for(three, "b-rule"), "ReservoirQuota")),
                 4);
    const json_t *a = target_for(three, "a-rule");
    cr_assert_not_null(a);
    cr_expect_eq(json_integer_value(json_object_get(a, "ReservoirQuota")), 0,
                 "no reservoir: fixed rate only");
    cr_expect_float_eq(num(a, "FixedRate"), 0.25, 1e-12);
    json_decref(three);
}

Test(sampling, statistics_for_unknown_rules_come_back_unprocessed, .init = setup_rules,
     .fini = teardown)
{
    json_t *answer = targets("[{\"RuleName\":\"nope\",\"ClientID\":\"c1\",\"RequestCount\":1,"
                             "\"SampledCount\":0,\"BorrowCount\":0},"
                             "{\"RuleName\":\"Default\",\"ClientID\":\"c1\",\"RequestCount\":1,"
                             "\"SampledCount\":1,\"BorrowCount\":0},"
                             "{\"RuleName\":\"Default\",\"ClientID\":\"c2\",\"RequestCount\":1,"
                             "\"SampledCount\":1,\"BorrowCount\":0}]");
    const json_t *un = json_object_get(answer, "UnprocessedStatistics");
    cr_assert_eq(json_array_size(un), 1);
    cr_expect_str_eq(str(json_array_get(un, 0), "RuleName"), "nope");
    cr_expect_str_eq(str(json_array_get(un, 0), "ErrorCode"), "400");
    cr_expect_not_null(str(json_array_get(un, 0), "Message"));
    /* The built-in Default answers targets too: reservoir 1 over 2 clients rounds up to 1. */
    const json_t *d = target_for(answer, "Default");
    cr_assert_not_null(d);
    cr_expect_eq(json_integer_value(json_object_get(d, "ReservoirQuota")), 1);
    cr_expect_float_eq(num(d, "FixedRate"), 0.05, 1e-12);
    cr_expect_eq(json_array_size(json_object_get(answer, "SamplingTargetDocuments")), 2);
    json_decref(answer);
}

Test(sampling, statistics_older_than_an_hour_are_trimmed, .init = setup_rules, .fini = teardown)
{
    char *sql = sqlite3_mprintf("INSERT INTO sampling_statistics(rule_name, client_id, ts,"
                                " request_count, sampled_count, borrow_count, received_at)"
                                " VALUES ('b-rule', 'old', 0, 1, 1, 0, %.3f),"
                                " ('b-rule', 'recent', 0, 1, 1, 0, %.3f)",
                                now_epoch() - 3700, now_epoch() - 3500);
    cr_assert_eq(writer_call(env.w, exec_sql, sql), 0);
    sqlite3_free(sql);
    json_t *answer = targets("[{\"RuleName\":\"b-rule\",\"ClientID\":\"c1\",\"RequestCount\":1,"
                             "\"SampledCount\":1,\"BorrowCount\":0}]");
    /* Neither kept report is recent enough to count as a client of this interval. */
    cr_expect_eq(
        json_integer_value(json_object_get(target_for(answer, "b-rule"), "ReservoirQuota")), 10);
    json_decref(answer);
    sqlite3_stmt *st = store_stmt(ro, "SELECT group_concat(client_id, ' ') FROM"
                                      " (SELECT client_id FROM sampling_statistics ORDER BY 1)");
    cr_assert_not_null(st);
    cr_assert_eq(sqlite3_step(st), SQLITE_ROW);
    cr_expect_str_eq((const char *)sqlite3_column_text(st, 0), "c1 recent");
    sqlite3_reset(st);
}
