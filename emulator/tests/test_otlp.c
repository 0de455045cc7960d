/*
 * test_otlp.c - the OTLP modules: the JSON mapping (otlp_json.c), body decoding (otlp_decode.c)
 * and the span -> segment translation against the golden documents of tests/cases/otlp_xray.txt
 * (FLUORO_WRITE_GOLDEN=1 rewrites the expected lines). Every translated document must also pass
 * X-Ray's own document validation (segment.c).
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "otlp_decode.h"
#include "otlp_json.h"
#include "otlp_xray.h"
#include "segment.h"

TestSuite(otlp);

#define GOLDEN "tests/cases/otlp_xray.txt"

/* ---- golden translation cases ---- */

struct gcase {
    char *comment, *input, *expected, *fail_msg;
};

static char *dup_line(const char *s, size_t n)
{
    char *out = malloc(n + 1);
    memcpy(out, s, n);
    out[n] = 0;
    return out;
}

/* Reads the cases file into cases (at most max); returns how many. */
static size_t read_cases(struct gcase *cases, size_t max)
{
    FILE *f = fopen(GOLDEN, "r");
    cr_assert_not_null(f, "cannot open %s", GOLDEN);
    char *line = NULL;
    size_t cap = 0, n = 0;
    ssize_t len;
    int state = 0; /* 0: want input, 1: want expected, 2: want fail message */
    char *comment = NULL;
    while ((len = getline(&line, &cap, f)) >= 0) {
        while (len && (line[len - 1] == '\n' || line[len - 1] == '\r')) {
            line[--len] = 0;
        }
        if (state == 0 && (len == 0 || line[0] == '#')) {
            if (len > 2 && line[0] == '#') {
                free(comment);
                comment = dup_line(line + 2, (size_t)len - 2);
            }
            continue;
        }
        if (state == 0) {
            cr_assert_lt(n, max);
            memset(&cases[n], 0, sizeof(cases[n]));
            cases[n].comment = comment ? comment : strdup("");
            comment = NULL;
            cases[n].input = dup_line(line, (size_t)len);
            state = 1;
        } else if (state == 1) {
            if (strcmp(line, "%%FAIL") == 0) {
                state = 2;
                continue;
            }
            cases[n++].expected = dup_line(line, (size_t)len);
            state = 0;
        } else {
            cases[n++].fail_msg = dup_line(line, (size_t)len);
            state = 0;
        }
    }
    free(comment);
    free(line);
    fclose(f);
    return n;
}

/* Translates every span of the request; returns the documents (new) or NULL with err. */
static json_t *translate(const char *input, struct errbuf *err)
{
    OTLP_TRACE_REQ *req = otlp_decode_traces(input, strlen(input), OTLP_CONTENT_JSON, err);
    cr_assert_not_null(req, "input does not decode: %s", err->msg);
    json_t *docs = json_array();
    static const struct otlp_xray_opts opts = {0};
    for (size_t i = 0; i < req->n_resource_spans; i++) {
        OTLP_RESOURCE_SPANS *rs = req->resource_spans[i];
        for (size_t k = 0; k < rs->n_scope_spans; k++) {
            for (size_t s = 0; s < rs->scope_spans[k]->n_spans; s++) {
                if (otlp_xray_translate(rs->scope_spans[k]->spans[s], rs->resource, &opts, docs,
                                        err) < 0) {
                    json_decref(docs);
                    docs = NULL;
                    goto out;
                }
            }
        }
    }
out:
    protobuf_c_message_free_unpacked(&req->base, NULL);
    return docs;
}

