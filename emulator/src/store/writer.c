/*
 * writer.c - the writer thread (see writer.h), fed by a parse stage. The parse thread pops a
 * batch and parses and validates its datagrams (never on the loop thread), then hands the batch
 * to the writer through a one-slot handoff, so parsing batch N+1 overlaps writing batch N
 * (DESIGN.md §2: "move parsing to a stage ahead of it; keep the single writer"). The writer:
 * BEGIN IMMEDIATE; apply each item in queue order; the ingest module's batch_end (X-Ray ingest
 * re-derives each touched trace once there); COMMIT; then count, wake command callers and bump
 * the generation. What a datagram holds is the ingest module's business (struct writer_ingest):
 * this file knows nothing of segments or traces. Only the writer thread ever uses the
 * read-write connection; the parse and pool threads touch no SQLite. A batch's items stay counted
 * as pending in the queue until the writer is done with them, so writer_wait_idle still means "all
 * committed". Invariant: a command's caller is woken only after the transaction holding its write
 * has committed or been rolled back, and a datagram is counted stored only after its commit.
 */
#include "writer.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "health.h"
#include "log.h"
#include "metrics.h"
#include "pool.h"

#define BATCH_MAX 1000
/* Every commit rewrites the right-most pages of each table and index it touches (about 45 WAL
 * frames whatever the batch size), so at moderate rates longer batches write fewer frames per
 * segment: 10 ms (DESIGN.md §2's bound) instead of 5 cut fluoro's CPU per segment by ~15% at
 * 8,000 segments/s. Commands still cut the linger short. */
#define BATCH_LINGER_MS 10

struct writer_cmd {
    writer_fn fn;
    void *arg;
    void (*free_arg)(void *); /* posted (fire-and-forget) commands */
    bool posted;
    bool done;
    int result;
    struct writer_cmd *next_done;
};

struct writer_txn {
    struct store *rw;
    void *ingest; /* the ingest module's context */
    struct pool *pool;
    unsigned changed;
};

struct writer {
    struct queue *q;
    struct store *rw;
    struct pool *pool; /* helpers for the ingest module's work (never for SQL) */
    const struct writer_ingest *ingest;
    void *ingest_ctx;
    pthread_t thread, parser;
    bool started, parser_started;
    /* The parse stage's handoff: one parsed batch waiting for the writer. hand_mu guards it. */
    pthread_mutex_t hand_mu;
    pthread_cond_t hand_cond;
    struct staged *slot;
    bool parser_done;
    pthread_mutex_t mu; /* guards generation, changed_since and command done flags */
    pthread_cond_t cond;
    uint64_t generation;
    unsigned changed_since[64]; /* change bits per generation, ring indexed by generation */
};

struct store *writer_txn_store(struct writer_txn *txn)
{
    return txn->rw;
}

void *writer_txn_ingest(struct writer_txn *txn)
{
    return txn->ingest;
}

struct pool *writer_txn_pool(struct writer_txn *txn)
{
    return txn->pool;
}

void writer_txn_changed(struct writer_txn *txn, unsigned what)
{
    txn->changed |= what;
}

/* One datagram of the batch and its parse state (the ingest module's slot_size bytes). */
struct parsed {
    const struct queue_item *it;
    void *slot;
};

/* Stores one parsed datagram. Returns true when it was stored. */
static bool store_datagram(struct writer *w, struct writer_txn *txn, struct parsed *p)
{
    int rc = w->ingest->store(txn, p->slot, p->it->received_at);
    if (rc < 0) {
        /* A SQL failure after validation is a bug (logged by store_fail); count the datagram
         * as dropped so received = stored + rejected + dropped still holds. */
        METRIC_INC(udp_dropped);
        METRIC_INC(writer_errors);
    }
    return rc > 0;
}

static void apply_command(struct writer_txn *txn, struct writer_cmd *cmd)
{
    if (store_exec(txn->rw, "SAVEPOINT cmd") < 0) {
        cmd->result = ERR_INTERNAL;
        return;
    }
    cmd->result = cmd->fn(txn, cmd->arg);
    if (cmd->result < 0) {
        sqlite3_exec(store_db(txn->rw), "ROLLBACK TO cmd", NULL, NULL, NULL);
    }
    sqlite3_exec(store_db(txn->rw), "RELEASE cmd", NULL, NULL, NULL);
}

