/*
 * aws.c - AWS wire helpers (see aws.h). Every AWS error body fluoro sends is written here, so the
 * formats clients parse (reference/xray-api.md "Error responses", reference/logs-api.md) live in
 * one place.
 */
#include "aws.h"

#include <math.h>
#include <regex.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>

void aws_uuid(char out[37])
{
    unsigned char b[16];
    if (getrandom(b, sizeof(b), 0) != (ssize_t)sizeof(b)) {
        for (size_t i = 0; i < sizeof(b); i++) {
            b[i] = (unsigned char)rand();
        }
    }
    b[6] = (unsigned char)((b[6] & 0x0f) | 0x40);
    b[8] = (unsigned char)((b[8] & 0x3f) | 0x80);
    snprintf(out, 37, "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x", b[0],
             b[1], b[2], b[3], b[4], b[5], b[6], b[7], b[8], b[9], b[10], b[11], b[12], b[13],
             b[14], b[15]);
}

static void add_request_id(struct http_reply *rep)
{
    char id[37];
    aws_uuid(id);
    http_add_header(rep, "x-amzn-RequestId", id);
}

void aws_reply(struct http_reply *rep, const char *content_type, json_t *body_steal)
{
    http_reply_json(rep, 200, body_steal);
    rep->content_type = content_type;
    add_request_id(rep);
}

static void send_error(struct http_reply *rep, unsigned status, const char *code, const char *msg,
                       bool restjson, json_t *members)
{
    json_t *body = members ? members : json_object();
    json_object_set_new(body, "__type", json_string(code));
    if (restjson) {
        json_object_set_new(body, "Message", json_string(msg));
    }
    json_object_set_new(body, "message", json_string(msg));
    http_reply_json(rep, status, body);
    if (!restjson) {
        rep->content_type = "application/x-amz-json-1.1";
    }
    http_add_header(rep, "X-Amzn-ErrorType", code);
    add_request_id(rep);
}

/* Formats the message and sends the error; the four public encoders differ only in protocol and
 * whether the body carries modeled members. */
static void send_errorv(struct http_reply *rep, unsigned status, const char *code, bool restjson,
                        json_t *members, const char *fmt, va_list ap)
{
    char msg[1024];
    vsnprintf(msg, sizeof(msg), fmt, ap);
    send_error(rep, status, code, msg, restjson, members);
}

void aws_err_restjson(struct http_reply *rep, unsigned status, const char *code, const char *fmt,
                      ...)
{
    va_list ap;
    va_start(ap, fmt);
    send_errorv(rep, status, code, true, NULL, fmt, ap);
    va_end(ap);
}

void aws_err_restjson_members(struct http_reply *rep, unsigned status, const char *code,
                              json_t *members, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    send_errorv(rep, status, code, true, members, fmt, ap);
    va_end(ap);
}

void aws_err_awsjson(struct http_reply *rep, unsigned status, const char *code, const char *fmt,
                     ...)
{
    va_list ap;
    va_start(ap, fmt);
    send_errorv(rep, status, code, false, NULL, fmt, ap);
    va_end(ap);
}

void aws_err_awsjson_members(struct http_reply *rep, unsigned status, const char *code,
                             json_t *members, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    send_errorv(rep, status, code, false, members, fmt, ap);
    va_end(ap);
}

