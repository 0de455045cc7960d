/*
 * app.h - what a running `fluoro serve` shares with its HTTP handlers: the configuration, the
 * ingest queue and the writer. Built by main() before the HTTP server starts and torn down after
 * it stops; handlers only read the pointers.
 */
#ifndef APP_H
#define APP_H

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
    volatile int stopping; /* set when shutdown begins so long waits return early */
};

#endif
