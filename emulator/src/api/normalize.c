/*
 * normalize.c - golden-file form of an assembled trace (see normalize.h). Any thread; pure.
 *
 * Three walks over the trace: sort the arrays whose order depends on ids or arrival, collect the
 * ids named by id/parent_id/trace_id/Id members, then rewrite strings and numbers in document
 * order, numbering each id the first time it is met. Numbering after sorting is what makes the
 * placeholders stable: the random ids never influence the order in which they are met.
 *
 * Why microseconds: a fixture shifted to "now" adds the same offset to every time, and a
 * difference of two shifted epoch doubles is off by at most ~2.4e-7 s, so rounding relative
 * times and durations to 1e-6 s recovers the fixture's own values exactly. Coverage ratios carry
 * that error divided by a duration, so they are rounded to 1e-3.
 */
#include "normalize.h"

#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "buf.h"

#define TRACE_ID_LEN 35
#define ENTITY_ID_LEN 16
/* Epoch seconds before this are not absolute times (2001-09-09). */
#define EPOCH_FLOOR 1e9

struct ids {
    json_t *map; /* id -> placeholder string, or null until met */
    unsigned traces, entities;
};

/* ---- sorting ---- */

static double num(const json_t *obj, const char *key)
{
    return json_number_value(json_object_get(obj, key));
}

static const char *str(const json_t *obj, const char *key)
{
    const char *s = json_string_value(json_object_get(obj, key));
    return s ? s : "";
}

struct item {
    json_t *v;
    size_t seq;
};

static int cmp_num(double a, double b)
{
    return a < b ? -1 : a > b;
}

static int by_time(const void *pa, const void *pb)
{
    const struct item *a = pa, *b = pb;
    int c = cmp_num(num(a->v, "start_time"), num(b->v, "start_time"));
    if (!c) {
        c = cmp_num(num(a->v, "end_time"), num(b->v, "end_time"));
    }
    if (!c) {
        c = strcmp(str(a->v, "name"), str(b->v, "name"));
    }
    if (!c) {
        c = strcmp(str(a->v, "origin"), str(b->v, "origin"));
    }
    return c ? c : cmp_num((double)a->seq, (double)b->seq);
}

static int by_name_type(const void *pa, const void *pb)
{
    const struct item *a = pa, *b = pb;
    int c = strcmp(str(a->v, "name"), str(b->v, "name"));
    if (!c) {
        c = strcmp(str(a->v, "type"), str(b->v, "type"));
    }
    return c ? c : cmp_num((double)a->seq, (double)b->seq);
}

static int by_endpoints(const void *pa, const void *pb)
{
    const struct item *a = pa, *b = pb;
    const char *keys[] = {"source", "destination"};
    for (size_t i = 0; i < ARRAY_LEN(keys); i++) {
        const json_t *x = json_object_get(a->v, keys[i]), *y = json_object_get(b->v, keys[i]);
        int c = strcmp(str(x, "name"), str(y, "name"));
        if (!c) {
            c = strcmp(str(x, "type"), str(y, "type"));
        }
        if (c) {
            return c;
        }
    }
    return cmp_num((double)a->seq, (double)b->seq);
}

static void sort_array(json_t *arr, int (*cmp)(const void *, const void *))
{
    size_t n = json_array_size(arr);
    if (n < 2) {
        return;
    }
    struct item *items = xmalloc(n * sizeof(*items));
    for (size_t i = 0; i < n; i++) {
        items[i] = (struct item){json_incref(json_array_get(arr, i)), i};
    }
    qsort(items, n, sizeof(*items), cmp);
    json_array_clear(arr);
    for (size_t i = 0; i < n; i++) {
        json_array_append_new(arr, items[i].v);
    }
    free(items);
}

static void sort_subsegments(json_t *doc, int depth)
{
    json_t *subs = json_object_get(doc, "subsegments");
    size_t i;
    json_t *s;
    if (!json_is_array(subs) || depth > 512) {
        return;
    }
    sort_array(subs, by_time);
    json_array_foreach(subs, i, s)
    {
        sort_subsegments(s, depth + 1);
    }
}

