/*
 * graph.h - service-graph aggregation (GetServiceGraph, GetTraceGraph, /api/v1/service-map):
 * folds the nodes and edges of many traces' views (struct trace_view) into X-Ray `Service` objects
 * with edges, summary statistics and histograms. A struct graph belongs to one thread.
 */
#ifndef GRAPH_H
#define GRAPH_H

#include <jansson.h>

#include "fluoro.h"

struct graph;

struct graph *graph_new(void);
struct trace_view;
/* Adds one trace's view (trace_facts.h, borrowed): the one feed of the service graph. */
void graph_add_facts(struct graph *g, const struct trace_view *f);
/* The same for a view given in its JSON shape (trace.h; borrowed), through its encoding: for
 * tests and fixtures written as JSON. */
void graph_add_trace(struct graph *g, const json_t *derived);
/* New reference: the list of X-Ray `Service` objects (shape of reference/xray-api.md), ordered
 * by first appearance with ReferenceIds from 0. */
json_t *graph_services(const struct graph *g);
void graph_free(struct graph *g);

#endif
