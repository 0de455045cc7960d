/*
 * logs_query.c - the Logs Insights operations (reference/logs-filter-and-insights.md B6):
 * StartQuery compiles the query on the HTTP thread (syntax errors answer at once as
 * MalformedQueryException) and runs it on a worker thread of its own, so clients see
 * Scheduled -> Running -> Complete; GetQueryResults (while Running: the partial result the
 * worker publishes every PARTIAL_RESULT_MS, as AWS returns results so far), StopQuery,
 * DescribeQueries, GetLogRecord, GetLogGroupFields and the saved query definitions.
 *
 * Threads: HTTP connection threads and one detached worker per running query. The registry of
 * queries is guarded by one mutex; a worker touches only its own entry (under the mutex for the
 * status and result) and reads through its own read-only store. Entries are evicted oldest
 * first, and never while their worker runs.
 */
#include <inttypes.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "logs_insights.h"
#include "log.h"
#include "logs_api_int.h"
#include "metrics.h"
#include "logs_query.h"

enum {
    MAX_QUERIES_KEPT = 1000,
    MAX_CONCURRENT = 10, /* 2023 quota page (logs-filter-and-insights.md B6) */
    MAX_GROUPS = 50,
    /* The clock is read every this many rows; the cancel flag is read on every row, so StopQuery
     * takes effect within one event's work (a linear-time regex match at worst, rx.h). */
    CLOCK_CHECK_ROWS = 64,
    /* AWS ends a query after 60 minutes with status Timeout (Insights quotas). */
    QUERY_TIMEOUT_MS = 60 * 60 * 1000,
    /* How often a running query publishes its partial result for GetQueryResults. */
    PARTIAL_RESULT_MS = 200,
    FIELD_SAMPLE = 1000,
};

enum qstatus { Q_SCHEDULED, Q_RUNNING, Q_COMPLETE, Q_FAILED, Q_CANCELLED, Q_TIMEOUT };
static const char *const status_names[] = {"Scheduled", "Running",   "Complete",
                                           "Failed",    "Cancelled", "Timeout"};

struct query_entry {
    char id[37];
    char *query_string;
    char *group_name; /* the first group, for DescribeQueries */
    char **group_names;
    char *account;
    int64_t gids[MAX_GROUPS];
    size_t ngids;
    int64_t create_ms, start_ms, end_ms, limit;
    struct logs_insights_query *q;
    enum qstatus status;
    atomic_bool cancel;
    bool running;  /* a worker holds the entry */
    bool orphaned; /* reset dropped it from the registry while running: the worker frees it */
    struct logs_insights_result *result;
};

static pthread_mutex_t registry_lock = PTHREAD_MUTEX_INITIALIZER;
static struct query_entry *registry[MAX_QUERIES_KEPT];
static size_t registry_n;

static void entry_free(struct query_entry *e)
{
    if (!e) {
        return;
    }
    free(e->query_string);
    free(e->group_name);
    for (size_t i = 0; i < e->ngids; i++) {
        free(e->group_names[i]);
    }
    free(e->group_names);
    free(e->account);
    logs_insights_free(e->q);
    logs_insights_result_free(e->result);
    free(e);
}

/* Caller holds registry_lock. */
static struct query_entry *find_entry(const char *id)
{
    for (size_t i = 0; i < registry_n; i++) {
        if (strcmp(registry[i]->id, id) == 0) {
            return registry[i];
        }
    }
    return NULL;
}

struct worker_scan {
    struct query_entry *e;
    struct logs_insights_run *run;
    size_t rows;
    uint64_t publish_at_ms; /* monotonic time of the next partial result */
    uint64_t deadline_ms;   /* monotonic time the query times out */
    bool timed_out;
    char log[600];
};

/* Replaces the entry's result with the run's result so far, so GetQueryResults on a Running
 * query answers with what is known, as AWS does. */
static void publish_partial(struct worker_scan *w)
{
    struct logs_insights_result *partial = logs_insights_run_snapshot(w->run), *old;
    pthread_mutex_lock(&registry_lock);
    old = w->e->result;
    w->e->result = partial;
    pthread_mutex_unlock(&registry_lock);
    logs_insights_result_free(old);
    w->publish_at_ms = now_mono_ms() + PARTIAL_RESULT_MS;
}

