/*
 * logs_insights_fn.c - the scalar functions of Logs Insights (reference logs-filter-and-insights.md
 * B4) as one table of {name, argument counts, how the first argument is read, function}: the
 * parser accepts exactly its names (logs_insights_fn_known) and inode_eval calls through it
 * (logs_insights_fn_call). A call with an argument count outside the entry's range is NULL, as is a
 * function whose first argument is missing, unless the entry says it answers that case.
 *
 * Threads: any; the table is read-only and values belong to the thread evaluating them.
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "logs_insights_int.h"

/* Appends s to the growable string *out (length *n, capacity *cap). */
static void put(char **out, size_t *n, size_t *cap, const char *s)
{
    size_t len = strlen(s);
    if (*n + len + 1 > *cap) {
        *cap = (*n + len + 1) * 2;
        *out = xrealloc(*out, *cap);
    }
    memcpy(*out + *n, s, len + 1);
    *n += len;
}

static bool ip_parse(const char *s, unsigned char out[16], int *family)
{
    if (inet_pton(AF_INET, s, out) == 1) {
        *family = AF_INET;
        return true;
    }
    if (inet_pton(AF_INET6, s, out) == 1) {
        *family = AF_INET6;
        return true;
    }
    return false;
}

static bool in_subnet(const char *ip, const char *cidr, int want)
{
    unsigned char a[16], b[16];
    int fa = 0, fb = 0;
    char net[64];
    const char *slash = strchr(cidr, '/');
    if (!slash || (size_t)(slash - cidr) >= sizeof(net)) {
        return false;
    }
    snprintf(net, sizeof(net), "%.*s", (int)(slash - cidr), cidr);
    int bits = atoi(slash + 1);
    if (!ip_parse(ip, a, &fa) || !ip_parse(net, b, &fb) || fa != fb || (want && fa != want)) {
        return false;
    }
    int max = fa == AF_INET ? 32 : 128;
    if (bits < 0 || bits > max) {
        return false;
    }
    for (int i = 0; i < bits; i++) {
        int bit = 7 - i % 8;
        if (((a[i / 8] >> bit) & 1) != ((b[i / 8] >> bit) & 1)) {
            return false;
        }
    }
    return true;
}

static char *trim(const char *s, const char *chars, bool left, bool right)
{
    const char *set = chars ? chars : " \t\r\n";
    size_t start = 0, end = strlen(s);
    while (left && start < end && strchr(set, s[start])) {
        start++;
    }
    while (right && end > start && strchr(set, s[end - 1])) {
        end--;
    }
    return xstrndup(s + start, end - start);
}

static char *replace_all(const char *s, const char *search, const char *repl)
{
    size_t sl = strlen(search), n = 0, cap = strlen(s) + 1;
    char *out = xmalloc(cap);
    out[0] = '\0';
    if (sl == 0) {
        free(out);
        return xstrdup(s);
    }
    for (const char *p = s; *p;) {
        const char *hit = strstr(p, search);
        size_t keep = hit ? (size_t)(hit - p) : strlen(p);
        char *chunk = xstrndup(p, keep);
        put(&out, &n, &cap, chunk);
        free(chunk);
        if (!hit) {
            break;
        }
        put(&out, &n, &cap, repl);
        p = hit + sl;
    }
    return out;
}

/* One call of a scalar function: its node and record, and for the functions that take a first
 * argument (FN_TEXT) that argument evaluated once, as text and, when it is one, as a number. */
struct fcall {
    const struct inode *e;
    const struct irec *r;
    const char *f;
    size_t n;
    const char *s; /* FN_TEXT: the first argument as text, NULL when missing */
    bool an;       /* FN_TEXT: the first argument is a number, x */
    double x;
};

static struct ival fn_ispresent(const struct fcall *c)
{
    struct ival v = inode_eval(c->e->args[0], c->r);
    bool present = v.t != IV_NULL;
    ival_free(&v);
    return ival_bool(present);
}

static struct ival fn_coalesce(const struct fcall *c)
{
    for (size_t i = 0; i < c->n; i++) {
        struct ival v = inode_eval(c->e->args[i], c->r);
        if (v.t != IV_NULL) {
            return v;
        }
    }
    return (struct ival){0};
}

static struct ival fn_greatest_least(const struct fcall *c)
{
    bool any = false, most = c->f[0] == 'g';
    double best = 0, x = 0;
    for (size_t i = 0; i < c->n; i++) {
        if (inode_eval_number(c->e->args[i], c->r, &x)) {
            best = !any ? x : most ? fmax(best, x) : fmin(best, x);
            any = true;
        }
    }
    return any ? ival_num(best) : (struct ival){0};
}

