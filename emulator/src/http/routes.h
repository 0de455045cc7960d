/*
 * routes.h - the handlers named in routes.def, declared in one place so the route table can be
 * checked by the compiler. Each handler runs on an HTTP connection thread.
 */
#ifndef ROUTES_H
#define ROUTES_H

#include "http.h"

#define ROUTE(method, path, match, handler, errors, family)                                        \
    void handler(struct http_request *req, struct http_reply *rep);
#include "routes.def"
#undef ROUTE

#endif
