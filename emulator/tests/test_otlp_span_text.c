/*
 * test_otlp_span_text.c - the kept span written straight from the protobuf (otlp_span_text) is
 * byte for byte what dumping otlp_span_json() gives, over random span shapes: ids of every
 * length, names and trace states that are not UTF-8, every attribute value type, repeated and
 * broken keys, statuses, events and links. Where the writer declines (ERR_INVALID), the batch
 * takes the jansson path, and the kept text is still the reference's.
 */
#include <criterion/criterion.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "jx.h"
#include "otlp_decode.h"
#include "otlp_ingest.h"

TestSuite(otlp_span_text);

/* Everything a test span points to, freed at the end. */
static void **arena;
static size_t narena;

static void *alloc(size_t n)
{
    void *p = xcalloc(1, n);
    arena = xrealloc(arena, (narena + 1) * sizeof(*arena));
    arena[narena++] = p;
    return p;
}

static void arena_free(void)
{
    for (size_t i = 0; i < narena; i++) {
        free(arena[i]);
    }
    free(arena);
    arena = NULL;
    narena = 0;
}

static uint64_t rng = 0x2545f4914f6cdd1du;

static uint64_t next(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return rng;
}

#define PICK(a) (a)[next() % ARRAY_LEN(a)]

static const char *const texts[] = {
    "",     "GET /orders/{id}", "caf\xc3\xa9",  "q\"uo\\te\n", "\x01\x1f",
    "\xc3", "\xff bad",         "\xed\xa0\x80", "plain"};
static const char *const keys[] = {"k1", "k2", "http.method", "\xc3\xbc", "\xff", "a\"b"};

static ProtobufCBinaryData bytes_of(size_t len)
{
    uint8_t *p = alloc(len + 1);
    for (size_t i = 0; i < len; i++) {
        p[i] = (uint8_t)next();
    }
    return (ProtobufCBinaryData){len, p};
}

static OTLP_ANY *any(int depth);

/* protobuf-c never decodes a string field as NULL; only the shapes for otlp_span_json() alone
 * have NULL keys, event names and status messages, which translation does not expect. */
static bool with_nulls;

static OTLP_KV **kvs(size_t n, int depth, bool odd_keys)
{
    OTLP_KV **out = alloc((n + 1) * sizeof(*out));
    for (size_t i = 0; i < n; i++) {
        out[i] = alloc(sizeof(**out));
        opentelemetry__proto__common__v1__key_value__init(out[i]);
        out[i]->key = with_nulls && next() % 20 == 0 ? NULL : (char *)PICK(keys);
        if (!odd_keys && (strchr(out[i]->key, 0xff) || i > 0)) {
            char *k = alloc(32);
            snprintf(k, 32, "key%zu", i);
            out[i]->key = k;
        }
        out[i]->value = next() % 25 == 0 ? NULL : any(depth + 1);
    }
    return out;
}

static OTLP_ANY *any(int depth)
{
    OTLP_ANY *v = alloc(sizeof(*v));
    opentelemetry__proto__common__v1__any_value__init(v);
    static const double reals[] = {0.5, -3.25, 1e300, 1700000000.5, 0.1, 1.0 / 0.0, 0.0 / 0.0};
    switch (next() % (depth > 2 ? 6 : 8)) {
    case 0:
        v->value_case = OPENTELEMETRY__PROTO__COMMON__V1__ANY_VALUE__VALUE_STRING_VALUE;
        v->string_value = (char *)PICK(texts);
        break;
    case 1:
        v->value_case = OPENTELEMETRY__PROTO__COMMON__V1__ANY_VALUE__VALUE_BOOL_VALUE;
        v->bool_value = next() % 2;
        break;
    case 2:
        v->value_case = OPENTELEMETRY__PROTO__COMMON__V1__ANY_VALUE__VALUE_INT_VALUE;
        v->int_value = (int64_t)next();
        break;
    case 3:
        v->value_case = OPENTELEMETRY__PROTO__COMMON__V1__ANY_VALUE__VALUE_DOUBLE_VALUE;
        v->double_value = PICK(reals);
        break;
    case 4:
        v->value_case = OPENTELEMETRY__PROTO__COMMON__V1__ANY_VALUE__VALUE_BYTES_VALUE;
        v->bytes_value = bytes_of(next() % 5);
        break;
    case 5:
        break; /* not set */
    case 6: {
        v->value_case = OPENTELEMETRY__PROTO__COMMON__V1__ANY_VALUE__VALUE_ARRAY_VALUE;
        v->array_value = alloc(sizeof(*v->array_value));
        opentelemetry__proto__common__v1__array_value__init(v->array_value);
        v->array_value->n_values = next() % 3;
        v->array_value->values = alloc(3 * sizeof(OTLP_ANY *));
        for (size_t i = 0; i < v->array_value->n_values; i++) {
            v->array_value->values[i] = any(depth + 1);
        }
        break;
    }
    default:
        v->value_case = OPENTELEMETRY__PROTO__COMMON__V1__ANY_VALUE__VALUE_KVLIST_VALUE;
        v->kvlist_value = alloc(sizeof(*v->kvlist_value));
        opentelemetry__proto__common__v1__key_value_list__init(v->kvlist_value);
        v->kvlist_value->n_values = next() % 3;
        v->kvlist_value->values = kvs(v->kvlist_value->n_values, depth + 1, true);
    }
    return v;
}

