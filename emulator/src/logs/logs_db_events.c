/*
 * logs_db_events.c - the event half of logs_db.h over the chunk layout of logs_chunk.h
 * (docs/design-notes.md item 9): log_chunks holds one small row per chunk (stream, time range,
 * counts), log_chunk_data its packed events, log_chunk_blooms its token Bloom filter, and
 * log_event_traces the (trace id, event) pairs for trace/log correlation. Writes run on the
 * writer thread inside its batch transaction; reads on whichever thread owns the store.
 *
 * Invariants: an event id is (chunk id << LOGS_CHUNK_INDEX_BITS) | index, so ids keep insertion
 * order; a chunk's events are in (ts, id) order and span at most LOGS_CHUNK_SPAN_MS, which lets
 * an ordered read use an index range on min_ts (ascending) or max_ts (descending) and merge the
 * chunks whose ranges overlap. Events older than their group's retention are never returned,
 * even while the chunk holding them survives the retention pass (it deletes whole chunks).
 */
#include "logs_db.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "logs_chunk.h"
#include "metrics.h"
#include "trace_ids.h"
#include "writer.h"

static const char SQL_CHUNK_INSERT[] =
    "INSERT INTO log_chunks(group_id, stream_id, min_ts, max_ts, ingest_ts, count, bytes, traces)"
    " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)";
static const char SQL_DATA_INSERT[] = "INSERT INTO log_chunk_data(chunk_id, data) VALUES (?1, ?2)";
static const char SQL_BLOOM_INSERT[] =
    "INSERT INTO log_chunk_blooms(chunk_id, bloom) VALUES (?1, ?2)";
/* A trace's links are keyed by its number (trace_ids.h). */
static const char SQL_TRACE_INSERT[] =
    "INSERT INTO log_event_traces(trace_no, ts, event_id, chunk_id) VALUES (?1, ?2, ?3, ?4)";
static const char SQL_STREAM_TOUCH[] =
    "UPDATE log_streams SET first_event_ts = min(coalesce(first_event_ts, ?2), ?2),"
    " last_event_ts = max(coalesce(last_event_ts, ?3), ?3), last_ingest_ts = ?4,"
    " stored_bytes = stored_bytes + ?5 WHERE id = ?1";
static const char SQL_GROUP_TOUCH[] =
    "UPDATE log_groups SET stored_bytes = stored_bytes + ?2 WHERE id = ?1";

/* ---- writes ---- */

static int put_chunk(struct store *rw, int64_t gid, int64_t sid, const struct logs_chunk *c,
                     int64_t ingest_ts)
{
    sqlite3_stmt *st = store_stmt(rw, SQL_CHUNK_INSERT);
    if (!st) {
        return ERR_INTERNAL;
    }
    sqlite3_bind_int64(st, 1, gid);
    sqlite3_bind_int64(st, 2, sid);
    sqlite3_bind_int64(st, 3, c->min_ts);
    sqlite3_bind_int64(st, 4, c->max_ts);
    sqlite3_bind_int64(st, 5, ingest_ts);
    sqlite3_bind_int64(st, 6, c->count);
    sqlite3_bind_int64(st, 7, c->bytes);
    sqlite3_bind_int64(st, 8, (int64_t)c->n_traces);
    int rc = store_step_done(rw, st, "insert log chunk");
    int64_t id = sqlite3_last_insert_rowid(store_db(rw));
    if (rc == 0 && (st = store_stmt(rw, SQL_DATA_INSERT))) {
        sqlite3_bind_int64(st, 1, id);
        sqlite3_bind_blob(st, 2, c->data, (int)c->data_len, SQLITE_STATIC);
        rc = store_step_done(rw, st, "insert log chunk data");
    }
    if (rc == 0 && (st = store_stmt(rw, SQL_BLOOM_INSERT))) {
        sqlite3_bind_int64(st, 1, id);
        sqlite3_bind_blob(st, 2, c->bloom, (int)c->bloom_len, SQLITE_STATIC);
        rc = store_step_done(rw, st, "insert log chunk bloom");
    }
    for (size_t i = 0; rc == 0 && i < c->n_traces; i++) {
        int64_t no = 0;
        if (trace_ids_number(rw, c->traces[i].id, true, &no) < 0) {
            return ERR_INTERNAL;
        }
        st = store_stmt(rw, SQL_TRACE_INSERT);
        if (!st) {
            return ERR_INTERNAL;
        }
        sqlite3_bind_int64(st, 1, no);
        sqlite3_bind_int64(st, 2, c->traces[i].ts);
        sqlite3_bind_int64(st, 3, id << LOGS_CHUNK_INDEX_BITS | c->traces[i].index);
        sqlite3_bind_int64(st, 4, id);
        rc = store_step_done(rw, st, "index log trace id");
    }
    return !st ? ERR_INTERNAL : rc;
}

