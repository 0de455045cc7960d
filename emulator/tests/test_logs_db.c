/*
 * test_logs_db.c - CloudWatch Logs SQL through a real writer on a temporary database: event
 * positions and the GetLogEvents cursor across chunk boundaries, the merge of chunks whose time
 * ranges overlap, the Bloom pre-filter, trace-id indexing, configuration rows, the retention pass
 * the maintenance timer posts and retention inside a surviving chunk, and the migration of
 * row-per-event databases to chunks.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "logs_chunk.h"
#include "logs_db.h"
#include "queue.h"
#include "writer.h"
#include "xray_ingest.h"
#include "helpers.h"

TestSuite(logs_db);

static struct helpers_db env;

static void setup(void)
{
    helpers_db_open(&env, "logsdb");
    helpers_db_start_xray(&env);
}

static void teardown(void)
{
    helpers_db_close(&env);
}

#define DAY INT64_C(86400000)

struct seed {
    int64_t now;
    int64_t gid, sid;
};

static int seed_fn(struct writer_txn *txn, void *arg)
{
    struct seed *s = arg;
    struct store *db = writer_txn_store(txn);
    int rc = logs_db_group_create(db, "/g", NULL, s->now);
    rc = rc ? rc : logs_db_group_find(db, "/g", &s->gid, NULL);
    rc = rc ? rc : logs_db_stream_create(db, s->gid, "s", s->now);
    rc = rc ? rc : logs_db_stream_find(db, s->gid, "s", &s->sid);
    struct logs_db_event ev[] = {
        {s->now - 10 * DAY, "old ERROR 1-5759e988-bd862e3fe1be46a994272793", 0},
        {s->now - 2 * DAY, "older INFO", 0},
        {s->now - 1000, "recent ERROR Root=1-5759e988-bd862e3fe1be46a994272794;Parent=1", 0},
        {s->now - 1000, "same time", 0},
        {s->now, "{\"traceId\":\"1-5759e988-bd862e3fe1be46a994272795\"}", 0},
    };
    for (size_t i = 0; i < sizeof(ev) / sizeof(ev[0]); i++) {
        ev[i].len = strlen(ev[i].message);
    }
    return rc ? rc : logs_db_put_events(db, s->gid, s->sid, ev, 5, s->now);
}

struct rows {
    char msgs[16][128];
    int64_t ids[16];
    int64_t ts[16];
    int n;
};

static bool take(void *arg, const struct logs_db_row *row)
{
    struct rows *r = arg;
    snprintf(r->msgs[r->n], sizeof(r->msgs[0]), "%.*s", (int)row->len, row->message);
    r->ids[r->n] = row->id;
    r->ts[r->n++] = row->ts;
    return r->n < 16;
}

static struct store *reader(void)
{
    struct store *ro = NULL;
    cr_assert_eq(store_open_ro(env.path, &ro), 0);
    return ro;
}

Test(logs_db, stream_cursor_walks_by_time_then_insertion_order, .init = setup, .fini = teardown)
{
    struct seed s = {.now = now_epoch_ms()};
    cr_assert_eq(writer_call(env.w, seed_fn, &s), 0);
    struct store *ro = reader();
    struct rows fwd = {0}, back = {0};
    cr_assert_eq(logs_db_stream_events(ro, s.sid, 0, INT64_MAX, -1, 0, true, 3, take, &fwd), 0);
    cr_expect_eq(fwd.n, 3);
    cr_expect_str_eq(fwd.msgs[2], "recent ERROR Root=1-5759e988-bd862e3fe1be46a994272794;Parent=1");
    /* after the third event: the fourth shares its timestamp and comes next by id */
    struct rows rest = {0};
    cr_assert_eq(logs_db_stream_events(ro, s.sid, 0, INT64_MAX, fwd.ts[2], fwd.ids[2], true, 10,
                                       take, &rest),
                 0);
    cr_expect_eq(rest.n, 2);
    cr_expect_str_eq(rest.msgs[0], "same time");
    cr_assert_eq(logs_db_stream_events(ro, s.sid, 0, INT64_MAX, fwd.ts[2], fwd.ids[2], false, 10,
                                       take, &back),
                 0);
    cr_expect_eq(back.n, 2); /* nearest first */
    cr_expect_str_eq(back.msgs[0], "older INFO");
    store_close(ro);
}

