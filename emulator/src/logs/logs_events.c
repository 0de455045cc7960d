/*
 * logs_events.c - the CloudWatch Logs event operations: PutLogEvents (validated on the HTTP
 * thread, stored by the writer, answered after the commit), GetLogEvents with the forward and
 * backward token algorithm of reference/logs-api.md, and FilterLogEvents with filter patterns
 * (fpattern.h), the chunk Bloom pre-filter and opaque position tokens.
 *
 * Threads: HTTP connection threads; put_events_fn runs on the writer thread.
 *
 * Invariant: an event's position is (timestamp, id), id being the insertion order. Tokens carry
 * a position, so events appended later become visible through an old forward token (what tail
 * clients rely on), and eventId is that position as 56 decimal digits.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app.h"
#include "config.h"
#include "fpattern.h"
#include "http.h"
#include "logs_api_int.h"
#include "logs_chunk.h"
#include "logs_putjson.h"
#include "metrics.h"

enum {
    EVENT_OVERHEAD = 26,          /* bytes counted per event (logs-api.md limits) */
    MAX_BATCH_BYTES = 1048576,    /* PutLogEvents upload */
    MAX_EVENT_BYTES = 262144,     /* one event including its overhead */
    MAX_PAGE_BYTES = 1048576,     /* GetLogEvents / FilterLogEvents response */
    FILTER_SCAN_BUDGET = 1000000, /* events examined per FilterLogEvents page */
    MAX_EVENTS = 10000,           /* per PutLogEvents and per page */
};
#define DAY_MS INT64_C(86400000)
#define TOO_NEW_MS (2 * 3600 * INT64_C(1000))
#define TOO_OLD_MS (14 * DAY_MS)

/* ---- PutLogEvents ---- */

struct put_events {
    const char *group;
    const char *stream;
    struct logs_chunk_pack pack; /* packed on the HTTP thread, so the writer only inserts rows */
    size_t n;
    int64_t ingest_ts;
    bool no_stream;
};

static int put_events_fn(struct writer_txn *txn, void *arg)
{
    struct put_events *p = arg;
    int rc = logs_db_put_pack_named(writer_txn_store(txn), p->group, p->stream, &p->pack,
                                    p->ingest_ts, &p->no_stream);
    if (rc == 0 && p->n > 0) {
        writer_txn_changed(txn, WRITER_CHANGED_LOGS);
    }
    return rc;
}

/* The rules on one InputLogEvent's values (i counts from 0). Replies and returns false. */
static bool check_event(struct logs_call *c, size_t i, const struct logs_db_event *e)
{
    if (e->ts < 0) {
        return logs_invalid(c,
                            "1 validation error detected: Value '%lld' at 'logEvents.%zu.member."
                            "timestamp' failed to satisfy constraint: Member must have value "
                            "greater than or equal to 0",
                            (long long)e->ts, i + 1);
    }
    if (e->len == 0) {
        return logs_invalid(c,
                            "1 validation error detected: Value '' at 'logEvents.%zu.member."
                            "message' failed to satisfy constraint: Member must have length "
                            "greater than or equal to 1",
                            i + 1);
    }
    if (e->len + EVENT_OVERHEAD > MAX_EVENT_BYTES) {
        return logs_invalid(c, "Log event too large: %zu bytes exceeds limit of %d",
                            e->len + EVENT_OVERHEAD, MAX_EVENT_BYTES);
    }
    return true;
}

/* The batch rules: total size, chronological order, 24-hour span. Replies and returns false. */
static bool check_batch(struct logs_call *c, const struct logs_db_event *ev, size_t n)
{
    size_t total = 0;
    for (size_t i = 0; i < n; i++) {
        total += ev[i].len + EVENT_OVERHEAD;
    }
    if (total > MAX_BATCH_BYTES) {
        return logs_invalid(c, "Upload too large: %zu bytes exceeds limit of %d", total,
                            MAX_BATCH_BYTES);
    }
    for (size_t i = 1; i < n; i++) {
        if (ev[i].ts < ev[i - 1].ts) {
            return logs_invalid(c, "Log events in a single PutLogEvents request must be in "
                                   "chronological order.");
        }
    }
    if (n > 0 && ev[n - 1].ts - ev[0].ts > DAY_MS) {
        return logs_invalid(c, "The batch of log events in a single PutLogEvents request cannot "
                               "span more than 24 hours.");
    }
    return true;
}

/* Validates each InputLogEvent of a jansson-parsed body and the batch rules; fills ev. Replies
 * and returns false. */
