/*
 * xray_db.c - X-Ray SQL (see xray_db.h). Derived rows are always replaced wholesale per trace,
 * so they can never drift from the documents they come from.
 */
#include "xray_db.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "jparse.h"
#include "trace_facts.h"
#include "trace_ids.h"

/* Per-trace rows are keyed by the trace's number (trace_ids.h): the writer's statements take it
 * as ?1; reads that name a trace by id find it with this subquery on ?1. */
#define TRACE_NO TRACE_IDS_NO("?1")

static const char SQL_SEGMENT_STATE[] =
    "SELECT in_progress FROM segments WHERE trace_no = ?1 AND id = ?2";
static const char SQL_SEGMENT_UPSERT[] =
    "INSERT INTO segments(trace_no, id, parent_id, is_subsegment, in_progress, start_time,"
    " end_time, received_at, doc, seq) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)"
    " ON CONFLICT(trace_no, id) DO UPDATE SET parent_id = excluded.parent_id,"
    " is_subsegment = excluded.is_subsegment, in_progress = excluded.in_progress,"
    " start_time = excluded.start_time, end_time = excluded.end_time,"
    " received_at = excluded.received_at, doc = excluded.doc, seq = excluded.seq"
    " WHERE excluded.in_progress = 0 OR segments.in_progress = 1";
static const char SQL_TRACE_DOCS[] = "SELECT doc, id FROM segments WHERE trace_no = " TRACE_NO;
static const char SQL_DELETE_TRACE[] = "DELETE FROM traces WHERE trace_no = ?1";
static const char SQL_DELETE_FACTS[] = "DELETE FROM trace_facts WHERE trace_no = ?1";
static const char SQL_DELETE_SUMMARY[] = "DELETE FROM trace_summaries WHERE trace_no = ?1";
static const char SQL_DELETE_SEGMENTS[] = "DELETE FROM segments WHERE trace_no = ?1";
static const char SQL_PUT_SUMMARY[] =
    "INSERT OR REPLACE INTO trace_summaries(trace_no, summary) VALUES (?1, ?2)";
static const char SQL_TRACE_VIEW[] =
    "SELECT f.facts, s.summary FROM trace_facts f JOIN trace_summaries s USING (trace_no)"
    " WHERE f.trace_no = " TRACE_NO;
static const char SQL_TRACE_SUMMARY[] =
    "SELECT summary FROM trace_summaries WHERE trace_no = " TRACE_NO;
static const char SQL_INSERT_FACTS[] =
    "INSERT INTO trace_facts(trace_no, trace_id, id_time, start_time, end_time, facts)"
    " VALUES (?1, ?2, ?3, ?4, ?5, ?6)";
/* Re-deriving a trace usually leaves its times alone (later documents nest inside the root's
 * span), so the facts are rewritten in place without touching either index. */
static const char SQL_UPDATE_FACTS[] = "UPDATE trace_facts SET facts = ?2 WHERE trace_no = ?1"
                                       " AND start_time IS ?3 AND end_time IS ?4";
static const char SQL_WIDEN_SPAN[] =
    "UPDATE trace_span SET max_span = ?1 WHERE id = 0 AND max_span < ?1";
static const char SQL_MAX_SPAN[] = "SELECT max_span FROM trace_span WHERE id = 0";
/* ?4 is ?1 minus the longest trace span (and a second for rounding): a trace that ends at or
 * after ?1 cannot start before it, so the start range is bounded on both sides. */
static const char SQL_FACTS_BY_EVENT[] =
    "SELECT trace_id, facts FROM trace_facts WHERE start_time < ?2 AND start_time >= ?4"
    " AND end_time >= ?1 ORDER BY start_time DESC, trace_id DESC LIMIT -1 OFFSET ?3";
static const char SQL_FACTS_BY_ID_TIME[] =
    "SELECT trace_id, facts FROM trace_facts WHERE id_time >= ?1 AND id_time < ?2"
    " ORDER BY id_time DESC, trace_id DESC LIMIT -1 OFFSET ?3";
static const char SQL_MISSING_FACTS[] =
    "SELECT t.trace_id FROM traces t"
    " WHERE NOT EXISTS (SELECT 1 FROM trace_facts f WHERE f.trace_no = t.trace_no)";
