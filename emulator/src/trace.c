/*
 * trace.c - trace_derive(): the derived view of one trace (shape in trace.h): times, root,
 * service-graph nodes and edges, annotations, users and the TraceSummary (DESIGN.md §5,
 * reference/segment-document.md §9-10). The index it works from is in trace_index.c, the
 * summary in trace_summary.c, the root causes in trace_rootcause.c.
 *
 * Pure: no SQL, no I/O, no shared state, so any thread may call it. The documents are borrowed
 * and never modified.
 */
#include <string.h>

#include "trace.h"
#include "trace_int.h"

static const char *str(const json_t *o, const char *key)
{
    return json_string_value(json_object_get(o, key));
}

/* The status and timing members shared by node segments and edge calls. */
static json_t *call_json(const struct trace_ent *e)
{
    json_t *c = json_object();
    json_object_set_new(c, "start_time", json_real(e->start));
    if (e->in_progress) {
        json_object_set_new(c, "end_time", json_null());
        json_object_set_new(c, "response_time", json_null());
    } else {
        json_object_set_new(c, "end_time", json_real(e->end));
        json_object_set_new(c, "response_time", json_real(e->end - e->start));
    }
    json_object_set_new(c, "ok", json_boolean(!e->error && !e->fault && !e->throttle));
    json_object_set_new(c, "error", json_boolean(e->error));
    json_object_set_new(c, "fault", json_boolean(e->fault));
    json_object_set_new(c, "throttle", json_boolean(e->throttle));
    if (e->http_status) {
        json_object_set_new(c, "http_status", json_integer(e->http_status));
    }
    return c;
}

static json_t *node_segment_json(const struct trace_ent *e)
{
    json_t *s = call_json(e);
    json_object_set_new(s, "id", json_string(e->id));
    json_object_set_new(s, "in_progress", json_boolean(e->in_progress));
    return s;
}

static json_t *nodes_json(const struct trace_idx *x)
{
    json_t *nodes = json_array();
    for (size_t k = 0; k < x->nnodes; k++) {
        const struct trace_node *nd = &x->nodes[k];
        json_t *o = json_object();
        json_object_set_new(o, "name", json_string(nd->name));
        json_object_set_new(o, "type", json_string(nd->type));
        if (nd->account_id) {
            json_object_set_new(o, "account_id", json_string(nd->account_id));
        }
        json_object_set_new(o, "root", json_boolean(nd->root));
        json_object_set_new(o, "inferred", json_boolean(nd->inferred));
        json_object_set_new(o, "client", json_boolean(nd->client));
        json_object_set_new(o, "segments", json_array());
        json_array_append_new(nodes, o);
    }
    /* Node statistics: segments for real nodes, the calling subsegment for inferred ones (§9),
     * and the root's own timing for the client (the graph draws but does not count it). */
    for (size_t i = 0; i < x->n; i++) {
        const struct trace_ent *e = &x->ents[x->order[i]];
        int k = e->is_segment ? e->node : e->inferred_node;
        if (k >= 0) {
            json_array_append_new(json_object_get(json_array_get(nodes, (size_t)k), "segments"),
                                  node_segment_json(e));
        }
    }
    if (x->client >= 0) {
        json_array_append_new(json_object_get(json_array_get(nodes, (size_t)x->client), "segments"),
                              node_segment_json(&x->ents[x->root]));
    }
    return nodes;
}

static json_t *node_ref(const struct trace_idx *x, int k)
{
    json_t *r = json_object();
    json_object_set_new(r, "name", json_string(x->nodes[k].name));
    json_object_set_new(r, "type", json_string(x->nodes[k].type));
    return r;
}

/* One edge per (source, destination) node pair, one call per calling entity. The node indexes
 * ride along in "_src"/"_dst" while edges are gathered and are removed before returning. */
static void add_call(const struct trace_idx *x, json_t *edges, int src, int dst, json_t *call)
{
    size_t i;
    json_t *edge;
    json_array_foreach(edges, i, edge)
    {
        if (json_integer_value(json_object_get(edge, "_src")) == src &&
            json_integer_value(json_object_get(edge, "_dst")) == dst) {
            json_array_append_new(json_object_get(edge, "calls"), call);
            return;
        }
    }
    edge = json_object();
    json_object_set_new(edge, "_src", json_integer(src));
    json_object_set_new(edge, "_dst", json_integer(dst));
    json_object_set_new(edge, "source", node_ref(x, src));
    json_object_set_new(edge, "destination", node_ref(x, dst));
    json_object_set_new(edge, "calls", json_array());
    json_array_append_new(json_object_get(edge, "calls"), call);
    json_array_append_new(edges, edge);
}

static json_t *edges_json(const struct trace_idx *x)
{
    json_t *edges = json_array();
    if (x->client >= 0) {
        const struct trace_ent *r = &x->ents[x->root];
        add_call(x, edges, x->client, r->node, call_json(r));
    }
    for (size_t i = 0; i < x->n; i++) {
        const struct trace_ent *e = &x->ents[x->order[i]];
        const struct trace_ent *p = e->parent >= 0 ? &x->ents[e->parent] : NULL;
        if (e->is_segment && p && p->seg >= 0) {
            /* A cross-service call: the caller's subsegment times it; a segment naming another
             * segment (AWS::Lambda -> the function) is timed by the callee itself. */
            const struct trace_ent *timer = p->is_segment ? e : p;
            add_call(x, edges, x->ents[p->seg].node, e->node, call_json(timer));
        } else if (e->inferred_node >= 0 && e->seg >= 0) {
            add_call(x, edges, x->ents[e->seg].node, e->inferred_node, call_json(e));
        }
    }
    size_t k;
    json_t *edge;
    json_array_foreach(edges, k, edge)
    {
        json_object_del(edge, "_src");
        json_object_del(edge, "_dst");
    }
    return edges;
}

