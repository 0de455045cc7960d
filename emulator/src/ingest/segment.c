/*
 * segment.c - the daemon datagram header check and segment-document validation
 * (reference/daemon-protocol.md §1, reference/segment-document.md §1-2).
 *
 * Threads: the writer (UDP items) and HTTP threads (PutTraceSegments) call in at the same time.
 * The only shared state is the UTF-8 ctype locale used to classify name characters, created
 * once under pthread_once and never freed (it lives as long as the process).
 *
 * Invariants: validation never modifies the document (unknown fields stay as received), and a
 * rejected document leaves *out untouched.
 */
#include "segment.h"

#include <locale.h>
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <wctype.h>

#include "jparse.h"

#define NAME_MAX_CHARS 200

static const char *const labels[] = {"ok",
#define X(id, label) label,
                                     SEGMENT_REJECT_REASONS(X)
#undef X
};
_Static_assert(ARRAY_LEN(labels) == SEGMENT_REJECT_COUNT, "one label per reject reason");

const char *segment_reject_label(enum segment_reject r)
{
    if ((int)r < 0 || r >= SEGMENT_REJECT_COUNT) {
        return "unknown";
    }
    return labels[r];
}

enum segment_reject segment_split_datagram(const char *data, size_t len, const char **body,
                                           size_t *body_len)
{
    const char *nl = data ? memchr(data, '\n', len) : NULL;
    json_t *hdr = NULL;
    enum segment_reject r = SEGMENT_REJECT_BAD_HEADER;
    if (!nl || (size_t)(nl - data) + 1 >= len) {
        return SEGMENT_REJECT_NO_HEADER;
    }
    /* The two spellings the SDKs send are recognised byte for byte (a jansson parse per
     * datagram was a measurable part of ingest); anything else is parsed, not byte-compared:
     * Go and old Python put spaces in the header, Node does not. */
    static const char *const usual[] = {"{\"format\":\"json\",\"version\":1}",
                                        "{\"format\": \"json\", \"version\": 1}"};
    size_t hlen = (size_t)(nl - data);
    for (size_t i = 0; i < ARRAY_LEN(usual); i++) {
        if (hlen == strlen(usual[i]) && memcmp(data, usual[i], hlen) == 0) {
            *body = nl + 1;
            *body_len = len - hlen - 1;
            return SEGMENT_OK;
        }
    }
    hdr = json_loadb(data, hlen, 0, NULL);
    const char *format = json_string_value(json_object_get(hdr, "format"));
    const json_t *version = json_object_get(hdr, "version");
    if (!json_is_object(hdr) || !format || strcasecmp(format, "json") != 0 ||
        !json_is_integer(version) || json_integer_value(version) != 1) {
        goto out;
    }
    *body = nl + 1;
    *body_len = len - (size_t)(nl - data) - 1;
    r = SEGMENT_OK;
out:
    json_decref(hdr);
    return r;
}

/* Where a document sits: a top-level segment, a top-level ("independent") subsegment, or a
 * subsegment embedded in a `subsegments` array, whose trace_id/parent_id/type are ignored. */
enum kind { KIND_SEGMENT, KIND_SUBSEGMENT, KIND_EMBEDDED };

/* The validation context: the path prefix for embedded subsegments ("subsegments[2]" ...), ""
 * at the top level, so messages name the exact field. */
struct vctx {
    struct errbuf *err;
    char path[160];
};

/* Reports a rule broken by `field`: "field rule" at the top level, "path.field: rule" inside. */
static enum segment_reject fail(struct vctx *c, enum segment_reject r, const char *field,
                                const char *rule)
{
    if (c->path[0]) {
        errbuf_set(c->err, -1, "%s.%s: %s", c->path, field, rule);
    } else {
        errbuf_set(c->err, -1, "%s %s", field, rule);
    }
    return r;
}

