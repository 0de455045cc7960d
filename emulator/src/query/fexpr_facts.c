/*
 * fexpr_facts.c - the filter-expression evaluator: decides a compiled expression on a trace's
 * view (struct trace_view, trace_facts.h), for trace search, groups, the service graph, the time
 * series and CI assertions alike (DESIGN.md §5: one engine). Any thread; reads only, and all
 * evaluation state lives on the stack.
 *
 * Semantics (reference/filter-expressions.md §5), with our completions:
 * - A comparison on a field that is missing (or of another type) is false; '!' is plain logical
 *   negation, so `!kw` on a missing field is true while `kw != x` is false.
 * - Fields with several values (user, availabilityzone, instance.id, resource.arn, annotations)
 *   match when any one value does; `user != "a"` means "some user is not a".
 * - service()/edge() skip the synthetic client node and edges from or to it.
 * - A body matches when one segment / call / root-cause element satisfies it as a whole.
 * Evaluation contexts: the root is visible only at the top, a service() body sees the node and
 * one segment, an edge() body one call, a root-cause body one service, entity or exception.
 * Root-cause JSON examples (N_RCJSON) are matched against the causes rendered in the API's
 * shapes (trace_view_root_causes), since that is what they are written against.
 */
#include <string.h>

#include "fexpr_int.h"
#include "trace_facts.h"

struct fctx {
    const struct trace_view *f;
    bool top;                   /* the root segment is visible */
    const struct tf_node *node; /* inside service() */
    const struct tf_item *item; /* the segment (service) or call (edge) */
    /* inside a root-cause body: the service, the entity and the element the body is run on */
    const struct tv_rc_service *svc;
    const struct tv_rc_entity *ent;
    const struct tv_exception *exc;
    size_t index, count;
};

static bool eval(const struct node *n, const struct fctx *c);

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

/* A missing value is false, otherwise fexpr_test decides. */
static bool test_one(const struct node *n, const struct tf_val *t)
{
    struct val v;
    if (!t || t->type == TF_NONE) {
        return false;
    }
    to_val(t, &v);
    return fexpr_test(n, &v);
}

static bool keyword_trace(const struct node *n, const struct access *a, const struct fctx *c)
{
    if (n->kw->list) {
        int l = trace_facts_list_slot(a->key);
        for (size_t i = 0; l >= 0 && i < c->f->list_n[l]; i++) {
            if (test_one(n, &c->f->vals[c->f->list_first[l] + i])) {
                return true;
            }
        }
        return false;
    }
    int slot = trace_facts_top_slot(a->key, a->key2, NULL);
    return slot >= 0 && test_one(n, &c->f->top[slot]);
}

static bool keyword_node(const struct node *n, const struct access *a, const struct fctx *c)
{
    const struct tf_node *nd = c->node;
    if (!nd || a->key2) {
        return false; /* no node in this context: the member is missing */
    }
    if (strcmp(a->key, "root") == 0) {
        return test_one(n, &nd->root);
    }
    if (strcmp(a->key, "inferred") == 0) {
        return test_one(n, &nd->inferred);
    }
    if (strcmp(a->key, "name") == 0) {
        return test_one(n, &nd->id.name);
    }
    if (strcmp(a->key, "type") == 0) {
        return test_one(n, &nd->id.type);
    }
    return false;
}

/* A root-cause member as the API's JSON has it (a service without a type has no Type;
 * Coverage only on response-time entities). */
static const struct tf_val *rc_member(const struct fctx *c, enum obj o, const char *key)
{
    if (o == O_SVC && c->svc) {
        if (strcmp(key, "Inferred") == 0) {
            return &c->svc->inferred;
        }
        if (strcmp(key, "Type") == 0) {
            return &c->svc->id.type;
        }
        return strcmp(key, "Name") == 0 ? &c->svc->id.name : NULL;
    }
    if (o == O_ENT && c->ent) {
        if (strcmp(key, "Remote") == 0) {
            return &c->ent->remote;
        }
        if (strcmp(key, "Coverage") == 0) {
            return &c->ent->coverage;
        }
        return strcmp(key, "Name") == 0 ? &c->ent->name : NULL;
    }
    if (o == O_ELEM) {
        /* The element is the innermost of exception, entity, service. */
        if (c->exc) {
            return strcmp(key, "Name") == 0      ? &c->exc->name
                   : strcmp(key, "Message") == 0 ? &c->exc->message
                                                 : NULL;
        }
        return c->ent ? rc_member(c, O_ENT, key) : rc_member(c, O_SVC, key);
    }
    return NULL;
}

