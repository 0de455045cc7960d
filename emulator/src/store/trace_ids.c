/*
 * trace_ids.c - trace numbers (see trace_ids.h).
 */
#include "trace_ids.h"

static const char SQL_FIND[] = "SELECT no FROM trace_ids WHERE trace_id = ?1";
static const char SQL_NEW[] = "INSERT INTO trace_ids(trace_id) VALUES (?1)";
#define UNUSED                                                                                     \
    " NOT EXISTS (SELECT 1 FROM segments s WHERE s.trace_no = trace_ids.no) AND"                   \
    " NOT EXISTS (SELECT 1 FROM log_event_traces l WHERE l.trace_no = trace_ids.no)"
static const char SQL_DROP_ONE[] = "DELETE FROM trace_ids WHERE no = ?1 AND" UNUSED;
static const char SQL_DROP_ALL[] = "DELETE FROM trace_ids WHERE" UNUSED;

int trace_ids_number(struct store *rw, const char *trace_id, bool create, int64_t *no)
{
    sqlite3_stmt *st = store_stmt(rw, SQL_FIND);
    if (!st) {
        return ERR_INTERNAL;
    }
    sqlite3_bind_text(st, 1, trace_id, -1, SQLITE_STATIC);
    *no = 0;
    int rc = store_one_int(rw, st, no, "find trace number");
    if (rc != ERR_NOTFOUND || !create) {
        return rc == ERR_NOTFOUND ? 0 : rc;
    }
    st = store_stmt(rw, SQL_NEW);
    if (!st) {
        return ERR_INTERNAL;
    }
    sqlite3_bind_text(st, 1, trace_id, -1, SQLITE_STATIC);
    rc = store_step_done(rw, st, "new trace number");
    *no = rc == 0 ? sqlite3_last_insert_rowid(store_db(rw)) : 0;
    return rc;
}

int trace_ids_drop_unused(struct store *rw, int64_t no)
{
    sqlite3_stmt *st = store_stmt(rw, no ? SQL_DROP_ONE : SQL_DROP_ALL);
    if (!st) {
        return ERR_INTERNAL;
    }
    if (no) {
        sqlite3_bind_int64(st, 1, no);
    }
    return store_step_done(rw, st, "drop unused trace numbers");
}
