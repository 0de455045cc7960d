/*
 * http.h - the HTTP server (libmicrohttpd, one thread per connection) and the request/reply
 * types every handler uses. The server gathers the body up to a hard limit, picks a handler from
 * routes.def, and sends what the handler put in its reply. Handlers run on connection threads
 * and may block (a `wait` or an SSE stream holds only its own thread).
 */
#ifndef HTTP_H
#define HTTP_H

#include <jansson.h>

#include "app.h"
#include "buf.h"
#include "metrics.h"

struct MHD_Connection;
struct MHD_Daemon;

struct http_request {
    struct app *app;
    struct MHD_Connection *conn;
    const char *method;
    const char *path;   /* URL path without the query string */
    const char *target; /* X-Amz-Target header, or NULL */
    const char *body;   /* NUL-terminated */
    size_t body_len;
    const char *region; /* from the SigV4 credential scope, else the configured region */
};

/* A streaming body (server-sent events): called repeatedly on the connection thread; writes up
 * to max bytes into out and returns the count, 0 to poll again later, or -1 to end. */
typedef long (*http_stream_fn)(void *ctx, char *out, size_t max);

#define HTTP_MAX_HEADERS 6
struct http_reply {
    unsigned status;
    const char *content_type;
    char *body; /* owned (malloc'd) unless body_static */
    size_t body_len;
    bool body_static;
    const char *header_names[HTTP_MAX_HEADERS];
    char *header_values[HTTP_MAX_HEADERS]; /* owned */
    int nheaders;
    http_stream_fn stream;
    void *stream_ctx;
    void (*stream_free)(void *ctx);
};

typedef void (*http_handler_fn)(struct http_request *req, struct http_reply *rep);

/* Starts listening on cfg->http_address. */
int http_start(struct app *app, struct MHD_Daemon **out) MUST_CHECK;
void http_stop(struct MHD_Daemon *d);

/* Reply helpers (any handler). They replace any body set before. */
void http_reply_json(struct http_reply *rep, unsigned status, json_t *body_steal);
void http_reply_text(struct http_reply *rep, unsigned status, const char *content_type,
                     char *body_steal, size_t len);
void http_reply_static(struct http_reply *rep, unsigned status, const char *content_type,
                       const void *body, size_t len);
void http_add_header(struct http_reply *rep, const char *name, const char *value);

/* The value of a query-string argument, or NULL. Borrowed from the connection. */
const char *http_query(struct http_request *req, const char *name);
/* A request header, or NULL. */
const char *http_header(struct http_request *req, const char *name);

#endif
