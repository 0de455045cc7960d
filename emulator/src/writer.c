/*
 * writer.c - the writer thread (see writer.h), fed by a parse stage. The parse thread pops a
 * batch and parses and validates its datagrams (never on the loop thread), then hands the batch
 * to the writer through a one-slot handoff, so parsing batch N+1 overlaps writing batch N
 * (DESIGN.md §2: "move parsing to a stage ahead of it; keep the single writer"). The writer:
 * BEGIN IMMEDIATE; apply each item in queue order; re-derive each touched trace once (documents
 * read here, derivation on the pool, rows written here); COMMIT; then count, wake command
 * callers and bump the generation. Only the writer thread ever uses the read-write connection;
 * the parse and pool threads touch no SQLite. A batch's items stay counted as pending in the
 * queue until the writer is done with them, so writer_wait_idle still means "all committed".
 * Invariant: a command's caller is woken only after the transaction holding its write has
 * committed or been rolled back, and a datagram is counted stored only after its commit.
 */
#include "writer.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "health.h"
#include "jarena.h"
#include "jparse.h"
#include "log.h"
#include "metrics.h"
#include "otlp_udp.h"
#include "pool.h"
#include "segment.h"
#include "trace.h"
#include "trace_facts.h"
#include "xray_db.h"

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

/* A trace touched in this batch, with the documents this batch stored for it (id -> doc). */
struct dirty_trace {
    char *trace_id;
    json_t *fresh;
};

struct writer_txn {
    struct store *rw;
    struct dirty_trace *dirty; /* open-addressed set of traces touched in this batch */
    size_t ndirty_slots;
    size_t ndirty;
    unsigned changed;
    int64_t *seq; /* the writer's last export position (writer thread only) */
};

struct writer {
    struct queue *q;
    struct store *rw;
    struct pool *pool; /* helpers for parsing and derivation (never for SQL) */
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
    int64_t seq;                /* last segments.seq given out; only the writer thread touches it */
    unsigned changed_since[64]; /* change bits per generation, ring indexed by generation */
};

struct store *writer_txn_store(struct writer_txn *txn)
{
    return txn->rw;
}

void writer_txn_changed(struct writer_txn *txn, unsigned what)
{
    txn->changed |= what;
}

static size_t hash_str(const char *s)
{
    size_t h = 5381;
    while (*s) {
        h = h * 33 + (unsigned char)*s++;
    }
    return h;
}

static struct dirty_trace *touch(struct writer_txn *txn, const char *trace_id)
{
    if ((txn->ndirty + 1) * 2 > txn->ndirty_slots) {
        struct dirty_trace *old = txn->dirty;
        size_t oldn = txn->ndirty_slots;
        txn->ndirty_slots = oldn ? oldn * 2 : 256;
        txn->dirty = xcalloc(txn->ndirty_slots, sizeof(*txn->dirty));
        for (size_t i = 0; i < oldn; i++) {
            if (old[i].trace_id) {
                size_t j = hash_str(old[i].trace_id) & (txn->ndirty_slots - 1);
                while (txn->dirty[j].trace_id) {
                    j = (j + 1) & (txn->ndirty_slots - 1);
                }
                txn->dirty[j] = old[i];
            }
        }
        free(old);
    }
    size_t i = hash_str(trace_id) & (txn->ndirty_slots - 1);
    while (txn->dirty[i].trace_id) {
        if (strcmp(txn->dirty[i].trace_id, trace_id) == 0) {
            return &txn->dirty[i];
        }
        i = (i + 1) & (txn->ndirty_slots - 1);
    }
    txn->dirty[i].trace_id = xstrdup(trace_id);
    txn->dirty[i].fresh = json_object();
    txn->ndirty++;
    txn->changed |= WRITER_CHANGED_TRACES;
    return &txn->dirty[i];
}

void writer_txn_touch_trace(struct writer_txn *txn, const char *trace_id)
{
    touch(txn, trace_id);
}

int writer_txn_put_segment(struct writer_txn *txn, const struct segment *seg, const char *text,
                           size_t len, double received_at)
{
    enum xray_db_put outcome;
    int rc = xray_db_put_segment(txn->rw, seg, text, len, received_at, *txn->seq + 1, &outcome);
    if (rc < 0) {
        return rc;
    }
    if (outcome != XRAY_DB_KEPT_EXISTING) {
        ++*txn->seq; /* a rolled-back use leaves a gap, which exporters skip */
    }
    struct dirty_trace *d = touch(txn, seg->trace_id);
    if (outcome != XRAY_DB_KEPT_EXISTING) {
        json_object_set(d->fresh, seg->id, seg->doc);
    }
    if (outcome == XRAY_DB_REPLACED) {
        METRIC_INC(segments_replaced);
    }
    return 0;
}