static enum segment_reject missing(struct vctx *c, const char *field)
{
    if (c->path[0]) {
        errbuf_set(c->err, -1, "%s: missing required field \"%s\"", c->path, field);
    } else {
        errbuf_set(c->err, -1, "missing required field \"%s\"", field);
    }
    return SEGMENT_REJECT_MISSING_FIELD;
}

static enum segment_reject wrong_type(struct vctx *c, const char *field, const char *want)
{
    char rule[64];
    snprintf(rule, sizeof(rule), "is not %s", want);
    return fail(c, SEGMENT_REJECT_WRONG_TYPE, field, rule);
}

/* Quotes a client string for a message, cut short so the field name always fits. */
static void quoted_rule(char *out, size_t n, const char *value, const char *rule)
{
    snprintf(out, n, "\"%.40s%s\" %s", value, strlen(value) > 40 ? "..." : "", rule);
}

static locale_t utf8_locale;
static pthread_once_t utf8_once = PTHREAD_ONCE_INIT;

static void utf8_locale_init(void)
{
    utf8_locale = newlocale(LC_CTYPE_MASK, "C.UTF-8", (locale_t)0);
}

/* Decodes one UTF-8 sequence (jansson has already checked it is valid); returns its length. */
static size_t utf8_next(const unsigned char *s, uint32_t *cp)
{
    if (s[0] < 0x80) {
        *cp = s[0];
        return 1;
    }
    if ((s[0] & 0xE0) == 0xC0) {
        *cp = ((uint32_t)(s[0] & 0x1F) << 6) | (s[1] & 0x3F);
        return 2;
    }
    if ((s[0] & 0xF0) == 0xE0) {
        *cp = ((uint32_t)(s[0] & 0x0F) << 12) | ((uint32_t)(s[1] & 0x3F) << 6) | (s[2] & 0x3F);
        return 3;
    }
    *cp = ((uint32_t)(s[0] & 0x07) << 18) | ((uint32_t)(s[1] & 0x3F) << 12) |
          ((uint32_t)(s[2] & 0x3F) << 6) | (s[3] & 0x3F);
    return 4;
}

/* Unicode letters, digits and whitespace plus the punctuation the Dev Guide lists. Non-ASCII
 * code points are classified by the C.UTF-8 locale; if the system lacks it, they are accepted
 * rather than refusing every non-English service name. */
static bool name_char_ok(uint32_t cp)
{
    if (cp < 0x80) {
        return (cp >= '0' && cp <= '9') || (cp >= 'a' && cp <= 'z') || (cp >= 'A' && cp <= 'Z') ||
               (cp != 0 && strchr(" \t\n\r\v\f_.:/%&#=+\\-@", (int)cp) != NULL);
    }
    pthread_once(&utf8_once, utf8_locale_init);
    if (!utf8_locale) {
        return cp >= 0xA0;
    }
    return iswalnum_l((wint_t)cp, utf8_locale) || iswspace_l((wint_t)cp, utf8_locale);
}

static enum segment_reject check_name(struct vctx *c, const json_t *v)
{
    char rule[128];
    if (!v) {
        return missing(c, "name");
    }
    if (!json_is_string(v)) {
        return wrong_type(c, "name", "a string");
    }
    const char *s = json_string_value(v);
    size_t len = json_string_length(v), chars = 0;
    if (len == 0) {
        return fail(c, SEGMENT_REJECT_BAD_NAME, "name", "is empty");
    }
    for (size_t i = 0; i < len; chars++) {
        uint32_t cp;
        i += utf8_next((const unsigned char *)s + i, &cp);
        if (!name_char_ok(cp)) {
            snprintf(rule, sizeof(rule),
                     "has a disallowed character U+%04X (allowed: letters, "
                     "digits, whitespace and _ . : / %% & # = + \\ - @)",
                     (unsigned)cp);
            return fail(c, SEGMENT_REJECT_BAD_NAME, "name", rule);
        }
    }
    if (chars > NAME_MAX_CHARS) {
        snprintf(rule, sizeof(rule), "is %zu characters long (at most %d)", chars, NAME_MAX_CHARS);
        return fail(c, SEGMENT_REJECT_BAD_NAME, "name", rule);
    }
    return SEGMENT_OK;
}

