/*
 * http.h - the HTTP server (libmicrohttpd: epoll and a small thread pool) and the request/reply
 * types every handler uses. The server gathers the body up to a hard limit, picks a handler from
 * routes.def, and sends what the handler put in its reply. Handlers run on pool threads, so they
 * must not block for long: a handler or stream with nothing to say yet parks (http_park, or a
 * stream returning 0) and is called again after the next commit or at its deadline.
 */
#ifndef HTTP_H
#define HTTP_H

#include <jansson.h>

#include "app.h"
#include "buf.h"
#include "metrics.h"

struct MHD_Connection;
struct http_server;

struct http_request {
    struct app *app;
    struct MHD_Connection *conn;
    const char *method;
    const char *path;   /* URL path without the query string */
    const char *target; /* X-Amz-Target header, or NULL */
    const char *body;   /* NUL-terminated */
    size_t body_len;
    const char *region; /* from the SigV4 credential scope, else the configured region */
    void *conn_state;   /* http.c's, for http_saved/http_save */
};

/* When a parked request or stream wants to be called again: after the writer's generation
 * passes `generation` (the one observed before reading), or at deadline_ms (now_mono_ms clock). */
struct http_wake {
    uint64_t generation;
    uint64_t deadline_ms;
};

/* A streaming body (server-sent events): called on a pool thread; writes up to max bytes into
 * out and returns the count, -1 to end, or 0 after filling *wake: the connection is then parked
 * and the function called again when *wake says. It must never block. */
typedef long (*http_stream_fn)(void *ctx, char *out, size_t max, struct http_wake *wake);

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
    bool parked; /* set by http_park: no reply yet */
    struct http_wake wake;
};

typedef void (*http_handler_fn)(struct http_request *req, struct http_reply *rep);

/* Starts listening on cfg->http_address; a port another process holds is an error. Raises
 * RLIMIT_NOFILE to its hard limit so thousands of idle sockets fit. Main thread. */
int http_start(struct app *app, struct http_server **out) MUST_CHECK;
/* Resumes every parked connection, then stops the daemon. NULL is fine. Main thread. */
void http_stop(struct http_server *srv);

/* Instead of replying: park this request until *wake says, then call the handler again with
 * the same request (body, query, and whatever http_save kept). A handler that parks must reply
 * without parking once req->app->stopping is set; the server answers 503 if it parks anyway. */
void http_park(struct http_reply *rep, uint64_t generation, uint64_t deadline_ms);
/* State a parking handler keeps across its calls: http_saved returns what http_save stored
 * (NULL on the first call); the server frees it with free_fn when the request ends. */
void *http_saved(struct http_request *req);
void http_save(struct http_request *req, void *state_steal, void (*free_fn)(void *));

/* Reply helpers (any handler). They replace any body set before. */
void http_reply_json(struct http_reply *rep, unsigned status, json_t *body_steal);
void http_reply_text(struct http_reply *rep, unsigned status, const char *content_type,
                     char *body_steal, size_t len);
void http_reply_static(struct http_reply *rep, unsigned status, const char *content_type,
                       const void *body, size_t len);
void http_add_header(struct http_reply *rep, const char *name, const char *value);
/* Makes rep a server-sent-event stream: 200, text/event-stream, no caching or proxy buffering,
 * the body produced by fn (see http_stream_fn) over ctx, which free_fn releases when the
 * connection ends (steals ctx). Every SSE route starts this way. Connection threads. */
void http_reply_sse(struct http_reply *rep, http_stream_fn fn, void *ctx, void (*free_fn)(void *));

/* The value of a query-string argument, or NULL. Borrowed from the connection. */
const char *http_query(struct http_request *req, const char *name);
/* A request header, or NULL. */
const char *http_header(struct http_request *req, const char *name);

#endif
