/*
 * otlp_decode.h - OTLP request bodies into protoc-c messages: the Content-Type and
 * Content-Encoding rules of OTLP/HTTP (reference/otlp.md §1, §3), gzip with a hard limit on the
 * inflated size, protobuf (depth-checked before protobuf-c unpacks it) or the OTLP JSON mapping,
 * and the base64 of ADOT's UDP payloads (§4). Short names for the generated message types live
 * here too. Pure functions; any thread.
 */
#ifndef OTLP_DECODE_H
#define OTLP_DECODE_H

#include <jansson.h>
#include <protobuf-c/protobuf-c.h>

#include "fluoro.h"
#include "otlp_logs_service.pb-c.h"
#include "otlp_trace_service.pb-c.h"
#include "rpc_status.pb-c.h"

/* The generated names are long; these are the ones the OTLP modules use. */
#define OTLP_TRACE_REQ struct Opentelemetry__Proto__Collector__Trace__V1__ExportTraceServiceRequest
#define OTLP_LOGS_REQ struct Opentelemetry__Proto__Collector__Logs__V1__ExportLogsServiceRequest
#define OTLP_RESOURCE_SPANS struct Opentelemetry__Proto__Trace__V1__ResourceSpans
#define OTLP_SCOPE_SPANS struct Opentelemetry__Proto__Trace__V1__ScopeSpans
#define OTLP_SPAN struct Opentelemetry__Proto__Trace__V1__Span
#define OTLP_EVENT struct Opentelemetry__Proto__Trace__V1__Span__Event
#define OTLP_LINK struct Opentelemetry__Proto__Trace__V1__Span__Link
#define OTLP_RESOURCE struct Opentelemetry__Proto__Resource__V1__Resource
#define OTLP_SCOPE struct Opentelemetry__Proto__Common__V1__InstrumentationScope
#define OTLP_KV struct Opentelemetry__Proto__Common__V1__KeyValue
#define OTLP_ANY struct Opentelemetry__Proto__Common__V1__AnyValue
#define OTLP_RESOURCE_LOGS struct Opentelemetry__Proto__Logs__V1__ResourceLogs
#define OTLP_SCOPE_LOGS struct Opentelemetry__Proto__Logs__V1__ScopeLogs
#define OTLP_LOG_RECORD struct Opentelemetry__Proto__Logs__V1__LogRecord

/* AWS's limit on an uncompressed /v1/traces request (reference/otlp.md §1). */
#define OTLP_TRACES_MAX_BYTES (5u * 1024 * 1024)
/* CloudWatch Logs' limit on a /v1/logs request (reference/otlp.md §2). */
#define OTLP_LOGS_MAX_BYTES 1048576u

enum otlp_content { OTLP_CONTENT_UNKNOWN, OTLP_CONTENT_PROTOBUF, OTLP_CONTENT_JSON };

/* The body format a Content-Type header names (parameters such as charset ignored). */
enum otlp_content otlp_content_type(const char *header);

/* Inflates a gzip (or zlib) body into a new buffer of at most max bytes. Returns 0,
 * ERR_LIMIT when the inflated body would exceed max, or ERR_INVALID for corrupt data. */
int otlp_gunzip(const void *in, size_t len, size_t max, uint8_t **out, size_t *out_len) MUST_CHECK;

/* Decodes a request body. Returns a new message (free with protobuf_c_message_free_unpacked(m,
 * NULL)) or NULL with err filled. */
OTLP_TRACE_REQ *otlp_decode_traces(const void *body, size_t len, enum otlp_content ct,
                                   struct errbuf *err);
OTLP_LOGS_REQ *otlp_decode_logs(const void *body, size_t len, enum otlp_content ct,
                                struct errbuf *err);

/* Base64 (standard alphabet, padding optional, whitespace refused) into a new buffer in out.
 * Returns 0 or ERR_INVALID. */
int otlp_base64_decode(const char *s, size_t len, ProtobufCBinaryData *out) MUST_CHECK;
/* New NUL-terminated strings. */
char *otlp_base64_encode(const uint8_t *data, size_t len);
char *otlp_hex_encode(const uint8_t *data, size_t len);

/* An AnyValue as plain JSON (the Collector's AsRaw): string, integer, real, boolean, array,
 * object for a key-value list, base64 string for bytes; JSON null when unset. New reference. */
json_t *otlp_any_json(const OTLP_ANY *v);

/* An InstrumentationScope as {"name", "version"} (members only when set; {} for NULL), the form
 * spans and log records keep it in when stored as JSON. New reference. */
json_t *otlp_scope_json(const OTLP_SCOPE *scope);

/* An attribute by key in a KeyValue list, or NULL (borrowed). */
const OTLP_ANY *otlp_attr(OTLP_KV *const *kvs, size_t n, const char *key);
/* The string value of an attribute, or NULL when absent or not a string (borrowed). */
const char *otlp_attr_str(OTLP_KV *const *kvs, size_t n, const char *key);
/* An integer attribute (int, or a string/double holding one) into *out; false when absent. */
bool otlp_attr_int(OTLP_KV *const *kvs, size_t n, const char *key, int64_t *out);

#endif
