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
    return store_exec(rw, "DELETE FROM log_event_traces; DELETE FROM log_chunk_blooms;"
                          "DELETE FROM log_chunk_data; DELETE FROM log_chunks;"
                          "DELETE FROM log_streams; DELETE FROM log_groups;"
                          "DELETE FROM log_config; DELETE FROM log_tags;");
}

/* Steps st expecting at most one row with one integer column. Returns 0 with *out, ERR_NOTFOUND
 * or ERR_INTERNAL. Resets st. */
static int one_int(struct store *s, sqlite3_stmt *st, int64_t *out, const char *what)
{
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) {
        *out = sqlite3_column_int64(st, 0);
        sqlite3_reset(st);
        return 0;
    }
    sqlite3_reset(st);
    return rc == SQLITE_DONE ? ERR_NOTFOUND : store_fail(s, what);
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
    return one_int(s, st, id, "find log stream");
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
    return one_int(rw, st, &id, "create log stream") == 0 ? 0 : ERR_INTERNAL;
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

static void set_int_col(json_t *o, const char *key, sqlite3_stmt *st, int col)
{
    if (sqlite3_column_type(st, col) != SQLITE_NULL) {
        json_object_set_new(o, key, json_integer(sqlite3_column_int64(st, col)));
    }
}

static void set_text_col(json_t *o, const char *key, sqlite3_stmt *st, int col)
{
    if (sqlite3_column_type(st, col) != SQLITE_NULL) {
        json_object_set_new(o, key, json_string((const char *)sqlite3_column_text(st, col)));
    }
}