static bool in_query_groups(const struct query_entry *e, const char *group)
{
    for (size_t i = 0; i < e->ngids; i++) {
        if (strcmp(e->group_names[i], group) == 0) {
            return true;
        }
    }
    return false;
}

static bool worker_row(void *arg, const struct logs_db_row *row)
{
    struct worker_scan *w = arg;
    if (atomic_load_explicit(&w->e->cancel, memory_order_relaxed)) {
        return false;
    }
    if (++w->rows % CLOCK_CHECK_ROWS == 0) {
        uint64_t now = now_mono_ms();
        if (now >= w->deadline_ms) {
            w->timed_out = true;
            return false;
        }
        if (now >= w->publish_at_ms) {
            publish_partial(w);
        }
    }
    if (w->e->ngids > 1 && !in_query_groups(w->e, row->group)) {
        return true;
    }
    char ptr[40];
    snprintf(ptr, sizeof(ptr), "fluoro-ptr-%" PRId64, row->id);
    snprintf(w->log, sizeof(w->log), "%s:%s", w->e->account, row->group);
    struct logs_insights_event ev = {.ts = row->ts,
                                     .ingest_ts = row->ingest_ts,
                                     .message = row->message,
                                     .len = row->len,
                                     .stream = row->stream,
                                     .log = w->log,
                                     .ptr = ptr};
    logs_insights_run_add(w->run, &ev);
    return true;
}

static void *worker(void *arg)
{
    struct query_entry *e = arg;
    pthread_mutex_lock(&registry_lock);
    bool cancelled = e->status == Q_CANCELLED;
    if (!cancelled) {
        e->status = Q_RUNNING;
    }
    pthread_mutex_unlock(&registry_lock);
    struct logs_insights_result *res = NULL;
    bool failed = false, timed_out = false;
    if (!cancelled) {
        METRIC_ADD(insights_running, 1);
        struct store *ro = store_thread_ro();
        struct worker_scan w = {.e = e,
                                .run = logs_insights_run_new(e->q, e->limit),
                                .publish_at_ms = now_mono_ms() + PARTIAL_RESULT_MS,
                                .deadline_ms = now_mono_ms() + QUERY_TIMEOUT_MS};
        /* Newest first across every group of the query (the default order, reference B5). */
        struct logs_db_scan q = {.gid = e->ngids == 1 ? e->gids[0] : -1,
                                 .start = e->start_ms,
                                 .end = e->end_ms,
                                 .cur_ts = INT64_MAX,
                                 .cur_id = INT64_MAX,
                                 .descending = true};
        failed = !ro || logs_db_scan(ro, &q, worker_row, &w) < 0;
        timed_out = w.timed_out;
        if (atomic_load(&e->cancel)) {
            /* Stopped: what was published stands; sorting or aggregating the rest is wasted. */
            res = logs_insights_run_snapshot(w.run);
            logs_insights_run_free(w.run);
        } else {
            res = logs_insights_run_finish(w.run);
        }
        atomic_fetch_sub_explicit(&metrics.insights_running, 1, memory_order_relaxed);
    }
    pthread_mutex_lock(&registry_lock);
    if (atomic_load(&e->cancel) || cancelled) {
        e->status = Q_CANCELLED;
    } else if (timed_out) {
        e->status = Q_TIMEOUT;
    } else {
        e->status = failed ? Q_FAILED : Q_COMPLETE;
    }
    struct logs_insights_result *partial = e->result;
    e->result = res;
    e->running = false;
    bool orphaned = e->orphaned;
    pthread_mutex_unlock(&registry_lock);
    logs_insights_result_free(partial);
    if (orphaned) {
        entry_free(e);
    }
    return NULL;
}

void logs_query_reset(void)
{
    pthread_mutex_lock(&registry_lock);
    for (size_t i = 0; i < registry_n; i++) {
        struct query_entry *e = registry[i];
        if (e->running) {
            atomic_store(&e->cancel, true);
            e->orphaned = true;
        } else {
            entry_free(e);
        }
        registry[i] = NULL;
    }
    registry_n = 0;
    pthread_mutex_unlock(&registry_lock);
}

