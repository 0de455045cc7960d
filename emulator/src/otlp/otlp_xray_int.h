/*
 * otlp_xray_int.h - what otlp_xray.c (segment assembly, names, attributes) and
 * otlp_xray_fields.c (the http, aws, sql and origin fields) share: the span being translated
 * and the attribute accessors. Pure; any thread.
 */
#ifndef OTLP_XRAY_INT_H
#define OTLP_XRAY_INT_H

#include <string.h>

#include "otlp_xray.h"

#define KIND(k) OPENTELEMETRY__PROTO__TRACE__V1__SPAN__SPAN_KIND__SPAN_KIND_##k
#define ANY(k) OPENTELEMETRY__PROTO__COMMON__V1__ANY_VALUE__VALUE_##k

struct span_ctx {
    const OTLP_SPAN *span;
    OTLP_KV *const *attrs;
    size_t nattrs;
    OTLP_KV *const *rattrs; /* resource attributes */
    size_t nrattrs;
    const struct otlp_xray_opts *opts;
    bool sql; /* the span made an sql block, so its db.* attributes are consumed (sql.go) */
};

static inline const char *attr(const struct span_ctx *c, const char *key)
{
    return otlp_attr_str(c->attrs, c->nattrs, key);
}

static inline const char *rattr(const struct span_ctx *c, const char *key)
{
    return otlp_attr_str(c->rattrs, c->nrattrs, key);
}

static inline const char *first_attr(const struct span_ctx *c, const char *a, const char *b)
{
    const char *v = attr(c, a);
    return v ? v : attr(c, b);
}

static inline void set_str(json_t *o, const char *key, const char *v)
{
    if (v && *v) {
        json_t *s = json_string(v);
        if (s) {
            json_object_set_new(o, key, s);
        }
    }
}

bool otlp_xray_is_aws_sdk_span(const struct span_ctx *c);

/* The fields (otlp_xray_fields.c): each a new object, or NULL when the span has none. */
json_t *otlp_xray_http(const struct span_ctx *c);
json_t *otlp_xray_aws(const struct span_ctx *c, bool service_segment);
json_t *otlp_xray_sql(const struct span_ctx *c);
/* The origin for the resource's cloud.platform, or NULL (borrowed). */
const char *otlp_xray_origin(const struct span_ctx *c);

#endif
