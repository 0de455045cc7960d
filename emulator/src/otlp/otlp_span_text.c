/*
 * otlp_span_text.c - a kept span's own members written straight from the decoded protobuf (see
 * otlp_ingest.h). The reference is otlp_span_json(): the text must be what dumping it gives,
 * byte for byte (tests/test_otlp_span_text.c compares the two over many span shapes). Where
 * jansson would quietly drop or replace something (a key or name that is not UTF-8, a
 * repeated attribute key, which jansson keeps at its first position with the last value) this
 * writer gives up and the caller takes the jansson path, so the rare cases need no copy of
 * jansson's rules here. Any thread.
 */
#include "otlp_ingest.h"

#include <math.h>

#include "jx.h"

static const char *const span_kinds[] = {"UNSPECIFIED", "INTERNAL", "SERVER",
                                         "CLIENT",      "PRODUCER", "CONSUMER"};
static const char *const status_codes[] = {"UNSET", "OK", "ERROR"};

/* ',"name":' before every member but the first. */
static void member(struct jx_out *o, bool *first, const char *name)
{
    if (!*first) {
        jx_char(o, ',');
    }
    *first = false;
    jx_char(o, '"');
    jx_raw(o, name, strlen(name));
    jx_raw(o, "\":", 2);
}

static void hex(struct jx_out *o, const ProtobufCBinaryData *b)
{
    static const char digits[] = "0123456789abcdef";
    jx_reserve(o, b->len * 2 + 2);
    char *p = o->data + o->len;
    *p++ = '"';
    for (size_t i = 0; i < b->len; i++) {
        *p++ = digits[b->data[i] >> 4];
        *p++ = digits[b->data[i] & 15];
    }
    *p++ = '"';
    *p = 0;
    o->len = (size_t)(p - o->data);
}

static int any_value(struct jx_out *o, const OTLP_ANY *v)
{
    switch (v ? v->value_case : OPENTELEMETRY__PROTO__COMMON__V1__ANY_VALUE__VALUE__NOT_SET) {
    case OPENTELEMETRY__PROTO__COMMON__V1__ANY_VALUE__VALUE_STRING_VALUE:
        if (jx_str(o, v->string_value, strlen(v->string_value)) < 0) {
            JX_LIT(o, "\"\xef\xbf\xbd\""); /* otlp_any_json's placeholder */
        }
        return 0;
    case OPENTELEMETRY__PROTO__COMMON__V1__ANY_VALUE__VALUE_BOOL_VALUE:
        if (v->bool_value) {
            JX_LIT(o, "true");
        } else {
            JX_LIT(o, "false");
        }
        return 0;
    case OPENTELEMETRY__PROTO__COMMON__V1__ANY_VALUE__VALUE_INT_VALUE:
        jx_int(o, v->int_value);
        return 0;
    case OPENTELEMETRY__PROTO__COMMON__V1__ANY_VALUE__VALUE_DOUBLE_VALUE:
        if (isfinite(v->double_value)) {
            jx_real(o, v->double_value);
        } else {
            JX_LIT(o, "null");
        }
        return 0;
    default: {
        /* Arrays, key-value lists, bytes: rare in spans, so through the reference. */
        json_t *j = otlp_any_json(v);
        int rc = jx_dump(o, j);
        json_decref(j);
        return rc;
    }
    }
}

/* attrs_object() of otlp_ingest.c as text; ERR_INVALID where jansson would drop or merge. */
static int attributes(struct jx_out *o, OTLP_KV *const *kvs, size_t n)
{
    bool first = true;
    jx_char(o, '{');
    for (size_t i = 0; i < n; i++) {
        const char *key = kvs[i]->key;
        if (!key) {
            continue;
        }
        for (size_t j = 0; j < i; j++) {
            if (kvs[j]->key && strcmp(kvs[j]->key, key) == 0) {
                return ERR_INVALID;
            }
        }
        if (!first) {
            jx_char(o, ',');
        }
        first = false;
        if (jx_str(o, key, strlen(key)) < 0) {
            return ERR_INVALID;
        }
        jx_char(o, ':');
        if (any_value(o, kvs[i]->value) < 0) {
            return ERR_INVALID;
        }
    }
    jx_char(o, '}');
    return 0;
}

