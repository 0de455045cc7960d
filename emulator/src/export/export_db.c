/*
 * export_db.c - the exporters' SQL (export_int.h): reading segments after a seq and log chunks
 * after a chunk id on the exporter thread's own read-only connection, the lag behind the
 * cursor, and the cursor write, which runs on the writer thread as a posted command (the
 * writer is the only read-write connection, DESIGN.md §2).
 *
 * Positions: segments.seq (schema.c migration 7) grows with every stored or replacing
 * document, so a document completed after it was exported is exported again. log_chunks.id
 * grows with every PutLogEvents batch; chunks are never rewritten (logs_chunk.h).
 */
#include <stdlib.h>
#include <string.h>

#include "export_int.h"
#include "log.h"
#include "logs_db.h"
#include "otlp_ingest.h"

static const char SQL_SEGMENTS_AFTER[] =
    "SELECT seq, received_at, doc FROM segments WHERE seq > ?1 ORDER BY seq LIMIT ?2";
static const char SQL_CHUNKS_AFTER[] =
    "SELECT c.id, g.name, s.name, c.min_ts, c.max_ts, c.count, c.bytes, d.data"
    " FROM log_chunks c JOIN log_streams s ON s.id = c.stream_id"
    " JOIN log_groups g ON g.id = c.group_id JOIN log_chunk_data d ON d.chunk_id = c.id"
    " WHERE c.id > ?1 ORDER BY c.id LIMIT ?2";
static const char SQL_CURSOR[] =
    "SELECT position FROM export_cursors WHERE exporter = ?1 AND source = ?2";
static const char SQL_SAVE_CURSOR[] =
    "INSERT INTO export_cursors(exporter, source, position, updated_at) VALUES (?1, ?2, ?3, ?4)"
    " ON CONFLICT(exporter, source) DO UPDATE SET position = excluded.position,"
    " updated_at = excluded.updated_at WHERE excluded.position > export_cursors.position";
static const char SQL_SEGMENTS_LAG[] = "SELECT count(*) FROM segments WHERE seq > ?1";
static const char SQL_SEGMENTS_OLDEST[] =
    "SELECT received_at FROM segments WHERE seq > ?1 ORDER BY seq LIMIT 1";
static const char SQL_CHUNKS_LAG[] =
    "SELECT coalesce(sum(count), 0), min(ingest_ts) FROM log_chunks WHERE id > ?1";
static const char SQL_SEGMENTS_MAX[] = "SELECT coalesce(max(seq), 0) FROM segments";
static const char SQL_CHUNKS_MAX[] = "SELECT coalesce(max(id), 0) FROM log_chunks";

static const char *const source_names[] = {"segments", "log_chunks"};

void export_batch_fini(struct export_batch *b)
{
    for (size_t i = 0; i < b->nsegs; i++) {
        free(b->segs[i].doc);
    }
    for (size_t i = 0; i < b->nchunks; i++) {
        free(b->chunks[i].group);
        free(b->chunks[i].stream);
        free(b->chunks[i].data);
    }
    free(b->segs);
    free(b->chunks);
    memset(b, 0, sizeof(*b));
}

static char *column_dup(sqlite3_stmt *st, int col, size_t *len)
{
    const void *p = sqlite3_column_blob(st, col);
    size_t n = (size_t)sqlite3_column_bytes(st, col);
    char *out = xmalloc(n + 1);
    if (n) {
        memcpy(out, p, n);
    }
    out[n] = '\0';
    if (len) {
        *len = n;
    }
    return out;
}

static void read_segment(sqlite3_stmt *st, struct export_batch *b)
{
    struct export_seg *s = &b->segs[b->nsegs++];
    s->seq = sqlite3_column_int64(st, 0);
    s->received_at = sqlite3_column_double(st, 1);
    s->doc = column_dup(st, 2, &s->len);
    b->last = s->seq;
}

/* The spans fluoro received over OTLP are also log events of aws/spans (otlp_ingest.h); they
 * leave as traces, and CloudWatch refuses PutLogEvents into that group, so the log exporters
 * pass over them (the cursor still moves past them). */
static void read_chunk(sqlite3_stmt *st, struct export_batch *b)
{
    b->last = sqlite3_column_int64(st, 0);
    if (strcmp((const char *)sqlite3_column_text(st, 1), LOGS_SPANS_GROUP) == 0) {
        return;
    }
    struct export_chunk *c = &b->chunks[b->nchunks++];
    c->id = sqlite3_column_int64(st, 0);
    c->group = column_dup(st, 1, NULL);
    c->stream = column_dup(st, 2, NULL);
    c->min_ts = sqlite3_column_int64(st, 3);
    c->max_ts = sqlite3_column_int64(st, 4);
    c->count = (uint32_t)sqlite3_column_int64(st, 5);
    c->bytes = sqlite3_column_int64(st, 6);
    c->data = (unsigned char *)column_dup(st, 7, &c->data_len);
    b->last = c->id;
}