static bool read_events(struct logs_call *c, const json_t *list, struct logs_db_event *ev)
{
    size_t i;
    const json_t *e;
    json_array_foreach(list, i, e)
    {
        const json_t *ts = json_object_get(e, "timestamp");
        const json_t *msg = json_object_get(e, "message");
        const char *bad = !json_is_object(e)          ? "member"
                          : !ts || json_is_null(ts)   ? "member.timestamp"
                          : !msg || json_is_null(msg) ? "member.message"
                                                      : NULL;
        if (bad) {
            return logs_invalid(c,
                                "1 validation error detected: Value null at 'logEvents.%zu.%s' "
                                "failed to satisfy constraint: Member must not be null",
                                i + 1, bad);
        }
        /* a non-integer timestamp reads as -1 and a non-string message as "": the same errors */
        ev[i].ts = json_is_integer(ts) ? json_integer_value(ts) : -1;
        ev[i].message = json_is_string(msg) ? json_string_value(msg) : "";
        ev[i].len = json_is_string(msg) ? json_string_length(msg) : 0;
        if (!check_event(c, i, &ev[i])) {
            return false;
        }
    }
    return check_batch(c, ev, json_array_size(list));
}

/* Stores n validated events (in order) and answers. */
static void put_checked(struct logs_call *c, const struct logs_db_event *ev, size_t n)
{
    char buf[513];
    const char *group = NULL;
    int64_t gid = 0, now = now_epoch_ms();
    int retention = 0;
    if (!logs_group_by(c, logs_str(c, "logGroupName"), buf, &group, &gid, &retention)) {
        return;
    }
    if (strcmp(group, LOGS_SPANS_GROUP) == 0) {
        /* AWS: "Spans cannot be sent to CloudWatch Logs with the PutLogEvents API" (Transaction
         * Search); the error text is fluoro's, the code the one PutLogEvents uses for a refusal. */
        logs_invalid(c,
                     "Log events cannot be put into the log group %s: it holds the spans sent "
                     "to X-Ray (send them to /v1/traces instead).",
                     LOGS_SPANS_GROUP);
        return;
    }
    /* The batch is sorted, so rejects are a prefix (too old, expired) and a suffix (too new). */
    size_t too_old = 0, expired = 0, too_new = n;
    while (too_old < n && ev[too_old].ts < now - TOO_OLD_MS) {
        too_old++;
    }
    while (retention > 0 && expired < n && ev[expired].ts < now - retention * DAY_MS) {
        expired++;
    }
    while (too_new > 0 && ev[too_new - 1].ts > now + TOO_NEW_MS) {
        too_new--;
    }
    size_t first = too_old > expired ? too_old : expired;
    struct put_events p = {.group = group,
                           .stream = logs_str(c, "logStreamName"),
                           .n = too_new > first ? too_new - first : 0,
                           .ingest_ts = now};
    logs_chunk_pack_init(&p.pack, ev + first, p.n);
    int rc = logs_write(c, put_events_fn, &p);
    logs_chunk_pack_fini(&p.pack);
    if (rc == ERR_NOTFOUND) {
        logs_fail(c, "ResourceNotFoundException", "The specified log %s does not exist.",
                  p.no_stream ? "stream" : "group");
        return;
    }
    if (rc < 0) {
        return;
    }
    json_t *res = json_object();
    /* Deprecated and ignored since 2023; old agents still read it (logs-api.md). */
    json_object_set_new(res, "nextSequenceToken", json_sprintf("%056" PRId64, now));
    if (too_old || expired || too_new < n) {
        json_t *info = json_object();
        if (too_new < n) {
            json_object_set_new(info, "tooNewLogEventStartIndex",
                                json_integer((json_int_t)too_new));
        }
        if (too_old) {
            json_object_set_new(info, "tooOldLogEventEndIndex", json_integer((json_int_t)too_old));
        }
        if (expired) {
            json_object_set_new(info, "expiredLogEventEndIndex", json_integer((json_int_t)expired));
        }
        json_object_set_new(res, "rejectedLogEventsInfo", info);
    }
    logs_reply(c, res);
}

static void put_log_events(struct logs_call *c)
{
    const json_t *list = json_object_get(c->body, "logEvents");
    size_t n = json_array_size(list);
    struct logs_db_event *ev = xcalloc(n ? n : 1, sizeof(*ev));
    if (read_events(c, list, ev)) {
        put_checked(c, ev, n);
    }
    free(ev);
}