static struct ival fn_concat(const struct fcall *c)
{
    char *out = xstrdup("");
    size_t len = 0, cap = 1;
    for (size_t i = 0; i < c->n; i++) {
        char *t = inode_eval_text(c->e->args[i], c->r);
        if (t) {
            put(&out, &len, &cap, t);
        }
        free(t);
    }
    return (struct ival){.t = IV_STR, .str = out};
}

static struct ival fn_bin(const struct fcall *c)
{
    double x = 0;
    if (!inode_eval_number(c->e->args[0], c->r, &x) || x <= 0) {
        return (struct ival){0};
    }
    return ival_time(floor((double)c->r->ts / x) * x);
}

static struct ival fn_now(const struct fcall *c)
{
    (void)c;
    return ival_time((double)now_epoch_ms());
}

static struct ival fn_isempty_isblank(const struct fcall *c)
{
    bool empty = !c->s || !*c->s;
    if (!empty && c->f[2] == 'b') {
        char *t = trim(c->s, NULL, true, true);
        empty = !*t;
        free(t);
    }
    return ival_bool(empty);
}

static struct ival fn_isvalidip(const struct fcall *c)
{
    unsigned char buf[16];
    int fam = 0;
    bool ok = c->s && ip_parse(c->s, buf, &fam);
    ok = ok && (c->f[9] == '\0' || (strcmp(c->f + 9, "v4") == 0) == (fam == AF_INET));
    return ival_bool(ok);
}

/* The numeric functions of one argument; NULL when it is not a number. */
static struct ival fn_math(const struct fcall *c)
{
    static const struct {
        const char *name;
        double (*fn)(double);
    } ops[] = {{"abs", fabs}, {"ceil", ceil}, {"floor", floor}, {"sqrt", sqrt}, {"log", log}};
    if (!c->an) {
        return (struct ival){0};
    }
    for (size_t i = 0; i < ARRAY_LEN(ops); i++) {
        if (strcmp(c->f, ops[i].name) == 0) {
            return ival_num(ops[i].fn(c->x));
        }
    }
    return ival_num(c->x); /* tonumber, tomillis */
}

static struct ival fn_strlen(const struct fcall *c)
{
    size_t cps = 0;
    for (const unsigned char *p = (const unsigned char *)c->s; *p; p++) {
        cps += (*p & 0xc0) != 0x80;
    }
    return ival_num((double)cps);
}

static struct ival fn_case(const struct fcall *c)
{
    char *t = xstrdup(c->s);
    for (char *p = t; *p; p++) {
        *p = (char)(c->f[2] == 'u' ? toupper((unsigned char)*p) : tolower((unsigned char)*p));
    }
    return (struct ival){.t = IV_STR, .str = t};
}

static struct ival fn_trim(const struct fcall *c)
{
    char *chars = c->n > 1 ? inode_eval_text(c->e->args[1], c->r) : NULL;
    struct ival out = {.t = IV_STR, .str = trim(c->s, chars, c->f[0] != 'r', c->f[0] != 'l')};
    free(chars);
    return out;
}

/* v as an index or count in [0, max]: negative and NaN are 0, anything past max is max (a
 * double beyond size_t's range must not be converted at all). */
static size_t clamp_count(double v, size_t max)
{
    return !(v > 0) ? 0 : v >= (double)max ? max : (size_t)v;
}

static struct ival fn_substr(const struct fcall *c)
{
    double y = 0, count = 0;
    if (!inode_eval_number(c->e->args[1], c->r, &y)) {
        return (struct ival){0};
    }
    size_t len = strlen(c->s), start = clamp_count(y, len);
    size_t take = len - start;
    if (c->n > 2 && inode_eval_number(c->e->args[2], c->r, &count)) {
        take = clamp_count(count, len - start);
    }
    return (struct ival){.t = IV_STR, .str = xstrndup(c->s + start, take)};
}

static struct ival fn_replace(const struct fcall *c)
{
    char *search = inode_eval_text(c->e->args[1], c->r),
         *repl = inode_eval_text(c->e->args[2], c->r);
    struct ival out = {.t = IV_STR,
                       .str = replace_all(c->s, search ? search : "", repl ? repl : "")};
    free(search);
    free(repl);
    return out;
}

static struct ival fn_strcontains(const struct fcall *c)
{
    char *search = inode_eval_text(c->e->args[1], c->r);
    struct ival out = ival_bool(search && strstr(c->s, search));
    free(search);
    return out;
}

static struct ival fn_date_round(const struct fcall *c)
{
    double y = 0;
    if (!c->an || !inode_eval_number(c->e->args[1], c->r, &y) || y <= 0) {
        return (struct ival){0};
    }
    return ival_time(c->f[4] == 'f' ? floor(c->x / y) * y : ceil(c->x / y) * y);
}

static struct ival fn_frommillis(const struct fcall *c)
{
    return c->an ? ival_time(c->x) : (struct ival){0};
}

