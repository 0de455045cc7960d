/*
 * test_trace_facts.c - packed trace facts: everything computed from them must equal what the
 * same code computes from the derived view they were packed from (graph byte for byte against
 * tests/cases/graph_golden.json, time series against the view path), and damaged blobs are
 * refused rather than misread.
 */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#include "fexpr.h"
#include "graph.h"
#include "helpers.h"
#include "period_stats.h"
#include "trace_facts.h"

TestSuite(trace_facts);

static void decode_view(struct trace_view *f, const json_t *view, void **blob)
{
    size_t len = 0;
    *blob = trace_facts_pack(view, &len);
    cr_assert_eq(trace_facts_decode(f, *blob, len), 0);
}

static char *dump_and_free(json_t *j)
{
    char *text = json_dumps(j, JSON_COMPACT);
    json_decref(j);
    return text;
}

Test(trace_facts, graph_from_facts_matches_the_golden_output)
{
    json_t *views = helpers_fixture_views();
    json_t *golden = json_load_file("tests/cases/graph_golden.json", 0, NULL);
    struct graph *g = graph_new();
    struct trace_view f;
    size_t i;
    json_t *v;
    trace_facts_init(&f);
    json_array_foreach(views, i, v)
    {
        void *blob;
        decode_view(&f, v, &blob);
        graph_add_facts(g, &f);
        free(blob);
    }
    char *got = dump_and_free(graph_services(g));
    char *want = dump_and_free(golden);
    cr_expect(strcmp(got, want) == 0, "graph from facts differs from the golden output");
    free(got);
    free(want);
    trace_facts_fini(&f);
    graph_free(g);
    json_decref(views);
}

static char *series(const json_t *views, const struct fexpr *sel, bool facts)
{
    struct period_stats *ts = period_stats_new(0, 4e9, 60, sel != NULL);
    struct trace_view f;
    size_t i;
    json_t *v;
    trace_facts_init(&f);
    json_array_foreach(views, i, v)
    {
        if (facts) {
            void *blob;
            decode_view(&f, v, &blob);
            period_stats_add_facts(ts, &f, sel);
            free(blob);
        } else {
            period_stats_add_trace(ts, v, sel);
        }
    }
    trace_facts_fini(&f);
    char *text = dump_and_free(period_stats_result(ts));
    period_stats_free(ts);
    return text;
}

Test(trace_facts, time_series_from_facts_equal_the_view_path)
{
    static const char *const selectors[] = {
        NULL,
        "service()",
        "service(\"orders-function\")",
        "service(id(type: \"AWS::Lambda::Function\"))",
        "service(id(name: \"api.example.com\", account.id: \"111111111111\"))",
        "edge(\"api.example.com\", \"backend.example.com\")",
        "edge(id(type: \"AWS::Lambda::Function\"), id(type: \"AWS::DynamoDB::Table\"))",
    };
    json_t *views = helpers_fixture_views();
    size_t nonempty = 0;
    for (size_t i = 0; i < ARRAY_LEN(selectors); i++) {
        struct fexpr *sel = NULL;
        struct errbuf err = {{0}, -1};
        if (selectors[i]) {
            cr_assert_eq(fexpr_compile(selectors[i], NULL, NULL, &sel, &err), 0, "%s", err.msg);
            cr_assert(fexpr_is_entity_selector(sel));
        }
        char *want = series(views, sel, false);
        char *got = series(views, sel, true);
        nonempty += strcmp(want, "[]") != 0;
        cr_expect(strcmp(got, want) == 0, "%s: facts [%.200s] view [%.200s]",
                  selectors[i] ? selectors[i] : "(none)", got, want);
        free(got);
        free(want);
        fexpr_free(sel);
    }
    cr_expect_eq(nonempty, ARRAY_LEN(selectors), "every selector should pick something");
    json_decref(views);
}

