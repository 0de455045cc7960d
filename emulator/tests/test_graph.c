/*
 * test_graph.c - service-graph and time-series aggregation over the fixture traces. The views
 * are the filter-expression fixtures plus every trace of fixtures/demo.jsonl and large.jsonl,
 * derived here. tests/cases/graph_golden.json holds graph_services() as the derived-view path
 * produced it before the packed-facts path existed; both paths must reproduce it byte for byte.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "graph.h"
#include "helpers.h"

TestSuite(graph);

#define GOLDEN "tests/cases/graph_golden.json"

static char *graph_text_from_views(const json_t *views)
{
    struct graph *g = graph_new();
    size_t i;
    json_t *v;
    json_array_foreach(views, i, v)
    {
        graph_add_trace(g, v);
    }
    json_t *out = graph_services(g);
    char *text = json_dumps(out, JSON_COMPACT);
    json_decref(out);
    graph_free(g);
    return text;
}

static char *read_golden(void)
{
    FILE *f = fopen(GOLDEN, "r");
    cr_assert_not_null(f, "cannot open %s", GOLDEN);
    char *text = NULL;
    size_t cap = 0;
    ssize_t n = getdelim(&text, &cap, '\0', f);
    fclose(f);
    cr_assert_gt(n, 0);
    while (n > 0 && text[n - 1] == '\n') {
        text[--n] = '\0';
    }
    return text;
}

Test(graph, derived_view_path_matches_the_golden_output)
{
    json_t *views = helpers_fixture_views();
    char *got = graph_text_from_views(views);
    if (getenv("FLUORO_WRITE_GOLDEN")) {
        FILE *f = fopen(GOLDEN, "w");
        fprintf(f, "%s\n", got);
        fclose(f);
    }
    char *want = read_golden();
    cr_expect(strcmp(got, want) == 0, "graph differs from %s", GOLDEN);
    free(got);
    free(want);
    json_decref(views);
}
