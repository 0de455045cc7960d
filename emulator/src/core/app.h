/*
 * app.h - what a running `fluoro serve` shares with its HTTP handlers: the configuration, the
 * ingest queue and the writer. Built by main() before the HTTP server starts and torn down after
 * it stops; handlers only read the pointers.
 */
#ifndef APP_H
#define APP_H

#include <stdatomic.h>

#include "config.h"
#include "queue.h"
#include "writer.h"

struct udp_receiver;

struct app {
    const struct config *cfg;
    struct queue *queue;
    struct writer *writer;
    struct udp_receiver *udp; /* NULL until listening; outlives the HTTP server */
    const char *db_path;
    double started_at;
    /* Set once when shutdown begins (signal handler on the loop thread, or main() on a failed
     * start) and read by connection threads so long waits return early: atomic, not volatile,
     * because those are different threads. */
    atomic_bool stopping;
};

#endif
