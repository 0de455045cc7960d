/*
 * trace_facts.c - encodes and decodes struct trace_view (see trace_facts.h). Pure functions;
 * any thread may call them.
 *
 * Format (version 3): one version byte, then the TF_TOP_COUNT trace scalars, the TF_LIST_COUNT
 * lists, the annotations (key, value, service node + 1), the nodes with their segments (each
 * with its id and in_progress) and the edges with their calls, in the view's own order (the
 * graph numbers services by first appearance, so order is part of the meaning); then the
 * summary part: trace id, start, end, document count, root name/type/id, the TraceSummary
 * flags, the root's node + 1, the users with their services' node indexes, and the fault, error
 * and response-time root causes (services, entity paths, exceptions). Version 2 (facts only,
 * next to a JSON view in traces.derived) is converted by migration 8 (xray_db_convert_views).
 * Counts and string lengths are LEB128 varints. A value is one tag byte: 0 absent, 1 false, 2 true,
 * 3 number (8 bytes, host order: blobs never leave the machine's database), 4 string (varint
 * length, bytes, NUL), 5 (response times only) end_time - start_time of the same item, bit for bit.
 * An edge end is a varint k: 0 = name, type, account_id follow; k > 0 = node k-1's name and type
 * with no account_id, which is how trace.c writes edge ends. A member that should be a list but is
 * a scalar is packed as a one-element list, which the evaluator treats exactly as it treats the
 * scalar.
 *
 * Size matters: a trace_facts row must stay under SQLite's local payload limit for an index
 * b-tree page (about 1,000 bytes at 4 KiB pages), or every row read follows an overflow page.
 * The four-service benchmark trace packs to about 600 bytes.
 */
#include "trace_facts.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define FACTS_VERSION 3

enum { TAG_NONE, TAG_FALSE, TAG_TRUE, TAG_NUM, TAG_STR, TAG_SPAN };

static const char *const top_paths[TF_TOP_COUNT][3] = {
    [TF_ROOT_OK] = {"root", "ok", NULL},
    [TF_ROOT_ERROR] = {"root", "error", NULL},
    [TF_ROOT_FAULT] = {"root", "fault", NULL},
    [TF_ROOT_THROTTLE] = {"root", "throttle", NULL},
    [TF_HTTP_STATUS] = {"root", "http", "status"},
    [TF_HTTP_URL] = {"root", "http", "url"},
    [TF_HTTP_METHOD] = {"root", "http", "method"},
    [TF_HTTP_USERAGENT] = {"root", "http", "useragent"},
    [TF_HTTP_CLIENTIP] = {"root", "http", "clientip"},
    [TF_PARTIAL] = {"partial", NULL, NULL},
    [TF_INFERRED] = {"inferred", NULL, NULL},
    [TF_RESPONSE_TIME] = {"response_time", NULL, NULL},
    [TF_DURATION] = {"duration", NULL, NULL},
};
static const char *const list_keys[TF_LIST_COUNT] = {
    [TF_USERS] = "users",
    [TF_AZS] = "availability_zones",
    [TF_INSTANCE_IDS] = "instance_ids",
    [TF_RESOURCE_ARNS] = "resource_arns",
};
static const char *const field_keys[TF_FIELD_COUNT] = {
    [TF_START] = "start_time",  [TF_END] = "end_time",
    [TF_RT] = "response_time",  [TF_OK] = "ok",
    [TF_ERROR] = "error",       [TF_FAULT] = "fault",
    [TF_THROTTLE] = "throttle", [TF_STATUS] = "http_status",
};

static bool same(const char *a, const char *b)
{
    return (!a && !b) || (a && b && strcmp(a, b) == 0);
}

int trace_facts_top_slot(const char *k1, const char *k2, const char *k3)
{
    for (int i = 0; i < TF_TOP_COUNT; i++) {
        if (same(top_paths[i][0], k1) && same(top_paths[i][1], k2) && same(top_paths[i][2], k3)) {
            return i;
        }
    }
    return -1;
}

int trace_facts_list_slot(const char *key)
{
    for (int i = 0; key && i < TF_LIST_COUNT; i++) {
        if (strcmp(list_keys[i], key) == 0) {
            return i;
        }
    }
    return -1;
}

