/*
 * xray_ingest.c - X-Ray ingest in the writer's batches (see xray_ingest.h). Per datagram: the
 * parse stage splits the daemon header from the body and validates it as a segment document
 * (or, for ADOT's T1S bodies, translates its spans); the writer stores the segments and notes
 * each touched trace with the documents this batch stored for it. At the end of the batch every
 * touched trace is re-derived once: its stored documents are read on the writer thread, the
 * derivation (parse, trace_derive into the encoded view) runs on the writer's pool, and the
 * derived rows are written back before COMMIT. Invariant: a trace's derived rows always come
 * from exactly the documents committed with them.
 */
#include "xray_ingest.h"

#include <stdlib.h>
#include <string.h>

#include "jarena.h"
#include "jparse.h"
#include "log.h"
#include "metrics.h"
#include "otlp_ingest.h"
#include "otlp_udp.h"
#include "pool.h"
#include "segment.h"
#include "trace.h"
#include "trace_facts.h"
#include "xray_db.h"

/* A trace touched in this batch, with the documents this batch stored for it (id -> doc). */
struct dirty_trace {
    char *trace_id;
    json_t *fresh;
};

struct xray_ingest {
    int64_t seq;               /* last segments.seq given out (writer thread only) */
    struct dirty_trace *dirty; /* open-addressed set of traces touched in this batch */
    size_t ndirty_slots;
    size_t ndirty;
    uint64_t otel_spans, otel_segments; /* ADOT datagrams' spans stored in this batch */
};

int xray_ingest_new(struct store *rw, struct xray_ingest **out)
{
    struct xray_ingest *x = xcalloc(1, sizeof(*x));
    x->seq = xray_db_max_seq(rw);
    if (x->seq < 0) {
        free(x);
        *out = NULL;
        return ERR_INTERNAL;
    }
    *out = x;
    return 0;
}

static void clear_dirty(struct xray_ingest *x)
{
    for (size_t i = 0; i < x->ndirty_slots; i++) {
        free(x->dirty[i].trace_id);
        json_decref(x->dirty[i].fresh);
    }
    free(x->dirty);
    x->dirty = NULL;
    x->ndirty_slots = x->ndirty = 0;
}

void xray_ingest_free(struct xray_ingest *x)
{
    if (!x) {
        return;
    }
    clear_dirty(x);
    free(x);
}

static size_t hash_str(const char *s)
{
    size_t h = 5381;
    while (*s) {
        h = h * 33 + (unsigned char)*s++;
    }
    return h;
}

static struct dirty_trace *touch(struct writer_txn *txn, struct xray_ingest *x,
                                 const char *trace_id)
{
    if ((x->ndirty + 1) * 2 > x->ndirty_slots) {
        struct dirty_trace *old = x->dirty;
        size_t oldn = x->ndirty_slots;
        x->ndirty_slots = oldn ? oldn * 2 : 256;
        x->dirty = xcalloc(x->ndirty_slots, sizeof(*x->dirty));
        for (size_t i = 0; i < oldn; i++) {
            if (old[i].trace_id) {
                size_t j = hash_str(old[i].trace_id) & (x->ndirty_slots - 1);
                while (x->dirty[j].trace_id) {
                    j = (j + 1) & (x->ndirty_slots - 1);
                }
                x->dirty[j] = old[i];
            }
        }
        free(old);
    }
    size_t i = hash_str(trace_id) & (x->ndirty_slots - 1);
    while (x->dirty[i].trace_id) {
        if (strcmp(x->dirty[i].trace_id, trace_id) == 0) {
            return &x->dirty[i];
        }
        i = (i + 1) & (x->ndirty_slots - 1);
    }
    x->dirty[i].trace_id = xstrdup(trace_id);
    x->dirty[i].fresh = json_object();
    x->ndirty++;
    writer_txn_changed(txn, WRITER_CHANGED_TRACES);
    return &x->dirty[i];
}

