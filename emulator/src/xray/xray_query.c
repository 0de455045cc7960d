/*
 * xray_query.c - trace search and the per-trace folds behind the service graph and the time
 * series (see xray_query.h). HTTP threads, each on its own read-only store.
 *
 * The time window and ordering are SQL over trace_facts; the filter expression is evaluated on
 * each row's view (struct trace_view, decoded without its graph and summary parts when the
 * expression reads neither), and only the matches are rendered as JSON for the answer.
 * Offsets count rows of the time-ordered scan, so NextToken keeps its meaning. The scan stops
 * one row after the page fills, so next_offset points exactly at the first unexamined trace.
 */
#include "xray_query.h"

#include <stdlib.h>
#include <string.h>

#include "trace_facts.h"
#include "xray_config_db.h"
#include "xray_db.h"

struct scan_ctx {
    const struct xray_query *q;
    struct store *ro;
    bool graph;   /* the filter reads nodes/edges or root causes, so decode them */
    bool summary; /* the filter reads root causes: add each trace's summary part */
    void *summary_blob;
    struct trace_view facts;
    json_t *matches;
    int64_t seen;
    bool full;
};

/* Adds the trace's summary part to c->facts (decoded whole); *blob keeps it alive. */
static bool add_summary(struct store *ro, const char *trace_id, struct trace_view *f, void **blob)
{
    free(*blob);
    return xray_db_trace_summary(ro, trace_id, f, blob) == 0;
}

static bool on_trace(void *arg, const char *trace_id, const void *blob, size_t len)
{
    struct scan_ctx *c = arg;
    if (json_array_size(c->matches) >= c->q->limit) {
        c->full = true;
        return false;
    }
    c->seen++;
    /* The answer needs the whole view; decode less first only when the filter needs less. */
    bool whole = !c->q->filter || c->graph;
    if (trace_facts_decode_part(&c->facts, blob, len, whole) < 0) {
        return true; /* not a view this version reads */
    }
    if (c->summary && !add_summary(c->ro, trace_id, &c->facts, &c->summary_blob)) {
        return true;
    }
    if (c->q->filter && !fexpr_eval(c->q->filter, &c->facts)) {
        return true;
    }
    if (!whole && trace_facts_decode(&c->facts, blob, len) < 0) {
        return true;
    }
    if (!c->facts.summary && !add_summary(c->ro, trace_id, &c->facts, &c->summary_blob)) {
        return true;
    }
    json_array_append_new(c->matches, trace_view_json(&c->facts));
    return true;
}

int xray_query_run(struct store *ro, const struct xray_query *q, struct xray_query_page *page)
{
    struct scan_ctx c = {.q = q,
                         .ro = ro,
                         .graph = fexpr_reads_graph(q->filter),
                         .summary = fexpr_reads_summary(q->filter),
                         .matches = json_array()};
    int64_t visited = 0;
    trace_facts_init(&c.facts);
    int rc =
        xray_db_scan_facts(ro, q->start, q->end, q->by_event, q->offset, on_trace, &c, &visited);
    trace_facts_fini(&c.facts);
    free(c.summary_blob);
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
    bool summary;
    void *summary_blob;
    int64_t matched;
};

/* Hands fn the trace's view when the filter matches it. The summary part is read only when
 * the filter needs it; otherwise only the view's trace id is filled in, from the row. */
static bool on_each(void *arg, const char *trace_id, const void *blob, size_t len)
{
    struct each_ctx *c = arg;
    if (trace_facts_decode(&c->facts, blob, len) < 0) {
        return true; /* not a view this version reads: nothing to count */
    }
    if (c->summary && !add_summary(c->ro, trace_id, &c->facts, &c->summary_blob)) {
        return true;
    }
    if (!c->facts.summary) {
        c->facts.trace_id = (struct tf_val){.type = TF_STR, .s = trace_id};
    }
    if (c->filter && !fexpr_eval(c->filter, &c->facts)) {
        return true;
    }
    c->matched++;
    c->fn(c->arg, &c->facts);
    return true;
}

int xray_query_each(struct store *ro, double start, double end, const struct fexpr *filter,
                    xray_query_facts_fn fn, void *arg, int64_t *matched)
{
    struct each_ctx c = {
        .ro = ro, .filter = filter, .fn = fn, .arg = arg, .summary = fexpr_reads_summary(filter)};
    int64_t visited = 0;
    trace_facts_init(&c.facts);
    int rc = xray_db_scan_facts(ro, start, end, true, 0, on_each, &c, &visited);
    trace_facts_fini(&c.facts);
    free(c.summary_blob);
    if (matched) {
        *matched = c.matched;
    }
    return rc;
}

static int resolve_group(void *ctx, const char *name_or_arn, bool is_arn, char **expr)
{
    return xray_config_db_group_filter(ctx, name_or_arn, is_arn, expr);
}

int xray_query_compile(struct store *ro, const char *expr, struct fexpr **out, struct errbuf *err)
{
    return fexpr_compile(expr, resolve_group, ro, out, err);
}
