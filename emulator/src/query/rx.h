/*
 * rx.h - the one regular-expression engine of fluoro: Logs filter patterns (%regex%,
 * fpattern_regex.c) and Logs Insights (`like /re/`, `=~`, `parse /re/`, logs_insights_regex.c) both
 * compile through here. It wraps RE2 (rx.cc, a thin C++ shim), so a search takes time linear in
 * the text and memory bounded by the compiled pattern whatever the pattern is: no backtracking,
 * no catastrophic cases (docs/design-notes.md, "Regular expressions").
 *
 * The syntax accepted is RE2's (Perl-like: \d \w \s, [..], {m,n}, lazy quantifiers, (?i),
 * (?:..), (?P<name>..)); each caller first checks and maps its own AWS dialect onto it.
 *
 * Threads: any. A compiled struct rx is immutable; many threads may search with one at once.
 */
#ifndef RX_H
#define RX_H

#include <stdbool.h>
#include <stddef.h>

#include "fluoro.h"

#ifdef __cplusplus
extern "C" {
#endif

enum {
    RX_MAX_PATTERN = 10000, /* bytes: an Insights queryString's own cap (the model) */
    RX_MAX_MEM = 4 << 20,   /* RE2 budget per regex: compiled program plus DFA cache */
    RX_MAX_PROGRAM = 1000,  /* instructions: bounds the O(text x program) worst case */
    RX_MAX_GROUPS = 100,    /* capture groups per regex */
};

struct rx;

/* Where one capture group matched: [start, end) in the searched text; set is false when the
 * group took no part in the match. */
struct rx_span {
    size_t start, end;
    bool set;
};

/* Compiles src[0..len) into *out (new, rx_free). On bad or oversized input returns
 * ERR_INVALID and writes a message (RE2's wording, e.g. "missing ): (a") into errmsg. */
int rx_compile(const char *src, size_t len, struct rx **out, char *errmsg,
               size_t errlen) MUST_CHECK;
void rx_free(struct rx *re);
/* True when the regex matches anywhere in s[0..len) (no NUL needed). */
bool rx_search(const struct rx *re, const char *s, size_t len);
/* The number of capture groups. */
size_t rx_groups(const struct rx *re);
/* The name of group i (1-based), borrowed; NULL for an unnamed group. */
const char *rx_group_name(const struct rx *re, size_t i);
/* Searches s[0..len) and fills m[0] (the whole match) and m[1..nm) (groups); false when there
 * is no match. */
bool rx_capture(const struct rx *re, const char *s, size_t len, struct rx_span *m, size_t nm);

#ifdef __cplusplus
}
#endif

#endif
