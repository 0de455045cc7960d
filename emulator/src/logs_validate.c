/*
 * logs_validate.c - model validation for the CloudWatch Logs operations (reference/logs-api.md):
 * each operation's member table goes through aws_validate() with the patterns POSIX regex can
 * express, and the model patterns it cannot (\\w, \\p{L}, the log group name class whose "\\-"
 * POSIX would read as a range) are checked here in C and reported with the model's own text.
 *
 * Threads: HTTP connection threads.
 */
#include <stdio.h>
#include <string.h>

#include "logs_api_int.h"

#define MAX_MEMBERS 24

const char LOGS_PAT_GROUP[] = "[\\.\\-_/#A-Za-z0-9]+";
const char LOGS_PAT_GROUP_OPT[] = "[\\.\\-_/#A-Za-z0-9]*";
const char LOGS_PAT_IDENT[] = "[\\w#+=/:,.@-]*";
const char LOGS_PAT_ARN[] = "[\\w+=/:,.@-]*";
const char LOGS_PAT_NAME[] = "[^:*]*";
const char LOGS_PAT_METRIC[] = "[^:*$]*";
const char LOGS_PAT_TAGKEY[] = "^([\\p{L}\\p{Z}\\p{N}_.:/=+\\-@]+)$";
const char LOGS_PAT_TAGVAL[] = "^([\\p{L}\\p{Z}\\p{N}_.:/=+\\-@]*)$";

/* Character classes of the model patterns POSIX cannot express; bytes >= 0x80 stand for the
 * \p{L} letters of UTF-8 text. */
static bool pattern_ok(const char *v, const char *pattern)
{
    const char *extra = NULL;
    bool unicode = false;
    if (pattern == LOGS_PAT_GROUP || pattern == LOGS_PAT_GROUP_OPT) {
        extra = ".-_/#";
    } else if (pattern == LOGS_PAT_IDENT) {
        extra = "_#+=/:,.@-";
    } else if (pattern == LOGS_PAT_ARN) {
        extra = "_+=/:,.@-";
    } else if (pattern == LOGS_PAT_TAGKEY || pattern == LOGS_PAT_TAGVAL) {
        extra = " _.:/=+-@";
        unicode = true;
    } else if (pattern == LOGS_PAT_NAME) {
        return strpbrk(v, ":*") == NULL;
    } else if (pattern == LOGS_PAT_METRIC) {
        return strpbrk(v, ":*$") == NULL;
    } else {
        return true;
    }
    for (const unsigned char *p = (const unsigned char *)v; *p; p++) {
        bool ok = (*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
                  (*p >= '0' && *p <= '9') || strchr(extra, *p) || (unicode && *p >= 0x80);
        if (!ok) {
            return false;
        }
    }
    return pattern != LOGS_PAT_GROUP || *v;
}

static bool is_custom(const char *pattern)
{
    return pattern == LOGS_PAT_GROUP || pattern == LOGS_PAT_GROUP_OPT ||
           pattern == LOGS_PAT_IDENT || pattern == LOGS_PAT_ARN || pattern == LOGS_PAT_NAME ||
           pattern == LOGS_PAT_METRIC || pattern == LOGS_PAT_TAGKEY || pattern == LOGS_PAT_TAGVAL;
}

static size_t utf8_len(const char *s)
{
    size_t n = 0;
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        n += (*p & 0xc0) != 0x80;
    }
    return n;
}

bool logs_check(struct logs_call *c, const char *what, const char *value, const char *pattern,
                int min, int max)
{
    size_t len = utf8_len(value);
    char shown[600];
    snprintf(shown, sizeof(shown), "%s", value);
    if (min >= 0 && len < (size_t)min) {
        return logs_invalid(c,
                            "1 validation error detected: Value '%s' at '%s' failed to satisfy "
                            "constraint: Member must have length greater than or equal to %d",
                            shown, what, min);
    }
    if (max >= 0 && len > (size_t)max) {
        return logs_invalid(c,
                            "1 validation error detected: Value '%s' at '%s' failed to satisfy "
                            "constraint: Member must have length less than or equal to %d",
                            shown, what, max);
    }
    if (pattern && !pattern_ok(value, pattern)) {
        return logs_fail(c, "InvalidParameterException",
                         "1 validation error detected: Value '%s' at '%s' failed to satisfy "
                         "constraint: Member must satisfy regular expression pattern: %s",
                         shown, what, pattern);
    }
    return true;
}

/* aws_validate with POSIX patterns, then the model patterns POSIX cannot express. */
bool logs_validate(struct logs_call *c, const struct logs_op *op)
{
    struct aws_member posix[MAX_MEMBERS] = {{0}};
    struct errbuf err = {{0}, -1};
    size_t n = op->nmembers < MAX_MEMBERS ? op->nmembers : MAX_MEMBERS;
    for (size_t i = 0; i < n; i++) {
        posix[i] = op->members[i];
        if (is_custom(posix[i].pattern)) {
            posix[i].pattern = NULL;
        }
    }
    if (aws_validate(c->body, posix, n, &err) < 0) {
        return logs_invalid(c, "%s", err.msg);
    }
    for (size_t i = 0; i < n; i++) {
        const char *v = logs_str(c, op->members[i].name);
        if (v && is_custom(op->members[i].pattern) &&
            !logs_check(c, op->members[i].name, v, op->members[i].pattern, -1, -1)) {
            return false;
        }
    }
    return true;
}