static const char SQL_INSERT_TRACE[] =
    "INSERT INTO traces(trace_no, trace_id, id_time, start_time, end_time, duration,"
    " response_time, root_name, root_type, has_error, has_fault, has_throttle, partial,"
    " http_status, http_method, http_url, segment_count, revision, updated_at, derived)"
    " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18,"
    " ?19, ?20)";
/* traces.derived holds a JSON view only in databases written before migration 8 and not yet
 * converted; new rows store ''. */
static const char SQL_TRACE_DERIVED[] = "SELECT derived FROM traces WHERE trace_no = " TRACE_NO;
static const char SQL_CLEAR_DERIVED[] = "UPDATE traces SET derived = '' WHERE derived != ''";

static const char SQL_TRACE_TIMES[] =
    "SELECT start_time, end_time FROM traces WHERE trace_no = " TRACE_NO;
static const char SQL_EXPIRED[] = "SELECT trace_id FROM traces WHERE end_time < ?1 LIMIT 5000";
static const char SQL_OLDEST[] = "SELECT trace_id FROM traces ORDER BY end_time LIMIT ?1";
static const char SQL_COUNT_TRACES[] = "SELECT count(*) FROM traces";
static const char SQL_COUNT_SEGMENTS[] = "SELECT count(*) FROM segments";
/* The next position must pass both what is stored and what an exporter has already passed
 * (a reset empties segments but not export_cursors). */
static const char SQL_MAX_SEQ[] =
    "SELECT max(coalesce((SELECT max(seq) FROM segments), 0),"
    " coalesce((SELECT max(position) FROM export_cursors WHERE source = 'segments'), 0))";

int xray_db_put_segment(struct store *rw, const struct segment *seg, const char *text, size_t len,
                        double received_at, int64_t seq, enum xray_db_put *outcome)
{
    char *dumped = NULL;
    int64_t no = 0;
    if (trace_ids_number(rw, seg->trace_id, true, &no) < 0) {
        return ERR_INTERNAL;
    }
    sqlite3_stmt *st = store_stmt(rw, SQL_SEGMENT_STATE);
    if (!st) {
        return ERR_INTERNAL;
    }
    sqlite3_bind_int64(st, 1, no);
    sqlite3_bind_text(st, 2, seg->id, -1, SQLITE_STATIC);
    bool existed = sqlite3_step(st) == SQLITE_ROW;
    sqlite3_reset(st);

    st = store_stmt(rw, SQL_SEGMENT_UPSERT);
    if (!st) {
        return ERR_INTERNAL;
    }
    if (!text) {
        dumped = json_dumps(seg->doc, JSON_COMPACT);
        if (!dumped) {
            return ERR_INTERNAL;
        }
        text = dumped;
        len = strlen(dumped);
    }
    sqlite3_bind_int64(st, 1, no);
    sqlite3_bind_text(st, 2, seg->id, -1, SQLITE_STATIC);
    store_bind_text(st, 3, seg->parent_id[0] ? seg->parent_id : NULL);
    sqlite3_bind_int(st, 4, seg->is_subsegment);
    sqlite3_bind_int(st, 5, seg->in_progress);
    sqlite3_bind_double(st, 6, seg->start_time);
    if (seg->in_progress) {
        sqlite3_bind_null(st, 7);
    } else {
        sqlite3_bind_double(st, 7, seg->end_time);
    }
    sqlite3_bind_double(st, 8, received_at);
    sqlite3_bind_text(st, 9, text, (int)len, SQLITE_STATIC);
    sqlite3_bind_int64(st, 10, seq);
    int rc = store_step_done(rw, st, "upsert segment");
    sqlite3_clear_bindings(st);
    free(dumped);
    if (rc == 0) {
        /* The upsert's WHERE refuses an in-progress document over a complete one. */
        *outcome = sqlite3_changes(store_db(rw)) == 0 ? XRAY_DB_KEPT_EXISTING
                   : existed                          ? XRAY_DB_REPLACED
                                                      : XRAY_DB_INSERTED;
    }
    return rc;
}

/* Runs a statement whose only parameter is the trace's number. */
static int by_trace_no(struct store *rw, const char *sql, int64_t no)
{
    sqlite3_stmt *st = store_stmt(rw, sql);
    if (!st) {
        return ERR_INTERNAL;
    }
    sqlite3_bind_int64(st, 1, no);
    return store_step_done(rw, st, sql);
}