/* n hex digits at s (is_hex wants the whole string, and these are runs inside the trace id). */
static bool hex_run(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (!strchr("0123456789abcdefABCDEF", s[i]) || s[i] == '\0') {
            return false;
        }
    }
    return true;
}

static bool trace_id_ok(const char *s)
{
    return strlen(s) == 35 && s[0] == '1' && s[1] == '-' && s[10] == '-' && hex_run(s + 2, 8) &&
           hex_run(s + 11, 24);
}

/* A 16-hex id field (id, parent_id); absent is fine unless `required`. */
static enum segment_reject check_id(struct vctx *c, const json_t *v, const char *field,
                                    bool required)
{
    char rule[96];
    if (!v) {
        return required ? missing(c, field) : SEGMENT_OK;
    }
    if (!json_is_string(v)) {
        return wrong_type(c, field, "a string");
    }
    if (json_string_length(v) != 16 || !is_hex(json_string_value(v), 16)) {
        quoted_rule(rule, sizeof(rule), json_string_value(v), "is not 16 hex digits");
        return fail(c, SEGMENT_REJECT_BAD_ID, field, rule);
    }
    return SEGMENT_OK;
}

static enum segment_reject check_trace_id(struct vctx *c, const json_t *v)
{
    char rule[96];
    if (!v) {
        return missing(c, "trace_id");
    }
    if (!json_is_string(v)) {
        return wrong_type(c, "trace_id", "a string");
    }
    if (json_string_length(v) != 35 || !trace_id_ok(json_string_value(v))) {
        quoted_rule(rule, sizeof(rule), json_string_value(v), "is not 1-<8 hex>-<24 hex>");
        return fail(c, SEGMENT_REJECT_BAD_TRACE_ID, "trace_id", rule);
    }
    return SEGMENT_OK;
}

/* A time: a finite, non-negative JSON number of epoch seconds. */
static enum segment_reject check_time(struct vctx *c, const json_t *v, const char *field)
{
    if (!json_is_number(v)) {
        return wrong_type(c, field, "a number");
    }
    double t = json_number_value(v);
    if (!isfinite(t) || t < 0) {
        return fail(c, SEGMENT_REJECT_BAD_TIME, field, "is negative or not finite");
    }
    return SEGMENT_OK;
}

/* start_time, in_progress and end_time: end_time is required unless in_progress is true (the
 * Python SDK sends in_progress:false on every closed entity, which means complete). */
static enum segment_reject check_times(struct vctx *c, const json_t *doc, bool *in_progress)
{
    const json_t *st = json_object_get(doc, "start_time");
    const json_t *et = json_object_get(doc, "end_time");
    const json_t *ip = json_object_get(doc, "in_progress");
    if (!st) {
        return missing(c, "start_time");
    }
    enum segment_reject r = check_time(c, st, "start_time");
    if (r != SEGMENT_OK) {
        return r;
    }
    if (ip && !json_is_boolean(ip)) {
        return wrong_type(c, "in_progress", "a boolean");
    }
    *in_progress = json_is_true(ip);
    if (!et) {
        return *in_progress ? SEGMENT_OK : missing(c, "end_time");
    }
    r = check_time(c, et, "end_time");
    if (r != SEGMENT_OK) {
        return r;
    }
    if (json_number_value(et) < json_number_value(st)) {
        return fail(c, SEGMENT_REJECT_BAD_TIME, "end_time", "is before start_time");
    }
    return SEGMENT_OK;
}

