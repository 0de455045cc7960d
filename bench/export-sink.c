/*
 * export-sink.c - a backend that accepts everything, for bench/run-export.sh: PutTraceSegments
 * (answers no unprocessed documents), PutLogEvents and OTLP /v1/traces and /v1/logs (empty 200s).
 * libmicrohttpd with a small thread pool, so the sink is not what limits an exporter (the Python
 * http.server it replaces answered ~220 requests/s on a loaded machine). Prints the requests and
 * bytes it took on SIGTERM.
 * Usage: export-sink PORT
 */
#include <microhttpd.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static _Atomic unsigned long requests, bytes;

static enum MHD_Result handle(void *cls, struct MHD_Connection *c, const char *url,
                              const char *method, const char *version, const char *data,
                              size_t *size, void **state)
{
    (void)cls;
    (void)method;
    (void)version;
    if (!*state) {
        *state = c; /* first call: headers only */
        return MHD_YES;
    }
    if (*size) {
        atomic_fetch_add(&bytes, *size);
        *size = 0;
        return MHD_YES;
    }
    (void)data;
    atomic_fetch_add(&requests, 1);
    static char xray[] = "{\"UnprocessedTraceSegments\":[]}";
    bool is_xray = strcmp(url, "/TraceSegments") == 0;
    struct MHD_Response *r = MHD_create_response_from_buffer(is_xray ? strlen(xray) : 0,
                                                             is_xray ? xray : "",
                                                             MHD_RESPMEM_PERSISTENT);
    enum MHD_Result ret = MHD_queue_response(c, MHD_HTTP_OK, r);
    MHD_destroy_response(r);
    return ret;
}

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: export-sink PORT\n");
        return 2;
    }
    /* Blocked before libmicrohttpd's threads start (they inherit the mask), so the signal is
     * taken here by sigwait and not by a pool thread. */
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGTERM);
    sigaddset(&set, SIGINT);
    pthread_sigmask(SIG_BLOCK, &set, NULL);
    struct MHD_Daemon *d = MHD_start_daemon(
        MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL, (uint16_t)atoi(argv[1]), NULL, NULL,
        handle, NULL, MHD_OPTION_THREAD_POOL_SIZE, 2u, MHD_OPTION_END);
    if (!d) {
        fprintf(stderr, "export-sink: cannot listen on %s\n", argv[1]);
        return 1;
    }
    int sig;
    sigwait(&set, &sig);
    MHD_stop_daemon(d);
    printf("sink: %lu requests, %lu bytes\n", atomic_load(&requests), atomic_load(&bytes));
    return 0;
}
