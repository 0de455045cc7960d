/*
 * trace_view_json.c - the API edge of struct trace_view (trace_facts.h): the TraceSummary object
 * as GetTraceSummaries returns it (reference/xray-api.md "TraceSummary derivation"), the root
 * causes in the API's shapes, and the whole view in the JSON shape /api/v1 answers with (the
 * former traces.derived, documented in trace.h). Pure; any thread may call in, and every
 * function returns a new reference the caller owns.
 */
#include <string.h>

#include "trace_facts.h"

static json_t *val_json(const struct tf_val *v)
{
    switch (v->type) {
    case TF_BOOL:
        return json_boolean(v->b);
    case TF_NUM:
        return json_real(v->n);
    case TF_STR:
        return json_string(v->s);
    default:
        return json_null();
    }
}

/* Sets o[key] unless the value is absent. */
static void set_val(json_t *o, const char *key, const struct tf_val *v)
{
    if (v->type != TF_NONE) {
        json_object_set_new(o, key, val_json(v));
    }
}

/* HTTP statuses and the revision are integers in the API. */
static void set_int(json_t *o, const char *key, const struct tf_val *v)
{
    if (v->type == TF_NUM) {
        json_object_set_new(o, key, json_integer((json_int_t)v->n));
    } else {
        set_val(o, key, v);
    }
}

static bool is_true(const struct tf_val *v)
{
    return v->type == TF_BOOL && v->b;
}

static json_t *service_id(const struct tf_ref *r)
{
    json_t *sid = json_object();
    json_t *names = json_array();
    json_array_append_new(names, val_json(&r->name));
    json_object_set_new(sid, "Name", val_json(&r->name));
    json_object_set_new(sid, "Names", names);
    set_val(sid, "AccountId", &r->account);
    /* A segment without an origin has no type; AWS leaves Type out rather than send "". */
    if (r->type.type == TF_STR && *r->type.s) {
        json_object_set_new(sid, "Type", json_string(r->type.s));
    }
    return sid;
}

/* Appends a ServiceId unless an equal one is there already; steals sid. */
static void add_service(json_t *list, json_t *sid)
{
    size_t i;
    json_t *v;
    json_array_foreach(list, i, v)
    {
        if (json_equal(v, sid)) {
            json_decref(sid);
            return;
        }
    }
    json_array_append_new(list, sid);
}

static json_t *causes_json(const struct trace_view *v, int kind)
{
    json_t *out = json_array();
    for (size_t i = 0; i < v->cause_n[kind]; i++) {
        const struct tv_cause *c = &v->causes[v->cause_first[kind] + i];
        json_t *services = json_array();
        for (size_t j = 0; j < c->n; j++) {
            const struct tv_rc_service *s = &v->rc_services[c->first + j];
            json_t *svc = json_object(), *names = json_array();
            json_t *path = json_array();
            json_array_append_new(names, val_json(&s->id.name));
            set_val(svc, "Name", &s->id.name);
            json_object_set_new(svc, "Names", names);
            set_val(svc, "AccountId", &s->id.account);
            set_val(svc, "Type", &s->id.type);
            set_val(svc, "Inferred", &s->inferred);
            for (size_t k = 0; k < s->n; k++) {
                const struct tv_rc_entity *e = &v->rc_entities[s->first + k];
                json_t *ent = json_object();
                set_val(ent, "Name", &e->name);
                set_val(ent, "Coverage", &e->coverage);
                if (e->has_exceptions) {
                    json_t *exs = json_array();
                    for (size_t m = 0; m < e->n; m++) {
                        const struct tv_exception *x = &v->exceptions[e->first + m];
                        json_t *ex = json_object();
                        set_val(ex, "Name", &x->name);
                        set_val(ex, "Message", &x->message);
                        json_array_append_new(exs, ex);
                    }
                    json_object_set_new(ent, "Exceptions", exs);
                }
                set_val(ent, "Remote", &e->remote);
                json_array_append_new(path, ent);
            }
            json_object_set_new(svc, "EntityPath", path);
            json_array_append_new(services, svc);
        }
        json_t *cause = json_object();
        json_object_set_new(cause, "Services", services);
        set_val(cause, "ClientImpacting", &c->client_impacting);
        json_array_append_new(out, cause);
    }
    return out;
}

