/*
 * test_fexpr.c - filter expressions, data-driven from tests/cases/fexpr.txt (jq.test style):
 *
 *   expression
 *   canonical dump                  or   %%FAIL
 *   matches: t_ok t_fault                exact error message
 *   (blank line)
 *
 * Lines starting with '#' between cases are comments. The named traces are views in their JSON
 * shape in tests/cases/fexpr_traces.json, evaluated through their encoding (struct trace_view);
 * each case must match exactly the listed ones, and decoding only the trace part (what
 * xray_query.c does when fexpr_reads_graph is false) must not change any answer.
 */
#include <criterion/criterion.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fexpr.h"
#include "trace_facts.h"

TestSuite(fexpr);

#define CASES "tests/cases/fexpr.txt"
#define TRACES "tests/cases/fexpr_traces.json"

/* The groups the cases may name: by name, and one by ARN. */
static const struct {
    const char *key;
    bool is_arn;
    const char *expr; /* NULL = a group without a filter expression */
} groups[] = {
    {"high_response_time", false, "responsetime > 5"},
    {"arn:aws:xray:us-east-1:123456789012:group/high_response_time/ABC", true, "responsetime > 5"},
    {"faulty", false, "fault"},
    {"everything", false, NULL},
    {"nested", false, "group.name = \"faulty\" OR user = \"alice\""},
    {"loop", false, "group.name = \"loop\""},
    {"broken", false, "responsetime >"},
};

static int resolve(void *ctx, const char *key, bool is_arn, char **expr)
{
    (void)ctx;
    *expr = NULL;
    for (size_t i = 0; i < ARRAY_LEN(groups); i++) {
        if (groups[i].is_arn == is_arn && strcmp(groups[i].key, key) == 0) {
            *expr = groups[i].expr ? xstrdup(groups[i].expr) : NULL;
            return 0;
        }
    }
    return ERR_NOTFOUND;
}

static json_t *load_traces(void)
{
    json_error_t jerr;
    json_t *t = json_load_file(TRACES, 0, &jerr);
    cr_assert_not_null(t, "%s:%d: %s", TRACES, jerr.line, jerr.text);
    return t;
}

static char *read_line(FILE *f, int *lineno)
{
    char *line = NULL;
    size_t cap = 0;
    ssize_t n = getline(&line, &cap, f);
    if (n < 0) {
        free(line);
        return NULL;
    }
    (*lineno)++;
    while (n > 0 && (line[n - 1] == '\n' || line[n - 1] == '\r')) {
        line[--n] = '\0';
    }
    return line;
}

/* Evaluates e on a view given as JSON, through its encoding, decoded whole or in part. */
static bool eval_json(const struct fexpr *e, const json_t *view, bool graph)
{
    size_t len = 0;
    void *blob = trace_facts_pack(view, &len);
    struct trace_view f;
    trace_facts_init(&f);
    cr_assert_eq(trace_facts_decode_part(&f, blob, len, graph), 0);
    bool yes = fexpr_eval(e, &f);
    trace_facts_fini(&f);
    free(blob);
    return yes;
}

/* Space-separated names of the traces that match, in file order. */
static char *matching(const struct fexpr *e, json_t *traces, int line)
{
    struct buf b;
    const char *name;
    json_t *view;
    buf_init(&b, 0);
    json_object_foreach(traces, name, view)
    {
        bool match = eval_json(e, view, true);
        /* What xray_query.c decodes: no nodes/edges unless the expression reads them. */
        bool part = eval_json(e, view, fexpr_reads_graph(e));
        cr_expect_eq(part, match, "line %d: partial decode changes the answer on %s", line, name);
        if (match) {
            cr_assert(buf_printf(&b, "%s%s", b.len ? " " : "", name) == 0);
        }
    }
    return buf_steal(&b, NULL);
}

/* Puts the expected names in file order, so the comparison ignores how the case lists them. */
static char *expected_in_order(const char *list, json_t *traces)
{
    struct buf b;
    const char *name;
    json_t *view;
    char *copy = xasprintf(" %s ", list);
    buf_init(&b, 0);
    json_object_foreach(traces, name, view)
    {
        char *needle = xasprintf(" %s ", name);
        if (strstr(copy, needle)) {
            cr_assert(buf_printf(&b, "%s%s", b.len ? " " : "", name) == 0);
        }
        free(needle);
    }
    free(copy);
    return buf_steal(&b, NULL);
}

