/*
 * assertion.c - the partial segment-tree matcher behind CI assertions and the wording of its
 * failure reasons (see assertion.h; assertion_spec.c parses and checks the spec first). Called on
 * HTTP connection threads (api_v1_ci.c) and from unit tests; it keeps no global state.
 *
 * The trace is flattened into an array of nodes in pre-order, children sorted by start time, so
 * a node's descendants are the contiguous range (i, end). Matching a spec node against a trace
 * node checks its fields first and only then its children: unordered children are a bipartite
 * matching (Kuhn's augmenting paths, so a greedy choice never hides a valid assignment), ordered
 * children a greedy leftmost subsequence, which is exact because each child's candidates depend
 * only on that child. A work budget bounds pathological spec/trace pairs.
 */
#include "assertion.h"

#include <fnmatch.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "assertion_int.h"

/* Node-match evaluations one assertion may spend on one trace before it gives up. */
#define MATCH_BUDGET 4000000L
/* A mismatch of a node's identity (name, kind) weighs more when ranking the closest node. */
#define IDENTITY_WEIGHT 4
/* One failed field or missing child, when ranking how close a node came. */
#define DIST_UNIT 64

/* ---- the trace as a flat pre-order tree ---- */

struct tnode {
    const json_t *doc; /* borrowed from the tree's segments */
    bool segment;      /* a top-level document rather than an embedded subsegment */
    int parent;        /* -1 for a root */
    int end;           /* one past the last descendant */
};

struct assertion_tree {
    json_t *segments; /* a reference, so the borrowed docs stay alive */
    struct tnode *nodes;
    size_t len;
};

/* While building: every document and subsegment, with the segments attached to it by parent_id. */
struct raw {
    const json_t *doc;
    bool segment;
    bool attached; /* a segment placed under another document's node */
    bool placed;
    int *extra;
    size_t nextra, cap;
};

struct builder {
    struct raw *raw;
    size_t len, cap;
    json_t *ids; /* id -> raw index */
    struct assertion_tree *t;
};

static int raw_add(struct builder *b, const json_t *doc, bool segment)
{
    if (b->len == b->cap) {
        b->cap = b->cap ? b->cap * 2 : 64;
        b->raw = xrealloc(b->raw, b->cap * sizeof(*b->raw));
    }
    int idx = (int)b->len++;
    b->raw[idx] = (struct raw){.doc = doc, .segment = segment};
    const char *id = json_string_value(json_object_get(doc, "id"));
    if (id && !json_object_get(b->ids, id)) {
        json_object_set_new(b->ids, id, json_integer(idx));
    }
    return idx;
}

static void raw_walk(struct builder *b, const json_t *doc, bool segment, int depth)
{
    raw_add(b, doc, segment);
    size_t i;
    json_t *sub;
    if (depth >= ASSERTION_MAX_TREE_DEPTH) {
        return;
    }
    json_array_foreach(json_object_get(doc, "subsegments"), i, sub)
    {
        if (json_is_object(sub)) {
            raw_walk(b, sub, false, depth + 1);
        }
    }
}

static double start_of(const json_t *doc)
{
    return json_number_value(json_object_get(doc, "start_time"));
}

struct kid {
    int raw;
    double start;
    size_t seq;
};

static int kid_cmp(const void *a, const void *b)
{
    const struct kid *x = a, *y = b;
    if (x->start != y->start) {
        return x->start < y->start ? -1 : 1;
    }
    return x->seq < y->seq ? -1 : x->seq > y->seq;
}

