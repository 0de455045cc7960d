/*
 * logs_db.h - CloudWatch Logs SQL: groups, streams, events (stored in chunks with a Bloom filter
 * each, logs_chunk.h), retention, and the configuration rows (filters, destinations, policies,
 * export tasks, query definitions, tags). Write functions take the writer's store and run on the
 * writer thread inside its transaction; reads take any thread's own store (an HTTP thread's
 * store_thread_ro()). Implemented by logs_db.c, logs_db_events.c and logs_db_config.c.
 *
 * Times are epoch milliseconds. Events are ordered by (ts, id): id is the insertion order, so
 * (ts, id) is the position GetLogEvents and FilterLogEvents tokens carry. Reads never return an
 * event older than its group's retention.
 */
#ifndef LOGS_DB_H
#define LOGS_DB_H

#include <jansson.h>

#include "store.h"

/* The log group and stream Transaction Search keeps spans in (reference/otlp.md §7). Only OTLP
 * ingest writes there: PutLogEvents into the group is refused, as AWS refuses it. */
#define LOGS_SPANS_GROUP "aws/spans"
#define LOGS_SPANS_STREAM "default"

struct writer_txn;
struct logs_chunk_pack;

/* Appends one event, creating its group and stream when missing (fixtures and demo data).
 * ts and ingest_ts are epoch milliseconds. The trace id found in the message, if any, is
 * indexed for trace/log correlation. */
int logs_db_put_event_autocreate(struct store *rw, const char *group, const char *stream,
                                 int64_t ts, int64_t ingest_ts, const char *message) MUST_CHECK;

/* Finds the first X-Ray trace id in a message ("1-xxxxxxxx-<24 hex>", bare, after "Root=", or
 * as a JSON string value). Writes 35 chars + NUL into out; returns false when there is none. */
bool logs_db_find_trace_id(const char *message, char out[36]);

/* Deletes every log group, stream, event and Logs configuration row. */
int logs_db_reset(struct store *rw) MUST_CHECK;

/* ---- groups and streams ---- */

/* A group's id and retention (0 = never expires). Returns 0 or ERR_NOTFOUND. Any store. */
int logs_db_group_find(struct store *s, const char *name, int64_t *id,
                       int *retention_days) MUST_CHECK;
/* A stream's id in group gid. Returns 0 or ERR_NOTFOUND. Any store. */
int logs_db_stream_find(struct store *s, int64_t gid, const char *name, int64_t *id) MUST_CHECK;

/* Writer: creates a group; ERR_CONFLICT when it exists. kms may be NULL. */
int logs_db_group_create(struct store *rw, const char *name, const char *kms,
                         int64_t now) MUST_CHECK;
/* Writer: deletes group gid with its streams, events, configuration rows and tags (tags are keyed
 * by resource, see logs_db_tag_*). */
int logs_db_group_delete(struct store *rw, int64_t gid, const char *resource) MUST_CHECK;
/* Writer: sets retention (days <= 0 clears it) or the KMS key (NULL clears it). */
int logs_db_group_set_retention(struct store *rw, int64_t gid, int days) MUST_CHECK;
int logs_db_group_set_kms(struct store *rw, int64_t gid, const char *kms) MUST_CHECK;

/* Writer: creates a stream in gid; ERR_CONFLICT when it exists. */
int logs_db_stream_create(struct store *rw, int64_t gid, const char *name, int64_t now) MUST_CHECK;
/* Writer: deletes a stream and its events. */
int logs_db_stream_delete(struct store *rw, int64_t gid, int64_t sid) MUST_CHECK;

/* An integer column that may be NULL. */
struct logs_db_opt {
    bool set;
    int64_t v;
};

/* A log group as the reads below return it; each read fills the fields it names. Owned strings
 * (NULL when the column is). */
