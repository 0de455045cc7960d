/*
 * fpattern.c - CloudWatch Logs filter patterns (fpattern.h, reference/logs-filter-and-insights.md
 * Part A): picks the pattern kind from its first character (A1), compiles unstructured term
 * patterns here and hands JSON, space-delimited and regex patterns to fpattern_json.c,
 * fpattern_space.c and fpattern_regex.c. Also derives the required terms that the chunk Bloom
 * filters of logs_chunk.h test, for term patterns.
 *
 * Threads: compile on any thread; a compiled struct fpattern is never written again, so any number
 * of threads may match with it at once.
 */
#include "fpattern.h"
#include "fpattern_int.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"

enum kind {
    KIND_ALL,
    KIND_TERMS,
    KIND_JSON,
    KIND_SPACE,
    KIND_REGEX,
};

enum role {
    ROLE_AND, /* plain term: must appear */
    ROLE_OR,  /* ?term: at least one of these must appear */
    ROLE_NOT, /* -term: must not appear */
};

struct term {
    enum role role;
    char *text;
    size_t len;
    bool phrase; /* quoted: a plain substring test */
    bool always; /* a blank phrase, which AWS documents as "match everything" (A2) */
};

struct fpattern {
    enum kind kind;
    struct term *terms;
    size_t n_terms;
    struct rx *re;
    struct fpattern_jnode *json;
    struct fpattern_space *space;
    char *required;
};

/* Bytes that continue a word. Non-ASCII bytes count as word bytes so a term never matches inside
 * a UTF-8 word. */
static bool word_byte(unsigned char ch)
{
    return isalnum(ch) || ch >= 0x80;
}

/* The one place that decides what "contains the term" means (A2, recommended reading): a bare term
 * must not continue a longer word at an end where it is itself alphanumeric (ERROR matches
 * "[ERROR 400]" and "ERROR:" but not "ERRORS"); a quoted phrase is a plain substring. */
static bool term_match(const struct term *t, const char *msg, size_t len)
{
    const char *p = msg, *end = msg + len;
    bool left = !t->phrase && word_byte((unsigned char)t->text[0]);
    bool right = !t->phrase && word_byte((unsigned char)t->text[t->len - 1]);
    if (t->always) {
        return true;
    }
    while ((size_t)(end - p) >= t->len) {
        const char *hit = memmem(p, (size_t)(end - p), t->text, t->len);
        if (!hit) {
            return false;
        }
        bool ok_left = !left || hit == msg || !word_byte((unsigned char)hit[-1]);
        bool ok_right = !right || hit + t->len == end || !word_byte((unsigned char)hit[t->len]);
        if (ok_left && ok_right) {
            return true;
        }
        p = hit + 1;
    }
    return false;
}

static bool terms_match(const struct fpattern *p, const char *msg, size_t len)
{
    bool has_or = false, any_or = false;
    for (size_t i = 0; i < p->n_terms; i++) {
        const struct term *t = &p->terms[i];
        if (t->role == ROLE_OR) {
            has_or = true;
            any_or = any_or || term_match(t, msg, len);
        } else if (term_match(t, msg, len) != (t->role == ROLE_AND)) {
            return false;
        }
    }
    return !has_or || any_or;
}

static bool blank(const char *s)
{
    while (*s == ' ' || *s == '\t') {
        s++;
    }
    return *s == '\0';
}

static int parse_term(struct fpattern_cursor *c, struct term *t)
{
    size_t start = c->i;
    if (c->s[c->i] == '?' || c->s[c->i] == '-') {
        t->role = c->s[c->i] == '?' ? ROLE_OR : ROLE_NOT;
        c->i++;
    }
    if (c->s[c->i] == '"') {
        int rc = fpattern_parse_quoted(c, &t->text);
        if (rc) {
            return rc;
        }
        t->phrase = true;
        t->len = strlen(t->text);
        t->always = blank(t->text);
        if (c->s[c->i] != '\0' && !isspace((unsigned char)c->s[c->i])) {
            return errbuf_set(c->err, (int)c->i, "expected a space after the closing quote");
        }
        return 0;
    }
    size_t from = c->i;
    while (c->s[c->i] != '\0' && !isspace((unsigned char)c->s[c->i])) {
        if (c->s[c->i] == '"') {
            return errbuf_set(c->err, (int)c->i,
                              "a quote may only start a term; quote the whole term");
        }
        c->i++;
    }
    if (c->i == from) {
        return errbuf_set(c->err, (int)start, "expected a term after '%c'", c->s[start]);
    }
    t->text = xstrndup(c->s + from, c->i - from);
    t->len = c->i - from;
    return 0;
}