static void txn_clear(struct writer_txn *txn)
{
    for (size_t i = 0; i < txn->ndirty_slots; i++) {
        free(txn->dirty[i].trace_id);
        json_decref(txn->dirty[i].fresh);
    }
    free(txn->dirty);
    txn->dirty = NULL;
    txn->ndirty_slots = txn->ndirty = 0;
    txn->changed = 0;
}

/* One datagram of the batch, parsed on whichever pool thread claimed it. */
struct parsed {
    const struct queue_item *it;
    enum segment_reject reject;
    struct segment seg;
    const char *body;
    size_t body_len;
    struct errbuf err;
    struct otlp_batch *otel; /* ADOT T1S datagram: its translated spans instead of seg */
};

static void parse_one(void *ctx, size_t i)
{
    struct parsed *p = &((struct parsed *)ctx)[i];
    p->err.pos = -1;
    p->reject = segment_split_datagram(p->it->data, p->it->len, &p->body, &p->body_len);
    if (p->reject == SEGMENT_OK && otlp_udp_claims(p->body, p->body_len)) {
        /* Spans keep the heap: otlp_udp's values are not all released with the batch. */
        struct jarena *arena = jarena_use(NULL);
        p->reject = otlp_udp_parse(p->body, p->body_len, p->it->received_at, &p->otel, &p->err);
        jarena_use(arena);
    } else if (p->reject == SEGMENT_OK) {
        p->reject = segment_parse(p->body, p->body_len, &p->seg, &p->err);
    }
}

static void free_one(void *ctx, size_t i)
{
    struct parsed *p = &((struct parsed *)ctx)[i];
    if (p->otel) {
        otlp_udp_free(p->otel);
    } else if (p->reject == SEGMENT_OK) {
        segment_fini(&p->seg);
    }
}

