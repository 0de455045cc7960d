/*
 * aws.c - AWS wire helpers (see aws.h). Every AWS error body fluoro sends is written here, so the
 * formats clients parse (reference/xray-api.md "Error responses", reference/logs-api.md) live in
 * one place.
 */
#include "aws.h"

#include "buf.h"

#include <math.h>
#include <stdbool.h>
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
    /* Unbounded: a validation message repeats the whole offending value, as AWS does. */
    va_list ap2;
    va_copy(ap2, ap);
    int n = vsnprintf(NULL, 0, fmt, ap2);
    va_end(ap2);
    char *msg = xmalloc(n > 0 ? (size_t)n + 1 : 1);
    vsnprintf(msg, n > 0 ? (size_t)n + 1 : 1, fmt, ap);
    send_error(rep, status, code, msg, restjson, members);
    free(msg);
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

/* A number as AWS prints it in validation messages: integers without exponent or fraction
 * ('1000000', not '1e+06'), others with Java's shortest round-trip digits. */
void aws_format_number(char *out, size_t n, double x)
{
    if (isfinite(x) && floor(x) == x && fabs(x) < 1e18) {
        snprintf(out, n, "%.0f", x);
        return;
    }
    for (int prec = 1; prec <= 17; prec++) {
        snprintf(out, n, "%.*g", prec, x);
        if (strtod(out, NULL) == x) {
            return;
        }
    }
}

/* Java's toString of a model list member's element shape: "metricTransformations" holds
 * MetricTransformation structures, printed as MetricTransformation(metricName=m, ...). */
static void shape_name(char *out, size_t n, const char *member)
{
    snprintf(out, n, "%s", member ? member : "");
    size_t len = strlen(out);
    if (len > 1 && out[len - 1] == 's') {
        out[len - 1] = '\0';
    }
    if (out[0] >= 'a' && out[0] <= 'z') {
        out[0] = (char)(out[0] - 'a' + 'A');
    }
}

/* Appends v as the AWS service (Java) prints a member's value in "Value '...' at": strings as
 * they are, lists as [a, b], structures in a list as Shape(k=v, ...), maps as {k=v}. */
static void render_value(struct buf *b, const json_t *v, const char *list_member)
{
    char num[40];
    const char *key;
    const json_t *item;
    size_t i;
    bool first = true;
    int rc = 0;
    if (json_is_string(v)) {
        rc = buf_append(b, json_string_value(v), json_string_length(v));
    } else if (json_is_number(v)) {
        aws_format_number(num, sizeof(num), json_number_value(v));
        rc = buf_puts(b, num);
    } else if (json_is_boolean(v)) {
        rc = buf_puts(b, json_is_true(v) ? "true" : "false");
    } else if (json_is_array(v)) {
        rc = buf_puts(b, "[");
        json_array_foreach(v, i, item)
        {
            rc |= buf_puts(b, i ? ", " : "");
            render_value(b, item, list_member);
        }
        rc |= buf_puts(b, "]");
    } else if (json_is_object(v)) {
        char shape[128] = "";
        if (list_member) {
            shape_name(shape, sizeof(shape), list_member);
        }
        rc = buf_puts(b, shape);
        rc |= buf_puts(b, list_member ? "(" : "{");
        json_object_foreach((json_t *)v, key, item)
        {
            rc |= buf_printf(b, "%s%s=", first ? "" : ", ", key);
            render_value(b, item, NULL);
            first = false;
        }
        rc |= buf_puts(b, list_member ? ")" : "}");
    } else {
        rc = buf_puts(b, "null");
    }
    (void)rc; /* the buffer has no limit: appends cannot fail */
}

char *aws_value_text(const json_t *v, const char *member)
{
    struct buf b;
    buf_init(&b, 0);
    render_value(&b, v, json_is_array(v) ? member : NULL);
    return buf_steal(&b, NULL);
}

/* Every constraint a present value breaks, in AWS's words and the model's order, each passed to
 * add(ctx, constraint) (borrowed). A value of the wrong type breaks only that. Numbers print as
 * integers when they are ('less than or equal to 10000'), enums list their set. */
