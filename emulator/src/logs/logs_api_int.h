/*
 * logs_api_int.h - what the CloudWatch Logs operation files share: the per-request context, the
 * operation table entry, and helpers for validation, group lookup, pagination and replies.
 * logs_api.c owns dispatch and the helpers; logs_events.c, logs_config.c and logs_query.c each
 * export one table of operations. HTTP threads only.
 */
#ifndef LOGS_API_INT_H
#define LOGS_API_INT_H

#include <jansson.h>

#include "aws.h"
#include "logs_db.h"
#include "writer.h"

/* One Logs request being served. body is borrowed from dispatch; ro is the thread's store. */
struct logs_call {
    struct http_request *req;
    struct http_reply *rep;
    const json_t *body;
    struct store *ro;
    char arn_prefix[96]; /* "arn:aws:logs:<region>:<account>:" */
    const char *account;
};

typedef void (*logs_op_fn)(struct logs_call *c);

/* Serves a request from its raw body, before any jansson parse; returns false to decline, and
 * then dispatch parses the body and calls fn as usual. */
typedef bool (*logs_raw_fn)(struct logs_call *c);

/* An operation: its X-Amz-Target suffix, handler and the model's member rules, and optionally a
 * raw-body handler for a hot operation. */
struct logs_op {
    const char *name;
    logs_op_fn fn;
    const struct aws_member *members;
    size_t nmembers;
    logs_raw_fn raw;
};
#define LOGS_OP(name, fn, members)                                                                 \
    {                                                                                              \
        name, fn, members, ARRAY_LEN(members), NULL                                                \
    }
#define LOGS_OP_RAW(name, fn, members, raw)                                                        \
    {                                                                                              \
        name, fn, members, ARRAY_LEN(members), raw                                                 \
    }

extern const struct logs_op logs_events_ops[];
extern const size_t logs_events_op_count;
extern const struct logs_op logs_config_ops[];
extern const size_t logs_config_op_count;
extern const struct logs_op logs_query_ops[];
extern const size_t logs_query_op_count;

/* Model patterns POSIX regex cannot express (\w, \p{L}); dispatch checks members carrying these
 * exact pointers in C and reports them with the model's text. */
extern const char LOGS_PAT_GROUP[];     /* [\.\-_/#A-Za-z0-9]+ */
extern const char LOGS_PAT_GROUP_OPT[]; /* [\.\-_/#A-Za-z0-9]* (logGroupNamePattern) */
extern const char LOGS_PAT_IDENT[];     /* [\w#+=/:,.@-]* */
extern const char LOGS_PAT_ARN[];       /* [\w+=/:,.@-]* */
extern const char LOGS_PAT_NAME[];      /* [^:*]* */
extern const char LOGS_PAT_METRIC[];    /* [^:*$]* */
extern const char LOGS_PAT_TAGKEY[];    /* ^([\p{L}\p{Z}\p{N}_.:/=+\-@]+)$ */
extern const char LOGS_PAT_TAGVAL[];    /* ^([\p{L}\p{Z}\p{N}_.:/=+\-@]*)$ */

/* Common member rows. */
#define M_GROUP(req)                                                                               \
    {                                                                                              \
        "logGroupName", AWS_STRING, req, 1, 512, LOGS_PAT_GROUP, NULL                              \
    }
#define M_IDENT                                                                                    \
    {                                                                                              \
        "logGroupIdentifier", AWS_STRING, false, 1, 2048, LOGS_PAT_IDENT, NULL                     \
    }
#define M_STREAM(name, req)                                                                        \
    {                                                                                              \
        name, AWS_STRING, req, 1, 512, LOGS_PAT_NAME, NULL                                         \
    }
#define M_TOKEN                                                                                    \
    {                                                                                              \
        "nextToken", AWS_STRING, false, 1, -1, NULL, NULL                                          \
    }
#define M_LIMIT(max)                                                                               \
    {                                                                                              \
        "limit", AWS_INTEGER, false, 1, max, NULL, NULL                                            \
    }
#define M_TIME(name, req)                                                                          \
    {                                                                                              \
        name, AWS_INTEGER, req, 0, -1, NULL, NULL                                                  \
    }

/* Replies (each returns false so handlers can `return logs_invalid(...)`-style chains). */
bool logs_fail(struct logs_call *c, const char *code, const char *fmt, ...) PRINTF_LIKE(3, 4);
#define logs_invalid(c, ...) logs_fail(c, "InvalidParameterException", __VA_ARGS__)
void logs_reply(struct logs_call *c, json_t *body_steal);

/* Member accessors: NULL/absent -> dflt. */
const char *logs_str(const struct logs_call *c, const char *name);
int64_t logs_int(const struct logs_call *c, const char *name, int64_t dflt);
bool logs_bool(const struct logs_call *c, const char *name, bool dflt);

/* Validates the request body against op's member table; replies and returns false on the first
 * violation, in AWS's wording. */
bool logs_validate(struct logs_call *c, const struct logs_op *op);

/* Checks one value against a model pattern and length, replying in AWS wording on failure.
 * what names the member. Returns true when valid. */
bool logs_check(struct logs_call *c, const char *what, const char *value, const char *pattern,
                int min, int max);

/* The group a request names by logGroupName and/or logGroupIdentifier (name or ARN): exactly one
 * must be given. Replies and returns false when missing, ambiguous or unknown. *name points into
 * name_buf or the body. */
bool logs_group(struct logs_call *c, bool allow_ident, char name_buf[513], const char **name,
                int64_t *gid, int *retention);
/* The group named by a name or ARN string; false (after replying) when unknown. */
bool logs_group_by(struct logs_call *c, const char *ident, char name_buf[513], const char **name,
                   int64_t *gid, int *retention);
/* logs_group_by for StartQuery: a missing group gets Insights' own message ("Log group 'g' does
 * not exist for account ID 'a' (Service: AWSLogs; ...)"). HTTP threads. */
bool logs_query_group_by(struct logs_call *c, const char *ident, char name_buf[513],
                         const char **name, int64_t *gid);

/* Pagination by offset: decodes nextToken bound to scope (reply + false when invalid). */
bool logs_page_start(struct logs_call *c, const char *scope, int64_t *offset);
/* Adds nextToken for offset when more is set. */
void logs_page_next(json_t *out, bool more, int64_t offset, const char *scope);

/* Runs fn on the writer and returns its result once committed; for ERR_INTERNAL and ERR_TIMEOUT
 * the reply (ServiceUnavailableException) is already set, other codes are the handler's to map. */
int logs_write(struct logs_call *c, writer_fn fn, void *arg);

/* Stores (doc != NULL) or deletes (doc == NULL) one configuration row through the writer.
 * Returns like logs_write (ERR_NOTFOUND when deleting a missing row). */
int logs_config_write(struct logs_call *c, const char *kind, int64_t gid, const char *name,
                      const char *doc);
/* Serializes doc compactly (new string) for logs_config_write. */
char *logs_doc_text(const json_t *doc);

/* logs_shapes.c: the LogGroup object of DescribeLogGroups for a row of logs_db_describe_groups
 * (new reference). */
json_t *logs_shapes_group(const struct logs_db_group_row *r, const char *arn_prefix);
/* The LogStream object of DescribeLogStreams for a row of logs_db_describe_streams (new). */
json_t *logs_shapes_stream(const struct logs_db_stream_row *r, const char *group_name,
                           const char *arn_prefix);

#endif
