/*
 * logs_insights.c - the Logs Insights query parser (reference/logs-filter-and-insights.md B1-B4):
 * a recursive-descent parser over logs_insights_lex.c's tokens producing the immutable AST of
 * logs_insights_int.h, plus the visible-column bookkeeping GetQueryResults needs.
 *
 * Threads: any; compile is pure. Errors carry the offending token's start and end offsets, which
 * StartQuery reports as MalformedQueryException's queryCompileError location.
 */
#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "logs_insights_int.h"

#define MAX_DEPTH 64
#define MAX_LIMIT 10000

static struct inode *node(enum inode_kind kind)
{
    struct inode *n = xcalloc(1, sizeof(*n));
    n->kind = kind;
    return n;
}

static void add_arg(struct inode *n, struct inode *a)
{
    n->args = xrealloc(n->args, (n->nargs + 1) * sizeof(*n->args));
    n->args[n->nargs++] = a;
}

void inode_free(struct inode *e)
{
    if (!e) {
        return;
    }
    for (size_t i = 0; i < e->nargs; i++) {
        inode_free(e->args[i]);
    }
    free(e->args);
    free(e->str);
    rx_free(e->regex);
    free(e);
}

static const char *const aggregates[] = {
    "count", "count_distinct", "sum",      "avg",    "min",        "max",
    "pct",   "stddev",         "earliest", "latest", "sortsfirst", "sortslast"};

static bool in_list(const char *name, const char *const *list, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (strcasecmp(name, list[i]) == 0) {
            return true;
        }
    }
    return false;
}

static struct inode *parse_expr(struct iparser *p);

/* Parses `item (, item)*` into n's arguments up to the token `close`, which it leaves current;
 * `expect` names what may follow an item in the error ("',' or ')'"). */
static bool parse_args(struct iparser *p, struct inode *n, enum itok close,
                       struct inode *(*item)(struct iparser *p), const char *expect)
{
    while (p->t != close) {
        struct inode *a = item(p);
        if (!a) {
            return false;
        }
        add_arg(n, a);
        if (p->t == IT_COMMA) {
            if (!logs_insights_lex_next(p)) {
                return false;
            }
        } else if (p->t != close) {
            logs_insights_lex_fail_token(p, expect);
            return false;
        }
    }
    return true;
}

static struct inode *regex_node(struct iparser *p)
{
    char msg[200];
    struct inode *n = node(IN_REGEX);
    n->regex = iregex_compile(p->text, strlen(p->text), msg, sizeof(msg));
    if (!n->regex) {
        logs_insights_lex_fail(p, p->start, p->end, "invalid regular expression %s at position %d",
                               msg);
        inode_free(n);
        return NULL;
    }
    return n;
}

