/*
 * fexpr.h - X-Ray filter expressions (reference/filter-expressions.md): lexer, parser to an
 * immutable AST, evaluator over a trace's view (struct trace_view, trace_facts.h). One engine for
 * GetTraceSummaries, groups, the UI search box and CI assertions.
 * A compiled struct fexpr is immutable, so several threads may evaluate it at once.
 */
#ifndef FEXPR_H
#define FEXPR_H

#include <jansson.h>

#include "buf.h"
#include "fluoro.h"

/* Longest expression accepted (older API reference: 1-2000 characters). */
#define FEXPR_MAX_LEN 2000
/* Deepest nesting of parentheses/bodies/negations accepted. */
#define FEXPR_MAX_DEPTH 64

struct fexpr;

/* Resolves `group.name = "g"` / `group.arn = "arn"` to the group's stored expression.
 * Returns 0 and a malloc'd expression in *expr (NULL for a group without one), or ERR_NOTFOUND. */
typedef int (*fexpr_group_fn)(void *ctx, const char *name_or_arn, bool is_arn, char **expr);

/* Compiles src into *out (new; free with fexpr_free). On a syntax or type error returns
 * ERR_INVALID and fills err with a message and the 0-based position. groups may be NULL (then
 * group.name/group.arn are errors). */
int fexpr_compile(const char *src, fexpr_group_fn groups, void *ctx, struct fexpr **out,
                  struct errbuf *err) MUST_CHECK;

struct trace_view;

/* True when the trace whose view is f (trace_facts.h, borrowed) matches. f must be decoded
 * whole when fexpr_reads_graph(e), else its trace part suffices (trace_facts_decode_part). */
bool fexpr_eval(const struct fexpr *e, const struct trace_view *f);

/* Whether evaluating e needs more than the view's trace part: nodes and edges (service(),
 * edge()) or root causes; when not, callers may decode less (trace_facts_decode_part). */
bool fexpr_reads_graph(const struct fexpr *e);
/* Whether evaluating e needs the view's summary part (root causes), which trace_facts rows
 * leave to trace_summaries (xray_db_trace_summary). */
bool fexpr_reads_summary(const struct fexpr *e);

/* For an entity selector (fexpr_is_entity_selector): whether it picks node i / edge i of f,
 * exactly as fexpr_eval() on a view holding only that node / edge would say. */
bool fexpr_selects_node(const struct fexpr *e, const struct trace_view *f, size_t i);
bool fexpr_selects_edge(const struct fexpr *e, const struct trace_view *f, size_t i);

/* Appends a canonical, fully parenthesised S-expression of the AST to b (for tests and debug),
 * e.g. (and (cmp responsetime > 5) (not (kw partial))). */
int fexpr_dump(const struct fexpr *e, struct buf *b) MUST_CHECK;

/* Only service()/edge()/id() selectors (GetTimeSeriesServiceStatistics.EntitySelectorExpression).
 * Returns true when the expression is such a selector. */
bool fexpr_is_entity_selector(const struct fexpr *e);

void fexpr_free(struct fexpr *e);

#endif
