/*
 * checkpoint.c - the checkpoint thread (see checkpoint.h). Measured on the UDP ingest benchmark:
 * automatic checkpoints inside COMMIT took about a tenth of the writer's time.
 *
 * After a disk-full failure (health.h) the checkpointer changes mode: it waits until the free
 * space could hold the whole WAL, then checkpoints in TRUNCATE mode so the WAL file goes back to
 * zero bytes. Before this, a passive checkpoint run as soon as a little space was freed copied
 * WAL pages into the database file, re-growing it into exactly the space just freed, while the
 * WAL could not restart: writes never came back.
 *
 * Under sustained ingest a passive checkpoint never lets the WAL restart: SQLite rewinds the WAL
 * only when a write transaction begins after every frame has been copied back, and the writer
 * commits new frames while each pass copies. The WAL then grew by every frame ever written
 * (280 MB in an 8 s benchmark run), and appending to a growing file costs the writer a new page
 * cache page and a block reservation per 4 KiB, twice the cost of overwriting the pages a
 * restarted WAL reuses (pwrite fell from 15% to 8% of fluoro's CPU on UDP ingest). So once the
 * WAL holds WAL_RESTART_FRAMES, a second, RESTART checkpoint follows the passive one: the passive
 * pass has already copied nearly everything, so the RESTART holds the write lock only while it
 * copies what was committed during that pass. It waits at most RESTART_WAIT_MS for the writer's
 * batch and for readers; when it cannot get them it returns SQLITE_BUSY, having done what a
 * passive pass would, and the next RESTART_BACKOFF_PASSES passes stay passive, so a reader that
 * holds its snapshot for long does not cost the writer a stall every pass.
 */
#include "checkpoint.h"

#include <pthread.h>
#include <sqlite3.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <time.h>

#include "health.h"
#include "log.h"

#define CHECKPOINT_INTERVAL_MS 500
#define BUSY_TIMEOUT_MS 5000
#define WAL_RESTART_FRAMES 1024 /* 4 MiB of 4 KiB pages */
#define RESTART_WAIT_MS 100
#define RESTART_BACKOFF_PASSES 4

struct checkpointer {
    sqlite3 *db;
    char *wal_path;
    pthread_t thread;
    pthread_mutex_t mu;
    pthread_cond_t cond;
    bool stop;
    int restart_skip; /* passes left without a RESTART after one that could not finish */
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

/* After a passive pass that found log_frames frames in the WAL: rewinds a WAL that has grown past
 * WAL_RESTART_FRAMES (see the top). The file's size is no measure: a rewound WAL keeps it. */
static void restart_wal(struct checkpointer *c, int log_frames)
{
    if (log_frames < WAL_RESTART_FRAMES) {
        return;
    }
    if (c->restart_skip > 0) {
        c->restart_skip--;
        return;
    }
    int done = 0;
    sqlite3_busy_timeout(c->db, RESTART_WAIT_MS);
    int rc = sqlite3_wal_checkpoint_v2(c->db, NULL, SQLITE_CHECKPOINT_RESTART, &log_frames, &done);
    sqlite3_busy_timeout(c->db, BUSY_TIMEOUT_MS);
    if (rc == SQLITE_BUSY) {
        /* A long reader (or batch) held on: leave the writer alone for a few passes rather than
         * stall it up to RESTART_WAIT_MS every pass while that lasts. */
        c->restart_skip = RESTART_BACKOFF_PASSES;
    } else if (rc != SQLITE_OK) {
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
    } else if (rc == SQLITE_OK) {
        restart_wal(c, log_frames);
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
    sqlite3_busy_timeout(c->db, BUSY_TIMEOUT_MS);
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
