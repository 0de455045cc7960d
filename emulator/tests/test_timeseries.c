#include <criterion/criterion.h>
#include <jansson.h>
#include <string.h>

#include "fexpr.h"
#include "period_stats.h"

TestSuite(timeseries);

/* A derived view (trace.h shape) with a client -> front -> DynamoDB chain: one front segment and
 * one DynamoDB call starting at t, with the given flags. */
static json_t *view(double t, bool fault, double rt)
{
    json_t *v = json_pack("{s:[{s:s, s:s, s:b, s:[{s:f, s:f, s:f}]},"
                          "    {s:s, s:s, s:b, s:[{s:f, s:f, s:f, s:b}]},"
                          "    {s:s, s:s, s:b, s:[{s:f, s:f, s:f}]}],"
                          " s:[{s:{s:s, s:s}, s:{s:s, s:s}, s:[{s:f, s:f, s:f, s:b}]},"
                          "    {s:{s:s, s:s}, s:{s:s, s:s}, s:[{s:f, s:f, s:f, s:b}]}]}",
                          "nodes", "name", "front", "type", "client", "client", 1, "segments",
                          "start_time", t, "end_time", t + rt, "response_time", rt, /* client */
                          "name", "front", "type", "", "client", 0, "segments", "start_time", t,
                          "end_time", t + rt, "response_time", rt, "fault", fault, /* front */
                          "name", "DynamoDB", "type", "AWS::DynamoDB::Table", "client", 0,
                          "segments", "start_time", t + 0.01, "end_time", t + 0.02, "response_time",
                          0.01, /* DynamoDB */
                          "edges", "source", "name", "front", "type", "client", "destination",
                          "name", "front", "type", "", "calls", "start_time", t, "end_time", t + rt,
                          "response_time", rt, "fault", fault, /* client -> front */
                          "source", "name", "front", "type", "", "destination", "name", "DynamoDB",
                          "type", "AWS::DynamoDB::Table", "calls", "start_time", t + 0.01,
                          "end_time", t + 0.02, "response_time", 0.01, "fault", 0);
    cr_assert(v);
    return v;
}

static struct fexpr *compile(const char *src)
{
    struct fexpr *e = NULL;
    struct errbuf err = {{0}, -1};
    cr_assert_eq(fexpr_compile(src, NULL, NULL, &e, &err), 0, "%s", err.msg);
    return e;
}

static json_t *run(double start, double end, int64_t period, const char *selector, bool forecast)
{
    struct fexpr *sel = selector ? compile(selector) : NULL;
    struct period_stats *ts = period_stats_new(start, end, period, forecast);
    static const double times[] = {1000, 1010, 1070, 1130, 5000};
    for (size_t i = 0; i < sizeof(times) / sizeof(times[0]); i++) {
        json_t *v = view(times[i], i == 2, 0.1 * (double)(i + 1));
        period_stats_add_trace(ts, v, sel);
        json_decref(v);
    }
    json_t *out = period_stats_result(ts);
    period_stats_free(ts);
    fexpr_free(sel);
    return out;
}

static json_int_t count_at(const json_t *out, size_t i, const char *kind, const char *member)
{
    return json_integer_value(
        json_object_get(json_object_get(json_array_get(out, i), kind), member));
}

Test(timeseries, without_selector_counts_client_edges_per_aligned_period)
{
    json_t *out = run(960, 1200, 60, NULL, false);
    /* 1000 and 1010 share [960, 1020); 1070 is in [1020, 1080); 1130 in [1080, 1140); 5000 is
     * outside the window. */
    cr_assert_eq(json_array_size(out), 3);
    static const double stamps[] = {960, 1020, 1080};
    static const json_int_t totals[] = {2, 1, 1};
    for (size_t i = 0; i < 3; i++) {
        const json_t *b = json_array_get(out, i);
        cr_expect_float_eq(json_number_value(json_object_get(b, "Timestamp")), stamps[i], 1e-9);
        cr_expect_eq(count_at(out, i, "EdgeSummaryStatistics", "TotalCount"), totals[i]);
        cr_expect_null(json_object_get(b, "ServiceSummaryStatistics"));
    }
    const json_t *faults = json_object_get(
        json_object_get(json_array_get(out, 1), "EdgeSummaryStatistics"), "FaultStatistics");
    cr_expect_eq(json_integer_value(json_object_get(faults, "TotalCount")), 1);
    cr_expect_eq(count_at(out, 1, "EdgeSummaryStatistics", "OkCount"), 0);
    json_decref(out);
}

