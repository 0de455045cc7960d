/*
 * fixture.h - loading fixture files (docs/fixtures.md): JSON lines, each either a segment
 * document (segment or independent subsegment) or {"log": {"group", "stream", "timestamp" (epoch
 * ms), "message"}}. Optionally shifted so the newest item lands at "now", with trace ids
 * rewritten to match (also inside log messages). Parsing and validation run on the caller's
 * thread; the writes go through the writer in one transaction, so a load is all or nothing.
 */
#ifndef FIXTURE_H
#define FIXTURE_H

#include <jansson.h>

#include "app.h"

struct fixture_result {
    int64_t segments;
    int64_t log_events;
    int line;      /* first bad line (1-based) when ERR_INVALID */
    char msg[256]; /* why it is bad */
};

/* Loads text (len bytes). Returns 0, ERR_INVALID (nothing stored; res says where and why) or
 * ERR_INTERNAL. Any thread except the writer. */
int fixture_load(struct app *app, const char *text, size_t len, bool shift_to_now,
                 struct fixture_result *res) MUST_CHECK;

/* fixture_load shifted to now with fresh ids: every trace id gets a new random part and every
 * segment, subsegment and exception id a new value (references follow), so loading the same
 * text again adds new traces instead of replacing the earlier ones (the demo's replay). */
int fixture_replay(struct app *app, const char *text, size_t len,
                   struct fixture_result *res) MUST_CHECK;

/* Time-shifting, written once for fixture loads and `fluoro send --shift`. Moves the start_time
 * and end_time of doc and of its nested subsegments (to depth 512) by delta seconds, in place. */
void fixture_shift_doc(json_t *doc, double delta);
/* id ("1-" then 8 hex digits of epoch seconds, 35 characters) with its epoch part moved by
 * delta_s seconds, into out. false (out untouched) when id does not have that shape. Pure. */
bool fixture_shift_trace_id(const char *id, long delta_s, char out[36]);

#endif
