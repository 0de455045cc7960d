/*
 * logs_db.c - CloudWatch Logs SQL (see logs_db.h). Events are stored with the trace id their
 * message carries, so a trace's logs are an index lookup (DESIGN.md §6).
 */
#include "logs_db.h"

#include <ctype.h>
#include <string.h>

#include "metrics.h"

static const char SQL_GROUP_ID[] = "SELECT id FROM log_groups WHERE name = ?1";
static const char SQL_GROUP_INSERT[] =
    "INSERT INTO log_groups(name, created_at) VALUES (?1, ?2) RETURNING id";
static const char SQL_STREAM_ID[] = "SELECT id FROM log_streams WHERE group_id = ?1 AND name = ?2";
static const char SQL_STREAM_INSERT[] =
    "INSERT INTO log_streams(group_id, name, created_at) VALUES (?1, ?2, ?3) RETURNING id";
static const char SQL_EVENT_INSERT[] =
    "INSERT INTO log_events(group_id, stream_id, ts, ingest_ts, message, trace_id)"
    " VALUES (?1, ?2, ?3, ?4, ?5, ?6)";
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
                          "log_groups; INSERT INTO log_events_fts(log_events_fts) "
                          "VALUES('delete-all');");
}
