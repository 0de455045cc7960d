/* fixture.h's time-shifting, shared by fixture loads (/api/v1/load?shift=1, the demo) and
 * `fluoro send --shift`. */
#include <criterion/criterion.h>

#include "fixture.h"

TestSuite(fixture);

static double time_of(const json_t *doc, const char *key)
{
    return json_number_value(json_object_get(doc, key));
}

Test(fixture, shifting_a_document_moves_every_nested_start_and_end)
{
    json_t *doc = json_loads("{\"start_time\": 100.5, \"end_time\": 101, \"name\": \"a\","
                             " \"subsegments\": [{\"start_time\": 100.6, \"subsegments\":"
                             " [{\"start_time\": 100.7, \"end_time\": 100.8}]}]}",
                             0, NULL);
    cr_assert_not_null(doc);
    fixture_shift_doc(doc, 1000.25);
    cr_assert_float_eq(time_of(doc, "start_time"), 1100.75, 1e-9);
    cr_assert_float_eq(time_of(doc, "end_time"), 1101.25, 1e-9);
    json_t *sub = json_array_get(json_object_get(doc, "subsegments"), 0);
    cr_assert_float_eq(time_of(sub, "start_time"), 1100.85, 1e-9);
    cr_assert_null(json_object_get(sub, "end_time"), "an in-progress subsegment stays open");
    json_t *inner = json_array_get(json_object_get(sub, "subsegments"), 0);
    cr_assert_float_eq(time_of(inner, "start_time"), 1100.95, 1e-9);
    cr_assert_float_eq(time_of(inner, "end_time"), 1101.05, 1e-9);
    cr_assert_str_eq(json_string_value(json_object_get(doc, "name")), "a");
    json_decref(doc);
}

Test(fixture, a_trace_id_keeps_its_random_part_and_moves_its_epoch)
{
    char out[36];
    cr_assert(fixture_shift_trace_id("1-5759e988-bd862e3fe1be46a994272793", 16, out));
    cr_assert_str_eq(out, "1-5759e998-bd862e3fe1be46a994272793");
    cr_assert(fixture_shift_trace_id("1-5759e988-bd862e3fe1be46a994272793", -0x5759e988L, out));
    cr_assert_str_eq(out, "1-00000000-bd862e3fe1be46a994272793");
}

Test(fixture, a_trace_id_of_another_shape_is_left_alone)
{
    char out[36] = "untouched";
    cr_assert_not(fixture_shift_trace_id(NULL, 1, out));
    cr_assert_not(fixture_shift_trace_id("1-5759e988", 1, out));
    cr_assert_not(fixture_shift_trace_id("2-5759e988-bd862e3fe1be46a994272793", 1, out));
    cr_assert_not(fixture_shift_trace_id("1-5759e98z-bd862e3fe1be46a994272793", 1, out));
    cr_assert_str_eq(out, "untouched");
}
