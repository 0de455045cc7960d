/*
 * http.c - libmicrohttpd server (see http.h). Threads: a small pool of libmicrohttpd threads,
 * each with its own epoll set, runs every connection's handler; a few hundred or thousand idle
 * sockets cost a file descriptor each, not a thread. Handlers never wait long on a pool thread:
 * a `wait`, a `within_ms` assertion or an SSE stream parks its connection (park.h) and is
 * called again after a commit or at its deadline. Waits for the writer to commit a write are
 * short and do not depend on HTTP, so a full pool cannot deadlock.
 *
 * The request body is gathered into a buf capped at --http-body-limit; a larger body gets 413 in
 * the route's own error format. Every request passes http_guard first (Host, Origin,
 * Content-Type) and every response carries the security headers below.
 */
#include "http.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <microhttpd.h>
#include <netdb.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "aws.h"
#include "http_guard.h"
#include "log.h"
#include "otlp_http.h"
#include "park.h"
#include "routes.h"

enum {
    POOL_THREADS = 8,     /* handler threads; long waits park instead of holding one */
    FD_RESERVE = 128,     /* descriptors kept for SQLite, UDP, epoll and logs */
    SOFT_CAP_MARGIN = 64, /* connections above (limit - margin) get a fast 503 */
    DRAIN_MS = 3000,      /* how long shutdown lets resumed requests finish their answers */
    BUSY_TIMEOUT_S = 300, /* idle timeout once a connection has sent a request */
};

struct http_server {
    struct app *app;
    struct MHD_Daemon *daemon;
    struct parker *parker;
    struct http_guard *guard;
    unsigned limit; /* libmicrohttpd's connection limit */
    _Atomic unsigned open;
    _Atomic unsigned inflight; /* requests begun and not yet completed (incl. parked, SSE) */
    atomic_bool closing;       /* http_stop has begun: new connections are refused */
};

enum match { EXACT, PREFIX };
enum errors { RESTJSON, AWSJSON, API, OTLP };

struct route {
    const char *method;
    const char *path;
    enum match match;
    http_handler_fn handler;
    enum errors errors;
    enum metrics_route family;
};

