/*
 * graph.h - service-graph aggregation (GetServiceGraph, GetTraceGraph, /api/v1/service-map):
 * folds the nodes and edges of many traces' derived views (trace.h) into X-Ray `Service` objects
 * with edges, summary statistics and histograms. A struct graph belongs to one thread.
 */
#ifndef GRAPH_H
#define GRAPH_H

#include <jansson.h>

#include "fluoro.h"

struct graph;

struct graph *graph_new(void);
/* Adds one trace's derived view (borrowed). */
void graph_add_trace(struct graph *g, const json_t *derived);
struct trace_view;
/* Adds one trace's packed facts (trace_facts.h, borrowed): the same result as adding the view
 * they were packed from, without reading JSON. */
void graph_add_facts(struct graph *g, const struct trace_view *f);
/* New reference: the list of X-Ray `Service` objects (shape of reference/xray-api.md), ordered
 * by first appearance with ReferenceIds from 0. */
json_t *graph_services(const struct graph *g);
void graph_free(struct graph *g);

#endif
