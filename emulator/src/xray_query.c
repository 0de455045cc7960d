/*
 * xray_query.c - trace search and the per-trace folds behind the service graph and the time
 * series (see xray_query.h). HTTP threads, each on its own read-only store.
 *
 * The time window and ordering are SQL over trace_facts; the filter expression first runs as a
 * pre-filter on each row's packed facts (fexpr_facts.c), and only traces it cannot rule out
 * have their derived view read and evaluated in full, so the result is exactly what evaluating
 * every view would give. Offsets count rows of the time-ordered scan, whether the pre-filter
 * skipped them or not, so NextToken means what it meant before the pre-filter existed. The
 * scan stops one row after the page fills, so next_offset points exactly at the first
 * unexamined trace.
 */
#include "xray_query.h"

#include <stdlib.h>
#include <string.h>

#include "trace_facts.h"
#include "xray_db.h"

struct scan_ctx {
    const struct xray_query *q;
    struct store *ro;
    bool graph; /* the filter reads nodes/edges, so decode them */
    struct trace_view facts;
    json_t *matches;
    int64_t seen;
    bool full;
};

/* The pre-filter's verdict on a facts blob; MAYBE when the blob cannot be decoded. */
static enum fexpr_verdict prefilter(const struct fexpr *e, struct trace_view *f, const void *blob,
                                    size_t len, bool graph)
{
    if (!e) {
        return FEXPR_YES;
    }
    return trace_facts_decode_part(f, blob, len, graph) == 0 ? fexpr_prefilter(e, f) : FEXPR_MAYBE;
}

static bool on_trace(void *arg, const char *trace_id, const void *blob, size_t len)
{
    struct scan_ctx *c = arg;
    if (json_array_size(c->matches) >= c->q->limit) {
        c->full = true;
        return false;
    }
    c->seen++;
    if (prefilter(c->q->filter, &c->facts, blob, len, c->graph) == FEXPR_NO) {
        return true;
    }
    /* The summaries come from the view, so even a certain match reads it. */
    json_t *derived = xray_db_trace_derived(c->ro, trace_id);
    if (derived && (!c->q->filter || fexpr_eval(c->q->filter, derived))) {
        json_array_append(c->matches, derived);
    }
    json_decref(derived);
    return true;
}

int xray_query_run(struct store *ro, const struct xray_query *q, struct xray_query_page *page)
{
    struct scan_ctx c = {
        .q = q, .ro = ro, .graph = fexpr_reads_graph(q->filter), .matches = json_array()};
    int64_t visited = 0;
    trace_facts_init(&c.facts);
    int rc =
        xray_db_scan_facts(ro, q->start, q->end, q->by_event, q->offset, on_trace, &c, &visited);
    trace_facts_fini(&c.facts);
    if (rc < 0) {
        json_decref(c.matches);
        return rc;
    }
    page->matches = c.matches;
    page->processed = c.seen;
    page->next_offset = c.full ? q->offset + c.seen : -1;
    return 0;
}

struct each_ctx {
    struct store *ro;
    const struct fexpr *filter;
    xray_query_facts_fn fn;
    void *arg;
    struct trace_view facts;
    int64_t matched;
};

/* Hands fn the trace's facts when the filter matches it, reading the view only when the facts
 * cannot decide (or cannot be decoded: then the view is packed again here). */
static bool on_each(void *arg, const char *trace_id, const void *blob, size_t len)
{
    struct each_ctx *c = arg;
    bool decoded = trace_facts_decode(&c->facts, blob, len) == 0;
    enum fexpr_verdict v = !c->filter ? FEXPR_YES
                           : decoded  ? fexpr_prefilter(c->filter, &c->facts)
                                      : FEXPR_MAYBE;
    json_t *derived = NULL;
    void *repacked = NULL;
    if (v == FEXPR_NO) {
        return true;
    }
    if (v == FEXPR_MAYBE || !decoded) {
        derived = xray_db_trace_derived(c->ro, trace_id);
        if (!derived || (c->filter && !fexpr_eval(c->filter, derived))) {
            goto out;
        }
    }
    if (!decoded) {
        size_t n = 0;
        repacked = trace_facts_pack(derived, &n);
        if (trace_facts_decode(&c->facts, repacked, n) < 0) {
            goto out;
        }
    }
    c->matched++;
    c->fn(c->arg, &c->facts);
out:
    free(repacked);
    json_decref(derived);
    return true;
}

int xray_query_each(struct store *ro, double start, double end, const struct fexpr *filter,
                    xray_query_facts_fn fn, void *arg, int64_t *matched)
{
    struct each_ctx c = {.ro = ro, .filter = filter, .fn = fn, .arg = arg};
    int64_t visited = 0;
    trace_facts_init(&c.facts);
    int rc = xray_db_scan_facts(ro, start, end, true, 0, on_each, &c, &visited);
    trace_facts_fini(&c.facts);
    if (matched) {
        *matched = c.matched;
    }
    return rc;
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
