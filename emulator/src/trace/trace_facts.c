/*
 * trace_facts.c - encodes struct trace_view (see trace_facts.h); trace_facts_decode.c reads it
 * back. Pure functions; any thread may call them.
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

#include "trace_facts_int.h"

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
    put_tag(o, TF_TAG_NONE);
}

void tf_put_bool(struct out *o, bool b)
{
    put_tag(o, b ? TF_TAG_TRUE : TF_TAG_FALSE);
}

void tf_put_num(struct out *o, double d)
{
    put_tag(o, TF_TAG_NUM);
    put(o, &d, sizeof(d));
}

void tf_put_str(struct out *o, const char *s)
{
    if (!s) {
        put_tag(o, TF_TAG_NONE);
        return;
    }
    size_t n = strlen(s);
    put_tag(o, TF_TAG_STR);
    put_varint(o, n);
    put(o, s, n + 1);
}

void tf_put_span(struct out *o)
{
    put_tag(o, TF_TAG_SPAN);
}

void tf_put_version(struct out *o)
{
    put_tag(o, TRACE_FACTS_VERSION);
}

static void put_value(struct out *o, const json_t *j)
{
    uint8_t tag = TF_TAG_NONE;
    if (json_is_boolean(j)) {
        tag = json_is_true(j) ? TF_TAG_TRUE : TF_TAG_FALSE;
    } else if (json_is_number(j)) {
        tag = TF_TAG_NUM;
    } else if (json_is_string(j)) {
        tag = TF_TAG_STR;
    }
    put(o, &tag, 1);
    if (tag == TF_TAG_NUM) {
        double d = json_number_value(j);
        put(o, &d, sizeof(d));
    } else if (tag == TF_TAG_STR) {
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
