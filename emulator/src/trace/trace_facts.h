/*
 * trace_facts.h - struct trace_view, the one derived form of a trace, and its versioned binary
 * encoding (docs/design-notes.md items 2 and 8). trace_derive() (trace.h) encodes a trace's
 * documents straight into a blob; the writer stores it in trace_facts (schema.c); readers decode
 * a row's blob into a reusable struct trace_view whose strings point into the blob, so a
 * decoded view is valid only while the blob is (for SQLite: until the statement steps again).
 * Filter expressions (fexpr.h), the service graph, the time series, assertions and the API
 * edges (trace_view_json.c) read the view; JSON is made only at those edges.
 *
 * Every value keeps its own type, including "absent" (TF_NONE), so a view rendered as the legacy
 * JSON shape (trace_view_json) and packed again (trace_facts_pack) gives the same bytes.
 * Any thread may call; a struct trace_view belongs to one thread.
 */
#ifndef TRACE_FACTS_H
#define TRACE_FACTS_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

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
    struct tf_val id, in_progress; /* node segments only (TF_NONE on edge calls) */
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
    int node; /* the service it was recorded in, -1 when unknown */
};

/* The summary part: what only the API edges and root-cause expressions read. */
struct tv_user {
    struct tf_val name;
    size_t first, n; /* its services: node indexes in trace_view.user_nodes[first .. first+n) */
};
struct tv_exception {
    struct tf_val name, message;
};
struct tv_rc_entity {
    struct tf_val name, coverage, remote; /* coverage for response-time causes only */
    bool has_exceptions;                  /* fault/error causes carry an Exceptions list */
    size_t first, n;                      /* exceptions[first .. first+n) */
};
struct tv_rc_service {
    struct tf_ref id; /* Type as the API has it: absent for a service without one */
    struct tf_val inferred;
    size_t first, n; /* rc_entities[first .. first+n) */
};
struct tv_cause {
    struct tf_val client_impacting;
    size_t first, n; /* rc_services[first .. first+n) */
};
enum tv_rc_kind { TV_RC_FAULT, TV_RC_ERROR, TV_RC_RESPONSETIME, TV_RC_COUNT };

struct trace_view {
    bool graph;        /* nodes and edges were decoded (else they read as empty) */
    bool summary;      /* the summary part below was decoded */
    size_t summary_at; /* where the summary part starts in the decoded blob */
    /* summary part */
    struct tf_val trace_id, start, end, ndocs;
    struct tf_val root_name, root_type, root_id;
    struct tf_val has_fault, has_error, has_throttle; /* TraceSummary's flags */
    int root_node;                                    /* -1 when there is no root */
    struct tv_user *users;
    size_t *user_nodes;
    struct tv_cause *causes;
    size_t cause_first[TV_RC_COUNT], cause_n[TV_RC_COUNT];
    struct tv_rc_service *rc_services;
    struct tv_rc_entity *rc_entities;
    struct tv_exception *exceptions;
    size_t nusers, nuser_nodes, ncauses, nrc_services, nrc_entities, nexceptions;
    size_t cap_users, cap_user_nodes, cap_causes, cap_rc_services, cap_rc_entities, cap_exceptions;
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

/* Returns a new malloc'd blob (*len bytes) encoding a view given in the legacy JSON shape
 * (trace_view_json(), the former traces.derived): used to convert databases written before
 * migration 8 and by tests. view is borrowed. */
void *trace_facts_pack(const json_t *view, size_t *len);

void trace_facts_init(struct trace_view *f);
void trace_facts_fini(struct trace_view *f);

/* Decodes the whole blob into f (arrays reused, strings borrowed from blob). Returns 0, or
 * ERR_INVALID for a truncated blob or one of another format version. A blob may end where the
 * summary part begins (f->summary_at; how trace_facts rows store it, so a scanned row stays
 * under SQLite's overflow threshold): then f->summary is false. */
int trace_facts_decode(struct trace_view *f, const void *blob, size_t len) MUST_CHECK;
/* The same, but with graph false only the trace scalars, lists and annotations are decoded
 * (f->graph and f->summary say which): enough for expressions without service()/edge() or
 * root causes, and cheaper. */
int trace_facts_decode_part(struct trace_view *f, const void *blob, size_t len,
                            bool graph) MUST_CHECK;

/* Decodes a summary part stored apart (trace_summaries) into f, which must hold the same
 * trace's facts decoded whole; strings are borrowed from blob. Returns 0 or ERR_INVALID. */
int trace_facts_decode_summary(struct trace_view *f, const void *blob, size_t len) MUST_CHECK;

/* The trace-level slot a view path reads ("root","http","status" / "duration"; unused parts
 * NULL), or -1 when the facts do not hold it. */
int trace_facts_top_slot(const char *k1, const char *k2, const char *k3);
/* The list a trace-level member names ("users", …), or -1. */
int trace_facts_list_slot(const char *key);
/* The segment/call member a key names ("response_time", "http_status", …), or -1. */
int trace_facts_field(const char *key);

/* The API edge (trace_view_json.c); each needs a view decoded whole (f->summary) and returns a
 * new reference. */
/* The TraceSummary as GetTraceSummaries returns it, without MatchedEventTime. */
json_t *trace_view_summary(const struct trace_view *v);
/* {"fault": [...], "error": [...], "responsetime": [...]} in the API's RootCause shapes. */
json_t *trace_view_root_causes(const struct trace_view *v);
/* The whole view in the JSON shape trace.h documents (what /api/v1 returns from). */
json_t *trace_view_json(const struct trace_view *v);

/* Appending primitives of the encoding, shared with trace.c's encoder. */
struct tf_out {
    unsigned char *p;
    size_t len, cap;
};
void tf_put_varint(struct tf_out *o, uint64_t v);
void tf_put_none(struct tf_out *o);
void tf_put_bool(struct tf_out *o, bool b);
void tf_put_num(struct tf_out *o, double d);
void tf_put_str(struct tf_out *o, const char *s); /* NULL puts "absent" */
void tf_put_span(struct tf_out *o);               /* response time = end - start, bit for bit */
/* One root-cause list given in the API's JSON shape (borrowed). */
void tf_put_causes(struct tf_out *o, const json_t *causes);
/* The format version byte every blob starts with. */
void tf_put_version(struct tf_out *o);

#endif