int xray_ingest_put_segment(struct writer_txn *txn, const struct segment *seg, const char *text,
                            size_t len, double received_at)
{
    struct xray_ingest *x = writer_txn_ingest(txn);
    enum xray_db_put outcome;
    int rc = xray_db_put_segment(writer_txn_store(txn), seg, text, len, received_at, x->seq + 1,
                                 &outcome);
    if (rc < 0) {
        return rc;
    }
    if (outcome != XRAY_DB_KEPT_EXISTING) {
        ++x->seq; /* a rolled-back use leaves a gap, which exporters skip */
    }
    struct dirty_trace *d = touch(txn, x, seg->trace_id);
    if (outcome != XRAY_DB_KEPT_EXISTING) {
        json_object_set(d->fresh, seg->id, seg->doc);
    }
    if (outcome == XRAY_DB_REPLACED) {
        METRIC_INC(segments_replaced);
    }
    return 0;
}

/* ---- the datagram hooks ---- */

/* One datagram of the batch, parsed on the parse stage. */
struct parsed {
    enum segment_reject reject;
    struct segment seg;
    const char *body;
    size_t body_len;
    struct errbuf err;
    struct otlp_batch *otel; /* ADOT T1S datagram: its translated spans instead of seg */
};

static void parse_datagram(void *slot, const char *data, size_t len, double received_at)
{
    struct parsed *p = slot;
    p->err.pos = -1;
    p->reject = segment_split_datagram(data, len, &p->body, &p->body_len);
    if (p->reject == SEGMENT_OK && otlp_udp_claims(p->body, p->body_len)) {
        /* Spans live in their own batch's arena (otlp_batch), released with their slot. */
        struct jarena *arena = jarena_use(NULL);
        p->reject = otlp_udp_parse(p->body, p->body_len, received_at, &p->otel, &p->err);
        jarena_use(arena);
        jarena_note_heap(p->otel ? arena : NULL);
    } else if (p->reject == SEGMENT_OK) {
        p->reject = segment_parse(p->body, p->body_len, &p->seg, &p->err);
    }
}

/* The batch's segment documents live in one arena (jarena.h): made current on the parse stage
 * for the batch's parses, read by the writer and the pool, and freed by the writer once the
 * batch is done. Per-document malloc and free were about a sixth of fluoro's CPU on UDP ingest. */
static void *parse_begin(void)
{
    struct jarena *a = jarena_new();
    jarena_use(a);
    return a;
}

static void parse_end(void *batch)
{
    (void)batch;
    jarena_use(NULL);
}

/* When the arena holds every document of the batch (nothing here adds to a parsed document), it
 * goes as a whole and no tree is walked: that walk was 5% of fluoro's CPU. A batch with ADOT
 * spans or a document the arena could not hold is torn down slot by slot first. */
static bool batch_owns_slots(const void *batch)
{
    return jarena_pure(batch);
}

static void batch_free(void *batch)
{
    jarena_free(batch);
}

static void release_datagram(void *slot)
{
    struct parsed *p = slot;
    if (p->otel) {
        otlp_udp_free(p->otel);
    } else if (p->reject == SEGMENT_OK) {
        segment_fini(&p->seg);
    }
}

static int store_datagram(struct writer_txn *txn, void *slot, double received_at)
{
    struct parsed *p = slot;
    if (p->reject != SEGMENT_OK) {
        METRIC_INC(udp_rejected[p->reject]);
        log_ratelimited(LOG_DEBUG, "segment rejected", "reason=%s detail=\"%s\"",
                        segment_reject_label(p->reject), p->err.msg);
        return 0;
    }
    int rc = p->otel ? otlp_batch_store(txn, p->otel, received_at)
                     : xray_ingest_put_segment(txn, &p->seg, p->body, p->body_len, received_at);
    if (rc < 0) {
        return rc;
    }
    if (p->otel) {
        struct xray_ingest *x = writer_txn_ingest(txn);
        x->otel_spans += p->otel->accepted;
        x->otel_segments += p->otel->nsegs;
    }
    return 1;
}