static const struct route routes[] = {
#define ROUTE(method, path, match, handler, errors, family)                                        \
    {method, path, match, handler, errors, METRICS_ROUTE_##family},
#include "routes.def"
#undef ROUTE
};

struct conn_state {
    struct buf body;
    bool too_large;
    bool started; /* the handler has run at least once (so the request was complete) */
    void *saved;
    void (*saved_free)(void *);
};

void http_park(struct http_reply *rep, uint64_t generation, uint64_t deadline_ms)
{
    rep->parked = true;
    rep->wake = (struct http_wake){generation, deadline_ms};
}

void *http_saved(struct http_request *req)
{
    struct conn_state *cs = req->conn_state;
    return cs->saved;
}

void http_save(struct http_request *req, void *state_steal, void (*free_fn)(void *))
{
    struct conn_state *cs = req->conn_state;
    if (cs->saved_free) {
        cs->saved_free(cs->saved);
    }
    cs->saved = state_steal;
    cs->saved_free = free_fn;
}

void http_add_header(struct http_reply *rep, const char *name, const char *value)
{
    if (rep->nheaders < HTTP_MAX_HEADERS) {
        rep->header_names[rep->nheaders] = name;
        rep->header_values[rep->nheaders] = xstrdup(value);
        rep->nheaders++;
    }
}

void http_reply_sse(struct http_reply *rep, http_stream_fn fn, void *ctx, void (*free_fn)(void *))
{
    rep->status = 200;
    rep->content_type = "text/event-stream; charset=utf-8";
    http_add_header(rep, "Cache-Control", "no-cache");
    http_add_header(rep, "X-Accel-Buffering", "no");
    rep->stream = fn;
    rep->stream_ctx = ctx;
    rep->stream_free = free_fn;
}

static void clear_body(struct http_reply *rep)
{
    if (!rep->body_static) {
        free(rep->body);
    }
    rep->body = NULL;
    rep->body_len = 0;
    rep->body_static = false;
}

void http_reply_text(struct http_reply *rep, unsigned status, const char *content_type,
                     char *body_steal, size_t len)
{
    clear_body(rep);
    rep->status = status;
    rep->content_type = content_type;
    rep->body = body_steal;
    rep->body_len = len;
}

void http_reply_static(struct http_reply *rep, unsigned status, const char *content_type,
                       const void *body, size_t len)
{
    clear_body(rep);
    rep->status = status;
    rep->content_type = content_type;
    rep->body = (char *)body;
    rep->body_len = len;
    rep->body_static = true;
}

void http_reply_json(struct http_reply *rep, unsigned status, json_t *body_steal)
{
    char *text = json_dumps(body_steal, JSON_COMPACT | JSON_REAL_PRECISION(17));
    json_decref(body_steal);
    if (!text) {
        text = xstrdup("{}");
    }
    http_reply_text(rep, status, "application/json", text, strlen(text));
}

const char *http_query(struct http_request *req, const char *name)
{
    return MHD_lookup_connection_value(req->conn, MHD_GET_ARGUMENT_KIND, name);
}

const char *http_header(struct http_request *req, const char *name)
{
    return MHD_lookup_connection_value(req->conn, MHD_HEADER_KIND, name);
}

static bool path_matches(const struct route *r, const char *path)
{
    if (r->match == EXACT) {
        return strcmp(r->path, path) == 0;
    }
    return strncmp(r->path, path, strlen(r->path)) == 0;
}

/* Finds the route; *path_known tells whether some route has this path (for 405 vs 404). */
static const struct route *find_route(const char *method, const char *path, bool *path_known)
{
    *path_known = false;
    for (size_t i = 0; i < ARRAY_LEN(routes); i++) {
        if (path_matches(&routes[i], path)) {
            *path_known = true;
            if (strcmp(routes[i].method, method) == 0) {
                return &routes[i];
            }
        }
    }
    return NULL;
}

/* The error format an unmatched request gets: Logs when it carries a Logs target, fluoro's own
 * under /api/ and for GETs, X-Ray's restJson1 otherwise. */
static void not_found(struct http_request *req, struct http_reply *rep, bool path_known)
{
    unsigned status = path_known ? 405 : 404;
    if (req->target) {
        aws_err_awsjson(rep, 400, "UnknownOperationException", "Unknown operation %s", req->target);
    } else if (strncmp(req->path, "/api/", 5) == 0 || strcmp(req->method, "GET") == 0) {
        api_err(rep, status, path_known ? "MethodNotAllowed" : "NotFound", -1,
                "%s %s is not a fluoro route", req->method, req->path);
    } else {
        aws_err_restjson(rep, status, path_known ? "MethodNotAllowed" : "UnknownOperationException",
                         "No operation at %s %s", req->method, req->path);
    }
}

/* The protocol whose errors a request gets: its route's, else as not_found() chooses. */
static enum errors error_protocol(const struct route *r, const struct http_request *req)
{
    if (r) {
        return r->errors;
    }
    if (req->target) {
        return AWSJSON;
    }
    if (strncmp(req->path, "/api/", 5) == 0 || strcmp(req->method, "GET") == 0 ||
        strcmp(req->method, "HEAD") == 0) {
        return API;
    }
    return RESTJSON;
}

/* One error in the request's own protocol; aws_code for the AWS ones, api_code for fluoro's. */
static void reply_error(enum errors e, struct http_request *req, struct http_reply *rep,
                        unsigned status, const char *aws_code, const char *api_code,
                        const char *msg)
{
    if (e == OTLP) {
        enum otlp_content ct = otlp_content_type(http_header(req, "Content-Type"));
        otlp_http_error(rep, ct ? ct : OTLP_CONTENT_JSON, status, OTLP_REQUEST_REJECT_REFUSED, "%s",
                        msg);
    } else if (e == RESTJSON) {
        aws_err_restjson(rep, status, aws_code, "%s", msg);
    } else if (e == AWSJSON) {
        aws_err_awsjson(rep, status, aws_code, "%s", msg);
    } else {
        api_err(rep, status, api_code, -1, "%s", msg);
    }
}

static const struct {
    unsigned status;
    const char *aws_code, *api_code, *msg;
} guard_errors[] = {
    [HTTP_GUARD_HOST] = {403, "AccessDeniedException", "ForbiddenHost",
                         "the Host header does not name this server; start fluoro with "
                         "--allow-host NAME to accept it"},
    [HTTP_GUARD_ORIGIN] = {403, "AccessDeniedException", "ForbiddenOrigin",
                           "requests that change data are not accepted from another origin"},
    [HTTP_GUARD_CONTENT_TYPE] = {415, "UnsupportedMediaType", "UnsupportedMediaType",
                                 "POST /api/v1 requests need Content-Type: application/json"},
};
_Static_assert(ARRAY_LEN(guard_errors) == HTTP_GUARD_CONTENT_TYPE + 1, "one row per verdict");

static void too_large(const struct route *r, struct http_request *req, struct http_reply *rep,
                      size_t limit)
{
    enum errors e = r ? r->errors : API;
    if (e == OTLP) {
        enum otlp_content ct = otlp_content_type(http_header(req, "Content-Type"));
        otlp_http_error(rep, ct ? ct : OTLP_CONTENT_JSON, 413, OTLP_REQUEST_REJECT_TOO_LARGE,
                        "Request body is larger than the limit of %zu bytes", limit);
    } else if (e == RESTJSON) {
        aws_err_restjson(rep, 413, "InvalidRequestException",
                         "Request body is larger than the limit of %zu bytes", limit);
    } else if (e == AWSJSON) {
        aws_err_awsjson(rep, 413, "InvalidParameterException",
                        "Request body is larger than the limit of %zu bytes", limit);
    } else {
        api_err(rep, 413, "PayloadTooLarge", -1, "request body is larger than %zu bytes", limit);
    }
}

struct stream_state {
    struct http_server *srv;
    struct MHD_Connection *conn;
    http_stream_fn fn;
    void *ctx;
    void (*free_ctx)(void *);
};

static ssize_t stream_reader(void *cls, uint64_t pos, char *buf, size_t max)
{
    (void)pos;
    struct stream_state *s = cls;
    struct http_wake wake = {0};
    long n = s->fn(s->ctx, buf, max, &wake);
    if (n < 0) {
        return MHD_CONTENT_READER_END_OF_STREAM;
    }
    if (n == 0 && !parker_park(s->srv->parker, s->conn, wake.generation, wake.deadline_ms)) {
        return MHD_CONTENT_READER_END_OF_STREAM; /* shutting down */
    }
    return (ssize_t)n;
}

static void stream_free(void *cls)
{
    struct stream_state *s = cls;
    if (s->free_ctx) {
        s->free_ctx(s->ctx);
    }
    free(s);
}

/* Headers every response carries. The UI loads only its own scripts, styles and images, is
 * never framed, and its JSON is never sniffed into HTML. */
static const char *const security_headers[][2] = {
    {"Content-Security-Policy", "default-src 'self'; img-src 'self' data:; object-src 'none'; "
                                "base-uri 'none'; form-action 'self'; frame-ancestors 'none'"},
    {"X-Content-Type-Options", "nosniff"},
    {"X-Frame-Options", "DENY"},
    {"Referrer-Policy", "no-referrer"},
};

static enum MHD_Result send_reply(struct http_server *srv, struct MHD_Connection *conn,
                                  struct http_reply *rep)
{
    struct MHD_Response *resp;
    if (rep->stream) {
        struct stream_state *s = xmalloc(sizeof(*s));
        s->srv = srv;
        s->conn = conn;
        s->fn = rep->stream;
        s->ctx = rep->stream_ctx;
        s->free_ctx = rep->stream_free;
        resp = MHD_create_response_from_callback(MHD_SIZE_UNKNOWN, 16384, stream_reader, s,
                                                 stream_free);
    } else if (rep->body_static) {
        resp = MHD_create_response_from_buffer(rep->body_len, rep->body, MHD_RESPMEM_PERSISTENT);
    } else {
        resp = MHD_create_response_from_buffer(rep->body_len, rep->body ? rep->body : (char *)"",
                                               rep->body ? MHD_RESPMEM_MUST_FREE
                                                         : MHD_RESPMEM_PERSISTENT);
    }
    rep->body = NULL;
    if (!resp) {
        return MHD_NO;
    }
    if (rep->content_type) {
        MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, rep->content_type);
    }
    for (int i = 0; i < rep->nheaders; i++) {
        MHD_add_response_header(resp, rep->header_names[i], rep->header_values[i]);
        free(rep->header_values[i]);
    }
    for (size_t i = 0; i < ARRAY_LEN(security_headers); i++) {
        MHD_add_response_header(resp, security_headers[i][0], security_headers[i][1]);
    }
    enum MHD_Result ret = MHD_queue_response(conn, rep->status, resp);
    MHD_destroy_response(resp);
    return ret;
}

