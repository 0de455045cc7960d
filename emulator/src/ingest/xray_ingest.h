/*
 * xray_ingest.h - X-Ray ingest inside the writer's batches: parses daemon datagrams (X-Ray
 * segment documents, or ADOT's T1S OTLP bodies), stores segments, and re-derives every trace a
 * batch touched once, before the batch commits. It plugs into the generic writer through
 * struct writer_ingest (writer.h); the writer itself knows nothing of segments or traces.
 *
 * Threads: the parse hook runs on the writer's parse stage (no SQLite), release on its pool, and
 * everything else on the writer thread inside the batch's transaction. One struct xray_ingest
 * serves one writer; its per-batch state (the touched traces) is reset when the batch ends.
 */
#ifndef XRAY_INGEST_H
#define XRAY_INGEST_H

#include <stddef.h>

#include "fluoro.h"
#include "store.h"
#include "writer.h"

struct xray_ingest;
struct segment;

/* The hooks to pass to writer_start() with a struct xray_ingest as their context. */
extern const struct writer_ingest xray_ingest_hooks;

/* New ingest state for the writer that will own rw (borrowed): the export position continues
 * from what rw holds. Returns 0 or ERR_INTERNAL (*out NULL). Main thread, before writer_start. */
int xray_ingest_new(struct store *rw, struct xray_ingest **out) MUST_CHECK;
/* After writer_stop. Safe with NULL. */
void xray_ingest_free(struct xray_ingest *x);

/* Inside a writer_fn (writer thread) of a writer started with xray_ingest_hooks: stores one
 * validated segment document (text/len as received, or NULL to serialize seg->doc), marks its
 * trace for re-derivation at the end of the batch, and keeps the parsed document for that
 * derivation so it is not parsed twice. Returns 0 or ERR_INTERNAL. */
int xray_ingest_put_segment(struct writer_txn *txn, const struct segment *seg, const char *text,
                            size_t len, double received_at) MUST_CHECK;

#endif
