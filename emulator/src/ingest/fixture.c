/*
 * fixture.c - fixture loading (see fixture.h). Everything is parsed and validated before the
 * writer is asked to store anything, so a bad line stores nothing.
 */
#include "fixture.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#include "logs_db.h"
#include "segment.h"
#include "xray_ingest.h"

struct fixture_batch {
    struct segment *segs;
    size_t nsegs;
    json_t *logs; /* array of {group, stream, timestamp, message} */
    double received_at;
};

static void batch_fini(struct fixture_batch *b)
{
    for (size_t i = 0; i < b->nsegs; i++) {
        segment_fini(&b->segs[i]);
    }
    free(b->segs);
    json_decref(b->logs);
}

static int parse_log_line(json_t *line, json_t *logs, struct fixture_result *res)
{
    json_t *ev = json_object_get(line, "log");
    const char *group = json_string_value(json_object_get(ev, "group"));
    const char *stream = json_string_value(json_object_get(ev, "stream"));
    const char *msg = json_string_value(json_object_get(ev, "message"));
    json_t *ts = json_object_get(ev, "timestamp");
    if (!group || !stream || !msg || !json_is_number(ts)) {
        snprintf(res->msg, sizeof(res->msg),
                 "a log line needs string group, stream, message and a numeric timestamp");
        return ERR_INVALID;
    }
    json_array_append(logs, ev);
    return 0;
}

static int parse_lines(const char *text, size_t len, struct fixture_batch *b,
                       struct fixture_result *res)
{
    const char *p = text, *end = text + len;
    int lineno = 0;
    size_t cap = 0;
    while (p < end) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        size_t n = nl ? (size_t)(nl - p) : (size_t)(end - p);
        lineno++;
        res->line = lineno;
        const char *line = p;
        p += n + (nl ? 1 : 0);
        while (n && (line[n - 1] == '\r' || line[n - 1] == ' ')) {
            n--;
        }
        if (n == 0 || line[0] == '#') {
            continue;
        }
        json_error_t jerr;
        json_t *doc = json_loadb(line, n, 0, &jerr);
        if (!doc || !json_is_object(doc)) {
            snprintf(res->msg, sizeof(res->msg), "not a JSON object: %s",
                     doc ? "wrong type" : jerr.text);
            json_decref(doc);
            return ERR_INVALID;
        }
        int rc = 0;
        if (json_object_get(doc, "log")) {
            rc = parse_log_line(doc, b->logs, res);
        } else {
            if (b->nsegs == cap) {
                cap = cap ? cap * 2 : 64;
                b->segs = xrealloc(b->segs, cap * sizeof(*b->segs));
            }
            struct errbuf err = {{0}, -1};
            if (segment_validate(doc, &b->segs[b->nsegs], &err) != SEGMENT_OK) {
                snprintf(res->msg, sizeof(res->msg), "invalid segment document: %.200s", err.msg);
                rc = ERR_INVALID;
            } else {
                b->nsegs++;
            }
        }
        json_decref(doc);
        if (rc < 0) {
            return rc;
        }
    }
    res->line = 0;
    return 0;
}

static double latest_time(const struct fixture_batch *b)
{
    double latest = 0;
    for (size_t i = 0; i < b->nsegs; i++) {
        double t = b->segs[i].in_progress ? b->segs[i].start_time : b->segs[i].end_time;
        latest = fmax(latest, t);
    }
    size_t i;
    json_t *ev;
    json_array_foreach(b->logs, i, ev)
    {
        latest = fmax(latest, json_number_value(json_object_get(ev, "timestamp")) / 1000.0);
    }
    return latest;
}

static void shift_doc(json_t *doc, double delta, int depth)
{
    static const char *const keys[] = {"start_time", "end_time"};
    for (size_t k = 0; k < ARRAY_LEN(keys); k++) {
        json_t *v = json_object_get(doc, keys[k]);
        if (json_is_number(v)) {
            json_object_set_new(doc, keys[k], json_real(json_number_value(v) + delta));
        }
    }
    size_t i;
    json_t *sub;
    if (depth < 512) {
        json_array_foreach(json_object_get(doc, "subsegments"), i, sub)
        {
            shift_doc(sub, delta, depth + 1);
        }
    }
}

