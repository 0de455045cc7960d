/*
 * xray_insights.c - GetInsight, GetInsightEvents, GetInsightImpactGraph and GetInsightSummaries
 * (reference/xray-api.md). Insights are X-Ray's anomaly detection, which fluoro does not run, so
 * there never is an insight: the requests are validated like AWS does and answered with the
 * model's empty shapes (GetInsight, which has nothing to return, says the insight does not exist).
 * HTTP threads.
 */
#include <math.h>
#include <string.h>

#include "routes.h"
#include "xray_api_int.h"

#define INSIGHT_ID_PATTERN                                                                         \
    "[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[1-5][0-9a-fA-F]{3}-[89abAB][0-9a-fA-F]{3}-[0-9a-fA-F]{12}"
#define INSIGHT_ID_MEMBER                                                                          \
    {                                                                                              \
        "InsightId", AWS_STRING, true, -1, -1, INSIGHT_ID_PATTERN, NULL                            \
    }
/* AWS documents: StartTime no older than 30 days; an impact-graph window of at most 6 hours. */
#define MAX_AGE_S (30 * 86400.0)
#define IMPACT_GRAPH_MAX_WINDOW_S (6 * 3600.0)

void xray_get_insight(struct http_request *req, struct http_reply *rep)
{
    static const struct aws_member members[] = {INSIGHT_ID_MEMBER};
    json_t *body = xray_api_parse_request(req, rep, members, ARRAY_LEN(members));
    if (body) {
        aws_err_restjson(rep, 400, "InvalidRequestException", "Insight %s does not exist",
                         json_string_value(json_object_get(body, "InsightId")));
    }
    json_decref(body);
}

void xray_get_insight_events(struct http_request *req, struct http_reply *rep)
{
    static const struct aws_member members[] = {
        INSIGHT_ID_MEMBER,
        {"MaxResults", AWS_INTEGER, false, 1, 50, NULL, NULL},
        {"NextToken", AWS_STRING, false, 1, 2000, NULL, NULL},
    };
    json_t *body = xray_api_parse_request(req, rep, members, ARRAY_LEN(members));
    if (body) {
        aws_reply(rep, XRAY_API_CT, json_pack("{s:[]}", "InsightEvents"));
    }
    json_decref(body);
}

/* StartTime/EndTime in order and StartTime within the last 30 days; replies when not. */
static bool recent_window(struct http_reply *rep, const json_t *body, double *start, double *end)
{
    if (!xray_api_time_window(rep, body, start, end)) {
        return false;
    }
    if (*start < now_epoch() - MAX_AGE_S) {
        xray_api_invalid(rep, "StartTime must be within the last 30 days");
        return false;
    }
    return true;
}

void xray_get_insight_impact_graph(struct http_request *req, struct http_reply *rep)
{
    static const struct aws_member members[] = {
        INSIGHT_ID_MEMBER,
        {"StartTime", AWS_TIMESTAMP, true, -1, -1, NULL, NULL},
        {"EndTime", AWS_TIMESTAMP, true, -1, -1, NULL, NULL},
        {"NextToken", AWS_STRING, false, 1, 2000, NULL, NULL},
    };
    json_t *body = xray_api_parse_request(req, rep, members, ARRAY_LEN(members));
    double start = 0, end = 0;
    if (!body || !recent_window(rep, body, &start, &end)) {
        goto out;
    }
    if (end - start > IMPACT_GRAPH_MAX_WINDOW_S) {
        xray_api_invalid(rep, "The time window between StartTime and EndTime must not exceed 6 "
                              "hours");
        goto out;
    }
    aws_reply(rep, XRAY_API_CT,
              json_pack("{s:O, s:f, s:f, s:f, s:f, s:[]}", "InsightId",
                        json_object_get(body, "InsightId"), "StartTime", start, "EndTime", end,
                        "ServiceGraphStartTime", start, "ServiceGraphEndTime", end, "Services"));
out:
    json_decref(body);
}

void xray_get_insight_summaries(struct http_request *req, struct http_reply *rep)
{
    static const char *const states[] = {"ACTIVE", "CLOSED", NULL};
    static const struct aws_member members[] = {
        {"States", AWS_LIST, false, 0, 1, NULL, NULL},
        {"GroupARN", AWS_STRING, false, 1, 400, NULL, NULL},
        {"GroupName", AWS_STRING, false, 1, 32, NULL, NULL},
        {"StartTime", AWS_TIMESTAMP, true, -1, -1, NULL, NULL},
        {"EndTime", AWS_TIMESTAMP, true, -1, -1, NULL, NULL},
        {"MaxResults", AWS_INTEGER, false, 1, 100, NULL, NULL},
        {"NextToken", AWS_STRING, false, 1, 2000, NULL, NULL},
    };
    static const struct aws_member state_member = {"States", AWS_STRING, false, -1,
                                                   -1,       NULL,       states};
    json_t *body = xray_api_parse_request(req, rep, members, ARRAY_LEN(members));
    struct store *ro = body ? xray_api_reader(rep) : NULL;
    double start = 0, end = 0;
    char *expr = NULL;
    size_t i;
    json_t *s;
    if (!ro || !recent_window(rep, body, &start, &end)) {
        goto out;
    }
    json_array_foreach(json_object_get(body, "States"), i, s)
    {
        struct errbuf err = {{0}, -1};
        json_t *one = json_pack("{s:O}", "States", s);
        int rc = aws_validate(one, &state_member, 1, &err);
        json_decref(one);
        if (rc < 0) {
            xray_api_invalid(rep, err.msg);
            goto out;
        }
    }
    if (!json_object_get(body, "GroupName") && !json_object_get(body, "GroupARN")) {
        xray_api_invalid(rep, "Either GroupName or GroupARN must be specified");
        goto out;
    }
    if (!xray_api_group_filter(rep, ro, body, &expr)) {
        goto out;
    }
    aws_reply(rep, XRAY_API_CT, json_pack("{s:[]}", "InsightSummaries"));
out:
    free(expr);
    json_decref(body);
}
