#include <criterion/criterion.h>
#include <string.h>

#include "helpers.h"
#include "trace.h"

TestSuite(trace);

#define TID "1-5759e988-bd862e3fe1be46a994272793"

/* Documents of one trace, loaded from a JSON array (text or tests/cases file). */
struct docs {
    json_t *arr;
    json_t **items;
    size_t n;
};

static void docs_from(struct docs *d, json_t *arr)
{
    cr_assert(json_is_array(arr), "case is not a JSON array");
    d->arr = arr;
    d->n = json_array_size(arr);
    d->items = xmalloc((d->n + 1) * sizeof(*d->items));
    for (size_t i = 0; i < d->n; i++) {
        d->items[i] = json_array_get(arr, i);
    }
}

static void docs_load(struct docs *d, const char *path)
{
    json_error_t e;
    json_t *arr = json_load_file(path, 0, &e);
    cr_assert_not_null(arr, "%s: %s (line %d)", path, e.text, e.line);
    docs_from(d, arr);
}

static void docs_parse(struct docs *d, const char *text)
{
    json_error_t e;
    json_t *arr = json_loads(text, 0, &e);
    cr_assert_not_null(arr, "%s", e.text);
    docs_from(d, arr);
}

static void docs_fini(struct docs *d)
{
    free(d->items);
    json_decref(d->arr);
}

static json_t *derive_text(const char *text)
{
    struct docs d;
    docs_parse(&d, text);
    json_t *v = helpers_derive_json(d.items, d.n);
    docs_fini(&d);
    cr_assert_not_null(v);
    return v;
}

static json_t *find_node(const json_t *d, const char *name, const char *type)
{
    size_t i;
    json_t *n;
    json_array_foreach(json_object_get(d, "nodes"), i, n)
    {
        if (strcmp(json_string_value(json_object_get(n, "name")), name) == 0 &&
            strcmp(json_string_value(json_object_get(n, "type")), type) == 0) {
            return n;
        }
    }
    return NULL;
}

static json_t *find_edge(const json_t *d, const char *src, const char *dst)
{
    size_t i;
    json_t *e;
    json_array_foreach(json_object_get(d, "edges"), i, e)
    {
        const char *s = json_string_value(json_object_get(json_object_get(e, "source"), "name"));
        const char *t =
            json_string_value(json_object_get(json_object_get(e, "destination"), "name"));
        if (strcmp(s, src) == 0 && strcmp(t, dst) == 0) {
            return e;
        }
    }
    return NULL;
}

static bool flag(const json_t *o, const char *key)
{
    return json_is_true(json_object_get(o, key));
}

static double num(const json_t *o, const char *key)
{
    const json_t *v = json_object_get(o, key);
    cr_assert(json_is_number(v), "%s is not a number", key);
    return json_number_value(v);
}

static const char *s_of(const json_t *o, const char *key)
{
    const char *s = json_string_value(json_object_get(o, key));
    cr_assert_not_null(s, "%s is not a string", key);
    return s;
}

/* Parses `text` and checks json_equal against `got` (order-sensitive, exact). */
static void assert_json(const json_t *got, const char *text)
{
    json_t *want = json_loads(text, 0, NULL);
    cr_assert_not_null(want, "bad expected JSON: %s", text);
    char *g = json_dumps(got, JSON_COMPACT | JSON_SORT_KEYS);
    cr_assert(json_equal((json_t *)got, want), "got %s\nwant %s", g, text);
    free(g);
    json_decref(want);
}

Test(trace, empty_input_gives_null)
{
    cr_assert_null(helpers_derive_json(NULL, 0));
    cr_assert_null(trace_assemble(NULL, 0));
}

Test(trace, single_segment_has_a_client_node_and_times)
{
    json_t *d = derive_text("[{\"trace_id\":\"" TID "\",\"id\":\"a000000000000001\","
                            "\"name\":\"web\",\"start_time\":10,\"end_time\":10.25}]");
    cr_assert_str_eq(s_of(d, "trace_id"), TID);
    cr_assert_float_eq(num(d, "start_time"), 10, 1e-9);
    cr_assert_float_eq(num(d, "duration"), 0.25, 1e-9);
    cr_assert_float_eq(num(d, "response_time"), 0.25, 1e-9);
    cr_assert_not(flag(d, "partial"));
    cr_assert_not(flag(d, "inferred"));
    cr_assert(json_is_real(json_object_get(d, "start_time")), "times are reals");
    cr_assert_eq(json_array_size(json_object_get(d, "nodes")), 2);
    json_t *client = find_node(d, "web", "client");
    cr_assert_not_null(client);
    cr_assert(flag(client, "client"));
    json_t *web = find_node(d, "web", "");
    cr_assert(flag(web, "root"));
    cr_assert_not(flag(web, "client"));
    json_t *seg = json_array_get(json_object_get(web, "segments"), 0);
    cr_assert_str_eq(s_of(seg, "id"), "a000000000000001");
    cr_assert(flag(seg, "ok"));
    cr_assert_not(flag(seg, "in_progress"));
    cr_assert_not_null(find_edge(d, "web", "web"), "client -> web edge");
    json_t *root = json_object_get(d, "root");
    cr_assert_str_eq(s_of(root, "name"), "web");
    cr_assert_str_eq(s_of(root, "type"), "");
    cr_assert(flag(root, "ok"));
    json_decref(d);
}

