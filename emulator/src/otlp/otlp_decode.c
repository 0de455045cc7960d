/*
 * otlp_decode.c - OTLP bodies into protoc-c messages (see otlp_decode.h). Pure; any thread.
 * protobuf-c's unpacker recurses without a limit, so every protobuf body is walked by
 * otlp_pb_check() first; JSON is parsed by jansson (depth-limited) and mapped by otlp_json.c.
 */
#include "otlp_decode.h"

#include <jansson.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <zlib.h>

#include "otlp_json.h"

enum otlp_content otlp_content_type(const char *header)
{
    if (!header) {
        return OTLP_CONTENT_UNKNOWN;
    }
    while (*header == ' ') {
        header++;
    }
    size_t n = strcspn(header, "; ");
    if (n == strlen("application/x-protobuf") &&
        strncasecmp(header, "application/x-protobuf", n) == 0) {
        return OTLP_CONTENT_PROTOBUF;
    }
    if (n == strlen("application/json") && strncasecmp(header, "application/json", n) == 0) {
        return OTLP_CONTENT_JSON;
    }
    return OTLP_CONTENT_UNKNOWN;
}

int otlp_gunzip(const void *in, size_t len, size_t max, uint8_t **out, size_t *out_len)
{
    z_stream z = {0};
    size_t cap = len * 4 + 1024 < max + 1 ? len * 4 + 1024 : max + 1;
    uint8_t *buf = xmalloc(cap);
    int rc = ERR_INVALID;
    /* 15 + 32: a gzip or zlib header, detected. */
    if (inflateInit2(&z, 15 + 32) != Z_OK) {
        free(buf);
        return ERR_INTERNAL;
    }
    z.next_in = (Bytef *)in;
    z.avail_in = (uInt)len;
    size_t used = 0;
    for (;;) {
        if (used == cap) {
            if (cap > max) {
                rc = ERR_LIMIT;
                goto out;
            }
            cap = cap * 2 > max + 1 ? max + 1 : cap * 2;
            buf = xrealloc(buf, cap);
        }
        z.next_out = buf + used;
        z.avail_out = (uInt)(cap - used);
        int zr = inflate(&z, Z_NO_FLUSH);
        used = cap - z.avail_out;
        if (used > max) {
            rc = ERR_LIMIT;
            goto out;
        }
        if (zr == Z_STREAM_END) {
            break;
        }
        /* Z_BUF_ERROR with room left means the input ended before the stream did. */
        if (zr != Z_OK && !(zr == Z_BUF_ERROR && used == cap)) {
            goto out;
        }
    }
    rc = 0;
    *out = buf;
    *out_len = used;
    buf = NULL;
out:
    inflateEnd(&z);
    free(buf);
    return rc;
}

static ProtobufCMessage *decode(const ProtobufCMessageDescriptor *desc, const void *body,
                                size_t len, enum otlp_content ct, struct errbuf *err)
{
    if (ct == OTLP_CONTENT_PROTOBUF) {
        if (otlp_pb_check(desc, body, len, err) < 0) {
            return NULL;
        }
        ProtobufCMessage *m = protobuf_c_message_unpack(desc, NULL, len, body);
        if (!m) {
            errbuf_set(err, -1, "the body is not a valid protobuf %s", desc->short_name);
        }
        return m;
    }
    json_error_t jerr;
    json_t *doc = json_loadb(body, len, 0, &jerr);
    if (!doc) {
        errbuf_set(err, jerr.position, "the body is not valid JSON: %s", jerr.text);
        return NULL;
    }
    ProtobufCMessage *m = otlp_json_decode(desc, doc, err);
    json_decref(doc);
    return m;
}

OTLP_TRACE_REQ *otlp_decode_traces(const void *body, size_t len, enum otlp_content ct,
                                   struct errbuf *err)
{
    return (OTLP_TRACE_REQ *)decode(
        &opentelemetry__proto__collector__trace__v1__export_trace_service_request__descriptor, body,
        len, ct, err);
}

OTLP_LOGS_REQ *otlp_decode_logs(const void *body, size_t len, enum otlp_content ct,
                                struct errbuf *err)
{
    return (OTLP_LOGS_REQ *)decode(
        &opentelemetry__proto__collector__logs__v1__export_logs_service_request__descriptor, body,
        len, ct, err);
}

static const char b64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

static int b64val(unsigned char c)
{
    const char *p = c ? strchr(b64, c) : NULL;
    return p ? (int)(p - b64) : -1;
}

int otlp_base64_decode(const char *s, size_t len, ProtobufCBinaryData *out)
{
    while (len && s[len - 1] == '=') {
        len--;
    }
    if (len % 4 == 1) {
        return ERR_INVALID;
    }
    uint8_t *b = xmalloc(len * 3 / 4 + 3);
    size_t n = 0;
    uint32_t acc = 0;
    int bits = 0;
    for (size_t i = 0; i < len; i++) {
        int v = b64val((unsigned char)s[i]);
        if (v < 0) {
            free(b);
            return ERR_INVALID;
        }
        acc = acc << 6 | (uint32_t)v;
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            b[n++] = (uint8_t)(acc >> bits);
        }
    }
    out->data = b;
    out->len = n;
    return 0;
}

