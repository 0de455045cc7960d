/*
 * test_assertion.c - the CI assertion engine without a server: spec validation, partial tree
 * matching over assembled traces (names, fields, flags, operators, ordered/unordered/direct
 * children, segments nested under the subsegment that called them) and the wording of the first
 * difference; plus the golden-file normalizer (normalize.h), which the same CI users rely on.
 */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#include "assertion.h"
#include "normalize.h"

TestSuite(assertion);

/* A two-service trace: api (segment) -> remote call to "orders:8080" -> orders (segment, parent
 * is that subsegment) -> DynamoDB GetItem, then PutItem, then SNS Publish with an error. */
static const char TRACE[] =
    "["
    "{\"trace_id\":\"1-5f000000-000000000000000000000001\",\"id\":\"a000000000000001\","
    " \"name\":\"api\",\"origin\":\"AWS::EC2::Instance\",\"start_time\":100.0,\"end_time\":101.0,"
    " \"http\":{\"request\":{\"method\":\"POST\",\"url\":\"http://api/orders\"},"
    "          \"response\":{\"status\":201}},"
    " \"annotations\":{\"tenant\":\"t1\",\"items\":3},"
    " \"subsegments\":[{\"id\":\"a000000000000002\",\"name\":\"orders:8080\","
    "   \"namespace\":\"remote\",\"start_time\":100.1,\"end_time\":100.9,"
    "   \"http\":{\"request\":{\"method\":\"POST\",\"url\":\"http://orders:8080/\"},"
    "             \"response\":{\"status\":201}}}]},"
    "{\"trace_id\":\"1-5f000000-000000000000000000000001\",\"id\":\"b000000000000001\","
    " \"parent_id\":\"a000000000000002\",\"name\":\"orders\",\"start_time\":100.2,"
    " \"end_time\":100.8,\"error\":true,"
    " \"subsegments\":["
    "  {\"id\":\"b000000000000004\",\"name\":\"SNS\",\"namespace\":\"aws\",\"start_time\":100.6,"
    "   \"end_time\":100.7,\"error\":true,\"aws\":{\"operation\":\"Publish\"}},"
    "  {\"id\":\"b000000000000002\",\"name\":\"DynamoDB\",\"namespace\":\"aws\","
    "   \"start_time\":100.3,\"end_time\":100.4,"
    "   "
    "\"aws\":{\"operation\":\"GetItem\",\"table_name\":\"orders\",\"resource_names\":[\"orders\"]}}"
    ","
    "  {\"id\":\"b000000000000003\",\"name\":\"DynamoDB\",\"namespace\":\"aws\","
    "   \"start_time\":100.45,\"end_time\":100.5,"
    "   \"aws\":{\"operation\":\"PutItem\",\"table_name\":\"orders\"}}]}"
    "]";

static struct assertion_tree *load_tree(void)
{
    json_error_t jerr;
    json_t *segs = json_loads(TRACE, 0, &jerr);
    cr_assert_not_null(segs, "fixture JSON: %s", jerr.text);
    struct assertion_tree *t = assertion_tree_new(segs);
    json_decref(segs);
    return t;
}

/* Matches spec (JSON text) against the fixture; returns the miss for inspection. */
static bool match(const char *spec_text, struct assertion_miss *miss)
{
    json_error_t jerr;
    json_t *spec = json_loads(spec_text, 0, &jerr);
    cr_assert_not_null(spec, "spec JSON %s: %s", spec_text, jerr.text);
    struct errbuf err = {{0}, -1};
    cr_assert_eq(assertion_tree_validate(spec, &err), 0, "spec %s: %s", spec_text, err.msg);
    struct assertion_tree *t = load_tree();
    bool ok = assertion_tree_match(spec, t, miss);
    assertion_tree_free(t);
    json_decref(spec);
    return ok;
}

Test(assertion, tree_holds_every_node_of_both_services)
{
    struct assertion_tree *t = load_tree();
    cr_assert_eq(assertion_tree_size(t), 6);
    assertion_tree_free(t);
}

