/*
 * web.c - serves the web UI: the embedded copy by default, or files under --web-root while the
 * UI is being worked on (re-read on each request). Paths containing ".." or control characters
 * are refused, and a file from disk is served only when its real path (symlinks resolved) lies
 * under the root's real path and it is a regular file, so nothing outside the root and no
 * directory is ever served. HTTP threads only.
 */
#include "web.h"

#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

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

/* Opens root+path for reading when it resolves to a regular file under root; -1 otherwise. */
static int open_under_root(const char *root, const char *path)
{
    char real_root[PATH_MAX], real_file[PATH_MAX];
    char *full = xasprintf("%s%s", root, path);
    int fd = -1;
    struct stat st;
    if (realpath(root, real_root) && realpath(full, real_file)) {
        size_t n = strlen(real_root);
        bool inside = strncmp(real_file, real_root, n) == 0 &&
                      (real_file[n] == '/' || (n == 1 && real_root[0] == '/'));
        if (inside) {
            fd = open(real_file, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
        }
    }
    if (fd >= 0 && (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode))) {
        close(fd);
        fd = -1;
    }
    free(full);
    return fd;
}

static void serve_from_disk(struct http_request *req, struct http_reply *rep, const char *path)
{
    int fd = open_under_root(req->app->cfg->web_root, path);
    FILE *f = fd >= 0 ? fdopen(fd, "rb") : NULL;
    if (!f) {
        if (fd >= 0) {
            close(fd);
        }
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

/* A path we could serve: absolute, no "..", no control characters or backslashes, and not a
 * directory (a trailing '/', which is also what "/assets/%00/x" decodes to). */
static bool path_acceptable(const char *path)
{
    if (path[0] != '/' || strstr(path, "..") || path[strlen(path) - 1] == '/') {
        return false;
    }
    for (const unsigned char *p = (const unsigned char *)path; *p; p++) {
        if (*p < 0x20 || *p == 0x7f || *p == '\\') {
            return false;
        }
    }
    return true;
}

void web_serve(struct http_request *req, struct http_reply *rep)
{
    const char *path = strcmp(req->path, "/") == 0 ? "/index.html" : req->path;
    if (strstr(path, "..")) {
        api_err(rep, 400, "BadPath", -1, "path may not contain \"..\"");
        return;
    }
    if (!path_acceptable(path)) {
        api_err(rep, 404, "NotFound", -1, "no such file: %s", path);
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
