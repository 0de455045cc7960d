/*
 * otlp_http.h - OTLP/HTTP replies shared by /v1/traces and /v1/logs (reference/otlp.md §3):
 * success as an Export*ServiceResponse and errors as a google.rpc.Status, both in the
 * request's content type (JSON when the request's is not understood). HTTP threads.
 */
#ifndef OTLP_HTTP_H
#define OTLP_HTTP_H

#include "http.h"
#include "otlp_decode.h"
#include "otlp_reasons.h"

/* Replies status with a google.rpc.Status {code, message} and counts the refusal under reason.
 * 429 and 503 also carry Retry-After. */
void otlp_http_error(struct http_reply *rep, enum otlp_content ct, unsigned status,
                     enum otlp_request_reject reason, const char *fmt, ...) PRINTF_LIKE(5, 6);

/* Replies 200 with msg (borrowed; a response message) packed or JSON-encoded. */
void otlp_http_reply(struct http_reply *rep, enum otlp_content ct, const ProtobufCMessage *msg);

/* Reads Content-Type and Content-Encoding and yields the body to decode (req->body, or a new
 * inflated copy in *owned that the caller frees). Replies 415/413/400 and returns false when
 * the body cannot be used; max is the uncompressed limit. */
bool otlp_http_body(struct http_request *req, struct http_reply *rep, size_t max,
                    enum otlp_content *ct, const void **body, size_t *len, uint8_t **owned);

/* True (after replying 503 with Retry-After) when the ingest queue is full. */
bool otlp_http_queue_full(struct http_request *req, struct http_reply *rep, enum otlp_content ct);

#endif
