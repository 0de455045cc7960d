/*
 * fexpr_int.h - internals shared by the filter-expression lexer (fexpr_lex.c), parser and
 * dumper (fexpr_parse.c) and evaluator (fexpr_eval.c). Nothing here is used outside fexpr*.c.
 *
 * Invariant: once fexpr_compile() returns, no node is written again, so eval and dump only read
 * the tree and any number of threads may walk it at once.
 */
#ifndef FEXPR_INT_H
#define FEXPR_INT_H

#include "fexpr.h"

/* ---- lexer ---- */

enum tok_kind {
    T_EOF,
    T_LPAREN,
    T_RPAREN,
    T_LBRACE,
    T_RBRACE,
    T_COMMA,
    T_COLON,
    T_BANG,
    T_HASH,
    T_OP,     /* comparison operator; tok.op says which */
    T_AND,    /* AND (any case) */
    T_OR,     /* OR (any case) */
    T_NOT,    /* NOT (any case), same as '!' */
    T_STRING, /* quoted string; tok.str is the unescaped text */
    T_NUMBER,
    T_WORD, /* identifier, keyword or bare-word string; tok.str is the text as written */
};

enum op {
    OP_NONE,
    OP_EQ,
    OP_NE,
    OP_LT,
    OP_LE,
    OP_GT,
    OP_GE,
    OP_CONTAINS,
    OP_BEGINSWITH,
    OP_ENDSWITH,
};

struct tok {
    enum tok_kind kind;
    enum op op;
    int pos;   /* 0-based byte offset in the source */
    char *str; /* owned: T_STRING and T_WORD */
    double num;
};

struct lexer {
    const char *src;
    size_t len;
    size_t pos;
};

/* Reads the next token into *t (any previous t->str must have been freed). Returns 0, or
 * ERR_INVALID with err filled (unterminated string, bad escape, stray character). */
int fexpr_lex_next(struct lexer *lx, struct tok *t, struct errbuf *err);
const char *fexpr_op_name(enum op op);
/* Describes a token for "unexpected ..." messages, e.g. "')'" or "\"foo\"". */
void fexpr_tok_describe(const struct tok *t, char *out, size_t n);

/* ---- keywords ---- */

enum vtype { VT_NONE, VT_BOOL, VT_NUM, VT_STR };

/* Where a keyword is evaluated: the whole trace, one segment of a service() node, one call of
 * an edge(), or one element of a root-cause list. */
enum scope { SC_TOP, SC_NODE, SC_EDGE, SC_RC, SC_COUNT };

/* The object of the evaluation context a keyword reads in a given scope. O_NONE = the keyword
 * is not allowed in that scope; O_INDEX/O_FIRST/O_LAST are computed from the element position. */
enum obj {
    O_NONE,
    O_TRACE,
    O_ROOT,
    O_NODE,
    O_SEG,
    O_CALL,
    O_SVC,
    O_ENT,
    O_ELEM,
    O_INDEX,
    O_FIRST,
    O_LAST
};

struct access {
    enum obj obj;
    const char *key;
    const char *key2; /* second level (root.http.status), or NULL */
};

struct kwdef {
    const char *name;
    enum vtype type;
    bool list; /* the top-level field is an array of values; any element may match */
    struct access at[SC_COUNT];
};

/* Case-insensitive lookup; NULL when unknown. */
const struct kwdef *fexpr_kw_find(const char *name);

/* ---- AST ---- */

enum ntype {
    N_AND,
    N_OR,
    N_NOT,
    N_KW,      /* bare keyword: boolean true, or presence of a string/number field */
    N_CMP,     /* keyword op literal */
    N_ANNOT,   /* annotation.KEY [op literal] */
    N_SERVICE, /* service(sel) [{body}] */
    N_EDGE,    /* edge(sel, sel) [{body}] */
    N_RC,      /* rootcause.LIST.LEVEL [{body}] */
    N_RCJSON,  /* rootcause.json = #[...] */
    N_GROUP,   /* group.name/arn = "x", with the group's compiled expression */
    N_ALL,     /* matches everything: a group without a filter expression */
};

struct val {
    enum vtype type;
    const char *s;
    double n;
    bool b;
};

/* Node identity for service()/edge(); NULL members are wildcards. */
struct sel {
    char *name;
    char *type;
    char *account;
    bool is_id; /* written as id(...), kept for the dump */
};

enum rc_list { RC_FAULT, RC_ERROR, RC_RESPONSETIME };
enum rc_level { RC_SERVICE, RC_ENTITY, RC_EXCEPTION };

/* A rootcause.json example, copied out of jansson so no json_t is shared between threads. */
struct jex {
    int type;  /* a json_type */
    char *key; /* member name when inside an object */
    char *s;
    double n;
    struct jex *kids;
    size_t nkids;
};

struct node {
    enum ntype type;
    int scope;
    const struct kwdef *kw;
    enum op op;
    struct val lit;
    char *lit_str; /* owns lit.s */
    char *key;     /* annotation key, group name or ARN */
    bool is_arn;
    struct sel *sel[2]; /* service: sel[0] (NULL = every node); edge: source, destination */
    enum rc_list rc_list;
    enum rc_level rc_level;
    struct jex *ex;
    char *ex_text;      /* canonical JSON text of ex, for the dump */
    struct node **kids; /* and/or operands; not/service/edge/rc/group: kids[0] (may be NULL) */
    size_t nkids;
};

struct fexpr {
    struct node *root;
};

void fexpr_node_free(struct node *n);
bool fexpr_eval_node(const struct node *n, const json_t *trace);
/* Whether a present value v satisfies a keyword or annotation node (its operator and literal,
 * or the bare form); used by the evaluator over the trace view. */
bool fexpr_test(const struct node *n, const struct val *v);

#endif