char *otlp_base64_encode(const uint8_t *data, size_t len)
{
    char *out = xmalloc((len + 2) / 3 * 4 + 1);
    size_t n = 0;
    for (size_t i = 0; i < len; i += 3) {
        uint32_t v = (uint32_t)data[i] << 16;
        if (i + 1 < len) {
            v |= (uint32_t)data[i + 1] << 8;
        }
        if (i + 2 < len) {
            v |= data[i + 2];
        }
        out[n++] = b64[v >> 18 & 63];
        out[n++] = b64[v >> 12 & 63];
        out[n++] = i + 1 < len ? b64[v >> 6 & 63] : '=';
        out[n++] = i + 2 < len ? b64[v & 63] : '=';
    }
    out[n] = 0;
    return out;
}

char *otlp_hex_encode(const uint8_t *data, size_t len)
{
    static const char digits[] = "0123456789abcdef";
    char *out = xmalloc(len * 2 + 1);
    for (size_t i = 0; i < len; i++) {
        out[2 * i] = digits[data[i] >> 4];
        out[2 * i + 1] = digits[data[i] & 15];
    }
    out[len * 2] = 0;
    return out;
}

const OTLP_ANY *otlp_attr(OTLP_KV *const *kvs, size_t n, const char *key)
{
    for (size_t i = 0; i < n; i++) {
        if (kvs[i]->key && strcmp(kvs[i]->key, key) == 0) {
            return kvs[i]->value;
        }
    }
    return NULL;
}

const char *otlp_attr_str(OTLP_KV *const *kvs, size_t n, const char *key)
{
    const OTLP_ANY *v = otlp_attr(kvs, n, key);
    return v && v->value_case == OPENTELEMETRY__PROTO__COMMON__V1__ANY_VALUE__VALUE_STRING_VALUE
               ? v->string_value
               : NULL;
}

bool otlp_attr_int(OTLP_KV *const *kvs, size_t n, const char *key, int64_t *out)
{
    const OTLP_ANY *v = otlp_attr(kvs, n, key);
    if (!v) {
        return false;
    }
    switch (v->value_case) {
    case OPENTELEMETRY__PROTO__COMMON__V1__ANY_VALUE__VALUE_INT_VALUE:
        *out = v->int_value;
        return true;
    case OPENTELEMETRY__PROTO__COMMON__V1__ANY_VALUE__VALUE_DOUBLE_VALUE:
        *out = (int64_t)v->double_value;
        return true;
    case OPENTELEMETRY__PROTO__COMMON__V1__ANY_VALUE__VALUE_STRING_VALUE: {
        char *end = NULL;
        long long x = strtoll(v->string_value, &end, 10);
        if (end == v->string_value || *end) {
            return false;
        }
        *out = x;
        return true;
    }
    default:
        return false;
    }
}

json_t *otlp_scope_json(const OTLP_SCOPE *scope)
{
    json_t *sc = json_object();
    if (scope && scope->name && *scope->name) {
        json_object_set_new(sc, "name", json_string(scope->name));
    }
    if (scope && scope->version && *scope->version) {
        json_object_set_new(sc, "version", json_string(scope->version));
    }
    return sc;
}

json_t *otlp_any_json(const OTLP_ANY *v)
{
    if (!v) {
        return json_null();
    }
    switch (v->value_case) {
    case OPENTELEMETRY__PROTO__COMMON__V1__ANY_VALUE__VALUE_STRING_VALUE: {
        json_t *s = json_string(v->string_value);
        return s ? s : json_string("\xef\xbf\xbd"); /* not UTF-8: keep a placeholder */
    }
    case OPENTELEMETRY__PROTO__COMMON__V1__ANY_VALUE__VALUE_BOOL_VALUE:
        return json_boolean(v->bool_value);
    case OPENTELEMETRY__PROTO__COMMON__V1__ANY_VALUE__VALUE_INT_VALUE:
        return json_integer(v->int_value);
    case OPENTELEMETRY__PROTO__COMMON__V1__ANY_VALUE__VALUE_DOUBLE_VALUE:
        return isfinite(v->double_value) ? json_real(v->double_value) : json_null();
    case OPENTELEMETRY__PROTO__COMMON__V1__ANY_VALUE__VALUE_ARRAY_VALUE: {
        json_t *a = json_array();
        for (size_t i = 0; v->array_value && i < v->array_value->n_values; i++) {
            json_array_append_new(a, otlp_any_json(v->array_value->values[i]));
        }
        return a;
    }
    case OPENTELEMETRY__PROTO__COMMON__V1__ANY_VALUE__VALUE_KVLIST_VALUE: {
        json_t *o = json_object();
        for (size_t i = 0; v->kvlist_value && i < v->kvlist_value->n_values; i++) {
            const OTLP_KV *kv = v->kvlist_value->values[i];
            if (kv->key && json_object_set_new(o, kv->key, otlp_any_json(kv->value)) < 0) {
                /* jansson refuses a key that is not UTF-8; the pair is left out. */
                continue;
            }
        }
        return o;
    }
    case OPENTELEMETRY__PROTO__COMMON__V1__ANY_VALUE__VALUE_BYTES_VALUE: {
        char *b = otlp_base64_encode(v->bytes_value.data, v->bytes_value.len);
        json_t *s = json_string(b);
        free(b);
        return s;
    }
    default:
        return json_null();
    }
}
