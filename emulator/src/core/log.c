/*
 * log.c - logfmt writer for log.h. Each line is formatted into a stack buffer and written with one
 * fputs so concurrent threads do not interleave within a line.
 */
#include "log.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <time.h>

enum log_level log_threshold = LOG_INFO;

static const char *const level_names[] = {"debug", "info", "warn", "error", "off"};

int log_parse_level(const char *s, enum log_level *out)
{
    for (size_t i = 0; i < ARRAY_LEN(level_names); i++) {
        if (strcasecmp(s, level_names[i]) == 0) {
            *out = (enum log_level)i;
            return 0;
        }
    }
    return ERR_INVALID;
}

void log_write(enum log_level lvl, const char *msg, const char *fmt, ...)
{
    char line[1024];
    time_t t = time(NULL);
    struct tm tm;
    gmtime_r(&t, &tm);
    int n = (int)strftime(line, sizeof(line), "ts=%Y-%m-%dT%H:%M:%SZ", &tm);
    n +=
        snprintf(line + n, sizeof(line) - (size_t)n, " level=%s msg=\"%s\"", level_names[lvl], msg);
    if (fmt && *fmt && n < (int)sizeof(line) - 2) {
        line[n++] = ' ';
        va_list ap;
        va_start(ap, fmt);
        int m = vsnprintf(line + n, sizeof(line) - (size_t)n, fmt, ap);
        va_end(ap);
        n = m < 0 ? n : n + m;
    }
    if (n > (int)sizeof(line) - 2) {
        n = (int)sizeof(line) - 2;
    }
    line[n++] = '\n';
    line[n] = '\0';
    fputs(line, stderr);
}

bool log_limiter_allow(struct log_limiter *l, uint64_t *suppressed)
{
    uint64_t now = now_mono_ms();
    uint64_t last = l->last_ms;
    if (last && now - last < 1000) {
        l->suppressed++;
        return false;
    }
    l->last_ms = now;
    *suppressed = l->suppressed;
    l->suppressed = 0;
    return true;
}
