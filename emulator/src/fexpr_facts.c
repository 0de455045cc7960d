/*
 * fexpr_facts.c - the filter-expression pre-filter: evaluates a compiled expression on a trace's
 * packed facts (trace_facts.h) in three-valued logic, so trace search, the service graph and
 * the time series parse a derived view only when the facts cannot decide (DESIGN.md §5: narrow
 * candidates cheaply, evaluate the rest on the view). Any thread; reads only.
 *
 * Soundness: every leaf answers NO or YES only when fexpr_eval.c would certainly answer false
 * or true for the same view, because it reads the same members (the facts keep absent vs
 * present and each value's type) and applies the same fexpr_test(); anything else is MAYBE.
 * AND/OR/NOT then follow Kleene's logic, which preserves that. Evaluation contexts mirror
 * fexpr_eval.c: the root is visible only at the top, a service() body sees the node and one
 * segment, an edge() body sees only one call. Root-cause keywords are always MAYBE.
 * test_fexpr.c checks, for every case of tests/cases/fexpr.txt, that NO never drops a match and
 * YES never admits a non-match.
 */
#include <string.h>

#include "fexpr_int.h"
#include "trace_facts.h"

struct fctx {
    const struct trace_view *f;
    bool top;                   /* the root segment is visible */
    const struct tf_node *node; /* inside service() */
    const struct tf_item *item; /* the segment (service) or call (edge) */
};

static enum fexpr_verdict pre(const struct node *n, const struct fctx *c);

static enum fexpr_verdict verdict(bool yes)
{
    return yes ? FEXPR_YES : FEXPR_NO;
}

static void to_val(const struct tf_val *t, struct val *v)
{
    static const enum vtype types[] = {
        [TF_NONE] = VT_NONE, [TF_BOOL] = VT_BOOL, [TF_NUM] = VT_NUM, [TF_STR] = VT_STR};
    memset(v, 0, sizeof(*v));
    v->type = types[t->type];
    v->b = t->b;
    v->n = t->n;
    v->s = t->s;
}

/* fexpr_eval.c's eval_keyword: a missing value is false, otherwise fexpr_test decides. */
static enum fexpr_verdict test_one(const struct node *n, const struct tf_val *t)
{
    struct val v;
    if (t->type == TF_NONE) {
        return FEXPR_NO;
    }
    to_val(t, &v);
    return verdict(fexpr_test(n, &v));
}

static enum fexpr_verdict keyword_trace(const struct node *n, const struct access *a,
                                        const struct fctx *c)
{
    if (n->kw->list) {
        int l = trace_facts_list_slot(a->key);
        if (l < 0 || a->key2) {
            return FEXPR_MAYBE;
        }
        for (size_t i = 0; i < c->f->list_n[l]; i++) {
            if (test_one(n, &c->f->vals[c->f->list_first[l] + i]) == FEXPR_YES) {
                return FEXPR_YES;
            }
        }
        return FEXPR_NO;
    }
    int slot = trace_facts_top_slot(a->key, a->key2, NULL);
    return slot < 0 ? FEXPR_MAYBE : test_one(n, &c->f->top[slot]);
}

static enum fexpr_verdict keyword_node(const struct node *n, const struct access *a,
                                       const struct fctx *c)
{
    const struct tf_node *nd = c->node;
    const struct tf_val *t = NULL;
    if (!nd) {
        return FEXPR_NO; /* fexpr_eval.c reads a NULL node: the member is missing */
    }
    if (a->key2) {
        return FEXPR_MAYBE;
    }
    if (strcmp(a->key, "root") == 0) {
        t = &nd->root;
    } else if (strcmp(a->key, "inferred") == 0) {
        t = &nd->inferred;
    } else if (strcmp(a->key, "name") == 0) {
        t = &nd->id.name;
    } else if (strcmp(a->key, "type") == 0) {
        t = &nd->id.type;
    }
    return t ? test_one(n, t) : FEXPR_MAYBE;
}

static enum fexpr_verdict keyword(const struct node *n, const struct fctx *c)
{
    const struct access *a = &n->kw->at[n->scope];
    switch (a->obj) {
    case O_TRACE:
        return keyword_trace(n, a, c);
    case O_ROOT:
        if (!c->top) {
            return FEXPR_NO; /* sub-contexts have no root: the member is missing */
        }
        if (n->kw->list) {
            return FEXPR_MAYBE;
        }
        int slot = trace_facts_top_slot("root", a->key, a->key2);
        return slot < 0 ? FEXPR_MAYBE : test_one(n, &c->f->top[slot]);
    case O_SEG:
    case O_CALL: {
        int field = a->key2 || n->kw->list ? -1 : trace_facts_field(a->key);
        if (!c->item) {
            return FEXPR_NO;
        }
        return field < 0 ? FEXPR_MAYBE : test_one(n, &c->item->f[field]);
    }
    case O_NODE:
        return n->kw->list ? FEXPR_MAYBE : keyword_node(n, a, c);
    default:
        return FEXPR_MAYBE;
    }
}

static enum fexpr_verdict annotation(const struct node *n, const struct fctx *c)
{
    for (size_t i = 0; i < c->f->nannots; i++) {
        const struct tf_annot *a = &c->f->annots[i];
        if (a->key.type == TF_STR && strcmp(a->key.s, n->key) == 0 &&
            test_one(n, &a->value) == FEXPR_YES) {
            return FEXPR_YES;
        }
    }
    return FEXPR_NO;
}

static bool str_is(const struct tf_val *v, const char *want)
{
    return v->type == TF_STR && strcmp(v->s, want) == 0;
}

