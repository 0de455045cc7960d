/*
 * fpattern_regex.c - %regex% in filter patterns (reference/logs-filter-and-insights.md A5):
 * checks AWS's allowed character set and escapes, then compiles the body with rx.h (RE2), whose
 * syntax is a superset of AWS's dialect (\d \w \s and their negations, escaped punctuation,
 * bracket expressions, {m,n}), so the body is passed through unchanged. RE2 searches in time
 * linear in the message, so no pattern can stall a scan. Groups do not exist in AWS's dialect,
 * so neither do captures. Compiled regexes are only read afterwards, from any thread.
 */
#include "fpattern_int.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

/* Characters AWS documents besides letters and digits. A space is not in AWS's list; we accept it
 * because rejecting `%Failed password%` would surprise more than it protects. */
static const char allowed[] = ":_#=@/;,-^$?[]{}|\\*+. ";

struct rx_src {
    const char *s; /* the regex body (between the % signs) */
    size_t len;
    size_t base; /* offset of s in the pattern, for error positions */
    struct errbuf *err;
};

static int check_chars(struct rx_src *r)
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

/* AWS documents \d \w \s (and their negations) as the only letter escapes; RE2 would accept
 * more (\b, \pL, \Q...), which AWS would reject, so they are refused here. */
static bool class_escape(char ch)
{
    return ch && strchr("dDwWsS", ch);
}

/* Checks the bracket expression starting at r->s[*i] == '['; advances *i past its ']'. */
static int bracket(struct rx_src *r, size_t *i)
{
    size_t j = *i + 1;
    if (j < r->len && r->s[j] == '^') {
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
            if (isalnum((unsigned char)e) && !class_escape(e)) {
                return errbuf_set(r->err, (int)(r->base + j),
                                  "unsupported escape \\%c inside [] in regular expression", e);
            }
            j += 2;
            continue;
        }
        j++;
    }
    *i = j + 1;
    return 0;
}

/* Checks escapes and brackets outside RE2, so errors keep AWS-dialect wording and positions. */
static int check_syntax(struct rx_src *r)
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
            if (isalnum((unsigned char)e) && !class_escape(e)) {
                return errbuf_set(r->err, (int)(r->base + i),
                                  "unsupported escape \\%c in regular expression", e);
            }
            i += 2;
            continue;
        }
        i++;
    }
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

int fpattern_regex_parse(struct fpattern_cursor *c, struct rx **out)
{
    size_t start = c->i, end = regex_end(c->s, c->i + 1);
    struct rx_src r = {c->s + start + 1, end - start - 1, start + 1, c->err};
    char why[200];
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
    rc = check_syntax(&r);
    if (rc) {
        return rc;
    }
    if (rx_compile(r.s, r.len, out, why, sizeof(why)) < 0) {
        return errbuf_set(c->err, (int)start, "invalid regular expression: %s", why);
    }
    c->i = end + 1;
    return 0;
}