struct logs_db_group_row {
    char *name, *kms_key_id, *log_group_class;
    int64_t created, stored_bytes;
    struct logs_db_opt retention_days;
    int64_t metric_filters;        /* describe only */
    bool data_protection;          /* describe only: a data protection policy exists */
    int64_t streams;               /* summaries only */
    struct logs_db_opt last_event; /* summaries only: newest event time of any stream */
};
/* A log stream; stored_bytes only from logs_db_stream_summaries. */
struct logs_db_stream_row {
    char *name;
    int64_t created, stored_bytes;
    struct logs_db_opt first_event, last_event, last_ingest;
};
void logs_db_group_rows_free(struct logs_db_group_row *rows, size_t n);
void logs_db_stream_rows_free(struct logs_db_stream_row *rows, size_t n);

/* Reads: a page of groups for DescribeLogGroups, ASCII order by name: name, created, retention,
 * kms_key_id, stored_bytes, metric_filters, data_protection, log_group_class. prefix/substr may
 * be NULL. *rows is new (logs_db_group_rows_free), *n its count; *more is set when rows remain
 * after the page. Returns 0 or ERR_INTERNAL (no rows). */
int logs_db_describe_groups(struct store *s, const char *prefix, const char *substr, int64_t offset,
                            int64_t limit, struct logs_db_group_row **rows, size_t *n,
                            bool *more) MUST_CHECK;
/* Reads: a page of gid's streams for DescribeLogStreams (by name, or by last event time), with
 * name, created and the three event times. Same ownership and returns. */
int logs_db_describe_streams(struct store *s, int64_t gid, const char *prefix, bool by_time,
                             bool descending, int64_t offset, int64_t limit,
                             struct logs_db_stream_row **rows, size_t *n, bool *more) MUST_CHECK;
/* Reads: every group by name with name, created, retention, stored_bytes, streams and
 * last_event, for /api/v1. Same ownership and returns. */
int logs_db_group_summaries(struct store *s, struct logs_db_group_row **rows, size_t *n) MUST_CHECK;
/* Reads: every stream of gid, newest event first, with stored_bytes, for /api/v1. */
int logs_db_stream_summaries(struct store *s, int64_t gid, struct logs_db_stream_row **rows,
                             size_t *n) MUST_CHECK;

/* ---- events ---- */

struct logs_db_event {
    int64_t ts;
    const char *message;
    size_t len;
};

/* Writer: appends n events (already validated and in order) to stream sid of group gid, with
 * ingest time ingest_ts, and updates the stream's and group's bookkeeping. Packs the chunks on
 * the writer: callers with many events pack on their own thread and use logs_db_put_pack. */
int logs_db_put_events(struct store *rw, int64_t gid, int64_t sid, const struct logs_db_event *ev,
                       size_t n, int64_t ingest_ts) MUST_CHECK;
/* Writer: stores the chunks of pack (borrowed; built by logs_chunk_pack_init on any thread) like
 * logs_db_put_events: a few rows per chunk. */
int logs_db_put_pack(struct store *rw, int64_t gid, int64_t sid, const struct logs_chunk_pack *pack,
                     int64_t ingest_ts) MUST_CHECK;
/* Writer: logs_db_put_pack into the stream named stream of the group named group. Returns
 * ERR_NOTFOUND when either is missing, with *no_stream true when the group exists but the stream
 * does not (PutLogEvents and /v1/logs name which in their errors). */
int logs_db_put_pack_named(struct store *rw, const char *group, const char *stream,
                           const struct logs_chunk_pack *pack, int64_t ingest_ts,
                           bool *no_stream) MUST_CHECK;

/* One stored event as a read hands it to a callback; pointers live until the callback returns. */
struct logs_db_row {
    int64_t id;
    int64_t ts;
    int64_t ingest_ts;
    const char *message;
    size_t len;
    const char *stream;
    const char *group;
    const char *trace_id; /* NULL when the message carries none */
};
/* Return false to stop the scan. */
typedef bool (*logs_db_row_fn)(void *arg, const struct logs_db_row *row);

/* Reads: the events of stream sid with start <= ts < end, strictly after (forward) or before
 * (backward) the position (cur_ts, cur_id), nearest first, at most limit rows. */
