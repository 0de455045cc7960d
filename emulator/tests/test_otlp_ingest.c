/*
 * test_otlp_ingest.c - the spans kept as received (otlp_ingest.c): each is written as its
 * scope's shared '{"resource":…,"scope":…,' prefix and its own members, and that text must be
 * exactly what dumping otlp_span_json() gives, across resources and scopes of one request.
 */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#include "jarena.h"
#include "otlp_decode.h"
#include "otlp_ingest.h"

TestSuite(otlp_ingest);

#define SPAN(id, name, extra)                                                                      \
    "{\"traceId\":\"5f5e100a0123456789abcdef01234567\",\"spanId\":\"" id "\",\"name\":\"" name     \
    "\",\"kind\":2,\"startTimeUnixNano\":\"1700000000000000000\","                                 \
    "\"endTimeUnixNano\":\"1700000000050000000\"" extra "}"

Test(otlp_ingest, kept_spans_are_the_span_json_of_their_resource_and_scope)
{
    /* clang-format off: the request reads as JSON only with its line breaks kept */
    const char *json =
        "{\"resourceSpans\":["
        "{\"resource\":{\"attributes\":["
        "{\"key\":\"service.name\",\"value\":{\"stringValue\":\"a \\\"quoted\\\" \\u00e9\"}},"
        "{\"key\":\"n\",\"value\":{\"doubleValue\":2.5}}]},"
        "\"scopeSpans\":["
        "{\"scope\":{\"name\":\"s1\",\"version\":\"1\"},\"spans\":[" SPAN(
            "1000000000000001", "one",
            ",\"attributes\":[{\"key\":\"k\",\"value\":{\"arrayValue\":{\"values\":["
            "{\"intValue\":\"3\"}]}}}],\"status\":{\"code\":2,\"message\":\"m\"}") "," SPAN("100000"
                                                                                            "000000"
                                                                                            "0002",
                                                                                            "two",
                                                                                            ",\"par"
                                                                                            "entSpa"
                                                                                            "nId\":"
                                                                                            "\"1000"
                                                                                            "000000"
                                                                                            "000001"
                                                                                            "\","
                                                                                            "\"even"
                                                                                            "ts\":["
                                                                                            "{\"nam"
                                                                                            "e\":"
                                                                                            "\"e\"}"
                                                                                            "]") "]"
                                                                                                 "}"
                                                                                                 ","
                                                                                                 "{"
                                                                                                 "\"spans\":[" SPAN(
                                                                                                     "1000000000000003",
                                                                                                     "three",
                                                                                                     "") "]}]},"
                                                                                                         "{\"scopeSpans\":[{\"scope\":{\"name\":\"bare\"},\"spans\":[" SPAN(
                                                                                                             "1000000000000004",
                                                                                                             "four",
                                                                                                             ",\"links\":[{\"spanId\":\"1000000000000001\"}]") "]}]}]}";
    /* clang-format on */
    struct errbuf err = {{0}, -1};
    OTLP_TRACE_REQ *req = otlp_decode_traces(json, strlen(json), OTLP_CONTENT_JSON, &err);
    cr_assert_not_null(req, "%s", err.msg);
    struct otlp_batch b = {0};
    static const struct otlp_xray_opts opts = {0};
    otlp_batch_add(&b, req, 1700000000.0, &opts, true);
    cr_assert_eq(b.accepted, 4, "accepted %zu: %s", b.accepted, b.first_error);
    cr_assert_eq(b.nspans, 4);
    size_t k = 0;
    for (size_t i = 0; i < req->n_resource_spans; i++) {
        const OTLP_RESOURCE_SPANS *rs = req->resource_spans[i];
        for (size_t j = 0; j < rs->n_scope_spans; j++) {
            const OTLP_SCOPE_SPANS *ss = rs->scope_spans[j];
            for (size_t s = 0; s < ss->n_spans; s++, k++) {
                json_t *whole = otlp_span_json(ss->spans[s], rs->resource, ss->scope);
                char *want = json_dumps(whole, JSON_COMPACT);
                cr_assert_str_eq(b.spans[k].json, want);
                json_t *back = json_loads(b.spans[k].json, 0, NULL);
                cr_assert(json_equal(back, whole), "%s", b.spans[k].json);
                json_decref(back);
                free(want);
                json_decref(whole);
            }
        }
    }
    cr_assert(strstr(b.spans[0].json, "\"service.name\":\"a \\\"quoted\\\" \xc3\xa9\""), "%s",
              b.spans[0].json);
    cr_assert(strstr(b.spans[3].json, "{\"resource\":{\"attributes\":{}},\"scope\":{\"name\":"
                                      "\"bare\"},\"traceId\""),
              "%s", b.spans[3].json);
    otlp_batch_fini(&b);
    protobuf_c_message_free_unpacked(&req->base, NULL);
}

/* The translated documents are built in the batch's own arena, which holds all of them, so
 * otlp_batch_fini frees them in one go (unit-asan's leak check covers the rest). */
Test(otlp_ingest, a_batch_s_documents_live_in_its_own_arena, .init = jarena_install)
{
    const char *json = "{\"resourceSpans\":[{\"scopeSpans\":[{\"spans\":[" SPAN(
        "1000000000000001", "root",
        "") "," SPAN("1000000000000002", "child",
                     ",\"kind\":3,\"parentSpanId\":\"1000000000000001\"") "]}]}]}";
    struct errbuf err = {{0}, -1};
    OTLP_TRACE_REQ *req = otlp_decode_traces(json, strlen(json), OTLP_CONTENT_JSON, &err);
    cr_assert_not_null(req, "%s", err.msg);
    struct otlp_batch b = {0};
    static const struct otlp_xray_opts opts = {0};
    otlp_batch_add(&b, req, 1700000000.0, &opts, true);
    cr_assert_eq(b.accepted, 2, "%s", b.first_error);
    cr_assert_eq(b.nsegs, 2);
    cr_assert_not_null(b.arena);
    for (size_t i = 0; i < b.nsegs; i++) {
        cr_expect(jarena_owns(b.segs[i].doc), "document %zu is on the heap", i);
    }
    cr_expect(jarena_pure(b.arena));
    /* The thread's allocations outside the batch stay on the heap. */
    json_t *after = json_object();
    cr_expect_not(jarena_owns(after));
    json_decref(after);
    otlp_batch_fini(&b);
    protobuf_c_message_free_unpacked(&req->base, NULL);
}
