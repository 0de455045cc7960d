/*
 * trace_facts_decode.c - decodes the packed struct trace_view that trace_facts.c encodes (the
 * format is described there): the whole view, the facts part alone (graph or not) or the summary
 * part on top of decoded facts. Every read is bounds-checked; a short or malformed blob returns
 * ERR_INVALID and leaves counts the caller may still free. Pure functions; any thread may call
 * them, each on its own struct trace_view.
 */
#include "trace_facts.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "trace_facts_int.h"

struct in {
    const uint8_t *p, *end;
    bool bad;
};

static uint64_t get_varint(struct in *in)
{
    uint64_t v = 0;
    for (int shift = 0; shift < 64; shift += 7) {
        if (in->p >= in->end) {
            break;
        }
        uint8_t b = *in->p++;
        v |= (uint64_t)(b & 0x7f) << shift;
        if (!(b & 0x80)) {
            return v;
        }
    }
    in->bad = true;
    return 0;
}

/* A count that cannot exceed the bytes left (each element takes at least one byte), so a
 * corrupt blob never makes us allocate much. */
static size_t get_count(struct in *in)
{
    uint64_t n = get_varint(in);
    if (n > (uint64_t)(in->end - in->p)) {
        in->bad = true;
        return 0;
    }
    return (size_t)n;
}

static void get_value(struct in *in, struct tf_val *v)
{
    memset(v, 0, sizeof(*v));
    if (in->p >= in->end) {
        in->bad = true;
        return;
    }
    uint8_t tag = *in->p++;
    switch (tag) {
    case TF_TAG_NONE:
        break;
    case TF_TAG_FALSE:
    case TF_TAG_TRUE:
        v->type = TF_BOOL;
        v->b = tag == TF_TAG_TRUE;
        break;
    case TF_TAG_NUM:
        if ((size_t)(in->end - in->p) < sizeof(double)) {
            in->bad = true;
            return;
        }
        v->type = TF_NUM;
        memcpy(&v->n, in->p, sizeof(double));
        in->p += sizeof(double);
        break;
    case TF_TAG_STR: {
        size_t n = get_count(in);
        if (in->bad || (size_t)(in->end - in->p) < n + 1 || in->p[n] != '\0') {
            in->bad = true;
            return;
        }
        v->type = TF_STR;
        v->s = (const char *)in->p;
        in->p += n + 1;
        break;
    }
    default:
        in->bad = true;
    }
}

/* Makes room for n more elements of an array of `size`-byte elements. */
static void *reserve(void *arr, size_t *cap, size_t used, size_t n, size_t size)
{
    if (used + n > *cap) {
        *cap = (used + n) * 2 + 16;
        arr = xrealloc(arr, *cap * size);
    }
    return arr;
}

static void get_ref(struct in *in, struct tf_ref *r)
{
    get_value(in, &r->name);
    get_value(in, &r->type);
    get_value(in, &r->account);
}

static void get_end(struct in *in, const struct trace_view *f, struct tf_ref *r)
{
    uint64_t k = get_varint(in);
    if (k == 0) {
        get_ref(in, r);
    } else if (k <= f->nnodes) {
        memset(r, 0, sizeof(*r));
        r->name = f->nodes[k - 1].id.name;
        r->type = f->nodes[k - 1].id.type;
    } else {
        in->bad = true;
    }
}

/* Reads a list of items (node segments carry id and in_progress); returns the first's index. */
static size_t get_items(struct in *in, struct trace_view *f, size_t *n, bool node)
{
    size_t first = f->nitems;
    *n = get_count(in);
    f->items = reserve(f->items, &f->cap_items, f->nitems, *n, sizeof(*f->items));
    for (size_t i = 0; i < *n && !in->bad; i++) {
        struct tf_item *it = &f->items[f->nitems++];
        for (int k = 0; k < TF_FIELD_COUNT; k++) {
            if (k == TF_RT && in->p < in->end && *in->p == TF_TAG_SPAN) {
                in->p++;
                if (it->f[TF_START].type != TF_NUM || it->f[TF_END].type != TF_NUM) {
                    in->bad = true;
                }
                it->f[k] =
                    (struct tf_val){.type = TF_NUM, .n = it->f[TF_END].n - it->f[TF_START].n};
            } else {
                get_value(in, &it->f[k]);
            }
        }
        memset(&it->id, 0, sizeof(it->id));
        memset(&it->in_progress, 0, sizeof(it->in_progress));
        (void)node;
    }
    return first;
}

