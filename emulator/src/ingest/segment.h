/*
 * segment.h - the X-Ray daemon datagram header and segment-document validation
 * (reference/daemon-protocol.md §1, reference/segment-document.md). Pure functions: no SQL, no I/O.
 * Called by the writer thread (UDP items) and HTTP threads (PutTraceSegments pre-validation).
 */
#ifndef SEGMENT_H
#define SEGMENT_H

#include <jansson.h>

#include "fluoro.h"

/* Largest accepted segment document, in bytes (reference/segment-document.md §2). */
#define SEGMENT_MAX_DOC 65536

/* Why a datagram or document was refused. The names are the metric label values. */
#define SEGMENT_REJECT_REASONS(X)                                                                  \
    X(NO_HEADER, "no_header")           /* no newline, or nothing after it */                      \
    X(BAD_HEADER, "bad_header")         /* header not {"format":"json","version":1} */             \
    X(NOT_JSON, "not_json")             /* document is not parseable JSON */                       \
    X(NOT_OBJECT, "not_object")         /* document is JSON but not an object */                   \
    X(TOO_LARGE, "too_large")           /* over SEGMENT_MAX_DOC */                                 \
    X(MISSING_FIELD, "missing_field")   /* a required field is absent */                           \
    X(WRONG_TYPE, "wrong_type")         /* a field has the wrong JSON type */                      \
    X(BAD_TRACE_ID, "bad_trace_id")     /* trace_id not 1-8hex-24hex */                            \
    X(BAD_ID, "bad_id")                 /* id / parent_id not 16 hex */                            \
    X(BAD_NAME, "bad_name")             /* empty, > 200 chars or disallowed characters */          \
    X(BAD_TIME, "bad_time")             /* end_time < start_time, negative or non-finite */        \
    X(BAD_SUBSEGMENT, "bad_subsegment") /* an embedded subsegment breaks a rule above */           \
    X(OTEL_UNSAMPLED, "otel_unsampled") /* ADOT T1U: unsampled OTel spans, dropped */              \
    X(OTEL_METRICS, "otel_metrics")     /* ADOT M1: OTel metrics, not stored */                    \
    X(OTEL_INVALID, "otel_invalid")     /* ADOT T1S whose payload is not base64 OTLP, or no span */

enum segment_reject {
    SEGMENT_OK = 0,
#define X(id, label) SEGMENT_REJECT_##id,
    SEGMENT_REJECT_REASONS(X)
#undef X
        SEGMENT_REJECT_COUNT
};

/* The metric label of a reason ("no_header", ...); SEGMENT_OK gives "ok". */
const char *segment_reject_label(enum segment_reject r);

/* A validated document. `doc` is owned (one reference); the strings are copies. */
struct segment {
    json_t *doc;
    char trace_id[36];
    char id[17];
    char parent_id[17]; /* "" when absent */
    bool is_subsegment; /* type == "subsegment" (sent on its own) */
    bool in_progress;
    double start_time;
    double end_time; /* 0 when in progress */
};

/* Splits a UDP datagram at its first '\n' and checks the header (parsed, not byte-compared).
 * On success body and body_len point into data. Returns SEGMENT_OK or NO_HEADER/BAD_HEADER. */
enum segment_reject segment_split_datagram(const char *data, size_t len, const char **body,
                                           size_t *body_len);

/* Parses and validates one document. On SEGMENT_OK fills *out (release with segment_fini);
 * otherwise *out is untouched and err (may be NULL) says which field broke which rule. */
enum segment_reject segment_parse(const char *body, size_t len, struct segment *out,
                                  struct errbuf *err);

/* Same rules, for a document already parsed (borrowed; on success out->doc takes a new ref). */
enum segment_reject segment_validate(json_t *doc, struct segment *out, struct errbuf *err);

void segment_fini(struct segment *s);

/* The 8-hex epoch-seconds part of a valid trace id. */
double segment_trace_id_time(const char *trace_id);

#endif