static bool count_row(void *arg, const struct logs_db_row *row)
{
    (void)row;
    (*(int *)arg)++;
    return true;
}

Test(logs_db, bloom_prefilter_trace_index_and_scan_order, .init = setup, .fini = teardown)
{
    struct seed s = {.now = now_epoch_ms()};
    cr_assert_eq(writer_call(env.w, seed_fn, &s), 0);
    struct store *ro = reader();
    struct rows r = {0};
    /* The pre-filter skips chunks only: the 2-day-old event has a chunk of its own (more than a
     * day after the first), so "ERROR" skips it; the recent chunk is read whole. */
    struct logs_db_scan scan = {.gid = s.gid, .end = INT64_MAX, .cur_ts = -1, .terms = "ERROR"};
    cr_assert_eq(logs_db_scan(ro, &scan, take, &r), 0);
    cr_expect_eq(r.n, 4);
    cr_expect_str_eq(r.msgs[0], "old ERROR 1-5759e988-bd862e3fe1be46a994272793");
    cr_expect_str_eq(r.msgs[1], "recent ERROR Root=1-5759e988-bd862e3fe1be46a994272794;Parent=1");
    struct rows none = {0};
    scan.terms = "NOSUCHTERM";
    cr_assert_eq(logs_db_scan(ro, &scan, take, &none), 0);
    cr_expect_eq(none.n, 0);
    int n = 0;
    cr_assert_eq(logs_db_trace_events(ro, "1-5759e988-bd862e3fe1be46a994272794", 10, count_row, &n),
                 0);
    cr_expect_eq(n, 1, "Root= form indexed");
    n = 0;
    cr_assert_eq(logs_db_trace_events(ro, "1-5759e988-bd862e3fe1be46a994272795", 10, count_row, &n),
                 0);
    cr_expect_eq(n, 1, "JSON value indexed");
    struct rows desc = {0};
    struct logs_db_scan all = {
        .gid = -1, .end = INT64_MAX, .cur_ts = INT64_MAX, .cur_id = INT64_MAX, .descending = true};
    cr_assert_eq(logs_db_scan(ro, &all, take, &desc), 0);
    cr_expect_eq(desc.n, 5);
    cr_expect(desc.ts[0] >= desc.ts[4]);
    cr_expect_eq(logs_db_last_event_id(ro), desc.ids[0]);
    store_close(ro);
}

static int retention_fn(struct writer_txn *txn, void *arg)
{
    struct seed *s = arg;
    return logs_db_group_set_retention(writer_txn_store(txn), s->gid, 3);
}

Test(logs_db, retention_pass_deletes_only_expired_events, .init = setup, .fini = teardown)
{
    struct seed s = {.now = now_epoch_ms()};
    cr_assert_eq(writer_call(env.w, seed_fn, &s), 0);
    cr_assert_eq(writer_call(env.w, logs_db_expire_run, NULL), 0);
    struct store *ro = reader();
    int n = 0;
    struct logs_db_scan all = {.gid = s.gid, .end = INT64_MAX, .cur_ts = -1};
    cr_assert_eq(logs_db_scan(ro, &all, count_row, &n), 0);
    cr_expect_eq(n, 5, "no retention set: nothing expires");
    cr_assert_eq(writer_call(env.w, retention_fn, &s), 0);
    cr_assert_eq(writer_call(env.w, logs_db_expire_run, NULL), 0);
    n = 0;
    cr_assert_eq(logs_db_scan(ro, &all, count_row, &n), 0);
    cr_expect_eq(n, 4, "the 10-day-old event is past a 3-day retention");
    n = 0;
    cr_assert_eq(logs_db_trace_events(ro, "1-5759e988-bd862e3fe1be46a994272793", 10, count_row, &n),
                 0);
    cr_expect_eq(n, 0);
    store_close(ro);
}

static int config_fn(struct writer_txn *txn, void *arg)
{
    (void)arg;
    struct store *db = writer_txn_store(txn);
    int rc = logs_db_config_put(db, "metric", 7, "b", 1, "{\"filterName\":\"b\"}");
    rc = rc ? rc : logs_db_config_put(db, "metric", 7, "a", 1, "{\"filterName\":\"a\"}");
    rc = rc ? rc : logs_db_config_put(db, "metric", 7, "a", 1, "{\"filterName\":\"a2\"}");
    rc = rc ? rc : logs_db_tag_set(db, "log-group:x", "k", "v");
    return rc;
}

