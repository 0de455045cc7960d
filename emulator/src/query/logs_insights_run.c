/*
 * logs_insights_run.c - the Insights executor: events arrive newest first (AWS's default order,
 * reference B5) and pass through the row-local commands (fields, filter, parse) up to the first
 * command that needs every row; finish runs the rest (stats, sort, dedup, limit, and row-local
 * commands after them) over the gathered records and renders rows of strings.
 *
 * Threads: a run belongs to the thread that feeds it (the query's worker thread in logs_query.c).
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "logs_insights_int.h"

#define DEFAULT_ROWS 1000

struct logs_insights_run {
    const struct logs_insights_query *q;
    int64_t max_rows;
    size_t local_end; /* commands before this index run per event */
    bool keep_all;    /* false: only the first max_rows records are needed */
    struct irec *recs;
    size_t n, cap;
    double matched, scanned, bytes;
};

static bool is_local(enum icmd_kind k)
{
    return k == IC_FIELDS || k == IC_FILTER || k == IC_PARSE || k == IC_DISPLAY;
}

struct logs_insights_run *logs_insights_run_new(const struct logs_insights_query *q,
                                                int64_t max_rows)
{
    struct logs_insights_run *r = xcalloc(1, sizeof(*r));
    r->q = q;
    r->max_rows = max_rows > 0 ? max_rows : q->limit > 0 ? q->limit : DEFAULT_ROWS;
    while (r->local_end < q->ncmds && is_local(q->cmds[r->local_end].kind)) {
        r->local_end++;
    }
    r->keep_all = r->local_end < q->ncmds;
    return r;
}

/* parse "glob" as a, b: literal pieces found in order, each * capturing what lies between. */
static void parse_glob(const struct icmd *c, const char *s, struct irec *rec)
{
    const char *g = c->glob, *p = s;
    size_t field = 0;
    char **caps = xcalloc(c->nitems + 1, sizeof(*caps));
    const char *star = strchr(g, '*');
    size_t lit = star ? (size_t)(star - g) : strlen(g);
    if (lit > 0) {
        char *piece = xstrndup(g, lit);
        const char *hit = strstr(p, piece);
        free(piece);
        if (!hit) {
            goto out;
        }
        p = hit + lit;
    }
    while (star) {
        g = star + 1;
        star = strchr(g, '*');
        lit = star ? (size_t)(star - g) : strlen(g);
        const char *end = NULL;
        if (lit == 0 && !star) {
            end = p + strlen(p);
        } else if (lit == 0) {
            end = p; /* two stars in a row: the first captures nothing */
        } else {
            char *piece = xstrndup(g, lit);
            end = strstr(p, piece);
            free(piece);
            if (!end) {
                goto out;
            }
        }
        caps[field++] = xstrndup(p, (size_t)(end - p));
        p = end + lit;
    }
    for (size_t i = 0; i < field && i < c->nitems; i++) {
        irec_set(rec, c->items[i].name, (struct ival){.t = IV_STR, .str = caps[i]});
        caps[i] = NULL;
    }
out:
    for (size_t i = 0; i < c->nitems; i++) {
        free(caps[i]);
    }
    free(caps);
}

static void parse_regex(const struct icmd *c, const char *s, struct irec *rec)
{
    size_t nm = rx_groups(c->regex) + 1;
    struct rx_span *m = xcalloc(nm, sizeof(*m));
    if (rx_capture(c->regex, s, strlen(s), m, nm)) {
        for (size_t i = 1; i < nm; i++) {
            const char *name = rx_group_name(c->regex, i);
            if (name && m[i].set) {
                irec_set(rec, name,
                         (struct ival){.t = IV_STR,
                                       .str = xstrndup(s + m[i].start, m[i].end - m[i].start)});
            }
        }
    }
    free(m);
}

/* Runs one row-local command; false drops the record. */
static bool apply_local(const struct icmd *c, struct irec *rec)
{
    switch (c->kind) {
    case IC_FIELDS:
        for (size_t i = 0; i < c->nitems; i++) {
            const struct iitem *it = &c->items[i];
            if (it->expr->kind == IN_FIELD && strcmp(it->expr->str, it->name) == 0) {
                continue;
            }
            irec_set(rec, it->name, inode_eval(it->expr, rec));
        }
        return true;
    case IC_FILTER: {
        struct ival v = inode_eval(c->expr, rec);
        bool keep = inode_truthy(&v);
        ival_free(&v);
        return keep;
    }
    case IC_PARSE: {
        struct ival v = inode_eval(c->expr, rec);
        char *s = ival_text(&v);
        if (s && c->glob) {
            parse_glob(c, s, rec);
        } else if (s) {
            parse_regex(c, s, rec);
        }
        free(s);
        ival_free(&v);
        return true;
    }
    default:
        return true;
    }
}