static struct ival fn_insubnet(const struct fcall *c)
{
    char *cidr = inode_eval_text(c->e->args[1], c->r);
    int fam = strcmp(c->f, "isipv4insubnet") == 0   ? AF_INET
              : strcmp(c->f, "isipv6insubnet") == 0 ? AF_INET6
                                                    : 0;
    struct ival out = ival_bool(cidr && in_subnet(c->s, cidr, fam));
    free(cidr);
    return out;
}

enum {
    FN_RAW,       /* the function evaluates its arguments itself */
    FN_TEXT,      /* the first argument evaluated once into fcall.s/an/x; NULL when it is missing */
    FN_TEXT_NULL, /* the same, but the function is called with a missing first argument too */
};

#define ANY SIZE_MAX
/* Every scalar function of Logs Insights (reference logs-filter-and-insights.md B4): its name,
 * the argument counts it answers (otherwise NULL), and how its first argument is read. The parser
 * accepts exactly these names (logs_insights_fn_known). */
static const struct ifunc {
    const char *name;
    size_t min_args, max_args;
    int first;
    struct ival (*fn)(const struct fcall *c);
} ifuncs[] = {
    {"abs", 1, ANY, FN_TEXT, fn_math},
    {"bin", 1, 1, FN_RAW, fn_bin},
    {"ceil", 1, ANY, FN_TEXT, fn_math},
    {"coalesce", 0, ANY, FN_RAW, fn_coalesce},
    {"concat", 0, ANY, FN_RAW, fn_concat},
    {"dateceil", 2, 2, FN_TEXT, fn_date_round},
    {"datefloor", 2, 2, FN_TEXT, fn_date_round},
    {"floor", 1, ANY, FN_TEXT, fn_math},
    {"frommillis", 1, ANY, FN_TEXT, fn_frommillis},
    {"greatest", 1, ANY, FN_RAW, fn_greatest_least},
    {"isblank", 1, ANY, FN_TEXT_NULL, fn_isempty_isblank},
    {"isempty", 1, ANY, FN_TEXT_NULL, fn_isempty_isblank},
    {"isipinsubnet", 2, 2, FN_TEXT, fn_insubnet},
    {"isipv4insubnet", 2, 2, FN_TEXT, fn_insubnet},
    {"isipv6insubnet", 2, 2, FN_TEXT, fn_insubnet},
    {"ispresent", 1, 1, FN_RAW, fn_ispresent},
    {"isvalidip", 1, ANY, FN_TEXT_NULL, fn_isvalidip},
    {"isvalidipv4", 1, ANY, FN_TEXT_NULL, fn_isvalidip},
    {"isvalidipv6", 1, ANY, FN_TEXT_NULL, fn_isvalidip},
    {"least", 1, ANY, FN_RAW, fn_greatest_least},
    {"log", 1, ANY, FN_TEXT, fn_math},
    {"ltrim", 1, ANY, FN_TEXT, fn_trim},
    {"now", 0, ANY, FN_RAW, fn_now},
    {"replace", 3, 3, FN_TEXT, fn_replace},
    {"rtrim", 1, ANY, FN_TEXT, fn_trim},
    {"sqrt", 1, ANY, FN_TEXT, fn_math},
    {"strcontains", 2, 2, FN_TEXT, fn_strcontains},
    {"strlen", 1, ANY, FN_TEXT, fn_strlen},
    {"substr", 2, ANY, FN_TEXT, fn_substr},
    {"tolower", 1, ANY, FN_TEXT, fn_case},
    {"tomillis", 1, ANY, FN_TEXT, fn_math},
    {"tonumber", 1, ANY, FN_TEXT, fn_math},
    {"toupper", 1, ANY, FN_TEXT, fn_case},
    {"trim", 1, ANY, FN_TEXT, fn_trim},
};
#undef ANY

static const struct ifunc *ifunc_find(const char *name)
{
    for (size_t i = 0; i < ARRAY_LEN(ifuncs); i++) {
        if (strcasecmp(name, ifuncs[i].name) == 0) {
            return &ifuncs[i];
        }
    }
    return NULL;
}

bool logs_insights_fn_known(const char *name)
{
    return ifunc_find(name) != NULL;
}

struct ival logs_insights_fn_call(const struct inode *e, const struct irec *r)
{
    const struct ifunc *fn = ifunc_find(e->str);
    struct fcall c = {.e = e, .r = r, .f = e->str, .n = e->nargs};
    if (!fn || c.n < fn->min_args || c.n > fn->max_args) {
        return (struct ival){0};
    }
    if (fn->first == FN_RAW) {
        return fn->fn(&c);
    }
    struct ival a = inode_eval(e->args[0], r);
    struct ival out = {0};
    char *s = ival_text(&a);
    c.s = s;
    c.an = ival_number(&a, &c.x);
    if (s || fn->first == FN_TEXT_NULL) {
        out = fn->fn(&c);
    }
    free(s);
    ival_free(&a);
    return out;
}