static void place(struct builder *b, int r, int parent, int depth)
{
    struct assertion_tree *t = b->t;
    struct raw *raw = &b->raw[r];
    if (raw->placed) {
        return;
    }
    raw->placed = true;
    int me = (int)t->len++;
    t->nodes[me] = (struct tnode){.doc = raw->doc, .segment = raw->segment, .parent = parent};
    /* Children: the embedded subsegments and the attached segments, in start-time order. */
    const json_t *subs = json_object_get(raw->doc, "subsegments");
    size_t n = 0, cap = json_array_size(subs) + raw->nextra;
    struct kid *kids = xmalloc((cap ? cap : 1) * sizeof(*kids));
    size_t i;
    json_t *sub;
    json_array_foreach(subs, i, sub)
    {
        const char *id = json_string_value(json_object_get(sub, "id"));
        json_t *idx = id ? json_object_get(b->ids, id) : NULL;
        if (idx && b->raw[json_integer_value(idx)].doc == sub) {
            kids[n] = (struct kid){(int)json_integer_value(idx), start_of(sub), n};
            n++;
        }
    }
    for (i = 0; i < raw->nextra; i++) {
        kids[n] = (struct kid){raw->extra[i], start_of(b->raw[raw->extra[i]].doc), n};
        n++;
    }
    qsort(kids, n, sizeof(*kids), kid_cmp);
    if (depth < ASSERTION_MAX_TREE_DEPTH) {
        for (i = 0; i < n; i++) {
            place(b, kids[i].raw, me, depth + 1);
        }
    }
    free(kids);
    t->nodes[me].end = (int)t->len;
}

struct assertion_tree *assertion_tree_new(const json_t *segments)
{
    struct assertion_tree *t = xcalloc(1, sizeof(*t));
    struct builder b = {.ids = json_object(), .t = t};
    size_t i;
    json_t *doc;
    t->segments = json_incref((json_t *)segments);
    size_t nseg = json_array_size(segments);
    int *seg_raw = xmalloc((nseg ? nseg : 1) * sizeof(*seg_raw));
    json_array_foreach(segments, i, doc)
    {
        seg_raw[i] = -1;
        if (json_is_object(doc)) {
            seg_raw[i] = (int)b.len;
            raw_walk(&b, doc, true, 0);
        }
    }
    /* A segment whose parent_id names a node of another document hangs under that node. */
    for (i = 0; i < nseg; i++) {
        if (seg_raw[i] < 0) {
            continue;
        }
        const char *pid = json_string_value(json_object_get(b.raw[seg_raw[i]].doc, "parent_id"));
        json_t *pidx = pid ? json_object_get(b.ids, pid) : NULL;
        if (!pidx || json_integer_value(pidx) == seg_raw[i]) {
            continue;
        }
        struct raw *p = &b.raw[json_integer_value(pidx)];
        if (p->nextra == p->cap) {
            p->cap = p->cap ? p->cap * 2 : 4;
            p->extra = xrealloc(p->extra, p->cap * sizeof(*p->extra));
        }
        p->extra[p->nextra++] = seg_raw[i];
        b.raw[seg_raw[i]].attached = true;
    }
    t->nodes = xmalloc((b.len ? b.len : 1) * sizeof(*t->nodes));
    /* Roots in start-time order; then anything a parent_id cycle left unplaced. */
    struct kid *roots = xmalloc((nseg ? nseg : 1) * sizeof(*roots));
    size_t nroots = 0;
    for (i = 0; i < nseg; i++) {
        if (seg_raw[i] >= 0 && !b.raw[seg_raw[i]].attached) {
            roots[nroots] = (struct kid){seg_raw[i], start_of(b.raw[seg_raw[i]].doc), nroots};
            nroots++;
        }
    }
    qsort(roots, nroots, sizeof(*roots), kid_cmp);
    for (i = 0; i < nroots; i++) {
        place(&b, roots[i].raw, -1, 0);
    }
    for (i = 0; i < nseg; i++) {
        if (seg_raw[i] >= 0) {
            place(&b, seg_raw[i], -1, 0);
        }
    }
    free(roots);
    free(seg_raw);
    for (i = 0; i < b.len; i++) {
        free(b.raw[i].extra);
    }
    free(b.raw);
    json_decref(b.ids);
    return t;
}

void assertion_tree_free(struct assertion_tree *t)
{
    if (!t) {
        return;
    }
    free(t->nodes);
    json_decref(t->segments);
    free(t);
}

size_t assertion_tree_size(const struct assertion_tree *t)
{
    return t ? t->len : 0;
}

