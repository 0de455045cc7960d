/*
 * otlp_db.h - the OTLP spans kept as received, read back for ListRetrievedTraces OTEL. They are
 * stored once, as aws/spans log events linked to their trace (otlp_ingest.h); schema migration
 * 9 dropped the separate otel_spans copy. Reads on any thread with its own store.
 */
#ifndef OTLP_DB_H
#define OTLP_DB_H

#include <jansson.h>

#include "store.h"

/* The trace's spans as received, ordered by start time then span id, at most limit: a new array
 * of {"Id": span id, "Document": span JSON text}, empty when the trace has none. A span sent
 * twice (an exporter's retry) is served once, its last copy. */
json_t *otlp_db_trace_spans(struct store *ro, const char *trace_id, size_t limit);

#endif
