/*
 * critical_path.c - critical path, self times and statistics of an assembled trace (see
 * critical_path.h). Any thread; pure.
 *
 * The spans become one tree under a virtual root that covers the whole trace, so several roots
 * (a client segment, a partial trace) are handled like sequential or parallel children. The
 * critical path is Jaeger's: starting from a span's end, the child that finished last is
 * critical; the walk goes into it, then continues in the parent from that child's start with the
 * child that finished last before it, and so on. Children overlapping that barrier ran in
 * parallel with a critical child and are skipped. Children are first clipped to their parent's
 * (clipped) window, because an async child that outlives its parent did not delay it.
 *
 * Invariants: the tree is acyclic (a segment whose parent_id names one of its own descendants
 * stays a root), and the walks are iterative, so a chain of ten thousand segments cannot
 * overflow a thread's stack.
 */
#include "critical_path.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define ROOT 0

struct node {
    const json_t *doc;
    const char *id;
    const char *service;
    double start, end;   /* as sent; end = start + 0 when unknown */
    double cstart, cend; /* clipped to the parent's clipped window */
    size_t parent;
    size_t *kids;
    size_t nkids, cap;
    double self;
    bool critical;
};

struct tree {
    struct node *v;
    size_t n, cap;
};

static double num(const json_t *doc, const char *key, double dflt)
{
    const json_t *v = json_object_get(doc, key);
    return json_is_number(v) ? json_number_value(v) : dflt;
}

static void add_kid(struct tree *t, size_t parent, size_t kid)
{
    struct node *p = &t->v[parent];
    if (p->nkids == p->cap) {
        p->cap = p->cap ? p->cap * 2 : 4;
        p->kids = xrealloc(p->kids, p->cap * sizeof(*p->kids));
    }
    p->kids[p->nkids++] = kid;
    t->v[kid].parent = parent;
}

/* Appends doc and its subsegments; returns doc's index. The JSON parser's depth limit bounds
 * this recursion. */
static size_t add_span(struct tree *t, const json_t *doc, const char *service, size_t parent)
{
    if (t->n == t->cap) {
        t->cap = t->cap * 2;
        t->v = xrealloc(t->v, t->cap * sizeof(*t->v));
    }
    size_t at = t->n++;
    struct node *nd = &t->v[at];
    memset(nd, 0, sizeof(*nd));
    nd->doc = doc;
    nd->id = json_string_value(json_object_get(doc, "id"));
    nd->service = service;
    nd->start = num(doc, "start_time", 0);
    nd->end = num(doc, "end_time", nd->start);
    if (nd->end < nd->start) {
        nd->end = nd->start;
    }
    nd->parent = parent;
    if (parent != (size_t)-1) {
        add_kid(t, parent, at);
    }
    size_t i;
    const json_t *sub;
    json_array_foreach(json_object_get(doc, "subsegments"), i, sub)
    {
        if (json_is_object(sub)) {
            add_span(t, sub, service, at);
        }
    }
    return at;
}

/* The topmost span above k in the union-find forest up[] (path halving). */
static size_t top_of(size_t *up, size_t k)
{
    while (up[k] != k) {
        up[k] = up[up[k]];
        k = up[k];
    }
    return k;
}

/* Builds the tree: every segment with its subsegments, then each segment hung under the span its
 * parent_id names, unless that would make a cycle. */
static void build(struct tree *t, const json_t *segments)
{
    size_t i;
    const json_t *seg;
    size_t ntop = json_array_size(segments);
    size_t *tops = xcalloc(ntop + 1, sizeof(*tops));
    json_t *by_id = json_object();
    t->cap = 64;
    t->v = xcalloc(t->cap, sizeof(*t->v));
    t->n = 1;
    t->v[ROOT].parent = (size_t)-1;
    json_array_foreach(segments, i, seg)
    {
        tops[i] = (size_t)-1;
        if (json_is_object(seg)) {
            tops[i] = add_span(t, seg, json_string_value(json_object_get(seg, "name")), (size_t)-1);
        }
    }
    size_t *up = xmalloc(t->n * sizeof(*up));
    for (size_t k = 0; k < t->n; k++) {
        up[k] = t->v[k].parent == (size_t)-1 ? k : t->v[k].parent;
        if (k && t->v[k].id) {
            json_object_set_new(by_id, t->v[k].id, json_integer((json_int_t)k));
        }
    }
    for (i = 0; i < ntop; i++) {
        if (tops[i] == (size_t)-1) {
            continue;
        }
        const char *pid = json_string_value(json_object_get(t->v[tops[i]].doc, "parent_id"));
        json_t *pk = pid ? json_object_get(by_id, pid) : NULL;
        size_t p = pk ? (size_t)json_integer_value(pk) : ROOT;
        /* Hanging the segment under one of its own descendants would close a cycle. */
        if (top_of(up, p) == tops[i]) {
            p = ROOT;
        }
        add_kid(t, p, tops[i]);
        up[tops[i]] = p;
    }
    free(up);
    json_decref(by_id);
    free(tops);
}

