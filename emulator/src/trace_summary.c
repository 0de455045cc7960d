/*
 * trace_summary.c - the TraceSummary object exactly as GetTraceSummaries returns it
 * (reference/xray-api.md "TraceSummary derivation"), built from the trace index and the parts
 * of the derived view already computed (annotations, lists, root causes).
 *
 * Pure; any thread may call in. MatchedEventTime is left to the caller (it depends on the query).
 */
#include <string.h>

#include "trace_int.h"

static const char *str(const json_t *o, const char *key)
{
    return json_string_value(json_object_get(o, key));
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

static int node_of(const struct trace_idx *x, const json_t *ref)
{
    const char *name = str(ref, "name"), *type = str(ref, "type");
    for (size_t k = 0; name && type && k < x->nnodes; k++) {
        if (!x->nodes[k].client && strcmp(x->nodes[k].name, name) == 0 &&
            strcmp(x->nodes[k].type, type) == 0) {
            return (int)k;
        }
    }
    return -1;
}

static json_t *annotation_value(const json_t *v)
{
    json_t *av = json_object();
    if (json_is_string(v)) {
        json_object_set_new(av, "StringValue", json_copy((json_t *)v));
    } else if (json_is_boolean(v)) {
        json_object_set_new(av, "BooleanValue", json_copy((json_t *)v));
    } else {
        json_object_set_new(av, "NumberValue", json_real(json_number_value(v)));
    }
    return av;
}

/* key -> [{AnnotationValue, ServiceIds}], one entry per distinct value. */
static json_t *annotations(const struct trace_idx *x, const json_t *list)
{
    json_t *out = json_object();
    size_t i;
    json_t *a;
    json_array_foreach(list, i, a)
    {
        const char *key = str(a, "key");
        json_t *vals = json_object_get(out, key);
        if (!vals) {
            vals = json_array();
            json_object_set_new(out, key, vals);
        }
        json_t *av = annotation_value(json_object_get(a, "value"));
        json_t *entry = NULL, *v;
        size_t k;
        json_array_foreach(vals, k, v)
        {
            if (json_equal(json_object_get(v, "AnnotationValue"), av)) {
                entry = v;
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
        int node = node_of(x, json_object_get(a, "service"));
        if (node >= 0) {
            add_service(json_object_get(entry, "ServiceIds"), trace_service_id(x, node));
        }
    }
    return out;
}

static json_t *users(const struct trace_idx *x)
{
    json_t *out = json_array();
    for (size_t i = 0; i < x->n; i++) {
        const struct trace_ent *e = &x->ents[x->order[i]];
        const char *user = str(e->j, "user");
        if (!e->is_segment || !user) {
            continue;
        }
        json_t *entry = NULL, *v;
        size_t k;
        json_array_foreach(out, k, v)
        {
            if (strcmp(str(v, "UserName"), user) == 0) {
                entry = v;
            }
        }
        if (!entry) {
            entry = json_object();
            json_object_set_new(entry, "UserName", json_string(user));
            json_object_set_new(entry, "ServiceIds", json_array());
            json_array_append_new(out, entry);
        }
        add_service(json_object_get(entry, "ServiceIds"), trace_service_id(x, e->node));
    }
    return out;
}

/* [{member: s}] for each string of a derived list. */
static json_t *wrap_list(const json_t *list, const char *member)
{
    json_t *out = json_array();
    size_t i;
    json_t *v;
    json_array_foreach(list, i, v)
    {
        json_t *o = json_object();
        json_object_set_new(o, member, json_copy(v));
        json_array_append_new(out, o);
    }
    return out;
}

static json_t *http(const struct trace_ent *root)
{
    const json_t *req = json_object_get(json_object_get(root->j, "http"), "request");
    static const char *const keys[][2] = {{"HttpURL", "url"},
                                          {"HttpMethod", "method"},
                                          {"UserAgent", "user_agent"},
                                          {"ClientIp", "client_ip"}};
    json_t *h = json_object();
    for (size_t i = 0; i < ARRAY_LEN(keys); i++) {
        if (str(req, keys[i][1])) {
            json_object_set_new(h, keys[i][0], json_string(str(req, keys[i][1])));
        }
    }
    if (root->http_status) {
        json_object_set_new(h, "HttpStatus", json_integer(root->http_status));
    }
    return h;
}

/* HasFault/HasError follow the root segment (the trace's answer to its client); HasThrottle is
 * any segment's. With no root yet, any segment's flags stand in. */
static void flags(const struct trace_idx *x, json_t *s)
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
    json_object_set_new(s, "HasFault", json_boolean(fault));
    json_object_set_new(s, "HasError", json_boolean(error));
    json_object_set_new(s, "HasThrottle", json_boolean(throttle));
}

json_t *trace_summary(const struct trace_idx *x, const json_t *derived, size_t ndocs)
{
    json_t *s = json_object();
    const json_t *rc = json_object_get(derived, "root_causes");
    json_object_set_new(s, "Id", json_string(x->trace_id));
    json_object_set_new(s, "Duration", json_real(x->end - x->start));
    const json_t *rt = json_object_get(derived, "response_time");
    if (json_is_number(rt)) {
        json_object_set_new(s, "ResponseTime", json_real(json_number_value(rt)));
    }
    flags(x, s);
    json_object_set_new(s, "IsPartial", json_boolean(x->partial));
    if (x->root >= 0) {
        json_object_set_new(s, "Http", http(&x->ents[x->root]));
    }
    json_object_set_new(s, "Annotations", annotations(x, json_object_get(derived, "annotations")));
    json_object_set_new(s, "Users", users(x));
    json_t *sids = json_array();
    for (size_t k = 0; k < x->nnodes; k++) {
        if (!x->nodes[k].client) {
            add_service(sids, trace_service_id(x, (int)k));
        }
    }
    json_object_set_new(s, "ServiceIds", sids);
    json_object_set_new(s, "ResourceARNs",
                        wrap_list(json_object_get(derived, "resource_arns"), "ARN"));
    json_object_set_new(s, "InstanceIds",
                        wrap_list(json_object_get(derived, "instance_ids"), "Id"));
    json_object_set_new(s, "AvailabilityZones",
                        wrap_list(json_object_get(derived, "availability_zones"), "Name"));
    if (x->root >= 0) {
        json_object_set_new(s, "EntryPoint", trace_service_id(x, x->ents[x->root].node));
    }
    json_object_set_new(s, "FaultRootCauses", json_deep_copy(json_object_get(rc, "fault")));
    json_object_set_new(s, "ErrorRootCauses", json_deep_copy(json_object_get(rc, "error")));
    json_object_set_new(s, "ResponseTimeRootCauses",
                        json_deep_copy(json_object_get(rc, "responsetime")));
    json_object_set_new(s, "Revision", json_integer((json_int_t)ndocs));
    return s;
}
