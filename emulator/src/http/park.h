/*
 * park.h - parked HTTP connections: a request or stream that has nothing to send yet (a `wait`,
 * a `within_ms` assertion, an SSE stream between frames) is suspended in libmicrohttpd and put
 * here instead of holding one of the few pool threads. The parker resumes it when the writer's
 * generation passes the one the handler saw, when its deadline passes, or at shutdown.
 */
#ifndef PARK_H
#define PARK_H

#include <stdint.h>

#include "fluoro.h"
#include "writer.h"

struct MHD_Connection;
struct parker;

/* Starts the parker's two threads (one follows the writer's generation, one keeps deadlines).
 * Returns a new parker; free it with parker_free() after parker_close(). Main thread. */
struct parker *parker_start(struct writer *w);

/* Suspends conn and parks it until the writer's generation exceeds `generation` or the
 * monotonic clock reaches deadline_ms, whichever comes first. Must be called from conn's access
 * handler or content reader (the only places libmicrohttpd allows a suspend). Returns false,
 * without suspending, once parker_close() has begun: the caller must then answer or end. */
bool parker_park(struct parker *p, struct MHD_Connection *conn, uint64_t generation,
                 uint64_t deadline_ms) MUST_CHECK;

/* Resumes every parked connection and refuses new ones, so MHD_stop_daemon finds none
 * suspended. Main thread, before stopping the daemon. */
void parker_close(struct parker *p);
/* Joins the threads and frees. NULL is fine. Main thread, after parker_close(). */
void parker_free(struct parker *p);

/* How many connections are parked now (any thread). */
size_t parker_count(struct parker *p);

#endif
