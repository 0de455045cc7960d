/*
 * export_int.h - what the exporter files share: a round's rows as read from the store
 * (export_db.c), the requests an encoder builds from them (export_aws.c, export_otlp.c), and
 * the sender that delivers them with retries (export_send.c). Everything here belongs to one
 * exporter thread.
 */
#ifndef EXPORT_INT_H
#define EXPORT_INT_H

#include <curl/curl.h>
#include <stdatomic.h>
#include <stdint.h>

#include "buf.h"
#include "metrics.h"
#include "store.h"
#include "writer.h"

enum export_source { EXPORT_SOURCE_SEGMENTS, EXPORT_SOURCE_LOG_CHUNKS };

/* One segment document as stored (text exactly as received). */
struct export_seg {
    int64_t seq;
    double received_at;
    char *doc;
    size_t len;
};

/* One log chunk: its stream and its packed events (logs_chunk.h). */
struct export_chunk {
    int64_t id;
    char *group, *stream;
    int64_t min_ts, max_ts;
    uint32_t count;
    int64_t bytes;
    unsigned char *data;
    size_t data_len;
};

/* A round's rows, in position order; last is the position the cursor moves to. */
struct export_batch {
    struct export_seg *segs;
    size_t nsegs;
    struct export_chunk *chunks;
    size_t nchunks;
    int64_t last;
};

void export_batch_fini(struct export_batch *b);

/* Reads up to max rows after pos into *b. Returns 0 or ERR_INTERNAL. Exporter thread. */
int export_db_read(struct store *ro, enum export_source src, int64_t pos, int max,
                   struct export_batch *b) MUST_CHECK;
/* The stored position of an exporter's cursor (0 when it never ran). */
int export_db_cursor(struct store *ro, const char *exporter, enum export_source src,
                     int64_t *pos) MUST_CHECK;
/* Items after pos and the age in ms of the oldest of them (0 when none). */
int export_db_lag(struct store *ro, enum export_source src, int64_t pos, uint64_t *items,
                  uint64_t *age_ms) MUST_CHECK;
/* The highest position stored now (0 when empty). */
int64_t export_db_max_pos(struct store *ro, enum export_source src);
/* Queues the cursor write to the writer (fire-and-forget: a round repeated after a crash is
 * sent again, which X-Ray and OTLP receivers treat as a replacement by id). */
void export_db_save_cursor(struct writer *w, const char *exporter, enum export_source src,
                           int64_t pos);

/* One HTTP request of a round. The encoder fills what to send; the sender keeps the state. */
struct export_req {
    char *url;                  /* owned */
    struct curl_slist *headers; /* owned: Content-Type, X-Amz-Target, ... */
    char *body;                 /* owned */
    size_t len;
    uint64_t items; /* what sent/rejected count for this request */
    /* PutLogEvents: the stream, created when the receiver says it is missing */
    char *log_group, *log_stream;
    /* sender state */
    int attempts;
    bool done;
    uint64_t not_before_ms;
    long status;
    struct buf resp;
};

struct export_reqs {
    struct export_req *v;
    size_t n, cap;
};

struct export_req *export_reqs_add(struct export_reqs *r);
void export_reqs_fini(struct export_reqs *r);

/* The settings every request of one exporter shares. */
struct export_target {
    enum metrics_exporter id;
    const char *base_url;
    char **headers; /* "K: V" lines added to every request (--export-header), NULL-terminated */
    char region[64];
    const char *sigv4_service;                     /* "xray", "logs", or NULL for no signature */
    char *access_key, *secret_key, *session_token; /* SigV4 when access_key is set */
    atomic_bool *stopping;   /* the owner's shutdown flag, read by the exporter thread */
    CURLM *multi;            /* owned by the exporter thread */
    void (*tick)(void *arg); /* called about once a second while a round is being sent */
    void *tick_arg;
};

/* A new request of r to base_url + path ("" for the base URL itself; a trailing slash of the base
 * is dropped first) with Content-Type and the target's extra headers. Borrowed from r. */
struct export_req *export_req_new(struct export_target *t, struct export_reqs *r, const char *path,
                                  const char *content_type);

/* Sends every request until each is accepted or permanently rejected, counting sent, retried
 * and rejected in metrics. Returns 0, or ERR_TIMEOUT when stopping interrupted it (the round is
 * then repeated on the next start). */
int export_send(struct export_target *t, struct export_reqs *reqs) MUST_CHECK;

/* Encoders: turn a batch into requests. Return 0 or ERR_INTERNAL; items that cannot be sent at
 * all are counted as rejected here. */
int export_xray_build(struct export_target *t, const struct export_batch *b,
                      struct export_reqs *out) MUST_CHECK;
int export_logs_build(struct export_target *t, const struct export_batch *b,
                      struct export_reqs *out) MUST_CHECK;
int export_otlp_traces_build(struct export_target *t, const struct export_batch *b,
                             struct export_reqs *out) MUST_CHECK;
int export_otlp_logs_build(struct export_target *t, const struct export_batch *b,
                           struct export_reqs *out) MUST_CHECK;

/* After a 2xx: how many of the request's items the backend refused all the same (X-Ray's
 * UnprocessedTraceSegments, Logs' rejectedLogEventsInfo, OTLP's partial_success). */
uint64_t export_partial_rejects(enum metrics_exporter id, const struct export_req *r);
/* The same for an OTLP response body (ExportTrace/LogsServiceResponse.partial_success). */
uint64_t export_otlp_partial(enum metrics_exporter id, const struct export_req *r);

#endif
