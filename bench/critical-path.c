/*
 * critical-path.c - CPU time of critical_path_analyze() (the trace page's analysis) on one
 * assembled trace saved as {"segments": [...]}, five runs.
 *   cc -O2 -Iemulator/src/trace -Iemulator/src/core -o build/bench-cp bench/critical-path.c build/libfluoro.a \
 *      -ljansson -lm -luv -lpthread -lmicrohttpd -lsqlite3 -lcurl
 *   build/bench-cp trace.json
 */
#include <jansson.h>
#include <stdio.h>
#include <time.h>
#include "critical_path.h"
int main(int argc, char **argv) {
    json_t *d = json_load_file(argc > 1 ? argv[1] : "trace.json", 0, NULL);
    if (!d) {
        fprintf(stderr, "cannot read the trace file\n");
        return 1;
    }
    struct timespec a, b;
    for (int i = 0; i < 5; i++) {
        clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &a);
        json_t *r = critical_path_analyze(json_object_get(d, "segments"));
        clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &b);
        printf("%.1f ms\n", (b.tv_sec - a.tv_sec) * 1e3 + (b.tv_nsec - a.tv_nsec) / 1e6);
        json_decref(r);
    }
    return 0;
}
