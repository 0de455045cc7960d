/*
 * xray_api.c - the X-Ray operations (restJson1, reference/xray-api.md): validate the request
 * against the model's rules, call the store, encode the model's response shape. HTTP threads.
 * Every error goes through aws_err_restjson().
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "aws.h"
#include "graph.h"
#include "routes.h"
#include "segment.h"
#include "trace.h"
#include "trace_facts.h"
#include "xray_api_int.h"
#include "xray_config_db.h"
#include "xray_db.h"
#include "xray_ingest.h"
#include "xray_query.h"

#define CT_JSON XRAY_API_CT
#define SUMMARIES_PAGE 100
#define BATCH_GET_MAX_IDS 5

void xray_api_invalid(struct http_reply *rep, const char *msg)
{
    aws_err_restjson(rep, 400, "InvalidRequestException", "%s", msg);
}

json_t *xray_api_parse_request(struct http_request *req, struct http_reply *rep,
                               const struct aws_member *members, size_t n)
{
    struct errbuf err = {{0}, -1};
    json_t *body = aws_parse_body(req, &err);
    char *msg = body ? aws_check(body, members, n) : NULL;
    if (msg) {
        xray_api_invalid(rep, msg);
        free(msg);
        json_decref(body);
        return NULL;
    }
    if (!body) {
        xray_api_invalid(rep, err.msg);
    }
    return body;
}

struct store *xray_api_reader(struct http_reply *rep)
{
    struct store *ro = store_thread_ro();
    if (!ro) {
        aws_err_restjson(rep, 500, "InternalFailure", "the database is not available");
    }
    return ro;
}

/* ---- PutTraceSegments ---- */

struct put_segments {
    struct segment *segs;
    const char **texts; /* each document as received (borrowed from the request body) */
    size_t *lens;
    size_t n;
    double received_at;
};

static int store_segments(struct writer_txn *txn, void *arg)
{
    struct put_segments *p = arg;
    for (size_t i = 0; i < p->n; i++) {
        int rc = xray_ingest_put_segment(txn, &p->segs[i], p->texts[i], p->lens[i], p->received_at);
        if (rc < 0) {
            return rc;
        }
    }
    return 0;
}

/* AWS-style error codes for UnprocessedTraceSegments. */
static const char *unprocessed_code(enum segment_reject r)
{
    switch (r) {
    case SEGMENT_REJECT_BAD_TRACE_ID:
        return "InvalidTraceId";
    case SEGMENT_REJECT_BAD_ID:
        return "InvalidSegmentId";
    case SEGMENT_REJECT_MISSING_FIELD:
        return "MissingRequiredField";
    case SEGMENT_REJECT_TOO_LARGE:
        return "SegmentTooLarge";
    case SEGMENT_REJECT_NOT_JSON:
    case SEGMENT_REJECT_NOT_OBJECT:
        return "InvalidJson";
    default:
        return "InvalidSegment";
    }
}

static json_t *unprocessed_entry(const char *doc, enum segment_reject r, const char *detail)
{
    /* Report the document's id when it can be read, as AWS does. */
    json_t *parsed = json_loads(doc, 0, NULL);
    const char *id = json_string_value(json_object_get(parsed, "id"));
    json_t *e = json_object();
    json_object_set_new(e, "Id", json_string(id ? id : ""));
    json_object_set_new(e, "ErrorCode", json_string(unprocessed_code(r)));
    char *msg = xasprintf("Invalid segment. ErrorCode: %s. %s", unprocessed_code(r), detail);
    json_object_set_new(e, "Message", json_string(msg));
    free(msg);
    json_decref(parsed);
    return e;
}