static void free_reply(struct http_reply *rep)
{
    clear_body(rep);
    for (int i = 0; i < rep->nheaders; i++) {
        free(rep->header_values[i]);
    }
    rep->nheaders = 0;
    if (rep->stream_free) {
        rep->stream_free(rep->stream_ctx);
    }
}

/* Runs the guard, the body limit and the route's handler; false when the handler parked. */
static bool dispatch(struct http_server *srv, struct conn_state *cs, struct http_request *req,
                     struct http_reply *rep)
{
    bool path_known = false;
    const struct route *r = find_route(req->method, req->path, &path_known);
    enum http_guard_verdict v = http_guard_check(
        srv->guard, req->method, req->path, http_header(req, "Host"), http_header(req, "Origin"),
        http_header(req, MHD_HTTP_HEADER_CONTENT_TYPE));
    if (v != HTTP_GUARD_OK) {
        reply_error(error_protocol(r, req), req, rep, guard_errors[v].status,
                    guard_errors[v].aws_code, guard_errors[v].api_code, guard_errors[v].msg);
        log_ratelimited(LOG_WARN, "http request refused", "method=%s path=\"%s\" status=%u",
                        req->method, req->path, rep->status);
    } else if (cs->too_large) {
        too_large(r, req, rep, cs->body.limit);
    } else if (!r) {
        not_found(req, rep, path_known);
    } else if (!cs->started && atomic_load(&srv->open) > srv->limit - SOFT_CAP_MARGIN) {
        /* Nearly every connection slot is taken: a fast answer beats a hang in the backlog. */
        reply_error(error_protocol(r, req), req, rep, 503, "ServiceUnavailableException",
                    "TooManyConnections", "too many open connections; try again shortly");
    } else {
        r->handler(req, rep);
        if (rep->parked) {
            return false;
        }
    }
    metrics_count_http(r ? r->family : METRICS_ROUTE_OTHER, rep->status);
    log_debug("http", "method=%s path=\"%s\" status=%u", req->method, req->path, rep->status);
    return true;
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *conn, const char *url,
                                  const char *method, const char *version, const char *upload_data,
                                  size_t *upload_data_size, void **state)
{
    (void)version;
    struct http_server *srv = cls;
    struct app *app = srv->app;
    struct conn_state *cs = *state;
    if (!cs) {
        cs = xcalloc(1, sizeof(*cs));
        buf_init(&cs->body, (size_t)app->cfg->http_body_limit);
        *state = cs;
        atomic_fetch_add(&srv->inflight, 1);
        return MHD_YES;
    }
    if (*upload_data_size) {
        if (!cs->too_large && buf_append(&cs->body, upload_data, *upload_data_size) < 0) {
            cs->too_large = true;
        }
        *upload_data_size = 0;
        return MHD_YES;
    }
    char region[64];
    struct http_request req = {
        .app = app,
        .conn = conn,
        .method = method,
        .path = url,
        .body = cs->body.data ? cs->body.data : "",
        .body_len = cs->body.len,
        .region = app->cfg->region,
        .conn_state = cs,
    };
    req.target = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "X-Amz-Target");
    if (aws_region_from_auth(http_header(&req, "Authorization"), region, sizeof(region))) {
        req.region = region;
    }
    if (!cs->started) {
        /* A complete request may take long to answer and send (an export to a slow reader);
         * until one is complete the connection has the short --http-idle-timeout. */
        MHD_set_connection_option(conn, MHD_CONNECTION_OPTION_TIMEOUT, (unsigned)BUSY_TIMEOUT_S);
    }
    struct http_reply rep = {.status = 200};
    if (!dispatch(srv, cs, &req, &rep)) {
        cs->started = true;
        free_reply(&rep);
        if (parker_park(srv->parker, conn, rep.wake.generation, rep.wake.deadline_ms)) {
            return MHD_YES;
        }
        rep = (struct http_reply){.status = 200};
        reply_error(error_protocol(NULL, &req), &req, &rep, 503, "ServiceUnavailableException",
                    "ShuttingDown", "fluoro is shutting down");
    }
    cs->started = true;
    return send_reply(srv, conn, &rep);
}

