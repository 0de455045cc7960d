/*
 * trace_rootcause.c - FaultRootCauses, ErrorRootCauses and ResponseTimeRootCauses. AWS does not
 * publish its algorithm (reference/xray-api.md "TraceSummary derivation"); fluoro reports, for
 * faults and errors, every deepest flagged entity of the call tree under the root (one cause per
 * distinct path), and for response time the path that always follows the slowest child.
 *
 * Pure; any thread may call in. Walks are bounded by MAX_PATH so a pathological chain of
 * subsegments cannot exhaust the stack.
 */
#include <string.h>

#include "trace_facts.h"
#include "trace_int.h"

#define MAX_PATH 256
#define MAX_CAUSES 20

enum kind { KIND_FAULT, KIND_ERROR, KIND_RESPONSE_TIME };

static const char *str(const json_t *o, const char *key)
{
    return json_string_value(json_object_get(o, key));
}

static bool flagged(const struct trace_ent *e, enum kind kind)
{
    return kind == KIND_FAULT ? e->fault : (e->error || e->throttle);
}

static json_t *exception_json(const json_t *ex)
{
    json_t *o = json_object();
    json_object_set_new(o, "Name", json_string(str(ex, "type") ? str(ex, "type") : ""));
    if (str(ex, "message")) {
        json_object_set_new(o, "Message", json_string(str(ex, "message")));
    }
    return o;
}

/* The exception with this id anywhere in the trace: `cause` may be just an id (§7). */
static json_t *exception_by_id(const struct trace_idx *x, const char *id)
{
    for (size_t k = 0; k < x->n; k++) {
        const json_t *cause = json_object_get(x->ents[k].j, "cause");
        size_t i;
        json_t *ex;
        json_array_foreach(json_object_get(cause, "exceptions"), i, ex)
        {
            if (str(ex, "id") && strcmp(str(ex, "id"), id) == 0) {
                return exception_json(ex);
            }
        }
    }
    return NULL;
}

json_t *trace_exceptions(const struct trace_idx *x, int e)
{
    json_t *out = json_array();
    const json_t *cause = json_object_get(x->ents[e].j, "cause");
    if (json_is_string(cause)) {
        json_t *ex = exception_by_id(x, json_string_value(cause));
        if (ex) {
            json_array_append_new(out, ex);
        }
        return out;
    }
    size_t i;
    json_t *ex;
    json_array_foreach(json_object_get(cause, "exceptions"), i, ex)
    {
        json_array_append_new(out, exception_json(ex));
    }
    return out;
}

/* A call that left the service: an AWS SDK or remote HTTP subsegment, or a remote exception. */
static bool remote(const struct trace_ent *e)
{
    const char *ns = str(e->j, "namespace");
    return ns && (strcmp(ns, "aws") == 0 || strcmp(ns, "remote") == 0);
}

static json_t *service_json(const struct trace_idx *x, int node)
{
    json_t *s = trace_service_id(x, node);
    json_object_set_new(s, "Inferred", json_false());
    json_object_set_new(s, "EntityPath", json_array());
    return s;
}

/* Root cause for path[0..len): one Service per segment crossed, each with its entities. */
static json_t *cause_json(const struct trace_idx *x, const int *path, size_t len, enum kind kind)
{
    json_t *services = json_array(), *svc = NULL;
    const struct trace_ent *root = &x->ents[path[0]];
    double total = root->end - root->start;
    for (size_t i = 0; i < len; i++) {
        const struct trace_ent *e = &x->ents[path[i]];
        if (e->is_segment || !svc) {
            svc = service_json(x, x->ents[e->seg >= 0 ? e->seg : path[0]].node);
            json_array_append_new(services, svc);
        }
        json_t *ent = json_object();
        json_object_set_new(ent, "Name", json_string(e->name));
        if (kind == KIND_RESPONSE_TIME) {
            json_object_set_new(ent, "Coverage",
                                json_real(total > 0 ? (e->end - e->start) / total : 0));
        } else {
            json_object_set_new(ent, "Exceptions",
                                i + 1 == len ? trace_exceptions(x, path[i]) : json_array());
        }
        json_object_set_new(ent, "Remote", json_boolean(remote(e)));
        json_array_append_new(json_object_get(svc, "EntityPath"), ent);
    }
    json_t *c = json_object();
    json_object_set_new(c, "Services", services);
    json_object_set_new(c, "ClientImpacting",
                        json_boolean(kind == KIND_RESPONSE_TIME || flagged(root, kind)));
    return c;
}

static void add_cause(json_t *out, json_t *c)
{
    size_t i;
    json_t *v;
    json_array_foreach(out, i, v)
    {
        if (json_equal(v, c)) {
            json_decref(c);
            return;
        }
    }
    if (json_array_size(out) < MAX_CAUSES) {
        json_array_append_new(out, c);
    } else {
        json_decref(c);
    }
}

