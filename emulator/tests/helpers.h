/*
 * helpers.h - fixture loading shared by the unit tests. Tests run from emulator/.
 */
#ifndef HELPERS_H
#define HELPERS_H

#include <jansson.h>
#include <stdio.h>

struct writer_ingest;

/* A temporary database directory and what the writer-backed suites start on it: the read-write
 * store, a queue, the X-Ray ingest context (or none) and the writer. Members start NULL; each
 * helper below fills its own and helpers_db_close() undoes whatever was filled. */
struct helpers_db {
    char dir[64];
    char path[128]; /* <dir>/t.db */
    struct store *rw;
    struct queue *q;
    struct xray_ingest *xray;
    struct writer *w;
};

/* Opens tests/cases/<name> for reading, wherever the runner started (emulator/, the repository
 * root, or as __FILE__ says), or returns NULL. The caller fcloses it. */
FILE *helpers_open_case(const char *name);

/* Creates /tmp/fluoro-<name>-XXXXXX and sets db->dir and db->path (nothing opened yet). */
void helpers_db_tmpdir(struct helpers_db *db, const char *name);

/* helpers_db_tmpdir(), then opens db->rw read-write on db->path. */
void helpers_db_open(struct helpers_db *db, const char *name);

/* Starts db->q (64 items) and db->w on db->rw with the given ingest hooks and context. */
void helpers_db_start_writer(struct helpers_db *db, const struct writer_ingest *hooks, void *ctx);

/* helpers_db_start_writer() with a new X-Ray ingest context (db->xray) and its hooks, as serve
 * runs it. */
void helpers_db_start_xray(struct helpers_db *db);

/* Stops the writer, frees what was started, closes db->rw and removes the directory; safe on
 * a partly filled db (db->w set to NULL by a test that stopped the writer itself). */
void helpers_db_close(struct helpers_db *db);

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