/* ---- matching ---- */

/* snprintf for messages that may be cut short on purpose (no truncation warning). */
static void textf(char *out, size_t n, const char *fmt, ...) PRINTF_LIKE(3, 4);
static void textf(char *out, size_t n, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(out, n, fmt, ap);
    va_end(ap);
}

struct matcher {
    const struct assertion_tree *t;
    long budget;
};

static void render(const json_t *v, char *out, size_t n)
{
    if (!v) {
        textf(out, n, "nothing");
        return;
    }
    char *s = json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY);
    if (s && strlen(s) > 80) {
        textf(out, n, "%.77s...", s);
    } else {
        textf(out, n, "%s", s ? s : "?");
    }
    free(s);
}

static bool numbers_equal(double a, double b)
{
    return fabs(a - b) <= 1e-9 * fmax(1.0, fmax(fabs(a), fabs(b)));
}

static bool op_holds(const char *op, const json_t *arg, const json_t *got)
{
    if (strcmp(op, "$exists") == 0) {
        return (got && !json_is_null(got)) == json_is_true(arg);
    }
    if (strcmp(op, "$glob") == 0) {
        return json_is_string(got) &&
               fnmatch(json_string_value(arg), json_string_value(got), 0) == 0;
    }
    if (strcmp(op, "$contains") == 0) {
        return json_is_string(got) && strstr(json_string_value(got), json_string_value(arg));
    }
    if (!json_is_number(got)) {
        return false;
    }
    double x = json_number_value(got), y = json_number_value(arg);
    if (strcmp(op, "$gt") == 0) {
        return x > y;
    }
    if (strcmp(op, "$gte") == 0) {
        return x >= y;
    }
    if (strcmp(op, "$lt") == 0) {
        return x < y;
    }
    return x <= y; /* $lte, the last operator validate_value lets through */
}

/* Does got contain want? On false, *why (may be NULL) gets "<path> expected X, found Y". */
static bool value_match(const json_t *want, const json_t *got, const char *path, char *why,
                        size_t whylen)
{
    char ws[96], gs[96];
    if (assertion_is_operator_object(want)) {
        const char *op;
        json_t *arg;
        json_object_foreach((json_t *)want, op, arg)
        {
            if (!op_holds(op, arg, got)) {
                if (why) {
                    render(arg, ws, sizeof(ws));
                    render(got, gs, sizeof(gs));
                    textf(why, whylen, "%s expected %s %s, found %s", path, op + 1, ws, gs);
                }
                return false;
            }
        }
        return true;
    }
    bool ok;
    if (json_is_object(want) && json_is_object(got)) {
        const char *key;
        json_t *w;
        json_object_foreach((json_t *)want, key, w)
        {
            char sub[256];
            textf(sub, sizeof(sub), "%s.%s", path, key);
            if (!value_match(w, json_object_get(got, key), sub, why, whylen)) {
                return false;
            }
        }
        return true;
    } else if (json_is_array(want) && json_is_array(got)) {
        size_t i, j;
        json_t *w, *g;
        ok = true;
        json_array_foreach(want, i, w)
        {
            bool found = false;
            json_array_foreach(got, j, g)
            {
                if (value_match(w, g, path, NULL, 0)) {
                    found = true;
                    break;
                }
            }
            ok = ok && found;
        }
    } else if (json_is_null(want)) {
        ok = !got || json_is_null(got);
    } else if (json_is_number(want) && json_is_number(got)) {
        ok = numbers_equal(json_number_value(want), json_number_value(got));
    } else if (json_is_string(want) && json_is_string(got)) {
        ok = strcmp(json_string_value(want), json_string_value(got)) == 0;
    } else if (json_is_boolean(want) && json_is_boolean(got)) {
        ok = json_is_true(want) == json_is_true(got);
    } else {
        ok = false;
    }
    if (!ok && why) {
        render(want, ws, sizeof(ws));
        render(got, gs, sizeof(gs));
        textf(why, whylen, "%s expected %s, found %s", path, ws, gs);
    }
    return ok;
}

