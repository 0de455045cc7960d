/*
 * fpattern_json.c - JSON filter patterns, `{ $.a.b[0] = "x" && ($.n > 5 || $.c IS NULL) }`
 * (reference/logs-filter-and-insights.md A3). A recursive-descent parser builds an immutable tree;
 * matching walks it over a message already parsed by jansson (the caller owns the document).
 * Precedence is () over && over ||, as AWS documents. Any thread may match concurrently.
 */
#include "fpattern_int.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

struct step {
    char *key; /* NULL for an array index */
    size_t index;
};

struct fpattern_jpath {
    struct step *steps;
    size_t n;
    char *text; /* the selector as written (`$.a[0].b`), the key TestMetricFilter reports */
};

enum jkind {
    JN_AND,
    JN_OR,
    JN_CMP,
    JN_IS_NULL,
    JN_IS_TRUE,
    JN_IS_FALSE,
    JN_NOT_EXISTS,
};

struct fpattern_jnode {
    enum jkind kind;
    struct fpattern_jnode *l, *r; /* JN_AND, JN_OR */
    struct fpattern_jpath path;   /* everything else */
    enum fpattern_cmp op;         /* JN_CMP */
    struct fpattern_value val;    /* JN_CMP */
};

static int parse_or(struct fpattern_cursor *c, int depth, struct fpattern_jnode **out);

static void path_fini(struct fpattern_jpath *p)
{
    for (size_t i = 0; i < p->n; i++) {
        free(p->steps[i].key);
    }
    free(p->steps);
    free(p->text);
}

static bool name_char(char ch)
{
    return isalnum((unsigned char)ch) || ch == '_' || ch == '-';
}

static int parse_step(struct fpattern_cursor *c, struct step *st)
{
    size_t start = c->i;
    if (c->s[c->i] == '.') {
        c->i++;
        while (name_char(c->s[c->i])) {
            c->i++;
        }
        if (c->i == start + 1) {
            return errbuf_set(c->err, (int)c->i,
                              "expected a property name (letters, digits, - or _) after '.'");
        }
        st->key = xstrndup(c->s + start + 1, c->i - start - 1);
        return 0;
    }
    c->i++; /* '[' */
    if (!isdigit((unsigned char)c->s[c->i])) {
        return errbuf_set(c->err, (int)c->i, "expected an array index after '['");
    }
    st->index = strtoul(c->s + c->i, NULL, 10);
    while (isdigit((unsigned char)c->s[c->i])) {
        c->i++;
    }
    if (c->s[c->i] != ']') {
        return errbuf_set(c->err, (int)c->i, "expected ']' after the array index");
    }
    c->i++;
    return 0;
}

/* Parses `$.a[0].b` at the cursor into p (which the caller finalizes, also on failure). */
static int parse_path(struct fpattern_cursor *c, struct fpattern_jpath *p)
{
    size_t start = c->i;
    if (c->s[c->i] != '$') {
        return errbuf_set(c->err, (int)c->i, "expected a selector starting with $.");
    }
    c->i++;
    while (c->s[c->i] == '.' || c->s[c->i] == '[') {
        p->steps = xrealloc(p->steps, (p->n + 1) * sizeof(*p->steps));
        p->steps[p->n] = (struct step){NULL, 0};
        p->n++;
        int rc = parse_step(c, &p->steps[p->n - 1]);
        if (rc) {
            return rc;
        }
    }
    if (p->n == 0) {
        return errbuf_set(c->err, (int)start, "expected a property after $ (as in $.name)");
    }
    p->text = xstrndup(c->s + start, c->i - start);
    return 0;
}

static size_t word(const struct fpattern_cursor *c, size_t at)
{
    size_t n = 0;
    while (isalpha((unsigned char)c->s[at + n])) {
        n++;
    }
    return n;
}

static bool is_word(const struct fpattern_cursor *c, size_t at, size_t n, const char *w)
{
    return n == strlen(w) && strncasecmp(c->s + at, w, n) == 0;
}