static struct inode *parse_primary(struct iparser *p)
{
    struct inode *n = NULL;
    if (p->t == IT_NUM) {
        n = node(IN_NUM);
        n->num = p->num;
        return logs_insights_lex_next(p) ? n : (inode_free(n), NULL);
    }
    if (p->t == IT_STR) {
        n = node(IN_STR);
        n->str = xstrdup(p->text);
        return logs_insights_lex_next(p) ? n : (inode_free(n), NULL);
    }
    if (p->t == IT_REGEX) {
        n = regex_node(p);
        return n && logs_insights_lex_next(p) ? n : (inode_free(n), NULL);
    }
    if (p->t == IT_LPAREN) {
        if (!logs_insights_lex_next(p) || !(n = parse_expr(p))) {
            return NULL;
        }
        if (p->t != IT_RPAREN) {
            inode_free(n);
            return logs_insights_lex_fail_token(p, "')'"), NULL;
        }
        return logs_insights_lex_next(p) ? n : (inode_free(n), NULL);
    }
    if (p->t != IT_IDENT || logs_insights_lex_is_kw(p, "and") || logs_insights_lex_is_kw(p, "or") ||
        logs_insights_lex_is_kw(p, "by") || logs_insights_lex_is_kw(p, "as")) {
        return logs_insights_lex_fail_token(p, "a field, literal or function"), NULL;
    }
    char *name = xstrdup(p->text);
    size_t name_start = p->start, name_end = p->end;
    bool quoted = p->quoted;
    if (!logs_insights_lex_next(p)) {
        free(name);
        return NULL;
    }
    if (p->t != IT_LPAREN || quoted) {
        n = node(IN_FIELD);
        n->str = name;
        return n;
    }
    bool agg = in_list(name, aggregates, ARRAY_LEN(aggregates));
    if (!agg && !logs_insights_fn_known(name)) {
        logs_insights_lex_fail(p, name_start, name_end, "unknown function %s at position %d", name);
        free(name);
        return NULL;
    }
    n = node(IN_CALL);
    n->aggregate = agg;
    n->str = name;
    for (char *c = n->str; *c; c++) {
        *c = (char)tolower((unsigned char)*c);
    }
    if (!logs_insights_lex_next(p)) {
        goto fail;
    }
    if (p->t == IT_STAR) {
        if (!logs_insights_lex_next(p)) {
            goto fail;
        }
    } else if (!parse_args(p, n, IT_RPAREN, parse_expr, "',' or ')'")) {
        goto fail;
    }
    if (p->t != IT_RPAREN) {
        logs_insights_lex_fail_token(p, "')'");
        goto fail;
    }
    if (!logs_insights_lex_next(p)) {
        goto fail;
    }
    return n;
fail:
    inode_free(n);
    return NULL;
}

static struct inode *parse_unary(struct iparser *p)
{
    if (p->t == IT_OP && p->op == OP_SUB) {
        if (!logs_insights_lex_next(p)) {
            return NULL;
        }
        struct inode *a = parse_unary(p);
        if (!a) {
            return NULL;
        }
        struct inode *n = node(IN_NEG);
        add_arg(n, a);
        return n;
    }
    return parse_primary(p);
}

static struct inode *binary(enum iop op, struct inode *l, struct inode *r)
{
    struct inode *n = node(IN_BINARY);
    n->op = op;
    add_arg(n, l);
    add_arg(n, r);
    return n;
}

static struct inode *parse_power(struct iparser *p)
{
    struct inode *l = parse_unary(p);
    while (l && p->t == IT_OP && p->op == OP_POW) {
        struct inode *r = logs_insights_lex_next(p) ? parse_unary(p) : NULL;
        if (!r) {
            inode_free(l);
            return NULL;
        }
        l = binary(OP_POW, l, r);
    }
    return l;
}

static struct inode *parse_mul(struct iparser *p)
{
    struct inode *l = parse_power(p);
    while (l && (p->t == IT_STAR || (p->t == IT_OP && (p->op == OP_DIV || p->op == OP_MOD)))) {
        enum iop op = p->t == IT_STAR ? OP_MUL : p->op;
        struct inode *r = logs_insights_lex_next(p) ? parse_power(p) : NULL;
        if (!r) {
            inode_free(l);
            return NULL;
        }
        l = binary(op, l, r);
    }
    return l;
}

static struct inode *parse_add(struct iparser *p)
{
    struct inode *l = parse_mul(p);
    while (l && p->t == IT_OP && (p->op == OP_ADD || p->op == OP_SUB)) {
        enum iop op = p->op;
        struct inode *r = logs_insights_lex_next(p) ? parse_mul(p) : NULL;
        if (!r) {
            inode_free(l);
            return NULL;
        }
        l = binary(op, l, r);
    }
    return l;
}

/* `in [a, b]` after the value l. */
static struct inode *parse_in(struct iparser *p, struct inode *l, bool negate)
{
    struct inode *n = node(IN_IN);
    n->negate = negate;
    add_arg(n, l);
    if (p->t != IT_LBRACK) {
        logs_insights_lex_fail_token(p, "'['");
        goto fail;
    }
    if (!logs_insights_lex_next(p)) {
        goto fail;
    }
    if (parse_args(p, n, IT_RBRACK, parse_add, "',' or ']'") && logs_insights_lex_next(p)) {
        return n;
    }
fail:
    inode_free(n);
    return NULL;
}