Test(trace, full_trace_nodes_are_real_inferred_and_client)
{
    struct docs in;
    docs_load(&in, "tests/cases/trace_orders.json");
    json_t *d = helpers_derive_json(in.items, in.n);
    cr_assert_not(flag(d, "partial"), "the traced call's segment is present");
    cr_assert(flag(d, "inferred"));
    cr_assert_eq(json_array_size(json_object_get(d, "nodes")), 6);
    cr_assert(flag(find_node(d, "api", "client"), "client"));
    json_t *api = find_node(d, "api", "AWS::EC2::Instance");
    cr_assert(flag(api, "root"));
    cr_assert_str_eq(s_of(api, "account_id"), "123456789012");
    json_t *ddb = find_node(d, "DynamoDB", "AWS::DynamoDB::Table");
    cr_assert(flag(ddb, "inferred"));
    cr_assert_eq(json_array_size(json_object_get(ddb, "segments")), 2,
                 "both DynamoDB calls feed one node");
    cr_assert(flag(find_node(d, "KMS", "AWS::KMS"), "inferred"), "found at depth 4");
    cr_assert(flag(find_node(d, "SNS", "AWS::SNS"), "inferred"));
    json_t *orders = find_node(d, "orders", "");
    cr_assert_not_null(orders);
    cr_assert_not(flag(orders, "inferred"));
    cr_assert_null(find_node(d, "orders.internal", "remote"), "replaced by the real segment");
    /* Nodes come in start order: callers first. */
    cr_assert_str_eq(s_of(json_array_get(json_object_get(d, "nodes"), 0), "type"), "client");
    cr_assert_str_eq(s_of(json_array_get(json_object_get(d, "nodes"), 1), "name"), "api");
    json_decref(d);
    docs_fini(&in);
}

Test(trace, full_trace_edges_carry_the_callers_timing_and_status)
{
    struct docs in;
    docs_load(&in, "tests/cases/trace_orders.json");
    json_t *d = helpers_derive_json(in.items, in.n);
    cr_assert_eq(json_array_size(json_object_get(d, "edges")), 6);
    json_t *e = find_edge(d, "api", "orders");
    cr_assert_not_null(e, "cross-service edge through the orders.internal subsegment");
    json_t *call = json_array_get(json_object_get(e, "calls"), 0);
    cr_assert_float_eq(num(call, "start_time"), 100.1, 1e-9);
    cr_assert_float_eq(num(call, "response_time"), 0.35, 1e-9);
    cr_assert(flag(call, "fault"));
    cr_assert_not(flag(call, "ok"));
    cr_assert_eq(json_integer_value(json_object_get(call, "http_status")), 500);
    json_t *throttled = find_edge(d, "orders", "DynamoDB");
    cr_assert_not_null(throttled, "streamed subsegment calls from the orders node");
    call = json_array_get(json_object_get(throttled, "calls"), 0);
    cr_assert(flag(call, "throttle"));
    cr_assert(flag(call, "error"));
    cr_assert_not_null(find_edge(d, "api", "DynamoDB"));
    cr_assert_not_null(find_edge(d, "api", "KMS"));
    cr_assert_not_null(find_edge(d, "orders", "SNS"));
    json_t *client = find_edge(d, "api", "api");
    assert_json(json_object_get(client, "source"), "{\"name\":\"api\",\"type\":\"client\"}");
    json_decref(d);
    docs_fini(&in);
}

Test(trace, full_trace_root_lists_and_annotations)
{
    struct docs in;
    docs_load(&in, "tests/cases/trace_orders.json");
    json_t *d = helpers_derive_json(in.items, in.n);
    json_t *root = json_object_get(d, "root");
    cr_assert_str_eq(s_of(root, "id"), "a000000000000001");
    cr_assert(flag(root, "fault"));
    cr_assert_not(flag(root, "ok"));
    assert_json(json_object_get(root, "http"),
                "{\"method\":\"POST\",\"url\":\"https://api.example.com/orders\","
                "\"useragent\":\"curl/8\",\"clientip\":\"10.0.0.1\",\"status\":500}");
    assert_json(json_object_get(d, "users"), "[\"alice\"]");
    assert_json(json_object_get(d, "instance_ids"), "[\"i-1\"]");
    assert_json(json_object_get(d, "availability_zones"), "[\"us-east-1a\"]");
    assert_json(json_object_get(d, "resource_arns"),
                "[\"arn:aws:ec2:us-east-1:123456789012:instance/i-1\"]");
    json_t *ann = json_object_get(d, "annotations");
    cr_assert_eq(json_array_size(ann), 4);
    assert_json(json_array_get(ann, 0),
                "{\"key\":\"customer\",\"value\":\"c1\","
                "\"service\":{\"name\":\"api\",\"type\":\"AWS::EC2::Instance\"}}");
    cr_assert_float_eq(num(d, "duration"), 0.5, 1e-9);
    cr_assert_float_eq(num(d, "response_time"), 0.5, 1e-9);
    json_decref(d);
    docs_fini(&in);
}