int logs_db_put_pack_named(struct store *rw, const char *group, const char *stream,
                           const struct logs_chunk_pack *pack, int64_t ingest_ts, bool *no_stream)
{
    int64_t gid = 0, sid = 0;
    *no_stream = false;
    int rc = logs_db_group_find(rw, group, &gid, NULL);
    if (rc == 0) {
        rc = logs_db_stream_find(rw, gid, stream, &sid);
        *no_stream = rc == ERR_NOTFOUND;
    }
    if (rc == 0) {
        rc = logs_db_put_pack(rw, gid, sid, pack, ingest_ts);
    }
    return rc;
}

int logs_db_put_pack(struct store *rw, int64_t gid, int64_t sid, const struct logs_chunk_pack *pack,
                     int64_t ingest_ts)
{
    int64_t bytes = 0, first = INT64_MAX, last = INT64_MIN, n = 0;
    int rc = 0;
    for (size_t i = 0; i < pack->n && rc == 0; i++) {
        const struct logs_chunk *c = &pack->chunks[i];
        rc = put_chunk(rw, gid, sid, c, ingest_ts);
        bytes += c->bytes;
        n += c->count;
        first = c->min_ts < first ? c->min_ts : first;
        last = c->max_ts > last ? c->max_ts : last;
    }
    sqlite3_stmt *st = NULL;
    if (rc == 0 && n > 0 && (st = store_stmt(rw, SQL_STREAM_TOUCH))) {
        sqlite3_bind_int64(st, 1, sid);
        sqlite3_bind_int64(st, 2, first);
        sqlite3_bind_int64(st, 3, last);
        sqlite3_bind_int64(st, 4, ingest_ts);
        sqlite3_bind_int64(st, 5, bytes);
        rc = store_step_done(rw, st, "touch stream");
    }
    if (rc == 0 && n > 0 && (st = store_stmt(rw, SQL_GROUP_TOUCH))) {
        sqlite3_bind_int64(st, 1, gid);
        sqlite3_bind_int64(st, 2, bytes);
        rc = store_step_done(rw, st, "touch group");
    }
    if (rc == 0 && n > 0 && !st) {
        rc = ERR_INTERNAL;
    }
    if (rc == 0) {
        METRIC_ADD(log_events_stored, (uint64_t)n);
    }
    return rc;
}

int logs_db_put_events(struct store *rw, int64_t gid, int64_t sid, const struct logs_db_event *ev,
                       size_t n, int64_t ingest_ts)
{
    struct logs_chunk_pack pack = {0};
    logs_chunk_pack_init(&pack, ev, n);
    int rc = logs_db_put_pack(rw, gid, sid, &pack, ingest_ts);
    logs_chunk_pack_fini(&pack);
    return rc;
}

/* ---- reading chunks ---- */

/* Columns of every chunk read: id, min_ts, max_ts, ingest_ts, traces, stream, group, the
 * retention cutoff (NULL = none), count and, in the term-filtered scans, the bloom. */
#define CHUNK_COLS                                                                                 \
    "SELECT c.id, c.min_ts, c.max_ts, c.ingest_ts, c.traces, s.name, g.name,"                      \
    " CASE WHEN g.retention_days > 0 THEN ?9 - g.retention_days * 86400000 END, c.count"