/* Adds e, evicting the oldest finished entry when full. Caller holds registry_lock. Returns
 * false when every kept entry is still running. */
static bool registry_add(struct query_entry *e)
{
    if (registry_n == MAX_QUERIES_KEPT) {
        size_t i = 0;
        while (i < registry_n && registry[i]->running) {
            i++;
        }
        if (i == registry_n) {
            return false;
        }
        entry_free(registry[i]);
        memmove(&registry[i], &registry[i + 1], (registry_n - i - 1) * sizeof(*registry));
        registry_n--;
    }
    registry[registry_n++] = e;
    return true;
}

/* StartQuery times are epoch seconds; values that can only be milliseconds are taken as such
 * (an AWS CLI example passes ms, reference logs-api.md StartQuery). */
static int64_t query_time_ms(int64_t t, bool end)
{
    if (t > 100000000000LL) {
        return t;
    }
    return t * 1000 + (end ? 999 : 0);
}

/* Resolves the query's groups into e. Replies and returns false on a bad or unknown group. */
static bool query_groups(struct logs_call *c, struct query_entry *e)
{
    const char *one = logs_str(c, "logGroupName");
    const json_t *names = json_object_get(c->body, "logGroupNames");
    const json_t *idents = json_object_get(c->body, "logGroupIdentifiers");
    int given = (one != NULL) + (names != NULL) + (idents != NULL);
    if (given != 1) {
        return logs_invalid(c, "Exactly one of logGroupName, logGroupNames or "
                               "logGroupIdentifiers must be specified.");
    }
    const json_t *list = names ? names : idents;
    size_t n = one ? 1 : json_array_size(list);
    if (n == 0 || n > MAX_GROUPS) {
        return logs_invalid(c, "A query must name between 1 and %d log groups.", MAX_GROUPS);
    }
    e->group_names = xcalloc(n, sizeof(*e->group_names));
    for (size_t i = 0; i < n; i++) {
        const char *g = one ? one : json_string_value(json_array_get(list, i));
        char buf[513];
        const char *name = NULL;
        if (!g) {
            return logs_invalid(c, "Log group names must be strings.");
        }
        if (idents && !logs_check(c, "logGroupIdentifiers.member", g, LOGS_PAT_IDENT, 1, 2048)) {
            return false;
        }
        if (names && !logs_check(c, "logGroupNames.member", g, LOGS_PAT_GROUP, 1, 512)) {
            return false;
        }
        if (idents && g[0] && g[strlen(g) - 1] == '*') {
            return logs_invalid(c, "A log group ARN in logGroupIdentifiers may not end in *.");
        }
        if (!logs_query_group_by(c, g, buf, &name, &e->gids[i])) {
            return false;
        }
        e->group_names[e->ngids++] = xstrdup(name);
    }
    e->group_name = xstrdup(e->group_names[0]);
    return true;
}

