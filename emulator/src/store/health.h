/*
 * health.h - whether fluoro can write, for GET /health and the checkpointer. Store failures
 * report here; a "disk full" (SQLITE_FULL, or an I/O error with ENOSPC) marks fluoro degraded
 * until a later commit writes again, and asks the checkpointer to truncate the WAL once there is
 * room. Any thread.
 */
#ifndef HEALTH_H
#define HEALTH_H

#include <sqlite3.h>

#include "fluoro.h"

/* After a failed SQLite call on db: records a disk-full failure (other errors are not a health
 * state: they are bugs or bad input, logged where they happen). */
void health_note_sqlite_error(sqlite3 *db);
/* A commit that changed rows succeeded: writes work again. */
void health_note_write_ok(void);

/* True while the last write failed for lack of space; then reason (n bytes) says why and *since
 * is when it started (epoch seconds). */
bool health_degraded(char *reason, size_t n, double *since);

/* True from a disk-full failure until health_wal_truncated(): the checkpointer then checkpoints
 * in TRUNCATE mode, so the space the WAL holds is given back. */
bool health_wal_truncate_wanted(void);
void health_wal_truncated(void);

#endif
