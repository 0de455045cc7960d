/*
 * logs_validate.c - model validation for the CloudWatch Logs operations (reference/logs-api.md):
 * each operation's member table goes through aws_validate() with the patterns POSIX regex can
 * express, and the model patterns it cannot (\\w, \\p{L}, the log group name class whose "\\-"
 * POSIX would read as a range) are checked here in C and reported with the model's own text.
 *
 * Threads: HTTP connection threads.
 */
#include <stdio.h>
#include <stdlib.h>
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

/* One broken constraint of a Logs member as an InvalidParameterException with AWS's text. */
static bool invalid(struct logs_call *c, const char *what, const char *value,
                    const char *constraint)
{
    json_t *v = json_string_nocheck(value); /* shown as sent, even when not valid UTF-8 */
    char *msg = aws_validation_message(what, v, constraint);
    logs_invalid(c, "%s", msg);
    free(msg);
    json_decref(v);
    return false;
}

bool logs_check(struct logs_call *c, const char *what, const char *value, const char *pattern,
                int min, int max)
{
    size_t len = utf8_len(value);
    char constraint[300];
    if (min >= 0 && len < (size_t)min) {
        snprintf(constraint, sizeof(constraint),
                 "Member must have length greater than or equal to %d", min);
        return invalid(c, what, value, constraint);
    }
    if (max >= 0 && len > (size_t)max) {
        snprintf(constraint, sizeof(constraint), "Member must have length less than or equal to %d",
                 max);
        return invalid(c, what, value, constraint);
    }
    if (pattern && !pattern_ok(value, pattern)) {
        snprintf(constraint, sizeof(constraint),
                 "Member must satisfy regular expression pattern: %s", pattern);
        return invalid(c, what, value, constraint);
    }
    return true;
}

/* Log group and stream names longer than 512 characters are refused by the service ahead of
 * model validation, with one message for both (recorded AWS responses, early 2026, for
 * CreateLogGroup and DeleteMetricFilter). */
static bool names_ok(struct logs_call *c, const struct logs_op *op)
{
    static const char *const names[] = {"logGroupName", "logStreamName"};
    for (size_t k = 0; k < ARRAY_LEN(names); k++) {
        bool modeled = false;
        for (size_t i = 0; i < op->nmembers && !modeled; i++) {
            modeled = strcmp(op->members[i].name, names[k]) == 0;
        }
        const char *v = logs_str(c, names[k]);
        if (modeled && v && utf8_len(v) > 512) {
            return logs_invalid(
                c,
                "Invalid LogGroup or LogStream, both must have length less than or equal to 512.");
        }
    }
    return true;
}

/* aws_validate with POSIX patterns, then the model patterns POSIX cannot express. */
bool logs_validate(struct logs_call *c, const struct logs_op *op)
{
    struct aws_member posix[MAX_MEMBERS] = {{0}};
    size_t n = op->nmembers < MAX_MEMBERS ? op->nmembers : MAX_MEMBERS;
    if (!names_ok(c, op)) {
        return false;
    }
    for (size_t i = 0; i < n; i++) {
        posix[i] = op->members[i];
        if (is_custom(posix[i].pattern)) {
            posix[i].pattern = NULL;
        }
    }
    char *msg = aws_check(c->body, posix, n);
    if (msg) {
        logs_invalid(c, "%s", msg);
        free(msg);
        return false;
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