/* The derived rows, and with documents_too the documents and then the number. */
static int delete_trace_rows(struct store *rw, const char *trace_id, bool documents_too)
{
    const char *const sqls[] = {SQL_DELETE_TRACE, SQL_DELETE_FACTS, SQL_DELETE_SUMMARY,
                                SQL_DELETE_SEGMENTS};
    size_t n = documents_too ? ARRAY_LEN(sqls) : ARRAY_LEN(sqls) - 1;
    int64_t no = 0;
    int rc = trace_ids_number(rw, trace_id, false, &no);
    for (size_t i = 0; rc == 0 && no && i < n; i++) {
        rc = by_trace_no(rw, sqls[i], no);
    }
    return rc == 0 && no && documents_too ? trace_ids_drop_unused(rw, no) : rc;
}

static double num_or_nan(const struct tf_val *v)
{
    return v->type == TF_NUM ? v->n : NAN;
}

static char *strdup_or_null(const struct tf_val *v)
{
    return v->type == TF_STR ? xstrdup(v->s) : NULL;
}

static bool is_true(const struct tf_val *v)
{
    return v->type == TF_BOOL && v->b;
}

void xray_db_trace_row_init(struct xray_db_trace_row *row, const struct trace_view *v, void *blob,
                            size_t len)
{
    const struct tf_val *status = &v->top[TF_HTTP_STATUS];
    row->start_time = num_or_nan(&v->start);
    row->end_time = num_or_nan(&v->end);
    row->duration = num_or_nan(&v->top[TF_DURATION]);
    row->response_time = num_or_nan(&v->top[TF_RESPONSE_TIME]);
    row->root_name = strdup_or_null(&v->root_name);
    row->root_type = strdup_or_null(&v->root_type);
    row->http_method = strdup_or_null(&v->top[TF_HTTP_METHOD]);
    row->http_url = strdup_or_null(&v->top[TF_HTTP_URL]);
    row->has_error = is_true(&v->top[TF_ROOT_ERROR]);
    row->has_fault = is_true(&v->top[TF_ROOT_FAULT]);
    row->has_throttle = is_true(&v->top[TF_ROOT_THROTTLE]);
    row->partial = is_true(&v->top[TF_PARTIAL]);
    row->http_status = status->type == TF_NUM ? (int64_t)status->n : -1;
    row->ndocs = v->ndocs.type == TF_NUM ? (int64_t)v->ndocs.n : 0;
    row->facts = blob;
    row->facts_len = v->summary ? v->summary_at : len;
    row->summary = (const char *)blob + row->facts_len;
    row->summary_len = len - row->facts_len;
}

void xray_db_trace_row_fini(struct xray_db_trace_row *row)
{
    free(row->root_name);
    free(row->root_type);
    free(row->http_method);
    free(row->http_url);
    free(row->facts);
    memset(row, 0, sizeof(*row));
}

static void bind_real(sqlite3_stmt *st, int idx, double v)
{
    if (isnan(v)) {
        sqlite3_bind_null(st, idx);
    } else {
        sqlite3_bind_double(st, idx, v);
    }
}

static int insert_trace_row(struct store *rw, int64_t no, const char *trace_id,
                            const struct xray_db_trace_row *row)
{
    sqlite3_stmt *st = store_stmt(rw, SQL_INSERT_TRACE);
    if (!st) {
        return ERR_INTERNAL;
    }
    sqlite3_bind_int64(st, 1, no);
    sqlite3_bind_text(st, 2, trace_id, -1, SQLITE_STATIC);
    sqlite3_bind_double(st, 3, segment_trace_id_time(trace_id));
    bind_real(st, 4, row->start_time);
    bind_real(st, 5, row->end_time);
    bind_real(st, 6, row->duration);
    bind_real(st, 7, row->response_time);
    store_bind_text(st, 8, row->root_name);
    store_bind_text(st, 9, row->root_type);
    sqlite3_bind_int(st, 10, row->has_error);
    sqlite3_bind_int(st, 11, row->has_fault);
    sqlite3_bind_int(st, 12, row->has_throttle);
    sqlite3_bind_int(st, 13, row->partial);
    if (row->http_status >= 0) {
        sqlite3_bind_int64(st, 14, row->http_status);
    }
    store_bind_text(st, 15, row->http_method);
    store_bind_text(st, 16, row->http_url);
    sqlite3_bind_int64(st, 17, row->ndocs);
    sqlite3_bind_int64(st, 18, row->ndocs);
    sqlite3_bind_double(st, 19, now_epoch());
    sqlite3_bind_text(st, 20, "", 0, SQLITE_STATIC);
    int rc = store_step_done(rw, st, "insert trace");
    sqlite3_clear_bindings(st);
    return rc;
}

