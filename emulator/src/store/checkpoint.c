/*
 * checkpoint.c - the checkpoint thread (see checkpoint.h). Measured on the UDP ingest benchmark:
 * automatic checkpoints inside COMMIT took about a tenth of the writer's time.
 *
 * After a disk-full failure (health.h) the checkpointer changes mode: it waits until the free
 * space could hold the whole WAL, then checkpoints in TRUNCATE mode so the WAL file goes back to
 * zero bytes. Before this, a passive checkpoint run as soon as a little space was freed copied
 * WAL pages into the database file, re-growing it into exactly the space just freed, while the
 * WAL could not restart: writes never came back.
 */
#include "checkpoint.h"

#include <pthread.h>
#include <sqlite3.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <time.h>
#include <unistd.h>

#include "health.h"
#include "log.h"

#define CHECKPOINT_INTERVAL_MS 500
/* A WAL longer than this after a passive checkpoint is restarted (see restart_wal): 4 MiB of
 * 4 KiB pages. A short WAL stays in the page cache; UDP ingest measured its best CPU per segment
 * at this length (bench/README.md, issue 13). */
#define CHECKPOINT_RESTART_FRAMES 1024
/* How long the checkpoint connection waits on a lock: in general (the busy_timeout it had
 * before restart_wal), and for a RESTART, which holds the writer off while it waits. */
#define CHECKPOINT_BUSY_MS 5000
#define CHECKPOINT_RESTART_WAIT_MS 100
/* After a RESTART that could not get the writer lock or the readers in time, this many passes
 * stay passive: a reader holding its snapshot for long must not cost the writer a stall every
 * pass. */
#define CHECKPOINT_RESTART_BACKOFF_PASSES 4

struct checkpointer {
    sqlite3 *db;
    char *wal_path;
    pthread_t thread;
    pthread_mutex_t mu;
    pthread_cond_t cond;
    bool stop;
    int restarted_frames; /* the WAL's length at the last RESTART (checkpoint thread only) */
    int busy_ms;          /* busy_retry's limit (checkpoint thread, or stop after the join) */
    int restart_skip;     /* passes left without a RESTART after one that timed out */
};

/* Whether the file system holding the WAL has room for a checkpoint to copy all of it into the
 * database file (the most it can grow by). Unknown counts as room. */
static bool room_for_wal(const struct checkpointer *c, long long *wal_bytes, long long *free_bytes)
{
    struct stat st;
    struct statvfs vfs;
    *wal_bytes = *free_bytes = -1;
    if (stat(c->wal_path, &st) != 0 || statvfs(c->wal_path, &vfs) != 0) {
        return true;
    }
    *wal_bytes = (long long)st.st_size;
    *free_bytes = (long long)vfs.f_bavail * (long long)vfs.f_frsize;
    return *free_bytes >= *wal_bytes;
}

/* The checkpoint connection's busy handler: retries every 200 us for up to c->busy_ms.
 * SQLite's own (busy_timeout) sleeps 1, 2, 5, 10... ms between tries, and a RESTART waiting for
 * the writer lock that way lost every race to a writer that commits back to back (it waited
 * seconds while the WAL grew by 500 MB); a short poll finds the gap between two batches. */
static int busy_retry(void *arg, int tries)
{
    const struct checkpointer *c = arg;
    if (tries >= c->busy_ms * 5) {
        return 0;
    }
    usleep(200);
    return 1;
}

/* Under a steady load the writer commits while a passive checkpoint copies, so a passive pass
 * never reaches the end of the WAL and the writer never goes back to its start: the file grew
 * by every commit (830 MB for 100,000 OTLP spans) and each frame went to a new block the
 * kernel had to allocate and zero (a fifth of fluoro's CPU, bench/README.md "OTLP ingest").
 * A RESTART checkpoint makes the next commit write from the start of the file again, but it
 * holds the writer off while it copies and then while readers move to the newest snapshot, so
 * a second passive pass first leaves it little to copy, and it gives up after
 * CHECKPOINT_RESTART_WAIT_MS (a long read then postpones the restart by a few passes, so it does
 * not cost the writer a stall every pass). */
