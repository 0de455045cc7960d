/*
 * logs_db.c - CloudWatch Logs SQL (see logs_db.h). Events are stored with the trace id their
 * message carries, so a trace's logs are an index lookup (DESIGN.md §6). Writes run on the writer
 * thread; reads on whichever thread owns the store passed in.
 *
 * Every statement is a static string, so store_stmt() caches it per connection; queries that
 * differ in shape (ordering, optional FTS) are separate strings chosen from small tables.
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
static const char SQL_EVENT_INSERT[] =
    "INSERT INTO log_events(group_id, stream_id, ts, ingest_ts, message, trace_id)"
    " VALUES (?1, ?2, ?3, ?4, ?5, ?6)";
static const char SQL_FTS_INSERT[] = "INSERT INTO log_events_fts(rowid, message) VALUES (?1, ?2)";
static const char SQL_STREAM_TOUCH[] =
    "UPDATE log_streams SET first_event_ts = min(coalesce(first_event_ts, ?2), ?2),"
    " last_event_ts = max(coalesce(last_event_ts, ?2), ?2), last_ingest_ts = ?3,"
    " stored_bytes = stored_bytes + ?4 WHERE id = ?1";
static const char SQL_GROUP_TOUCH[] =
    "UPDATE log_groups SET stored_bytes = stored_bytes + ?2 WHERE id = ?1";

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

/* Adds the event just inserted on rw to the FTS5 index. */
static int index_message(struct store *rw, const char *message, size_t len)
{
    sqlite3_stmt *st = store_stmt(rw, SQL_FTS_INSERT);
    if (!st) {
        return ERR_INTERNAL;
    }
    sqlite3_bind_int64(st, 1, sqlite3_last_insert_rowid(store_db(rw)));
    sqlite3_bind_text(st, 2, message, (int)len, SQLITE_STATIC);
    return store_step_done(rw, st, "index log event");
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
    char trace_id[36];
    bool has_trace = logs_db_find_trace_id(message, trace_id);
    sqlite3_stmt *st = store_stmt(rw, SQL_EVENT_INSERT);
    if (!st) {
        return ERR_INTERNAL;
    }
    sqlite3_bind_int64(st, 1, gid);
    sqlite3_bind_int64(st, 2, sid);
    sqlite3_bind_int64(st, 3, ts);
    sqlite3_bind_int64(st, 4, ingest_ts);
    sqlite3_bind_text(st, 5, message, -1, SQLITE_STATIC);
    store_bind_text(st, 6, has_trace ? trace_id : NULL);
    rc = store_step_done(rw, st, "insert log event");
    if (rc == 0) {
        rc = index_message(rw, message, strlen(message));
    }
    int64_t bytes = (int64_t)strlen(message);
    if (rc == 0 && (st = store_stmt(rw, SQL_STREAM_TOUCH))) {
        sqlite3_bind_int64(st, 1, sid);
        sqlite3_bind_int64(st, 2, ts);
        sqlite3_bind_int64(st, 3, ingest_ts);
        sqlite3_bind_int64(st, 4, bytes);
        rc = store_step_done(rw, st, "touch stream");
    }
    if (rc == 0 && (st = store_stmt(rw, SQL_GROUP_TOUCH))) {
        sqlite3_bind_int64(st, 1, gid);
        sqlite3_bind_int64(st, 2, bytes);
        rc = store_step_done(rw, st, "touch group");
    }
    if (rc == 0) {
        METRIC_INC(log_events_stored);
    }
    return rc;
}