/* The facts row mirrors the traces row's time columns, so both select the same traces. */
static int insert_facts_row(struct store *rw, int64_t no, const char *trace_id,
                            const struct xray_db_trace_row *row)
{
    sqlite3_stmt *st = store_stmt(rw, SQL_INSERT_FACTS);
    if (!st) {
        return ERR_INTERNAL;
    }
    sqlite3_bind_int64(st, 1, no);
    sqlite3_bind_text(st, 2, trace_id, -1, SQLITE_STATIC);
    sqlite3_bind_double(st, 3, segment_trace_id_time(trace_id));
    bind_real(st, 4, row->start_time);
    bind_real(st, 5, row->end_time);
    sqlite3_bind_blob(st, 6, row->facts, (int)row->facts_len, SQLITE_STATIC);
    int rc = store_step_done(rw, st, "insert trace facts");
    sqlite3_clear_bindings(st);
    if (rc < 0 || isnan(row->start_time) || isnan(row->end_time)) {
        return rc;
    }
    st = store_stmt(rw, SQL_WIDEN_SPAN);
    if (!st) {
        return ERR_INTERNAL;
    }
    sqlite3_bind_double(st, 1, row->end_time - row->start_time);
    return store_step_done(rw, st, "widen trace span");
}

int xray_db_load_docs(struct store *s, const char *trace_id, const json_t *known,
                      struct xray_db_docs *out)
{
    size_t cap = 0;
    memset(out, 0, sizeof(*out));
    sqlite3_stmt *st = store_stmt(s, SQL_TRACE_DOCS);
    if (!st) {
        return ERR_INTERNAL;
    }
    sqlite3_bind_text(st, 1, trace_id, -1, SQLITE_TRANSIENT);
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        if (out->n == cap) {
            cap = cap ? cap * 2 : 8;
            out->ids = xrealloc(out->ids, cap * sizeof(char *));
            out->texts = xrealloc(out->texts, cap * sizeof(char *));
        }
        const char *id = (const char *)sqlite3_column_text(st, 1);
        out->texts[out->n] = known && json_object_get(known, id)
                                 ? NULL
                                 : xstrndup((const char *)sqlite3_column_text(st, 0),
                                            (size_t)sqlite3_column_bytes(st, 0));
        out->ids[out->n] = xstrdup(id);
        out->n++;
    }
    sqlite3_reset(st);
    return rc == SQLITE_DONE ? 0 : store_fail(s, "load trace documents");
}

void xray_db_docs_fini(struct xray_db_docs *d)
{
    for (size_t i = 0; i < d->n; i++) {
        free(d->ids[i]);
        free(d->texts[i]);
    }
    free(d->ids);
    free(d->texts);
    memset(d, 0, sizeof(*d));
}

json_t *xray_db_trace_docs(struct store *ro, const char *trace_id)
{
    struct xray_db_docs d;
    json_t *docs = json_array();
    if (xray_db_load_docs(ro, trace_id, NULL, &d) < 0) {
        return docs;
    }
    for (size_t i = 0; i < d.n; i++) {
        json_t *doc = jparse_loadb(d.texts[i], strlen(d.texts[i]), 0, NULL);
        if (doc) {
            json_array_append_new(docs, doc);
        }
    }
    xray_db_docs_fini(&d);
    return docs;
}

/* Rewrites the facts blob in place when the times are unchanged, else replaces the row. A trace
 * that had no traces row has no facts row either (they are written and deleted together), so
 * its facts are inserted straight away. */