#define CHUNK_FROM                                                                                 \
    " FROM log_chunks c JOIN log_streams s ON s.id = c.stream_id"                                  \
    " JOIN log_groups g ON g.id = c.group_id"
#define CHUNK_KEEP " AND (g.retention_days IS NULL OR c.max_ts >= ?9 - g.retention_days * 86400000)"

/* One chunk opened for reading: its events that pass the read's bounds, in read order. Buffers
 * are kept for reuse by the next chunk of the same read (struct reader). */
struct open_chunk {
    unsigned char *data;
    size_t data_cap;
    struct logs_chunk_event *ev;
    int64_t *ids;
    size_t ev_cap, n, pos;
    int64_t ingest_ts;
    bool traces;
    char stream[513], group[513];
    struct open_chunk *next_spare;
};

/* What one read uses to load chunks: an incremental-blob handle moved from row to row (no
 * statement and no SQLite-side copy per chunk), and the chunks it has finished with. Allocating
 * fresh 64 KB buffers per chunk made malloc's heap grow and shrink on every chunk (page faults
 * were the top of a rare-term filter's profile). */
struct reader {
    struct store *s;
    sqlite3_blob *blob;
    struct open_chunk *spare;
};

static void release(struct reader *r, struct open_chunk *c)
{
    if (c) {
        c->next_spare = r->spare;
        r->spare = c;
    }
}

static void reader_fini(struct reader *r)
{
    while (r->spare) {
        struct open_chunk *c = r->spare;
        r->spare = c->next_spare;
        free(c->data);
        free(c->ev);
        free(c->ids);
        free(c);
    }
    if (r->blob) {
        sqlite3_blob_close(r->blob);
    }
}

/* Reads chunk id's data into c->data; returns its length or -1 (logged). */
static int64_t load_data(struct reader *r, int64_t id, struct open_chunk *c)
{
    int rc = r->blob ? sqlite3_blob_reopen(r->blob, id)
                     : sqlite3_blob_open(store_db(r->s), "main", "log_chunk_data", "data", id, 0,
                                         &r->blob);
    size_t len = rc == SQLITE_OK ? (size_t)sqlite3_blob_bytes(r->blob) : 0;
    if (rc == SQLITE_OK && len > c->data_cap) {
        free(c->data);
        c->data_cap = len;
        c->data = xmalloc(len);
    }
    if (rc == SQLITE_OK && len > 0) {
        rc = sqlite3_blob_read(r->blob, c->data, (int)len, 0);
    }
    if (rc != SQLITE_OK) {
        store_fail(r->s, "read log chunk");
        return -1;
    }
    return (int64_t)len;
}

/* What an opened chunk keeps: start <= ts <= end, after the cursor in read order, not older
 * than cutoff, and carrying trace_id when set. */
struct bounds {
    int64_t start, end, cur_ts, cur_id, cutoff, after_id;
    bool desc;
    const char *trace_id;
};

static bool keep(const struct bounds *b, const struct logs_chunk_event *e, int64_t id)
{
    if (e->ts < b->start || e->ts > b->end || e->ts < b->cutoff || id <= b->after_id) {
        return false;
    }
    bool after = b->desc ? (e->ts < b->cur_ts || (e->ts == b->cur_ts && id < b->cur_id))
                         : (e->ts > b->cur_ts || (e->ts == b->cur_ts && id > b->cur_id));
    if (!after) {
        return false;
    }
    char trace[36];
    return !b->trace_id ||
           (logs_db_find_trace_id(e->message, trace) && strcmp(trace, b->trace_id) == 0);
}

/* Loads and decodes the chunk of the current row of meta (CHUNK_COLS). Returns 0 with *out (NULL
 * when no event passes b) or ERR_INTERNAL. */
