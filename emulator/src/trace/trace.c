/*
 * trace.c - trace_derive(): encodes one trace's documents straight into the binary form of
 * struct trace_view (trace_facts.h): times, root, lists, annotations, service-graph nodes and
 * edges, the TraceSummary's own facts and the root causes (DESIGN.md §5,
 * reference/segment-document.md §9-10). The index it works from is in trace_index.c, the root
 * causes in trace_rootcause.c. No JSON is built here except the root causes' (a few objects).
 *
 * Pure: no SQL, no I/O, no shared state, so any thread may call it. The documents are borrowed
 * and never modified. The bytes equal trace_facts_pack() of the same view rendered as JSON
 * (trace_view_json), which test_trace_view.c checks on every fixture trace.
 */
#include <stdlib.h>
#include <string.h>

#include "trace.h"
#include "trace_facts.h"
#include "trace_int.h"

static const char *str(const json_t *o, const char *key)
{
    return json_string_value(json_object_get(o, key));
}

/* The status and timing members shared by node segments and edge calls. */
static void put_item(struct tf_out *o, const struct trace_ent *e, bool node)
{
    tf_put_num(o, e->start);
    if (e->in_progress) {
        tf_put_none(o);
        tf_put_none(o);
    } else {
        tf_put_num(o, e->end);
        tf_put_span(o);
    }
    tf_put_bool(o, !e->error && !e->fault && !e->throttle);
    tf_put_bool(o, e->error);
    tf_put_bool(o, e->fault);
    tf_put_bool(o, e->throttle);
    if (e->http_status) {
        tf_put_num(o, e->http_status);
    } else {
        tf_put_none(o);
    }
    (void)node;
}

/* The ids and in_progress of every node segment, in put_nodes' order (the summary's tail). */
static void put_item_ids(struct tf_out *o, const struct trace_idx *x)
{
    for (size_t k = 0; k < x->nnodes; k++) {
        for (size_t i = 0; i < x->n; i++) {
            const struct trace_ent *e = &x->ents[x->order[i]];
            if ((e->is_segment ? e->node : e->inferred_node) == (int)k) {
                tf_put_str(o, e->id);
                tf_put_bool(o, e->in_progress);
            }
        }
        if ((int)k == x->client) {
            tf_put_str(o, x->ents[x->root].id);
            tf_put_bool(o, x->ents[x->root].in_progress);
        }
    }
}

static void put_top(struct tf_out *o, const struct trace_idx *x)
{
    const struct trace_ent *root = x->root >= 0 ? &x->ents[x->root] : NULL;
    if (root) {
        const json_t *req = json_object_get(json_object_get(root->j, "http"), "request");
        tf_put_bool(o, !root->error && !root->fault && !root->throttle);
        tf_put_bool(o, root->error);
        tf_put_bool(o, root->fault);
        tf_put_bool(o, root->throttle);
        if (root->http_status) {
            tf_put_num(o, root->http_status);
        } else {
            tf_put_none(o);
        }
        tf_put_str(o, str(req, "url"));
        tf_put_str(o, str(req, "method"));
        tf_put_str(o, str(req, "user_agent"));
        tf_put_str(o, str(req, "client_ip"));
    } else {
        for (int i = TF_ROOT_OK; i <= TF_HTTP_CLIENTIP; i++) {
            tf_put_none(o);
        }
    }
    bool inferred = false;
    for (size_t k = 0; k < x->nnodes; k++) {
        inferred |= x->nodes[k].inferred;
    }
    tf_put_bool(o, x->partial);
    tf_put_bool(o, inferred);
    if (root && !root->in_progress) {
        tf_put_num(o, root->end - root->start);
    } else {
        tf_put_none(o);
    }
    tf_put_num(o, x->end - x->start);
}

/* Distinct strings, first seen first. */
struct strset {
    const char **s;
    size_t n, cap;
};

static bool strset_add(struct strset *set, const char *s)
{
    if (!s) {
        return false;
    }
    for (size_t i = 0; i < set->n; i++) {
        if (strcmp(set->s[i], s) == 0) {
            return false;
        }
    }
    if (set->n == set->cap) {
        set->cap = set->cap ? set->cap * 2 : 8;
        set->s = xrealloc(set->s, set->cap * sizeof(*set->s));
    }
    set->s[set->n++] = s;
    return true;
}