/* After a selector: IS NULL | IS TRUE | IS FALSE | NOT EXISTS. Returns 1 when none applies. */
static int parse_special(struct fpattern_cursor *c, struct fpattern_jnode *n)
{
    size_t at = c->i, len = word(c, at), at2, len2;
    bool is = is_word(c, at, len, "IS"), not = is_word(c, at, len, "NOT");
    if (is_word(c, at, len, "EXISTS")) {
        return errbuf_set(c->err, (int)at, "EXISTS is not supported; use NOT EXISTS or = \"*\"");
    }
    if (!is && !not ) {
        return 1;
    }
    c->i += len;
    fpattern_skip_ws(c);
    at2 = c->i;
    len2 = word(c, at2);
    c->i += len2;
    if (is && is_word(c, at2, len2, "NULL")) {
        n->kind = JN_IS_NULL;
    } else if (is && is_word(c, at2, len2, "TRUE")) {
        n->kind = JN_IS_TRUE;
    } else if (is && is_word(c, at2, len2, "FALSE")) {
        n->kind = JN_IS_FALSE;
    } else if (not &&is_word(c, at2, len2, "EXISTS")) {
        n->kind = JN_NOT_EXISTS;
    } else if (is && is_word(c, at2, len2, "NOT")) {
        return errbuf_set(c->err, (int)at, "IS NOT is not supported; use != or NOT EXISTS");
    } else {
        return errbuf_set(c->err, (int)at2,
                          is ? "expected NULL, TRUE or FALSE after IS"
                             : "expected EXISTS after NOT");
    }
    return 0;
}

static int parse_cond(struct fpattern_cursor *c, struct fpattern_jnode **out)
{
    struct fpattern_jnode *n = xcalloc(1, sizeof(*n));
    int rc = parse_path(c, &n->path);
    if (rc) {
        goto out;
    }
    fpattern_skip_ws(c);
    rc = parse_special(c, n);
    if (rc <= 0) {
        goto out;
    }
    n->kind = JN_CMP;
    rc = fpattern_parse_cmp(c, &n->op);
    if (rc) {
        goto out;
    }
    rc = fpattern_parse_value(c, "&|)}", n->op, &n->val);
out:
    if (rc) {
        fpattern_json_free(n);
        n = NULL;
    }
    *out = n;
    return rc;
}

static int parse_primary(struct fpattern_cursor *c, int depth, struct fpattern_jnode **out)
{
    fpattern_skip_ws(c);
    if (c->s[c->i] != '(') {
        if (c->s[c->i] != '$') {
            *out = NULL;
            return errbuf_set(c->err, (int)c->i, "expected a selector starting with $. or '('");
        }
        return parse_cond(c, out);
    }
    if (depth >= FPATTERN_MAX_DEPTH) {
        *out = NULL;
        return errbuf_set(c->err, (int)c->i, "parentheses nested too deeply");
    }
    size_t open = c->i++;
    int rc = parse_or(c, depth + 1, out);
    if (rc) {
        return rc;
    }
    fpattern_skip_ws(c);
    if (c->s[c->i] != ')') {
        fpattern_json_free(*out);
        *out = NULL;
        return errbuf_set(c->err, (int)open, "unbalanced parenthesis");
    }
    c->i++;
    return 0;
}

/* One level of the binary grammar: operands joined by `op` ("&&" or "||"). */
static int parse_chain(struct fpattern_cursor *c, int depth, const char *op, enum jkind kind,
                       struct fpattern_jnode **out)
{
    struct fpattern_jnode *left = NULL, *right = NULL;
    int rc =
        kind == JN_OR ? parse_chain(c, depth, "&&", JN_AND, &left) : parse_primary(c, depth, &left);
    while (rc == 0) {
        fpattern_skip_ws(c);
        if (strncmp(c->s + c->i, op, 2) != 0) {
            break;
        }
        c->i += 2;
        rc = kind == JN_OR ? parse_chain(c, depth, "&&", JN_AND, &right)
                           : parse_primary(c, depth, &right);
        if (rc == 0) {
            struct fpattern_jnode *n = xcalloc(1, sizeof(*n));
            n->kind = kind;
            n->l = left;
            n->r = right;
            left = n;
        }
    }
    if (rc) {
        fpattern_json_free(left);
        left = NULL;
    }
    *out = left;
    return rc;
}

static int parse_or(struct fpattern_cursor *c, int depth, struct fpattern_jnode **out)
{
    return parse_chain(c, depth, "||", JN_OR, out);
}

int fpattern_json_compile(struct fpattern_cursor *c, struct fpattern_jnode **out)
{
    struct fpattern_jnode *n = NULL;
    int rc;
    c->i++; /* '{' */
    rc = parse_or(c, 0, &n);
    if (rc) {
        return rc;
    }
    fpattern_skip_ws(c);
    if (c->s[c->i] != '}') {
        rc = errbuf_set(c->err, (int)c->i,
                        c->s[c->i] == '\0' ? "missing closing }" : "expected &&, || or }");
    } else {
        c->i++;
        fpattern_skip_ws(c);
        if (c->s[c->i] != '\0') {
            rc = errbuf_set(c->err, (int)c->i, "unexpected text after the closing }");
        }
    }
    if (rc) {
        fpattern_json_free(n);
        return rc;
    }
    *out = n;
    return 0;
}