/* The virtual root spans every span; then each span's window is clipped to its parent's, top
 * down (parents always precede their kids in this breadth-first order). */
static void clip(struct tree *t)
{
    struct node *r = &t->v[ROOT];
    r->start = INFINITY;
    r->end = -INFINITY;
    for (size_t k = 1; k < t->n; k++) {
        r->start = fmin(r->start, t->v[k].start);
        r->end = fmax(r->end, t->v[k].end);
    }
    if (t->n == 1) {
        r->start = r->end = 0;
    }
    r->cstart = r->start;
    r->cend = r->end;
    size_t *queue = xmalloc(t->n * sizeof(*queue));
    size_t head = 0, tail = 0;
    queue[tail++] = ROOT;
    while (head < tail) {
        struct node *p = &t->v[queue[head++]];
        for (size_t j = 0; j < p->nkids; j++) {
            struct node *c = &t->v[p->kids[j]];
            c->cstart = fmax(c->start, p->cstart);
            c->cend = fmin(c->end, p->cend);
            queue[tail++] = p->kids[j];
        }
    }
    free(queue);
}

/* qsort has no context argument; HTTP threads analyse traces concurrently. */
static _Thread_local const struct tree *sort_tree;

/* Latest clipped end first; ties go to the later start (the shorter, tighter child). */
static int by_end_desc(const void *a, const void *b)
{
    const struct node *x = &sort_tree->v[*(const size_t *)a];
    const struct node *y = &sort_tree->v[*(const size_t *)b];
    if (x->cend != y->cend) {
        return x->cend < y->cend ? 1 : -1;
    }
    if (x->cstart != y->cstart) {
        return x->cstart < y->cstart ? 1 : -1;
    }
    return (*(const size_t *)a > *(const size_t *)b) - (*(const size_t *)a < *(const size_t *)b);
}

struct frame {
    size_t node;
    size_t cursor;
    double barrier;
};

static void walk_critical(struct tree *t)
{
    struct frame *stack = xmalloc(t->n * sizeof(*stack));
    size_t depth = 0;
    stack[depth++] = (struct frame){ROOT, 0, t->v[ROOT].cend};
    while (depth) {
        struct frame *f = &stack[depth - 1];
        struct node *p = &t->v[f->node];
        /* Kids are sorted by end, latest first, and the barrier only moves earlier: a kid that
         * ends after it overlaps a critical sibling and is skipped for good. */
        while (f->cursor < p->nkids) {
            const struct node *c = &t->v[p->kids[f->cursor]];
            if (c->cstart <= c->cend && c->cend <= f->barrier) {
                break;
            }
            f->cursor++;
        }
        if (f->cursor == p->nkids) {
            depth--;
            continue;
        }
        size_t k = p->kids[f->cursor++];
        struct node *c = &t->v[k];
        f->barrier = c->cstart;
        c->critical = true;
        stack[depth++] = (struct frame){k, 0, c->cend};
    }
    free(stack);
}

static int by_start(const void *a, const void *b)
{
    const struct node *x = &sort_tree->v[*(const size_t *)a];
    const struct node *y = &sort_tree->v[*(const size_t *)b];
    if (x->start != y->start) {
        return x->start < y->start ? -1 : 1;
    }
    return (*(const size_t *)a > *(const size_t *)b) - (*(const size_t *)a < *(const size_t *)b);
}

/* Self time: the span's duration minus the union of its kids' intervals within its own window.
 * Sorts each node's kids by start (the critical walk is done with that order). */
static void self_times(struct tree *t)
{
    for (size_t k = 1; k < t->n; k++) {
        struct node *p = &t->v[k];
        if (p->nkids > 1) {
            qsort(p->kids, p->nkids, sizeof(*p->kids), by_start);
        }
        double covered = 0, cur_s = 0, cur_e = 0;
        bool open = false;
        for (size_t j = 0; j < p->nkids; j++) {
            const struct node *c = &t->v[p->kids[j]];
            double s = fmax(c->start, p->start), e = fmin(c->end, p->end);
            if (e <= s) {
                continue;
            }
            if (open && s <= cur_e) {
                cur_e = fmax(cur_e, e);
                continue;
            }
            if (open) {
                covered += cur_e - cur_s;
            }
            cur_s = s;
            cur_e = e;
            open = true;
        }
        if (open) {
            covered += cur_e - cur_s;
        }
        p->self = fmax(0, (p->end - p->start) - covered);
    }
}

