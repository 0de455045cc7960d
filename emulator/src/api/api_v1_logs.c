/*
 * api_v1_logs.c - fluoro's /api/v1 over CloudWatch Logs data (DESIGN.md §7): groups, streams,
 * events with a filter pattern, a trace's logs, and live tail as server-sent events.
 *
 * Threads: HTTP pool threads, each reading through its own read-only store. The live tail
 * callback never waits: with nothing to send it parks its connection (http.h) until the next
 * commit or ping, and shutdown resumes it to end the stream.
 *
 * Invariants: event times are epoch milliseconds in `timestamp`; since/until are epoch seconds
 * or a duration back from now ("15m"), like the other /api/v1 reads. A tail follows insertion
 * order (event ids), so an event with an old timestamp still shows up live.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api_v1.h"
#include "api_v1_logs.h"
#include "app.h"
#include "aws.h"
#include "config.h"
#include "fpattern.h"
#include "logs_db.h"
#include "metrics.h"
#include "routes.h"

enum {
    DEFAULT_LIMIT = 100,
    MAX_LIMIT = 10000,
    PING_MS = 15000,  /* keep-alive comment after this much silence */
    TAIL_BATCH = 200, /* events read per tail poll */
    MAX_TAIL_EVENTS = 100000,
};

static struct store *reader(struct http_reply *rep)
{
    struct store *ro = store_thread_ro();
    if (!ro) {
        api_err(rep, 500, "Internal", -1, "the database is not available");
    }
    return ro;
}

/* Epoch seconds, or a duration back from now; ms out. false after replying 400. */
static bool query_ms(struct http_request *req, struct http_reply *rep, const char *name,
                     int64_t dflt, int64_t *out)
{
    const char *v = http_query(req, name);
    double t = 0;
    *out = dflt;
    if (!v || !*v) {
        return true;
    }
    if (!api_v1_query_time(req, rep, name, 0, &t)) {
        return false;
    }
    *out = (int64_t)(t * 1000.0);
    return true;
}

static json_t *event_json(const struct logs_db_row *row)
{
    json_t *e = json_object();
    json_object_set_new(e, "id", json_sprintf("%019" PRId64 "%037" PRId64, row->ts, row->id));
    json_object_set_new(e, "timestamp", json_integer(row->ts));
    json_object_set_new(e, "ingestion_time", json_integer(row->ingest_ts));
    json_object_set_new(e, "group", json_string(row->group));
    json_object_set_new(e, "stream", json_string(row->stream));
    json_object_set_new(e, "message", json_stringn(row->message, row->len));
    if (row->trace_id) {
        json_object_set_new(e, "trace_id", json_string(row->trace_id));
    }
    return e;
}

/* Sets key to an optional integer when it has a value. */
static void set_opt(json_t *o, const char *key, struct logs_db_opt v)
{
    if (v.set) {
        json_object_set_new(o, key, json_integer(v.v));
    }
}

void api_logs_groups(struct http_request *req, struct http_reply *rep)
{
    (void)req;
    struct store *ro = reader(rep);
    if (ro) {
        struct logs_db_group_row *rows = NULL;
        size_t n = 0;
        if (logs_db_group_summaries(ro, &rows, &n) < 0) {
            n = 0; /* logged by the store; listed as none */
        }
        json_t *groups = json_array();
        for (size_t i = 0; i < n; i++) {
            json_t *g = json_object();
            json_object_set_new(g, "name", json_string(rows[i].name));
            json_object_set_new(g, "created_at", json_integer(rows[i].created));
            set_opt(g, "retention_days", rows[i].retention_days);
            json_object_set_new(g, "stored_bytes", json_integer(rows[i].stored_bytes));
            json_object_set_new(g, "streams", json_integer(rows[i].streams));
            set_opt(g, "last_event_time", rows[i].last_event);
            json_array_append_new(groups, g);
        }
        logs_db_group_rows_free(rows, n);
        http_reply_json(rep, 200, json_pack("{s:o}", "groups", groups));
    }
}