/* Wakes callers and frees posted commands once the batch's fate is known. */
static void finish_batch(struct writer *w, struct queue_item *items, bool committed,
                         unsigned changed)
{
    pthread_mutex_lock(&w->mu);
    for (struct queue_item *it = items; it; it = it->next) {
        if (it->kind != QUEUE_COMMAND) {
            continue;
        }
        struct writer_cmd *cmd = it->cmd;
        if (!committed) {
            cmd->result = ERR_INTERNAL;
        }
        if (cmd->posted) {
            if (cmd->free_arg) {
                cmd->free_arg(cmd->arg);
            }
            free(cmd);
        } else {
            cmd->done = true;
        }
    }
    w->generation++;
    w->changed_since[w->generation % ARRAY_LEN(w->changed_since)] = changed;
    pthread_cond_broadcast(&w->cond);
    pthread_mutex_unlock(&w->mu);
}

/* A popped batch with its datagrams parsed, on its way from the parse stage to the writer. */
struct staged {
    const struct writer_ingest *ingest;
    struct queue_item *items;
    size_t count;
    size_t bytes; /* datagram payload, released from the queue's byte bound after the batch */
    struct parsed *parsed;
    size_t nparsed;
    char *slots; /* nparsed parse states of ingest->slot_size bytes each */
    void *batch; /* the ingest's per-batch parse state (parse_begin), or NULL */
};

static struct staged *stage_batch(struct writer *w, struct queue_item *items, size_t count)
{
    struct staged *st = xcalloc(1, sizeof(*st));
    size_t slot_size = w->ingest->slot_size;
    st->ingest = w->ingest;
    st->items = items;
    st->count = count;
    st->parsed = xcalloc(count + 1, sizeof(*st->parsed));
    st->slots = xcalloc(count + 1, slot_size);
    st->batch = w->ingest->parse_begin ? w->ingest->parse_begin() : NULL;
    for (struct queue_item *it = items; it; it = it->next) {
        if (it->kind == QUEUE_DATAGRAM) {
            struct parsed *p = &st->parsed[st->nparsed];
            st->bytes += it->len;
            p->it = it;
            p->slot = st->slots + st->nparsed++ * slot_size;
            w->ingest->parse(p->slot, it->data, it->len, it->received_at);
        }
    }
    if (w->ingest->parse_end) {
        w->ingest->parse_end(st->batch);
    }
    return st;
}

static void release_one(void *ctx, size_t i)
{
    struct staged *st = ctx;
    st->ingest->release(st->parsed[i].slot);
}

/* BEGIN and COMMIT run once per batch: as cached statements, not sqlite3_exec, which parsed
 * them every time (2% of fluoro's CPU on UDP ingest, most of it allocating the parser). */
static const char SQL_BEGIN[] = "BEGIN IMMEDIATE";
static const char SQL_COMMIT[] = "COMMIT";

static int exec_cached(struct store *s, const char *sql)
{
    sqlite3_stmt *st = store_stmt(s, sql);
    return st ? store_step_done(s, st, sql) : ERR_INTERNAL;
}

/* Drops what the batch's parse made: each slot on every core (tearing trees down is a tenth of
 * the batch), unless the ingest says its per-batch state holds all of it, then that alone. */
static void release_batch(struct writer *w, struct staged *st)
{
    const struct writer_ingest *in = w->ingest;
    if (!in->batch_owns_slots || !in->batch_owns_slots(st->batch)) {
        pool_run(w->pool, release_one, st, st->nparsed);
    }
    if (in->batch_free) {
        in->batch_free(st->batch);
    }
}

