/*
 * web.h - the embedded web UI (generated build/gen/web_assets.c) and static-file lookup.
 * HTTP threads call web_lookup(); the table is immutable.
 */
#ifndef WEB_H
#define WEB_H

#include <stddef.h>

struct web_asset {
    const char *path; /* URL path, e.g. "/index.html" */
    const char *mime;
    const unsigned char *bytes;
    size_t len;
    const char *etag;
};

/* Generated tables, each terminated by an entry whose path is NULL: the UI's files, and the
 * demo fixtures (fixtures/demo.jsonl as "/demo.jsonl"). */
extern const struct web_asset web_assets[];
extern const struct web_asset demo_fixtures[];

/* The asset at path in table, or NULL. */
const struct web_asset *web_find(const struct web_asset *table, const char *path);

#endif
