/*
 * xray_query.h - trace search shared by GetTraceSummaries, the /api/v1 trace list and CI
 * assertions: a time window, an optional compiled filter expression, offset pagination. Also the
 * group resolver that lets filter expressions say `group.name = "x"`. HTTP threads, each with
 * its own read-only store.
 */
#ifndef XRAY_QUERY_H
#define XRAY_QUERY_H

#include <jansson.h>

#include "fexpr.h"
#include "store.h"

struct xray_query {
    double start, end;
    bool by_event;              /* TimeRangeType=Event: any activity in the window */
    const struct fexpr *filter; /* NULL = every trace */
    int64_t offset;             /* rows of the time-ordered scan already consumed */
    size_t limit;               /* most matches to return */
};

struct xray_query_page {
    json_t *matches;     /* new reference: array of views as JSON (trace.h), most recent first */
    int64_t next_offset; /* -1 when the scan is exhausted */
    int64_t processed;   /* traces examined */
};

/* Runs the query on ro. Returns 0 or ERR_INTERNAL; on success page->matches is owned by the
 * caller. */
int xray_query_run(struct store *ro, const struct xray_query *q,
                   struct xray_query_page *page) MUST_CHECK;

/* Calls fn with the view (trace_facts.h, borrowed for the call) of every trace active in
 * [start, end) that filter (NULL = every trace) matches, most recent first. Returns 0 or
 * ERR_INTERNAL; *matched (may be NULL) counts the calls. */
struct trace_view;
typedef void (*xray_query_facts_fn)(void *arg, const struct trace_view *f);
int xray_query_each(struct store *ro, double start, double end, const struct fexpr *filter,
                    xray_query_facts_fn fn, void *arg, int64_t *matched) MUST_CHECK;

/* Compiles an expression with group references resolved from ro's xray_groups table. */
int xray_query_compile(struct store *ro, const char *expr, struct fexpr **out,
                       struct errbuf *err) MUST_CHECK;

#endif
