/*
 * test_insights.c - the Logs Insights parser and executor. Most cases are data in
 * tests/cases/insights.txt (format at the top of that file): a set of events and, per query, the
 * exact rows or the exact compile error. The rest check what data cannot say: time formatting,
 * an empty query, a huge input and one compiled query shared by many threads.
 */
#include <criterion/criterion.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "helpers.h"
#include "logs_insights.h"

TestSuite(insights);

#define MAX_EVENTS 64

struct event {
    int64_t ts;
    char stream[64];
    char message[1024];
};

struct runner {
    FILE *f;
    char line[4096];
    int lineno;
    int cases;
    struct event events[MAX_EVENTS];
    size_t nevents;
    char query[4096];
    int query_line;
    struct logs_insights_query *q;
    struct logs_insights_result *res;
    size_t next_row;
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

static int by_time_desc(const void *a, const void *b)
{
    const struct event *x = a, *y = b;
    return x->ts < y->ts ? 1 : x->ts > y->ts ? -1 : 0;
}

static struct logs_insights_result *run(const struct logs_insights_query *q, struct event *events,
                                        size_t n)
{
    struct event sorted[MAX_EVENTS];
    memcpy(sorted, events, n * sizeof(*events));
    qsort(sorted, n, sizeof(*sorted), by_time_desc);
    struct logs_insights_run *run = logs_insights_run_new(q, 0);
    for (size_t i = 0; i < n; i++) {
        char ptr[32];
        snprintf(ptr, sizeof(ptr), "ptr-%zu", i);
        struct logs_insights_event ev = {.ts = sorted[i].ts,
                                         .ingest_ts = sorted[i].ts + 5,
                                         .message = sorted[i].message,
                                         .len = strlen(sorted[i].message),
                                         .stream = sorted[i].stream,
                                         .log = "000000000000:/test",
                                         .ptr = ptr};
        logs_insights_run_add(run, &ev);
    }
    return logs_insights_run_finish(run);
}

/* A row without @ptr as "f=v, f=v". */
static void render(const struct logs_insights_row *row, char *out, size_t n)
{
    size_t used = 0;
    out[0] = '\0';
    for (size_t i = 0; i < row->n; i++) {
        if (strcmp(row->fields[i].field, "@ptr") == 0) {
            continue;
        }
        used += (size_t)snprintf(out + used, used < n ? n - used : 0, "%s%s=%s", used ? ", " : "",
                                 row->fields[i].field, row->fields[i].value);
    }
}

static void start_case(struct runner *r)
{
    struct errbuf err = {{0}, -1};
    int end = -1;
    snprintf(r->query, sizeof(r->query), "%s", r->line);
    r->query_line = r->lineno;
    r->cases++;
    r->next_row = 0;
    if (!next_line(r)) {
        return;
    }
    if (strcmp(r->line, "%%FAIL") == 0) {
        char got[600];
        cr_assert(next_line(r), "line %d: %%%%FAIL needs an error line", r->lineno);
        int rc = logs_insights_compile(r->query, &r->q, &err, &end);
        snprintf(got, sizeof(got), "%s (at %d-%d)", err.msg, err.pos, end);
        cr_expect_eq(rc, ERR_INVALID, "line %d: `%s` compiled but should fail", r->query_line,
                     r->query);
        cr_expect_str_eq(got, r->line, "line %d: `%s`: wrong error `%s`", r->query_line, r->query,
                         got);
        logs_insights_free(r->q);
        r->q = NULL;
        return;
    }
    int rc = logs_insights_compile(r->query, &r->q, &err, &end);
    cr_assert_eq(rc, 0, "line %d: `%s` failed to compile: %s (at %d)", r->query_line, r->query,
                 err.msg, err.pos);
    r->res = run(r->q, r->events, r->nevents);
    do {
        const char *l = r->line;
        if (l[0] == '\0') {
            break;
        }
        if (strncmp(l, "= ", 2) == 0) {
            char got[4096] = "(no row)";
            if (r->next_row < r->res->nrows) {
                render(&r->res->rows[r->next_row], got, sizeof(got));
            }
            cr_expect_str_eq(got, l + 2, "line %d: `%s` row %zu is `%s`", r->lineno, r->query,
                             r->next_row + 1, got);
            r->next_row++;
        } else if (strncmp(l, "%%ROWS ", 7) == 0) {
            cr_expect_eq(r->res->nrows, (size_t)atoi(l + 7), "line %d: `%s`: %zu rows", r->lineno,
                         r->query, r->res->nrows);
        } else if (strncmp(l, "%%STATS ", 8) == 0) {
            double matched = 0, scanned = 0;
            cr_assert_eq(sscanf(l + 8, "%lf %lf", &matched, &scanned), 2, "line %d", r->lineno);
            cr_expect_eq(r->res->records_matched, matched, "line %d: matched %g", r->lineno,
                         r->res->records_matched);
            cr_expect_eq(r->res->records_scanned, scanned, "line %d: scanned %g", r->lineno,
                         r->res->records_scanned);
        } else if (strcmp(l, "%%PTR") == 0) {
            for (size_t i = 0; i < r->res->nrows; i++) {
                const struct logs_insights_row *row = &r->res->rows[i];
                cr_expect(row->n > 0 && strcmp(row->fields[row->n - 1].field, "@ptr") == 0,
                          "line %d: row %zu has no @ptr", r->lineno, i + 1);
            }
        } else {
            cr_assert_fail("line %d: unknown check `%s`", r->lineno, l);
        }
    } while (next_line(r));
    if (r->next_row > 0) {
        cr_expect_eq(r->res->nrows, r->next_row, "line %d: `%s`: %zu rows, %zu expected",
                     r->query_line, r->query, r->res->nrows, r->next_row);
    }
    logs_insights_result_free(r->res);
    r->res = NULL;
    logs_insights_free(r->q);
    r->q = NULL;
}

Test(insights, cases_from_file)
{
    struct runner r = {0};
    r.f = helpers_open_case("insights.txt");
    cr_assert(r.f, "cannot open tests/cases/insights.txt");
    while (next_line(&r)) {
        if (r.line[0] == '#' || r.line[0] == '\0') {
            continue;
        }
        if (strncmp(r.line, "%%EVENT ", 8) == 0) {
            struct event *e = &r.events[r.nevents];
            long long ts = 0;
            int used = 0;
            cr_assert(r.nevents < MAX_EVENTS);
            cr_assert_eq(sscanf(r.line + 8, "%lld %63s %n", &ts, e->stream, &used), 2,
                         "line %d: bad %%%%EVENT", r.lineno);
            e->ts = ts;
            snprintf(e->message, sizeof(e->message), "%s", r.line + 8 + used);
            r.nevents++;
            continue;
        }
        if (strcmp(r.line, "%%RESET") == 0) {
            r.nevents = 0;
            continue;
        }
        start_case(&r);
    }
    fclose(r.f);
    cr_expect_geq(r.cases, 40, "only %d cases ran", r.cases);
}

Test(insights, empty_query_is_malformed)
{
    struct logs_insights_query *q = NULL;
    struct errbuf err = {{0}, -1};
    cr_expect_eq(logs_insights_compile("", &q, &err, NULL), ERR_INVALID);
    cr_expect_eq(logs_insights_compile("  # only a comment\n", &q, &err, NULL), ERR_INVALID);
    cr_expect_null(q);
}

Test(insights, timestamps_render_as_utc_with_milliseconds)
{
    char out[32];
    logs_insights_format_time(1716099035743LL, out);
    cr_expect_str_eq(out, "2024-05-19 06:10:35.743");
    logs_insights_format_time(0, out);
    cr_expect_str_eq(out, "1970-01-01 00:00:00.000");
}

Test(insights, default_row_cap_is_1000_and_limit_overrides_it)
{
    struct logs_insights_query *q = NULL;
    struct errbuf err = {{0}, -1};
    cr_assert_eq(logs_insights_compile("fields @message", &q, &err, NULL), 0);
    struct logs_insights_run *r = logs_insights_run_new(q, 0);
    for (int i = 0; i < 1500; i++) {
        struct logs_insights_event ev = {
            .ts = 1500 - i, .message = "m", .len = 1, .stream = "s", .log = "a:g"};
        logs_insights_run_add(r, &ev);
    }
    struct logs_insights_result *res = logs_insights_run_finish(r);
    cr_expect_eq(res->nrows, 1000);
    cr_expect_eq(res->records_matched, 1500);
    logs_insights_result_free(res);
    r = logs_insights_run_new(q, 5);
    struct logs_insights_event ev = {
        .ts = 1, .message = "m", .len = 1, .stream = "s", .log = "a:g"};
    for (int i = 0; i < 10; i++) {
        logs_insights_run_add(r, &ev);
    }
    res = logs_insights_run_finish(r);
    cr_expect_eq(res->nrows, 5);
    logs_insights_result_free(res);
    logs_insights_free(q);
}

/* Feeds n events "m<i>" (i counting down with the timestamp) into r. */
static void feed(struct logs_insights_run *r, int from, int n)
{
    for (int i = from; i < from + n; i++) {
        char msg[16];
        snprintf(msg, sizeof(msg), "%s%d", i % 2 ? "odd" : "even", i);
        struct logs_insights_event ev = {
            .ts = 100000 - i, .message = msg, .len = strlen(msg), .stream = "s", .log = "a:g"};
        logs_insights_run_add(r, &ev);
    }
}

Test(insights, a_running_query_shows_its_result_so_far)
{
    struct logs_insights_query *rows = NULL, *stats = NULL;
    struct errbuf err = {{0}, -1};
    cr_assert_eq(
        logs_insights_compile("filter @message like /odd/ | fields @message", &rows, &err, NULL), 0,
        "%s", err.msg);
    cr_assert_eq(logs_insights_compile("stats count(*) by bin(1m)", &stats, &err, NULL), 0, "%s",
                 err.msg);
    struct logs_insights_run *r = logs_insights_run_new(rows, 3);
    feed(r, 0, 4);
    struct logs_insights_result *part = logs_insights_run_snapshot(r);
    cr_expect_eq(part->nrows, 2, "odd1 and odd3 so far");
    cr_expect_eq(part->records_scanned, 4);
    cr_expect_eq(part->records_matched, 2);
    cr_expect_str_eq(part->rows[0].fields[0].value, "odd1");
    logs_insights_result_free(part);
    feed(r, 4, 10);
    part = logs_insights_run_snapshot(r);
    cr_expect_eq(part->nrows, 3, "capped at the query's limit like the final result");
    cr_expect_eq(part->records_scanned, 14);
    logs_insights_result_free(part);
    struct logs_insights_result *done = logs_insights_run_finish(r);
    cr_expect_eq(done->nrows, 3);
    cr_expect_eq(done->records_matched, 7);
    logs_insights_result_free(done);

    r = logs_insights_run_new(stats, 0);
    feed(r, 0, 50);
    part = logs_insights_run_snapshot(r);
    cr_expect_eq(part->nrows, 0, "a stats result is not known until every row is in");
    cr_expect_eq(part->records_scanned, 50);
    logs_insights_result_free(part);
    done = logs_insights_run_finish(r);
    cr_expect_gt(done->nrows, 0);
    logs_insights_result_free(done);
    logs_insights_free(rows);
    logs_insights_free(stats);
}

Test(insights, discovered_fields_keep_an_extra_at_and_dotted_paths)
{
    struct logs_insights_event ev = {.ts = 1000,
                                     .ingest_ts = 2000,
                                     .message = "{\"@odd\":1,\"a\":{\"b\":\"c\"}}",
                                     .stream = "s",
                                     .log = "1:g"};
    ev.len = strlen(ev.message);
    struct logs_insights_query *q = NULL;
    struct errbuf err = {{0}, -1};
    cr_assert_eq(logs_insights_compile("fields @@odd, a.b, @ingestionTime", &q, &err, NULL), 0);
    struct logs_insights_run *r = logs_insights_run_new(q, 0);
    logs_insights_run_add(r, &ev);
    struct logs_insights_result *res = logs_insights_run_finish(r);
    cr_assert_eq(res->nrows, 1);
    cr_expect_str_eq(res->rows[0].fields[0].field, "@@odd");
    cr_expect_str_eq(res->rows[0].fields[1].value, "c");
    cr_expect_str_eq(res->rows[0].fields[2].value, "1970-01-01 00:00:02.000");
    logs_insights_result_free(res);
    logs_insights_free(q);
}

struct shared {
    const struct logs_insights_query *q;
    int ok;
};

static void *thread_main(void *arg)
{
    struct shared *s = arg;
    int ok = 0;
    for (int round = 0; round < 200; round++) {
        struct logs_insights_run *r = logs_insights_run_new(s->q, 0);
        for (int i = 0; i < 20; i++) {
            char msg[64];
            snprintf(msg, sizeof(msg), "{\"k\":\"%c\",\"v\":%d}", 'a' + i % 3, i);
            struct logs_insights_event ev = {
                .ts = 100 - i, .message = msg, .len = strlen(msg), .stream = "s", .log = "a:g"};
            logs_insights_run_add(r, &ev);
        }
        struct logs_insights_result *res = logs_insights_run_finish(r);
        ok += res->nrows == 3 && strcmp(res->rows[0].fields[1].value, "7") == 0;
        logs_insights_result_free(res);
    }
    s->ok = ok;
    return NULL;
}

Test(insights, one_compiled_query_serves_many_threads)
{
    struct logs_insights_query *q = NULL;
    struct errbuf err = {{0}, -1};
    cr_assert_eq(
        logs_insights_compile("filter v >= 0 | stats count(*) as n by k | sort k", &q, &err, NULL),
        0);
    pthread_t th[4];
    struct shared s[4];
    for (int i = 0; i < 4; i++) {
        s[i] = (struct shared){q, 0};
        pthread_create(&th[i], NULL, thread_main, &s[i]);
    }
    for (int i = 0; i < 4; i++) {
        pthread_join(th[i], NULL);
        cr_expect_eq(s[i].ok, 200, "thread %d: %d good runs", i, s[i].ok);
    }
    logs_insights_free(q);
}
