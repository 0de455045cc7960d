/*
 * logs_insights.h - CloudWatch Logs Insights queries (reference/logs-filter-and-insights.md Part
 * B): compile a query string once into an immutable struct logs_insights_query, then run it over
 * events fed newest first and collect the result rows.
 *
 * A compiled query may be shared by threads; a struct logs_insights_run belongs to the one thread
 * that feeds it. Results are plain C strings so they can be handed to another thread (json_t may
 * not).
 */
#ifndef LOGS_INSIGHTS_H
#define LOGS_INSIGHTS_H

#include "fluoro.h"

struct logs_insights_query;
struct logs_insights_run;

/* Compiles src into *out (new; logs_insights_free). On a syntax error returns ERR_INVALID with
 * err's message and 0-based position, and *end_pos (may be NULL) the offset just past the offending
 * token. */
int logs_insights_compile(const char *src, struct logs_insights_query **out, struct errbuf *err,
                          int *end_pos) MUST_CHECK;
void logs_insights_free(struct logs_insights_query *q);

/* One log event fed to a run. Pointers are borrowed for the call only. */
struct logs_insights_event {
    int64_t ts;        /* epoch ms */
    int64_t ingest_ts; /* epoch ms */
    const char *message;
    size_t len;
    const char *stream;
    const char *log; /* "<account>:<group>" */
    const char *ptr; /* the @ptr value */
};

/* Starts a run of q (borrowed; must outlive the run). max_rows caps the result (the StartQuery
 * limit, else the query's `limit`, else 1000). */
struct logs_insights_run *logs_insights_run_new(const struct logs_insights_query *q,
                                                int64_t max_rows);
/* Feeds one event; call in @timestamp-descending order. */
void logs_insights_run_add(struct logs_insights_run *r, const struct logs_insights_event *ev);

/* A finished result: rows of (field, value) pairs, all strings. */
struct logs_insights_field {
    char *field;
    char *value;
};
struct logs_insights_row {
    struct logs_insights_field *fields;
    size_t n;
};
struct logs_insights_result {
    struct logs_insights_row *rows;
    size_t nrows;
    double records_matched, records_scanned, bytes_scanned;
};

/* Runs the commands that need every row (stats, sort, dedup, limit) and returns the result
 * (new; logs_insights_result_free). Frees the run. */
struct logs_insights_result *logs_insights_run_finish(struct logs_insights_run *r);
/* The result so far, for GetQueryResults while the query runs (new; logs_insights_result_free): the
 * statistics of the rows fed until now, and for queries of row-local commands only (fields,
 * filter, parse, display) the rows found so far; queries that stats, sort, dedup or limit over
 * every row show no rows until they finish. The run stays the caller's. */
struct logs_insights_result *logs_insights_run_snapshot(const struct logs_insights_run *r);
/* Frees a run without finishing it (a cancelled query skips its stats and sort). NULL is safe. */
void logs_insights_run_free(struct logs_insights_run *r);
void logs_insights_result_free(struct logs_insights_result *res);

/* The fields of one event as a record, for GetLogRecord and field discovery: calls fn for every
 * field (@message, @timestamp as ms, @logStream, @log, @ingestionTime, discovered JSON fields). */
void logs_insights_event_fields(const struct logs_insights_event *ev,
                                void (*fn)(void *arg, const char *field, const char *value),
                                void *arg);

/* @timestamp's display form "YYYY-MM-DD HH:MM:SS.mmm" (UTC) into out (24 bytes). */
void logs_insights_format_time(int64_t ms, char out[32]);

#endif
