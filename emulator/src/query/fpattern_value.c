/*
 * fpattern_value.c - the values a JSON or space-delimited filter pattern compares against
 * (numbers, "strings", `*` wildcards, %regex%), and the regex dialect translation
 * (reference/logs-filter-and-insights.md A3-A5). Compiled values are immutable; matching only
 * reads them, so any thread may call the test functions concurrently (glibc's regexec locks its
 * own DFA cache).
 */
#include "fpattern_int.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

void fpattern_skip_ws(struct fpattern_cursor *c)
{
    while (c->s[c->i] != '\0' && isspace((unsigned char)c->s[c->i])) {
        c->i++;
    }
}

int fpattern_parse_cmp(struct fpattern_cursor *c, enum fpattern_cmp *op)
{
    const char *p = c->s + c->i;
    if (p[0] == '!' && p[1] == '=') {
        *op = FP_NE;
    } else if (p[0] == '<' && p[1] == '=') {
        *op = FP_LE;
    } else if (p[0] == '>' && p[1] == '=') {
        *op = FP_GE;
    } else if (p[0] == '=') {
        *op = FP_EQ;
        c->i += p[1] == '=' ? 2 : 1; /* `==` is a common slip; read it as `=` */
        return 0;
    } else if (p[0] == '<') {
        *op = FP_LT;
        c->i++;
        return 0;
    } else if (p[0] == '>') {
        *op = FP_GT;
        c->i++;
        return 0;
    } else {
        return errbuf_set(c->err, (int)c->i,
                          "expected a comparison operator (=, !=, <, <=, >, >=)");
    }
    c->i += 2;
    return 0;
}

bool fpattern_number(const char *s, size_t len, double *out)
{
    size_t i = 0, digits = 0;
    char tmp[64];
    if (len == 0 || len >= sizeof(tmp)) {
        return false;
    }
    if (s[i] == '+' || s[i] == '-') {
        i++;
    }
    while (i < len && isdigit((unsigned char)s[i])) {
        i++, digits++;
    }
    if (i < len && s[i] == '.') {
        i++;
        while (i < len && isdigit((unsigned char)s[i])) {
            i++, digits++;
        }
    }
    if (digits == 0) {
        return false;
    }
    if (i < len && (s[i] == 'e' || s[i] == 'E')) {
        size_t exp_digits = 0;
        i++;
        if (i < len && (s[i] == '+' || s[i] == '-')) {
            i++;
        }
        while (i < len && isdigit((unsigned char)s[i])) {
            i++, exp_digits++;
        }
        if (exp_digits == 0) {
            return false;
        }
    }
    if (i != len) {
        return false;
    }
    memcpy(tmp, s, len);
    tmp[len] = '\0';
    if (out) {
        *out = strtod(tmp, NULL);
    }
    return true;
}

bool fpattern_glob(const char *pat, const char *s, size_t len)
{
    /* Classic single-backtrack wildcard match: linear in practice, never exponential. */
    size_t si = 0, star_si = 0;
    const char *star = NULL;
    while (si < len) {
        if (*pat == '*') {
            star = pat++;
            star_si = si;
        } else if (*pat != '\0' && *pat == s[si]) {
            pat++;
            si++;
        } else if (star) {
            pat = star + 1;
            si = ++star_si;
        } else {
            return false;
        }
    }
    while (*pat == '*') {
        pat++;
    }
    return *pat == '\0';
}

int fpattern_parse_quoted(struct fpattern_cursor *c, char **out)
{
    size_t start = c->i, n = 0;
    char *s = xmalloc(strlen(c->s + start) + 1);
    c->i++;
    while (c->s[c->i] != '"') {
        char ch = c->s[c->i];
        if (ch == '\0') {
            free(s);
            return errbuf_set(c->err, (int)start, "unterminated quoted string");
        }
        if (ch == '\\' && (c->s[c->i + 1] == '"' || c->s[c->i + 1] == '\\')) {
            ch = c->s[++c->i];
        }
        s[n++] = ch;
        c->i++;
    }
    c->i++;
    s[n] = '\0';
    *out = s;
    return 0;
}

