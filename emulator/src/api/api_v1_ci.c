/*
 * api_v1_ci.c - the CI half of fluoro's /api/v1 (docs/api.md): POST assert, POST load, GET export,
 * and the ?normalize= hook of GET traces/{id}. HTTP pool threads only; each reads through its
 * thread's read-only store, and writes (fixture loads) go through the writer.
 *
 * An assertion with within_ms re-checks after every commit rather than polling: it takes the
 * writer's generation before reading and parks its connection (http.h) with it, so a commit that
 * lands while it reads resumes it at once. No thread waits in between.
 */
#include "api_v1_ci.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api_v1.h"
#include "assertion.h"
#include "aws.h"
#include "config.h"
#include "fexpr.h"
#include "fixture.h"
#include "fpattern.h"
#include "logs_db.h"
#include "normalize.h"
#include "routes.h"
#include "store.h"
#include "trace_facts.h"
#include "writer.h"
#include "xray_db.h"
#include "xray_query.h"

/* Trace ids listed in a 200 answer, and candidates named in a 422 reason. */
#define LIST_IDS 20
#define LIST_CANDIDATES 3
/* Longest park between re-checks even without commits (the clock moves time windows). */
#define WAIT_SLICE_MS 1000

/* What a parked assertion keeps between its checks. */
struct assert_progress {
    uint64_t start;
    int attempts;
};

/* ---- normalize hook ---- */

static bool normalize_mode(struct http_request *req, enum normalize_mode *mode)
{
    const char *v = http_query(req, "normalize");
    if (!v || !*v || strcmp(v, "0") == 0 || strcmp(v, "false") == 0) {
        return false;
    }
    *mode = strcmp(v, "structure") == 0 ? NORMALIZE_STRUCTURE : NORMALIZE_TIMES;
    return true;
}

void api_ci_normalize(struct http_request *req, json_t *trace)
{
    enum normalize_mode mode;
    if (normalize_mode(req, &mode)) {
        normalize_trace(trace, mode);
    }
}

/* ---- assert ---- */

/* One evaluation of a spec against the current snapshot. */
struct verdict {
    bool ok;
    struct buf reason; /* why not, when !ok */
    json_t *body;      /* what matched (new) */
};

static void verdict_fini(struct verdict *v)
{
    buf_fini(&v->reason);
    json_decref(v->body);
}

static void window_text(const struct assertion_spec *s, char *out, size_t n)
{
    double now = now_epoch();
    if (s->since > 0 && s->until > 0) {
        snprintf(out, n, " between %.0fs and %.0fs ago", now - s->since, now - s->until);
    } else if (s->since > 0) {
        snprintf(out, n, " in the last %.0fs", now - s->since);
    } else {
        out[0] = '\0';
    }
}

/* "1-abc (orders-api/prod, 201, 0.206s)" for a trace view (trace.h JSON shape). */
static void describe_trace(const json_t *d, char *out, size_t n)
{
    const json_t *root = json_object_get(d, "root");
    const char *name = json_string_value(json_object_get(root, "name"));
    json_t *status = json_object_get(json_object_get(root, "http"), "status");
    char st[32] = "";
    if (json_is_integer(status)) {
        snprintf(st, sizeof(st), ", %lld", (long long)json_integer_value(status));
    }
    const char *flag = json_is_true(json_object_get(root, "fault"))      ? ", fault"
                       : json_is_true(json_object_get(root, "error"))    ? ", error"
                       : json_is_true(json_object_get(root, "throttle")) ? ", throttle"
                                                                         : "";
    snprintf(out, n, "%s (%s%s%s, %.3fs)", json_string_value(json_object_get(d, "trace_id")),
             name ? name : "no root yet", st, flag,
             json_number_value(json_object_get(d, "duration")));
}

