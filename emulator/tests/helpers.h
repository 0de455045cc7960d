/*
 * helpers.h - fixture loading shared by the unit tests. Tests run from emulator/.
 */
#ifndef HELPERS_H
#define HELPERS_H

#include <jansson.h>

/* New reference: an array of derived views (trace.h): the filter-expression fixtures of
 * tests/cases/fexpr_traces.json, then every trace of fixtures/demo.jsonl and large.jsonl
 * derived with trace_derive(), in order of first appearance. */
json_t *helpers_fixture_views(void);

/* New reference: trace_derive()'s view of docs (borrowed) decoded and rendered as JSON
 * (trace_view_json), or NULL when n is 0. */
json_t *helpers_derive_json(json_t *const *docs, size_t n);

/* Calls fn(ctx, docs, n) for every trace of a JSON-lines fixture (path from emulator/), in order
 * of first appearance; docs are borrowed for the call. */
void helpers_each_fixture_trace(const char *path,
                                void (*fn)(void *ctx, json_t *const *docs, size_t n), void *ctx);

#endif
