/*
 * jparse.c - the fast path of jparse.h: one recursive-descent pass over the bytes, building
 * jansson values with the calls jansson's own parser makes (json_object_setn_new_nocheck,
 * json_stringn_nocheck, json_integer, json_real), so the values, their member order and a
 * repeated key's outcome are the same. Strings follow jansson's lexer: UTF-8 validated by its
 * rules, the JSON escapes with \u surrogate pairs decoded. Wherever jansson would report an
 * error, and for the few inputs it handles in ways not worth copying, it gives up and leaves the
 * document to jansson: a control character, invalid UTF-8, a bad escape or lone surrogate,
 * \u0000 (refused without JSON_ALLOW_NUL), numbers whose conversion reports ERANGE (jansson's
 * "too big integer" and "real number overflow"; it accepts a real that underflows), nesting
 * deeper than MAX_DEPTH, and any syntax error. Numbers follow jansson's lexer too: no '.', 'e'
 * or 'E' means strtoll, otherwise strtod, in the C locale fluoro runs in. Any thread; no state.
 */
#include "jparse.h"

#include <errno.h>
#include <stdint.h>
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

/* The length of the valid UTF-8 sequence at p (2 to 4), or 0: jansson's rules (utf.c), which
 * refuse continuation and 0xC0/0xC1/0xF5+ lead bytes, overlong forms, surrogates and code points
 * past U+10FFFF. */
static size_t utf8_len(const char *p, const char *end)
{
    unsigned char u = (unsigned char)*p;
    size_t n = u >= 0xC2 && u <= 0xDF   ? 2
               : u >= 0xE0 && u <= 0xEF ? 3
               : u >= 0xF0 && u <= 0xF4 ? 4
                                        : 0;
    if (n == 0 || (size_t)(end - p) < n) {
        return 0;
    }
    int32_t cp = u & (n == 2 ? 0x1F : n == 3 ? 0x0F : 0x07);
    for (size_t i = 1; i < n; i++) {
        u = (unsigned char)p[i];
        if (u < 0x80 || u > 0xBF) {
            return 0;
        }
        cp = (cp << 6) + (u & 0x3F);
    }
    static const int32_t least[5] = {0, 0, 0x80, 0x800, 0x10000};
    if (cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF) || cp < least[n]) {
        return 0;
    }
    return n;
}

/* Four hex digits at p (p + 4 <= end checked by the caller), or -1. */
static int32_t hex4(const char *p)
{
    int32_t v = 0;
    for (int i = 0; i < 4; i++) {
        char ch = p[i];
        int d = ch >= '0' && ch <= '9'   ? ch - '0'
                : ch >= 'a' && ch <= 'f' ? ch - 'a' + 10
                : ch >= 'A' && ch <= 'F' ? ch - 'A' + 10
                                         : -1;
        if (d < 0) {
            return -1;
        }
        v = v * 16 + d;
    }
    return v;
}

/* At a \u escape: writes its UTF-8 to out and returns the bytes consumed (6, or 12 for a
 * surrogate pair), or 0 to give up: a malformed or lone surrogate (jansson's errors) and \u0000
 * (jansson refuses NUL without JSON_ALLOW_NUL). *outlen gets the bytes written. */
static size_t unicode_escape(const char *q, const char *end, char *out, size_t *outlen)
{
    if (end - q < 6) {
        return 0;
    }
    int32_t cp = hex4(q + 2);
    size_t used = 6;
    if (cp <= 0 || (cp >= 0xDC00 && cp <= 0xDFFF)) {
        return 0;
    }
    if (cp >= 0xD800 && cp <= 0xDBFF) {
        int32_t lo = end - q >= 12 && q[6] == '\\' && q[7] == 'u' ? hex4(q + 8) : -1;
        if (lo < 0xDC00 || lo > 0xDFFF) {
            return 0;
        }
        cp = ((cp - 0xD800) << 10) + (lo - 0xDC00) + 0x10000;
        used = 12;
    }
    unsigned char *o = (unsigned char *)out;
    if (cp < 0x80) {
        o[0] = (unsigned char)cp;
        *outlen = 1;
    } else if (cp < 0x800) {
        o[0] = (unsigned char)(0xC0 | (cp >> 6));
        o[1] = (unsigned char)(0x80 | (cp & 0x3F));
        *outlen = 2;
    } else if (cp < 0x10000) {
        o[0] = (unsigned char)(0xE0 | (cp >> 12));
        o[1] = (unsigned char)(0x80 | ((cp >> 6) & 0x3F));
        o[2] = (unsigned char)(0x80 | (cp & 0x3F));
        *outlen = 3;
    } else {
        o[0] = (unsigned char)(0xF0 | (cp >> 18));
        o[1] = (unsigned char)(0x80 | ((cp >> 12) & 0x3F));
        o[2] = (unsigned char)(0x80 | ((cp >> 6) & 0x3F));
        o[3] = (unsigned char)(0x80 | (cp & 0x3F));
        *outlen = 4;
    }
    return used;
}

/* Moves q past the plain bytes of a string: ASCII from 0x20 and valid UTF-8. Stops at '"', '\\'
 * or the end; returns NULL at a byte jansson would refuse. */
static const char *skip_plain(const char *q, const char *end)
{
    while (q < end && *q != '"' && *q != '\\') {
        unsigned char ch = (unsigned char)*q;
        if (ch < 0x80) {
            if (ch < 0x20) {
                return NULL; /* a control character */
            }
            q++;
            continue;
        }
        size_t n = utf8_len(q, end);
        if (n == 0) {
            return NULL;
        }
        q += n;
    }
    return q;
}

/* At the opening quote: sets *s and *len to the string's bytes (in the input, or unescaped into
 * c->scratch) and moves past the closing quote. Returns false to give up. */
static bool scan_string(struct cursor *c, const char **s, size_t *len)
{
    const char *start = ++c->p;
    const char *q = skip_plain(start, c->end);
    if (!q || q >= c->end) {
        return false;
    }
    if (*q == '"') {
        *s = start;
        *len = (size_t)(q - start);
        c->p = q + 1;
        return true;
    }
    /* Escapes: copy into scratch; never longer than the input left (an escape is at least as
     * long as what it stands for). */
    size_t need = (size_t)(c->end - start);
    if (need > c->scratch_cap) {
        c->scratch_cap = need;
        c->scratch = xrealloc(c->scratch, need);
    }
    size_t n = (size_t)(q - start);
    memcpy(c->scratch, start, n);
    while (q < c->end && *q != '"') {
        const char *plain = q;
        if (*q != '\\') {
            q = skip_plain(q, c->end);
            if (!q) {
                return false;
            }
            memcpy(c->scratch + n, plain, (size_t)(q - plain));
            n += (size_t)(q - plain);
            continue;
        }
        unsigned char e = q + 1 < c->end ? (unsigned char)q[1] : 0;
        if (e == 'u') {
            size_t wrote = 0, used = unicode_escape(q, c->end, c->scratch + n, &wrote);
            if (used == 0) {
                return false;
            }
            q += used;
            n += wrote;
        } else if (e < 128 && unescaped[e]) {
            c->scratch[n++] = unescaped[e];
            q += 2;
        } else {
            return false; /* an invalid escape, or the end */
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

json_t *jparse_loadb(const char *text, size_t len, size_t flags, json_error_t *err)
{
    json_t *v = jparse_object(text, len);
    return v ? v : json_loadb(text, len, flags, err);
}
