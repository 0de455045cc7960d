/*
 * test_logs_chunk.c - the chunk layout without SQL: packing splits where logs_chunk.h says,
 * decoding returns every event as packed, and the Bloom pre-filter never loses a message that a
 * term pattern matches (the required terms of fpattern.h against the bloom of the chunk holding
 * the message), while rejecting most absent terms.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fpattern.h"
#include "logs_chunk.h"

TestSuite(logs_chunk);

Test(logs_chunk, pack_splits_by_count_bytes_span_and_order_and_decodes_back)
{
    enum { N = 5000 };
    struct logs_db_event *ev = calloc(N, sizeof(*ev));
    static char msg[N][32];
    for (size_t i = 0; i < N; i++) {
        snprintf(msg[i], sizeof(msg[0]), "event %zu", i);
        ev[i].ts = 1000 + (int64_t)i;
        ev[i].message = msg[i];
        ev[i].len = strlen(msg[i]);
    }
    ev[3000].ts = ev[2999].ts + LOGS_CHUNK_SPAN_MS + 1; /* span: a new chunk */
    for (size_t i = 3001; i < N; i++) {
        ev[i].ts = ev[3000].ts + (int64_t)i;
    }
    struct logs_chunk_pack p = {0};
    logs_chunk_pack_init(&p, ev, N);
    cr_assert_eq(p.n, 3); /* 2048 | 952, then the span | 2000 */
    cr_expect_eq(p.chunks[0].count, LOGS_CHUNK_MAX_EVENTS);
    cr_expect_eq(p.chunks[1].count, 3000 - LOGS_CHUNK_MAX_EVENTS);
    cr_expect_eq(p.chunks[1].max_ts, ev[2999].ts);
    cr_expect_eq(p.chunks[2].min_ts, ev[3000].ts);
    size_t at = 0;
    struct logs_chunk_event *out = calloc(LOGS_CHUNK_MAX_EVENTS, sizeof(*out));
    for (size_t c = 0; c < p.n; c++) {
        int64_t n = logs_chunk_decode(p.chunks[c].data, p.chunks[c].data_len, p.chunks[c].min_ts,
                                      out, LOGS_CHUNK_MAX_EVENTS);
        cr_assert_eq(n, p.chunks[c].count);
        for (int64_t i = 0; i < n; i++, at++) {
            cr_expect_eq(out[i].ts, ev[at].ts);
            cr_expect_eq(out[i].len, ev[at].len);
            cr_expect_eq(memcmp(out[i].message, ev[at].message, ev[at].len), 0);
            cr_expect_eq(out[i].message[out[i].len], '\0');
        }
    }
    cr_expect_eq(at, N);
    logs_chunk_pack_fini(&p);
    /* an out-of-order timestamp and a big message each close the chunk */
    struct logs_db_event two[3] = {{5, "a", 1}, {4, "b", 1}, {4, NULL, LOGS_CHUNK_TARGET_BYTES}};
    char *big = malloc(LOGS_CHUNK_TARGET_BYTES + 1);
    memset(big, 'x', LOGS_CHUNK_TARGET_BYTES);
    big[LOGS_CHUNK_TARGET_BYTES] = '\0';
    two[2].message = big;
    struct logs_db_event three[4] = {two[0], two[1], two[2], {4, "c", 1}};
    logs_chunk_pack_init(&p, three, 4);
    cr_expect_eq(p.n, 3);
    cr_expect_eq(p.chunks[2].count, 1, "the chunk closes once its data passes the target");
    logs_chunk_pack_fini(&p);
    cr_expect_eq(logs_chunk_decode((const unsigned char *)"\x01\x00", 2, 0, out, 4), -1);
    free(big);
    free(out);
    free(ev);
}

/* Messages built from a small vocabulary with separators of every kind, non-ASCII bytes and
 * case variants; patterns built from the same vocabulary. */
static const char *const words[] = {"ERROR", "error",       "Error", "timeout", "id",    "42",
                                    "user",  "caf\xc3\xa9", "a1b2",  "x",       "PANIC", "ok"};
static const char *const seps[] = {" ", "=", ":", "[", "]", "-", "/", "\"", "\xc3\xa9", ".", ""};

static void random_message(unsigned *seed, char *out, size_t cap)
{
    size_t n = 0;
    int words_n = 1 + (int)(rand_r(seed) % 8);
    for (int i = 0; i < words_n; i++) {
        const char *w = words[rand_r(seed) % (sizeof(words) / sizeof(words[0]))];
        const char *s = seps[rand_r(seed) % (sizeof(seps) / sizeof(seps[0]))];
        n += (size_t)snprintf(out + n, cap - n, "%s%s", w, s);
    }
}

