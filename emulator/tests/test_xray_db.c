/*
 * test_xray_db.c - trace search over a temporary database holding every fixture trace: the
 * facts pre-filter in front of the derived-view evaluation must return exactly the traces a
 * brute-force evaluation of every view returns, in the same order, page by page through
 * next_offset, for both TimeRangeTypes; and a database whose facts rows are missing (written
 * before migration 5) gets them back from the backfill.
 */
#include <criterion/criterion.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "helpers.h"
#include "segment.h"
#include "trace_facts.h"
#include "xray_db.h"
#include "xray_query.h"

TestSuite(xray_db);

static struct helpers_db env;
static json_t *views;

/* e on a view given as JSON, through its encoding. */
static bool eval_json(const struct fexpr *e, const json_t *view)
{
    size_t len = 0;
    void *blob = trace_facts_pack(view, &len);
    struct trace_view tv;
    trace_facts_init(&tv);
    cr_assert_eq(trace_facts_decode(&tv, blob, len), 0);
    bool yes = fexpr_eval(e, &tv);
    trace_facts_fini(&tv);
    free(blob);
    return yes;
}

/* A row from a view given as JSON, through its encoding. */
static void row_from_view(struct xray_db_trace_row *row, const json_t *v)
{
    size_t len = 0;
    void *blob = trace_facts_pack(v, &len);
    struct trace_view tv;
    trace_facts_init(&tv);
    cr_assert_eq(trace_facts_decode(&tv, blob, len), 0);
    xray_db_trace_row_init(row, &tv, blob, len);
    trace_facts_fini(&tv);
}

static void store_views(void)
{
    size_t i;
    json_t *v;
    cr_assert_eq(store_exec(env.rw, "BEGIN IMMEDIATE"), 0);
    json_array_foreach(views, i, v)
    {
        struct xray_db_trace_row row = {0};
        const char *tid = json_string_value(json_object_get(v, "trace_id"));
        row_from_view(&row, v);
        cr_assert_eq(xray_db_replace_derived(env.rw, tid, &row), 0);
        xray_db_trace_row_fini(&row);
    }
    cr_assert_eq(store_exec(env.rw, "COMMIT"), 0);
}

static void setup(void)
{
    helpers_db_open(&env, "xraydb");
    views = helpers_fixture_views();
    store_views();
}

static void teardown(void)
{
    json_decref(views);
    helpers_db_close(&env);
}

struct ordered {
    const json_t *view;
    double key;
    const char *id;
};

static int by_key_desc(const void *a, const void *b)
{
    const struct ordered *x = a, *y = b;
    if (x->key != y->key) {
        return x->key < y->key ? 1 : -1;
    }
    return -strcmp(x->id, y->id);
}

/* The ids brute force selects: every view in the window, in the scan's order, that matches. */
static char *expected(const struct fexpr *e, double start, double end, bool by_event)
{
    size_t n = json_array_size(views), m = 0;
    struct ordered *o = xcalloc(n + 1, sizeof(*o));
    struct buf b;
    buf_init(&b, 0);
    for (size_t i = 0; i < n; i++) {
        const json_t *v = json_array_get(views, i);
        const char *id = json_string_value(json_object_get(v, "trace_id"));
        double st = json_number_value(json_object_get(v, "start_time"));
        double en = json_number_value(json_object_get(v, "end_time"));
        double idt = segment_trace_id_time(id);
        bool in = by_event ? st < end && en >= start : idt >= start && idt < end;
        if (in) {
            o[m++] = (struct ordered){v, by_event ? st : idt, id};
        }
    }
    qsort(o, m, sizeof(*o), by_key_desc);
    for (size_t i = 0; i < m; i++) {
        if (!e || eval_json(e, o[i].view)) {
            cr_assert(buf_printf(&b, "%s ", o[i].id) == 0);
        }
    }
    free(o);
    return buf_steal(&b, NULL);
}

/* The ids xray_query_run returns, following next_offset through pages of `limit`. */
static char *paged(struct store *ro, const struct fexpr *e, double start, double end, bool by_event,
                   size_t limit, int *pages)
{
    struct xray_query q = {start, end, by_event, e, 0, limit};
    struct buf b;
    buf_init(&b, 0);
    *pages = 0;
    for (;;) {
        struct xray_query_page page;
        cr_assert_eq(xray_query_run(ro, &q, &page), 0);
        (*pages)++;
        size_t i;
        json_t *d;
        json_array_foreach(page.matches, i, d)
        {
            cr_assert(buf_printf(&b, "%s ", json_string_value(json_object_get(d, "trace_id"))) ==
                      0);
        }
        cr_assert_leq(json_array_size(page.matches), limit);
        json_decref(page.matches);
        if (page.next_offset < 0) {
            break;
        }
        cr_assert_gt(page.next_offset, q.offset, "next_offset must move forward");
        q.offset = page.next_offset;
    }
    return buf_steal(&b, NULL);
}