int logs_db_reset(struct store *rw)
{
    return store_exec(rw, "DELETE FROM log_events; DELETE FROM log_streams; DELETE FROM "
                          "log_groups; DELETE FROM log_config; DELETE FROM log_tags;"
                          "INSERT INTO log_events_fts(log_events_fts) VALUES('delete-all');");
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
    int rc = exec_id(rw, "DELETE FROM log_events WHERE group_id = ?1", gid, "delete group events");
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
        rc = exec_id(rw, "DELETE FROM log_events WHERE stream_id = ?1", sid, "delete events");
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
        /* Deprecated and ignored since 2023, but old agents still read it (logs-api.md). */
        json_object_set_new(o, "uploadSequenceToken", json_string("1"));
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

int logs_db_put_events(struct store *rw, int64_t gid, int64_t sid, const struct logs_db_event *ev,
                       size_t n, int64_t ingest_ts)
{
    int64_t bytes = 0, first = INT64_MAX, last = INT64_MIN;
    int rc = 0;
    for (size_t i = 0; i < n && rc == 0; i++) {
        char trace_id[36];
        bool has_trace = logs_db_find_trace_id(ev[i].message, trace_id);
        sqlite3_stmt *st = store_stmt(rw, SQL_EVENT_INSERT);
        if (!st) {
            return ERR_INTERNAL;
        }
        sqlite3_bind_int64(st, 1, gid);
        sqlite3_bind_int64(st, 2, sid);
        sqlite3_bind_int64(st, 3, ev[i].ts);
        sqlite3_bind_int64(st, 4, ingest_ts);
        sqlite3_bind_text(st, 5, ev[i].message, (int)ev[i].len, SQLITE_STATIC);
        store_bind_text(st, 6, has_trace ? trace_id : NULL);
        rc = store_step_done(rw, st, "insert log event");
        if (rc == 0) {
            rc = index_message(rw, ev[i].message, ev[i].len);
        }
        bytes += (int64_t)ev[i].len;
        first = ev[i].ts < first ? ev[i].ts : first;
        last = ev[i].ts > last ? ev[i].ts : last;
    }
    sqlite3_stmt *st = NULL;
    if (rc == 0 && n > 0 && (st = store_stmt(rw, SQL_STREAM_TOUCH))) {
        sqlite3_bind_int64(st, 1, sid);
        sqlite3_bind_int64(st, 2, first);
        sqlite3_bind_int64(st, 3, ingest_ts);
        sqlite3_bind_int64(st, 4, bytes);
        rc = store_step_done(rw, st, "touch stream");
        /* first_event_ts takes the minimum and last_event_ts the maximum of ?2, so the batch's
         * last timestamp needs its own touch. */
        if (rc == 0 && last != first && (st = store_stmt(rw, SQL_STREAM_TOUCH))) {
            sqlite3_bind_int64(st, 1, sid);
            sqlite3_bind_int64(st, 2, last);
            sqlite3_bind_int64(st, 3, ingest_ts);
            sqlite3_bind_int64(st, 4, 0);
            rc = store_step_done(rw, st, "touch stream");
        }
    }
    if (rc == 0 && n > 0 && (st = store_stmt(rw, SQL_GROUP_TOUCH))) {
        sqlite3_bind_int64(st, 1, gid);
        sqlite3_bind_int64(st, 2, bytes);
        rc = store_step_done(rw, st, "touch group");
    }
    if (rc == 0) {
        METRIC_ADD(log_events_stored, n);
    }
    return rc;
}

/* Reads rows of a statement whose columns are id, ts, ingest_ts, message, stream, group, trace. */
static int each_row(struct store *s, sqlite3_stmt *st, logs_db_row_fn fn, void *arg)
{
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        struct logs_db_row row = {
            .id = sqlite3_column_int64(st, 0),
            .ts = sqlite3_column_int64(st, 1),
            .ingest_ts = sqlite3_column_int64(st, 2),
            .message = (const char *)sqlite3_column_text(st, 3),
            .len = (size_t)sqlite3_column_bytes(st, 3),
            .stream = (const char *)sqlite3_column_text(st, 4),
            .group = (const char *)sqlite3_column_text(st, 5),
            .trace_id = (const char *)sqlite3_column_text(st, 6),
        };
        if (!fn(arg, &row)) {
            rc = SQLITE_DONE;
            break;
        }
    }
    sqlite3_reset(st);
    return rc == SQLITE_DONE ? 0 : store_fail(s, "read log events");
}

#define EVENT_COLS                                                                                 \
    "SELECT e.id, e.ts, e.ingest_ts, e.message, s.name, g.name, e.trace_id FROM log_events e"      \
    " JOIN log_streams s ON s.id = e.stream_id JOIN log_groups g ON g.id = e.group_id WHERE "

int logs_db_stream_events(struct store *s, int64_t sid, int64_t start, int64_t end, int64_t cur_ts,
                          int64_t cur_id, bool forward, int64_t limit, logs_db_row_fn fn, void *arg)
{
    static const char fwd[] =
        EVENT_COLS "e.stream_id = ?1 AND e.ts >= ?2 AND e.ts < ?3"
                   " AND (e.ts, e.id) > (?4, ?5) ORDER BY e.ts, e.id LIMIT ?6";
    static const char back[] =
        EVENT_COLS "e.stream_id = ?1 AND e.ts >= ?2 AND e.ts < ?3"
                   " AND (e.ts, e.id) < (?4, ?5) ORDER BY e.ts DESC, e.id DESC LIMIT ?6";
    sqlite3_stmt *st = store_stmt(s, forward ? fwd : back);
    if (!st) {
        return ERR_INTERNAL;
    }
    sqlite3_bind_int64(st, 1, sid);
    sqlite3_bind_int64(st, 2, start);
    sqlite3_bind_int64(st, 3, end);
    sqlite3_bind_int64(st, 4, cur_ts);
    sqlite3_bind_int64(st, 5, cur_id);
    sqlite3_bind_int64(st, 6, limit);
    return each_row(s, st, fn, arg);
}

