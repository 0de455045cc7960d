/*
 * logs_chunk.c - packs events into chunks with a Bloom filter per chunk, and decodes chunks
 * (logs_chunk.h). Threads: any; nothing here is shared.
 *
 * The Bloom filter holds every token of the chunk's messages, a token being a maximal run of
 * ASCII letters and digits, case kept. fpattern_required_terms() gives, for a term pattern, tokens
 * of exactly that kind which every matching message contains whole (a term match is
 * case-sensitive and ends at a non-word byte, reference/logs-filter-and-insights.md A2), so
 * "the bloom may hold every required term" is a necessary condition for a chunk to hold a match.
 */
#include "logs_chunk.h"

#include <stdlib.h>
#include <string.h>

enum {
    BLOOM_BITS_PER_TOKEN = 10, /* with 7 probes, about 1% false positives */
    BLOOM_PROBES = 7,
    BLOOM_MAX_BYTES = 65536,
    FIELD_BYTES = 4, /* 28-bit field, 7 bits per byte */
};

static bool token_byte(unsigned char ch)
{
    return (ch >= '0' && ch <= '9') || (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z');
}

/* FNV-1a with a final mix, never 0 (0 marks an empty slot of the dedup set). */
static uint64_t token_hash(const char *s, size_t n)
{
    uint64_t h = fnv1a64n(FNV64_OFFSET, s, n);
    h ^= h >> 33;
    h *= 0xff51afd7ed558ccdu;
    h ^= h >> 33;
    return h ? h : 1;
}

/* The distinct token hashes of the chunk being packed: open addressing, grown at half load. */
struct token_set {
    uint64_t *slot;
    size_t cap, n;
};

static void set_add(struct token_set *s, uint64_t h)
{
    if (2 * (s->n + 1) > s->cap) {
        struct token_set big = {xcalloc(s->cap ? 2 * s->cap : 4096, sizeof(uint64_t)),
                                s->cap ? 2 * s->cap : 4096, 0};
        for (size_t i = 0; i < s->cap; i++) {
            if (s->slot[i]) {
                set_add(&big, s->slot[i]);
            }
        }
        free(s->slot);
        *s = big;
    }
    size_t mask = s->cap - 1;
    for (size_t i = (size_t)h & mask;; i = (i + 1) & mask) {
        if (s->slot[i] == h) {
            return;
        }
        if (!s->slot[i]) {
            s->slot[i] = h;
            s->n++;
            return;
        }
    }
}

static void add_tokens(struct token_set *s, const char *msg, size_t len)
{
    size_t i = 0;
    while (i < len) {
        while (i < len && !token_byte((unsigned char)msg[i])) {
            i++;
        }
        size_t from = i;
        while (i < len && token_byte((unsigned char)msg[i])) {
            i++;
        }
        if (i > from) {
            set_add(s, token_hash(msg + from, i - from));
        }
    }
}

/* Probe i of hash h in a filter of nbits bits: double hashing (h1 + i * h2, 32 bits each)
 * scaled to the filter by a multiply-shift. */
static uint64_t probe(uint64_t h, int i, uint64_t nbits)
{
    uint32_t x = (uint32_t)h + (uint32_t)i * ((uint32_t)(h >> 32) | 1u);
    return ((uint64_t)x * nbits) >> 32;
}

static void bloom_set(unsigned char *bloom, uint64_t nbits, uint64_t h)
{
    for (int i = 0; i < BLOOM_PROBES; i++) {
        uint64_t bit = probe(h, i, nbits);
        bloom[bit >> 3] |= (unsigned char)(1u << (bit & 7));
    }
}

static bool bloom_get(const unsigned char *bloom, uint64_t nbits, uint64_t h)
{
    for (int i = 0; i < BLOOM_PROBES; i++) {
        uint64_t bit = probe(h, i, nbits);
        if (!(bloom[bit >> 3] & (1u << (bit & 7)))) {
            return false;
        }
    }
    return true;
}

/* Builds c's bloom from the token set and empties the set. */
static void close_chunk(struct logs_chunk *c, struct token_set *s)
{
    size_t bytes = (s->n * BLOOM_BITS_PER_TOKEN + 63) / 64 * 8;
    bytes = bytes < 8 ? 8 : bytes > BLOOM_MAX_BYTES ? BLOOM_MAX_BYTES : bytes;
    c->bloom = xcalloc(bytes, 1);
    c->bloom_len = bytes;
    for (size_t i = 0; i < s->cap; i++) {
        if (s->slot[i]) {
            bloom_set(c->bloom, (uint64_t)bytes * 8, s->slot[i]);
        }
    }
    if (s->cap) {
        memset(s->slot, 0, s->cap * sizeof(uint64_t));
    }
    s->n = 0;
}

static void put_field(unsigned char *p, uint64_t v)
{
    for (int i = 0; i < FIELD_BYTES; i++) {
        p[i] = (unsigned char)((v >> (7 * i)) & 0x7f);
    }
}

static uint64_t get_field(const unsigned char *p)
{
    return (uint64_t)p[0] | (uint64_t)p[1] << 7 | (uint64_t)p[2] << 14 | (uint64_t)p[3] << 21;
}

/* Whether event e starts a new chunk after c. */
static bool chunk_full(const struct logs_chunk *c, const struct logs_db_event *e, int64_t last)
{
    return c->count >= LOGS_CHUNK_MAX_EVENTS || c->data_len >= LOGS_CHUNK_TARGET_BYTES ||
           e->ts < last || e->ts - c->min_ts > LOGS_CHUNK_SPAN_MS;
}

static void append_event(struct logs_chunk *c, size_t *cap, const struct logs_db_event *e)
{
    size_t need = c->data_len + 2 * FIELD_BYTES + e->len + 1;
    if (need > *cap) {
        *cap = need > 2 * *cap ? need : 2 * *cap;
        c->data = xrealloc(c->data, *cap);
    }
    unsigned char *p = c->data + c->data_len;
    put_field(p, (uint64_t)(e->ts - c->min_ts));
    put_field(p + FIELD_BYTES, e->len);
    char *msg = (char *)p + 2 * FIELD_BYTES;
    memcpy(msg, e->message, e->len);
    msg[e->len] = '\0';
    c->data_len = need;
    char trace[36];
    if (logs_db_find_trace_id(msg, trace)) {
        c->traces = xrealloc(c->traces, (c->n_traces + 1) * sizeof(*c->traces));
        struct logs_chunk_trace *t = &c->traces[c->n_traces++];
        t->index = c->count;
        t->ts = e->ts;
        memcpy(t->id, trace, sizeof(t->id));
    }
    c->max_ts = e->ts > c->max_ts ? e->ts : c->max_ts;
    c->count++;
    c->bytes += (int64_t)e->len;
}

void logs_chunk_link_trace(struct logs_chunk *c, uint32_t index, int64_t ts, const char *trace_id)
{
    for (size_t i = 0; i < c->n_traces; i++) {
        if (c->traces[i].index == index) {
            return;
        }
    }
    c->traces = xrealloc(c->traces, (c->n_traces + 1) * sizeof(*c->traces));
    struct logs_chunk_trace *t = &c->traces[c->n_traces++];
    t->index = index;
    t->ts = ts;
    snprintf(t->id, sizeof(t->id), "%s", trace_id);
}

void logs_chunk_pack_init(struct logs_chunk_pack *pack, const struct logs_db_event *ev, size_t n)
{
    struct token_set set = {0};
    struct logs_chunk *c = NULL;
    size_t cap = 0, left = 0; /* data bytes the events not yet packed need */
    int64_t last = INT64_MIN;
    for (size_t i = 0; i < n; i++) {
        left += 2 * FIELD_BYTES + ev[i].len + 1;
    }
    for (size_t i = 0; i < n; i++) {
        if (c && chunk_full(c, &ev[i], last)) {
            close_chunk(c, &set);
            c = NULL;
        }
        if (!c) {
            pack->chunks = xrealloc(pack->chunks, (pack->n + 1) * sizeof(*pack->chunks));
            c = &pack->chunks[pack->n++];
            memset(c, 0, sizeof(*c));
            c->min_ts = c->max_ts = ev[i].ts;
            /* Sized once for a full chunk: growing it by doubling was a visible share of the
             * HTTP thread's time (page faults and copies of each step). */
            cap = left < LOGS_CHUNK_TARGET_BYTES + 1024 ? left : LOGS_CHUNK_TARGET_BYTES + 1024;
            c->data = xmalloc(cap);
        }
        left -= 2 * FIELD_BYTES + ev[i].len + 1;
        append_event(c, &cap, &ev[i]);
        add_tokens(&set, ev[i].message, ev[i].len);
        last = ev[i].ts;
    }
    if (c) {
        close_chunk(c, &set);
    }
    free(set.slot);
}

void logs_chunk_pack_fini(struct logs_chunk_pack *pack)
{
    for (size_t i = 0; i < pack->n; i++) {
        free(pack->chunks[i].data);
        free(pack->chunks[i].bloom);
        free(pack->chunks[i].traces);
    }
    free(pack->chunks);
    pack->chunks = NULL;
    pack->n = 0;
}

int64_t logs_chunk_decode(const unsigned char *data, size_t len, int64_t min_ts,
                          struct logs_chunk_event *out, size_t max)
{
    size_t at = 0, n = 0;
    while (at < len && n < max) {
        if (len - at < 2 * FIELD_BYTES) {
            return -1;
        }
        uint64_t delta = get_field(data + at), mlen = get_field(data + at + FIELD_BYTES);
        at += 2 * FIELD_BYTES;
        if (len - at < mlen + 1 || data[at + mlen] != '\0') {
            return -1;
        }
        out[n].ts = min_ts + (int64_t)delta;
        out[n].message = (const char *)data + at;
        out[n].len = (size_t)mlen;
        n++;
        at += mlen + 1;
    }
    return (int64_t)n;
}

size_t logs_chunk_term_hashes(const char *terms, uint64_t out[LOGS_CHUNK_MAX_TERMS])
{
    size_t n = 0, i = 0, len = terms ? strlen(terms) : 0;
    while (i < len && n < LOGS_CHUNK_MAX_TERMS) {
        while (i < len && !token_byte((unsigned char)terms[i])) {
            i++;
        }
        size_t from = i;
        while (i < len && token_byte((unsigned char)terms[i])) {
            i++;
        }
        if (i > from) {
            out[n++] = token_hash(terms + from, i - from);
        }
    }
    return n;
}

bool logs_chunk_bloom_may_hold(const unsigned char *bloom, size_t len, const uint64_t *h, size_t n)
{
    if (!bloom || len == 0) {
        return true;
    }
    for (size_t i = 0; i < n; i++) {
        if (!bloom_get(bloom, (uint64_t)len * 8, h[i])) {
            return false;
        }
    }
    return true;
}