void xray_put_trace_segments(struct http_request *req, struct http_reply *rep)
{
    static const struct aws_member members[] = {
        {"TraceSegmentDocuments", AWS_LIST, true, -1, -1, NULL, NULL},
    };
    json_t *body = xray_api_parse_request(req, rep, members, ARRAY_LEN(members));
    if (!body) {
        return;
    }
    json_t *docs = json_object_get(body, "TraceSegmentDocuments");
    json_t *unprocessed = json_array();
    size_t cap = json_array_size(docs) + 1;
    struct put_segments p = {.segs = xcalloc(cap, sizeof(struct segment)),
                             .texts = xcalloc(cap, sizeof(char *)),
                             .lens = xcalloc(cap, sizeof(size_t)),
                             .received_at = now_epoch()};
    size_t i;
    json_t *d;
    json_array_foreach(docs, i, d)
    {
        if (!json_is_string(d)) {
            xray_api_invalid(rep, "TraceSegmentDocuments must be a list of strings");
            goto out;
        }
        struct errbuf err = {{0}, -1};
        enum segment_reject r =
            segment_parse(json_string_value(d), json_string_length(d), &p.segs[p.n], &err);
        if (r == SEGMENT_OK) {
            p.texts[p.n] = json_string_value(d);
            p.lens[p.n] = json_string_length(d);
            p.n++;
        } else {
            json_array_append_new(unprocessed, unprocessed_entry(json_string_value(d), r, err.msg));
        }
    }
    /* The json_t in p (segment documents) go to the writer thread and back inside writer_call: the
     * queue mutex orders the hand-over, the writer mutex (command done) the hand-back (writer.h).
     */
    if (p.n && writer_call(req->app->writer, store_segments, &p) < 0) {
        aws_err_restjson(rep, 500, "InternalFailure", "segments could not be stored");
        goto out;
    }
    METRIC_ADD(api_segments_stored, p.n);
    METRIC_ADD(api_segments_rejected, json_array_size(unprocessed));
    aws_reply(rep, CT_JSON, json_pack("{s:O}", "UnprocessedTraceSegments", unprocessed));
out:
    for (size_t k = 0; k < p.n; k++) {
        segment_fini(&p.segs[k]);
    }
    free(p.segs);
    free(p.texts);
    free(p.lens);
    json_decref(unprocessed);
    json_decref(body);
}

/* ---- BatchGetTraces ---- */

/* Checks a TraceIds list (1-5 strings of 1-35 chars); replies and returns false when bad. */
static bool check_trace_ids(struct http_reply *rep, const json_t *ids, size_t max)
{
    size_t n = json_array_size(ids);
    if (n == 0 || (max && n > max)) {
        aws_err_restjson(rep, 400, "InvalidRequestException",
                         "TraceIds must contain between 1 and %zu trace ids, got %zu", max, n);
        return false;
    }
    size_t i;
    json_t *id;
    json_array_foreach((json_t *)ids, i, id)
    {
        size_t len = json_string_length(id);
        if (!json_is_string(id) || len < 1 || len > 35) {
            aws_err_restjson(rep, 400, "InvalidRequestException",
                             "1 validation error detected: Value at 'traceIds' failed to satisfy "
                             "constraint: Member must have length between 1 and 35");
            return false;
        }
    }
    return true;
}

json_t *xray_api_assembled_trace(struct store *ro, const char *trace_id)
{
    json_t *docs = xray_db_trace_docs(ro, trace_id);
    size_t n = json_array_size(docs);
    json_t **items = xmalloc((n + 1) * sizeof(*items));
    for (size_t k = 0; k < n; k++) {
        items[k] = json_array_get(docs, k);
    }
    json_t *t = n ? trace_assemble(items, n) : NULL;
    free(items);
    json_decref(docs);
    return t;
}

void xray_batch_get_traces(struct http_request *req, struct http_reply *rep)
{
    static const struct aws_member members[] = {
        {"TraceIds", AWS_LIST, true, -1, -1, NULL, NULL},
        {"NextToken", AWS_STRING, false, -1, -1, NULL, NULL},
    };
    json_t *body = xray_api_parse_request(req, rep, members, ARRAY_LEN(members));
    struct store *ro = body ? xray_api_reader(rep) : NULL;
    json_t *ids = json_object_get(body, "TraceIds");
    if (!ro || !check_trace_ids(rep, ids, BATCH_GET_MAX_IDS)) {
        json_decref(body);
        return;
    }
    json_t *traces = json_array(), *missing = json_array();
    size_t i;
    json_t *id;
    json_array_foreach(ids, i, id)
    {
        json_t *t = xray_api_assembled_trace(ro, json_string_value(id));
        if (t) {
            json_array_append_new(traces, t);
        } else {
            json_array_append(missing, id);
        }
    }
    aws_reply(rep, CT_JSON,
              json_pack("{s:o, s:o}", "Traces", traces, "UnprocessedTraceIds", missing));
    json_decref(body);
}

/* ---- GetTraceSummaries ---- */

