/*
 * test_critical_path.c - critical path, self times and statistics (critical_path.h) on small
 * traces whose answers are worked out by hand in the comments.
 */
#include <criterion/criterion.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "critical_path.h"

TestSuite(critical_path);

/* api [0,1] calls auth [0,0.2], then db [0.25,0.9] and, in parallel with db, cache [0.3,0.5].
 * db's callee dbsvc [0.3,0.85] (its own segment, parent_id = db) runs query [0.4,0.8].
 * Critical: api, then the last to finish (db) and into it (dbsvc, query), then back in api
 * before db's start: auth. cache overlaps db and is not critical. */
static const char *const NESTED =
    "[{\"id\":\"a1\",\"name\":\"api\",\"start_time\":1000,\"end_time\":1001,\"subsegments\":["
    "{\"id\":\"s1\",\"name\":\"auth\",\"start_time\":1000,\"end_time\":1000.2},"
    "{\"id\":\"s2\",\"name\":\"cache\",\"start_time\":1000.3,\"end_time\":1000.5},"
    "{\"id\":\"s3\",\"name\":\"DynamoDB\",\"namespace\":\"aws\",\"aws\":{\"operation\":"
    "\"GetItem\"},\"start_time\":1000.25,\"end_time\":1000.9}]},"
    "{\"id\":\"b1\",\"parent_id\":\"s3\",\"name\":\"dbsvc\",\"start_time\":1000.3,"
    "\"end_time\":1000.85,\"subsegments\":[{\"id\":\"q1\",\"name\":\"query\","
    "\"start_time\":1000.4,\"end_time\":1000.8}]}]";

static json_t *analyze(const char *text)
{
    json_error_t e;
    json_t *segs = json_loads(text, 0, &e);
    cr_assert_not_null(segs, "fixture does not parse: %s", e.text);
    json_t *out = critical_path_analyze(segs);
    json_decref(segs);
    cr_assert_not_null(out);
    return out;
}

static char *path_of(const json_t *a)
{
    json_t *p = json_object_get(a, "critical_path");
    char *s = json_dumps(p, JSON_COMPACT);
    cr_assert_not_null(s);
    return s;
}

static double self_of(const json_t *a, const char *id)
{
    json_t *sp = json_object_get(json_object_get(a, "spans"), id);
    cr_assert_not_null(sp, "no span %s", id);
    return json_number_value(json_object_get(sp, "self_ms"));
}

static const json_t *stat_row(const json_t *a, const char *service, const char *op)
{
    size_t i;
    json_t *row;
    json_array_foreach(json_object_get(a, "statistics"), i, row)
    {
        if (strcmp(json_string_value(json_object_get(row, "service")), service) == 0 &&
            strcmp(json_string_value(json_object_get(row, "operation")), op) == 0) {
            return row;
        }
    }
    cr_assert_fail("no statistics row %s / %s", service, op);
    return NULL;
}

Test(critical_path, follows_the_last_finishing_child_and_skips_parallel_siblings)
{
    json_t *a = analyze(NESTED);
    char *p = path_of(a);
    cr_assert_str_eq(p, "[\"a1\",\"s1\",\"s3\",\"b1\",\"q1\"]");
    cr_assert_not(json_is_true(
        json_object_get(json_object_get(json_object_get(a, "spans"), "s2"), "critical")));
    free(p);
    json_decref(a);
}

Test(critical_path, self_time_is_duration_minus_the_union_of_children)
{
    json_t *a = analyze(NESTED);
    /* api: 1000 ms minus auth (200) and db∪cache [0.25,0.9] (650) = 150. */
    cr_assert_float_eq(self_of(a, "a1"), 150.0, 1e-6);
    cr_assert_float_eq(self_of(a, "s1"), 200.0, 1e-6);
    cr_assert_float_eq(self_of(a, "s2"), 200.0, 1e-6);
    /* db 650 minus dbsvc 550 = 100; dbsvc 550 minus query 400 = 150. */
    cr_assert_float_eq(self_of(a, "s3"), 100.0, 1e-6);
    cr_assert_float_eq(self_of(a, "b1"), 150.0, 1e-6);
    cr_assert_float_eq(self_of(a, "q1"), 400.0, 1e-6);
    json_decref(a);
}

Test(critical_path, statistics_group_by_service_and_operation)
{
    json_t *a = analyze(NESTED);
    cr_assert_eq(json_array_size(json_object_get(a, "statistics")), 6);
    const json_t *db = stat_row(a, "api", "DynamoDB GetItem");
    cr_assert_eq(json_integer_value(json_object_get(db, "count")), 1);
    cr_assert_float_eq(json_number_value(json_object_get(db, "total_ms")), 650.0, 1e-6);
    const json_t *q = stat_row(a, "dbsvc", "query");
    cr_assert_float_eq(json_number_value(json_object_get(q, "self_ms")), 400.0, 1e-6);
    /* Largest total first: the api segment itself. */
    json_t *first = json_array_get(json_object_get(a, "statistics"), 0);
    cr_assert_str_eq(json_string_value(json_object_get(first, "operation")), "api");
    json_decref(a);
}