static struct inode *parse_cmp(struct iparser *p)
{
    struct inode *l = parse_add(p);
    if (!l) {
        return NULL;
    }
    bool negate = false;
    if (logs_insights_lex_is_kw(p, "not")) {
        negate = true;
        if (!logs_insights_lex_next(p)) {
            goto fail;
        }
        if (!logs_insights_lex_is_kw(p, "like") && !logs_insights_lex_is_kw(p, "in")) {
            logs_insights_lex_fail_token(p, "'like' or 'in'");
            goto fail;
        }
    }
    if (logs_insights_lex_is_kw(p, "in")) {
        p->prev_operand = false;
        return logs_insights_lex_next(p) ? parse_in(p, l, negate) : (inode_free(l), NULL);
    }
    if (logs_insights_lex_is_kw(p, "like") || (p->t == IT_OP && p->op == OP_MATCH)) {
        bool match = p->t == IT_OP;
        p->prev_operand = false;
        if (!logs_insights_lex_next(p)) {
            goto fail;
        }
        struct inode *r = parse_add(p);
        if (!r) {
            goto fail;
        }
        struct inode *n = node(IN_LIKE);
        n->negate = negate;
        n->op = match ? OP_MATCH : OP_EQ;
        add_arg(n, l);
        add_arg(n, r);
        return n;
    }
    if (p->t == IT_OP && p->op >= OP_EQ && p->op <= OP_GE) {
        enum iop op = p->op;
        struct inode *r = logs_insights_lex_next(p) ? parse_add(p) : NULL;
        if (!r) {
            goto fail;
        }
        return binary(op, l, r);
    }
    return l;
fail:
    inode_free(l);
    return NULL;
}

static struct inode *parse_not(struct iparser *p)
{
    if (logs_insights_lex_is_kw(p, "not")) {
        if (!logs_insights_lex_next(p)) {
            return NULL;
        }
        struct inode *a = parse_not(p);
        if (!a) {
            return NULL;
        }
        struct inode *n = node(IN_NOT);
        add_arg(n, a);
        return n;
    }
    return parse_cmp(p);
}

static struct inode *parse_and(struct iparser *p)
{
    struct inode *l = parse_not(p);
    while (l && logs_insights_lex_is_kw(p, "and")) {
        struct inode *r = logs_insights_lex_next(p) ? parse_not(p) : NULL;
        if (!r) {
            inode_free(l);
            return NULL;
        }
        l = binary(OP_AND, l, r);
    }
    return l;
}

static struct inode *parse_expr(struct iparser *p)
{
    if (++p->depth > MAX_DEPTH) {
        logs_insights_lex_fail(p, p->start, p->end, "query nested too deeply %s at position %d",
                               "");
        return NULL;
    }
    struct inode *l = parse_and(p);
    while (l && logs_insights_lex_is_kw(p, "or")) {
        struct inode *r = logs_insights_lex_next(p) ? parse_and(p) : NULL;
        if (!r) {
            inode_free(l);
            l = NULL;
            break;
        }
        l = binary(OP_OR, l, r);
    }
    p->depth--;
    return l;
}

static bool has_aggregate(const struct inode *e)
{
    if (e->kind == IN_CALL && e->aggregate) {
        return true;
    }
    for (size_t i = 0; i < e->nargs; i++) {
        if (has_aggregate(e->args[i])) {
            return true;
        }
    }
    return false;
}