static void start_query(struct logs_call *c)
{
    struct query_entry *e = xcalloc(1, sizeof(*e));
    struct errbuf err = {{0}, -1};
    int end_pos = -1;
    const char *qs = logs_str(c, "queryString");
    pthread_t th;
    if (!query_groups(c, e)) {
        goto fail;
    }
    int64_t start = logs_int(c, "startTime", 0), end = logs_int(c, "endTime", 0);
    if (end < start) {
        logs_invalid(c, "endTime (%" PRId64 ") must not be earlier than startTime (%" PRId64 ").",
                     end, start);
        goto fail;
    }
    if (logs_insights_compile(qs, &e->q, &err, &end_pos) < 0) {
        int pos = err.pos < 0 ? 0 : err.pos;
        json_t *members =
            json_pack("{s:{s:{s:i, s:i}, s:s}}", "queryCompileError", "location", "startCharOffset",
                      pos, "endCharOffset", end_pos > pos ? end_pos - 1 : pos, "message", err.msg);
        aws_err_awsjson_members(c->rep, 400, "MalformedQueryException", members, "%s", err.msg);
        goto fail;
    }
    aws_uuid(e->id);
    e->query_string = xstrdup(qs);
    e->account = xstrdup(c->account);
    e->create_ms = now_epoch_ms();
    e->start_ms = query_time_ms(start, false);
    e->end_ms = query_time_ms(end, true);
    e->limit = logs_int(c, "limit", 0);
    e->status = Q_SCHEDULED;
    e->running = true;
    pthread_mutex_lock(&registry_lock);
    size_t active = 0;
    for (size_t i = 0; i < registry_n; i++) {
        active += registry[i]->running;
    }
    bool added = active < MAX_CONCURRENT && registry_add(e);
    pthread_mutex_unlock(&registry_lock);
    if (!added) {
        logs_fail(c, "LimitExceededException",
                  "Account maximum query concurrency limit of [%d] reached.", MAX_CONCURRENT);
        goto fail;
    }
    pthread_attr_t attr;
    pthread_attr_init(&attr);
    pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
    int rc = pthread_create(&th, &attr, worker, e);
    pthread_attr_destroy(&attr);
    if (rc != 0) {
        /* Run it here instead: the answer is the same, only not asynchronous. */
        log_warn("insights", "pthread_create failed rc=%d; running the query inline", rc);
        worker(e);
    }
    logs_reply(c, json_pack("{s:s}", "queryId", e->id));
    return;
fail:
    entry_free(e);
}

static void get_query_results(struct logs_call *c)
{
    json_t *out = NULL;
    pthread_mutex_lock(&registry_lock);
    struct query_entry *e = find_entry(logs_str(c, "queryId"));
    if (e) {
        json_t *results = json_array();
        const struct logs_insights_result *r = e->result;
        for (size_t k = 0; r && k < r->nrows; k++) {
            json_t *row = json_array();
            for (size_t i = 0; i < r->rows[k].n; i++) {
                json_array_append_new(row,
                                      json_pack("{s:s, s:s}", "field", r->rows[k].fields[i].field,
                                                "value", r->rows[k].fields[i].value));
            }
            json_array_append_new(results, row);
        }
        out = json_pack("{s:o, s:{s:f, s:f, s:f}, s:s}", "results", results, "statistics",
                        "recordsMatched", r ? r->records_matched : 0.0, "recordsScanned",
                        r ? r->records_scanned : 0.0, "bytesScanned", r ? r->bytes_scanned : 0.0,
                        "status", status_names[e->status]);
    }
    pthread_mutex_unlock(&registry_lock);
    if (!out) {
        logs_fail(c, "ResourceNotFoundException", "Query does not exist.");
        return;
    }
    logs_reply(c, out);
}

static void stop_query(struct logs_call *c)
{
    int found = 0;
    pthread_mutex_lock(&registry_lock);
    struct query_entry *e = find_entry(logs_str(c, "queryId"));
    if (e && (e->status == Q_SCHEDULED || e->status == Q_RUNNING)) {
        atomic_store(&e->cancel, true);
        e->status = Q_CANCELLED;
        found = 2;
    } else if (e) {
        found = 1;
    }
    pthread_mutex_unlock(&registry_lock);
    if (found == 0) {
        logs_fail(c, "ResourceNotFoundException", "Query does not exist.");
    } else if (found == 1) {
        /* AWS answers an error for a query that already ended (reference B6). */
        logs_invalid(c, "Query is not running.");
    } else {
        logs_reply(c, json_pack("{s:b}", "success", true));
    }
}

static void describe_queries(struct logs_call *c)
{
    const char *group = logs_str(c, "logGroupName");
    const char *status = logs_str(c, "status");
    int64_t max = logs_int(c, "maxResults", 1000), offset = 0, n = 0;
    char scope[700];
    snprintf(scope, sizeof(scope), "queries|%s|%s", group ? group : "", status ? status : "");
    if (!logs_page_start(c, scope, &offset)) {
        return;
    }
    json_t *queries = json_array();
    bool more = false;
    pthread_mutex_lock(&registry_lock);
    for (size_t i = registry_n; i > 0 && !more; i--) {
        const struct query_entry *e = registry[i - 1];
        if ((group && !in_query_groups(e, group)) ||
            (status && strcmp(status, status_names[e->status]) != 0)) {
            continue;
        }
        if (n++ < offset) {
            continue;
        }
        if ((int64_t)json_array_size(queries) == max) {
            more = true;
            break;
        }
        json_array_append_new(
            queries, json_pack("{s:s, s:s, s:s, s:I, s:s}", "queryId", e->id, "queryString",
                               e->query_string, "status", status_names[e->status], "createTime",
                               (json_int_t)e->create_ms, "logGroupName", e->group_name));
    }
    pthread_mutex_unlock(&registry_lock);
    json_t *out = json_pack("{s:o}", "queries", queries);
    logs_page_next(out, more, offset + max, scope);
    logs_reply(c, out);
}

