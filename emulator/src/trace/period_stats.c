/*
 * period_stats.c - per-period statistics (see period_stats.h). Only periods holding data are kept,
 * in an array sorted by period index, so a huge window with sparse data costs nothing.
 * Counting follows graph.c: a fault is counted as a fault, otherwise a throttle, otherwise an
 * error, otherwise ok; histograms bucket response times to the millisecond (svcstats.h).
 *
 * X-Ray's forecast model is not published; ServiceForecastStatistics here is the band
 * mean +/- 2 standard deviations of the per-period fault counts, which is a stable, honest
 * placeholder for clients that chart it.
 */
#include "period_stats.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "svcstats.h"
#include "trace_facts.h"

struct bucket {
    int64_t index;
    struct svcstats edge, service;
    struct svcstats_hist histogram;
};

struct period_stats {
    double start, end;
    int64_t period;
    bool forecast;
    struct bucket *buckets;
    size_t n, cap;
};

struct period_stats *period_stats_new(double start, double end, int64_t period, bool forecast)
{
    struct period_stats *ts = xcalloc(1, sizeof(*ts));
    ts->start = start;
    ts->end = end;
    ts->period = period > 0 ? period : 60;
    ts->forecast = forecast;
    return ts;
}

void period_stats_free(struct period_stats *ts)
{
    if (!ts) {
        return;
    }
    for (size_t i = 0; i < ts->n; i++) {
        svcstats_hist_fini(&ts->buckets[i].histogram);
    }
    free(ts->buckets);
    free(ts);
}

/* The bucket for index, inserted in order when new. */
static struct bucket *bucket_at(struct period_stats *ts, int64_t index)
{
    size_t lo = 0, hi = ts->n;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        if (ts->buckets[mid].index < index) {
            lo = mid + 1;
        } else {
            hi = mid;
        }
    }
    if (lo < ts->n && ts->buckets[lo].index == index) {
        return &ts->buckets[lo];
    }
    if (ts->n == ts->cap) {
        ts->cap = ts->cap ? ts->cap * 2 : 16;
        ts->buckets = xrealloc(ts->buckets, ts->cap * sizeof(*ts->buckets));
    }
    memmove(&ts->buckets[lo + 1], &ts->buckets[lo], (ts->n - lo) * sizeof(*ts->buckets));
    ts->n++;
    struct bucket *b = &ts->buckets[lo];
    memset(b, 0, sizeof(*b));
    b->index = index;
    return b;
}

/* One segment or call as count() needs it, read from a view or from packed facts. */
struct item {
    bool has_start;
    double start, rt;
    bool fault, throttle, error;
};

/* Counts one segment or call (ok/error/fault/throttle/response_time) into its period. */
static void count(struct period_stats *ts, const struct item *it, bool is_edge)
{
    if (!it->has_start) {
        return;
    }
    double t = it->start;
    if (t < ts->start || t >= ts->end) {
        return;
    }
    struct bucket *b = bucket_at(ts, (int64_t)floor(t / (double)ts->period));
    svcstats_count(is_edge ? &b->edge : &b->service, it->rt, it->fault, it->throttle, it->error);
    svcstats_hist_add(&b->histogram, it->rt);
}

static bool tf_true(const struct tf_val *v)
{
    return v->type == TF_BOOL && v->b;
}

static void count_facts(struct period_stats *ts, const struct trace_view *f, size_t first, size_t n,
                        bool is_edge)
{
    for (size_t i = 0; i < n; i++) {
        const struct tf_item *c = &f->items[first + i];
        struct item it = {
            .has_start = c->f[TF_START].type == TF_NUM,
            .start = c->f[TF_START].n,
            .rt = c->f[TF_RT].type == TF_NUM ? c->f[TF_RT].n : 0,
            .fault = tf_true(&c->f[TF_FAULT]),
            .throttle = tf_true(&c->f[TF_THROTTLE]),
            .error = tf_true(&c->f[TF_ERROR]),
        };
        count(ts, &it, is_edge);
    }
}

void period_stats_add_trace(struct period_stats *ts, const json_t *derived,
                            const struct fexpr *selector)
{
    size_t len = 0;
    void *blob = trace_facts_pack(derived, &len);
    struct trace_view v;
    trace_facts_init(&v);
    if (trace_facts_decode(&v, blob, len) == 0) {
        period_stats_add_facts(ts, &v, selector);
    }
    trace_facts_fini(&v);
    free(blob);
}

void period_stats_add_facts(struct period_stats *ts, const struct trace_view *f,
                            const struct fexpr *selector)
{
    for (size_t i = 0; i < f->nedges; i++) {
        const struct tf_edge *e = &f->edges[i];
        bool from_client = e->src.type.type == TF_STR && strcmp(e->src.type.s, "client") == 0;
        if (selector ? fexpr_selects_edge(selector, f, i) : from_client) {
            count_facts(ts, f, e->first, e->n, true);
        }
    }
    if (!selector) {
        return;
    }
    for (size_t i = 0; i < f->nnodes; i++) {
        if (fexpr_selects_node(selector, f, i)) {
            count_facts(ts, f, f->nodes[i].first, f->nodes[i].n, false);
        }
    }
}

json_t *period_stats_result(const struct period_stats *ts)
{
    json_t *out = json_array();
    double sum = 0, sumsq = 0;
    size_t nservice = 0;
    for (size_t i = 0; i < ts->n; i++) {
        const struct svcstats *s = &ts->buckets[i].service;
        if (s->total) {
            sum += (double)s->fault;
            sumsq += (double)s->fault * (double)s->fault;
            nservice++;
        }
    }
    double mean = nservice ? sum / (double)nservice : 0;
    double sd = nservice ? sqrt(fmax(0, sumsq / (double)nservice - mean * mean)) : 0;
    for (size_t i = 0; i < ts->n; i++) {
        const struct bucket *b = &ts->buckets[i];
        json_t *e = json_pack("{s:f}", "Timestamp", (double)(b->index * ts->period));
        if (b->edge.total) {
            json_object_set_new(e, "EdgeSummaryStatistics", svcstats_json(&b->edge));
        }
        if (b->service.total) {
            json_object_set_new(e, "ServiceSummaryStatistics", svcstats_json(&b->service));
            if (ts->forecast) {
                json_object_set_new(e, "ServiceForecastStatistics",
                                    json_pack("{s:I, s:I}", "FaultCountHigh",
                                              (json_int_t)ceil(mean + 2 * sd), "FaultCountLow",
                                              (json_int_t)fmax(0, floor(mean - 2 * sd))));
            }
        }
        json_object_set_new(e, "ResponseTimeHistogram", svcstats_hist_json(&b->histogram));
        json_array_append_new(out, e);
    }
    return out;
}
