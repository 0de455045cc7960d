/*
 * fpattern_regex.c - %regex% in filter patterns (reference/logs-filter-and-insights.md A5):
 * checks AWS's allowed character set, then translates its PCRE-like dialect (\d \w \s and their
 * negations, escaped punctuation, bracket expressions) to POSIX ERE for regcomp. Groups do not
 * exist in AWS's dialect, so neither do captures. Compiled regexes are only read afterwards;
 * glibc's regexec is safe to call on one regex_t from many threads.
 */
#include "fpattern_int.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

/* Characters AWS documents besides letters and digits. A space is not in AWS's list; we accept it
 * because rejecting `%Failed password%` would surprise more than it protects. */
static const char allowed[] = ":_#=@/;,-^$?[]{}|\\*+. ";

/* Characters that are operators in ERE and so keep their backslash when escaped. */
static const char ere_special[] = ".[]{}()*+?^$|\\";

struct rx {
    const char *s; /* the regex body (between the % signs) */
    size_t len;
    size_t base; /* offset of s in the pattern, for error positions */
    char *out;   /* ERE being written; sized so no expansion can overflow it */
    size_t n;
    struct errbuf *err;
};

static void put(struct rx *r, const char *s)
{
    size_t l = strlen(s);
    memcpy(r->out + r->n, s, l);
    r->n += l;
}

static void putc_(struct rx *r, char ch)
{
    r->out[r->n++] = ch;
}

static int check_chars(struct rx *r)
{
    for (size_t i = 0; i < r->len; i++) {
        unsigned char ch = (unsigned char)r->s[i];
        int pos = (int)(r->base + i);
        if (ch >= 0x80) {
            return errbuf_set(r->err, pos,
                              "multi-byte characters are not supported in regular expressions");
        }
        if (ch == '(' || ch == ')') {
            return errbuf_set(r->err, pos,
                              "parentheses (groups) are not supported in regular expressions");
        }
        if (!isalnum(ch) && !strchr(allowed, ch)) {
            return errbuf_set(r->err, pos, "unsupported character '%c' in regular expression", ch);
        }
    }
    return 0;
}

/* The ERE for \d \D \w \W \s \S outside brackets, or NULL for another letter. */
static const char *class_escape(char ch, bool in_bracket)
{
    switch (ch) {
    case 'd':
        return in_bracket ? "0-9" : "[0-9]";
    case 'w':
        return in_bracket ? "A-Za-z0-9_" : "[A-Za-z0-9_]";
    case 's':
        return in_bracket ? "[:space:]" : "[[:space:]]";
    case 'D':
        return in_bracket ? NULL : "[^0-9]";
    case 'W':
        return in_bracket ? NULL : "[^A-Za-z0-9_]";
    case 'S':
        return in_bracket ? NULL : "[^[:space:]]";
    }
    return NULL;
}

struct bracket {
    bool neg, rbracket, dash, caret, lbracket;
    size_t body_start; /* where ranges and plain literals begin in r->out */
};

static void bracket_literal(struct rx *r, struct bracket *b, char ch)
{
    /* POSIX brackets have no escapes: ] must come first, - last, ^ not first. */
    if (ch == ']') {
        b->rbracket = true;
    } else if (ch == '-') {
        b->dash = true;
    } else if (ch == '^') {
        b->caret = true;
    } else if (ch == '[') {
        b->lbracket = true;
    } else {
        putc_(r, ch);
    }
}

/* Emits the bracket's deferred literals into final position; body is already in r->out. */
static void bracket_close(struct rx *r, struct bracket *b, const char *body, size_t body_len)
{
    bool empty = body_len == 0 && !b->rbracket && !b->lbracket;
    if (empty && !b->neg && b->caret && !b->dash) {
        put(r, "\\^");
        return;
    }
    putc_(r, '[');
    if (b->neg) {
        putc_(r, '^');
    }
    if (b->rbracket) {
        putc_(r, ']');
    }
    if (empty && b->caret && b->dash) {
        put(r, "-^");
        b->dash = b->caret = false;
    }
    memcpy(r->out + r->n, body, body_len);
    r->n += body_len;
    if (b->lbracket) {
        putc_(r, '[');
    }
    if (b->caret) {
        putc_(r, '^');
    }
    if (b->dash) {
        putc_(r, '-');
    }
    putc_(r, ']');
}