Test(otlp, spans_translate_to_the_golden_documents)
{
    struct gcase cases[64];
    size_t n = read_cases(cases, ARRAY_LEN(cases));
    cr_assert_gt(n, 10);
    FILE *out = getenv("FLUORO_WRITE_GOLDEN") ? fopen(GOLDEN ".new", "w") : NULL;
    if (out) {
        fputs("# OTLP span -> X-Ray documents (otlp_xray.c), one span per case. Each case: a "
              "comment naming\n# the shape, the ExportTraceServiceRequest as OTLP JSON on one "
              "line, then the documents as a JSON\n# array on one line (keys sorted), or %%FAIL "
              "and the exact error. FLUORO_WRITE_GOLDEN=1 rewrites\n# the expected lines from "
              "the translator; review the diff before committing it.\n\n",
              out);
    }
    for (size_t i = 0; i < n; i++) {
        struct gcase *c = &cases[i];
        struct errbuf err = {{0}, -1};
        json_t *docs = translate(c->input, &err);
        char *got = docs ? json_dumps(docs, JSON_COMPACT | JSON_SORT_KEYS) : NULL;
        if (out) {
            fprintf(out, "# %s\n%s\n", c->comment, c->input);
            if (got) {
                fprintf(out, "%s\n\n", got);
            } else {
                fprintf(out, "%%%%FAIL\n%s\n\n", err.msg);
            }
        }
        if (c->fail_msg) {
            cr_expect_null(docs, "case '%s' should fail", c->comment);
            cr_expect_str_eq(err.msg, c->fail_msg, "case '%s'", c->comment);
        } else {
            cr_expect_not_null(docs, "case '%s' failed: %s", c->comment, err.msg);
            cr_expect(got && strcmp(got, c->expected) == 0, "case '%s' differs:\n%s", c->comment,
                      got ? got : "(null)");
            size_t k;
            json_t *d;
            json_array_foreach(docs, k, d)
            {
                struct segment seg;
                struct errbuf verr = {{0}, -1};
                enum segment_reject r = segment_validate(d, &seg, &verr);
                cr_expect_eq(r, SEGMENT_OK, "case '%s' document %zu is not valid: %s", c->comment,
                             k, verr.msg);
                if (r == SEGMENT_OK) {
                    segment_fini(&seg);
                }
            }
        }
        free(got);
        json_decref(docs);
        free(c->comment);
        free(c->input);
        free(c->expected);
        free(c->fail_msg);
    }
    if (out) {
        fclose(out);
        rename(GOLDEN ".new", GOLDEN);
    }
}

Test(otlp, index_all_makes_every_scalar_attribute_an_annotation)
{
    const char *input =
        "{\"resourceSpans\":[{\"scopeSpans\":[{\"spans\":[{\"traceId\":"
        "\"5f5e100a0123456789abcdef01234567\",\"spanId\":\"1000000000000001\",\"name\":\"x\","
        "\"kind\":2,\"attributes\":[{\"key\":\"a.b\",\"value\":{\"intValue\":\"7\"}},{\"key\":"
        "\"list\",\"value\":{\"arrayValue\":{\"values\":[{\"intValue\":\"1\"}]}}}]}]}]}]}";
    struct errbuf err = {{0}, -1};
    OTLP_TRACE_REQ *req = otlp_decode_traces(input, strlen(input), OTLP_CONTENT_JSON, &err);
    cr_assert_not_null(req, "%s", err.msg);
    json_t *docs = json_array();
    struct otlp_xray_opts opts = {.index_all = true};
    cr_assert_eq(otlp_xray_translate(req->resource_spans[0]->scope_spans[0]->spans[0], NULL, &opts,
                                     docs, &err),
                 0);
    json_t *ann = json_object_get(json_array_get(docs, 0), "annotations");
    cr_assert_eq(json_integer_value(json_object_get(ann, "a.b")), 7);
    cr_assert_null(json_object_get(ann, "list"), "arrays are not annotation values");
    json_decref(docs);
    protobuf_c_message_free_unpacked(&req->base, NULL);
}

/* ---- the JSON mapping ---- */