void fpattern_json_free(struct fpattern_jnode *n)
{
    if (n) {
        fpattern_json_free(n->l);
        fpattern_json_free(n->r);
        path_fini(&n->path);
        fpattern_value_fini(&n->val);
        free(n);
    }
}

static const json_t *lookup(const json_t *doc, const struct fpattern_jpath *p)
{
    for (size_t i = 0; doc && i < p->n; i++) {
        if (p->steps[i].key) {
            doc = json_is_object(doc) ? json_object_get(doc, p->steps[i].key) : NULL;
        } else {
            doc = json_is_array(doc) ? json_array_get(doc, p->steps[i].index) : NULL;
        }
    }
    return doc;
}

const json_t *fpattern_json_lookup(const json_t *doc, const char *selector)
{
    struct fpattern_cursor c = {selector, 0, 0, NULL};
    struct fpattern_jpath p = {NULL, 0, NULL};
    const json_t *v = NULL;
    if (parse_path(&c, &p) == 0) {
        fpattern_skip_ws(&c);
        v = c.s[c.i] == '\0' ? lookup(doc, &p) : NULL;
    }
    path_fini(&p);
    return v;
}

/* The text a comparison sees for a scalar (and TestMetricFilter reports): strings as they are,
 * numbers in their shortest exact form, booleans as true/false. False for null, objects and
 * arrays. num is scratch space that sc may point into. */
static bool scalar_of(const json_t *v, char num[40], struct fpattern_scalar *sc)
{
    memset(sc, 0, sizeof(*sc));
    if (json_is_string(v)) {
        sc->text = json_string_value(v);
        sc->len = json_string_length(v);
        sc->has_num = fpattern_number(sc->text, sc->len, &sc->num);
    } else if (json_is_integer(v)) {
        snprintf(num, 40, "%lld", (long long)json_integer_value(v));
        *sc = (struct fpattern_scalar){num, strlen(num), true, (double)json_integer_value(v)};
    } else if (json_is_real(v)) {
        double d = json_real_value(v);
        snprintf(num, 40, "%.15g", d);
        if (strtod(num, NULL) != d) {
            snprintf(num, 40, "%.17g", d);
        }
        *sc = (struct fpattern_scalar){num, strlen(num), true, d};
    } else if (json_is_boolean(v)) {
        sc->text = json_is_true(v) ? "true" : "false";
        sc->len = strlen(sc->text);
    } else {
        return false;
    }
    return true;
}

/* Compares one scalar; objects, arrays and null never satisfy a comparison (A3). */
static bool test_scalar(const struct fpattern_jnode *n, const json_t *v)
{
    struct fpattern_scalar sc;
    char num[40];
    return scalar_of(v, num, &sc) && fpattern_value_test(&n->val, n->op, &sc);
}

bool fpattern_json_match(const struct fpattern_jnode *n, const json_t *doc)
{
    const json_t *v;
    switch (n->kind) {
    case JN_AND:
        return fpattern_json_match(n->l, doc) && fpattern_json_match(n->r, doc);
    case JN_OR:
        return fpattern_json_match(n->l, doc) || fpattern_json_match(n->r, doc);
    default:
        break;
    }
    v = lookup(doc, &n->path);
    switch (n->kind) {
    case JN_IS_NULL:
        return json_is_null(v);
    case JN_IS_TRUE:
        return json_is_true(v);
    case JN_IS_FALSE:
        return json_is_false(v);
    case JN_NOT_EXISTS:
        return v == NULL;
    default:
        return v != NULL && test_scalar(n, v);
    }
}

void fpattern_json_extract(const struct fpattern_jnode *n, const json_t *doc, json_t *out)
{
    if (n->kind == JN_AND || n->kind == JN_OR) {
        fpattern_json_extract(n->l, doc, out);
        fpattern_json_extract(n->r, doc, out);
        return;
    }
    const json_t *v = lookup(doc, &n->path);
    struct fpattern_scalar sc;
    char num[40];
    if (!v) {
        return;
    }
    if (scalar_of(v, num, &sc)) {
        json_object_set_new(out, n->path.text, json_stringn(sc.text, sc.len));
    } else {
        /* null, objects and arrays are reported as their compact JSON text */
        char *text = json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY);
        json_object_set_new(out, n->path.text, json_string(text));
        free(text);
    }
}
