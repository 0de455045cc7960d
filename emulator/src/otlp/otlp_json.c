/*
 * otlp_json.c - the OTLP JSON mapping over protoc-c descriptors (see otlp_json.h), and the
 * depth check that guards protobuf-c's recursive unpacker. Pure; any thread.
 * Invariant: a message under construction is always in a state protobuf-c can free (repeated
 * counts grow one element at a time, a oneof's case is set only once its value is), so every
 * failure frees it with protobuf_c_message_free_unpacked.
 */
#include "otlp_json.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "otlp_decode.h"

/* True when JSON key `key` names the field `snake`: its lowerCamelCase form or itself. */
static bool name_matches(const char *snake, const char *key)
{
    if (strcmp(snake, key) == 0) {
        return true;
    }
    for (; *snake; snake++, key++) {
        if (*snake == '_' && snake[1]) {
            snake++;
            if (*key != toupper((unsigned char)*snake)) {
                return false;
            }
        } else if (*key != *snake) {
            return false;
        }
    }
    return *key == 0;
}

static void camel_name(const char *snake, char *out, size_t cap)
{
    size_t n = 0;
    for (; *snake && n + 1 < cap; snake++) {
        if (*snake == '_' && snake[1]) {
            snake++;
            out[n++] = (char)toupper((unsigned char)*snake);
        } else {
            out[n++] = *snake;
        }
    }
    out[n] = 0;
}

/* OTLP carries trace and span ids as hex in JSON (not proto3's base64). */
static bool is_id_field(const char *name)
{
    size_t n = strlen(name);
    return (n >= 8 && strcmp(name + n - 8, "trace_id") == 0) ||
           (n >= 7 && strcmp(name + n - 7, "span_id") == 0);
}

static size_t elem_size(ProtobufCType t)
{
    switch (t) {
    case PROTOBUF_C_TYPE_INT64:
    case PROTOBUF_C_TYPE_SINT64:
    case PROTOBUF_C_TYPE_SFIXED64:
    case PROTOBUF_C_TYPE_UINT64:
    case PROTOBUF_C_TYPE_FIXED64:
    case PROTOBUF_C_TYPE_DOUBLE:
        return 8;
    case PROTOBUF_C_TYPE_STRING:
    case PROTOBUF_C_TYPE_MESSAGE:
        return sizeof(void *);
    case PROTOBUF_C_TYPE_BYTES:
        return sizeof(ProtobufCBinaryData);
    case PROTOBUF_C_TYPE_BOOL:
        return sizeof(protobuf_c_boolean);
    default:
        return 4;
    }
}

/* An integer from a JSON number or decimal string (64-bit values come as strings), or from the
 * {low, high} pair older OpenTelemetry JS exporters wrote for fixed64 times. */
static int json_int(const json_t *v, bool is_unsigned, uint64_t *out)
{
    if (json_is_integer(v)) {
        *out = (uint64_t)json_integer_value(v);
        return 0;
    }
    if (json_is_real(v)) {
        double d = json_real_value(v);
        if (!isfinite(d) || d != floor(d) || fabs(d) > 1.8e19) {
            return ERR_INVALID;
        }
        *out = d < 0 ? (uint64_t)(int64_t)d : (uint64_t)d;
        return 0;
    }
    if (json_is_string(v)) {
        const char *s = json_string_value(v);
        char *end = NULL;
        errno = 0;
        if (is_unsigned && *s != '-') {
            *out = strtoull(s, &end, 10);
        } else {
            *out = (uint64_t)strtoll(s, &end, 10);
        }
        return end == s || *end || errno ? ERR_INVALID : 0;
    }
    if (json_is_object(v) && json_is_integer(json_object_get(v, "low"))) {
        uint64_t lo = (uint32_t)json_integer_value(json_object_get(v, "low"));
        uint64_t hi = (uint32_t)json_integer_value(json_object_get(v, "high"));
        *out = hi << 32 | lo;
        return 0;
    }
    return ERR_INVALID;
}