int trace_facts_field(const char *key)
{
    for (int i = 0; key && i < TF_FIELD_COUNT; i++) {
        if (strcmp(field_keys[i], key) == 0) {
            return i;
        }
    }
    return -1;
}

/* ---- packing ---- */

#define out tf_out

static void put(struct out *o, const void *p, size_t n)
{
    if (o->len + n > o->cap) {
        o->cap = (o->len + n) * 2 + 256;
        o->p = xrealloc(o->p, o->cap);
    }
    memcpy(o->p + o->len, p, n);
    o->len += n;
}

void tf_put_varint(struct out *o, uint64_t v)
{
    uint8_t b[10];
    size_t n = 0;
    do {
        b[n] = (uint8_t)(v & 0x7f);
        v >>= 7;
        if (v) {
            b[n] |= 0x80;
        }
        n++;
    } while (v);
    put(o, b, n);
}

#define put_varint tf_put_varint

static void put_tag(struct out *o, uint8_t tag)
{
    put(o, &tag, 1);
}

void tf_put_none(struct out *o)
{
    put_tag(o, TAG_NONE);
}

void tf_put_bool(struct out *o, bool b)
{
    put_tag(o, b ? TAG_TRUE : TAG_FALSE);
}

void tf_put_num(struct out *o, double d)
{
    put_tag(o, TAG_NUM);
    put(o, &d, sizeof(d));
}

void tf_put_str(struct out *o, const char *s)
{
    if (!s) {
        put_tag(o, TAG_NONE);
        return;
    }
    size_t n = strlen(s);
    put_tag(o, TAG_STR);
    put_varint(o, n);
    put(o, s, n + 1);
}

void tf_put_span(struct out *o)
{
    put_tag(o, TAG_SPAN);
}

void tf_put_version(struct out *o)
{
    put_tag(o, FACTS_VERSION);
}

static void put_value(struct out *o, const json_t *j)
{
    uint8_t tag = TAG_NONE;
    if (json_is_boolean(j)) {
        tag = json_is_true(j) ? TAG_TRUE : TAG_FALSE;
    } else if (json_is_number(j)) {
        tag = TAG_NUM;
    } else if (json_is_string(j)) {
        tag = TAG_STR;
    }
    put(o, &tag, 1);
    if (tag == TAG_NUM) {
        double d = json_number_value(j);
        put(o, &d, sizeof(d));
    } else if (tag == TAG_STR) {
        /* strlen, not json_string_length: the evaluator compares C strings. */
        const char *s = json_string_value(j);
        size_t n = strlen(s);
        put_varint(o, n);
        put(o, s, n + 1);
    }
}

static void put_member(struct out *o, const json_t *obj, const char *key)
{
    put_value(o, json_object_get(obj, key));
}

/* Whether the item's response_time is exactly its end_time - start_time. */
static bool is_span(const json_t *item)
{
    const json_t *s = json_object_get(item, "start_time"), *e = json_object_get(item, "end_time"),
                 *rt = json_object_get(item, "response_time");
    if (!json_is_number(s) || !json_is_number(e) || !json_is_number(rt)) {
        return false;
    }
    double span = json_number_value(e) - json_number_value(s), have = json_number_value(rt);
    return memcmp(&span, &have, sizeof(span)) == 0;
}

static void put_items(struct out *o, const json_t *list, bool node)
{
    size_t i;
    const json_t *item;
    put_varint(o, json_is_array(list) ? json_array_size(list) : 0);
    json_array_foreach(list, i, item)
    {
        for (int f = 0; f < TF_FIELD_COUNT; f++) {
            if (f == TF_RT && is_span(item)) {
                tf_put_span(o);
            } else {
                put_member(o, item, field_keys[f]);
            }
        }
        (void)node;
    }
}

/* The ids and in_progress of every node segment, node by node (the summary part's tail). */
static void put_item_ids(struct out *o, const json_t *nodes)
{
    size_t i, k;
    const json_t *nd, *item;
    json_array_foreach(nodes, i, nd)
    {
        json_array_foreach(json_object_get(nd, "segments"), k, item)
        {
            put_member(o, item, "id");
            put_member(o, item, "in_progress");
        }
    }
}