Test(trace_facts, keeps_absent_types_and_order)
{
    json_t *view =
        json_loads("{\"root\": {\"ok\": true, \"http\": {\"status\": 200, \"url\": \"http://x/\"}},"
                   " \"duration\": 1.5, \"users\": \"solo\", \"annotations\": [{\"key\": \"k\","
                   " \"value\": false}, {\"key\": \"n\", \"value\": 3}],"
                   " \"nodes\": [{\"name\": \"a\", \"type\": \"\", \"client\": true, \"segments\":"
                   " [{\"start_time\": 1, \"response_time\": null, \"fault\": false}]}],"
                   " \"edges\": [{\"source\": {\"name\": \"a\"}, \"destination\": {\"name\": \"b\","
                   " \"type\": \"t\"}, \"calls\": []}]}",
                   0, NULL);
    struct trace_view f;
    void *blob;
    trace_facts_init(&f);
    decode_view(&f, view, &blob);
    cr_expect(f.top[TF_ROOT_OK].type == TF_BOOL && f.top[TF_ROOT_OK].b);
    cr_expect(f.top[TF_ROOT_FAULT].type == TF_NONE);
    cr_expect(f.top[TF_HTTP_STATUS].type == TF_NUM && f.top[TF_HTTP_STATUS].n == 200);
    cr_expect_str_eq(f.top[TF_HTTP_URL].s, "http://x/");
    cr_expect(f.top[TF_RESPONSE_TIME].type == TF_NONE);
    cr_expect_eq(f.list_n[TF_USERS], 1, "a scalar where a list belongs is a one-element list");
    cr_expect_str_eq(f.vals[f.list_first[TF_USERS]].s, "solo");
    cr_expect_eq(f.list_n[TF_AZS], 1);
    cr_expect(f.vals[f.list_first[TF_AZS]].type == TF_NONE);
    cr_expect_eq(f.nannots, 2);
    cr_expect(f.annots[0].value.type == TF_BOOL && !f.annots[0].value.b);
    cr_expect(f.annots[1].value.type == TF_NUM && f.annots[1].value.n == 3);
    cr_expect_eq(f.nnodes, 1);
    cr_expect_eq(f.nodes[0].n, 1);
    cr_expect(f.items[0].f[TF_START].type == TF_NUM);
    cr_expect(f.items[0].f[TF_RT].type == TF_NONE);
    cr_expect(f.items[0].f[TF_FAULT].type == TF_BOOL && !f.items[0].f[TF_FAULT].b);
    cr_expect(f.nodes[0].root.type == TF_NONE);
    cr_expect_eq(f.nedges, 1);
    cr_expect(f.edges[0].src.type.type == TF_NONE);
    cr_expect_str_eq(f.edges[0].dst.type.s, "t");
    free(blob);
    trace_facts_fini(&f);
    json_decref(view);
}

Test(trace_facts, refuses_truncated_and_foreign_blobs)
{
    json_t *views = helpers_fixture_views();
    size_t len = 0;
    uint8_t *blob = trace_facts_pack(json_array_get(views, 0), &len);
    struct trace_view f;
    trace_facts_init(&f);
    cr_assert_eq(trace_facts_decode(&f, blob, len), 0);
    size_t at = f.summary_at; /* a trace_facts row's length: valid without the summary part */
    for (size_t cut = 0; cut < len; cut++) {
        if (cut != at) {
            cr_expect_eq(trace_facts_decode(&f, blob, cut), ERR_INVALID, "cut at %zu of %zu", cut,
                         len);
        }
    }
    uint8_t *longer = xmalloc(len + 1);
    memcpy(longer, blob, len);
    longer[len] = 0;
    cr_expect_eq(trace_facts_decode(&f, longer, len + 1), ERR_INVALID, "trailing bytes");
    blob[0] = 99;
    cr_expect_eq(trace_facts_decode(&f, blob, len), ERR_INVALID, "unknown version");
    free(longer);
    free(blob);
    trace_facts_fini(&f);
    json_decref(views);
}
