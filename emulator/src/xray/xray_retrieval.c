/*
 * xray_retrieval.c - the Transaction Search operations of the newer X-Ray models (botocore 1.35
 * and later; Debian's 1.26 model predates them): StartTraceRetrieval, ListRetrievedTraces,
 * GetRetrievedTracesGraph, CancelTraceRetrieval, GetTraceSegmentDestination,
 * UpdateTraceSegmentDestination, GetIndexingRules and UpdateIndexingRule.
 *
 * AWS retrieves from the aws/spans log group that Transaction Search writes; fluoro keeps every
 * trace in its own store, so a retrieval reads the stored traces directly and is COMPLETE as soon
 * as it is started. A retrieval is a settings row ("xray_retrieval:<token>" -> {TraceIds,
 * StartTime, EndTime, Status}), so every HTTP thread sees it and it survives a restart with --db.
 * The segment destination and the indexing rule are stored and reported; fluoro indexes every
 * trace whatever they say (an emulator that dropped traces to honour a sampling percentage would
 * hide data from the developer it serves).
 *
 * HTTP threads validate and read; the writer stores (writer_call).
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "graph.h"
#include "otlp_db.h"
#include "routes.h"
#include "trace_facts.h"
#include "xray_api_int.h"
#include "xray_db.h"

/* The model: at most 5 traces per ListRetrievedTraces page and 100 spans per trace. */
#define TRACES_PER_PAGE 5
#define SPANS_PER_TRACE 100
#define DEFAULT_INDEXING_RULE "Default"
/* Transaction Search indexes 1% of spans as trace summaries unless told otherwise. */
#define DEFAULT_SAMPLING_PERCENTAGE 1.0

/* ---- StartTraceRetrieval, CancelTraceRetrieval ---- */

static void retrieval_key(const char *token, char out[64])
{
    snprintf(out, 64, "xray_retrieval:%.40s", token);
}

void xray_start_trace_retrieval(struct http_request *req, struct http_reply *rep)
{
    static const struct aws_member members[] = {
        {"TraceIds", AWS_LIST, true, 0, 100, NULL, NULL},
        {"StartTime", AWS_TIMESTAMP, true, -1, -1, NULL, NULL},
        {"EndTime", AWS_TIMESTAMP, true, -1, -1, NULL, NULL},
    };
    json_t *body = xray_api_parse_request(req, rep, members, ARRAY_LEN(members));
    double start = 0, end = 0;
    char token[37], key[64];
    if (!body || !xray_api_time_window(rep, body, &start, &end)) {
        goto out;
    }
    json_t *ids = json_object_get(body, "TraceIds");
    size_t i;
    json_t *id;
    json_array_foreach(ids, i, id)
    {
        if (!json_is_string(id) || json_string_length(id) < 1 || json_string_length(id) > 35) {
            xray_api_invalid(rep, "1 validation error detected: Value at 'traceIds' failed to "
                                  "satisfy constraint: Member must have length between 1 and 35");
            goto out;
        }
    }
    aws_uuid(token);
    retrieval_key(token, key);
    json_t *doc = json_pack("{s:O, s:f, s:f, s:s, s:f}", "TraceIds", ids, "StartTime", start,
                            "EndTime", end, "Status", "COMPLETE", "CreatedAt", now_epoch());
    if (xray_api_setting_store(req, rep, key, doc, "retrieval")) {
        aws_reply(rep, XRAY_API_CT, json_pack("{s:s}", "RetrievalToken", token));
    }
out:
    json_decref(body);
}

/* The retrieval the body's RetrievalToken names (new reference), or NULL after replying. */
static json_t *find_retrieval(struct http_reply *rep, struct store *ro, const json_t *body)
{
    char key[64];
    retrieval_key(json_string_value(json_object_get(body, "RetrievalToken")), key);
    json_t *r = xray_api_setting_load(ro, key);
    if (!r) {
        aws_err_restjson(rep, 400, "ResourceNotFoundException",
                         "Retrieval token not found: the retrieval does not exist or has expired");
    }
    return r;
}

#define TOKEN_MEMBER                                                                               \
    {                                                                                              \
        "RetrievalToken", AWS_STRING, true, 0, 1020, NULL, NULL                                    \
    }

