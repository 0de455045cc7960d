/*
 * test_writer_ingest.c - the writer as a generic single writer: a stand-in ingest module (no
 * X-Ray anywhere) receives every datagram through struct writer_ingest, its refusals are not
 * stored, its batch_end runs inside the transaction, a failing batch_end rolls the whole batch
 * back (commands included, whose callers then see ERR_INTERNAL), and every parsed slot is
 * released once the writer stops.
 */
#include <criterion/criterion.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "queue.h"
#include "writer.h"
#include "helpers.h"

TestSuite(writer_ingest);

/* The stand-in ingest: stores each datagram's text as one row, refuses texts starting "bad". */
struct fake {
    atomic_int parsed, released, batch_ends, commits, rollbacks;
    atomic_int batches_begun, batches_ended, batches_freed;
    atomic_bool batch_owns; /* what batch_owns_slots answers for batches begun from now on */
    atomic_bool parse_outside_batch; /* set if a parse ran outside parse_begin/parse_end */
    atomic_bool fail_end;
    atomic_bool wrong_ctx; /* set if a hook saw another context than the one given */
};

struct fake_slot {
    char text[32];
};

static struct fake fake;
static struct helpers_db env;

static bool fake_hooks_batched; /* set before the writer starts, read by its parse stage */

/* The per-batch parse state of the batch hooks' variant. */
struct fake_batch {
    bool owns;
};
static _Thread_local bool in_batch;

static void fake_parse(void *slot, const char *data, size_t len, double received_at)
{
    if (fake_hooks_batched && !in_batch) {
        atomic_store(&fake.parse_outside_batch, true);
    }
    struct fake_slot *s = slot;
    (void)received_at;
    snprintf(s->text, sizeof(s->text), "%.*s", (int)len, data);
    atomic_fetch_add(&fake.parsed, 1);
}

static int fake_store(struct writer_txn *txn, void *slot, double received_at)
{
    struct fake_slot *s = slot;
    (void)received_at;
    if (writer_txn_ingest(txn) != &fake) {
        atomic_store(&fake.wrong_ctx, true);
    }
    if (strncmp(s->text, "bad", 3) == 0) {
        return 0;
    }
    sqlite3_stmt *st = store_stmt(writer_txn_store(txn), "INSERT INTO fake_rows(x) VALUES (?1)");
    if (!st) {
        return ERR_INTERNAL;
    }
    store_bind_text(st, 1, s->text);
    return store_step_done(writer_txn_store(txn), st, "fake row") < 0 ? ERR_INTERNAL : 1;
}

static int fake_batch_end(struct writer_txn *txn)
{
    (void)txn;
    atomic_fetch_add(&fake.batch_ends, 1);
    return atomic_load(&fake.fail_end) ? ERR_INTERNAL : 0;
}

static void fake_batch_done(struct writer_txn *txn, bool committed)
{
    if (writer_txn_ingest(txn) != &fake) {
        atomic_store(&fake.wrong_ctx, true);
    }
    atomic_fetch_add(committed ? &fake.commits : &fake.rollbacks, 1);
}

static void fake_release(void *slot)
{
    (void)slot;
    atomic_fetch_add(&fake.released, 1);
}

static void *fake_parse_begin(void)
{
    struct fake_batch *b = xcalloc(1, sizeof(*b));
    b->owns = atomic_load(&fake.batch_owns);
    in_batch = true;
    atomic_fetch_add(&fake.batches_begun, 1);
    return b;
}

static void fake_parse_end(void *batch)
{
    (void)batch;
    in_batch = false;
    atomic_fetch_add(&fake.batches_ended, 1);
}

static bool fake_batch_owns_slots(const void *batch)
{
    return ((const struct fake_batch *)batch)->owns;
}

static void fake_batch_free(void *batch)
{
    free(batch);
    atomic_fetch_add(&fake.batches_freed, 1);
}

static const struct writer_ingest fake_batched_hooks = {
    .slot_size = sizeof(struct fake_slot),
    .parse = fake_parse,
    .store = fake_store,
    .batch_end = fake_batch_end,
    .batch_done = fake_batch_done,
    .release = fake_release,
    .parse_begin = fake_parse_begin,
    .parse_end = fake_parse_end,
    .batch_owns_slots = fake_batch_owns_slots,
    .batch_free = fake_batch_free,
};

static const struct writer_ingest fake_hooks = {
    .slot_size = sizeof(struct fake_slot),
    .parse = fake_parse,
    .store = fake_store,
    .batch_end = fake_batch_end,
    .batch_done = fake_batch_done,
    .release = fake_release,
};

static int create_table(struct writer_txn *txn, void *arg)
{
    (void)arg;
    return store_exec(writer_txn_store(txn), "CREATE TABLE fake_rows(x TEXT)");
}

static int insert_row(struct writer_txn *txn, void *arg)
{
    sqlite3_stmt *st = store_stmt(writer_txn_store(txn), "INSERT INTO fake_rows(x) VALUES (?1)");
    if (!st) {
        return ERR_INTERNAL;
    }
    store_bind_text(st, 1, arg);
    return store_step_done(writer_txn_store(txn), st, "command row");
}

