/*
 * test_trace_view.c - struct trace_view and its encoding: trace_derive()'s bytes equal the
 * encoding of the same view rendered as JSON and packed again (so converting a pre-migration-6
 * JSON view gives exactly what re-deriving gives), and the summary rendered at the API edge
 * keeps the TraceSummary's shape.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "helpers.h"
#include "trace.h"
#include "trace_facts.h"

TestSuite(trace_view);

static int traces_checked;

static void round_trip(void *ctx, json_t *const *docs, size_t n)
{
    (void)ctx;
    size_t len = 0, len2 = 0;
    void *blob = trace_derive(docs, n, &len);
    struct trace_view v;
    trace_facts_init(&v);
    cr_assert_not_null(blob);
    cr_assert_eq(trace_facts_decode(&v, blob, len), 0);
    cr_assert(v.summary && v.graph);
    json_t *j = trace_view_json(&v);
    void *again = trace_facts_pack(j, &len2);
    char *text = json_dumps(j, JSON_COMPACT);
    cr_expect(len == len2 && memcmp(blob, again, len) == 0, "re-encoding differs for %.300s", text);
    /* The summary is the API's TraceSummary: the view's own trace id, revision = documents. */
    json_t *s = json_object_get(j, "summary");
    cr_expect_str_eq(json_string_value(json_object_get(s, "Id")), v.trace_id.s);
    cr_expect_eq(json_integer_value(json_object_get(s, "Revision")), (json_int_t)n);
    cr_expect(json_is_array(json_object_get(s, "ResponseTimeRootCauses")));
    free(text);
    free(again);
    json_decref(j);
    trace_facts_fini(&v);
    free(blob);
    traces_checked++;
}

Test(trace_view, derive_equals_the_packed_json_shape_on_every_fixture_trace)
{
    traces_checked = 0;
    helpers_each_fixture_trace("../fixtures/demo.jsonl", round_trip, NULL);
    helpers_each_fixture_trace("../fixtures/large.jsonl", round_trip, NULL);
    cr_expect_gt(traces_checked, 50);
}

Test(trace_view, refuses_truncated_blobs_and_other_versions)
{
    json_t *doc = json_pack("{s:s, s:s, s:s, s:f, s:f, s:{s:s}}", "trace_id",
                            "1-5f000000-000000000000000000000001", "id", "a1", "name", "api",
                            "start_time", 100.0, "end_time", 101.0, "annotations", "k", "v");
    size_t len = 0;
    uint8_t *blob = trace_derive(&doc, 1, &len);
    struct trace_view v;
    trace_facts_init(&v);
    cr_assert_eq(trace_facts_decode(&v, blob, len), 0);
    cr_expect_str_eq(v.annots[0].key.s, "k");
    cr_expect_eq(v.root_node, 1, "the client node comes first, the root's node second");
    size_t at = v.summary_at;
    for (size_t cut = 0; cut < len; cut++) {
        if (cut == at) {
            /* where trace_facts rows end: the facts part alone, without the summary */
            cr_expect_eq(trace_facts_decode(&v, blob, cut), 0);
            cr_expect(!v.summary);
            cr_expect_eq(trace_facts_decode_summary(&v, blob + at, len - at), 0);
            cr_expect(v.summary);
            cr_expect_str_eq(v.trace_id.s, "1-5f000000-000000000000000000000001");
            continue;
        }
        cr_expect_eq(trace_facts_decode(&v, blob, cut), ERR_INVALID, "cut at %zu", cut);
    }
    blob[0] = 2; /* the format before migration 6 */
    cr_expect_eq(trace_facts_decode(&v, blob, len), ERR_INVALID);
    trace_facts_fini(&v);
    free(blob);
    json_decref(doc);
}
