/*
 * xray_api_int.h - helpers shared by the X-Ray operation files (xray_api.c, xray_groups.c,
 * sampling_api.c, xray_admin.c, xray_tags.c, xray_insights.c, xray_timeseries.c): request parsing
 * and validation, the thread's read-only store, time windows, groups and filter expressions.
 * Every helper that fails has already replied with aws_err_restjson(). HTTP threads only.
 */
#ifndef XRAY_API_INT_H
#define XRAY_API_INT_H

#include <jansson.h>

#include "aws.h"
#include "fexpr.h"
#include "store.h"

#define XRAY_API_CT "application/json"
/* AWS documents at most 50 user tags per resource (model documentation of TagList). */
#define XRAY_API_MAX_TAGS 50

/* Replies InvalidRequestException (400) with msg. */
void xray_api_invalid(struct http_reply *rep, const char *msg);

/* Parses the body (empty = {}) and validates it against members. Returns a new reference, or
 * NULL after replying. */
json_t *xray_api_parse_request(struct http_request *req, struct http_reply *rep,
                               const struct aws_member *members, size_t n);

/* The calling thread's read-only store (borrowed), or NULL after replying 500. */
struct store *xray_api_reader(struct http_reply *rep);

/* Reads the required StartTime/EndTime; replies and returns false when missing or inverted. */
bool xray_api_time_window(struct http_reply *rep, const json_t *body, double *start, double *end);

/* Compiles expr (NULL = no filter, *out NULL) with group references resolved from ro; replies
 * with the position and returns false when it does not parse. *out is new. */
bool xray_api_compile_filter(struct http_reply *rep, struct store *ro, const char *expr,
                             struct fexpr **out);

/* The filter expression of the group body's GroupName/GroupARN name (new string in *expr, NULL
 * when the group has none or no group is named); replies and returns false for an unknown
 * group. The Default group always exists. */
bool xray_api_group_filter(struct http_reply *rep, struct store *ro, const json_t *body,
                           char **expr);

/* New reference: the BatchGetTraces `Trace` object of trace_id (trace_assemble over its stored
 * documents), or NULL when fluoro has no document of it. */
json_t *xray_api_assembled_trace(struct store *ro, const char *trace_id);

/* Account-level settings kept as JSON in the settings table (xray_admin.c). _load returns a
 * new reference or NULL when absent; _store writes key -> value_steal through the writer (which
 * it decrefs) and replies 500 "the <what> could not be stored" and returns false on failure. */
json_t *xray_api_setting_load(struct store *ro, const char *key);
bool xray_api_setting_store(struct http_request *req, struct http_reply *rep, const char *key,
                            json_t *value_steal, const char *what);

/* True when name (or, without a name, arn) designates the built-in Default group. */
bool xray_api_is_default_group(const char *name, const char *arn);

#endif
