/*
 * test_fpattern.c - CloudWatch Logs filter patterns. Most cases are data in
 * tests/cases/fpattern.txt (jq.test style, format described at the top of that file); the rest
 * check what data cannot say: unterminated message buffers and one compiled pattern shared by
 * many threads.
 */
#include <criterion/criterion.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fpattern.h"
#include "helpers.h"

TestSuite(fpattern);

struct runner {
    FILE *f;
    char line[4096];
    int lineno;
    int cases;
    struct fpattern *p;
    char pattern[4096];
    int pattern_line;
};

static bool next_line(struct runner *r)
{
    if (!fgets(r->line, sizeof(r->line), r->f)) {
        return false;
    }
    r->lineno++;
    r->line[strcspn(r->line, "\n")] = '\0';
    return true;
}

static void check_fail(struct runner *r)
{
    struct errbuf err = {{0}, -1};
    char got[400];
    cr_assert(next_line(r), "line %d: %%%%FAIL needs an error line", r->lineno);
    int rc = fpattern_compile(r->pattern, &r->p, &err);
    snprintf(got, sizeof(got), "%s (at %d)", err.msg, err.pos);
    cr_expect_eq(rc, ERR_INVALID, "line %d: `%s` compiled but should fail", r->pattern_line,
                 r->pattern);
    cr_expect_str_eq(got, r->line, "line %d: `%s`: wrong error", r->pattern_line, r->pattern);
    fpattern_free(r->p);
    r->p = NULL;
}

static void check_value(struct runner *r, const char *spec)
{
    char field[256], expect[64];
    int used = 0;
    double v = 0;
    bool has = false;
    cr_assert_eq(sscanf(spec, "%255s %63s %n", field, expect, &used), 2, "line %d: bad %%%%VALUE",
                 r->lineno);
    const char *msg = spec + used;
    cr_expect(fpattern_match_value(r->p, msg, strlen(msg), field, &v, &has),
              "line %d: `%s` should match `%s`", r->lineno, r->pattern, msg);
    if (strcmp(expect, "none") == 0) {
        cr_expect_not(has, "line %d: expected no value, got %g", r->lineno, v);
    } else {
        cr_expect(has, "line %d: expected a value", r->lineno);
        cr_expect_eq(v, strtod(expect, NULL), "line %d: value %g, expected %s", r->lineno, v,
                     expect);
    }
}

static void check_line(struct runner *r)
{
    const char *l = r->line;
    if (l[0] == '+' || l[0] == '-') {
        const char *msg = l[1] == ' ' ? l + 2 : l + 1;
        bool want = l[0] == '+';
        cr_expect_eq(fpattern_match(r->p, msg, strlen(msg)), want, "line %d: `%s` %s match `%s`",
                     r->lineno, r->pattern, want ? "should" : "should not", msg);
    } else if (strncmp(l, "%%TERMS ", 8) == 0) {
        const char *q = fpattern_required_terms(r->p);
        cr_expect_str_eq(q ? q : "NULL", l + 8, "line %d: required terms of `%s`", r->lineno,
                         r->pattern);
    } else if (strncmp(l, "%%VALUE ", 8) == 0) {
        check_value(r, l + 8);
    } else {
        cr_assert_fail("line %d: unknown line `%s`", r->lineno, l);
    }
}

/* One case: the pattern line has been read into r->line. */
static void run_case(struct runner *r)
{
    struct errbuf err = {{0}, -1};
    snprintf(r->pattern, sizeof(r->pattern), "%s", strcmp(r->line, "%%EMPTY") ? r->line : "");
    r->pattern_line = r->lineno;
    r->cases++;
    if (!next_line(r) || r->line[0] == '\0') {
        cr_assert_fail("line %d: case without checks", r->pattern_line);
    }
    if (strcmp(r->line, "%%FAIL") == 0) {
        check_fail(r);
        next_line(r);
        return;
    }
    cr_assert_eq(fpattern_compile(r->pattern, &r->p, &err), 0, "line %d: `%s`: %s (at %d)",
                 r->pattern_line, r->pattern, err.msg, err.pos);
    do {
        check_line(r);
    } while (next_line(r) && r->line[0] != '\0');
    fpattern_free(r->p);
    r->p = NULL;
}

Test(fpattern, cases_from_the_reference)
{
    struct runner r = {0};
    r.f = helpers_open_case("fpattern.txt");
    cr_assert_not_null(r.f, "tests/cases/fpattern.txt not found");
    while (next_line(&r)) {
        if (r.line[0] == '\0' || r.line[0] == '#') {
            continue;
        }
        run_case(&r);
    }
    fclose(r.f);
    cr_expect_geq(r.cases, 100, "only %d cases", r.cases);
}

Test(fpattern, messages_need_no_terminator)
{
    struct fpattern *p = NULL;
    struct errbuf err = {{0}, -1};
    const char msg[] = "ERROR timeout EXTRA";
    cr_assert_eq(fpattern_compile("EXTRA", &p, &err), 0);
    cr_expect_not(fpattern_match(p, msg, 14), "only the first 14 bytes are the message");
    cr_expect(fpattern_match(p, msg, sizeof(msg) - 1));
    fpattern_free(p);
    cr_assert_eq(fpattern_compile("%out$%", &p, &err), 0, "%s", err.msg);
    cr_expect(fpattern_match(p, msg, 13));
    cr_expect_not(fpattern_match(p, msg, sizeof(msg) - 1));
    fpattern_free(p);
    cr_assert_eq(fpattern_compile("{ $.a = 1 }", &p, &err), 0, "%s", err.msg);
    cr_expect(fpattern_match(p, "{\"a\":1}garbage", 7));
    fpattern_free(p);
    fpattern_free(NULL);
}

