/*
 * test_jx.c - jx.h writes exactly what json_dumps(JSON_COMPACT) writes: every document of the
 * fixtures, the views derived from them, random trees over the awkward cases (escapes, control
 * characters, multi-byte UTF-8, embedded NULs, integer extremes, reals of every magnitude), and
 * the same refusals (strings that are not UTF-8).
 */
#include <criterion/criterion.h>
#include <float.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "helpers.h"
#include "jx.h"

TestSuite(jx);

static void same_as_jansson(const json_t *v)
{
    char *want = json_dumps(v, JSON_COMPACT);
    char *got = jx_dumps(v);
    cr_assert_not_null(want);
    cr_assert_not_null(got, "jx_dumps refused what jansson wrote: %s", want);
    cr_assert_str_eq(got, want);
    free(want);
    free(got);
}

static void each_doc(void *ctx, json_t *const *docs, size_t n)
{
    size_t *count = ctx;
    for (size_t i = 0; i < n; i++) {
        same_as_jansson(docs[i]);
        ++*count;
    }
}

Test(jx, fixture_documents_and_views_are_written_as_jansson_writes_them)
{
    size_t count = 0;
    helpers_each_fixture_trace("../fixtures/demo.jsonl", each_doc, &count);
    helpers_each_fixture_trace("../fixtures/large.jsonl", each_doc, &count);
    cr_assert_gt(count, 100, "only %zu fixture documents", count);
    json_t *views = helpers_fixture_views();
    same_as_jansson(views);
    json_decref(views);
}

static uint64_t rng = 0x9e3779b97f4a7c15u;

static uint64_t next(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return rng;
}

static const char *const pieces[] = {
    "a",
    "Z",
    " ",
    "/",
    "\"",
    "\\",
    "\b",
    "\f",
    "\n",
    "\r",
    "\t",
    "\x01",
    "\x1f",
    "\x7f",
    "\xc3\xa9",         /* é */
    "\xe2\x82\xac",     /* € */
    "\xe2\x80\xa8",     /* U+2028, which jansson does not escape */
    "\xf0\x9f\x98\x80", /* U+1F600 */
    "\xef\xbf\xbd",
    "}",
    "{",
    ":",
    ",",
};

static json_t *random_string(void)
{
    char s[64];
    size_t len = 0, n = next() % 8;
    for (size_t i = 0; i < n; i++) {
        const char *p = pieces[next() % ARRAY_LEN(pieces)];
        memcpy(s + len, p, strlen(p));
        len += strlen(p);
    }
    if (next() % 10 == 0) {
        s[len++] = 0; /* an embedded NUL, as json_stringn() allows */
        s[len++] = 'x';
    }
    return json_stringn(s, len);
}

static double random_real(void)
{
    static const double fixed[] = {0.0,
                                   -0.0,
                                   0.1,
                                   1.0,
                                   -1.5,
                                   1e20,
                                   1e21,
                                   1e-5,
                                   1e-7,
                                   123.456,
                                   1700000000.123456,
                                   5e-324,
                                   DBL_MAX,
                                   DBL_MIN,
                                   1e100,
                                   -2.5e-300,
                                   0.30000000000000004};
    if (next() % 2) {
        return fixed[next() % ARRAY_LEN(fixed)];
    }
    double d;
    do {
        uint64_t bits = next();
        memcpy(&d, &bits, sizeof(d));
    } while (!isfinite(d));
    return d;
}

