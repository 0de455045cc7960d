/*
 * svcstats.h - the statistics X-Ray reports for a service or an edge (reference/xray-api.md
 * ServiceStatistics, EdgeStatistics, HistogramEntry): ok/error/fault/throttle counts with the
 * total response time, and response times bucketed to the millisecond. Written once for the
 * service graph (graph.c) and the time series (period_stats.c). Pure; a value belongs to one
 * thread.
 */
#ifndef SVCSTATS_H
#define SVCSTATS_H

#include <jansson.h>

#include "fluoro.h"

/* Counts, zero-initialised. */
struct svcstats {
    int64_t ok, error_other, throttle, fault, total;
    double total_response_time;
};

/* Response-time histogram, zero-initialised; svcstats_hist_fini releases it. */
struct svcstats_hist_entry;
struct svcstats_hist {
    struct svcstats_hist_entry *entries;
    size_t n, cap;
    uint32_t *slots; /* index + 1 into entries; 0 = empty */
    size_t nslots;   /* power of two */
};

/* Counts one segment or call taking rt seconds: a fault is counted as a fault, otherwise a
 * throttle, otherwise an error, otherwise ok (as X-Ray does). */
void svcstats_count(struct svcstats *s, double rt, bool fault, bool throttle, bool error);
/* New reference: {OkCount, ErrorStatistics {ThrottleCount, OtherCount, TotalCount},
 * FaultStatistics {OtherCount, TotalCount}, TotalCount, TotalResponseTime}. */
json_t *svcstats_json(const struct svcstats *s);

/* Adds one response time, rounded to the millisecond. */
void svcstats_hist_add(struct svcstats_hist *h, double seconds);
/* New reference: [{Value, Count}] in the order the buckets first appeared. */
json_t *svcstats_hist_json(const struct svcstats_hist *h);
void svcstats_hist_fini(struct svcstats_hist *h);

#endif
