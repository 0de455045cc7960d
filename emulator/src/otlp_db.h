/*
 * otlp_db.h - SQL for the OTLP spans kept as received (table otel_spans, schema migration 6).
 * Writes on the writer thread inside its transaction; reads on any thread with its own store.
 */
#ifndef OTLP_DB_H
#define OTLP_DB_H

#include <jansson.h>

#include "store.h"

/* Inserts or replaces one span (by trace id and span id). Returns 0 or ERR_INTERNAL. */
int otlp_db_put_span(struct store *rw, const char *trace_id, const char *span_id, double start_time,
                     double received_at, const char *json) MUST_CHECK;

/* The trace's spans as received, ordered by start time, at most limit: a new array of
 * {"Id": span id, "Document": span JSON text}, empty when the trace has none. */
json_t *otlp_db_trace_spans(struct store *ro, const char *trace_id, size_t limit);

#endif