static void push(struct logs_insights_run *r, struct irec *rec)
{
    if (r->n == r->cap) {
        r->cap = r->cap ? r->cap * 2 : 256;
        r->recs = xrealloc(r->recs, r->cap * sizeof(*r->recs));
    }
    r->recs[r->n++] = *rec;
}

void logs_insights_run_add(struct logs_insights_run *r, const struct logs_insights_event *ev)
{
    struct irec rec;
    r->scanned++;
    r->bytes += (double)ev->len;
    irec_from_event(&rec, ev);
    for (size_t i = 0; i < r->local_end; i++) {
        if (!apply_local(&r->q->cmds[i], &rec)) {
            irec_fini(&rec);
            return;
        }
    }
    r->matched++;
    if (!r->keep_all && (int64_t)r->n >= r->max_rows) {
        irec_fini(&rec);
        return;
    }
    push(r, &rec);
}

/* ---- stats ---- */

/* Accumulator for one aggregate call in one group. */
struct acc {
    double count, sum, sumsq;
    double min, max;
    bool any;
    double *vals; /* pct */
    size_t nvals, capvals;
    char **strs; /* count_distinct */
    size_t nstrs, capstrs;
    struct ival pick; /* earliest/latest/sortsFirst/sortsLast */
    int64_t pick_ts;
    bool picked;
};

struct group {
    char *key;
    struct ival *by;
    struct acc *accs;
};

struct stats {
    const struct icmd *c;
    const struct inode **aggs; /* every aggregate call in the items */
    size_t naggs;
    struct group *groups;
    size_t ngroups, capgroups;
    size_t *slots; /* hash: group index + 1, 0 = empty */
    size_t nslots;
};

static void find_aggs(struct stats *s, const struct inode *e)
{
    if (e->kind == IN_CALL && e->aggregate) {
        s->aggs = xrealloc(s->aggs, (s->naggs + 1) * sizeof(*s->aggs));
        s->aggs[s->naggs++] = e;
        return;
    }
    for (size_t i = 0; i < e->nargs; i++) {
        find_aggs(s, e->args[i]);
    }
}

static uint64_t hash(const char *k)
{
    uint64_t h = 1469598103934665603ull;
    for (; *k; k++) {
        h = (h ^ (unsigned char)*k) * 1099511628211ull;
    }
    return h;
}

static size_t group_for(struct stats *s, const struct irec *rec)
{
    size_t nby = s->c->nby;
    struct ival *by = xcalloc(nby ? nby : 1, sizeof(*by));
    char *key = xstrdup("");
    for (size_t i = 0; i < nby; i++) {
        by[i] = inode_eval(s->c->by[i].expr, rec);
        char *t = ival_text(&by[i]);
        char *k2 = xasprintf("%s%s\x1f", key, t ? t : "\x1e");
        free(t);
        free(key);
        key = k2;
    }
    if (s->ngroups * 2 >= s->nslots) {
        size_t ns = s->nslots ? s->nslots * 2 : 64;
        free(s->slots);
        s->slots = xcalloc(ns, sizeof(*s->slots));
        s->nslots = ns;
        for (size_t g = 0; g < s->ngroups; g++) {
            size_t i = hash(s->groups[g].key) & (ns - 1);
            while (s->slots[i]) {
                i = (i + 1) & (ns - 1);
            }
            s->slots[i] = g + 1;
        }
    }
    size_t i = hash(key) & (s->nslots - 1);
    while (s->slots[i]) {
        size_t g = s->slots[i] - 1;
        if (strcmp(s->groups[g].key, key) == 0) {
            free(key);
            for (size_t k = 0; k < nby; k++) {
                ival_free(&by[k]);
            }
            free(by);
            return g;
        }
        i = (i + 1) & (s->nslots - 1);
    }
    if (s->ngroups == s->capgroups) {
        s->capgroups = s->capgroups ? s->capgroups * 2 : 16;
        s->groups = xrealloc(s->groups, s->capgroups * sizeof(*s->groups));
    }
    struct group *g = &s->groups[s->ngroups];
    g->key = key;
    g->by = by;
    g->accs = xcalloc(s->naggs ? s->naggs : 1, sizeof(*g->accs));
    s->slots[i] = ++s->ngroups;
    return s->ngroups - 1;
}

