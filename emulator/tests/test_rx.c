/*
 * test_rx.c - the regex engine (rx.h, RE2 behind rx.cc): hostile patterns finish with the right
 * answer, captures report byte spans and group names, the caps refuse what they should with a
 * message, bytes that are not UTF-8 are matched as bytes, and one compiled regex serves many
 * threads. Timing is not asserted here (bench/README.md has the figures).
 */
#include <criterion/criterion.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rx.h"

TestSuite(rx);

static struct rx *compile(const char *src)
{
    struct rx *re = NULL;
    char why[200] = "";
    cr_assert_eq(rx_compile(src, strlen(src), &re, why, sizeof(why)), 0, "%s: %s", src, why);
    return re;
}

static char *run_of(char ch, size_t n, const char *tail)
{
    char *s = malloc(n + strlen(tail) + 1);
    memset(s, ch, n);
    strcpy(s + n, tail);
    return s;
}

Test(rx, nested_and_chained_quantifiers_answer_correctly_on_long_text)
{
    /* Each of these took seconds to minutes with glibc's backtracking regexec. */
    static const struct {
        const char *re;
        const char *tail;
        bool want;
    } cases[] = {
        {"a+c", "", false},        {"a+c", "c", true},     {"a+a+a+a+a+c", "", false},
        {"(a+)+$", "", true},      {"(a+)+$", "b", false}, {"(a|aa)+b", "b", true},
        {"(a|a)+[bc]", "", false}, {"(a*)*b", "", false},  {"^(a+)+b$", "b", true},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct rx *re = compile(cases[i].re);
        char *s = run_of('a', 160000, cases[i].tail);
        cr_expect_eq(rx_search(re, s, strlen(s)), cases[i].want, "%s on a*160000+%s", cases[i].re,
                     cases[i].tail);
        free(s);
        rx_free(re);
    }
}

Test(rx, captures_are_byte_spans_with_names)
{
    struct rx *re = compile("id=(?P<num>\\d+)(x)?(?P<tail>\\w*)");
    const char *s = "\xff\xfe user id=42 rest";
    struct rx_span m[5];
    cr_assert_eq(rx_groups(re), 3);
    cr_expect_str_eq(rx_group_name(re, 1), "num");
    cr_expect_null(rx_group_name(re, 2));
    cr_expect_str_eq(rx_group_name(re, 3), "tail");
    cr_expect_null(rx_group_name(re, 0));
    cr_expect_null(rx_group_name(re, 4));
    cr_assert(rx_capture(re, s, strlen(s), m, 5)); /* one slot more than groups + 1 */
    cr_expect(m[0].set && m[0].start == 8 && m[0].end == 13);
    cr_expect(m[1].set && m[1].start == 11 && m[1].end == 13);
    cr_expect_not(m[2].set, "an optional group that took no part");
    cr_expect(m[3].set && m[3].start == m[3].end, "an empty group is set");
    cr_expect_not(m[4].set);
    cr_expect_not(rx_capture(re, "nothing", 7, m, 5));
    rx_free(re);
}

Test(rx, bytes_that_are_not_utf8_still_match)
{
    struct rx *re = compile("a.b[^x]c");
    cr_expect(rx_search(re,
                        "a\xc3"
                        "b\xff"
                        "c",
                        5));
    rx_free(re);
    /* No NUL terminator is needed: only len bytes are read. */
    re = compile("^abc$");
    cr_expect(rx_search(re, "abcdef", 3));
    cr_expect_not(rx_search(re, "abcdef", 4));
    rx_free(re);
}

Test(rx, caps_and_bad_syntax_are_refused_with_a_message)
{
    static const struct {
        const char *re;
        const char *why;
    } cases[] = {
        {"z++", "bad repetition operator: ++"},
        {"(a", "missing ): (a"},
        {"a{2,1}", "invalid repetition size: {2,1}"},
        {"(?<=a)b", "invalid perl operator: (?<"},
        {"\\w{1000}\\w{1000}", "regular expression is too large"},
        {"[a-z]{0,1000}b", "regular expression is too large"},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct rx *re = (struct rx *)1;
        char why[200] = "";
        cr_expect_eq(rx_compile(cases[i].re, strlen(cases[i].re), &re, why, sizeof(why)),
                     ERR_INVALID, "%s compiled", cases[i].re);
        cr_expect_null(re);
        cr_expect_str_eq(why, cases[i].why, "%s", cases[i].re);
    }
    char *longest = run_of('a', RX_MAX_PATTERN + 1, "");
    struct rx *re = NULL;
    char why[200] = "";
    cr_expect_eq(rx_compile(longest, strlen(longest), &re, why, sizeof(why)), ERR_INVALID);
    cr_expect_str_eq(why, "regular expression is longer than 10000 characters");
    free(longest);
    rx_free(NULL);
}

struct shared {
    const struct rx *re;
    int ok;
};

static void *thread_main(void *arg)
{
    struct shared *s = arg;
    char text[64];
    for (int i = 0; i < 2000; i++) {
        struct rx_span m[2];
        int n = snprintf(text, sizeof(text), "req %d took %dms", i, i % 97);
        bool hit = rx_capture(s->re, text, (size_t)n, m, 2);
        s->ok += hit && m[1].set && atoi(text + m[1].start) == i % 97;
    }
    return NULL;
}

Test(rx, one_compiled_regex_serves_many_threads)
{
    struct rx *re = compile("took (?P<ms>\\d+)ms");
    pthread_t th[4];
    struct shared s[4];
    for (int i = 0; i < 4; i++) {
        s[i] = (struct shared){re, 0};
        pthread_create(&th[i], NULL, thread_main, &s[i]);
    }
    for (int i = 0; i < 4; i++) {
        pthread_join(th[i], NULL);
        cr_expect_eq(s[i].ok, 2000, "thread %d: %d good matches", i, s[i].ok);
    }
    rx_free(re);
}