/* A span of random shape; tame keeps what translation needs (ids, times near now, UTF-8 names)
 * and varies only what the kept text alone depends on. */
static OTLP_SPAN *random_span(bool tame, uint64_t now_ns)
{
    static const size_t trace_lens[] = {16, 16, 16, 0, 8}, span_lens[] = {8, 8, 8, 0, 4};
    OTLP_SPAN *s = alloc(sizeof(*s));
    opentelemetry__proto__trace__v1__span__init(s);
    s->trace_id = bytes_of(tame ? 16 : PICK(trace_lens));
    s->trace_id.data[0] = 0x5f; /* never all zeros */
    s->span_id = bytes_of(tame ? 8 : PICK(span_lens));
    s->parent_span_id = bytes_of(next() % 2 ? 8 : 0);
    s->trace_state = (char *)(tame ? "k=v" : PICK(texts));
    s->flags = (uint32_t)next();
    s->name = tame ? (char *)"GET /x" : next() % 10 == 0 ? NULL : (char *)PICK(texts);
    s->kind = (int)(next() % (tame ? 6 : 8));
    s->start_time_unix_nano = tame ? now_ns - next() % 1000000000u : next();
    s->end_time_unix_nano = tame ? s->start_time_unix_nano + next() % 1000000000u : next();
    s->n_attributes = next() % 7;
    s->attributes = kvs(s->n_attributes, 0, !tame || next() % 2);
    if (next() % 3) {
        s->status = alloc(sizeof(*s->status));
        opentelemetry__proto__trace__v1__status__init(s->status);
        s->status->code = (int)(next() % 4);
        s->status->message = tame ? (char *)"boom" : next() % 3 ? (char *)PICK(texts) : NULL;
    }
    s->n_events = next() % 3;
    s->events = alloc(3 * sizeof(OTLP_EVENT *));
    for (size_t i = 0; i < s->n_events; i++) {
        OTLP_EVENT *e = s->events[i] = alloc(sizeof(*e));
        opentelemetry__proto__trace__v1__span__event__init(e);
        e->name = tame ? (char *)"exception" : next() % 8 == 0 ? NULL : (char *)PICK(texts);
        e->time_unix_nano = next();
        e->n_attributes = next() % 3;
        e->attributes = kvs(e->n_attributes, 0, !tame);
    }
    s->n_links = next() % 3;
    s->links = alloc(3 * sizeof(OTLP_LINK *));
    for (size_t i = 0; i < s->n_links; i++) {
        OTLP_LINK *l = s->links[i] = alloc(sizeof(*l));
        opentelemetry__proto__trace__v1__span__link__init(l);
        l->trace_id = bytes_of(PICK(trace_lens));
        l->span_id = bytes_of(PICK(span_lens));
        l->flags = (uint32_t)next();
        l->n_attributes = next() % 3;
        l->attributes = kvs(l->n_attributes, 0, !tame);
    }
    return s;
}

#define BARE_PREFIX "{\"resource\":{\"attributes\":{}},\"scope\":{},"