/* The ?group= argument's id; false after replying. */
static bool group_arg(struct http_request *req, struct http_reply *rep, struct store *ro,
                      bool required, int64_t *gid)
{
    const char *group = http_query(req, "group");
    *gid = -1;
    if (!group || !*group) {
        if (required) {
            api_err(rep, 400, "InvalidParameter", -1, "group is required");
        }
        return !required;
    }
    if (logs_db_group_find(ro, group, gid, NULL) < 0) {
        api_err(rep, 404, "LogGroupNotFound", -1, "no log group %s", group);
        return false;
    }
    return true;
}

void api_logs_streams(struct http_request *req, struct http_reply *rep)
{
    struct store *ro = reader(rep);
    int64_t gid = 0;
    if (ro && group_arg(req, rep, ro, true, &gid)) {
        struct logs_db_stream_row *rows = NULL;
        size_t n = 0;
        if (logs_db_stream_summaries(ro, gid, &rows, &n) < 0) {
            n = 0; /* logged by the store; listed as none */
        }
        json_t *streams = json_array();
        for (size_t i = 0; i < n; i++) {
            json_t *o = json_object();
            json_object_set_new(o, "name", json_string(rows[i].name));
            json_object_set_new(o, "created_at", json_integer(rows[i].created));
            set_opt(o, "first_event_time", rows[i].first_event);
            set_opt(o, "last_event_time", rows[i].last_event);
            set_opt(o, "last_ingestion_time", rows[i].last_ingest);
            json_object_set_new(o, "stored_bytes", json_integer(rows[i].stored_bytes));
            json_array_append_new(streams, o);
        }
        logs_db_stream_rows_free(rows, n);
        http_reply_json(rep, 200, json_pack("{s:o}", "streams", streams));
    }
}

/* What /api/v1/logs/events selects, shared by the one-shot read and the tail. */
struct selection {
    int64_t gid;
    char *stream_ids; /* JSON array text, or NULL */
    const char *stream;
    const char *trace_id;
    struct fpattern *pattern;
    int64_t since, until;
};

static void selection_fini(struct selection *s)
{
    free(s->stream_ids);
    fpattern_free(s->pattern);
}

static bool selection_init(struct http_request *req, struct http_reply *rep, struct store *ro,
                           struct selection *s)
{
    const char *pattern = http_query(req, "pattern");
    struct errbuf err = {{0}, -1};
    memset(s, 0, sizeof(*s));
    if (!group_arg(req, rep, ro, false, &s->gid) || !query_ms(req, rep, "since", 0, &s->since) ||
        !query_ms(req, rep, "until", INT64_MAX, &s->until)) {
        return false;
    }
    s->stream = http_query(req, "stream");
    s->trace_id = http_query(req, "trace_id");
    if (s->stream && !*s->stream) {
        s->stream = NULL;
    }
    if (s->trace_id && !*s->trace_id) {
        s->trace_id = NULL;
    }
    if (s->stream && s->gid >= 0) {
        json_t *names = json_pack("[s]", s->stream);
        char *text = json_dumps(names, JSON_COMPACT);
        s->stream_ids = logs_db_stream_ids(ro, s->gid, text, NULL);
        free(text);
        json_decref(names);
    }
    if (pattern && *pattern && fpattern_compile(pattern, &s->pattern, &err) < 0) {
        api_err(rep, 400, "InvalidPattern", err.pos, "%s", err.msg);
        return false;
    }
    return true;
}

static bool selected(const struct selection *s, const struct logs_db_row *row)
{
    return (!s->stream || strcmp(s->stream, row->stream) == 0) &&
           (!s->trace_id || (row->trace_id && strcmp(s->trace_id, row->trace_id) == 0)) &&
           row->ts >= s->since && row->ts <= s->until &&
           (!s->pattern || fpattern_match(s->pattern, row->message, row->len));
}

struct gather {
    const struct selection *sel;
    json_t *events;
    int64_t limit, n;
    uint64_t deadline_ms; /* monotonic; 0 = none */
    bool timed_out;       /* stopped by --scan-deadline: older events may match too */
};