Test(trace, summary_has_the_trace_summary_shape)
{
    struct docs in;
    docs_load(&in, "tests/cases/trace_orders.json");
    json_t *d = helpers_derive_json(in.items, in.n);
    json_t *s = json_object_get(d, "summary");
    cr_assert_str_eq(s_of(s, "Id"), TID);
    cr_assert_float_eq(num(s, "Duration"), 0.5, 1e-9);
    cr_assert_float_eq(num(s, "ResponseTime"), 0.5, 1e-9);
    cr_assert(flag(s, "HasFault"));
    cr_assert_not(flag(s, "HasError"));
    cr_assert_not(flag(s, "IsPartial"));
    cr_assert_eq(json_integer_value(json_object_get(s, "Revision")), 3);
    cr_assert_null(json_object_get(s, "MatchedEventTime"));
    assert_json(json_object_get(s, "Http"),
                "{\"HttpURL\":\"https://api.example.com/orders\",\"HttpStatus\":500,"
                "\"HttpMethod\":\"POST\",\"UserAgent\":\"curl/8\",\"ClientIp\":\"10.0.0.1\"}");
    assert_json(json_object_get(s, "EntryPoint"),
                "{\"Name\":\"api\",\"Names\":[\"api\"],\"AccountId\":\"123456789012\","
                "\"Type\":\"AWS::EC2::Instance\"}");
    json_t *ann = json_object_get(s, "Annotations");
    assert_json(json_object_get(ann, "customer"),
                "[{\"AnnotationValue\":{\"StringValue\":\"c1\"},\"ServiceIds\":["
                "{\"Name\":\"api\",\"Names\":[\"api\"],\"AccountId\":\"123456789012\","
                "\"Type\":\"AWS::EC2::Instance\"},{\"Name\":\"orders\",\"Names\":[\"orders\"]}]}]");
    assert_json(json_object_get(ann, "retries"),
                "[{\"AnnotationValue\":{\"NumberValue\":2.0},\"ServiceIds\":["
                "{\"Name\":\"orders\",\"Names\":[\"orders\"]}]}]");
    assert_json(json_object_get(ann, "vip"),
                "[{\"AnnotationValue\":{\"BooleanValue\":false},\"ServiceIds\":["
                "{\"Name\":\"orders\",\"Names\":[\"orders\"]}]}]");
    assert_json(json_object_get(s, "Users"),
                "[{\"UserName\":\"alice\",\"ServiceIds\":[{\"Name\":\"api\",\"Names\":[\"api\"],"
                "\"AccountId\":\"123456789012\",\"Type\":\"AWS::EC2::Instance\"}]}]");
    json_t *sids = json_object_get(s, "ServiceIds");
    cr_assert_eq(json_array_size(sids), 5, "every node but the client");
    assert_json(json_array_get(sids, 2), "{\"Name\":\"DynamoDB\",\"Names\":[\"DynamoDB\"],"
                                         "\"Type\":\"AWS::DynamoDB::Table\"}");
    assert_json(json_object_get(s, "ResourceARNs"),
                "[{\"ARN\":\"arn:aws:ec2:us-east-1:123456789012:instance/i-1\"}]");
    assert_json(json_object_get(s, "InstanceIds"), "[{\"Id\":\"i-1\"}]");
    assert_json(json_object_get(s, "AvailabilityZones"), "[{\"Name\":\"us-east-1a\"}]");
    json_decref(d);
    docs_fini(&in);
}

Test(trace, fault_root_cause_is_the_deepest_faulting_entity)
{
    struct docs in;
    docs_load(&in, "tests/cases/trace_orders.json");
    json_t *d = helpers_derive_json(in.items, in.n);
    json_t *s = json_object_get(d, "summary");
    json_t *faults = json_object_get(s, "FaultRootCauses");
    cr_assert_eq(json_array_size(faults), 1);
    assert_json(json_array_get(faults, 0),
                "{\"Services\":["
                "{\"Name\":\"api\",\"Names\":[\"api\"],\"AccountId\":\"123456789012\","
                "\"Type\":\"AWS::EC2::Instance\",\"Inferred\":false,\"EntityPath\":["
                "{\"Name\":\"api\",\"Exceptions\":[],\"Remote\":false},"
                "{\"Name\":\"orders.internal\",\"Exceptions\":[],\"Remote\":true}]},"
                "{\"Name\":\"orders\",\"Names\":[\"orders\"],\"Inferred\":false,\"EntityPath\":["
                "{\"Name\":\"orders\",\"Exceptions\":[],\"Remote\":false},"
                "{\"Name\":\"SNS\",\"Exceptions\":[{\"Name\":\"InternalError\","
                "\"Message\":\"boom\"}],\"Remote\":true}]}],"
                "\"ClientImpacting\":true}");
    cr_assert(json_equal(faults, json_object_get(json_object_get(d, "root_causes"), "fault")));
    json_decref(d);
    docs_fini(&in);
}

