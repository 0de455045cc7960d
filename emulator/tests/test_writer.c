/*
 * test_writer.c - the single writer (writer.h) against a real temporary database: commands run in
 * the order they were queued whether posted or called, a failing command rolls back only itself,
 * the generation and its change bits move with commits, writer_wait_idle waits for queued work
 * and datagrams, and writer_stop drains everything queued before it.
 */
#include <criterion/criterion.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "metrics.h"
#include "queue.h"
#include "store.h"
#include "trace_ids.h"
#include "writer.h"
#include "xray_ingest.h"
#include "helpers.h"

TestSuite(writer);

static struct helpers_db env;

static int create_table(struct writer_txn *txn, void *arg)
{
    (void)arg;
    return store_exec(writer_txn_store(txn),
                      "CREATE TABLE IF NOT EXISTS t(seq INTEGER PRIMARY KEY, v INTEGER)");
}

static void setup(void)
{
    helpers_db_open(&env, "writer");
    helpers_db_start_xray(&env);
    cr_assert_eq(writer_call(env.w, create_table, NULL), 0);
}

static void teardown(void)
{
    helpers_db_close(&env);
}

/* Inserts the value *arg (an intptr_t in the pointer) and returns 0. */
static int insert(struct writer_txn *txn, void *arg)
{
    struct store *s = writer_txn_store(txn);
    sqlite3_stmt *st = store_stmt(s, "INSERT INTO t(v) VALUES (?1)");
    if (!st) {
        return ERR_INTERNAL;
    }
    sqlite3_bind_int64(st, 1, (int64_t)(intptr_t)arg);
    return store_step_done(s, st, "insert");
}

/* Inserts its value, then fails: the insert must not survive. */
static int insert_then_fail(struct writer_txn *txn, void *arg)
{
    int rc = insert(txn, arg);
    return rc < 0 ? rc : ERR_CONFLICT;
}

static int mark_logs(struct writer_txn *txn, void *arg)
{
    (void)arg;
    writer_txn_changed(txn, WRITER_CHANGED_LOGS);
    return 0;
}

static atomic_int freed;

static void count_free(void *arg)
{
    (void)arg;
    atomic_fetch_add(&freed, 1);
}

/* The values of t in insertion order, as "v v v " (a fresh read-only connection). */
static char *values(void)
{
    struct store *ro = NULL;
    cr_assert_eq(store_open_ro(env.path, &ro), 0);
    sqlite3_stmt *st = NULL;
    cr_assert_eq(sqlite3_prepare_v2(store_db(ro), "SELECT v FROM t ORDER BY seq", -1, &st, NULL),
                 SQLITE_OK);
    size_t cap = 16, n = 0;
    char *out = xmalloc(cap);
    out[0] = '\0';
    while (sqlite3_step(st) == SQLITE_ROW) {
        char one[32];
        int len = snprintf(one, sizeof(one), "%lld ", (long long)sqlite3_column_int64(st, 0));
        if (n + (size_t)len + 1 > cap) {
            cap = (n + (size_t)len + 1) * 2;
            out = xrealloc(out, cap);
        }
        memcpy(out + n, one, (size_t)len + 1);
        n += (size_t)len;
    }
    sqlite3_finalize(st);
    store_close(ro);
    return out;
}

#define V(n) ((void *)(intptr_t)(n))

Test(writer, posted_and_called_commands_run_in_queue_order, .init = setup, .fini = teardown)
{
    writer_post(env.w, insert, V(1), NULL);
    writer_post(env.w, insert, V(2), NULL);
    cr_assert_eq(writer_call(env.w, insert, V(3)), 0);
    writer_post(env.w, insert, V(4), NULL);
    cr_assert_eq(writer_call(env.w, insert, V(5)), 0);
    /* writer_call returns after its own batch committed, so everything queued before is in. */
    char *got = values();
    cr_expect_str_eq(got, "1 2 3 4 5 ");
    free(got);
}

