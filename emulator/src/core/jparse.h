/*
 * jparse.h - a fast path for parsing segment documents into jansson values. It takes objects of
 * strings (UTF-8, escapes), numbers, literals, arrays and objects, as jansson's parser does; on
 * anything jansson would reject, and on a few inputs it leaves to jansson (\u0000, numbers
 * strtoll or strtod report ERANGE for, a top level that is not an object, deep nesting) it gives
 * up, and the caller asks jansson, whose answer (value, or error and position) therefore stays
 * the only one clients see. What it returns equals what json_loadb returns for the same bytes,
 * member order included (tests/test_jparse.c checks both over every fixture and many mutations
 * of them). jansson's one pass per byte plus a second over each token was a fifth of fluoro's
 * CPU on UDP ingest. Any thread; no state.
 */
#ifndef JPARSE_H
#define JPARSE_H

#include <jansson.h>

#include "fluoro.h"

/* New reference: the object that text[0..len) holds, or NULL when the fast path gives up (then
 * parse it with json_loadb). */
json_t *jparse_object(const char *text, size_t len);
/* json_loadb with the fast path first: what every caller that parses a stored or received
 * document uses (the value, or jansson's error in *err, may be NULL). New reference or NULL. */
json_t *jparse_loadb(const char *text, size_t len, size_t flags, json_error_t *err);

#endif