static int put_summary_row(struct store *rw, int64_t no, const struct xray_db_trace_row *row)
{
    sqlite3_stmt *st = store_stmt(rw, SQL_PUT_SUMMARY);
    if (!st) {
        return ERR_INTERNAL;
    }
    sqlite3_bind_int64(st, 1, no);
    sqlite3_bind_blob(st, 2, row->summary, (int)row->summary_len, SQLITE_STATIC);
    int rc = store_step_done(rw, st, "put trace summary");
    sqlite3_clear_bindings(st);
    return rc;
}

static int put_facts_row(struct store *rw, int64_t no, const char *trace_id,
                         const struct xray_db_trace_row *row, bool existed)
{
    int rc = put_summary_row(rw, no, row);
    if (rc < 0) {
        return rc;
    }
    if (!existed) {
        return insert_facts_row(rw, no, trace_id, row);
    }
    sqlite3_stmt *st = store_stmt(rw, SQL_UPDATE_FACTS);
    if (!st) {
        return ERR_INTERNAL;
    }
    sqlite3_bind_int64(st, 1, no);
    sqlite3_bind_blob(st, 2, row->facts, (int)row->facts_len, SQLITE_STATIC);
    bind_real(st, 3, row->start_time);
    bind_real(st, 4, row->end_time);
    rc = store_step_done(rw, st, "update trace facts");
    sqlite3_clear_bindings(st);
    if (rc < 0 || sqlite3_changes(store_db(rw)) == 1) {
        return rc;
    }
    rc = by_trace_no(rw, SQL_DELETE_FACTS, no);
    return rc < 0 ? rc : insert_facts_row(rw, no, trace_id, row);
}

int xray_db_replace_derived(struct store *rw, const char *trace_id,
                            const struct xray_db_trace_row *row)
{
    if (!row) {
        return delete_trace_rows(rw, trace_id, false);
    }
    /* Its documents gave the trace its number; create only covers rows written without them
     * (unit tests that store views alone). */
    int64_t no = 0;
    int rc = trace_ids_number(rw, trace_id, true, &no);
    rc = rc < 0 ? rc : by_trace_no(rw, SQL_DELETE_TRACE, no);
    bool existed = rc == 0 && sqlite3_changes(store_db(rw)) > 0;
    if (rc == 0) {
        rc = insert_trace_row(rw, no, trace_id, row);
    }
    if (rc == 0) {
        rc = put_facts_row(rw, no, trace_id, row, existed);
    }
    return rc;
}

int xray_db_reset(struct store *rw)
{
    /* Everything X-Ray keeps, configuration included (groups, sampling rules, tags, resource
     * policies, encryption and indexing settings): CI jobs that reuse names must not see each
     * other's state. test_fidelity.py checks every table of sqlite_master is left empty. */
    int rc = store_exec(rw, "DELETE FROM segments; DELETE FROM traces; DELETE FROM trace_facts;"
                            "DELETE FROM trace_summaries;"
                            "UPDATE trace_span SET max_span = 0; DELETE FROM sampling_statistics;"
                            "DELETE FROM sampling_rules; DELETE FROM xray_groups;"
                            "DELETE FROM resource_tags; DELETE FROM settings;"
                            "DELETE FROM xray_resource_policies;");
    return rc < 0 ? rc : trace_ids_drop_unused(rw, 0);
}

static int delete_selected(struct store *rw, const char *select_sql, double arg, int64_t *deleted)
{
    /* Collect first: deleting while stepping the same table's cursor is undefined. */
    json_t *ids = json_array();
    int rc = 0;
    sqlite3_stmt *st = store_stmt(rw, select_sql);
    if (!st) {
        rc = ERR_INTERNAL;
        goto out;
    }
    sqlite3_bind_double(st, 1, arg);
    while (sqlite3_step(st) == SQLITE_ROW) {
        json_array_append_new(ids, json_string((const char *)sqlite3_column_text(st, 0)));
    }
    sqlite3_reset(st);
    size_t i;
    json_t *id;
    json_array_foreach(ids, i, id)
    {
        rc = delete_trace_rows(rw, json_string_value(id), true);
        if (rc < 0) {
            goto out;
        }
    }
    *deleted += (int64_t)json_array_size(ids);
out:
    json_decref(ids);
    return rc;
}

int xray_db_expire(struct store *rw, double before, int64_t *deleted)
{
    return delete_selected(rw, SQL_EXPIRED, before, deleted);
}