static bool gather_row(void *arg, const struct logs_db_row *row)
{
    struct gather *g = arg;
    bool more = true;
    if (selected(g->sel, row)) {
        json_array_append_new(g->events, event_json(row));
        more = ++g->n < g->limit;
    }
    if (more && g->deadline_ms && now_mono_ms() >= g->deadline_ms) {
        g->timed_out = true;
        METRIC_INC(log_scans_deadline);
        return false;
    }
    return more;
}

/* Live tail state: the selection, the last event id sent, and bytes not yet written. */
struct tail {
    struct app *app;
    struct selection sel;
    int64_t last_id;
    uint64_t generation;
    uint64_t last_sent_ms;
    char *pending;
    size_t pending_len, pending_off;
    bool greeted;
    bool more; /* the last poll read a full batch: read again before waiting */
};

static void tail_free(void *ctx)
{
    struct tail *t = ctx;
    if (t) {
        selection_fini(&t->sel);
        free(t->pending);
        free(t);
    }
}

struct tail_read {
    struct tail *t;
    json_t *events;
    uint64_t deadline_ms; /* monotonic; 0 = none */
};

static bool tail_row(void *arg, const struct logs_db_row *row)
{
    struct tail_read *r = arg;
    r->t->last_id = row->id;
    if (selected(&r->t->sel, row)) {
        json_array_append_new(r->events, event_json(row));
    }
    /* A poll that runs out of --scan-deadline sends what it has; t->more reads on at once. */
    return !r->deadline_ms || now_mono_ms() < r->deadline_ms;
}

/* Reads events committed since the last poll into t->pending as one SSE frame. */
static void tail_poll(struct tail *t)
{
    struct store *ro = store_thread_ro();
    int64_t budget = t->app->cfg->scan_deadline_ms;
    struct tail_read r = {t, json_array(), budget > 0 ? now_mono_ms() + (uint64_t)budget : 0};
    int64_t before = t->last_id;
    int rc = ro ? logs_db_scan_new(ro, t->sel.gid, t->last_id, TAIL_BATCH, tail_row, &r) : -1;
    t->more = rc == 0 && t->last_id != before;
    if (rc == 0 && json_array_size(r.events) > 0) {
        json_t *data = json_pack("{s:o}", "events", r.events);
        r.events = NULL;
        char *text = json_dumps(data, JSON_COMPACT);
        json_decref(data);
        t->pending = xasprintf("event: events\ndata: %s\n\n", text);
        t->pending_len = strlen(t->pending);
        t->pending_off = 0;
        free(text);
    }
    json_decref(r.events);
}

static long tail_next(void *ctx, char *out, size_t max, struct http_wake *wake)
{
    struct tail *t = ctx;
    if (!t->greeted) {
        t->greeted = true;
        t->last_sent_ms = now_mono_ms();
        static const char hello[] = "retry: 2000\nevent: hello\ndata: {}\n\n";
        memcpy(out, hello, sizeof(hello) - 1);
        return (long)(sizeof(hello) - 1);
    }
    for (;;) {
        if (t->pending) {
            size_t n = t->pending_len - t->pending_off;
            n = n < max ? n : max;
            memcpy(out, t->pending + t->pending_off, n);
            t->pending_off += n;
            if (t->pending_off == t->pending_len) {
                free(t->pending);
                t->pending = NULL;
            }
            t->last_sent_ms = now_mono_ms();
            return (long)n;
        }
        if (t->app->stopping) {
            return -1;
        }
        if (t->more) {
            tail_poll(t);
            continue;
        }
        unsigned bits = 0;
        t->generation = writer_wait_change(t->app->writer, t->generation, 0, &bits);
        if (bits & WRITER_CHANGED_LOGS) {
            tail_poll(t);
            if (t->pending || t->more) {
                continue;
            }
        }
        uint64_t now = now_mono_ms();
        if (now - t->last_sent_ms >= PING_MS) {
            static const char ping[] = ": ping\n\n";
            t->last_sent_ms = now;
            memcpy(out, ping, sizeof(ping) - 1);
            return (long)(sizeof(ping) - 1);
        }
        wake->generation = t->generation;
        wake->deadline_ms = t->last_sent_ms + PING_MS;
        return 0;
    }
}