void xray_cancel_trace_retrieval(struct http_request *req, struct http_reply *rep)
{
    static const struct aws_member members[] = {TOKEN_MEMBER};
    json_t *body = xray_api_parse_request(req, rep, members, ARRAY_LEN(members));
    struct store *ro = body ? xray_api_reader(rep) : NULL;
    json_t *r = ro ? find_retrieval(rep, ro, body) : NULL;
    char key[64];
    if (r) {
        /* Retrievals complete when they start, so there is never anything running to stop; the
         * status still records the request, as ListRetrievedTraces then reports. */
        json_object_set_new(r, "Status", json_string("CANCELLED"));
        retrieval_key(json_string_value(json_object_get(body, "RetrievalToken")), key);
        if (xray_api_setting_store(req, rep, key, r, "retrieval")) {
            aws_reply(rep, XRAY_API_CT, json_object());
        }
    }
    json_decref(body);
}

/* ---- ListRetrievedTraces ---- */

/* The retrieval's trace ids that fluoro holds and whose traces overlap its time window, in
 * request order (new array of strings). Reads each trace's time columns, not its view. */
static json_t *retrieved_ids(struct store *ro, const json_t *r)
{
    double start = json_number_value(json_object_get(r, "StartTime"));
    double end = json_number_value(json_object_get(r, "EndTime"));
    json_t *out = json_array();
    size_t i;
    json_t *id;
    json_array_foreach(json_object_get(r, "TraceIds"), i, id)
    {
        double ts, te;
        if (xray_db_trace_times(ro, json_string_value(id), &ts, &te) < 0) {
            continue;
        }
        if (isnan(te)) {
            te = ts;
        }
        if (ts < end && te >= start) {
            json_array_append(out, id);
        }
    }
    return out;
}

/* OpenTelemetry's 32-hex trace id from X-Ray's 1-<8 hex>-<24 hex> (the same 128 bits). */
static void otel_trace_id(const char *xray, char out[33])
{
    if (strlen(xray) == 35 && xray[1] == '-' && xray[10] == '-') {
        snprintf(out, 33, "%.8s%.24s", xray + 2, xray + 11);
    } else {
        snprintf(out, 33, "%s", xray);
    }
}

static json_int_t unix_nanos(const json_t *seconds)
{
    return (json_int_t)llround(json_number_value(seconds) * 1e9);
}

/* The OTel span kind X-Ray's own OTLP mapping uses: segments serve, calls out are clients. */
static const char *span_kind(const json_t *doc, bool is_segment)
{
    const char *ns = json_string_value(json_object_get(doc, "namespace"));
    if (is_segment) {
        return "SERVER";
    }
    return ns && (strcmp(ns, "aws") == 0 || strcmp(ns, "remote") == 0) ? "CLIENT" : "INTERNAL";
}

static void add_http_attributes(json_t *attrs, const json_t *doc)
{
    const json_t *http = json_object_get(doc, "http");
    const json_t *rq = json_object_get(http, "request"), *rs = json_object_get(http, "response");
    const char *method = json_string_value(json_object_get(rq, "method"));
    const char *url = json_string_value(json_object_get(rq, "url"));
    const json_t *status = json_object_get(rs, "status");
    if (method) {
        json_object_set_new(attrs, "http.request.method", json_string(method));
    }
    if (url) {
        json_object_set_new(attrs, "url.full", json_string(url));
    }
    if (json_is_integer(status)) {
        json_object_set_new(attrs, "http.response.status_code", json_copy((json_t *)status));
    }
}

/* One span in the OTLP JSON shape Transaction Search stores in aws/spans. */
static json_t *otel_span(const json_t *doc, const char *trace_id, const char *parent,
                         const char *service, bool is_segment)
{
    json_t *attrs = json_object(), *ann = json_object_get(doc, "annotations");
    const char *key;
    json_t *v;
    json_object_foreach(ann, key, v)
    {
        char *name = xasprintf("aws.xray.annotation.%s", key);
        json_object_set(attrs, name, v);
        free(name);
    }
    add_http_attributes(attrs, doc);
    if (json_object_get(doc, "aws")) {
        json_object_set(attrs, "aws.xray.aws", json_object_get(doc, "aws"));
    }
    bool failed =
        json_is_true(json_object_get(doc, "fault")) || json_is_true(json_object_get(doc, "error"));
    json_t *end = json_object_get(doc, "end_time");
    json_t *span = json_pack(
        "{s:{s:{s:s}}, s:{s:s}, s:s, s:s, s:s, s:s, s:I, s:o, s:{s:s}}", "resource", "attributes",
        "service.name", service, "scope", "name", "fluoro", "traceId", trace_id, "spanId",
        json_string_value(json_object_get(doc, "id")), "name",
        json_string_value(json_object_get(doc, "name")), "kind", span_kind(doc, is_segment),
        "startTimeUnixNano", unix_nanos(json_object_get(doc, "start_time")), "attributes", attrs,
        "status", "code", failed ? "ERROR" : "UNSET");
    if (json_is_number(end)) {
        json_object_set_new(span, "endTimeUnixNano", json_integer(unix_nanos(end)));
        json_object_set_new(
            span, "durationNano",
            json_integer(unix_nanos(end) - unix_nanos(json_object_get(doc, "start_time"))));
    }
    if (parent) {
        json_object_set_new(span, "parentSpanId", json_string(parent));
    }
    return span;
}