int logs_db_stream_events(struct store *s, int64_t sid, int64_t start, int64_t end, int64_t cur_ts,
                          int64_t cur_id, bool forward, int64_t limit, logs_db_row_fn fn,
                          void *arg) MUST_CHECK;

/* What logs_db_scan reads: gid < 0 = every group; stream_ids a JSON array text of stream ids or
 * NULL for all; terms NULL or space-separated tokens every wanted event contains whole
 * (fpattern_required_terms), so chunks whose Bloom filter lacks one are skipped: a pre-filter
 * only, the caller still matches each event; trace_id or NULL. start <= ts <= end, strictly
 * after (ascending) or before (descending) the position (cur_ts, cur_id). */
struct logs_db_scan {
    int64_t gid;
    int64_t start, end;
    int64_t cur_ts, cur_id;
    bool descending;
    const char *stream_ids;
    const char *terms;
    const char *trace_id;
};
/* Reads: calls fn for each event in order until it returns false or rows run out. */
int logs_db_scan(struct store *s, const struct logs_db_scan *q, logs_db_row_fn fn,
                 void *arg) MUST_CHECK;
/* Reads: the events whose message carries trace_id, oldest first, at most limit. */
int logs_db_trace_events(struct store *s, const char *trace_id, int64_t limit, logs_db_row_fn fn,
                         void *arg) MUST_CHECK;
/* Reads: a JSON array text (new string) of the ids of gid's streams named in names (a JSON array
 * text of strings) or starting with prefix (either may be NULL, not both). */
char *logs_db_stream_ids(struct store *s, int64_t gid, const char *names, const char *prefix);
/* Reads: events inserted after event id after_id (insertion order), in gid (< 0 = all), at most
 * limit; for live tails. */
int logs_db_scan_new(struct store *s, int64_t gid, int64_t after_id, int64_t limit,
                     logs_db_row_fn fn, void *arg) MUST_CHECK;
/* Reads: the newest event id (0 when there are none). */
int64_t logs_db_last_event_id(struct store *s);
/* Reads: one event by id (for GetLogRecord); ERR_NOTFOUND when gone. */
int logs_db_event_get(struct store *s, int64_t id, logs_db_row_fn fn, void *arg) MUST_CHECK;

/* Writer function for the maintenance timer: deletes the chunks whose newest event is older than
 * their group's retention (older events in surviving chunks are hidden by reads). arg is unused. */
int logs_db_expire_run(struct writer_txn *txn, void *arg);

/* ---- configuration rows and tags ---- */

/* Writer: inserts or replaces the doc (JSON text) of (kind, gid, name). gid 0 = account level. */
int logs_db_config_put(struct store *rw, const char *kind, int64_t gid, const char *name,
                       int64_t now, const char *doc) MUST_CHECK;
/* Writer: deletes (kind, gid, name); ERR_NOTFOUND when absent. */
int logs_db_config_delete(struct store *rw, const char *kind, int64_t gid,
                          const char *name) MUST_CHECK;
/* Reads: the doc of (kind, gid, name) as a new JSON value, or NULL when absent. */
json_t *logs_db_config_get(struct store *s, const char *kind, int64_t gid, const char *name);
/* Reads: the docs of kind (gid < 0 = any group), names starting with prefix (NULL = all), in
 * name order, from offset; limit < 0 = all. New array; *more set when rows remain. */
json_t *logs_db_config_list(struct store *s, const char *kind, int64_t gid, const char *prefix,
                            int64_t offset, int64_t limit, bool *more);
/* Reads: how many rows of kind gid has (gid < 0 = all). */
int64_t logs_db_config_count(struct store *s, const char *kind, int64_t gid);

/* Tags keyed by resource ("log-group:<name>" or "destination:<name>"). Writer: set/delete one. */
int logs_db_tag_set(struct store *rw, const char *resource, const char *key,
                    const char *value) MUST_CHECK;
int logs_db_tag_delete(struct store *rw, const char *resource, const char *key) MUST_CHECK;
/* Reads: the resource's tags as a new object. */
json_t *logs_db_tags(struct store *s, const char *resource);

#endif