struct record_fill {
    json_t *record;
    const char *account;
    bool found;
};

static void add_field(void *arg, const char *field, const char *value)
{
    json_object_set_new(arg, field, json_string(value));
}

static bool record_row(void *arg, const struct logs_db_row *row)
{
    struct record_fill *f = arg;
    char log[600];
    snprintf(log, sizeof(log), "%s:%s", f->account, row->group);
    struct logs_insights_event ev = {.ts = row->ts,
                                     .ingest_ts = row->ingest_ts,
                                     .message = row->message,
                                     .len = row->len,
                                     .stream = row->stream,
                                     .log = log};
    logs_insights_event_fields(&ev, add_field, f->record);
    f->found = true;
    return false;
}

static void get_log_record(struct logs_call *c)
{
    const char *ptr = logs_str(c, "logRecordPointer");
    long long id = 0;
    int used = 0;
    struct record_fill f = {.record = json_object(), .account = c->account};
    if (sscanf(ptr, "fluoro-ptr-%lld%n", &id, &used) != 1 || ptr[used]) {
        logs_invalid(c, "The specified logRecordPointer is invalid.");
        goto out;
    }
    int rc = logs_db_event_get(c->ro, id, record_row, &f);
    if (rc == ERR_NOTFOUND) {
        logs_fail(c, "ResourceNotFoundException", "The specified log record does not exist.");
        goto out;
    }
    if (rc < 0) {
        logs_fail(c, "ServiceUnavailableException", "The service could not read the record.");
        goto out;
    }
    logs_reply(c, json_pack("{s:O}", "logRecord", f.record));
out:
    json_decref(f.record);
}

struct field_count {
    json_t *counts; /* field -> integer */
    const char *account;
    int64_t sampled;
};

static void count_field(void *arg, const char *field, const char *value)
{
    (void)value;
    json_t *counts = arg;
    json_t *n = json_object_get(counts, field);
    json_object_set_new(counts, field, json_integer(n ? json_integer_value(n) + 1 : 1));
}

static bool field_row(void *arg, const struct logs_db_row *row)
{
    struct field_count *f = arg;
    struct logs_insights_event ev = {.ts = row->ts,
                                     .ingest_ts = row->ingest_ts,
                                     .message = row->message,
                                     .len = row->len,
                                     .stream = row->stream,
                                     .log = row->group};
    logs_insights_event_fields(&ev, count_field, f->counts);
    return ++f->sampled < FIELD_SAMPLE;
}

static int by_percent(const void *a, const void *b)
{
    const json_t *x = *(json_t *const *)a, *y = *(json_t *const *)b;
    json_int_t px = json_integer_value(json_object_get(x, "percent"));
    json_int_t py = json_integer_value(json_object_get(y, "percent"));
    if (px != py) {
        return px > py ? -1 : 1;
    }
    return strcmp(json_string_value(json_object_get(x, "name")),
                  json_string_value(json_object_get(y, "name")));
}

