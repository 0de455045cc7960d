/*
 * fexpr_parse.c - recursive-descent parser from filter-expression text to the AST of
 * fexpr_int.h (grammar: reference/filter-expressions.md §3), plus the canonical dump.
 * Any thread may compile; the resolver callback runs on the compiling thread.
 *
 * Precedence is '!' > AND > OR, and two operands side by side are ANDed ("ok !partial"). Type
 * errors (CONTAINS on a number, a string compared with '<') are caught here, so evaluation never
 * meets an ill-typed comparison. Every error names the 0-based byte offset of the token at fault
 * both in errbuf.pos and in the message text.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "fexpr_int.h"

/* How many groups may refer to groups before we call it a cycle. */
#define MAX_GROUP_DEPTH 8

struct parser {
    struct lexer lx;
    struct tok cur;
    struct errbuf *err;
    fexpr_group_fn groups;
    void *ctx;
    int depth;
    int group_depth;
    enum scope scope;
};

static const char *const scope_names[] = {
    [SC_TOP] = "at top level",
    [SC_NODE] = "inside a service() body",
    [SC_EDGE] = "inside an edge() body",
    [SC_RC] = "inside a rootcause body",
};

static const struct {
    const char *word;
    enum rc_list list;
    enum rc_level level;
} rc_words[] = {
    {"rootcause.fault.service", RC_FAULT, RC_SERVICE},
    {"rootcause.fault.entity", RC_FAULT, RC_ENTITY},
    {"rootcause.fault.exception", RC_FAULT, RC_EXCEPTION},
    {"rootcause.error.service", RC_ERROR, RC_SERVICE},
    {"rootcause.error.entity", RC_ERROR, RC_ENTITY},
    {"rootcause.error.exception", RC_ERROR, RC_EXCEPTION},
    {"rootcause.responsetime.service", RC_RESPONSETIME, RC_SERVICE},
    {"rootcause.responsetime.entity", RC_RESPONSETIME, RC_ENTITY},
};

static int parse_or(struct parser *p, struct node **out);

static int fail(struct parser *p, int pos, const char *fmt, ...) PRINTF_LIKE(3, 4);
static int fail(struct parser *p, int pos, const char *fmt, ...)
{
    char msg[200];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    return errbuf_set(p->err, pos, "%s at position %d", msg, pos);
}

static int advance(struct parser *p)
{
    free(p->cur.str);
    p->cur.str = NULL;
    return fexpr_lex_next(&p->lx, &p->cur, p->err);
}

/* The error for a token that cannot stand here. */
static int unexpected(struct parser *p)
{
    char what[64];
    if (p->cur.kind == T_EOF) {
        return fail(p, p->cur.pos, "unexpected end of expression");
    }
    fexpr_tok_describe(&p->cur, what, sizeof(what));
    return fail(p, p->cur.pos, "unexpected %s", what);
}

static int expect(struct parser *p, enum tok_kind kind, const char *what)
{
    if (p->cur.kind != kind) {
        return fail(p, p->cur.pos, "expected %s", what);
    }
    return advance(p);
}

static bool is_word(const struct parser *p, const char *w)
{
    return p->cur.kind == T_WORD && strcasecmp(p->cur.str, w) == 0;
}

static struct node *node_new(enum ntype type, enum scope scope)
{
    struct node *n = xcalloc(1, sizeof(*n));
    n->type = type;
    n->scope = scope;
    return n;
}

static void add_kid(struct node *n, struct node *kid)
{
    n->kids = xrealloc(n->kids, (n->nkids + 1) * sizeof(*n->kids));
    n->kids[n->nkids++] = kid;
}

static void sel_free(struct sel *s)
{
    if (s) {
        free(s->name);
        free(s->type);
        free(s->account);
        free(s);
    }
}

static void jex_fini(struct jex *x)
{
    for (size_t i = 0; i < x->nkids; i++) {
        jex_fini(&x->kids[i]);
    }
    free(x->kids);
    free(x->key);
    free(x->s);
}

void fexpr_node_free(struct node *n)
{
    if (!n) {
        return;
    }
    for (size_t i = 0; i < n->nkids; i++) {
        fexpr_node_free(n->kids[i]);
    }
    free(n->kids);
    free(n->lit_str);
    free(n->key);
    sel_free(n->sel[0]);
    sel_free(n->sel[1]);
    if (n->ex) {
        jex_fini(n->ex);
        free(n->ex);
    }
    free(n->ex_text);
    free(n);
}

