/*
 * logs_db.c - CloudWatch Logs SQL (see logs_db.h): groups, streams, their descriptions and the
 * trace-id finder. Events live in chunks, read and written by logs_db_events.c; configuration
 * rows and tags by logs_db_config.c. Writes run on the writer thread; reads on whichever thread
 * owns the store passed in.
 *
 * Every statement is a static string, so store_stmt() caches it per connection; queries that
 * differ in shape (ordering) are separate strings chosen from small tables.
 */
#include "logs_db.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "metrics.h"
#include "trace_ids.h"
#include "writer.h"

static const char SQL_GROUP_ID[] = "SELECT id FROM log_groups WHERE name = ?1";
static const char SQL_GROUP_INSERT[] =
    "INSERT INTO log_groups(name, created_at) VALUES (?1, ?2) RETURNING id";
static const char SQL_STREAM_ID[] = "SELECT id FROM log_streams WHERE group_id = ?1 AND name = ?2";
static const char SQL_STREAM_INSERT[] =
    "INSERT INTO log_streams(group_id, name, created_at) VALUES (?1, ?2, ?3) RETURNING id";
/* Looks up an id by (key), inserting when missing. */
static int find_or_create(struct store *rw, const char *find_sql, const char *insert_sql,
                          int64_t parent, const char *name, int64_t now, int64_t *id)
{
    sqlite3_stmt *st = store_stmt(rw, find_sql);
    if (!st) {
        return ERR_INTERNAL;
    }
    int i = 1;
    if (parent >= 0) {
        sqlite3_bind_int64(st, i++, parent);
    }
    sqlite3_bind_text(st, i, name, -1, SQLITE_STATIC);
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) {
        *id = sqlite3_column_int64(st, 0);
        sqlite3_reset(st);
        return 0;
    }
    sqlite3_reset(st);
    st = store_stmt(rw, insert_sql);
    if (!st) {
        return ERR_INTERNAL;
    }
    i = 1;
    if (parent >= 0) {
        sqlite3_bind_int64(st, i++, parent);
    }
    sqlite3_bind_text(st, i++, name, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, i, now);
    if (sqlite3_step(st) != SQLITE_ROW) {
        sqlite3_reset(st);
        return store_fail(rw, insert_sql);
    }
    *id = sqlite3_column_int64(st, 0);
    sqlite3_reset(st);
    return 0;
}

bool logs_db_find_trace_id(const char *message, char out[36])
{
    for (const char *p = strstr(message, "1-"); p; p = strstr(p + 1, "1-")) {
        bool boundary = p == message || !isalnum((unsigned char)p[-1]);
        if (!boundary) {
            continue;
        }
        size_t i = 2;
        while (i < 10 && isxdigit((unsigned char)p[i])) {
            i++;
        }
        if (i != 10 || p[10] != '-') {
            continue;
        }
        i = 11;
        while (i < 35 && isxdigit((unsigned char)p[i])) {
            i++;
        }
        if (i == 35 && !isalnum((unsigned char)p[35])) {
            memcpy(out, p, 35);
            out[35] = '\0';
            return true;
        }
    }
    return false;
}

int logs_db_put_event_autocreate(struct store *rw, const char *group, const char *stream,
                                 int64_t ts, int64_t ingest_ts, const char *message)
{
    int64_t gid = 0, sid = 0;
    int rc = find_or_create(rw, SQL_GROUP_ID, SQL_GROUP_INSERT, -1, group, ingest_ts, &gid);
    if (rc == 0) {
        rc = find_or_create(rw, SQL_STREAM_ID, SQL_STREAM_INSERT, gid, stream, ingest_ts, &sid);
    }
    if (rc < 0) {
        return rc;
    }
    struct logs_db_event ev = {ts, message, strlen(message)};
    return logs_db_put_events(rw, gid, sid, &ev, 1, ingest_ts);
}

int logs_db_reset(struct store *rw)
{
    int rc = store_exec(rw, "DELETE FROM log_event_traces; DELETE FROM log_chunk_blooms;"
                            "DELETE FROM log_chunk_data; DELETE FROM log_chunks;"
                            "DELETE FROM log_streams; DELETE FROM log_groups;"
                            "DELETE FROM log_config; DELETE FROM log_tags;");
    return rc < 0 ? rc : trace_ids_drop_unused(rw, 0);
}