/* Extracts with pattern from msg and compares the result, as compact JSON with sorted keys. */
static void expect_extracted(const char *pattern, const char *msg, const char *want)
{
    struct fpattern *p = NULL;
    struct errbuf err = {{0}, -1};
    cr_assert_eq(fpattern_compile(pattern, &p, &err), 0, "%s: %s", pattern, err.msg);
    json_t *got = fpattern_extract(p, msg, strlen(msg));
    char *text = got ? json_dumps(got, JSON_COMPACT | JSON_SORT_KEYS) : NULL;
    if (want) {
        cr_expect(text && strcmp(text, want) == 0, "%s on %s: got %s, want %s", pattern, msg,
                  text ? text : "no match", want);
    } else {
        cr_expect_null(got, "%s on %s: expected no match, got %s", pattern, msg, text);
    }
    free(text);
    json_decref(got);
    fpattern_free(p);
}

/* TestMetricFilter's extractedValues (reference/logs-filter-and-insights.md A4: the documented
 * Apache-log example, brackets and quotes dropped from the values). */
Test(fpattern, extracts_what_test_metric_filter_reports)
{
    expect_extracted("[ip, user, username, timestamp, request, status_code, bytes]",
                     "127.0.0.1 Prod frank [10/Oct/2000:13:25:15 -0700] \"GET /index.html "
                     "HTTP/1.0\" 404 1534",
                     "{\"$bytes\":\"1534\",\"$ip\":\"127.0.0.1\",\"$request\":\"GET "
                     "/index.html HTTP/1.0\",\"$status_code\":\"404\",\"$timestamp\":\"10/Oct/"
                     "2000:13:25:15 -0700\",\"$user\":\"Prod\",\"$username\":\"frank\"}");
    expect_extracted("[..., status = 4*, size]", "a b c 404 77",
                     "{\"$size\":\"77\",\"$status\":\"404\"}");
    expect_extracted("[w1=ERROR, rest]", "ERROR disk full now",
                     "{\"$rest\":\"disk full now\",\"$w1\":\"ERROR\"}");
    expect_extracted("[w1=ERROR, rest]", "INFO all good", NULL);
    expect_extracted("{ $.latency > 10 && $.user.id = * }",
                     "{\"latency\": 12.5, \"user\": {\"id\": 7}}",
                     "{\"$.latency\":\"12.5\",\"$.user.id\":\"7\"}");
    expect_extracted("{ $.a[0] = 1 || $.missing NOT EXISTS }", "{\"a\": [1, 2]}",
                     "{\"$.a[0]\":\"1\"}");
    expect_extracted("{ $.o IS NULL || $.flag IS TRUE }", "{\"o\": null, \"flag\": true}",
                     "{\"$.flag\":\"true\",\"$.o\":\"null\"}");
    expect_extracted("{ $.code >= 500 }", "{\"code\": 200}", NULL);
    expect_extracted("ERROR", "[ERROR] 400 BAD REQUEST", "{}");
    expect_extracted("%4[0-9]{2}%", "[ERROR] 400 BAD REQUEST", "{}");
    expect_extracted("", "anything", "{}");
}

struct shared {
    const struct fpattern *json;
    const struct fpattern *space;
    int failures;
};

static void *hammer(void *arg)
{
    struct shared *s = arg;
    static const char hit[] = "{\"eventName\":\"GetObject\",\"latency\":12,\"user\":{\"id\":7}}";
    static const char miss[] = "{\"eventName\":\"PutObject\",\"latency\":12,\"user\":{\"id\":7}}";
    static const char line[] = "10.0.0.1 - bob [10/Oct/2000:13:25:15 -0700] \"GET /a.html\" 404 77";
    int bad = 0;
    for (int i = 0; i < 2000; i++) {
        double v = 0;
        bool has = false;
        bad += !fpattern_match_value(s->json, hit, strlen(hit), "$.latency", &v, &has) || !has ||
               v != 12;
        bad += fpattern_match(s->json, miss, strlen(miss));
        bad += !fpattern_match_value(s->space, line, strlen(line), "$bytes", &v, &has) || !has ||
               v != 77;
    }
    __atomic_add_fetch(&s->failures, bad, __ATOMIC_RELAXED);
    return NULL;
}

Test(fpattern, one_compiled_pattern_serves_many_threads)
{
    struct fpattern *json = NULL, *space = NULL;
    struct errbuf err = {{0}, -1};
    pthread_t th[8];
    cr_assert_eq(
        fpattern_compile("{ $.eventName = %^Get% && ($.user.id = 7 || $.x IS NULL) }", &json, &err),
        0, "%s", err.msg);
    cr_assert_eq(
        fpattern_compile("[ip, ..., request = %html%, status = 4*, bytes > 10]", &space, &err), 0,
        "%s", err.msg);
    struct shared s = {json, space, 0};
    for (size_t i = 0; i < 8; i++) {
        cr_assert_eq(pthread_create(&th[i], NULL, hammer, &s), 0);
    }
    for (size_t i = 0; i < 8; i++) {
        pthread_join(th[i], NULL);
    }
    cr_expect_eq(s.failures, 0);
    fpattern_free(json);
    fpattern_free(space);
}