static int compile_terms(struct fpattern_cursor *c, struct fpattern *p)
{
    for (;;) {
        fpattern_skip_ws(c);
        if (c->s[c->i] == '\0') {
            return 0;
        }
        p->terms = xrealloc(p->terms, (p->n_terms + 1) * sizeof(*p->terms));
        memset(&p->terms[p->n_terms], 0, sizeof(*p->terms));
        p->n_terms++;
        int rc = parse_term(c, &p->terms[p->n_terms - 1]);
        if (rc) {
            return rc;
        }
    }
}

/* Appends the tokens (maximal runs of ASCII letters and digits, logs_chunk.h) that every message
 * matching t contains whole, or nothing when there are none. A term's inner tokens are bounded by
 * its own separators, and a bare term's end tokens by a non-word byte (term_match), so both are
 * whole tokens of the message; a phrase's end tokens may continue a longer word, so they are
 * dropped. Matching is case-sensitive (A2), so the tokens keep their case. */
static void term_tokens(const struct term *t, struct buf *q)
{
    size_t from = 0, to = t->len, n = 0;
    char *tokens = NULL;
    if (t->always || t->role != ROLE_AND) {
        return;
    }
    for (size_t i = 0; i < t->len; i++) {
        if ((unsigned char)t->text[i] >= 0x80) {
            return; /* kept conservative: a non-ASCII term gives no tokens */
        }
    }
    if (t->phrase && isalnum((unsigned char)t->text[0])) {
        while (from < to && isalnum((unsigned char)t->text[from])) {
            from++;
        }
    }
    if (t->phrase && isalnum((unsigned char)t->text[t->len - 1])) {
        while (to > from && isalnum((unsigned char)t->text[to - 1])) {
            to--;
        }
    }
    tokens = xmalloc(to - from + 1);
    for (size_t i = from; i < to; i++) {
        if (isalnum((unsigned char)t->text[i])) {
            tokens[n++] = t->text[i];
        } else if (n > 0 && tokens[n - 1] != ' ') {
            tokens[n++] = ' ';
        }
    }
    while (n > 0 && tokens[n - 1] == ' ') {
        n--;
    }
    if (n > 0) {
        int rc = buf_printf(q, "%s%.*s", q->len ? " " : "", (int)n, tokens);
        (void)rc; /* an unlimited buf cannot refuse */
    }
    free(tokens);
}

static void build_terms(struct fpattern *p)
{
    struct buf q;
    buf_init(&q, 0);
    for (size_t i = 0; i < p->n_terms; i++) {
        term_tokens(&p->terms[i], &q);
    }
    p->required = q.len ? buf_steal(&q, NULL) : NULL;
    buf_fini(&q);
}

static int compile_regex(struct fpattern_cursor *c, struct fpattern *p)
{
    int rc = fpattern_regex_parse(c, &p->re);
    if (rc) {
        return rc;
    }
    fpattern_skip_ws(c);
    if (c->s[c->i] != '\0') {
        return errbuf_set(c->err, (int)c->i, "unexpected text after the regular expression");
    }
    return 0;
}

/* A1: `{` is JSON, `[` space-delimited, `%...%` a regex, anything else terms. */
static enum kind pick_kind(const char *s, size_t at)
{
    size_t end = strlen(s);
    while (end > at && isspace((unsigned char)s[end - 1])) {
        end--;
    }
    if (s[at] == '\0') {
        return KIND_ALL;
    }
    if (s[at] == '{') {
        return KIND_JSON;
    }
    if (s[at] == '[') {
        return KIND_SPACE;
    }
    if (s[at] == '%' && end - at >= 2 && s[end - 1] == '%') {
        return KIND_REGEX;
    }
    return KIND_TERMS;
}