static int json_double(const json_t *v, double *out)
{
    if (json_is_number(v)) {
        *out = json_number_value(v);
        return 0;
    }
    const char *s = json_string_value(v);
    if (!s) {
        return ERR_INVALID;
    }
    if (strcmp(s, "NaN") == 0) {
        *out = NAN;
    } else if (strcmp(s, "Infinity") == 0) {
        *out = INFINITY;
    } else if (strcmp(s, "-Infinity") == 0) {
        *out = -INFINITY;
    } else {
        char *end = NULL;
        *out = strtod(s, &end);
        return end == s || *end ? ERR_INVALID : 0;
    }
    return 0;
}

static int hexval(int c)
{
    return c >= '0' && c <= '9'   ? c - '0'
           : c >= 'a' && c <= 'f' ? c - 'a' + 10
           : c >= 'A' && c <= 'F' ? c - 'A' + 10
                                  : -1;
}

static int bytes_from_hex(const char *s, size_t len, ProtobufCBinaryData *out)
{
    if (len % 2) {
        return ERR_INVALID;
    }
    uint8_t *b = xmalloc(len / 2 + 1);
    for (size_t i = 0; i < len / 2; i++) {
        int hi = hexval(s[2 * i]), lo = hexval(s[2 * i + 1]);
        if (hi < 0 || lo < 0) {
            free(b);
            return ERR_INVALID;
        }
        b[i] = (uint8_t)(hi << 4 | lo);
    }
    out->data = b;
    out->len = len / 2;
    return 0;
}

/* Decodes one scalar or message value into the storage at p. */
static int decode_value(const ProtobufCFieldDescriptor *f, const json_t *v, void *p, int depth,
                        struct errbuf *err);

/* The field a JSON member names (snake_case or lowerCamelCase), or NULL. */
static const ProtobufCFieldDescriptor *find_field(const ProtobufCMessageDescriptor *desc,
                                                  const char *key)
{
    for (unsigned i = 0; i < desc->n_fields; i++) {
        if (name_matches(desc->fields[i].name, key)) {
            return &desc->fields[i];
        }
    }
    return NULL;
}

/* Decodes the JSON array v into the repeated field f of the message at base. */
static int decode_repeated(const ProtobufCMessageDescriptor *desc,
                           const ProtobufCFieldDescriptor *f, const char *key, const json_t *v,
                           char *base, int depth, struct errbuf *err)
{
    if (!json_is_array(v)) {
        return errbuf_set(err, -1, "%s.%s must be an array", desc->short_name, key);
    }
    size_t *count = (size_t *)(base + f->quantifier_offset);
    void **arr = (void **)(base + f->offset);
    if (*count) {
        return errbuf_set(err, -1, "%s.%s appears twice", desc->short_name, key);
    }
    size_t es = elem_size(f->type);
    *arr = xcalloc(json_array_size(v) + 1, es);
    size_t i;
    const json_t *e;
    json_array_foreach((json_t *)v, i, e)
    {
        if (decode_value(f, e, (char *)*arr + i * es, depth, err) < 0) {
            return ERR_INVALID;
        }
        (*count)++;
    }
    return 0;
}

/* A string or bytes field named twice (snake and camel) keeps the second value: frees the
 * first. */
static void clear_previous(const ProtobufCFieldDescriptor *f, char *base)
{
    if (f->type == PROTOBUF_C_TYPE_STRING) {
        char *old = *(char **)(base + f->offset);
        if (old != f->default_value) {
            free(old);
        }
        *(const void **)(base + f->offset) = f->default_value;
    } else if (f->type == PROTOBUF_C_TYPE_BYTES) {
        ProtobufCBinaryData *b = (ProtobufCBinaryData *)(base + f->offset);
        free(b->data);
        b->data = NULL;
        b->len = 0;
    }
}

