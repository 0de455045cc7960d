/*
 * otlp_udp.h - ADOT's OTel payloads on UDP 2000 (reference/otlp.md §4): after the daemon header
 * line, `T1S` + base64 ExportTraceServiceRequest (sampled spans: translated and stored like
 * /v1/traces), `T1U` (unsampled spans) and `M1` (metrics), both counted and dropped. The writer
 * calls in from its pool threads, where segment documents are parsed (never from udp.c, which
 * only copies datagrams).
 */
#ifndef OTLP_UDP_H
#define OTLP_UDP_H

#include "otlp_ingest.h"
#include "segment.h"

/* True when a datagram body (after the header line) carries an ADOT prefix, not a segment. */
bool otlp_udp_claims(const char *body, size_t len);

/* Parses a claimed body. SEGMENT_OK with *out a new batch (free with otlp_udp_free) holding at
 * least one accepted span; otherwise OTEL_UNSAMPLED, OTEL_METRICS or OTEL_INVALID and no batch.
 * Any thread. */
enum segment_reject otlp_udp_parse(const char *body, size_t len, double now,
                                   struct otlp_batch **out, struct errbuf *err);
void otlp_udp_free(struct otlp_batch *b);

#endif
