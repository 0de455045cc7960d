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

#include "trace_facts.h"

/* Response-time histogram: counts per millisecond bucket, kept in the order buckets first
 * appear (the order jansson objects iterated in when they held these counts, which is the
 * output order), with an open-addressing index keyed by the bucket value's bits. Two bucket
 * values print the same "%.3f" key exactly when their bits are equal, so this counts what the
 * string-keyed object counted. */
struct hist_entry {
    double value;
    int64_t count;
};

struct hist {
    struct hist_entry *entries;
    size_t n, cap;
    uint32_t *slots; /* index + 1 into entries; 0 = empty */
    size_t nslots;   /* power of two */
};

struct stats {
    int64_t ok, error_other, throttle, fault, total;
    double total_response_time;
    struct hist histogram;
    struct hist durations; /* nodes only */
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

static void hist_fini(struct hist *h)
{
    free(h->entries);
    free(h->slots);
}

static void stats_fini(struct stats *s)
{
    hist_fini(&s->histogram);
    hist_fini(&s->durations);
}

static uint64_t hist_hash(double v)
{
    uint64_t bits;
    memcpy(&bits, &v, sizeof(bits));
    bits ^= bits >> 33;
    bits *= 0xff51afd7ed558ccdULL;
    bits ^= bits >> 33;
    return bits;
}

static bool same_bits(double a, double b)
{
    return memcmp(&a, &b, sizeof(a)) == 0;
}

static void hist_rehash(struct hist *h)
{
    free(h->slots);
    h->nslots = h->nslots ? h->nslots * 2 : 16;
    h->slots = xcalloc(h->nslots, sizeof(*h->slots));
    for (size_t i = 0; i < h->n; i++) {
        size_t at = hist_hash(h->entries[i].value) & (h->nslots - 1);
        while (h->slots[at]) {
            at = (at + 1) & (h->nslots - 1);
        }
        h->slots[at] = (uint32_t)(i + 1);
    }
}

static void bump(struct hist *h, double seconds)
{
    double v = round(seconds * 1000) / 1000;
    if ((h->n + 1) * 2 > h->nslots) {
        hist_rehash(h);
    }
    size_t at = hist_hash(v) & (h->nslots - 1);
    while (h->slots[at]) {
        struct hist_entry *e = &h->entries[h->slots[at] - 1];
        if (same_bits(e->value, v)) {
            e->count++;
            return;
        }
        at = (at + 1) & (h->nslots - 1);
    }
    if (h->n == h->cap) {
        h->cap = h->cap ? h->cap * 2 : 8;
        h->entries = xrealloc(h->entries, h->cap * sizeof(*h->entries));
    }
    h->entries[h->n] = (struct hist_entry){v, 1};
    h->slots[at] = (uint32_t)(++h->n);
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
    s->total++;
    s->total_response_time += it->rt;
    if (it->fault) {
        s->fault++;
    } else if (it->throttle) {
        s->throttle++;
    } else if (it->error) {
        s->error_other++;
    } else {
        s->ok++;
    }
    bump(&s->histogram, it->rt);
    if (with_duration) {
        bump(&s->durations, it->rt);
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

static json_t *histogram_json(const struct hist *h)
{
    json_t *out = json_array();
    for (size_t i = 0; i < h->n; i++) {
        /* Value goes through the same text the string-keyed histogram used as its key. */
        char key[64];
        snprintf(key, sizeof(key), "%.3f", h->entries[i].value);
        json_t *entry = json_object();
        json_object_set_new(entry, "Value", json_real(strtod(key, NULL)));
        json_object_set_new(entry, "Count", json_integer(h->entries[i].count));
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
    json_object_set_new(out, "ResponseTimeHistogram", histogram_json(&e->st.histogram));
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
        json_object_set_new(out, "DurationHistogram", histogram_json(&n->st.durations));
        json_object_set_new(out, "ResponseTimeHistogram", histogram_json(&n->st.histogram));
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