static void sort_trace(json_t *trace)
{
    size_t i;
    json_t *v;
    json_t *segments = json_object_get(trace, "segments");
    sort_array(segments, by_time);
    json_array_foreach(segments, i, v)
    {
        sort_subsegments(v, 0);
    }
    sort_array(json_object_get(trace, "nodes"), by_name_type);
    json_array_foreach(json_object_get(trace, "nodes"), i, v)
    {
        sort_array(json_object_get(v, "segments"), by_time);
    }
    sort_array(json_object_get(trace, "edges"), by_endpoints);
    json_array_foreach(json_object_get(trace, "edges"), i, v)
    {
        sort_array(json_object_get(v, "calls"), by_time);
    }
}

/* ---- ids ---- */

/* n hex digits at s, whatever follows (is_hex wants the string to end there). */
static bool hex_run(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (!isxdigit((unsigned char)s[i])) {
            return false;
        }
    }
    return true;
}

static bool is_trace_id(const char *s)
{
    return strncmp(s, "1-", 2) == 0 && hex_run(s + 2, 8) && s[10] == '-' && hex_run(s + 11, 24);
}

static bool is_id_key(const char *key)
{
    return strcmp(key, "id") == 0 || strcmp(key, "parent_id") == 0 ||
           strcmp(key, "trace_id") == 0 || strcmp(key, "Id") == 0;
}

static void collect(json_t *v, struct ids *ids, int depth)
{
    const char *key;
    json_t *x;
    size_t i;
    if (depth > 1024) {
        return;
    }
    if (json_is_object(v)) {
        json_object_foreach(v, key, x)
        {
            const char *s = json_string_value(x);
            size_t len = s ? strlen(s) : 0;
            if (s && is_id_key(key) &&
                ((len == TRACE_ID_LEN && is_trace_id(s)) ||
                 (len == ENTITY_ID_LEN && is_hex(s, ENTITY_ID_LEN)))) {
                if (!json_object_get(ids->map, s)) {
                    json_object_set_new(ids->map, s, json_null());
                }
            } else {
                collect(x, ids, depth + 1);
            }
        }
    } else if (json_is_array(v)) {
        json_array_foreach(v, i, x)
        {
            collect(x, ids, depth + 1);
        }
    }
}

/* The placeholder of a known id (numbered on first use), or NULL for an unknown one. */
static const char *placeholder(struct ids *ids, const char *s, size_t len)
{
    char key[TRACE_ID_LEN + 1];
    char ph[TRACE_ID_LEN + 1];
    snprintf(key, sizeof(key), "%.*s", (int)len, s);
    json_t *v = json_object_get(ids->map, key);
    if (!v) {
        return NULL;
    }
    if (json_is_null(v)) {
        if (len == TRACE_ID_LEN) {
            snprintf(ph, sizeof(ph), "1-00000000-%024u", ++ids->traces);
        } else {
            snprintf(ph, sizeof(ph), "%016u", ++ids->entities);
        }
        json_object_set_new(ids->map, key, json_string(ph));
        v = json_object_get(ids->map, key);
    }
    return json_string_value(v);
}

/* s with every known id replaced, as a new string, or NULL when nothing was replaced. */
static char *replace_ids(struct ids *ids, const char *s)
{
    size_t n = strlen(s), from = 0;
    struct buf out;
    bool changed = false;
    buf_init(&out, 0);
    for (size_t i = 0; i < n;) {
        bool boundary = i == 0 || !isxdigit((unsigned char)s[i - 1]);
        size_t len = 0;
        if (boundary && n - i >= TRACE_ID_LEN && is_trace_id(s + i)) {
            len = TRACE_ID_LEN;
        } else if (boundary && n - i >= ENTITY_ID_LEN && hex_run(s + i, ENTITY_ID_LEN) &&
                   (n - i == ENTITY_ID_LEN || !isxdigit((unsigned char)s[i + ENTITY_ID_LEN]))) {
            len = ENTITY_ID_LEN;
        }
        const char *ph = len ? placeholder(ids, s + i, len) : NULL;
        if (!ph) {
            i++;
            continue;
        }
        if (buf_append(&out, s + from, i - from) < 0 || buf_puts(&out, ph) < 0) {
            break; /* unlimited buf: cannot happen */
        }
        changed = true;
        i += len;
        from = i;
    }
    if (!changed) {
        buf_fini(&out);
        return NULL;
    }
    if (buf_puts(&out, s + from) < 0) {
        buf_fini(&out);
        return NULL;
    }
    return buf_steal(&out, NULL);
}

