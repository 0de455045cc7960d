/*
 * critical_path.h - the trace page's analysis of an assembled trace: the critical path (the chain
 * of segments and subsegments that determined the end-to-end duration), each span's self time
 * (its duration minus the part its children cover) and per service+operation statistics. Pure: no
 * SQL, no I/O; any thread may call.
 *
 * The result (docs/api.md, GET /api/v1/traces/{id} "analysis"):
 * {
 *   "critical_path": [id…],            critical spans ordered by start time
 *   "spans": { id: {"self_ms": n, "critical": bool} },
 *   "statistics": [ {"service", "operation", "count", "total_ms", "avg_ms", "min_ms", "max_ms",
 *                    "self_ms"} … ]    sorted by total_ms, largest first
 * }
 */
#ifndef CRITICAL_PATH_H
#define CRITICAL_PATH_H

#include <jansson.h>

#include "fluoro.h"

/* Returns a new reference to the analysis above for segments, the "segments" array of an
 * assembled trace (segment documents with their subsegments nested; borrowed). Segments whose
 * parent_id names a span of the trace hang under it; the others are roots. An empty or
 * non-array input gives empty results, never NULL. */
json_t *critical_path_analyze(const json_t *segments);

#endif