static void get_nodes(struct in *in, struct trace_view *f)
{
    size_t n = get_count(in);
    f->nodes = reserve(f->nodes, &f->cap_nodes, 0, n, sizeof(*f->nodes));
    for (size_t i = 0; i < n && !in->bad; i++) {
        struct tf_node *nd = &f->nodes[f->nnodes++];
        get_ref(in, &nd->id);
        get_value(in, &nd->root);
        get_value(in, &nd->inferred);
        get_value(in, &nd->client);
        nd->first = get_items(in, f, &nd->n, true);
    }
}

static void get_edges(struct in *in, struct trace_view *f)
{
    size_t n = get_count(in);
    f->edges = reserve(f->edges, &f->cap_edges, 0, n, sizeof(*f->edges));
    for (size_t i = 0; i < n && !in->bad; i++) {
        struct tf_edge *e = &f->edges[f->nedges++];
        get_end(in, f, &e->src);
        get_end(in, f, &e->dst);
        e->first = get_items(in, f, &e->n, false);
    }
}

/* A node index + 1 (0 = none). Nodes are decoded after annotations, so annotations are checked
 * against the node count in the summary's pass. */
static int get_node(struct in *in)
{
    uint64_t k = get_varint(in);
    if (k > INT32_MAX) {
        in->bad = true;
        return 0;
    }
    return (int)k;
}

static void get_users(struct in *in, struct trace_view *f)
{
    size_t n = get_count(in);
    f->users = reserve(f->users, &f->cap_users, 0, n, sizeof(*f->users));
    for (size_t i = 0; i < n && !in->bad; i++) {
        struct tv_user *u = &f->users[f->nusers++];
        get_value(in, &u->name);
        u->n = get_count(in);
        u->first = f->nuser_nodes;
        f->user_nodes =
            reserve(f->user_nodes, &f->cap_user_nodes, f->nuser_nodes, u->n, sizeof(size_t));
        for (size_t k = 0; k < u->n && !in->bad; k++) {
            uint64_t nd = get_varint(in);
            if (nd >= f->nnodes) {
                in->bad = true;
            }
            f->user_nodes[f->nuser_nodes++] = (size_t)nd;
        }
    }
}

static void get_entity(struct in *in, struct trace_view *f, struct tv_rc_entity *e)
{
    get_value(in, &e->name);
    get_value(in, &e->coverage);
    get_value(in, &e->remote);
    size_t k = get_count(in);
    e->has_exceptions = k > 0;
    e->n = k > 0 ? k - 1 : 0;
    e->first = f->nexceptions;
    if (e->n > (size_t)(in->end - in->p)) {
        in->bad = true;
        return;
    }
    f->exceptions =
        reserve(f->exceptions, &f->cap_exceptions, f->nexceptions, e->n, sizeof(*f->exceptions));
    for (size_t i = 0; i < e->n && !in->bad; i++) {
        struct tv_exception *x = &f->exceptions[f->nexceptions++];
        get_value(in, &x->name);
        get_value(in, &x->message);
    }
}

static void get_causes(struct in *in, struct trace_view *f, int kind)
{
    size_t n = get_count(in);
    f->cause_first[kind] = f->ncauses;
    f->cause_n[kind] = n;
    f->causes = reserve(f->causes, &f->cap_causes, f->ncauses, n, sizeof(*f->causes));
    for (size_t i = 0; i < n && !in->bad; i++) {
        struct tv_cause *c = &f->causes[f->ncauses++];
        get_value(in, &c->client_impacting);
        c->n = get_count(in);
        c->first = f->nrc_services;
        f->rc_services = reserve(f->rc_services, &f->cap_rc_services, f->nrc_services, c->n,
                                 sizeof(*f->rc_services));
        for (size_t j = 0; j < c->n && !in->bad; j++) {
            struct tv_rc_service *s = &f->rc_services[f->nrc_services++];
            get_ref(in, &s->id);
            get_value(in, &s->inferred);
            s->n = get_count(in);
            s->first = f->nrc_entities;
            f->rc_entities = reserve(f->rc_entities, &f->cap_rc_entities, f->nrc_entities, s->n,
                                     sizeof(*f->rc_entities));
            for (size_t k = 0; k < s->n && !in->bad; k++) {
                get_entity(in, f, &f->rc_entities[f->nrc_entities++]);
            }
        }
    }
}