/* users, availability_zones, instance_ids, resource_arns (enum tf_list order), from segments. */
static void put_lists(struct tf_out *o, const struct trace_idx *x)
{
    struct strset sets[TF_LIST_COUNT] = {0};
    for (size_t i = 0; i < x->n; i++) {
        const struct trace_ent *e = &x->ents[x->order[i]];
        if (!e->is_segment) {
            continue;
        }
        const json_t *ec2 = json_object_get(json_object_get(e->j, "aws"), "ec2");
        strset_add(&sets[TF_USERS], str(e->j, "user"));
        strset_add(&sets[TF_AZS], str(ec2, "availability_zone"));
        strset_add(&sets[TF_INSTANCE_IDS], str(ec2, "instance_id"));
        strset_add(&sets[TF_RESOURCE_ARNS], str(e->j, "resource_arn"));
    }
    for (int l = 0; l < TF_LIST_COUNT; l++) {
        tf_put_varint(o, sets[l].n);
        for (size_t i = 0; i < sets[l].n; i++) {
            tf_put_str(o, sets[l].s[i]);
        }
        free(sets[l].s);
    }
}

static bool is_annotation(const json_t *v)
{
    return json_is_string(v) || json_is_number(v) || json_is_boolean(v);
}

/* Every annotation of every entity, with the service (node) it was recorded in. */
static void put_annotations(struct tf_out *o, const struct trace_idx *x)
{
    size_t count = 0;
    const char *key;
    json_t *v;
    for (size_t i = 0; i < x->n; i++) {
        json_object_foreach(json_object_get(x->ents[i].j, "annotations"), key, v)
        {
            count += is_annotation(v);
        }
    }
    tf_put_varint(o, count);
    for (size_t i = 0; i < x->n; i++) {
        const struct trace_ent *e = &x->ents[x->order[i]];
        json_object_foreach(json_object_get(e->j, "annotations"), key, v)
        {
            if (!is_annotation(v)) {
                continue;
            }
            tf_put_str(o, key);
            if (json_is_string(v)) {
                tf_put_str(o, json_string_value(v));
            } else if (json_is_boolean(v)) {
                tf_put_bool(o, json_is_true(v));
            } else {
                tf_put_num(o, json_number_value(v));
            }
            int node = e->seg >= 0 ? x->ents[e->seg].node : -1;
            tf_put_varint(o, (uint64_t)(node + 1));
        }
    }
}

/* Node statistics: segments for real nodes, the calling subsegment for inferred ones (§9),
 * and the root's own timing for the client (the graph draws but does not count it). */
static void put_nodes(struct tf_out *o, const struct trace_idx *x)
{
    tf_put_varint(o, x->nnodes);
    for (size_t k = 0; k < x->nnodes; k++) {
        const struct trace_node *nd = &x->nodes[k];
        tf_put_str(o, nd->name);
        tf_put_str(o, nd->type);
        tf_put_str(o, nd->account_id);
        tf_put_bool(o, nd->root);
        tf_put_bool(o, nd->inferred);
        tf_put_bool(o, nd->client);
        size_t count = (int)k == x->client;
        for (size_t i = 0; i < x->n; i++) {
            const struct trace_ent *e = &x->ents[i];
            count += (e->is_segment ? e->node : e->inferred_node) == (int)k;
        }
        tf_put_varint(o, count);
        for (size_t i = 0; i < x->n; i++) {
            const struct trace_ent *e = &x->ents[x->order[i]];
            if ((e->is_segment ? e->node : e->inferred_node) == (int)k) {
                put_item(o, e, true);
            }
        }
        if ((int)k == x->client) {
            put_item(o, &x->ents[x->root], true);
        }
    }
}

/* One edge per (source, destination) node pair, one call per calling entity, in order of the
 * first call. */
struct edge {
    int src, dst;
    int *timers;
    size_t n, cap;
};

static void add_call(struct edge **edges, size_t *nedges, int src, int dst, int timer)
{
    struct edge *e = NULL;
    for (size_t i = 0; i < *nedges && !e; i++) {
        if ((*edges)[i].src == src && (*edges)[i].dst == dst) {
            e = &(*edges)[i];
        }
    }
    if (!e) {
        *edges = xrealloc(*edges, (*nedges + 1) * sizeof(**edges));
        e = &(*edges)[(*nedges)++];
        *e = (struct edge){.src = src, .dst = dst};
    }
    if (e->n == e->cap) {
        e->cap = e->cap ? e->cap * 2 : 4;
        e->timers = xrealloc(e->timers, e->cap * sizeof(*e->timers));
    }
    e->timers[e->n++] = timer;
}