int xray_db_prune_oldest(struct store *rw, int n, int64_t *deleted)
{
    return delete_selected(rw, SQL_OLDEST, n, deleted);
}

int xray_db_scan_facts(struct store *ro, double start, double end, bool by_event, int64_t offset,
                       xray_db_facts_fn fn, void *ctx, int64_t *visited)
{
    double span = 0;
    *visited = 0;
    if (by_event) {
        sqlite3_stmt *st = store_stmt(ro, SQL_MAX_SPAN);
        if (!st) {
            return ERR_INTERNAL;
        }
        span = sqlite3_step(st) == SQLITE_ROW ? sqlite3_column_double(st, 0) : INFINITY;
        sqlite3_reset(st);
    }
    sqlite3_stmt *st = store_stmt(ro, by_event ? SQL_FACTS_BY_EVENT : SQL_FACTS_BY_ID_TIME);
    if (!st) {
        return ERR_INTERNAL;
    }
    sqlite3_bind_double(st, 1, start);
    sqlite3_bind_double(st, 2, end);
    sqlite3_bind_int64(st, 3, offset);
    if (by_event) {
        sqlite3_bind_double(st, 4, start - span - 1);
    }
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        (*visited)++;
        if (!fn(ctx, (const char *)sqlite3_column_text(st, 0), sqlite3_column_blob(st, 1),
                (size_t)sqlite3_column_bytes(st, 1))) {
            rc = SQLITE_DONE;
            break;
        }
    }
    sqlite3_reset(st);
    return rc == SQLITE_DONE ? 0 : store_fail(ro, "scan trace facts");
}

/* A database written before migration 8: the JSON view in traces.derived, or NULL. */
static json_t *legacy_view(struct store *rw, const char *trace_id)
{
    sqlite3_stmt *st = store_stmt(rw, SQL_TRACE_DERIVED);
    json_t *d = NULL;
    if (!st) {
        return NULL;
    }
    sqlite3_bind_text(st, 1, trace_id, -1, SQLITE_TRANSIENT);
    if (sqlite3_step(st) == SQLITE_ROW) {
        d = json_loadb((const char *)sqlite3_column_text(st, 0),
                       (size_t)sqlite3_column_bytes(st, 0), 0, NULL);
    }
    sqlite3_reset(st);
    return d;
}

/* Converts one stored trace's JSON view (written before migration 8) to its encoded view. */
static int backfill_one(struct store *rw, const char *trace_id)
{
    struct xray_db_trace_row row = {0};
    struct trace_view v;
    size_t len = 0;
    json_t *d = legacy_view(rw, trace_id);
    if (!d) {
        return 0; /* an unreadable view has nothing to index; search skipped it before too */
    }
    void *blob = trace_facts_pack(d, &len);
    json_decref(d);
    trace_facts_init(&v);
    int rc = trace_facts_decode(&v, blob, len);
    if (rc < 0) {
        free(blob);
        trace_facts_fini(&v);
        return 0; /* not a view this version can read: leave the trace unindexed, as before */
    }
    xray_db_trace_row_init(&row, &v, blob, len);
    int64_t no = 0;
    rc = trace_ids_number(rw, trace_id, false, &no);
    if (rc == 0 && no) {
        rc = put_summary_row(rw, no, &row);
    }
    if (rc == 0 && no) {
        rc = insert_facts_row(rw, no, trace_id, &row);
    }
    xray_db_trace_row_fini(&row);
    trace_facts_fini(&v);
    return rc;
}

int xray_db_backfill_facts(struct store *rw, int64_t *filled)
{
    /* Ids first, rows after: no insert happens while a cursor reads the same tables. */
    json_t *ids = json_array();
    size_t i;
    json_t *id;
    int rc = store_exec(rw, "BEGIN IMMEDIATE");
    sqlite3_stmt *st = rc == 0 ? store_stmt(rw, SQL_MISSING_FACTS) : NULL;
    if (!st) {
        rc = ERR_INTERNAL;
        goto out;
    }
    while (sqlite3_step(st) == SQLITE_ROW) {
        json_array_append_new(ids, json_string((const char *)sqlite3_column_text(st, 0)));
    }
    sqlite3_reset(st);
    json_array_foreach(ids, i, id)
    {
        rc = backfill_one(rw, json_string_value(id));
        if (rc < 0) {
            goto out;
        }
    }
    rc = store_exec(rw, SQL_CLEAR_DERIVED);
    *filled += (int64_t)json_array_size(ids);
out:
    if (rc == 0) {
        rc = store_exec(rw, "COMMIT");
    } else if (store_exec(rw, "ROLLBACK") < 0) {
        rc = ERR_INTERNAL;
    }
    json_decref(ids);
    return rc;
}