bool xray_api_time_window(struct http_reply *rep, const json_t *body, double *start, double *end)
{
    int a = aws_get_time(body, "StartTime", start);
    int b = aws_get_time(body, "EndTime", end);
    if (a == ERR_NOTFOUND || b == ERR_NOTFOUND) {
        xray_api_invalid(rep, a == ERR_NOTFOUND
                                  ? "1 validation error detected: Value null at 'startTime' "
                                    "failed to satisfy constraint: Member must not be null"
                                  : "1 validation error detected: Value null at 'endTime' "
                                    "failed to satisfy constraint: Member must not be null");
        return false;
    }
    if (a < 0 || b < 0) {
        xray_api_invalid(rep, "StartTime and EndTime must be timestamps (epoch seconds)");
        return false;
    }
    if (*start >= *end) {
        xray_api_invalid(rep, "StartTime must be before EndTime");
        return false;
    }
    return true;
}

bool xray_api_compile_filter(struct http_reply *rep, struct store *ro, const char *expr,
                             struct fexpr **out)
{
    struct errbuf err = {{0}, -1};
    *out = NULL;
    if (!expr) {
        return true;
    }
    if (xray_query_compile(ro, expr, out, &err) < 0) {
        aws_err_restjson(rep, 400, "InvalidRequestException", "Invalid filter expression: %s",
                         err.msg);
        return false;
    }
    return true;
}

bool xray_api_is_default_group(const char *name, const char *arn)
{
    static const char suffix[] = ":group/Default";
    size_t n = arn ? strlen(arn) : 0;
    return (name && strcmp(name, "Default") == 0) ||
           (!name && n > sizeof(suffix) - 1 && strncmp(arn, "arn:", 4) == 0 &&
            strcmp(arn + n - (sizeof(suffix) - 1), suffix) == 0);
}

bool xray_api_group_filter(struct http_reply *rep, struct store *ro, const json_t *body,
                           char **expr)
{
    const char *name = json_string_value(json_object_get(body, "GroupName"));
    const char *arn = json_string_value(json_object_get(body, "GroupARN"));
    *expr = NULL;
    if (!name && !arn) {
        return true;
    }
    struct xray_config_group g = {0};
    bool found = xray_config_db_group_find(ro, name, arn, &g) == 0;
    *expr = g.filter;
    g.filter = NULL;
    xray_config_group_fini(&g);
    /* The Default group exists in every account and selects everything. */
    if (!found && !xray_api_is_default_group(name, arn)) {
        xray_api_invalid(rep, "Group not found");
        return false;
    }
    return true;
}

void xray_get_trace_summaries(struct http_request *req, struct http_reply *rep)
{
    static const char *const range_types[] = {"TraceId", "Event", NULL};
    static const struct aws_member members[] = {
        {"StartTime", AWS_TIMESTAMP, true, -1, -1, NULL, NULL},
        {"EndTime", AWS_TIMESTAMP, true, -1, -1, NULL, NULL},
        {"TimeRangeType", AWS_STRING, false, -1, -1, NULL, range_types},
        {"Sampling", AWS_BOOLEAN, false, -1, -1, NULL, NULL},
        {"SamplingStrategy", AWS_STRUCT, false, -1, -1, NULL, NULL},
        {"FilterExpression", AWS_STRING, false, 1, 2000, NULL, NULL},
        {"NextToken", AWS_STRING, false, -1, -1, NULL, NULL},
    };
    json_t *body = xray_api_parse_request(req, rep, members, ARRAY_LEN(members));
    struct store *ro = body ? xray_api_reader(rep) : NULL;
    struct fexpr *filter = NULL;
    char *scope = NULL;
    struct xray_query q = {.limit = SUMMARIES_PAGE};
    const char *expr = json_string_value(json_object_get(body, "FilterExpression"));
    const char *token = json_string_value(json_object_get(body, "NextToken"));
    const char *range = json_string_value(json_object_get(body, "TimeRangeType"));
    if (!ro || !xray_api_time_window(rep, body, &q.start, &q.end) ||
        !xray_api_compile_filter(rep, ro, expr, &filter)) {
        goto out;
    }
    q.by_event = range && strcmp(range, "Event") == 0;
    q.filter = filter;
    scope = xasprintf("%.3f|%.3f|%d|%s", q.start, q.end, q.by_event, expr ? expr : "");
    if (token && aws_token_decode(token, scope, &q.offset) < 0) {
        xray_api_invalid(rep, "Invalid NextToken");
        goto out;
    }
    struct xray_query_page page;
    if (xray_query_run(ro, &q, &page) < 0) {
        aws_err_restjson(rep, 500, "InternalFailure", "the trace query failed");
        goto out;
    }
    json_t *summaries = json_array();
    size_t i;
    json_t *d;
    json_array_foreach(page.matches, i, d)
    {
        json_array_append(summaries, json_object_get(d, "summary"));
    }
    json_t *out = json_pack("{s:o, s:f, s:I}", "TraceSummaries", summaries, "ApproximateTime",
                            floor(now_epoch()), "TracesProcessedCount", (json_int_t)page.processed);
    if (page.next_offset >= 0) {
        char *next = aws_token_encode(page.next_offset, scope);
        json_object_set_new(out, "NextToken", json_string(next));
        free(next);
    }
    json_decref(page.matches);
    aws_reply(rep, CT_JSON, out);
out:
    free(scope);
    fexpr_free(filter);
    json_decref(body);
}

