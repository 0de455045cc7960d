/*
 * api_v1_ci.h - the CI half of fluoro's /api/v1 (api_v1_ci.c): assert, load, export (routes.def),
 * and the ?normalize= hook of GET /api/v1/traces/{id}. HTTP connection threads.
 */
#ifndef API_V1_CI_H
#define API_V1_CI_H

#include <jansson.h>

#include "http.h"

/* Applies the request's ?normalize= argument (1 or "structure"; anything else leaves it alone)
 * to an assembled trace in place (normalize.h). trace is borrowed. */
void api_ci_normalize(struct http_request *req, json_t *trace);

#endif