int xray_db_trace_view(struct store *ro, const char *trace_id, struct trace_view *v, void **blob)
{
    sqlite3_stmt *st = store_stmt(ro, SQL_TRACE_VIEW);
    int rc = ERR_NOTFOUND;
    *blob = NULL;
    if (!st) {
        return ERR_INTERNAL;
    }
    sqlite3_bind_text(st, 1, trace_id, -1, SQLITE_TRANSIENT);
    if (sqlite3_step(st) == SQLITE_ROW) {
        /* facts part then summary part: the view's whole encoding again */
        size_t flen = (size_t)sqlite3_column_bytes(st, 0);
        size_t slen = (size_t)sqlite3_column_bytes(st, 1);
        *blob = xmalloc(flen + slen + 1);
        memcpy(*blob, sqlite3_column_blob(st, 0), flen);
        memcpy((char *)*blob + flen, sqlite3_column_blob(st, 1), slen);
        rc = trace_facts_decode(v, *blob, flen + slen) < 0 || !v->summary ? ERR_NOTFOUND : 0;
    }
    sqlite3_reset(st);
    return rc;
}

int xray_db_trace_summary(struct store *ro, const char *trace_id, struct trace_view *v, void **blob)
{
    sqlite3_stmt *st = store_stmt(ro, SQL_TRACE_SUMMARY);
    int rc = ERR_NOTFOUND;
    *blob = NULL;
    if (!st) {
        return ERR_INTERNAL;
    }
    sqlite3_bind_text(st, 1, trace_id, -1, SQLITE_TRANSIENT);
    if (sqlite3_step(st) == SQLITE_ROW) {
        size_t len = (size_t)sqlite3_column_bytes(st, 0);
        *blob = xmalloc(len + 1);
        memcpy(*blob, sqlite3_column_blob(st, 0), len);
        rc = trace_facts_decode_summary(v, *blob, len) < 0 ? ERR_NOTFOUND : 0;
    }
    sqlite3_reset(st);
    return rc;
}

json_t *xray_db_trace_derived(struct store *ro, const char *trace_id)
{
    struct trace_view v;
    void *blob = NULL;
    json_t *d = NULL;
    trace_facts_init(&v);
    if (xray_db_trace_view(ro, trace_id, &v, &blob) == 0) {
        d = trace_view_json(&v);
    }
    trace_facts_fini(&v);
    free(blob);
    return d;
}

int xray_db_trace_times(struct store *ro, const char *trace_id, double *start, double *end)
{
    sqlite3_stmt *st = store_stmt(ro, SQL_TRACE_TIMES);
    int rc = ERR_NOTFOUND;
    if (!st) {
        return ERR_INTERNAL;
    }
    sqlite3_bind_text(st, 1, trace_id, -1, SQLITE_TRANSIENT);
    if (sqlite3_step(st) == SQLITE_ROW) {
        *start = sqlite3_column_type(st, 0) == SQLITE_NULL ? NAN : sqlite3_column_double(st, 0);
        *end = sqlite3_column_type(st, 1) == SQLITE_NULL ? NAN : sqlite3_column_double(st, 1);
        rc = 0;
    }
    sqlite3_reset(st);
    return rc;
}

static int64_t count(struct store *ro, const char *sql)
{
    sqlite3_stmt *st = store_stmt(ro, sql);
    int64_t n = -1;
    return st && store_one_int(ro, st, &n, sql) == 0 ? n : -1;
}

int64_t xray_db_max_seq(struct store *rw)
{
    return count(rw, SQL_MAX_SEQ);
}

int xray_db_counts(struct store *ro, int64_t *traces, int64_t *segments)
{
    *traces = count(ro, SQL_COUNT_TRACES);
    *segments = count(ro, SQL_COUNT_SEGMENTS);
    return *traces < 0 || *segments < 0 ? ERR_INTERNAL : 0;
}
