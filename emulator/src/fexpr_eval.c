/*
 * fexpr_eval.c - evaluates a compiled filter expression against a trace's derived view
 * (trace.h), and renders the AST as a canonical S-expression. Any thread may call; the AST and
 * the view are only read, and all evaluation state lives on the stack (struct ctx).
 *
 * Semantics (reference/filter-expressions.md §5), with our completions:
 * - A comparison on a field that is missing (or null, or of another type) is false; '!' is plain
 *   logical negation, so `!kw` on a missing field is true while `kw != x` is false.
 * - Fields with several values (user, availabilityzone, instance.id, resource.arn, annotations)
 *   match when any one value does; `user != "a"` means "some user is not a".
 * - service()/edge() skip the synthetic client node and edges from or to it.
 * - A body matches when one segment / call / root-cause element satisfies it as a whole.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fexpr_int.h"

/* Where the keywords of the current scope read from; unused members are NULL. */
struct ctx {
    const json_t *trace;
    const json_t *root;
    const json_t *node;
    const json_t *seg;
    const json_t *call;
    const json_t *svc;
    const json_t *ent;
    const json_t *elem;
    size_t index;
    size_t count;
};

static bool eval(const struct node *n, const struct ctx *c);

static bool cmp_str(enum op op, const char *have, const char *want)
{
    size_t hl = strlen(have);
    size_t wl = strlen(want);
    switch (op) {
    case OP_EQ:
        return strcmp(have, want) == 0;
    case OP_NE:
        return strcmp(have, want) != 0;
    case OP_CONTAINS:
        return strstr(have, want) != NULL;
    case OP_BEGINSWITH:
        return strncmp(have, want, wl) == 0;
    case OP_ENDSWITH:
        return hl >= wl && strcmp(have + hl - wl, want) == 0;
    default:
        return false;
    }
}

static bool cmp_num(enum op op, double have, double want)
{
    switch (op) {
    case OP_EQ:
        return have == want;
    case OP_NE:
        return have != want;
    case OP_LT:
        return have < want;
    case OP_LE:
        return have <= want;
    case OP_GT:
        return have > want;
    case OP_GE:
        return have >= want;
    default:
        return false;
    }
}

/* A JSON scalar as a typed value; false for null, missing, arrays and objects. */
static bool to_val(const json_t *j, struct val *v)
{
    memset(v, 0, sizeof(*v));
    if (json_is_string(j)) {
        v->type = VT_STR;
        v->s = json_string_value(j);
    } else if (json_is_number(j)) {
        v->type = VT_NUM;
        v->n = json_number_value(j);
    } else if (json_is_boolean(j)) {
        v->type = VT_BOOL;
        v->b = json_is_true(j);
    } else {
        return false;
    }
    return true;
}

/* Whether a present value satisfies the node: bare = true/present, else op literal. */
bool fexpr_test(const struct node *n, const struct val *v)
{
    if (n->op == OP_NONE) {
        /* A bare boolean keyword means true; a bare string/number keyword only asks that the
         * field exists with a value of its type. A bare annotation is "set", except that a
         * boolean one evaluates to its value (AWS: "If the keyword is of boolean type, it will
         * evaluate to the boolean value"), so annotation.retry skips traces where it is false. */
        if (n->kw) {
            return n->kw->type == VT_BOOL ? v->type == VT_BOOL && v->b : v->type == n->kw->type;
        }
        return v->type != VT_BOOL || v->b;
    }
    if (v->type != n->lit.type) {
        return false;
    }
    switch (v->type) {
    case VT_STR:
        return cmp_str(n->op, v->s, n->lit.s);
    case VT_NUM:
        return cmp_num(n->op, v->n, n->lit.n);
    case VT_BOOL:
        return n->op == OP_EQ ? v->b == n->lit.b : v->b != n->lit.b;
    default:
        return false;
    }
}

static const json_t *ctx_obj(const struct ctx *c, enum obj o)
{
    const json_t *objs[] = {
        [O_TRACE] = c->trace, [O_ROOT] = c->root, [O_NODE] = c->node, [O_SEG] = c->seg,
        [O_CALL] = c->call,   [O_SVC] = c->svc,   [O_ENT] = c->ent,   [O_ELEM] = c->elem,
    };
    return o < ARRAY_LEN(objs) ? objs[o] : NULL;
}

static bool eval_keyword(const struct node *n, const struct ctx *c)
{
    const struct access *a = &n->kw->at[n->scope];
    struct val v = {VT_NONE, NULL, 0, false};
    if (a->obj == O_INDEX) {
        v.type = VT_NUM;
        v.n = (double)c->index;
    } else if (a->obj == O_FIRST || a->obj == O_LAST) {
        v.type = VT_BOOL;
        v.b = a->obj == O_FIRST ? c->index == 0 : c->index + 1 == c->count;
    } else {
        const json_t *j = json_object_get(ctx_obj(c, a->obj), a->key);
        if (a->key2) {
            j = json_object_get(j, a->key2);
        }
        if (n->kw->list && json_is_array(j)) {
            size_t i;
            const json_t *item;
            json_array_foreach(j, i, item)
            {
                if (to_val(item, &v) && fexpr_test(n, &v)) {
                    return true;
                }
            }
            return false;
        }
        if (!to_val(j, &v)) {
            return false;
        }
    }
    return fexpr_test(n, &v);
}

static bool eval_annotation(const struct node *n, const struct ctx *c)
{
    size_t i;
    const json_t *a;
    struct val v;
    json_array_foreach(json_object_get(c->trace, "annotations"), i, a)
    {
        const char *key = json_string_value(json_object_get(a, "key"));
        if (key && strcmp(key, n->key) == 0 && to_val(json_object_get(a, "value"), &v) &&
            fexpr_test(n, &v)) {
            return true;
        }
    }
    return false;
}