/* Appends doc's span and its subsegments' spans (depth first) to spans, at most SPANS_PER_TRACE. */
static void otel_spans(json_t *spans, const json_t *doc, const char *trace_id, const char *parent,
                       const char *service, bool is_segment, const json_t *received)
{
    const char *id = json_string_value(json_object_get(doc, "id"));
    if (json_array_size(spans) >= SPANS_PER_TRACE || !id) {
        return;
    }
    /* A document translated from an OTLP span is served as that span, already in spans. */
    if (!json_object_get(received, id)) {
        json_t *span = otel_span(doc, trace_id, parent, service, is_segment);
        char *text = json_dumps(span, JSON_COMPACT);
        json_array_append_new(spans, json_pack("{s:s, s:s}", "Id", id, "Document", text));
        free(text);
        json_decref(span);
    }
    size_t i;
    json_t *sub;
    json_array_foreach(json_object_get(doc, "subsegments"), i, sub)
    {
        otel_spans(spans, sub, trace_id, id, service, false, received);
    }
}

/* A RetrievedTrace (new): the assembled segments as X-Ray documents, or converted to spans. */
static json_t *retrieved_trace(struct store *ro, const char *trace_id, bool otel)
{
    json_t *t = xray_api_assembled_trace(ro, trace_id), *spans = NULL;
    json_t *received = json_object(); /* ids of the spans kept as received */
    char otel_id[33];
    size_t i;
    json_t *seg;
    if (!t) {
        json_decref(received);
        return NULL;
    }
    /* OTLP spans are served as they were received (otlp_db.h), the rest converted. */
    spans = otel ? otlp_db_trace_spans(ro, trace_id, SPANS_PER_TRACE) : json_array();
    json_array_foreach(spans, i, seg)
    {
        json_object_set_new(received, json_string_value(json_object_get(seg, "Id")), json_true());
    }
    otel_trace_id(trace_id, otel_id);
    json_array_foreach(json_object_get(t, "Segments"), i, seg)
    {
        if (!otel) {
            if (json_array_size(spans) < SPANS_PER_TRACE) {
                json_array_append(spans, seg);
            }
            continue;
        }
        json_t *doc = json_loads(json_string_value(json_object_get(seg, "Document")), 0, NULL);
        if (json_is_true(json_object_get(doc, "inferred"))) {
            /* X-Ray draws the callee of an aws/remote subsegment as an inferred segment; in
             * OTel that call is already the subsegment's CLIENT span. */
            json_decref(doc);
            continue;
        }
        const char *name = json_string_value(json_object_get(doc, "name"));
        otel_spans(spans, doc, otel_id, json_string_value(json_object_get(doc, "parent_id")),
                   name ? name : "", true, received);
        json_decref(doc);
    }
    json_t *out = json_pack("{s:s, s:O, s:o}", "Id", trace_id, "Duration",
                            json_object_get(t, "Duration"), "Spans", spans);
    json_decref(t);
    json_decref(received);
    return out;
}

/* The page offset a NextToken carries (0 without one); replies and returns -1 when malformed. */
static int64_t page_offset(struct http_reply *rep, const json_t *body)
{
    const char *token = json_string_value(json_object_get(body, "NextToken"));
    char *end = NULL;
    if (!token) {
        return 0;
    }
    long long v = strtoll(token, &end, 10);
    if (end == token || *end || v < 0) {
        xray_api_invalid(rep, "The NextToken is not valid");
        return -1;
    }
    return v;
}

