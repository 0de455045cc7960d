/*
 * insights_regex.c - the regular expressions of Logs Insights queries (`like /re/`, `=~`, `parse
 * /re/`, reference/logs-filter-and-insights.md B1/B4): the PCRE-like subset queries use - (?i),
 * named groups (?<name>...), (?:...), \\d \\s \\w and their negations, lazy quantifiers - mapped
 * onto POSIX ERE, remembering which group carries which name.
 *
 * Threads: any; a compiled struct iregex is immutable (regexec is thread-safe).
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "insights_int.h"

void iregex_free(struct iregex *re)
{
    if (!re) {
        return;
    }
    regfree(&re->re);
    for (size_t i = 0; i < re->ngroups; i++) {
        free(re->names[i]);
    }
    free(re->names);
    free(re);
}

static void put(char **out, size_t *n, size_t *cap, const char *s)
{
    size_t len = strlen(s);
    if (*n + len + 1 > *cap) {
        *cap = (*n + len + 1) * 2;
        *out = xrealloc(*out, *cap);
    }
    memcpy(*out + *n, s, len + 1);
    *n += len;
}

struct iregex *iregex_compile(const char *src, size_t len, char *errmsg, size_t errlen)
{
    struct iregex *re = xcalloc(1, sizeof(*re));
    char *ere = xmalloc(1);
    size_t n = 0, cap = 1;
    int flags = REG_EXTENDED;
    bool bracket = false;
    ere[0] = '\0';
    size_t i = 0;
    if (len >= 4 && strncmp(src, "(?i)", 4) == 0) {
        flags |= REG_ICASE;
        i = 4;
    }
    for (; i < len; i++) {
        char c = src[i], tmp[2] = {c, '\0'};
        if (c == '\\' && i + 1 < len) {
            char e = src[++i];
            static const struct {
                char esc;
                const char *out, *in_bracket;
            } classes[] = {{'d', "[0-9]", "0-9"},
                           {'D', "[^0-9]", NULL},
                           {'s', "[[:space:]]", "[:space:]"},
                           {'S', "[^[:space:]]", NULL},
                           {'w', "[[:alnum:]_]", "[:alnum:]_"},
                           {'W', "[^[:alnum:]_]", NULL},
                           {'t', "\t", "\t"},
                           {'n', "\n", "\n"}};
            bool done = false;
            for (size_t k = 0; k < ARRAY_LEN(classes) && !done; k++) {
                if (classes[k].esc == e) {
                    const char *o = bracket ? classes[k].in_bracket : classes[k].out;
                    if (!o) {
                        snprintf(errmsg, errlen, "\\%c is not supported inside [...]", e);
                        goto fail;
                    }
                    put(&ere, &n, &cap, o);
                    done = true;
                }
            }
            if (!done) {
                char lit[3] = {'\\', e, '\0'};
                /* Escaped punctuation stays escaped outside brackets; inside, it is literal. */
                put(&ere, &n, &cap, bracket || isalnum((unsigned char)e) ? lit + 1 : lit);
            }
            continue;
        }
        if (bracket) {
            if (c == ']') {
                bracket = false;
            }
            put(&ere, &n, &cap, tmp);
            continue;
        }
        if (c == '[') {
            bracket = true;
            put(&ere, &n, &cap, "[");
            if (i + 1 < len && src[i + 1] == '^') {
                put(&ere, &n, &cap, "^");
                i++;
            }
            if (i + 1 < len && src[i + 1] == ']') {
                put(&ere, &n, &cap, "]");
                i++;
            }
            continue;
        }
        if (c == '(') {
            char *name = NULL;
            if (i + 2 < len && src[i + 1] == '?' && src[i + 2] == ':') {
                i += 2;
            } else if (i + 2 < len && src[i + 1] == '?' &&
                       (src[i + 2] == '<' || src[i + 2] == 'P')) {
                size_t s = i + 3 + (src[i + 2] == 'P');
                const char *close = memchr(src + s, '>', len - s);
                if (!close) {
                    snprintf(errmsg, errlen, "unterminated group name");
                    goto fail;
                }
                name = xstrndup(src + s, (size_t)(close - src) - s);
                i = (size_t)(close - src);
            } else if (i + 1 < len && src[i + 1] == '?') {
                snprintf(errmsg, errlen, "unsupported group (?%c", i + 2 < len ? src[i + 2] : ' ');
                goto fail;
            }
            re->names = xrealloc(re->names, (re->ngroups + 1) * sizeof(*re->names));
            re->names[re->ngroups++] = name;
            put(&ere, &n, &cap, "(");
            continue;
        }
        if ((c == '?' || c == '+') && i > 0 &&
            (src[i - 1] == '*' || src[i - 1] == '+' || src[i - 1] == '?' || src[i - 1] == '}')) {
            continue; /* lazy/possessive quantifiers: POSIX has only greedy ones */
        }
        put(&ere, &n, &cap, tmp);
    }
    int rc = regcomp(&re->re, ere, flags);
    if (rc != 0) {
        regerror(rc, &re->re, errmsg, errlen);
        free(ere);
        for (size_t k = 0; k < re->ngroups; k++) {
            free(re->names[k]);
        }
        free(re->names);
        free(re);
        return NULL;
    }
    free(ere);
    return re;
fail:
    free(ere);
    for (size_t k = 0; k < re->ngroups; k++) {
        free(re->names[k]);
    }
    free(re->names);
    free(re);
    return NULL;
}

bool iregex_search(const struct iregex *re, const char *s, regmatch_t *m, size_t nm)
{
    return regexec(&re->re, s, nm, m, 0) == 0;
}
