/*
 * fuzz_insights.c - Logs Insights queries (insights*.c): the first line of the input is the
 * query; when it compiles, every further line is a log event (newest first, as the service feeds
 * them) and the query runs over them to the end, with a snapshot half-way as GetQueryResults
 * takes while a query runs.
 */
#include "fuzz.h"
#include "logs_insights.h"

#define MAX_EVENTS 64

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    fuzz_init();
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *text = fuzz_strndup(data, size);
    char *rest = text;
    const char *src = fuzz_next_line(&rest);
    struct logs_insights_query *q = NULL;
    struct errbuf err = {{0}, -1};
    int end = 0;
    if (logs_insights_compile(src, &q, &err, &end) == 0) {
        struct logs_insights_run *run = logs_insights_run_new(q, 100);
        int64_t ts = 1700000100000;
        int n = 0;
        for (const char *msg = fuzz_next_line(&rest); msg && n < MAX_EVENTS;
             msg = fuzz_next_line(&rest), n++) {
            struct logs_insights_event ev = {.ts = ts - n * 1000,
                                             .ingest_ts = ts,
                                             .message = msg,
                                             .len = strlen(msg),
                                             .stream = n % 2 ? "web-1" : "web-2",
                                             .log = "000000000000:/fuzz",
                                             .ptr = "ptr"};
            logs_insights_run_add(run, &ev);
            if (n == 2) {
                logs_insights_result_free(logs_insights_run_snapshot(run));
            }
        }
        logs_insights_result_free(logs_insights_run_finish(run));
    }
    logs_insights_free(q);
    free(text);
    return 0;
}