static void on_completed(void *cls, struct MHD_Connection *conn, void **state,
                         enum MHD_RequestTerminationCode toe)
{
    struct http_server *srv = cls;
    struct conn_state *cs = *state;
    if (toe == MHD_REQUEST_TERMINATED_COMPLETED_OK) {
        /* Back to the short timeout until the next request on this connection is complete. */
        MHD_set_connection_option(conn, MHD_CONNECTION_OPTION_TIMEOUT,
                                  (unsigned)srv->app->cfg->http_idle_timeout_s);
    }
    if (cs) {
        if (cs->saved_free) {
            cs->saved_free(cs->saved);
        }
        buf_fini(&cs->body);
        free(cs);
        *state = NULL;
        atomic_fetch_sub(&srv->inflight, 1);
    }
}

/* Counts open connections for the soft cap. */
static void on_connection(void *cls, struct MHD_Connection *conn, void **socket_context,
                          enum MHD_ConnectionNotificationCode toe)
{
    (void)conn;
    (void)socket_context;
    struct http_server *srv = cls;
    if (toe == MHD_CONNECTION_NOTIFY_STARTED) {
        atomic_fetch_add(&srv->open, 1);
    } else {
        atomic_fetch_sub(&srv->open, 1);
    }
}

static void on_mhd_log(void *cls, const char *fmt, va_list ap)
{
    (void)cls;
    char msg[512];
    vsnprintf(msg, sizeof(msg), fmt, ap);
    msg[strcspn(msg, "\n")] = '\0';
    log_ratelimited(LOG_WARN, "libmicrohttpd", "detail=\"%s\"", msg);
}

