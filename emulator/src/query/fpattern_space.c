/*
 * fpattern_space.c - space-delimited filter patterns, `[ip, user, ..., status = 4* || status =
 * 5*, bytes > 100]` (reference/logs-filter-and-insights.md A4). The message is split on spaces,
 * with "..." and [...] each one field (delimiters dropped). Without `...` the last pattern field
 * absorbs the rest of the line, so `[w1=ERROR, w2]` matches any line of two or more fields that
 * starts with ERROR (the reference's recommended reading). With `...`, fields align like a glob
 * where `...` is `*` and every other field matches one message field. Immutable once compiled.
 */
#include "fpattern_int.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

struct cond {
    enum fpattern_cmp op;
    struct fpattern_value val;
    bool or_before; /* joined to the previous condition by || (else &&) */
};

struct field {
    bool ellipsis;
    char *name;
    struct cond *conds;
    size_t n_conds;
};

struct fpattern_space {
    struct field *f;
    size_t n;
    bool has_ellipsis;
};

/* One message field: value bytes [so, eo) and raw start (before a [ or " delimiter). */
struct tok {
    size_t so, eo, raw;
};

static bool name_char(char ch)
{
    return isalnum((unsigned char)ch) || ch == '_';
}

static size_t name_len(const struct fpattern_cursor *c)
{
    size_t n = 0;
    while (name_char(c->s[c->i + n])) {
        n++;
    }
    return n;
}

static int parse_conds(struct fpattern_cursor *c, struct field *f)
{
    for (bool or_before = false;;) {
        struct cond *cd;
        int rc;
        f->conds = xrealloc(f->conds, (f->n_conds + 1) * sizeof(*f->conds));
        cd = &f->conds[f->n_conds];
        memset(cd, 0, sizeof(*cd));
        f->n_conds++;
        cd->or_before = or_before;
        rc = fpattern_parse_cmp(c, &cd->op);
        if (rc == 0) {
            rc = fpattern_parse_value(c, ",]&|", cd->op, &cd->val);
        }
        if (rc) {
            return rc;
        }
        fpattern_skip_ws(c);
        if (strncmp(c->s + c->i, "&&", 2) != 0 && strncmp(c->s + c->i, "||", 2) != 0) {
            return 0;
        }
        or_before = c->s[c->i] == '|';
        c->i += 2;
        fpattern_skip_ws(c);
        size_t at = c->i, n = name_len(c);
        if (n != strlen(f->name) || strncmp(c->s + at, f->name, n) != 0) {
            return errbuf_set(c->err, (int)at, "conditions in field \"%s\" must all test %s",
                              f->name, f->name);
        }
        c->i += n;
        fpattern_skip_ws(c);
    }
}

static int parse_field(struct fpattern_cursor *c, struct fpattern_space *sp)
{
    struct field *f;
    size_t n;
    fpattern_skip_ws(c);
    sp->f = xrealloc(sp->f, (sp->n + 1) * sizeof(*sp->f));
    f = &sp->f[sp->n++];
    memset(f, 0, sizeof(*f));
    if (strncmp(c->s + c->i, "...", 3) == 0) {
        f->ellipsis = sp->has_ellipsis = true;
        c->i += 3;
        return 0;
    }
    n = name_len(c);
    if (n == 0) {
        return errbuf_set(c->err, (int)c->i, "expected a field name or ...");
    }
    f->name = xstrndup(c->s + c->i, n);
    c->i += n;
    fpattern_skip_ws(c);
    if (c->s[c->i] == ',' || c->s[c->i] == ']' || c->s[c->i] == '\0') {
        return 0;
    }
    return parse_conds(c, f);
}

int fpattern_space_compile(struct fpattern_cursor *c, struct fpattern_space **out)
{
    struct fpattern_space *sp = xcalloc(1, sizeof(*sp));
    int rc = 0;
    c->i++; /* '[' */
    for (;;) {
        rc = parse_field(c, sp);
        if (rc) {
            goto out;
        }
        fpattern_skip_ws(c);
        if (c->s[c->i] == ']') {
            c->i++;
            break;
        }
        if (c->s[c->i] != ',') {
            rc = errbuf_set(c->err, (int)c->i,
                            c->s[c->i] == '\0' ? "missing closing ]" : "expected , or ]");
            goto out;
        }
        c->i++;
    }
    fpattern_skip_ws(c);
    if (c->s[c->i] != '\0') {
        rc = errbuf_set(c->err, (int)c->i, "unexpected text after the closing ]");
    }
out:
    if (rc) {
        fpattern_space_free(sp);
        sp = NULL;
    }
    *out = sp;
    return rc;
}

void fpattern_space_free(struct fpattern_space *sp)
{
    if (!sp) {
        return;
    }
    for (size_t i = 0; i < sp->n; i++) {
        for (size_t j = 0; j < sp->f[i].n_conds; j++) {
            fpattern_value_fini(&sp->f[i].conds[j].val);
        }
        free(sp->f[i].conds);
        free(sp->f[i].name);
    }
    free(sp->f);
    free(sp);
}

static bool is_sep(char ch)
{
    return ch == ' ' || ch == '\t' || ch == '\n' || ch == '\r';
}