Test(trace, error_and_response_time_root_causes)
{
    struct docs in;
    docs_load(&in, "tests/cases/trace_orders.json");
    json_t *d = helpers_derive_json(in.items, in.n);
    json_t *s = json_object_get(d, "summary");
    json_t *errors = json_object_get(s, "ErrorRootCauses");
    cr_assert_eq(json_array_size(errors), 1);
    json_t *cause = json_array_get(errors, 0);
    cr_assert_not(flag(cause, "ClientImpacting"), "the root answered 500, not 4xx");
    json_t *svc = json_array_get(json_object_get(cause, "Services"), 1);
    json_t *last = json_array_get(json_object_get(svc, "EntityPath"), 1);
    assert_json(last, "{\"Name\":\"DynamoDB\",\"Exceptions\":[{\"Name\":"
                      "\"ProvisionedThroughputExceededException\",\"Message\":\"slow down\"}],"
                      "\"Remote\":true}");

    json_t *rt = json_object_get(s, "ResponseTimeRootCauses");
    cr_assert_eq(json_array_size(rt), 1);
    json_t *services = json_object_get(json_array_get(rt, 0), "Services");
    cr_assert_eq(json_array_size(services), 2);
    json_t *path = json_object_get(json_array_get(services, 1), "EntityPath");
    json_t *sns = json_array_get(path, 1);
    cr_assert_str_eq(s_of(sns, "Name"), "SNS", "the slowest child of orders");
    cr_assert_float_eq(num(sns, "Coverage"), 0.2, 1e-9);
    cr_assert_float_eq(
        num(json_array_get(json_object_get(json_array_get(services, 0), "EntityPath"), 0),
            "Coverage"),
        1.0, 1e-9);
    json_decref(d);
    docs_fini(&in);
}

Test(trace, streamed_subsegment_before_its_parent_is_partial_then_complete)
{
    /* The streamed subsegment alone: its parent has not arrived, so the trace is partial and
     * has no root yet. */
    json_t *d = derive_text(
        "[{\"type\":\"subsegment\",\"trace_id\":\"" TID "\",\"parent_id\":\"a000000000000001\","
        "\"id\":\"b000000000000001\",\"name\":\"SNS\",\"namespace\":\"aws\",\"start_time\":1.1,"
        "\"end_time\":1.2}]");
    cr_assert(flag(d, "partial"));
    cr_assert(json_is_null(json_object_get(d, "root")));
    cr_assert(json_is_null(json_object_get(d, "response_time")));
    cr_assert_not_null(find_node(d, "SNS", "AWS::SNS"));
    cr_assert_eq(json_array_size(json_object_get(d, "edges")), 0, "no caller known yet");
    json_decref(d);
    d = derive_text(
        "[{\"type\":\"subsegment\",\"trace_id\":\"" TID "\",\"parent_id\":\"a000000000000001\","
        "\"id\":\"b000000000000001\",\"name\":\"SNS\",\"namespace\":\"aws\",\"start_time\":1.1,"
        "\"end_time\":1.2},"
        "{\"trace_id\":\"" TID "\",\"id\":\"a000000000000001\",\"name\":\"web\","
        "\"start_time\":1,\"end_time\":2}]");
    cr_assert_not(flag(d, "partial"));
    cr_assert_str_eq(s_of(json_object_get(d, "root"), "name"), "web");
    cr_assert_not_null(find_edge(d, "web", "SNS"));
    json_decref(d);
}

Test(trace, in_progress_segment_is_partial_until_replaced)
{
    json_t *d = derive_text("[{\"trace_id\":\"" TID "\",\"id\":\"a000000000000001\","
                            "\"name\":\"web\",\"start_time\":1,\"in_progress\":true}]");
    cr_assert(flag(d, "partial"));
    cr_assert(json_is_null(json_object_get(d, "response_time")));
    cr_assert(flag(json_object_get(d, "summary"), "IsPartial"));
    cr_assert_null(json_object_get(json_object_get(d, "summary"), "ResponseTime"));
    json_t *seg = json_array_get(json_object_get(find_node(d, "web", ""), "segments"), 0);
    cr_assert(flag(seg, "in_progress"));
    cr_assert(json_is_null(json_object_get(seg, "end_time")));
    json_decref(d);
    /* The caller dedups by id: the complete document replaces the in-progress one. */
    d = derive_text("[{\"trace_id\":\"" TID "\",\"id\":\"a000000000000001\","
                    "\"name\":\"web\",\"start_time\":1,\"end_time\":3,\"in_progress\":false}]");
    cr_assert_not(flag(d, "partial"));
    cr_assert_float_eq(num(d, "response_time"), 2, 1e-9);
    json_decref(d);
}

Test(trace, traced_call_without_downstream_segment_is_partial_and_inferred)
{
    json_t *d = derive_text(
        "[{\"trace_id\":\"" TID "\",\"id\":\"a000000000000001\",\"name\":\"web\","
        "\"start_time\":1,\"end_time\":2,\"subsegments\":[{\"id\":\"b000000000000001\","
        "\"name\":\"backend.local\",\"namespace\":\"remote\",\"start_time\":1.1,\"end_time\":1.5,"
        "\"http\":{\"request\":{\"traced\":true},\"response\":{\"status\":404}}}]}]");
    cr_assert(flag(d, "partial"));
    json_t *n = find_node(d, "backend.local", "remote");
    cr_assert(flag(n, "inferred"));
    json_t *seg = json_array_get(json_object_get(n, "segments"), 0);
    cr_assert(flag(seg, "error"), "404 classifies the call as an error");
    cr_assert_eq(json_integer_value(json_object_get(seg, "http_status")), 404);
    json_decref(d);
}

Test(trace, root_whose_parent_is_outside_the_trace_is_not_partial)
{
    /* A load balancer put its id in the tracing header but sent no segment. */
    json_t *d = derive_text("[{\"trace_id\":\"" TID "\",\"id\":\"a000000000000001\","
                            "\"parent_id\":\"9999999999999999\",\"name\":\"web\","
                            "\"start_time\":1,\"end_time\":2}]");
    cr_assert_not(flag(d, "partial"));
    cr_assert_str_eq(s_of(json_object_get(d, "root"), "id"), "a000000000000001");
    cr_assert_not_null(find_node(d, "web", "client"));
    json_decref(d);
}