/* `expr [as name]` (or `name [asc|desc]` when sort); the default name is the source text. */
static bool parse_items(struct iparser *p, struct iitem **items, size_t *n, bool sort,
                        bool names_only)
{
    for (;;) {
        size_t start = p->start;
        struct iitem it = {0};
        if (names_only) {
            if (p->t != IT_IDENT) {
                return logs_insights_lex_fail_token(p, "a field name");
            }
            it.name = xstrdup(p->text);
            if (!logs_insights_lex_next(p)) {
                free(it.name);
                return false;
            }
        } else {
            it.expr = parse_expr(p);
            if (!it.expr) {
                return false;
            }
            size_t end = start;
            /* the source text up to the last token consumed */
            end = p->t == IT_EOF ? p->len : p->start;
            while (end > start && isspace((unsigned char)p->src[end - 1])) {
                end--;
            }
            it.name = it.expr->kind == IN_FIELD ? xstrdup(it.expr->str)
                                                : xstrndup(p->src + start, end - start);
        }
        if (!names_only && logs_insights_lex_is_kw(p, "as")) {
            if (!logs_insights_lex_next(p) || p->t != IT_IDENT) {
                inode_free(it.expr);
                free(it.name);
                return p->failed ? false : logs_insights_lex_fail_token(p, "a name after 'as'");
            }
            free(it.name);
            it.name = xstrdup(p->text);
            if (!logs_insights_lex_next(p)) {
                inode_free(it.expr);
                free(it.name);
                return false;
            }
        }
        if (sort && (logs_insights_lex_is_kw(p, "asc") || logs_insights_lex_is_kw(p, "desc"))) {
            it.desc = logs_insights_lex_is_kw(p, "desc");
            if (!logs_insights_lex_next(p)) {
                inode_free(it.expr);
                free(it.name);
                return false;
            }
        }
        *items = xrealloc(*items, (*n + 1) * sizeof(**items));
        (*items)[(*n)++] = it;
        if (p->t != IT_COMMA) {
            return true;
        }
        if (!logs_insights_lex_next(p)) {
            return false;
        }
    }
}

/* stats: aggregate items, then optionally `by` items. */
static bool parse_stats(struct iparser *p, struct icmd *c)
{
    size_t start = p->start;
    if (!parse_items(p, &c->items, &c->nitems, false, false)) {
        return false;
    }
    for (size_t i = 0; i < c->nitems; i++) {
        if (!has_aggregate(c->items[i].expr)) {
            return logs_insights_lex_fail(
                p, start, p->start, "stats needs an aggregate function such as %s (position %d)",
                "count(*)");
        }
    }
    if (logs_insights_lex_is_kw(p, "by")) {
        p->prev_operand = false;
        return logs_insights_lex_next(p) && parse_items(p, &c->by, &c->nby, false, false);
    }
    return true;
}

/* parse [field] "glob" as names | parse [field] /regex-with-named-groups/. */
static bool parse_parse(struct iparser *p, struct icmd *c)
{
    size_t start = p->start;
    if (p->t == IT_STR || p->t == IT_REGEX) {
        /* `parse "glob" as …` / `parse /re/` default to @message */
        c->expr = node(IN_FIELD);
        c->expr->str = xstrdup("@message");
    } else if (p->t == IT_IDENT) {
        /* The source is a field; what follows is a /regex/, never a division. */
        c->expr = node(IN_FIELD);
        c->expr->str = xstrdup(p->text);
        p->prev_operand = false;
        if (!logs_insights_lex_next(p)) {
            return false;
        }
    } else {
        return logs_insights_lex_fail_token(p, "the field to parse");
    }
    if (p->t == IT_STR) {
        c->glob = xstrdup(p->text);
        if (!logs_insights_lex_next(p)) {
            return false;
        }
        if (!logs_insights_lex_is_kw(p, "as")) {
            return logs_insights_lex_fail_token(p, "'as' and the names of the glob's fields");
        }
        if (!logs_insights_lex_next(p) || !parse_items(p, &c->items, &c->nitems, false, true)) {
            return false;
        }
        size_t stars = 0;
        for (const char *g = c->glob; *g; g++) {
            stars += *g == '*';
        }
        if (stars != c->nitems) {
            return logs_insights_lex_fail(
                p, start, p->start,
                "parse: the pattern's * count must equal the number of %s (position "
                "%d)",
                "fields");
        }
        return true;
    }
    if (p->t == IT_REGEX) {
        char msg[200];
        c->regex = iregex_compile(p->text, strlen(p->text), msg, sizeof(msg));
        if (!c->regex) {
            return logs_insights_lex_fail(p, p->start, p->end,
                                          "invalid regular expression %s at position %d", msg);
        }
        bool named = false;
        for (size_t i = 1; i <= rx_groups(c->regex); i++) {
            named = named || rx_group_name(c->regex, i);
        }
        if (!named) {
            return logs_insights_lex_fail(p, p->start, p->end,
                                          "parse: the regular expression needs named "
                                          "groups (?<name>...) %s at position %d",
                                          "");
        }
        return logs_insights_lex_next(p);
    }
    return logs_insights_lex_fail_token(p, "a \"glob\" pattern or a /regex/");
}