Test(critical_path, repeated_operations_aggregate_count_min_max_avg)
{
    json_t *a = analyze("[{\"id\":\"r\",\"name\":\"svc\",\"start_time\":0,\"end_time\":1,"
                        "\"subsegments\":["
                        "{\"id\":\"x1\",\"name\":\"call\",\"start_time\":0,\"end_time\":0.1},"
                        "{\"id\":\"x2\",\"name\":\"call\",\"start_time\":0.1,\"end_time\":0.4},"
                        "{\"id\":\"x3\",\"name\":\"call\",\"start_time\":0.4,\"end_time\":1}]}]");
    const json_t *row = stat_row(a, "svc", "call");
    cr_assert_eq(json_integer_value(json_object_get(row, "count")), 3);
    cr_assert_float_eq(json_number_value(json_object_get(row, "total_ms")), 1000.0, 1e-6);
    cr_assert_float_eq(json_number_value(json_object_get(row, "min_ms")), 100.0, 1e-6);
    cr_assert_float_eq(json_number_value(json_object_get(row, "max_ms")), 600.0, 1e-6);
    cr_assert_float_eq(json_number_value(json_object_get(row, "avg_ms")), 333.333, 1e-6);
    /* Back-to-back calls are all critical: each ends exactly where the next starts. */
    char *p = path_of(a);
    cr_assert_str_eq(p, "[\"r\",\"x1\",\"x2\",\"x3\"]");
    cr_assert_float_eq(self_of(a, "r"), 0.0, 1e-6);
    free(p);
    json_decref(a);
}

Test(critical_path, async_child_outliving_its_parent_is_clipped)
{
    /* fire [0.9,2] outlives root [0,1]: the trace ends at 2, but only fire's part inside root
     * delayed root, so fire is critical as root's last child; root's self time counts only
     * [0,0.9]. */
    json_t *a = analyze("[{\"id\":\"r\",\"name\":\"svc\",\"start_time\":0,\"end_time\":1,"
                        "\"subsegments\":[{\"id\":\"f\",\"name\":\"fire\",\"start_time\":0.9,"
                        "\"end_time\":2},{\"id\":\"e\",\"name\":\"early\",\"start_time\":0.1,"
                        "\"end_time\":0.95}]}]");
    char *p = path_of(a);
    cr_assert_str_eq(p, "[\"r\",\"f\"]");
    cr_assert_float_eq(self_of(a, "r"), 100.0, 1e-6);
    free(p);
    json_decref(a);
}

Test(critical_path, parent_cycles_and_empty_input_do_not_hang)
{
    json_t *a = analyze("[{\"id\":\"a\",\"parent_id\":\"b\",\"name\":\"x\",\"start_time\":0,"
                        "\"end_time\":1},{\"id\":\"b\",\"parent_id\":\"a\",\"name\":\"y\","
                        "\"start_time\":0,\"end_time\":2}]");
    char *p = path_of(a);
    /* a hangs under b; b's parent would then be its own child, so b stays a root. */
    cr_assert_str_eq(p, "[\"a\",\"b\"]");
    free(p);
    json_decref(a);
    a = analyze("[]");
    cr_assert_eq(json_array_size(json_object_get(a, "critical_path")), 0);
    cr_assert_eq(json_array_size(json_object_get(a, "statistics")), 0);
    json_decref(a);
    a = critical_path_analyze(NULL);
    cr_assert_eq(json_object_size(json_object_get(a, "spans")), 0);
    json_decref(a);
}

Test(critical_path, long_parent_chain_is_walked_without_recursion)
{
    /* 20000 segments each the parent of the next: deeper than a recursive walk could go on an
     * HTTP thread's stack. Every one is on the critical path. */
    enum { N = 20000 };
    json_t *segs = json_array();
    for (int i = 0; i < N; i++) {
        char id[17], pid[17];
        snprintf(id, sizeof(id), "%016x", i + 1);
        snprintf(pid, sizeof(pid), "%016x", i);
        json_t *s = json_pack("{s:s, s:s, s:f, s:f}", "id", id, "name", "hop", "start_time",
                              (double)i * 1e-3, "end_time", 100.0 - (double)i * 1e-3);
        if (i) {
            json_object_set_new(s, "parent_id", json_string(pid));
        }
        json_array_append_new(segs, s);
    }
    json_t *a = critical_path_analyze(segs);
    cr_assert_eq(json_array_size(json_object_get(a, "critical_path")), N);
    cr_assert_eq(json_integer_value(
                     json_object_get(json_array_get(json_object_get(a, "statistics"), 0), "count")),
                 N);
    json_decref(a);
    json_decref(segs);
}
