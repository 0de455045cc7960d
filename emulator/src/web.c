/*
 * web.c - serves the web UI: the embedded copy by default, or files under --web-root while the
 * UI is being worked on (re-read on each request). Paths containing ".." are refused, so nothing
 * outside the root is ever served. HTTP threads only.
 */
#include "web.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "aws.h"
#include "routes.h"

const struct web_asset *web_find(const struct web_asset *table, const char *path)
{
    for (const struct web_asset *a = table; a->path; a++) {
        if (strcmp(a->path, path) == 0) {
            return a;
        }
    }
    return NULL;
}

static const char *mime_of(const char *path)
{
    const char *dot = strrchr(path, '.');
    if (!dot) {
        return "application/octet-stream";
    }
    /* The embedded table already knows every type the UI uses; reuse it by extension. */
    for (const struct web_asset *a = web_assets; a->path; a++) {
        const char *adot = strrchr(a->path, '.');
        if (adot && strcmp(adot, dot) == 0) {
            return a->mime;
        }
    }
    return strcmp(dot, ".js") == 0 ? "text/javascript; charset=utf-8" : "application/octet-stream";
}

static void serve_from_disk(struct http_request *req, struct http_reply *rep, const char *path)
{
    char *full = xasprintf("%s%s", req->app->cfg->web_root, path);
    FILE *f = fopen(full, "rb");
    free(full);
    if (!f) {
        api_err(rep, 404, "NotFound", -1, "no such file: %s", path);
        return;
    }
    struct buf b;
    buf_init(&b, 0);
    char chunk[65536];
    size_t n;
    int rc = 0;
    while (rc == 0 && (n = fread(chunk, 1, sizeof(chunk), f)) > 0) {
        rc = buf_append(&b, chunk, n);
    }
    fclose(f);
    size_t len = 0;
    char *data = buf_steal(&b, &len);
    http_reply_text(rep, 200, mime_of(path), data, len);
    http_add_header(rep, "Cache-Control", "no-store");
}

void web_serve(struct http_request *req, struct http_reply *rep)
{
    const char *path = strcmp(req->path, "/") == 0 ? "/index.html" : req->path;
    if (strstr(path, "..")) {
        api_err(rep, 400, "BadPath", -1, "path may not contain \"..\"");
        return;
    }
    if (req->app->cfg->web_root[0]) {
        serve_from_disk(req, rep, path);
        return;
    }
    const struct web_asset *a = web_find(web_assets, path);
    if (!a) {
        api_err(rep, 404, "NotFound", -1, "no such file: %s", path);
        return;
    }
    const char *inm = http_header(req, "If-None-Match");
    if (inm && strcmp(inm, a->etag) == 0) {
        http_reply_static(rep, 304, NULL, "", 0);
    } else {
        http_reply_static(rep, 200, a->mime, a->bytes, a->len);
    }
    http_add_header(rep, "ETag", a->etag);
    http_add_header(rep, "Cache-Control", "no-cache");
}
