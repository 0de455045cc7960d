/*
 * http_guard.h - who may talk to fluoro's HTTP port. fluoro has no authentication, so a web page
 * in the developer's browser must not be able to use it: requests must name a loopback host (or
 * the bound address, or one --allow-host lists) so DNS rebinding fails; state-changing requests
 * must not come from a foreign Origin; fluoro's own POST routes take only application/json, which
 * a cross-origin page cannot send without a CORS preflight fluoro never grants.
 * Built on the main thread before the server starts; immutable afterwards (any thread reads).
 */
#ifndef HTTP_GUARD_H
#define HTTP_GUARD_H

#include "config.h"

struct http_guard;

enum http_guard_verdict {
    HTTP_GUARD_OK,
    HTTP_GUARD_HOST,         /* Host is not loopback, the bound address or allowed */
    HTTP_GUARD_ORIGIN,       /* a state-changing request from a foreign Origin */
    HTTP_GUARD_CONTENT_TYPE, /* POST /api/v1/... without Content-Type: application/json */
};

/* A new guard from cfg->http_address and cfg->allow_host (comma list; "*" allows any Host). */
struct http_guard *http_guard_new(const struct config *cfg);
void http_guard_free(struct http_guard *g);

/* Checks one request; host, origin and content_type are header values or NULL. */
enum http_guard_verdict http_guard_check(const struct http_guard *g, const char *method,
                                         const char *path, const char *host, const char *origin,
                                         const char *content_type);

/* True when name (a host without port, IPv6 without brackets) is a loopback name or address. */
bool http_guard_is_loopback(const char *name);

#endif