static int delete_missing_fn(struct writer_txn *txn, void *arg)
{
    (void)arg;
    return logs_db_config_delete(writer_txn_store(txn), "metric", 7, "zzz");
}

Test(logs_db, configuration_rows_upsert_list_and_page, .init = setup, .fini = teardown)
{
    cr_assert_eq(writer_call(env.w, config_fn, NULL), 0);
    cr_expect_eq(writer_call(env.w, delete_missing_fn, NULL), ERR_NOTFOUND);
    struct store *ro = reader();
    bool more = false;
    json_t *page = logs_db_config_list(ro, "metric", 7, NULL, 0, 1, &more);
    cr_expect(more);
    cr_expect_str_eq(json_string_value(json_object_get(json_array_get(page, 0), "filterName")),
                     "a2");
    json_decref(page);
    cr_expect_eq(logs_db_config_count(ro, "metric", -1), 2);
    json_t *tags = logs_db_tags(ro, "log-group:x");
    cr_expect_str_eq(json_string_value(json_object_get(tags, "k")), "v");
    json_decref(tags);
    store_close(ro);
}

Test(logs_db, trace_ids_need_word_boundaries)
{
    char out[36];
    cr_expect(logs_db_find_trace_id("x 1-5759e988-bd862e3fe1be46a994272793 y", out));
    cr_expect_str_eq(out, "1-5759e988-bd862e3fe1be46a994272793");
    cr_expect_not(logs_db_find_trace_id("a1-5759e988-bd862e3fe1be46a994272793", out));
    cr_expect_not(logs_db_find_trace_id("1-5759e988-bd862e3fe1be46a9942727930", out));
    cr_expect_not(logs_db_find_trace_id("1-5759e98-bd862e3fe1be46a994272793", out));
}

/* ---- chunks ---- */

struct bulk {
    int64_t gid, sid[2];
    int64_t base;
    size_t n;     /* events per stream */
    int64_t step; /* ms between a stream's events */
};

/* Two streams of one group; stream k's event i is at base + i * step + k, so their chunks
 * overlap in time, and every fifth event repeats its predecessor's timestamp. */
static int bulk_fn(struct writer_txn *txn, void *arg)
{
    struct bulk *b = arg;
    struct store *db = writer_txn_store(txn);
    int rc = logs_db_group_create(db, "/bulk", NULL, b->base);
    rc = rc ? rc : logs_db_group_find(db, "/bulk", &b->gid, NULL);
    const char *names[2] = {"a", "b"};
    for (int k = 0; k < 2 && rc == 0; k++) {
        rc = logs_db_stream_create(db, b->gid, names[k], b->base);
        rc = rc ? rc : logs_db_stream_find(db, b->gid, names[k], &b->sid[k]);
    }
    struct logs_db_event *ev = calloc(b->n, sizeof(*ev));
    char(*msg)[48] = calloc(b->n, sizeof(*msg));
    /* two puts per stream, alternating, so chunk ids interleave too */
    for (size_t half = 0; half < 2 && rc == 0; half++) {
        for (int k = 0; k < 2 && rc == 0; k++) {
            size_t from = half * b->n / 2, to = (half + 1) * b->n / 2;
            for (size_t i = from; i < to; i++) {
                size_t j = i % 5 == 4 ? i - 1 : i;
                ev[i - from].ts = b->base + (int64_t)j * b->step + k;
                snprintf(msg[i - from], sizeof(msg[0]), "s%d e%zu %s", k, i,
                         i % 97 == 0 ? "RARE" : "common");
                ev[i - from].message = msg[i - from];
                ev[i - from].len = strlen(msg[i - from]);
            }
            rc = logs_db_put_events(db, b->gid, b->sid[k], ev, to - from, b->base);
        }
    }
    free(ev);
    free(msg);
    return rc;
}

struct ordered {
    int64_t n, last_ts, last_id, first_id, bad;
    bool desc;
    int64_t stop_after;
};

