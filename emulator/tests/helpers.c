/*
 * helpers.c - fixture loading shared by the unit tests (see helpers.h).
 */
#include "helpers.h"

#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "queue.h"
#include "store.h"
#include "trace.h"
#include "trace_facts.h"
#include "writer.h"
#include "xray_ingest.h"

FILE *helpers_open_case(const char *name)
{
    /* __FILE__ is relative to the directory make ran in, and helpers.c sits beside cases/. */
    const char *slash = strrchr(__FILE__, '/');
    const char *const dirs[] = {"tests/cases", "emulator/tests/cases"};
    char path[512];
    FILE *f = NULL;
    if (slash) {
        snprintf(path, sizeof(path), "%.*s/cases/%s", (int)(slash - __FILE__), __FILE__, name);
        f = fopen(path, "r");
    }
    for (size_t i = 0; !f && i < ARRAY_LEN(dirs); i++) {
        snprintf(path, sizeof(path), "%s/%s", dirs[i], name);
        f = fopen(path, "r");
    }
    return f;
}

void helpers_db_tmpdir(struct helpers_db *db, const char *name)
{
    snprintf(db->dir, sizeof(db->dir), "/tmp/fluoro-%s-XXXXXX", name);
    cr_assert_not_null(mkdtemp(db->dir));
    snprintf(db->path, sizeof(db->path), "%s/t.db", db->dir);
}

void helpers_db_open(struct helpers_db *db, const char *name)
{
    helpers_db_tmpdir(db, name);
    cr_assert_eq(store_open_rw(db->path, &db->rw), 0);
}

void helpers_db_start_writer(struct helpers_db *db, const struct writer_ingest *hooks, void *ctx)
{
    db->q = queue_new(64);
    cr_assert_eq(writer_start(db->q, db->rw, hooks, ctx, &db->w), 0);
}

void helpers_db_start_xray(struct helpers_db *db)
{
    cr_assert_eq(xray_ingest_new(db->rw, &db->xray), 0);
    helpers_db_start_writer(db, &xray_ingest_hooks, db->xray);
}

void helpers_db_close(struct helpers_db *db)
{
    char cmd[200];
    writer_stop(db->w);
    xray_ingest_free(db->xray);
    queue_free(db->q);
    store_close(db->rw);
    snprintf(cmd, sizeof(cmd), "rm -rf %s", db->dir);
    cr_expect_eq(system(cmd), 0);
    memset(db, 0, sizeof(*db));
}

json_t *helpers_derive_json(json_t *const *docs, size_t n)
{
    size_t len = 0;
    void *blob = trace_derive(docs, n, &len);
    struct trace_view v;
    json_t *out = NULL;
    if (!blob) {
        return NULL;
    }
    trace_facts_init(&v);
    cr_assert_eq(trace_facts_decode(&v, blob, len), 0);
    out = trace_view_json(&v);
    trace_facts_fini(&v);
    free(blob);
    return out;
}

void helpers_each_fixture_trace(const char *path,
                                void (*fn)(void *ctx, json_t *const *docs, size_t n), void *ctx)
{
    FILE *f = fopen(path, "r");
    json_t *by_trace = json_object();
    json_t *order = json_array();
    char *line = NULL;
    size_t cap = 0;
    cr_assert_not_null(f, "cannot open %s", path);
    while (getline(&line, &cap, f) > 0) {
        json_t *doc = json_loads(line, 0, NULL);
        const char *tid = json_string_value(json_object_get(doc, "trace_id"));
        if (!tid) {
            json_decref(doc);
            continue;
        }
        json_t *docs = json_object_get(by_trace, tid);
        if (!docs) {
            docs = json_array();
            json_object_set_new(by_trace, tid, docs);
            json_array_append_new(order, json_string(tid));
        }
        json_array_append_new(docs, doc);
    }
    free(line);
    fclose(f);
    size_t i;
    json_t *tid;
    json_array_foreach(order, i, tid)
    {
        json_t *docs = json_object_get(by_trace, json_string_value(tid));
        size_t n = json_array_size(docs);
        json_t **items = xmalloc((n + 1) * sizeof(*items));
        for (size_t k = 0; k < n; k++) {
            items[k] = json_array_get(docs, k);
        }
        fn(ctx, items, n);
        free(items);
    }
    json_decref(order);
    json_decref(by_trace);
}

static void add_view(void *views, json_t *const *docs, size_t n)
{
    json_t *v = helpers_derive_json(docs, n);
    if (v) {
        json_array_append_new(views, v);
    }
}

json_t *helpers_fixture_views(void)
{
    json_t *views = json_array();
    json_t *fx = json_load_file("tests/cases/fexpr_traces.json", 0, NULL);
    const char *name;
    json_t *v;
    cr_assert_not_null(fx);
    json_object_foreach(fx, name, v)
    {
        json_array_append(views, v);
    }
    json_decref(fx);
    helpers_each_fixture_trace("../fixtures/demo.jsonl", add_view, views);
    helpers_each_fixture_trace("../fixtures/large.jsonl", add_view, views);
    return views;
}