void xray_list_retrieved_traces(struct http_request *req, struct http_reply *rep)
{
    static const char *const formats[] = {"XRAY", "OTEL", NULL};
    static const struct aws_member members[] = {
        TOKEN_MEMBER,
        {"TraceFormat", AWS_STRING, false, -1, -1, NULL, formats},
        {"NextToken", AWS_STRING, false, -1, -1, NULL, NULL},
    };
    json_t *body = xray_api_parse_request(req, rep, members, ARRAY_LEN(members));
    struct store *ro = body ? xray_api_reader(rep) : NULL;
    json_t *r = ro ? find_retrieval(rep, ro, body) : NULL, *ids = NULL;
    int64_t offset = r ? page_offset(rep, body) : -1;
    if (offset < 0) {
        goto out;
    }
    const char *format = json_string_value(json_object_get(body, "TraceFormat"));
    const char *status = json_string_value(json_object_get(r, "Status"));
    bool otel = format && strcmp(format, "OTEL") == 0;
    json_t *traces = json_array();
    ids = strcmp(status, "COMPLETE") == 0 ? retrieved_ids(ro, r) : json_array();
    size_t n = json_array_size(ids), i = (size_t)offset;
    for (; i < n && json_array_size(traces) < TRACES_PER_PAGE; i++) {
        json_t *t = retrieved_trace(ro, json_string_value(json_array_get(ids, i)), otel);
        if (t) {
            json_array_append_new(traces, t);
        }
    }
    json_t *reply = json_pack("{s:s, s:s, s:o}", "RetrievalStatus", status, "TraceFormat",
                              otel ? "OTEL" : "XRAY", "Traces", traces);
    if (i < n) {
        char next[24];
        snprintf(next, sizeof(next), "%zu", i);
        json_object_set_new(reply, "NextToken", json_string(next));
    }
    aws_reply(rep, XRAY_API_CT, reply);
out:
    json_decref(ids);
    json_decref(r);
    json_decref(body);
}

/* ---- GetRetrievedTracesGraph ---- */

void xray_get_retrieved_traces_graph(struct http_request *req, struct http_reply *rep)
{
    static const struct aws_member members[] = {
        TOKEN_MEMBER,
        {"NextToken", AWS_STRING, false, -1, -1, NULL, NULL},
    };
    json_t *body = xray_api_parse_request(req, rep, members, ARRAY_LEN(members));
    struct store *ro = body ? xray_api_reader(rep) : NULL;
    json_t *r = ro ? find_retrieval(rep, ro, body) : NULL;
    if (!r || page_offset(rep, body) < 0) {
        goto out;
    }
    const char *status = json_string_value(json_object_get(r, "Status"));
    json_t *services = json_array();
    if (strcmp(status, "COMPLETE") == 0) {
        json_t *ids = retrieved_ids(ro, r), *id, *svc;
        struct graph *g = graph_new();
        size_t i;
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
        json_t *all = graph_services(g);
        /* Links join traces through OpenTelemetry span links, which X-Ray segments lack. */
        json_array_foreach(all, i, svc)
        {
            json_array_append_new(services, json_pack("{s:O, s:[]}", "Service", svc, "Links"));
        }
        json_decref(all);
        graph_free(g);
        json_decref(ids);
    }
    aws_reply(rep, XRAY_API_CT,
              json_pack("{s:s, s:o}", "RetrievalStatus", status, "Services", services));
out:
    json_decref(r);
    json_decref(body);
}

/* ---- trace segment destination ---- */

static const char DESTINATION_KEY[] = "xray_trace_segment_destination";

void xray_get_trace_segment_destination(struct http_request *req, struct http_reply *rep)
{
    json_t *body = xray_api_parse_request(req, rep, NULL, 0);
    struct store *ro = body ? xray_api_reader(rep) : NULL;
    if (ro) {
        json_t *d = xray_api_setting_load(ro, DESTINATION_KEY);
        const char *dest = json_string_value(json_object_get(d, "Destination"));
        aws_reply(rep, XRAY_API_CT,
                  json_pack("{s:s, s:s}", "Destination", dest ? dest : "XRay", "Status", "ACTIVE"));
        json_decref(d);
    }
    json_decref(body);
}