/* Stores one parsed datagram (or counts its rejection). Returns true when it was stored. */
static bool store_datagram(struct writer_txn *txn, struct parsed *p)
{
    if (p->reject != SEGMENT_OK) {
        METRIC_INC(udp_rejected[p->reject]);
        log_ratelimited(LOG_DEBUG, "segment rejected", "reason=%s detail=\"%s\"",
                        segment_reject_label(p->reject), p->err.msg);
        return false;
    }
    int rc = p->otel
                 ? otlp_batch_store(txn, p->otel, p->it->received_at)
                 : writer_txn_put_segment(txn, &p->seg, p->body, p->body_len, p->it->received_at);
    if (rc < 0) {
        /* A SQL failure after validation is a bug (logged by store_fail); count the datagram
         * as dropped so received = stored + rejected + dropped still holds. */
        METRIC_INC(udp_dropped);
        METRIC_INC(writer_errors);
    }
    return rc == 0;
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

/* One trace to re-derive: its stored documents are read on the writer thread, the derivation
 * itself (parse, trace_derive into the encoded view) runs on a pool thread. */
struct derive_job {
    const struct dirty_trace *trace;
    struct xray_db_docs docs;
    bool has_row;
    struct xray_db_trace_row row;
};

static void derive_one(void *ctx, size_t i)
{
    struct derive_job *job = &((struct derive_job *)ctx)[i];
    size_t n = job->docs.n;
    json_t **items = xmalloc((n + 1) * sizeof(*items));
    json_t *parsed = json_array(); /* owns the documents parsed here */
    size_t used = 0;
    for (size_t k = 0; k < n; k++) {
        /* Documents this batch stored are already parsed (their text was not even copied out):
         * share them. */
        json_t *doc = json_object_get(job->trace->fresh, job->docs.ids[k]);
        if (!doc && job->docs.texts[k]) {
            const char *text = job->docs.texts[k];
            doc = jparse_object(text, strlen(text));
            doc = doc ? doc : json_loads(text, 0, NULL);
            json_array_append_new(parsed, doc);
        }
        if (doc) {
            items[used++] = doc;
        }
    }
    size_t len = 0;
    void *blob = used ? trace_derive(items, used, &len) : NULL;
    if (blob) {
        struct trace_view v;
        trace_facts_init(&v);
        if (trace_facts_decode(&v, blob, len) == 0) {
            xray_db_trace_row_init(&job->row, &v, blob, len);
            job->has_row = true;
        } else {
            free(blob); /* cannot happen: trace_derive writes what the decoder reads */
        }
        trace_facts_fini(&v);
    }
    free(items);
    json_decref(parsed);
}

static int derive_dirty(struct writer *w, struct writer_txn *txn)
{
    struct derive_job *jobs = xcalloc(txn->ndirty + 1, sizeof(*jobs));
    size_t n = 0;
    int rc = 0;
    for (size_t i = 0; i < txn->ndirty_slots && rc == 0; i++) {
        if (txn->dirty[i].trace_id) {
            jobs[n].trace = &txn->dirty[i];
            rc = xray_db_load_docs(txn->rw, txn->dirty[i].trace_id, txn->dirty[i].fresh,
                                   &jobs[n].docs);
            n++;
        }
    }
    if (rc == 0) {
        pool_run(w->pool, derive_one, jobs, n);
    }
    for (size_t i = 0; i < n; i++) {
        if (rc == 0) {
            rc = xray_db_replace_derived(txn->rw, jobs[i].trace->trace_id,
                                         jobs[i].has_row ? &jobs[i].row : NULL);
            METRIC_INC(writer_traces_derived);
        }
        xray_db_docs_fini(&jobs[i].docs);
        xray_db_trace_row_fini(&jobs[i].row);
    }
    free(jobs);
    return rc;
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
    struct queue_item *items;
    size_t count;
    size_t bytes; /* datagram payload, released from the queue's byte bound after the batch */
    struct parsed *parsed;
    size_t nparsed;
    /* The batch's segment documents live here (jarena.h): parsed by the parse thread, read by
     * the writer and the pool, freed by the writer once every reference to them is gone. */
    struct jarena *arena;
    size_t notel; /* ADOT datagrams among them (heap-allocated, need freeing one by one) */
};

static struct staged *stage_batch(struct queue_item *items, size_t count)
{
    struct staged *st = xcalloc(1, sizeof(*st));
    st->items = items;
    st->count = count;
    st->parsed = xcalloc(count + 1, sizeof(*st->parsed));
    st->arena = jarena_new();
    jarena_use(st->arena);
    for (struct queue_item *it = items; it; it = it->next) {
        if (it->kind == QUEUE_DATAGRAM) {
            st->bytes += it->len;
            st->parsed[st->nparsed].it = it;
            parse_one(st->parsed, st->nparsed);
            st->notel += st->parsed[st->nparsed++].otel != NULL;
        }
    }
    jarena_use(NULL);
    return st;
}

static void run_batch(struct writer *w, struct staged *st)
{
    struct writer_txn txn = {.rw = w->rw, .seq = &w->seq};
    struct timespec ts0, ts1;
    clock_gettime(CLOCK_MONOTONIC, &ts0);
    uint64_t stored = 0, otel_spans = 0, otel_segments = 0;
    bool committed = false;
    struct queue_item *items = st->items;
    struct parsed *parsed = st->parsed;
    size_t count = st->count, nparsed = st->nparsed;
    sqlite3_int64 changes_before = sqlite3_total_changes64(store_db(w->rw));
    if (exec_cached(w->rw, SQL_BEGIN) == 0) {
        size_t k = 0;
        for (struct queue_item *it = items; it; it = it->next) {
            if (it->kind == QUEUE_DATAGRAM) {
                struct parsed *p = &parsed[k++];
                bool ok = store_datagram(&txn, p);
                stored += ok;
                if (ok && p->otel) {
                    otel_spans += p->otel->accepted;
                    otel_segments += p->otel->nsegs;
                }
            } else {
                apply_command(&txn, it->cmd);
            }
        }
        committed = derive_dirty(w, &txn) == 0 && exec_cached(w->rw, SQL_COMMIT) == 0;
        if (!committed) {
            sqlite3_exec(store_db(w->rw), "ROLLBACK", NULL, NULL, NULL);
        }
    }
    if (committed) {
        METRIC_ADD(udp_stored, stored);
        METRIC_ADD(otlp_spans_accepted, otel_spans);
        METRIC_ADD(otlp_segments_stored, otel_segments);
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
    unsigned changed = txn.changed;
    txn_clear(&txn);
    finish_batch(w, items, committed, changed);
    /* The parsed documents' last references (txn_clear dropped the dirty traces' ones). When the
     * arena holds all of them (nothing here adds to a parsed document), it goes as a whole and
     * no tree is walked: that walk was 5% of fluoro's CPU. OTLP batches live on the heap, and
     * so does a document the arena could not hold: those are torn down on every core. */
    if (st->notel || !jarena_pure(st->arena)) {
        pool_run(w->pool, free_one, parsed, nparsed);
    }
    jarena_free(st->arena);
    free(parsed);
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
        struct staged *st = items ? stage_batch(items, count) : NULL;
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

int writer_start(struct queue *q, struct store *rw, struct writer **out)
{
    struct writer *w = xcalloc(1, sizeof(*w));
    w->q = q;
    w->rw = rw;
    w->seq = xray_db_max_seq(rw);
    if (w->seq < 0) {
        free(w);
        *out = NULL;
        return ERR_INTERNAL;
    }
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
