/*
 * logs_insights_eval.c - Insights values, records and expression evaluation (reference
 * logs-filter-and-insights.md B2, B4): the fields of an event (system fields and discovered JSON
 * fields), comparison and the natural sort order, and the scalar functions. Regular
 * expressions live in logs_insights_regex.c.
 *
 * Threads: any; records and values belong to the thread evaluating them.
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <jansson.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "logs_insights_int.h"

#define MAX_JSON_FIELDS 1000

void ival_free(struct ival *v)
{
    free(v->str);
    v->str = NULL;
    v->t = IV_NULL;
}

struct ival ival_copy(const struct ival *v)
{
    struct ival c = *v;
    c.str = v->str ? xstrdup(v->str) : NULL;
    return c;
}

struct ival ival_str(const char *s)
{
    return (struct ival){.t = IV_STR, .str = xstrdup(s)};
}

struct ival ival_num(double x)
{
    return (struct ival){.t = isfinite(x) ? IV_NUM : IV_NULL, .num = x};
}

/* Beyond +-8.64e15 ms (the ECMAScript date range, year 275760) a time is null: it could not be
 * printed, and converting such a double to int64_t is undefined. */
#define MAX_TIME_MS 8.64e15

struct ival ival_time(double ms)
{
    if (!(ms >= -MAX_TIME_MS && ms <= MAX_TIME_MS)) {
        return (struct ival){0};
    }
    return (struct ival){.t = IV_TIME, .num = ms};
}

void logs_insights_format_time(int64_t ms, char out[32])
{
    time_t secs = (time_t)(ms >= 0 ? ms / 1000 : (ms - 999) / 1000);
    int frac = (int)(ms - (int64_t)secs * 1000);
    struct tm tm;
    gmtime_r(&secs, &tm);
    strftime(out, 24, "%Y-%m-%d %H:%M:%S", &tm);
    size_t n = strlen(out);
    snprintf(out + n, 32 - n, ".%03d", frac % 1000);
}

static char *num_text(double x)
{
    if (x == floor(x) && fabs(x) < 1e15) {
        return xasprintf("%.0f", x);
    }
    return xasprintf("%.15g", x);
}

char *ival_text(const struct ival *v)
{
    char buf[32];
    switch (v->t) {
    case IV_NUM:
        return num_text(v->num);
    case IV_TIME:
        logs_insights_format_time((int64_t)v->num, buf);
        return xstrdup(buf);
    case IV_STR:
        return xstrdup(v->str);
    case IV_NULL:
        break;
    }
    return NULL;
}

static bool parse_number(const char *s, double *out)
{
    char *end = NULL;
    while (isspace((unsigned char)*s)) {
        s++;
    }
    if (!*s) {
        return false;
    }
    *out = strtod(s, &end);
    while (end && isspace((unsigned char)*end)) {
        end++;
    }
    return end && *end == '\0' && isfinite(*out);
}

bool ival_number(const struct ival *v, double *out)
{
    if (v->t == IV_NUM || v->t == IV_TIME) {
        *out = v->num;
        return true;
    }
    return v->t == IV_STR && parse_number(v->str, out);
}

/* Chunk-wise comparison: digit runs by length then value, other characters by byte. */
static int natural_strcmp(const char *a, const char *b)
{
    while (*a && *b) {
        if (isdigit((unsigned char)*a) && isdigit((unsigned char)*b)) {
            const char *sa = a, *sb = b;
            while (*sa == '0' && isdigit((unsigned char)sa[1])) {
                sa++;
            }
            while (*sb == '0' && isdigit((unsigned char)sb[1])) {
                sb++;
            }
            size_t la = strspn(sa, "0123456789"), lb = strspn(sb, "0123456789");
            if (la != lb) {
                return la < lb ? -1 : 1;
            }
            int c = strncmp(sa, sb, la);
            if (c) {
                return c;
            }
            a = sa + la;
            b = sb + lb;
            continue;
        }
        if (*a != *b) {
            return (unsigned char)*a < (unsigned char)*b ? -1 : 1;
        }
        a++;
        b++;
    }
    return *a ? 1 : *b ? -1 : 0;
}

int ival_compare(const struct ival *a, const struct ival *b)
{
    if (a->t == IV_NULL || b->t == IV_NULL) {
        return (a->t == IV_NULL) - (b->t == IV_NULL);
    }
    double x = 0, y = 0;
    bool xn = ival_number(a, &x), yn = ival_number(b, &y);
    if (xn && yn) {
        return x < y ? -1 : x > y ? 1 : 0;
    }
    if (xn != yn) {
        return xn ? 1 : -1; /* non-numeric values sort before numbers (reference B3) */
    }
    char *ta = ival_text(a), *tb = ival_text(b);
    int c = natural_strcmp(ta, tb);
    free(ta);
    free(tb);
    return c;
}

