/*
 * aws.h - AWS wire helpers shared by the X-Ray (restJson1) and Logs (awsJson1.1) APIs and the
 * fluoro /api/v1 surface: the one error encoder per protocol, request-body parsing, model-style
 * validation of members, opaque pagination tokens and request ids. Any HTTP thread may call.
 */
#ifndef AWS_H
#define AWS_H

#include <jansson.h>

#include "http.h"

/* restJson1 error as reference/xray-api.md recommends: X-Amzn-ErrorType header, body
 * {"__type", "Message", "message"}. */
void aws_err_restjson(struct http_reply *rep, unsigned status, const char *code, const char *fmt,
                      ...) PRINTF_LIKE(4, 5);
/* restJson1 error with modeled members beside __type and Message (ResourceNotFoundException's and
 * TooManyTagsException's ResourceName). members is stolen; may be NULL. */
void aws_err_restjson_members(struct http_reply *rep, unsigned status, const char *code,
                              json_t *members, const char *fmt, ...) PRINTF_LIKE(5, 6);
/* awsJson1.1 error (CloudWatch Logs): body {"__type": code, "message": msg}. */
void aws_err_awsjson(struct http_reply *rep, unsigned status, const char *code, const char *fmt,
                     ...) PRINTF_LIKE(4, 5);
/* awsJson1.1 error with modeled members beside __type and message (MalformedQueryException's
 * queryCompileError, TooManyTagsException's resourceName). members is stolen; may be NULL. */
void aws_err_awsjson_members(struct http_reply *rep, unsigned status, const char *code,
                             json_t *members, const char *fmt, ...) PRINTF_LIKE(5, 6);
/* fluoro's own API error: {"error": {"code", "message", "position"?}}. position < 0 = none. */
void api_err(struct http_reply *rep, unsigned status, const char *code, int position,
             const char *fmt, ...) PRINTF_LIKE(5, 6);

/* Success reply for an AWS JSON API, with a fresh x-amzn-RequestId. content_type is
 * "application/json" (X-Ray) or "application/x-amz-json-1.1" (Logs). */
void aws_reply(struct http_reply *rep, const char *content_type, json_t *body_steal);

/* Parses the request body as a JSON object; an empty body is {}. Returns a new reference, or
 * NULL with err->msg set. */
json_t *aws_parse_body(const struct http_request *req, struct errbuf *err);

/* Member validation driven by a table, with AWS's message wording:
 * "1 validation error detected: Value 'x' at 'name' failed to satisfy constraint: …". */
enum aws_type {
    AWS_STRING,
    AWS_INTEGER,
    AWS_NUMBER,
    AWS_BOOLEAN,
    AWS_LIST,
    AWS_MAP,
    AWS_STRUCT,
    AWS_TIMESTAMP
};
struct aws_member {
    const char *name;
    enum aws_type type;
    bool required;
    double min; /* length for strings/lists/maps, value for numbers; -1 = none */
    double max;
    const char *pattern;      /* POSIX ERE, anchored by the checker; NULL = none */
    const char *const *enums; /* NULL-terminated; NULL = any */
};
/* Checks obj's members against the table; unknown members are ignored like AWS does.
 * Returns NULL, or a new string listing every broken constraint in AWS wording, in table order,
 * each with the whole offending value and joined with "; " ("2 validation errors detected: Value
 * '<value>' at 'member' failed to satisfy constraint: ...; Value null at 'other' ..."). Any
 * thread. */
char *aws_check(const json_t *obj, const struct aws_member *members, size_t n);
/* aws_check into a struct errbuf (a message longer than errbuf holds is cut).
 * Returns 0 or ERR_INVALID. */
int aws_validate(const json_t *obj, const struct aws_member *members, size_t n,
                 struct errbuf *err) MUST_CHECK;

/* "1 validation error detected: Value '<v>' at '<member>' failed to satisfy constraint: <c>"
 * (v NULL = "Value null"). v is printed as AWS does: numbers as integers when integral, lists
 * as [a, b]. New string; any thread. */
char *aws_validation_message(const char *member, const json_t *v, const char *constraint);
/* v as AWS prints a member's value (see aws_validation_message). New string. */
char *aws_value_text(const json_t *v, const char *member);
/* "Member must satisfy enum value set: [A, B]" for a NULL-terminated set. New string. */
char *aws_enum_constraint(const char *const *set);
bool aws_enum_has(const char *const *set, const char *s);
/* x as AWS prints numbers in messages: '1000000', not '1e+06'. Fills out (n bytes). */
void aws_format_number(char *out, size_t n, double x);

/* A timestamp member as epoch seconds: numbers (integer or fractional) and ISO-8601 strings are
 * accepted. Returns 0, ERR_NOTFOUND when absent, ERR_INVALID when malformed. */
int aws_get_time(const json_t *obj, const char *name, double *out) MUST_CHECK;

/* Opaque pagination tokens: an offset bound to a scope string (e.g. the request's filter), so a
 * token replayed against another query is refused. New string; decode returns 0 or ERR_INVALID. */
char *aws_token_encode(int64_t offset, const char *scope);
int aws_token_decode(const char *token, const char *scope, int64_t *offset) MUST_CHECK;

/* A random RFC 4122 v4 UUID string (37 bytes with NUL) into out. */
void aws_uuid(char out[37]);

/* Reads the region from an Authorization header's credential scope into out, or returns false. */
bool aws_region_from_auth(const char *auth, char *out, size_t n);

#endif