/* Nesting guard shared by parentheses, bodies and negations. */
static int enter(struct parser *p, int pos)
{
    if (++p->depth > FEXPR_MAX_DEPTH) {
        return fail(p, pos, "expression nested deeper than %d levels", FEXPR_MAX_DEPTH);
    }
    return 0;
}

/* ---- values and comparisons ---- */

static bool string_op(enum op op)
{
    return op == OP_CONTAINS || op == OP_BEGINSWITH || op == OP_ENDSWITH;
}

static bool order_op(enum op op)
{
    return op == OP_LT || op == OP_LE || op == OP_GT || op == OP_GE;
}

/* Whether op can compare values of type t; the message names what the operator needs. */
static int check_op(struct parser *p, enum op op, enum vtype t, int pos)
{
    if (string_op(op) && t != VT_STR) {
        return fail(p, pos, "operator %s needs a string value", fexpr_op_name(op));
    }
    if (order_op(op) && t != VT_NUM) {
        return fail(p, pos, "operator %s needs a number value", fexpr_op_name(op));
    }
    return 0;
}

/* A literal: quoted string, number, true/false, or a bare word taken as a string (§2). */
static int parse_value(struct parser *p, struct node *n)
{
    struct tok *t = &p->cur;
    if (t->kind == T_STRING || t->kind == T_WORD) {
        bool is_true = t->kind == T_WORD && strcasecmp(t->str, "true") == 0;
        bool is_false = t->kind == T_WORD && strcasecmp(t->str, "false") == 0;
        if (is_true || is_false) {
            n->lit.type = VT_BOOL;
            n->lit.b = is_true;
        } else {
            n->lit.type = VT_STR;
            n->lit_str = t->str;
            n->lit.s = n->lit_str;
            t->str = NULL;
        }
        return advance(p);
    }
    if (t->kind == T_NUMBER) {
        n->lit.type = VT_NUM;
        n->lit.n = t->num;
        return advance(p);
    }
    if (t->kind == T_EOF) {
        return unexpected(p);
    }
    return fail(p, t->pos, "expected a value after '%s'", fexpr_op_name(n->op));
}

static const char *const type_needs[] = {
    [VT_BOOL] = "true or false",
    [VT_NUM] = "a number value",
    [VT_STR] = "a string value",
};

/* keyword [op value]; cur is the keyword word. */
static int parse_keyword(struct parser *p, const struct kwdef *kw, struct node **out)
{
    struct node *n = NULL;
    int kwpos = p->cur.pos;
    int rc = 0;
    if (kw->at[p->scope].obj == O_NONE) {
        return fail(p, kwpos, "keyword \"%s\" cannot be used %s", kw->name, scope_names[p->scope]);
    }
    n = node_new(N_KW, p->scope);
    n->kw = kw;
    rc = advance(p);
    if (rc < 0 || p->cur.kind != T_OP) {
        goto out;
    }
    n->type = N_CMP;
    n->op = p->cur.op;
    int oppos = p->cur.pos;
    rc = check_op(p, n->op, kw->type, oppos);
    if (rc < 0) {
        goto out;
    }
    rc = advance(p);
    if (rc < 0) {
        goto out;
    }
    int valpos = p->cur.pos;
    rc = parse_value(p, n);
    if (rc == 0 && n->lit.type != kw->type) {
        rc = fail(p, valpos, "keyword \"%s\" needs %s", kw->name, type_needs[kw->type]);
    }
out:
    if (rc < 0) {
        fexpr_node_free(n);
        n = NULL;
    }
    *out = n;
    return rc;
}

/* annotation.KEY [op value]: the literal's type picks the comparison (§4 complex keywords). */
static int parse_annotation(struct parser *p, struct node **out)
{
    struct node *n = NULL;
    int pos = p->cur.pos;
    int rc = 0;
    const char *key = p->cur.str + strlen("annotation.");
    if (p->scope != SC_TOP) {
        return fail(p, pos, "annotation cannot be used %s", scope_names[p->scope]);
    }
    if (*key == '\0') {
        return fail(p, pos, "annotation needs a key, as in annotation.name");
    }
    n = node_new(N_ANNOT, p->scope);
    n->key = xstrdup(key);
    rc = advance(p);
    if (rc < 0 || p->cur.kind != T_OP) {
        goto out;
    }
    n->op = p->cur.op;
    int oppos = p->cur.pos;
    rc = advance(p);
    if (rc == 0) {
        rc = parse_value(p, n);
    }
    if (rc == 0) {
        rc = check_op(p, n->op, n->lit.type, oppos);
    }
out:
    if (rc < 0) {
        fexpr_node_free(n);
        n = NULL;
    }
    *out = n;
    return rc;
}

