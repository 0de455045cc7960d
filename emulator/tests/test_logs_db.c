/*
 * test_logs_db.c - CloudWatch Logs SQL through a real writer on a temporary database: event
 * positions and the GetLogEvents cursor, stream bookkeeping, the FTS5 pre-filter, trace-id
 * indexing, configuration rows, and the retention pass the maintenance timer posts.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "logs_db.h"
#include "queue.h"
#include "writer.h"

TestSuite(logs_db);

static char dir[64];
static char path[128];
static struct store *rw;
static struct queue *q;
static struct writer *w;

static void setup(void)
{
    snprintf(dir, sizeof(dir), "/tmp/fluoro-logsdb-XXXXXX");
    cr_assert_not_null(mkdtemp(dir));
    snprintf(path, sizeof(path), "%s/t.db", dir);
    cr_assert_eq(store_open_rw(path, &rw), 0);
    q = queue_new(64);
    cr_assert_eq(writer_start(q, rw, &w), 0);
}

static void teardown(void)
{
    writer_stop(w);
    queue_free(q);
    store_close(rw);
    char cmd[200];
    snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
    cr_expect_eq(system(cmd), 0);
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
    cr_assert_eq(store_open_ro(path, &ro), 0);
    return ro;
}

Test(logs_db, stream_cursor_walks_by_time_then_insertion_order, .init = setup, .fini = teardown)
{
    struct seed s = {.now = (int64_t)(now_epoch() * 1000)};
    cr_assert_eq(writer_call(w, seed_fn, &s), 0);
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

Test(logs_db, fts_prefilter_trace_index_and_scan_order, .init = setup, .fini = teardown)
{
    struct seed s = {.now = (int64_t)(now_epoch() * 1000)};
    cr_assert_eq(writer_call(w, seed_fn, &s), 0);
    struct store *ro = reader();
    struct rows r = {0};
    struct logs_db_scan scan = {.gid = s.gid, .end = INT64_MAX, .cur_ts = -1, .fts = "ERROR"};
    cr_assert_eq(logs_db_scan(ro, &scan, take, &r), 0);
    cr_expect_eq(r.n, 2);
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
    struct seed s = {.now = (int64_t)(now_epoch() * 1000)};
    cr_assert_eq(writer_call(w, seed_fn, &s), 0);
    cr_assert_eq(writer_call(w, logs_db_expire_run, NULL), 0);
    struct store *ro = reader();
    int n = 0;
    struct logs_db_scan all = {.gid = s.gid, .end = INT64_MAX, .cur_ts = -1};
    cr_assert_eq(logs_db_scan(ro, &all, count_row, &n), 0);
    cr_expect_eq(n, 5, "no retention set: nothing expires");
    cr_assert_eq(writer_call(w, retention_fn, &s), 0);
    cr_assert_eq(writer_call(w, logs_db_expire_run, NULL), 0);
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
    cr_assert_eq(writer_call(w, config_fn, NULL), 0);
    cr_expect_eq(writer_call(w, delete_missing_fn, NULL), ERR_NOTFOUND);
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
