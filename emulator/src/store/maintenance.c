/*
 * maintenance.c - periodic upkeep (see maintenance.h). Each pass deletes in bounded chunks so
 * one transaction never holds the writer for long.
 */
#include "maintenance.h"

#include <stdlib.h>

#include "log.h"
#include "logs_db.h"
#include "metrics.h"
#include "xray_db.h"

#define RETENTION_INTERVAL_MS 60000
#define OPTIMIZE_EVERY_PASSES 10
#define PRUNE_CHUNK 500

struct maintenance {
    uv_timer_t timer;
    struct app *app;
    unsigned passes;
};

int maintenance_run(struct writer_txn *txn, void *arg)
{
    struct app *app = arg;
    struct store *rw = writer_txn_store(txn);
    int64_t expired = 0, pruned = 0;
    double cutoff = now_epoch() - (double)app->cfg->trace_retention_s;
    int rc = xray_db_expire(rw, cutoff, &expired);
    /* The size cap: prune the oldest traces until under it. Freed pages are reused by SQLite,
     * so the file stops growing even though it does not shrink. */
    while (rc == 0 && app->cfg->max_db_size > 0 && store_size_bytes(rw) > app->cfg->max_db_size) {
        int64_t before = pruned;
        rc = xray_db_prune_oldest(rw, PRUNE_CHUNK, &pruned);
        if (pruned == before) {
            break;
        }
        int64_t freelist = 0;
        sqlite3_stmt *st = store_stmt(rw, "SELECT freelist_count * page_size FROM "
                                          "pragma_freelist_count(), pragma_page_size()");
        if (st && sqlite3_step(st) == SQLITE_ROW) {
            freelist = sqlite3_column_int64(st, 0);
        }
        if (st) {
            sqlite3_reset(st);
        }
        if (store_size_bytes(rw) - freelist <= app->cfg->max_db_size) {
            break;
        }
    }
    if (expired || pruned) {
        METRIC_ADD(traces_expired, (uint64_t)expired);
        METRIC_ADD(traces_pruned_size, (uint64_t)pruned);
        writer_txn_changed(txn, WRITER_CHANGED_TRACES);
        log_info("retention", "expired=%lld pruned=%lld", (long long)expired, (long long)pruned);
    }
    return rc;
}

static int optimize(struct writer_txn *txn, void *arg)
{
    (void)arg;
    return store_exec(writer_txn_store(txn), "PRAGMA optimize");
}

static void on_timer(uv_timer_t *t)
{
    struct maintenance *m = t->data;
    writer_post(m->app->writer, maintenance_run, m->app, NULL);
    writer_post(m->app->writer, logs_db_expire_run, NULL, NULL);
    if (++m->passes % OPTIMIZE_EVERY_PASSES == 0) {
        writer_post(m->app->writer, optimize, NULL, NULL);
    }
}

struct maintenance *maintenance_start(uv_loop_t *loop, struct app *app)
{
    struct maintenance *m = xcalloc(1, sizeof(*m));
    m->app = app;
    m->timer.data = m;
    uv_timer_init(loop, &m->timer);
    uv_timer_start(&m->timer, on_timer, 1000, RETENTION_INTERVAL_MS);
    return m;
}

static void on_close(uv_handle_t *h)
{
    free(h->data);
}

void maintenance_stop(struct maintenance *m)
{
    if (m) {
        uv_timer_stop(&m->timer);
        uv_close((uv_handle_t *)&m->timer, on_close);
    }
}