Test(assertion, top_node_matches_any_node_and_reports_where)
{
    struct assertion_miss miss = {0};
    cr_assert(match("{\"name\":\"DynamoDB\",\"aws\":{\"operation\":\"PutItem\"}}", &miss));
    cr_assert_str_eq(miss.text, "api > orders:8080 > orders > DynamoDB");
}

Test(assertion, downstream_segment_hangs_under_the_calling_subsegment)
{
    cr_assert(match("{\"name\":\"api\",\"subsegments\":[{\"name\":\"orders:8080\",\"namespace\":"
                    "\"remote\",\"subsegments\":[{\"name\":\"orders\",\"kind\":\"segment\"}]}]}",
                    NULL));
}

Test(assertion, subsegments_match_at_any_depth_unless_direct)
{
    cr_assert(match("{\"name\":\"api\",\"subsegments\":[{\"name\":\"SNS\"}]}", NULL));
    cr_assert_not(
        match("{\"name\":\"api\",\"direct\":true,\"subsegments\":[{\"name\":\"SNS\"}]}", NULL));
    cr_assert(
        match("{\"name\":\"orders\",\"direct\":true,\"subsegments\":[{\"name\":\"SNS\"}]}", NULL));
}

Test(assertion, unordered_children_need_distinct_nodes)
{
    cr_assert(match("{\"name\":\"orders\",\"subsegments\":[{\"name\":\"DynamoDB\"},"
                    "{\"name\":\"DynamoDB\"}]}",
                    NULL));
    struct assertion_miss miss = {0};
    cr_assert_not(match("{\"name\":\"orders\",\"subsegments\":[{\"name\":\"DynamoDB\"},"
                        "{\"name\":\"DynamoDB\"},{\"name\":\"DynamoDB\"}]}",
                        &miss));
    cr_assert(strstr(miss.text, "already matched by its siblings"), "%s", miss.text);
}

Test(assertion, unordered_assignment_backtracks)
{
    /* A greedy choice would give the first spec child the PutItem node and starve the second. */
    cr_assert(match("{\"name\":\"orders\",\"subsegments\":[{\"name\":\"DynamoDB\"},"
                    "{\"name\":\"DynamoDB\",\"aws\":{\"operation\":\"GetItem\"}}]}",
                    NULL));
}

Test(assertion, ordered_children_follow_start_time_not_document_order)
{
    /* SNS is first in the document but last in time. */
    cr_assert(match("{\"name\":\"orders\",\"ordered\":true,\"subsegments\":["
                    "{\"aws\":{\"operation\":\"GetItem\"}},{\"aws\":{\"operation\":\"PutItem\"}},"
                    "{\"name\":\"SNS\"}]}",
                    NULL));
    struct assertion_miss miss = {0};
    cr_assert_not(match("{\"name\":\"orders\",\"ordered\":true,\"subsegments\":["
                        "{\"name\":\"SNS\"},{\"aws\":{\"operation\":\"GetItem\"}}]}",
                        &miss));
    cr_assert(strstr(miss.text, "out of order"), "%s", miss.text);
    cr_assert(match("{\"name\":\"orders\",\"subsegments\":["
                    "{\"name\":\"SNS\"},{\"aws\":{\"operation\":\"GetItem\"}}]}",
                    NULL));
}

Test(assertion, flags_count_as_false_when_absent)
{
    cr_assert(match("{\"name\":\"api\",\"fault\":false,\"error\":false}", NULL));
    cr_assert(match("{\"name\":\"orders\",\"error\":true}", NULL));
    struct assertion_miss miss = {0};
    cr_assert_not(match("{\"name\":\"SNS\",\"error\":false}", &miss));
    cr_assert_str_eq(miss.text,
                     "at \"api > orders:8080 > orders > SNS\": error expected false, found true");
}

Test(assertion, fields_match_partially_and_recursively)
{
    cr_assert(match("{\"name\":\"api\",\"http\":{\"response\":{\"status\":201}},"
                    "\"annotations\":{\"items\":3}}",
                    NULL));
    cr_assert(match("{\"aws\":{\"resource_names\":[\"orders\"]}}", NULL));
    cr_assert_not(match("{\"name\":\"api\",\"annotations\":{\"tenant\":\"t2\"}}", NULL));
    cr_assert_not(match("{\"name\":\"api\",\"nonexistent\":{}}", NULL));
}

