#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "export_int.h"
#include "logs_chunk.h"
#include "otlp_decode.h"
#include "otlp_xray.h"

TestSuite(export);

Test(export, export_header_is_repeatable_and_urls_are_checked)
{
    struct config cfg;
    struct errbuf err = {{0}, -1};
    unsetenv("FLUORO_EXPORT_HEADER");
    char *ok[] = {"--export-otlp", "http://collector:4318", "--export-header",
                  "A=1",           "--export-header",       "Authorization=Bearer x=y"};
    cr_assert_eq(config_parse(&cfg, 6, ok, &err), 0, "%s", err.msg);
    cr_assert_str_eq(cfg.export_headers, "A=1,Authorization=Bearer x=y");
    cr_assert_str_eq(cfg.export_otlp, "http://collector:4318");
    config_fini(&cfg);
    char *bad_url[] = {"--forward-xray", "xray.us-east-1.amazonaws.com"};
    cr_assert_eq(config_parse(&cfg, 2, bad_url, &err), ERR_INVALID);
    cr_assert(strstr(err.msg, "--forward-xray") != NULL, "%s", err.msg);
    config_fini(&cfg);
    char *bad_header[] = {"--export-header", "=v"};
    cr_assert_eq(config_parse(&cfg, 2, bad_header, &err), ERR_INVALID);
    cr_assert(strstr(err.msg, "K=V") != NULL, "%s", err.msg);
    config_fini(&cfg);
}

/* A batch of one chunk per pack chunk of n events of len bytes each, 1 ms apart. */
static void make_chunks(struct export_batch *b, const char *stream, size_t n, size_t len)
{
    struct logs_db_event *ev = calloc(n, sizeof(*ev));
    char *msg = malloc(len + 1);
    memset(msg, 'm', len);
    msg[len] = 0;
    for (size_t i = 0; i < n; i++) {
        ev[i] = (struct logs_db_event){.ts = 1000000 + (int64_t)i, .message = msg, .len = len};
    }
    struct logs_chunk_pack pack = {0};
    logs_chunk_pack_init(&pack, ev, n);
    b->chunks = realloc(b->chunks, (b->nchunks + pack.n) * sizeof(*b->chunks));
    for (size_t i = 0; i < pack.n; i++) {
        struct export_chunk *c = &b->chunks[b->nchunks++];
        memset(c, 0, sizeof(*c));
        c->group = strdup("g");
        c->stream = strdup(stream);
        c->min_ts = pack.chunks[i].min_ts;
        c->max_ts = pack.chunks[i].max_ts;
        c->count = pack.chunks[i].count;
        c->data = malloc(pack.chunks[i].data_len);
        memcpy(c->data, pack.chunks[i].data, pack.chunks[i].data_len);
        c->data_len = pack.chunks[i].data_len;
    }
    logs_chunk_pack_fini(&pack);
    free(msg);
    free(ev);
}

Test(export, put_log_events_batches_keep_the_aws_limits)
{
    struct export_batch b = {0};
    struct export_reqs reqs = {0};
    struct export_target t = {.id = METRICS_EXPORTER_LOGS, .base_url = "http://x"};
    make_chunks(&b, "a", 12000, 10);  /* more events than one call takes */
    make_chunks(&b, "b", 40, 100000); /* more bytes than one call takes */
    cr_assert_eq(export_logs_build(&t, &b, &reqs), 0);
    size_t events_a = 0, events_b = 0;
    for (size_t i = 0; i < reqs.n; i++) {
        json_t *body = json_loadb(reqs.v[i].body, reqs.v[i].len, 0, NULL);
        json_t *ev = json_object_get(body, "logEvents");
        size_t bytes = 0;
        for (size_t k = 0; k < json_array_size(ev); k++) {
            bytes += strlen(json_string_value(json_object_get(json_array_get(ev, k), "message")));
            bytes += 26;
        }
        cr_assert_leq(json_array_size(ev), 10000);
        cr_assert_leq(bytes, 1048576);
        cr_assert_eq(reqs.v[i].items, json_array_size(ev));
        const char *stream = json_string_value(json_object_get(body, "logStreamName"));
        *(strcmp(stream, "a") == 0 ? &events_a : &events_b) += json_array_size(ev);
        json_decref(body);
    }
    cr_assert_eq(events_a, 12000);
    cr_assert_eq(events_b, 40);
    cr_assert_geq(reqs.n, 2 + 4);
    export_reqs_fini(&reqs);
    export_batch_fini(&b);
}