int fpattern_compile(const char *src, struct fpattern **out, struct errbuf *err)
{
    struct fpattern *p = xcalloc(1, sizeof(*p));
    struct fpattern_cursor c = {src, 0, 0, err};
    int rc = 0;
    fpattern_skip_ws(&c);
    p->kind = pick_kind(src, c.i);
    switch (p->kind) {
    case KIND_ALL:
        break;
    case KIND_JSON:
        rc = fpattern_json_compile(&c, &p->json);
        break;
    case KIND_SPACE:
        rc = fpattern_space_compile(&c, &p->space);
        break;
    case KIND_REGEX:
        rc = compile_regex(&c, p);
        break;
    case KIND_TERMS:
        rc = compile_terms(&c, p);
        if (rc == 0) {
            build_terms(p);
        }
        break;
    }
    if (rc) {
        fpattern_free(p);
        p = NULL;
    }
    *out = p;
    return rc;
}

/* Messages are length-delimited; jansson needs a JSON object for a JSON pattern to apply (A3). */
static json_t *load_object(const char *msg, size_t len)
{
    json_error_t jerr;
    json_t *doc = json_loadb(msg, len, 0, &jerr);
    if (doc && !json_is_object(doc)) {
        json_decref(doc);
        doc = NULL;
    }
    return doc;
}

bool fpattern_match(const struct fpattern *p, const char *msg, size_t len)
{
    double v;
    bool has;
    return fpattern_match_value(p, msg, len, NULL, &v, &has);
}

static bool json_value(const struct fpattern *p, const char *msg, size_t len, const char *field,
                       double *value, bool *has_value)
{
    json_t *doc = load_object(msg, len);
    bool ok = doc && fpattern_json_match(p->json, doc);
    if (ok && field && field[0] == '$') {
        const json_t *v = fpattern_json_lookup(doc, field);
        if (json_is_number(v)) {
            *value = json_number_value(v);
            *has_value = true;
        } else if (json_is_string(v)) {
            *has_value = fpattern_number(json_string_value(v), json_string_length(v), value);
        }
    }
    json_decref(doc);
    return ok;
}

bool fpattern_match_value(const struct fpattern *p, const char *msg, size_t len, const char *field,
                          double *value, bool *has_value)
{
    bool ok = false;
    *has_value = false;
    switch (p->kind) {
    case KIND_ALL:
        ok = true;
        break;
    case KIND_TERMS:
        ok = terms_match(p, msg, len);
        break;
    case KIND_REGEX:
        ok = rx_search(p->re, msg, len);
        break;
    case KIND_JSON:
        ok = json_value(p, msg, len, field, value, has_value);
        break;
    case KIND_SPACE:
        ok = fpattern_space_match(p->space, msg, len, field, value, has_value);
        break;
    }
    /* A metric value may be a constant ("1" counts occurrences) whatever the pattern kind. */
    if (ok && field && !*has_value) {
        *has_value = fpattern_number(field, strlen(field), value);
    }
    return ok;
}

json_t *fpattern_extract(const struct fpattern *p, const char *msg, size_t len)
{
    json_t *out = json_object(), *doc = NULL;
    bool ok = false;
    switch (p->kind) {
    case KIND_JSON:
        doc = load_object(msg, len);
        ok = doc && fpattern_json_match(p->json, doc);
        if (ok) {
            fpattern_json_extract(p->json, doc, out);
        }
        break;
    case KIND_SPACE:
        ok = fpattern_space_extract(p->space, msg, len, out);
        break;
    default:
        ok = fpattern_match(p, msg, len);
        break;
    }
    json_decref(doc);
    if (!ok) {
        json_decref(out);
        out = NULL;
    }
    return out;
}

const char *fpattern_required_terms(const struct fpattern *p)
{
    return p->required;
}

void fpattern_free(struct fpattern *p)
{
    if (!p) {
        return;
    }
    for (size_t i = 0; i < p->n_terms; i++) {
        free(p->terms[i].text);
    }
    free(p->terms);
    rx_free(p->re);
    fpattern_json_free(p->json);
    fpattern_space_free(p->space);
    free(p->required);
    free(p);
}
