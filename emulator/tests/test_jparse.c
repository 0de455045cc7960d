/*
 * test_jparse.c - the segment fast path (jparse.h) returns exactly what json_loadb returns, or
 * gives up: over every fixture document, over many mutations of them, and over edge cases of
 * the grammar jansson rejects or that the fast path leaves to it.
 */
#include <criterion/criterion.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "jparse.h"
#include "segment.h"

TestSuite(jparse);

/* If the fast path answers, jansson must accept the same bytes and build the same value, with
 * the same member order (compared as compact dumps, which keep insertion order). Returns
 * whether the fast path answered. */
static bool check_same(const char *text, size_t len)
{
    json_t *fast = jparse_object(text, len);
    json_error_t err;
    json_t *slow = json_loadb(text, len, 0, &err);
    if (fast) {
        cr_assert_not_null(slow, "fast path accepted what jansson rejects (%s): %.*s", err.text,
                           (int)len, text);
        char *a = json_dumps(fast, JSON_COMPACT | JSON_ENCODE_ANY);
        char *b = json_dumps(slow, JSON_COMPACT | JSON_ENCODE_ANY);
        cr_assert(json_equal(fast, slow), "values differ for %.*s", (int)len, text);
        cr_assert_str_eq(a, b);
        free(a);
        free(b);
    }
    json_decref(fast);
    json_decref(slow);
    return fast != NULL;
}

static size_t each_fixture_line(const char *path, void (*fn)(const char *, size_t, void *),
                                void *ctx)
{
    FILE *f = fopen(path, "r");
    cr_assert_not_null(f, "%s", path);
    char *line = NULL;
    size_t cap = 0, n = 0;
    ssize_t got;
    while ((got = getline(&line, &cap, f)) > 0) {
        fn(line, (size_t)got, ctx);
        n++;
    }
    free(line);
    fclose(f);
    return n;
}

static void count_fast(const char *line, size_t len, void *ctx)
{
    *(size_t *)ctx += check_same(line, len);
}

Test(jparse, every_fixture_document_parses_as_jansson_does)
{
    const char *paths[] = {"../fixtures/demo.jsonl", "../fixtures/large.jsonl"};
    for (size_t i = 0; i < ARRAY_LEN(paths); i++) {
        size_t fast = 0;
        size_t n = each_fixture_line(paths[i], count_fast, &fast);
        /* The fixtures are ordinary SDK output: nearly all of it takes the fast path. */
        cr_assert_gt(fast * 10, n * 9, "%s: %zu of %zu took the fast path", paths[i], fast, n);
    }
}

struct mutate {
    unsigned seed;
    size_t lines, fast;
};

static unsigned next_rand(unsigned *s)
{
    *s = *s * 1103515245u + 12345u;
    return (*s >> 16) & 0x7fff;
}

static void mutate_line(const char *line, size_t len, void *ctx)
{
    static const char bytes[] = "{}[]\",:\\ 0123456789eE.-+tfnu/\x01\x7f\x80\xc3\xa9";
    struct mutate *m = ctx;
    if (m->lines++ >= 300) {
        return;
    }
    char *buf = malloc(len + 2);
    for (int round = 0; round < 60; round++) {
        memcpy(buf, line, len);
        size_t n = len;
        int edits = 1 + (int)(next_rand(&m->seed) % 3);
        for (int e = 0; e < edits && n > 0; e++) {
            size_t at = next_rand(&m->seed) % n;
            char b = bytes[next_rand(&m->seed) % (sizeof(bytes) - 1)];
            switch (next_rand(&m->seed) % 3) {
            case 0: /* replace */
                buf[at] = b;
                break;
            case 1: /* delete */
                memmove(buf + at, buf + at + 1, n - at - 1);
                n--;
                break;
            default: /* insert (the buffer has room for one more per line) */
                if (n < len + 1) {
                    memmove(buf + at + 1, buf + at, n - at);
                    buf[at] = b;
                    n++;
                }
            }
        }
        m->fast += check_same(buf, n);
    }
    free(buf);
}

Test(jparse, mutated_documents_either_match_jansson_or_are_left_to_it)
{
    struct mutate m = {.seed = 12345};
    each_fixture_line("../fixtures/large.jsonl", mutate_line, &m);
    /* Many mutations still parse (a changed digit or letter): the fast path was exercised. */
    cr_assert_gt(m.fast, 1000, "only %zu mutations took the fast path", m.fast);
}

Test(jparse, mutated_escapes_and_utf8_either_match_jansson_or_are_left_to_it)
{
    /* The fixtures are ASCII: mutate documents full of escapes and multi-byte characters. */
    const char *docs[] = {
        "{\"name\":\"caf\xc3\xa9 \\u00e9\\u20ac \xe2\x82\xac\\ud83d\\ude00\xf0\x9f\x98\x80\","
        "\"annotations\":{\"k\\u00e9y\":\"tab\\tnl\\nq\\\"bs\\\\sl\\/\",\"n\":-1.5e-3},"
        "\"list\":[\"\\ud834\\udd1e\",\"\xf4\x8f\xbf\xbf\",\"\xed\x9f\xbf\",\"\xee\x80\x80\"]}",
        "{\"\xc3\xa9\":{\"\\u0041\\u00c0\\u0800\\uffff\":[true,false,null,0,-0,1e2,\"\\b\\f\\r\"]}"
        "}",
    };
    struct mutate m = {.seed = 777};
    for (size_t i = 0; i < ARRAY_LEN(docs); i++) {
        cr_assert(check_same(docs[i], strlen(docs[i])), "document %zu takes the fast path", i);
        for (int k = 0; k < 100; k++) {
            m.lines = 0;
            mutate_line(docs[i], strlen(docs[i]), &m);
        }
    }
    cr_assert_gt(m.fast, 500, "only %zu mutations took the fast path", m.fast);
}

