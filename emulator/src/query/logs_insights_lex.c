/*
 * logs_insights_lex.c - the Logs Insights lexer (reference/logs-filter-and-insights.md B1): fields
 * (bare, @-prefixed, backticked), strings, /regex/ literals (told apart from division by whether
 * an operand came before), numbers with time-period units (5m, 1h), operators and comments.
 * Every token keeps its byte offsets for MalformedQueryException's location.
 *
 * Threads: any; a parser belongs to the thread compiling.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "logs_insights_int.h"

bool logs_insights_lex_fail(struct iparser *p, size_t start, size_t end, const char *fmt,
                            const char *what)
{
    if (!p->failed) {
        p->failed = true;
        errbuf_set(p->err, (int)start, fmt, what, (int)start);
        if (p->end_pos) {
            *p->end_pos = (int)(end > start ? end : start + 1);
        }
    }
    return false;
}

bool logs_insights_lex_fail_token(struct iparser *p, const char *expecting)
{
    char shown[64];
    if (p->t == IT_EOF) {
        snprintf(shown, sizeof(shown), "end of query");
    } else {
        snprintf(shown, sizeof(shown), "%.*s",
                 (int)(p->end - p->start > 40 ? 40 : p->end - p->start), p->src + p->start);
    }
    char fmt[160];
    snprintf(fmt, sizeof(fmt), "unexpected symbol found %%s at position %%d; expected %s",
             expecting);
    return logs_insights_lex_fail(p, p->start, p->end, fmt, shown);
}

static bool ident_char(int c)
{
    return isalnum(c) || c == '_' || c == '@' || c == '.' || c == '$';
}

/* Reads the next token into p. */
bool logs_insights_lex_next(struct iparser *p)
{
    free(p->text);
    p->text = NULL;
    p->quoted = false;
    for (;;) {
        while (p->pos < p->len && isspace((unsigned char)p->src[p->pos])) {
            p->pos++;
        }
        if (p->pos < p->len && p->src[p->pos] == '#') {
            while (p->pos < p->len && p->src[p->pos] != '\n') {
                p->pos++;
            }
            continue;
        }
        break;
    }
    p->start = p->pos;
    if (p->pos >= p->len) {
        p->t = IT_EOF;
        p->end = p->pos;
        return true;
    }
    const char *s = p->src;
    char c = s[p->pos];
    bool operand = true;
    if (c == '|' || c == '(' || c == ')' || c == '[' || c == ']' || c == ',') {
        p->t = c == '|'   ? IT_PIPE
               : c == '(' ? IT_LPAREN
               : c == ')' ? IT_RPAREN
               : c == '[' ? IT_LBRACK
               : c == ']' ? IT_RBRACK
                          : IT_COMMA;
        operand = c == ')' || c == ']';
        p->pos++;
    } else if (c == '"' || c == '\'') {
        size_t i = p->pos + 1;
        char *out = xmalloc(p->len - p->pos + 1);
        size_t n = 0;
        while (i < p->len && s[i] != c) {
            if (s[i] == '\\' && i + 1 < p->len) {
                i++;
            }
            out[n++] = s[i++];
        }
        out[n] = '\0';
        p->text = out;
        if (i >= p->len) {
            p->end = p->len;
            return logs_insights_lex_fail(p, p->start, p->len,
                                          "unterminated string %s at position %d", "literal");
        }
        p->pos = i + 1;
        p->t = IT_STR;
    } else if (c == '/' && !p->prev_operand) {
        size_t i = p->pos + 1;
        while (i < p->len && s[i] != '/') {
            i += s[i] == '\\' && i + 1 < p->len ? 2 : 1;
        }
        if (i >= p->len) {
            p->end = p->len;
            return logs_insights_lex_fail(p, p->start, p->len,
                                          "unterminated regular %s at position %d", "expression");
        }
        p->text = xstrndup(s + p->pos + 1, i - p->pos - 1);
        p->pos = i + 1;
        p->t = IT_REGEX;
    } else if (c == '`' || (c == '@' && p->pos + 1 < p->len && s[p->pos + 1] == '`')) {
        bool at = c == '@';
        size_t open = p->pos + (at ? 1 : 0);
        const char *close = memchr(s + open + 1, '`', p->len - open - 1);
        if (!close) {
            p->end = p->len;
            return logs_insights_lex_fail(p, p->start, p->len,
                                          "unterminated quoted %s at position %d", "field");
        }
        p->text = xasprintf("%s%.*s", at ? "@" : "", (int)(close - s - open - 1), s + open + 1);
        p->pos = (size_t)(close - s) + 1;
        p->t = IT_IDENT;
        p->quoted = true;
    } else if (isdigit((unsigned char)c) ||
               (c == '.' && p->pos + 1 < p->len && isdigit((unsigned char)s[p->pos + 1]))) {
        char *end = NULL;
        p->num = strtod(s + p->pos, &end);
        p->pos = (size_t)(end - s);
        /* A time period: 5m, 1h, 30s, 100ms, 1d, 1w (bin, datefloor). */
        size_t u = p->pos;
        while (u < p->len && isalpha((unsigned char)s[u])) {
            u++;
        }
        if (u > p->pos) {
            static const struct {
                const char *unit;
                double ms;
            } units[] = {{"ms", 1},          {"s", 1000},       {"sec", 1000},
                         {"m", 60000},       {"min", 60000},    {"h", 3600000},
                         {"hr", 3600000},    {"d", 86400000},   {"w", 604800000},
                         {"mo", 2592000000}, {"q", 7776000000}, {"y", 31536000000}};
            bool found = false;
            for (size_t i = 0; i < ARRAY_LEN(units) && !found; i++) {
                if (strlen(units[i].unit) == u - p->pos &&
                    strncasecmp(units[i].unit, s + p->pos, u - p->pos) == 0) {
                    p->num *= units[i].ms;
                    found = true;
                }
            }
            if (!found) {
                p->end = u;
                return logs_insights_lex_fail(
                    p, p->start, u, "invalid number or time period %s at position %d", "literal");
            }
            p->text = xstrndup(s + p->start, u - p->start); /* marks a period */
            p->pos = u;
        }
        p->t = IT_NUM;
    } else if (isalpha((unsigned char)c) || c == '_' || c == '@' || c == '$') {
        size_t i = p->pos;
        while (i < p->len && ident_char((unsigned char)s[i])) {
            i++;
        }
        p->text = xstrndup(s + p->pos, i - p->pos);
        p->pos = i;
        p->t = IT_IDENT;
    } else {
        static const struct {
            const char *text;
            enum iop op;
        } ops[] = {{"=~", OP_MATCH}, {"!=", OP_NE}, {"<>", OP_NE}, {"<=", OP_LE}, {">=", OP_GE},
                   {"==", OP_EQ},    {"=", OP_EQ},  {"<", OP_LT},  {">", OP_GT},  {"+", OP_ADD},
                   {"-", OP_SUB},    {"/", OP_DIV}, {"%", OP_MOD}, {"^", OP_POW}};
        bool found = false;
        if (c == '*') {
            p->t = IT_STAR;
            p->pos++;
            found = true;
        }
        for (size_t i = 0; i < ARRAY_LEN(ops) && !found; i++) {
            size_t n = strlen(ops[i].text);
            if (strncmp(s + p->pos, ops[i].text, n) == 0) {
                p->t = IT_OP;
                p->op = ops[i].op;
                p->pos += n;
                found = true;
            }
        }
        if (!found) {
            char shown[8];
            snprintf(shown, sizeof(shown), "%c", c);
            p->end = p->pos + 1;
            return logs_insights_lex_fail(p, p->start, p->pos + 1,
                                          "unexpected symbol found %s at position %d", shown);
        }
        operand = false;
    }
    p->end = p->pos;
    p->prev_operand = operand;
    return true;
}

bool logs_insights_lex_is_kw(const struct iparser *p, const char *kw)
{
    return p->t == IT_IDENT && !p->quoted && strcasecmp(p->text, kw) == 0;
}
