/*
 * park.c - parked HTTP connections (see park.h).
 *
 * Threads: pool threads call parker_park(); the `watch` thread blocks in writer_wait_change()
 * and, after each commit, resumes the entries whose generation has passed; the `clock` thread
 * sleeps until the earliest deadline and resumes the entries that are due. Both take p->mu.
 *
 * Invariants: an entry is in p->entries exactly while its connection is suspended by us, so
 * each suspend is matched by one resume, and every entry is resumed before parker_close()
 * returns. Lock order is p->mu, then libmicrohttpd's own: the suspend happens under p->mu, so a
 * resume can never overtake it. A handler observes the generation before it reads, so a commit
 * landing between its read and its park still resumes it.
 */
#include "park.h"

#include <microhttpd.h>
#include <pthread.h>
#include <stdlib.h>

/* The watch thread re-checks `closing` at least this often. */
#define WATCH_SLICE_MS 500

struct entry {
    struct MHD_Connection *conn;
    uint64_t generation;
    uint64_t deadline_ms;
};

struct parker {
    struct writer *w;
    pthread_mutex_t mu;
    pthread_cond_t cond; /* clock thread: an earlier deadline or closing */
    struct entry *entries;
    size_t n, cap;
    bool closing;
    pthread_t watch, clock;
    bool started;
};

/* Resumes and removes the entries for which due() holds. Caller holds p->mu. */
static void resume_where(struct parker *p, bool (*due)(const struct entry *, uint64_t),
                         uint64_t arg)
{
    size_t k = 0;
    for (size_t i = 0; i < p->n; i++) {
        if (due(&p->entries[i], arg)) {
            MHD_resume_connection(p->entries[i].conn);
        } else {
            p->entries[k++] = p->entries[i];
        }
    }
    p->n = k;
}

static bool generation_passed(const struct entry *e, uint64_t generation)
{
    return generation > e->generation;
}

static bool deadline_passed(const struct entry *e, uint64_t now)
{
    return now >= e->deadline_ms;
}

static bool always(const struct entry *e, uint64_t unused)
{
    (void)e;
    (void)unused;
    return true;
}

static void *watch_main(void *arg)
{
    struct parker *p = arg;
    uint64_t g = writer_generation(p->w);
    for (;;) {
        pthread_mutex_lock(&p->mu);
        bool closing = p->closing;
        pthread_mutex_unlock(&p->mu);
        if (closing) {
            return NULL;
        }
        uint64_t next = writer_wait_change(p->w, g, WATCH_SLICE_MS, NULL);
        if (next != g) {
            g = next;
            pthread_mutex_lock(&p->mu);
            resume_where(p, generation_passed, g);
            pthread_mutex_unlock(&p->mu);
        }
    }
}

static void *clock_main(void *arg)
{
    struct parker *p = arg;
    pthread_mutex_lock(&p->mu);
    while (!p->closing) {
        uint64_t now = now_mono_ms();
        resume_where(p, deadline_passed, now);
        uint64_t earliest = UINT64_MAX;
        for (size_t i = 0; i < p->n; i++) {
            earliest = p->entries[i].deadline_ms < earliest ? p->entries[i].deadline_ms : earliest;
        }
        if (earliest == UINT64_MAX) {
            pthread_cond_wait(&p->cond, &p->mu);
        } else {
            struct timespec ts;
            uint64_t ms = earliest - now;
            deadline_after_ms(&ts, ms > 60000 ? 60000 : (int)ms);
            pthread_cond_timedwait(&p->cond, &p->mu, &ts);
        }
    }
    pthread_mutex_unlock(&p->mu);
    return NULL;
}

struct parker *parker_start(struct writer *w)
{
    struct parker *p = xcalloc(1, sizeof(*p));
    p->w = w;
    pthread_mutex_init(&p->mu, NULL);
    cond_init_monotonic(&p->cond);
    if (pthread_create(&p->watch, NULL, watch_main, p) != 0 ||
        pthread_create(&p->clock, NULL, clock_main, p) != 0) {
        abort(); /* thread creation failing at start is as fatal as OOM */
    }
    p->started = true;
    return p;
}

bool parker_park(struct parker *p, struct MHD_Connection *conn, uint64_t generation,
                 uint64_t deadline_ms)
{
    pthread_mutex_lock(&p->mu);
    if (p->closing) {
        pthread_mutex_unlock(&p->mu);
        return false;
    }
    if (p->n == p->cap) {
        p->cap = p->cap ? p->cap * 2 : 64;
        p->entries = xrealloc(p->entries, p->cap * sizeof(*p->entries));
    }
    MHD_suspend_connection(conn);
    p->entries[p->n++] = (struct entry){conn, generation, deadline_ms};
    /* The clock thread may be sleeping towards a later deadline. */
    pthread_cond_signal(&p->cond);
    pthread_mutex_unlock(&p->mu);
    return true;
}

void parker_close(struct parker *p)
{
    if (!p) {
        return;
    }
    pthread_mutex_lock(&p->mu);
    p->closing = true;
    resume_where(p, always, 0);
    pthread_cond_signal(&p->cond);
    pthread_mutex_unlock(&p->mu);
}

void parker_free(struct parker *p)
{
    if (!p) {
        return;
    }
    parker_close(p);
    if (p->started) {
        pthread_join(p->watch, NULL);
        pthread_join(p->clock, NULL);
    }
    pthread_cond_destroy(&p->cond);
    pthread_mutex_destroy(&p->mu);
    free(p->entries);
    free(p);
}

size_t parker_count(struct parker *p)
{
    pthread_mutex_lock(&p->mu);
    size_t n = p->n;
    pthread_mutex_unlock(&p->mu);
    return n;
}
