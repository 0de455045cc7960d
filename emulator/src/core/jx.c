/*
 * jx.c - compact JSON writer (see jx.h). Any thread, each on its own struct jx_out. The escape
 * rules, real formatting and UTF-8 checks follow jansson 2.14's dump.c, strconv.c and utf.c so
 * that the text is byte-for-byte what json_dumps(JSON_COMPACT) writes.
 */
#include "jx.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>

void jx_reserve(struct jx_out *o, size_t n)
{
    size_t need = o->len + n + 1;
    if (need <= o->cap) {
        return;
    }
    size_t cap = o->cap ? o->cap : 256;
    while (cap < need) {
        cap *= 2;
    }
    o->data = xrealloc(o->data, cap);
    o->cap = cap;
}

char *jx_steal(struct jx_out *o)
{
    char *s = o->data ? o->data : xcalloc(1, 1);
    o->data = NULL;
    o->len = o->cap = 0;
    return s;
}

void jx_fini(struct jx_out *o)
{
    free(o->data);
    o->data = NULL;
    o->len = o->cap = 0;
}

/* Length of the UTF-8 sequence at s (at most n bytes), or 0 when it is not one jansson takes. */
static size_t utf8_seq(const unsigned char *s, size_t n)
{
    unsigned c = s[0];
    size_t len;
    uint32_t cp;
    if (c < 0x80) {
        return 1;
    } else if (c < 0xc2 || c > 0xf4) {
        return 0; /* continuation byte, overlong 2-byte lead, or past U+10FFFF */
    } else if (c < 0xe0) {
        len = 2;
        cp = c & 0x1f;
    } else if (c < 0xf0) {
        len = 3;
        cp = c & 0x0f;
    } else {
        len = 4;
        cp = c & 0x07;
    }
    if (len > n) {
        return 0;
    }
    for (size_t i = 1; i < len; i++) {
        if ((s[i] & 0xc0) != 0x80) {
            return 0;
        }
        cp = (cp << 6) | (s[i] & 0x3f);
    }
    if (cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff) || (len == 3 && cp < 0x800) ||
        (len == 4 && cp < 0x10000)) {
        return 0;
    }
    return len;
}

bool jx_utf8_valid(const char *s, size_t n)
{
    const unsigned char *p = (const unsigned char *)s;
    for (size_t i = 0; i < n;) {
        if (p[i] < 0x80) {
            i++;
            continue;
        }
        size_t k = utf8_seq(p + i, n - i);
        if (!k) {
            return false;
        }
        i += k;
    }
    return true;
}

/* Bytes that end a run of characters copied as they are: '"', '\\' and controls. */
static const unsigned char must_escape[256] = {
    [0 ... 0x1f] = 1,
    ['"'] = 1,
    ['\\'] = 1,
};

int jx_str(struct jx_out *o, const char *s, size_t n)
{
    static const char hex[] = "0123456789ABCDEF";
    const unsigned char *p = (const unsigned char *)s;
    size_t start = o->len;
    jx_reserve(o, n + 2);
    o->data[o->len++] = '"';
    size_t run = 0; /* start of the run not yet copied */
    for (size_t i = 0; i < n;) {
        unsigned c = p[i];
        if (c >= 0x80) {
            size_t k = utf8_seq(p + i, n - i);
            if (!k) {
                o->len = start;
                o->data[o->len] = 0;
                return ERR_INVALID;
            }
            i += k;
            continue;
        }
        if (!must_escape[c]) {
            i++;
            continue;
        }
        jx_raw(o, s + run, i - run);
        char esc[7] = {'\\', 0};
        size_t elen = 2;
        switch (c) {
        case '"':
        case '\\':
            esc[1] = (char)c;
            break;
        case '\b':
            esc[1] = 'b';
            break;
        case '\f':
            esc[1] = 'f';
            break;
        case '\n':
            esc[1] = 'n';
            break;
        case '\r':
            esc[1] = 'r';
            break;
        case '\t':
            esc[1] = 't';
            break;
        default:
            memcpy(esc + 1, "u00", 3);
            esc[4] = hex[c >> 4];
            esc[5] = hex[c & 15];
            elen = 6;
        }
        jx_raw(o, esc, elen);
        run = ++i;
    }
    jx_raw(o, s + run, n - run);
    jx_char(o, '"');
    return 0;
}