static void get_summary(struct in *in, struct trace_view *f)
{
    get_value(in, &f->trace_id);
    get_value(in, &f->start);
    get_value(in, &f->end);
    get_value(in, &f->ndocs);
    get_value(in, &f->root_name);
    get_value(in, &f->root_type);
    get_value(in, &f->root_id);
    get_value(in, &f->has_fault);
    get_value(in, &f->has_error);
    get_value(in, &f->has_throttle);
    uint64_t rn = get_varint(in);
    if (rn > f->nnodes) {
        in->bad = true;
    }
    f->root_node = (int)rn - 1;
    for (size_t i = 0; i < f->nannots; i++) {
        if (f->annots[i].node >= (int)f->nnodes) {
            in->bad = true;
        }
    }
    get_users(in, f);
    for (int k = 0; k < TV_RC_COUNT && !in->bad; k++) {
        get_causes(in, f, k);
    }
    for (size_t k = 0; k < f->nnodes && !in->bad; k++) {
        const struct tf_node *nd = &f->nodes[k];
        for (size_t i = 0; i < nd->n && !in->bad; i++) {
            get_value(in, &f->items[nd->first + i].id);
            get_value(in, &f->items[nd->first + i].in_progress);
        }
    }
    f->summary = !in->bad;
}

int trace_facts_decode_summary(struct trace_view *f, const void *blob, size_t len)
{
    struct in in = {blob, (const uint8_t *)blob + len, false};
    if (!f->graph) {
        return ERR_INVALID;
    }
    f->nusers = f->nuser_nodes = f->ncauses = f->nrc_services = f->nrc_entities = f->nexceptions =
        0;
    get_summary(&in, f);
    if (in.bad || in.p != in.end) {
        f->summary = false;
        return ERR_INVALID;
    }
    return 0;
}

int trace_facts_decode(struct trace_view *f, const void *blob, size_t len)
{
    return trace_facts_decode_part(f, blob, len, true);
}

int trace_facts_decode_part(struct trace_view *f, const void *blob, size_t len, bool graph)
{
    struct in in = {blob, (const uint8_t *)blob + len, false};
    f->nvals = f->nannots = f->nnodes = f->nedges = f->nitems = 0;
    f->nusers = f->nuser_nodes = f->ncauses = f->nrc_services = f->nrc_entities = f->nexceptions =
        0;
    f->summary = false;
    f->root_node = -1;
    if (len < 1 || *in.p++ != TRACE_FACTS_VERSION) {
        return ERR_INVALID;
    }
    for (int t = 0; t < TF_TOP_COUNT; t++) {
        get_value(&in, &f->top[t]);
    }
    for (int l = 0; l < TF_LIST_COUNT && !in.bad; l++) {
        size_t n = get_count(&in);
        f->vals = reserve(f->vals, &f->cap_vals, f->nvals, n, sizeof(*f->vals));
        f->list_first[l] = f->nvals;
        f->list_n[l] = n;
        for (size_t i = 0; i < n && !in.bad; i++) {
            get_value(&in, &f->vals[f->nvals++]);
        }
    }
    size_t n = in.bad ? 0 : get_count(&in);
    f->annots = reserve(f->annots, &f->cap_annots, 0, n, sizeof(*f->annots));
    for (size_t i = 0; i < n && !in.bad; i++) {
        struct tf_annot *a = &f->annots[f->nannots++];
        get_value(&in, &a->key);
        get_value(&in, &a->value);
        a->node = get_node(&in) - 1;
    }
    f->graph = graph;
    if (!graph) {
        return in.bad ? ERR_INVALID : 0;
    }
    if (!in.bad) {
        get_nodes(&in, f);
    }
    if (!in.bad) {
        get_edges(&in, f);
    }
    f->summary_at = (size_t)(in.p - (const uint8_t *)blob);
    /* A facts row alone (trace_facts.facts) ends here; a whole view goes on. */
    if (!in.bad && in.p < in.end) {
        get_summary(&in, f);
    }
    return in.bad || in.p != in.end ? ERR_INVALID : 0;
}

void trace_facts_init(struct trace_view *f)
{
    memset(f, 0, sizeof(*f));
}

void trace_facts_fini(struct trace_view *f)
{
    free(f->vals);
    free(f->annots);
    free(f->nodes);
    free(f->edges);
    free(f->items);
    free(f->users);
    free(f->user_nodes);
    free(f->causes);
    free(f->rc_services);
    free(f->rc_entities);
    free(f->exceptions);
    memset(f, 0, sizeof(*f));
}