void fixture_shift_doc(json_t *doc, double delta)
{
    shift_doc(doc, delta, 0);
}

bool fixture_shift_trace_id(const char *id, long delta_s, char out[36])
{
    char *end = NULL;
    if (!id || strlen(id) != 35 || strncmp(id, "1-", 2) != 0) {
        return false;
    }
    unsigned long epoch = strtoul(id + 2, &end, 16);
    if (end != id + 10) {
        return false;
    }
    snprintf(out, 36, "1-%08lx%s", (unsigned long)((long)epoch + delta_s) & 0xffffffffUL, id + 10);
    return true;
}

static void replace_all(char **s, const char *from, const char *to)
{
    char *hit = strstr(*s, from);
    while (hit) {
        size_t off = (size_t)(hit - *s);
        char *next = xasprintf("%.*s%s%s", (int)off, *s, to, hit + strlen(from));
        free(*s);
        *s = next;
        hit = strstr(*s + off + strlen(to), from);
    }
}

/* A trace's log lines follow it to its new id (they name it in their messages). */
static void rename_in_logs(json_t *logs, const char *old_id, const char *new_id)
{
    size_t k;
    json_t *ev;
    json_array_foreach(logs, k, ev)
    {
        char *msg = xstrdup(json_string_value(json_object_get(ev, "message")));
        if (strstr(msg, old_id)) {
            replace_all(&msg, old_id, new_id);
            json_object_set_new(ev, "message", json_string(msg));
        }
        free(msg);
    }
}

static void shift_to(struct fixture_batch *b, double now)
{
    double delta = now - latest_time(b);
    for (size_t i = 0; i < b->nsegs; i++) {
        struct segment *s = &b->segs[i];
        char old_id[36], new_id[36];
        snprintf(old_id, sizeof(old_id), "%s", s->trace_id);
        /* Parsed segments always carry a well-formed id (segment.c validates it). */
        if (!fixture_shift_trace_id(old_id, (long)llround(delta), new_id)) {
            snprintf(new_id, sizeof(new_id), "%s", old_id);
        }
        /* Documents are shared with nobody yet, so they can be edited in place. */
        fixture_shift_doc(s->doc, delta);
        json_object_set_new(s->doc, "trace_id", json_string(new_id));
        snprintf(s->trace_id, sizeof(s->trace_id), "%s", new_id);
        s->start_time += delta;
        s->end_time = s->in_progress ? 0 : s->end_time + delta;
        rename_in_logs(b->logs, old_id, new_id);
    }
    size_t k;
    json_t *ev;
    json_array_foreach(b->logs, k, ev)
    {
        double ts = json_number_value(json_object_get(ev, "timestamp"));
        json_object_set_new(ev, "timestamp", json_integer((json_int_t)llround(ts + delta * 1000)));
    }
}

static void random_hex(char *out, size_t n)
{
    static const char digits[] = "0123456789abcdef";
    unsigned char b[32];
    n = n < sizeof(b) ? n : sizeof(b);
    if (getrandom(b, n, 0) != (ssize_t)n) {
        for (size_t i = 0; i < n; i++) {
            b[i] = (unsigned char)rand();
        }
    }
    for (size_t i = 0; i < n; i++) {
        out[i] = digits[b[i] & 15];
    }
    out[n] = '\0';
}

/* obj[key] through the old -> fresh map, adding a fresh id of the same length when new. */
static void remap_id(json_t *obj, const char *key, json_t *map)
{
    const char *old = json_string_value(json_object_get(obj, key));
    if (!old || !*old) {
        return;
    }
    json_t *fresh = json_object_get(map, old);
    if (!fresh) {
        char id[33];
        random_hex(id, strlen(old));
        fresh = json_string(id);
        json_object_set_new(map, old, fresh);
    }
    json_object_set(obj, key, fresh);
}

static void refresh_doc(json_t *doc, json_t *map)
{
    size_t i;
    json_t *v;
    remap_id(doc, "id", map);
    remap_id(doc, "parent_id", map);
    if (json_is_string(json_object_get(doc, "cause"))) {
        remap_id(doc, "cause", map);
    }
    json_array_foreach(json_object_get(json_object_get(doc, "cause"), "exceptions"), i, v)
    {
        remap_id(v, "id", map);
    }
    json_array_foreach(json_object_get(doc, "subsegments"), i, v)
    {
        refresh_doc(v, map);
    }
}

