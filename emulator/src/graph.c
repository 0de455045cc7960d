/*
 * graph.c - service-graph aggregation (see graph.h). Node statistics come from the callee's own
 * segments (or its inferred segment), edge statistics from the caller's subsegments, as X-Ray
 * computes them (reference/xray-api.md GetServiceGraph). Histograms bucket response times to
 * the millisecond.
 */
#include "graph.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

struct stats {
    int64_t ok, error_other, throttle, fault, total;
    double total_response_time;
    json_t *histogram; /* object: "value" -> count */
    json_t *durations; /* object: "value" -> count (nodes only) */
};

struct edge_acc {
    size_t dst;
    double start, end;
    struct stats st;
};

struct node_acc {
    char *name, *type, *account_id;
    bool root, inferred, client;
    double start, end;
    struct stats st;
    struct edge_acc *edges;
    size_t nedges;
};

struct graph {
    struct node_acc *nodes;
    size_t nnodes, cap;
};

struct graph *graph_new(void)
{
    return xcalloc(1, sizeof(struct graph));
}

static void stats_init(struct stats *s)
{
    memset(s, 0, sizeof(*s));
    s->histogram = json_object();
    s->durations = json_object();
}

static void stats_fini(struct stats *s)
{
    json_decref(s->histogram);
    json_decref(s->durations);
}

void graph_free(struct graph *g)
{
    if (!g) {
        return;
    }
    for (size_t i = 0; i < g->nnodes; i++) {
        struct node_acc *n = &g->nodes[i];
        free(n->name);
        free(n->type);
        free(n->account_id);
        stats_fini(&n->st);
        for (size_t k = 0; k < n->nedges; k++) {
            stats_fini(&n->edges[k].st);
        }
        free(n->edges);
    }
    free(g->nodes);
    free(g);
}

static const char *str_or_empty(const json_t *v)
{
    const char *s = json_string_value(v);
    return s ? s : "";
}

static size_t node_index(struct graph *g, const char *name, const char *type)
{
    for (size_t i = 0; i < g->nnodes; i++) {
        if (strcmp(g->nodes[i].name, name) == 0 && strcmp(g->nodes[i].type, type) == 0) {
            return i;
        }
    }
    if (g->nnodes == g->cap) {
        g->cap = g->cap ? g->cap * 2 : 16;
        g->nodes = xrealloc(g->nodes, g->cap * sizeof(*g->nodes));
    }
    struct node_acc *n = &g->nodes[g->nnodes];
    memset(n, 0, sizeof(*n));
    n->name = xstrdup(name);
    n->type = xstrdup(type);
    n->start = INFINITY;
    n->end = -INFINITY;
    stats_init(&n->st);
    return g->nnodes++;
}

static void bump(json_t *hist, double seconds)
{
    char key[32];
    snprintf(key, sizeof(key), "%.3f", round(seconds * 1000) / 1000);
    json_t *c = json_object_get(hist, key);
    json_object_set_new(hist, key, json_integer(c ? json_integer_value(c) + 1 : 1));
}

/* Counts one call or segment (any JSON object with ok/error/fault/throttle/response_time). */
static void count(struct stats *s, const json_t *c, bool with_duration)
{
    double rt = json_number_value(json_object_get(c, "response_time"));
    s->total++;
    s->total_response_time += rt;
    if (json_is_true(json_object_get(c, "fault"))) {
        s->fault++;
    } else if (json_is_true(json_object_get(c, "throttle"))) {
        s->throttle++;
    } else if (json_is_true(json_object_get(c, "error"))) {
        s->error_other++;
    } else {
        s->ok++;
    }
    bump(s->histogram, rt);
    if (with_duration) {
        bump(s->durations, rt);
    }
}

static void widen(double *start, double *end, const json_t *c)
{
    json_t *s = json_object_get(c, "start_time"), *e = json_object_get(c, "end_time");
    if (json_is_number(s)) {
        *start = fmin(*start, json_number_value(s));
    }
    if (json_is_number(e)) {
        *end = fmax(*end, json_number_value(e));
    }
}

static void add_node(struct graph *g, const json_t *node)
{
    size_t i = node_index(g, str_or_empty(json_object_get(node, "name")),
                          str_or_empty(json_object_get(node, "type")));
    struct node_acc *n = &g->nodes[i];
    n->root |= json_is_true(json_object_get(node, "root"));
    n->inferred |= json_is_true(json_object_get(node, "inferred"));
    n->client |= json_is_true(json_object_get(node, "client"));
    const char *acct = json_string_value(json_object_get(node, "account_id"));
    if (acct && !n->account_id) {
        n->account_id = xstrdup(acct);
    }
    size_t k;
    json_t *seg;
    json_array_foreach(json_object_get(node, "segments"), k, seg)
    {
        widen(&n->start, &n->end, seg);
        if (!n->client) {
            count(&n->st, seg, true);
        }
    }
}