/* The weighted count of the spec's fields this node lacks; the first one described in why. */
static int fields_fail(const json_t *spec, const struct tnode *n, char *why, size_t whylen)
{
    int fails = 0;
    const char *key;
    json_t *want;
    json_object_foreach((json_t *)spec, key, want)
    {
        if (assertion_in_list(key, assertion_reserved_members, ASSERTION_NRESERVED)) {
            continue;
        }
        json_t *kind = NULL;
        const json_t *got;
        if (strcmp(key, "kind") == 0) {
            kind = json_string(n->segment ? "segment" : "subsegment");
            got = kind;
        } else {
            got = json_object_get(n->doc, key);
            if (!got && assertion_in_list(key, assertion_flag_members, ASSERTION_NFLAGS)) {
                got = json_false();
            }
        }
        bool first = fails == 0;
        if (!value_match(want, got, key, first ? why : NULL, whylen)) {
            fails += strcmp(key, "name") == 0 || kind ? IDENTITY_WEIGHT : 1;
        }
        json_decref(kind);
    }
    return fails;
}

static bool node_matches(struct matcher *m, const json_t *spec, int i);

/* The candidates of spec child c under node i: [lo, hi) filtered by parent when direct. */
static bool is_candidate(const struct matcher *m, const json_t *spec, int i, int j)
{
    return !json_is_true(json_object_get(spec, "direct")) || m->t->nodes[j].parent == i;
}

/* Kuhn's augmenting path for spec child c. */
static bool augment(int c, int nkids, int lo, int hi, const unsigned char *ok, int *owner,
                    unsigned char *seen)
{
    int width = hi - lo;
    for (int j = 0; j < width; j++) {
        if (!ok[(size_t)c * (size_t)width + (size_t)j] || seen[j]) {
            continue;
        }
        seen[j] = 1;
        if (owner[j] < 0 || augment(owner[j], nkids, lo, hi, ok, owner, seen)) {
            owner[j] = c;
            return true;
        }
    }
    return false;
}

/* Assigns spec's children to distinct descendants of node i. Returns how many stayed unassigned;
 * *first_missing is the index of the first of them (-1 when all were assigned) and missing (may be
 * NULL, one flag per child) marks each of them. */
static int assign_children(struct matcher *m, const json_t *spec, int i, int *first_missing,
                           unsigned char *missing)
{
    const json_t *kids = json_object_get(spec, "subsegments");
    int nkids = (int)json_array_size(kids);
    int lo = i + 1, hi = m->t->nodes[i].end;
    int nmissing = 0;
    *first_missing = -1;
    if (nkids == 0) {
        return 0;
    }
    bool ordered = json_is_true(json_object_get(spec, "ordered"));
    int width = hi - lo;
    unsigned char *ok = ordered ? NULL : xcalloc((size_t)nkids * (size_t)(width ? width : 1), 1);
    int *owner = ordered ? NULL : xmalloc((size_t)(width ? width : 1) * sizeof(*owner));
    unsigned char *seen = ordered ? NULL : xmalloc((size_t)(width ? width : 1));
    int pos = lo;
    for (int j = 0; !ordered && j < width; j++) {
        owner[j] = -1;
    }
    for (int c = 0; c < nkids; c++) {
        const json_t *kspec = json_array_get(kids, (size_t)c);
        bool placed = false;
        if (ordered) {
            /* Greedy leftmost: exact, since a child's candidates do not depend on its siblings. */
            for (int j = pos; j < hi && !placed; j++) {
                if (is_candidate(m, spec, i, j) && node_matches(m, kspec, j)) {
                    placed = true;
                    pos = j + 1;
                }
            }
        } else {
            for (int j = 0; j < width; j++) {
                ok[(size_t)c * (size_t)width + (size_t)j] =
                    is_candidate(m, spec, i, lo + j) && node_matches(m, kspec, lo + j);
            }
            memset(seen, 0, (size_t)(width ? width : 1));
            placed = augment(c, nkids, lo, hi, ok, owner, seen);
        }
        if (!placed) {
            nmissing++;
            if (*first_missing < 0) {
                *first_missing = c;
            }
            if (missing) {
                missing[c] = 1;
            }
        }
    }
    free(seen);
    free(owner);
    free(ok);
    return nmissing;
}