Test(trace, earliest_parentless_segment_is_the_root)
{
    json_t *d = derive_text("[{\"trace_id\":\"" TID "\",\"id\":\"a000000000000002\","
                            "\"name\":\"late\",\"start_time\":5,\"end_time\":6},"
                            "{\"trace_id\":\"" TID "\",\"id\":\"a000000000000001\","
                            "\"name\":\"early\",\"start_time\":1,\"end_time\":2}]");
    cr_assert_str_eq(s_of(json_object_get(d, "root"), "name"), "early");
    cr_assert_float_eq(num(d, "duration"), 5, 1e-9);
    cr_assert_float_eq(num(d, "response_time"), 1, 1e-9);
    json_decref(d);
}

Test(trace, inferred_remote_node_is_replaced_when_the_callee_segment_arrives)
{
    const char *caller =
        "{\"trace_id\":\"" TID "\",\"id\":\"a000000000000001\",\"name\":\"front\","
        "\"start_time\":1,\"end_time\":2,\"subsegments\":[{\"id\":\"b000000000000001\","
        "\"name\":\"back.svc\",\"namespace\":\"remote\",\"start_time\":1.1,\"end_time\":1.8,"
        "\"http\":{\"request\":{\"traced\":true}}}]}";
    char text[2048];
    snprintf(text, sizeof(text), "[%s]", caller);
    json_t *d = derive_text(text);
    cr_assert_not_null(find_node(d, "back.svc", "remote"));
    cr_assert_not_null(find_edge(d, "front", "back.svc"));
    json_decref(d);
    snprintf(text, sizeof(text),
             "[%s,{\"trace_id\":\"" TID "\",\"id\":\"c000000000000001\",\"name\":\"back\","
             "\"origin\":\"AWS::ECS::Container\",\"parent_id\":\"b000000000000001\","
             "\"start_time\":1.2,\"end_time\":1.7}]",
             caller);
    d = derive_text(text);
    cr_assert_null(find_node(d, "back.svc", "remote"));
    cr_assert_not(flag(d, "inferred"));
    cr_assert_not(flag(find_node(d, "back", "AWS::ECS::Container"), "root"));
    json_t *e = find_edge(d, "front", "back");
    cr_assert_not_null(e);
    json_t *call = json_array_get(json_object_get(e, "calls"), 0);
    cr_assert_float_eq(num(call, "response_time"), 0.7, 1e-9, "the caller's subsegment times it");
    json_decref(d);
}

Test(trace, segment_whose_parent_is_a_segment_gets_an_edge)
{
    /* AWS's Lambda example: the AWS::Lambda service segment calls the function segment. */
    json_t *d =
        derive_text("[{\"trace_id\":\"" TID "\",\"id\":\"a000000000000001\",\"name\":\"fn\","
                    "\"origin\":\"AWS::Lambda\",\"start_time\":1,\"end_time\":2},"
                    "{\"trace_id\":\"" TID "\",\"id\":\"a000000000000002\",\"name\":\"fn\","
                    "\"origin\":\"AWS::Lambda::Function\",\"parent_id\":\"a000000000000001\","
                    "\"start_time\":1.1,\"end_time\":1.9}]");
    json_t *e = find_edge(d, "fn", "fn");
    cr_assert_eq(json_array_size(json_object_get(d, "edges")), 2);
    e = json_array_get(json_object_get(d, "edges"), 1);
    assert_json(json_object_get(e, "source"), "{\"name\":\"fn\",\"type\":\"AWS::Lambda\"}");
    assert_json(json_object_get(e, "destination"),
                "{\"name\":\"fn\",\"type\":\"AWS::Lambda::Function\"}");
    json_decref(d);
}

Test(trace, aws_node_types_follow_service_and_resource)
{
    json_t *d = derive_text(
        "[{\"trace_id\":\"" TID "\",\"id\":\"a000000000000001\",\"name\":\"app\","
        "\"start_time\":1,\"end_time\":2,\"subsegments\":["
        "{\"id\":\"b000000000000001\",\"name\":\"SQS\",\"namespace\":\"aws\",\"start_time\":1,"
        "\"end_time\":1.1,\"aws\":{\"queue_url\":\"https://sqs/q\"}},"
        "{\"id\":\"b000000000000002\",\"name\":\"Lambda\",\"namespace\":\"aws\",\"start_time\":1,"
        "\"end_time\":1.1,\"aws\":{\"function_name\":\"f\"}},"
        "{\"id\":\"b000000000000003\",\"name\":\"S3\",\"namespace\":\"aws\",\"start_time\":1,"
        "\"end_time\":1.1,\"aws\":{\"bucket_name\":\"b\"}},"
        "{\"id\":\"b000000000000004\",\"name\":\"dynamodb\",\"namespace\":\"aws\","
        "\"start_time\":1,\"end_time\":1.1,\"aws\":{\"operation\":\"ListTables\"}},"
        "{\"id\":\"b000000000000005\",\"name\":\"Athena\",\"namespace\":\"aws\","
        "\"start_time\":1,\"end_time\":1.1},"
        "{\"id\":\"b000000000000006\",\"name\":\"plain\",\"start_time\":1,\"end_time\":1.1},"
        "{\"id\":\"b000000000000007\",\"name\":\"py\",\"namespace\":\"local\","
        "\"start_time\":1,\"end_time\":1.1}]}]");
    cr_assert_not_null(find_node(d, "SQS", "AWS::SQS::Queue"));
    cr_assert_not_null(find_node(d, "Lambda", "AWS::Lambda::Function"));
    cr_assert_not_null(find_node(d, "S3", "AWS::S3::Bucket"));
    cr_assert_not_null(find_node(d, "dynamodb", "AWS::DynamoDB"));
    cr_assert_not_null(find_node(d, "Athena", "AWS::Athena"));
    cr_assert_eq(json_array_size(json_object_get(d, "nodes")), 7, "local work infers nothing");
    json_decref(d);
}

