/*
 * export_send.c - delivering a round's requests (export_int.h) on the exporter thread with one
 * libcurl multi handle: up to SEND_PARALLEL requests in flight over kept-alive connections, and
 * each request repeated until it is accepted or permanently refused.
 *
 * What an answer means (the OTLP/HTTP specification's rules, which AWS's APIs share,
 * reference/otlp.md §3): 2xx delivered (items the body refuses counted as rejected/unprocessed);
 * 408, 429, 5xx and no answer at all retried after an exponential backoff with jitter, or after
 * Retry-After when the server gives one; any other 4xx refused for good and counted by status,
 * so a bad item never blocks the cursor. A PutLogEvents answered ResourceNotFoundException gets
 * its group and stream created (ResourceAlreadyExistsException is success) and is sent again.
 */
#include <stdlib.h>
#include <string.h>

#include "export_int.h"
#include "log.h"

#define SEND_PARALLEL 8
#define BACKOFF_FIRST_MS 100
#define BACKOFF_MAX_MS 30000
#define RETRY_AFTER_MAX_S 300
#define RESP_LIMIT (1u << 20)

struct export_req *export_reqs_add(struct export_reqs *r)
{
    if (r->n == r->cap) {
        r->cap = r->cap ? r->cap * 2 : 16;
        r->v = xrealloc(r->v, r->cap * sizeof(*r->v));
    }
    struct export_req *q = &r->v[r->n++];
    memset(q, 0, sizeof(*q));
    buf_init(&q->resp, RESP_LIMIT);
    return q;
}

struct export_req *export_req_new(struct export_target *t, struct export_reqs *r, const char *path,
                                  const char *content_type)
{
    struct export_req *q = export_reqs_add(r);
    size_t n = strlen(t->base_url);
    bool slash = n && t->base_url[n - 1] == '/';
    q->url = xasprintf("%.*s%s", (int)(n - slash), t->base_url, path);
    char *ct = xasprintf("Content-Type: %s", content_type);
    q->headers = curl_slist_append(q->headers, ct);
    free(ct);
    /* An empty Expect: saves a round trip per request on large bodies. */
    q->headers = curl_slist_append(q->headers, "Expect:");
    for (char **h = t->headers; h && *h; h++) {
        q->headers = curl_slist_append(q->headers, *h);
    }
    if (t->sigv4_service && t->access_key && t->session_token) {
        char *tok = xasprintf("X-Amz-Security-Token: %s", t->session_token);
        q->headers = curl_slist_append(q->headers, tok);
        free(tok);
    }
    return q;
}

void export_reqs_fini(struct export_reqs *r)
{
    for (size_t i = 0; i < r->n; i++) {
        struct export_req *q = &r->v[i];
        free(q->url);
        curl_slist_free_all(q->headers);
        free(q->body);
        free(q->log_group);
        free(q->log_stream);
        buf_fini(&q->resp);
    }
    free(r->v);
    memset(r, 0, sizeof(*r));
}

static size_t on_body(char *p, size_t size, size_t n, void *arg)
{
    struct buf *b = arg;
    /* A body past the limit is cut, not an error: only its start is ever looked at. */
    if (buf_append(b, p, size * n) < 0) {
        return size * n;
    }
    return size * n;
}

/* The options every request of the target shares: headers, signature, timeouts. */
static CURL *new_handle(struct export_target *t, const char *url, struct curl_slist *headers,
                        const char *body, size_t len, const char *service, struct buf *resp)
{
    CURL *c = curl_easy_init();
    if (!c) {
        return NULL;
    }
    curl_easy_setopt(c, CURLOPT_URL, url);
    curl_easy_setopt(c, CURLOPT_POST, 1L);
    curl_easy_setopt(c, CURLOPT_POSTFIELDS, body);
    curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)len);
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, headers);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, resp);
    curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, 30000L);
    curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, 5000L);
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    if (service && t->access_key) {
        /* libcurl computes SigV4 over the method, path, query, host, x-amz-date and the body
         * hash; the session token goes along as X-Amz-Security-Token (added by the caller). */
        char *sig = xasprintf("aws:amz:%s:%s", t->region, service);
        char *user = xasprintf("%s:%s", t->access_key, t->secret_key ? t->secret_key : "");
        curl_easy_setopt(c, CURLOPT_AWS_SIGV4, sig);
        curl_easy_setopt(c, CURLOPT_USERPWD, user);
        free(sig);
        free(user);
    }
    return c;
}