static void start_tail(struct http_request *req, struct http_reply *rep, struct store *ro,
                       struct selection *sel)
{
    struct tail *t = xcalloc(1, sizeof(*t));
    t->app = req->app;
    t->sel = *sel;
    memset(sel, 0, sizeof(*sel));
    t->generation = writer_generation(req->app->writer);
    t->last_id = logs_db_last_event_id(ro);
    http_reply_sse(rep, tail_next, t, tail_free);
}

void api_logs_events(struct http_request *req, struct http_reply *rep)
{
    struct store *ro = reader(rep);
    struct selection sel = {0};
    struct gather g = {.sel = &sel, .events = json_array(), .limit = DEFAULT_LIMIT};
    const char *limit = http_query(req, "limit");
    const char *follow = http_query(req, "follow");
    if (!ro || !selection_init(req, rep, ro, &sel)) {
        goto out;
    }
    if (follow && strcmp(follow, "1") == 0) {
        start_tail(req, rep, ro, &sel);
        goto out;
    }
    if (limit && *limit) {
        char *end = NULL;
        long long n = strtoll(limit, &end, 10);
        if (*end || n < 1 || n > MAX_LIMIT) {
            api_err(rep, 400, "InvalidParameter", -1, "limit must be 1..%d", MAX_LIMIT);
            goto out;
        }
        g.limit = n;
    }
    int64_t budget = req->app->cfg->scan_deadline_ms;
    g.deadline_ms = budget > 0 ? now_mono_ms() + (uint64_t)budget : 0;
    int rc = 0;
    if (sel.trace_id && sel.gid < 0) {
        g.limit = g.limit < MAX_TAIL_EVENTS ? g.limit : MAX_TAIL_EVENTS;
        rc = logs_db_trace_events(ro, sel.trace_id, MAX_LIMIT, gather_row, &g);
    } else {
        /* The newest events of the range, read newest first and returned oldest first. */
        struct logs_db_scan q = {.gid = sel.gid,
                                 .start = sel.since,
                                 .end = sel.until,
                                 .cur_ts = INT64_MAX,
                                 .cur_id = INT64_MAX,
                                 .descending = true,
                                 .stream_ids = sel.stream_ids,
                                 .terms = sel.pattern ? fpattern_required_terms(sel.pattern) : NULL,
                                 .trace_id = sel.trace_id};
        rc = logs_db_scan(ro, &q, gather_row, &g);
        json_t *asc = json_array();
        for (size_t i = json_array_size(g.events); i > 0; i--) {
            json_array_append(asc, json_array_get(g.events, i - 1));
        }
        json_decref(g.events);
        g.events = asc;
    }
    if (rc < 0) {
        api_err(rep, 500, "Internal", -1, "the log query failed");
        goto out;
    }
    json_t *body = json_pack("{s:O, s:b, s:b}", "events", g.events, "truncated",
                             g.n >= g.limit || g.timed_out, "timed_out", g.timed_out);
    http_reply_json(rep, 200, body);
out:
    json_decref(g.events);
    selection_fini(&sel);
}

void api_trace_logs(struct http_request *req, struct http_reply *rep, const char *trace_id)
{
    (void)req;
    struct store *ro = reader(rep);
    struct selection sel = {.since = 0, .until = INT64_MAX, .gid = -1};
    struct gather g = {.sel = &sel, .events = json_array(), .limit = MAX_LIMIT};
    if (!ro) {
        goto out;
    }
    if (strlen(trace_id) != 35 || strncmp(trace_id, "1-", 2) != 0) {
        api_err(rep, 400, "InvalidTraceId", -1, "\"%s\" is not a trace id (1-xxxxxxxx-<24 hex>)",
                trace_id);
        goto out;
    }
    if (logs_db_trace_events(ro, trace_id, MAX_LIMIT, gather_row, &g) < 0) {
        api_err(rep, 500, "Internal", -1, "the log query failed");
        goto out;
    }
    http_reply_json(rep, 200, json_pack("{s:s, s:O}", "trace_id", trace_id, "events", g.events));
out:
    json_decref(g.events);
}
