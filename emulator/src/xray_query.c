/*
 * xray_query.c - trace search (see xray_query.h). The time window and ordering are SQL; the
 * filter expression is evaluated in C on each candidate's derived view. The scan stops one row
 * after the page fills, so next_offset points exactly at the first unexamined trace.
 */
#include "xray_query.h"

#include <string.h>

#include "xray_db.h"

struct scan_ctx {
    const struct xray_query *q;
    json_t *matches;
    int64_t seen;
    bool full;
};

static bool on_trace(void *arg, json_t *derived)
{
    struct scan_ctx *c = arg;
    if (json_array_size(c->matches) >= c->q->limit) {
        c->full = true;
        return false;
    }
    c->seen++;
    if (!c->q->filter || fexpr_eval(c->q->filter, derived)) {
        json_array_append(c->matches, derived);
    }
    return true;
}

int xray_query_run(struct store *ro, const struct xray_query *q, struct xray_query_page *page)
{
    struct scan_ctx c = {.q = q, .matches = json_array()};
    int64_t visited = 0;
    int rc =
        xray_db_scan_traces(ro, q->start, q->end, q->by_event, q->offset, on_trace, &c, &visited);
    if (rc < 0) {
        json_decref(c.matches);
        return rc;
    }
    page->matches = c.matches;
    page->processed = c.seen;
    page->next_offset = c.full ? q->offset + c.seen : -1;
    return 0;
}

static const char SQL_GROUP_BY_NAME[] = "SELECT filter_expression FROM xray_groups WHERE name = ?1";
static const char SQL_GROUP_BY_ARN[] = "SELECT filter_expression FROM xray_groups WHERE arn = ?1";

static int resolve_group(void *ctx, const char *name_or_arn, bool is_arn, char **expr)
{
    struct store *ro = ctx;
    sqlite3_stmt *st = store_stmt(ro, is_arn ? SQL_GROUP_BY_ARN : SQL_GROUP_BY_NAME);
    int rc = ERR_NOTFOUND;
    *expr = NULL;
    if (!st) {
        return ERR_INTERNAL;
    }
    sqlite3_bind_text(st, 1, name_or_arn, -1, SQLITE_TRANSIENT);
    if (sqlite3_step(st) == SQLITE_ROW) {
        const char *text = (const char *)sqlite3_column_text(st, 0);
        *expr = text ? xstrdup(text) : NULL;
        rc = 0;
    }
    sqlite3_reset(st);
    return rc;
}

int xray_query_compile(struct store *ro, const char *expr, struct fexpr **out, struct errbuf *err)
{
    return fexpr_compile(expr, resolve_group, ro, out, err);
}