/* Raises the soft descriptor limit to the hard one; returns the resulting soft limit. */
static rlim_t raise_nofile(void)
{
    struct rlimit rl;
    if (getrlimit(RLIMIT_NOFILE, &rl) != 0) {
        return 1024;
    }
    if (rl.rlim_cur < rl.rlim_max) {
        rl.rlim_cur = rl.rlim_max;
        if (setrlimit(RLIMIT_NOFILE, &rl) != 0) {
            (void)getrlimit(RLIMIT_NOFILE, &rl);
        }
    }
    return rl.rlim_cur;
}

/* Binds and listens on ai exclusively (SO_REUSEADDR only lets a restart reuse a TIME_WAIT
 * port; without SO_REUSEPORT a second fluoro gets EADDRINUSE). Returns the socket or -1. */
static int listen_on(const struct addrinfo *ai, const char *address)
{
    int one = 1;
    int fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    if (fd < 0) {
        log_error("cannot create the HTTP socket", "error=\"%s\"", strerror(errno));
        return -1;
    }
    (void)setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
    if (ai->ai_family == AF_INET6) {
        (void)setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one));
    }
    if (bind(fd, ai->ai_addr, ai->ai_addrlen) != 0 || listen(fd, SOMAXCONN) != 0) {
        int err = errno;
        if (err == EADDRINUSE) {
            char msg[320];
            snprintf(msg, sizeof(msg), "address %s is in use", address);
            log_error(msg, "protocol=tcp hint=\"%s\"",
                      "another process (another fluoro?) listens there; pick another port");
        } else {
            log_error("cannot listen for HTTP", "address=\"%s\" error=\"%s\"", address,
                      strerror(err));
        }
        close(fd);
        return -1;
    }
    return fd;
}

/* libmicrohttpd's accept policy: once http_stop has begun, a new connection is closed at once. */
static enum MHD_Result on_accept(void *cls, const struct sockaddr *addr, socklen_t len)
{
    (void)addr;
    (void)len;
    struct http_server *srv = cls;
    return atomic_load(&srv->closing) ? MHD_NO : MHD_YES;
}

