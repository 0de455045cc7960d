/*
 * otlp_db.c - otel_spans SQL (see otlp_db.h). A span sent twice (an exporter's retry) replaces
 * the first copy, as a segment document with the same id does.
 */
#include "otlp_db.h"

static const char SQL_PUT_SPAN[] =
    "INSERT INTO otel_spans(trace_id, span_id, start_time, received_at, span)"
    " VALUES (?1, ?2, ?3, ?4, ?5) ON CONFLICT(trace_id, span_id) DO UPDATE SET"
    " start_time = excluded.start_time, received_at = excluded.received_at, span = excluded.span";
static const char SQL_TRACE_SPANS[] = "SELECT span_id, span FROM otel_spans WHERE trace_id = ?1"
                                      " ORDER BY start_time, span_id LIMIT ?2";

int otlp_db_put_span(struct store *rw, const char *trace_id, const char *span_id, double start_time,
                     double received_at, const char *json)
{
    sqlite3_stmt *st = store_stmt(rw, SQL_PUT_SPAN);
    if (!st) {
        return ERR_INTERNAL;
    }
    sqlite3_bind_text(st, 1, trace_id, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, span_id, -1, SQLITE_STATIC);
    sqlite3_bind_double(st, 3, start_time);
    sqlite3_bind_double(st, 4, received_at);
    sqlite3_bind_text(st, 5, json, -1, SQLITE_STATIC);
    return store_step_done(rw, st, "otlp_db_put_span");
}

json_t *otlp_db_trace_spans(struct store *ro, const char *trace_id, size_t limit)
{
    json_t *out = json_array();
    sqlite3_stmt *st = store_stmt(ro, SQL_TRACE_SPANS);
    if (!st) {
        return out;
    }
    sqlite3_bind_text(st, 1, trace_id, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 2, (sqlite3_int64)limit);
    while (sqlite3_step(st) == SQLITE_ROW) {
        json_array_append_new(out, json_pack("{s:s, s:s}", "Id", sqlite3_column_text(st, 0),
                                             "Document", sqlite3_column_text(st, 1)));
    }
    sqlite3_reset(st);
    return out;
}