Test(otlp, json_and_protobuf_decode_to_the_same_message)
{
    const char *json =
        "{\"resourceSpans\":[{\"scopeSpans\":[{\"spans\":[{\"traceId\":"
        "\"5F5E100A0123456789ABCDEF01234567\",\"span_id\":\"1000000000000001\",\"name\":\"n\","
        "\"kind\":\"SPAN_KIND_CLIENT\",\"startTimeUnixNano\":1700000000000000000,"
        "\"endTimeUnixNano\":{\"low\":1,\"high\":0},\"unknownField\":[1,2],"
        "\"status\":{\"code\":2},\"attributes\":[{\"key\":\"d\",\"value\":{\"doubleValue\":"
        "\"NaN\"}},{\"key\":\"b\",\"value\":{\"bytesValue\":\"AAEC\"}}]}]}]}]}";
    struct errbuf err = {{0}, -1};
    OTLP_TRACE_REQ *a = otlp_decode_traces(json, strlen(json), OTLP_CONTENT_JSON, &err);
    cr_assert_not_null(a, "%s", err.msg);
    size_t n = protobuf_c_message_get_packed_size(&a->base);
    uint8_t *pb = malloc(n);
    protobuf_c_message_pack(&a->base, pb);
    OTLP_TRACE_REQ *b = otlp_decode_traces(pb, n, OTLP_CONTENT_PROTOBUF, &err);
    cr_assert_not_null(b, "%s", err.msg);
    OTLP_SPAN *s = b->resource_spans[0]->scope_spans[0]->spans[0];
    cr_assert_eq(s->trace_id.len, 16);
    cr_assert_eq(s->trace_id.data[0], 0x5f);
    cr_assert_eq(s->kind, 3);
    cr_assert_eq(s->start_time_unix_nano, 1700000000000000000ull);
    cr_assert_eq(s->end_time_unix_nano, 1);
    cr_assert_eq(s->status->code, 2);
    cr_assert_eq(s->attributes[1]->value->bytes_value.len, 3);
    /* and back to JSON: ids as hex, 64-bit as strings, NaN as a string, bytes as base64 */
    json_t *j = otlp_json_encode(&b->base);
    char *text = json_dumps(j, JSON_COMPACT);
    cr_assert(strstr(text, "\"traceId\":\"5f5e100a0123456789abcdef01234567\""), "%s", text);
    cr_assert(strstr(text, "\"startTimeUnixNano\":\"1700000000000000000\""), "%s", text);
    cr_assert(strstr(text, "\"doubleValue\":\"NaN\""), "%s", text);
    cr_assert(strstr(text, "\"bytesValue\":\"AAEC\""), "%s", text);
    free(text);
    json_decref(j);
    free(pb);
    protobuf_c_message_free_unpacked(&a->base, NULL);
    protobuf_c_message_free_unpacked(&b->base, NULL);
}

Test(otlp, json_decode_errors_name_the_field)
{
    static const struct {
        const char *json, *msg;
    } cases[] = {
        {"[]", "ExportTraceServiceRequest must be a JSON object"},
        {"{\"resourceSpans\":{}}", "ExportTraceServiceRequest.resourceSpans must be an array"},
        {"{\"resourceSpans\":[{\"scopeSpans\":[{\"spans\":[{\"traceId\":\"abc\"}]}]}]}",
         "trace_id is not valid hex"},
        {"{\"resourceSpans\":[{\"scopeSpans\":[{\"spans\":[{\"kind\":\"x\"}]}]}]}",
         "kind has the wrong JSON type"},
        {"{\"resourceSpans\":[{\"resource\":{\"attributes\":[{\"key\":\"k\",\"value\":"
         "{\"stringValue\":\"a\",\"intValue\":1}}]}}]}",
         "AnyValue has more than one value"},
        {"{\"resourceSpans\":[{\"scopeSpans\":[{\"spans\":[{\"startTimeUnixNano\":\"12x\"}]}]}]}",
         "start_time_unix_nano has the wrong JSON type"},
    };
    for (size_t i = 0; i < ARRAY_LEN(cases); i++) {
        struct errbuf err = {{0}, -1};
        OTLP_TRACE_REQ *r =
            otlp_decode_traces(cases[i].json, strlen(cases[i].json), OTLP_CONTENT_JSON, &err);
        cr_expect_null(r, "%s", cases[i].json);
        cr_expect_str_eq(err.msg, cases[i].msg);
    }
}