Test(export, xray_batches_hold_at_most_50_documents_as_received)
{
    struct export_batch b = {0};
    struct export_reqs reqs = {0};
    struct export_target t = {.id = METRICS_EXPORTER_XRAY, .base_url = "http://x/"};
    b.nsegs = 101;
    b.segs = calloc(b.nsegs, sizeof(*b.segs));
    for (size_t i = 0; i < b.nsegs; i++) {
        b.segs[i].doc = strdup("{ \"name\" :\"a\\u00e9\" }");
        b.segs[i].len = strlen(b.segs[i].doc);
    }
    cr_assert_eq(export_xray_build(&t, &b, &reqs), 0);
    cr_assert_eq(reqs.n, 3);
    cr_assert_str_eq(reqs.v[0].url, "http://x/TraceSegments");
    cr_assert_eq(reqs.v[0].items, 50);
    cr_assert_eq(reqs.v[2].items, 1);
    json_t *body = json_loadb(reqs.v[2].body, reqs.v[2].len, 0, NULL);
    cr_assert_str_eq(
        json_string_value(json_array_get(json_object_get(body, "TraceSegmentDocuments"), 0)),
        "{ \"name\" :\"a\\u00e9\" }");
    json_decref(body);
    export_reqs_fini(&reqs);
    export_batch_fini(&b);
}

/* The span a segment becomes translates back (otlp_xray.c) into the same segment. */
Test(export, otlp_spans_translate_back_to_the_segments)
{
    const char *doc =
        "{\"trace_id\":\"1-5f84c7a1-e7d1852db8c4fd35d88bf49a\",\"id\":\"70de5b6f19ff9a0a\","
        "\"name\":\"orders\",\"start_time\":1700000000.5,\"end_time\":1700000001.25,"
        "\"annotations\":{\"customer\":\"c1\",\"n\":3},\"user\":\"u1\","
        "\"http\":{\"request\":{\"method\":\"GET\",\"url\":\"http://a/b\"},"
        "\"response\":{\"status\":502}},\"fault\":true,"
        "\"subsegments\":[{\"id\":\"70de5b6f19ff9a0b\",\"name\":\"DynamoDB\",\"namespace\":\"aws\","
        "\"start_time\":1700000000.75,\"end_time\":1700000001,\"aws\":{\"operation\":\"GetItem\"}}]"
        "}";
    struct export_batch b = {0};
    struct export_reqs reqs = {0};
    struct export_target t = {.id = METRICS_EXPORTER_OTLP_TRACES, .base_url = "http://c:4318"};
    b.nsegs = 1;
    b.segs = calloc(1, sizeof(*b.segs));
    b.segs[0].doc = strdup(doc);
    b.segs[0].len = strlen(doc);
    cr_assert_eq(export_otlp_traces_build(&t, &b, &reqs), 0);
    cr_assert_eq(reqs.n, 1);
    cr_assert_str_eq(reqs.v[0].url, "http://c:4318/v1/traces");
    uint8_t *raw = NULL;
    size_t raw_len = 0;
    cr_assert_eq(otlp_gunzip(reqs.v[0].body, reqs.v[0].len, 1 << 20, &raw, &raw_len), 0);
    struct errbuf err = {{0}, -1};
    OTLP_TRACE_REQ *req = otlp_decode_traces(raw, raw_len, OTLP_CONTENT_PROTOBUF, &err);
    cr_assert_not_null(req, "%s", err.msg);
    cr_assert_eq(req->n_resource_spans, 1);
    OTLP_RESOURCE_SPANS *rs = req->resource_spans[0];
    cr_assert_eq(rs->scope_spans[0]->n_spans, 2);
    json_t *docs = json_array();
    for (size_t i = 0; i < 2; i++) {
        cr_assert_eq(
            otlp_xray_translate(rs->scope_spans[0]->spans[i], rs->resource, NULL, docs, &err), 0);
    }
    json_t *seg = json_array_get(docs, 0), *sub = json_array_get(docs, 1);
    cr_assert_str_eq(json_string_value(json_object_get(seg, "trace_id")),
                     "1-5f84c7a1-e7d1852db8c4fd35d88bf49a");
    cr_assert_str_eq(json_string_value(json_object_get(seg, "name")), "orders");
    cr_assert_null(json_object_get(seg, "parent_id"));
    cr_assert(json_is_true(json_object_get(seg, "fault")));
    cr_assert_str_eq(json_string_value(json_object_get(seg, "user")), "u1");
    cr_assert_eq(json_integer_value(json_object_get(json_object_get(seg, "annotations"), "n")), 3);
    cr_assert_str_eq(json_string_value(json_object_get(
                         json_object_get(json_object_get(seg, "http"), "request"), "url")),
                     "http://a/b");
    cr_assert_float_eq(json_real_value(json_object_get(seg, "end_time")), 1700000001.25, 1e-6);
    cr_assert_str_eq(json_string_value(json_object_get(sub, "name")), "DynamoDB");
    cr_assert_str_eq(json_string_value(json_object_get(sub, "namespace")), "aws");
    cr_assert_str_eq(json_string_value(json_object_get(sub, "parent_id")), "70de5b6f19ff9a0a");
    cr_assert_str_eq(json_string_value(json_object_get(json_object_get(sub, "aws"), "operation")),
                     "GetItem");
    json_decref(docs);
    protobuf_c_message_free_unpacked(&req->base, NULL);
    free(raw);
    export_reqs_fini(&reqs);
    export_batch_fini(&b);
}
