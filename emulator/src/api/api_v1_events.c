/*
 * api_v1_events.c - GET /api/v1/events: a server-sent-event stream that tells the web UI when new
 * traces or log events have been committed, so open pages refresh without polling.
 *
 * Threads: the handler and the stream callback run on a libmicrohttpd pool thread. The callback
 * never waits: with nothing to send it parks the connection (http.h) until the next commit or
 * until the next frame or ping is due, and shutdown resumes it to end the stream.
 *
 * Invariants: announcements carry no data, only what kind changed and the writer generation;
 * the UI re-reads through the ordinary /api/v1 reads. Bursts of commits are coalesced to at most
 * one frame per MIN_GAP_MS, and a ": ping" comment goes out after PING_MS of silence so proxies
 * keep the connection open and a dead client is noticed by the failed write.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "routes.h"

enum {
    PING_MS = 15000,  /* keep-alive comment after this much silence */
    MIN_GAP_MS = 250, /* coalesce bursts: at most four frames a second */
};

struct events_stream {
    struct app *app;
    uint64_t generation; /* last generation announced (or seen at connect) */
    uint64_t last_sent_ms;
    uint64_t last_event_ms;
    unsigned pending; /* WRITER_CHANGED_* bits seen but not yet announced */
    bool greeted;
};

/* Formats one frame into out; returns its length, or 0 when it does not fit (never expected: the
 * reader's buffer is 16 KiB and a frame is under 200 bytes). */
static long frame(char *out, size_t max, const char *fmt, unsigned long long gen, bool traces,
                  bool logs)
{
    int n = snprintf(out, max, fmt, gen, traces ? "true" : "false", logs ? "true" : "false");
    return n > 0 && (size_t)n < max ? (long)n : 0;
}

static long events_next(void *ctx, char *out, size_t max, struct http_wake *wake)
{
    struct events_stream *s = ctx;
    static const char change_fmt[] =
        "event: change\ndata: {\"generation\":%llu,\"traces\":%s,\"logs\":%s}\n\n";
    static const char hello_fmt[] =
        "retry: 2000\nevent: hello\ndata: {\"generation\":%llu,\"traces\":%s,\"logs\":%s}\n\n";
    if (!s->greeted) {
        s->greeted = true;
        s->last_sent_ms = now_mono_ms();
        return frame(out, max, hello_fmt, (unsigned long long)s->generation, false, false);
    }
    if (s->app->stopping) {
        return -1;
    }
    unsigned bits = 0;
    s->generation = writer_wait_change(s->app->writer, s->generation, 0, &bits);
    s->pending |= bits & (WRITER_CHANGED_TRACES | WRITER_CHANGED_LOGS);
    uint64_t now = now_mono_ms();
    if (s->pending && now - s->last_event_ms >= MIN_GAP_MS) {
        long n = frame(out, max, change_fmt, (unsigned long long)s->generation,
                       s->pending & WRITER_CHANGED_TRACES, s->pending & WRITER_CHANGED_LOGS);
        s->pending = 0;
        s->last_event_ms = s->last_sent_ms = now;
        return n;
    }
    if (!s->pending && now - s->last_sent_ms >= PING_MS) {
        static const char ping[] = ": ping\n\n";
        s->last_sent_ms = now;
        memcpy(out, ping, sizeof(ping) - 1);
        return (long)(sizeof(ping) - 1);
    }
    /* A burst settles until MIN_GAP_MS after the last frame (commits meanwhile fold into the
     * next one); otherwise wait for a commit or the next ping. */
    wake->generation = s->generation;
    wake->deadline_ms = s->pending ? s->last_event_ms + MIN_GAP_MS : s->last_sent_ms + PING_MS;
    return 0;
}

static void events_free(void *ctx)
{
    free(ctx);
}

void api_events(struct http_request *req, struct http_reply *rep)
{
    struct events_stream *s = xcalloc(1, sizeof(*s));
    s->app = req->app;
    s->generation = writer_generation(req->app->writer);
    http_reply_sse(rep, events_next, s, events_free);
}
