/*
 * test_checkpoint.c - the checkpoint thread keeps the WAL from growing without end while a
 * writer commits back to back: the writer's WAL goes back to its start (a RESTART checkpoint)
 * instead of only ever growing, which it did when passive checkpoints never caught up with it.
 */
#include <criterion/criterion.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#include "checkpoint.h"
#include "helpers.h"
#include "store.h"

TestSuite(checkpoint);

struct wal_seen {
    int last, max, restarts;
    long long written; /* frames committed in all */
};

/* The writer's WAL hook: frames is the WAL's length after each commit, so a drop is a restart. */
static int on_commit(void *arg, sqlite3 *db, const char *name, int frames)
{
    (void)db;
    (void)name;
    struct wal_seen *w = arg;
    if (frames < w->last) {
        w->restarts++;
        w->written += frames;
    } else {
        w->written += frames - w->last;
    }
    w->last = frames;
    w->max = frames > w->max ? frames : w->max;
    return SQLITE_OK;
}

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

Test(checkpoint, a_writer_committing_back_to_back_gets_its_wal_restarted, .timeout = 60)
{
    struct helpers_db env = {0};
    helpers_db_open(&env, "checkpoint");
    struct store *rw = env.rw;
    cr_assert_eq(store_exec(rw, "CREATE TABLE t(k INTEGER PRIMARY KEY, v BLOB)"), 0);
    struct wal_seen seen = {0};
    sqlite3_wal_hook(store_db(rw), on_commit, &seen);
    struct checkpointer *c = checkpoint_start(env.path);
    cr_assert_not_null(c);

    /* Random keys, a page each: every commit dirties fresh leaves, like trace-id keyed rows. */
    sqlite3_stmt *st = NULL;
    cr_assert_eq(
        sqlite3_prepare_v2(store_db(rw), "INSERT OR REPLACE INTO t VALUES (?1, ?2)", -1, &st, NULL),
        SQLITE_OK);
    static char blob[3000];
    uint64_t key = 88172645463325252u;
    double start = now_s();
    /* Bounded so that a failing run does not fill /tmp: 150,000 frames are ~600 MB of WAL (the
     * old passive-only checkpoints let it reach all of that; with the restart, the first one
     * came after 35,000-42,000 frames here). */
    while (seen.restarts < 1 && seen.written < 150000 && now_s() - start < 20) {
        cr_assert_eq(store_exec(rw, "BEGIN IMMEDIATE"), 0);
        for (int i = 0; i < 32; i++) {
            key ^= key << 13;
            key ^= key >> 7;
            key ^= key << 17;
            sqlite3_bind_int64(st, 1, (sqlite3_int64)(key % 200000));
            sqlite3_bind_blob(st, 2, blob, sizeof(blob), SQLITE_STATIC);
            cr_assert_eq(sqlite3_step(st), SQLITE_DONE);
            sqlite3_reset(st);
        }
        cr_assert_eq(store_exec(rw, "COMMIT"), 0);
        usleep(500); /* fluoro's writer, too, waits for its next batch between commits */
    }
    sqlite3_finalize(st);
    checkpoint_stop(c);
    store_close(rw);
    env.rw = NULL;
    cr_assert_geq(seen.restarts, 1,
                  "the WAL never went back to its start: %d frames long after %lld written",
                  seen.last, seen.written);
    cr_assert_lt(seen.max, seen.written, "max %d written %lld", seen.max, seen.written);
    cr_log_info("%lld frames written, the WAL at most %d long", seen.written, seen.max);
    helpers_db_close(&env);
}