static void put_edges(struct tf_out *o, const struct trace_idx *x)
{
    struct edge *edges = NULL;
    size_t nedges = 0;
    if (x->client >= 0) {
        add_call(&edges, &nedges, x->client, x->ents[x->root].node, x->root);
    }
    for (size_t i = 0; i < x->n; i++) {
        int k = (int)x->order[i];
        const struct trace_ent *e = &x->ents[k];
        const struct trace_ent *p = e->parent >= 0 ? &x->ents[e->parent] : NULL;
        if (e->is_segment && p && p->seg >= 0) {
            /* A cross-service call: the caller's subsegment times it; a segment naming another
             * segment (AWS::Lambda -> the function) is timed by the callee itself. */
            add_call(&edges, &nedges, x->ents[p->seg].node, e->node, p->is_segment ? k : e->parent);
        } else if (e->inferred_node >= 0 && e->seg >= 0) {
            add_call(&edges, &nedges, x->ents[e->seg].node, e->inferred_node, k);
        }
    }
    tf_put_varint(o, nedges);
    for (size_t i = 0; i < nedges; i++) {
        tf_put_varint(o, (uint64_t)edges[i].src + 1);
        tf_put_varint(o, (uint64_t)edges[i].dst + 1);
        tf_put_varint(o, edges[i].n);
        for (size_t c = 0; c < edges[i].n; c++) {
            put_item(o, &x->ents[edges[i].timers[c]], false);
        }
        free(edges[i].timers);
    }
    free(edges);
}

/* HasFault/HasError follow the root segment (the trace's answer to its client); HasThrottle is
 * any segment's. With no root yet, any segment's flags stand in. */
static void put_flags(struct tf_out *o, const struct trace_idx *x)
{
    bool fault = false, error = false, throttle = false;
    for (size_t k = 0; k < x->n; k++) {
        const struct trace_ent *e = &x->ents[k];
        if (e->is_segment) {
            throttle |= e->throttle;
            fault |= x->root < 0 && e->fault;
            error |= x->root < 0 && e->error;
        }
    }
    if (x->root >= 0) {
        fault = x->ents[x->root].fault;
        error = x->ents[x->root].error;
    }
    tf_put_bool(o, fault);
    tf_put_bool(o, error);
    tf_put_bool(o, throttle);
}

/* Users with the services (nodes) that recorded them, both first seen first. */
static void put_users(struct tf_out *o, const struct trace_idx *x)
{
    struct strset names = {0};
    for (size_t i = 0; i < x->n; i++) {
        const struct trace_ent *e = &x->ents[x->order[i]];
        if (e->is_segment) {
            strset_add(&names, str(e->j, "user"));
        }
    }
    tf_put_varint(o, names.n);
    int *nodes = xmalloc((x->nnodes + 1) * sizeof(*nodes));
    for (size_t u = 0; u < names.n; u++) {
        size_t n = 0;
        for (size_t i = 0; i < x->n; i++) {
            const struct trace_ent *e = &x->ents[x->order[i]];
            const char *user = e->is_segment ? str(e->j, "user") : NULL;
            bool seen = false;
            if (!user || strcmp(user, names.s[u]) != 0 || e->node < 0) {
                continue;
            }
            for (size_t k = 0; k < n; k++) {
                seen |= nodes[k] == e->node;
            }
            if (!seen) {
                nodes[n++] = e->node;
            }
        }
        tf_put_str(o, names.s[u]);
        tf_put_varint(o, n);
        for (size_t k = 0; k < n; k++) {
            tf_put_varint(o, (uint64_t)nodes[k]);
        }
    }
    free(nodes);
    free(names.s);
}

static void put_summary(struct tf_out *o, const struct trace_idx *x, size_t ndocs)
{
    const struct trace_ent *root = x->root >= 0 ? &x->ents[x->root] : NULL;
    tf_put_str(o, x->trace_id);
    tf_put_num(o, x->start);
    tf_put_num(o, x->end);
    tf_put_num(o, (double)ndocs);
    if (root) {
        tf_put_str(o, root->name);
        tf_put_str(o, str(root->j, "origin") ? str(root->j, "origin") : "");
        tf_put_str(o, root->id);
    } else {
        tf_put_none(o);
        tf_put_none(o);
        tf_put_none(o);
    }
    put_flags(o, x);
    tf_put_varint(o, root ? (uint64_t)root->node + 1 : 0);
    put_users(o, x);
    json_t *rc = trace_root_causes_flagged(x);
    tf_put_causes(o, json_object_get(rc, "fault"));
    tf_put_causes(o, json_object_get(rc, "error"));
    json_decref(rc);
    trace_put_slowest_path(o, x);
    put_item_ids(o, x);
}

void *trace_derive(json_t *const *docs, size_t n, size_t *len)
{
    struct trace_idx x;
    struct tf_out o = {0};
    if (n == 0) {
        return NULL;
    }
    trace_idx_build(&x, docs, n);
    tf_put_version(&o);
    put_top(&o, &x);
    put_lists(&o, &x);
    put_annotations(&o, &x);
    put_nodes(&o, &x);
    put_edges(&o, &x);
    put_summary(&o, &x, n);
    trace_idx_fini(&x);
    *len = o.len;
    return o.p;
}
