/*
 * logs_insights_regex.c - the regular expressions of Logs Insights queries (`like /re/`, `=~`,
 * `parse /re/`, reference/logs-filter-and-insights.md B1/B4). Queries use a PCRE-like dialect; RE2
 * (rx.h) reads nearly all of it natively - (?i), (?:...), \d \s \w and their negations, lazy
 * quantifiers - so only two spellings are mapped: named groups (?<name>...) become RE2's
 * (?P<name>...), and a possessive quantifier (x*+, x++, x?+, x{n}+) becomes the greedy one, which
 * matches the same texts here because RE2 never backtracks. Anything else RE2 refuses (a second
 * stacked quantifier, lookaround, backreferences) is a MalformedQueryException.
 *
 * Threads: any; a compiled regex is immutable.
 */
#include <stdlib.h>
#include <string.h>

#include "logs_insights_int.h"

static bool is_quantifier_end(char c)
{
    return c == '*' || c == '+' || c == '?' || c == '}';
}

struct rx *iregex_compile(const char *src, size_t len, char *errmsg, size_t errlen)
{
    struct rx *re = NULL;
    /* The output grows by one byte per named group at most, never more than the input. */
    char *out = xmalloc(len * 2 + 1);
    size_t n = 0;
    bool bracket = false, after_quantifier = false;
    for (size_t i = 0; i < len; i++) {
        char c = src[i];
        bool quantified = after_quantifier;
        after_quantifier = false;
        if (c == '\\' && i + 1 < len) {
            out[n++] = c;
            out[n++] = src[++i];
            continue;
        }
        if (bracket) {
            bracket = c != ']';
            out[n++] = c;
            continue;
        }
        if (c == '[') {
            bracket = true;
            out[n++] = c;
            /* A ']' right after '[' or '[^' is a literal, not the end. */
            if (i + 1 < len && src[i + 1] == '^') {
                out[n++] = src[++i];
            }
            if (i + 1 < len && src[i + 1] == ']') {
                out[n++] = src[++i];
            }
            continue;
        }
        if (c == '(' && i + 3 < len && src[i + 1] == '?' && src[i + 2] == '<' &&
            src[i + 3] != '=' && src[i + 3] != '!') {
            memcpy(out + n, "(?P<", 4);
            n += 4;
            i += 2;
            continue;
        }
        if (c == '+' && quantified) {
            continue; /* possessive: the greedy form matches the same without backtracking */
        }
        /* `{` only quantifies when it closes as {n}, {n,} or {n,m}; `}` is then the end. */
        after_quantifier = is_quantifier_end(c) && !quantified;
        out[n++] = c;
    }
    if (rx_compile(out, n, &re, errmsg, errlen) < 0) {
        re = NULL;
    }
    free(out);
    return re;
}