Test(trace, python_sdk_documents_with_embedded_type_and_trace_id)
{
    json_t *d = derive_text(
        "[{\"id\":\"a000000000000001\",\"name\":\"py-svc\",\"start_time\":1,\"in_progress\":false,"
        "\"subsegments\":[{\"id\":\"b000000000000001\",\"name\":\"work\",\"start_time\":1.1,"
        "\"parent_id\":\"a000000000000001\",\"in_progress\":false,\"annotations\":{\"k\":\"v\"},"
        "\"trace_id\":\"" TID "\",\"type\":\"subsegment\",\"namespace\":\"local\","
        "\"end_time\":1.2}],\"trace_id\":\"" TID "\",\"end_time\":2,\"fault\":false,"
        "\"error\":false,\"throttle\":false}]");
    cr_assert_not(flag(d, "partial"));
    cr_assert_eq(json_array_size(json_object_get(d, "nodes")), 2);
    cr_assert(flag(json_object_get(d, "root"), "ok"));
    assert_json(json_object_get(json_object_get(d, "summary"), "Annotations"),
                "{\"k\":[{\"AnnotationValue\":{\"StringValue\":\"v\"},\"ServiceIds\":["
                "{\"Name\":\"py-svc\",\"Names\":[\"py-svc\"]}]}]}");
    json_decref(d);
}

Test(trace, http_status_classifies_throttle_error_and_fault)
{
    json_t *d =
        derive_text("[{\"trace_id\":\"" TID "\",\"id\":\"a000000000000001\",\"name\":\"web\","
                    "\"start_time\":1,\"end_time\":2,\"http\":{\"response\":{\"status\":429}}}]");
    json_t *root = json_object_get(d, "root");
    cr_assert(flag(root, "throttle"));
    cr_assert(flag(root, "error"));
    cr_assert_not(flag(root, "fault"));
    json_t *s = json_object_get(d, "summary");
    cr_assert(flag(s, "HasThrottle"));
    cr_assert(flag(s, "HasError"));
    cr_assert_not(flag(s, "HasFault"));
    json_decref(d);
}

Test(trace, orphan_independent_subsegment_makes_the_trace_partial)
{
    json_t *d = derive_text(
        "[{\"trace_id\":\"" TID "\",\"id\":\"a000000000000001\",\"name\":\"web\","
        "\"start_time\":1,\"end_time\":2},"
        "{\"type\":\"subsegment\",\"trace_id\":\"" TID "\",\"parent_id\":\"7777777777777777\","
        "\"id\":\"b000000000000001\",\"name\":\"lost\",\"start_time\":1.1,\"end_time\":1.2}]");
    cr_assert(flag(d, "partial"));
    cr_assert_str_eq(s_of(json_object_get(d, "root"), "name"), "web");
    json_decref(d);
}

Test(trace, parent_loops_do_not_hang)
{
    json_t *d = derive_text(
        "[{\"type\":\"subsegment\",\"trace_id\":\"" TID "\",\"parent_id\":\"b000000000000002\","
        "\"id\":\"b000000000000001\",\"name\":\"x\",\"start_time\":1,\"end_time\":2},"
        "{\"type\":\"subsegment\",\"trace_id\":\"" TID "\",\"parent_id\":\"b000000000000001\","
        "\"id\":\"b000000000000002\",\"name\":\"y\",\"start_time\":1,\"end_time\":2},"
        "{\"trace_id\":\"" TID "\",\"id\":\"a000000000000001\",\"parent_id\":\"a000000000000001\","
        "\"name\":\"self\",\"start_time\":1,\"end_time\":2}]");
    cr_assert(flag(d, "partial"));
    cr_assert_str_eq(s_of(json_object_get(d, "root"), "name"), "self");
    json_decref(d);
    struct docs in;
    docs_parse(&in, "[{\"type\":\"subsegment\",\"trace_id\":\"" TID
                    "\",\"parent_id\":\"b000000000000002\",\"id\":\"b000000000000001\","
                    "\"name\":\"x\",\"start_time\":1,\"end_time\":2},"
                    "{\"type\":\"subsegment\",\"trace_id\":\"" TID
                    "\",\"parent_id\":\"b000000000000001\",\"id\":\"b000000000000002\","
                    "\"name\":\"y\",\"start_time\":1,\"end_time\":2}]");
    json_t *t = trace_assemble(in.items, in.n);
    cr_assert_eq(json_array_size(json_object_get(t, "Segments")), 1, "one nests in the other");
    json_decref(t);
    docs_fini(&in);
}

