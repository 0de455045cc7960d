/* The protoc-c scaffold: the OTLP messages in proto/ encode with the specification's field
 * numbers and wire types (checked byte for byte against hand-assembled protobuf), and decode
 * back. A wrong number in a .proto would make every real client's request unreadable. */
#include <criterion/criterion.h>
#include <string.h>

#include "otlp_trace_service.pb-c.h"
#include "rpc_status.pb-c.h"

TestSuite(otlp_proto);

Test(otlp_proto, span_fields_use_the_specification_numbers)
{
    uint8_t tid[16] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16};
    uint8_t sid[8] = {0xa, 0xb, 0xc, 0xd, 0xe, 0xf, 0x10, 0x11};
    Opentelemetry__Proto__Trace__V1__Span span = OPENTELEMETRY__PROTO__TRACE__V1__SPAN__INIT;
    span.trace_id.data = tid;
    span.trace_id.len = sizeof tid;
    span.span_id.data = sid;
    span.span_id.len = sizeof sid;
    span.name = "n";
    span.kind = OPENTELEMETRY__PROTO__TRACE__V1__SPAN__SPAN_KIND__SPAN_KIND_SERVER;
    span.start_time_unix_nano = 1;

    uint8_t out[64];
    size_t n = opentelemetry__proto__trace__v1__span__pack(&span, out);
    /* field 1 bytes (0x0a), field 2 bytes (0x12), field 5 string (0x2a), field 6 varint (0x30),
     * field 7 fixed64 (0x39). */
    const uint8_t want[] = {0x0a, 16,  1,   2,   3,    4,    5,    6,    7,   8,    9,
                            10,   11,  12,  13,  14,   15,   16,   0x12, 8,   0xa,  0xb,
                            0xc,  0xd, 0xe, 0xf, 0x10, 0x11, 0x2a, 1,    'n', 0x30, 2,
                            0x39, 1,   0,   0,   0,    0,    0,    0,    0};
    cr_assert_eq(n, sizeof want);
    cr_assert(memcmp(out, want, n) == 0);
}

Test(otlp_proto, export_request_round_trips)
{
    Opentelemetry__Proto__Trace__V1__Span span = OPENTELEMETRY__PROTO__TRACE__V1__SPAN__INIT;
    Opentelemetry__Proto__Trace__V1__Span *spans[] = {&span};
    Opentelemetry__Proto__Trace__V1__ScopeSpans ss =
        OPENTELEMETRY__PROTO__TRACE__V1__SCOPE_SPANS__INIT;
    Opentelemetry__Proto__Trace__V1__ScopeSpans *sss[] = {&ss};
    Opentelemetry__Proto__Trace__V1__ResourceSpans rs =
        OPENTELEMETRY__PROTO__TRACE__V1__RESOURCE_SPANS__INIT;
    Opentelemetry__Proto__Trace__V1__ResourceSpans *rss[] = {&rs};
    Opentelemetry__Proto__Collector__Trace__V1__ExportTraceServiceRequest req =
        OPENTELEMETRY__PROTO__COLLECTOR__TRACE__V1__EXPORT_TRACE_SERVICE_REQUEST__INIT;
    span.name = "GET /orders";
    span.end_time_unix_nano = 42;
    ss.n_spans = 1;
    ss.spans = spans;
    rs.n_scope_spans = 1;
    rs.scope_spans = sss;
    req.n_resource_spans = 1;
    req.resource_spans = rss;

    uint8_t out[128];
    size_t n =
        opentelemetry__proto__collector__trace__v1__export_trace_service_request__pack(&req, out);
    Opentelemetry__Proto__Collector__Trace__V1__ExportTraceServiceRequest *back =
        opentelemetry__proto__collector__trace__v1__export_trace_service_request__unpack(NULL, n,
                                                                                         out);
    cr_assert_not_null(back);
    cr_assert_eq(back->n_resource_spans, 1);
    cr_assert_eq(back->resource_spans[0]->scope_spans[0]->n_spans, 1);
    cr_assert_str_eq(back->resource_spans[0]->scope_spans[0]->spans[0]->name, "GET /orders");
    cr_assert_eq(back->resource_spans[0]->scope_spans[0]->spans[0]->end_time_unix_nano, 42);
    opentelemetry__proto__collector__trace__v1__export_trace_service_request__free_unpacked(back,
                                                                                            NULL);
}

Test(otlp_proto, rpc_status_encodes_code_and_message)
{
    Google__Rpc__Status st = GOOGLE__RPC__STATUS__INIT;
    st.code = 3;
    st.message = "x";
    uint8_t out[16];
    size_t n = google__rpc__status__pack(&st, out);
    const uint8_t want[] = {0x08, 3, 0x12, 1, 'x'};
    cr_assert_eq(n, sizeof want);
    cr_assert(memcmp(out, want, n) == 0);
}
