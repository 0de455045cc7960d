/*
 * trace_index.c - the index every trace computation starts from: all segments and subsegments of
 * one trace (embedded ones included), the call tree that parent_id links make between documents,
 * the root, and the service-graph nodes (reference/segment-document.md §9-10, DESIGN.md §5).
 *
 * Any thread may call in; the index lives for one call and borrows the caller's documents.
 * Invariants: the call tree has no cycles (a document whose parent_id would close one is treated
 * as having no parent), and every index stored in an entity is either -1 or in range.
 */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "trace_int.h"

/* Largest nesting followed inside one document; jansson's own parse depth is the real bound. */
#define MAX_DEPTH 512

static const char *str(const json_t *o, const char *key)
{
    return json_string_value(json_object_get(o, key));
}

/* Flags come from the booleans and, failing those, from http.response.status (§7). */
static void classify(struct trace_ent *e)
{
    const json_t *st =
        json_object_get(json_object_get(json_object_get(e->j, "http"), "response"), "status");
    e->http_status = json_is_integer(st) ? (int)json_integer_value(st) : 0;
    e->error = json_is_true(json_object_get(e->j, "error"));
    e->fault = json_is_true(json_object_get(e->j, "fault"));
    e->throttle = json_is_true(json_object_get(e->j, "throttle"));
    if (e->http_status >= 400 && e->http_status < 500) {
        e->error = true;
    }
    if (e->http_status >= 500 && e->http_status < 600) {
        e->fault = true;
    }
    if (e->http_status == 429) {
        e->throttle = true;
    }
}

static int add_ent(struct trace_idx *x, json_t *j, int parent, int doc, int depth)
{
    if (!json_is_object(j) || depth > MAX_DEPTH) {
        return -1;
    }
    if (x->n == x->cap) {
        x->cap = x->cap ? x->cap * 2 : 16;
        x->ents = xrealloc(x->ents, x->cap * sizeof(*x->ents));
    }
    int k = (int)x->n++;
    struct trace_ent *e = &x->ents[k];
    memset(e, 0, sizeof(*e));
    e->j = j;
    e->id = str(j, "id") ? str(j, "id") : "";
    e->name = str(j, "name") ? str(j, "name") : "";
    e->parent = parent;
    e->seg = e->callee = e->node = e->inferred_node = -1;
    e->first_child = e->last_child = e->next_sibling = -1;
    e->doc = doc;
    e->top = doc >= 0;
    const char *type = str(j, "type");
    e->is_segment = e->top && !(type && strcmp(type, "subsegment") == 0);
    e->in_progress = json_is_true(json_object_get(j, "in_progress"));
    e->start = json_number_value(json_object_get(j, "start_time"));
    const json_t *end = json_object_get(j, "end_time");
    e->end = (!e->in_progress && json_is_number(end)) ? json_number_value(end) : e->start;
    classify(e);
    size_t i;
    json_t *sub;
    json_array_foreach(json_object_get(j, "subsegments"), i, sub)
    {
        add_ent(x, sub, k, -1, depth + 1);
    }
    return k;
}

/* Ids are short random hex, so any decent spread will do. */
static size_t id_hash(const char *id)
{
    return (size_t)fnv1a64(FNV64_OFFSET, id);
}

int trace_idx_find(const struct trace_idx *x, const char *id)
{
    if (!id || !*id || !x->by_id) {
        return -1;
    }
    for (size_t i = id_hash(id) & x->by_id_mask;; i = (i + 1) & x->by_id_mask) {
        int k = x->by_id[i];
        if (k < 0) {
            return -1;
        }
        if (strcmp(x->ents[k].id, id) == 0) {
            return k;
        }
    }
}

/* Indexes every entity with an id; the first of equal ids wins. The table is at most half
 * full, so probes end. */
static void index_ids(struct trace_idx *x)
{
    size_t size = 16;
    while (size < 2 * x->n + 2) {
        size *= 2;
    }
    x->by_id = xmalloc(size * sizeof(*x->by_id));
    x->by_id_mask = size - 1;
    for (size_t i = 0; i < size; i++) {
        x->by_id[i] = -1;
    }
    for (size_t k = 0; k < x->n; k++) {
        const char *id = x->ents[k].id;
        if (!*id || trace_idx_find(x, id) >= 0) {
            continue;
        }
        size_t i = id_hash(id) & x->by_id_mask;
        while (x->by_id[i] >= 0) {
            i = (i + 1) & x->by_id_mask;
        }
        x->by_id[i] = (int)k;
    }
}

/* True when making p the parent of k would close a loop (p is k or below k). */
static bool closes_cycle(const struct trace_idx *x, int k, int p)
{
    for (size_t steps = 0; p >= 0 && steps <= x->n; steps++) {
        if (p == k) {
            return true;
        }
        p = x->ents[p].parent;
    }
    return p >= 0;
}