/* m_put without logEvents, which the fast parser has already bounded (1..MAX_EVENTS). */
static const struct aws_member m_put_scalars[] = {
    M_GROUP(true),
    M_STREAM("logStreamName", true),
    {"sequenceToken", AWS_STRING, false, 1, -1, NULL, NULL}};
static const struct logs_op put_scalars_op = LOGS_OP("PutLogEvents", NULL, m_put_scalars);

/* PutLogEvents from the raw body when it has the usual shape (logs_putjson.h): the same
 * validation in the same order, without a jansson object per event. */
static bool put_log_events_raw(struct logs_call *c)
{
    struct logs_putjson pj;
    if (!logs_putjson_parse(c->req->body, c->req->body_len, MAX_EVENTS, &pj)) {
        return false;
    }
    c->body = pj.members;
    bool ok = logs_validate(c, &put_scalars_op);
    for (size_t i = 0; ok && i < pj.n; i++) {
        ok = check_event(c, i, &pj.ev[i]);
    }
    if (ok && check_batch(c, pj.ev, pj.n)) {
        put_checked(c, pj.ev, pj.n);
    }
    c->body = NULL;
    logs_putjson_fini(&pj);
    return true;
}

/* ---- GetLogEvents ---- */

struct position {
    int64_t ts, id;
};

static char *position_token(char dir, struct position p)
{
    return xasprintf("%c/%019" PRId64 "%037" PRId64, dir, p.ts, p.id);
}

/* "f/<19 digits ts><37 digits id>" -> direction and position; false when malformed. */
static bool parse_position_token(const char *t, char *dir, struct position *p)
{
    if (strlen(t) != 58 || (t[0] != 'f' && t[0] != 'b') || t[1] != '/' ||
        strspn(t + 2, "0123456789") != 56) {
        return false;
    }
    char ts[20], id[38];
    memcpy(ts, t + 2, 19);
    ts[19] = '\0';
    memcpy(id, t + 21, 37);
    id[37] = '\0';
    *dir = t[0];
    p->ts = strtoll(ts, NULL, 10);
    p->id = strtoll(id, NULL, 10);
    return true;
}

struct collect {
    json_t *events;
    struct position first, last;
    size_t n, bytes;
    bool filtered; /* FilterLogEvents shape */
};

static bool collect_row(void *arg, const struct logs_db_row *row)
{
    struct collect *k = arg;
    json_t *e = json_object();
    if (k->filtered) {
        json_object_set_new(e, "logStreamName", json_string(row->stream));
    }
    json_object_set_new(e, "timestamp", json_integer(row->ts));
    json_object_set_new(e, "message", json_stringn(row->message, row->len));
    json_object_set_new(e, "ingestionTime", json_integer(row->ingest_ts));
    if (k->filtered) {
        json_object_set_new(e, "eventId",
                            json_sprintf("%019" PRId64 "%037" PRId64, row->ts, row->id));
    }
    json_array_append_new(k->events, e);
    struct position p = {row->ts, row->id};
    if (k->n++ == 0) {
        k->first = p;
    }
    k->last = p;
    k->bytes += row->len + EVENT_OVERHEAD;
    return k->bytes < MAX_PAGE_BYTES;
}

static json_t *reversed(json_t *a)
{
    json_t *out = json_array();
    for (size_t i = json_array_size(a); i > 0; i--) {
        json_array_append(out, json_array_get(a, i - 1));
    }
    json_decref(a);
    return out;
}