static void get_log_group_fields(struct logs_call *c)
{
    char buf[513];
    const char *group = NULL;
    int64_t gid = 0;
    struct field_count f = {.counts = json_object()};
    json_t **items = NULL;
    if (!logs_group(c, true, buf, &group, &gid, NULL)) {
        goto out;
    }
    /* `time` is epoch seconds; AWS samples the 15 minutes before it. Without it, the newest
     * events, whenever they were written (an emulator's data is often older than 8 minutes). */
    int64_t t = logs_int(c, "time", -1);
    struct logs_db_scan q = {.gid = gid,
                             .start = t >= 0 ? t * 1000 - 15 * 60000 : 0,
                             .end = t >= 0 ? t * 1000 : INT64_MAX,
                             .cur_ts = INT64_MAX,
                             .cur_id = INT64_MAX,
                             .descending = true};
    if (logs_db_scan(c->ro, &q, field_row, &f) < 0) {
        logs_fail(c, "ServiceUnavailableException", "The service could not read the events.");
        goto out;
    }
    size_t n = json_object_size(f.counts), i = 0;
    items = xcalloc(n + 2, sizeof(*items));
    const char *name;
    json_t *v;
    json_object_foreach(f.counts, name, v)
    {
        json_int_t pct = f.sampled ? json_integer_value(v) * 100 / f.sampled : 0;
        items[i++] = json_pack("{s:s, s:I}", "name", name, "percent", pct);
    }
    if (!json_object_get(f.counts, "@timestamp")) {
        items[i++] = json_pack("{s:s, s:i}", "name", "@timestamp", "percent", 100);
        items[i++] = json_pack("{s:s, s:i}", "name", "@message", "percent", 100);
    }
    qsort(items, i, sizeof(*items), by_percent);
    json_t *fields = json_array();
    for (size_t k = 0; k < i; k++) {
        json_array_append_new(fields, items[k]);
    }
    logs_reply(c, json_pack("{s:o}", "logGroupFields", fields));
out:
    free(items);
    json_decref(f.counts);
}

/* ---- saved query definitions (log_config kind "querydef", keyed by id) ---- */

static void put_query_definition(struct logs_call *c)
{
    char id[37];
    const char *given = logs_str(c, "queryDefinitionId");
    json_t *doc = NULL;
    char *text = NULL;
    if (given) {
        json_t *old = logs_db_config_get(c->ro, "querydef", 0, given);
        if (!old) {
            logs_fail(c, "ResourceNotFoundException", "The query definition does not exist.");
            goto out;
        }
        json_decref(old);
        snprintf(id, sizeof(id), "%s", given);
    } else {
        if (logs_db_config_count(c->ro, "querydef", 0) >= 1000) {
            logs_fail(c, "LimitExceededException",
                      "You have reached the maximum of 1000 saved "
                      "query definitions.");
            goto out;
        }
        aws_uuid(id);
    }
    const json_t *groups = json_object_get(c->body, "logGroupNames");
    size_t i;
    const json_t *g;
    json_array_foreach(groups, i, g)
    {
        if (!json_is_string(g) ||
            !logs_check(c, "logGroupNames.member", json_string_value(g), LOGS_PAT_GROUP, 1, 512)) {
            if (!json_is_string(g)) {
                logs_invalid(c, "Log group names must be strings.");
            }
            goto out;
        }
    }
    doc = json_pack("{s:s, s:s, s:s, s:I}", "queryDefinitionId", id, "name", logs_str(c, "name"),
                    "queryString", logs_str(c, "queryString"), "lastModified",
                    (json_int_t)now_epoch_ms());
    if (groups) {
        json_object_set(doc, "logGroupNames", (json_t *)groups);
    }
    text = logs_doc_text(doc);
    if (logs_config_write(c, "querydef", 0, id, text) == 0) {
        logs_reply(c, json_pack("{s:s}", "queryDefinitionId", id));
    }
out:
    json_decref(doc);
    free(text);
}

static void describe_query_definitions(struct logs_call *c)
{
    const char *prefix = logs_str(c, "queryDefinitionNamePrefix");
    int64_t max = logs_int(c, "maxResults", 1000), offset = 0, n = 0;
    char scope[300];
    snprintf(scope, sizeof(scope), "querydefs|%s", prefix ? prefix : "");
    if (!logs_page_start(c, scope, &offset)) {
        return;
    }
    bool more = false;
    json_t *all = logs_db_config_list(c->ro, "querydef", 0, NULL, 0, -1, &more);
    json_t *defs = json_array();
    size_t i;
    json_t *d;
    more = false;
    json_array_foreach(all, i, d)
    {
        const char *name = json_string_value(json_object_get(d, "name"));
        if (prefix && (!name || strncmp(name, prefix, strlen(prefix)) != 0)) {
            continue;
        }
        if (n++ < offset) {
            continue;
        }
        if ((int64_t)json_array_size(defs) == max) {
            more = true;
            break;
        }
        json_array_append(defs, d);
    }
    json_decref(all);
    json_t *out = json_pack("{s:o}", "queryDefinitions", defs);
    logs_page_next(out, more, offset + max, scope);
    logs_reply(c, out);
}

