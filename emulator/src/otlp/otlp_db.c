/*
 * otlp_db.c - the OTLP spans kept as received, read back from their aws/spans log events (see
 * otlp_db.h). Runs on the calling thread with that thread's read-only store.
 */
#include "otlp_db.h"

#include <stdlib.h>
#include <string.h>

#include "logs_db.h"
#include "otlp_ingest.h"
#include "fluoro.h"

/* Reading more events than spans wanted: the trace's application logs share the link table. */
#define EVENTS_PER_SPAN 4

struct kept {
    json_t *by_id; /* span id -> {"Id", "Document", start}; a later copy replaces an earlier */
};

static bool keep_event(void *arg, const struct logs_db_row *row)
{
    struct kept *k = arg;
    if (!row->group || strcmp(row->group, LOGS_SPANS_GROUP) != 0) {
        return true;
    }
    json_t *span = json_loadb(row->message, row->len, 0, NULL);
    const char *id = json_string_value(json_object_get(span, "spanId"));
    json_t *start = json_object_get(span, "startTimeUnixNano");
    json_object_set_new(k->by_id, id ? id : "",
                        json_pack("{s:s, s:s%, s:I}", "Id", id ? id : "", "Document", row->message,
                                  row->len, "start", (json_int_t)json_integer_value(start)));
    json_decref(span);
    return true;
}

/* Start time, then span id: the order the otel_spans table served them in. */
static int cmp_span(const void *a, const void *b)
{
    json_t *x = *(json_t *const *)a, *y = *(json_t *const *)b;
    json_int_t sx = json_integer_value(json_object_get(x, "start"));
    json_int_t sy = json_integer_value(json_object_get(y, "start"));
    if (sx != sy) {
        return sx < sy ? -1 : 1;
    }
    return strcmp(json_string_value(json_object_get(x, "Id")),
                  json_string_value(json_object_get(y, "Id")));
}

json_t *otlp_db_trace_spans(struct store *ro, const char *trace_id, size_t limit)
{
    struct kept k = {json_object()};
    json_t *out = json_array();
    if (logs_db_trace_events(ro, trace_id, (int64_t)limit * EVENTS_PER_SPAN, keep_event, &k) < 0) {
        json_decref(k.by_id);
        return out;
    }
    size_t n = json_object_size(k.by_id), i = 0;
    json_t **rows = xcalloc(n + 1, sizeof(*rows));
    const char *key;
    json_t *v;
    json_object_foreach(k.by_id, key, v)
    {
        rows[i++] = v;
    }
    qsort(rows, n, sizeof(*rows), cmp_span);
    for (i = 0; i < n && i < limit; i++) {
        json_object_del(rows[i], "start");
        json_array_append(out, rows[i]);
    }
    free(rows);
    json_decref(k.by_id);
    return out;
}