json_t *trace_view_root_causes(const struct trace_view *v)
{
    json_t *rc = json_object();
    json_object_set_new(rc, "fault", causes_json(v, TV_RC_FAULT));
    json_object_set_new(rc, "error", causes_json(v, TV_RC_ERROR));
    json_object_set_new(rc, "responsetime", causes_json(v, TV_RC_RESPONSETIME));
    return rc;
}

static json_t *annotation_value(const struct tf_val *v)
{
    json_t *av = json_object();
    static const char *const members[] = {[TF_NONE] = "NumberValue",
                                          [TF_BOOL] = "BooleanValue",
                                          [TF_NUM] = "NumberValue",
                                          [TF_STR] = "StringValue"};
    json_object_set_new(av, members[v->type], val_json(v));
    return av;
}

/* key -> [{AnnotationValue, ServiceIds}], one entry per distinct value. */
static json_t *annotations_summary(const struct trace_view *v)
{
    json_t *out = json_object();
    for (size_t i = 0; i < v->nannots; i++) {
        const struct tf_annot *a = &v->annots[i];
        if (a->key.type != TF_STR) {
            continue;
        }
        json_t *vals = json_object_get(out, a->key.s);
        if (!vals) {
            vals = json_array();
            json_object_set_new(out, a->key.s, vals);
        }
        json_t *av = annotation_value(&a->value);
        json_t *entry = NULL, *e;
        size_t k;
        json_array_foreach(vals, k, e)
        {
            if (json_equal(json_object_get(e, "AnnotationValue"), av)) {
                entry = e;
            }
        }
        if (entry) {
            json_decref(av);
        } else {
            entry = json_object();
            json_object_set_new(entry, "AnnotationValue", av);
            json_object_set_new(entry, "ServiceIds", json_array());
            json_array_append_new(vals, entry);
        }
        if (a->node >= 0 && (size_t)a->node < v->nnodes) {
            add_service(json_object_get(entry, "ServiceIds"), service_id(&v->nodes[a->node].id));
        }
    }
    return out;
}

static json_t *users_summary(const struct trace_view *v)
{
    json_t *out = json_array();
    for (size_t i = 0; i < v->nusers; i++) {
        const struct tv_user *u = &v->users[i];
        json_t *entry = json_object(), *sids = json_array();
        set_val(entry, "UserName", &u->name);
        for (size_t k = 0; k < u->n; k++) {
            add_service(sids, service_id(&v->nodes[v->user_nodes[u->first + k]].id));
        }
        json_object_set_new(entry, "ServiceIds", sids);
        json_array_append_new(out, entry);
    }
    return out;
}

/* [{member: s}] for each string of a list. */
static json_t *wrap_list(const struct trace_view *v, int list, const char *member)
{
    json_t *out = json_array();
    for (size_t i = 0; i < v->list_n[list]; i++) {
        json_t *o = json_object();
        json_object_set_new(o, member, val_json(&v->vals[v->list_first[list] + i]));
        json_array_append_new(out, o);
    }
    return out;
}

static json_t *summary_http(const struct trace_view *v)
{
    json_t *h = json_object();
    set_val(h, "HttpURL", &v->top[TF_HTTP_URL]);
    set_val(h, "HttpMethod", &v->top[TF_HTTP_METHOD]);
    set_val(h, "UserAgent", &v->top[TF_HTTP_USERAGENT]);
    set_val(h, "ClientIp", &v->top[TF_HTTP_CLIENTIP]);
    set_int(h, "HttpStatus", &v->top[TF_HTTP_STATUS]);
    return h;
}