static void add_edge(struct graph *g, const json_t *edge)
{
    const json_t *src = json_object_get(edge, "source"),
                 *dst = json_object_get(edge, "destination");
    size_t si = node_index(g, str_or_empty(json_object_get(src, "name")),
                           str_or_empty(json_object_get(src, "type")));
    size_t di = node_index(g, str_or_empty(json_object_get(dst, "name")),
                           str_or_empty(json_object_get(dst, "type")));
    struct node_acc *n = &g->nodes[si];
    struct edge_acc *e = NULL;
    for (size_t k = 0; k < n->nedges; k++) {
        if (n->edges[k].dst == di) {
            e = &n->edges[k];
        }
    }
    if (!e) {
        n->edges = xrealloc(n->edges, (n->nedges + 1) * sizeof(*n->edges));
        e = &n->edges[n->nedges++];
        e->dst = di;
        e->start = INFINITY;
        e->end = -INFINITY;
        stats_init(&e->st);
    }
    size_t k;
    json_t *call;
    json_array_foreach(json_object_get(edge, "calls"), k, call)
    {
        widen(&e->start, &e->end, call);
        count(&e->st, call, false);
    }
}

void graph_add_trace(struct graph *g, const json_t *derived)
{
    size_t i;
    json_t *v;
    /* Nodes first so ReferenceIds follow the order services appear in, callers before callees. */
    json_array_foreach(json_object_get(derived, "nodes"), i, v)
    {
        add_node(g, v);
    }
    json_array_foreach(json_object_get(derived, "edges"), i, v)
    {
        add_edge(g, v);
    }
}

static json_t *histogram_json(const json_t *hist)
{
    json_t *out = json_array();
    const char *key;
    json_t *c;
    json_object_foreach((json_t *)hist, key, c)
    {
        json_t *entry = json_object();
        json_object_set_new(entry, "Value", json_real(strtod(key, NULL)));
        json_object_set_new(entry, "Count", json_integer(json_integer_value(c)));
        json_array_append_new(out, entry);
    }
    return out;
}

static json_t *stats_json(const struct stats *s)
{
    json_t *err = json_object(), *fault = json_object(), *out = json_object();
    json_object_set_new(err, "ThrottleCount", json_integer(s->throttle));
    json_object_set_new(err, "OtherCount", json_integer(s->error_other));
    json_object_set_new(err, "TotalCount", json_integer(s->throttle + s->error_other));
    json_object_set_new(fault, "OtherCount", json_integer(s->fault));
    json_object_set_new(fault, "TotalCount", json_integer(s->fault));
    json_object_set_new(out, "OkCount", json_integer(s->ok));
    json_object_set_new(out, "ErrorStatistics", err);
    json_object_set_new(out, "FaultStatistics", fault);
    json_object_set_new(out, "TotalCount", json_integer(s->total));
    json_object_set_new(out, "TotalResponseTime", json_real(s->total_response_time));
    return out;
}

static json_t *edge_json(const struct edge_acc *e)
{
    json_t *out = json_object();
    json_object_set_new(out, "ReferenceId", json_integer((json_int_t)e->dst));
    if (isfinite(e->start)) {
        json_object_set_new(out, "StartTime", json_real(e->start));
        json_object_set_new(out, "EndTime", json_real(e->end));
    }
    json_object_set_new(out, "SummaryStatistics", stats_json(&e->st));
    json_object_set_new(out, "ResponseTimeHistogram", histogram_json(e->st.histogram));
    json_object_set_new(out, "Aliases", json_array());
    return out;
}

static json_t *node_json(const struct graph *g, size_t i)
{
    const struct node_acc *n = &g->nodes[i];
    json_t *out = json_object(), *names = json_array(), *edges = json_array();
    json_object_set_new(out, "ReferenceId", json_integer((json_int_t)i));
    json_object_set_new(out, "Name", json_string(n->name));
    json_array_append_new(names, json_string(n->name));
    json_object_set_new(out, "Names", names);
    json_object_set_new(out, "Root", json_boolean(n->root));
    if (n->account_id) {
        json_object_set_new(out, "AccountId", json_string(n->account_id));
    }
    json_object_set_new(out, "Type", json_string(n->type));
    json_object_set_new(out, "State", json_string(n->client || n->inferred ? "unknown" : "active"));
    if (isfinite(n->start)) {
        json_object_set_new(out, "StartTime", json_real(n->start));
        json_object_set_new(out, "EndTime", json_real(n->end));
    }
    for (size_t k = 0; k < n->nedges; k++) {
        json_array_append_new(edges, edge_json(&n->edges[k]));
    }
    json_object_set_new(out, "Edges", edges);
    if (!n->client) {
        json_object_set_new(out, "SummaryStatistics", stats_json(&n->st));
        json_object_set_new(out, "DurationHistogram", histogram_json(n->st.durations));
        json_object_set_new(out, "ResponseTimeHistogram", histogram_json(n->st.histogram));
    }
    return out;
}

json_t *graph_services(const struct graph *g)
{
    json_t *out = json_array();
    for (size_t i = 0; i < g->nnodes; i++) {
        json_array_append_new(out, node_json(g, i));
    }
    return out;
}
