/*
 * fexpr_eval.c - the comparison primitives of filter-expression evaluation: whether one typed
 * value satisfies a keyword or annotation node (fexpr_test), shared by the evaluator over the
 * trace view (fexpr_facts.c), and the entity-selector check. Any thread may call; pure.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fexpr_int.h"

static bool cmp_str(enum op op, const char *have, const char *want)
{
    size_t hl = strlen(have);
    size_t wl = strlen(want);
    switch (op) {
    case OP_EQ:
        return strcmp(have, want) == 0;
    case OP_NE:
        return strcmp(have, want) != 0;
    case OP_CONTAINS:
        return strstr(have, want) != NULL;
    case OP_BEGINSWITH:
        return strncmp(have, want, wl) == 0;
    case OP_ENDSWITH:
        return hl >= wl && strcmp(have + hl - wl, want) == 0;
    default:
        return false;
    }
}

static bool cmp_num(enum op op, double have, double want)
{
    switch (op) {
    case OP_EQ:
        return have == want;
    case OP_NE:
        return have != want;
    case OP_LT:
        return have < want;
    case OP_LE:
        return have <= want;
    case OP_GT:
        return have > want;
    case OP_GE:
        return have >= want;
    default:
        return false;
    }
}

/* Whether a present value satisfies the node: bare = true/present, else op literal. */
bool fexpr_test(const struct node *n, const struct val *v)
{
    if (n->op == OP_NONE) {
        /* A bare boolean keyword means true; a bare string/number keyword only asks that the
         * field exists with a value of its type. A bare annotation is "set", except that a
         * boolean one evaluates to its value (AWS: "If the keyword is of boolean type, it will
         * evaluate to the boolean value"), so annotation.retry skips traces where it is false. */
        if (n->kw) {
            return n->kw->type == VT_BOOL ? v->type == VT_BOOL && v->b : v->type == n->kw->type;
        }
        return v->type != VT_BOOL || v->b;
    }
    if (v->type != n->lit.type) {
        return false;
    }
    switch (v->type) {
    case VT_STR:
        return cmp_str(n->op, v->s, n->lit.s);
    case VT_NUM:
        return cmp_num(n->op, v->n, n->lit.n);
    case VT_BOOL:
        return n->op == OP_EQ ? v->b == n->lit.b : v->b != n->lit.b;
    default:
        return false;
    }
}

static const struct node *body_of(const struct node *n)
{
    return n->nkids ? n->kids[0] : NULL;
}

bool fexpr_is_entity_selector(const struct fexpr *e)
{
    return e && (e->root->type == N_SERVICE || e->root->type == N_EDGE) && !body_of(e->root);
}