json_t *trace_view_summary(const struct trace_view *v)
{
    json_t *s = json_object();
    bool root = v->root_node >= 0;
    set_val(s, "Id", &v->trace_id);
    set_val(s, "Duration", &v->top[TF_DURATION]);
    if (v->top[TF_RESPONSE_TIME].type == TF_NUM) {
        set_val(s, "ResponseTime", &v->top[TF_RESPONSE_TIME]);
    }
    json_object_set_new(s, "HasFault", json_boolean(is_true(&v->has_fault)));
    json_object_set_new(s, "HasError", json_boolean(is_true(&v->has_error)));
    json_object_set_new(s, "HasThrottle", json_boolean(is_true(&v->has_throttle)));
    json_object_set_new(s, "IsPartial", json_boolean(is_true(&v->top[TF_PARTIAL])));
    if (root) {
        json_object_set_new(s, "Http", summary_http(v));
    }
    json_object_set_new(s, "Annotations", annotations_summary(v));
    json_object_set_new(s, "Users", users_summary(v));
    json_t *sids = json_array();
    for (size_t k = 0; k < v->nnodes; k++) {
        if (!is_true(&v->nodes[k].client)) {
            add_service(sids, service_id(&v->nodes[k].id));
        }
    }
    json_object_set_new(s, "ServiceIds", sids);
    json_object_set_new(s, "ResourceARNs", wrap_list(v, TF_RESOURCE_ARNS, "ARN"));
    json_object_set_new(s, "InstanceIds", wrap_list(v, TF_INSTANCE_IDS, "Id"));
    json_object_set_new(s, "AvailabilityZones", wrap_list(v, TF_AZS, "Name"));
    if (root) {
        json_object_set_new(s, "EntryPoint", service_id(&v->nodes[v->root_node].id));
    }
    json_object_set_new(s, "FaultRootCauses", causes_json(v, TV_RC_FAULT));
    json_object_set_new(s, "ErrorRootCauses", causes_json(v, TV_RC_ERROR));
    json_object_set_new(s, "ResponseTimeRootCauses", causes_json(v, TV_RC_RESPONSETIME));
    set_int(s, "Revision", &v->ndocs);
    return s;
}

/* The status and timing members of a node segment or an edge call. */
static json_t *item_json(const struct tf_item *it, bool node)
{
    json_t *c = json_object();
    json_object_set_new(c, "start_time", val_json(&it->f[TF_START]));
    json_object_set_new(c, "end_time", val_json(&it->f[TF_END]));
    json_object_set_new(c, "response_time", val_json(&it->f[TF_RT]));
    set_val(c, "ok", &it->f[TF_OK]);
    set_val(c, "error", &it->f[TF_ERROR]);
    set_val(c, "fault", &it->f[TF_FAULT]);
    set_val(c, "throttle", &it->f[TF_THROTTLE]);
    set_int(c, "http_status", &it->f[TF_STATUS]);
    if (node) {
        set_val(c, "id", &it->id);
        set_val(c, "in_progress", &it->in_progress);
    }
    return c;
}

static json_t *ref_json(const struct tf_ref *r)
{
    json_t *o = json_object();
    set_val(o, "name", &r->name);
    set_val(o, "type", &r->type);
    return o;
}

static json_t *nodes_json(const struct trace_view *v)
{
    json_t *nodes = json_array();
    for (size_t k = 0; k < v->nnodes; k++) {
        const struct tf_node *nd = &v->nodes[k];
        json_t *o = json_object(), *segs = json_array();
        set_val(o, "name", &nd->id.name);
        set_val(o, "type", &nd->id.type);
        set_val(o, "account_id", &nd->id.account);
        set_val(o, "root", &nd->root);
        set_val(o, "inferred", &nd->inferred);
        set_val(o, "client", &nd->client);
        for (size_t i = 0; i < nd->n; i++) {
            json_array_append_new(segs, item_json(&v->items[nd->first + i], true));
        }
        json_object_set_new(o, "segments", segs);
        json_array_append_new(nodes, o);
    }
    return nodes;
}