static void run_case(const char *expr, const char *want, const char *want2, int line,
                     json_t *traces)
{
    struct fexpr *e = NULL;
    struct errbuf err = {{0}, -1};
    struct buf dump;
    buf_init(&dump, 0);
    int rc = fexpr_compile(expr, resolve, NULL, &e, &err);
    if (strcmp(want, "%%FAIL") == 0) {
        cr_expect_eq(rc, ERR_INVALID, "line %d: %s: compiled but should fail", line, expr);
        if (rc < 0) {
            cr_expect(strcmp(err.msg, want2) == 0, "line %d: %s: got [%s]", line, expr, err.msg);
            cr_expect_geq(err.pos, 0, "line %d: no position", line);
        }
        goto out;
    }
    cr_expect_eq(rc, 0, "line %d: %s: %s", line, expr, err.msg);
    if (rc < 0) {
        goto out;
    }
    cr_assert(fexpr_dump(e, &dump) == 0);
    cr_expect(strcmp(dump.data, want) == 0, "line %d: %s: dump [%s]", line, expr, dump.data);
    cr_expect(strncmp(want2, "matches:", 8) == 0, "line %d: expected a matches: line", line);
    char *got = matching(e, traces, line);
    char *exp = expected_in_order(want2 + 8, traces);
    cr_expect_str_eq(got, exp, "line %d: %s: matched [%s], expected [%s]", line, expr, got, exp);
    free(got);
    free(exp);
out:
    buf_fini(&dump);
    fexpr_free(e);
}

Test(fexpr, cases_file)
{
    json_t *traces = load_traces();
    FILE *f = fopen(CASES, "r");
    int lineno = 0;
    int cases = 0;
    char *line = NULL;
    cr_assert_not_null(f, "cannot open %s", CASES);
    while ((line = read_line(f, &lineno))) {
        if (line[0] == '\0' || line[0] == '#') {
            free(line);
            continue;
        }
        int start = lineno;
        char *want = read_line(f, &lineno);
        char *want2 = want ? read_line(f, &lineno) : NULL;
        cr_assert(want && want2, "line %d: incomplete case", start);
        run_case(line, want, want2, start, traces);
        cases++;
        free(line);
        free(want);
        free(want2);
    }
    fclose(f);
    json_decref(traces);
    cr_expect_geq(cases, 120, "only %d cases", cases);
}

Test(fexpr, rejects_too_long_and_too_deep)
{
    struct fexpr *e = NULL;
    struct errbuf err = {{0}, -1};
    char *s = xmalloc(FEXPR_MAX_LEN + 2);
    memset(s, ' ', FEXPR_MAX_LEN + 1);
    memcpy(s, "ok", 2);
    s[FEXPR_MAX_LEN + 1] = '\0';
    cr_expect_eq(fexpr_compile(s, NULL, NULL, &e, &err), ERR_INVALID);
    cr_expect_str_eq(err.msg, "expression longer than 2000 characters at position 2000");
    s[FEXPR_MAX_LEN] = '\0';
    cr_expect_eq(fexpr_compile(s, NULL, NULL, &e, &err), 0, "%s", err.msg);
    fexpr_free(e);
    e = NULL;

    /* 64 parentheses are fine, 65 are not. */
    for (int depth = FEXPR_MAX_DEPTH; depth <= FEXPR_MAX_DEPTH + 1; depth++) {
        char *p = s;
        for (int i = 0; i < depth; i++) {
            *p++ = '(';
        }
        p += sprintf(p, "ok");
        for (int i = 0; i < depth; i++) {
            *p++ = ')';
        }
        *p = '\0';
        int rc = fexpr_compile(s, NULL, NULL, &e, &err);
        cr_expect_eq(rc, depth > FEXPR_MAX_DEPTH ? ERR_INVALID : 0, "depth %d: %s", depth, err.msg);
        fexpr_free(e);
        e = NULL;
    }
    cr_expect_str_eq(err.msg, "expression nested deeper than 64 levels at position 64");
    cr_expect_eq(err.pos, 64);
    free(s);
}

