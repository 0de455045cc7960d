/*
 * http.c - libmicrohttpd server (see http.h). Threads: libmicrohttpd's listener plus one thread
 * per connection, which runs the handler; handlers may therefore block (long waits, SSE). The
 * request body is gathered into a buf capped at --http-body-limit; a larger body gets 413 in the
 * route's own error format and the connection is closed.
 */
#include "http.h"

#include <arpa/inet.h>
#include <microhttpd.h>
#include <netdb.h>
#include <stdlib.h>
#include <string.h>

#include "aws.h"
#include "log.h"
#include "otlp_http.h"
#include "routes.h"

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
};

void http_add_header(struct http_reply *rep, const char *name, const char *value)
{
    if (rep->nheaders < HTTP_MAX_HEADERS) {
        rep->header_names[rep->nheaders] = name;
        rep->header_values[rep->nheaders] = xstrdup(value);
        rep->nheaders++;
    }
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
    http_stream_fn fn;
    void *ctx;
    void (*free_ctx)(void *);
};

static ssize_t stream_reader(void *cls, uint64_t pos, char *buf, size_t max)
{
    (void)pos;
    struct stream_state *s = cls;
    long n = s->fn(s->ctx, buf, max);
    return n < 0 ? MHD_CONTENT_READER_END_OF_STREAM : (ssize_t)n;
}

static void stream_free(void *cls)
{
    struct stream_state *s = cls;
    if (s->free_ctx) {
        s->free_ctx(s->ctx);
    }
    free(s);
}

static enum MHD_Result send_reply(struct MHD_Connection *conn, struct http_reply *rep)
{
    struct MHD_Response *resp;
    if (rep->stream) {
        struct stream_state *s = xmalloc(sizeof(*s));
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
    enum MHD_Result ret = MHD_queue_response(conn, rep->status, resp);
    MHD_destroy_response(resp);
    return ret;
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *conn, const char *url,
                                  const char *method, const char *version, const char *upload_data,
                                  size_t *upload_data_size, void **state)
{
    (void)version;
    struct app *app = cls;
    struct conn_state *cs = *state;
    if (!cs) {
        cs = xcalloc(1, sizeof(*cs));
        buf_init(&cs->body, (size_t)app->cfg->http_body_limit);
        *state = cs;
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
    };
    req.target = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "X-Amz-Target");
    if (aws_region_from_auth(http_header(&req, "Authorization"), region, sizeof(region))) {
        req.region = region;
    }
    struct http_reply rep = {.status = 200};
    bool path_known = false;
    const struct route *r = find_route(method, url, &path_known);
    if (cs->too_large) {
        too_large(r, &req, &rep, cs->body.limit);
    } else if (!r) {
        not_found(&req, &rep, path_known);
    } else {
        r->handler(&req, &rep);
    }
    metrics_count_http(r ? r->family : METRICS_ROUTE_OTHER, rep.status);
    log_debug("http", "method=%s path=\"%s\" status=%u", method, url, rep.status);
    return send_reply(conn, &rep);
}

static void on_completed(void *cls, struct MHD_Connection *conn, void **state,
                         enum MHD_RequestTerminationCode toe)
{
    (void)cls;
    (void)conn;
    (void)toe;
    struct conn_state *cs = *state;
    if (cs) {
        buf_fini(&cs->body);
        free(cs);
        *state = NULL;
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

int http_start(struct app *app, struct MHD_Daemon **out)
{
    char host[256];
    int port;
    struct addrinfo hints = {
        .ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM, .ai_flags = AI_NUMERICSERV};
    struct addrinfo *ai = NULL;
    char portstr[16];
    *out = NULL;
    if (config_split_address(app->cfg->http_address, host, sizeof(host), &port) < 0) {
        return ERR_INVALID;
    }
    snprintf(portstr, sizeof(portstr), "%d", port);
    if (getaddrinfo(host, portstr, &hints, &ai) != 0 || !ai) {
        log_error("cannot resolve HTTP address", "address=\"%s\"", app->cfg->http_address);
        return ERR_INVALID;
    }
    unsigned flags = MHD_USE_THREAD_PER_CONNECTION | MHD_USE_INTERNAL_POLLING_THREAD |
                     MHD_USE_ERROR_LOG | (ai->ai_family == AF_INET6 ? MHD_USE_IPv6 : 0);
    struct MHD_Daemon *d = MHD_start_daemon(
        flags, (uint16_t)port, NULL, NULL, on_request, app, MHD_OPTION_EXTERNAL_LOGGER, on_mhd_log,
        NULL, MHD_OPTION_SOCK_ADDR, ai->ai_addr, MHD_OPTION_NOTIFY_COMPLETED, on_completed, NULL,
        MHD_OPTION_CONNECTION_LIMIT, 512u, MHD_OPTION_CONNECTION_TIMEOUT, 300u,
        MHD_OPTION_LISTENING_ADDRESS_REUSE, 1u, MHD_OPTION_END);
    freeaddrinfo(ai);
    if (!d) {
        log_error("cannot listen for HTTP", "address=\"%s\"", app->cfg->http_address);
        return ERR_INVALID;
    }
    *out = d;
    return 0;
}

void http_stop(struct MHD_Daemon *d)
{
    if (d) {
        MHD_stop_daemon(d);
    }
}