static int open_chunk(struct reader *r, sqlite3_stmt *meta, struct bounds b,
                      struct open_chunk **out)
{
    int64_t id = sqlite3_column_int64(meta, 0), min_ts = sqlite3_column_int64(meta, 1);
    if (sqlite3_column_type(meta, 7) != SQLITE_NULL) {
        b.cutoff = sqlite3_column_int64(meta, 7);
    }
    *out = NULL;
    struct open_chunk *c = r->spare;
    if (c) {
        r->spare = c->next_spare;
    } else {
        c = xcalloc(1, sizeof(*c));
    }
    c->n = c->pos = 0;
    int64_t len = load_data(r, id, c);
    if (len < 0) {
        release(r, c);
        return ERR_INTERNAL;
    }
    int64_t count = sqlite3_column_int64(meta, 8);
    count = count < 1 ? 1 : count > LOGS_CHUNK_MAX_EVENTS ? LOGS_CHUNK_MAX_EVENTS : count;
    if ((size_t)count > c->ev_cap) {
        free(c->ev);
        free(c->ids);
        c->ev_cap = (size_t)count;
        c->ev = xmalloc(c->ev_cap * sizeof(*c->ev));
        c->ids = xmalloc(c->ev_cap * sizeof(*c->ids));
    }
    int64_t n = logs_chunk_decode(c->data, (size_t)len, min_ts, c->ev, (size_t)count);
    if (n < 0) {
        log_error("corrupt log chunk", "chunk=%lld", (long long)id);
        release(r, c);
        return ERR_INTERNAL;
    }
    for (int64_t i = 0; i < n; i++) {
        int64_t eid = id << LOGS_CHUNK_INDEX_BITS | i;
        if (keep(&b, &c->ev[i], eid)) {
            c->ev[c->n] = c->ev[i];
            c->ids[c->n++] = eid;
        }
    }
    if (c->n == 0) {
        release(r, c);
        return 0;
    }
    for (size_t i = 0; b.desc && i < c->n / 2; i++) {
        struct logs_chunk_event e = c->ev[i];
        int64_t x = c->ids[i];
        c->ev[i] = c->ev[c->n - 1 - i];
        c->ids[i] = c->ids[c->n - 1 - i];
        c->ev[c->n - 1 - i] = e;
        c->ids[c->n - 1 - i] = x;
    }
    c->ingest_ts = sqlite3_column_int64(meta, 3);
    c->traces = sqlite3_column_int64(meta, 4) > 0;
    snprintf(c->stream, sizeof(c->stream), "%s", (const char *)sqlite3_column_text(meta, 5));
    snprintf(c->group, sizeof(c->group), "%s", (const char *)sqlite3_column_text(meta, 6));
    *out = c;
    return 0;
}

/* Hands c's current event to fn; returns fn's answer. */
static bool emit(const struct open_chunk *c, logs_db_row_fn fn, void *arg)
{
    const struct logs_chunk_event *e = &c->ev[c->pos];
    char trace[36];
    bool has_trace = c->traces && logs_db_find_trace_id(e->message, trace);
    struct logs_db_row row = {
        .id = c->ids[c->pos],
        .ts = e->ts,
        .ingest_ts = c->ingest_ts,
        .message = e->message,
        .len = e->len,
        .stream = c->stream,
        .group = c->group,
        .trace_id = has_trace ? trace : NULL,
    };
    return fn(arg, &row);
}

/* ---- the k-way merge of chunks whose time ranges overlap ---- */

struct merge {
    struct open_chunk **heap;
    size_t n, cap;
    bool desc;
    struct reader r;
};

/* Whether a's current event comes before b's in read order. */
static bool before(const struct merge *m, const struct open_chunk *a, const struct open_chunk *b)
{
    int64_t ta = a->ev[a->pos].ts, tb = b->ev[b->pos].ts;
    int64_t ia = a->ids[a->pos], ib = b->ids[b->pos];
    return m->desc ? (ta > tb || (ta == tb && ia > ib)) : (ta < tb || (ta == tb && ia < ib));
}

static void sift_down(struct merge *m, size_t i)
{
    for (;;) {
        size_t l = 2 * i + 1, r = l + 1, best = i;
        if (l < m->n && before(m, m->heap[l], m->heap[best])) {
            best = l;
        }
        if (r < m->n && before(m, m->heap[r], m->heap[best])) {
            best = r;
        }
        if (best == i) {
            return;
        }
        struct open_chunk *t = m->heap[i];
        m->heap[i] = m->heap[best];
        m->heap[best] = t;
        i = best;
    }
}

