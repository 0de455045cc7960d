/*
 * jparse.h - a fast path for parsing the common shape of a segment document into jansson values:
 * an object of ASCII strings (with the simple escapes), numbers, literals, arrays and objects.
 * Anything else (a \u escape, a byte outside printable ASCII in a string, a number strtoll or
 * strtod cannot hold exactly, a top level that is not an object, deep nesting, any syntax
 * error) makes it give up, and the caller asks jansson, whose answer (value, or error and
 * position) therefore stays the only one clients see. What it returns equals what json_loadb
 * returns for the same bytes, member order included (tests/test_jparse.c checks both over
 * every fixture and many mutations of them). jansson's one pass per byte plus a second over
 * each token was a fifth of fluoro's CPU on UDP ingest. Any thread; no state.
 */
#ifndef JPARSE_H
#define JPARSE_H

#include <jansson.h>

#include "fluoro.h"

/* New reference: the object that text[0..len) holds, or NULL when the fast path gives up (then
 * parse it with json_loadb). */
json_t *jparse_object(const char *text, size_t len);

#endif