static int reason_printf(struct verdict *v, const char *fmt, ...) PRINTF_LIKE(2, 3);
static int reason_printf(struct verdict *v, const char *fmt, ...)
{
    char line[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(line, sizeof(line), fmt, ap);
    va_end(ap);
    return buf_puts(&v->reason, line);
}

static const char *filter_text(const struct assertion_spec *s)
{
    return s->filter[0] ? s->filter : "(every trace)";
}

/* The most recent traces in the window regardless of the filter: what the filter missed. */
static void recent_traces(struct store *ro, const struct assertion_spec *s, double until,
                          struct verdict *v)
{
    struct xray_query q = {.start = s->since, .end = until, .by_event = true, .limit = 3};
    struct xray_query_page page;
    if (xray_query_run(ro, &q, &page) < 0) {
        return;
    }
    size_t i;
    json_t *d;
    if (json_array_size(page.matches) == 0) {
        (void)reason_printf(v, "; there are no traces at all in that window");
    }
    json_array_foreach(page.matches, i, d)
    {
        char line[256];
        describe_trace(d, line, sizeof(line));
        (void)reason_printf(v, "%s%s", i ? ", " : "; the most recent traces are ", line);
    }
    json_decref(page.matches);
}

/* The tree expectation over the matched traces. */
static bool check_tree(struct store *ro, const struct assertion_spec *s, const json_t *matches,
                       struct verdict *v)
{
    struct cand {
        int distance;
        size_t idx;
        char text[512];
    } best[LIST_CANDIDATES];
    size_t nbest = 0, held = 0, failed = 0, n = json_array_size(matches);
    json_t *where = json_array();
    for (size_t i = 0; i < n; i++) {
        const json_t *d = json_array_get(matches, i);
        const char *id = json_string_value(json_object_get(d, "trace_id"));
        json_t *detail = id ? api_v1_trace_detail(ro, id) : NULL;
        struct assertion_tree *t = assertion_tree_new(json_object_get(detail, "segments"));
        struct assertion_miss miss = {0};
        bool ok = assertion_tree_match(s->tree, t, &miss);
        assertion_tree_free(t);
        json_decref(detail);
        if (ok) {
            held++;
            if (json_array_size(where) < LIST_IDS) {
                json_array_append_new(where,
                                      json_pack("{s:s, s:s}", "trace_id", id, "at", miss.text));
            }
            if (s->any) {
                break;
            }
            continue;
        }
        failed++;
        /* Keep the closest few, nearest first. */
        size_t pos = nbest;
        while (pos > 0 && best[pos - 1].distance > miss.distance) {
            pos--;
        }
        if (pos < LIST_CANDIDATES) {
            size_t last = nbest < LIST_CANDIDATES ? nbest : LIST_CANDIDATES - 1;
            memmove(&best[pos + 1], &best[pos], (last - pos) * sizeof(best[0]));
            best[pos].distance = miss.distance;
            best[pos].idx = i;
            snprintf(best[pos].text, sizeof(best[pos].text), "%s", miss.text);
            nbest = nbest < LIST_CANDIDATES ? nbest + 1 : nbest;
        }
    }
    json_object_set_new(v->body, "tree",
                        json_pack("{s:s, s:I, s:o}", "mode", s->any ? "any" : "every", "matched",
                                  (json_int_t)held, "at", where));
    bool ok = s->any ? held > 0 : failed == 0;
    if (ok) {
        return true;
    }
    char *want = json_dumps(s->tree, JSON_COMPACT);
    if (want && strlen(want) > 160) {
        strcpy(want + 157, "...");
    }
    if (s->any) {
        (void)reason_printf(v,
                            "none of the %zu trace%s matching filter \"%s\" contains the tree %s",
                            n, n == 1 ? "" : "s", filter_text(s), want);
    } else {
        (void)reason_printf(v,
                            "%zu of the %zu trace%s matching filter \"%s\" do%s not contain the "
                            "tree %s",
                            failed, n, n == 1 ? "" : "s", filter_text(s), failed == 1 ? "es" : "",
                            want);
    }
    free(want);
    for (size_t i = 0; i < nbest; i++) {
        char line[256];
        describe_trace(json_array_get(matches, best[i].idx), line, sizeof(line));
        /* The first candidate's difference in full; the others' briefly (api_err caps text). */
        (void)reason_printf(v, "\n  %s %s: %.*s", i ? "next closest" : "closest trace", line,
                            i ? 120 : 512, best[i].text);
    }
    return false;
}

struct log_count {
    const struct assertion_logs *l;
    const json_t *trace_ids; /* set of matching traces, when correlated */
    int64_t matched;
    json_t *sample; /* the first few matching messages */
};

static bool count_log(void *arg, const struct logs_db_row *row)
{
    struct log_count *c = arg;
    if (c->l->correlated && (!row->trace_id || !json_object_get(c->trace_ids, row->trace_id))) {
        return true;
    }
    if (!fpattern_match(c->l->match, row->message, row->len)) {
        return true;
    }
    c->matched++;
    if (json_array_size(c->sample) < 3) {
        json_array_append_new(c->sample, json_stringn(row->message, row->len));
    }
    /* Past the upper bound (or far past the lower one) the exact count no longer matters. */
    return c->l->max < 0 ? c->matched <= c->l->min + 1000 : c->matched <= c->l->max;
}

static bool check_logs(struct store *ro, const struct assertion_spec *s, const json_t *matches,
                       struct verdict *v)
{
    bool all = true;
    json_t *ids = json_object(), *out = json_array();
    size_t i;
    json_t *d;
    json_array_foreach(matches, i, d)
    {
        const char *id = json_string_value(json_object_get(d, "trace_id"));
        if (id) {
            json_object_set_new(ids, id, json_true());
        }
    }
    for (size_t k = 0; k < s->nlogs; k++) {
        const struct assertion_logs *l = &s->logs[k];
        struct log_count c = {.l = l, .trace_ids = ids, .sample = json_array()};
        int64_t gid = 0;
        char *streams = NULL;
        bool group_found = logs_db_group_find(ro, l->group, &gid, NULL) == 0;
        if (group_found) {
            if (l->stream) {
                json_t *names = json_pack("[s]", l->stream);
                char *text = json_dumps(names, JSON_COMPACT);
                streams = logs_db_stream_ids(ro, gid, text, NULL);
                free(text);
                json_decref(names);
            }
            struct logs_db_scan q = {.gid = gid,
                                     .start = s->since > 0 ? (int64_t)(s->since * 1000) : 0,
                                     .end = s->until > 0 ? (int64_t)(s->until * 1000) : INT64_MAX,
                                     .cur_ts = INT64_MIN,
                                     .cur_id = INT64_MIN,
                                     .stream_ids = streams,
                                     .terms = fpattern_required_terms(l->match)};
            if (logs_db_scan(ro, &q, count_log, &c) < 0) {
                c.matched = 0;
            }
        }
        /* A missing group is a failure of its own, not "0 events": a typo in the group name
         * must not let "--logs-max 0" pass. allow_missing accepts it. */
        bool range_ok = assertion_range_holds(l->min, l->max, c.matched);
        bool ok = range_ok && (group_found || l->allow_missing);
        char range[64];
        assertion_range_text(l->min, l->max, range, sizeof(range));
        json_t *row = json_pack("{s:s, s:s, s:I, s:s, s:b, s:b, s:o}", "group", l->group, "pattern",
                                l->pattern, "matched", (json_int_t)c.matched, "expected", range,
                                "ok", ok, "group_exists", group_found, "sample", c.sample);
        if (l->stream) {
            json_object_set_new(row, "stream", json_string(l->stream));
        }
        json_array_append_new(out, row);
        if (range_ok && !ok) {
            all = false;
            (void)reason_printf(v,
                                "%slog group \"%s\" does not exist (allow_missing, or "
                                "--allow-missing on the command line, accepts that)",
                                v->reason.len ? "\n" : "", l->group);
        } else if (!ok) {
            all = false;
            (void)reason_printf(
                v,
                "%sexpected %s log event%s in group \"%s\"%s%s%s matching pattern \"%s\"%s, found "
                "%s%lld%s",
                v->reason.len ? "\n" : "", range, l->min == 1 && l->max < 0 ? "" : "s", l->group,
                l->stream ? " stream \"" : "", l->stream ? l->stream : "", l->stream ? "\"" : "",
                l->pattern, l->correlated ? " correlated with the matching traces" : "",
                c.matched > l->max && l->max >= 0 ? "more than " : "",
                (long long)(c.matched > l->max && l->max >= 0 ? l->max : c.matched),
                group_found ? "" : " (the group does not exist)");
        }
        free(streams);
    }
    json_object_set_new(v->body, "logs", out);
    json_decref(ids);
    return all;
}

static int evaluate(struct store *ro, const struct assertion_spec *s, const struct fexpr *filter,
                    struct verdict *v)
{
    double until = s->until > 0 ? s->until : now_epoch() + 86400;
    struct xray_query q = {.start = s->since,
                           .end = until,
                           .by_event = true,
                           .filter = filter,
                           .limit = ASSERTION_MAX_TRACES + 1};
    struct xray_query_page page;
    if (xray_query_run(ro, &q, &page) < 0) {
        return ERR_INTERNAL;
    }
    json_t *matches = page.matches;
    int64_t n = (int64_t)json_array_size(matches);
    bool more = n > ASSERTION_MAX_TRACES;
    char range[64], window[96];
    assertion_range_text(s->min, s->max, range, sizeof(range));
    window_text(s, window, sizeof(window));
    json_t *ids = json_array();
    for (size_t i = 0; i < json_array_size(matches) && i < LIST_IDS; i++) {
        json_array_append(ids, json_object_get(json_array_get(matches, i), "trace_id"));
    }
    v->body = json_pack("{s:s, s:{s:I, s:s, s:b, s:o}}", "filter", s->filter, "traces", "matched",
                        (json_int_t)n, "expected", range, "more", more, "ids", ids);
    v->ok = assertion_range_holds(s->min, s->max, n);
    if (!v->ok) {
        (void)reason_printf(v, "expected %s trace%s matching filter \"%s\"%s, found %s%lld", range,
                            s->min == 1 && s->max < 0 ? "" : "s", filter_text(s), window,
                            more ? "more than " : "", (long long)(more ? n - 1 : n));
        if (n == 0 && s->filter[0]) {
            recent_traces(ro, s, until, v);
        } else if (n > 0) {
            for (size_t i = 0; i < json_array_size(matches) && i < LIST_CANDIDATES; i++) {
                char line[256];
                describe_trace(json_array_get(matches, i), line, sizeof(line));
                (void)reason_printf(v, "%s%s", i ? ", " : "; the most recent are ", line);
            }
        }
    }
    if (v->ok && s->tree && n > 0) {
        v->ok = check_tree(ro, s, matches, v);
    }
    if (v->ok && s->nlogs) {
        v->ok = check_logs(ro, s, matches, v);
    }
    json_decref(matches);
    return 0;
}

void api_assert(struct http_request *req, struct http_reply *rep)
{
    struct errbuf err = {{0}, -1};
    const char *code = "InvalidSpec";
    struct assertion_spec *spec = NULL;
    struct fexpr *filter = NULL;
    struct verdict v = {0};
    struct store *ro = NULL;
    json_t *body = aws_parse_body(req, &err);
    if (!body) {
        api_err(rep, 400, "InvalidSpec", err.pos, "%s", err.msg);
        goto out;
    }
    if (assertion_spec_parse(body, &spec, &code, &err) < 0) {
        api_err(rep, 400, code, err.pos, "%s", err.msg);
        goto out;
    }
    ro = store_thread_ro();
    if (!ro) {
        api_err(rep, 500, "Internal", -1, "the database is not available");
        goto out;
    }
    if (spec->filter[0] && xray_query_compile(ro, spec->filter, &filter, &err) < 0) {
        api_err(rep, 400, "InvalidFilterExpression", err.pos, "filter: %s", err.msg);
        goto out;
    }
    struct assert_progress *pr = http_saved(req);
    if (!pr) {
        pr = xcalloc(1, sizeof(*pr));
        pr->start = now_mono_ms();
        http_save(req, pr, free);
    }
    uint64_t start = pr->start;
    uint64_t gen = writer_generation(req->app->writer);
    buf_init(&v.reason, 0);
    int attempts = ++pr->attempts;
    if (evaluate(ro, spec, filter, &v) < 0) {
        api_err(rep, 500, "Internal", -1, "the trace query failed");
        goto out;
    }
    uint64_t now = now_mono_ms();
    if (!v.ok && now - start < (uint64_t)spec->within_ms && !req->app->stopping) {
        uint64_t deadline = start + (uint64_t)spec->within_ms;
        http_park(rep, gen, deadline < now + WAIT_SLICE_MS ? deadline : now + WAIT_SLICE_MS);
        goto out;
    }
    uint64_t waited = now_mono_ms() - start;
    if (!v.ok) {
        if (spec->within_ms) {
            (void)reason_printf(&v, "\n(checked %d time%s over %llu ms)", attempts,
                                attempts == 1 ? "" : "s", (unsigned long long)waited);
        }
        api_err(rep, 422, "AssertionFailed", -1, "%s", v.reason.data ? v.reason.data : "failed");
        goto out;
    }
    json_object_set_new(v.body, "ok", json_true());
    json_object_set_new(v.body, "attempts", json_integer(attempts));
    json_object_set_new(v.body, "waited_ms", json_integer((json_int_t)waited));
    http_reply_json(rep, 200, v.body);
    v.body = NULL;
out:
    verdict_fini(&v);
    fexpr_free(filter);
    assertion_spec_free(spec);
    json_decref(body);
}

/* ---- load ---- */

void api_load(struct http_request *req, struct http_reply *rep)
{
    const char *shift = http_query(req, "shift");
    bool to_now = shift && (strcmp(shift, "1") == 0 || strcmp(shift, "true") == 0);
    struct fixture_result res = {0};
    int rc = fixture_load(req->app, req->body, req->body_len, to_now, &res);
    if (rc == ERR_INVALID) {
        api_err(rep, 400, "InvalidFixture", -1, "line %d: %s", res.line, res.msg);
        return;
    }
    if (rc < 0) {
        api_err(rep, 500, "Internal", -1, "the fixture could not be stored");
        return;
    }
    http_reply_json(rep, 200,
                    json_pack("{s:I, s:I, s:b}", "segments", (json_int_t)res.segments, "log_events",
                              (json_int_t)res.log_events, "shifted", to_now));
}

/* ---- export ---- */

struct export_scan {
    json_t *ids;
};

static void export_add(void *arg, const struct trace_view *v)
{
    struct export_scan *e = arg;
    if (v->trace_id.type == TF_STR) {
        json_array_append_new(e->ids, json_string(v->trace_id.s));
    }
}

/* A time argument: epoch seconds or a duration back from now; absent leaves *out alone. */
static bool query_when(struct http_request *req, const char *name, double *out)
{
    const char *v = http_query(req, name);
    return !v || !*v || config_parse_when(v, out) == 0;
}

void api_export(struct http_request *req, struct http_reply *rep)
{
    struct store *ro = store_thread_ro();
    struct fexpr *filter = NULL;
    struct export_scan e = {.ids = json_array()};
    struct errbuf err = {{0}, -1};
    struct buf out;
    enum normalize_mode mode;
    bool normalize = normalize_mode(req, &mode);
    const char *expr = http_query(req, "filter");
    double since = 0, until = now_epoch() + 86400;
    buf_init(&out, 0);
    if (!ro) {
        api_err(rep, 500, "Internal", -1, "the database is not available");
        goto out;
    }
    if (!query_when(req, "since", &since) || !query_when(req, "until", &until)) {
        api_err(rep, 400, "InvalidParameter", -1,
                "since and until must be epoch seconds or a duration back from now (\"15m\")");
        goto out;
    }
    if (expr && *expr && xray_query_compile(ro, expr, &filter, &err) < 0) {
        api_err(rep, 400, "InvalidFilterExpression", err.pos, "%s", err.msg);
        goto out;
    }
    if (xray_query_each(ro, since, until, filter, export_add, &e, NULL) < 0) {
        api_err(rep, 500, "Internal", -1, "the trace query failed");
        goto out;
    }
    /* Oldest first, so an export replays in the order the traces happened. */
    for (size_t i = json_array_size(e.ids); i > 0; i--) {
        json_t *t = api_v1_trace_detail(ro, json_string_value(json_array_get(e.ids, i - 1)));
        if (!t) {
            continue; /* expired between the scan and the read */
        }
        if (normalize) {
            normalize_trace(t, mode);
        }
        char *line = json_dumps(t, JSON_COMPACT | JSON_REAL_PRECISION(17));
        json_decref(t);
        if (!line || buf_puts(&out, line) < 0 || buf_puts(&out, "\n") < 0) {
            free(line);
            api_err(rep, 500, "Internal", -1, "the export could not be encoded");
            goto out;
        }
        free(line);
    }
    size_t len = 0;
    char *text = buf_steal(&out, &len);
    http_reply_text(rep, 200, "application/x-ndjson", text ? text : xstrdup(""), len);
out:
    buf_fini(&out);
    fexpr_free(filter);
    json_decref(e.ids);
}