static void merge_push(struct merge *m, struct open_chunk *c)
{
    if (m->n == m->cap) {
        m->cap = m->cap ? 2 * m->cap : 8;
        m->heap = xrealloc(m->heap, m->cap * sizeof(*m->heap));
    }
    size_t i = m->n++;
    m->heap[i] = c;
    while (i > 0 && before(m, m->heap[i], m->heap[(i - 1) / 2])) {
        struct open_chunk *t = m->heap[i];
        m->heap[i] = m->heap[(i - 1) / 2];
        m->heap[(i - 1) / 2] = t;
        i = (i - 1) / 2;
    }
}

/* Pops the top's current event: advances it, dropping the chunk when it runs out. */
static void merge_advance(struct merge *m)
{
    struct open_chunk *top = m->heap[0];
    if (++top->pos == top->n) {
        release(&m->r, top);
        m->heap[0] = m->heap[--m->n];
    }
    if (m->n > 0) {
        sift_down(m, 0);
    }
}

static void merge_fini(struct merge *m)
{
    for (size_t i = 0; i < m->n; i++) {
        release(&m->r, m->heap[i]);
    }
    free(m->heap);
    reader_fini(&m->r);
}

/* Whether the chunk on the current row of meta may hold an event at or before the merge's top:
 * chunks arrive by min_ts (ascending) or max_ts (descending), so once the next one starts after
 * the top, the top is the next event. */
static bool admits(const struct merge *m, sqlite3_stmt *meta)
{
    if (m->n == 0) {
        return true;
    }
    const struct open_chunk *t = m->heap[0];
    return m->desc ? sqlite3_column_int64(meta, 2) >= t->ev[t->pos].ts
                   : sqlite3_column_int64(meta, 1) <= t->ev[t->pos].ts;
}

/* Runs meta (bound, CHUNK_COLS, chunks in read order) through the merge, calling fn for at most
 * limit events (< 0 = no limit). hashes/nh: required-term hashes tested against column 9. */
static int merge_run(struct store *s, sqlite3_stmt *meta, const struct bounds *b,
                     const uint64_t *hashes, size_t nh, int64_t limit, logs_db_row_fn fn, void *arg)
{
    struct merge m = {.desc = b->desc, .r = {.s = s}};
    int rc = 0, step = sqlite3_step(meta);
    while (limit != 0) {
        while (step == SQLITE_ROW && admits(&m, meta)) {
            struct open_chunk *c = NULL;
            if (nh == 0 ||
                logs_chunk_bloom_may_hold(sqlite3_column_blob(meta, 9),
                                          (size_t)sqlite3_column_bytes(meta, 9), hashes, nh)) {
                rc = open_chunk(&m.r, meta, *b, &c);
            }
            if (rc < 0) {
                goto out;
            }
            if (c) {
                merge_push(&m, c);
            }
            step = sqlite3_step(meta);
        }
        if (step != SQLITE_ROW && step != SQLITE_DONE) {
            rc = store_fail(s, "read log chunks");
            goto out;
        }
        if (m.n == 0) {
            break;
        }
        if (!emit(m.heap[0], fn, arg)) {
            break;
        }
        merge_advance(&m);
        limit -= limit > 0;
    }
out:
    sqlite3_reset(meta);
    merge_fini(&m);
    return rc;
}

static int64_t sat_add(int64_t a, int64_t b)
{
    return a > INT64_MAX - b ? INT64_MAX : a + b;
}

static int64_t sat_sub(int64_t a, int64_t b)
{
    return a < INT64_MIN + b ? INT64_MIN : a - b;
}

/* Binds the range parameters of an ordered chunk read: ascending reads walk min_ts in
 * [lo - span, end] with max_ts >= lo; descending ones max_ts in [start, hi + span] with
 * min_ts <= hi (lo/hi: the tighter of the range and the cursor). */