static void accumulate(struct acc *a, const struct inode *call, const struct irec *rec)
{
    const char *f = call->str;
    if (call->nargs == 0) {
        a->count++; /* count() / count(*) */
        return;
    }
    struct ival v = inode_eval(call->args[0], rec);
    if (v.t == IV_NULL) {
        return;
    }
    double x = 0;
    bool num = ival_number(&v, &x);
    a->count++;
    if (strcmp(f, "count_distinct") == 0) {
        if (a->nstrs == a->capstrs) {
            a->capstrs = a->capstrs ? a->capstrs * 2 : 16;
            a->strs = xrealloc(a->strs, a->capstrs * sizeof(*a->strs));
        }
        a->strs[a->nstrs++] = ival_text(&v);
    } else if (strcmp(f, "earliest") == 0 || strcmp(f, "latest") == 0) {
        bool better = !a->picked || (f[0] == 'e' ? rec->ts < a->pick_ts : rec->ts > a->pick_ts);
        if (better) {
            ival_free(&a->pick);
            a->pick = ival_copy(&v);
            a->pick_ts = rec->ts;
            a->picked = true;
        }
    } else if (strcmp(f, "sortsfirst") == 0 || strcmp(f, "sortslast") == 0) {
        int c = a->picked ? ival_compare(&v, &a->pick) : 0;
        if (!a->picked || (f[5] == 'f' ? c < 0 : c > 0)) {
            ival_free(&a->pick);
            a->pick = ival_copy(&v);
            a->picked = true;
        }
    } else if (num) {
        a->sum += x;
        a->sumsq += x * x;
        a->min = a->any ? fmin(a->min, x) : x;
        a->max = a->any ? fmax(a->max, x) : x;
        a->any = true;
        if (strcmp(f, "pct") == 0) {
            if (a->nvals == a->capvals) {
                a->capvals = a->capvals ? a->capvals * 2 : 16;
                a->vals = xrealloc(a->vals, a->capvals * sizeof(*a->vals));
            }
            a->vals[a->nvals++] = x;
        }
    }
    ival_free(&v);
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static struct ival finalize(struct acc *a, const struct inode *call)
{
    const char *f = call->str;
    if (strcmp(f, "count") == 0) {
        return ival_num(a->count);
    }
    if (strcmp(f, "count_distinct") == 0) {
        /* No values at all leaves strs NULL, and qsort's pointer must not be NULL. */
        if (a->nstrs > 1) {
            qsort(a->strs, a->nstrs, sizeof(*a->strs), cmp_str);
        }
        size_t distinct = 0;
        for (size_t i = 0; i < a->nstrs; i++) {
            distinct += i == 0 || strcmp(a->strs[i], a->strs[i - 1]) != 0;
        }
        return ival_num((double)distinct);
    }
    if (a->picked) {
        return ival_copy(&a->pick);
    }
    if (!a->any) {
        return (struct ival){0};
    }
    if (strcmp(f, "sum") == 0) {
        return ival_num(a->sum);
    }
    if (strcmp(f, "avg") == 0) {
        return ival_num(a->sum / a->count);
    }
    if (strcmp(f, "min") == 0) {
        return ival_num(a->min);
    }
    if (strcmp(f, "max") == 0) {
        return ival_num(a->max);
    }
    if (strcmp(f, "stddev") == 0) {
        double n = a->count;
        return n < 2 ? ival_num(0)
                     : ival_num(sqrt(fmax(0, (a->sumsq - a->sum * a->sum / n) / (n - 1))));
    }
    if (strcmp(f, "pct") == 0 && call->nargs > 1 && call->args[1]->kind == IN_NUM) {
        qsort(a->vals, a->nvals, sizeof(*a->vals), cmp_double);
        double p = call->args[1]->num;
        double idx = ceil(p / 100.0 * (double)a->nvals) - 1;
        size_t i = idx < 0 ? 0 : (size_t)idx >= a->nvals ? a->nvals - 1 : (size_t)idx;
        return ival_num(a->vals[i]);
    }
    return (struct ival){0};
}

static void acc_fini(struct acc *a)
{
    free(a->vals);
    for (size_t i = 0; i < a->nstrs; i++) {
        free(a->strs[i]);
    }
    free(a->strs);
    ival_free(&a->pick);
}

/* The key under which an aggregate's result is visible to inode_eval (logs_insights_eval.c). */
void logs_insights_agg_key(const struct inode *call, char out[40])
{
    snprintf(out, 40, "\x01%p", (const void *)call);
}

static void run_stats(struct logs_insights_run *r, const struct icmd *c)
{
    struct stats s = {.c = c};
    for (size_t i = 0; i < c->nitems; i++) {
        find_aggs(&s, c->items[i].expr);
    }
    for (size_t k = 0; k < r->n; k++) {
        size_t g = group_for(&s, &r->recs[k]);
        for (size_t a = 0; a < s.naggs; a++) {
            accumulate(&s.groups[g].accs[a], s.aggs[a], &r->recs[k]);
        }
        irec_fini(&r->recs[k]);
    }
    r->n = 0;
    for (size_t g = 0; g < s.ngroups; g++) {
        struct irec out, scratch;
        irec_init(&out);
        irec_init(&scratch);
        for (size_t b = 0; b < c->nby; b++) {
            irec_set(&out, c->by[b].name, s.groups[g].by[b]);
        }
        for (size_t a = 0; a < s.naggs; a++) {
            char key[40];
            logs_insights_agg_key(s.aggs[a], key);
            irec_set(&scratch, key, finalize(&s.groups[g].accs[a], s.aggs[a]));
            acc_fini(&s.groups[g].accs[a]);
        }
        for (size_t i = 0; i < c->nitems; i++) {
            irec_set(&out, c->items[i].name, inode_eval(c->items[i].expr, &scratch));
        }
        irec_fini(&scratch);
        push(r, &out);
        free(s.groups[g].key);
        free(s.groups[g].by);
        free(s.groups[g].accs);
    }
    free(s.groups);
    free(s.slots);
    free(s.aggs);
}

/* ---- sort, dedup, limit ---- */

struct sort_key {
    struct ival *vals;
    size_t index;
};

static int sort_cmp(const void *a, const void *b, void *arg)
{
    const struct icmd *c = arg;
    const struct sort_key *x = a, *y = b;
    for (size_t i = 0; i < c->nitems; i++) {
        int r = ival_compare(&x->vals[i], &y->vals[i]);
        if (r) {
            return c->items[i].desc ? -r : r;
        }
    }
    return x->index < y->index ? -1 : x->index > y->index;
}

static void run_sort(struct logs_insights_run *r, const struct icmd *c)
{
    struct sort_key *keys = xcalloc(r->n ? r->n : 1, sizeof(*keys));
    for (size_t k = 0; k < r->n; k++) {
        keys[k].index = k;
        keys[k].vals = xcalloc(c->nitems, sizeof(struct ival));
        for (size_t i = 0; i < c->nitems; i++) {
            keys[k].vals[i] = inode_eval(c->items[i].expr, &r->recs[k]);
        }
    }
    qsort_r(keys, r->n, sizeof(*keys), sort_cmp, (void *)c);
    struct irec *sorted = xcalloc(r->cap ? r->cap : 1, sizeof(*sorted));
    for (size_t k = 0; k < r->n; k++) {
        sorted[k] = r->recs[keys[k].index];
        for (size_t i = 0; i < c->nitems; i++) {
            ival_free(&keys[k].vals[i]);
        }
        free(keys[k].vals);
    }
    free(keys);
    free(r->recs);
    r->recs = sorted;
}

static void run_dedup(struct logs_insights_run *r, const struct icmd *c)
{
    struct stats seen = {0};
    size_t kept = 0;
    for (size_t k = 0; k < r->n; k++) {
        char *key = xstrdup("");
        bool has_null = false;
        for (size_t i = 0; i < c->nitems; i++) {
            const struct ival *v = irec_get(&r->recs[k], c->items[i].name);
            char *t = v ? ival_text(v) : NULL;
            has_null = has_null || !t;
            char *k2 = xasprintf("%s%s\x1f", key, t ? t : "");
            free(t);
            free(key);
            key = k2;
        }
        bool dup = false;
        for (size_t g = 0; g < seen.ngroups && !has_null && !dup; g++) {
            dup = strcmp(seen.groups[g].key, key) == 0;
        }
        if (dup) {
            irec_fini(&r->recs[k]);
            free(key);
            continue;
        }
        if (!has_null) {
            if (seen.ngroups == seen.capgroups) {
                seen.capgroups = seen.capgroups ? seen.capgroups * 2 : 16;
                seen.groups = xrealloc(seen.groups, seen.capgroups * sizeof(*seen.groups));
            }
            seen.groups[seen.ngroups++].key = key;
        } else {
            free(key);
        }
        r->recs[kept++] = r->recs[k];
    }
    r->n = kept;
    for (size_t g = 0; g < seen.ngroups; g++) {
        free(seen.groups[g].key);
    }
    free(seen.groups);
}

static void truncate_to(struct logs_insights_run *r, size_t n)
{
    while (r->n > n) {
        irec_fini(&r->recs[--r->n]);
    }
}

static void apply_all(struct logs_insights_run *r, const struct icmd *c)
{
    size_t kept = 0;
    for (size_t k = 0; k < r->n; k++) {
        if (apply_local(c, &r->recs[k])) {
            r->recs[kept++] = r->recs[k];
        } else {
            irec_fini(&r->recs[k]);
        }
    }
    r->n = kept;
}

/* Renders the first n records of r as result rows with r's statistics (new); the records stay
 * r's. */
static struct logs_insights_result *render(const struct logs_insights_run *r, size_t n)
{
    const struct logs_insights_query *q = r->q;
    struct logs_insights_result *res = xcalloc(1, sizeof(*res));
    res->records_matched = r->matched;
    res->records_scanned = r->scanned;
    res->bytes_scanned = r->bytes;
    res->rows = xcalloc(n ? n : 1, sizeof(*res->rows));
    res->nrows = n;
    for (size_t k = 0; k < n; k++) {
        struct logs_insights_row *row = &res->rows[k];
        row->fields = xcalloc(q->ncolumns + 1, sizeof(*row->fields));
        for (size_t i = 0; i < q->ncolumns; i++) {
            const struct ival *v = irec_get(&r->recs[k], q->columns[i]);
            char *text = v ? ival_text(v) : NULL;
            if (text) {
                row->fields[row->n].field = xstrdup(q->columns[i]);
                row->fields[row->n++].value = text;
            }
        }
        const struct ival *ptr = q->aggregated ? NULL : irec_get(&r->recs[k], "@ptr");
        if (ptr && ptr->t == IV_STR) {
            row->fields[row->n].field = xstrdup("@ptr");
            row->fields[row->n++].value = xstrdup(ptr->str);
        }
    }
    return res;
}

struct logs_insights_result *logs_insights_run_finish(struct logs_insights_run *r)
{
    const struct logs_insights_query *q = r->q;
    for (size_t i = r->local_end; i < q->ncmds; i++) {
        const struct icmd *c = &q->cmds[i];
        switch (c->kind) {
        case IC_STATS:
            run_stats(r, c);
            break;
        case IC_SORT:
            run_sort(r, c);
            break;
        case IC_DEDUP:
            run_dedup(r, c);
            break;
        case IC_LIMIT:
            truncate_to(r, (size_t)c->limit);
            break;
        default:
            apply_all(r, c);
            break;
        }
    }
    truncate_to(r, (size_t)r->max_rows);
    struct logs_insights_result *res = render(r, r->n);
    logs_insights_run_free(r);
    return res;
}

void logs_insights_run_free(struct logs_insights_run *r)
{
    if (!r) {
        return;
    }
    for (size_t k = 0; k < r->n; k++) {
        irec_fini(&r->recs[k]);
    }
    free(r->recs);
    free(r);
}

struct logs_insights_result *logs_insights_run_snapshot(const struct logs_insights_run *r)
{
    /* Until every row is in, only row-local queries know any of their rows: a stats or sort
     * result can still change completely, so it shows the statistics alone. */
    size_t n = r->keep_all ? 0 : r->n;
    return render(r, n < (size_t)r->max_rows ? n : (size_t)r->max_rows);
}

void logs_insights_result_free(struct logs_insights_result *res)
{
    if (!res) {
        return;
    }
    for (size_t k = 0; k < res->nrows; k++) {
        for (size_t i = 0; i < res->rows[k].n; i++) {
            free(res->rows[k].fields[i].field);
            free(res->rows[k].fields[i].value);
        }
        free(res->rows[k].fields);
    }
    free(res->rows);
    free(res);
}