/* Equality for = != in: numerically when both are numbers, else as text. */
static bool ival_equal(const struct ival *a, const struct ival *b)
{
    if (a->t == IV_NULL || b->t == IV_NULL) {
        return false;
    }
    double x = 0, y = 0;
    if (ival_number(a, &x) && ival_number(b, &y)) {
        return x == y;
    }
    char *ta = ival_text(a), *tb = ival_text(b);
    bool eq = strcmp(ta, tb) == 0;
    free(ta);
    free(tb);
    return eq;
}

void irec_init(struct irec *r)
{
    memset(r, 0, sizeof(*r));
}

void irec_fini(struct irec *r)
{
    for (size_t i = 0; i < r->n; i++) {
        free(r->kv[i].name);
        ival_free(&r->kv[i].v);
    }
    free(r->kv);
    memset(r, 0, sizeof(*r));
}

const struct ival *irec_get(const struct irec *r, const char *name)
{
    for (size_t i = 0; i < r->n; i++) {
        if (strcmp(r->kv[i].name, name) == 0) {
            return &r->kv[i].v;
        }
    }
    return NULL;
}

void irec_set(struct irec *r, const char *name, struct ival v)
{
    for (size_t i = 0; i < r->n; i++) {
        if (strcmp(r->kv[i].name, name) == 0) {
            ival_free(&r->kv[i].v);
            r->kv[i].v = v;
            return;
        }
    }
    if (r->n == r->cap) {
        r->cap = r->cap ? r->cap * 2 : 16;
        r->kv = xrealloc(r->kv, r->cap * sizeof(*r->kv));
    }
    r->kv[r->n].name = xstrdup(name);
    r->kv[r->n++].v = v;
}

/* Flattens a JSON value into dotted field names (arrays by index, reference B1). */
static void flatten(struct irec *r, const char *prefix, json_t *v, size_t *count)
{
    if (*count >= MAX_JSON_FIELDS) {
        return;
    }
    if (json_is_object(v)) {
        const char *k;
        json_t *child;
        json_object_foreach(v, k, child)
        {
            /* A discovered name already starting with @ gets another @ (reference B2). */
            char *name = *prefix ? xasprintf("%s.%s", prefix, k)
                                 : xasprintf("%s%s", k[0] == '@' ? "@" : "", k);
            flatten(r, name, child, count);
            free(name);
        }
        return;
    }
    if (json_is_array(v)) {
        size_t i;
        json_t *child;
        json_array_foreach(v, i, child)
        {
            char *name = xasprintf("%s.%zu", prefix, i);
            flatten(r, name, child, count);
            free(name);
        }
        return;
    }
    if (!*prefix) {
        return;
    }
    (*count)++;
    if (json_is_string(v)) {
        irec_set(r, prefix, ival_str(json_string_value(v)));
    } else if (json_is_number(v)) {
        irec_set(r, prefix, ival_num(json_number_value(v)));
    } else if (json_is_boolean(v)) {
        irec_set(r, prefix, ival_str(json_is_true(v) ? "true" : "false"));
    }
}

void irec_from_event(struct irec *r, const struct logs_insights_event *ev)
{
    irec_init(r);
    r->ts = ev->ts;
    irec_set(r, "@timestamp", ival_time((double)ev->ts));
    char *msg = xstrndup(ev->message, ev->len);
    irec_set(r, "@message", (struct ival){.t = IV_STR, .str = msg});
    irec_set(r, "@logStream", ival_str(ev->stream));
    irec_set(r, "@log", ival_str(ev->log));
    irec_set(r, "@ingestionTime", ival_time((double)ev->ingest_ts));
    if (ev->ptr) {
        irec_set(r, "@ptr", ival_str(ev->ptr));
    }
    size_t i = 0;
    while (i < ev->len && isspace((unsigned char)ev->message[i])) {
        i++;
    }
    if (i < ev->len && ev->message[i] == '{') {
        json_t *doc = json_loadb(ev->message, ev->len, 0, NULL);
        size_t count = 0;
        if (doc) {
            flatten(r, "", doc, &count);
            json_decref(doc);
        }
    }
}

void logs_insights_event_fields(const struct logs_insights_event *ev,
                                void (*fn)(void *arg, const char *field, const char *value),
                                void *arg)
{
    struct irec r;
    irec_from_event(&r, ev);
    for (size_t i = 0; i < r.n; i++) {
        if (strcmp(r.kv[i].name, "@ptr") == 0) {
            continue;
        }
        /* GetLogRecord shows times as millisecond strings (reference B5). */
        char *text =
            r.kv[i].v.t == IV_TIME ? xasprintf("%.0f", r.kv[i].v.num) : ival_text(&r.kv[i].v);
        if (text) {
            fn(arg, r.kv[i].name, text);
        }
        free(text);
    }
    irec_fini(&r);
}

