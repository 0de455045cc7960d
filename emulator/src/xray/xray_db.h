/*
 * xray_db.h - X-Ray SQL: storing segment documents, replacing a trace's derived rows, and the
 * reads behind the X-Ray API and /api/v1. Write functions run on the writer thread with its
 * read-write store inside its transaction; read functions on any thread with its own store.
 */
#ifndef XRAY_DB_H
#define XRAY_DB_H

#include <jansson.h>
#include <stdint.h>

#include "segment.h"
#include "store.h"

enum xray_db_put { XRAY_DB_INSERTED, XRAY_DB_REPLACED, XRAY_DB_KEPT_EXISTING };

/* Upserts one validated document by (trace_id, id), giving a trace seen for the first time its
 * number (schema.c migration 10). A complete document replaces an in-progress
 * one and a later complete one replaces an earlier; an in-progress document never replaces a
 * complete one (then *outcome is XRAY_DB_KEPT_EXISTING). text/len is the document exactly as
 * received, stored as is; NULL means serialize seg->doc (e.g. after fixture time shifting).
 * seq is the row's export position (schema.c migration 7), set on insert and on replacement. */
int xray_db_put_segment(struct store *rw, const struct segment *seg, const char *text, size_t len,
                        double received_at, int64_t seq, enum xray_db_put *outcome) MUST_CHECK;
/* The highest export position used so far (stored rows and exporter cursors), or -1. Writer. */
int64_t xray_db_max_seq(struct store *rw);

/* The stored documents of one trace as text, for derivation off the SQL connection. */
struct xray_db_docs {
    size_t n;
    char **ids;   /* owned */
    char **texts; /* owned, NUL-terminated; NULL for a document the caller already knows */
};

/* Reads the trace's documents into *out (release with xray_db_docs_fini). A document whose id
 * is a key of `known` (borrowed, may be NULL: the writer's already-parsed documents) gets a NULL
 * text instead of a copy. */
int xray_db_load_docs(struct store *s, const char *trace_id, const json_t *known,
                      struct xray_db_docs *out) MUST_CHECK;
void xray_db_docs_fini(struct xray_db_docs *d);

/* A trace's derived row: the scalar columns SQL filters and orders by, and the encoded view
 * (trace_facts.h). Built from the view on any thread, written by the writer. */
struct xray_db_trace_row {
    double start_time, end_time, duration, response_time; /* NAN = unknown */
    char *root_name, *root_type, *http_method, *http_url; /* owned, may be NULL */
    bool has_error, has_fault, has_throttle, partial;
    int64_t http_status; /* -1 = none */
    int64_t ndocs;
    void *facts; /* owned encoded view (trace_facts.h): its facts part is facts[0..facts_len) */
    size_t facts_len;
    const void *summary; /* its summary part, inside facts */
    size_t summary_len;
};

struct trace_view;
/* Fills *row from a decoded view (borrowed) and takes ownership of blob, its encoding (len
 * bytes, malloc'd). Any thread. */
void xray_db_trace_row_init(struct xray_db_trace_row *row, const struct trace_view *v, void *blob,
                            size_t len);
void xray_db_trace_row_fini(struct xray_db_trace_row *row);

/* Replaces the trace's derived rows (traces, trace_facts) with *row, or just deletes them when
 * row is NULL. */
int xray_db_replace_derived(struct store *rw, const char *trace_id,
                            const struct xray_db_trace_row *row) MUST_CHECK;

/* Deletes every X-Ray document and derived row (sampling rules and groups are kept). */
int xray_db_reset(struct store *rw) MUST_CHECK;

/* Deletes traces whose latest activity is older than `before` (epoch s); adds to *deleted. */
int xray_db_expire(struct store *rw, double before, int64_t *deleted) MUST_CHECK;
/* Deletes the n oldest traces; adds to *deleted. */
int xray_db_prune_oldest(struct store *rw, int n, int64_t *deleted) MUST_CHECK;

/* New reference: a JSON array of the trace's stored documents (parsed), or an empty array. */
json_t *xray_db_trace_docs(struct store *ro, const char *trace_id);

/* Visits the encoded views (trace_facts.h) of traces selected by time, most recent first,
 * starting at row `offset`. by_event: any activity in [start, end); otherwise the trace-id time
 * in [start, end). fn gets the trace id and the blob, both
 * borrowed until it returns; it returns false to stop. Returns 0 or ERR_INTERNAL; *visited
 * counts rows read. */
typedef bool (*xray_db_facts_fn)(void *ctx, const char *trace_id, const void *facts, size_t len);
int xray_db_scan_facts(struct store *ro, double start, double end, bool by_event, int64_t offset,
                       xray_db_facts_fn fn, void *ctx, int64_t *visited) MUST_CHECK;

/* Writes the encoded views that traces written before migration 8 lack (converting the JSON
 * views they kept in traces.derived, which is then emptied), in one transaction. Main thread, on
 * the read-write store before the writer starts. Adds the number filled to *filled. */
int xray_db_backfill_facts(struct store *rw, int64_t *filled) MUST_CHECK;

/* Decodes one trace's view into *v; *blob receives the malloc'd bytes v borrows from (free it
 * after v's last use, also on failure). Returns 0, ERR_NOTFOUND or ERR_INTERNAL. */
int xray_db_trace_view(struct store *ro, const char *trace_id, struct trace_view *v,
                       void **blob) MUST_CHECK;
/* Adds the summary part (trace_summaries) to *v, which holds the same trace's facts decoded
 * whole; *blob receives the malloc'd bytes v now also borrows from (free it after v's last
 * use, also on failure). Returns 0, ERR_NOTFOUND or ERR_INTERNAL. */
int xray_db_trace_summary(struct store *ro, const char *trace_id, struct trace_view *v,
                          void **blob) MUST_CHECK;
/* New reference: the view of one trace rendered as JSON (trace.h), or NULL when unknown. */
json_t *xray_db_trace_derived(struct store *ro, const char *trace_id);

/* A trace's start and end (epoch s; NAN while unknown) from its traces row, without reading the
 * encoded view. Returns 0, ERR_NOTFOUND or ERR_INTERNAL. */
int xray_db_trace_times(struct store *ro, const char *trace_id, double *start,
                        double *end) MUST_CHECK;
/* Counts for /api/v1/stats. */
int xray_db_counts(struct store *ro, int64_t *traces, int64_t *segments) MUST_CHECK;

#endif
