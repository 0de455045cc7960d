/*
 * logs_putjson.c - the PutLogEvents fast parser (logs_putjson.h). A recursive-descent scanner
 * over exactly the accepted shape: it declines (returns false) at the first thing outside it,
 * including everything jansson would reject, so a declined body takes the jansson path and gets
 * jansson's error. Strings are decoded into one arena no longer than the body.
 *
 * Threads: any; no state outside the call.
 */
#include "logs_putjson.h"

#include <stdlib.h>
#include <string.h>

struct scan {
    const unsigned char *p, *end;
    char *out; /* arena write position */
};

static void skip_ws(struct scan *s)
{
    while (s->p < s->end && (*s->p == ' ' || *s->p == '\n' || *s->p == '\r' || *s->p == '\t')) {
        s->p++;
    }
}

static bool eat(struct scan *s, char ch)
{
    skip_ws(s);
    if (s->p < s->end && *s->p == (unsigned char)ch) {
        s->p++;
        return true;
    }
    return false;
}

static int hex4(const unsigned char *p)
{
    int v = 0;
    for (int i = 0; i < 4; i++) {
        int d = p[i] >= '0' && p[i] <= '9'   ? p[i] - '0'
                : p[i] >= 'a' && p[i] <= 'f' ? p[i] - 'a' + 10
                : p[i] >= 'A' && p[i] <= 'F' ? p[i] - 'A' + 10
                                             : -1;
        if (d < 0) {
            return -1;
        }
        v = v * 16 + d;
    }
    return v;
}

static void put_utf8(struct scan *s, unsigned cp)
{
    unsigned char *o = (unsigned char *)s->out;
    if (cp < 0x80) {
        *o++ = (unsigned char)cp;
    } else if (cp < 0x800) {
        *o++ = (unsigned char)(0xc0 | cp >> 6);
        *o++ = (unsigned char)(0x80 | (cp & 0x3f));
    } else if (cp < 0x10000) {
        *o++ = (unsigned char)(0xe0 | cp >> 12);
        *o++ = (unsigned char)(0x80 | ((cp >> 6) & 0x3f));
        *o++ = (unsigned char)(0x80 | (cp & 0x3f));
    } else {
        *o++ = (unsigned char)(0xf0 | cp >> 18);
        *o++ = (unsigned char)(0x80 | ((cp >> 12) & 0x3f));
        *o++ = (unsigned char)(0x80 | ((cp >> 6) & 0x3f));
        *o++ = (unsigned char)(0x80 | (cp & 0x3f));
    }
    s->out = (char *)o;
}

/* \uXXXX (and its low surrogate) at s->p, just after the backslash-u; false when jansson would
 * reject it or it is \u0000. The encoded form is never longer than the escape. */
static bool unicode_escape(struct scan *s)
{
    if (s->end - s->p < 4) {
        return false;
    }
    int cp = hex4(s->p);
    s->p += 4;
    if (cp <= 0 || (cp >= 0xdc00 && cp <= 0xdfff)) {
        return false;
    }
    if (cp >= 0xd800 && cp <= 0xdbff) {
        if (s->end - s->p < 6 || s->p[0] != '\\' || s->p[1] != 'u') {
            return false;
        }
        int lo = hex4(s->p + 2);
        if (lo < 0xdc00 || lo > 0xdfff) {
            return false;
        }
        s->p += 6;
        cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
    }
    put_utf8(s, (unsigned)cp);
    return true;
}

/* Length of the valid UTF-8 sequence at p (first byte >= 0x80), or 0 (jansson's rules: no
 * overlong forms, no surrogates, at most U+10FFFF). */
static size_t utf8_len(const unsigned char *p, const unsigned char *end)
{
    size_t n = p[0] >= 0xc2 && p[0] <= 0xdf   ? 2
               : p[0] >= 0xe0 && p[0] <= 0xef ? 3
               : p[0] >= 0xf0 && p[0] <= 0xf4 ? 4
                                              : 0;
    if (n == 0 || (size_t)(end - p) < n) {
        return 0;
    }
    for (size_t i = 1; i < n; i++) {
        if ((p[i] & 0xc0) != 0x80) {
            return 0;
        }
    }
    if ((p[0] == 0xe0 && p[1] < 0xa0) || (p[0] == 0xed && p[1] > 0x9f) ||
        (p[0] == 0xf0 && p[1] < 0x90) || (p[0] == 0xf4 && p[1] > 0x8f)) {
        return 0;
    }
    return n;
}