Test(assertion, operators_compare_glob_and_existence)
{
    cr_assert(match("{\"name\":{\"$glob\":\"orders:*\"},\"namespace\":\"remote\"}", NULL));
    cr_assert(match("{\"name\":\"api\",\"http\":{\"response\":{\"status\":{\"$gte\":200,"
                    "\"$lt\":300}}}}",
                    NULL));
    cr_assert(match("{\"name\":\"orders\",\"http\":{\"$exists\":false}}", NULL));
    cr_assert(match("{\"http\":{\"request\":{\"url\":{\"$contains\":\"8080\"}}}}", NULL));
    struct assertion_miss miss = {0};
    cr_assert_not(
        match("{\"name\":\"api\",\"http\":{\"response\":{\"status\":{\"$lt\":200}}}}", &miss));
    cr_assert_str_eq(miss.text, "at \"api\": http.response.status expected lt 200, found 201");
}

Test(assertion, miss_names_the_nearest_node_and_its_first_difference)
{
    struct assertion_miss miss = {0};
    cr_assert_not(match("{\"name\":\"orders\",\"subsegments\":[{\"name\":\"DynamoDB\","
                        "\"aws\":{\"operation\":\"DeleteItem\"}}]}",
                        &miss));
    cr_assert_str_eq(miss.text,
                     "at \"api > orders:8080 > orders\": no subsegment matches subsegments[0] "
                     "{\"name\":\"DynamoDB\",\"aws\":{\"operation\":\"DeleteItem\"}}; closest at "
                     "\"api > orders:8080 > orders > DynamoDB\": aws.operation expected "
                     "\"DeleteItem\", found \"GetItem\"");
    cr_assert_gt(miss.distance, 0);
}

Test(assertion, miss_prefers_the_node_with_the_right_name)
{
    struct assertion_miss miss = {0};
    cr_assert_not(match("{\"name\":\"SNS\",\"aws\":{\"operation\":\"Subscribe\"}}", &miss));
    cr_assert_str_eq(miss.text, "at \"api > orders:8080 > orders > SNS\": aws.operation expected "
                                "\"Subscribe\", found \"Publish\"");
}

Test(assertion, miss_when_no_candidate_exists)
{
    struct assertion_miss miss = {0};
    cr_assert_not(match("{\"name\":\"SNS\",\"subsegments\":[{\"name\":\"x\"}]}", &miss));
    cr_assert(strstr(miss.text, "(it has none)"), "%s", miss.text);
}

Test(assertion, empty_trace_never_matches)
{
    json_t *segs = json_array();
    json_t *spec = json_pack("{s:s}", "name", "x");
    struct assertion_tree *t = assertion_tree_new(segs);
    struct assertion_miss miss = {0};
    cr_assert_not(assertion_tree_match(spec, t, &miss));
    cr_assert_str_eq(miss.text, "the trace has no segments");
    assertion_tree_free(t);
    json_decref(spec);
    json_decref(segs);
}

Test(assertion, parent_id_cycle_does_not_loop)
{
    json_t *segs = json_loads("[{\"id\":\"0000000000000001\",\"parent_id\":\"0000000000000002\","
                              "\"name\":\"a\"},{\"id\":\"0000000000000002\",\"parent_id\":"
                              "\"0000000000000001\",\"name\":\"b\"}]",
                              0, NULL);
    struct assertion_tree *t = assertion_tree_new(segs);
    cr_assert_eq(assertion_tree_size(t), 2);
    json_t *spec = json_pack("{s:s}", "name", "b");
    cr_assert(assertion_tree_match(spec, t, NULL));
    json_decref(spec);
    assertion_tree_free(t);
    json_decref(segs);
}

/* ---- spec validation ---- */

struct bad_spec {
    const char *spec;
    const char *code;
    const char *msg;
    int pos;
};