static ProtobufCMessage *decode_message(const ProtobufCMessageDescriptor *desc, const json_t *doc,
                                        int depth, struct errbuf *err)
{
    if (!json_is_object(doc)) {
        errbuf_set(err, -1, "%s must be a JSON object", desc->short_name);
        return NULL;
    }
    if (depth > OTLP_MAX_DEPTH) {
        errbuf_set(err, -1, "messages are nested more than %d deep", OTLP_MAX_DEPTH);
        return NULL;
    }
    ProtobufCMessage *m = xmalloc(desc->sizeof_message);
    desc->message_init(m);
    const char *key;
    const json_t *v;
    json_object_foreach((json_t *)doc, key, v)
    {
        const ProtobufCFieldDescriptor *f = find_field(desc, key);
        if (!f || json_is_null(v)) {
            continue; /* unknown fields are ignored (OTLP/HTTP) */
        }
        char *base = (char *)m;
        if (f->label == PROTOBUF_C_LABEL_REPEATED) {
            if (decode_repeated(desc, f, key, v, base, depth, err) < 0) {
                goto fail;
            }
            continue;
        }
        if (f->flags & PROTOBUF_C_FIELD_FLAG_ONEOF) {
            uint32_t *which = (uint32_t *)(base + f->quantifier_offset);
            if (*which) {
                errbuf_set(err, -1, "%s has more than one value", desc->short_name);
                goto fail;
            }
            if (decode_value(f, v, base + f->offset, depth, err) < 0) {
                goto fail;
            }
            *which = f->id;
            continue;
        }
        if (f->type == PROTOBUF_C_TYPE_MESSAGE && *(void **)(base + f->offset)) {
            errbuf_set(err, -1, "%s.%s appears twice", desc->short_name, key);
            goto fail;
        }
        clear_previous(f, base);
        if (decode_value(f, v, base + f->offset, depth, err) < 0) {
            goto fail;
        }
        if (f->label == PROTOBUF_C_LABEL_OPTIONAL && f->type != PROTOBUF_C_TYPE_MESSAGE &&
            f->type != PROTOBUF_C_TYPE_STRING) {
            *(protobuf_c_boolean *)(base + f->quantifier_offset) = 1;
        }
    }
    return m;
fail:
    protobuf_c_message_free_unpacked(m, NULL);
    return NULL;
}

static int decode_value(const ProtobufCFieldDescriptor *f, const json_t *v, void *p, int depth,
                        struct errbuf *err)
{
    uint64_t u = 0;
    double d = 0;
    switch (f->type) {
    case PROTOBUF_C_TYPE_ENUM:
        if (json_is_string(v)) {
            const ProtobufCEnumValue *ev =
                protobuf_c_enum_descriptor_get_value_by_name(f->descriptor, json_string_value(v));
            if (ev) {
                *(int32_t *)p = ev->value;
                return 0;
            }
        }
        /* enums are integers in OTLP JSON */
        __attribute__((fallthrough));
    case PROTOBUF_C_TYPE_INT32:
    case PROTOBUF_C_TYPE_SINT32:
    case PROTOBUF_C_TYPE_SFIXED32:
    case PROTOBUF_C_TYPE_UINT32:
    case PROTOBUF_C_TYPE_FIXED32:
        if (json_int(v, f->type == PROTOBUF_C_TYPE_UINT32 || f->type == PROTOBUF_C_TYPE_FIXED32,
                     &u) < 0) {
            break;
        }
        *(uint32_t *)p = (uint32_t)u;
        return 0;
    case PROTOBUF_C_TYPE_INT64:
    case PROTOBUF_C_TYPE_SINT64:
    case PROTOBUF_C_TYPE_SFIXED64:
    case PROTOBUF_C_TYPE_UINT64:
    case PROTOBUF_C_TYPE_FIXED64:
        if (json_int(v, f->type == PROTOBUF_C_TYPE_UINT64 || f->type == PROTOBUF_C_TYPE_FIXED64,
                     &u) < 0) {
            break;
        }
        *(uint64_t *)p = u;
        return 0;
    case PROTOBUF_C_TYPE_FLOAT:
        if (json_double(v, &d) < 0) {
            break;
        }
        *(float *)p = (float)d;
        return 0;
    case PROTOBUF_C_TYPE_DOUBLE:
        if (json_double(v, &d) < 0) {
            break;
        }
        *(double *)p = d;
        return 0;
    case PROTOBUF_C_TYPE_BOOL:
        if (!json_is_boolean(v)) {
            break;
        }
        *(protobuf_c_boolean *)p = json_is_true(v);
        return 0;
    case PROTOBUF_C_TYPE_STRING:
        if (!json_is_string(v)) {
            break;
        }
        *(char **)p = xstrndup(json_string_value(v), json_string_length(v));
        return 0;
    case PROTOBUF_C_TYPE_BYTES: {
        if (!json_is_string(v)) {
            break;
        }
        const char *s = json_string_value(v);
        size_t len = json_string_length(v);
        int rc = is_id_field(f->name) ? bytes_from_hex(s, len, p)
                                      : otlp_base64_decode(s, len, (ProtobufCBinaryData *)p);
        if (rc < 0) {
            return errbuf_set(err, -1, "%s is not valid %s", f->name,
                              is_id_field(f->name) ? "hex" : "base64");
        }
        return 0;
    }
    case PROTOBUF_C_TYPE_MESSAGE: {
        ProtobufCMessage *sub = decode_message(f->descriptor, v, depth + 1, err);
        if (!sub) {
            return ERR_INVALID;
        }
        *(ProtobufCMessage **)p = sub;
        return 0;
    }
    }
    return errbuf_set(err, -1, "%s has the wrong JSON type", f->name);
}

