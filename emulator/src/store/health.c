/*
 * health.c - the write-health state (see health.h). A mutex guards the reason text; the flags
 * are atomics so the writer's per-commit check costs one load. Entered from the writer (commit
 * outcome), HTTP threads (store failures of their own, /health) and the checkpoint thread.
 */
#include "health.h"

#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>

#include "log.h"

static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static atomic_bool disk_full;
static atomic_bool truncate_wanted;
static char reason[256];
static double since;

static bool is_out_of_space(sqlite3 *db)
{
    int code = sqlite3_extended_errcode(db);
    return (code & 0xff) == SQLITE_FULL ||
           ((code & 0xff) == SQLITE_IOERR && sqlite3_system_errno(db) == ENOSPC);
}

void health_note_sqlite_error(sqlite3 *db)
{
    if (!db || !is_out_of_space(db)) {
        return;
    }
    pthread_mutex_lock(&mu);
    if (!atomic_load(&disk_full)) {
        snprintf(reason, sizeof(reason), "disk full: writes fail (%s)", sqlite3_errmsg(db));
        since = now_epoch();
        atomic_store(&disk_full, true);
        log_error("disk full: writes fail until space is freed; reads go on", "error=\"%s\"",
                  sqlite3_errmsg(db));
    }
    atomic_store(&truncate_wanted, true);
    pthread_mutex_unlock(&mu);
}

void health_note_write_ok(void)
{
    if (!atomic_load_explicit(&disk_full, memory_order_relaxed)) {
        return;
    }
    pthread_mutex_lock(&mu);
    if (atomic_load(&disk_full)) {
        atomic_store(&disk_full, false);
        log_info("writes work again after disk full", "degraded_seconds=%.1f", now_epoch() - since);
    }
    pthread_mutex_unlock(&mu);
}

bool health_degraded(char *out, size_t n, double *out_since)
{
    if (!atomic_load(&disk_full)) {
        return false;
    }
    pthread_mutex_lock(&mu);
    snprintf(out, n, "%s", reason);
    *out_since = since;
    pthread_mutex_unlock(&mu);
    return true;
}

bool health_wal_truncate_wanted(void)
{
    return atomic_load(&truncate_wanted);
}

void health_wal_truncated(void)
{
    atomic_store(&truncate_wanted, false);
}