/* Top-level documents hang under the entity their parent_id names. A segment whose parent_id
 * names nothing is a root candidate (the caller is outside the trace, e.g. a load balancer);
 * an independent subsegment whose parent is missing is an orphan and makes the trace partial. */
static void link_documents(struct trace_idx *x)
{
    for (size_t k = 0; k < x->n; k++) {
        struct trace_ent *e = &x->ents[k];
        if (!e->top) {
            continue;
        }
        int p = trace_idx_find(x, str(e->j, "parent_id"));
        if (p >= 0 && closes_cycle(x, (int)k, p)) {
            p = -1;
        }
        e->parent = p;
        if (p < 0 && !e->is_segment) {
            x->partial = true;
        }
        if (p >= 0 && e->is_segment && !x->ents[p].is_segment && x->ents[p].callee < 0) {
            x->ents[p].callee = (int)k;
        }
    }
}

static void link_children_and_owners(struct trace_idx *x)
{
    for (size_t k = 0; k < x->n; k++) {
        struct trace_ent *e = &x->ents[k];
        if (e->parent >= 0) {
            struct trace_ent *p = &x->ents[e->parent];
            if (p->last_child >= 0) {
                x->ents[p->last_child].next_sibling = (int)k;
            } else {
                p->first_child = (int)k;
            }
            p->last_child = (int)k;
        }
        int s = (int)k;
        while (s >= 0 && !x->ents[s].is_segment) {
            s = x->ents[s].parent;
        }
        e->seg = s;
    }
}

static int by_start(const void *a, const void *b, void *ctx)
{
    const struct trace_ent *ents = ctx;
    size_t i = *(const size_t *)a, j = *(const size_t *)b;
    if (ents[i].start != ents[j].start) {
        return ents[i].start < ents[j].start ? -1 : 1;
    }
    return i < j ? -1 : (i > j);
}

/* Root: the earliest segment without a parent in the trace (§10.3). Partial: anything still in
 * progress, or a traced call whose downstream segment has not arrived (§10.4). */
static void find_root_and_partial(struct trace_idx *x)
{
    x->root = -1;
    x->start = INFINITY;
    x->end = -INFINITY;
    for (size_t i = 0; i < x->n; i++) {
        const struct trace_ent *e = &x->ents[x->order[i]];
        if (e->is_segment && e->parent < 0 && x->root < 0) {
            x->root = (int)x->order[i];
        }
        const json_t *traced =
            json_object_get(json_object_get(json_object_get(e->j, "http"), "request"), "traced");
        if (e->in_progress || (!e->is_segment && json_is_true(traced) && e->callee < 0)) {
            x->partial = true;
        }
        x->start = fmin(x->start, e->start);
        x->end = fmax(x->end, e->end);
    }
    if (x->n == 0) {
        x->start = x->end = 0;
    }
}

struct aws_service {
    const char *key;       /* lower-case SDK spelling (Go/Node use the canonical one) */
    const char *canonical; /* the <Service> in AWS::<Service> */
    const char *resource;  /* the ::<ResourceType> when the call names a resource */
    const char *fields[3]; /* aws members that name that resource */
};

static const struct aws_service aws_services[] = {
    {"dynamodb", "DynamoDB", "Table", {"table_name", "table_names", "resource_names"}},
    {"sqs", "SQS", "Queue", {"queue_url", "queue_name", NULL}},
    {"lambda", "Lambda", "Function", {"function_name", NULL, NULL}},
    {"s3", "S3", "Bucket", {"bucket_name", "bucket", NULL}},
    {"kinesis", "Kinesis", "Stream", {"stream_name", NULL, NULL}},
    {"sns", "SNS", NULL, {NULL, NULL, NULL}},
    {"kms", "KMS", NULL, {NULL, NULL, NULL}},
    {"sts", "STS", NULL, {NULL, NULL, NULL}},
    {"ssm", "SSM", NULL, {NULL, NULL, NULL}},
    {"ec2", "EC2", NULL, {NULL, NULL, NULL}},
    {"secretsmanager", "SecretsManager", NULL, {NULL, NULL, NULL}},
    {"eventbridge", "EventBridge", NULL, {NULL, NULL, NULL}},
    {"stepfunctions", "StepFunctions", NULL, {NULL, NULL, NULL}},
};