int logs_db_group_find(struct store *s, const char *name, int64_t *id, int *retention_days)
{
    sqlite3_stmt *st =
        store_stmt(s, "SELECT id, coalesce(retention_days, 0) FROM log_groups WHERE name = ?1");
    if (!st) {
        return ERR_INTERNAL;
    }
    sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) {
        *id = sqlite3_column_int64(st, 0);
        if (retention_days) {
            *retention_days = sqlite3_column_int(st, 1);
        }
        sqlite3_reset(st);
        return 0;
    }
    sqlite3_reset(st);
    return rc == SQLITE_DONE ? ERR_NOTFOUND : store_fail(s, "find log group");
}

int logs_db_stream_find(struct store *s, int64_t gid, const char *name, int64_t *id)
{
    sqlite3_stmt *st = store_stmt(s, SQL_STREAM_ID);
    if (!st) {
        return ERR_INTERNAL;
    }
    sqlite3_bind_int64(st, 1, gid);
    sqlite3_bind_text(st, 2, name, -1, SQLITE_STATIC);
    return store_one_int(s, st, id, "find log stream");
}

int logs_db_group_create(struct store *rw, const char *name, const char *kms, int64_t now)
{
    int64_t id = 0;
    int rc = logs_db_group_find(rw, name, &id, NULL);
    if (rc != ERR_NOTFOUND) {
        return rc == 0 ? ERR_CONFLICT : rc;
    }
    sqlite3_stmt *st =
        store_stmt(rw, "INSERT INTO log_groups(name, created_at, kms_key_id) VALUES (?1, ?2, ?3)");
    if (!st) {
        return ERR_INTERNAL;
    }
    sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 2, now);
    store_bind_text(st, 3, kms);
    return store_step_done(rw, st, "create log group");
}

static int exec_id(struct store *rw, const char *sql, int64_t id, const char *what)
{
    sqlite3_stmt *st = store_stmt(rw, sql);
    if (!st) {
        return ERR_INTERNAL;
    }
    sqlite3_bind_int64(st, 1, id);
    return store_step_done(rw, st, what);
}

int logs_db_group_delete(struct store *rw, int64_t gid, const char *resource)
{
    /* The chunks' data, blooms and trace rows go by ON DELETE CASCADE (schema.c). */
    int rc = exec_id(rw, "DELETE FROM log_chunks WHERE group_id = ?1", gid, "delete group events");
    if (rc == 0) {
        rc = exec_id(rw, "DELETE FROM log_streams WHERE group_id = ?1", gid, "delete streams");
    }
    if (rc == 0) {
        rc = exec_id(rw, "DELETE FROM log_config WHERE group_id = ?1", gid, "delete group config");
    }
    if (rc == 0) {
        rc = exec_id(rw, "DELETE FROM log_groups WHERE id = ?1", gid, "delete group");
    }
    sqlite3_stmt *st = rc == 0 ? store_stmt(rw, "DELETE FROM log_tags WHERE arn = ?1") : NULL;
    if (st) {
        sqlite3_bind_text(st, 1, resource, -1, SQLITE_STATIC);
        rc = store_step_done(rw, st, "delete group tags");
    }
    return rc;
}

int logs_db_group_set_retention(struct store *rw, int64_t gid, int days)
{
    sqlite3_stmt *st = store_stmt(rw, "UPDATE log_groups SET retention_days = ?2 WHERE id = ?1");
    if (!st) {
        return ERR_INTERNAL;
    }
    sqlite3_bind_int64(st, 1, gid);
    if (days > 0) {
        sqlite3_bind_int(st, 2, days);
    } else {
        sqlite3_bind_null(st, 2);
    }
    return store_step_done(rw, st, "set retention");
}

int logs_db_group_set_kms(struct store *rw, int64_t gid, const char *kms)
{
    sqlite3_stmt *st = store_stmt(rw, "UPDATE log_groups SET kms_key_id = ?2 WHERE id = ?1");
    if (!st) {
        return ERR_INTERNAL;
    }
    sqlite3_bind_int64(st, 1, gid);
    store_bind_text(st, 2, kms);
    return store_step_done(rw, st, "set kms key");
}

int logs_db_stream_create(struct store *rw, int64_t gid, const char *name, int64_t now)
{
    int64_t id = 0;
    int rc = logs_db_stream_find(rw, gid, name, &id);
    if (rc != ERR_NOTFOUND) {
        return rc == 0 ? ERR_CONFLICT : rc;
    }
    sqlite3_stmt *st = store_stmt(rw, SQL_STREAM_INSERT);
    if (!st) {
        return ERR_INTERNAL;
    }
    sqlite3_bind_int64(st, 1, gid);
    sqlite3_bind_text(st, 2, name, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 3, now);
    return store_one_int(rw, st, &id, "create log stream") == 0 ? 0 : ERR_INTERNAL;
}

