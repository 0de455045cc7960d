/*
 * test_checkpoint.c - the checkpoint thread rewinds the WAL under sustained writes. A writer that
 * commits every few milliseconds never lets a passive checkpoint finish before its next write
 * transaction, so with passive checkpoints alone the WAL file grows by every frame written; with
 * the RESTART pass (checkpoint.c) it stays near what one checkpoint interval writes.
 */
#include <criterion/criterion.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "checkpoint.h"

TestSuite(checkpoint);

static void exec_ok(sqlite3 *db, const char *sql)
{
    char *err = NULL;
    int rc = sqlite3_exec(db, sql, NULL, NULL, &err);
    cr_assert_eq(rc, SQLITE_OK, "%s: %s", sql, err ? err : "?");
}

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static long long file_size(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 ? (long long)st.st_size : 0;
}

Test(checkpoint, rewinds_the_wal_while_a_writer_keeps_committing, .timeout = 60)
{
    char dir[] = "/tmp/fluoro-ckpt-XXXXXX";
    cr_assert_not_null(mkdtemp(dir));
    char path[128], wal[140];
    snprintf(path, sizeof(path), "%s/t.db", dir);
    snprintf(wal, sizeof(wal), "%s-wal", path);
    sqlite3 *db = NULL;
    cr_assert_eq(sqlite3_open(path, &db), SQLITE_OK);
    sqlite3_busy_timeout(db, 5000); /* the RESTART pass holds the write lock briefly */
    exec_ok(db, "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA wal_autocheckpoint=0;"
                "CREATE TABLE t(id INTEGER PRIMARY KEY, b BLOB NOT NULL)");
    struct checkpointer *c = checkpoint_start(path);
    cr_assert_not_null(c);
    /* About 16 MB/s for 2.6 s: five checkpoint passes, ~40 MB of frames in all. */
    long long written = 0, rows = 0;
    double end = now_s() + 2.6;
    while (now_s() < end) {
        exec_ok(db, "BEGIN IMMEDIATE; WITH RECURSIVE n(k) AS (SELECT 1 UNION ALL SELECT k + 1"
                    " FROM n WHERE k < 8) INSERT INTO t(b) SELECT randomblob(4000) FROM n; COMMIT");
        written += 8 * 4096;
        rows += 8;
        usleep(2000);
    }
    long long wal_bytes = file_size(wal);
    checkpoint_stop(c);
    sqlite3_stmt *st = NULL;
    cr_assert_eq(sqlite3_prepare_v2(db, "SELECT count(*) FROM t", -1, &st, NULL), SQLITE_OK);
    cr_assert_eq(sqlite3_step(st), SQLITE_ROW);
    cr_assert_eq(sqlite3_column_int64(st, 0), rows, "every committed row is kept");
    sqlite3_finalize(st);
    sqlite3_close(db);
    cr_assert_lt(wal_bytes, written / 2,
                 "the WAL (%lld bytes) did not rewind: %lld bytes of pages were written", wal_bytes,
                 written);
    char cmd[160];
    snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
    cr_assert_eq(system(cmd), 0);
}