static void get_log_events(struct logs_call *c)
{
    char buf[513], dir = 0;
    const char *group = NULL, *token = logs_str(c, "nextToken");
    int64_t gid = 0, sid = 0;
    struct position at = {0, 0};
    struct collect k = {.events = json_array()};
    char *fwd = NULL, *back = NULL;
    if (!logs_group(c, true, buf, &group, &gid, NULL)) {
        goto out;
    }
    if (logs_db_stream_find(c->ro, gid, logs_str(c, "logStreamName"), &sid) < 0) {
        logs_fail(c, "ResourceNotFoundException", "The specified log stream does not exist.");
        goto out;
    }
    if (token && !parse_position_token(token, &dir, &at)) {
        logs_invalid(c, "The specified nextToken is invalid.");
        goto out;
    }
    bool head = logs_bool(c, "startFromHead", false);
    bool forward = token ? dir == 'f' : head;
    if (!token) {
        at = head ? (struct position){-1, 0} : (struct position){INT64_MAX, INT64_MAX};
    }
    int64_t start = logs_int(c, "startTime", 0), end = logs_int(c, "endTime", INT64_MAX);
    int64_t limit = logs_int(c, "limit", MAX_EVENTS);
    if (logs_db_stream_events(c->ro, sid, start, end, at.ts, at.id, forward, limit, collect_row,
                              &k) < 0) {
        logs_fail(c, "ServiceUnavailableException", "The service could not read the stream.");
        goto out;
    }
    if (!forward) {
        k.events = reversed(k.events);
        struct position t = k.first;
        k.first = k.last;
        k.last = t;
    }
    if (k.n > 0) {
        fwd = position_token('f', k.last);
        back = position_token('b', k.first);
    } else if (token) {
        /* Nothing more that way: the same token again, and the other direction from there. */
        fwd = dir == 'f' ? xstrdup(token) : position_token('f', at);
        back = dir == 'b' ? xstrdup(token) : position_token('b', at);
    } else {
        fwd = position_token('f', (struct position){0, 0});
        back = position_token('b', (struct position){0, 0});
    }
    json_t *out = json_object();
    json_object_set_new(out, "events", k.events);
    k.events = NULL;
    json_object_set_new(out, "nextForwardToken", json_string(fwd));
    json_object_set_new(out, "nextBackwardToken", json_string(back));
    logs_reply(c, out);
out:
    json_decref(k.events);
    free(fwd);
    free(back);
}

/* ---- FilterLogEvents ---- */

struct filter_scan {
    struct collect k;
    const struct fpattern *pattern;
    int64_t limit;
    int64_t scanned;
    struct position last_seen;
    uint64_t deadline_ms; /* monotonic; 0 = none (--scan-deadline 0) */
    bool stopped;         /* stopped early: more may remain */
};

static bool filter_row(void *arg, const struct logs_db_row *row)
{
    struct filter_scan *f = arg;
    if (++f->scanned > FILTER_SCAN_BUDGET) {
        f->stopped = true;
        return false;
    }
    f->last_seen = (struct position){row->ts, row->id};
    /* The deadline is checked after the row is done, so every page makes progress and the
     * nextToken resumes right after the last row examined, as AWS's does after a long search. */
    bool deadline = f->deadline_ms && now_mono_ms() >= f->deadline_ms;
    if (deadline) {
        METRIC_INC(log_scans_deadline);
    }
    if (f->pattern && !fpattern_match(f->pattern, row->message, row->len)) {
        f->stopped = deadline;
        return !deadline;
    }
    bool room = collect_row(&f->k, row);
    if (!room || (int64_t)f->k.n >= f->limit || deadline) {
        f->stopped = true;
        return false;
    }
    return true;
}

/* logStreamNames and logStreamNamePrefix exclude each other, and each name must be a valid
 * stream name; replies and returns false otherwise. */
static bool check_stream_selection(struct logs_call *c, const json_t *names, const char *prefix)
{
    if (names && prefix) {
        logs_invalid(c, "logStreamNames and logStreamNamePrefix are mutually exclusive.");
        return false;
    }
    size_t i;
    const json_t *nm;
    json_array_foreach(names, i, nm)
    {
        if (!json_is_string(nm)) {
            logs_invalid(c, "Stream names must be strings.");
            return false;
        }
        if (!logs_check(c, "logStreamNames.member", json_string_value(nm), LOGS_PAT_NAME, 1, 512)) {
            return false;
        }
    }
    return true;
}

/* Sets q's cursor from a nextToken ("ts.id.hash", hex): false unless it is well formed and was
 * given out for this scope (the request's group, pattern, streams and time range). */
static bool read_token(const char *token, const char *scope, struct logs_db_scan *q)
{
    unsigned long long ts = 0, id = 0;
    unsigned int h = 0;
    int used = 0;
    if (sscanf(token, "%llx.%llx.%8x%n", &ts, &id, &h, &used) != 3 || token[used] ||
        h != fnv1a32(scope)) {
        return false;
    }
    q->cur_ts = (int64_t)ts;
    q->cur_id = (int64_t)id;
    return true;
}

