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

/* Terminated by an entry whose path is NULL. */
extern const struct web_asset web_assets[];

#endif