static void delete_query_definition(struct logs_call *c)
{
    int rc = logs_config_write(c, "querydef", 0, logs_str(c, "queryDefinitionId"), NULL);
    if (rc == ERR_NOTFOUND) {
        logs_fail(c, "ResourceNotFoundException", "The query definition does not exist.");
    } else if (rc == 0) {
        logs_reply(c, json_pack("{s:b}", "success", true));
    }
}

static const struct aws_member m_start[] = {
    {"logGroupName", AWS_STRING, false, 1, 512, LOGS_PAT_GROUP, NULL},
    {"logGroupNames", AWS_LIST, false, -1, -1, NULL, NULL},
    {"logGroupIdentifiers", AWS_LIST, false, -1, -1, NULL, NULL},
    M_TIME("startTime", true),
    M_TIME("endTime", true),
    {"queryString", AWS_STRING, true, 0, 10000, NULL, NULL},
    {"limit", AWS_INTEGER, false, 1, 10000, NULL, NULL}};
static const struct aws_member m_query_id[] = {{"queryId", AWS_STRING, true, 0, 256, NULL, NULL}};
static const char *const statuses[] = {"Scheduled", "Running", "Complete", "Failed",
                                       "Cancelled", "Timeout", "Unknown",  NULL};
static const struct aws_member m_describe_queries[] = {
    {"logGroupName", AWS_STRING, false, 1, 512, LOGS_PAT_GROUP, NULL},
    {"status", AWS_STRING, false, -1, -1, NULL, statuses},
    {"maxResults", AWS_INTEGER, false, 1, 1000, NULL, NULL},
    M_TOKEN};
static const struct aws_member m_record[] = {
    {"logRecordPointer", AWS_STRING, true, -1, -1, NULL, NULL},
    {"unmask", AWS_BOOLEAN, false, -1, -1, NULL, NULL}};
static const struct aws_member m_fields[] = {
    {"logGroupName", AWS_STRING, false, 1, 512, LOGS_PAT_GROUP, NULL},
    M_TIME("time", false),
    M_IDENT};
static const struct aws_member m_put_def[] = {
    {"name", AWS_STRING, true, 1, 255, NULL, NULL},
    {"queryDefinitionId", AWS_STRING, false, 0, 256, NULL, NULL},
    {"logGroupNames", AWS_LIST, false, -1, -1, NULL, NULL},
    {"queryString", AWS_STRING, true, 1, 10000, NULL, NULL}};
static const struct aws_member m_describe_defs[] = {
    {"queryDefinitionNamePrefix", AWS_STRING, false, 1, 255, NULL, NULL},
    {"maxResults", AWS_INTEGER, false, 1, 1000, NULL, NULL},
    M_TOKEN};
static const struct aws_member m_delete_def[] = {
    {"queryDefinitionId", AWS_STRING, true, 0, 256, NULL, NULL}};

const struct logs_op logs_query_ops[] = {
    LOGS_OP("StartQuery", start_query, m_start),
    LOGS_OP("GetQueryResults", get_query_results, m_query_id),
    LOGS_OP("StopQuery", stop_query, m_query_id),
    LOGS_OP("DescribeQueries", describe_queries, m_describe_queries),
    LOGS_OP("GetLogRecord", get_log_record, m_record),
    LOGS_OP("GetLogGroupFields", get_log_group_fields, m_fields),
    LOGS_OP("PutQueryDefinition", put_query_definition, m_put_def),
    LOGS_OP("DescribeQueryDefinitions", describe_query_definitions, m_describe_defs),
    LOGS_OP("DeleteQueryDefinition", delete_query_definition, m_delete_def),
};
const size_t logs_query_op_count = ARRAY_LEN(logs_query_ops);
