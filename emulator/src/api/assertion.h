/*
 * assertion.h - the CI assertion engine behind POST /api/v1/assert (docs/api.md "assert"): the
 * spec parser, the partial segment-tree matcher and the wording of failure reasons. Pure: no SQL,
 * no HTTP, no clock except where a spec names a duration back from now. api_v1_ci.c fetches traces
 * and log events and hands them in. Any thread may call; nothing here is shared between threads.
 *
 * A tree spec is a JSON object that a trace's node (segment or subsegment) must contain:
 *   every member other than the reserved ones is a field the node must have with a matching value
 *   (objects and arrays match partially and recursively; the flags error/fault/throttle/
 *   in_progress/inferred count as false when absent; "kind" is "segment" or "subsegment");
 *   a value may be an operator object {"$glob": "127.0.0.1:*"}, {"$gte": 200, "$lt": 300},
 *   {"$exists": false}, {"$contains": "text"};
 *   "subsegments": [spec…] each must match a distinct descendant (a nested subsegment, or the
 *   segment of a downstream service whose parent_id points into this node), in any order unless
 *   "ordered": true (then in start-time order), at any depth unless "direct": true.
 * The spec's top node may match any node of the trace.
 */
#ifndef ASSERTION_H
#define ASSERTION_H

#include <jansson.h>

#include "buf.h"
#include "fluoro.h"

struct fpattern;

/* Most traces one assertion examines; more matches are reported as "more than". */
#define ASSERTION_MAX_TRACES 10000
/* Longest within_ms accepted (10 minutes). */
#define ASSERTION_MAX_WITHIN_MS 600000

/* One log expectation of a spec. */
struct assertion_logs {
    char *group;
    char *stream;           /* NULL = every stream of the group */
    char *pattern;          /* source text ("" = every event) */
    struct fpattern *match; /* compiled pattern */
    int64_t min, max;       /* max < 0 = no upper bound */
    bool correlated;        /* only events carrying the id of a trace the filter matched */
    bool allow_missing;     /* a group that does not exist counts as 0 events instead of failing */
};

/* A parsed POST /api/v1/assert body. Plain data; free with assertion_spec_free. */
struct assertion_spec {
    char *filter;      /* filter expression; "" = every trace */
    double since;      /* epoch seconds; 0 = the beginning */
    double until;      /* epoch seconds; 0 = no end */
    int64_t min, max;  /* traces matching the filter; max < 0 = no upper bound */
    int64_t within_ms; /* how long to keep re-checking */
    json_t *tree;      /* owned; NULL = no tree expectation */
    bool any;          /* the tree must be in at least one matching trace, not every one */
    struct assertion_logs *logs;
    size_t nlogs;
};

/* Parses and validates spec (borrowed). Returns 0 and a new spec in *out, or ERR_INVALID with
 * err->msg naming the member (err->pos is the position inside a logs pattern, else -1).
 * err_code receives a static error code for the API ("InvalidSpec", "InvalidFilterPattern"). */
int assertion_spec_parse(const json_t *spec, struct assertion_spec **out, const char **err_code,
                         struct errbuf *err) MUST_CHECK;
void assertion_spec_free(struct assertion_spec *s);

/* Checks the shape of a tree spec (reserved members' types, operator names). Returns 0 or
 * ERR_INVALID with err->msg naming the path of the bad member. */
int assertion_tree_validate(const json_t *tree, struct errbuf *err) MUST_CHECK;

/* The matchable tree of one trace, built from its assembled segment documents (the "segments"
 * array of GET /api/v1/traces/{id}, borrowed): each segment or subsegment becomes a node, and a
 * segment whose parent_id names a node of another document is nested under that node. New. */
struct assertion_tree;
struct assertion_tree *assertion_tree_new(const json_t *segments);
void assertion_tree_free(struct assertion_tree *t);
/* How many nodes the tree has. */
size_t assertion_tree_size(const struct assertion_tree *t);

/* What a failed match found closest: how far off it was (0 = matched) and the first difference
 * as one sentence, e.g. `at "api > DynamoDB": aws.operation expected "PutItem", found "GetItem"`.
 */
struct assertion_miss {
    int distance;
    char text[512];
};

/* True when some node of t contains spec (validated). On false, miss (may be NULL) describes the
 * closest node. */
bool assertion_tree_match(const json_t *spec, const struct assertion_tree *t,
                          struct assertion_miss *miss);

/* The count expectation as words: "at least 1", "exactly 3", "between 2 and 5", "at most 0". */
void assertion_range_text(int64_t min, int64_t max, char *out, size_t n);
/* True when n is within [min, max] (max < 0 = unbounded). */
bool assertion_range_holds(int64_t min, int64_t max, int64_t n);

#endif
