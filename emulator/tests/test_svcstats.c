/* svcstats: the service/edge statistics shared by the service graph and the time series. */
#include <criterion/criterion.h>

#include "svcstats.h"

TestSuite(svcstats);

static json_int_t member(const json_t *o, const char *a, const char *b)
{
    const json_t *v = json_object_get(o, a);
    return json_integer_value(b ? json_object_get(v, b) : v);
}

Test(svcstats, a_fault_counts_before_a_throttle_before_an_error)
{
    struct svcstats s = {0};
    svcstats_count(&s, 0.5, true, true, true);
    svcstats_count(&s, 0.25, false, true, true);
    svcstats_count(&s, 0.125, false, false, true);
    svcstats_count(&s, 1, false, false, false);
    svcstats_count(&s, 1, false, false, false);
    json_t *j = svcstats_json(&s);
    cr_assert_eq(member(j, "OkCount", NULL), 2);
    cr_assert_eq(member(j, "ErrorStatistics", "ThrottleCount"), 1);
    cr_assert_eq(member(j, "ErrorStatistics", "OtherCount"), 1);
    cr_assert_eq(member(j, "ErrorStatistics", "TotalCount"), 2);
    cr_assert_eq(member(j, "FaultStatistics", "OtherCount"), 1);
    cr_assert_eq(member(j, "FaultStatistics", "TotalCount"), 1);
    cr_assert_eq(member(j, "TotalCount", NULL), 5);
    cr_assert_float_eq(json_real_value(json_object_get(j, "TotalResponseTime")), 2.875, 1e-12);
    /* The member order X-Ray's responses have, which golden files compare. */
    char *text = json_dumps(j, JSON_COMPACT);
    cr_assert_str_eq(text,
                     "{\"OkCount\":2,\"ErrorStatistics\":{\"ThrottleCount\":1,\"OtherCount\":1,"
                     "\"TotalCount\":2},\"FaultStatistics\":{\"OtherCount\":1,\"TotalCount\":1},"
                     "\"TotalCount\":5,\"TotalResponseTime\":2.875}");
    free(text);
    json_decref(j);
}

Test(svcstats, the_histogram_buckets_to_the_millisecond_in_order_of_first_appearance)
{
    struct svcstats_hist h = {0};
    svcstats_hist_add(&h, 0.2504);
    svcstats_hist_add(&h, 0.1);
    svcstats_hist_add(&h, 0.2496);
    svcstats_hist_add(&h, 0.1004);
    svcstats_hist_add(&h, 3);
    json_t *j = svcstats_hist_json(&h);
    cr_assert_eq(json_array_size(j), 3);
    double want_v[] = {0.25, 0.1, 3};
    json_int_t want_c[] = {2, 2, 1};
    for (size_t i = 0; i < 3; i++) {
        json_t *e = json_array_get(j, i);
        cr_assert_float_eq(json_real_value(json_object_get(e, "Value")), want_v[i], 1e-12);
        cr_assert_eq(json_integer_value(json_object_get(e, "Count")), want_c[i]);
    }
    json_decref(j);
    svcstats_hist_fini(&h);
}

Test(svcstats, a_histogram_grows_past_its_first_index)
{
    struct svcstats_hist h = {0};
    for (int round = 0; round < 2; round++) {
        for (int ms = 0; ms < 1000; ms++) {
            svcstats_hist_add(&h, ms / 1000.0);
        }
    }
    json_t *j = svcstats_hist_json(&h);
    cr_assert_eq(json_array_size(j), 1000);
    for (size_t i = 0; i < 1000; i++) {
        cr_assert_eq(json_integer_value(json_object_get(json_array_get(j, i), "Count")), 2);
    }
    json_decref(j);
    svcstats_hist_fini(&h);
}

Test(svcstats, an_empty_histogram_is_an_empty_list)
{
    struct svcstats_hist h = {0};
    json_t *j = svcstats_hist_json(&h);
    cr_assert_eq(json_array_size(j), 0);
    json_decref(j);
    svcstats_hist_fini(&h);
}
