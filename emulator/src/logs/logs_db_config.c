/*
 * logs_db_config.c - CloudWatch Logs configuration SQL (see logs_db.h): the log_config rows
 * (metric and subscription filters, destinations, resource policies, export tasks, query
 * definitions, data protection policies, each the JSON AWS describes) and resource tags.
 * Writes run on the writer thread; reads on the thread owning the store passed in.
 */
#include "logs_db.h"

#include <string.h>

int logs_db_config_put(struct store *rw, const char *kind, int64_t gid, const char *name,
                       int64_t now, const char *doc)
{
    sqlite3_stmt *st = store_stmt(
        rw, "INSERT INTO log_config(kind, group_id, name, created_at, doc) VALUES (?1,?2,?3,?4,?5)"
            " ON CONFLICT(kind, group_id, name) DO UPDATE SET doc = excluded.doc");
    if (!st) {
        return ERR_INTERNAL;
    }
    sqlite3_bind_text(st, 1, kind, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 2, gid);
    sqlite3_bind_text(st, 3, name, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 4, now);
    sqlite3_bind_text(st, 5, doc, -1, SQLITE_STATIC);
    return store_step_done(rw, st, "put log config");
}

int logs_db_config_delete(struct store *rw, const char *kind, int64_t gid, const char *name)
{
    sqlite3_stmt *st =
        store_stmt(rw, "DELETE FROM log_config WHERE kind = ?1 AND group_id = ?2 AND name = ?3");
    if (!st) {
        return ERR_INTERNAL;
    }
    sqlite3_bind_text(st, 1, kind, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 2, gid);
    sqlite3_bind_text(st, 3, name, -1, SQLITE_STATIC);
    int rc = store_step_done(rw, st, "delete log config");
    if (rc == 0 && sqlite3_changes(store_db(rw)) == 0) {
        rc = ERR_NOTFOUND;
    }
    return rc;
}

json_t *logs_db_config_get(struct store *s, const char *kind, int64_t gid, const char *name)
{
    sqlite3_stmt *st =
        store_stmt(s, "SELECT doc FROM log_config WHERE kind = ?1 AND group_id = ?2 AND name = ?3");
    json_t *out = NULL;
    if (!st) {
        return NULL;
    }
    sqlite3_bind_text(st, 1, kind, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 2, gid);
    sqlite3_bind_text(st, 3, name, -1, SQLITE_STATIC);
    if (sqlite3_step(st) == SQLITE_ROW) {
        out = json_loads((const char *)sqlite3_column_text(st, 0), 0, NULL);
    }
    sqlite3_reset(st);
    return out;
}

json_t *logs_db_config_list(struct store *s, const char *kind, int64_t gid, const char *prefix,
                            int64_t offset, int64_t limit, bool *more)
{
    json_t *out = json_array();
    sqlite3_stmt *st =
        store_stmt(s, "SELECT doc FROM log_config WHERE kind = ?1 AND (?2 < 0 OR group_id = ?2)"
                      " AND (?3 IS NULL OR substr(name, 1, length(?3)) = ?3)"
                      " ORDER BY group_id, name LIMIT ?5 OFFSET ?4");
    *more = false;
    if (!st) {
        return out;
    }
    sqlite3_bind_text(st, 1, kind, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 2, gid);
    store_bind_text(st, 3, prefix);
    sqlite3_bind_int64(st, 4, offset);
    sqlite3_bind_int64(st, 5, limit < 0 ? -1 : limit + 1);
    int64_t n = 0;
    while (sqlite3_step(st) == SQLITE_ROW) {
        if (limit >= 0 && n++ == limit) {
            *more = true;
            break;
        }
        json_t *doc = json_loads((const char *)sqlite3_column_text(st, 0), 0, NULL);
        if (doc) {
            json_array_append_new(out, doc);
        }
    }
    sqlite3_reset(st);
    return out;
}

int64_t logs_db_config_count(struct store *s, const char *kind, int64_t gid)
{
    sqlite3_stmt *st = store_stmt(
        s, "SELECT count(*) FROM log_config WHERE kind = ?1 AND (?2 < 0 OR group_id = ?2)");
    int64_t n = 0;
    if (!st) {
        return 0;
    }
    sqlite3_bind_text(st, 1, kind, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 2, gid);
    if (store_one_int(s, st, &n, "count log config") < 0) {
        n = 0;
    }
    return n;
}

int logs_db_tag_set(struct store *rw, const char *resource, const char *key, const char *value)
{
    sqlite3_stmt *st = store_stmt(rw, "INSERT OR REPLACE INTO log_tags(arn, key, value)"
                                      " VALUES (?1, ?2, ?3)");
    if (!st) {
        return ERR_INTERNAL;
    }
    sqlite3_bind_text(st, 1, resource, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, key, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 3, value, -1, SQLITE_STATIC);
    return store_step_done(rw, st, "set tag");
}

int logs_db_tag_delete(struct store *rw, const char *resource, const char *key)
{
    sqlite3_stmt *st = store_stmt(rw, "DELETE FROM log_tags WHERE arn = ?1 AND key = ?2");
    if (!st) {
        return ERR_INTERNAL;
    }
    sqlite3_bind_text(st, 1, resource, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, key, -1, SQLITE_STATIC);
    return store_step_done(rw, st, "delete tag");
}

json_t *logs_db_tags(struct store *s, const char *resource)
{
    json_t *out = json_object();
    sqlite3_stmt *st = store_stmt(s, "SELECT key, value FROM log_tags WHERE arn = ?1 ORDER BY key");
    if (!st) {
        return out;
    }
    sqlite3_bind_text(st, 1, resource, -1, SQLITE_STATIC);
    while (sqlite3_step(st) == SQLITE_ROW) {
        json_object_set_new(out, (const char *)sqlite3_column_text(st, 0),
                            json_string((const char *)sqlite3_column_text(st, 1)));
    }
    sqlite3_reset(st);
    return out;
}