Test(logs_chunk, bloom_never_loses_a_term_match)
{
    const char *patterns[] = {
        "ERROR",         "error",     "timeout ERROR", "\"id=42\"",   "id=42",
        "\"ERROR: id\"", "[ERROR]",   "a1b2",          "-ok ERROR",   "?PANIC ?ERROR",
        "user/id",       "42",        "\"or tim\"",    "caf\xc3\xa9", "x",
        "Error:timeout", "\"ERROR\"", "\"rror\"",      "PANIC x",     "\"a1b2-x\""};
    unsigned seed = 12345;
    size_t checked = 0, matched = 0;
    for (int round = 0; round < 200; round++) {
        enum { N = 60 };
        static char msg[N][256];
        struct logs_db_event ev[N];
        for (size_t i = 0; i < N; i++) {
            random_message(&seed, msg[i], sizeof(msg[0]));
            ev[i] = (struct logs_db_event){(int64_t)i, msg[i], strlen(msg[i])};
        }
        struct logs_chunk_pack p = {0};
        logs_chunk_pack_init(&p, ev, N);
        cr_assert_eq(p.n, 1);
        for (size_t k = 0; k < sizeof(patterns) / sizeof(patterns[0]); k++) {
            struct fpattern *fp = NULL;
            struct errbuf err = {{0}, -1};
            cr_assert_eq(fpattern_compile(patterns[k], &fp, &err), 0, "%s", patterns[k]);
            uint64_t h[LOGS_CHUNK_MAX_TERMS];
            size_t nh = logs_chunk_term_hashes(fpattern_required_terms(fp), h);
            bool may = logs_chunk_bloom_may_hold(p.chunks[0].bloom, p.chunks[0].bloom_len, h, nh);
            for (size_t i = 0; i < N; i++) {
                if (fpattern_match(fp, msg[i], strlen(msg[i]))) {
                    matched++;
                    cr_assert(may, "pattern `%s` matches `%s` but the bloom rejects its chunk",
                              patterns[k], msg[i]);
                }
                checked++;
            }
            /* the same, for a chunk of that message alone (a tight bloom) */
            struct logs_chunk_pack one = {0};
            logs_chunk_pack_init(&one, &ev[round % N], 1);
            if (fpattern_match(fp, msg[round % N], strlen(msg[round % N]))) {
                cr_assert(
                    logs_chunk_bloom_may_hold(one.chunks[0].bloom, one.chunks[0].bloom_len, h, nh),
                    "`%s` / `%s`", patterns[k], msg[round % N]);
            }
            logs_chunk_pack_fini(&one);
            fpattern_free(fp);
        }
        logs_chunk_pack_fini(&p);
    }
    cr_expect_gt(matched, checked / 20, "the corpus should exercise matches");
}

Test(logs_chunk, bloom_rejects_most_absent_terms)
{
    enum { N = 1000 };
    static char msg[N][64];
    struct logs_db_event ev[N];
    for (size_t i = 0; i < N; i++) {
        snprintf(msg[i], sizeof(msg[0]), "INFO request id=%zu user=u%zu status=200", i, i * 7);
        ev[i] = (struct logs_db_event){(int64_t)i, msg[i], strlen(msg[i])};
    }
    struct logs_chunk_pack p = {0};
    logs_chunk_pack_init(&p, ev, N);
    cr_assert_eq(p.n, 1);
    int fp = 0;
    for (int i = 0; i < 10000; i++) {
        char term[32];
        snprintf(term, sizeof(term), "absent%d", i);
        uint64_t h[LOGS_CHUNK_MAX_TERMS];
        size_t nh = logs_chunk_term_hashes(term, h);
        fp += logs_chunk_bloom_may_hold(p.chunks[0].bloom, p.chunks[0].bloom_len, h, nh);
    }
    cr_expect_lt(fp, 300, "%d of 10000 absent terms pass (want about 1%%)", fp);
    uint64_t h[LOGS_CHUNK_MAX_TERMS];
    size_t nh = logs_chunk_term_hashes("INFO u6993 999", h);
    cr_expect_eq(nh, 3);
    cr_expect(logs_chunk_bloom_may_hold(p.chunks[0].bloom, p.chunks[0].bloom_len, h, nh));
    cr_expect(logs_chunk_bloom_may_hold(NULL, 0, h, nh), "no bloom: may hold anything");
    logs_chunk_pack_fini(&p);
}