static void bind_range(sqlite3_stmt *st, const struct bounds *b)
{
    if (b->desc) {
        int64_t hi = b->cur_ts < b->end ? b->cur_ts : b->end;
        sqlite3_bind_int64(st, 2, sat_add(hi, LOGS_CHUNK_SPAN_MS));
        sqlite3_bind_int64(st, 3, b->start);
        sqlite3_bind_int64(st, 4, hi);
    } else {
        int64_t lo = b->cur_ts > b->start ? b->cur_ts : b->start;
        sqlite3_bind_int64(st, 2, sat_sub(lo, LOGS_CHUNK_SPAN_MS));
        sqlite3_bind_int64(st, 3, b->end);
        sqlite3_bind_int64(st, 4, lo);
    }
    sqlite3_bind_int64(st, 9, now_epoch_ms());
}

#define RANGE_ASC                                                                                  \
    " c.min_ts >= ?2 AND c.min_ts <= ?3 AND c.max_ts >= ?4" CHUNK_KEEP " ORDER BY c.min_ts, c.id"
#define RANGE_DESC                                                                                 \
    " c.max_ts <= ?2 AND c.max_ts >= ?3 AND c.min_ts <= ?4" CHUNK_KEEP                             \
    " ORDER BY c.max_ts DESC, c.id DESC"

int logs_db_stream_events(struct store *s, int64_t sid, int64_t start, int64_t end, int64_t cur_ts,
                          int64_t cur_id, bool forward, int64_t limit, logs_db_row_fn fn, void *arg)
{
    static const char *const sql[2] = {
        CHUNK_COLS CHUNK_FROM " WHERE c.stream_id = ?1 AND" RANGE_DESC,
        CHUNK_COLS CHUNK_FROM " WHERE c.stream_id = ?1 AND" RANGE_ASC,
    };
    if (end <= start || limit <= 0) {
        return 0;
    }
    struct bounds b = {.start = start,
                       .end = end - 1, /* end is exclusive here */
                       .cur_ts = cur_ts,
                       .cur_id = cur_id,
                       .cutoff = INT64_MIN,
                       .after_id = INT64_MIN,
                       .desc = !forward};
    sqlite3_stmt *st = store_stmt(s, sql[forward]);
    if (!st) {
        return ERR_INTERNAL;
    }
    sqlite3_bind_int64(st, 1, sid);
    bind_range(st, &b);
    return merge_run(s, st, &b, NULL, 0, limit, fn, arg);
}

/* [scope: all, group][with bloom][descending] */
#define SCAN_SQL(SCOPE, BLOOM, BLOOM_JOIN, RANGE)                                                  \
    CHUNK_COLS BLOOM CHUNK_FROM BLOOM_JOIN                                                         \
        " WHERE " SCOPE " (?6 IS NULL OR c.stream_id IN"                                           \
        " (SELECT value FROM json_each(?6))) AND"                                                  \
        " (?8 IS NULL OR c.id IN (SELECT chunk_id FROM"                                            \
        " log_event_traces WHERE trace_no = " TRACE_IDS_NO("?8") "))"                              \
                                                                 " AND" RANGE
#define SCAN_BLOOM ", b.bloom"
#define SCAN_BLOOM_JOIN " LEFT JOIN log_chunk_blooms b ON b.chunk_id = c.id"
#define SCAN_SCOPES(SCOPE)                                                                         \
    {                                                                                              \
        {SCAN_SQL(SCOPE, "", "", RANGE_ASC), SCAN_SQL(SCOPE, "", "", RANGE_DESC)},                 \
        {                                                                                          \
            SCAN_SQL(SCOPE, SCAN_BLOOM, SCAN_BLOOM_JOIN, RANGE_ASC),                               \
                SCAN_SQL(SCOPE, SCAN_BLOOM, SCAN_BLOOM_JOIN, RANGE_DESC)                           \
        }                                                                                          \
    }
static const char *const SQL_SCAN[2][2][2] = {SCAN_SCOPES(""), SCAN_SCOPES("c.group_id = ?1 AND")};