static void put_ref(struct out *o, const json_t *obj)
{
    put_member(o, obj, "name");
    put_member(o, obj, "type");
    put_member(o, obj, "account_id");
}

/* The index of the first non-client node named name with type type ("" when NULL), or -1. */
static int node_index(const json_t *nodes, const char *name, const char *type)
{
    size_t i;
    const json_t *nd;
    json_array_foreach(nodes, i, nd)
    {
        const char *nn = json_string_value(json_object_get(nd, "name"));
        const char *nt = json_string_value(json_object_get(nd, "type"));
        if (nn && nt && name && !json_is_true(json_object_get(nd, "client")) &&
            strcmp(nn, name) == 0 && strcmp(nt, type ? type : "") == 0) {
            return (int)i;
        }
    }
    return -1;
}

/* An edge end: a reference to the node with the same name and type when it has no account_id
 * of its own (and is a string pair), else the three members inline. */
static void put_end(struct out *o, const json_t *ref, const json_t *nodes)
{
    const char *name = json_string_value(json_object_get(ref, "name"));
    const char *type = json_string_value(json_object_get(ref, "type"));
    size_t i;
    const json_t *nd;
    if (name && type && !json_is_string(json_object_get(ref, "account_id"))) {
        json_array_foreach(nodes, i, nd)
        {
            const char *nn = json_string_value(json_object_get(nd, "name"));
            const char *nt = json_string_value(json_object_get(nd, "type"));
            if (nn && nt && strcmp(nn, name) == 0 && strcmp(nt, type) == 0) {
                put_varint(o, i + 1);
                return;
            }
        }
    }
    put_varint(o, 0);
    put_ref(o, ref);
}

static void put_list(struct out *o, const json_t *j)
{
    size_t i;
    const json_t *item;
    if (!json_is_array(j)) {
        put_varint(o, 1);
        put_value(o, j);
        return;
    }
    put_varint(o, json_array_size(j));
    json_array_foreach(j, i, item)
    {
        put_value(o, item);
    }
}

static size_t array_size(const json_t *j)
{
    return json_is_array(j) ? json_array_size(j) : 0;
}

/* Users: [{UserName, ServiceIds}] as names with node indexes. */
static void put_users(struct out *o, const json_t *users, const json_t *nodes)
{
    size_t i, k;
    const json_t *u, *sid;
    put_varint(o, array_size(users));
    json_array_foreach(users, i, u)
    {
        const json_t *sids = json_object_get(u, "ServiceIds");
        put_member(o, u, "UserName");
        size_t n = 0;
        json_array_foreach(sids, k, sid)
        {
            n += node_index(nodes, json_string_value(json_object_get(sid, "Name")),
                            json_string_value(json_object_get(sid, "Type"))) >= 0;
        }
        put_varint(o, n);
        json_array_foreach(sids, k, sid)
        {
            int nd = node_index(nodes, json_string_value(json_object_get(sid, "Name")),
                                json_string_value(json_object_get(sid, "Type")));
            if (nd >= 0) {
                put_varint(o, (uint64_t)nd);
            }
        }
    }
}

/* One root-cause list in the API's shape: [{Services: [{Name, Type, AccountId, EntityPath:
 * [{Name, Coverage | Exceptions: [{Name, Message}], Remote}]}], ClientImpacting}]. */
void tf_put_causes(struct out *o, const json_t *causes)
{
    size_t i, j, k, m;
    const json_t *c, *svc, *ent, *ex;
    put_varint(o, array_size(causes));
    json_array_foreach(causes, i, c)
    {
        put_member(o, c, "ClientImpacting");
        const json_t *services = json_object_get(c, "Services");
        put_varint(o, array_size(services));
        json_array_foreach(services, j, svc)
        {
            put_member(o, svc, "Name");
            put_member(o, svc, "Type");
            put_member(o, svc, "AccountId");
            put_member(o, svc, "Inferred");
            const json_t *path = json_object_get(svc, "EntityPath");
            put_varint(o, array_size(path));
            json_array_foreach(path, k, ent)
            {
                const json_t *exs = json_object_get(ent, "Exceptions");
                put_member(o, ent, "Name");
                put_member(o, ent, "Coverage");
                put_member(o, ent, "Remote");
                put_varint(o, json_is_array(exs) ? 1 + json_array_size(exs) : 0);
                json_array_foreach(exs, m, ex)
                {
                    put_member(o, ex, "Name");
                    put_member(o, ex, "Message");
                }
            }
        }
    }
}