/* A string at s->p (after whitespace), decoded into the arena and NUL-terminated there. */
static bool string(struct scan *s, const char **str, size_t *len)
{
    if (!eat(s, '"')) {
        return false;
    }
    char *start = s->out;
    for (;;) {
        const unsigned char *run = s->p;
        while (s->p < s->end && *s->p >= 0x20 && *s->p < 0x80 && *s->p != '"' && *s->p != '\\') {
            s->p++;
        }
        memcpy(s->out, run, (size_t)(s->p - run));
        s->out += s->p - run;
        if (s->p == s->end || *s->p < 0x20) {
            return false;
        }
        if (*s->p == '"') {
            s->p++;
            break;
        }
        if (*s->p >= 0x80) {
            size_t n = utf8_len(s->p, s->end);
            if (n == 0) {
                return false;
            }
            memcpy(s->out, s->p, n);
            s->out += n;
            s->p += n;
            continue;
        }
        if (s->end - s->p < 2) {
            return false;
        }
        static const char from[] = "\"\\/bfnrt", to[] = "\"\\/\b\f\n\r\t";
        const char *e = s->p[1] ? strchr(from, s->p[1]) : NULL;
        s->p += 2;
        if (e) {
            *s->out++ = to[e - from];
        } else if (s->p[-1] != 'u' || !unicode_escape(s)) {
            return false;
        }
    }
    *len = (size_t)(s->out - start);
    *s->out++ = '\0';
    *str = start;
    return true;
}

/* A JSON integer that fits comfortably in int64 (at most 18 digits). */
static bool integer(struct scan *s, int64_t *v)
{
    skip_ws(s);
    bool neg = s->p < s->end && *s->p == '-';
    s->p += neg;
    const unsigned char *d = s->p;
    int64_t x = 0;
    /* Digits past the 18th are counted, not accumulated: 19 nines would overflow int64 (signed
     * overflow is undefined), and such a body goes to jansson's path anyway. */
    while (s->p < s->end && *s->p >= '0' && *s->p <= '9') {
        if (s->p - d < 18) {
            x = x * 10 + (*s->p - '0');
        }
        s->p++;
    }
    size_t n = (size_t)(s->p - d);
    if (n == 0 || n > 18 || (n > 1 && *d == '0')) {
        return false;
    }
    if (s->p < s->end && (*s->p == '.' || *s->p == 'e' || *s->p == 'E')) {
        return false;
    }
    *v = neg ? -x : x;
    return true;
}

/* {"timestamp": int, "message": "..."} in either order, nothing else. */
static bool event(struct scan *s, struct logs_db_event *e)
{
    bool has_ts = false, has_msg = false;
    if (!eat(s, '{')) {
        return false;
    }
    for (int i = 0; i < 2; i++) {
        const char *key = NULL;
        size_t klen = 0;
        char *mark = s->out;
        if (i > 0 && !eat(s, ',')) {
            return false;
        }
        if (!string(s, &key, &klen) || !eat(s, ':')) {
            return false;
        }
        bool is_ts = klen == 9 && memcmp(key, "timestamp", 9) == 0;
        bool is_msg = klen == 7 && memcmp(key, "message", 7) == 0;
        s->out = mark; /* keys are not kept */
        if (is_ts && !has_ts) {
            has_ts = integer(s, &e->ts);
            if (!has_ts) {
                return false;
            }
        } else if (is_msg && !has_msg) {
            has_msg = string(s, &e->message, &e->len);
            if (!has_msg) {
                return false;
            }
        } else {
            return false;
        }
    }
    return eat(s, '}');
}

static bool events(struct scan *s, size_t max, struct logs_putjson *out)
{
    size_t cap = 0;
    if (!eat(s, '[')) {
        return false;
    }
    if (eat(s, ']')) {
        return false; /* empty: jansson's path reports the model's error */
    }
    do {
        if (out->n == max) {
            return false;
        }
        if (out->n == cap) {
            cap = cap ? 2 * cap : 1024;
            out->ev = xrealloc(out->ev, cap * sizeof(*out->ev));
        }
        if (!event(s, &out->ev[out->n])) {
            return false;
        }
        out->n++;
    } while (eat(s, ','));
    return eat(s, ']');
}

static bool body_object(struct scan *s, size_t max, struct logs_putjson *out)
{
    bool seen_events = false;
    if (!eat(s, '{')) {
        return false;
    }
    if (eat(s, '}')) {
        return false;
    }
    do {
        const char *key = NULL, *val = NULL;
        size_t klen = 0, vlen = 0;
        if (!string(s, &key, &klen) || !eat(s, ':')) {
            return false;
        }
        if (klen == 9 && memcmp(key, "logEvents", 9) == 0) {
            if (seen_events || !events(s, max, out)) {
                return false;
            }
            seen_events = true;
            continue;
        }
        if (memchr(key, '\0', klen) || json_object_get(out->members, key) ||
            !string(s, &val, &vlen)) {
            return false;
        }
        json_object_set_new(out->members, key, json_stringn(val, vlen));
    } while (eat(s, ','));
    if (!eat(s, '}') || !seen_events) {
        return false;
    }
    skip_ws(s);
    return s->p == s->end;
}

bool logs_putjson_parse(const char *body, size_t len, size_t max_events, struct logs_putjson *out)
{
    memset(out, 0, sizeof(*out));
    out->arena = xmalloc(len + 1);
    out->members = json_object();
    struct scan s = {(const unsigned char *)body, (const unsigned char *)body + len, out->arena};
    if (!body_object(&s, max_events, out)) {
        logs_putjson_fini(out);
        return false;
    }
    return true;
}

void logs_putjson_fini(struct logs_putjson *p)
{
    json_decref(p->members);
    free(p->ev);
    free(p->arena);
    memset(p, 0, sizeof(*p));
}