static void filter_log_events(struct logs_call *c)
{
    char buf[513];
    const char *group = NULL, *token = logs_str(c, "nextToken");
    const char *prefix = logs_str(c, "logStreamNamePrefix");
    const char *src = logs_str(c, "filterPattern");
    const json_t *names = json_object_get(c->body, "logStreamNames");
    int64_t gid = 0;
    struct fpattern *pattern = NULL;
    struct errbuf err = {{0}, -1};
    char *names_text = NULL, *stream_ids = NULL, *scope = NULL, *next = NULL;
    struct filter_scan f = {.k = {.events = json_array(), .filtered = true}};
    if (!logs_group(c, true, buf, &group, &gid, NULL)) {
        goto out;
    }
    if (!check_stream_selection(c, names, prefix)) {
        goto out;
    }
    if (src && *src && fpattern_compile(src, &pattern, &err) < 0) {
        logs_invalid(c, "Invalid filter pattern: %s", err.msg);
        goto out;
    }
    int64_t start = logs_int(c, "startTime", 0), end = logs_int(c, "endTime", INT64_MAX);
    f.limit = logs_int(c, "limit", MAX_EVENTS);
    f.pattern = pattern;
    int64_t budget = c->req->app->cfg->scan_deadline_ms;
    f.deadline_ms = budget > 0 ? now_mono_ms() + (uint64_t)budget : 0;
    names_text = names ? json_dumps(names, JSON_COMPACT) : NULL;
    scope = xasprintf("%s|%s|%s|%s|%" PRId64 "|%" PRId64, group, src ? src : "",
                      names_text ? names_text : "", prefix ? prefix : "", start, end);
    struct logs_db_scan q = {.gid = gid, .start = start, .end = end, .cur_ts = -1, .cur_id = 0};
    if (token && !read_token(token, scope, &q)) {
        logs_invalid(c, "The specified nextToken is invalid.");
        goto out;
    }
    if (names || prefix) {
        stream_ids = logs_db_stream_ids(c->ro, gid, names_text, prefix);
        q.stream_ids = stream_ids;
    }
    q.terms = pattern ? fpattern_required_terms(pattern) : NULL;
    if (logs_db_scan(c->ro, &q, filter_row, &f) < 0) {
        logs_fail(c, "ServiceUnavailableException", "The service could not read the events.");
        goto out;
    }
    json_t *out = json_object();
    json_object_set_new(out, "events", f.k.events);
    f.k.events = NULL;
    json_t *searched = json_array();
    size_t i;
    const json_t *nm;
    json_array_foreach(names, i, nm)
    {
        json_array_append_new(searched, json_pack("{s:O, s:b}", "logStreamName", nm,
                                                  "searchedCompletely", !f.stopped));
    }
    json_object_set_new(out, "searchedLogStreams", searched);
    if (f.stopped) {
        struct position p = f.last_seen;
        next = xasprintf("%llx.%llx.%08x", (unsigned long long)p.ts, (unsigned long long)p.id,
                         fnv1a32(scope));
        json_object_set_new(out, "nextToken", json_string(next));
    }
    logs_reply(c, out);
out:
    json_decref(f.k.events);
    fpattern_free(pattern);
    free(names_text);
    free(stream_ids);
    free(scope);
    free(next);
}

static const struct aws_member m_put[] = {M_GROUP(true),
                                          M_STREAM("logStreamName", true),
                                          {"logEvents", AWS_LIST, true, 1, MAX_EVENTS, NULL, NULL},
                                          {"sequenceToken", AWS_STRING, false, 1, -1, NULL, NULL}};
static const struct aws_member m_get[] = {M_GROUP(false),
                                          M_IDENT,
                                          M_STREAM("logStreamName", true),
                                          M_TIME("startTime", false),
                                          M_TIME("endTime", false),
                                          M_TOKEN,
                                          M_LIMIT(MAX_EVENTS),
                                          {"startFromHead", AWS_BOOLEAN, false, -1, -1, NULL, NULL},
                                          {"unmask", AWS_BOOLEAN, false, -1, -1, NULL, NULL}};
static const struct aws_member m_filter[] = {
    M_GROUP(false),
    M_IDENT,
    {"logStreamNames", AWS_LIST, false, 1, 100, NULL, NULL},
    M_STREAM("logStreamNamePrefix", false),
    M_TIME("startTime", false),
    M_TIME("endTime", false),
    {"filterPattern", AWS_STRING, false, 0, 1024, NULL, NULL},
    M_TOKEN,
    M_LIMIT(MAX_EVENTS),
    {"interleaved", AWS_BOOLEAN, false, -1, -1, NULL, NULL},
    {"unmask", AWS_BOOLEAN, false, -1, -1, NULL, NULL}};

const struct logs_op logs_events_ops[] = {
    LOGS_OP_RAW("PutLogEvents", put_log_events, m_put, put_log_events_raw),
    LOGS_OP("GetLogEvents", get_log_events, m_get),
    LOGS_OP("FilterLogEvents", filter_log_events, m_filter),
};
const size_t logs_events_op_count = ARRAY_LEN(logs_events_ops);