/* Splits msg into fields; returns the count and a new array in *out. */
static size_t split(const char *msg, size_t len, struct tok **out)
{
    size_t n = 0, cap = 16, i = 0;
    struct tok *t = xmalloc(cap * sizeof(*t));
    for (;;) {
        while (i < len && is_sep(msg[i])) {
            i++;
        }
        if (i >= len) {
            break;
        }
        if (n == cap) {
            cap *= 2;
            t = xrealloc(t, cap * sizeof(*t));
        }
        const char *close = NULL;
        if (msg[i] == '[' || msg[i] == '"') {
            close = memchr(msg + i + 1, msg[i] == '[' ? ']' : '"', len - i - 1);
        }
        if (close) {
            t[n++] = (struct tok){i + 1, (size_t)(close - msg), i};
            i = (size_t)(close - msg) + 1;
            continue;
        }
        size_t start = i;
        while (i < len && !is_sep(msg[i])) {
            i++;
        }
        t[n++] = (struct tok){start, i, start};
    }
    *out = t;
    return n;
}

static bool field_ok(const struct field *f, const char *msg, const struct tok *t)
{
    struct fpattern_scalar sc = {msg + t->so, t->eo - t->so, false, 0};
    bool any = false, all = true;
    if (f->n_conds == 0) {
        return true;
    }
    sc.has_num = fpattern_number(sc.text, sc.len, &sc.num);
    /* && binds tighter than ||: an OR of AND runs. */
    for (size_t i = 0; i < f->n_conds; i++) {
        if (i > 0 && f->conds[i].or_before) {
            any = any || all;
            all = true;
        }
        all = all && fpattern_value_test(&f->conds[i].val, f->conds[i].op, &sc);
    }
    return any || all;
}

/* Aligns pattern fields with message fields; bind[i] gets the field index for pattern field i. */
static bool align(const struct fpattern_space *sp, const char *msg, const struct tok *t, size_t nt,
                  size_t *bind)
{
    size_t pi = 0, ti = 0, star = SIZE_MAX, star_ti = 0;
    while (ti < nt) {
        if (pi < sp->n && sp->f[pi].ellipsis) {
            star = pi++;
            star_ti = ti;
        } else if (pi < sp->n && field_ok(&sp->f[pi], msg, &t[ti])) {
            bind[pi++] = ti++;
        } else if (star != SIZE_MAX) {
            pi = star + 1;
            ti = ++star_ti;
        } else {
            return false;
        }
    }
    while (pi < sp->n && sp->f[pi].ellipsis) {
        pi++;
    }
    return pi == sp->n;
}

/* Without `...`: positional, the last pattern field taking the rest of the line. */
static bool positional(const struct fpattern_space *sp, const char *msg, size_t len, struct tok *t,
                       size_t nt, size_t *bind)
{
    if (nt < sp->n) {
        return false;
    }
    if (nt > sp->n) {
        struct tok *last = &t[sp->n - 1];
        size_t end = len;
        while (end > last->raw && is_sep(msg[end - 1])) {
            end--;
        }
        *last = (struct tok){last->raw, end, last->raw};
    }
    for (size_t i = 0; i < sp->n; i++) {
        if (!field_ok(&sp->f[i], msg, &t[i])) {
            return false;
        }
        bind[i] = i;
    }
    return true;
}

static void extract(const struct fpattern_space *sp, const char *msg, const struct tok *t,
                    const size_t *bind, const char *field, double *value, bool *has_value)
{
    if (field[0] == '$') {
        field++;
    }
    for (size_t i = 0; i < sp->n; i++) {
        if (sp->f[i].name && strcmp(sp->f[i].name, field) == 0) {
            const struct tok *k = &t[bind[i]];
            *has_value = fpattern_number(msg + k->so, k->eo - k->so, value);
            return;
        }
    }
}

/* Splits and aligns msg; on a match *tok and *bind are new arrays the caller frees. */
static bool bind_fields(const struct fpattern_space *sp, const char *msg, size_t len,
                        struct tok **tok, size_t **bind)
{
    size_t nt = split(msg, len, tok);
    *bind = xcalloc(sp->n, sizeof(**bind));
    return sp->has_ellipsis ? align(sp, msg, *tok, nt, *bind)
                            : positional(sp, msg, len, *tok, nt, *bind);
}

bool fpattern_space_match(const struct fpattern_space *sp, const char *msg, size_t len,
                          const char *field, double *value, bool *has_value)
{
    struct tok *t = NULL;
    size_t *bind = NULL;
    bool ok = bind_fields(sp, msg, len, &t, &bind);
    if (ok && field) {
        extract(sp, msg, t, bind, field, value, has_value);
    }
    free(bind);
    free(t);
    return ok;
}

bool fpattern_space_extract(const struct fpattern_space *sp, const char *msg, size_t len,
                            json_t *out)
{
    struct tok *t = NULL;
    size_t *bind = NULL;
    bool ok = bind_fields(sp, msg, len, &t, &bind);
    for (size_t i = 0; ok && i < sp->n; i++) {
        if (sp->f[i].name) {
            const struct tok *k = &t[bind[i]];
            char *key = xasprintf("$%s", sp->f[i].name);
            json_object_set_new(out, key, json_stringn(msg + k->so, k->eo - k->so));
            free(key);
        }
    }
    free(bind);
    free(t);
    return ok;
}
