/*
 * log.h - level-checked logfmt logging to stderr. The level is tested before any formatting, so a
 * disabled log_debug costs one comparison. Hot paths use log_ratelimited(), which prints at most
 * once per second per call site and reports how many lines it suppressed.
 * Any thread may log. Payloads (segment documents, log messages) are never logged raw.
 */
#ifndef LOG_H
#define LOG_H

#include "fluoro.h"

enum log_level { LOG_DEBUG, LOG_INFO, LOG_WARN, LOG_ERROR, LOG_OFF };

extern enum log_level log_threshold;

/* Parses "debug|info|warn|error|off"; returns 0 or ERR_INVALID. */
int log_parse_level(const char *s, enum log_level *out) MUST_CHECK;
/* fmt is the logfmt tail after level and msg, e.g. "port=%d". */
void log_write(enum log_level lvl, const char *msg, const char *fmt, ...) PRINTF_LIKE(3, 4);

#define log_at(lvl, msg, ...)                                                                      \
    do {                                                                                           \
        if ((lvl) >= log_threshold) {                                                              \
            log_write((lvl), (msg), __VA_ARGS__);                                                  \
        }                                                                                          \
    } while (0)
#define log_debug(msg, ...) log_at(LOG_DEBUG, msg, __VA_ARGS__)
#define log_info(msg, ...) log_at(LOG_INFO, msg, __VA_ARGS__)
#define log_warn(msg, ...) log_at(LOG_WARN, msg, __VA_ARGS__)
#define log_error(msg, ...) log_at(LOG_ERROR, msg, __VA_ARGS__)

/* Per-call-site limiter state; one static instance per call site. */
struct log_limiter {
    _Atomic uint64_t last_ms;
    _Atomic uint64_t suppressed;
};
/* Returns true when this call site may print now; fills *suppressed with lines skipped since. */
bool log_limiter_allow(struct log_limiter *l, uint64_t *suppressed);

#define log_ratelimited(lvl, msg, fmt, ...)                                                        \
    do {                                                                                           \
        static struct log_limiter lim_;                                                            \
        uint64_t supp_;                                                                            \
        if ((lvl) >= log_threshold && log_limiter_allow(&lim_, &supp_)) {                          \
            log_write((lvl), (msg), fmt " suppressed=%llu", __VA_ARGS__,                           \
                      (unsigned long long)supp_);                                                  \
        }                                                                                          \
    } while (0)

#endif