static void run_batch(struct writer *w, struct staged *st)
{
    struct writer_txn txn = {.rw = w->rw, .ingest = w->ingest_ctx, .pool = w->pool};
    struct timespec ts0, ts1;
    clock_gettime(CLOCK_MONOTONIC, &ts0);
    uint64_t stored = 0;
    bool committed = false;
    struct queue_item *items = st->items;
    struct parsed *parsed = st->parsed;
    size_t count = st->count;
    sqlite3_int64 changes_before = sqlite3_total_changes64(store_db(w->rw));
    if (exec_cached(w->rw, SQL_BEGIN) == 0) {
        size_t k = 0;
        for (struct queue_item *it = items; it; it = it->next) {
            if (it->kind == QUEUE_DATAGRAM) {
                stored += store_datagram(w, &txn, &parsed[k++]);
            } else {
                apply_command(&txn, it->cmd);
            }
        }
        committed = (!w->ingest->batch_end || w->ingest->batch_end(&txn) == 0) &&
                    exec_cached(w->rw, SQL_COMMIT) == 0;
        if (!committed) {
            sqlite3_exec(store_db(w->rw), "ROLLBACK", NULL, NULL, NULL);
        }
    }
    if (committed) {
        METRIC_ADD(udp_stored, stored);
        /* Only a commit that wrote something proves there is room again. */
        if (sqlite3_total_changes64(store_db(w->rw)) != changes_before) {
            health_note_write_ok();
        }
    } else {
        /* Nothing of this batch is kept: its datagrams count as dropped so the books balance. */
        METRIC_INC(writer_errors);
        for (struct queue_item *it = items; it; it = it->next) {
            if (it->kind == QUEUE_DATAGRAM) {
                METRIC_INC(udp_dropped);
            }
        }
        log_ratelimited(LOG_ERROR, "writer batch rolled back", "items=%zu", count);
    }
    clock_gettime(CLOCK_MONOTONIC, &ts1);
    uint64_t us =
        (uint64_t)((ts1.tv_sec - ts0.tv_sec) * 1000000L + (ts1.tv_nsec - ts0.tv_nsec) / 1000);
    metrics_record_batch(count, us);
    if (w->ingest->batch_done) {
        w->ingest->batch_done(&txn, committed);
    }
    unsigned changed = txn.changed;
    finish_batch(w, items, committed, changed);
    /* The parsed documents' last references (batch_done dropped the ingest's own). */
    release_batch(w, st);
    free(parsed);
    free(st->slots);
    free(st);
    while (items) {
        struct queue_item *next = items->next;
        free(items);
        items = next;
    }
}

static void *parser_main(void *arg)
{
    struct writer *w = arg;
    for (;;) {
        size_t count = 0;
        struct queue_item *items = queue_pop_batch(w->q, BATCH_MAX, BATCH_LINGER_MS, &count);
        struct staged *st = items ? stage_batch(w, items, count) : NULL;
        pthread_mutex_lock(&w->hand_mu);
        while (st && w->slot) {
            pthread_cond_wait(&w->hand_cond, &w->hand_mu);
        }
        if (st) {
            w->slot = st;
        } else {
            w->parser_done = true; /* the queue is closed and drained */
        }
        pthread_cond_broadcast(&w->hand_cond);
        pthread_mutex_unlock(&w->hand_mu);
        if (!st) {
            return NULL;
        }
    }
}

static void *writer_main(void *arg)
{
    struct writer *w = arg;
    for (;;) {
        pthread_mutex_lock(&w->hand_mu);
        while (!w->slot && !w->parser_done) {
            pthread_cond_wait(&w->hand_cond, &w->hand_mu);
        }
        struct staged *st = w->slot;
        w->slot = NULL;
        pthread_cond_broadcast(&w->hand_cond);
        pthread_mutex_unlock(&w->hand_mu);
        if (!st) {
            break;
        }
        size_t count = st->count, bytes = st->bytes;
        run_batch(w, st);
        queue_done(w->q, count, bytes);
    }
    return NULL;
}

int writer_start(struct queue *q, struct store *rw, const struct writer_ingest *ingest,
                 void *ingest_ctx, struct writer **out)
{
    struct writer *w = xcalloc(1, sizeof(*w));
    w->q = q;
    w->rw = rw;
    w->ingest = ingest;
    w->ingest_ctx = ingest_ctx;
    long cpus = sysconf(_SC_NPROCESSORS_ONLN);
    w->pool = pool_new(cpus > 4 ? 3 : cpus > 1 ? (int)cpus - 1 : 0);
    pthread_mutex_init(&w->mu, NULL);
    cond_init_monotonic(&w->cond);
    pthread_mutex_init(&w->hand_mu, NULL);
    pthread_cond_init(&w->hand_cond, NULL);
    if (pthread_create(&w->thread, NULL, writer_main, w) != 0) {
        writer_stop(w);
        *out = NULL;
        return ERR_INTERNAL;
    }
    w->started = true;
    if (pthread_create(&w->parser, NULL, parser_main, w) != 0) {
        writer_stop(w);
        *out = NULL;
        return ERR_INTERNAL;
    }
    w->parser_started = true;
    *out = w;
    return 0;
}