Test(timeseries, service_selector_counts_the_nodes_own_segments)
{
    json_t *out = run(0, 2000, 600, "service(\"front\")", false);
    cr_assert_eq(json_array_size(out), 1);
    const json_t *b = json_array_get(out, 0);
    cr_expect_float_eq(json_number_value(json_object_get(b, "Timestamp")), 600, 1e-9);
    cr_expect_eq(count_at(out, 0, "ServiceSummaryStatistics", "TotalCount"), 4);
    cr_expect_eq(count_at(out, 0, "ServiceSummaryStatistics", "OkCount"), 3);
    cr_expect_null(json_object_get(b, "EdgeSummaryStatistics"));
    cr_expect_null(json_object_get(b, "ServiceForecastStatistics"));
    double total_rt = json_number_value(
        json_object_get(json_object_get(b, "ServiceSummaryStatistics"), "TotalResponseTime"));
    cr_expect_float_eq(total_rt, 0.1 + 0.2 + 0.3 + 0.4, 1e-9);
    /* Four distinct response times: four histogram entries of one each. */
    const json_t *hist = json_object_get(b, "ResponseTimeHistogram");
    cr_expect_eq(json_array_size(hist), 4);
    json_decref(out);
}

Test(timeseries, id_and_edge_selectors_pick_by_identity)
{
    json_t *out = run(0, 2000, 600, "service(id(type: \"AWS::DynamoDB::Table\"))", true);
    cr_assert_eq(json_array_size(out), 1);
    cr_expect_eq(count_at(out, 0, "ServiceSummaryStatistics", "TotalCount"), 4);
    cr_expect_not_null(json_object_get(json_array_get(out, 0), "ServiceForecastStatistics"));
    json_decref(out);
    out = run(0, 2000, 60, "edge(\"front\", \"DynamoDB\")", false);
    cr_assert_eq(json_array_size(out), 3);
    cr_expect_eq(count_at(out, 0, "EdgeSummaryStatistics", "TotalCount"), 2);
    cr_expect_null(json_object_get(json_array_get(out, 0), "ServiceSummaryStatistics"));
    json_decref(out);
    out = run(0, 2000, 60, "service(\"nobody\")", false);
    cr_expect_eq(json_array_size(out), 0);
    json_decref(out);
}

Test(timeseries, sparse_buckets_over_a_huge_window_stay_ordered)
{
    json_t *out = run(0, 1e9, 60, NULL, false);
    cr_assert_eq(json_array_size(out), 4);
    double prev = -1;
    for (size_t i = 0; i < 4; i++) {
        double t = json_number_value(json_object_get(json_array_get(out, i), "Timestamp"));
        cr_expect_gt(t, prev);
        prev = t;
    }
    cr_expect_float_eq(prev, 4980, 1e-9);
    json_decref(out);
}

Test(timeseries, forecast_band_brackets_the_fault_counts)
{
    json_t *out = run(960, 1200, 60, "service(\"front\")", true);
    cr_assert_eq(json_array_size(out), 3);
    for (size_t i = 0; i < 3; i++) {
        const json_t *f = json_object_get(json_array_get(out, i), "ServiceForecastStatistics");
        json_int_t hi = json_integer_value(json_object_get(f, "FaultCountHigh"));
        json_int_t lo = json_integer_value(json_object_get(f, "FaultCountLow"));
        cr_expect_geq(hi, 1);
        cr_expect_eq(lo, 0);
    }
    json_decref(out);
}
