/*
 * http_guard.c - Host, Origin and Content-Type checks (see http_guard.h). Pool threads call
 * http_guard_check on an immutable guard.
 *
 * Invariants: names compare case-insensitively without port and without one trailing dot; a
 * missing Host (HTTP/1.0 clients) or missing Origin (every AWS SDK and CLI) passes, because a
 * browser always sends both where they matter. "*" in the allow list opens Host only: Origin
 * still has to be the page's own host, loopback or named explicitly.
 */
#include "http_guard.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define NAME_MAX_LEN 256

struct http_guard {
    char bound[NAME_MAX_LEN]; /* the --http-address host, "" when it is a wildcard */
    char **allowed;           /* explicit names, lowercase */
    size_t nallowed;
    bool any_host; /* "*" was listed */
};

/* Copies the host part of a Host header value ("name:port", "[v6]:port") into out, lowercase
 * and without a trailing dot. Returns false when it does not fit or is malformed. */
static bool host_part(const char *value, char *out, size_t outlen)
{
    const char *start = value;
    size_t len;
    if (value[0] == '[') {
        const char *close = strchr(value, ']');
        if (!close || (close[1] != '\0' && close[1] != ':')) {
            return false;
        }
        start = value + 1;
        len = (size_t)(close - start);
    } else {
        const char *colon = strchr(value, ':');
        len = colon ? (size_t)(colon - value) : strlen(value);
    }
    if (len > 1 && start[len - 1] == '.') {
        len--;
    }
    if (len == 0 || len >= outlen) {
        return false;
    }
    for (size_t i = 0; i < len; i++) {
        char c = start[i];
        out[i] = (char)(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c);
    }
    out[len] = '\0';
    return true;
}

bool http_guard_is_loopback(const char *name)
{
    static const char suffix[] = ".localhost";
    size_t n = strlen(name);
    if (strcasecmp(name, "localhost") == 0 ||
        (n > sizeof(suffix) - 1 && strcasecmp(name + n - (sizeof(suffix) - 1), suffix) == 0)) {
        return true;
    }
    struct in_addr v4;
    struct in6_addr v6;
    if (inet_pton(AF_INET, name, &v4) == 1) {
        return (ntohl(v4.s_addr) >> 24) == 127;
    }
    if (inet_pton(AF_INET6, name, &v6) == 1) {
        if (IN6_IS_ADDR_LOOPBACK(&v6)) {
            return true;
        }
        /* ::ffff:127.x.y.z */
        return IN6_IS_ADDR_V4MAPPED(&v6) && v6.s6_addr[12] == 127;
    }
    return false;
}

static bool explicitly_allowed(const struct http_guard *g, const char *name)
{
    if (g->bound[0] && strcmp(g->bound, name) == 0) {
        return true;
    }
    for (size_t i = 0; i < g->nallowed; i++) {
        if (strcmp(g->allowed[i], name) == 0) {
            return true;
        }
    }
    return false;
}

static bool host_ok(const struct http_guard *g, const char *host)
{
    char name[NAME_MAX_LEN];
    if (!host) {
        return true;
    }
    if (g->any_host) {
        return true;
    }
    return host_part(host, name, sizeof(name)) &&
           (http_guard_is_loopback(name) || explicitly_allowed(g, name));
}

/* An Origin ("scheme://host[:port]", or "null") is ours when it names the request's own Host,
 * a loopback host, the bound address or an explicitly allowed name. */
static bool origin_ok(const struct http_guard *g, const char *origin, const char *host)
{
    const char *sep = origin ? strstr(origin, "://") : NULL;
    char name[NAME_MAX_LEN];
    if (!origin) {
        return true;
    }
    if (!sep) {
        return false; /* "null" (sandboxed frames, file:) and garbage */
    }
    const char *authority = sep + 3;
    if (host && strcasecmp(authority, host) == 0) {
        return true;
    }
    return host_part(authority, name, sizeof(name)) &&
           (http_guard_is_loopback(name) || explicitly_allowed(g, name));
}

static bool is_json(const char *content_type)
{
    static const char json[] = "application/json";
    if (!content_type || strncasecmp(content_type, json, sizeof(json) - 1) != 0) {
        return false;
    }
    char next = content_type[sizeof(json) - 1];
    return next == '\0' || next == ';' || next == ' ';
}

enum http_guard_verdict http_guard_check(const struct http_guard *g, const char *method,
                                         const char *path, const char *host, const char *origin,
                                         const char *content_type)
{
    if (!host_ok(g, host)) {
        return HTTP_GUARD_HOST;
    }
    if (strcmp(method, "GET") == 0 || strcmp(method, "HEAD") == 0) {
        return HTTP_GUARD_OK;
    }
    if (!origin_ok(g, origin, host)) {
        return HTTP_GUARD_ORIGIN;
    }
    if (strncmp(path, "/api/", 5) == 0 && !is_json(content_type)) {
        return HTTP_GUARD_CONTENT_TYPE;
    }
    return HTTP_GUARD_OK;
}

struct http_guard *http_guard_new(const struct config *cfg)
{
    struct http_guard *g = xcalloc(1, sizeof(*g));
    char host[NAME_MAX_LEN];
    int port;
    if (config_split_address(cfg->http_address, host, sizeof(host), &port) == 0 &&
        strcmp(host, "0.0.0.0") != 0 && strcmp(host, "::") != 0) {
        char bracketed[NAME_MAX_LEN + 2];
        snprintf(bracketed, sizeof(bracketed), strchr(host, ':') ? "[%s]" : "%s", host);
        if (!host_part(bracketed, g->bound, sizeof(g->bound))) {
            g->bound[0] = '\0';
        }
    }
    const char *list = cfg->allow_host ? cfg->allow_host : "";
    while (*list) {
        size_t len = strcspn(list, ",");
        char item[NAME_MAX_LEN];
        char *name = xstrndup(list, len);
        char *trimmed = name + strspn(name, " \t");
        trimmed[strcspn(trimmed, " \t")] = '\0';
        if (strcmp(trimmed, "*") == 0) {
            g->any_host = true;
        } else if (*trimmed) {
            /* A bare IPv6 address is bracketed first so its colons are not read as a port. */
            char bracketed[NAME_MAX_LEN + 2];
            bool v6 = strchr(trimmed, ':') && trimmed[0] != '[' &&
                      strchr(trimmed, ':') != strrchr(trimmed, ':');
            snprintf(bracketed, sizeof(bracketed), v6 ? "[%s]" : "%s", trimmed);
            if (host_part(bracketed, item, sizeof(item))) {
                g->allowed = xrealloc(g->allowed, (g->nallowed + 1) * sizeof(*g->allowed));
                g->allowed[g->nallowed++] = xstrdup(item);
            }
        }
        free(name);
        list += len;
        list += *list == ',';
    }
    return g;
}

void http_guard_free(struct http_guard *g)
{
    if (!g) {
        return;
    }
    for (size_t i = 0; i < g->nallowed; i++) {
        free(g->allowed[i]);
    }
    free(g->allowed);
    free(g);
}