int logs_db_scan(struct store *s, const struct logs_db_scan *q, logs_db_row_fn fn, void *arg)
{
    uint64_t hashes[LOGS_CHUNK_MAX_TERMS];
    size_t nh = logs_chunk_term_hashes(q->terms, hashes);
    struct bounds b = {.start = q->start,
                       .end = q->end,
                       .cur_ts = q->cur_ts,
                       .cur_id = q->cur_id,
                       .cutoff = INT64_MIN,
                       .after_id = INT64_MIN,
                       .desc = q->descending,
                       .trace_id = q->trace_id};
    sqlite3_stmt *st = store_stmt(s, SQL_SCAN[q->gid >= 0][nh > 0][q->descending]);
    if (!st) {
        return ERR_INTERNAL;
    }
    sqlite3_bind_int64(st, 1, q->gid);
    bind_range(st, &b);
    store_bind_text(st, 6, q->stream_ids);
    store_bind_text(st, 8, q->trace_id);
    return merge_run(s, st, &b, hashes, nh, -1, fn, arg);
}

/* Calls fn for the events of the chunks on meta's rows in id order (one chunk at a time: ids
 * order events by insertion, not time), after b->after_id, at most limit. */
static int by_id(struct store *s, sqlite3_stmt *meta, const struct bounds *b, int64_t limit,
                 logs_db_row_fn fn, void *arg)
{
    int rc = 0;
    struct reader r = {.s = s};
    while (limit > 0 && sqlite3_step(meta) == SQLITE_ROW) {
        struct open_chunk *c = NULL;
        rc = open_chunk(&r, meta, *b, &c);
        if (rc < 0) {
            break;
        }
        for (; c && c->pos < c->n && limit > 0; c->pos++, limit--) {
            if (!emit(c, fn, arg)) {
                limit = 0;
            }
        }
        release(&r, c);
    }
    sqlite3_reset(meta);
    reader_fini(&r);
    return rc;
}

static const struct bounds ALL_EVENTS = {.start = INT64_MIN,
                                         .end = INT64_MAX,
                                         .cur_ts = INT64_MIN,
                                         .cur_id = INT64_MIN,
                                         .cutoff = INT64_MIN,
                                         .after_id = INT64_MIN};

static const char SQL_CHUNK_BY_ID[] = CHUNK_COLS CHUNK_FROM " WHERE c.id = ?1" CHUNK_KEEP;

int logs_db_trace_events(struct store *s, const char *trace_id, int64_t limit, logs_db_row_fn fn,
                         void *arg)
{
    sqlite3_stmt *st =
        store_stmt(s, "SELECT event_id FROM log_event_traces WHERE trace_no = " TRACE_IDS_NO(
                          "?1") " ORDER BY ts, event_id LIMIT ?2");
    if (!st) {
        return ERR_INTERNAL;
    }
    sqlite3_bind_text(st, 1, trace_id, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 2, limit);
    int64_t *ids = NULL;
    size_t n = 0;
    while (sqlite3_step(st) == SQLITE_ROW) {
        ids = xrealloc(ids, (n + 1) * sizeof(*ids));
        ids[n++] = sqlite3_column_int64(st, 0);
    }
    sqlite3_reset(st);
    int rc = 0;
    for (size_t i = 0; i < n && rc == 0; i++) {
        rc = logs_db_event_get(s, ids[i], fn, arg);
        rc = rc == ERR_NOTFOUND ? 0 : rc; /* older than retention */
    }
    free(ids);
    return rc;
}

struct found {
    logs_db_row_fn fn;
    void *arg;
    int64_t id;
    bool found;
};

/* The first event after id - 1 is the one wanted only when it is not older than retention. */
static bool found_row(void *arg, const struct logs_db_row *row)
{
    struct found *f = arg;
    f->found = row->id == f->id;
    return f->found ? f->fn(f->arg, row) : false;
}

int logs_db_event_get(struct store *s, int64_t id, logs_db_row_fn fn, void *arg)
{
    struct found f = {fn, arg, id, false};
    sqlite3_stmt *st = store_stmt(s, SQL_CHUNK_BY_ID);
    if (!st) {
        return ERR_INTERNAL;
    }
    sqlite3_bind_int64(st, 1, id >> LOGS_CHUNK_INDEX_BITS);
    sqlite3_bind_int64(st, 9, now_epoch_ms());
    struct bounds b = ALL_EVENTS;
    b.after_id = id - 1;
    int rc = id < 0 ? 0 : by_id(s, st, &b, 1, found_row, &f);
    if (rc == 0 && f.found) {
        return 0;
    }
    return rc < 0 ? rc : ERR_NOTFOUND;
}