void writer_stop(struct writer *w)
{
    if (!w) {
        return;
    }
    queue_close(w->q);
    if (w->parser_started) {
        pthread_join(w->parser, NULL);
    } else {
        /* No parse stage ever ran: let the writer see the end by itself. */
        pthread_mutex_lock(&w->hand_mu);
        w->parser_done = true;
        pthread_cond_broadcast(&w->hand_cond);
        pthread_mutex_unlock(&w->hand_mu);
    }
    if (w->started) {
        pthread_join(w->thread, NULL);
    }
    pool_free(w->pool);
    pthread_mutex_destroy(&w->mu);
    pthread_cond_destroy(&w->cond);
    pthread_mutex_destroy(&w->hand_mu);
    pthread_cond_destroy(&w->hand_cond);
    free(w);
}

int writer_call(struct writer *w, writer_fn fn, void *arg)
{
    struct writer_cmd cmd = {.fn = fn, .arg = arg};
    if (!queue_push_command(w->q, &cmd)) {
        return ERR_TIMEOUT;
    }
    pthread_mutex_lock(&w->mu);
    while (!cmd.done) {
        pthread_cond_wait(&w->cond, &w->mu);
    }
    pthread_mutex_unlock(&w->mu);
    return cmd.result;
}

void writer_post(struct writer *w, writer_fn fn, void *arg, void (*free_arg)(void *))
{
    struct writer_cmd *cmd = xcalloc(1, sizeof(*cmd));
    cmd->fn = fn;
    cmd->arg = arg;
    cmd->free_arg = free_arg;
    cmd->posted = true;
    if (!queue_push_command(w->q, cmd)) {
        if (free_arg) {
            free_arg(arg);
        }
        free(cmd);
    }
}

uint64_t writer_generation(struct writer *w)
{
    pthread_mutex_lock(&w->mu);
    uint64_t g = w->generation;
    pthread_mutex_unlock(&w->mu);
    return g;
}

uint64_t writer_wait_change(struct writer *w, uint64_t after, int timeout_ms, unsigned *changed)
{
    struct timespec deadline;
    deadline_after_ms(&deadline, timeout_ms);
    pthread_mutex_lock(&w->mu);
    while (w->generation <= after && pthread_cond_timedwait(&w->cond, &w->mu, &deadline) == 0) {
    }
    uint64_t g = w->generation;
    unsigned bits = 0;
    /* Older generations than the ring remembers count as "everything may have changed". */
    if (g - after > ARRAY_LEN(w->changed_since)) {
        bits = ~0u;
    } else {
        for (uint64_t k = after + 1; k <= g; k++) {
            bits |= w->changed_since[k % ARRAY_LEN(w->changed_since)];
        }
    }
    pthread_mutex_unlock(&w->mu);
    if (changed) {
        *changed = bits;
    }
    return g;
}

/* True when every datagram counted as received has been stored, rejected or dropped. */
static bool udp_books_balance(void)
{
    return METRIC_GET(udp_received) ==
           METRIC_GET(udp_stored) + metrics_udp_rejected_total() + METRIC_GET(udp_dropped);
}

/* A busy queue is re-checked this often: the writer signals commits, not an empty queue. */
#define IDLE_POLL_MS 5

uint64_t writer_idle_in(struct writer *w, uint64_t start, int idle_ms)
{
    uint64_t now = now_mono_ms();
    uint64_t last = queue_last_push_ms(w->q);
    uint64_t quiet_since = last > start ? last : start;
    if (queue_pending(w->q) != 0 || !udp_books_balance()) {
        return IDLE_POLL_MS;
    }
    if (now - quiet_since >= (uint64_t)idle_ms) {
        return 0;
    }
    return quiet_since + (uint64_t)idle_ms - now;
}

int writer_wait_idle(struct writer *w, int idle_ms, int timeout_ms)
{
    uint64_t start = now_mono_ms();
    for (;;) {
        uint64_t left = writer_idle_in(w, start, idle_ms);
        if (left == 0) {
            return 0;
        }
        uint64_t now = now_mono_ms();
        if (now - start >= (uint64_t)timeout_ms) {
            return ERR_TIMEOUT;
        }
        left = left < IDLE_POLL_MS ? left : IDLE_POLL_MS;
        struct timespec ts = {0, (long)left * 1000000L};
        nanosleep(&ts, NULL);
    }
}
