/*
 * assertion_int.h - what assertion_spec.c (spec parsing and tree-spec validation) shares with
 * assertion.c (the trace tree and the matcher); no other module includes it. Constant data and
 * pure functions: any thread.
 */
#ifndef ASSERTION_INT_H
#define ASSERTION_INT_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

/* Deepest nesting of subsegments followed; deeper nodes are leaves (and deeper specs invalid). */
#define ASSERTION_MAX_TREE_DEPTH 512

#define ASSERTION_NRESERVED 4
#define ASSERTION_NFLAGS 5
/* Members of a tree spec node that shape the match rather than name a field of the node. */
extern const char *const assertion_reserved_members[ASSERTION_NRESERVED];
/* Flags that count as false when a node lacks them. */
extern const char *const assertion_flag_members[ASSERTION_NFLAGS];

/* Whether s is one of list[0..n). */
bool assertion_in_list(const char *s, const char *const *list, size_t n);

/* Whether v (borrowed) is a non-empty object whose keys all start with '$', e.g. {"$gte": 200}. */
bool assertion_is_operator_object(const json_t *v);

#endif
