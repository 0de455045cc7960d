/*
 * pool.c - fork-join pool (see pool.h). A job is published under the mutex with a new
 * generation number; every thread, the caller included, claims indexes from one atomic counter
 * until it runs past n; the caller then waits until all helpers have left the job, so nothing
 * refers to fn or ctx after pool_run returns.
 */
#include "pool.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>

struct pool {
    pthread_t *threads;
    int helpers;
    pthread_mutex_t mu;
    pthread_cond_t start, finished;
    uint64_t generation;
    int busy; /* helpers still inside the current job */
    bool stop;
    pool_fn fn;
    void *ctx;
    size_t n;
    _Atomic size_t next;
};

static void drain(struct pool *p, pool_fn fn, void *ctx, size_t n)
{
    for (;;) {
        size_t i = atomic_fetch_add_explicit(&p->next, 1, memory_order_relaxed);
        if (i >= n) {
            return;
        }
        fn(ctx, i);
    }
}

static void *helper_main(void *arg)
{
    struct pool *p = arg;
    uint64_t seen = 0;
    pthread_mutex_lock(&p->mu);
    for (;;) {
        while (!p->stop && p->generation == seen) {
            pthread_cond_wait(&p->start, &p->mu);
        }
        if (p->stop) {
            break;
        }
        seen = p->generation;
        pool_fn fn = p->fn;
        void *ctx = p->ctx;
        size_t n = p->n;
        pthread_mutex_unlock(&p->mu);
        drain(p, fn, ctx, n);
        pthread_mutex_lock(&p->mu);
        if (--p->busy == 0) {
            pthread_cond_signal(&p->finished);
        }
    }
    pthread_mutex_unlock(&p->mu);
    return NULL;
}

struct pool *pool_new(int helpers)
{
    struct pool *p = xcalloc(1, sizeof(*p));
    pthread_mutex_init(&p->mu, NULL);
    pthread_cond_init(&p->start, NULL);
    pthread_cond_init(&p->finished, NULL);
    p->threads = xcalloc((size_t)(helpers > 0 ? helpers : 1), sizeof(pthread_t));
    for (int i = 0; i < helpers; i++) {
        if (pthread_create(&p->threads[i], NULL, helper_main, p) != 0) {
            break;
        }
        p->helpers++;
    }
    return p;
}

void pool_run(struct pool *p, pool_fn fn, void *ctx, size_t n)
{
    if (n == 0) {
        return;
    }
    atomic_store_explicit(&p->next, 0, memory_order_relaxed);
    /* A single item is not worth waking anyone for. */
    if (n == 1 || p->helpers == 0) {
        drain(p, fn, ctx, n);
        return;
    }
    pthread_mutex_lock(&p->mu);
    p->fn = fn;
    p->ctx = ctx;
    p->n = n;
    p->busy = p->helpers;
    p->generation++;
    pthread_cond_broadcast(&p->start);
    pthread_mutex_unlock(&p->mu);
    drain(p, fn, ctx, n);
    pthread_mutex_lock(&p->mu);
    while (p->busy > 0) {
        pthread_cond_wait(&p->finished, &p->mu);
    }
    pthread_mutex_unlock(&p->mu);
}

void pool_free(struct pool *p)
{
    if (!p) {
        return;
    }
    pthread_mutex_lock(&p->mu);
    p->stop = true;
    pthread_cond_broadcast(&p->start);
    pthread_mutex_unlock(&p->mu);
    for (int i = 0; i < p->helpers; i++) {
        pthread_join(p->threads[i], NULL);
    }
    free(p->threads);
    pthread_mutex_destroy(&p->mu);
    pthread_cond_destroy(&p->start);
    pthread_cond_destroy(&p->finished);
    free(p);
}