/* Optional members whose JSON type the rest of fluoro relies on. */
static enum segment_reject check_optional_types(struct vctx *c, const json_t *doc)
{
    static const char *const bools[] = {"error", "fault", "throttle"};
    static const char *const objects[] = {"http", "aws", "metadata", "service"};
    static const char *const strings[] = {"origin", "user", "namespace", "resource_arn"};
    for (size_t i = 0; i < ARRAY_LEN(bools); i++) {
        const json_t *v = json_object_get(doc, bools[i]);
        if (v && !json_is_boolean(v)) {
            return wrong_type(c, bools[i], "a boolean");
        }
    }
    for (size_t i = 0; i < ARRAY_LEN(objects); i++) {
        const json_t *v = json_object_get(doc, objects[i]);
        if (v && !json_is_object(v)) {
            return wrong_type(c, objects[i], "an object");
        }
    }
    for (size_t i = 0; i < ARRAY_LEN(strings); i++) {
        const json_t *v = json_object_get(doc, strings[i]);
        if (v && !json_is_string(v)) {
            return wrong_type(c, strings[i], "a string");
        }
    }
    return SEGMENT_OK;
}

/* Annotation values are indexed, so only strings, numbers and booleans are allowed (§2). */
static enum segment_reject check_annotations(struct vctx *c, const json_t *doc)
{
    const json_t *ann = json_object_get(doc, "annotations");
    const char *key;
    const json_t *v;
    char field[96];
    if (!ann) {
        return SEGMENT_OK;
    }
    if (!json_is_object(ann)) {
        return wrong_type(c, "annotations", "an object");
    }
    json_object_foreach((json_t *)ann, key, v)
    {
        if (!json_is_string(v) && !json_is_number(v) && !json_is_boolean(v)) {
            snprintf(field, sizeof(field), "annotations.%.60s", key);
            return wrong_type(c, field, "a string, number or boolean");
        }
    }
    return SEGMENT_OK;
}

static enum segment_reject check_entity(struct vctx *c, const json_t *doc, enum kind kind,
                                        bool *in_progress);

/* Each embedded subsegment follows the embedded rules; any failure becomes BAD_SUBSEGMENT with
 * the full path in the message. */
static enum segment_reject check_subsegments(struct vctx *c, const json_t *doc)
{
    const json_t *subs = json_object_get(doc, "subsegments");
    size_t i;
    const json_t *sub;
    if (!subs) {
        return SEGMENT_OK;
    }
    if (!json_is_array(subs)) {
        return wrong_type(c, "subsegments", "an array");
    }
    json_array_foreach((json_t *)subs, i, sub)
    {
        struct vctx inner = {.err = c->err};
        bool ip;
        int w = snprintf(inner.path, sizeof(inner.path), "%s%ssubsegments[%zu]", c->path,
                         c->path[0] ? "." : "", i);
        if (w < 0 || (size_t)w >= sizeof(inner.path)) {
            /* Very deep nesting: keep the innermost index, which is the useful part. */
            snprintf(inner.path, sizeof(inner.path), "...subsegments[%zu]", i);
        }
        if (!json_is_object(sub)) {
            errbuf_set(c->err, -1, "%s: is not an object", inner.path);
            return SEGMENT_REJECT_BAD_SUBSEGMENT;
        }
        if (check_entity(&inner, sub, KIND_EMBEDDED, &ip) != SEGMENT_OK) {
            return SEGMENT_REJECT_BAD_SUBSEGMENT;
        }
    }
    return SEGMENT_OK;
}

static enum segment_reject check_entity(struct vctx *c, const json_t *doc, enum kind kind,
                                        bool *in_progress)
{
    /* Checked in a fixed order so the first broken rule is the one reported. */
    enum segment_reject r = check_name(c, json_object_get(doc, "name"));
    if (r == SEGMENT_OK) {
        r = check_id(c, json_object_get(doc, "id"), "id", true);
    }
    if (r == SEGMENT_OK && kind != KIND_EMBEDDED) {
        r = check_trace_id(c, json_object_get(doc, "trace_id"));
    }
    if (r == SEGMENT_OK && kind != KIND_EMBEDDED) {
        r = check_id(c, json_object_get(doc, "parent_id"), "parent_id", kind == KIND_SUBSEGMENT);
    }
    if (r == SEGMENT_OK) {
        r = check_times(c, doc, in_progress);
    }
    if (r == SEGMENT_OK) {
        r = check_optional_types(c, doc);
    }
    if (r == SEGMENT_OK) {
        r = check_annotations(c, doc);
    }
    if (r == SEGMENT_OK) {
        r = check_subsegments(c, doc);
    }
    return r;
}

