/*
 * logs_putjson.h - a PutLogEvents body parser for the shape every SDK and agent sends, so the
 * HTTP thread does not build a jansson object per event (which cost about two thirds of ingest
 * CPU, bench/README.md). Anything else is declined and parsed by jansson as before, so error
 * texts and edge cases stay exactly jansson's. Pure code; any thread.
 */
#ifndef LOGS_PUTJSON_H
#define LOGS_PUTJSON_H

#include <jansson.h>

#include "logs_db.h"

struct logs_putjson {
    json_t *members;          /* the top-level members other than logEvents, all strings */
    struct logs_db_event *ev; /* n events; messages are NUL-terminated in arena */
    size_t n;
    char *arena;
};

/* Parses body when it is a JSON object whose members are strings, except logEvents: an array of
 * 1..max_events objects holding exactly an integer "timestamp" and a string "message" each, no
 * key twice, no \u0000, valid UTF-8. Returns true with *out filled (release it with
 * logs_putjson_fini), false with nothing to release otherwise. */
bool logs_putjson_parse(const char *body, size_t len, size_t max_events, struct logs_putjson *out);
void logs_putjson_fini(struct logs_putjson *p);

#endif
