/*
 * trace_ids.h - trace numbers (schema.c migration 10, docs/design-notes.md item 16). Every
 * per-trace table (segments, traces, trace_facts, trace_summaries, log_event_traces) is keyed by
 * the number trace_ids gives a trace id the first time a document or a log event names it, the
 * next one up, so a batch's new traces append to those tables instead of landing at random. A
 * number goes once no document and no log event refers to it (derived rows exist only beside
 * documents), so it is never re-used while a row holds it. The functions are the writer's;
 * TRACE_IDS_NO is for any statement that names a trace by id.
 */
#ifndef TRACE_IDS_H
#define TRACE_IDS_H

#include "store.h"

/* A subquery for the number of the trace whose id is bound to the SQL parameter `param`. */
#define TRACE_IDS_NO(param) "(SELECT no FROM trace_ids WHERE trace_id = " param ")"

/* The trace's number in *no: 0 when the id has none and create is false; with create, a new one
 * when it has none. */
int trace_ids_number(struct store *rw, const char *trace_id, bool create, int64_t *no) MUST_CHECK;

/* Drops number `no` if nothing refers to it any more; no = 0 drops every such number (resets). */
int trace_ids_drop_unused(struct store *rw, int64_t no) MUST_CHECK;

#endif