static void check_bad(const struct bad_spec *c)
{
    json_t *spec = json_loads(c->spec, 0, NULL);
    cr_assert_not_null(spec, "%s", c->spec);
    struct assertion_spec *s = NULL;
    struct errbuf err = {{0}, -1};
    const char *code = NULL;
    cr_assert_eq(assertion_spec_parse(spec, &s, &code, &err), ERR_INVALID, "%s", c->spec);
    cr_assert_null(s);
    cr_assert_str_eq(code, c->code, "%s", c->spec);
    cr_assert_str_eq(err.msg, c->msg, "%s", c->spec);
    cr_assert_eq(err.pos, c->pos, "%s: pos %d", c->spec, err.pos);
    json_decref(spec);
}

Test(assertion, malformed_specs_name_the_member)
{
    static const struct bad_spec cases[] = {
        {"[]", "InvalidSpec", "the assertion spec must be a JSON object", -1},
        {"{\"filtr\":\"x\"}", "InvalidSpec", "unknown member \"filtr\" in the spec", -1},
        {"{\"count\":1,\"min\":0}", "InvalidSpec", "count cannot be combined with min or max", -1},
        {"{\"min\":3,\"max\":2}", "InvalidSpec", "max (2) is less than min (3)", -1},
        {"{\"min\":-1}", "InvalidSpec", "min must be a non-negative integer", -1},
        {"{\"within_ms\":700000}", "InvalidSpec", "within_ms must be at most 600000", -1},
        {"{\"since\":\"yesterday\"}", "InvalidSpec",
         "since must be epoch seconds or a duration back from now (\"15m\")", -1},
        {"{\"tree\":{\"subsegments\":{}}}", "InvalidSpec", "tree.subsegments must be an array", -1},
        {"{\"tree\":{\"subsegments\":[{\"any\":true}]}}", "InvalidSpec",
         "tree.subsegments[0].any is only allowed on the top node", -1},
        {"{\"tree\":{\"http\":{\"status\":{\"$like\":1}}}}", "InvalidSpec",
         "tree.http.status: unknown operator \"$like\" (use $glob, $contains, $exists, $gt, "
         "$gte, $lt or $lte)",
         -1},
        {"{\"tree\":{\"kind\":\"span\"}}", "InvalidSpec",
         "tree.kind must be \"segment\" or \"subsegment\"", -1},
        {"{\"logs\":{\"pattern\":\"x\"}}", "InvalidSpec",
         "logs[0].group must be a non-empty string", -1},
        {"{\"logs\":[{\"group\":\"g\",\"correlated\":1}]}", "InvalidSpec",
         "logs[0].correlated must be true or false", -1},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        check_bad(&cases[i]);
    }
}

Test(assertion, bad_logs_pattern_reports_its_position)
{
    json_t *spec = json_pack("{s:{s:s, s:s}}", "logs", "group", "g", "pattern", "{ $.x = ");
    struct assertion_spec *s = NULL;
    struct errbuf err = {{0}, -1};
    const char *code = NULL;
    cr_assert_eq(assertion_spec_parse(spec, &s, &code, &err), ERR_INVALID);
    cr_assert_str_eq(code, "InvalidFilterPattern");
    cr_assert_geq(err.pos, 0, "%s", err.msg);
    cr_assert(strncmp(err.msg, "logs[0].pattern: ", 17) == 0, "%s", err.msg);
    json_decref(spec);
}

Test(assertion, defaults_ask_for_at_least_one_trace)
{
    json_t *spec = json_loads("{\"filter\":\"ok\",\"tree\":{\"name\":\"a\",\"any\":true},"
                              "\"logs\":{\"group\":\"g\",\"max\":0}}",
                              0, NULL);
    struct assertion_spec *s = NULL;
    struct errbuf err = {{0}, -1};
    const char *code = NULL;
    cr_assert_eq(assertion_spec_parse(spec, &s, &code, &err), 0, "%s", err.msg);
    cr_assert_eq(s->min, 1);
    cr_assert_eq(s->max, -1);
    cr_assert(s->any);
    cr_assert_eq(s->nlogs, 1);
    cr_assert_eq(s->logs[0].min, 0);
    cr_assert_eq(s->logs[0].max, 0);
    cr_assert_str_eq(s->logs[0].pattern, "");
    assertion_spec_free(s);
    json_decref(spec);
}