Test(writer, a_failing_command_rolls_back_only_itself, .init = setup, .fini = teardown)
{
    /* Posted back to back, so they usually share one batch and its transaction. */
    writer_post(env.w, insert, V(1), NULL);
    writer_post(env.w, insert_then_fail, V(2), NULL);
    writer_post(env.w, insert, V(3), NULL);
    cr_expect_eq(writer_call(env.w, insert_then_fail, V(4)), ERR_CONFLICT,
                 "the caller sees fn's error");
    cr_assert_eq(writer_call(env.w, insert, V(5)), 0);
    char *got = values();
    cr_expect_str_eq(got, "1 3 5 ");
    free(got);
}

Test(writer, the_generation_counts_commits_and_reports_what_changed, .init = setup,
     .fini = teardown)
{
    uint64_t g0 = writer_generation(env.w);
    unsigned bits = 0;
    /* Nothing committed: the wait runs out and returns the same generation. */
    cr_expect_eq(writer_wait_change(env.w, g0, 50, &bits), g0);
    cr_expect_eq(bits, 0);
    cr_assert_eq(writer_call(env.w, mark_logs, NULL), 0);
    uint64_t g1 = writer_wait_change(env.w, g0, 1000, &bits);
    cr_expect_gt(g1, g0);
    cr_expect_eq(writer_generation(env.w), g1);
    cr_expect_eq(bits & WRITER_CHANGED_LOGS, WRITER_CHANGED_LOGS);
    cr_expect_eq(bits & WRITER_CHANGED_TRACES, 0);
    cr_assert_eq(writer_call(env.w, insert, V(1)), 0);
    bits = 0;
    cr_expect_gt(writer_wait_change(env.w, g1, 1000, &bits), g1);
    cr_expect_eq(bits, 0, "a commit that marked nothing reports no change kind");
}

Test(writer, wait_idle_returns_once_queued_work_and_datagrams_are_stored, .init = setup,
     .fini = teardown)
{
    static const char dgram[] = "{\"format\":\"json\",\"version\":1}\n"
                                "{\"trace_id\":\"1-5759e988-bd862e3fe1be46a994272793\","
                                "\"id\":\"defdfd9912dc5a56\",\"name\":\"svc\","
                                "\"start_time\":1461096053.37518,\"end_time\":1461096053.4042}";
    for (int i = 0; i < 20; i++) {
        writer_post(env.w, insert, V(i), NULL);
    }
    /* As udp.c does: counted received, then queued (wait_idle balances the two). */
    METRIC_INC(udp_received);
    cr_assert(queue_push_datagram(env.q, dgram, sizeof(dgram) - 1, now_epoch()));
    cr_assert_eq(writer_wait_idle(env.w, 20, 10000), 0);
    cr_expect_eq(queue_pending(env.q), 0);
    char *got = values();
    cr_expect_str_eq(got, "0 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 ");
    free(got);
    struct store *ro = NULL;
    cr_assert_eq(store_open_ro(env.path, &ro), 0);
    sqlite3_stmt *st =
        store_stmt(ro, "SELECT count(*) FROM segments WHERE trace_no = " TRACE_IDS_NO(
                           "'1-5759e988-bd862e3fe1be46a994272793'"));
    int64_t n = 0;
    cr_assert_eq(store_one_int(ro, st, &n, "count"), 0);
    cr_expect_eq(n, 1, "the datagram was stored before wait_idle returned");
    store_close(ro);
    /* Idle must last idle_ms: a wait shorter than that times out. */
    cr_expect_eq(writer_wait_idle(env.w, 5000, 50), ERR_TIMEOUT);
}

Test(writer, stop_drains_everything_queued_before_it, .init = setup)
{
    atomic_store(&freed, 0);
    for (int i = 0; i < 200; i++) {
        writer_post(env.w, insert, V(i), count_free);
    }
    writer_stop(env.w);
    env.w = NULL;
    cr_expect_eq(atomic_load(&freed), 200, "free_arg ran for every posted command");
    char *got = values();
    size_t words = 0;
    for (const char *p = got; *p; p++) {
        words += *p == ' ';
    }
    cr_expect_eq(words, 200);
    cr_expect_eq(strncmp(got, "0 1 2 3 ", 8), 0);
    free(got);
    /* Closed: a later command is refused instead of hanging. */
    cr_expect_not(queue_push_command(env.q, NULL));
    helpers_db_close(&env);
}