/* A blocking call for the rare CreateLogGroup / CreateLogStream. Returns the HTTP status. */
static long call_logs(struct export_target *t, const char *op, const char *body)
{
    struct curl_slist *h = NULL;
    char *target = xasprintf("X-Amz-Target: Logs_20140328.%s", op);
    struct buf resp;
    buf_init(&resp, RESP_LIMIT);
    h = curl_slist_append(h, "Content-Type: application/x-amz-json-1.1");
    h = curl_slist_append(h, target);
    if (t->access_key && t->session_token) {
        char *tok = xasprintf("X-Amz-Security-Token: %s", t->session_token);
        h = curl_slist_append(h, tok);
        free(tok);
    }
    long status = 0;
    CURL *c = new_handle(t, t->base_url, h, body, strlen(body), "logs", &resp);
    if (c && curl_easy_perform(c) == CURLE_OK) {
        curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
        if (status == 400 && resp.data && strstr(resp.data, "ResourceAlreadyExistsException")) {
            status = 200;
        }
    }
    if (c) {
        curl_easy_cleanup(c);
    }
    curl_slist_free_all(h);
    buf_fini(&resp);
    free(target);
    return status;
}

static void create_log_stream(struct export_target *t, const struct export_req *q)
{
    json_t *g = json_pack("{s:s}", "logGroupName", q->log_group);
    json_t *s =
        json_pack("{s:s, s:s}", "logGroupName", q->log_group, "logStreamName", q->log_stream);
    char *gb = json_dumps(g, JSON_COMPACT), *sb = json_dumps(s, JSON_COMPACT);
    long st = call_logs(t, "CreateLogGroup", gb);
    if (st / 100 == 2) {
        st = call_logs(t, "CreateLogStream", sb);
    }
    if (st / 100 != 2) {
        log_ratelimited(LOG_WARN, "export: cannot create the log group or stream",
                        "group=\"%s\" stream=\"%s\" status=%ld", q->log_group, q->log_stream, st);
    }
    free(gb);
    free(sb);
    json_decref(g);
    json_decref(s);
}

/* The statuses counted under their own reason; any other refusal is http_other_4xx. */
static const struct {
    long status;
    enum metrics_export_reject reason;
} refusals[] = {
    {400, METRICS_EXPORT_REJECT_HTTP_400}, {401, METRICS_EXPORT_REJECT_HTTP_401},
    {403, METRICS_EXPORT_REJECT_HTTP_403}, {404, METRICS_EXPORT_REJECT_HTTP_404},
    {413, METRICS_EXPORT_REJECT_HTTP_413},
};

static enum metrics_export_reject reason_of(long status)
{
    for (size_t i = 0; i < ARRAY_LEN(refusals); i++) {
        if (refusals[i].status == status) {
            return refusals[i].reason;
        }
    }
    return METRICS_EXPORT_REJECT_HTTP_4XX;
}

static uint64_t backoff_ms(int attempts, curl_off_t retry_after_s)
{
    if (retry_after_s > 0) {
        return (uint64_t)(retry_after_s > RETRY_AFTER_MAX_S ? RETRY_AFTER_MAX_S : retry_after_s) *
               1000;
    }
    uint64_t d = BACKOFF_FIRST_MS;
    for (int i = 1; i < attempts && d < BACKOFF_MAX_MS; i++) {
        d *= 2;
    }
    if (d > BACKOFF_MAX_MS) {
        d = BACKOFF_MAX_MS;
    }
    /* Jitter over the upper half, so exporters that failed together do not retry together. */
    return d / 2 + (uint64_t)random() % (d / 2 + 1);
}

/* Books a finished transfer: done (sent or rejected) or scheduled again. */
static void finish(struct export_target *t, struct export_req *q, CURL *c, CURLcode res)
{
    struct metrics_exporter_counters *m = &metrics.exporters[t->id];
    long status = 0;
    curl_off_t retry_after = 0;
    if (res == CURLE_OK) {
        curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
        curl_easy_getinfo(c, CURLINFO_RETRY_AFTER, &retry_after);
    }
    q->status = status;
    q->attempts++;
    atomic_store_explicit(&m->last_status, (uint64_t)status, memory_order_relaxed);
    if (status / 100 == 2) {
        uint64_t refused = export_partial_rejects(t->id, q);
        refused = refused > q->items ? q->items : refused;
        atomic_fetch_add_explicit(&m->sent, q->items - refused, memory_order_relaxed);
        atomic_fetch_add_explicit(&m->rejected[METRICS_EXPORT_REJECT_UNPROCESSED], refused,
                                  memory_order_relaxed);
        atomic_fetch_add_explicit(&m->requests, 1, memory_order_relaxed);
        atomic_store_explicit(&m->failing, 0, memory_order_relaxed);
        q->done = true;
        return;
    }
    bool missing_stream = status == 400 && q->log_group && q->resp.data &&
                          strstr(q->resp.data, "ResourceNotFoundException");
    if (status >= 400 && status < 500 && status != 408 && status != 429 && !missing_stream) {
        atomic_fetch_add_explicit(&m->rejected[reason_of(status)], q->items, memory_order_relaxed);
        log_ratelimited(LOG_WARN, "export: request refused",
                        "exporter=%s status=%ld body=\"%.200s\"", metrics_exporter_label(t->id),
                        status, q->resp.data ? q->resp.data : "");
        q->done = true;
        return;
    }
    atomic_store_explicit(&m->failing, 1, memory_order_relaxed);
    atomic_fetch_add_explicit(&m->retried, 1, memory_order_relaxed);
    if (missing_stream) {
        create_log_stream(t, q);
        q->not_before_ms = now_mono_ms();
    } else {
        q->not_before_ms = now_mono_ms() + backoff_ms(q->attempts, retry_after);
        log_ratelimited(LOG_WARN, "export: will retry", "exporter=%s status=%ld error=\"%s\"",
                        metrics_exporter_label(t->id), status,
                        res == CURLE_OK ? "" : curl_easy_strerror(res));
    }
    buf_reset(&q->resp);
}

