/*
 * fexpr_lex.c - filter-expression tokens and the keyword table (reference/filter-expressions.md
 * §2, §4). Pure functions over the source text; any thread may call them.
 *
 * Words may contain dots (http.url, annotation.key, rootcause.fault.service) and dashes, so a
 * keyword is always one token; the parser decides whether a word is a keyword or a bare-word
 * string by where it stands.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "fexpr_int.h"

#define TOP(o, k, k2) [SC_TOP] = {o, k, k2}
#define NODE(o, k) [SC_NODE] = {o, k, NULL}
#define EDGE(o, k) [SC_EDGE] = {o, k, NULL}
#define RC(o, k) [SC_RC] = {o, k, NULL}

/* Every keyword with its type and, per scope, the field it reads (§4, §5). Top-level status and
 * HTTP keywords read the root segment; trace-wide ones read the trace view's own fields. */
static const struct kwdef keywords[] = {
    {"ok", VT_BOOL, false, {TOP(O_ROOT, "ok", NULL), NODE(O_SEG, "ok"), EDGE(O_CALL, "ok")}},
    {"error",
     VT_BOOL,
     false,
     {TOP(O_ROOT, "error", NULL), NODE(O_SEG, "error"), EDGE(O_CALL, "error")}},
    {"fault",
     VT_BOOL,
     false,
     {TOP(O_ROOT, "fault", NULL), NODE(O_SEG, "fault"), EDGE(O_CALL, "fault")}},
    {"throttle",
     VT_BOOL,
     false,
     {TOP(O_ROOT, "throttle", NULL), NODE(O_SEG, "throttle"), EDGE(O_CALL, "throttle")}},
    {"partial", VT_BOOL, false, {TOP(O_TRACE, "partial", NULL)}},
    {"inferred",
     VT_BOOL,
     false,
     {TOP(O_TRACE, "inferred", NULL), NODE(O_NODE, "inferred"), RC(O_SVC, "Inferred")}},
    {"root", VT_BOOL, false, {NODE(O_NODE, "root")}},
    {"first", VT_BOOL, false, {RC(O_FIRST, NULL)}},
    {"last", VT_BOOL, false, {RC(O_LAST, NULL)}},
    {"remote", VT_BOOL, false, {RC(O_ENT, "Remote")}},
    {"responsetime",
     VT_NUM,
     false,
     {TOP(O_TRACE, "response_time", NULL), NODE(O_SEG, "response_time"),
      EDGE(O_CALL, "response_time")}},
    {"duration", VT_NUM, false, {TOP(O_TRACE, "duration", NULL)}},
    {"http.status",
     VT_NUM,
     false,
     {TOP(O_ROOT, "http", "status"), NODE(O_SEG, "http_status"), EDGE(O_CALL, "http_status")}},
    {"index", VT_NUM, false, {RC(O_INDEX, NULL)}},
    {"coverage", VT_NUM, false, {RC(O_ENT, "Coverage")}},
    {"http.url", VT_STR, false, {TOP(O_ROOT, "http", "url")}},
    {"http.method", VT_STR, false, {TOP(O_ROOT, "http", "method")}},
    {"http.useragent", VT_STR, false, {TOP(O_ROOT, "http", "useragent")}},
    {"http.clientip", VT_STR, false, {TOP(O_ROOT, "http", "clientip")}},
    {"user", VT_STR, true, {TOP(O_TRACE, "users", NULL)}},
    {"availabilityzone", VT_STR, true, {TOP(O_TRACE, "availability_zones", NULL)}},
    {"instance.id", VT_STR, true, {TOP(O_TRACE, "instance_ids", NULL)}},
    {"resource.arn", VT_STR, true, {TOP(O_TRACE, "resource_arns", NULL)}},
    {"name", VT_STR, false, {NODE(O_NODE, "name"), RC(O_ELEM, "Name")}},
    {"type", VT_STR, false, {NODE(O_NODE, "type"), RC(O_SVC, "Type")}},
    {"message", VT_STR, false, {RC(O_ELEM, "Message")}},
};

