/*
 * queue.h - the bounded ingest FIFO between the loop thread (UDP datagrams), HTTP threads
 * (write commands) and the single writer thread. A mutex and a condition variable; datagrams are
 * refused when the queue holds `capacity` of them or `max_bytes` of datagram payload (the caller
 * counts the drop), commands are always accepted because their callers wait for them (at most one
 * per HTTP thread).
 */
#ifndef QUEUE_H
#define QUEUE_H

#include "fluoro.h"

struct writer_cmd;

enum queue_kind { QUEUE_DATAGRAM, QUEUE_COMMAND };

struct queue_item {
    struct queue_item *next;
    enum queue_kind kind;
    double received_at;
    struct writer_cmd *cmd; /* QUEUE_COMMAND: borrowed from the waiting caller */
    size_t len;             /* QUEUE_DATAGRAM: bytes in data */
    char data[];
};

struct queue;

/* New queue holding at most capacity datagrams (and no byte bound until queue_set_max_bytes). */
struct queue *queue_new(size_t capacity);
/* Bounds the datagram payload held (queued or being applied) to max_bytes, so 64 KiB datagrams
 * cannot pile up capacity x 64 KiB of memory. Call before the first push; main thread. */
void queue_set_max_bytes(struct queue *q, size_t max_bytes);
void queue_free(struct queue *q);

/* Loop thread: copies a datagram in. Returns false (nothing queued) when full or closed. */
bool queue_push_datagram(struct queue *q, const char *data, size_t len, double received_at);
/* Any thread: queues a command (never refused while open). Returns false when closed. */
bool queue_push_command(struct queue *q, struct writer_cmd *cmd);

/* The writer's parse stage: waits for at least one item, then lingers up to linger_ms for more,
 * returning up to max items as a linked list (the caller frees each with free()). Returns NULL once
 * the queue is closed and empty. */
struct queue_item *queue_pop_batch(struct queue *q, size_t max, int linger_ms, size_t *count);

/* Stops accepting; the writer drains what is left and then sees NULL. */
void queue_close(struct queue *q);

/* Writer thread: a batch of n items holding nbytes of datagram payload is finished (committed or
 * rolled back). Batches may be in flight two at a time (one parsed ahead), so each releases its
 * own bytes. */
void queue_done(struct queue *q, size_t n, size_t nbytes);
/* Items waiting or being applied, and the monotonic ms of the latest push (0 = never). */
size_t queue_pending(struct queue *q);
uint64_t queue_last_push_ms(struct queue *q);

#endif