static double ms(double seconds)
{
    return round(seconds * 1e6) / 1e3;
}

/* service + operation: the enclosing segment's name, and the span's name with the AWS operation
 * it called (DynamoDB GetItem), as Jaeger's statistics group by service and operation name. */
static char *operation_of(const struct node *nd)
{
    const char *name = json_string_value(json_object_get(nd->doc, "name"));
    const char *op =
        json_string_value(json_object_get(json_object_get(nd->doc, "aws"), "operation"));
    if (op && (!name || strcmp(op, name) != 0)) {
        return xasprintf("%s %s", name ? name : "", op);
    }
    return xstrdup(name ? name : "");
}

struct stat_row {
    const char *service; /* borrowed from the documents */
    char *operation;
    size_t count;
    double total, min, max, self; /* ms */
};

static int by_total_desc(const void *a, const void *b)
{
    const struct stat_row *x = a, *y = b;
    if (x->total != y->total) {
        return x->total < y->total ? 1 : -1;
    }
    int c = strcmp(x->service, y->service);
    return c ? c : strcmp(x->operation, y->operation);
}

static double ms3(double v)
{
    return round(v * 1e3) / 1e3;
}

/* Rows accumulate in plain structs (one hash lookup per span); JSON is built once at the end. */
static json_t *statistics(const struct tree *t)
{
    json_t *index = json_object(); /* "service\x1foperation" -> row number */
    struct stat_row *rows = xcalloc(t->n, sizeof(*rows));
    size_t nrows = 0;
    for (size_t k = 1; k < t->n; k++) {
        const struct node *nd = &t->v[k];
        char *op = operation_of(nd);
        const char *svc = nd->service ? nd->service : "";
        char *key = xasprintf("%s\x1f%s", svc, op);
        double d = ms(nd->end - nd->start);
        json_t *at = json_object_get(index, key);
        struct stat_row *r;
        if (at) {
            r = &rows[json_integer_value(at)];
            free(op);
        } else {
            json_object_set_new(index, key, json_integer((json_int_t)nrows));
            r = &rows[nrows++];
            *r = (struct stat_row){.service = svc, .operation = op, .min = d, .max = d};
        }
        r->count++;
        r->total += d;
        r->self += ms(nd->self);
        r->min = fmin(r->min, d);
        r->max = fmax(r->max, d);
        free(key);
    }
    if (nrows > 1) {
        qsort(rows, nrows, sizeof(*rows), by_total_desc);
    }
    json_t *list = json_array();
    for (size_t i = 0; i < nrows; i++) {
        const struct stat_row *r = &rows[i];
        json_array_append_new(list, json_pack("{s:s, s:s, s:I, s:f, s:f, s:f, s:f, s:f}", "service",
                                              r->service, "operation", r->operation, "count",
                                              (json_int_t)r->count, "total_ms", ms3(r->total),
                                              "avg_ms", ms3(r->total / (double)r->count), "min_ms",
                                              r->min, "max_ms", r->max, "self_ms", ms3(r->self)));
        free(r->operation);
    }
    free(rows);
    json_decref(index);
    return list;
}

json_t *critical_path_analyze(const json_t *segments)
{
    struct tree t = {0};
    build(&t, json_is_array(segments) ? segments : NULL);
    clip(&t);
    sort_tree = &t;
    json_t *out = json_object();
    json_t *path = json_array();
    json_t *spans = json_object();
    size_t *crit = xmalloc(t.n * sizeof(*crit));
    size_t ncrit = 0;
    for (size_t k = 0; k < t.n; k++) {
        if (t.v[k].nkids > 1) {
            qsort(t.v[k].kids, t.v[k].nkids, sizeof(size_t), by_end_desc);
        }
    }
    walk_critical(&t);
    self_times(&t);
    for (size_t k = 1; k < t.n; k++) {
        if (t.v[k].critical) {
            crit[ncrit++] = k;
        }
        if (t.v[k].id) {
            json_object_set_new(
                spans, t.v[k].id,
                json_pack("{s:f, s:b}", "self_ms", ms(t.v[k].self), "critical", t.v[k].critical));
        }
    }
    if (ncrit > 1) {
        qsort(crit, ncrit, sizeof(*crit), by_start);
    }
    for (size_t j = 0; j < ncrit; j++) {
        if (t.v[crit[j]].id) {
            json_array_append_new(path, json_string(t.v[crit[j]].id));
        }
    }
    json_object_set_new(out, "critical_path", path);
    json_object_set_new(out, "spans", spans);
    json_object_set_new(out, "statistics", statistics(&t));
    for (size_t k = 0; k < t.n; k++) {
        free(t.v[k].kids);
    }
    free(crit);
    free(t.v);
    return out;
}
