/*
 * normalize.h - golden-file form of an assembled trace (GET /api/v1/traces/{id}?normalize=1 and
 * fluoro export --normalize): ids become stable placeholders, absolute times become offsets from
 * the trace's start, and arrays whose order depends on ids are sorted, so two runs of the same
 * code over the same inputs give byte-identical JSON. Pure; any thread may call.
 */
#ifndef NORMALIZE_H
#define NORMALIZE_H

#include <jansson.h>

#include "fluoro.h"

enum normalize_mode {
    NORMALIZE_TIMES,     /* times relative to the trace start, rounded to microseconds */
    NORMALIZE_STRUCTURE, /* times and durations all 0: only the shape and the fields remain */
};

/* Rewrites trace (an assembled trace, borrowed) in place:
 *  - each trace id becomes 1-00000000-<24-digit counter>, each segment/subsegment id a 16-digit
 *    counter, numbered in document order after sorting, and every occurrence of a known id inside
 *    any string (Root=…;Parent=… headers, log lines, annotations) is replaced the same way;
 *  - every number under a key containing "time" (start_time, StartTime, …) that looks like epoch
 *    seconds becomes seconds since the trace's start_time;
 *  - segments sort by (start, end, name, origin), nodes and edges by name and type, a node's
 *    segments and an edge's calls by start.
 * NORMALIZE_STRUCTURE also sets those times and every duration/response time to 0. */
void normalize_trace(json_t *trace, enum normalize_mode mode);

#endif