static const char *const filters[] = {
    NULL,
    "fault",
    "!fault",
    "ok !partial duration < 3",
    "annotation.order_id = \"ord-0001\"",
    "annotation.items > 2",
    "!annotation.order_id",
    "service(\"orders-function\")",
    "service(id(type: \"AWS::Lambda::Function\")) { error OR fault }",
    "service() { fault } OR http.status >= 400",
    "edge(\"api.example.com\", \"backend.example.com\") { responsetime > 0.1 }",
    "http.url CONTAINS \"/api/\" AND !service(\"api.example.com\")",
    "rootcause.fault.service { name = \"orders-function\" }",
    "user CONTAINS \"\"",
};

static void check_all(struct store *ro)
{
    const double windows[][2] = {{0, 4e9}, {100, 200}, {1763800000, 1763803600}};
    for (size_t f = 0; f < ARRAY_LEN(filters); f++) {
        struct fexpr *e = NULL;
        struct errbuf err = {{0}, -1};
        if (filters[f]) {
            cr_assert_eq(fexpr_compile(filters[f], NULL, NULL, &e, &err), 0, "%s: %s", filters[f],
                         err.msg);
        }
        for (size_t w = 0; w < ARRAY_LEN(windows); w++) {
            for (int by_event = 0; by_event <= 1; by_event++) {
                int pages = 0;
                char *want = expected(e, windows[w][0], windows[w][1], by_event);
                char *got = paged(ro, e, windows[w][0], windows[w][1], by_event, 3, &pages);
                cr_expect_str_eq(got, want, "%s, window %zu, by_event %d",
                                 filters[f] ? filters[f] : "(none)", w, by_event);
                free(got);
                free(want);
            }
        }
        fexpr_free(e);
    }
}

Test(xray_db, paged_search_equals_brute_force, .init = setup, .fini = teardown)
{
    struct store *ro = NULL;
    cr_assert_eq(store_open_ro(env.path, &ro), 0);
    check_all(ro);
    store_close(ro);
}

static int64_t count_rows(struct store *s, const char *sql)
{
    sqlite3_stmt *st = NULL;
    cr_assert_eq(sqlite3_prepare_v2(store_db(s), sql, -1, &st, NULL), SQLITE_OK);
    cr_assert_eq(sqlite3_step(st), SQLITE_ROW);
    int64_t n = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    return n;
}

Test(xray_db, backfill_restores_missing_facts, .init = setup, .fini = teardown)
{
    int64_t traces = count_rows(env.rw, "SELECT count(*) FROM traces");
    int64_t filled = 0;
    cr_assert_gt(traces, 100);
    cr_assert_eq(count_rows(env.rw, "SELECT count(*) FROM trace_facts"), traces);
    /* A database from before migration 6 kept each view as JSON in traces.derived. */
    size_t i;
    json_t *v;
    sqlite3_stmt *st = NULL;
    cr_assert_eq(sqlite3_prepare_v2(store_db(env.rw),
                                    "UPDATE traces SET derived = ?1 WHERE trace_id = ?2", -1, &st,
                                    NULL),
                 SQLITE_OK);
    json_array_foreach(views, i, v)
    {
        char *text = json_dumps(v, JSON_COMPACT);
        sqlite3_bind_text(st, 1, text, -1, SQLITE_TRANSIENT);
        sqlite3_bind_text(st, 2, json_string_value(json_object_get(v, "trace_id")), -1,
                          SQLITE_TRANSIENT);
        cr_assert_eq(sqlite3_step(st), SQLITE_DONE);
        sqlite3_reset(st);
        free(text);
    }
    sqlite3_finalize(st);
    cr_assert_eq(
        store_exec(env.rw, "DELETE FROM trace_facts WHERE substr(trace_id, -1) IN ('1', '5', 'a')"),
        0);
    cr_assert_eq(store_exec(env.rw, "DELETE FROM trace_facts WHERE trace_id < '1-6'"), 0);
    int64_t left = count_rows(env.rw, "SELECT count(*) FROM trace_facts");
    cr_assert_lt(left, traces);
    cr_assert_eq(xray_db_backfill_facts(env.rw, &filled), 0);
    cr_expect_eq(filled, traces - left);
    cr_expect_eq(count_rows(env.rw, "SELECT count(*) FROM trace_facts"), traces);
    filled = 0;
    cr_assert_eq(xray_db_backfill_facts(env.rw, &filled), 0);
    cr_expect_eq(filled, 0, "a second backfill finds nothing to do");
    struct store *ro = NULL;
    cr_assert_eq(store_open_ro(env.path, &ro), 0);
    check_all(ro);
    store_close(ro);
}