Test(jparse, edge_cases)
{
    struct {
        const char *text;
        bool fast; /* whether the fast path answers (it must then agree with jansson) */
    } cases[] = {
        {"{}", true},
        {" \t\r\n{ } \n", true},
        {"{\"a\":1,\"a\":2}", true}, /* the later value wins, in the first one's place */
        {"{\"b\":1,\"a\":{\"c\":[1,2.5,-0,-0.0,1e3,1E-3,2e+2,true,false,null,\"\"]}}", true},
        {"{\"s\":\"tab\\there \\\"quoted\\\" \\\\ \\/ \\b\\f\\n\\r\"}", true},
        {"{\"k\\nk\":\"v\",\"k\\nk\":\"w\"}", true}, /* unescaped keys, repeated */
        {"{\"a\":9223372036854775807,\"b\":-9223372036854775808}", true},
        {"{\"a\":9223372036854775808}", false}, /* jansson: too big integer */
        {"{\"a\":1e400}", false},               /* jansson: real number overflow */
        {"{\"a\":\"\\u00e9\\u20AC\\ud83d\\ude00\\u0041\"}", true}, /* 2-4 byte UTF-8 */
        {"{\"\\u00e9\":\"\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80 \x7f\"}", true},
        {"{\"a\":\"\\ud83d\"}", false}, /* lone high surrogate */
        {"{\"a\":\"\\ud83dx\"}", false},
        {"{\"a\":\"\\ud83d\\u0041\"}", false},
        {"{\"a\":\"\\ude00\"}", false}, /* lone low surrogate */
        {"{\"a\":\"\\u0000\"}", false}, /* NUL: jansson refuses it */
        {"{\"a\":\"\\u12\"}", false},
        {"{\"a\":\"\\u12g4\"}", false},
        {"{\"a\":\"\xff\"}", false},     /* invalid UTF-8 */
        {"{\"a\":\"\xc0\xaf\"}", false}, /* overlong */
        {"{\"a\":\"\xe0\x80\xaf\"}", false},
        {"{\"a\":\"\xe0\x9f\xbf\"}", false}, /* U+07FF in 3 bytes */
        {"{\"a\":\"\xf0\x8f\xbf\xbf\"}", false},
        /* U+FFFF in 4 bytes */                  /* overlong, 3 bytes */
        {"{\"a\":\"\xed\xa0\x80\"}", false},     /* an encoded surrogate */
        {"{\"a\":\"\xf4\x90\x80\x80\"}", false}, /* past U+10FFFF */
        {"{\"a\":\"\xc3\"}", false},             /* truncated */
        {"{\"a\":\"\xe2\x82\"}", false},
        {"{\"a\":\"x\001\"}", false}, /* control character */
        {"{\"a\":\"x\\n\001\"}", false},
        {"{\"a\":\"\xc3\xa9\\n\xc3\x28\"}", false}, /* bad UTF-8 after an escape */
        {"{\"a\":01}", false},
        {"{\"a\":1.}", false},
        {"{\"a\":.5}", false},
        {"{\"a\":1e}", false},
        {"{\"a\":-}", false},
        {"{\"a\":tru}", false},
        {"{\"a\":truex}", false},
        {"{\"a\":1,}", false},
        {"{\"a\" 1}", false},
        {"{\"a\":[1,]}", false},
        {"{\"a\":1}x", false},
        {"{\"a\":1}{}", false},
        {"[1,2]", false}, /* not an object: jansson reports it */
        {"\"s\"", false},
        {"{\"a\":\"\\x\"}", false},
        {"{\"a\":\"unterminated}", false},
        {"{\"a\":1", false},
        {"", false},
    };
    for (size_t i = 0; i < ARRAY_LEN(cases); i++) {
        bool fast = check_same(cases[i].text, strlen(cases[i].text));
        cr_assert_eq(fast, cases[i].fast, "case %zu: %s", i, cases[i].text);
    }
    /* A NUL byte inside the buffer is left to jansson. */
    cr_assert_not(check_same("{\"a\":\"x\0y\"}", 11));
}

Test(jparse, deep_nesting_is_left_to_jansson)
{
    char buf[4096];
    size_t n = 0;
    n += (size_t)sprintf(buf + n, "{\"a\":");
    for (int i = 0; i < 200; i++) {
        buf[n++] = '[';
    }
    for (int i = 0; i < 200; i++) {
        buf[n++] = ']';
    }
    buf[n++] = '}';
    cr_assert_not(check_same(buf, n));
    /* ... and segment_parse still takes it through jansson, which accepts the nesting. */
    struct errbuf err = {0};
    struct segment seg = {0};
    cr_assert_neq(segment_parse(buf, n, &seg, &err), SEGMENT_REJECT_NOT_JSON);
}

Test(jparse, segment_parse_reports_jansson_errors_unchanged)
{
    const char *bad = "{\"trace_id\": \"1-5759e988-bd862e3fe1be46a994272793\", \"id\": 01}";
    struct errbuf err = {0};
    struct segment seg = {0};
    cr_assert_eq(segment_parse(bad, strlen(bad), &seg, &err), SEGMENT_REJECT_NOT_JSON);
    json_error_t jerr;
    cr_assert_null(json_loadb(bad, strlen(bad), JSON_DECODE_ANY, &jerr));
    cr_assert_eq(err.pos, jerr.position);
    cr_assert_not_null(strstr(err.msg, jerr.text), "%s", err.msg);
}
