/*
 * demo.h - the demo scenario of `fluoro serve --demo` (fixtures/demo.jsonl, embedded in the
 * binary): loaded once at start, shifted to now, and then replayed on a timer with fresh ids so
 * the UI and every README example always find recent traffic (--demo-replay-interval, 0 = off).
 */
#ifndef DEMO_H
#define DEMO_H

#include "app.h"

struct demo;

/* Loads the scenario once, shifted to now, through the writer. Returns 0 or a negative error
 * (logged). Main thread, before the listeners start. */
int demo_load(struct app *app) MUST_CHECK;

/* Starts the replay thread: every interval_s seconds it loads the scenario again, shifted to
 * now with fresh trace and segment ids, through the writer. interval_s <= 0 starts nothing and
 * returns NULL. Returns a new handle for demo_stop. Main thread. */
struct demo *demo_start(struct app *app, int64_t interval_s);

/* Stops and joins the replay thread (a round in progress finishes first) and frees d; NULL is
 * fine. Call before the writer stops. Main thread. */
void demo_stop(struct demo *d);

#endif