/* [by group][with FTS][descending] */
#define SCAN_WHERE(GROUP, FTS, CUR, ORDER)                                                         \
    EVENT_COLS GROUP " e.ts >= ?2 AND e.ts <= ?3 AND (e.ts, e.id) " CUR " (?4, ?5)"                \
                     " AND (?6 IS NULL OR e.stream_id IN (SELECT value FROM json_each(?6)))"       \
                     " AND (?8 IS NULL OR e.trace_id = ?8)" FTS " ORDER BY " ORDER
#define SCAN_FTS " AND e.id IN (SELECT rowid FROM log_events_fts WHERE log_events_fts MATCH ?7)"
#define SCAN_GROUP "e.group_id = ?1 AND"
static const char *const SQL_SCAN[2][2][2] = {
    {{SCAN_WHERE("", "", ">", "e.ts, e.id"), SCAN_WHERE("", "", "<", "e.ts DESC, e.id DESC")},
     {SCAN_WHERE("", SCAN_FTS, ">", "e.ts, e.id"),
      SCAN_WHERE("", SCAN_FTS, "<", "e.ts DESC, e.id DESC")}},
    {{SCAN_WHERE(SCAN_GROUP, "", ">", "e.ts, e.id"),
      SCAN_WHERE(SCAN_GROUP, "", "<", "e.ts DESC, e.id DESC")},
     {SCAN_WHERE(SCAN_GROUP, SCAN_FTS, ">", "e.ts, e.id"),
      SCAN_WHERE(SCAN_GROUP, SCAN_FTS, "<", "e.ts DESC, e.id DESC")}},
};

/* The same scans driven by the FTS5 match list instead of the time index ('+' keeps SQLite off
 * the indexes): when few events match, fetching them by id and sorting beats walking every
 * event of the range. [by group][descending] */
#define SCAN_DRIVEN(GROUP, CUR, ORDER)                                                             \
    EVENT_COLS GROUP " +e.ts >= ?2 AND +e.ts <= ?3 AND (+e.ts, e.id) " CUR " (?4, ?5)"             \
                     " AND (?6 IS NULL OR e.stream_id IN (SELECT value FROM json_each(?6)))"       \
                     " AND (?8 IS NULL OR e.trace_id = ?8)" SCAN_FTS " ORDER BY " ORDER
static const char *const SQL_SCAN_DRIVEN[2][2] = {
    {SCAN_DRIVEN("", ">", "e.ts, e.id"), SCAN_DRIVEN("", "<", "e.ts DESC, e.id DESC")},
    {SCAN_DRIVEN("+e.group_id = ?1 AND", ">", "e.ts, e.id"),
     SCAN_DRIVEN("+e.group_id = ?1 AND", "<", "e.ts DESC, e.id DESC")},
};
#define FTS_DRIVEN_MAX 100000

/* Whether the FTS5 match list is short enough to drive the scan. */
static bool fts_selective(struct store *s, const char *fts)
{
    sqlite3_stmt *st = store_stmt(s, "SELECT count(*) FROM (SELECT 1 FROM log_events_fts WHERE"
                                     " log_events_fts MATCH ?1 LIMIT 100000)");
    int64_t n = FTS_DRIVEN_MAX;
    if (st) {
        sqlite3_bind_text(st, 1, fts, -1, SQLITE_STATIC);
        if (sqlite3_step(st) == SQLITE_ROW) {
            n = sqlite3_column_int64(st, 0);
        }
        sqlite3_reset(st);
    }
    return n < FTS_DRIVEN_MAX;
}

int logs_db_scan(struct store *s, const struct logs_db_scan *q, logs_db_row_fn fn, void *arg)
{
    bool driven = q->fts && fts_selective(s, q->fts);
    sqlite3_stmt *st = store_stmt(s, driven ? SQL_SCAN_DRIVEN[q->gid >= 0][q->descending]
                                            : SQL_SCAN[q->gid >= 0][q->fts != NULL][q->descending]);
    if (!st) {
        return ERR_INTERNAL;
    }
    sqlite3_bind_int64(st, 1, q->gid);
    sqlite3_bind_int64(st, 2, q->start);
    sqlite3_bind_int64(st, 3, q->end);
    sqlite3_bind_int64(st, 4, q->cur_ts);
    sqlite3_bind_int64(st, 5, q->cur_id);
    store_bind_text(st, 6, q->stream_ids);
    if (q->fts) {
        sqlite3_bind_text(st, 7, q->fts, -1, SQLITE_STATIC);
    }
    store_bind_text(st, 8, q->trace_id);
    return each_row(s, st, fn, arg);
}