static bool sel_match(const struct sel *s, const struct tf_ref *r)
{
    return !s ||
           ((!s->name || str_is(&r->name, s->name)) && (!s->type || str_is(&r->type, s->type)) &&
            (!s->account || str_is(&r->account, s->account)));
}

static const struct node *body_of(const struct node *n)
{
    return n->nkids ? n->kids[0] : NULL;
}

/* Some item of items[first..first+count) satisfies the body: YES if one certainly does, NO if
 * none can, MAYBE otherwise. *acc collects MAYBE across calls. */
static bool any_item(const struct node *body, const struct fctx *base, size_t first, size_t count,
                     enum fexpr_verdict *acc)
{
    for (size_t k = 0; k < count; k++) {
        struct fctx sub = *base;
        sub.item = &base->f->items[first + k];
        enum fexpr_verdict r = pre(body, &sub);
        if (r == FEXPR_YES) {
            return true;
        }
        if (r == FEXPR_MAYBE) {
            *acc = FEXPR_MAYBE;
        }
    }
    return false;
}

static bool is_client_node(const struct tf_node *nd)
{
    return nd->client.type == TF_BOOL && nd->client.b;
}

static enum fexpr_verdict service(const struct node *n, const struct fctx *c)
{
    enum fexpr_verdict acc = FEXPR_NO;
    if (!c->f->graph) {
        return FEXPR_MAYBE;
    }
    for (size_t i = 0; i < c->f->nnodes; i++) {
        const struct tf_node *nd = &c->f->nodes[i];
        if (is_client_node(nd) || !sel_match(n->sel[0], &nd->id)) {
            continue;
        }
        if (!body_of(n)) {
            return FEXPR_YES;
        }
        struct fctx sub = {.f = c->f, .node = nd};
        if (any_item(body_of(n), &sub, nd->first, nd->n, &acc)) {
            return FEXPR_YES;
        }
    }
    return acc;
}

static bool edge_selected(const struct node *n, const struct tf_edge *e)
{
    return !str_is(&e->src.type, "client") && !str_is(&e->dst.type, "client") &&
           sel_match(n->sel[0], &e->src) && sel_match(n->sel[1], &e->dst);
}

static enum fexpr_verdict edge(const struct node *n, const struct fctx *c)
{
    enum fexpr_verdict acc = FEXPR_NO;
    if (!c->f->graph) {
        return FEXPR_MAYBE;
    }
    for (size_t i = 0; i < c->f->nedges; i++) {
        const struct tf_edge *e = &c->f->edges[i];
        if (!edge_selected(n, e)) {
            continue;
        }
        if (!body_of(n)) {
            return FEXPR_YES;
        }
        struct fctx sub = {.f = c->f};
        if (any_item(body_of(n), &sub, e->first, e->n, &acc)) {
            return FEXPR_YES;
        }
    }
    return acc;
}

/* AND and OR over three values: `decisive` (NO for AND, YES for OR) settles the node at once;
 * otherwise any MAYBE makes it MAYBE, and all the others give the opposite of `decisive`. */
static enum fexpr_verdict fold(const struct node *n, const struct fctx *c,
                               enum fexpr_verdict decisive)
{
    enum fexpr_verdict acc = decisive == FEXPR_NO ? FEXPR_YES : FEXPR_NO;
    for (size_t i = 0; i < n->nkids; i++) {
        enum fexpr_verdict r = pre(n->kids[i], c);
        if (r == decisive) {
            return decisive;
        }
        if (r == FEXPR_MAYBE) {
            acc = FEXPR_MAYBE;
        }
    }
    return acc;
}

static enum fexpr_verdict pre(const struct node *n, const struct fctx *c)
{
    static const enum fexpr_verdict negated[] = {
        [FEXPR_NO] = FEXPR_YES, [FEXPR_MAYBE] = FEXPR_MAYBE, [FEXPR_YES] = FEXPR_NO};
    switch (n->type) {
    case N_AND:
        return fold(n, c, FEXPR_NO);
    case N_OR:
        return fold(n, c, FEXPR_YES);
    case N_NOT:
        return negated[pre(n->kids[0], c)];
    case N_KW:
    case N_CMP:
        return keyword(n, c);
    case N_ANNOT:
        return annotation(n, c);
    case N_SERVICE:
        return service(n, c);
    case N_EDGE:
        return edge(n, c);
    case N_GROUP:
        return pre(n->kids[0], c);
    case N_ALL:
        return FEXPR_YES;
    case N_RC:
    case N_RCJSON:
        return FEXPR_MAYBE;
    }
    return FEXPR_MAYBE;
}

static bool reads_graph(const struct node *n)
{
    if (n->type == N_SERVICE || n->type == N_EDGE) {
        return true;
    }
    for (size_t i = 0; i < n->nkids; i++) {
        if (n->kids[i] && reads_graph(n->kids[i])) {
            return true;
        }
    }
    return false;
}

bool fexpr_reads_graph(const struct fexpr *e)
{
    return e && reads_graph(e->root);
}

enum fexpr_verdict fexpr_prefilter(const struct fexpr *e, const struct trace_view *f)
{
    struct fctx c = {.f = f, .top = true};
    return e ? pre(e->root, &c) : FEXPR_NO;
}

bool fexpr_selects_node(const struct fexpr *e, const struct trace_view *f, size_t i)
{
    const struct tf_node *nd = &f->nodes[i];
    return e && e->root->type == N_SERVICE && !body_of(e->root) && !is_client_node(nd) &&
           sel_match(e->root->sel[0], &nd->id);
}

bool fexpr_selects_edge(const struct fexpr *e, const struct trace_view *f, size_t i)
{
    return e && e->root->type == N_EDGE && !body_of(e->root) &&
           edge_selected(e->root, &f->edges[i]);
}