static bool keyword(const struct node *n, const struct fctx *c)
{
    const struct access *a = &n->kw->at[n->scope];
    switch (a->obj) {
    case O_TRACE:
        return keyword_trace(n, a, c);
    case O_ROOT: {
        if (!c->top || n->kw->list) {
            return false; /* sub-contexts have no root: the member is missing */
        }
        int slot = trace_facts_top_slot("root", a->key, a->key2);
        return slot >= 0 && test_one(n, &c->f->top[slot]);
    }
    case O_SEG:
    case O_CALL: {
        int field = a->key2 || n->kw->list ? -1 : trace_facts_field(a->key);
        return c->item && field >= 0 && test_one(n, &c->item->f[field]);
    }
    case O_NODE:
        return !n->kw->list && keyword_node(n, a, c);
    case O_SVC:
    case O_ENT:
    case O_ELEM:
        return test_one(n, rc_member(c, a->obj, a->key));
    case O_INDEX: {
        struct tf_val v = {.type = TF_NUM, .n = (double)c->index};
        return test_one(n, &v);
    }
    case O_FIRST:
    case O_LAST: {
        struct tf_val v = {.type = TF_BOOL,
                           .b = a->obj == O_FIRST ? c->index == 0 : c->index + 1 == c->count};
        return test_one(n, &v);
    }
    default:
        return false;
    }
}

