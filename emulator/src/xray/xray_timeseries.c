/*
 * xray_timeseries.c - GetTimeSeriesServiceStatistics (reference/xray-api.md): the traces active
 * in [StartTime, EndTime), narrowed by the group's filter expression, folded per Period by
 * period_stats.c for the entities EntitySelectorExpression picks (service(), edge() or id() only;
 * none = the edges into the entry points; a bare id(...) is read as service(id(...))). The traces
 * are folded from their packed facts with xray_query_each() like GetServiceGraph. HTTP threads.
 *
 * Period is not constrained by the model; X-Ray's console asks for 60 s or 300 s and AWS answers
 * other values with InvalidRequestException, so fluoro takes positive multiples of 60 (default 60).
 */
#include <stdlib.h>
#include <string.h>

#include "routes.h"
#include "period_stats.h"
#include "xray_api_int.h"
#include "xray_db.h"
#include "xray_query.h"

#define DEFAULT_PERIOD_S 60

struct scan {
    struct period_stats *ts;
    const struct fexpr *selector;
};

static void add_trace(void *arg, const struct trace_view *f)
{
    struct scan *s = arg;
    period_stats_add_facts(s->ts, f, s->selector);
}

void xray_get_time_series_service_statistics(struct http_request *req, struct http_reply *rep)
{
    static const struct aws_member members[] = {
        {"StartTime", AWS_TIMESTAMP, true, -1, -1, NULL, NULL},
        {"EndTime", AWS_TIMESTAMP, true, -1, -1, NULL, NULL},
        {"GroupName", AWS_STRING, false, 1, 32, NULL, NULL},
        {"GroupARN", AWS_STRING, false, 1, 400, NULL, NULL},
        {"EntitySelectorExpression", AWS_STRING, false, 1, 500, NULL, NULL},
        {"Period", AWS_INTEGER, false, -1, -1, NULL, NULL},
        {"ForecastStatistics", AWS_BOOLEAN, false, -1, -1, NULL, NULL},
        {"NextToken", AWS_STRING, false, -1, -1, NULL, NULL},
    };
    json_t *body = xray_api_parse_request(req, rep, members, ARRAY_LEN(members));
    struct store *ro = body ? xray_api_reader(rep) : NULL;
    struct scan s = {0};
    struct fexpr *group = NULL, *selector = NULL;
    char *expr = NULL, *wrapped = NULL;
    double start = 0, end = 0;
    const json_t *pv = json_object_get(body, "Period");
    int64_t period = json_is_number(pv) ? (int64_t)json_number_value(pv) : DEFAULT_PERIOD_S;
    const char *sel = json_string_value(json_object_get(body, "EntitySelectorExpression"));
    bool forecast = json_is_true(json_object_get(body, "ForecastStatistics"));
    if (sel && strncmp(sel + strspn(sel, " \t\r\n"), "id", 2) == 0) {
        /* A bare id(...) selects a node, exactly as service(id(...)) does; the filter language
         * only has id() inside service()/edge(). */
        wrapped = xasprintf("service(%s)", sel);
        sel = wrapped;
    }
    if (!ro || !xray_api_time_window(rep, body, &start, &end) ||
        !xray_api_group_filter(rep, ro, body, &expr) ||
        !xray_api_compile_filter(rep, ro, expr, &group) ||
        !xray_api_compile_filter(rep, ro, sel, &selector)) {
        goto out;
    }
    if (period <= 0 || period % 60 != 0) {
        xray_api_invalid(rep, "Period must be a positive multiple of 60 seconds");
        goto out;
    }
    if (selector && !fexpr_is_entity_selector(selector)) {
        xray_api_invalid(rep, "EntitySelectorExpression must be a single service(), edge() or "
                              "id() selector without a body");
        goto out;
    }
    if (forecast && !selector) {
        xray_api_invalid(rep, "ForecastStatistics requires an EntitySelectorExpression");
        goto out;
    }
    s.ts = period_stats_new(start, end, period, forecast);
    s.selector = selector;
    if (xray_query_each(ro, start, end, group, add_trace, &s, NULL) < 0) {
        aws_err_restjson(rep, 500, "InternalFailure", "the statistics query failed");
        goto out;
    }
    /* One page: the periods of the window are few enough to answer at once. */
    aws_reply(rep, XRAY_API_CT,
              json_pack("{s:o, s:b}", "TimeSeriesServiceStatistics", period_stats_result(s.ts),
                        "ContainsOldGroupVersions", 0));
out:
    period_stats_free(s.ts);
    fexpr_free(selector);
    fexpr_free(group);
    free(expr);
    free(wrapped);
    json_decref(body);
}