const struct kwdef *fexpr_kw_find(const char *name)
{
    for (size_t i = 0; i < ARRAY_LEN(keywords); i++) {
        if (strcasecmp(keywords[i].name, name) == 0) {
            return &keywords[i];
        }
    }
    return NULL;
}

static const char *const op_names[] = {
    [OP_NONE] = "?",
    [OP_EQ] = "=",
    [OP_NE] = "!=",
    [OP_LT] = "<",
    [OP_LE] = "<=",
    [OP_GT] = ">",
    [OP_GE] = ">=",
    [OP_CONTAINS] = "CONTAINS",
    [OP_BEGINSWITH] = "BEGINSWITH",
    [OP_ENDSWITH] = "ENDSWITH",
};
_Static_assert(ARRAY_LEN(op_names) == OP_ENDSWITH + 1, "one name per operator");

const char *fexpr_op_name(enum op op)
{
    return op_names[op];
}

/* Words that are operators rather than keywords, in any case. */
static const struct {
    const char *word;
    enum tok_kind kind;
    enum op op;
} word_ops[] = {
    {"and", T_AND, OP_NONE},
    {"or", T_OR, OP_NONE},
    {"not", T_NOT, OP_NONE},
    {"contains", T_OP, OP_CONTAINS},
    {"beginswith", T_OP, OP_BEGINSWITH},
    {"endswith", T_OP, OP_ENDSWITH},
};

static bool word_char(int c)
{
    return isalnum(c) || c == '_' || c == '.' || c == '-';
}

static int lex_string(struct lexer *lx, struct tok *t, struct errbuf *err)
{
    struct buf b;
    int rc = 0;
    buf_init(&b, 0);
    lx->pos++; /* opening quote */
    for (;;) {
        if (lx->pos >= lx->len) {
            rc = errbuf_set(err, t->pos, "unterminated string at position %d", t->pos);
            goto out;
        }
        char c = lx->src[lx->pos];
        if (c == '"') {
            lx->pos++;
            break;
        }
        if (c == '\\') {
            char e = lx->pos + 1 < lx->len ? lx->src[lx->pos + 1] : '\0';
            if (e != '"' && e != '\\') {
                /* Only \" and \\ are defined (§2); anything else is more likely a typo. */
                rc = errbuf_set(err, (int)lx->pos, "invalid escape in string at position %d",
                                (int)lx->pos);
                goto out;
            }
            c = e;
            lx->pos++;
        }
        if (buf_append(&b, &c, 1) < 0) {
            rc = ERR_INTERNAL;
            goto out;
        }
        lx->pos++;
    }
    t->kind = T_STRING;
    t->str = buf_steal(&b, NULL);
    if (!t->str) {
        t->str = xstrdup("");
    }
out:
    buf_fini(&b);
    return rc;
}

/* A number, unless letters follow its digits (817DL6VO): then the whole run is a bare word. */
static void lex_number_or_word(struct lexer *lx, struct tok *t)
{
    const char *s = lx->src;
    size_t p = lx->pos;
    if (s[p] == '-') {
        p++;
    }
    while (p < lx->len && (isdigit((unsigned char)s[p]) || s[p] == '.')) {
        p++;
    }
    if (p < lx->len && (s[p] == 'e' || s[p] == 'E') && p + 1 < lx->len &&
        (isdigit((unsigned char)s[p + 1]) ||
         ((s[p + 1] == '+' || s[p + 1] == '-') && p + 2 < lx->len &&
          isdigit((unsigned char)s[p + 2])))) {
        p += 2;
        while (p < lx->len && isdigit((unsigned char)s[p])) {
            p++;
        }
    }
    char *text = xstrndup(s + lx->pos, p - lx->pos);
    char *end = NULL;
    double v = strtod(text, &end);
    if ((p < lx->len && word_char((unsigned char)s[p])) || *end != '\0') {
        while (p < lx->len && word_char((unsigned char)s[p])) {
            p++;
        }
        free(text);
        t->kind = T_WORD;
        t->str = xstrndup(s + lx->pos, p - lx->pos);
    } else {
        free(text);
        t->kind = T_NUMBER;
        t->num = v;
    }
    lx->pos = p;
}

