/*
 * maintenance.h - the loop thread's timers: trace retention (--trace-retention), the size cap
 * (--max-db-size) and periodic PRAGMA optimize. Timers only post commands to the writer
 * (STYLE rule 14); the work itself runs in the writer's transaction.
 */
#ifndef MAINTENANCE_H
#define MAINTENANCE_H

#include <uv.h>

#include "app.h"

struct maintenance;

/* Starts the timers on loop (the loop thread). */
struct maintenance *maintenance_start(uv_loop_t *loop, struct app *app);
/* Stops and closes the timers; the loop must run once more to finish. Safe with NULL. */
void maintenance_stop(struct maintenance *m);

/* Writer thread: one retention pass (what the timer posts); exposed for tests and reset. */
int maintenance_run(struct writer_txn *txn, void *app);

#endif
