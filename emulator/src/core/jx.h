/*
 * jx.h - compact JSON text written straight into a growable buffer: a jansson tree (jx_dump)
 * or members one at a time (jx_str, jx_int, jx_real, ...) without building a tree first. The
 * bytes are exactly those json_dumps(v, JSON_COMPACT) gives (jansson 2.14: insertion order,
 * "\uXXXX" in upper case for other control characters, "%.17g" reals with ".0" added and the
 * exponent's '+' and leading zeros dropped), which tests/test_jx.c checks against jansson
 * itself. It exists because json_dumps' per-token callbacks and the trees built only to be
 * dumped were a fifth of the OTLP HTTP threads' time (bench/README.md, "OTLP ingest").
 * A struct jx_out belongs to one thread; any thread may use these functions on its own.
 */
#ifndef JX_H
#define JX_H

#include <jansson.h>
#include <stdint.h>
#include <string.h>

#include "fluoro.h"

struct jx_out {
    char *data; /* NUL-terminated when len > 0 */
    size_t len, cap;
};

/* Makes room for n more bytes (aborts on OOM, like xmalloc). */
void jx_reserve(struct jx_out *o, size_t n);

static inline void jx_raw(struct jx_out *o, const char *s, size_t n)
{
    if (o->len + n + 1 > o->cap) {
        jx_reserve(o, n + 1);
    }
    memcpy(o->data + o->len, s, n);
    o->len += n;
    o->data[o->len] = 0;
}

static inline void jx_char(struct jx_out *o, char c)
{
    if (o->len + 2 > o->cap) {
        jx_reserve(o, 2);
    }
    o->data[o->len++] = c;
    o->data[o->len] = 0;
}

#define JX_LIT(o, s) jx_raw((o), (s), sizeof(s) - 1)

/* Whether s[0..n) is UTF-8 as jansson accepts it (no overlong forms, surrogates or code points
 * past U+10FFFF). */
bool jx_utf8_valid(const char *s, size_t n);
/* Appends s[0..n) as a quoted, escaped JSON string. Returns 0, or ERR_INVALID (nothing
 * appended) when s is not valid UTF-8, where jansson's json_string() would have refused it. */
int jx_str(struct jx_out *o, const char *s, size_t n) MUST_CHECK;
/* Appends v as jansson writes a JSON integer / real (see above). */
void jx_int(struct jx_out *o, int64_t v);
void jx_real(struct jx_out *o, double v);
/* Appends v (borrowed) as json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY) would. Returns 0, or
 * ERR_INVALID (o truncated back to where it was) when jansson would have failed: a string that
 * is not UTF-8 (made with a _nocheck constructor), or a real that is not finite. */
int jx_dump(struct jx_out *o, const json_t *v) MUST_CHECK;
/* json_dumps(v, JSON_COMPACT) as a new malloc'd string, or NULL where it would give NULL
 * (v not an object or array, or jx_dump failing). The caller frees. */
char *jx_dumps(const json_t *v);
/* Gives the text away (malloc'd, the caller frees; "" when empty) and empties o. */
char *jx_steal(struct jx_out *o);
void jx_fini(struct jx_out *o);

#endif