int logs_db_stream_delete(struct store *rw, int64_t gid, int64_t sid)
{
    sqlite3_stmt *st = store_stmt(rw, "UPDATE log_groups SET stored_bytes = max(0, stored_bytes -"
                                      " (SELECT stored_bytes FROM log_streams WHERE id = ?2))"
                                      " WHERE id = ?1");
    if (!st) {
        return ERR_INTERNAL;
    }
    sqlite3_bind_int64(st, 1, gid);
    sqlite3_bind_int64(st, 2, sid);
    int rc = store_step_done(rw, st, "stream bytes");
    if (rc == 0) {
        rc = exec_id(rw, "DELETE FROM log_chunks WHERE stream_id = ?1", sid, "delete events");
    }
    if (rc == 0) {
        rc = exec_id(rw, "DELETE FROM log_streams WHERE id = ?1", sid, "delete stream");
    }
    return rc;
}

/* An optional integer column (NULL stays unset). */
static struct logs_db_opt opt_col(sqlite3_stmt *st, int col)
{
    struct logs_db_opt o = {false, 0};
    if (sqlite3_column_type(st, col) != SQLITE_NULL) {
        o.set = true;
        o.v = sqlite3_column_int64(st, col);
    }
    return o;
}

void logs_db_group_rows_free(struct logs_db_group_row *rows, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        free(rows[i].name);
        free(rows[i].kms_key_id);
        free(rows[i].log_group_class);
    }
    free(rows);
}

void logs_db_stream_rows_free(struct logs_db_stream_row *rows, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        free(rows[i].name);
    }
    free(rows);
}

static void group_describe_read(sqlite3_stmt *st, void *row)
{
    struct logs_db_group_row *g = row;
    g->name = store_column_dup(st, 0);
    g->created = sqlite3_column_int64(st, 1);
    g->retention_days = opt_col(st, 2);
    g->kms_key_id = store_column_dup(st, 3);
    g->stored_bytes = sqlite3_column_int64(st, 4);
    g->metric_filters = sqlite3_column_int64(st, 5);
    g->data_protection = sqlite3_column_int64(st, 6) > 0;
    g->log_group_class = store_column_dup(st, 7);
}

int logs_db_describe_groups(struct store *s, const char *prefix, const char *substr, int64_t offset,
                            int64_t limit, struct logs_db_group_row **rows, size_t *n, bool *more)
{
    sqlite3_stmt *st = store_stmt(
        s, "SELECT g.name, g.created_at, g.retention_days, g.kms_key_id, g.stored_bytes,"
           " (SELECT count(*) FROM log_config c WHERE c.kind = 'metric' AND c.group_id = g.id),"
           " (SELECT count(*) FROM log_config c WHERE c.kind = 'dataprotection'"
           "  AND c.group_id = g.id), g.log_group_class"
           " FROM log_groups g WHERE (?1 IS NULL OR substr(g.name, 1, length(?1)) = ?1)"
           " AND (?2 IS NULL OR instr(g.name, ?2) > 0) ORDER BY g.name LIMIT ?4 OFFSET ?3");
    void *v = NULL;
    *rows = NULL;
    *n = 0;
    *more = false;
    if (!st) {
        return ERR_INTERNAL;
    }
    store_bind_text(st, 1, prefix);
    store_bind_text(st, 2, substr);
    sqlite3_bind_int64(st, 3, offset);
    sqlite3_bind_int64(st, 4, limit + 1);
    int rc = store_read_rows(st, sizeof(**rows), group_describe_read, limit, more, &v, n);
    *rows = v;
    return rc;
}

#define STREAM_COLS                                                                                \
    "SELECT name, created_at, first_event_ts, last_event_ts, last_ingest_ts FROM log_streams"      \
    " WHERE group_id = ?1 AND (?2 IS NULL OR substr(name, 1, length(?2)) = ?2) "
static const char *const SQL_STREAMS[2][2] = {
    {STREAM_COLS "ORDER BY name LIMIT ?4 OFFSET ?3",
     STREAM_COLS "ORDER BY name DESC LIMIT ?4 OFFSET ?3"},
    {STREAM_COLS "ORDER BY coalesce(last_event_ts, 0), id LIMIT ?4 OFFSET ?3",
     STREAM_COLS "ORDER BY coalesce(last_event_ts, 0) DESC, id DESC LIMIT ?4 OFFSET ?3"},
};