static void restart_wal(struct checkpointer *c)
{
    if (c->restart_skip > 0) {
        c->restart_skip--;
        return;
    }
    int log_frames = 0, done = 0;
    int rc = sqlite3_wal_checkpoint_v2(c->db, NULL, SQLITE_CHECKPOINT_PASSIVE, NULL, NULL);
    if (rc == SQLITE_OK) {
        c->busy_ms = CHECKPOINT_RESTART_WAIT_MS;
        rc = sqlite3_wal_checkpoint_v2(c->db, NULL, SQLITE_CHECKPOINT_RESTART, &log_frames, &done);
        c->busy_ms = CHECKPOINT_BUSY_MS;
    }
    if (rc == SQLITE_OK) {
        c->restarted_frames = log_frames; /* until the writer writes again, nothing to do */
    } else if (rc == SQLITE_BUSY) {
        c->restart_skip = CHECKPOINT_RESTART_BACKOFF_PASSES;
    } else {
        log_ratelimited(LOG_WARN, "wal checkpoint failed", "error=\"%s\"", sqlite3_errmsg(c->db));
    }
}

static void run_checkpoint(struct checkpointer *c)
{
    int log_frames = 0, done = 0;
    int mode = SQLITE_CHECKPOINT_PASSIVE;
    long long wal = 0, avail = 0;
    if (health_wal_truncate_wanted()) {
        if (!room_for_wal(c, &wal, &avail)) {
            log_ratelimited(LOG_WARN, "checkpoint deferred until the WAL fits in free space",
                            "wal_bytes=%lld free_bytes=%lld", wal, avail);
            return;
        }
        mode = SQLITE_CHECKPOINT_TRUNCATE;
    }
    int rc = sqlite3_wal_checkpoint_v2(c->db, NULL, mode, &log_frames, &done);
    if (rc != SQLITE_OK && rc != SQLITE_BUSY) {
        log_ratelimited(LOG_WARN, "wal checkpoint failed", "error=\"%s\"", sqlite3_errmsg(c->db));
    } else if (rc == SQLITE_OK && mode == SQLITE_CHECKPOINT_TRUNCATE) {
        health_wal_truncated();
        log_info("wal truncated after disk full", "wal_bytes_before=%lld", wal);
    } else if (rc == SQLITE_OK && log_frames > CHECKPOINT_RESTART_FRAMES &&
               log_frames != c->restarted_frames) {
        restart_wal(c);
    }
}

static void *checkpoint_main(void *arg)
{
    struct checkpointer *c = arg;
    pthread_mutex_lock(&c->mu);
    while (!c->stop) {
        struct timespec ts;
        deadline_after_ms(&ts, CHECKPOINT_INTERVAL_MS);
        pthread_cond_timedwait(&c->cond, &c->mu, &ts);
        pthread_mutex_unlock(&c->mu);
        run_checkpoint(c);
        pthread_mutex_lock(&c->mu);
    }
    pthread_mutex_unlock(&c->mu);
    return NULL;
}

struct checkpointer *checkpoint_start(const char *path)
{
    struct checkpointer *c = xcalloc(1, sizeof(*c));
    c->wal_path = xasprintf("%s-wal", path);
    if (sqlite3_open_v2(path, &c->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX, NULL) !=
        SQLITE_OK) {
        log_error("checkpoint connection failed", "error=\"%s\"", sqlite3_errmsg(c->db));
        sqlite3_close(c->db);
        free(c->wal_path);
        free(c);
        return NULL;
    }
    c->busy_ms = CHECKPOINT_BUSY_MS;
    sqlite3_busy_handler(c->db, busy_retry, c);
    /* A connection that has never read the database has not yet seen that it is in WAL mode,
     * and sqlite3_wal_checkpoint_v2() on it is a silent no-op (log and checkpointed = -1): the
     * WAL grew without bound (6 GB for 10M log events) until this read was added. */
    if (sqlite3_exec(c->db, "SELECT 1 FROM sqlite_master LIMIT 1", NULL, NULL, NULL) != SQLITE_OK) {
        log_warn("checkpoint connection cannot read", "error=\"%s\"", sqlite3_errmsg(c->db));
    }
    pthread_mutex_init(&c->mu, NULL);
    cond_init_monotonic(&c->cond);
    if (pthread_create(&c->thread, NULL, checkpoint_main, c) != 0) {
        sqlite3_close(c->db);
        pthread_mutex_destroy(&c->mu);
        pthread_cond_destroy(&c->cond);
        free(c->wal_path);
        free(c);
        return NULL;
    }
    return c;
}

void checkpoint_stop(struct checkpointer *c)
{
    if (!c) {
        return;
    }
    pthread_mutex_lock(&c->mu);
    c->stop = true;
    pthread_cond_signal(&c->cond);
    pthread_mutex_unlock(&c->mu);
    pthread_join(c->thread, NULL);
    run_checkpoint(c);
    sqlite3_close(c->db);
    pthread_mutex_destroy(&c->mu);
    pthread_cond_destroy(&c->cond);
    free(c->wal_path);
    free(c);
}
