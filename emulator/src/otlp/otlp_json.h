/*
 * otlp_json.h - the OTLP JSON mapping (reference/otlp.md §3) for any protoc-c message, driven by
 * the message descriptors: lowerCamelCase names (snake_case accepted too), trace and span ids as
 * hex, other bytes as base64, enums as integers, 64-bit integers as decimal strings (numbers
 * accepted), unknown fields ignored. One codec serves traces, logs, responses and errors.
 * Pure functions; any thread.
 */
#ifndef OTLP_JSON_H
#define OTLP_JSON_H

#include <jansson.h>
#include <protobuf-c/protobuf-c.h>

#include "fluoro.h"

/* Deepest nesting of messages accepted, in JSON and in protobuf (AnyValue can nest without end,
 * and protobuf-c's unpacker recurses without a limit). */
#define OTLP_MAX_DEPTH 64

/* Decodes doc (borrowed) as a message of type desc. Returns a new message, released with
 * protobuf_c_message_free_unpacked(m, NULL), or NULL with err filled when doc does not fit. */
ProtobufCMessage *otlp_json_decode(const ProtobufCMessageDescriptor *desc, const json_t *doc,
                                   struct errbuf *err);

/* Encodes m (borrowed) as a new JSON object, omitting fields at their default as proto3 does. */
json_t *otlp_json_encode(const ProtobufCMessage *m);

/* Checks, before protobuf_c_message_unpack, that data is a well-formed message of type desc
 * nested at most OTLP_MAX_DEPTH deep. Returns 0 or ERR_INVALID with err filled. */
int otlp_pb_check(const ProtobufCMessageDescriptor *desc, const uint8_t *data, size_t len,
                  struct errbuf *err) MUST_CHECK;

#endif
