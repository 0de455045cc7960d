/*
 * fpattern.h - CloudWatch Logs filter patterns (reference/logs-filter-and-insights.md): compile
 * once, match many. One engine for FilterLogEvents, metric filters, subscription filters and
 * TestMetricFilter. A compiled struct fpattern is immutable: many threads may match with it.
 */
#ifndef FPATTERN_H
#define FPATTERN_H

#include <jansson.h>

#include "fluoro.h"

struct fpattern;

/* Compiles src (the empty string matches everything) into *out (new; free with fpattern_free).
 * Returns ERR_INVALID with err's message/position for an invalid pattern. */
int fpattern_compile(const char *src, struct fpattern **out, struct errbuf *err) MUST_CHECK;

/* True when the log message (len bytes, need not be NUL-terminated) matches. */
bool fpattern_match(const struct fpattern *p, const char *msg, size_t len);

/* For metric filters: on a match, the value of the named field (`$.latency` in JSON patterns or a
 * space-delimited field name) as a number in *value. Returns true when the message matched. */
bool fpattern_match_value(const struct fpattern *p, const char *msg, size_t len, const char *field,
                          double *value, bool *has_value);

/* TestMetricFilter: NULL when the message does not match, else a new object of the values the
 * pattern extracts ("$field" -> text for space-delimited fields, "$.a.b" -> text for each JSON
 * selector that names a value; term and regex patterns extract nothing, so {}). */
json_t *fpattern_extract(const struct fpattern *p, const char *msg, size_t len);

/* Space-separated tokens (maximal runs of ASCII letters and digits, case kept) that every
 * matching message contains whole: a necessary condition the chunk Bloom filters test
 * (logs_chunk.h). NULL when the pattern gives none. Borrowed from p; any thread. */
const char *fpattern_required_terms(const struct fpattern *p);

void fpattern_free(struct fpattern *p);

#endif
