/*
 * jarena.h - batch arenas for jansson. jansson's allocator hooks are process-wide, so
 * jarena_install() gives it one pair for every thread: an allocation made while the calling
 * thread has an arena in use (jarena_use) is carved from that arena; every other allocation is
 * an ordinary xmalloc. Freeing a pointer that lies in the arenas' reserved address range does
 * nothing, so reference counting works unchanged, and jarena_free() returns the arena's memory
 * in one go. The parse stage parses each UDP batch into its own arena (xray_ingest.c, through the
 * writer's parse_begin hook): per-document malloc and free were about a sixth of fluoro's CPU on
 * UDP ingest.
 *
 * The rule that makes it safe: no json_t allocated in an arena may be used after jarena_free().
 * Values that threads without an arena add to an arena's documents are ordinary heap blocks and
 * are freed by the last json_decref as usual; a caller that skips that decref (writer.c does,
 * when jarena_pure says it may) must therefore never add to the documents. Any thread may call
 * these functions; an arena is used (allocated from) by one thread at a time.
 */
#ifndef JARENA_H
#define JARENA_H

#include "fluoro.h"

struct jarena;

/* Reserves the arenas' address range and installs the allocator pair into jansson. Call once,
 * before any thread uses jansson (fluoro_json_init does). Without the reservation (mmap failed)
 * arenas still work, as plain heap allocation. */
void jarena_install(void);

/* A new, empty arena (owned by the caller). */
struct jarena *jarena_new(void);
/* Returns the arena's memory; the caller guarantees nothing allocated in it is still used.
 * Safe with NULL. */
void jarena_free(struct jarena *a);
/* Makes the calling thread allocate jansson values in a (borrowed) until it passes NULL;
 * returns the arena it replaces. */
struct jarena *jarena_use(struct jarena *a);
/* Bytes handed out from a's chunks (not counting heap fallbacks), for tests and metrics. */
size_t jarena_bytes(const struct jarena *a);
/* Whether every allocation made while a was in use came from its chunks (no block larger than
 * a chunk, the reserved range never ran out). Then values parsed in it that nobody else
 * added to can be dropped by jarena_free alone, without json_decref walking each tree. */
bool jarena_pure(const struct jarena *a);
/* Notes that values parsed while a was in use were given heap memory on purpose (the caller
 * switched the arena off for them), so jarena_pure answers false. Safe with NULL. */
void jarena_note_heap(struct jarena *a);
/* Whether p lies in the arenas' reserved range (such blocks are never passed to free()). */
bool jarena_owns(const void *p);

#endif
