/*
 * logs_db.h - CloudWatch Logs SQL: groups, streams, events, the FTS5 pre-filter, retention.
 * Write functions run on the writer thread inside its transaction; reads on any thread with its
 * own store.
 */
#ifndef LOGS_DB_H
#define LOGS_DB_H

#include "store.h"

/* Appends one event, creating its group and stream when missing (fixtures and demo data).
 * ts and ingest_ts are epoch milliseconds. The trace id found in the message, if any, is
 * indexed for trace/log correlation. */
int logs_db_put_event_autocreate(struct store *rw, const char *group, const char *stream,
                                 int64_t ts, int64_t ingest_ts, const char *message) MUST_CHECK;

/* Finds the first X-Ray trace id in a message ("1-xxxxxxxx-<24 hex>", bare, after "Root=", or
 * as a JSON string value). Writes 35 chars + NUL into out; returns false when there is none. */
bool logs_db_find_trace_id(const char *message, char out[36]);

/* Deletes every log group, stream and event. */
int logs_db_reset(struct store *rw) MUST_CHECK;

#endif