static void put_summary(struct out *o, const json_t *view, const json_t *nodes)
{
    const json_t *root = json_object_get(view, "root");
    const json_t *summary = json_object_get(view, "summary");
    const json_t *rc = json_object_get(view, "root_causes");
    put_member(o, view, "trace_id");
    put_member(o, view, "start_time");
    put_member(o, view, "end_time");
    put_member(o, summary, "Revision");
    put_member(o, root, "name");
    put_member(o, root, "type");
    put_member(o, root, "id");
    put_member(o, summary, "HasFault");
    put_member(o, summary, "HasError");
    put_member(o, summary, "HasThrottle");
    int rn = -1;
    size_t i;
    const json_t *nd;
    json_array_foreach(nodes, i, nd)
    {
        if (rn < 0 && json_is_object(root) && json_is_true(json_object_get(nd, "root")) &&
            !json_is_true(json_object_get(nd, "client"))) {
            rn = (int)i;
        }
    }
    put_varint(o, (uint64_t)(rn + 1));
    put_users(o, json_object_get(summary, "Users"), nodes);
    tf_put_causes(o, json_object_get(rc, "fault"));
    tf_put_causes(o, json_object_get(rc, "error"));
    tf_put_causes(o, json_object_get(rc, "responsetime"));
    put_item_ids(o, nodes);
}

void *trace_facts_pack(const json_t *view, size_t *len)
{
    struct out o = {0};
    size_t i;
    const json_t *v;
    tf_put_version(&o);
    for (int t = 0; t < TF_TOP_COUNT; t++) {
        const json_t *j = json_object_get(view, top_paths[t][0]);
        for (int k = 1; k < 3 && top_paths[t][k]; k++) {
            j = json_object_get(j, top_paths[t][k]);
        }
        put_value(&o, j);
    }
    for (int l = 0; l < TF_LIST_COUNT; l++) {
        put_list(&o, json_object_get(view, list_keys[l]));
    }
    const json_t *annots = json_object_get(view, "annotations");
    const json_t *nodes = json_object_get(view, "nodes");
    put_varint(&o, array_size(annots));
    json_array_foreach(annots, i, v)
    {
        const json_t *svc = json_object_get(v, "service");
        put_member(&o, v, "key");
        put_member(&o, v, "value");
        put_varint(&o, (uint64_t)(node_index(nodes, json_string_value(json_object_get(svc, "name")),
                                             json_string_value(json_object_get(svc, "type"))) +
                                  1));
    }
    put_varint(&o, array_size(nodes));
    json_array_foreach(nodes, i, v)
    {
        put_ref(&o, v);
        put_member(&o, v, "root");
        put_member(&o, v, "inferred");
        put_member(&o, v, "client");
        put_items(&o, json_object_get(v, "segments"), true);
    }
    const json_t *edges = json_object_get(view, "edges");
    put_varint(&o, array_size(edges));
    json_array_foreach(edges, i, v)
    {
        put_end(&o, json_object_get(v, "source"), nodes);
        put_end(&o, json_object_get(v, "destination"), nodes);
        put_items(&o, json_object_get(v, "calls"), false);
    }
    put_summary(&o, view, nodes);
    *len = o.len;
    return o.p;
}

/* ---- decoding ---- */

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
    case TAG_NONE:
        break;
    case TAG_FALSE:
    case TAG_TRUE:
        v->type = TF_BOOL;
        v->b = tag == TAG_TRUE;
        break;
    case TAG_NUM:
        if ((size_t)(in->end - in->p) < sizeof(double)) {
            in->bad = true;
            return;
        }
        v->type = TF_NUM;
        memcpy(&v->n, in->p, sizeof(double));
        in->p += sizeof(double);
        break;
    case TAG_STR: {
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
            if (k == TF_RT && in->p < in->end && *in->p == TAG_SPAN) {
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
    if (len < 1 || *in.p++ != FACTS_VERSION) {
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