/* ---- GetServiceGraph / GetTraceGraph ---- */

static void add_to_graph(void *arg, const struct trace_view *f)
{
    graph_add_facts(arg, f);
}

void xray_get_service_graph(struct http_request *req, struct http_reply *rep)
{
    static const struct aws_member members[] = {
        {"StartTime", AWS_TIMESTAMP, true, -1, -1, NULL, NULL},
        {"EndTime", AWS_TIMESTAMP, true, -1, -1, NULL, NULL},
        {"GroupName", AWS_STRING, false, 1, 32, NULL, NULL},
        {"GroupARN", AWS_STRING, false, 1, 400, NULL, NULL},
        {"NextToken", AWS_STRING, false, -1, -1, NULL, NULL},
    };
    json_t *body = xray_api_parse_request(req, rep, members, ARRAY_LEN(members));
    struct store *ro = body ? xray_api_reader(rep) : NULL;
    struct graph *g = NULL;
    struct fexpr *filter = NULL;
    char *expr = NULL;
    double start = 0, end = 0;
    if (!ro || !xray_api_time_window(rep, body, &start, &end) ||
        !xray_api_group_filter(rep, ro, body, &expr) ||
        !xray_api_compile_filter(rep, ro, expr, &filter)) {
        goto out;
    }
    g = graph_new();
    if (xray_query_each(ro, start, end, filter, add_to_graph, g, NULL) < 0) {
        aws_err_restjson(rep, 500, "InternalFailure", "the service graph query failed");
        goto out;
    }
    aws_reply(rep, CT_JSON,
              json_pack("{s:f, s:f, s:o, s:b}", "StartTime", start, "EndTime", end, "Services",
                        graph_services(g), "ContainsOldGroupVersions", 0));
out:
    graph_free(g);
    fexpr_free(filter);
    free(expr);
    json_decref(body);
}

void xray_get_trace_graph(struct http_request *req, struct http_reply *rep)
{
    static const struct aws_member members[] = {
        {"TraceIds", AWS_LIST, true, -1, -1, NULL, NULL},
        {"NextToken", AWS_STRING, false, -1, -1, NULL, NULL},
    };
    json_t *body = xray_api_parse_request(req, rep, members, ARRAY_LEN(members));
    struct store *ro = body ? xray_api_reader(rep) : NULL;
    json_t *ids = json_object_get(body, "TraceIds");
    if (!ro || !check_trace_ids(rep, ids, 0)) {
        json_decref(body);
        return;
    }
    struct graph *g = graph_new();
    size_t i;
    json_t *id;
    json_array_foreach(ids, i, id)
    {
        struct trace_view v;
        void *blob = NULL;
        trace_facts_init(&v);
        if (xray_db_trace_view(ro, json_string_value(id), &v, &blob) == 0) {
            graph_add_facts(g, &v);
        }
        free(blob);
        trace_facts_fini(&v);
    }
    aws_reply(rep, CT_JSON, json_pack("{s:o}", "Services", graph_services(g)));
    graph_free(g);
    json_decref(body);
}

/* ---- Telemetry ---- */

void xray_put_telemetry_records(struct http_request *req, struct http_reply *rep)
{
    static const struct aws_member members[] = {
        {"TelemetryRecords", AWS_LIST, true, -1, -1, NULL, NULL},
        {"EC2InstanceId", AWS_STRING, false, 0, 20, NULL, NULL},
        {"Hostname", AWS_STRING, false, 0, 255, NULL, NULL},
        {"ResourceARN", AWS_STRING, false, 0, 500, NULL, NULL},
    };
    json_t *body = xray_api_parse_request(req, rep, members, ARRAY_LEN(members));
    if (body) {
        aws_reply(rep, CT_JSON, json_object());
    }
    json_decref(body);
}
