/*
 * checkpoint.h - moves WAL checkpoints off the writer thread. The writer's connection has
 * automatic checkpoints turned off (store_open_rw); this thread, with a connection of its own
 * that never writes rows, copies the WAL back into the database every CHECKPOINT_INTERVAL_MS
 * with PASSIVE checkpoints, which never block the writer or readers. When a passive pass leaves
 * more than CHECKPOINT_RESTART_FRAMES in the WAL (a writer committing steadily), a RESTART
 * checkpoint follows so the writer goes back to the start of the WAL; it holds the writer off
 * while it copies the last frames and waits at most CHECKPOINT_RESTART_WAIT_MS for locks; after
 * one that timed out, a few passes stay passive.
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
