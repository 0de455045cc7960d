/*
 * export.h - exporters: fluoro as a relay to an existing backend (DESIGN.md §11). Each exporter
 * (OTLP traces, OTLP logs, X-Ray PutTraceSegments, CloudWatch Logs PutLogEvents) is a thread
 * that reads the store with its own read-only connection from a cursor kept in the store
 * (export_cursors, written through the writer), sends what it read, and moves the cursor only
 * when every request of the round was accepted or permanently rejected. So a backend that is
 * down, or a restart (kill -9 included), loses nothing, and exporting never slows ingest: the
 * writer only ever sees one small cursor write per round.
 *
 * Started by main() after the writer, stopped before it (so the last cursor write commits).
 */
#ifndef EXPORT_H
#define EXPORT_H

#include "config.h"
#include "writer.h"

struct exporters;

/* Starts one thread per configured exporter (none configured: *out is NULL and 0 is returned).
 * cfg, w and db_path are borrowed and must outlive export_stop(). Main thread. */
int export_start(const struct config *cfg, struct writer *w, const char *db_path,
                 struct exporters **out) MUST_CHECK;
/* Interrupts any wait or retry, joins the threads (an unfinished round is sent again on the next
 * start) and frees. Safe with NULL. Main thread. */
void export_stop(struct exporters *x);

#endif