/* The assembled Document of `id`, parsed. */
static json_t *assembled_doc(const json_t *t, const char *id)
{
    size_t i;
    json_t *s;
    json_array_foreach(json_object_get(t, "Segments"), i, s)
    {
        if (strcmp(s_of(s, "Id"), id) == 0) {
            return json_loads(s_of(s, "Document"), 0, NULL);
        }
    }
    return NULL;
}

Test(trace, assemble_nests_streamed_subsegments_and_adds_inferred_segments)
{
    struct docs in;
    docs_load(&in, "tests/cases/trace_orders.json");
    char *before = json_dumps(in.arr, JSON_COMPACT);
    json_t *t = trace_assemble(in.items, in.n);
    cr_assert_str_eq(s_of(t, "Id"), TID);
    cr_assert_float_eq(num(t, "Duration"), 0.5, 1e-9);
    cr_assert(json_is_false(json_object_get(t, "LimitExceeded")));
    json_t *segs = json_object_get(t, "Segments");
    cr_assert_eq(json_array_size(segs), 6, "2 segments + DynamoDB x2, KMS, SNS inferred");
    cr_assert_str_eq(s_of(json_array_get(segs, 0), "Id"), "a000000000000001", "start order");

    json_t *orders = assembled_doc(t, "c000000000000001");
    json_t *subs = json_object_get(orders, "subsegments");
    cr_assert_eq(json_array_size(subs), 2);
    json_t *streamed = json_array_get(subs, 1);
    cr_assert_str_eq(s_of(streamed, "id"), "e000000000000001");
    cr_assert_null(json_object_get(streamed, "type"));
    cr_assert_null(json_object_get(streamed, "trace_id"));
    cr_assert_null(json_object_get(streamed, "parent_id"));
    cr_assert_null(assembled_doc(t, "e000000000000001"), "no document of its own");
    json_decref(orders);

    json_t *api = assembled_doc(t, "a000000000000001");
    assert_json(json_object_get(api, "x_unknown"), "{\"kept\":true}");
    json_decref(api);

    char *after = json_dumps(in.arr, JSON_COMPACT);
    cr_assert_str_eq(before, after, "the input documents are not modified");
    free(before);
    free(after);
    json_decref(t);
    docs_fini(&in);
}

Test(trace, assembled_inferred_segment_shape)
{
    struct docs in;
    docs_load(&in, "tests/cases/trace_orders.json");
    json_t *t = trace_assemble(in.items, in.n);
    json_t *found = NULL;
    size_t i;
    json_t *s;
    json_array_foreach(json_object_get(t, "Segments"), i, s)
    {
        json_t *doc = json_loads(s_of(s, "Document"), 0, NULL);
        const char *pid = json_string_value(json_object_get(doc, "parent_id"));
        if (pid && strcmp(pid, "b000000000000001") == 0) {
            found = doc;
            cr_assert_str_eq(s_of(s, "Id"), s_of(doc, "id"));
        } else {
            json_decref(doc);
        }
    }
    cr_assert_not_null(found, "an inferred segment for the root's DynamoDB call");
    const char *id = s_of(found, "id");
    cr_assert_eq(strlen(id), 16);
    cr_assert_str_neq(id, "b000000000000001");
    cr_assert_str_eq(s_of(found, "name"), "DynamoDB");
    cr_assert_str_eq(s_of(found, "trace_id"), TID);
    cr_assert_str_eq(s_of(found, "origin"), "AWS::DynamoDB::Table");
    cr_assert(flag(found, "inferred"));
    cr_assert_float_eq(num(found, "start_time"), 100.05, 1e-9);
    cr_assert_float_eq(num(found, "end_time"), 100.1, 1e-9);
    assert_json(json_object_get(found, "aws"),
                "{\"operation\":\"PutItem\",\"table_name\":\"orders\"}");
    assert_json(json_object_get(found, "http"), "{\"response\":{\"status\":200}}");
    /* Deterministic: assembling again gives the same id. */
    json_t *t2 = trace_assemble(in.items, in.n);
    cr_assert(json_equal(t, t2));
    json_decref(t2);
    json_decref(found);
    json_decref(t);
    docs_fini(&in);
}

Test(trace, assemble_nests_at_depth_and_keeps_orphans)
{
    struct docs in;
    docs_parse(
        &in,
        "[{\"type\":\"subsegment\",\"trace_id\":\"" TID "\",\"parent_id\":\"b000000000000003\","
        "\"id\":\"b000000000000009\",\"name\":\"deepest\",\"start_time\":1.4,\"end_time\":1.5},"
        "{\"type\":\"subsegment\",\"trace_id\":\"" TID "\",\"parent_id\":\"6666666666666666\","
        "\"id\":\"b000000000000008\",\"name\":\"orphan\",\"start_time\":1.4,\"end_time\":1.5},"
        "{\"trace_id\":\"" TID "\",\"id\":\"a000000000000001\",\"name\":\"web\","
        "\"start_time\":1,\"end_time\":2,\"subsegments\":[{\"id\":\"b000000000000001\","
        "\"name\":\"l1\",\"start_time\":1.1,\"end_time\":1.9,\"subsegments\":[{\"id\":"
        "\"b000000000000002\",\"name\":\"l2\",\"start_time\":1.2,\"end_time\":1.8,"
        "\"subsegments\":[{\"id\":\"b000000000000003\",\"name\":\"l3\",\"start_time\":1.3,"
        "\"end_time\":1.7}]}]}]}]");
    json_t *t = trace_assemble(in.items, in.n);
    json_t *segs = json_object_get(t, "Segments");
    cr_assert_eq(json_array_size(segs), 2);
    json_t *web = assembled_doc(t, "a000000000000001");
    json_t *l3 = json_array_get(
        json_object_get(
            json_array_get(json_object_get(json_array_get(json_object_get(web, "subsegments"), 0),
                                           "subsegments"),
                           0),
            "subsegments"),
        0);
    cr_assert_str_eq(s_of(l3, "name"), "l3");
    assert_json(json_object_get(l3, "subsegments"),
                "[{\"id\":\"b000000000000009\",\"name\":\"deepest\",\"start_time\":1.4,"
                "\"end_time\":1.5}]");
    json_decref(web);
    json_t *orphan = assembled_doc(t, "b000000000000008");
    cr_assert_not_null(orphan, "a document whose parent is missing is returned on its own");
    cr_assert_str_eq(s_of(orphan, "parent_id"), "6666666666666666");
    json_decref(orphan);
    json_decref(t);
    docs_fini(&in);
}

