/*
 * test_store.c - SQLite connections (store.h): a new database is created at the latest schema
 * with the PRAGMAs DESIGN.md §2 asks for, an older one is migrated step by step, a newer one or
 * a file that is not a fluoro database is refused, read-only connections cannot write, the
 * statement cache hands back the same reset statement, the one-row helpers map rows to results,
 * and store_thread_ro gives each thread its own connection.
 */
#include <criterion/criterion.h>
#include <pthread.h>
#include <stdio.h>
#include <sqlite3.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#include "helpers.h"
#include "store.h"

TestSuite(store);

static struct helpers_db tmp; /* only the directory: each test opens its own stores */

static void setup(void)
{
    helpers_db_tmpdir(&tmp, "store");
}

static void teardown(void)
{
    helpers_db_close(&tmp);
}

static int64_t pragma_int(struct store *s, const char *sql)
{
    int64_t v = -1;
    cr_assert_eq(store_one_int(s, store_stmt(s, sql), &v, sql), 0, "%s", sql);
    return v;
}

static char *pragma_text(struct store *s, const char *sql)
{
    sqlite3_stmt *st = store_stmt(s, sql);
    cr_assert_not_null(st);
    cr_assert_eq(sqlite3_step(st), SQLITE_ROW);
    char *out = xstrdup((const char *)sqlite3_column_text(st, 0));
    sqlite3_reset(st);
    return out;
}

Test(store, a_new_database_is_at_the_latest_schema_in_wal_mode, .init = setup, .fini = teardown)
{
    struct store *rw = NULL;
    cr_assert_eq(store_open_rw(tmp.path, &rw), 0);
    cr_expect_eq(pragma_int(rw, "PRAGMA user_version"), store_migration_count);
    char *mode = pragma_text(rw, "PRAGMA journal_mode");
    cr_expect_str_eq(mode, "wal");
    free(mode);
    cr_expect_eq(pragma_int(rw, "PRAGMA synchronous"), 1, "NORMAL");
    cr_expect_eq(pragma_int(rw, "PRAGMA foreign_keys"), 1);
    cr_expect_gt(store_size_bytes(rw), 0);
    store_close(rw);
    /* Opening again migrates nothing and keeps the version. */
    cr_assert_eq(store_open_rw(tmp.path, &rw), 0);
    cr_expect_eq(pragma_int(rw, "PRAGMA user_version"), store_migration_count);
    store_close(rw);
}

Test(store, an_older_database_is_migrated_step_by_step, .init = setup, .fini = teardown)
{
    sqlite3 *db = NULL;
    cr_assert_eq(sqlite3_open(tmp.path, &db), SQLITE_OK);
    cr_assert_eq(sqlite3_exec(db, store_migrations[0], NULL, NULL, NULL), SQLITE_OK);
    cr_assert_eq(sqlite3_exec(db,
                              "PRAGMA user_version=1;"
                              "INSERT INTO settings(key, value) VALUES ('kept', 'yes')",
                              NULL, NULL, NULL),
                 SQLITE_OK);
    sqlite3_close(db);
    struct store *rw = NULL;
    cr_assert_eq(store_open_rw(tmp.path, &rw), 0);
    cr_expect_eq(pragma_int(rw, "PRAGMA user_version"), store_migration_count);
    char *kept = pragma_text(rw, "SELECT value FROM settings WHERE key = 'kept'");
    cr_expect_str_eq(kept, "yes", "rows written before the migrations survive them");
    free(kept);
    cr_expect_eq(pragma_int(rw, "SELECT count(*) FROM sqlite_master WHERE name = 'log_chunks'"), 1);
    store_close(rw);
}

Test(store, a_database_newer_than_the_code_is_refused, .init = setup, .fini = teardown)
{
    struct store *rw = NULL;
    cr_assert_eq(store_open_rw(tmp.path, &rw), 0);
    char *sql = xasprintf("PRAGMA user_version=%d", store_migration_count + 1);
    cr_assert_eq(store_exec(rw, sql), 0);
    free(sql);
    store_close(rw);
    cr_expect_eq(store_open_rw(tmp.path, &rw), ERR_INVALID);
    cr_expect_null(rw);
}