static json_t *random_value(int depth)
{
    static const json_int_t ints[] = {0, 1, -1, INT64_MAX, INT64_MIN, 1700000000000000000, 42};
    switch (next() % (depth > 3 ? 6 : 8)) {
    case 0:
        return random_string();
    case 1:
        return json_integer(next() % 2 ? ints[next() % ARRAY_LEN(ints)] : (json_int_t)next());
    case 2:
        return json_real(random_real());
    case 3:
        return json_true();
    case 4:
        return json_false();
    case 5:
        return json_null();
    case 6: {
        json_t *a = json_array();
        for (size_t i = next() % 5; i > 0; i--) {
            json_array_append_new(a, random_value(depth + 1));
        }
        return a;
    }
    default: {
        json_t *o = json_object();
        for (size_t i = next() % 5; i > 0; i--) {
            json_t *k = random_string();
            json_object_setn_new(o, json_string_value(k), json_string_length(k),
                                 random_value(depth + 1));
            json_decref(k);
        }
        return o;
    }
    }
}

Test(jx, random_trees_are_written_as_jansson_writes_them)
{
    for (int i = 0; i < 5000; i++) {
        json_t *v = random_value(0);
        if (json_is_object(v) || json_is_array(v)) {
            same_as_jansson(v);
        } else {
            /* A scalar on its own: jansson needs JSON_ENCODE_ANY, jx_dumps() refuses it. */
            char *want = json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY);
            struct jx_out o = {0};
            cr_assert_eq(jx_dump(&o, v), 0);
            cr_assert_str_eq(o.data, want);
            cr_assert_null(jx_dumps(v));
            jx_fini(&o);
            free(want);
        }
        json_decref(v);
    }
}

Test(jx, every_real_and_integer_shape)
{
    json_t *a = json_array();
    for (int e = -330; e <= 310; e++) {
        json_array_append_new(a, json_real(pow(10, e)));
        json_array_append_new(a, json_real(-1.2345678901234567 * pow(10, e)));
    }
    for (int i = 0; i < 2000; i++) {
        json_array_append_new(a, json_real(random_real()));
        json_array_append_new(a, json_integer((json_int_t)next()));
    }
    same_as_jansson(a);
    json_decref(a);
}

/* The UTF-8 check agrees with json_stringn() on short byte strings drawn near the edges. */
Test(jx, utf8_check_agrees_with_jansson)
{
    static const unsigned char bytes[] = {0x00, 0x41, 0x7f, 0x80, 0xbf, 0xc0, 0xc1,
                                          0xc2, 0xdf, 0xe0, 0xed, 0xef, 0xf0, 0xf4,
                                          0xf5, 0xff, 0x9f, 0xa0, 0x8f, 0x90};
    int rejected = 0;
    for (int i = 0; i < 200000; i++) {
        char s[5];
        size_t n = 1 + next() % 4;
        for (size_t k = 0; k < n; k++) {
            s[k] = (char)bytes[next() % ARRAY_LEN(bytes)];
        }
        json_t *j = json_stringn(s, n);
        bool valid = jx_utf8_valid(s, n);
        cr_assert_eq(valid, j != NULL, "byte string %02x %02x %02x %02x (%zu)", (unsigned char)s[0],
                     n > 1 ? (unsigned char)s[1] : 0, n > 2 ? (unsigned char)s[2] : 0,
                     n > 3 ? (unsigned char)s[3] : 0, n);
        struct jx_out o = {0};
        cr_assert_eq(jx_str(&o, s, n) == 0, valid);
        if (!valid) {
            rejected++;
            cr_assert_eq(o.len, 0, "a refused string leaves nothing behind");
        }
        jx_fini(&o);
        json_decref(j);
    }
    cr_assert_gt(rejected, 1000);
}

Test(jx, a_string_that_is_not_utf8_fails_as_in_jansson)
{
    json_t *o = json_pack("{s:s}", "ok", "fine");
    json_object_set_new(o, "bad", json_string_nocheck("\xed\xa0\x80"));
    cr_assert_null(json_dumps(o, JSON_COMPACT));
    cr_assert_null(jx_dumps(o));
    struct jx_out out = {0};
    JX_LIT(&out, "[1,");
    cr_assert_eq(jx_dump(&out, o), ERR_INVALID);
    cr_assert_str_eq(out.data, "[1,", "a failed dump is taken back");
    jx_fini(&out);
    json_decref(o);
}