static json_t *root_json(const struct trace_idx *x)
{
    if (x->root < 0) {
        return json_null();
    }
    const struct trace_ent *e = &x->ents[x->root];
    const json_t *http = json_object_get(e->j, "http");
    const json_t *req = json_object_get(http, "request");
    static const char *const keys[][2] = {{"method", "method"},
                                          {"url", "url"},
                                          {"useragent", "user_agent"},
                                          {"clientip", "client_ip"}};
    json_t *h = json_object();
    for (size_t i = 0; i < ARRAY_LEN(keys); i++) {
        if (str(req, keys[i][1])) {
            json_object_set_new(h, keys[i][0], json_string(str(req, keys[i][1])));
        }
    }
    if (e->http_status) {
        json_object_set_new(h, "status", json_integer(e->http_status));
    }
    json_t *r = json_object();
    json_object_set_new(r, "name", json_string(e->name));
    json_object_set_new(r, "type", json_string(str(e->j, "origin") ? str(e->j, "origin") : ""));
    json_object_set_new(r, "id", json_string(e->id));
    json_object_set_new(r, "ok", json_boolean(!e->error && !e->fault && !e->throttle));
    json_object_set_new(r, "error", json_boolean(e->error));
    json_object_set_new(r, "fault", json_boolean(e->fault));
    json_object_set_new(r, "throttle", json_boolean(e->throttle));
    json_object_set_new(r, "http", h);
    return r;
}

static void add_unique(json_t *arr, const char *s)
{
    size_t i;
    json_t *v;
    if (!s) {
        return;
    }
    json_array_foreach(arr, i, v)
    {
        if (strcmp(json_string_value(v), s) == 0) {
            return;
        }
    }
    json_array_append_new(arr, json_string(s));
}

/* users, resource_arns, instance_ids, availability_zones: from segments, first seen first. */
static void add_lists(const struct trace_idx *x, json_t *d)
{
    json_t *users = json_array(), *arns = json_array(), *ids = json_array(), *azs = json_array();
    for (size_t i = 0; i < x->n; i++) {
        const struct trace_ent *e = &x->ents[x->order[i]];
        if (!e->is_segment) {
            continue;
        }
        const json_t *ec2 = json_object_get(json_object_get(e->j, "aws"), "ec2");
        add_unique(users, str(e->j, "user"));
        add_unique(arns, str(e->j, "resource_arn"));
        add_unique(ids, str(ec2, "instance_id"));
        add_unique(azs, str(ec2, "availability_zone"));
    }
    json_object_set_new(d, "users", users);
    json_object_set_new(d, "resource_arns", arns);
    json_object_set_new(d, "instance_ids", ids);
    json_object_set_new(d, "availability_zones", azs);
}

/* Every annotation of every entity, tagged with the service (node) it was recorded in. */
static json_t *annotations_json(const struct trace_idx *x)
{
    json_t *out = json_array();
    for (size_t i = 0; i < x->n; i++) {
        const struct trace_ent *e = &x->ents[x->order[i]];
        const char *key;
        json_t *v;
        json_object_foreach(json_object_get(e->j, "annotations"), key, v)
        {
            if (!json_is_string(v) && !json_is_number(v) && !json_is_boolean(v)) {
                continue;
            }
            json_t *a = json_object();
            json_object_set_new(a, "key", json_string(key));
            json_object_set_new(a, "value", json_copy(v));
            if (e->seg >= 0) {
                json_object_set_new(a, "service", node_ref(x, x->ents[e->seg].node));
            }
            json_array_append_new(out, a);
        }
    }
    return out;
}

static bool any_inferred(const struct trace_idx *x)
{
    for (size_t k = 0; k < x->nnodes; k++) {
        if (x->nodes[k].inferred) {
            return true;
        }
    }
    return false;
}

json_t *trace_derive(json_t *const *docs, size_t n)
{
    struct trace_idx x;
    if (n == 0) {
        return NULL;
    }
    trace_idx_build(&x, docs, n);
    json_t *d = json_object();
    json_object_set_new(d, "trace_id", json_string(x.trace_id));
    json_object_set_new(d, "start_time", json_real(x.start));
    json_object_set_new(d, "end_time", json_real(x.end));
    json_object_set_new(d, "duration", json_real(x.end - x.start));
    const struct trace_ent *root = x.root >= 0 ? &x.ents[x.root] : NULL;
    json_object_set_new(d, "response_time",
                        root && !root->in_progress ? json_real(root->end - root->start)
                                                   : json_null());
    json_object_set_new(d, "partial", json_boolean(x.partial));
    json_object_set_new(d, "inferred", json_boolean(any_inferred(&x)));
    json_object_set_new(d, "root", root_json(&x));
    add_lists(&x, d);
    json_object_set_new(d, "annotations", annotations_json(&x));
    json_object_set_new(d, "nodes", nodes_json(&x));
    json_object_set_new(d, "edges", edges_json(&x));
    json_object_set_new(d, "root_causes", trace_root_causes(&x));
    json_object_set_new(d, "summary", trace_summary(&x, d, n));
    trace_idx_fini(&x);
    return d;
}
