/*
 * period_stats.h - GetTimeSeriesServiceStatistics aggregation (reference/xray-api.md): folds the
 * segments of service nodes, or the calls of edges, of many traces' views (struct trace_view) into
 * fixed periods, each with Edge- or ServiceSummaryStatistics and a response-time histogram.
 * Pure: no SQL, no I/O. A struct period_stats belongs to one thread.
 */
#ifndef PERIOD_STATS_H
#define PERIOD_STATS_H

#include <jansson.h>

#include "fexpr.h"
#include "fluoro.h"

struct period_stats;

/* Buckets of `period` seconds (> 0) aligned to multiples of the period, covering [start, end).
 * forecast adds ServiceForecastStatistics to service buckets. */
struct period_stats *period_stats_new(double start, double end, int64_t period, bool forecast);

/* Adds one trace's view given in its JSON shape (trace.h; borrowed), through its encoding and
 * period_stats_add_facts (for tests and JSON fixtures). selector NULL: the edges from the synthetic
 * client node, i.e. the requests made to the trace's entry point (AWS: "If no selector expression
 * is specified, edge statistics are returned"). Otherwise every service node the selector (a
 * service()/id() expression) matches contributes its segments, and every edge an edge()
 * expression matches contributes its calls. Items are placed by their start_time. */
void period_stats_add_trace(struct period_stats *ts, const json_t *derived,
                            const struct fexpr *selector);
struct trace_view;
/* The same from a trace's view (trace_facts.h, borrowed): the one feed of the time series; the
 * selector must be NULL or an entity selector (fexpr_is_entity_selector). */
void period_stats_add_facts(struct period_stats *ts, const struct trace_view *f,
                            const struct fexpr *selector);

/* New reference: the TimeSeriesServiceStatistics list, one entry per period that has data, in
 * time order. */
json_t *period_stats_result(const struct period_stats *ts);

void period_stats_free(struct period_stats *ts);

#endif