/* Gives one replay round ids nobody has seen: each trace id's random part and every segment,
 * subsegment and exception id are replaced consistently (parent_id and cause follow, and the
 * trace ids inside log messages), so a round never updates the documents of an earlier one. */
static void refresh_ids(struct fixture_batch *b)
{
    json_t *map = json_object();
    for (size_t i = 0; i < b->nsegs; i++) {
        struct segment *s = &b->segs[i];
        char old_id[36], new_id[36], tail[25];
        snprintf(old_id, sizeof(old_id), "%s", s->trace_id);
        json_t *known = json_object_get(map, old_id);
        if (!known) {
            random_hex(tail, 24);
            snprintf(new_id, sizeof(new_id), "%.11s%s", old_id, tail);
            json_object_set_new(map, old_id, json_string(new_id));
            rename_in_logs(b->logs, old_id, new_id);
        } else {
            snprintf(new_id, sizeof(new_id), "%s", json_string_value(known));
        }
        json_object_set_new(s->doc, "trace_id", json_string(new_id));
        snprintf(s->trace_id, sizeof(s->trace_id), "%s", new_id);
        refresh_doc(s->doc, map);
        snprintf(s->id, sizeof(s->id), "%s", json_string_value(json_object_get(s->doc, "id")));
        const char *parent = json_string_value(json_object_get(s->doc, "parent_id"));
        snprintf(s->parent_id, sizeof(s->parent_id), "%s", parent ? parent : "");
    }
    json_decref(map);
}

static int store_batch(struct writer_txn *txn, void *arg)
{
    struct fixture_batch *b = arg;
    struct store *rw = writer_txn_store(txn);
    int64_t now_ms = (int64_t)(b->received_at * 1000);
    for (size_t i = 0; i < b->nsegs; i++) {
        /* Serialized afresh: shifting rewrote the documents' times and trace ids. */
        int rc = xray_ingest_put_segment(txn, &b->segs[i], NULL, 0, b->received_at);
        if (rc < 0) {
            return rc;
        }
    }
    size_t i;
    json_t *ev;
    json_array_foreach(b->logs, i, ev)
    {
        int rc = logs_db_put_event_autocreate(
            rw, json_string_value(json_object_get(ev, "group")),
            json_string_value(json_object_get(ev, "stream")),
            (int64_t)json_number_value(json_object_get(ev, "timestamp")), now_ms,
            json_string_value(json_object_get(ev, "message")));
        if (rc < 0) {
            return rc;
        }
    }
    if (json_array_size(b->logs)) {
        writer_txn_changed(txn, WRITER_CHANGED_LOGS);
    }
    return 0;
}

static int load(struct app *app, const char *text, size_t len, bool shift_to_now, bool fresh,
                struct fixture_result *res)
{
    struct fixture_batch b = {.logs = json_array(), .received_at = now_epoch()};
    memset(res, 0, sizeof(*res));
    int rc = parse_lines(text, len, &b, res);
    if (rc == 0 && shift_to_now) {
        shift_to(&b, b.received_at);
    }
    if (rc == 0 && fresh) {
        refresh_ids(&b);
    }
    if (rc == 0) {
        /* The json_t in b (documents, log events) go to the writer thread and back inside
         * writer_call: the queue mutex orders the hand-over, the writer mutex (command done) the
         * hand-back (writer.h). */
        rc = writer_call(app->writer, store_batch, &b);
    }
    if (rc == 0) {
        res->segments = (int64_t)b.nsegs;
        res->log_events = (int64_t)json_array_size(b.logs);
    }
    batch_fini(&b);
    return rc;
}

int fixture_load(struct app *app, const char *text, size_t len, bool shift_to_now,
                 struct fixture_result *res)
{
    return load(app, text, len, shift_to_now, false, res);
}

int fixture_replay(struct app *app, const char *text, size_t len, struct fixture_result *res)
{
    return load(app, text, len, true, true, res);
}