Test(assertion, range_words)
{
    char out[64];
    assertion_range_text(1, -1, out, sizeof(out));
    cr_assert_str_eq(out, "at least 1");
    assertion_range_text(0, 0, out, sizeof(out));
    cr_assert_str_eq(out, "no");
    assertion_range_text(3, 3, out, sizeof(out));
    cr_assert_str_eq(out, "exactly 3");
    assertion_range_text(0, 4, out, sizeof(out));
    cr_assert_str_eq(out, "at most 4");
    assertion_range_text(2, 5, out, sizeof(out));
    cr_assert_str_eq(out, "between 2 and 5");
    cr_assert(assertion_range_holds(2, 5, 5));
    cr_assert_not(assertion_range_holds(2, 5, 6));
    cr_assert(assertion_range_holds(1, -1, 1000));
}

/* ---- normalize ---- */

/* The same trace twice, as two runs would produce it: other ids, another start time (shifted
 * like a fixture loaded at another moment) and the segments in another order. */
static json_t *run_trace(const char *tid, const char *a, const char *b, double t0, bool swap)
{
    json_t *seg_a = json_pack("{s:s, s:s, s:s, s:f, s:f, s:[{s:s, s:s, s:f, s:f}]}", "trace_id",
                              tid, "id", a, "name", "api", "start_time", t0, "end_time", t0 + 0.25,
                              "subsegments", "id", "c000000000000001", "name", "call", "start_time",
                              t0 + 0.01, "end_time", t0 + 0.2);
    char header[128];
    snprintf(header, sizeof(header), "Root=%s;Parent=%s;Sampled=1", tid, a);
    json_t *seg_b = json_pack("{s:s, s:s, s:s, s:s, s:f, s:f, s:{s:s}}", "trace_id", tid, "id", b,
                              "parent_id", "c000000000000001", "name", "backend", "start_time",
                              t0 + 0.02, "end_time", t0 + 0.19, "metadata", "header", header);
    json_t *trace = json_pack("{s:s, s:f, s:f, s:f, s:{s:s, s:i}}", "trace_id", tid, "start_time",
                              t0, "end_time", t0 + 0.25, "duration", 0.25, "summary", "Id", tid,
                              "Revision", swap ? 7 : 2);
    json_object_set_new(trace, "segments",
                        swap ? json_pack("[o, o]", seg_b, seg_a)
                             : json_pack("[o, o]", seg_a, seg_b));
    return trace;
}

Test(assertion, normalize_gives_identical_json_for_two_runs)
{
    json_t *r1 = run_trace("1-6a000000-aaaaaaaaaaaaaaaaaaaaaaaa", "1111111111111111",
                           "2222222222222222", 1780000000.123456, false);
    json_t *r2 = run_trace("1-6b000000-bbbbbbbbbbbbbbbbbbbbbbbb", "3333333333333333",
                           "4444444444444444", 1790000321.5, true);
    normalize_trace(r1, NORMALIZE_TIMES);
    normalize_trace(r2, NORMALIZE_TIMES);
    char *s1 = json_dumps(r1, JSON_COMPACT | JSON_REAL_PRECISION(17));
    char *s2 = json_dumps(r2, JSON_COMPACT | JSON_REAL_PRECISION(17));
    cr_assert_str_eq(s1, s2);
    cr_assert(strstr(s1, "\"trace_id\":\"1-00000000-000000000000000000000001\""), "%s", s1);
    cr_assert(strstr(s1, "Root=1-00000000-000000000000000000000001;Parent=0000000000000001"), "%s",
              s1);
    cr_assert(strstr(s1, "\"start_time\":0.0"), "%s", s1);
    cr_assert(strstr(s1, "\"Revision\":0"), "%s", s1);
    free(s1);
    free(s2);
    json_decref(r1);
    json_decref(r2);
}

Test(assertion, normalize_structure_drops_timings)
{
    json_t *r = run_trace("1-6a000000-aaaaaaaaaaaaaaaaaaaaaaaa", "1111111111111111",
                          "2222222222222222", 1780000000.5, false);
    normalize_trace(r, NORMALIZE_STRUCTURE);
    cr_assert_eq(json_real_value(json_object_get(r, "end_time")), 0.0);
    cr_assert_eq(json_real_value(json_object_get(r, "duration")), 0.0);
    json_decref(r);
}