static void lex_word(struct lexer *lx, struct tok *t)
{
    size_t p = lx->pos;
    while (p < lx->len && word_char((unsigned char)lx->src[p])) {
        p++;
    }
    t->str = xstrndup(lx->src + lx->pos, p - lx->pos);
    t->kind = T_WORD;
    lx->pos = p;
    for (size_t i = 0; i < ARRAY_LEN(word_ops); i++) {
        if (strcasecmp(t->str, word_ops[i].word) == 0) {
            t->kind = word_ops[i].kind;
            t->op = word_ops[i].op;
        }
    }
}

/* One- and two-character punctuation. Returns false when c starts none. */
static bool lex_punct(struct lexer *lx, struct tok *t)
{
    static const struct {
        char c;
        enum tok_kind kind;
    } singles[] = {{'(', T_LPAREN}, {')', T_RPAREN}, {'{', T_LBRACE}, {'}', T_RBRACE},
                   {',', T_COMMA},  {':', T_COLON},  {'#', T_HASH}};
    const char *s = lx->src + lx->pos;
    bool eq_next = lx->pos + 1 < lx->len && s[1] == '=';
    for (size_t i = 0; i < ARRAY_LEN(singles); i++) {
        if (s[0] == singles[i].c) {
            t->kind = singles[i].kind;
            lx->pos++;
            return true;
        }
    }
    t->kind = T_OP;
    switch (s[0]) {
    case '=':
        t->op = OP_EQ;
        break;
    case '!':
        t->kind = eq_next ? T_OP : T_BANG;
        t->op = eq_next ? OP_NE : OP_NONE;
        break;
    case '<':
        t->op = eq_next ? OP_LE : OP_LT;
        break;
    case '>':
        t->op = eq_next ? OP_GE : OP_GT;
        break;
    default:
        return false;
    }
    lx->pos += (eq_next && s[0] != '=') ? 2 : 1;
    return true;
}

int fexpr_lex_next(struct lexer *lx, struct tok *t, struct errbuf *err)
{
    memset(t, 0, sizeof(*t));
    while (lx->pos < lx->len && isspace((unsigned char)lx->src[lx->pos])) {
        lx->pos++;
    }
    t->pos = (int)lx->pos;
    if (lx->pos >= lx->len) {
        t->kind = T_EOF;
        return 0;
    }
    unsigned char c = (unsigned char)lx->src[lx->pos];
    unsigned char c1 = lx->pos + 1 < lx->len ? (unsigned char)lx->src[lx->pos + 1] : 0;
    if (c == '"') {
        return lex_string(lx, t, err);
    }
    if (isdigit(c) || ((c == '-' || c == '.') && isdigit(c1))) {
        lex_number_or_word(lx, t);
        return 0;
    }
    if (isalpha(c) || c == '_') {
        lex_word(lx, t);
        return 0;
    }
    if (lex_punct(lx, t)) {
        return 0;
    }
    return errbuf_set(err, t->pos, "unexpected character '%c' at position %d", isprint(c) ? c : '?',
                      t->pos);
}

void fexpr_tok_describe(const struct tok *t, char *out, size_t n)
{
    static const char *const punct[] = {
        [T_LPAREN] = "'('", [T_RPAREN] = "')'", [T_LBRACE] = "'{'", [T_RBRACE] = "'}'",
        [T_COMMA] = "','",  [T_COLON] = "':'",  [T_BANG] = "'!'",   [T_HASH] = "'#'",
        [T_AND] = "AND",    [T_OR] = "OR",      [T_NOT] = "NOT",
    };
    switch (t->kind) {
    case T_EOF:
        snprintf(out, n, "end of expression");
        break;
    case T_OP:
        snprintf(out, n, "'%s'", fexpr_op_name(t->op));
        break;
    case T_STRING:
    case T_WORD:
        snprintf(out, n, "\"%.40s\"", t->str);
        break;
    case T_NUMBER:
        snprintf(out, n, "number %g", t->num);
        break;
    default:
        snprintf(out, n, "%s", punct[t->kind]);
        break;
    }
}