void jx_int(struct jx_out *o, int64_t v)
{
    char tmp[24];
    size_t i = sizeof(tmp);
    uint64_t u = v < 0 ? 0 - (uint64_t)v : (uint64_t)v;
    do {
        tmp[--i] = (char)('0' + u % 10);
        u /= 10;
    } while (u);
    if (v < 0) {
        tmp[--i] = '-';
    }
    jx_raw(o, tmp + i, sizeof(tmp) - i);
}

/* jansson's jsonp_dtostr() at its default precision of 17. */
void jx_real(struct jx_out *o, double v)
{
    char buf[64];
    int n = snprintf(buf, sizeof(buf), "%.17g", v);
    if (n < 0 || (size_t)n >= sizeof(buf) - 3) {
        JX_LIT(o, "null"); /* cannot happen for a finite double */
        return;
    }
    size_t len = (size_t)n;
    if (!strchr(buf, '.') && !strchr(buf, 'e')) {
        memcpy(buf + len, ".0", 3);
        len += 2;
    }
    char *e = strchr(buf, 'e');
    if (e) {
        char *start = e + 1, *end = start + 1;
        if (*start == '-') {
            start++;
        }
        while (*end == '0') {
            end++;
        }
        if (end != start) {
            memmove(start, end, len - (size_t)(end - buf) + 1);
            len -= (size_t)(end - start);
        }
    }
    jx_raw(o, buf, len);
}

static int dump(struct jx_out *o, const json_t *v)
{
    switch (json_typeof(v)) {
    case JSON_OBJECT: {
        jx_char(o, '{');
        bool first = true;
        for (void *it = json_object_iter((json_t *)v); it;
             it = json_object_iter_next((json_t *)v, it)) {
            if (!first) {
                jx_char(o, ',');
            }
            first = false;
            const char *key = json_object_iter_key(it);
            if (jx_str(o, key, json_object_iter_key_len(it)) < 0) {
                return ERR_INVALID;
            }
            jx_char(o, ':');
            if (dump(o, json_object_iter_value(it)) < 0) {
                return ERR_INVALID;
            }
        }
        jx_char(o, '}');
        return 0;
    }
    case JSON_ARRAY: {
        jx_char(o, '[');
        size_t n = json_array_size(v);
        for (size_t i = 0; i < n; i++) {
            if (i) {
                jx_char(o, ',');
            }
            if (dump(o, json_array_get(v, i)) < 0) {
                return ERR_INVALID;
            }
        }
        jx_char(o, ']');
        return 0;
    }
    case JSON_STRING:
        return jx_str(o, json_string_value(v), json_string_length(v));
    case JSON_INTEGER:
        jx_int(o, json_integer_value(v));
        return 0;
    case JSON_REAL:
        if (!isfinite(json_real_value(v))) {
            return ERR_INVALID;
        }
        jx_real(o, json_real_value(v));
        return 0;
    case JSON_TRUE:
        JX_LIT(o, "true");
        return 0;
    case JSON_FALSE:
        JX_LIT(o, "false");
        return 0;
    case JSON_NULL:
        JX_LIT(o, "null");
        return 0;
    }
    return ERR_INVALID;
}

int jx_dump(struct jx_out *o, const json_t *v)
{
    size_t start = o->len;
    if (!v || dump(o, v) < 0) {
        o->len = start;
        if (o->data) {
            o->data[start] = 0;
        }
        return ERR_INVALID;
    }
    return 0;
}

char *jx_dumps(const json_t *v)
{
    struct jx_out o = {0};
    if (!json_is_object(v) && !json_is_array(v)) {
        return NULL;
    }
    if (jx_dump(&o, v) < 0) {
        jx_fini(&o);
        return NULL;
    }
    return jx_steal(&o);
}
