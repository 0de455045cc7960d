/*
 * logs_insights_int.h - what the Insights files share: the AST (insights.c parses it), values and
 * records with expression evaluation (logs_insights_eval.c), and the executor
 * (logs_insights_run.c). Any thread; a compiled AST is immutable.
 */
#ifndef LOGS_INSIGHTS_INT_H
#define LOGS_INSIGHTS_INT_H

#include "logs_insights.h"
#include "rx.h"

enum ival_type { IV_NULL, IV_NUM, IV_STR, IV_TIME };

/* A value; str is owned by whoever holds the ival. */
struct ival {
    enum ival_type t;
    double num; /* IV_NUM, IV_TIME (epoch ms) */
    char *str;  /* IV_STR */
};

struct ikv {
    char *name;
    struct ival v;
};

/* A record: named fields in insertion order. */
struct irec {
    struct ikv *kv;
    size_t n, cap;
    int64_t ts; /* the event's @timestamp, for earliest/latest */
};

enum inode_kind {
    IN_NUM,
    IN_STR,
    IN_REGEX,
    IN_FIELD,
    IN_NOT,
    IN_NEG,
    IN_BINARY,
    IN_IN,
    IN_LIKE,
    IN_CALL,
};

enum iop {
    OP_OR,
    OP_AND,
    OP_EQ,
    OP_NE,
    OP_LT,
    OP_LE,
    OP_GT,
    OP_GE,
    OP_ADD,
    OP_SUB,
    OP_MUL,
    OP_DIV,
    OP_MOD,
    OP_POW,
    OP_MATCH, /* =~ */
};

struct inode {
    enum inode_kind kind;
    enum iop op;
    bool negate; /* not like / not in */
    double num;
    char *str; /* IN_STR text, IN_FIELD name, IN_CALL function name (lower case) */
    struct rx *regex;
    struct inode **args; /* IN_BINARY: 2; IN_NOT/NEG: 1; IN_IN: value then list; IN_CALL */
    size_t nargs;
    bool aggregate; /* IN_CALL of an aggregate function */
};

enum icmd_kind {
    IC_FIELDS,
    IC_DISPLAY,
    IC_FILTER,
    IC_STATS,
    IC_SORT,
    IC_LIMIT,
    IC_PARSE,
    IC_DEDUP
};

/* `expr [as name]`, `name [asc|desc]` */
struct iitem {
    struct inode *expr;
    char *name;
    bool desc;
};

struct icmd {
    enum icmd_kind kind;
    struct iitem *items; /* fields/display/stats aggregates/sort/dedup */
    size_t nitems;
    struct iitem *by; /* stats by */
    size_t nby;
    struct inode *expr; /* filter condition; parse source */
    int64_t limit;
    char *glob;       /* parse "glob" */
    struct rx *regex; /* parse /regex/ */
};

struct logs_insights_query {
    struct icmd *cmds;
    size_t ncmds;
    char **columns; /* the visible fields, in order (after stats: its outputs) */
    size_t ncolumns;
    bool aggregated; /* a stats command: rows carry no @ptr */
    int64_t limit;   /* last `limit`, 0 = none */
};

/* Values and records (logs_insights_eval.c). */
void ival_free(struct ival *v);
struct ival ival_copy(const struct ival *v);
struct ival ival_str(const char *s);
struct ival ival_num(double x);
/* The display string of a value (new). */
char *ival_text(const struct ival *v);
/* The value as a number; false when it has none. */
bool ival_number(const struct ival *v, double *out);
/* Natural ordering of reference B3 `sort`: negative, zero or positive. Nulls sort last. */
int ival_compare(const struct ival *a, const struct ival *b);

void irec_init(struct irec *r);
void irec_fini(struct irec *r);
/* Borrowed value of name, or NULL. */
const struct ival *irec_get(const struct irec *r, const char *name);
/* Sets name to v (stolen). */
void irec_set(struct irec *r, const char *name, struct ival v);
/* The fields of an event: system fields plus discovered JSON fields. */
void irec_from_event(struct irec *r, const struct logs_insights_event *ev);

/* Evaluates e against r (new value). Aggregate calls are not evaluated here. */
struct ival inode_eval(const struct inode *e, const struct irec *r);
/* e evaluated against r, then as text (new string, NULL when missing) or as a number (false when
 * it is not one). Any thread. */
char *inode_eval_text(const struct inode *e, const struct irec *r);
bool inode_eval_number(const struct inode *e, const struct irec *r, double *x);
/* A boolean (1 or 0) and a timestamp (epoch milliseconds) value. */
struct ival ival_bool(bool b);
struct ival ival_time(double ms);

/* logs_insights_fn.c: whether name (any case) is a scalar function, and the value of the IN_CALL e
 * (not an aggregate) for record r (new value; NULL for an argument count the function does not
 * take). Any thread. */
bool logs_insights_fn_known(const char *name);
struct ival logs_insights_fn_call(const struct inode *e, const struct irec *r);
bool inode_truthy(const struct ival *v);

/* Regex: compiles the PCRE-like dialect Insights uses with rx.h (new, rx_free); NULL with a
 * message in errmsg when it is invalid. */
struct rx *iregex_compile(const char *src, size_t len, char *errmsg, size_t errlen);

/* The lexer (logs_insights_lex.c): tokens with byte offsets, for the parser in insights.c. */
enum itok {
    IT_EOF,
    IT_PIPE,
    IT_IDENT,
    IT_STR,
    IT_REGEX,
    IT_NUM,
    IT_OP,
    IT_LPAREN,
    IT_RPAREN,
    IT_LBRACK,
    IT_RBRACK,
    IT_COMMA,
    IT_STAR,
};

/* Parser state; the current token is t with [start, end) in src. */
struct iparser {
    const char *src;
    size_t len, pos;
    /* current token */
    enum itok t;
    enum iop op;
    size_t start, end;
    char *text; /* identifier, string or regex body (owned) */
    double num;
    bool quoted; /* identifier in backticks */
    bool prev_operand;
    int depth;
    struct errbuf *err;
    int *end_pos;
    bool failed;
};

/* Reads the next token. false after recording an error. */
bool logs_insights_lex_next(struct iparser *p);
/* Records the first error (fmt has %s for what, then %d for the position); returns false. */
bool logs_insights_lex_fail(struct iparser *p, size_t start, size_t end, const char *fmt,
                            const char *what);
/* Records "unexpected symbol found <token> ...; expected <expecting>"; returns false. */
bool logs_insights_lex_fail_token(struct iparser *p, const char *expecting);
/* True when the current token is the bare identifier kw (any case). */
bool logs_insights_lex_is_kw(const struct iparser *p, const char *kw);

void inode_free(struct inode *e);
/* The record key under which stats exposes an aggregate call's result to inode_eval. */
void logs_insights_agg_key(const struct inode *call, char out[40]);

#endif
