/*
 * otlp_ingest.h - an ExportTraceServiceRequest into what the writer stores: the segment
 * documents its spans translate to (validated like any X-Ray document) and each span as
 * received, in the OTLP JSON shape Transaction Search keeps in aws/spans. Translation runs
 * on the thread that received the request (an HTTP thread, or a writer pool thread for UDP),
 * never on the writer (DESIGN.md §11); otlp_batch_store() is the writer's part.
 */
#ifndef OTLP_INGEST_H
#define OTLP_INGEST_H

#include "logs_chunk.h"
#include "otlp_decode.h"
#include "otlp_reasons.h"
#include "otlp_xray.h"
#include "segment.h"
#include "writer.h"

struct jarena;

/* AWS's per-request and per-span limits (reference/otlp.md §1). */
#define OTLP_MAX_SPANS_PER_REQUEST 10000
#define OTLP_MAX_SPAN_BYTES (200 * 1024)
#define OTLP_MAX_FUTURE_S (2 * 3600)
#define OTLP_MAX_PAST_S (14 * 86400)
#define OTLP_MAX_GAP_S (24 * 3600) /* between the earliest and latest span of one request */

/* One span as received, kept beside its segments. */
struct otlp_span_row {
    char trace_id[36]; /* X-Ray form, the key shared with the segments */
    double start_time;
    char *json; /* owned: the span in the aws/spans JSON shape */
};

struct otlp_batch {
    struct segment *segs; /* validated documents, in span order */
    char **texts;         /* each document serialized here, so the writer does not */
    size_t nsegs, segcap;
    struct otlp_span_row *spans;
    size_t nspans, spancap;
    size_t accepted, rejected;
    unsigned rejected_by[OTLP_SPAN_REJECT_COUNT];
    struct logs_chunk_pack spans_log; /* the kept spans as aws/spans log events, packed */
    struct jarena *arena;  /* the documents' jansson values (jarena.h), freed with the batch */
    char first_error[200]; /* why the first refused span was refused */
};

/* Counts the spans of a request. */
size_t otlp_count_spans(const OTLP_TRACE_REQ *req);
/* Seconds between the earliest and the latest start among the spans of a request that the
 * per-span time rules accept relative to now (those refused alone do not count); 0 for one. */
double otlp_start_gap(const OTLP_TRACE_REQ *req, double now);

/* Translates every span of req (borrowed) into b, refusing spans by AWS's rules relative to
 * now (epoch seconds). keep_spans false skips the as-received copies; with them, the spans are
 * also packed as log events for the aws/spans log group. Call once per batch. Any thread. */
void otlp_batch_add(struct otlp_batch *b, const OTLP_TRACE_REQ *req, double now,
                    const struct otlp_xray_opts *opts, bool keep_spans);
void otlp_batch_fini(struct otlp_batch *b);

/* Adds n refusals for reason to b and to the metrics. */
void otlp_batch_reject(struct otlp_batch *b, enum otlp_span_reject reason, size_t n,
                       const char *detail);

/* Writer thread, inside a writer_fn: stores b's documents and spans, and the spans as log events
 * of aws/spans (created on first use). Returns 0 or ERR_INTERNAL. */
int otlp_batch_store(struct writer_txn *txn, const struct otlp_batch *b,
                     double received_at) MUST_CHECK;

/* A span in the aws/spans shape: resource and scope attributes, hex ids, kind as its name,
 * times as integers, attributes as a flat object. New reference. */
json_t *otlp_span_json(const OTLP_SPAN *span, const OTLP_RESOURCE *res, const OTLP_SCOPE *scope);

struct jx_out;
/* The span's own members as otlp_span_json() dumps them, after its opening brace and through its
 * closing one ('"traceId":…}'), appended to o without building a tree (otlp_span_text.c).
 * Returns 0, or ERR_INVALID when the span holds something jansson would drop or merge (text
 * that is not UTF-8 in a key or event name, a repeated attribute key): o then holds a partial
 * text the caller discards, and the span goes through otlp_span_json(). Any thread. */
int otlp_span_text(struct jx_out *o, const OTLP_SPAN *span) MUST_CHECK;

#endif
