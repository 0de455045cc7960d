/*
 * trace_assemble.c - trace_assemble(): the BatchGetTraces `Trace` object. One document per
 * segment with its subsegments nested, independently sent subsegments re-attached under their
 * parent at any depth, and an inferred segment for each aws/remote call whose callee sent no
 * segment (reference/segment-document.md §9-10.5, reference/xray-api.md "Trace assembly").
 *
 * Pure; any thread may call in. The caller's documents are never modified: nesting happens in
 * deep copies, one per top-level document, and a copy that gets attached is then owned by its
 * new parent's `subsegments` array.
 */
#include <stdlib.h>
#include <string.h>

#include "trace.h"
#include "trace_int.h"

/* Where an id lives among the copies: the object, and which top-level copy holds it. */
struct spot {
    json_t *obj;
    size_t top;
};

struct asm_ctx {
    json_t **copies;    /* one deep copy per top-level document, NULL once attached elsewhere */
    int *attached_to;   /* top-level copy this one was nested into, -1 */
    struct spot *spots; /* every (sub)segment of every copy */
    size_t nspots;
    json_t *by_id; /* id -> index into spots */
};

static void index_copy(struct asm_ctx *c, json_t *obj, size_t top, int depth)
{
    const char *id = json_string_value(json_object_get(obj, "id"));
    if (!json_is_object(obj) || depth > 512) {
        return;
    }
    if (id && !json_object_get(c->by_id, id)) {
        c->spots = xrealloc(c->spots, (c->nspots + 1) * sizeof(*c->spots));
        c->spots[c->nspots] = (struct spot){obj, top};
        json_object_set_new(c->by_id, id, json_integer((json_int_t)c->nspots++));
    }
    size_t i;
    json_t *sub;
    json_array_foreach(json_object_get(obj, "subsegments"), i, sub)
    {
        index_copy(c, sub, top, depth + 1);
    }
}

/* The top-level copy that now contains top-level copy `i`. */
static size_t outermost(const struct asm_ctx *c, size_t i)
{
    while (c->attached_to[i] >= 0) {
        i = (size_t)c->attached_to[i];
    }
    return i;
}

/* Nests independent subsegment copy `i` under the object its parent_id names, unless that
 * object is inside `i` itself (a loop) or missing (then `i` stays a document of its own). */
static void attach(struct asm_ctx *c, size_t i)
{
    const char *pid = json_string_value(json_object_get(c->copies[i], "parent_id"));
    const json_t *slot = pid ? json_object_get(c->by_id, pid) : NULL;
    if (!slot) {
        return;
    }
    struct spot *p = &c->spots[json_integer_value(slot)];
    if (outermost(c, p->top) == i) {
        return;
    }
    json_t *sub = c->copies[i];
    json_object_del(sub, "type");
    json_object_del(sub, "trace_id");
    json_object_del(sub, "parent_id");
    json_t *subs = json_object_get(p->obj, "subsegments");
    if (!json_is_array(subs)) {
        subs = json_array();
        json_object_set_new(p->obj, "subsegments", subs);
    }
    json_array_append_new(subs, sub);
    c->copies[i] = NULL;
    c->attached_to[i] = (int)p->top;
}

static void add_document(json_t *segments, const char *id, json_t *doc)
{
    char *text = json_dumps(doc, JSON_COMPACT);
    json_t *s = json_object();
    json_object_set_new(s, "Id", json_string(id ? id : ""));
    json_object_set_new(s, "Document", json_string(text ? text : "{}"));
    json_array_append_new(segments, s);
    free(text);
}

/* {id, name, trace_id, start_time, end_time, parent_id, inferred, origin, http, aws} (§9). */
static json_t *inferred_segment(const struct trace_idx *x, const struct trace_ent *e)
{
    char id[17];
    json_t *d = json_object();
    trace_inferred_id(e->id, id);
    json_object_set_new(d, "id", json_string(id));
    json_object_set_new(d, "name", json_string(e->name));
    json_object_set_new(d, "trace_id", json_string(x->trace_id));
    json_object_set_new(d, "start_time", json_real(e->start));
    if (e->in_progress) {
        json_object_set_new(d, "in_progress", json_true());
    } else {
        json_object_set_new(d, "end_time", json_real(e->end));
    }
    json_object_set_new(d, "parent_id", json_string(e->id));
    json_object_set_new(d, "inferred", json_true());
    json_object_set_new(d, "origin", json_string(x->nodes[e->inferred_node].type));
    static const char *const copied[] = {"http", "aws"};
    for (size_t i = 0; i < ARRAY_LEN(copied); i++) {
        json_t *v = json_object_get(e->j, copied[i]);
        if (v) {
            json_object_set_new(d, copied[i], json_deep_copy(v));
        }
    }
    static const char *const flags[] = {"error", "fault", "throttle"};
    bool set[] = {e->error, e->fault, e->throttle};
    for (size_t i = 0; i < ARRAY_LEN(flags); i++) {
        if (set[i]) {
            json_object_set_new(d, flags[i], json_true());
        }
    }
    return d;
}

static void asm_fini(struct asm_ctx *c, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        json_decref(c->copies[i]);
    }
    free(c->copies);
    free(c->attached_to);
    free(c->spots);
    json_decref(c->by_id);
}

json_t *trace_assemble(json_t *const *docs, size_t n)
{
    struct trace_idx x;
    struct asm_ctx c = {0};
    if (n == 0) {
        return NULL;
    }
    trace_idx_build(&x, docs, n);
    c.copies = xcalloc(n, sizeof(*c.copies));
    c.attached_to = xcalloc(n, sizeof(*c.attached_to));
    c.by_id = json_object();
    /* Top-level documents are the first entity of each; walk them in start order so nested
     * subsegments and the returned documents come out in time order. */
    size_t *tops = xcalloc(n, sizeof(*tops)), ntops = 0;
    for (size_t i = 0; i < n; i++) {
        c.copies[i] = json_deep_copy(docs[i]);
        c.attached_to[i] = -1;
        index_copy(&c, c.copies[i], i, 0);
    }
    for (size_t k = 0; k < x.n; k++) {
        if (x.ents[x.order[k]].doc >= 0) {
            tops[ntops++] = (size_t)x.ents[x.order[k]].doc;
        }
    }
    for (size_t t = 0; t < ntops; t++) {
        const char *type = json_string_value(json_object_get(c.copies[tops[t]], "type"));
        if (type && strcmp(type, "subsegment") == 0) {
            attach(&c, tops[t]);
        }
    }
    json_t *segments = json_array();
    for (size_t t = 0; t < ntops; t++) {
        json_t *doc = c.copies[tops[t]];
        if (doc) {
            add_document(segments, json_string_value(json_object_get(doc, "id")), doc);
        }
    }
    for (size_t k = 0; k < x.n; k++) {
        const struct trace_ent *e = &x.ents[x.order[k]];
        if (e->inferred_node >= 0) {
            json_t *inf = inferred_segment(&x, e);
            add_document(segments, json_string_value(json_object_get(inf, "id")), inf);
            json_decref(inf);
        }
    }
    json_t *t = json_object();
    json_object_set_new(t, "Id", json_string(x.trace_id));
    json_object_set_new(t, "Duration", json_real(x.end - x.start));
    json_object_set_new(t, "LimitExceeded", json_false());
    json_object_set_new(t, "Segments", segments);
    free(tops);
    asm_fini(&c, n);
    trace_idx_fini(&x);
    return t;
}
