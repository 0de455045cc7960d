/*
 * checkpoint.c - the checkpoint thread (see checkpoint.h). Measured on the UDP ingest benchmark:
 * automatic checkpoints inside COMMIT took about a tenth of the writer's time.
 */
#include "checkpoint.h"

#include <pthread.h>
#include <sqlite3.h>
#include <stdlib.h>
#include <time.h>

#include "log.h"

#define CHECKPOINT_INTERVAL_MS 500

struct checkpointer {
    sqlite3 *db;
    pthread_t thread;
    pthread_mutex_t mu;
    pthread_cond_t cond;
    bool stop;
};

static void run_checkpoint(struct checkpointer *c)
{
    int log_frames = 0, done = 0;
    int rc = sqlite3_wal_checkpoint_v2(c->db, NULL, SQLITE_CHECKPOINT_PASSIVE, &log_frames, &done);
    if (rc != SQLITE_OK && rc != SQLITE_BUSY) {
        log_ratelimited(LOG_WARN, "wal checkpoint failed", "error=\"%s\"", sqlite3_errmsg(c->db));
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
    if (sqlite3_open_v2(path, &c->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX, NULL) !=
        SQLITE_OK) {
        log_error("checkpoint connection failed", "error=\"%s\"", sqlite3_errmsg(c->db));
        sqlite3_close(c->db);
        free(c);
        return NULL;
    }
    sqlite3_busy_timeout(c->db, 5000);
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
    free(c);
}
