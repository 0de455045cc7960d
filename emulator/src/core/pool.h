/*
 * pool.h - a tiny fork-join pool: pool_run() spreads fn(ctx, i) for i in [0, n) over the calling
 * thread and the pool's helper threads, and returns when every call has finished. The writer
 * uses it to parse a batch's datagrams and to derive its traces on both cores while keeping one
 * SQLite writer (DESIGN.md §2: "move parsing to a stage ahead of it; keep the single writer").
 * Only one thread (the pool's owner) may call pool_run; fn must not touch shared state except
 * through its own index.
 */
#ifndef POOL_H
#define POOL_H

#include "fluoro.h"

struct pool;

typedef void (*pool_fn)(void *ctx, size_t i);

/* A pool with `helpers` extra threads (0 = everything runs on the caller). */
struct pool *pool_new(int helpers);
void pool_run(struct pool *p, pool_fn fn, void *ctx, size_t n);
/* Joins the helpers. Safe with NULL. */
void pool_free(struct pool *p);

#endif
