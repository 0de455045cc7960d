/*
 * fexpr_dump.c - renders a compiled filter expression as a canonical, fully parenthesised
 * S-expression (fexpr_dump in fexpr.h). Tests compare these strings, so the format is stable:
 * keywords in lower case, word operators in upper case, strings quoted with \" and \\ escaped,
 * numbers in their shortest round-trip form. Any thread may call; the AST is only read.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fexpr_int.h"

static int put_str(struct buf *b, const char *s)
{
    int rc = buf_puts(b, "\"");
    for (; rc == 0 && *s; s++) {
        if (*s == '"' || *s == '\\') {
            rc = buf_puts(b, "\\");
        }
        if (rc == 0) {
            rc = buf_append(b, s, 1);
        }
    }
    return rc < 0 ? rc : buf_puts(b, "\"");
}

/* Integers as integers, others in the shortest %g precision that reads back the same. */
static int put_num(struct buf *b, double v)
{
    char tmp[40];
    if (v > -1e15 && v < 1e15 && v == (double)(long long)v) {
        return buf_printf(b, "%lld", (long long)v);
    }
    for (int prec = 1; prec <= 17; prec++) {
        snprintf(tmp, sizeof(tmp), "%.*g", prec, v);
        if (strtod(tmp, NULL) == v) {
            break;
        }
    }
    return buf_puts(b, tmp);
}

static int put_val(struct buf *b, const struct val *v)
{
    switch (v->type) {
    case VT_STR:
        return put_str(b, v->s);
    case VT_NUM:
        return put_num(b, v->n);
    case VT_BOOL:
        return buf_puts(b, v->b ? "true" : "false");
    default:
        return buf_puts(b, "?");
    }
}

static int put_sel(struct buf *b, const struct sel *s)
{
    static const char *const names[] = {"name", "type", "account.id"};
    int rc = 0;
    if (!s) {
        return buf_puts(b, " *");
    }
    if (!s->is_id) {
        rc = buf_puts(b, " ");
        return rc < 0 ? rc : put_str(b, s->name);
    }
    const char *vals[] = {s->name, s->type, s->account};
    rc = buf_puts(b, " (id");
    for (size_t i = 0; rc == 0 && i < ARRAY_LEN(vals); i++) {
        if (vals[i]) {
            rc = buf_printf(b, " %s ", names[i]);
            if (rc == 0) {
                rc = put_str(b, vals[i]);
            }
        }
    }
    return rc < 0 ? rc : buf_puts(b, ")");
}

/* " OP literal" when the node compares, nothing when it is bare. */
static int put_cmp(struct buf *b, const struct node *n)
{
    if (n->op == OP_NONE) {
        return 0;
    }
    int rc = buf_printf(b, " %s ", fexpr_op_name(n->op));
    return rc < 0 ? rc : put_val(b, &n->lit);
}

/* The head of each node kind: what comes after "(" and before the children. */
static int put_head(const struct node *n, struct buf *b)
{
    static const char *const lists[] = {"fault", "error", "responsetime"};
    static const char *const levels[] = {"service", "entity", "exception"};
    static const char *const heads[] = {
        [N_AND] = "and",         [N_OR] = "or",
        [N_NOT] = "not",         [N_KW] = "kw",
        [N_CMP] = "cmp",         [N_ANNOT] = "annotation",
        [N_SERVICE] = "service", [N_EDGE] = "edge",
        [N_RC] = "rootcause",    [N_RCJSON] = "rootcause.json",
        [N_GROUP] = "group",     [N_ALL] = "all",
    };
    int rc = buf_puts(b, heads[n->type]);
    if (rc < 0) {
        return rc;
    }
    switch (n->type) {
    case N_KW:
    case N_CMP:
        rc = buf_printf(b, " %s", n->kw->name);
        return rc < 0 ? rc : put_cmp(b, n);
    case N_ANNOT:
        rc = buf_printf(b, " %s", n->key);
        return rc < 0 ? rc : put_cmp(b, n);
    case N_SERVICE:
        return put_sel(b, n->sel[0]);
    case N_EDGE:
        rc = put_sel(b, n->sel[0]);
        return rc < 0 ? rc : put_sel(b, n->sel[1]);
    case N_RC:
        return buf_printf(b, " %s %s", lists[n->rc_list], levels[n->rc_level]);
    case N_RCJSON:
        return buf_printf(b, " %s", n->ex_text);
    case N_GROUP:
        rc = buf_puts(b, n->is_arn ? " arn " : " name ");
        return rc < 0 ? rc : put_str(b, n->key);
    default:
        return 0;
    }
}

static int dump(const struct node *n, struct buf *b)
{
    int rc = buf_puts(b, "(");
    if (rc == 0) {
        rc = put_head(n, b);
    }
    for (size_t i = 0; rc == 0 && i < n->nkids; i++) {
        rc = buf_puts(b, " ");
        if (rc == 0) {
            rc = dump(n->kids[i], b);
        }
    }
    return rc < 0 ? rc : buf_puts(b, ")");
}

int fexpr_dump(const struct fexpr *e, struct buf *b)
{
    return dump(e->root, b);
}