/* AWS::<Service> or AWS::<Service>::<ResourceType> for a namespace "aws" subsegment (§9). */
static char *aws_type(const json_t *sub, const char *name)
{
    const json_t *aws = json_object_get(sub, "aws");
    for (size_t i = 0; i < ARRAY_LEN(aws_services); i++) {
        const struct aws_service *s = &aws_services[i];
        if (strcasecmp(name, s->key) != 0) {
            continue;
        }
        for (size_t f = 0; s->resource && f < ARRAY_LEN(s->fields) && s->fields[f]; f++) {
            const json_t *v = json_object_get(aws, s->fields[f]);
            if (v && !json_is_null(v) && !(json_is_array(v) && json_array_size(v) == 0)) {
                return xasprintf("AWS::%s::%s", s->canonical, s->resource);
            }
        }
        return xasprintf("AWS::%s", s->canonical);
    }
    return xasprintf("AWS::%s", name);
}

static int node_get(struct trace_idx *x, const char *name, char *type)
{
    for (size_t i = 0; i < x->nnodes; i++) {
        struct trace_node *nd = &x->nodes[i];
        if (!nd->client && strcmp(nd->name, name) == 0 && strcmp(nd->type, type) == 0) {
            free(type);
            return (int)i;
        }
    }
    x->nodes = xrealloc(x->nodes, (x->nnodes + 1) * sizeof(*x->nodes));
    x->nodes[x->nnodes] = (struct trace_node){.name = name, .type = type};
    return (int)x->nnodes++;
}

/* Nodes in start order, so callers come before callees; the client node goes first. */
static void make_nodes(struct trace_idx *x)
{
    x->client = -1;
    if (x->root >= 0) {
        x->client = node_get(x, x->ents[x->root].name, xstrdup("client"));
        x->nodes[x->client].client = true;
    }
    for (size_t i = 0; i < x->n; i++) {
        struct trace_ent *e = &x->ents[x->order[i]];
        const char *ns = str(e->j, "namespace");
        if (e->is_segment) {
            const char *origin = str(e->j, "origin");
            e->node = node_get(x, e->name, xstrdup(origin ? origin : ""));
            struct trace_node *nd = &x->nodes[e->node];
            nd->root |= (int)x->order[i] == x->root;
            if (!nd->account_id) {
                nd->account_id = str(json_object_get(e->j, "aws"), "account_id");
            }
        } else if (e->callee < 0 && ns && strcmp(ns, "aws") == 0) {
            e->inferred_node = node_get(x, e->name, aws_type(e->j, e->name));
            x->nodes[e->inferred_node].inferred = true;
        } else if (e->callee < 0 && ns && strcmp(ns, "remote") == 0) {
            e->inferred_node = node_get(x, e->name, xstrdup("remote"));
            x->nodes[e->inferred_node].inferred = true;
        }
    }
}

void trace_idx_build(struct trace_idx *x, json_t *const *docs, size_t n)
{
    memset(x, 0, sizeof(*x));
    x->trace_id = "";
    for (size_t i = 0; i < n; i++) {
        add_ent(x, docs[i], -1, (int)i, 0);
        if (!*x->trace_id && str(docs[i], "trace_id")) {
            x->trace_id = str(docs[i], "trace_id");
        }
    }
    index_ids(x);
    link_documents(x);
    link_children_and_owners(x);
    x->order = xmalloc((x->n + 1) * sizeof(*x->order));
    for (size_t k = 0; k < x->n; k++) {
        x->order[k] = k;
    }
    qsort_r(x->order, x->n, sizeof(*x->order), by_start, x->ents);
    find_root_and_partial(x);
    make_nodes(x);
}

void trace_idx_fini(struct trace_idx *x)
{
    for (size_t i = 0; i < x->nnodes; i++) {
        free(x->nodes[i].type);
    }
    free(x->nodes);
    free(x->order);
    free(x->ents);
    free(x->by_id);
    memset(x, 0, sizeof(*x));
}

json_t *trace_service_id(const struct trace_idx *x, int k)
{
    const struct trace_node *nd = &x->nodes[k];
    json_t *names = json_array();
    json_array_append_new(names, json_string(nd->name));
    json_t *sid = json_object();
    json_object_set_new(sid, "Name", json_string(nd->name));
    json_object_set_new(sid, "Names", names);
    if (nd->account_id) {
        json_object_set_new(sid, "AccountId", json_string(nd->account_id));
    }
    /* A segment without an origin has no type; AWS leaves Type out rather than send "". */
    if (*nd->type) {
        json_object_set_new(sid, "Type", json_string(nd->type));
    }
    return sid;
}

void trace_inferred_id(const char *sub_id, char out[17])
{
    /* FNV-1a over a tag and the subsegment id: stable across re-derivations, and distinct from
     * the subsegment's own id. */
    uint64_t h = fnv1a64(fnv1a64(FNV64_OFFSET, "inferred:"), sub_id);
    snprintf(out, 17, "%016llx", (unsigned long long)h);
}