int logs_db_trace_events(struct store *s, const char *trace_id, int64_t limit, logs_db_row_fn fn,
                         void *arg)
{
    sqlite3_stmt *st = store_stmt(s, EVENT_COLS "e.trace_id = ?1 ORDER BY e.ts, e.id LIMIT ?2");
    if (!st) {
        return ERR_INTERNAL;
    }
    sqlite3_bind_text(st, 1, trace_id, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 2, limit);
    return each_row(s, st, fn, arg);
}

struct found {
    logs_db_row_fn fn;
    void *arg;
    bool found;
};

static bool found_row(void *arg, const struct logs_db_row *row)
{
    struct found *f = arg;
    f->found = true;
    return f->fn(f->arg, row);
}

int logs_db_event_get(struct store *s, int64_t id, logs_db_row_fn fn, void *arg)
{
    struct found f = {fn, arg, false};
    sqlite3_stmt *st = store_stmt(s, EVENT_COLS "e.id = ?1");
    if (!st) {
        return ERR_INTERNAL;
    }
    sqlite3_bind_int64(st, 1, id);
    int rc = each_row(s, st, found_row, &f);
    return rc < 0 ? rc : f.found ? 0 : ERR_NOTFOUND;
}

int logs_db_scan_new(struct store *s, int64_t gid, int64_t after_id, int64_t limit,
                     logs_db_row_fn fn, void *arg)
{
    sqlite3_stmt *st = store_stmt(s, EVENT_COLS "e.id > ?2 AND (?1 < 0 OR e.group_id = ?1)"
                                                " ORDER BY e.id LIMIT ?3");
    if (!st) {
        return ERR_INTERNAL;
    }
    sqlite3_bind_int64(st, 1, gid);
    sqlite3_bind_int64(st, 2, after_id);
    sqlite3_bind_int64(st, 3, limit);
    return each_row(s, st, fn, arg);
}

int64_t logs_db_last_event_id(struct store *s)
{
    int64_t id = 0;
    sqlite3_stmt *st = store_stmt(s, "SELECT coalesce(max(id), 0) FROM log_events");
    if (!st || one_int(s, st, &id, "last event id") < 0) {
        return 0;
    }
    return id;
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

int logs_db_expire_run(struct writer_txn *txn, void *arg)
{
    (void)arg;
    struct store *rw = writer_txn_store(txn);
    int64_t now = (int64_t)(now_epoch() * 1000.0), total = 0;
    sqlite3_stmt *st = store_stmt(
        rw, "SELECT id, retention_days FROM log_groups WHERE retention_days IS NOT NULL");
    if (!st) {
        return ERR_INTERNAL;
    }
    int64_t ids[256], cut[256];
    size_t n = 0;
    while (n < ARRAY_LEN(ids) && sqlite3_step(st) == SQLITE_ROW) {
        ids[n] = sqlite3_column_int64(st, 0);
        cut[n++] = now - sqlite3_column_int64(st, 1) * 86400000LL;
    }
    sqlite3_reset(st);
    int rc = 0;
    for (size_t i = 0; i < n && rc == 0; i++) {
        st = store_stmt(rw, "UPDATE log_groups SET stored_bytes = max(0, stored_bytes - (SELECT"
                            " coalesce(sum(length(message)), 0) FROM log_events WHERE group_id ="
                            " ?1 AND ts < ?2)) WHERE id = ?1");
        if (!st) {
            return ERR_INTERNAL;
        }
        sqlite3_bind_int64(st, 1, ids[i]);
        sqlite3_bind_int64(st, 2, cut[i]);
        rc = store_step_done(rw, st, "expire bytes");
        st = rc == 0 ? store_stmt(rw, "DELETE FROM log_events WHERE group_id = ?1 AND ts < ?2")
                     : NULL;
        if (st) {
            sqlite3_bind_int64(st, 1, ids[i]);
            sqlite3_bind_int64(st, 2, cut[i]);
            rc = store_step_done(rw, st, "expire events");
            total += sqlite3_changes(store_db(rw));
        }
    }
    if (rc == 0 && total > 0) {
        METRIC_ADD(log_events_expired, (uint64_t)total);
        writer_txn_changed(txn, WRITER_CHANGED_LOGS);
        log_info("logs_retention", "expired=%lld", (long long)total);
    }
    return rc;
}