json_t *logs_db_describe_groups(struct store *s, const char *prefix, const char *substr,
                                int64_t offset, int64_t limit, const char *arn_prefix, bool *more)
{
    json_t *out = json_array();
    sqlite3_stmt *st = store_stmt(
        s, "SELECT g.name, g.created_at, g.retention_days, g.kms_key_id, g.stored_bytes,"
           " (SELECT count(*) FROM log_config c WHERE c.kind = 'metric' AND c.group_id = g.id),"
           " (SELECT count(*) FROM log_config c WHERE c.kind = 'dataprotection'"
           "  AND c.group_id = g.id), g.log_group_class"
           " FROM log_groups g WHERE (?1 IS NULL OR substr(g.name, 1, length(?1)) = ?1)"
           " AND (?2 IS NULL OR instr(g.name, ?2) > 0) ORDER BY g.name LIMIT ?4 OFFSET ?3");
    *more = false;
    if (!st) {
        return out;
    }
    store_bind_text(st, 1, prefix);
    store_bind_text(st, 2, substr);
    sqlite3_bind_int64(st, 3, offset);
    sqlite3_bind_int64(st, 4, limit + 1);
    int64_t n = 0;
    while (sqlite3_step(st) == SQLITE_ROW) {
        if (n++ == limit) {
            *more = true;
            break;
        }
        const char *name = (const char *)sqlite3_column_text(st, 0);
        json_t *g = json_object();
        json_object_set_new(g, "logGroupName", json_string(name));
        json_object_set_new(g, "creationTime", json_integer(sqlite3_column_int64(st, 1)));
        set_int_col(g, "retentionInDays", st, 2);
        json_object_set_new(g, "metricFilterCount", json_integer(sqlite3_column_int64(st, 5)));
        json_object_set_new(g, "arn", json_sprintf("%slog-group:%s:*", arn_prefix, name));
        json_object_set_new(g, "storedBytes", json_integer(sqlite3_column_int64(st, 4)));
        set_text_col(g, "kmsKeyId", st, 3);
        if (sqlite3_column_int64(st, 6) > 0) {
            json_object_set_new(g, "dataProtectionStatus", json_string("ACTIVATED"));
        }
        json_object_set_new(g, "logGroupClass",
                            json_string((const char *)sqlite3_column_text(st, 7)));
        json_object_set_new(g, "logGroupArn", json_sprintf("%slog-group:%s", arn_prefix, name));
        json_array_append_new(out, g);
    }
    sqlite3_reset(st);
    return out;
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

json_t *logs_db_describe_streams(struct store *s, int64_t gid, const char *group_name,
                                 const char *prefix, bool by_time, bool descending, int64_t offset,
                                 int64_t limit, const char *arn_prefix, bool *more)
{
    json_t *out = json_array();
    sqlite3_stmt *st = store_stmt(s, SQL_STREAMS[by_time][descending]);
    *more = false;
    if (!st) {
        return out;
    }
    sqlite3_bind_int64(st, 1, gid);
    store_bind_text(st, 2, prefix);
    sqlite3_bind_int64(st, 3, offset);
    sqlite3_bind_int64(st, 4, limit + 1);
    int64_t n = 0;
    while (sqlite3_step(st) == SQLITE_ROW) {
        if (n++ == limit) {
            *more = true;
            break;
        }
        const char *name = (const char *)sqlite3_column_text(st, 0);
        json_t *o = json_object();
        json_object_set_new(o, "logStreamName", json_string(name));
        json_object_set_new(o, "creationTime", json_integer(sqlite3_column_int64(st, 1)));
        set_int_col(o, "firstEventTimestamp", st, 2);
        set_int_col(o, "lastEventTimestamp", st, 3);
        set_int_col(o, "lastIngestionTime", st, 4);
        /* Deprecated and ignored since 2023, but old agents still read it (logs-api.md); a
         * stream that never received an event has none (recorded AWS response, 2026). */
        if (sqlite3_column_type(st, 4) != SQLITE_NULL) {
            json_object_set_new(o, "uploadSequenceToken", json_string("1"));
        }
        json_object_set_new(
            o, "arn", json_sprintf("%slog-group:%s:log-stream:%s", arn_prefix, group_name, name));
        json_object_set_new(o, "storedBytes", json_integer(0));
        json_array_append_new(out, o);
    }
    sqlite3_reset(st);
    return out;
}

json_t *logs_db_api_groups(struct store *s)
{
    json_t *out = json_array();
    sqlite3_stmt *st =
        store_stmt(s, "SELECT g.name, g.created_at, g.retention_days, g.stored_bytes,"
                      " (SELECT count(*) FROM log_streams s WHERE s.group_id = g.id),"
                      " (SELECT max(last_event_ts) FROM log_streams s WHERE s.group_id = g.id)"
                      " FROM log_groups g ORDER BY g.name");
    if (!st) {
        return out;
    }
    while (sqlite3_step(st) == SQLITE_ROW) {
        json_t *g = json_object();
        json_object_set_new(g, "name", json_string((const char *)sqlite3_column_text(st, 0)));
        json_object_set_new(g, "created_at", json_integer(sqlite3_column_int64(st, 1)));
        set_int_col(g, "retention_days", st, 2);
        json_object_set_new(g, "stored_bytes", json_integer(sqlite3_column_int64(st, 3)));
        json_object_set_new(g, "streams", json_integer(sqlite3_column_int64(st, 4)));
        set_int_col(g, "last_event_time", st, 5);
        json_array_append_new(out, g);
    }
    sqlite3_reset(st);
    return out;
}

json_t *logs_db_api_streams(struct store *s, int64_t gid)
{
    json_t *out = json_array();
    sqlite3_stmt *st = store_stmt(
        s, "SELECT name, created_at, first_event_ts, last_event_ts, last_ingest_ts, stored_bytes"
           " FROM log_streams WHERE group_id = ?1 ORDER BY coalesce(last_event_ts, 0) DESC, name");
    if (!st) {
        return out;
    }
    sqlite3_bind_int64(st, 1, gid);
    while (sqlite3_step(st) == SQLITE_ROW) {
        json_t *o = json_object();
        json_object_set_new(o, "name", json_string((const char *)sqlite3_column_text(st, 0)));
        json_object_set_new(o, "created_at", json_integer(sqlite3_column_int64(st, 1)));
        set_int_col(o, "first_event_time", st, 2);
        set_int_col(o, "last_event_time", st, 3);
        set_int_col(o, "last_ingestion_time", st, 4);
        json_object_set_new(o, "stored_bytes", json_integer(sqlite3_column_int64(st, 5)));
        json_array_append_new(out, o);
    }
    sqlite3_reset(st);
    return out;
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
