/*
 * jparse.c - the fast path of jparse.h: one recursive-descent pass over the bytes, building
 * jansson values with the calls jansson's own parser makes (json_object_setn_new_nocheck,
 * json_stringn_nocheck, json_integer, json_real), so the values, their member order and a
 * repeated key's outcome are the same. Every rule it does not check itself it leaves to jansson
 * by giving up: strings with \u escapes or bytes outside 0x20..0x7e (UTF-8 validation, NUL and
 * control characters), numbers whose conversion reports ERANGE (jansson's "too big integer" and
 * "real number overflow" errors), nesting deeper than MAX_DEPTH, and any syntax error. Numbers
 * follow jansson's lexer: no '.', 'e' or 'E' means strtoll, otherwise strtod, in the C locale
 * fluoro runs in. Any thread; no state.
 */
#include "jparse.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#define MAX_DEPTH 64
#define NUMBER_MAX 64

struct cursor {
    const char *p, *end;
    int depth;
    char *scratch; /* unescaped strings (owned, grown on demand) */
    size_t scratch_cap;
};

static json_t *parse_value(struct cursor *c);

static void skip_ws(struct cursor *c)
{
    while (c->p < c->end && (*c->p == ' ' || *c->p == '\n' || *c->p == '\r' || *c->p == '\t')) {
        c->p++;
    }
}

static const char unescaped[128] = {
    ['"'] = '"',  ['\\'] = '\\', ['/'] = '/',  ['b'] = '\b',
    ['f'] = '\f', ['n'] = '\n',  ['r'] = '\r', ['t'] = '\t',
};

/* At the opening quote: sets *s and *len to the string's bytes (in the input, or unescaped into
 * c->scratch) and moves past the closing quote. Returns false to give up. */
static bool scan_string(struct cursor *c, const char **s, size_t *len)
{
    const char *start = ++c->p;
    const char *q = start;
    while (q < c->end && *q != '"' && *q != '\\') {
        if ((unsigned char)*q < 0x20 || (unsigned char)*q > 0x7e) {
            return false;
        }
        q++;
    }
    if (q < c->end && *q == '"') {
        *s = start;
        *len = (size_t)(q - start);
        c->p = q + 1;
        return true;
    }
    /* Escapes: copy into scratch; never longer than the input left. */
    size_t need = (size_t)(c->end - start);
    if (need > c->scratch_cap) {
        c->scratch_cap = need;
        c->scratch = xrealloc(c->scratch, need);
    }
    size_t n = (size_t)(q - start);
    memcpy(c->scratch, start, n);
    while (q < c->end && *q != '"') {
        unsigned char ch = (unsigned char)*q;
        if (ch == '\\') {
            if (q + 1 >= c->end || (unsigned char)q[1] >= 128 || !unescaped[(unsigned char)q[1]]) {
                return false; /* \u, an invalid escape, or the end */
            }
            c->scratch[n++] = unescaped[(unsigned char)q[1]];
            q += 2;
        } else if (ch < 0x20 || ch > 0x7e) {
            return false;
        } else {
            c->scratch[n++] = (char)ch;
            q++;
        }
    }
    if (q >= c->end) {
        return false;
    }
    *s = c->scratch;
    *len = n;
    c->p = q + 1;
    return true;
}

static bool is_digit(const char *p, const char *end)
{
    return p < end && *p >= '0' && *p <= '9';
}

static json_t *parse_number(struct cursor *c)
{
    const char *p = c->p, *end = c->end;
    bool real = false;
    if (p < end && *p == '-') {
        p++;
    }
    if (p < end && *p == '0') {
        p++;
    } else if (is_digit(p, end)) {
        while (is_digit(p, end)) {
            p++;
        }
    } else {
        return NULL;
    }
    if (p < end && *p == '.') {
        real = true;
        if (!is_digit(++p, end)) {
            return NULL;
        }
        while (is_digit(p, end)) {
            p++;
        }
    }
    if (p < end && (*p == 'e' || *p == 'E')) {
        real = true;
        p++;
        if (p < end && (*p == '+' || *p == '-')) {
            p++;
        }
        if (!is_digit(p, end)) {
            return NULL;
        }
        while (is_digit(p, end)) {
            p++;
        }
    }
    size_t n = (size_t)(p - c->p);
    char buf[NUMBER_MAX];
    if (n >= sizeof(buf)) {
        return NULL;
    }
    memcpy(buf, c->p, n);
    buf[n] = '\0';
    char *stop = NULL;
    errno = 0;
    json_t *v = NULL;
    if (real) {
        double d = strtod(buf, &stop);
        v = errno == 0 && stop == buf + n ? json_real(d) : NULL;
    } else {
        long long i = strtoll(buf, &stop, 10);
        v = errno == 0 && stop == buf + n ? json_integer((json_int_t)i) : NULL;
    }
    c->p = p;
    return v;
}