ProtobufCMessage *otlp_json_decode(const ProtobufCMessageDescriptor *desc, const json_t *doc,
                                   struct errbuf *err)
{
    return decode_message(desc, doc, 0, err);
}

/* ---- encoding ---- */

static json_t *encode_value(const ProtobufCFieldDescriptor *f, const void *p)
{
    char buf[32];
    switch (f->type) {
    case PROTOBUF_C_TYPE_INT32:
    case PROTOBUF_C_TYPE_SINT32:
    case PROTOBUF_C_TYPE_SFIXED32:
    case PROTOBUF_C_TYPE_ENUM:
        return json_integer(*(const int32_t *)p);
    case PROTOBUF_C_TYPE_UINT32:
    case PROTOBUF_C_TYPE_FIXED32:
        return json_integer(*(const uint32_t *)p);
    case PROTOBUF_C_TYPE_INT64:
    case PROTOBUF_C_TYPE_SINT64:
    case PROTOBUF_C_TYPE_SFIXED64:
        snprintf(buf, sizeof(buf), "%lld", (long long)*(const int64_t *)p);
        return json_string(buf);
    case PROTOBUF_C_TYPE_UINT64:
    case PROTOBUF_C_TYPE_FIXED64:
        snprintf(buf, sizeof(buf), "%llu", (unsigned long long)*(const uint64_t *)p);
        return json_string(buf);
    case PROTOBUF_C_TYPE_FLOAT:
    case PROTOBUF_C_TYPE_DOUBLE: {
        double d = f->type == PROTOBUF_C_TYPE_FLOAT ? *(const float *)p : *(const double *)p;
        if (isnan(d)) {
            return json_string("NaN");
        }
        if (isinf(d)) {
            return json_string(d > 0 ? "Infinity" : "-Infinity");
        }
        return json_real(d);
    }
    case PROTOBUF_C_TYPE_BOOL:
        return json_boolean(*(const protobuf_c_boolean *)p);
    case PROTOBUF_C_TYPE_STRING: {
        const char *s = *(char *const *)p;
        /* protobuf-c does not check UTF-8; jansson refuses invalid text, so keep the bytes
         * readable rather than dropping the field. */
        json_t *j = json_string(s ? s : "");
        return j ? j : json_string("\xef\xbf\xbd");
    }
    case PROTOBUF_C_TYPE_BYTES: {
        const ProtobufCBinaryData *b = p;
        char *text = is_id_field(f->name) ? otlp_hex_encode(b->data, b->len)
                                          : otlp_base64_encode(b->data, b->len);
        json_t *j = json_string(text);
        free(text);
        return j;
    }
    case PROTOBUF_C_TYPE_MESSAGE:
        return otlp_json_encode(*(ProtobufCMessage *const *)p);
    }
    return json_null();
}

static bool is_default(const ProtobufCFieldDescriptor *f, const void *p)
{
    switch (f->type) {
    case PROTOBUF_C_TYPE_STRING: {
        const char *s = *(char *const *)p;
        return !s || !*s;
    }
    case PROTOBUF_C_TYPE_BYTES:
        return ((const ProtobufCBinaryData *)p)->len == 0;
    case PROTOBUF_C_TYPE_MESSAGE:
        return *(void *const *)p == NULL;
    case PROTOBUF_C_TYPE_DOUBLE:
        return *(const double *)p == 0;
    case PROTOBUF_C_TYPE_FLOAT:
        return *(const float *)p == 0;
    default:
        return elem_size(f->type) == 8 ? *(const uint64_t *)p == 0 : *(const uint32_t *)p == 0;
    }
}