static bool check_order(void *arg, const struct logs_db_row *row)
{
    struct ordered *o = arg;
    if (o->n > 0) {
        bool ok = o->desc
                      ? (row->ts < o->last_ts || (row->ts == o->last_ts && row->id < o->last_id))
                      : (row->ts > o->last_ts || (row->ts == o->last_ts && row->id > o->last_id));
        o->bad += !ok;
    } else {
        o->first_id = row->id;
    }
    o->last_ts = row->ts;
    o->last_id = row->id;
    o->n++;
    return o->stop_after <= 0 || o->n < o->stop_after;
}

Test(logs_db, stream_walk_crosses_chunk_boundaries, .init = setup, .fini = teardown)
{
    struct bulk b = {.base = now_epoch_ms() - 3600000, .n = 5000, .step = 10};
    cr_assert_eq(writer_call(env.w, bulk_fn, &b), 0);
    struct store *ro = reader();
    struct ordered all = {0};
    cr_assert_eq(
        logs_db_stream_events(ro, b.sid[0], 0, INT64_MAX, -1, 0, true, 100000, check_order, &all),
        0);
    cr_expect_eq(all.n, 5000);
    cr_expect_eq(all.bad, 0);
    /* page by page with the cursor, as GetLogEvents does: pages straddle chunk ends */
    struct ordered page = {.stop_after = 700};
    int64_t ts = -1, id = 0, total = 0;
    for (int i = 0; i < 20; i++) {
        page.n = 0;
        cr_assert_eq(logs_db_stream_events(ro, b.sid[0], 0, INT64_MAX, ts, id, true, 700,
                                           check_order, &page),
                     0);
        if (page.n == 0) {
            break;
        }
        total += page.n;
        ts = page.last_ts;
        id = page.last_id;
    }
    cr_expect_eq(total, 5000);
    cr_expect_eq(page.bad, 0);
    /* backwards from the end, nearest first */
    struct ordered back = {.desc = true};
    cr_assert_eq(logs_db_stream_events(ro, b.sid[0], 0, INT64_MAX, INT64_MAX, INT64_MAX, false,
                                       100000, check_order, &back),
                 0);
    cr_expect_eq(back.n, 5000);
    cr_expect_eq(back.bad, 0);
    /* ids: more than one chunk, point reads, the newest id and the live tail after an id */
    cr_expect_neq(all.first_id >> LOGS_CHUNK_INDEX_BITS, all.last_id >> LOGS_CHUNK_INDEX_BITS);
    struct rows one = {0};
    cr_expect_eq(logs_db_event_get(ro, all.last_id, take, &one), 0);
    cr_expect_str_eq(one.msgs[0], "s0 e4999 common");
    cr_expect_eq(logs_db_event_get(ro, all.last_id + 1, take, &one), ERR_NOTFOUND);
    struct ordered tail = {0};
    int64_t after = (all.last_id >> LOGS_CHUNK_INDEX_BITS << LOGS_CHUNK_INDEX_BITS) + 3;
    cr_assert_eq(logs_db_scan_new(ro, b.gid, after, 100000, check_order, &tail), 0);
    cr_expect_gt(tail.n, 0);
    cr_expect_gt(tail.first_id, after);
    cr_expect_eq(tail.last_id, logs_db_last_event_id(ro));
    store_close(ro);
}

static bool count_rare(void *arg, const struct logs_db_row *row)
{
    *(int64_t *)arg += memmem(row->message, row->len, "RARE", 4) != NULL;
    return true;
}

