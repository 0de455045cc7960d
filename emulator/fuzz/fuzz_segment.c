/*
 * fuzz_segment.c - the UDP path's parsers: datagram framing (header line) and the segment
 * document parser/validator (segment.c), then, for documents that validate, the pure trace
 * derivation the writer runs on them (trace.c), alone and next to a fixed valid segment; the
 * encoded view it writes must decode.
 */
#include "fuzz.h"
#include "segment.h"
#include "trace.h"
#include "trace_facts.h"

static json_t *fixed_doc;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    fuzz_init();
    fixed_doc = json_loads("{\"trace_id\":\"1-5f84c7a0-0123456789abcdef01234567\",\"id\":"
                           "\"0123456789abcdef\",\"name\":\"front\",\"start_time\":1602537376,"
                           "\"end_time\":1602537377,\"http\":{\"response\":{\"status\":200}}}",
                           0, NULL);
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *body = NULL;
    size_t body_len = 0;
    struct segment seg;
    struct errbuf err = {{0}, -1};
    /* libFuzzer's buffer is exactly size bytes, so an over-read is caught by ASan. */
    if (segment_split_datagram((const char *)data, size, &body, &body_len) != SEGMENT_OK) {
        /* Not a datagram: the same bytes as a bare document (PutTraceSegments' path). */
        body = (const char *)data;
        body_len = size;
    }
    if (segment_parse(body, body_len, &seg, &err) != SEGMENT_OK) {
        return 0;
    }
    json_t *docs[2] = {seg.doc, fixed_doc};
    for (size_t n = 1; n <= 2; n++) {
        /* What the writer derives, the readers must decode. */
        size_t len = 0;
        void *blob = trace_derive(docs, n, &len);
        struct trace_view v;
        trace_facts_init(&v);
        if (blob && trace_facts_decode(&v, blob, len) != 0) {
            __builtin_trap();
        }
        trace_facts_fini(&v);
        free(blob);
    }
    segment_fini(&seg);
    return 0;
}
