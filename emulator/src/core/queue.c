/*
 * queue.c - bounded FIFO (see queue.h). The loop thread never blocks here: a push takes the
 * mutex only for a pointer swap, and a full queue refuses at once.
 */
#include "queue.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "metrics.h"

#define QUEUE_WAKE_EVERY 1000

struct queue {
    pthread_mutex_t mu;
    pthread_cond_t nonempty;
    struct queue_item *head, *tail;
    size_t datagrams; /* datagram items queued (commands do not count against capacity) */
    size_t items;
    size_t capacity;
    size_t bytes;     /* datagram payload queued or in flight (released by queue_done) */
    size_t max_bytes; /* SIZE_MAX = unbounded */
    size_t in_flight_bytes;
    size_t in_flight; /* popped by the writer, not yet committed */
    bool closed;
    _Atomic uint64_t last_push_ms;
};

struct queue *queue_new(size_t capacity)
{
    struct queue *q = xcalloc(1, sizeof(*q));
    pthread_mutex_init(&q->mu, NULL);
    cond_init_monotonic(&q->nonempty);
    q->capacity = capacity;
    q->max_bytes = SIZE_MAX;
    METRIC_SET(queue_capacity, capacity);
    return q;
}

void queue_set_max_bytes(struct queue *q, size_t max_bytes)
{
    q->max_bytes = max_bytes;
    METRIC_SET(queue_capacity_bytes, max_bytes);
}

void queue_free(struct queue *q)
{
    if (!q) {
        return;
    }
    while (q->head) {
        struct queue_item *it = q->head;
        q->head = it->next;
        free(it);
    }
    pthread_mutex_destroy(&q->mu);
    pthread_cond_destroy(&q->nonempty);
    free(q);
}

static bool push(struct queue *q, struct queue_item *it)
{
    pthread_mutex_lock(&q->mu);
    /* Bytes count until the writer is done with the batch, since that is when they are freed. */
    bool full = it->kind == QUEUE_DATAGRAM &&
                (q->datagrams >= q->capacity || it->len > q->max_bytes - q->bytes);
    if (q->closed || full) {
        pthread_mutex_unlock(&q->mu);
        return false;
    }
    if (q->tail) {
        q->tail->next = it;
    } else {
        q->head = it;
    }
    q->tail = it;
    q->items++;
    if (it->kind == QUEUE_DATAGRAM) {
        q->datagrams++;
        q->bytes += it->len;
        METRIC_SET(queue_bytes, q->bytes);
    }
    METRIC_SET(queue_depth, q->items);
    q->last_push_ms = now_mono_ms();
    /* Wake the writer when there is something new to wait for: the first item, a command (a
     * client is waiting), or a full batch. Otherwise it is lingering and wakes on its own; a
     * futex wake per datagram cost the loop thread more than the receive itself. */
    if (q->items == 1 || it->kind == QUEUE_COMMAND || q->items % QUEUE_WAKE_EVERY == 0) {
        pthread_cond_signal(&q->nonempty);
    }
    pthread_mutex_unlock(&q->mu);
    return true;
}

bool queue_push_datagram(struct queue *q, const char *data, size_t len, double received_at)
{
    struct queue_item *it = xmalloc(sizeof(*it) + len + 1);
    it->next = NULL;
    it->kind = QUEUE_DATAGRAM;
    it->received_at = received_at;
    it->cmd = NULL;
    it->len = len;
    memcpy(it->data, data, len);
    it->data[len] = '\0';
    if (!push(q, it)) {
        free(it);
        return false;
    }
    return true;
}

bool queue_push_command(struct queue *q, struct writer_cmd *cmd)
{
    struct queue_item *it = xcalloc(1, sizeof(*it));
    it->kind = QUEUE_COMMAND;
    it->cmd = cmd;
    it->received_at = now_epoch();
    if (!push(q, it)) {
        free(it);
        return false;
    }
    return true;
}

struct queue_item *queue_pop_batch(struct queue *q, size_t max, int linger_ms, size_t *count)
{
    pthread_mutex_lock(&q->mu);
    while (!q->head && !q->closed) {
        pthread_cond_wait(&q->nonempty, &q->mu);
    }
    /* Linger briefly so a burst is committed in one transaction; commands cut the linger short
     * because an HTTP client is waiting for the commit. */
    if (q->head && q->items < max && !q->closed && q->head->kind == QUEUE_DATAGRAM) {
        struct timespec deadline;
        deadline_after_ms(&deadline, linger_ms);
        while (q->items < max && !q->closed && q->tail->kind == QUEUE_DATAGRAM &&
               pthread_cond_timedwait(&q->nonempty, &q->mu, &deadline) == 0) {
        }
    }
    struct queue_item *first = q->head, *last = NULL;
    size_t n = 0, nbytes = 0;
    for (struct queue_item *it = q->head; it && n < max; it = it->next) {
        last = it;
        n++;
        if (it->kind == QUEUE_DATAGRAM) {
            q->datagrams--;
            nbytes += it->len;
        }
    }
    if (last) {
        q->head = last->next;
        if (!q->head) {
            q->tail = NULL;
        }
        last->next = NULL;
    }
    q->items -= n;
    q->in_flight += n;
    q->in_flight_bytes += nbytes;
    METRIC_SET(queue_depth, q->items);
    pthread_mutex_unlock(&q->mu);
    *count = n;
    return first;
}

void queue_close(struct queue *q)
{
    pthread_mutex_lock(&q->mu);
    q->closed = true;
    pthread_cond_broadcast(&q->nonempty);
    pthread_mutex_unlock(&q->mu);
}

void queue_done(struct queue *q, size_t n, size_t nbytes)
{
    pthread_mutex_lock(&q->mu);
    q->in_flight -= n;
    q->in_flight_bytes -= nbytes;
    q->bytes -= nbytes;
    METRIC_SET(queue_bytes, q->bytes);
    pthread_mutex_unlock(&q->mu);
}

size_t queue_pending(struct queue *q)
{
    pthread_mutex_lock(&q->mu);
    size_t n = q->items + q->in_flight;
    pthread_mutex_unlock(&q->mu);
    return n;
}

uint64_t queue_last_push_ms(struct queue *q)
{
    return q->last_push_ms;
}