Test(trace, fault_through_an_unflagged_call_reports_only_the_deepest_cause)
{
    /* The caller's subsegment recorded no status, but the callee faulted with an exception
     * referenced by id from the root's cause. */
    json_t *d = derive_text(
        "[{\"trace_id\":\"" TID "\",\"id\":\"a000000000000001\",\"name\":\"front\","
        "\"start_time\":1,\"end_time\":2,\"fault\":true,\"cause\":\"f000000000000001\","
        "\"subsegments\":[{\"id\":\"b000000000000001\",\"name\":\"back.svc\","
        "\"namespace\":\"remote\",\"start_time\":1.1,\"end_time\":1.8}]},"
        "{\"trace_id\":\"" TID "\",\"id\":\"c000000000000001\",\"name\":\"back\","
        "\"parent_id\":\"b000000000000001\",\"start_time\":1.2,\"end_time\":1.7,\"fault\":true,"
        "\"cause\":{\"exceptions\":[{\"id\":\"f000000000000001\",\"type\":\"Boom\"}]}}]");
    json_t *faults = json_object_get(json_object_get(d, "summary"), "FaultRootCauses");
    cr_assert_eq(json_array_size(faults), 1);
    json_t *services = json_object_get(json_array_get(faults, 0), "Services");
    cr_assert_eq(json_array_size(services), 2);
    assert_json(json_object_get(json_array_get(services, 1), "EntityPath"),
                "[{\"Name\":\"back\",\"Exceptions\":[{\"Name\":\"Boom\"}],\"Remote\":false}]");
    json_decref(d);
}

Test(trace, exception_referenced_by_id_is_resolved)
{
    json_t *d = derive_text(
        "[{\"trace_id\":\"" TID "\",\"id\":\"a000000000000001\",\"name\":\"front\","
        "\"start_time\":1,\"end_time\":2,\"error\":true,\"cause\":\"f000000000000001\","
        "\"subsegments\":[{\"id\":\"b000000000000001\",\"name\":\"inner\",\"start_time\":1.1,"
        "\"end_time\":1.8,\"cause\":{\"exceptions\":[{\"id\":\"f000000000000002\","
        "\"type\":\"Other\"}]}}]},"
        "{\"type\":\"subsegment\",\"trace_id\":\"" TID "\",\"parent_id\":\"b000000000000001\","
        "\"id\":\"b000000000000002\",\"name\":\"x\",\"start_time\":1.2,\"end_time\":1.3,"
        "\"cause\":{\"exceptions\":[{\"id\":\"f000000000000001\",\"type\":\"NotFound\","
        "\"message\":\"nope\"}]}}]");
    json_t *errors = json_object_get(json_object_get(d, "summary"), "ErrorRootCauses");
    cr_assert_eq(json_array_size(errors), 1);
    assert_json(json_object_get(json_array_get(errors, 0), "Services"),
                "[{\"Name\":\"front\",\"Names\":[\"front\"],\"Inferred\":false,\"EntityPath\":["
                "{\"Name\":\"front\",\"Exceptions\":[{\"Name\":\"NotFound\",\"Message\":\"nope\"}],"
                "\"Remote\":false}]}]");
    json_decref(d);
}

Test(trace, odd_documents_do_not_crash)
{
    /* Stored documents were validated, but derivation must not trust that. */
    json_t *d =
        derive_text("[42,\"x\",{\"id\":7,\"name\":[],\"start_time\":\"a\",\"subsegments\":{},"
                    "\"annotations\":[1],\"http\":{\"response\":{\"status\":\"500\"}}},"
                    "{\"trace_id\":\"" TID "\",\"id\":\"a000000000000001\",\"name\":\"ok\","
                    "\"start_time\":1,\"end_time\":2,\"subsegments\":[1,null,{\"name\":\"n\"}],"
                    "\"annotations\":{\"bad\":{\"x\":1},\"good\":true}}]");
    cr_assert_not_null(json_object_get(d, "summary"));
    cr_assert_eq(json_array_size(json_object_get(d, "annotations")), 1);
    json_decref(d);
    struct docs in;
    docs_parse(&in, "[42,{\"type\":\"subsegment\",\"parent_id\":5},{\"subsegments\":7}]");
    json_t *t = trace_assemble(in.items, in.n);
    cr_assert_not_null(t);
    json_decref(t);
    docs_fini(&in);
}