static json_t *edges_json(const struct trace_view *v)
{
    json_t *edges = json_array();
    for (size_t k = 0; k < v->nedges; k++) {
        const struct tf_edge *e = &v->edges[k];
        json_t *o = json_object(), *calls = json_array();
        json_object_set_new(o, "source", ref_json(&e->src));
        json_object_set_new(o, "destination", ref_json(&e->dst));
        for (size_t i = 0; i < e->n; i++) {
            json_array_append_new(calls, item_json(&v->items[e->first + i], false));
        }
        json_object_set_new(o, "calls", calls);
        json_array_append_new(edges, o);
    }
    return edges;
}

static json_t *list_json(const struct trace_view *v, int list)
{
    json_t *out = json_array();
    for (size_t i = 0; i < v->list_n[list]; i++) {
        json_array_append_new(out, val_json(&v->vals[v->list_first[list] + i]));
    }
    return out;
}

static json_t *root_json(const struct trace_view *v)
{
    if (v->root_node < 0) {
        return json_null();
    }
    json_t *r = json_object(), *h = json_object();
    set_val(r, "name", &v->root_name);
    set_val(r, "type", &v->root_type);
    set_val(r, "id", &v->root_id);
    set_val(r, "ok", &v->top[TF_ROOT_OK]);
    set_val(r, "error", &v->top[TF_ROOT_ERROR]);
    set_val(r, "fault", &v->top[TF_ROOT_FAULT]);
    set_val(r, "throttle", &v->top[TF_ROOT_THROTTLE]);
    set_val(h, "method", &v->top[TF_HTTP_METHOD]);
    set_val(h, "url", &v->top[TF_HTTP_URL]);
    set_val(h, "useragent", &v->top[TF_HTTP_USERAGENT]);
    set_val(h, "clientip", &v->top[TF_HTTP_CLIENTIP]);
    set_int(h, "status", &v->top[TF_HTTP_STATUS]);
    json_object_set_new(r, "http", h);
    return r;
}

static json_t *annotations_json(const struct trace_view *v)
{
    json_t *out = json_array();
    for (size_t i = 0; i < v->nannots; i++) {
        const struct tf_annot *a = &v->annots[i];
        json_t *o = json_object();
        set_val(o, "key", &a->key);
        set_val(o, "value", &a->value);
        if (a->node >= 0 && (size_t)a->node < v->nnodes) {
            json_object_set_new(o, "service", ref_json(&v->nodes[a->node].id));
        }
        json_array_append_new(out, o);
    }
    return out;
}

json_t *trace_view_json(const struct trace_view *v)
{
    json_t *d = json_object();
    set_val(d, "trace_id", &v->trace_id);
    set_val(d, "start_time", &v->start);
    set_val(d, "end_time", &v->end);
    set_val(d, "duration", &v->top[TF_DURATION]);
    json_object_set_new(d, "response_time", val_json(&v->top[TF_RESPONSE_TIME]));
    set_val(d, "partial", &v->top[TF_PARTIAL]);
    set_val(d, "inferred", &v->top[TF_INFERRED]);
    json_object_set_new(d, "root", root_json(v));
    json_object_set_new(d, "users", list_json(v, TF_USERS));
    json_object_set_new(d, "resource_arns", list_json(v, TF_RESOURCE_ARNS));
    json_object_set_new(d, "instance_ids", list_json(v, TF_INSTANCE_IDS));
    json_object_set_new(d, "availability_zones", list_json(v, TF_AZS));
    json_object_set_new(d, "annotations", annotations_json(v));
    json_object_set_new(d, "nodes", nodes_json(v));
    json_object_set_new(d, "edges", edges_json(v));
    json_object_set_new(d, "root_causes", trace_view_root_causes(v));
    json_object_set_new(d, "summary", trace_view_summary(v));
    return d;
}