/* `type` decides the kind: absent is a segment, "subsegment" an independent subsegment. */
static enum segment_reject top_kind(struct vctx *c, const json_t *doc, enum kind *kind)
{
    const json_t *type = json_object_get(doc, "type");
    *kind = KIND_SEGMENT;
    if (!type) {
        return SEGMENT_OK;
    }
    if (!json_is_string(type)) {
        return wrong_type(c, "type", "a string");
    }
    if (strcmp(json_string_value(type), "subsegment") != 0) {
        return wrong_type(c, "type", "\"subsegment\" (omit it for a segment)");
    }
    *kind = KIND_SUBSEGMENT;
    return SEGMENT_OK;
}

static void copy_str(char *dst, size_t n, const json_t *v)
{
    const char *s = json_string_value(v);
    snprintf(dst, n, "%s", s ? s : "");
}

enum segment_reject segment_validate(json_t *doc, struct segment *out, struct errbuf *err)
{
    struct vctx c = {.err = err};
    enum kind kind;
    bool in_progress = false;
    if (!json_is_object(doc)) {
        errbuf_set(err, -1, "the document is not a JSON object");
        return SEGMENT_REJECT_NOT_OBJECT;
    }
    enum segment_reject r = top_kind(&c, doc, &kind);
    if (r == SEGMENT_OK) {
        r = check_entity(&c, doc, kind, &in_progress);
    }
    if (r != SEGMENT_OK) {
        return r;
    }
    memset(out, 0, sizeof(*out));
    out->doc = json_incref(doc);
    copy_str(out->trace_id, sizeof(out->trace_id), json_object_get(doc, "trace_id"));
    copy_str(out->id, sizeof(out->id), json_object_get(doc, "id"));
    copy_str(out->parent_id, sizeof(out->parent_id), json_object_get(doc, "parent_id"));
    out->is_subsegment = kind == KIND_SUBSEGMENT;
    out->in_progress = in_progress;
    out->start_time = json_number_value(json_object_get(doc, "start_time"));
    out->end_time = in_progress ? 0 : json_number_value(json_object_get(doc, "end_time"));
    return SEGMENT_OK;
}

enum segment_reject segment_parse(const char *body, size_t len, struct segment *out,
                                  struct errbuf *err)
{
    json_error_t jerr;
    json_t *doc = NULL;
    enum segment_reject r;
    if (len > SEGMENT_MAX_DOC) {
        errbuf_set(err, -1, "the document is %zu bytes (at most %d)", len, SEGMENT_MAX_DOC);
        return SEGMENT_REJECT_TOO_LARGE;
    }
    /* The common shape takes the fast path (jparse.h); jansson decides everything else.
     * DECODE_ANY so that a bare string or number is reported as "not an object", not "not JSON". */
    doc = jparse_loadb(body, len, JSON_DECODE_ANY, &jerr);
    if (!doc) {
        errbuf_set(err, jerr.position, "the document is not JSON: %s", jerr.text);
        r = SEGMENT_REJECT_NOT_JSON;
        goto out;
    }
    r = segment_validate(doc, out, err);
out:
    json_decref(doc);
    return r;
}

void segment_fini(struct segment *s)
{
    if (s) {
        json_decref(s->doc);
        s->doc = NULL;
    }
}

double segment_trace_id_time(const char *trace_id)
{
    char hex[9];
    if (!trace_id || strlen(trace_id) < 10) {
        return 0;
    }
    memcpy(hex, trace_id + 2, 8);
    hex[8] = '\0';
    return (double)strtoul(hex, NULL, 16);
}