static void classify(struct fpattern_value *v, bool quoted)
{
    if (strcmp(v->str, "*") == 0) {
        v->kind = FP_ANY;
    } else if (strchr(v->str, '*')) {
        v->kind = FP_GLOB;
    } else if (!quoted && fpattern_number(v->str, strlen(v->str), &v->num)) {
        v->kind = FP_NUM;
    } else {
        v->kind = FP_STR;
    }
}

int fpattern_parse_value(struct fpattern_cursor *c, const char *stop, enum fpattern_cmp op,
                         struct fpattern_value *v)
{
    size_t start;
    memset(v, 0, sizeof(*v));
    fpattern_skip_ws(c);
    start = c->i;
    if (c->s[c->i] == '%') {
        c->n_regex++;
        if (c->n_regex > FPATTERN_MAX_REGEX) {
            return errbuf_set(c->err, (int)start,
                              "a filter pattern may contain at most %d regular expressions",
                              FPATTERN_MAX_REGEX);
        }
        v->kind = FP_REGEX;
        return op <= FP_NE ? fpattern_regex_parse(c, &v->re)
                           : errbuf_set(c->err, (int)start,
                                        "a regular expression can only be compared with = or !=");
    }
    if (c->s[c->i] == '"') {
        int rc = fpattern_parse_quoted(c, &v->str);
        if (rc) {
            return rc;
        }
        classify(v, true);
        /* A quoted number still orders numerically: "<" has no string meaning here. */
        if (op > FP_NE && fpattern_number(v->str, strlen(v->str), &v->num)) {
            v->kind = FP_NUM;
        }
    } else {
        while (c->s[c->i] != '\0' && !isspace((unsigned char)c->s[c->i]) &&
               !strchr(stop, c->s[c->i]) && c->s[c->i] != '"') {
            c->i++;
        }
        if (c->i == start) {
            return errbuf_set(c->err, (int)start, "expected a value");
        }
        v->str = xstrndup(c->s + start, c->i - start);
        classify(v, false);
    }
    if (op > FP_NE && v->kind != FP_NUM) {
        return errbuf_set(c->err, (int)start, "a numeric comparison needs a number, not \"%s\"",
                          v->str);
    }
    return 0;
}

void fpattern_value_fini(struct fpattern_value *v)
{
    free(v->str);
    rx_free(v->re);
    v->str = NULL;
    v->re = NULL;
}

static bool cmp_num(enum fpattern_cmp op, double a, double b)
{
    switch (op) {
    case FP_EQ:
        return a == b;
    case FP_NE:
        return a != b;
    case FP_LT:
        return a < b;
    case FP_LE:
        return a <= b;
    case FP_GT:
        return a > b;
    case FP_GE:
        return a >= b;
    }
    return false;
}

bool fpattern_value_test(const struct fpattern_value *v, enum fpattern_cmp op,
                         const struct fpattern_scalar *sc)
{
    bool eq = false;
    switch (v->kind) {
    case FP_NUM:
        /* A value that is not a number is simply "not equal" to a number
         * (`{ $.errorCode != 500 }` matches "AccessDenied"); it never orders. */
        if (!sc->has_num) {
            return op == FP_NE;
        }
        return cmp_num(op, sc->num, v->num);
    case FP_STR:
        eq = sc->len == strlen(v->str) && memcmp(sc->text, v->str, sc->len) == 0;
        break;
    case FP_GLOB:
        eq = fpattern_glob(v->str, sc->text, sc->len);
        break;
    case FP_ANY:
        eq = true;
        break;
    case FP_REGEX:
        eq = rx_search(v->re, sc->text, sc->len);
        break;
    }
    if (op == FP_EQ) {
        return eq;
    }
    return op == FP_NE ? !eq : false;
}
