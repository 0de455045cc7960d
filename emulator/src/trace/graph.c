/*
 * graph.c - service-graph aggregation (see graph.h). Node statistics come from the callee's own
 * segments (or its inferred segment), edge statistics from the caller's subsegments, as X-Ray
 * computes them (reference/xray-api.md GetServiceGraph). Histograms bucket response times to
 * the millisecond.
 */
#include "graph.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "svcstats.h"
#include "trace_facts.h"

struct stats {
    struct svcstats c;
    struct svcstats_hist histogram;
    struct svcstats_hist durations; /* nodes only */
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

/* One segment or call as count() needs it, read from a view or from packed facts. */
struct item {
    bool has_start, has_end;
    double start, end, rt;
    bool fault, throttle, error;
};

struct graph *graph_new(void)
{
    return xcalloc(1, sizeof(struct graph));
}

static void stats_init(struct stats *s)
{
    memset(s, 0, sizeof(*s));
}

static void stats_fini(struct stats *s)
{
    svcstats_hist_fini(&s->histogram);
    svcstats_hist_fini(&s->durations);
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

/* Counts one call or segment. */
static void count(struct stats *s, const struct item *it, bool with_duration)
{
    svcstats_count(&s->c, it->rt, it->fault, it->throttle, it->error);
    svcstats_hist_add(&s->histogram, it->rt);
    if (with_duration) {
        svcstats_hist_add(&s->durations, it->rt);
    }
}

static void widen(double *start, double *end, const struct item *it)
{
    if (it->has_start) {
        *start = fmin(*start, it->start);
    }
    if (it->has_end) {
        *end = fmax(*end, it->end);
    }
}

static bool tf_true(const struct tf_val *v)
{
    return v->type == TF_BOOL && v->b;
}

static double tf_num(const struct tf_val *v)
{
    return v->type == TF_NUM ? v->n : 0;
}

static const char *tf_str_or_empty(const struct tf_val *v)
{
    return v->type == TF_STR ? v->s : "";
}

static struct item item_of_facts(const struct tf_item *c)
{
    return (struct item){
        .has_start = c->f[TF_START].type == TF_NUM,
        .has_end = c->f[TF_END].type == TF_NUM,
        .start = tf_num(&c->f[TF_START]),
        .end = tf_num(&c->f[TF_END]),
        .rt = tf_num(&c->f[TF_RT]),
        .fault = tf_true(&c->f[TF_FAULT]),
        .throttle = tf_true(&c->f[TF_THROTTLE]),
        .error = tf_true(&c->f[TF_ERROR]),
    };
}

static struct node_acc *node_begin(struct graph *g, const char *name, const char *type, bool root,
                                   bool inferred, bool client, const char *acct)
{
    size_t i = node_index(g, name, type); /* may move g->nodes */
    struct node_acc *n = &g->nodes[i];
    n->root |= root;
    n->inferred |= inferred;
    n->client |= client;
    if (acct && !n->account_id) {
        n->account_id = xstrdup(acct);
    }
    return n;
}

static void node_segment(struct node_acc *n, const struct item *it)
{
    widen(&n->start, &n->end, it);
    if (!n->client) {
        count(&n->st, it, true);
    }
}

static struct edge_acc *edge_begin(struct graph *g, size_t si, size_t di)
{
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
    return e;
}

static void edge_call(struct edge_acc *e, const struct item *it)
{
    widen(&e->start, &e->end, it);
    count(&e->st, it, false);
}

void graph_add_trace(struct graph *g, const json_t *derived)
{
    size_t len = 0;
    void *blob = trace_facts_pack(derived, &len);
    struct trace_view v;
    trace_facts_init(&v);
    if (trace_facts_decode(&v, blob, len) == 0) {
        graph_add_facts(g, &v);
    }
    trace_facts_fini(&v);
    free(blob);
}

void graph_add_facts(struct graph *g, const struct trace_view *f)
{
    for (size_t i = 0; i < f->nnodes; i++) {
        const struct tf_node *nd = &f->nodes[i];
        struct node_acc *n =
            node_begin(g, tf_str_or_empty(&nd->id.name), tf_str_or_empty(&nd->id.type),
                       tf_true(&nd->root), tf_true(&nd->inferred), tf_true(&nd->client),
                       nd->id.account.type == TF_STR ? nd->id.account.s : NULL);
        for (size_t k = 0; k < nd->n; k++) {
            struct item it = item_of_facts(&f->items[nd->first + k]);
            node_segment(n, &it);
        }
    }
    for (size_t i = 0; i < f->nedges; i++) {
        const struct tf_edge *ed = &f->edges[i];
        size_t si = node_index(g, tf_str_or_empty(&ed->src.name), tf_str_or_empty(&ed->src.type));
        size_t di = node_index(g, tf_str_or_empty(&ed->dst.name), tf_str_or_empty(&ed->dst.type));
        struct edge_acc *e = edge_begin(g, si, di);
        for (size_t k = 0; k < ed->n; k++) {
            struct item it = item_of_facts(&f->items[ed->first + k]);
            edge_call(e, &it);
        }
    }
}

static json_t *edge_json(const struct edge_acc *e)
{
    json_t *out = json_object();
    json_object_set_new(out, "ReferenceId", json_integer((json_int_t)e->dst));
    if (isfinite(e->start)) {
        json_object_set_new(out, "StartTime", json_real(e->start));
        json_object_set_new(out, "EndTime", json_real(e->end));
    }
    json_object_set_new(out, "SummaryStatistics", svcstats_json(&e->st.c));
    json_object_set_new(out, "ResponseTimeHistogram", svcstats_hist_json(&e->st.histogram));
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
        json_object_set_new(out, "SummaryStatistics", svcstats_json(&n->st.c));
        json_object_set_new(out, "DurationHistogram", svcstats_hist_json(&n->st.durations));
        json_object_set_new(out, "ResponseTimeHistogram", svcstats_hist_json(&n->st.histogram));
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
