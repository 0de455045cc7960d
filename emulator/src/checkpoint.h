/*
 * checkpoint.h - moves WAL checkpoints off the writer thread. The writer's connection has
 * automatic checkpoints turned off (store_open_rw); this thread, with a connection of its own
 * that never writes rows, copies the WAL back into the database every CHECKPOINT_INTERVAL_MS
 * with PASSIVE checkpoints, which never block the writer or readers. When the WAL has grown past
 * a few MiB anyway (the writer never paused long enough for a passive pass to finish), a short
 * RESTART checkpoint follows, so the next write transaction rewinds the WAL (checkpoint.c).
 */
#ifndef CHECKPOINT_H
#define CHECKPOINT_H

#include "fluoro.h"

struct checkpointer;

/* Starts the thread for the database at path. Returns NULL (logged) when it cannot. */
struct checkpointer *checkpoint_start(const char *path);
/* Runs a last checkpoint and joins the thread. Safe with NULL. */
void checkpoint_stop(struct checkpointer *c);

#endif