Test(store, files_that_are_not_fluoro_databases_are_refused, .init = setup, .fini = teardown)
{
    struct store *rw = NULL;
    FILE *f = fopen(tmp.path, "w");
    cr_assert_not_null(f);
    fclose(f);
    cr_expect_eq(store_open_rw(tmp.path, &rw), ERR_INVALID, "an empty file");
    f = fopen(tmp.path, "w");
    fputs("this is not SQLite at all, only text that is long enough\n", f);
    fclose(f);
    cr_expect_eq(store_open_rw(tmp.path, &rw), ERR_INVALID, "a text file");
    remove(tmp.path);
    sqlite3 *db = NULL;
    cr_assert_eq(sqlite3_open(tmp.path, &db), SQLITE_OK);
    cr_assert_eq(sqlite3_exec(db, "CREATE TABLE theirs(x)", NULL, NULL, NULL), SQLITE_OK);
    sqlite3_close(db);
    cr_expect_eq(store_open_rw(tmp.path, &rw), ERR_INVALID, "another program's database");
    cr_expect_null(rw);
}

Test(store, read_only_connections_read_but_never_write, .init = setup, .fini = teardown)
{
    struct store *rw = NULL, *ro = NULL;
    cr_expect_neq(store_open_ro(tmp.path, &ro), 0, "read-only never creates the file");
    cr_expect_null(ro);
    cr_assert_eq(store_open_rw(tmp.path, &rw), 0);
    cr_assert_eq(store_exec(rw, "INSERT INTO settings(key, value) VALUES ('k', 'v')"), 0);
    cr_assert_eq(store_open_ro(tmp.path, &ro), 0);
    char *v = pragma_text(ro, "SELECT value FROM settings WHERE key = 'k'");
    cr_expect_str_eq(v, "v");
    free(v);
    cr_expect_eq(store_exec(ro, "INSERT INTO settings(key, value) VALUES ('k2', 'v')"),
                 ERR_INTERNAL);
    cr_expect_eq(store_exec(ro, "DELETE FROM settings"), ERR_INTERNAL);
    /* The writer's later commits are visible to the reader's next statement (WAL). */
    cr_assert_eq(store_exec(rw, "UPDATE settings SET value = 'w' WHERE key = 'k'"), 0);
    v = pragma_text(ro, "SELECT value FROM settings WHERE key = 'k'");
    cr_expect_str_eq(v, "w");
    free(v);
    store_close(ro);
    store_close(rw);
}

Test(store, cached_statements_come_back_reset_and_cleared, .init = setup, .fini = teardown)
{
    static const char sql[] = "SELECT ?1";
    struct store *rw = NULL;
    cr_assert_eq(store_open_rw(tmp.path, &rw), 0);
    sqlite3_stmt *a = store_stmt(rw, sql);
    cr_assert_not_null(a);
    sqlite3_bind_int(a, 1, 42);
    cr_assert_eq(sqlite3_step(a), SQLITE_ROW);
    /* Left mid-row and bound: the next caller gets it reset, with the binding cleared. */
    sqlite3_stmt *b = store_stmt(rw, sql);
    cr_expect_eq(a, b, "one statement per SQL text");
    cr_assert_eq(sqlite3_step(b), SQLITE_ROW);
    cr_expect_eq(sqlite3_column_type(b, 0), SQLITE_NULL);
    sqlite3_reset(b);
    /* Many distinct texts: the cache grows and still finds every one. */
    enum { N = 200 };
    static char texts[N][32];
    sqlite3_stmt *seen[N];
    for (int i = 0; i < N; i++) {
        snprintf(texts[i], sizeof(texts[i]), "SELECT %d", i);
        seen[i] = store_stmt(rw, texts[i]);
        cr_assert_not_null(seen[i]);
    }
    for (int i = 0; i < N; i++) {
        cr_expect_eq(store_stmt(rw, texts[i]), seen[i]);
    }
    cr_expect_null(store_stmt(rw, "SELECT FROM nowhere"), "a prepare failure is NULL");
    store_close(rw);
}

