/*
 * writer.h - the single writer thread: it owns the only read-write SQLite connection, drains the
 * ingest queue in batches, applies each batch in one transaction, lets the ingest module finish
 * the batch (X-Ray ingest re-derives every trace it touched), commits, and only then tells
 * waiting HTTP requests their write is done ("acknowledged means committed", DESIGN.md §2). It
 * knows nothing of what the datagrams hold: struct writer_ingest parses and stores them.
 *
 * HTTP threads reach it through writer_call(); the loop thread through queue_push_datagram()
 * and writer_post(). Nothing else touches the read-write connection.
 */
#ifndef WRITER_H
#define WRITER_H

#include "fluoro.h"
#include "queue.h"
#include "store.h"

struct writer;
struct writer_txn;
struct pool;

/* A write to run inside the writer's transaction. Runs on the writer thread within a savepoint:
 * a negative return rolls back only this command. Must not block. */
typedef int (*writer_fn)(struct writer_txn *txn, void *arg);

struct writer_ingest;
/* Starts the thread. rw is borrowed and used only by the writer from now on; ingest (static) and
 * ingest_ctx (borrowed, outliving the writer) handle the datagrams. */
int writer_start(struct queue *q, struct store *rw, const struct writer_ingest *ingest,
                 void *ingest_ctx, struct writer **out) MUST_CHECK;
/* Drains the queue, commits, joins the thread. Safe with NULL. */
void writer_stop(struct writer *w);

/* HTTP threads: runs fn(txn, arg) in the next batch and returns its result once the batch has
 * committed (ERR_INTERNAL if the commit failed, ERR_TIMEOUT if the writer is stopping).
 * arg, and any json_t in it, is handed to the writer thread and back: the queue's mutex
 * (queue_push_command) orders the hand-over, and the writer's mutex, under which it marks the
 * command done, orders the hand-back. So the caller owns arg again when this returns, and fn
 * keeps no reference to it (nor increfs a json_t in it) past its own return. */
int writer_call(struct writer *w, writer_fn fn, void *arg) MUST_CHECK;
/* Loop thread: queues fn(txn, arg) without waiting; free_arg(arg) runs after it (may be NULL).
 * arg belongs to the writer thread from the call on (the queue's mutex orders the hand-over),
 * and free_arg runs there. */
void writer_post(struct writer *w, writer_fn fn, void *arg, void (*free_arg)(void *));

/* What the writer does with datagrams, supplied by the ingest module (X-Ray ingest,
 * xray_ingest.h): the writer batches, parses on its parse stage, opens and commits transactions
 * and counts datagrams, but never looks inside one. Each hook gets the ingest context back
 * through writer_txn_ingest(). */
struct writer_ingest {
    size_t slot_size; /* bytes of parse state per datagram; the writer zeroes each slot */
    /* Parse stage (no SQLite): parses one datagram into its slot. */
    void (*parse)(void *slot, const char *data, size_t len, double received_at);
    /* Writer thread, inside the batch's transaction: stores a parsed datagram. Returns 1 when
     * stored, 0 when refused (the module counts why), negative on a SQL failure. */
    int (*store)(struct writer_txn *txn, void *slot, double received_at);
    /* Writer thread, after the batch's last item and before COMMIT (the batch's derived work);
     * a negative return rolls the whole batch back. May be NULL. */
    int (*batch_end)(struct writer_txn *txn);
    /* Writer thread, once the batch has committed or rolled back: drops per-batch state. May be
     * NULL. */
    void (*batch_done)(struct writer_txn *txn, bool committed);
    /* A pool thread, after batch_done: frees what parse made. */
    void (*release)(void *slot);
    /* Parse stage, optional: parse_begin runs before a batch's first parse and returns its
     * per-batch parse state (the X-Ray ingest's allocation arena), parse_end after its last. */
    void *(*parse_begin)(void);
    void (*parse_end)(void *batch);
    /* Writer thread, optional, after batch_done: whether freeing the batch state alone drops
     * every slot's parse results (release is then not called for the slots), and, after any
     * releases, freeing it. */
    bool (*batch_owns_slots)(const void *batch);
    void (*batch_free)(void *batch);
};

/* Inside a writer_fn or an ingest hook: the read-write connection, the ingest context given to
 * writer_start, and the writer's fork-join pool (writer thread only; never for SQL). */
struct store *writer_txn_store(struct writer_txn *txn);
void *writer_txn_ingest(struct writer_txn *txn);
struct pool *writer_txn_pool(struct writer_txn *txn);

/* Inside a writer_fn: records what kind of data changed, for live listeners (bit set). */
enum { WRITER_CHANGED_TRACES = 1, WRITER_CHANGED_LOGS = 2 };
void writer_txn_changed(struct writer_txn *txn, unsigned what);

/* Commits so far (increments after each batch). */
uint64_t writer_generation(struct writer *w);
/* Waits until the generation passes `after` or timeout_ms passes; returns the generation and
 * the change bits accumulated since `after` in *changed (may be NULL). */
uint64_t writer_wait_change(struct writer *w, uint64_t after, int timeout_ms, unsigned *changed);
/* Waits until the queue is empty, the writer is idle, every UDP datagram received has been
 * stored, rejected or dropped, and nothing arrived for idle_ms, counting from the call at the
 * earliest (so a datagram still in the socket buffer when the call starts is waited for), or
 * until timeout_ms passes. Returns 0 or ERR_TIMEOUT. */
int writer_wait_idle(struct writer *w, int idle_ms, int timeout_ms) MUST_CHECK;
/* writer_wait_idle's test without the wait, for a caller that parks instead (any thread):
 * returns 0 when ingest has been idle as defined there since `start` (now_mono_ms clock), else
 * how many milliseconds to wait before asking again. */
uint64_t writer_idle_in(struct writer *w, uint64_t start, int idle_ms);

#endif