static json_t *parse_literal(struct cursor *c, const char *word, json_t *value)
{
    size_t n = strlen(word);
    if ((size_t)(c->end - c->p) < n || memcmp(c->p, word, n) != 0) {
        return NULL;
    }
    c->p += n;
    return value;
}

static json_t *parse_object(struct cursor *c)
{
    json_t *obj = json_object();
    c->p++;
    skip_ws(c);
    if (c->p < c->end && *c->p == '}') {
        c->p++;
        return obj;
    }
    for (;;) {
        const char *key;
        size_t keylen;
        if (c->p >= c->end || *c->p != '"' || !scan_string(c, &key, &keylen)) {
            goto fail;
        }
        /* The value may reuse scratch: the key must be set first, so copy an unescaped one. */
        char *owned = key == c->scratch ? xstrndup(key, keylen) : NULL;
        skip_ws(c);
        if (c->p >= c->end || *c->p != ':') {
            free(owned);
            goto fail;
        }
        c->p++;
        json_t *v = parse_value(c);
        int rc = v ? json_object_setn_new_nocheck(obj, owned ? owned : key, keylen, v) : -1;
        free(owned);
        if (rc != 0) {
            goto fail;
        }
        skip_ws(c);
        if (c->p < c->end && *c->p == ',') {
            c->p++;
            skip_ws(c);
            continue;
        }
        if (c->p < c->end && *c->p == '}') {
            c->p++;
            return obj;
        }
        goto fail;
    }
fail:
    json_decref(obj);
    return NULL;
}

static json_t *parse_array(struct cursor *c)
{
    json_t *arr = json_array();
    c->p++;
    skip_ws(c);
    if (c->p < c->end && *c->p == ']') {
        c->p++;
        return arr;
    }
    for (;;) {
        json_t *v = parse_value(c);
        if (!v || json_array_append_new(arr, v) != 0) {
            goto fail;
        }
        skip_ws(c);
        if (c->p < c->end && *c->p == ',') {
            c->p++;
            continue;
        }
        if (c->p < c->end && *c->p == ']') {
            c->p++;
            return arr;
        }
        goto fail;
    }
fail:
    json_decref(arr);
    return NULL;
}

static json_t *parse_value(struct cursor *c)
{
    skip_ws(c);
    if (c->p >= c->end) {
        return NULL;
    }
    json_t *v = NULL;
    const char *s;
    size_t len;
    switch (*c->p) {
    case '{':
    case '[':
        if (++c->depth > MAX_DEPTH) {
            return NULL;
        }
        v = *c->p == '{' ? parse_object(c) : parse_array(c);
        c->depth--;
        return v;
    case '"':
        return scan_string(c, &s, &len) ? json_stringn_nocheck(s, len) : NULL;
    case 't':
        return parse_literal(c, "true", json_true());
    case 'f':
        return parse_literal(c, "false", json_false());
    case 'n':
        return parse_literal(c, "null", json_null());
    default:
        return parse_number(c);
    }
}

json_t *jparse_object(const char *text, size_t len)
{
    struct cursor c = {.p = text, .end = text + len};
    skip_ws(&c);
    json_t *v = c.p < c.end && *c.p == '{' ? parse_value(&c) : NULL;
    skip_ws(&c);
    if (v && c.p != c.end) {
        json_decref(v); /* something after the object: jansson's "end of file expected" */
        v = NULL;
    }
    free(c.scratch);
    return v;
}