bool inode_truthy(const struct ival *v)
{
    switch (v->t) {
    case IV_NUM:
        return v->num != 0;
    case IV_TIME:
        return true;
    case IV_STR:
        return *v->str && strcmp(v->str, "false") != 0;
    case IV_NULL:
        break;
    }
    return false;
}

/* ---- evaluation ---- */

char *inode_eval_text(const struct inode *e, const struct irec *r)
{
    struct ival v = inode_eval(e, r);
    char *t = ival_text(&v);
    ival_free(&v);
    return t;
}

bool inode_eval_number(const struct inode *e, const struct irec *r, double *x)
{
    struct ival v = inode_eval(e, r);
    bool ok = ival_number(&v, x);
    ival_free(&v);
    return ok;
}

struct ival ival_bool(bool b)
{
    return ival_num(b ? 1 : 0);
}

static struct ival arith(enum iop op, const struct ival *a, const struct ival *b)
{
    double x = 0, y = 0;
    if (!ival_number(a, &x) || !ival_number(b, &y)) {
        return (struct ival){0};
    }
    switch (op) {
    case OP_ADD:
        return ival_num(x + y);
    case OP_SUB:
        return ival_num(x - y);
    case OP_MUL:
        return ival_num(x * y);
    case OP_DIV:
        return y == 0 ? (struct ival){0} : ival_num(x / y);
    case OP_MOD:
        return y == 0 ? (struct ival){0} : ival_num(fmod(x, y));
    case OP_POW:
        return ival_num(pow(x, y));
    default:
        break;
    }
    return (struct ival){0};
}

static bool like(const struct inode *e, const struct irec *r)
{
    char *s = inode_eval_text(e->args[0], r);
    bool hit = false;
    if (s && e->args[1]->kind == IN_REGEX) {
        hit = rx_search(e->args[1]->regex, s, strlen(s));
    } else if (s) {
        char *needle = inode_eval_text(e->args[1], r);
        hit = needle && strstr(s, needle);
        free(needle);
    }
    free(s);
    return hit;
}

struct ival inode_eval(const struct inode *e, const struct irec *r)
{
    switch (e->kind) {
    case IN_NUM:
        return ival_num(e->num);
    case IN_STR:
        return ival_str(e->str);
    case IN_REGEX:
        return (struct ival){0};
    case IN_FIELD: {
        const struct ival *v = irec_get(r, e->str);
        return v ? ival_copy(v) : (struct ival){0};
    }
    case IN_NOT: {
        struct ival v = inode_eval(e->args[0], r);
        bool t = inode_truthy(&v);
        ival_free(&v);
        return ival_bool(!t);
    }
    case IN_NEG: {
        double x = 0;
        return inode_eval_number(e->args[0], r, &x) ? ival_num(-x) : (struct ival){0};
    }
    case IN_LIKE:
        return ival_bool(like(e, r) != e->negate);
    case IN_IN: {
        struct ival v = inode_eval(e->args[0], r);
        bool found = false;
        for (size_t i = 1; i < e->nargs && !found; i++) {
            struct ival w = inode_eval(e->args[i], r);
            found = ival_equal(&v, &w);
            ival_free(&w);
        }
        bool present = v.t != IV_NULL;
        ival_free(&v);
        return ival_bool(present && found != e->negate);
    }
    case IN_CALL:
        if (e->aggregate) {
            char key[40];
            logs_insights_agg_key(e, key);
            const struct ival *v = irec_get(r, key);
            return v ? ival_copy(v) : (struct ival){0};
        }
        return logs_insights_fn_call(e, r);
    case IN_BINARY:
        break;
    }
    if (e->op == OP_AND || e->op == OP_OR) {
        struct ival a = inode_eval(e->args[0], r);
        bool t = inode_truthy(&a);
        ival_free(&a);
        if (t == (e->op == OP_OR)) {
            return ival_bool(t);
        }
        struct ival b = inode_eval(e->args[1], r);
        t = inode_truthy(&b);
        ival_free(&b);
        return ival_bool(t);
    }
    struct ival a = inode_eval(e->args[0], r), b = inode_eval(e->args[1], r), out = {0};
    if (e->op >= OP_EQ && e->op <= OP_GE) {
        bool res = false;
        if (a.t != IV_NULL && b.t != IV_NULL) {
            int c = e->op == OP_EQ || e->op == OP_NE ? (ival_equal(&a, &b) ? 0 : 1)
                                                     : ival_compare(&a, &b);
            res = e->op == OP_EQ   ? c == 0
                  : e->op == OP_NE ? c != 0
                  : e->op == OP_LT ? c < 0
                  : e->op == OP_LE ? c <= 0
                  : e->op == OP_GT ? c > 0
                                   : c >= 0;
        }
        out = ival_bool(res);
    } else {
        out = arith(e->op, &a, &b);
    }
    ival_free(&a);
    ival_free(&b);
    return out;
}
