/*
 * api_v1.h - what api_v1.c shares with the other /api/v1 handler files (api_v1_ci.c,
 * api_v1_logs.c): the assembled form of one trace that GET /api/v1/traces/{id} answers, and the
 * time arguments. HTTP connection threads.
 */
#ifndef API_V1_H
#define API_V1_H

#include <jansson.h>

#include "store.h"

/* The assembled trace of trace_id read from ro: {trace_id, start_time, end_time, duration,
 * response_time, partial, root, users, summary, nodes, edges, segments: [documents with their
 * subsegments nested]}. New reference, or NULL when the trace does not exist. */
json_t *api_v1_trace_detail(struct store *ro, const char *trace_id);

struct http_request;
struct http_reply;
/* The time query argument `name` (config_parse_when: epoch seconds, or "15m" back from now)
 * into *out, dflt when absent or empty. Returns false after replying 400 InvalidParameter.
 * HTTP connection threads. */
bool api_v1_query_time(struct http_request *req, struct http_reply *rep, const char *name,
                       double dflt, double *out);

#endif