static int events(struct jx_out *o, const OTLP_SPAN *span)
{
    jx_char(o, '[');
    for (size_t i = 0; i < span->n_events; i++) {
        const OTLP_EVENT *e = span->events[i];
        if (i) {
            jx_char(o, ',');
        }
        JX_LIT(o, "{\"name\":");
        if (!e->name) {
            JX_LIT(o, "null");
        } else if (jx_str(o, e->name, strlen(e->name)) < 0) {
            return ERR_INVALID; /* json_pack() fails and the event is left out */
        }
        JX_LIT(o, ",\"timeUnixNano\":");
        jx_int(o, (int64_t)e->time_unix_nano);
        JX_LIT(o, ",\"attributes\":");
        if (attributes(o, e->attributes, e->n_attributes) < 0) {
            return ERR_INVALID;
        }
        jx_char(o, '}');
    }
    jx_char(o, ']');
    return 0;
}

static int links(struct jx_out *o, const OTLP_SPAN *span)
{
    jx_char(o, '[');
    for (size_t i = 0; i < span->n_links; i++) {
        const OTLP_LINK *l = span->links[i];
        if (i) {
            jx_char(o, ',');
        }
        JX_LIT(o, "{\"attributes\":");
        if (attributes(o, l->attributes, l->n_attributes) < 0) {
            return ERR_INVALID;
        }
        JX_LIT(o, ",\"flags\":");
        jx_int(o, l->flags);
        if (l->trace_id.len) {
            JX_LIT(o, ",\"traceId\":");
            hex(o, &l->trace_id);
        }
        if (l->span_id.len) {
            JX_LIT(o, ",\"spanId\":");
            hex(o, &l->span_id);
        }
        jx_char(o, '}');
    }
    jx_char(o, ']');
    return 0;
}

/* The optional string members that jansson leaves out when json_string() refuses them. */
static void optional_str(struct jx_out *o, bool *first, const char *name, const char *s)
{
    size_t mark = o->len;
    bool was_first = *first;
    member(o, first, name);
    if (jx_str(o, s, strlen(s)) < 0) {
        o->len = mark;
        o->data[mark] = 0;
        *first = was_first;
    }
}

static void status(struct jx_out *o, const OTLP_SPAN *span)
{
    unsigned code = span->status ? (unsigned)span->status->code : 0;
    JX_LIT(o, "{\"code\":\"");
    const char *c = code < ARRAY_LEN(status_codes) ? status_codes[code] : "UNSET";
    jx_raw(o, c, strlen(c));
    jx_char(o, '"');
    if (span->status && span->status->message && *span->status->message) {
        bool first = false;
        optional_str(o, &first, "message", span->status->message);
    }
    jx_char(o, '}');
}

int otlp_span_text(struct jx_out *o, const OTLP_SPAN *span)
{
    bool first = true;
    if (span->trace_id.len) {
        member(o, &first, "traceId");
        hex(o, &span->trace_id);
    }
    if (span->span_id.len) {
        member(o, &first, "spanId");
        hex(o, &span->span_id);
    }
    if (span->parent_span_id.len) {
        member(o, &first, "parentSpanId");
        hex(o, &span->parent_span_id);
    }
    if (span->trace_state && *span->trace_state) {
        optional_str(o, &first, "traceState", span->trace_state);
    }
    member(o, &first, "flags");
    jx_int(o, span->flags);
    member(o, &first, "name");
    const char *name = span->name ? span->name : "";
    if (jx_str(o, name, strlen(name)) < 0) {
        JX_LIT(o, "\"\"");
    }
    unsigned kind = (unsigned)span->kind;
    const char *k = kind < ARRAY_LEN(span_kinds) ? span_kinds[kind] : "UNSPECIFIED";
    member(o, &first, "kind");
    jx_char(o, '"');
    jx_raw(o, k, strlen(k));
    jx_char(o, '"');
    member(o, &first, "startTimeUnixNano");
    jx_int(o, (int64_t)span->start_time_unix_nano);
    member(o, &first, "endTimeUnixNano");
    jx_int(o, (int64_t)span->end_time_unix_nano);
    member(o, &first, "durationNano");
    jx_int(o, (int64_t)(span->end_time_unix_nano - span->start_time_unix_nano));
    member(o, &first, "attributes");
    if (attributes(o, span->attributes, span->n_attributes) < 0) {
        return ERR_INVALID;
    }
    member(o, &first, "status");
    status(o, span);
    if (span->n_events) {
        member(o, &first, "events");
        if (events(o, span) < 0) {
            return ERR_INVALID;
        }
    }
    if (span->n_links) {
        member(o, &first, "links");
        if (links(o, span) < 0) {
            return ERR_INVALID;
        }
    }
    jx_char(o, '}');
    return 0;
}