int logs_db_scan_new(struct store *s, int64_t gid, int64_t after_id, int64_t limit,
                     logs_db_row_fn fn, void *arg)
{
    sqlite3_stmt *st =
        store_stmt(s, CHUNK_COLS CHUNK_FROM " WHERE c.id >= ?2 AND (?1 < 0 OR"
                                            " c.group_id = ?1)" CHUNK_KEEP " ORDER BY c.id");
    if (!st) {
        return ERR_INTERNAL;
    }
    sqlite3_bind_int64(st, 1, gid);
    sqlite3_bind_int64(st, 2, after_id < 0 ? 0 : after_id >> LOGS_CHUNK_INDEX_BITS);
    sqlite3_bind_int64(st, 9, now_epoch_ms());
    struct bounds b = ALL_EVENTS;
    b.after_id = after_id;
    return by_id(s, st, &b, limit, fn, arg);
}

int64_t logs_db_last_event_id(struct store *s)
{
    sqlite3_stmt *st = store_stmt(s, "SELECT id, count FROM log_chunks ORDER BY id DESC LIMIT 1");
    int64_t id = 0;
    if (st && sqlite3_step(st) == SQLITE_ROW) {
        id = (sqlite3_column_int64(st, 0) << LOGS_CHUNK_INDEX_BITS) + sqlite3_column_int64(st, 1) -
             1;
    }
    if (st) {
        sqlite3_reset(st);
    }
    return id;
}

/* ---- retention ---- */

/* Deletes gid's chunks whose newest event is older than cut; adds the events removed to *n. */
static int expire_group(struct store *rw, int64_t gid, int64_t cut, int64_t *n)
{
    sqlite3_stmt *st =
        store_stmt(rw, "SELECT coalesce(sum(count), 0), coalesce(sum(bytes), 0) FROM log_chunks"
                       " WHERE group_id = ?1 AND max_ts < ?2");
    if (!st) {
        return ERR_INTERNAL;
    }
    sqlite3_bind_int64(st, 1, gid);
    sqlite3_bind_int64(st, 2, cut);
    int64_t events = 0, bytes = 0;
    if (sqlite3_step(st) == SQLITE_ROW) {
        events = sqlite3_column_int64(st, 0);
        bytes = sqlite3_column_int64(st, 1);
    }
    sqlite3_reset(st);
    if (events == 0) {
        return 0;
    }
    st = store_stmt(rw, "UPDATE log_groups SET stored_bytes = max(0, stored_bytes - ?2)"
                        " WHERE id = ?1");
    if (!st) {
        return ERR_INTERNAL;
    }
    sqlite3_bind_int64(st, 1, gid);
    sqlite3_bind_int64(st, 2, bytes);
    int rc = store_step_done(rw, st, "expire bytes");
    st = rc == 0 ? store_stmt(rw, "DELETE FROM log_chunks WHERE group_id = ?1 AND max_ts < ?2")
                 : NULL;
    if (st) {
        sqlite3_bind_int64(st, 1, gid);
        sqlite3_bind_int64(st, 2, cut);
        rc = store_step_done(rw, st, "expire chunks");
        *n += events;
    }
    return rc;
}

int logs_db_expire_run(struct writer_txn *txn, void *arg)
{
    (void)arg;
    struct store *rw = writer_txn_store(txn);
    int64_t now = now_epoch_ms(), total = 0;
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
        rc = expire_group(rw, ids[i], cut[i], &total);
    }
    if (rc == 0 && total > 0) {
        METRIC_ADD(log_events_expired, (uint64_t)total);
        writer_txn_changed(txn, WRITER_CHANGED_LOGS);
        log_info("logs_retention", "expired=%lld", (long long)total);
    }
    return rc;
}