static bool node_matches(struct matcher *m, const json_t *spec, int i)
{
    if (m->budget-- <= 0) {
        return false;
    }
    int first_missing;
    return fields_fail(spec, &m->t->nodes[i], NULL, 0) == 0 &&
           assign_children(m, spec, i, &first_missing, NULL) == 0;
}

static int closest(struct matcher *m, const json_t *spec, const json_t *parent_spec, int parent,
                   int lo, int hi, int *distance);

/* 0 when node i contains spec; otherwise how far off it is, for ranking candidates: each failed
 * field weighs DIST_UNIT (an identity field more); when the fields hold, each child that found no
 * node weighs DIST_UNIT plus a fraction telling how close its own best candidate came, so a node
 * with a near miss below it ranks before one with nothing like the child at all. */
static int node_distance(struct matcher *m, const json_t *spec, int i)
{
    if (m->budget-- <= 0) {
        return DIST_UNIT;
    }
    int fails = fields_fail(spec, &m->t->nodes[i], NULL, 0);
    const json_t *kids = json_object_get(spec, "subsegments");
    int nkids = (int)json_array_size(kids);
    if (fails) {
        return (fails + nkids) * DIST_UNIT;
    }
    if (nkids == 0) {
        return 0;
    }
    int first_missing, distance = 0;
    unsigned char *missing = xcalloc((size_t)nkids, 1);
    if (assign_children(m, spec, i, &first_missing, missing) > 0) {
        for (int c = 0; c < nkids; c++) {
            if (!missing[c]) {
                continue;
            }
            int d = 0;
            int best =
                closest(m, json_array_get(kids, (size_t)c), spec, i, i + 1, m->t->nodes[i].end, &d);
            int frac = best < 0 ? DIST_UNIT - 1 : d / DIST_UNIT;
            distance += DIST_UNIT + (frac < DIST_UNIT - 1 ? frac : DIST_UNIT - 1);
        }
    }
    free(missing);
    return distance;
}

static void node_path(const struct assertion_tree *t, int i, char *out, size_t n)
{
    int chain[32];
    int depth = 0;
    for (int k = i; k >= 0 && depth < (int)ARRAY_LEN(chain); k = t->nodes[k].parent) {
        chain[depth++] = k;
    }
    size_t used = 0;
    out[0] = '\0';
    if (depth == (int)ARRAY_LEN(chain) && t->nodes[chain[depth - 1]].parent >= 0) {
        used += (size_t)snprintf(out, n, "... > ");
    }
    for (int k = depth - 1; k >= 0 && used < n; k--) {
        const char *name = json_string_value(json_object_get(t->nodes[chain[k]].doc, "name"));
        used += (size_t)snprintf(out + used, n - used, "%s%s", name ? name : "?", k ? " > " : "");
    }
}

/* On a tie a node the SDK sent beats one X-Ray inferred from it, and then the node with fewer
 * descendants is the more specific explanation. */
static bool narrower(const struct assertion_tree *t, int a, int b)
{
    bool ia = json_is_true(json_object_get(t->nodes[a].doc, "inferred"));
    bool ib = json_is_true(json_object_get(t->nodes[b].doc, "inferred"));
    if (ia != ib) {
        return ib;
    }
    return t->nodes[a].end - a < t->nodes[b].end - b;
}

/* The closest candidate for spec among [lo, hi) (filtered when direct under parent), or -1. */
static int closest(struct matcher *m, const json_t *spec, const json_t *parent_spec, int parent,
                   int lo, int hi, int *distance)
{
    int best = -1;
    *distance = 0;
    for (int j = lo; j < hi; j++) {
        if (parent_spec && !is_candidate(m, parent_spec, parent, j)) {
            continue;
        }
        int d = node_distance(m, spec, j);
        if (best < 0 || d < *distance || (d == *distance && narrower(m->t, j, best))) {
            best = j;
            *distance = d;
        }
    }
    return best;
}