static void broken_constraints(const json_t *v, const struct aws_member *m,
                               void (*add)(void *ctx, const char *constraint), void *ctx)
{
    char lim[40], text[96];
    const char *sv = json_string_value(v);
    if (!type_ok(v, m->type)) {
        snprintf(text, sizeof(text), "Member must be of type %s", type_name(m->type));
        add(ctx, text);
        return;
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
            aws_format_number(lim, sizeof(lim), m->min);
            snprintf(text, sizeof(text), "Member must have value greater than or equal to %s", lim);
            add(ctx, text);
        }
        if (m->max >= 0 && x > m->max) {
            aws_format_number(lim, sizeof(lim), m->max);
            snprintf(text, sizeof(text), "Member must have value less than or equal to %s", lim);
            add(ctx, text);
        }
    }
    if (size >= 0 && m->min >= 0 && size < m->min) {
        aws_format_number(lim, sizeof(lim), m->min);
        snprintf(text, sizeof(text), "Member must have length greater than or equal to %s", lim);
        add(ctx, text);
    }
    if (size >= 0 && m->max >= 0 && size > m->max) {
        aws_format_number(lim, sizeof(lim), m->max);
        snprintf(text, sizeof(text), "Member must have length less than or equal to %s", lim);
        add(ctx, text);
    }
    if (sv && m->enums && !aws_enum_has(m->enums, sv)) {
        char *c = aws_enum_constraint(m->enums);
        add(ctx, c);
        free(c);
    }
    if (sv && m->pattern) {
        /* The model's own patterns, never user input, so glibc's regex is safe here. */
        char *anchored = xasprintf("^(%s)$", m->pattern);
        regex_t re;
        bool ok = regcomp(&re, anchored, REG_EXTENDED | REG_NOSUB) == 0;
        bool match = ok && regexec(&re, sv, 0, NULL, 0) == 0;
        if (ok) {
            regfree(&re);
        }
        free(anchored);
        if (!match) {
            char *c = xasprintf("Member must satisfy regular expression pattern: %s", m->pattern);
            add(ctx, c);
            free(c);
        }
    }
}

bool aws_enum_has(const char *const *set, const char *s)
{
    for (const char *const *e = set; *e; e++) {
        if (strcmp(*e, s) == 0) {
            return true;
        }
    }
    return false;
}

char *aws_enum_constraint(const char *const *set)
{
    struct buf b;
    int rc = 0;
    buf_init(&b, 0);
    rc |= buf_puts(&b, "Member must satisfy enum value set: [");
    for (const char *const *e = set; *e; e++) {
        rc |= buf_printf(&b, "%s%s", e == set ? "" : ", ", *e);
    }
    rc |= buf_puts(&b, "]");
    (void)rc; /* no limit: appends cannot fail */
    return buf_steal(&b, NULL);
}

/* "Value '<v>' at '<member>' failed to satisfy constraint: <c>" onto b; a value of the wrong type
 * (or none) is not repeated, as AWS prints it. */
static void put_violation(struct buf *b, const char *member, const json_t *v, bool show_value,
                          const char *constraint)
{
    int rc = 0;
    if (!v || json_is_null(v)) {
        rc |= buf_printf(b, "Value null at '%s'", member);
    } else if (!show_value) {
        rc |= buf_printf(b, "Value at '%s'", member);
    } else {
        char *shown = aws_value_text(v, member);
        rc |= buf_printf(b, "Value '%s' at '%s'", shown, member);
        free(shown);
    }
    rc |= buf_printf(b, " failed to satisfy constraint: %s", constraint);
    (void)rc; /* no limit: appends cannot fail */
}

char *aws_validation_message(const char *member, const json_t *v, const char *constraint)
{
    struct buf b;
    buf_init(&b, 0);
    int rc = buf_puts(&b, "1 validation error detected: ");
    (void)rc;
    put_violation(&b, member, v, true, constraint);
    return buf_steal(&b, NULL);
}

/* aws_check's list of violations, joined with "; " as AWS joins them. */
struct violations {
    struct buf list;
    size_t n;
    const char *member;
    const json_t *value;
    bool show_value;
};

static void add_violation(void *ctx, const char *constraint)
{
    struct violations *vs = ctx;
    if (vs->n++) {
        int rc = buf_puts(&vs->list, "; ");
        (void)rc;
    }
    put_violation(&vs->list, vs->member, vs->value, vs->show_value, constraint);
}

char *aws_check(const json_t *obj, const struct aws_member *members, size_t n)
{
    struct violations vs = {.n = 0};
    buf_init(&vs.list, 0);
    for (size_t i = 0; i < n; i++) {
        const struct aws_member *m = &members[i];
        vs.member = m->name;
        vs.value = json_object_get(obj, m->name);
        vs.show_value = vs.value && type_ok(vs.value, m->type);
        if (!vs.value || json_is_null(vs.value)) {
            if (m->required) {
                add_violation(&vs, "Member must not be null");
            }
            continue;
        }
        broken_constraints(vs.value, m, add_violation, &vs);
    }
    char *list = buf_steal(&vs.list, NULL);
    char *msg = NULL;
    if (vs.n) {
        msg = xasprintf("%zu validation error%s detected: %s", vs.n, vs.n == 1 ? "" : "s", list);
    }
    free(list);
    return msg;
}

int aws_validate(const json_t *obj, const struct aws_member *members, size_t n, struct errbuf *err)
{
    char *msg = aws_check(obj, members, n);
    if (!msg) {
        return 0;
    }
    errbuf_set(err, -1, "%s", msg);
    free(msg);
    return ERR_INVALID;
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
    return fnv1a32(scope ? scope : "");
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