Test(logs_db, overlapping_chunks_merge_in_time_then_id_order, .init = setup, .fini = teardown)
{
    struct bulk b = {.base = now_epoch_ms() - 3600000, .n = 6000, .step = 2};
    cr_assert_eq(writer_call(env.w, bulk_fn, &b), 0);
    struct store *ro = reader();
    struct logs_db_scan grp = {.gid = b.gid, .end = INT64_MAX, .cur_ts = -1};
    struct ordered asc = {0};
    cr_assert_eq(logs_db_scan(ro, &grp, check_order, &asc), 0);
    cr_expect_eq(asc.n, 12000);
    cr_expect_eq(asc.bad, 0, "%lld events out of (ts, id) order", (long long)asc.bad);
    struct logs_db_scan d = {
        .gid = -1, .end = INT64_MAX, .cur_ts = INT64_MAX, .cur_id = INT64_MAX, .descending = true};
    struct ordered desc = {.desc = true};
    cr_assert_eq(logs_db_scan(ro, &d, check_order, &desc), 0);
    cr_expect_eq(desc.n, 12000);
    cr_expect_eq(desc.bad, 0);
    /* resume from a position in the middle, and a time window */
    struct ordered head = {.stop_after = 5001}, rest = {0};
    cr_assert_eq(logs_db_scan(ro, &grp, check_order, &head), 0);
    grp.cur_ts = head.last_ts;
    grp.cur_id = head.last_id;
    cr_assert_eq(logs_db_scan(ro, &grp, check_order, &rest), 0);
    cr_expect_eq(head.n + rest.n, 12000);
    struct logs_db_scan win = {
        .gid = b.gid, .start = b.base + 100, .end = b.base + 199, .cur_ts = -1};
    struct ordered w100 = {0};
    cr_assert_eq(logs_db_scan(ro, &win, check_order, &w100), 0);
    cr_expect_eq(w100.bad, 0);
    cr_expect_eq(w100.n, 100, "50 timestamps of each stream's step-2 grid (with repeats)");
    /* a rare term through the blooms: the pre-filter keeps every chunk holding it */
    struct logs_db_scan rare = {.gid = b.gid, .end = INT64_MAX, .cur_ts = -1, .terms = "RARE"};
    int64_t n = 0;
    cr_assert_eq(logs_db_scan(ro, &rare, count_rare, &n), 0);
    cr_expect_eq(n, 2 * 62, "every 97th event of each stream");
    store_close(ro);
}

struct aged {
    int64_t now, gid, sid;
};

static int aged_fn(struct writer_txn *txn, void *arg)
{
    struct aged *a = arg;
    struct store *db = writer_txn_store(txn);
    int rc = logs_db_group_create(db, "/aged", NULL, a->now);
    rc = rc ? rc : logs_db_group_find(db, "/aged", &a->gid, NULL);
    rc = rc ? rc : logs_db_stream_create(db, a->gid, "s", a->now);
    rc = rc ? rc : logs_db_stream_find(db, a->gid, "s", &a->sid);
    /* one chunk straddling the 3-day cutoff */
    struct logs_db_event ev[] = {
        {a->now - 3 * DAY - 3600000, "expired 1-5759e988-bd862e3fe1be46a994272796", 0},
        {a->now - 3 * DAY + 3600000, "kept", 0},
    };
    for (size_t i = 0; i < 2; i++) {
        ev[i].len = strlen(ev[i].message);
    }
    rc = rc ? rc : logs_db_put_events(db, a->gid, a->sid, ev, 2, a->now);
    return rc ? rc : logs_db_group_set_retention(db, a->gid, 3);
}

Test(logs_db, retention_hides_expired_events_of_a_surviving_chunk, .init = setup, .fini = teardown)
{
    struct aged a = {.now = now_epoch_ms()};
    cr_assert_eq(writer_call(env.w, aged_fn, &a), 0);
    cr_assert_eq(writer_call(env.w, logs_db_expire_run, NULL), 0);
    struct store *ro = reader();
    struct rows r = {0};
    struct logs_db_scan all = {.gid = a.gid, .end = INT64_MAX, .cur_ts = -1};
    cr_assert_eq(logs_db_scan(ro, &all, take, &r), 0);
    cr_expect_eq(r.n, 1);
    cr_expect_str_eq(r.msgs[0], "kept");
    struct rows st = {0};
    cr_assert_eq(logs_db_stream_events(ro, a.sid, 0, INT64_MAX, -1, 0, true, 10, take, &st), 0);
    cr_expect_eq(st.n, 1);
    /* the chunk survived (its newest event is inside retention), its first event is hidden */
    cr_expect_eq(logs_db_event_get(ro, r.ids[0] - 1, take, &st), ERR_NOTFOUND);
    int n = 0;
    cr_assert_eq(logs_db_trace_events(ro, "1-5759e988-bd862e3fe1be46a994272796", 10, count_row, &n),
                 0);
    cr_expect_eq(n, 0);
    struct rows tail = {0};
    cr_assert_eq(logs_db_scan_new(ro, -1, 0, 10, take, &tail), 0);
    cr_expect_eq(tail.n, 1);
    store_close(ro);
}

static int delete_fn(struct writer_txn *txn, void *arg)
{
    struct seed *s = arg;
    return logs_db_stream_delete(writer_txn_store(txn), s->gid, s->sid);
}