Test(store, one_row_helpers_map_rows_to_results, .init = setup, .fini = teardown)
{
    struct store *rw = NULL;
    int64_t v = -1;
    cr_assert_eq(store_open_rw(tmp.path, &rw), 0);
    cr_expect_eq(store_one_int(rw, store_stmt(rw, "SELECT 7"), &v, "seven"), 0);
    cr_expect_eq(v, 7);
    v = -1;
    cr_expect_eq(store_one_int(rw, store_stmt(rw, "SELECT 1 WHERE 0"), &v, "none"), ERR_NOTFOUND);
    cr_expect_eq(v, -1, "no row leaves the output alone");
    cr_expect_eq(
        store_one_int(rw, store_stmt(rw, "SELECT abs(-9223372036854775807 - 1)"), &v, "overflow"),
        ERR_INTERNAL, "a step error is an internal error");
    sqlite3_stmt *st = store_stmt(rw, "INSERT INTO settings(key, value) VALUES (?1, ?2)");
    store_bind_text(st, 1, "null-value");
    store_bind_text(st, 2, NULL);
    cr_expect_eq(store_step_done(rw, st, "insert NULL"), ERR_INTERNAL, "value is NOT NULL");
    st = store_stmt(rw, "INSERT INTO settings(key, value) VALUES (?1, ?2)");
    char key[] = "copied";
    store_bind_text(st, 1, key);
    store_bind_text(st, 2, "x");
    key[0] = 'X'; /* store_bind_text copies */
    cr_expect_eq(store_step_done(rw, st, "insert"), 0);
    cr_expect_eq(store_one_int(rw,
                               store_stmt(rw, "SELECT count(*) FROM settings WHERE key ="
                                              " 'copied'"),
                               &v, "count"),
                 0);
    cr_expect_eq(v, 1);
    store_close(rw);
}

static void *thread_ro(void *arg)
{
    struct store **out = arg;
    out[0] = store_thread_ro();
    out[1] = store_thread_ro();
    if (out[0]) {
        int64_t v = 0;
        if (store_one_int(out[0], store_stmt(out[0], "PRAGMA query_only"), &v, "q") < 0 || !v) {
            out[0] = NULL;
        }
    }
    return NULL;
}

Test(store, each_thread_gets_its_own_read_only_connection, .init = setup, .fini = teardown)
{
    struct store *rw = NULL;
    cr_assert_eq(store_open_rw(tmp.path, &rw), 0);
    store_set_path(tmp.path);
    struct store *a[2] = {0}, *b[2] = {0};
    pthread_t ta, tb;
    cr_assert_eq(pthread_create(&ta, NULL, thread_ro, a), 0);
    cr_assert_eq(pthread_join(ta, NULL), 0);
    cr_assert_eq(pthread_create(&tb, NULL, thread_ro, b), 0);
    cr_assert_eq(pthread_join(tb, NULL), 0);
    cr_expect_not_null(a[0], "a query_only connection");
    cr_expect_eq(a[0], a[1], "the same connection for the same thread");
    cr_expect_not_null(b[0]);
    cr_expect_eq(b[0], b[1]);
    store_close(rw);
}

struct lock_holder {
    const char *path;
    int hold_ms;
    double released_at; /* monotonic seconds */
};

static double mono_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void *hold_write_lock(void *arg)
{
    struct lock_holder *h = arg;
    sqlite3 *db = NULL;
    cr_assert_eq(sqlite3_open(h->path, &db), SQLITE_OK);
    cr_assert_eq(sqlite3_exec(db, "BEGIN IMMEDIATE", NULL, NULL, NULL), SQLITE_OK);
    usleep((useconds_t)h->hold_ms * 1000);
    h->released_at = mono_s();
    cr_assert_eq(sqlite3_exec(db, "COMMIT", NULL, NULL, NULL), SQLITE_OK);
    sqlite3_close(db);
    return NULL;
}

/* The writer waits out another connection's write lock (the checkpointer's RESTART takes it) and
 * goes on as soon as it is free: SQLite's busy_timeout sleeps up to 100 ms between tries, so
 * released 430 ms into its wait it would have tried again only at 528 ms. */
Test(store, the_writer_resumes_as_soon_as_a_lock_is_released, .init = setup, .fini = teardown)
{
    struct store *rw = NULL;
    cr_assert_eq(store_open_rw(tmp.path, &rw), 0);
    struct lock_holder h = {tmp.path, 480, 0};
    pthread_t t;
    cr_assert_eq(pthread_create(&t, NULL, hold_write_lock, &h), 0);
    usleep(50 * 1000); /* the holder has the lock by now (asserted below: we waited for it) */
    cr_assert_eq(store_exec(rw, "BEGIN IMMEDIATE"), 0);
    double got = mono_s();
    cr_assert_eq(store_exec(rw, "COMMIT"), 0);
    pthread_join(t, NULL);
    cr_expect_geq(got, h.released_at, "the writer did not wait for the lock");
    cr_expect_lt(got - h.released_at, 0.05, "the writer resumed %.0f ms after the lock was free",
                 (got - h.released_at) * 1000);
    store_close(rw);
}