/* ---- service(), edge(), id() ---- */

/* A quoted string (or bare word) into *dst, replacing what was there. */
static int take_string(struct parser *p, char **dst, const char *what)
{
    if (p->cur.kind != T_STRING && p->cur.kind != T_WORD) {
        return p->cur.kind == T_EOF ? unexpected(p) : fail(p, p->cur.pos, "expected %s", what);
    }
    free(*dst);
    *dst = p->cur.str;
    p->cur.str = NULL;
    return advance(p);
}

/* id(name: "n", type: "t", account.id: "a"), cur on "id". */
static int parse_id(struct parser *p, struct sel *s)
{
    int rc = advance(p);
    s->is_id = true;
    if (rc == 0) {
        rc = expect(p, T_LPAREN, "'(' after id");
    }
    while (rc == 0) {
        char **slot = is_word(p, "name")         ? &s->name
                      : is_word(p, "type")       ? &s->type
                      : is_word(p, "account.id") ? &s->account
                                                 : NULL;
        if (!slot) {
            return fail(p, p->cur.pos, "expected name, type or account.id in id()");
        }
        rc = advance(p);
        if (rc == 0) {
            rc = expect(p, T_COLON, "':'");
        }
        if (rc == 0) {
            rc = take_string(p, slot, "a string");
        }
        if (rc == 0 && p->cur.kind != T_COMMA) {
            return expect(p, T_RPAREN, "')'");
        }
        if (rc == 0) {
            rc = advance(p);
        }
    }
    return rc;
}

static int parse_sel(struct parser *p, struct sel **out)
{
    *out = xcalloc(1, sizeof(**out));
    if (is_word(p, "id")) {
        return parse_id(p, *out);
    }
    if (p->cur.kind != T_STRING) {
        return p->cur.kind == T_EOF ? unexpected(p)
                                    : fail(p, p->cur.pos, "expected a service name or id()");
    }
    return take_string(p, &(*out)->name, "a service name");
}

/* Optional { expr } evaluated in a narrower scope. */
static int parse_body(struct parser *p, enum scope scope, struct node *n)
{
    struct node *body = NULL;
    enum scope saved = p->scope;
    int rc = 0;
    if (p->cur.kind != T_LBRACE) {
        return 0;
    }
    rc = enter(p, p->cur.pos);
    if (rc == 0) {
        rc = advance(p);
    }
    if (rc == 0) {
        p->scope = scope;
        rc = parse_or(p, &body);
        p->scope = saved;
    }
    add_kid(n, body);
    if (rc == 0) {
        rc = expect(p, T_RBRACE, "'}'");
    }
    p->depth--;
    return rc;
}

static int parse_service_or_edge(struct parser *p, bool edge, struct node **out)
{
    struct node *n = node_new(edge ? N_EDGE : N_SERVICE, p->scope);
    int rc = 0;
    if (p->scope != SC_TOP) {
        rc = fail(p, p->cur.pos, "%s() cannot be used %s", edge ? "edge" : "service",
                  scope_names[p->scope]);
        goto out;
    }
    rc = advance(p);
    if (rc == 0) {
        rc = expect(p, T_LPAREN, "'('");
    }
    if (rc == 0 && (edge || p->cur.kind != T_RPAREN)) {
        rc = parse_sel(p, &n->sel[0]);
    }
    if (rc == 0 && edge) {
        rc = expect(p, T_COMMA, "','");
        if (rc == 0) {
            rc = parse_sel(p, &n->sel[1]);
        }
    }
    if (rc == 0) {
        rc = expect(p, T_RPAREN, "')'");
    }
    if (rc == 0) {
        rc = parse_body(p, edge ? SC_EDGE : SC_NODE, n);
    }
out:
    if (rc < 0) {
        fexpr_node_free(n);
        n = NULL;
    }
    *out = n;
    return rc;
}

/* ---- root causes and groups ---- */