/* An AnyValue holding an array holding an AnyValue ... `depth` levels of AnyValue, packed. */
static uint8_t *nested_any(int depth, size_t *len)
{
    Opentelemetry__Proto__Common__V1__AnyValue *vals = calloc((size_t)depth, sizeof(*vals));
    Opentelemetry__Proto__Common__V1__ArrayValue *arrs = calloc((size_t)depth, sizeof(*arrs));
    Opentelemetry__Proto__Common__V1__AnyValue **ptrs = calloc((size_t)depth, sizeof(*ptrs));
    for (int i = 0; i < depth; i++) {
        opentelemetry__proto__common__v1__any_value__init(&vals[i]);
        opentelemetry__proto__common__v1__array_value__init(&arrs[i]);
        ptrs[i] = &vals[i];
    }
    for (int i = 0; i + 1 < depth; i++) {
        vals[i].value_case = OPENTELEMETRY__PROTO__COMMON__V1__ANY_VALUE__VALUE_ARRAY_VALUE;
        vals[i].array_value = &arrs[i];
        arrs[i].n_values = 1;
        arrs[i].values = &ptrs[i + 1];
    }
    *len = protobuf_c_message_get_packed_size(&vals[0].base);
    uint8_t *pb = malloc(*len);
    protobuf_c_message_pack(&vals[0].base, pb);
    free(vals);
    free(arrs);
    free(ptrs);
    return pb;
}

Test(otlp, deep_nesting_is_refused_before_unpacking)
{
    struct errbuf err = {{0}, -1};
    size_t n;
    uint8_t *shallow = nested_any(10, &n);
    cr_assert_eq(
        otlp_pb_check(&opentelemetry__proto__common__v1__any_value__descriptor, shallow, n, &err),
        0, "%s", err.msg);
    free(shallow);
    /* each AnyValue level is two messages deep (AnyValue -> ArrayValue) */
    uint8_t *deep = nested_any(OTLP_MAX_DEPTH / 2 + 2, &n);
    cr_assert_eq(
        otlp_pb_check(&opentelemetry__proto__common__v1__any_value__descriptor, deep, n, &err),
        ERR_INVALID);
    cr_assert_str_eq(err.msg, "messages are nested more than 64 deep");
    free(deep);
}

/* ---- bodies ---- */

Test(otlp, gunzip_enforces_the_inflated_limit)
{
    static char big[200000];
    memset(big, 'a', sizeof(big));
    uLongf zlen = compressBound(sizeof(big));
    uint8_t *z = malloc(zlen);
    cr_assert_eq(compress(z, &zlen, (const Bytef *)big, sizeof(big)), Z_OK);
    uint8_t *out = NULL;
    size_t out_len = 0;
    cr_assert_eq(otlp_gunzip(z, zlen, sizeof(big), &out, &out_len), 0);
    cr_assert_eq(out_len, sizeof(big));
    free(out);
    cr_assert_eq(otlp_gunzip(z, zlen, sizeof(big) - 1, &out, &out_len), ERR_LIMIT);
    cr_assert_eq(otlp_gunzip(z, zlen / 2, sizeof(big), &out, &out_len), ERR_INVALID,
                 "a truncated stream is invalid");
    cr_assert_eq(otlp_gunzip("junk", 4, 100, &out, &out_len), ERR_INVALID);
    free(z);
}

Test(otlp, base64_round_trips_and_refuses_junk)
{
    const uint8_t data[] = {0, 1, 2, 0xfe, 0xff};
    char *b = otlp_base64_encode(data, sizeof(data));
    cr_assert_str_eq(b, "AAEC/v8=");
    ProtobufCBinaryData back = {0, NULL};
    cr_assert_eq(otlp_base64_decode(b, strlen(b), &back), 0);
    cr_assert_eq(back.len, sizeof(data));
    cr_assert(memcmp(back.data, data, sizeof(data)) == 0);
    free(back.data);
    cr_assert_eq(otlp_base64_decode("AAEC/v8", 7, &back), 0, "padding is optional");
    free(back.data);
    cr_assert_eq(otlp_base64_decode("AA E", 4, &back), ERR_INVALID);
    cr_assert_eq(otlp_base64_decode("A", 1, &back), ERR_INVALID);
    free(b);
}

Test(otlp, content_types)
{
    cr_assert_eq(otlp_content_type("application/x-protobuf"), OTLP_CONTENT_PROTOBUF);
    cr_assert_eq(otlp_content_type("Application/JSON; charset=utf-8"), OTLP_CONTENT_JSON);
    cr_assert_eq(otlp_content_type("application/jsonx"), OTLP_CONTENT_UNKNOWN);
    cr_assert_eq(otlp_content_type(NULL), OTLP_CONTENT_UNKNOWN);
}