/* Returns the number of rows whose text is arg (NULL: all rows), as a non-negative result. */
static int count_rows(struct writer_txn *txn, void *arg)
{
    sqlite3_stmt *st = store_stmt(writer_txn_store(txn),
                                  "SELECT count(*) FROM fake_rows WHERE ?1 IS NULL OR x = ?1");
    int n = -1;
    if (st) {
        store_bind_text(st, 1, arg);
        if (sqlite3_step(st) == SQLITE_ROW) {
            n = sqlite3_column_int(st, 0);
        }
        sqlite3_reset(st);
    }
    return n < 0 ? ERR_INTERNAL : n;
}

static void setup(void)
{
    memset(&fake, 0, sizeof(fake));
    helpers_db_open(&env, "writer");
    helpers_db_start_writer(&env, &fake_hooks, &fake);
    cr_assert_eq(writer_call(env.w, create_table, NULL), 0);
}

static void setup_batched(void)
{
    memset(&fake, 0, sizeof(fake));
    fake_hooks_batched = true;
    helpers_db_open(&env, "writer");
    helpers_db_start_writer(&env, &fake_batched_hooks, &fake);
    cr_assert_eq(writer_call(env.w, create_table, NULL), 0);
}

static void teardown(void)
{
    helpers_db_close(&env);
    fake_hooks_batched = false;
}

Test(writer_ingest, datagrams_go_through_the_ingest_hooks_only, .init = setup, .fini = teardown)
{
    static const char *const texts[] = {"alpha", "bad one", "beta"};
    for (size_t i = 0; i < 3; i++) {
        cr_assert(queue_push_datagram(env.q, texts[i], strlen(texts[i]), 1.0));
    }
    /* Commands run in queue order, so this one sees the datagrams' rows. */
    cr_assert_eq(writer_call(env.w, count_rows, NULL), 2);
    cr_assert_eq(writer_call(env.w, count_rows, "alpha"), 1);
    cr_assert_eq(writer_call(env.w, count_rows, "bad one"), 0);
    writer_stop(env.w);
    env.w = NULL;
    cr_assert_eq(atomic_load(&fake.parsed), 3);
    cr_assert_eq(atomic_load(&fake.released), 3, "every parsed slot is released");
    cr_assert_geq(atomic_load(&fake.batch_ends), 1);
    cr_assert_eq(atomic_load(&fake.batch_ends), atomic_load(&fake.commits));
    cr_assert_eq(atomic_load(&fake.rollbacks), 0);
    cr_assert_not(atomic_load(&fake.wrong_ctx), "hooks get the context given to writer_start");
}

Test(writer_ingest, failing_batch_end_rolls_back_the_whole_batch, .init = setup, .fini = teardown)
{
    atomic_store(&fake.fail_end, true);
    cr_assert(queue_push_datagram(env.q, "lost", 4, 1.0));
    cr_assert_eq(writer_call(env.w, insert_row, "also lost"), ERR_INTERNAL,
                 "a command's caller learns its batch did not commit");
    cr_assert_geq(atomic_load(&fake.rollbacks), 1);
    atomic_store(&fake.fail_end, false);
    cr_assert_eq(writer_call(env.w, count_rows, NULL), 0, "nothing of the failed batch is kept");
    cr_assert_eq(writer_call(env.w, insert_row, "kept"), 0);
    cr_assert_eq(writer_call(env.w, count_rows, "kept"), 1);
}

/* Sends n datagrams, waits for their commit, stops the writer (every batch's state is then freed).
 */
static void send_and_stop(int n)
{
    for (int i = 0; i < n; i++) {
        cr_assert(queue_push_datagram(env.q, "row", 3, 1.0));
    }
    cr_assert_eq(writer_call(env.w, count_rows, "row"), n);
    writer_stop(env.w);
    env.w = NULL;
    cr_assert_not(atomic_load(&fake.parse_outside_batch),
                  "every parse runs between parse_begin and parse_end");
    cr_assert_eq(atomic_load(&fake.batches_ended), atomic_load(&fake.batches_begun));
    cr_assert_eq(atomic_load(&fake.batches_freed), atomic_load(&fake.batches_begun),
                 "each batch's parse state is freed once");
}

Test(writer_ingest, a_batch_state_that_owns_its_slots_replaces_the_slot_releases,
     .init = setup_batched, .fini = teardown)
{
    atomic_store(&fake.batch_owns, true);
    send_and_stop(5);
    cr_assert_eq(atomic_load(&fake.parsed), 5);
    cr_assert_eq(atomic_load(&fake.released), 0, "no slot is released one by one");
}

Test(writer_ingest, a_batch_state_that_does_not_own_its_slots_gets_them_released_first,
     .init = setup_batched, .fini = teardown)
{
    send_and_stop(5);
    cr_assert_eq(atomic_load(&fake.released), 5, "every slot is released, then the state freed");
}