int export_db_read(struct store *ro, enum export_source src, int64_t pos, int max,
                   struct export_batch *b)
{
    bool segs = src == EXPORT_SOURCE_SEGMENTS;
    sqlite3_stmt *st = store_stmt(ro, segs ? SQL_SEGMENTS_AFTER : SQL_CHUNKS_AFTER);
    memset(b, 0, sizeof(*b));
    b->last = pos;
    if (!st) {
        return ERR_INTERNAL;
    }
    if (segs) {
        b->segs = xcalloc((size_t)max, sizeof(*b->segs));
    } else {
        b->chunks = xcalloc((size_t)max, sizeof(*b->chunks));
    }
    sqlite3_bind_int64(st, 1, pos);
    sqlite3_bind_int(st, 2, max);
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        if (segs) {
            read_segment(st, b);
        } else {
            read_chunk(st, b);
        }
    }
    sqlite3_reset(st);
    if (rc != SQLITE_DONE) {
        export_batch_fini(b);
        return store_fail(ro, "read export batch");
    }
    return 0;
}

int export_db_cursor(struct store *ro, const char *exporter, enum export_source src, int64_t *pos)
{
    sqlite3_stmt *st = store_stmt(ro, SQL_CURSOR);
    if (!st) {
        return ERR_INTERNAL;
    }
    sqlite3_bind_text(st, 1, exporter, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, source_names[src], -1, SQLITE_STATIC);
    int rc = sqlite3_step(st);
    *pos = rc == SQLITE_ROW ? sqlite3_column_int64(st, 0) : 0;
    sqlite3_reset(st);
    sqlite3_clear_bindings(st);
    return rc == SQLITE_ROW || rc == SQLITE_DONE ? 0 : store_fail(ro, "read export cursor");
}

int export_db_lag(struct store *ro, enum export_source src, int64_t pos, uint64_t *items,
                  uint64_t *age_ms)
{
    double now = now_epoch();
    *items = *age_ms = 0;
    sqlite3_stmt *st =
        store_stmt(ro, src == EXPORT_SOURCE_SEGMENTS ? SQL_SEGMENTS_LAG : SQL_CHUNKS_LAG);
    if (!st) {
        return ERR_INTERNAL;
    }
    sqlite3_bind_int64(st, 1, pos);
    if (sqlite3_step(st) == SQLITE_ROW) {
        *items = (uint64_t)sqlite3_column_int64(st, 0);
        if (src == EXPORT_SOURCE_LOG_CHUNKS && sqlite3_column_type(st, 1) != SQLITE_NULL) {
            double oldest = (double)sqlite3_column_int64(st, 1) / 1000.0;
            *age_ms = now > oldest ? (uint64_t)((now - oldest) * 1000.0) : 0;
        }
    }
    sqlite3_reset(st);
    if (src == EXPORT_SOURCE_SEGMENTS && *items && (st = store_stmt(ro, SQL_SEGMENTS_OLDEST))) {
        sqlite3_bind_int64(st, 1, pos);
        if (sqlite3_step(st) == SQLITE_ROW) {
            double oldest = sqlite3_column_double(st, 0);
            *age_ms = now > oldest ? (uint64_t)((now - oldest) * 1000.0) : 0;
        }
        sqlite3_reset(st);
    }
    return 0;
}

int64_t export_db_max_pos(struct store *ro, enum export_source src)
{
    sqlite3_stmt *st =
        store_stmt(ro, src == EXPORT_SOURCE_SEGMENTS ? SQL_SEGMENTS_MAX : SQL_CHUNKS_MAX);
    int64_t n = -1;
    if (st && sqlite3_step(st) == SQLITE_ROW) {
        n = sqlite3_column_int64(st, 0);
    }
    if (st) {
        sqlite3_reset(st);
    }
    return n;
}

struct cursor_write {
    const char *exporter; /* static label */
    enum export_source src;
    int64_t pos;
};

/* Writer thread. The WHERE keeps a cursor from moving back if writes ever arrive reordered. */
static int save_cursor(struct writer_txn *txn, void *arg)
{
    struct cursor_write *cw = arg;
    struct store *rw = writer_txn_store(txn);
    sqlite3_stmt *st = store_stmt(rw, SQL_SAVE_CURSOR);
    if (!st) {
        return ERR_INTERNAL;
    }
    sqlite3_bind_text(st, 1, cw->exporter, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, source_names[cw->src], -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 3, cw->pos);
    sqlite3_bind_double(st, 4, now_epoch());
    int rc = store_step_done(rw, st, "save export cursor");
    sqlite3_clear_bindings(st);
    return rc;
}

void export_db_save_cursor(struct writer *w, const char *exporter, enum export_source src,
                           int64_t pos)
{
    struct cursor_write *cw = xmalloc(sizeof(*cw));
    cw->exporter = exporter;
    cw->src = src;
    cw->pos = pos;
    writer_post(w, save_cursor, cw, free);
}
