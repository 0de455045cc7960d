/*
 * trace_facts.h - the packed "facts" of one trace: the parts of its derived view (trace.h) that
 * filter expressions, the service graph and the time series read most, in a compact binary
 * form that decodes without jansson or allocation (docs/design-notes.md items 2 and 8).
 *
 * The writer packs a trace's facts from its derived view (trace_facts_pack, on a pool thread)
 * and stores them next to the time columns in trace_facts (schema.c). Readers decode a row's
 * blob into a reusable struct trace_facts whose strings point into the blob, so a decoded
 * struct is valid only while the blob is (for SQLite: until the statement steps again).
 *
 * Every value keeps the view's own type, including "absent", so anything computed from the
 * facts equals what the same code computes from the view (test_graph.c, test_fexpr.c check it).
 * Any thread may call; a struct trace_facts belongs to one thread.
 */
#ifndef TRACE_FACTS_H
#define TRACE_FACTS_H

#include <jansson.h>
#include <stddef.h>

#include "fluoro.h"

/* A typed scalar of the view: TF_NONE when the member is absent, null, an array or object. */
enum tf_type { TF_NONE, TF_BOOL, TF_NUM, TF_STR };
struct tf_val {
    enum tf_type type;
    bool b;
    double n;
    const char *s; /* borrowed from the blob, NUL-terminated */
};

/* Trace-level scalars, in packing order (paths into the view in trace_facts.c). */
enum tf_top {
    TF_ROOT_OK,
    TF_ROOT_ERROR,
    TF_ROOT_FAULT,
    TF_ROOT_THROTTLE,
    TF_HTTP_STATUS,
    TF_HTTP_URL,
    TF_HTTP_METHOD,
    TF_HTTP_USERAGENT,
    TF_HTTP_CLIENTIP,
    TF_PARTIAL,
    TF_INFERRED,
    TF_RESPONSE_TIME,
    TF_DURATION,
    TF_TOP_COUNT
};

/* Trace-level lists of strings (users, availability_zones, instance_ids, resource_arns). */
enum tf_list { TF_USERS, TF_AZS, TF_INSTANCE_IDS, TF_RESOURCE_ARNS, TF_LIST_COUNT };

/* The members of one node segment or one edge call. */
enum tf_field {
    TF_START,
    TF_END,
    TF_RT,
    TF_OK,
    TF_ERROR,
    TF_FAULT,
    TF_THROTTLE,
    TF_STATUS,
    TF_FIELD_COUNT
};

struct tf_item {
    struct tf_val f[TF_FIELD_COUNT];
};

/* A node identity as the view spells it: name, type, account_id. */
struct tf_ref {
    struct tf_val name, type, account;
};

struct tf_node {
    struct tf_ref id;
    struct tf_val root, inferred, client;
    size_t first, n; /* its segments: items[first .. first+n) */
};

struct tf_edge {
    struct tf_ref src, dst;
    size_t first, n; /* its calls: items[first .. first+n) */
};

struct tf_annot {
    struct tf_val key, value;
};

struct trace_facts {
    bool graph; /* nodes and edges were decoded (else they read as empty) */
    struct tf_val top[TF_TOP_COUNT];
    size_t list_first[TF_LIST_COUNT], list_n[TF_LIST_COUNT]; /* into vals */
    struct tf_val *vals;
    struct tf_annot *annots;
    struct tf_node *nodes;
    struct tf_edge *edges;
    struct tf_item *items;
    size_t nvals, nannots, nnodes, nedges, nitems;
    size_t cap_vals, cap_annots, cap_nodes, cap_edges, cap_items;
};

/* Returns a new malloc'd blob of the view's facts (*len bytes). view is borrowed. */
void *trace_facts_pack(const json_t *view, size_t *len);

void trace_facts_init(struct trace_facts *f);
void trace_facts_fini(struct trace_facts *f);

/* Decodes blob into f (arrays reused, strings borrowed from blob). Returns 0, or ERR_INVALID
 * for a truncated blob or one of another format version (callers then read the view). */
int trace_facts_decode(struct trace_facts *f, const void *blob, size_t len) MUST_CHECK;
/* The same, but with graph false only the trace scalars, lists and annotations are decoded
 * (f->graph says which): enough for expressions without service()/edge(), and cheaper. */
int trace_facts_decode_part(struct trace_facts *f, const void *blob, size_t len,
                            bool graph) MUST_CHECK;

/* The trace-level slot a view path reads ("root","http","status" / "duration"; unused parts
 * NULL), or -1 when the facts do not hold it. */
int trace_facts_top_slot(const char *k1, const char *k2, const char *k3);
/* The list a trace-level member names ("users", …), or -1. */
int trace_facts_list_slot(const char *key);
/* The segment/call member a key names ("response_time", "http_status", …), or -1. */
int trace_facts_field(const char *key);

#endif