/* Translates the bracket expression starting at r->s[*i] == '['; advances *i past its ']'. */
static int bracket(struct rx *r, size_t *i)
{
    struct bracket b = {0};
    size_t j = *i + 1, save = r->n, body_len;
    char *body = NULL;
    if (j < r->len && r->s[j] == '^') {
        b.neg = true;
        j++;
    }
    for (bool first = true;; first = false) {
        if (j >= r->len) {
            return errbuf_set(r->err, (int)(r->base + *i), "unterminated [ in regular expression");
        }
        char ch = r->s[j];
        if (ch == ']' && !first) {
            break;
        }
        if (ch == '\\' && j + 1 < r->len) {
            char e = r->s[j + 1];
            const char *cls = class_escape(e, true);
            j += 2;
            if (cls) {
                put(r, cls);
                continue;
            }
            if (isalnum((unsigned char)e)) {
                return errbuf_set(r->err, (int)(r->base + j - 2),
                                  "unsupported escape \\%c inside [] in regular expression", e);
            }
            bracket_literal(r, &b, e);
            continue;
        }
        j++;
        if (j + 1 < r->len && r->s[j] == '-' && r->s[j + 1] != ']' && r->s[j + 1] != '\\') {
            char range[4] = {ch, '-', r->s[j + 1], '\0'};
            put(r, range);
            j += 2;
            continue;
        }
        bracket_literal(r, &b, ch);
    }
    *i = j + 1;
    body_len = r->n - save;
    body = xstrndup(r->out + save, body_len);
    r->n = save;
    bracket_close(r, &b, body, body_len);
    free(body);
    return 0;
}

static int translate(struct rx *r)
{
    for (size_t i = 0; i < r->len;) {
        char ch = r->s[i];
        if (ch == '[') {
            int rc = bracket(r, &i);
            if (rc) {
                return rc;
            }
            continue;
        }
        if (ch == '\\') {
            if (i + 1 >= r->len) {
                return errbuf_set(r->err, (int)(r->base + i), "trailing \\ in regular expression");
            }
            char e = r->s[i + 1];
            const char *cls = class_escape(e, false);
            if (cls) {
                put(r, cls);
            } else if (isalnum((unsigned char)e)) {
                return errbuf_set(r->err, (int)(r->base + i),
                                  "unsupported escape \\%c in regular expression", e);
            } else {
                if (strchr(ere_special, e)) {
                    putc_(r, '\\');
                }
                putc_(r, e);
            }
            i += 2;
            continue;
        }
        putc_(r, ch);
        i++;
    }
    r->out[r->n] = '\0';
    return 0;
}

static size_t regex_end(const char *s, size_t i)
{
    /* The body ends at the first % not escaped by a backslash. */
    while (s[i] != '\0' && s[i] != '%') {
        i += (s[i] == '\\' && s[i + 1] != '\0') ? 2 : 1;
    }
    return i;
}

int fpattern_regex_parse(struct fpattern_cursor *c, regex_t **out)
{
    size_t start = c->i, end = regex_end(c->s, c->i + 1);
    struct rx r = {c->s + start + 1, end - start - 1, start + 1, NULL, 0, c->err};
    regex_t *re = NULL;
    int rc = 0;
    if (c->s[end] != '%') {
        return errbuf_set(c->err, (int)start, "unterminated regular expression (missing %%)");
    }
    if (r.len == 0) {
        return errbuf_set(c->err, (int)start, "empty regular expression");
    }
    rc = check_chars(&r);
    if (rc) {
        return rc;
    }
    r.out = xmalloc(r.len * 16 + 16);
    rc = translate(&r);
    if (rc) {
        goto out;
    }
    re = xmalloc(sizeof(*re));
    int prc = regcomp(re, r.out, REG_EXTENDED | REG_NOSUB);
    if (prc != 0) {
        char why[128];
        regerror(prc, re, why, sizeof(why));
        free(re);
        re = NULL;
        rc = errbuf_set(c->err, (int)start, "invalid regular expression: %s", why);
        goto out;
    }
    c->i = end + 1;
    *out = re;
out:
    free(r.out);
    return rc;
}

void fpattern_regex_free(regex_t *re)
{
    if (re) {
        regfree(re);
        free(re);
    }
}

bool fpattern_regex_search(const regex_t *re, const char *s, size_t len)
{
    /* REG_STARTEND bounds the search, so messages need no NUL terminator (glibc, BSD). */
    regmatch_t m[1] = {{.rm_so = 0, .rm_eo = (regoff_t)len}};
    return regexec(re, s, 1, m, REG_STARTEND) == 0;
}