json_t *otlp_json_encode(const ProtobufCMessage *m)
{
    json_t *o = json_object();
    if (!m) {
        return o;
    }
    const ProtobufCMessageDescriptor *desc = m->descriptor;
    const char *base = (const char *)m;
    for (unsigned i = 0; i < desc->n_fields; i++) {
        const ProtobufCFieldDescriptor *f = &desc->fields[i];
        char name[64];
        camel_name(f->name, name, sizeof(name));
        const void *p = base + f->offset;
        if (f->label == PROTOBUF_C_LABEL_REPEATED) {
            size_t n = *(const size_t *)(base + f->quantifier_offset);
            if (!n) {
                continue;
            }
            json_t *arr = json_array();
            const char *elems = *(char *const *)p;
            for (size_t k = 0; k < n; k++) {
                json_array_append_new(arr, encode_value(f, elems + k * elem_size(f->type)));
            }
            json_object_set_new(o, name, arr);
        } else if (f->flags & PROTOBUF_C_FIELD_FLAG_ONEOF) {
            if (*(const uint32_t *)(base + f->quantifier_offset) == f->id) {
                json_object_set_new(o, name, encode_value(f, p));
            }
        } else if (!is_default(f, p)) {
            json_object_set_new(o, name, encode_value(f, p));
        }
    }
    return o;
}

/* ---- protobuf depth check ---- */

static int read_varint(const uint8_t **p, const uint8_t *end, uint64_t *out)
{
    uint64_t v = 0;
    for (int shift = 0; shift < 64 && *p < end; shift += 7) {
        uint8_t b = *(*p)++;
        v |= (uint64_t)(b & 0x7f) << shift;
        if (!(b & 0x80)) {
            *out = v;
            return 0;
        }
    }
    return ERR_INVALID;
}

static const ProtobufCFieldDescriptor *field_by_id(const ProtobufCMessageDescriptor *desc,
                                                   uint32_t id)
{
    for (unsigned i = 0; i < desc->n_fields; i++) {
        if (desc->fields[i].id == id) {
            return &desc->fields[i];
        }
    }
    return NULL;
}

static int check_message(const ProtobufCMessageDescriptor *desc, const uint8_t *p,
                         const uint8_t *end, int depth, struct errbuf *err)
{
    if (depth > OTLP_MAX_DEPTH) {
        return errbuf_set(err, -1, "messages are nested more than %d deep", OTLP_MAX_DEPTH);
    }
    while (p < end) {
        uint64_t key, len;
        if (read_varint(&p, end, &key) < 0) {
            return errbuf_set(err, -1, "truncated field key in %s", desc->short_name);
        }
        switch (key & 7) {
        case 0:
            if (read_varint(&p, end, &len) < 0) {
                return errbuf_set(err, -1, "truncated varint in %s", desc->short_name);
            }
            break;
        case 1:
        case 5: {
            size_t w = (key & 7) == 1 ? 8 : 4;
            if ((size_t)(end - p) < w) {
                return errbuf_set(err, -1, "truncated fixed field in %s", desc->short_name);
            }
            p += w;
            break;
        }
        case 2: {
            if (read_varint(&p, end, &len) < 0 || len > (uint64_t)(end - p)) {
                return errbuf_set(err, -1, "truncated length-delimited field in %s",
                                  desc->short_name);
            }
            const ProtobufCFieldDescriptor *f = field_by_id(desc, (uint32_t)(key >> 3));
            if (f && f->type == PROTOBUF_C_TYPE_MESSAGE &&
                check_message(f->descriptor, p, p + len, depth + 1, err) < 0) {
                return ERR_INVALID;
            }
            p += len;
            break;
        }
        default:
            return errbuf_set(err, -1, "unsupported wire type %u in %s", (unsigned)(key & 7),
                              desc->short_name);
        }
    }
    return 0;
}

int otlp_pb_check(const ProtobufCMessageDescriptor *desc, const uint8_t *data, size_t len,
                  struct errbuf *err)
{
    return check_message(desc, data, data + len, 0, err);
}