static bool str_is(const json_t *obj, const char *key, const char *want)
{
    const char *have = json_string_value(json_object_get(obj, key));
    return have && strcmp(have, want) == 0;
}

/* A NULL selector (service()) matches every node. */
static bool sel_match(const struct sel *s, const json_t *obj)
{
    return !s || ((!s->name || str_is(obj, "name", s->name)) &&
                  (!s->type || str_is(obj, "type", s->type)) &&
                  (!s->account || str_is(obj, "account_id", s->account)));
}

static const struct node *body_of(const struct node *n)
{
    return n->nkids ? n->kids[0] : NULL;
}

static bool eval_service(const struct node *n, const struct ctx *c)
{
    size_t i, k;
    const json_t *node, *seg;
    json_array_foreach(json_object_get(c->trace, "nodes"), i, node)
    {
        if (json_is_true(json_object_get(node, "client")) || !sel_match(n->sel[0], node)) {
            continue;
        }
        if (!body_of(n)) {
            return true;
        }
        json_array_foreach(json_object_get(node, "segments"), k, seg)
        {
            struct ctx sub = {.trace = c->trace, .node = node, .seg = seg};
            if (eval(body_of(n), &sub)) {
                return true;
            }
        }
    }
    return false;
}

static bool eval_edge(const struct node *n, const struct ctx *c)
{
    size_t i, k;
    const json_t *edge, *call;
    json_array_foreach(json_object_get(c->trace, "edges"), i, edge)
    {
        const json_t *src = json_object_get(edge, "source");
        const json_t *dst = json_object_get(edge, "destination");
        if (str_is(src, "type", "client") || str_is(dst, "type", "client") ||
            !sel_match(n->sel[0], src) || !sel_match(n->sel[1], dst)) {
            continue;
        }
        if (!body_of(n)) {
            return true;
        }
        json_array_foreach(json_object_get(edge, "calls"), k, call)
        {
            struct ctx sub = {.trace = c->trace, .call = call};
            if (eval(body_of(n), &sub)) {
                return true;
            }
        }
    }
    return false;
}

/* Runs the body on each element of `list` (an array) with index/first/last set; each element
 * is also the context's service (o = O_SVC) or entity (O_ENT) for the keywords that read those. */
static bool rc_each(const struct node *n, const struct ctx *base, const json_t *list, enum obj o)
{
    size_t i;
    const json_t *item;
    json_array_foreach(list, i, item)
    {
        struct ctx sub = *base;
        if (o == O_SVC) {
            sub.svc = item;
        } else if (o == O_ENT) {
            sub.ent = item;
        }
        sub.elem = item;
        sub.index = i;
        sub.count = json_array_size(list);
        if (!body_of(n) || eval(body_of(n), &sub)) {
            return true;
        }
    }
    return false;
}

/* Walks FaultRootCauses-shaped lists down to the requested level: each RootCause's Services,
 * each service's EntityPath, each entity's Exceptions. */
static bool eval_rootcause(const struct node *n, const struct ctx *c)
{
    static const char *const lists[] = {
        [RC_FAULT] = "fault", [RC_ERROR] = "error", [RC_RESPONSETIME] = "responsetime"};
    const json_t *causes =
        json_object_get(json_object_get(c->trace, "root_causes"), lists[n->rc_list]);
    size_t i, j, k;
    const json_t *cause, *svc, *ent;
    struct ctx base = {.trace = c->trace};
    json_array_foreach(causes, i, cause)
    {
        const json_t *services = json_object_get(cause, "Services");
        if (n->rc_level == RC_SERVICE) {
            if (rc_each(n, &base, services, O_SVC)) {
                return true;
            }
            continue;
        }
        json_array_foreach(services, j, svc)
        {
            base.svc = svc;
            const json_t *path = json_object_get(svc, "EntityPath");
            if (n->rc_level == RC_ENTITY) {
                if (rc_each(n, &base, path, O_ENT)) {
                    return true;
                }
                continue;
            }
            json_array_foreach(path, k, ent)
            {
                base.ent = ent;
                if (rc_each(n, &base, json_object_get(ent, "Exceptions"), O_ELEM)) {
                    return true;
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

static bool eval_rcjson(const struct node *n, const struct ctx *c)
{
    const json_t *causes = json_object_get(c->trace, "root_causes");
    static const char *const lists[] = {"fault", "error", "responsetime"};
    for (size_t i = 0; i < ARRAY_LEN(lists); i++) {
        if (jex_match(n->ex, json_object_get(causes, lists[i]))) {
            return true;
        }
    }
    return false;
}

static bool eval(const struct node *n, const struct ctx *c)
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
        return eval_keyword(n, c);
    case N_ANNOT:
        return eval_annotation(n, c);
    case N_SERVICE:
        return eval_service(n, c);
    case N_EDGE:
        return eval_edge(n, c);
    case N_RC:
        return eval_rootcause(n, c);
    case N_RCJSON:
        return eval_rcjson(n, c);
    case N_GROUP:
        return eval(n->kids[0], c);
    case N_ALL:
        return true;
    }
    return false;
}

bool fexpr_eval(const struct fexpr *e, const json_t *trace)
{
    const json_t *root = json_object_get(trace, "root");
    struct ctx c = {.trace = trace, .root = json_is_object(root) ? root : NULL};
    return e && json_is_object(trace) && eval(e->root, &c);
}

bool fexpr_is_entity_selector(const struct fexpr *e)
{
    return e && (e->root->type == N_SERVICE || e->root->type == N_EDGE) && !body_of(e->root);
}