static bool annotation(const struct node *n, const struct fctx *c)
{
    for (size_t i = 0; i < c->f->nannots; i++) {
        const struct tf_annot *a = &c->f->annots[i];
        if (a->key.type == TF_STR && strcmp(a->key.s, n->key) == 0 && test_one(n, &a->value)) {
            return true;
        }
    }
    return false;
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

/* Some item of items[first..first+count) satisfies the body. */
static bool any_item(const struct node *body, const struct fctx *base, size_t first, size_t count)
{
    for (size_t k = 0; k < count; k++) {
        struct fctx sub = *base;
        sub.item = &base->f->items[first + k];
        if (eval(body, &sub)) {
            return true;
        }
    }
    return false;
}

static bool is_client_node(const struct tf_node *nd)
{
    return nd->client.type == TF_BOOL && nd->client.b;
}

static bool service(const struct node *n, const struct fctx *c)
{
    for (size_t i = 0; i < c->f->nnodes; i++) {
        const struct tf_node *nd = &c->f->nodes[i];
        if (is_client_node(nd) || !sel_match(n->sel[0], &nd->id)) {
            continue;
        }
        if (!body_of(n)) {
            return true;
        }
        struct fctx sub = {.f = c->f, .node = nd};
        if (any_item(body_of(n), &sub, nd->first, nd->n)) {
            return true;
        }
    }
    return false;
}

static bool edge_selected(const struct node *n, const struct tf_edge *e)
{
    return !str_is(&e->src.type, "client") && !str_is(&e->dst.type, "client") &&
           sel_match(n->sel[0], &e->src) && sel_match(n->sel[1], &e->dst);
}

static bool edge(const struct node *n, const struct fctx *c)
{
    for (size_t i = 0; i < c->f->nedges; i++) {
        const struct tf_edge *e = &c->f->edges[i];
        if (!edge_selected(n, e)) {
            continue;
        }
        if (!body_of(n)) {
            return true;
        }
        struct fctx sub = {.f = c->f};
        if (any_item(body_of(n), &sub, e->first, e->n)) {
            return true;
        }
    }
    return false;
}

/* Runs the body on one element of a list of count (index i); no body = the element exists. */
static bool rc_elem(const struct node *n, struct fctx *sub, size_t i, size_t count)
{
    sub->index = i;
    sub->count = count;
    return !body_of(n) || eval(body_of(n), sub);
}

/* Walks the root causes of the node's list down to the requested level: each cause's
 * services, each service's entity path, each entity's exceptions. */
static bool rootcause(const struct node *n, const struct fctx *c)
{
    static const int kinds[] = {
        [RC_FAULT] = TV_RC_FAULT, [RC_ERROR] = TV_RC_ERROR, [RC_RESPONSETIME] = TV_RC_RESPONSETIME};
    const struct trace_view *f = c->f;
    int kind = kinds[n->rc_list];
    for (size_t i = 0; f->summary && i < f->cause_n[kind]; i++) {
        const struct tv_cause *cause = &f->causes[f->cause_first[kind] + i];
        for (size_t j = 0; j < cause->n; j++) {
            struct fctx sub = {.f = f, .svc = &f->rc_services[cause->first + j]};
            if (n->rc_level == RC_SERVICE) {
                if (rc_elem(n, &sub, j, cause->n)) {
                    return true;
                }
                continue;
            }
            for (size_t k = 0; k < sub.svc->n; k++) {
                sub.ent = &f->rc_entities[sub.svc->first + k];
                sub.exc = NULL;
                if (n->rc_level == RC_ENTITY) {
                    if (rc_elem(n, &sub, k, sub.svc->n)) {
                        return true;
                    }
                    continue;
                }
                for (size_t m = 0; m < sub.ent->n; m++) {
                    sub.exc = &f->exceptions[sub.ent->first + m];
                    if (rc_elem(n, &sub, m, sub.ent->n)) {
                        return true;
                    }
                }
            }
        }
    }
    return false;
}

static bool jex_match(const struct jex *x, const json_t *j);

/* Example array = ordered subsequence of the actual array. Taking the earliest match for each
 * example element is optimal, so one greedy pass decides it. */
static bool jex_match_array(const struct jex *x, const json_t *j)
{
    size_t at = 0;
    if (!json_is_array(j)) {
        return false;
    }
    for (size_t e = 0; e < x->nkids; e++) {
        while (at < json_array_size(j) && !jex_match(&x->kids[e], json_array_get(j, at))) {
            at++;
        }
        if (at == json_array_size(j)) {
            return false;
        }
        at++;
    }
    return true;
}

static bool jex_match(const struct jex *x, const json_t *j)
{
    switch (x->type) {
    case JSON_OBJECT:
        if (!json_is_object(j)) {
            return false;
        }
        for (size_t i = 0; i < x->nkids; i++) {
            const json_t *v = json_object_get(j, x->kids[i].key);
            if (!v || !jex_match(&x->kids[i], v)) {
                return false;
            }
        }
        return true;
    case JSON_ARRAY:
        return jex_match_array(x, j);
    case JSON_STRING:
        return json_is_string(j) && strcmp(json_string_value(j), x->s) == 0;
    case JSON_INTEGER:
    case JSON_REAL:
        return json_is_number(j) && json_number_value(j) == x->n;
    default:
        return j && (int)json_typeof(j) == x->type;
    }
}

static bool rcjson(const struct node *n, const struct fctx *c)
{
    static const char *const lists[] = {"fault", "error", "responsetime"};
    bool yes = false;
    if (!c->f->summary) {
        return false;
    }
    json_t *causes = trace_view_root_causes(c->f);
    for (size_t i = 0; i < ARRAY_LEN(lists) && !yes; i++) {
        yes = jex_match(n->ex, json_object_get(causes, lists[i]));
    }
    json_decref(causes);
    return yes;
}

static bool eval(const struct node *n, const struct fctx *c)
{
    switch (n->type) {
    case N_AND:
        for (size_t i = 0; i < n->nkids; i++) {
            if (!eval(n->kids[i], c)) {
                return false;
            }
        }
        return true;
    case N_OR:
        for (size_t i = 0; i < n->nkids; i++) {
            if (eval(n->kids[i], c)) {
                return true;
            }
        }
        return false;
    case N_NOT:
        return !eval(n->kids[0], c);
    case N_KW:
    case N_CMP:
        return keyword(n, c);
    case N_ANNOT:
        return annotation(n, c);
    case N_SERVICE:
        return service(n, c);
    case N_EDGE:
        return edge(n, c);
    case N_RC:
        return rootcause(n, c);
    case N_RCJSON:
        return rcjson(n, c);
    case N_GROUP:
        return eval(n->kids[0], c);
    case N_ALL:
        return true;
    }
    return false;
}

static bool reads_graph(const struct node *n)
{
    if (n->type == N_SERVICE || n->type == N_EDGE || n->type == N_RC || n->type == N_RCJSON) {
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

static bool reads_summary(const struct node *n)
{
    if (n->type == N_RC || n->type == N_RCJSON) {
        return true;
    }
    for (size_t i = 0; i < n->nkids; i++) {
        if (n->kids[i] && reads_summary(n->kids[i])) {
            return true;
        }
    }
    return false;
}

bool fexpr_reads_summary(const struct fexpr *e)
{
    return e && reads_summary(e->root);
}

bool fexpr_eval(const struct fexpr *e, const struct trace_view *f)
{
    struct fctx c = {.f = f, .top = true};
    return e && eval(e->root, &c);
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