Test(xray_db, span_bound_keeps_long_traces_in_event_windows, .init = setup, .fini = teardown)
{
    /* A trace that started long before the window but is still active in it. */
    json_t *v = json_deep_copy(json_array_get(views, 0));
    json_object_set_new(v, "trace_id", json_string("1-00000001-000000000000000000000099"));
    json_object_set_new(v, "start_time", json_real(1.0));
    json_object_set_new(v, "end_time", json_real(5e8));
    struct xray_db_trace_row row = {0};
    row_from_view(&row, v);
    cr_assert_eq(store_exec(env.rw, "BEGIN IMMEDIATE"), 0);
    cr_assert_eq(xray_db_replace_derived(env.rw, "1-00000001-000000000000000000000099", &row), 0);
    cr_assert_eq(store_exec(env.rw, "COMMIT"), 0);
    xray_db_trace_row_fini(&row);
    json_array_append_new(views, v);
    struct store *ro = NULL;
    cr_assert_eq(store_open_ro(env.path, &ro), 0);
    int pages = 0;
    char *got = paged(ro, NULL, 4e8, 4e8 + 3600, true, 10, &pages);
    cr_expect_str_eq(got, "1-00000001-000000000000000000000099 ");
    free(got);
    store_close(ro);
}

Test(xray_db, rederiving_keeps_facts_in_step_with_views, .init = setup, .fini = teardown)
{
    /* Same times: the facts are rewritten in place. Changed times and annotations on every
     * third view: the facts row is replaced. Either way search must still equal brute force. */
    store_views();
    size_t i;
    json_t *v;
    json_array_foreach(views, i, v)
    {
        if (i % 3 == 0) {
            double end = json_number_value(json_object_get(v, "end_time"));
            json_object_set_new(v, "end_time", json_real(end + 7200));
            json_object_set_new(v, "partial", json_true());
            json_object_set_new(v, "annotations", json_array());
        }
    }
    store_views();
    cr_assert_eq(count_rows(env.rw, "SELECT count(*) FROM trace_facts"),
                 count_rows(env.rw, "SELECT count(*) FROM traces"));
    struct store *ro = NULL;
    cr_assert_eq(store_open_ro(env.path, &ro), 0);
    check_all(ro);
    store_close(ro);
}

/* Retention takes a trace's number with its rows, unless a log event still links to the trace
 * (schema.c migration 10): the link must keep resolving to that trace's id. */
Test(xray_db, expiry_drops_numbers_nothing_refers_to, .init = setup, .fini = teardown)
{
    int64_t traces = count_rows(env.rw, "SELECT count(*) FROM traces");
    cr_assert_gt(traces, 1);
    cr_assert_eq(count_rows(env.rw, "SELECT count(*) FROM trace_ids"), traces);
    cr_assert_eq(store_exec(env.rw,
                            "INSERT INTO log_groups(id, name, created_at) VALUES (1, 'g', 0);"
                            "INSERT INTO log_streams(id, group_id, name, created_at)"
                            " VALUES (1, 1, 's', 0);"
                            "INSERT INTO log_chunks(id, group_id, stream_id, min_ts, max_ts,"
                            " ingest_ts, count, bytes, traces) VALUES (1, 1, 1, 0, 0, 0, 1,"
                            " 1, 1);"
                            "INSERT INTO log_event_traces(trace_no, ts, event_id, chunk_id)"
                            " SELECT min(no), 0, 65536, 1 FROM trace_ids"),
                 0);
    char *linked = NULL;
    sqlite3_stmt *st = NULL;
    cr_assert_eq(sqlite3_prepare_v2(store_db(env.rw),
                                    "SELECT trace_id FROM trace_ids ORDER BY no LIMIT 1", -1, &st,
                                    NULL),
                 SQLITE_OK);
    cr_assert_eq(sqlite3_step(st), SQLITE_ROW);
    linked = xstrdup((const char *)sqlite3_column_text(st, 0));
    sqlite3_finalize(st);

    int64_t deleted = 0;
    cr_assert_eq(store_exec(env.rw, "BEGIN IMMEDIATE"), 0);
    cr_assert_eq(xray_db_expire(env.rw, 1e12, &deleted), 0);
    cr_assert_eq(store_exec(env.rw, "COMMIT"), 0);
    cr_expect_eq(deleted, traces);
    cr_expect_eq(count_rows(env.rw, "SELECT count(*) FROM traces"), 0);
    cr_expect_eq(count_rows(env.rw, "SELECT count(*) FROM trace_facts"), 0);
    cr_expect_eq(count_rows(env.rw, "SELECT count(*) FROM trace_summaries"), 0);
    cr_assert_eq(count_rows(env.rw, "SELECT count(*) FROM trace_ids"), 1);
    cr_assert_eq(
        sqlite3_prepare_v2(store_db(env.rw), "SELECT trace_id FROM trace_ids", -1, &st, NULL),
        SQLITE_OK);
    cr_assert_eq(sqlite3_step(st), SQLITE_ROW);
    cr_expect_str_eq((const char *)sqlite3_column_text(st, 0), linked);
    sqlite3_finalize(st);
    free(linked);
}