/* rootcause.LIST.LEVEL [{body} | = "name" | != "name"]; the operator form compares `name`. */
static int parse_rootcause(struct parser *p, size_t which, struct node **out)
{
    struct node *n = NULL;
    struct node *cmp = NULL;
    int rc = 0;
    if (p->scope != SC_TOP) {
        return fail(p, p->cur.pos, "%s cannot be used %s", rc_words[which].word,
                    scope_names[p->scope]);
    }
    n = node_new(N_RC, p->scope);
    n->rc_list = rc_words[which].list;
    n->rc_level = rc_words[which].level;
    rc = advance(p);
    if (rc == 0 && p->cur.kind == T_OP) {
        if (p->cur.op != OP_EQ && p->cur.op != OP_NE) {
            rc = fail(p, p->cur.pos, "operator %s cannot be used with %s", fexpr_op_name(p->cur.op),
                      rc_words[which].word);
            goto out;
        }
        cmp = node_new(N_CMP, SC_RC);
        cmp->kw = fexpr_kw_find("name");
        cmp->op = p->cur.op;
        add_kid(n, cmp);
        int valpos = p->cur.pos;
        rc = advance(p);
        if (rc == 0) {
            valpos = p->cur.pos;
            rc = parse_value(p, cmp);
        }
        if (rc == 0 && cmp->lit.type != VT_STR) {
            rc = fail(p, valpos, "%s needs a string value", rc_words[which].word);
        }
    } else if (rc == 0) {
        rc = parse_body(p, SC_RC, n);
    }
out:
    if (rc < 0) {
        fexpr_node_free(n);
        n = NULL;
    }
    *out = n;
    return rc;
}

static void jex_from_json(struct jex *x, const json_t *j)
{
    x->type = json_typeof(j);
    if (json_is_string(j)) {
        x->s = xstrdup(json_string_value(j));
    } else if (json_is_number(j)) {
        x->n = json_number_value(j);
    } else if (json_is_array(j)) {
        x->nkids = json_array_size(j);
        x->kids = xcalloc(x->nkids ? x->nkids : 1, sizeof(*x->kids));
        for (size_t i = 0; i < x->nkids; i++) {
            jex_from_json(&x->kids[i], json_array_get(j, i));
        }
    } else if (json_is_object(j)) {
        const char *k;
        json_t *v;
        x->kids = xcalloc(json_object_size(j) + 1, sizeof(*x->kids));
        json_object_foreach((json_t *)j, k, v)
        {
            x->kids[x->nkids].key = xstrdup(k);
            jex_from_json(&x->kids[x->nkids++], v);
        }
    }
}

/* rootcause.json = #[ ... ]: the JSON text is handed to jansson, which says where it stopped. */
static int parse_rcjson(struct parser *p, struct node **out)
{
    struct node *n = NULL;
    json_t *j = NULL;
    json_error_t jerr;
    int rc = 0;
    if (p->scope != SC_TOP) {
        return fail(p, p->cur.pos, "rootcause.json cannot be used %s", scope_names[p->scope]);
    }
    rc = advance(p);
    if (rc == 0 && (p->cur.kind != T_OP || p->cur.op != OP_EQ)) {
        rc = fail(p, p->cur.pos, "expected '=' after rootcause.json");
    }
    if (rc == 0) {
        rc = advance(p);
    }
    if (rc < 0) {
        goto out;
    }
    if (p->cur.kind != T_HASH) {
        rc = fail(p, p->cur.pos, "expected #[...] after rootcause.json =");
        goto out;
    }
    int at = (int)p->lx.pos;
    j = json_loadb(p->lx.src + at, p->lx.len - at, JSON_DISABLE_EOF_CHECK, &jerr);
    if (!j) {
        /* jansson reports the offset just past the bad token; point at its last byte. */
        int bad = at + jerr.position;
        if (bad > at && !strstr(jerr.text, "end of file")) {
            bad--;
        }
        rc = fail(p, bad, "invalid JSON in rootcause.json (%s)", jerr.text);
        goto out;
    }
    if (!json_is_array(j)) {
        rc = fail(p, at, "rootcause.json needs a JSON array");
        goto out;
    }
    p->lx.pos = at + jerr.position;
    n = node_new(N_RCJSON, p->scope);
    n->ex = xcalloc(1, sizeof(*n->ex));
    jex_from_json(n->ex, j);
    n->ex_text = json_dumps(j, JSON_COMPACT | JSON_SORT_KEYS);
    rc = advance(p);
out:
    json_decref(j);
    if (rc < 0) {
        fexpr_node_free(n);
        n = NULL;
    }
    *out = n;
    return rc;
}