Test(otlp_span_text, written_text_is_the_dumped_span_json)
{
    size_t direct = 0, declined = 0;
    with_nulls = true;
    for (int i = 0; i < 20000; i++) {
        OTLP_SPAN *s = random_span(false, 0);
        json_t *whole = otlp_span_json(s, NULL, NULL);
        char *want = json_dumps(whole, JSON_COMPACT);
        cr_assert_not_null(want);
        struct jx_out o = {0};
        JX_LIT(&o, BARE_PREFIX);
        if (otlp_span_text(&o, s) == 0) {
            cr_assert_str_eq(o.data, want);
            direct++;
        } else {
            declined++;
        }
        jx_fini(&o);
        free(want);
        json_decref(whole);
        arena_free();
    }
    /* Both paths were exercised: most shapes written directly, the odd ones declined. */
    cr_assert_gt(direct, 2000, "direct %zu declined %zu", direct, declined);
    cr_assert_gt(declined, 1000, "direct %zu declined %zu", direct, declined);
}

Test(otlp_span_text, usual_spans_are_written_directly)
{
    with_nulls = false;
    for (int i = 0; i < 2000; i++) {
        OTLP_SPAN *s = random_span(true, 1700000000000000000u);
        s->attributes = kvs(s->n_attributes, 0, false);
        struct jx_out o = {0};
        cr_assert_eq(otlp_span_text(&o, s), 0, "a span with unique UTF-8 keys is declined");
        jx_fini(&o);
        arena_free();
    }
}

/* The whole batch: spans of several resources and scopes, each kept text the reference's,
 * whichever path wrote it. */
Test(otlp_span_text, kept_spans_equal_the_reference_on_either_path)
{
    uint64_t now_ns = (uint64_t)time(NULL) * 1000000000u;
    with_nulls = false;
    OTLP_TRACE_REQ req =
        OPENTELEMETRY__PROTO__COLLECTOR__TRACE__V1__EXPORT_TRACE_SERVICE_REQUEST__INIT;
    req.n_resource_spans = 3;
    req.resource_spans = alloc(3 * sizeof(OTLP_RESOURCE_SPANS *));
    size_t total = 0;
    for (size_t r = 0; r < 3; r++) {
        OTLP_RESOURCE_SPANS *rs = req.resource_spans[r] = alloc(sizeof(*rs));
        opentelemetry__proto__trace__v1__resource_spans__init(rs);
        rs->resource = alloc(sizeof(*rs->resource));
        opentelemetry__proto__resource__v1__resource__init(rs->resource);
        rs->resource->n_attributes = r + 1;
        rs->resource->attributes = kvs(r + 1, 0, false);
        rs->n_scope_spans = 2;
        rs->scope_spans = alloc(2 * sizeof(OTLP_SCOPE_SPANS *));
        for (size_t k = 0; k < 2; k++) {
            OTLP_SCOPE_SPANS *ss = rs->scope_spans[k] = alloc(sizeof(*ss));
            opentelemetry__proto__trace__v1__scope_spans__init(ss);
            ss->scope = alloc(sizeof(*ss->scope));
            opentelemetry__proto__common__v1__instrumentation_scope__init(ss->scope);
            ss->scope->name = (char *)(k ? "scope \"b\"" : "");
            ss->n_spans = 40;
            ss->spans = alloc(40 * sizeof(OTLP_SPAN *));
            for (size_t s = 0; s < ss->n_spans; s++) {
                ss->spans[s] = random_span(true, now_ns);
            }
            total += ss->n_spans;
        }
    }
    struct otlp_batch b = {0};
    static const struct otlp_xray_opts opts = {0};
    otlp_batch_add(&b, &req, (double)now_ns / 1e9, &opts, true);
    cr_assert_eq(b.accepted, total, "accepted %zu of %zu: %s", b.accepted, total, b.first_error);
    cr_assert_eq(b.nspans, total);
    size_t n = 0, declined = 0;
    for (size_t r = 0; r < req.n_resource_spans; r++) {
        const OTLP_RESOURCE_SPANS *rs = req.resource_spans[r];
        for (size_t k = 0; k < rs->n_scope_spans; k++) {
            const OTLP_SCOPE_SPANS *ss = rs->scope_spans[k];
            for (size_t s = 0; s < ss->n_spans; s++, n++) {
                json_t *whole = otlp_span_json(ss->spans[s], rs->resource, ss->scope);
                char *want = json_dumps(whole, JSON_COMPACT);
                cr_assert_str_eq(b.spans[n].json, want);
                struct jx_out o = {0};
                declined += otlp_span_text(&o, ss->spans[s]) < 0;
                jx_fini(&o);
                free(want);
                json_decref(whole);
            }
        }
    }
    cr_assert_gt(declined, 0, "no span took the jansson path");
    cr_assert_lt(declined, total, "no span was written directly");
    otlp_batch_fini(&b);
    arena_free();
}
