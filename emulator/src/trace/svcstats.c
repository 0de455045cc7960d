/*
 * svcstats.c - service and edge statistics (see svcstats.h).
 *
 * The histogram keeps its buckets in the order they first appear (the order jansson objects
 * iterated in when they held these counts, which is the output order), with an open-addressing
 * index keyed by the bucket value's bits. Two bucket values print the same "%.3f" key exactly
 * when their bits are equal, so this counts what the string-keyed object counted.
 */
#include "svcstats.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct svcstats_hist_entry {
    double value;
    int64_t count;
};

void svcstats_count(struct svcstats *s, double rt, bool fault, bool throttle, bool error)
{
    s->total++;
    s->total_response_time += rt;
    if (fault) {
        s->fault++;
    } else if (throttle) {
        s->throttle++;
    } else if (error) {
        s->error_other++;
    } else {
        s->ok++;
    }
}

void svcstats_hist_fini(struct svcstats_hist *h)
{
    free(h->entries);
    free(h->slots);
}

static uint64_t value_hash(double v)
{
    uint64_t bits;
    memcpy(&bits, &v, sizeof(bits));
    bits ^= bits >> 33;
    bits *= 0xff51afd7ed558ccdULL;
    bits ^= bits >> 33;
    return bits;
}

static bool same_bits(double a, double b)
{
    return memcmp(&a, &b, sizeof(a)) == 0;
}

static void rehash(struct svcstats_hist *h)
{
    free(h->slots);
    h->nslots = h->nslots ? h->nslots * 2 : 16;
    h->slots = xcalloc(h->nslots, sizeof(*h->slots));
    for (size_t i = 0; i < h->n; i++) {
        size_t at = value_hash(h->entries[i].value) & (h->nslots - 1);
        while (h->slots[at]) {
            at = (at + 1) & (h->nslots - 1);
        }
        h->slots[at] = (uint32_t)(i + 1);
    }
}

void svcstats_hist_add(struct svcstats_hist *h, double seconds)
{
    double v = round(seconds * 1000) / 1000;
    if ((h->n + 1) * 2 > h->nslots) {
        rehash(h);
    }
    size_t at = value_hash(v) & (h->nslots - 1);
    while (h->slots[at]) {
        struct svcstats_hist_entry *e = &h->entries[h->slots[at] - 1];
        if (same_bits(e->value, v)) {
            e->count++;
            return;
        }
        at = (at + 1) & (h->nslots - 1);
    }
    if (h->n == h->cap) {
        h->cap = h->cap ? h->cap * 2 : 8;
        h->entries = xrealloc(h->entries, h->cap * sizeof(*h->entries));
    }
    h->entries[h->n] = (struct svcstats_hist_entry){v, 1};
    h->slots[at] = (uint32_t)(++h->n);
}

json_t *svcstats_hist_json(const struct svcstats_hist *h)
{
    json_t *out = json_array();
    for (size_t i = 0; i < h->n; i++) {
        /* Value goes through the same text the string-keyed histogram used as its key. */
        char key[64];
        snprintf(key, sizeof(key), "%.3f", h->entries[i].value);
        json_t *entry = json_object();
        json_object_set_new(entry, "Value", json_real(strtod(key, NULL)));
        json_object_set_new(entry, "Count", json_integer(h->entries[i].count));
        json_array_append_new(out, entry);
    }
    return out;
}

json_t *svcstats_json(const struct svcstats *s)
{
    json_t *err = json_object(), *fault = json_object(), *out = json_object();
    json_object_set_new(err, "ThrottleCount", json_integer(s->throttle));
    json_object_set_new(err, "OtherCount", json_integer(s->error_other));
    json_object_set_new(err, "TotalCount", json_integer(s->throttle + s->error_other));
    json_object_set_new(fault, "OtherCount", json_integer(s->fault));
    json_object_set_new(fault, "TotalCount", json_integer(s->fault));
    json_object_set_new(out, "OkCount", json_integer(s->ok));
    json_object_set_new(out, "ErrorStatistics", err);
    json_object_set_new(out, "FaultStatistics", fault);
    json_object_set_new(out, "TotalCount", json_integer(s->total));
    json_object_set_new(out, "TotalResponseTime", json_real(s->total_response_time));
    return out;
}