/* Adds requests that are due, up to the parallel limit. Returns how many are in flight. */
static int start_due(struct export_target *t, struct export_reqs *reqs, CURL **handles,
                     int inflight, uint64_t *next_due)
{
    uint64_t now = now_mono_ms();
    *next_due = UINT64_MAX;
    for (size_t i = 0; i < reqs->n && inflight < SEND_PARALLEL; i++) {
        struct export_req *q = &reqs->v[i];
        if (q->done || handles[i]) {
            continue;
        }
        if (q->not_before_ms > now) {
            *next_due = q->not_before_ms < *next_due ? q->not_before_ms : *next_due;
            continue;
        }
        handles[i] = new_handle(t, q->url, q->headers, q->body, q->len, t->sigv4_service, &q->resp);
        if (!handles[i]) {
            q->not_before_ms = now + BACKOFF_FIRST_MS;
            continue;
        }
        curl_easy_setopt(handles[i], CURLOPT_PRIVATE, (void *)(uintptr_t)i);
        curl_multi_add_handle(t->multi, handles[i]);
        inflight++;
    }
    return inflight;
}

/* Whether a request waits only for a free slot (due, not done, not in flight). */
static bool any_due(const struct export_reqs *reqs, CURL *const *handles)
{
    uint64_t now = now_mono_ms();
    for (size_t i = 0; i < reqs->n; i++) {
        if (!reqs->v[i].done && !handles[i] && reqs->v[i].not_before_ms <= now) {
            return true;
        }
    }
    return false;
}

int export_send(struct export_target *t, struct export_reqs *reqs)
{
    CURL **handles = xcalloc(reqs->n ? reqs->n : 1, sizeof(*handles));
    int inflight = 0, rc = 0;
    size_t remaining = reqs->n;
    uint64_t last_tick = now_mono_ms();
    while (remaining > 0) {
        if (t->tick && now_mono_ms() - last_tick >= 1000) {
            t->tick(t->tick_arg);
            last_tick = now_mono_ms();
        }
        if (*t->stopping) {
            rc = ERR_TIMEOUT;
            break;
        }
        uint64_t next_due;
        inflight = start_due(t, reqs, handles, inflight, &next_due);
        int running = 0;
        curl_multi_perform(t->multi, &running);
        CURLMsg *msg;
        int left;
        while ((msg = curl_multi_info_read(t->multi, &left))) {
            if (msg->msg != CURLMSG_DONE) {
                continue;
            }
            void *priv = NULL;
            curl_easy_getinfo(msg->easy_handle, CURLINFO_PRIVATE, &priv);
            size_t i = (size_t)(uintptr_t)priv;
            finish(t, &reqs->v[i], msg->easy_handle, msg->data.result);
            curl_multi_remove_handle(t->multi, handles[i]);
            curl_easy_cleanup(handles[i]);
            handles[i] = NULL;
            inflight--;
            remaining -= reqs->v[i].done;
        }
        if (remaining == 0) {
            break;
        }
        if (inflight < SEND_PARALLEL && any_due(reqs, handles)) {
            continue; /* a slot freed up: start the next request before sleeping */
        }
        /* Sleep until a transfer moves or the next retry is due; stop wakes it early. */
        uint64_t now = now_mono_ms();
        int wait = inflight ? 100 : 250;
        if (next_due != UINT64_MAX && next_due > now && next_due - now < (uint64_t)wait) {
            wait = (int)(next_due - now);
        } else if (next_due != UINT64_MAX && next_due <= now) {
            wait = 0;
        }
        curl_multi_poll(t->multi, NULL, 0, wait, NULL);
    }
    for (size_t i = 0; i < reqs->n; i++) {
        if (handles[i]) {
            curl_multi_remove_handle(t->multi, handles[i]);
            curl_easy_cleanup(handles[i]);
        }
    }
    free(handles);
    return rc;
}