int http_start(struct app *app, struct http_server **out)
{
    char host[256];
    int port;
    struct addrinfo hints = {
        .ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM, .ai_flags = AI_NUMERICSERV};
    struct addrinfo *ai = NULL;
    char portstr[16];
    struct http_server *srv = NULL;
    int fd = -1;
    int rc = ERR_INVALID;
    *out = NULL;
    if (config_split_address(app->cfg->http_address, host, sizeof(host), &port) < 0) {
        goto out;
    }
    snprintf(portstr, sizeof(portstr), "%d", port);
    if (getaddrinfo(host, portstr, &hints, &ai) != 0 || !ai) {
        log_error("cannot resolve HTTP address", "address=\"%s\"", app->cfg->http_address);
        goto out;
    }
    fd = listen_on(ai, app->cfg->http_address);
    if (fd < 0) {
        goto out;
    }
    rlim_t nofile = raise_nofile();
    srv = xcalloc(1, sizeof(*srv));
    srv->app = app;
    srv->guard = http_guard_new(app->cfg);
    srv->parker = parker_start(app->writer);
    srv->limit = nofile > FD_RESERVE + 2 * SOFT_CAP_MARGIN ? (unsigned)(nofile - FD_RESERVE)
                                                           : 2 * SOFT_CAP_MARGIN;
    unsigned flags = MHD_USE_EPOLL_INTERNAL_THREAD | MHD_ALLOW_SUSPEND_RESUME | MHD_USE_ERROR_LOG |
                     (ai->ai_family == AF_INET6 ? MHD_USE_IPv6 : 0);
    srv->daemon = MHD_start_daemon(
        flags, (uint16_t)port, on_accept, srv, on_request, srv, MHD_OPTION_EXTERNAL_LOGGER,
        on_mhd_log, NULL, MHD_OPTION_LISTEN_SOCKET, fd, MHD_OPTION_NOTIFY_COMPLETED, on_completed,
        srv, MHD_OPTION_NOTIFY_CONNECTION, on_connection, srv, MHD_OPTION_THREAD_POOL_SIZE,
        (unsigned)POOL_THREADS, MHD_OPTION_CONNECTION_LIMIT, srv->limit,
        MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)app->cfg->http_idle_timeout_s, MHD_OPTION_END);
    if (!srv->daemon) {
        log_error("cannot start the HTTP server", "address=\"%s\"", app->cfg->http_address);
        goto out;
    }
    fd = -1; /* the daemon's now */
    log_debug("http server started", "threads=%d connection_limit=%u idle_timeout_s=%lld",
              POOL_THREADS, srv->limit, (long long)app->cfg->http_idle_timeout_s);
    *out = srv;
    srv = NULL;
    rc = 0;
out:
    if (fd >= 0) {
        close(fd);
    }
    if (ai) {
        freeaddrinfo(ai);
    }
    http_stop(srv);
    return rc;
}

void http_stop(struct http_server *srv)
{
    if (!srv) {
        return;
    }
    /* Parked connections must all be resumed before MHD_stop_daemon (microhttpd.h), and they
     * should get their answers (a `wait` its 408, an assertion its verdict, SSE its end), so
     * new connections are refused, the parked resumed, and in-flight requests given a moment.
     * Refused by the accept policy, not MHD_quiesce_daemon: with a thread pool in epoll mode,
     * quiesce and a worker that has seen the quiesce flag both take the listen socket out of
     * the worker's epoll set, and the loser's ENOENT is a libmicrohttpd panic (abort at exit). */
    atomic_store(&srv->closing, true);
    parker_close(srv->parker);
    uint64_t until = now_mono_ms() + DRAIN_MS;
    while (srv->daemon && atomic_load(&srv->inflight) > 0 && now_mono_ms() < until) {
        struct timespec ts = {0, 10 * 1000000L};
        nanosleep(&ts, NULL);
    }
    if (srv->daemon) {
        MHD_stop_daemon(srv->daemon);
    }
    parker_free(srv->parker);
    http_guard_free(srv->guard);
    free(srv);
}
