/*
 * api_v1_logs.h - fluoro's own JSON API over CloudWatch Logs data for the web UI and CI (the routes
 * themselves are declared through routes.def). HTTP connection threads.
 */
#ifndef API_V1_LOGS_H
#define API_V1_LOGS_H

#include "http.h"

/* GET /api/v1/traces/{trace_id}/logs: the log events whose message carries trace_id, oldest
 * first, as {"trace_id", "events": [...]}. trace_id is borrowed. */
void api_trace_logs(struct http_request *req, struct http_reply *rep, const char *trace_id);

#endif