void api_err(struct http_reply *rep, unsigned status, const char *code, int position,
             const char *fmt, ...)
{
    char msg[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    json_t *err = json_object();
    json_object_set_new(err, "code", json_string(code));
    json_object_set_new(err, "message", json_string(msg));
    if (position >= 0) {
        json_object_set_new(err, "position", json_integer(position));
    }
    json_t *body = json_object();
    json_object_set_new(body, "error", err);
    http_reply_json(rep, status, body);
}

json_t *aws_parse_body(const struct http_request *req, struct errbuf *err)
{
    if (req->body_len == 0) {
        return json_object();
    }
    json_error_t jerr;
    json_t *body = json_loadb(req->body, req->body_len, 0, &jerr);
    if (!body) {
        errbuf_set(err, jerr.position, "Could not parse request body: %s at position %d", jerr.text,
                   jerr.position);
        return NULL;
    }
    if (!json_is_object(body)) {
        json_decref(body);
        errbuf_set(err, 0, "Could not parse request body: expected a JSON object");
        return NULL;
    }
    return body;
}

static const char *type_name(enum aws_type t)
{
    static const char *const names[] = {"string", "integer", "number",    "boolean",
                                        "list",   "map",     "structure", "timestamp"};
    return names[t];
}

static bool type_ok(const json_t *v, enum aws_type t)
{
    switch (t) {
    case AWS_STRING:
        return json_is_string(v);
    case AWS_INTEGER:
        return json_is_integer(v) ||
               (json_is_real(v) && floor(json_real_value(v)) == json_real_value(v));
    case AWS_NUMBER:
        return json_is_number(v);
    case AWS_BOOLEAN:
        return json_is_boolean(v);
    case AWS_LIST:
        return json_is_array(v);
    case AWS_MAP:
    case AWS_STRUCT:
        return json_is_object(v);
    case AWS_TIMESTAMP:
        return json_is_number(v) || json_is_string(v);
    }
    return false;
}

static int check_member(const json_t *v, const struct aws_member *m, struct errbuf *err)
{
    /* Long values are cut so the limit stays readable within struct errbuf's 256 bytes. */
    char shown[64];
    const char *sv = json_string_value(v);
    snprintf(shown, sizeof(shown), "%s", sv ? sv : "");
    if (!type_ok(v, m->type)) {
        return errbuf_set(err, -1,
                          "1 validation error detected: Value at '%s' failed to satisfy "
                          "constraint: Member must be of type %s",
                          m->name, type_name(m->type));
    }
    double size = -1;
    if (m->type == AWS_STRING) {
        size = (double)json_string_length(v);
    } else if (m->type == AWS_LIST) {
        size = (double)json_array_size(v);
    } else if (m->type == AWS_MAP) {
        size = (double)json_object_size(v);
    } else if (m->type == AWS_INTEGER || m->type == AWS_NUMBER) {
        double x = json_number_value(v);
        if (m->min >= 0 && x < m->min) {
            return errbuf_set(err, -1,
                              "1 validation error detected: Value '%g' at '%s' failed to satisfy "
                              "constraint: Member must have value greater than or equal to %g",
                              x, m->name, m->min);
        }
        if (m->max >= 0 && x > m->max) {
            return errbuf_set(err, -1,
                              "1 validation error detected: Value '%g' at '%s' failed to satisfy "
                              "constraint: Member must have value less than or equal to %g",
                              x, m->name, m->max);
        }
    }
    if (size >= 0 && m->min >= 0 && size < m->min) {
        return errbuf_set(err, -1,
                          "1 validation error detected: Value '%s' at '%s' failed to satisfy "
                          "constraint: Member must have length greater than or equal to %g",
                          shown, m->name, m->min);
    }
    if (size >= 0 && m->max >= 0 && size > m->max) {
        return errbuf_set(err, -1,
                          "1 validation error detected: Value '%s' at '%s' failed to satisfy "
                          "constraint: Member must have length less than or equal to %g",
                          shown, m->name, m->max);
    }
    if (sv && m->enums) {
        bool found = false;
        for (const char *const *e = m->enums; *e && !found; e++) {
            found = strcmp(*e, sv) == 0;
        }
        if (!found) {
            return errbuf_set(err, -1,
                              "1 validation error detected: Value '%s' at '%s' failed to satisfy "
                              "constraint: Member must satisfy enum value set",
                              shown, m->name);
        }
    }
    if (sv && m->pattern) {
        char *anchored = xasprintf("^(%s)$", m->pattern);
        regex_t re;
        bool ok = regcomp(&re, anchored, REG_EXTENDED | REG_NOSUB) == 0;
        bool match = ok && regexec(&re, sv, 0, NULL, 0) == 0;
        if (ok) {
            regfree(&re);
        }
        free(anchored);
        if (!match) {
            return errbuf_set(err, -1,
                              "1 validation error detected: Value '%s' at '%s' failed to satisfy "
                              "constraint: Member must satisfy regular expression pattern: %s",
                              shown, m->name, m->pattern);
        }
    }
    return 0;
}

int aws_validate(const json_t *obj, const struct aws_member *members, size_t n, struct errbuf *err)
{
    for (size_t i = 0; i < n; i++) {
        const struct aws_member *m = &members[i];
        const json_t *v = json_object_get(obj, m->name);
        if (!v || json_is_null(v)) {
            if (m->required) {
                return errbuf_set(err, -1,
                                  "1 validation error detected: Value null at '%s' failed to "
                                  "satisfy constraint: Member must not be null",
                                  m->name);
            }
            continue;
        }
        int rc = check_member(v, m, err);
        if (rc < 0) {
            return rc;
        }
    }
    return 0;
}

int aws_get_time(const json_t *obj, const char *name, double *out)
{
    const json_t *v = json_object_get(obj, name);
    if (!v || json_is_null(v)) {
        return ERR_NOTFOUND;
    }
    if (json_is_number(v)) {
        *out = json_number_value(v);
        return isfinite(*out) ? 0 : ERR_INVALID;
    }
    if (!json_is_string(v)) {
        return ERR_INVALID;
    }
    struct tm tm = {0};
    const char *rest = strptime(json_string_value(v), "%Y-%m-%dT%H:%M:%S", &tm);
    if (!rest) {
        char *end = NULL;
        *out = strtod(json_string_value(v), &end);
        return end && *end == '\0' && end != json_string_value(v) ? 0 : ERR_INVALID;
    }
    double frac = 0;
    if (*rest == '.') {
        char *end = NULL;
        frac = strtod(rest, &end);
        rest = end;
    }
    if (*rest != '\0' && strcmp(rest, "Z") != 0 && strcmp(rest, "+00:00") != 0) {
        return ERR_INVALID;
    }
    *out = (double)timegm(&tm) + frac;
    return 0;
}

/* Tokens are "<offset>.<hash of scope>" in hex: opaque enough, and a token minted for one query
 * cannot silently page through another. */
static uint32_t scope_hash(const char *scope)
{
    uint32_t h = 2166136261u;
    for (const char *p = scope ? scope : ""; *p; p++) {
        h = (h ^ (unsigned char)*p) * 16777619u;
    }
    return h;
}

char *aws_token_encode(int64_t offset, const char *scope)
{
    return xasprintf("%llx.%08x", (unsigned long long)offset, scope_hash(scope));
}

int aws_token_decode(const char *token, const char *scope, int64_t *offset)
{
    unsigned long long off = 0;
    unsigned int h = 0;
    int used = 0;
    if (!token || sscanf(token, "%llx.%8x%n", &off, &h, &used) != 2 || token[used] != '\0' ||
        h != scope_hash(scope)) {
        return ERR_INVALID;
    }
    *offset = (int64_t)off;
    return 0;
}

bool aws_region_from_auth(const char *auth, char *out, size_t n)
{
    const char *cred = auth ? strstr(auth, "Credential=") : NULL;
    if (!cred) {
        return false;
    }
    /* Credential=AKID/20240101/us-east-1/xray/aws4_request */
    const char *p = strchr(cred, '/');
    p = p ? strchr(p + 1, '/') : NULL;
    if (!p) {
        return false;
    }
    p++;
    const char *end = strchr(p, '/');
    if (!end || (size_t)(end - p) >= n || end == p) {
        return false;
    }
    memcpy(out, p, (size_t)(end - p));
    out[end - p] = '\0';
    return true;
}