/* ---- the rewrite ---- */

struct ctx {
    struct ids ids;
    double t0;
    enum normalize_mode mode;
};

static bool key_has(const char *key, const char *word)
{
    return key && strcasestr(key, word) != NULL;
}

/* v rounded to 1/scale; dividing (not multiplying by 1/scale) lands on the nearest double. */
static double round_to(double v, double scale)
{
    double r = round(v * scale) / scale;
    return r == 0 ? 0 : r; /* no -0 */
}

/* The replacement for a number under key, or NULL to keep it. */
static json_t *number_for(struct ctx *c, const char *key, const json_t *v)
{
    double x = json_number_value(v);
    bool zero = c->mode == NORMALIZE_STRUCTURE;
    if (key_has(key, "time") && x >= EPOCH_FLOOR) {
        return json_real(zero ? 0 : round_to(x - c->t0, 1e6));
    }
    if (key_has(key, "duration") || key_has(key, "responsetime") || key_has(key, "response_time")) {
        return json_real(zero ? 0 : round_to(x, 1e6));
    }
    if (strcmp(key ? key : "", "Coverage") == 0) {
        return json_real(zero ? 0 : round_to(x, 1e3));
    }
    if (strcmp(key ? key : "", "Revision") == 0) {
        /* How many times the trace was re-derived: depends on batching, not on the code. */
        return json_integer(0);
    }
    return NULL;
}

static json_t *rewrite(struct ctx *c, const char *key, json_t *v, int depth);

static void rewrite_children(struct ctx *c, json_t *v, int depth)
{
    const char *key;
    json_t *x;
    size_t i;
    if (json_is_object(v)) {
        json_object_foreach(v, key, x)
        {
            json_t *nv = rewrite(c, key, x, depth + 1);
            if (nv) {
                json_object_set_new(v, key, nv);
            }
        }
    } else if (json_is_array(v)) {
        json_array_foreach(v, i, x)
        {
            json_t *nv = rewrite(c, NULL, x, depth + 1);
            if (nv) {
                json_array_set_new(v, i, nv);
            }
        }
    }
}

/* Returns a replacement for v (new reference), or NULL when v was kept (and maybe edited). */
static json_t *rewrite(struct ctx *c, const char *key, json_t *v, int depth)
{
    if (depth > 1024) {
        return NULL;
    }
    if (json_is_string(v)) {
        char *s = replace_ids(&c->ids, json_string_value(v));
        json_t *nv = s ? json_string(s) : NULL;
        free(s);
        return nv;
    }
    if (json_is_number(v)) {
        return number_for(c, key, v);
    }
    rewrite_children(c, v, depth);
    return NULL;
}

void normalize_trace(json_t *trace, enum normalize_mode mode)
{
    struct ctx c = {.ids = {.map = json_object()}, .mode = mode};
    if (!json_is_object(trace)) {
        json_decref(c.ids.map);
        return;
    }
    c.t0 = num(trace, "start_time");
    if (c.t0 < EPOCH_FLOOR) {
        /* No summary start: the earliest segment's. */
        size_t i;
        json_t *s;
        json_array_foreach(json_object_get(trace, "segments"), i, s)
        {
            double t = num(s, "start_time");
            if (t >= EPOCH_FLOOR && (c.t0 < EPOCH_FLOOR || t < c.t0)) {
                c.t0 = t;
            }
        }
    }
    sort_trace(trace);
    collect(trace, &c.ids, 0);
    rewrite_children(&c, trace, 0);
    json_decref(c.ids.map);
}