static int compile_inner(const char *src, struct parser *outer, struct node **out,
                         struct errbuf *err);

/* group.name|group.arn = "x": the group's stored expression, compiled in place. */
static int parse_group(struct parser *p, bool is_arn, struct node **out)
{
    const char *kw = is_arn ? "group.arn" : "group.name";
    struct node *n = NULL;
    char *expr = NULL;
    struct errbuf inner = {{0}, -1};
    int pos = p->cur.pos;
    int rc = 0;
    if (p->scope != SC_TOP || !p->groups) {
        return fail(p, pos, "%s cannot be used %s", kw,
                    p->groups ? scope_names[p->scope] : "without groups");
    }
    n = node_new(N_GROUP, p->scope);
    n->is_arn = is_arn;
    rc = advance(p);
    if (rc == 0 && (p->cur.kind != T_OP || p->cur.op != OP_EQ)) {
        rc = fail(p, p->cur.pos, "expected '=' after %s", kw);
    }
    if (rc == 0) {
        rc = advance(p);
    }
    if (rc == 0) {
        rc = take_string(p, &n->key, "a group name");
    }
    if (rc < 0) {
        goto out;
    }
    rc = p->groups(p->ctx, n->key, is_arn, &expr);
    if (rc == ERR_NOTFOUND) {
        rc = fail(p, pos, "unknown group \"%s\"", n->key);
    } else if (rc < 0) {
        errbuf_set(p->err, pos, "could not look up group \"%s\"", n->key);
    } else if (p->group_depth + 1 > MAX_GROUP_DEPTH) {
        rc = fail(p, pos, "group \"%s\" refers to other groups too deeply (a cycle?)", n->key);
    } else if (!expr || !*expr) {
        add_kid(n, node_new(N_ALL, SC_TOP)); /* a group without a filter holds every trace */
    } else {
        struct node *body = NULL;
        rc = compile_inner(expr, p, &body, &inner);
        add_kid(n, body);
        if (rc == ERR_INVALID && strncmp(inner.msg, "group \"", 7) == 0) {
            /* Already names the group at fault; only the position becomes ours. */
            char *at = NULL;
            for (char *q = strstr(inner.msg, " at position "); q;
                 q = strstr(q + 1, " at position ")) {
                at = q;
            }
            if (at) {
                *at = '\0';
            }
            rc = fail(p, pos, "%s", inner.msg);
        } else if (rc == ERR_INVALID) {
            rc = fail(p, pos, "group \"%s\" has an invalid filter expression (%s)", n->key,
                      inner.msg);
        } else if (rc < 0) {
            errbuf_set(p->err, pos, "%s", inner.msg);
        }
    }
out:
    free(expr);
    if (rc < 0) {
        fexpr_node_free(n);
        n = NULL;
    }
    *out = n;
    return rc;
}

/* ---- expressions ---- */

static int parse_word(struct parser *p, struct node **out)
{
    const char *w = p->cur.str;
    if (strcasecmp(w, "service") == 0 || strcasecmp(w, "edge") == 0) {
        return parse_service_or_edge(p, strcasecmp(w, "edge") == 0, out);
    }
    if (strncasecmp(w, "annotation.", strlen("annotation.")) == 0) {
        return parse_annotation(p, out);
    }
    if (strcasecmp(w, "group.name") == 0 || strcasecmp(w, "group.arn") == 0) {
        return parse_group(p, strcasecmp(w, "group.arn") == 0, out);
    }
    if (strcasecmp(w, "rootcause.json") == 0) {
        return parse_rcjson(p, out);
    }
    for (size_t i = 0; i < ARRAY_LEN(rc_words); i++) {
        if (strcasecmp(w, rc_words[i].word) == 0) {
            return parse_rootcause(p, i, out);
        }
    }
    const struct kwdef *kw = fexpr_kw_find(w);
    if (!kw) {
        return fail(p, p->cur.pos, "unknown keyword \"%s\"", w);
    }
    return parse_keyword(p, kw, out);
}

