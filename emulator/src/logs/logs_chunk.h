/*
 * logs_chunk.h - the block layout CloudWatch Logs events are stored in (docs/design-notes.md
 * item 9): a PutLogEvents batch is packed into chunks of up to LOGS_CHUNK_MAX_EVENTS events of
 * one stream, each with a Bloom filter over its message tokens. Pure code, no SQL: packing runs
 * on the HTTP thread that parsed the request, so the writer only inserts a few rows per batch;
 * decoding runs on whichever thread reads the chunk.
 *
 * Data format, one record per event in order: ts - min_ts and the message length as two 4-byte
 * little-endian fields of 7 bits per byte (28 bits each; schema.c builds one-event chunks from
 * old rows with char(), which only yields single bytes below 0x80), the message bytes, a NUL.
 * An event's id is (chunk id << LOGS_CHUNK_INDEX_BITS) | its index in the chunk, so ids keep
 * insertion order across chunks.
 */
#ifndef LOGS_CHUNK_H
#define LOGS_CHUNK_H

#include "logs_db.h"

enum {
    LOGS_CHUNK_INDEX_BITS = 16,
    LOGS_CHUNK_MAX_EVENTS = 2048,
    LOGS_CHUNK_TARGET_BYTES = 65536, /* a chunk closes once its data passes this */
    LOGS_CHUNK_MAX_TERMS = 32,       /* required terms a read tests against blooms */
};
/* The longest time a chunk spans. Readers widen an index range on min_ts or max_ts by it, so
 * the packer never exceeds it (PutLogEvents already refuses batches spanning more). */
#define LOGS_CHUNK_SPAN_MS INT64_C(86400000)

/* One event of a chunk that carries an X-Ray trace id (logs_db_find_trace_id). */
struct logs_chunk_trace {
    uint32_t index;
    int64_t ts;
    char id[36];
};

struct logs_chunk {
    int64_t min_ts, max_ts;
    uint32_t count;
    int64_t bytes; /* message bytes, what storedBytes counts */
    unsigned char *data;
    size_t data_len;
    unsigned char *bloom;
    size_t bloom_len;
    struct logs_chunk_trace *traces;
    size_t n_traces;
};

/* A packed batch: the chunks of one stream's events. */
struct logs_chunk_pack {
    struct logs_chunk *chunks;
    size_t n;
};

/* Packs n events (ts non-decreasing) into pack, which the caller zero-initialises and releases
 * with logs_chunk_pack_fini. Any thread. */
void logs_chunk_pack_init(struct logs_chunk_pack *pack, const struct logs_db_event *ev, size_t n);
void logs_chunk_pack_fini(struct logs_chunk_pack *pack);

/* Links trace_id (copied, at most 35 characters) to event `index` of chunk c, unless the chunk
 * already links one to it (the message scan found an X-Ray id first). Whoever owns the pack. */
void logs_chunk_link_trace(struct logs_chunk *c, uint32_t index, int64_t ts, const char *trace_id);

/* One decoded event: message points into the chunk's data (NUL-terminated there). */
struct logs_chunk_event {
    int64_t ts;
    const char *message;
    size_t len;
};

/* Decodes up to max events of data (a chunk with the given min_ts) into out; returns how many,
 * or -1 when the data is malformed. Any thread; out borrows from data. */
int64_t logs_chunk_decode(const unsigned char *data, size_t len, int64_t min_ts,
                          struct logs_chunk_event *out, size_t max);

/* The Bloom hashes of the space-separated terms (fpattern_required_terms); at most
 * LOGS_CHUNK_MAX_TERMS, returns how many. */
size_t logs_chunk_term_hashes(const char *terms, uint64_t out[LOGS_CHUNK_MAX_TERMS]);
/* Whether a chunk whose bloom is (bloom, len) may hold every term hashed in h. A NULL bloom
 * (chunks converted from the row-per-event layout) may hold anything. */
bool logs_chunk_bloom_may_hold(const unsigned char *bloom, size_t len, const uint64_t *h, size_t n);

#endif
