/*
 * trace_int.h - internals shared by trace.c, trace_rootcause.c and
 * trace_assemble.c: an index over one trace's documents, built once per call and freed after.
 * Every json_t pointer in it is borrowed from the caller's documents, which outlive the index.
 */
#ifndef TRACE_INT_H
#define TRACE_INT_H

#include <jansson.h>

#include "fluoro.h"

/* One segment or subsegment (embedded or independently sent) of the trace. */
struct trace_ent {
    json_t *j; /* borrowed: the document or the embedded subsegment object */
    const char *id, *name;
    int parent;        /* call-tree parent: enclosing entity, or the entity parent_id names; -1 */
    int seg;           /* the segment this entity belongs to (itself for a segment); -1 orphan */
    int callee;        /* subsegments: first segment whose parent_id is this id; -1 */
    int node;          /* segments: their node; -1 otherwise */
    int inferred_node; /* aws/remote subsegments without a callee: the inferred node; -1 */
    int first_child, last_child, next_sibling; /* call-tree children, in document order */
    int doc;                                   /* top-level documents: index in docs; -1 */
    bool is_segment;                           /* a top-level document without type:subsegment */
    bool top;                                  /* a top-level document */
    bool in_progress;
    bool error, fault, throttle; /* from the flags or from http.response.status */
    int http_status;             /* 0 when absent */
    double start, end;           /* end == start when in progress */
};

/* A service-graph node: (name, type) is the identity. */
struct trace_node {
    const char *name; /* borrowed from a document */
    char *type;       /* owned */
    const char *account_id;
    bool root, inferred, client;
};

struct trace_idx {
    struct trace_ent *ents;
    size_t n, cap;
    struct trace_node *nodes;
    size_t nnodes;
    size_t *order;        /* entity indexes by (start, index): callers tend to come first */
    int *by_id;           /* open-addressing table of entity indexes by id (first wins), -1 */
    size_t by_id_mask;    /* its size - 1 (a power of two) */
    const char *trace_id; /* borrowed; "" when no document has one */
    int root;             /* root segment entity, -1 when the trace has no segment */
    int client;           /* the client node in front of the root, -1 */
    double start, end;
    bool partial;
};

/* Builds the index over docs (borrowed). Never fails: odd documents are skipped or orphaned. */
void trace_idx_build(struct trace_idx *x, json_t *const *docs, size_t n);
void trace_idx_fini(struct trace_idx *x);

/* Entity index by id, -1 when absent. */
int trace_idx_find(const struct trace_idx *x, const char *id);

/* The ServiceId API object {Name, Names, Type?, AccountId?} of node k (new reference). */
json_t *trace_service_id(const struct trace_idx *x, int k);

/* The exceptions of an entity's cause as [{Name, Message}] (new reference). */
json_t *trace_exceptions(const struct trace_idx *x, int e);

/* Root causes {"fault": [...], "error": [...], "responsetime": [...]} (new reference). */
json_t *trace_root_causes(const struct trace_idx *x);
/* Only {"fault": [...], "error": [...]} (new reference): empty unless something is flagged. */
json_t *trace_root_causes_flagged(const struct trace_idx *x);
struct tf_out;
/* Writes the response-time root causes (the slowest path) straight into the view's encoding,
 * exactly as tf_put_causes() writes trace_root_causes()'s "responsetime" list. */
void trace_put_slowest_path(struct tf_out *o, const struct trace_idx *x);

/* Deterministic 16-hex id for the inferred segment that stands for subsegment `sub_id`. */
void trace_inferred_id(const char *sub_id, char out[17]);

#endif