void xray_update_trace_segment_destination(struct http_request *req, struct http_reply *rep)
{
    static const char *const destinations[] = {"XRay", "CloudWatchLogs", NULL};
    static const struct aws_member members[] = {
        {"Destination", AWS_STRING, false, -1, -1, NULL, destinations},
    };
    json_t *body = xray_api_parse_request(req, rep, members, ARRAY_LEN(members));
    if (!body) {
        return;
    }
    const char *dest = json_string_value(json_object_get(body, "Destination"));
    if (!dest) {
        dest = "XRay";
    }
    /* fluoro serves traces from its own store for either destination, so a change is in effect
     * at once; AWS reports PENDING while it moves the account to Transaction Search. */
    if (xray_api_setting_store(req, rep, DESTINATION_KEY, json_pack("{s:s}", "Destination", dest),
                               "destination")) {
        aws_reply(rep, XRAY_API_CT,
                  json_pack("{s:s, s:s}", "Destination", dest, "Status", "ACTIVE"));
    }
    json_decref(body);
}

/* ---- indexing rules ---- */

static const char INDEXING_KEY[] = "xray_indexing_rule:" DEFAULT_INDEXING_RULE;

/* The Default rule as the API shows it (new reference); ModifiedAt only once it was updated. */
static json_t *indexing_rule(struct store *ro)
{
    json_t *stored = xray_api_setting_load(ro, INDEXING_KEY);
    json_t *pct = json_object_get(stored, "DesiredSamplingPercentage");
    json_t *modified = json_object_get(stored, "ModifiedAt");
    json_t *rule =
        json_pack("{s:s, s:{s:{s:f}}}", "Name", DEFAULT_INDEXING_RULE, "Rule", "Probabilistic",
                  "DesiredSamplingPercentage",
                  json_is_number(pct) ? json_number_value(pct) : DEFAULT_SAMPLING_PERCENTAGE);
    if (json_is_number(modified)) {
        json_object_set(rule, "ModifiedAt", modified);
    }
    json_decref(stored);
    return rule;
}

void xray_get_indexing_rules(struct http_request *req, struct http_reply *rep)
{
    static const struct aws_member members[] = {
        {"NextToken", AWS_STRING, false, -1, -1, NULL, NULL},
    };
    json_t *body = xray_api_parse_request(req, rep, members, ARRAY_LEN(members));
    struct store *ro = body ? xray_api_reader(rep) : NULL;
    if (ro) {
        aws_reply(rep, XRAY_API_CT, json_pack("{s:[o]}", "IndexingRules", indexing_rule(ro)));
    }
    json_decref(body);
}

void xray_update_indexing_rule(struct http_request *req, struct http_reply *rep)
{
    static const struct aws_member members[] = {
        {"Name", AWS_STRING, true, -1, -1, NULL, NULL},
        {"Rule", AWS_STRUCT, true, -1, -1, NULL, NULL},
    };
    static const struct aws_member probabilistic[] = {
        {"DesiredSamplingPercentage", AWS_NUMBER, true, 0, 100, NULL, NULL},
    };
    json_t *body = xray_api_parse_request(req, rep, members, ARRAY_LEN(members));
    struct store *ro = body ? xray_api_reader(rep) : NULL;
    struct errbuf err = {{0}, -1};
    if (!ro) {
        goto out;
    }
    const char *name = json_string_value(json_object_get(body, "Name"));
    const json_t *p = json_object_get(json_object_get(body, "Rule"), "Probabilistic");
    if (strcmp(name, DEFAULT_INDEXING_RULE) != 0) {
        aws_err_restjson(rep, 400, "ResourceNotFoundException", "Indexing rule %.40s not found",
                         name);
        goto out;
    }
    if (!json_is_object(p)) {
        /* Rule is a union whose only member is Probabilistic. */
        xray_api_invalid(rep, "Rule must set exactly one member: Probabilistic");
        goto out;
    }
    if (aws_validate(p, probabilistic, ARRAY_LEN(probabilistic), &err) < 0) {
        xray_api_invalid(rep, err.msg);
        goto out;
    }
    double pct = json_number_value(json_object_get(p, "DesiredSamplingPercentage"));
    if (xray_api_setting_store(
            req, rep, INDEXING_KEY,
            json_pack("{s:f, s:f}", "DesiredSamplingPercentage", pct, "ModifiedAt", now_epoch()),
            "indexing rule")) {
        aws_reply(rep, XRAY_API_CT, json_pack("{s:o}", "IndexingRule", indexing_rule(ro)));
    }
out:
    json_decref(body);
}