Test(fexpr, rejects_empty_expressions)
{
    static const char *const empties[] = {"", "   ", "\t\n"};
    for (size_t i = 0; i < ARRAY_LEN(empties); i++) {
        struct fexpr *e = NULL;
        struct errbuf err = {{0}, -1};
        cr_expect_eq(fexpr_compile(empties[i], NULL, NULL, &e, &err), ERR_INVALID);
        cr_expect_str_eq(err.msg, "empty expression at position 0");
        cr_expect_eq(err.pos, 0);
        cr_expect_null(e);
    }
}

Test(fexpr, groups_need_a_resolver)
{
    struct fexpr *e = NULL;
    struct errbuf err = {{0}, -1};
    cr_expect_eq(fexpr_compile("group.name = \"x\"", NULL, NULL, &e, &err), ERR_INVALID);
    cr_expect_str_eq(err.msg, "group.name cannot be used without groups at position 0");
    cr_expect_null(e);
}

Test(fexpr, entity_selectors)
{
    static const struct {
        const char *expr;
        bool selector;
    } cases[] = {
        {"service(\"a\")", true},
        {"service(id(name: \"a\", type: \"AWS::Lambda\"))", true},
        {"edge(\"a\", id(name: \"b\"))", true},
        {"service(\"a\") { fault }", false},
        {"ok", false},
        {"service(\"a\") AND ok", false},
    };
    for (size_t i = 0; i < ARRAY_LEN(cases); i++) {
        struct fexpr *e = NULL;
        struct errbuf err = {{0}, -1};
        cr_assert_eq(fexpr_compile(cases[i].expr, NULL, NULL, &e, &err), 0, "%s", err.msg);
        cr_expect_eq(fexpr_is_entity_selector(e), cases[i].selector, "%s", cases[i].expr);
        fexpr_free(e);
    }
    fexpr_free(NULL);
}

struct worker {
    const struct fexpr *e;
    json_t *views[2]; /* each thread has its own copies: a json_t never crosses threads */
    int hits;
};

static void *evaluate_many(void *arg)
{
    struct worker *w = arg;
    void *blobs[2];
    struct trace_view v[2];
    for (int k = 0; k < 2; k++) {
        size_t len = 0;
        blobs[k] = trace_facts_pack(w->views[k], &len);
        trace_facts_init(&v[k]);
        if (trace_facts_decode(&v[k], blobs[k], len) < 0) {
            return NULL;
        }
    }
    for (int i = 0; i < 2000; i++) {
        w->hits += fexpr_eval(w->e, &v[i % 2]) ? 1 : 0;
    }
    for (int k = 0; k < 2; k++) {
        trace_facts_fini(&v[k]);
        free(blobs[k]);
    }
    return NULL;
}

/* One compiled AST, read by several threads at once (STYLE rule 22). */
Test(fexpr, one_expression_many_threads)
{
    enum { N = 8 };
    struct fexpr *e = NULL;
    struct errbuf err = {{0}, -1};
    json_t *traces = load_traces();
    struct worker w[N];
    pthread_t th[N];
    cr_assert_eq(fexpr_compile("service() { fault } AND rootcause.fault.entity { last } OR "
                               "annotation.age > 29 user = \"alice\"",
                               NULL, NULL, &e, &err),
                 0, "%s", err.msg);
    for (int i = 0; i < N; i++) {
        w[i].e = e;
        w[i].views[0] = json_deep_copy(json_object_get(traces, "t_fault"));
        w[i].views[1] = json_deep_copy(json_object_get(traces, "t_ok"));
        w[i].hits = 0;
        cr_assert_eq(pthread_create(&th[i], NULL, evaluate_many, &w[i]), 0);
    }
    for (int i = 0; i < N; i++) {
        cr_assert_eq(pthread_join(th[i], NULL), 0);
        cr_expect_eq(w[i].hits, 1000);
        json_decref(w[i].views[0]);
        json_decref(w[i].views[1]);
    }
    json_decref(traces);
    fexpr_free(e);
}
