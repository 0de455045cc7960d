/*
 * otlp_xray.h - one OTLP span into X-Ray segment documents, field for field the way the
 * OpenTelemetry Collector's awsxray exporter translates (reference/otlp.md §6): SERVER spans and
 * spans without a parent become segments, the others subsegments; names from aws.local.service /
 * aws.remote.service / peer.service / aws.service / db.name / service.name / rpc.service /
 * http.host / net.peer.name / the span name; http, aws, sql, cause, annotations and metadata
 * from the attributes (old and current semantic conventions). Pure; any thread (HTTP threads
 * and the writer's pool call it, never the writer itself).
 *
 * Where the Collector draws random ids (exception ids, the service segment of a local-root
 * client span) fluoro derives them from the span id, so a span sent twice translates to the
 * same documents and golden files are stable.
 */
#ifndef OTLP_XRAY_H
#define OTLP_XRAY_H

#include <jansson.h>

#include "otlp_decode.h"

struct otlp_xray_opts {
    bool index_all; /* every scalar attribute becomes an annotation (index_all_attributes) */
};

/* Appends the span's documents (new objects) to docs (borrowed array): one, or two for a
 * local-root CLIENT/PRODUCER/CONSUMER span (its service segment and the dependency subsegment).
 * res may be NULL. Returns 0, or ERR_INVALID with err filled (bad trace or span id). */
int otlp_xray_translate(const OTLP_SPAN *span, const OTLP_RESOURCE *res,
                        const struct otlp_xray_opts *opts, json_t *docs,
                        struct errbuf *err) MUST_CHECK;

/* "1-<8 hex>-<24 hex>" from a 16-byte W3C trace id (any value but all zeros, as AWS now
 * accepts random ids). Returns false when id is not 16 bytes or is all zeros. */
bool otlp_xray_trace_id(const ProtobufCBinaryData *id, char out[36]);

/* The exception list of a span's `cause` (otlp_cause.c): exception events with their stack
 * frames parsed for the SDK language, or NULL when the span has none. New reference. */
json_t *otlp_cause_exceptions(const OTLP_SPAN *span, const char *language, bool remote);

/* A deterministic 16-hex id from a span id and a salt (exception and synthetic segment ids). */
void otlp_xray_derived_id(const ProtobufCBinaryData *span_id, uint32_t salt, char out[17]);

#endif