static void stream_read(sqlite3_stmt *st, void *row)
{
    struct logs_db_stream_row *r = row;
    r->name = store_column_dup(st, 0);
    r->created = sqlite3_column_int64(st, 1);
    r->first_event = opt_col(st, 2);
    r->last_event = opt_col(st, 3);
    r->last_ingest = opt_col(st, 4);
}

int logs_db_describe_streams(struct store *s, int64_t gid, const char *prefix, bool by_time,
                             bool descending, int64_t offset, int64_t limit,
                             struct logs_db_stream_row **rows, size_t *n, bool *more)
{
    sqlite3_stmt *st = store_stmt(s, SQL_STREAMS[by_time][descending]);
    void *v = NULL;
    *rows = NULL;
    *n = 0;
    *more = false;
    if (!st) {
        return ERR_INTERNAL;
    }
    sqlite3_bind_int64(st, 1, gid);
    store_bind_text(st, 2, prefix);
    sqlite3_bind_int64(st, 3, offset);
    sqlite3_bind_int64(st, 4, limit + 1);
    int rc = store_read_rows(st, sizeof(**rows), stream_read, limit, more, &v, n);
    *rows = v;
    return rc;
}

static void group_summary_read(sqlite3_stmt *st, void *row)
{
    struct logs_db_group_row *g = row;
    g->name = store_column_dup(st, 0);
    g->created = sqlite3_column_int64(st, 1);
    g->retention_days = opt_col(st, 2);
    g->stored_bytes = sqlite3_column_int64(st, 3);
    g->streams = sqlite3_column_int64(st, 4);
    g->last_event = opt_col(st, 5);
}

int logs_db_group_summaries(struct store *s, struct logs_db_group_row **rows, size_t *n)
{
    sqlite3_stmt *st =
        store_stmt(s, "SELECT g.name, g.created_at, g.retention_days, g.stored_bytes,"
                      " (SELECT count(*) FROM log_streams s WHERE s.group_id = g.id),"
                      " (SELECT max(last_event_ts) FROM log_streams s WHERE s.group_id = g.id)"
                      " FROM log_groups g ORDER BY g.name");
    void *v = NULL;
    *rows = NULL;
    *n = 0;
    if (!st) {
        return ERR_INTERNAL;
    }
    int rc = store_read_rows(st, sizeof(**rows), group_summary_read, -1, NULL, &v, n);
    *rows = v;
    return rc;
}

static void stream_summary_read(sqlite3_stmt *st, void *row)
{
    stream_read(st, row);
    ((struct logs_db_stream_row *)row)->stored_bytes = sqlite3_column_int64(st, 5);
}

int logs_db_stream_summaries(struct store *s, int64_t gid, struct logs_db_stream_row **rows,
                             size_t *n)
{
    sqlite3_stmt *st = store_stmt(
        s, "SELECT name, created_at, first_event_ts, last_event_ts, last_ingest_ts, stored_bytes"
           " FROM log_streams WHERE group_id = ?1 ORDER BY coalesce(last_event_ts, 0) DESC, name");
    void *v = NULL;
    *rows = NULL;
    *n = 0;
    if (!st) {
        return ERR_INTERNAL;
    }
    sqlite3_bind_int64(st, 1, gid);
    int rc = store_read_rows(st, sizeof(**rows), stream_summary_read, -1, NULL, &v, n);
    *rows = v;
    return rc;
}

char *logs_db_stream_ids(struct store *s, int64_t gid, const char *names, const char *prefix)
{
    sqlite3_stmt *st = store_stmt(
        s, "SELECT coalesce(json_group_array(id), '[]') FROM log_streams WHERE group_id = ?1"
           " AND (?2 IS NULL OR name IN (SELECT value FROM json_each(?2)))"
           " AND (?3 IS NULL OR substr(name, 1, length(?3)) = ?3)");
    if (!st) {
        return xstrdup("[]");
    }
    sqlite3_bind_int64(st, 1, gid);
    store_bind_text(st, 2, names);
    store_bind_text(st, 3, prefix);
    char *out = NULL;
    if (sqlite3_step(st) == SQLITE_ROW) {
        out = xstrdup((const char *)sqlite3_column_text(st, 0));
    }
    sqlite3_reset(st);
    return out ? out : xstrdup("[]");
}
