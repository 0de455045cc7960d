/*
 * logs_shapes.c - the CloudWatch Logs response objects built from storage rows (logs_db.h):
 * LogGroup and LogStream. logs_db returns rows; these turn them into the AWS shapes, member
 * order as AWS sends them (reference/logs-api.md). Pure; HTTP threads.
 */
#include "logs_api_int.h"

/* Sets key to an optional integer when it has a value. */
static void set_opt(json_t *o, const char *key, struct logs_db_opt v)
{
    if (v.set) {
        json_object_set_new(o, key, json_integer(v.v));
    }
}

json_t *logs_shapes_group(const struct logs_db_group_row *r, const char *arn_prefix)
{
    json_t *g = json_object();
    json_object_set_new(g, "logGroupName", json_string(r->name));
    json_object_set_new(g, "creationTime", json_integer(r->created));
    set_opt(g, "retentionInDays", r->retention_days);
    json_object_set_new(g, "metricFilterCount", json_integer(r->metric_filters));
    json_object_set_new(g, "arn", json_sprintf("%slog-group:%s:*", arn_prefix, r->name));
    json_object_set_new(g, "storedBytes", json_integer(r->stored_bytes));
    if (r->kms_key_id) {
        json_object_set_new(g, "kmsKeyId", json_string(r->kms_key_id));
    }
    if (r->data_protection) {
        json_object_set_new(g, "dataProtectionStatus", json_string("ACTIVATED"));
    }
    json_object_set_new(g, "logGroupClass", json_string(r->log_group_class));
    json_object_set_new(g, "logGroupArn", json_sprintf("%slog-group:%s", arn_prefix, r->name));
    return g;
}

json_t *logs_shapes_stream(const struct logs_db_stream_row *r, const char *group_name,
                           const char *arn_prefix)
{
    json_t *o = json_object();
    json_object_set_new(o, "logStreamName", json_string(r->name));
    json_object_set_new(o, "creationTime", json_integer(r->created));
    set_opt(o, "firstEventTimestamp", r->first_event);
    set_opt(o, "lastEventTimestamp", r->last_event);
    set_opt(o, "lastIngestionTime", r->last_ingest);
    /* Deprecated and ignored since 2023, but old agents still read it (logs-api.md); a stream
     * that never received an event has none (recorded AWS response, 2026). */
    if (r->last_ingest.set) {
        json_object_set_new(o, "uploadSequenceToken", json_string("1"));
    }
    json_object_set_new(
        o, "arn", json_sprintf("%slog-group:%s:log-stream:%s", arn_prefix, group_name, r->name));
    json_object_set_new(o, "storedBytes", json_integer(0));
    return o;
}
