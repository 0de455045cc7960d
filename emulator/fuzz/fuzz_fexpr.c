/*
 * fuzz_fexpr.c - X-Ray filter expressions (fexpr_*.c): compile, dump the canonical form, and
 * evaluate against a fixed derived trace. Groups resolve to a fixed expression so group.name
 * references are exercised too.
 */
#include "buf.h"
#include "fexpr.h"
#include "fuzz.h"
#include "trace.h"
#include "trace_facts.h"

static void *blob; /* the encoded view; view borrows its strings */
static struct trace_view view;

static int group(void *ctx, const char *name_or_arn, bool is_arn, char **expr)
{
    (void)ctx;
    (void)is_arn;
    if (strcmp(name_or_arn, "missing") == 0) {
        return ERR_NOTFOUND;
    }
    *expr = xstrdup("service(\"front\") AND responsetime > 1");
    return 0;
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    fuzz_init();
    json_t *doc = json_loads(
        "{\"trace_id\":\"1-5f84c7a0-0123456789abcdef01234567\",\"id\":\"0123456789abcdef\","
        "\"name\":\"front\",\"start_time\":1602537376,\"end_time\":1602537378.5,"
        "\"annotations\":{\"user\":\"alice\",\"n\":3,\"ok\":true},\"user\":\"alice\","
        "\"http\":{\"request\":{\"url\":\"https://x/a\",\"method\":\"GET\",\"client_ip\":"
        "\"10.0.0.1\"},\"response\":{\"status\":500}},\"fault\":true,\"subsegments\":[{\"id\":"
        "\"1123456789abcdef\",\"name\":\"db\",\"namespace\":\"remote\",\"start_time\":1602537376."
        "1,\"end_time\":1602537377,\"error\":true,\"cause\":{\"exceptions\":[{\"id\":"
        "\"2123456789abcdef\",\"message\":\"boom\",\"type\":\"E\"}]}}]}",
        0, NULL);
    size_t len = 0;
    blob = trace_derive(&doc, 1, &len);
    json_decref(doc);
    trace_facts_init(&view);
    if (!blob || trace_facts_decode(&view, blob, len) != 0) {
        __builtin_trap();
    }
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *src = fuzz_strndup(data, size);
    struct fexpr *e = NULL;
    struct errbuf err = {{0}, -1};
    if (fexpr_compile(src, group, NULL, &e, &err) == 0) {
        struct buf b;
        buf_init(&b, 0);
        int rc = fexpr_dump(e, &b);
        (void)rc;
        buf_fini(&b);
        (void)fexpr_eval(e, &view);
        (void)fexpr_reads_graph(e);
        (void)fexpr_is_entity_selector(e);
    } else if (err.pos < -1 || err.pos > (int)size) {
        __builtin_trap(); /* an error position must point into the input */
    }
    fexpr_free(e);
    free(src);
    return 0;
}
