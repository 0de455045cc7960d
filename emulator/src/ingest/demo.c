/*
 * demo.c - the demo scenario, loaded at start and replayed (see demo.h). The replay thread only
 * parses the embedded fixture and hands it to the writer like a POST /api/v1/load would, so the
 * single-writer rule holds; it sleeps on a condition variable so shutdown does not wait for the
 * rest of an interval.
 *
 * Threads: demo_load/demo_start/demo_stop on the main thread; the replay on its own thread.
 */
#include "demo.h"

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <time.h>

#include "fixture.h"
#include "log.h"
#include "web.h"

struct demo {
    struct app *app;
    int64_t interval_s;
    pthread_t thread;
    pthread_mutex_t lock;
    pthread_cond_t wake;
    bool stop;
    int64_t rounds;
};

static const struct web_asset *scenario(void)
{
    const struct web_asset *demo = web_find(demo_fixtures, "/demo.jsonl");
    if (!demo) {
        log_error("demo fixture missing from the build", "%s", "");
    }
    return demo;
}

int demo_load(struct app *app)
{
    const struct web_asset *demo = scenario();
    struct fixture_result res;
    if (!demo) {
        return ERR_INTERNAL;
    }
    int rc = fixture_load(app, (const char *)demo->bytes, demo->len, true, &res);
    if (rc < 0) {
        log_error("demo fixture failed to load", "line=%d error=\"%s\"", res.line, res.msg);
        return rc;
    }
    log_info("demo data loaded", "segments=%lld log_events=%lld", (long long)res.segments,
             (long long)res.log_events);
    return 0;
}

/* Waits for the next round; false when stopping. */
static bool wait_round(struct demo *d)
{
    struct timespec until;
    clock_gettime(CLOCK_REALTIME, &until);
    until.tv_sec += (time_t)d->interval_s;
    pthread_mutex_lock(&d->lock);
    int rc = 0;
    while (!d->stop && rc != ETIMEDOUT) {
        rc = pthread_cond_timedwait(&d->wake, &d->lock, &until);
    }
    bool go = !d->stop;
    pthread_mutex_unlock(&d->lock);
    return go;
}

static void *replay(void *arg)
{
    struct demo *d = arg;
    const struct web_asset *demo = scenario();
    while (demo && wait_round(d)) {
        struct fixture_result res;
        int rc = fixture_replay(d->app, (const char *)demo->bytes, demo->len, &res);
        if (rc < 0) {
            log_warn("demo replay failed", "rc=%d line=%d error=\"%s\"", rc, res.line, res.msg);
            continue;
        }
        d->rounds++;
        log_debug("demo replayed", "round=%lld segments=%lld log_events=%lld", (long long)d->rounds,
                  (long long)res.segments, (long long)res.log_events);
    }
    return NULL;
}

struct demo *demo_start(struct app *app, int64_t interval_s)
{
    if (interval_s <= 0) {
        return NULL;
    }
    struct demo *d = xcalloc(1, sizeof(*d));
    d->app = app;
    d->interval_s = interval_s;
    pthread_mutex_init(&d->lock, NULL);
    pthread_cond_init(&d->wake, NULL);
    if (pthread_create(&d->thread, NULL, replay, d) != 0) {
        log_warn("demo replay not started", "reason=\"cannot create a thread\"");
        pthread_cond_destroy(&d->wake);
        pthread_mutex_destroy(&d->lock);
        free(d);
        return NULL;
    }
    log_info("demo replay on", "interval_s=%lld", (long long)interval_s);
    return d;
}

void demo_stop(struct demo *d)
{
    if (!d) {
        return;
    }
    pthread_mutex_lock(&d->lock);
    d->stop = true;
    pthread_cond_signal(&d->wake);
    pthread_mutex_unlock(&d->lock);
    pthread_join(d->thread, NULL);
    pthread_cond_destroy(&d->wake);
    pthread_mutex_destroy(&d->lock);
    free(d);
}