/* Depth-first: a flagged entity with nothing flagged anywhere below it is where the problem
 * began (a caller's flag can come through an unflagged subsegment, e.g. an SDK call that
 * recorded no status). Returns whether anything in e's subtree is flagged. */
static bool collect(const struct trace_idx *x, int e, int *path, size_t depth, enum kind kind,
                    json_t *out)
{
    bool self = flagged(&x->ents[e], kind), below = false;
    if (depth >= MAX_PATH) {
        return self;
    }
    path[depth] = e;
    for (int c = x->ents[e].first_child; c >= 0; c = x->ents[c].next_sibling) {
        below |= collect(x, c, path, depth + 1, kind, out);
    }
    if (self && !below) {
        add_cause(out, cause_json(x, path, depth + 1, kind));
    }
    return self || below;
}

/* Fills path with the entries from the root down, each step to the child that took longest
 * (in-progress children skipped); returns how many (at most MAX_PATH). */
static size_t slowest_walk(const struct trace_idx *x, int *path)
{
    size_t len = 0;
    int e = x->root;
    while (e >= 0 && len < MAX_PATH) {
        path[len++] = e;
        int best = -1;
        for (int c = x->ents[e].first_child; c >= 0; c = x->ents[c].next_sibling) {
            const struct trace_ent *ce = &x->ents[c];
            if (!ce->in_progress &&
                (best < 0 || ce->end - ce->start > x->ents[best].end - x->ents[best].start)) {
                best = c;
            }
        }
        e = best;
    }
    return len;
}

static json_t *slowest_path(const struct trace_idx *x, int *path)
{
    json_t *out = json_array();
    if (x->ents[x->root].in_progress) {
        return out;
    }
    size_t len = slowest_walk(x, path);
    json_array_append_new(out, cause_json(x, path, len, KIND_RESPONSE_TIME));
    return out;
}

/* One service of a cause in the encoding tf_put_causes() writes for the API's JSON shape. */
static void put_service(struct tf_out *o, const struct trace_node *nd, size_t nent)
{
    tf_put_str(o, nd->name);
    tf_put_str(o, *nd->type ? nd->type : NULL);
    tf_put_str(o, nd->account_id);
    tf_put_bool(o, false);
    tf_put_varint(o, nent);
}

void trace_put_slowest_path(struct tf_out *o, const struct trace_idx *x)
{
    int path[MAX_PATH];
    if (x->root < 0 || x->ents[x->root].in_progress) {
        tf_put_varint(o, 0);
        return;
    }
    size_t len = slowest_walk(x, path);
    /* The same walk as cause_json(): a new service at each segment crossed. */
    size_t nsvc = 0;
    for (size_t i = 0; i < len; i++) {
        nsvc += x->ents[path[i]].is_segment || i == 0;
    }
    const struct trace_ent *root = &x->ents[path[0]];
    double total = root->end - root->start;
    tf_put_varint(o, 1);
    tf_put_bool(o, true); /* ClientImpacting */
    tf_put_varint(o, nsvc);
    for (size_t i = 0; i < len; i++) {
        const struct trace_ent *ent = &x->ents[path[i]];
        if (ent->is_segment || i == 0) {
            size_t nent = 1;
            while (i + nent < len && !x->ents[path[i + nent]].is_segment) {
                nent++;
            }
            put_service(o, &x->nodes[x->ents[ent->seg >= 0 ? ent->seg : path[0]].node], nent);
        }
        tf_put_str(o, ent->name);
        tf_put_num(o, total > 0 ? (ent->end - ent->start) / total : 0);
        tf_put_bool(o, remote(ent));
        tf_put_varint(o, 0); /* no Exceptions list on response-time entities */
    }
}

json_t *trace_root_causes_flagged(const struct trace_idx *x)
{
    json_t *rc = json_object();
    json_t *fault = json_array(), *error = json_array();
    int path[MAX_PATH];
    if (x->root >= 0) {
        collect(x, x->root, path, 0, KIND_FAULT, fault);
        collect(x, x->root, path, 0, KIND_ERROR, error);
    }
    json_object_set_new(rc, "fault", fault);
    json_object_set_new(rc, "error", error);
    return rc;
}

json_t *trace_root_causes(const struct trace_idx *x)
{
    json_t *rc = json_object();
    json_t *fault = json_array(), *error = json_array();
    int path[MAX_PATH];
    if (x->root < 0) {
        json_object_set_new(rc, "fault", fault);
        json_object_set_new(rc, "error", error);
        json_object_set_new(rc, "responsetime", json_array());
        return rc;
    }
    collect(x, x->root, path, 0, KIND_FAULT, fault);
    collect(x, x->root, path, 0, KIND_ERROR, error);
    json_object_set_new(rc, "fault", fault);
    json_object_set_new(rc, "error", error);
    json_object_set_new(rc, "responsetime", slowest_path(x, path));
    return rc;
}
