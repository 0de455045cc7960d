/*
 * fuzz_otlp.c - libFuzzer harness for OTLP input: the first byte picks the path, the rest is the
 * body. Each path is what a client or a datagram can reach: /v1/traces protobuf and JSON bodies
 * (decoded, then every span translated and validated as the HTTP handler does), /v1/logs bodies,
 * gzip bodies under the 5 MB limit, and ADOT UDP payloads (T1S/T1U/M1 after the header line).
 * Nothing here may crash, hang or leak; bad input is only ever an error. The text written without
 * jansson trees must also be jansson's own: each span's otlp_span_text() against the dumped
 * otlp_span_json(), each stored document against json_dumps() of its tree (abort on a difference).
 */
#include <jansson.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fluoro.h"
#include "jx.h"
#include "otlp_decode.h"
#include "otlp_ingest.h"
#include "otlp_udp.h"

/* otlp_span_text() writes what dumping otlp_span_json() gives, whenever it writes at all. */
static void same_span_text(const OTLP_SPAN *span)
{
    struct jx_out o = {0};
    JX_LIT(&o, "{\"resource\":{\"attributes\":{}},\"scope\":{},");
    if (otlp_span_text(&o, span) == 0) {
        json_t *whole = otlp_span_json(span, NULL, NULL);
        char *want = json_dumps(whole, JSON_COMPACT);
        if (!want || strcmp(want, o.data) != 0) {
            abort();
        }
        free(want);
        json_decref(whole);
    }
    jx_fini(&o);
}

static void traces(const uint8_t *data, size_t size, enum otlp_content ct)
{
    struct errbuf err = {{0}, -1};
    OTLP_TRACE_REQ *req = otlp_decode_traces(data, size, ct, &err);
    if (!req) {
        return;
    }
    struct otlp_batch b = {0};
    static const struct otlp_xray_opts all = {.index_all = true};
    otlp_batch_add(&b, req, 1700000000.0, size % 2 ? &all : NULL, true);
    for (size_t i = 0; i < b.nsegs; i++) {
        char *want = json_dumps(b.segs[i].doc, JSON_COMPACT);
        if (!want || !b.texts[i] || strcmp(want, b.texts[i]) != 0) {
            abort();
        }
        free(want);
    }
    for (size_t i = 0; i < req->n_resource_spans; i++) {
        const OTLP_RESOURCE_SPANS *rs = req->resource_spans[i];
        for (size_t k = 0; k < rs->n_scope_spans; k++) {
            for (size_t s = 0; s < rs->scope_spans[k]->n_spans; s++) {
                same_span_text(rs->scope_spans[k]->spans[s]);
            }
        }
    }
    otlp_batch_fini(&b);
    protobuf_c_message_free_unpacked(&req->base, NULL);
}

static void logs(const uint8_t *data, size_t size, enum otlp_content ct)
{
    struct errbuf err = {{0}, -1};
    OTLP_LOGS_REQ *req = otlp_decode_logs(data, size, ct, &err);
    if (req) {
        protobuf_c_message_free_unpacked(&req->base, NULL);
    }
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    fluoro_json_init();
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1) {
        return 0;
    }
    uint8_t mode = data[0] % 6;
    data++;
    size--;
    switch (mode) {
    case 0:
        traces(data, size, OTLP_CONTENT_PROTOBUF);
        break;
    case 1:
        traces(data, size, OTLP_CONTENT_JSON);
        break;
    case 2:
        logs(data, size, OTLP_CONTENT_PROTOBUF);
        break;
    case 3:
        logs(data, size, OTLP_CONTENT_JSON);
        break;
    case 4: {
        uint8_t *out = NULL;
        size_t len = 0;
        if (otlp_gunzip(data, size, OTLP_TRACES_MAX_BYTES, &out, &len) == 0) {
            traces(out, len, OTLP_CONTENT_PROTOBUF);
            free(out);
        }
        break;
    }
    default: {
        struct otlp_batch *b = NULL;
        struct errbuf err = {{0}, -1};
        if (otlp_udp_claims((const char *)data, size) &&
            otlp_udp_parse((const char *)data, size, 1700000000.0, &b, &err) == SEGMENT_OK) {
            otlp_udp_free(b);
        }
        break;
    }
    }
    return 0;
}
