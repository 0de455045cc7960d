/*
 * fpattern_int.h - internals shared by the filter-pattern files: fpattern.c (kind dispatch, term
 * patterns, required terms, public API), fpattern_value.c (comparison values: numbers, wildcards,
 * regexes), fpattern_json.c ({ $.a = 1 } patterns) and fpattern_space.c ([a, b = 1] patterns).
 * Everything built here is immutable after compile, so any thread may match with it.
 */
#ifndef FPATTERN_INT_H
#define FPATTERN_INT_H

#include <jansson.h>

#include "fluoro.h"
#include "rx.h"

/* At most this many regexes inside one JSON or space-delimited pattern
 * (reference/logs-filter-and-insights.md A5, "Quotas"). */
#define FPATTERN_MAX_REGEX 2
/* Deepest parenthesis nesting in a JSON pattern; keeps recursion bounded. */
#define FPATTERN_MAX_DEPTH 32

/* Parser position over the NUL-terminated pattern text. */
struct fpattern_cursor {
    const char *s;
    size_t i;
    int n_regex; /* regexes seen so far, for the per-pattern quota */
    struct errbuf *err;
};

enum fpattern_cmp {
    FP_EQ,
    FP_NE,
    FP_LT,
    FP_LE,
    FP_GT,
    FP_GE,
};

enum fpattern_vkind {
    FP_NUM,   /* a number: compares numerically with numeric message values */
    FP_STR,   /* an exact string */
    FP_GLOB,  /* a string with `*` wildcards */
    FP_ANY,   /* a lone `*`: any value present */
    FP_REGEX, /* %regex%: unanchored search */
};

struct fpattern_value {
    enum fpattern_vkind kind;
    double num;
    char *str; /* the value text (FP_STR, FP_GLOB, FP_NUM's source text) */
    struct rx *re;
};

/* A scalar taken from a message: its text and, when it reads as a number, that number. */
struct fpattern_scalar {
    const char *text;
    size_t len;
    bool has_num;
    double num;
};

/* fpattern_value.c */
void fpattern_skip_ws(struct fpattern_cursor *c);
/* Parses a comparison operator at the cursor; returns 0 or ERR_INVALID. */
int fpattern_parse_cmp(struct fpattern_cursor *c, enum fpattern_cmp *op) MUST_CHECK;
/* Parses the "quoted string" at the cursor (\" and \\ escapes) into *out (new). */
int fpattern_parse_quoted(struct fpattern_cursor *c, char **out) MUST_CHECK;
/* Parses a value: "quoted", %regex%, or a bare token ending at whitespace or any of `stop`. */
int fpattern_parse_value(struct fpattern_cursor *c, const char *stop, enum fpattern_cmp op,
                         struct fpattern_value *v) MUST_CHECK;
void fpattern_value_fini(struct fpattern_value *v);
/* Compiles the %regex% at the cursor (which points at the opening %) into *out (new). */
int fpattern_regex_parse(struct fpattern_cursor *c, struct rx **out) MUST_CHECK;
/* True when s[0..len) is a decimal number (sign, fraction, exponent; no hex, inf or nan). */
bool fpattern_number(const char *s, size_t len, double *out);
/* `*` matches any run of bytes; everything else is literal. */
bool fpattern_glob(const char *pat, const char *s, size_t len);
bool fpattern_value_test(const struct fpattern_value *v, enum fpattern_cmp op,
                         const struct fpattern_scalar *sc);

/* fpattern_json.c */
struct fpattern_jnode;
struct fpattern_jpath;
/* Parses `{ ... }` at the cursor (pointing at `{`) to the end of the text. */
int fpattern_json_compile(struct fpattern_cursor *c, struct fpattern_jnode **out) MUST_CHECK;
bool fpattern_json_match(const struct fpattern_jnode *n, const json_t *doc);
void fpattern_json_free(struct fpattern_jnode *n);
/* Adds to out (an object) "selector" -> value text for every selector of the pattern that names a
 * value in doc; call only after a match. */
void fpattern_json_extract(const struct fpattern_jnode *n, const json_t *doc, json_t *out);
/* The value a `$.a[0].b` selector names in doc (borrowed), or NULL when it is absent or the
 * selector does not parse. */
const json_t *fpattern_json_lookup(const json_t *doc, const char *selector);

/* fpattern_space.c */
struct fpattern_space;
/* Parses `[ ... ]` at the cursor (pointing at `[`) to the end of the text. */
int fpattern_space_compile(struct fpattern_cursor *c, struct fpattern_space **out) MUST_CHECK;
/* Matches; when field is a field name (with or without `$`), also reports its numeric value. */
bool fpattern_space_match(const struct fpattern_space *sp, const char *msg, size_t len,
                          const char *field, double *value, bool *has_value);
/* Matches; on a match also adds "$name" -> field text to out (an object) for every named field. */
bool fpattern_space_extract(const struct fpattern_space *sp, const char *msg, size_t len,
                            json_t *out);
void fpattern_space_free(struct fpattern_space *sp);

#endif