Test(logs_db, stream_delete_removes_chunks_blooms_and_trace_rows, .init = setup, .fini = teardown)
{
    struct seed s = {.now = now_epoch_ms()};
    cr_assert_eq(writer_call(env.w, seed_fn, &s), 0);
    cr_assert_eq(writer_call(env.w, delete_fn, &s), 0);
    struct store *ro = reader();
    sqlite3_stmt *st = NULL;
    cr_assert_eq(sqlite3_prepare_v2(store_db(ro),
                                    "SELECT (SELECT count(*) FROM log_chunks) + (SELECT count(*)"
                                    " FROM log_chunk_data) + (SELECT count(*) FROM"
                                    " log_chunk_blooms) + (SELECT count(*) FROM log_event_traces)",
                                    -1, &st, NULL),
                 SQLITE_OK);
    cr_assert_eq(sqlite3_step(st), SQLITE_ROW);
    cr_expect_eq(sqlite3_column_int64(st, 0), 0);
    sqlite3_finalize(st);
    store_close(ro);
}

/* A database at schema version 3 (row per event) migrates to chunks without losing events. */
Test(logs_db, row_per_event_database_migrates_to_chunks)
{
    char d[64], p[128], cmd[200];
    snprintf(d, sizeof(d), "/tmp/fluoro-logsmig-XXXXXX");
    cr_assert_not_null(mkdtemp(d));
    snprintf(p, sizeof(p), "%s/old.db", d);
    sqlite3 *db = NULL;
    cr_assert_eq(sqlite3_open(p, &db), SQLITE_OK);
    for (int v = 0; v < 3; v++) {
        cr_assert_eq(sqlite3_exec(db, store_migrations[v], NULL, NULL, NULL), SQLITE_OK);
    }
    int64_t now = now_epoch_ms();
    char *sql = sqlite3_mprintf(
        "PRAGMA user_version=3;"
        "INSERT INTO log_groups(id, name, created_at) VALUES (1, '/old', %lld);"
        "INSERT INTO log_streams(id, group_id, name, created_at) VALUES (1, 1, 's', %lld);"
        "INSERT INTO log_events(id, group_id, stream_id, ts, ingest_ts, message, trace_id) VALUES"
        " (1, 1, 1, %lld, %lld, 'first h\xc3\xa9llo', NULL),"
        " (2, 1, 1, %lld, %lld, 'second 1-5759e988-bd862e3fe1be46a994272797', "
        "'1-5759e988-bd862e3fe1be46a994272797');",
        (long long)now, (long long)now, (long long)now - 5, (long long)now, (long long)now - 9,
        (long long)now);
    cr_assert_eq(sqlite3_exec(db, sql, NULL, NULL, NULL), SQLITE_OK);
    sqlite3_free(sql);
    sqlite3_close(db);
    struct store *s = NULL;
    cr_assert_eq(store_open_rw(p, &s), 0);
    struct rows r = {0};
    struct logs_db_scan all = {.gid = 1, .end = INT64_MAX, .cur_ts = -1};
    cr_assert_eq(logs_db_scan(s, &all, take, &r), 0);
    cr_expect_eq(r.n, 2);
    cr_expect_str_eq(r.msgs[0], "second 1-5759e988-bd862e3fe1be46a994272797");
    cr_expect_str_eq(r.msgs[1], "first h\xc3\xa9llo");
    cr_expect_eq(r.ids[1], INT64_C(1) << LOGS_CHUNK_INDEX_BITS);
    int n = 0;
    cr_assert_eq(logs_db_trace_events(s, "1-5759e988-bd862e3fe1be46a994272797", 10, count_row, &n),
                 0);
    cr_expect_eq(n, 1);
    /* chunks without a bloom are always read */
    struct logs_db_scan term = {.gid = 1, .end = INT64_MAX, .cur_ts = -1, .terms = "first"};
    struct rows t = {0};
    cr_assert_eq(logs_db_scan(s, &term, take, &t), 0);
    cr_expect_eq(t.n, 2);
    cr_expect_eq(logs_db_last_event_id(s), INT64_C(2) << LOGS_CHUNK_INDEX_BITS);
    store_close(s);
    snprintf(cmd, sizeof(cmd), "rm -rf %s", d);
    cr_expect_eq(system(cmd), 0);
}