/* ---- end of batch: re-derive the touched traces ---- */

/* One trace to re-derive: its stored documents are read on the writer thread, the derivation
 * itself (parse, trace_derive into the encoded view) runs on a pool thread. */
struct derive_job {
    const struct dirty_trace *trace;
    struct xray_db_docs docs;
    bool has_row;
    struct xray_db_trace_row row;
};

static void derive_one(void *ctx, size_t i)
{
    struct derive_job *job = &((struct derive_job *)ctx)[i];
    size_t n = job->docs.n;
    json_t **items = xmalloc((n + 1) * sizeof(*items));
    json_t *parsed = json_array(); /* owns the documents parsed here */
    size_t used = 0;
    for (size_t k = 0; k < n; k++) {
        /* Documents this batch stored are already parsed (their text was not even copied out):
         * share them. */
        json_t *doc = json_object_get(job->trace->fresh, job->docs.ids[k]);
        if (!doc && job->docs.texts[k]) {
            const char *text = job->docs.texts[k];
            doc = jparse_loadb(text, strlen(text), 0, NULL);
            json_array_append_new(parsed, doc);
        }
        if (doc) {
            items[used++] = doc;
        }
    }
    size_t len = 0;
    void *blob = used ? trace_derive(items, used, &len) : NULL;
    if (blob) {
        struct trace_view v;
        trace_facts_init(&v);
        if (trace_facts_decode(&v, blob, len) == 0) {
            xray_db_trace_row_init(&job->row, &v, blob, len);
            job->has_row = true;
        } else {
            free(blob); /* cannot happen: trace_derive writes what the decoder reads */
        }
        trace_facts_fini(&v);
    }
    free(items);
    json_decref(parsed);
}

static int derive_dirty(struct writer_txn *txn)
{
    struct xray_ingest *x = writer_txn_ingest(txn);
    struct store *rw = writer_txn_store(txn);
    struct derive_job *jobs = xcalloc(x->ndirty + 1, sizeof(*jobs));
    size_t n = 0;
    int rc = 0;
    for (size_t i = 0; i < x->ndirty_slots && rc == 0; i++) {
        if (x->dirty[i].trace_id) {
            jobs[n].trace = &x->dirty[i];
            rc = xray_db_load_docs(rw, x->dirty[i].trace_id, x->dirty[i].fresh, &jobs[n].docs);
            n++;
        }
    }
    if (rc == 0) {
        pool_run(writer_txn_pool(txn), derive_one, jobs, n);
    }
    for (size_t i = 0; i < n; i++) {
        if (rc == 0) {
            rc = xray_db_replace_derived(rw, jobs[i].trace->trace_id,
                                         jobs[i].has_row ? &jobs[i].row : NULL);
            METRIC_INC(writer_traces_derived);
        }
        xray_db_docs_fini(&jobs[i].docs);
        xray_db_trace_row_fini(&jobs[i].row);
    }
    free(jobs);
    return rc;
}

static void batch_done(struct writer_txn *txn, bool committed)
{
    struct xray_ingest *x = writer_txn_ingest(txn);
    if (committed) {
        METRIC_ADD(otlp_spans_accepted, x->otel_spans);
        METRIC_ADD(otlp_segments_stored, x->otel_segments);
    }
    x->otel_spans = x->otel_segments = 0;
    clear_dirty(x);
}

const struct writer_ingest xray_ingest_hooks = {
    .slot_size = sizeof(struct parsed),
    .parse = parse_datagram,
    .store = store_datagram,
    .batch_end = derive_dirty,
    .batch_done = batch_done,
    .release = release_datagram,
    .parse_begin = parse_begin,
    .parse_end = parse_end,
    .batch_owns_slots = batch_owns_slots,
    .batch_free = batch_free,
};