static bool parse_command(struct iparser *p, struct icmd *c)
{
    if (p->t != IT_IDENT) {
        return logs_insights_lex_fail_token(
            p, "a command (fields, filter, stats, sort, limit, parse, display, "
               "dedup)");
    }
    static const struct {
        const char *name;
        enum icmd_kind kind;
    } cmds[] = {{"fields", IC_FIELDS}, {"display", IC_DISPLAY}, {"filter", IC_FILTER},
                {"stats", IC_STATS},   {"sort", IC_SORT},       {"limit", IC_LIMIT},
                {"parse", IC_PARSE},   {"dedup", IC_DEDUP},     {"head", IC_LIMIT}};
    size_t k = 0;
    while (k < ARRAY_LEN(cmds) && !logs_insights_lex_is_kw(p, cmds[k].name)) {
        k++;
    }
    if (k == ARRAY_LEN(cmds)) {
        return logs_insights_lex_fail(p, p->start, p->end, "unknown command %s at position %d",
                                      p->text);
    }
    c->kind = cmds[k].kind;
    p->prev_operand = false;
    if (!logs_insights_lex_next(p)) {
        return false;
    }
    switch (c->kind) {
    case IC_FIELDS:
        return parse_items(p, &c->items, &c->nitems, false, false);
    case IC_DISPLAY:
    case IC_DEDUP:
        return parse_items(p, &c->items, &c->nitems, false, true);
    case IC_SORT:
        return parse_items(p, &c->items, &c->nitems, true, false);
    case IC_FILTER:
        c->expr = parse_expr(p);
        if (c->expr && has_aggregate(c->expr)) {
            return logs_insights_lex_fail(p, p->start, p->end,
                                          "aggregate functions are not allowed in %s (position %d)",
                                          "filter");
        }
        return c->expr != NULL;
    case IC_LIMIT:
        if (p->t != IT_NUM || p->num < 1 || p->num > MAX_LIMIT || p->num != floor(p->num)) {
            return logs_insights_lex_fail_token(p, "a limit between 1 and 10000");
        }
        c->limit = (int64_t)p->num;
        return logs_insights_lex_next(p);
    case IC_STATS:
        return parse_stats(p, c);
    case IC_PARSE:
        return parse_parse(p, c);
    }
    return false;
}

static void cmd_fini(struct icmd *c)
{
    for (size_t i = 0; i < c->nitems; i++) {
        inode_free(c->items[i].expr);
        free(c->items[i].name);
    }
    for (size_t i = 0; i < c->nby; i++) {
        inode_free(c->by[i].expr);
        free(c->by[i].name);
    }
    free(c->items);
    free(c->by);
    inode_free(c->expr);
    free(c->glob);
    rx_free(c->regex);
}

void logs_insights_free(struct logs_insights_query *q)
{
    if (!q) {
        return;
    }
    for (size_t i = 0; i < q->ncmds; i++) {
        cmd_fini(&q->cmds[i]);
    }
    free(q->cmds);
    for (size_t i = 0; i < q->ncolumns; i++) {
        free(q->columns[i]);
    }
    free(q->columns);
    free(q);
}