/* Describes the first difference between spec and node i into out. */
static void describe(struct matcher *m, const json_t *spec, int i, char *out, size_t n, int depth)
{
    char path[160], why[300];
    node_path(m->t, i, path, sizeof(path));
    why[0] = '\0';
    if (fields_fail(spec, &m->t->nodes[i], why, sizeof(why))) {
        textf(out, n, "at \"%s\": %s", path, why);
        return;
    }
    int first_missing;
    if (assign_children(m, spec, i, &first_missing, NULL) == 0 || first_missing < 0) {
        textf(out, n, "at \"%s\": matched", path);
        return;
    }
    const json_t *kspec =
        json_array_get(json_object_get(spec, "subsegments"), (size_t)first_missing);
    char want[96];
    render(kspec, want, sizeof(want));
    int d = 0;
    int best = closest(m, kspec, spec, i, i + 1, m->t->nodes[i].end, &d);
    const char *where =
        json_is_true(json_object_get(spec, "direct")) ? "direct subsegment" : "subsegment";
    if (best < 0) {
        textf(out, n, "at \"%s\": no %s matches subsegments[%d] %s (it has none)", path, where,
              first_missing, want);
        return;
    }
    if (d == 0) {
        textf(out, n,
              "at \"%s\": subsegments[%d] %s matches only nodes already matched by its "
              "siblings%s",
              path, first_missing, want,
              json_is_true(json_object_get(spec, "ordered")) ? " or out of order" : "");
        return;
    }
    char inner[400];
    if (depth < 8) {
        describe(m, kspec, best, inner, sizeof(inner), depth + 1);
    } else {
        textf(inner, sizeof(inner), "...");
    }
    textf(out, n, "at \"%s\": no %s matches subsegments[%d] %s; closest %s", path, where,
          first_missing, want, inner);
}

bool assertion_tree_match(const json_t *spec, const struct assertion_tree *t,
                          struct assertion_miss *miss)
{
    struct matcher m = {.t = t, .budget = MATCH_BUDGET};
    int best = -1, bestd = 0;
    for (int i = 0; i < (int)t->len; i++) {
        if (node_matches(&m, spec, i)) {
            if (miss) {
                miss->distance = 0;
                node_path(t, i, miss->text, sizeof(miss->text));
            }
            return true;
        }
    }
    if (!miss) {
        return false;
    }
    /* No node holds the spec: rank them all to explain the nearest miss. */
    bool exhausted = m.budget <= 0;
    m.budget = MATCH_BUDGET;
    for (int i = 0; i < (int)t->len; i++) {
        int d = node_distance(&m, spec, i);
        if (best < 0 || d < bestd || (d == bestd && narrower(t, i, best))) {
            best = i;
            bestd = d;
        }
    }
    miss->distance = best < 0 ? DIST_UNIT * DIST_UNIT : bestd;
    if (exhausted) {
        textf(miss->text, sizeof(miss->text),
              "the trace (%zu nodes) is too large for this tree spec to be matched in full",
              t->len);
    } else if (best < 0) {
        textf(miss->text, sizeof(miss->text), "the trace has no segments");
    } else {
        m.budget = MATCH_BUDGET;
        describe(&m, spec, best, miss->text, sizeof(miss->text), 0);
    }
    return false;
}

void assertion_range_text(int64_t min, int64_t max, char *out, size_t n)
{
    if (max == 0) {
        textf(out, n, "no");
    } else if (max < 0) {
        textf(out, n, "at least %lld", (long long)min);
    } else if (min == max) {
        textf(out, n, "exactly %lld", (long long)min);
    } else if (min == 0) {
        textf(out, n, "at most %lld", (long long)max);
    } else {
        textf(out, n, "between %lld and %lld", (long long)min, (long long)max);
    }
}

bool assertion_range_holds(int64_t min, int64_t max, int64_t n)
{
    return n >= min && (max < 0 || n <= max);
}