static int parse_unary(struct parser *p, struct node **out)
{
    struct node *n = NULL;
    int rc = 0;
    *out = NULL;
    if (p->cur.kind == T_BANG || p->cur.kind == T_NOT) {
        rc = enter(p, p->cur.pos);
        if (rc == 0) {
            rc = advance(p);
        }
        n = node_new(N_NOT, p->scope);
        struct node *kid = NULL;
        if (rc == 0) {
            rc = parse_unary(p, &kid);
        }
        add_kid(n, kid);
        p->depth--;
    } else if (p->cur.kind == T_LPAREN) {
        rc = enter(p, p->cur.pos);
        if (rc == 0) {
            rc = advance(p);
        }
        if (rc == 0) {
            rc = parse_or(p, &n);
        }
        if (rc == 0) {
            rc = expect(p, T_RPAREN, "')'");
        }
        p->depth--;
    } else if (p->cur.kind == T_WORD) {
        rc = parse_word(p, &n);
    } else {
        rc = unexpected(p);
    }
    if (rc < 0) {
        fexpr_node_free(n);
        n = NULL;
    }
    *out = n;
    return rc;
}

static bool starts_operand(const struct parser *p)
{
    enum tok_kind k = p->cur.kind;
    return k == T_WORD || k == T_BANG || k == T_NOT || k == T_LPAREN;
}

/* and_expr := unary { [AND] unary }; or_expr := and_expr { OR and_expr }. */
static int parse_chain(struct parser *p, bool is_or, struct node **out)
{
    struct node *first = NULL;
    struct node *n = NULL;
    int rc = is_or ? parse_chain(p, false, &first) : parse_unary(p, &first);
    while (rc == 0) {
        bool more = is_or ? p->cur.kind == T_OR : (p->cur.kind == T_AND || starts_operand(p));
        if (!more) {
            break;
        }
        if (p->cur.kind == T_AND || p->cur.kind == T_OR) {
            rc = advance(p);
        }
        if (!n) {
            n = node_new(is_or ? N_OR : N_AND, p->scope);
            add_kid(n, first);
            first = NULL;
        }
        struct node *kid = NULL;
        if (rc == 0) {
            rc = is_or ? parse_chain(p, false, &kid) : parse_unary(p, &kid);
        }
        if (kid) {
            add_kid(n, kid);
        }
    }
    if (!n) {
        n = first;
    }
    if (rc < 0) {
        fexpr_node_free(n);
        n = NULL;
    }
    *out = n;
    return rc;
}

static int parse_or(struct parser *p, struct node **out)
{
    return parse_chain(p, true, out);
}

/* Parses a whole expression. `outer` carries the nesting state when compiling a group. */
static int compile_inner(const char *src, struct parser *outer, struct node **out,
                         struct errbuf *err)
{
    struct parser p = {.err = err};
    struct node *n = NULL;
    int rc = 0;
    *out = NULL;
    if (outer) {
        p.groups = outer->groups;
        p.ctx = outer->ctx;
        p.depth = outer->depth;
        p.group_depth = outer->group_depth + 1;
    }
    p.lx.src = src;
    p.lx.len = strlen(src);
    if (p.lx.len > FEXPR_MAX_LEN) {
        return errbuf_set(err, FEXPR_MAX_LEN, "expression longer than %d characters at position %d",
                          FEXPR_MAX_LEN, FEXPR_MAX_LEN);
    }
    rc = advance(&p);
    if (rc == 0 && p.cur.kind == T_EOF) {
        rc = errbuf_set(err, 0, "empty expression at position 0");
    }
    if (rc == 0) {
        rc = parse_or(&p, &n);
    }
    if (rc == 0 && p.cur.kind != T_EOF) {
        rc = unexpected(&p);
    }
    free(p.cur.str);
    if (rc < 0) {
        fexpr_node_free(n);
        n = NULL;
    }
    *out = n;
    return rc;
}

int fexpr_compile(const char *src, fexpr_group_fn groups, void *ctx, struct fexpr **out,
                  struct errbuf *err)
{
    struct parser outer = {.groups = groups, .ctx = ctx, .group_depth = -1};
    struct node *root = NULL;
    *out = NULL;
    if (!src) {
        return errbuf_set(err, 0, "empty expression at position 0");
    }
    int rc = compile_inner(src, &outer, &root, err);
    if (rc < 0) {
        return rc;
    }
    *out = xcalloc(1, sizeof(**out));
    (*out)->root = root;
    return 0;
}

void fexpr_free(struct fexpr *e)
{
    if (e) {
        fexpr_node_free(e->root);
        free(e);
    }
}