static void add_column(struct logs_insights_query *q, const char *name)
{
    for (size_t i = 0; i < q->ncolumns; i++) {
        if (strcmp(q->columns[i], name) == 0) {
            return;
        }
    }
    q->columns = xrealloc(q->columns, (q->ncolumns + 1) * sizeof(*q->columns));
    q->columns[q->ncolumns++] = xstrdup(name);
}

static void clear_columns(struct logs_insights_query *q)
{
    for (size_t i = 0; i < q->ncolumns; i++) {
        free(q->columns[i]);
    }
    q->ncolumns = 0;
}

/* The visible columns (reference B3/B5): fields accumulate, the last display wins, stats
 * replaces them with its outputs; without any, @timestamp and @message. */
static void plan_columns(struct logs_insights_query *q)
{
    bool chosen = false, displayed = false;
    for (size_t i = 0; i < q->ncmds; i++) {
        const struct icmd *c = &q->cmds[i];
        if (c->kind == IC_FIELDS && !displayed) {
            for (size_t k = 0; k < c->nitems; k++) {
                add_column(q, c->items[k].name);
            }
            chosen = true;
        } else if (c->kind == IC_DISPLAY) {
            clear_columns(q);
            for (size_t k = 0; k < c->nitems; k++) {
                add_column(q, c->items[k].name);
            }
            chosen = displayed = true;
        } else if (c->kind == IC_STATS) {
            clear_columns(q);
            for (size_t k = 0; k < c->nby; k++) {
                add_column(q, c->by[k].name);
            }
            for (size_t k = 0; k < c->nitems; k++) {
                add_column(q, c->items[k].name);
            }
            chosen = true;
            displayed = false;
            q->aggregated = true;
        } else if (c->kind == IC_LIMIT) {
            q->limit = c->limit;
        }
    }
    if (!chosen) {
        add_column(q, "@timestamp");
        add_column(q, "@message");
    }
}

int logs_insights_compile(const char *src, struct logs_insights_query **out, struct errbuf *err,
                          int *end_pos)
{
    struct iparser p = {.src = src, .len = strlen(src), .err = err, .end_pos = end_pos};
    struct logs_insights_query *q = xcalloc(1, sizeof(*q));
    *out = NULL;
    if (!logs_insights_lex_next(&p)) {
        goto fail;
    }
    if (p.t == IT_EOF) {
        logs_insights_lex_fail(&p, 0, 0, "the query is %s (position %d)", "empty");
        goto fail;
    }
    for (;;) {
        q->cmds = xrealloc(q->cmds, (q->ncmds + 1) * sizeof(*q->cmds));
        memset(&q->cmds[q->ncmds], 0, sizeof(*q->cmds));
        q->ncmds++;
        if (!parse_command(&p, &q->cmds[q->ncmds - 1])) {
            goto fail;
        }
        if (p.t == IT_EOF) {
            break;
        }
        if (p.t != IT_PIPE) {
            logs_insights_lex_fail_token(&p, "'|' or the end of the query");
            goto fail;
        }
        p.prev_operand = false;
        if (!logs_insights_lex_next(&p)) {
            goto fail;
        }
    }
    for (size_t i = 0; i + 1 < q->ncmds; i++) {
        if (q->cmds[i].kind == IC_DEDUP && q->cmds[i + 1].kind != IC_LIMIT) {
            logs_insights_lex_fail(&p, 0, p.len, "only limit may follow %s (position %d)", "dedup");
            goto fail;
        }
    }
    plan_columns(q);
    free(p.text);
    *out = q;
    return 0;
fail:
    if (!p.failed) {
        logs_insights_lex_fail(&p, p.start, p.end, "invalid query %s at position %d", "");
    }
    free(p.text);
    logs_insights_free(q);
    return ERR_INVALID;
}
