/*
 * xray_config_db.h - the X-Ray configuration store: groups, sampling rules and their reported
 * statistics, resource tags, resource policies and account settings (encryption, indexing
 * rules...). Every statement over those tables is here; the handlers (xray_groups.c,
 * sampling_api.c, sampling.c, xray_tags.c, xray_admin.c, xray_api.c, xray_query.c) validate
 * requests and encode responses from the rows these functions return.
 *
 * Readers take any connection (an HTTP thread's read-only one, or the writer's inside a write
 * command); writers take the writer's (struct store *rw, writer thread only). Rows are returned
 * as structs that own their strings; JSON columns (a sampling rule, a setting) come back as the
 * stored text, which the caller parses. Errors: ERR_NOTFOUND for a missing row, ERR_INTERNAL for
 * a SQL failure (logged by store_fail()).
 */
#ifndef XRAY_CONFIG_DB_H
#define XRAY_CONFIG_DB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "fluoro.h"
#include "store.h"

/* ---- groups (xray_groups) ---- */

struct xray_config_group {
    char *name, *arn, *filter; /* owned; filter may be NULL */
    bool insights, notifications;
};
/* Frees the strings and zeroes g; safe on a zeroed or half-filled row. */
void xray_config_group_fini(struct xray_config_group *g);
/* Frees n rows and the array. */
void xray_config_groups_free(struct xray_config_group *rows, size_t n);

/* The stored group matching name and/or arn (NULL matches any). Fills *out (caller finis).
 * Returns 0, ERR_NOTFOUND or ERR_INTERNAL. The built-in Default group has no row until its
 * configuration changes; synthesizing it is the caller's business. */
int xray_config_db_group_find(struct store *s, const char *name, const char *arn,
                              struct xray_config_group *out) MUST_CHECK;
/* Every stored group but Default, by name. *rows is new (xray_config_groups_free), *n its count.
 * Returns 0 or ERR_INTERNAL. */
int xray_config_db_group_list(struct store *s, struct xray_config_group **rows,
                              size_t *n) MUST_CHECK;
/* The filter expression of the group with that name (is_arn false) or ARN. *expr is new and NULL
 * when the group has none. Returns 0, ERR_NOTFOUND or ERR_INTERNAL. */
int xray_config_db_group_filter(struct store *s, const char *name_or_arn, bool is_arn,
                                char **expr) MUST_CHECK;
/* Writer: inserts g (name and ARN new). Returns 0 or ERR_INTERNAL. */
int xray_config_db_group_insert(struct store *rw, const struct xray_config_group *g) MUST_CHECK;
/* Writer: rewrites the filter and Insights flags of group g->name; with upsert (the Default
 * group, which gets a row the first time it changes) the row is created when missing. */
int xray_config_db_group_update(struct store *rw, const struct xray_config_group *g,
                                bool upsert) MUST_CHECK;
/* Writer: deletes the group with that name. */
int xray_config_db_group_delete(struct store *rw, const char *name) MUST_CHECK;

/* ---- resource tags (resource_tags, keyed by a group's or sampling rule's ARN) ---- */

struct xray_config_tag {
    char *key, *value; /* owned */
};
void xray_config_tags_free(struct xray_config_tag *rows, size_t n);

/* Writer: adds or replaces one tag. */
int xray_config_db_tag_put(struct store *rw, const char *arn, const char *key,
                           const char *value) MUST_CHECK;
/* Writer: removes one tag (absent is fine). */
int xray_config_db_tag_delete(struct store *rw, const char *arn, const char *key) MUST_CHECK;
/* Writer: removes every tag of arn (the resource was deleted). */
int xray_config_db_tags_delete_all(struct store *rw, const char *arn) MUST_CHECK;
/* The tags of arn by key: *rows new, *n its count. Returns 0 or ERR_INTERNAL. */
int xray_config_db_tag_list(struct store *s, const char *arn, struct xray_config_tag **rows,
                            size_t *n) MUST_CHECK;
/* Number of tags on arn in *n. Returns 0 or ERR_INTERNAL. */
int xray_config_db_tag_count(struct store *s, const char *arn, int64_t *n) MUST_CHECK;
/* Whether a stored group or sampling rule has that ARN (false on a SQL failure, logged). */
bool xray_config_db_resource_exists(struct store *s, const char *arn);

/* ---- sampling rules (sampling_rules) and statistics (sampling_statistics) ---- */

struct xray_config_rule {
    char *rule; /* owned: the SamplingRule object as stored JSON text */
    double created, modified;
};
void xray_config_rules_free(struct xray_config_rule *rows, size_t n);

/* Every stored rule (any order): *rows new, *n its count. Returns 0 or ERR_INTERNAL. */
int xray_config_db_rule_list(struct store *s, struct xray_config_rule **rows, size_t *n) MUST_CHECK;
/* The rule matching name and/or arn (NULL matches any) into *out (caller frees out->rule).
 * Returns 0, ERR_NOTFOUND or ERR_INTERNAL. */
int xray_config_db_rule_find(struct store *s, const char *name, const char *arn,
                             struct xray_config_rule *out) MUST_CHECK;
/* Number of rules besides Default in *n. Returns 0 or ERR_INTERNAL. */
int xray_config_db_rule_count(struct store *s, int64_t *n) MUST_CHECK;
/* Writer: stores rule_json (SamplingRule text) under name/arn, replacing any rule of that name. */
int xray_config_db_rule_save(struct store *rw, const char *name, const char *arn,
                             const char *rule_json, double created, double modified) MUST_CHECK;
/* Writer: deletes the rule with that name. */
int xray_config_db_rule_delete(struct store *rw, const char *name) MUST_CHECK;
/* Epoch seconds of the last rule change (0 when none was ever recorded; on a SQL failure too). */
double xray_config_db_rules_modified(struct store *s);
/* Writer: records that the rules changed at now (deletes leave no row behind to date them). */
int xray_config_db_rules_stamp(struct store *rw, double now) MUST_CHECK;

/* One SamplingStatisticsDocument as stored. */
struct xray_config_stat {
    const char *rule, *client_id; /* borrowed */
    double timestamp;
    int64_t requests, sampled, borrowed;
};
/* Writer: drops statistics received before `before`. */
int xray_config_db_stats_trim(struct store *rw, double before) MUST_CHECK;
/* Writer: stores one statistics document received at received_at. */
int xray_config_db_stats_insert(struct store *rw, const struct xray_config_stat *st,
                                double received_at) MUST_CHECK;
/* Distinct clients that reported on rule since `since`, in *n (0 on a SQL failure, logged). */
int64_t xray_config_db_stats_clients(struct store *s, const char *rule, double since);

/* A GetSamplingStatisticSummaries row: one rule's totals over its latest reporting window. */
struct xray_config_stat_summary {
    char *rule; /* owned */
    double timestamp;
    int64_t requests, borrowed, sampled;
};
/* Every rule's summary row: *rows new (xray_config_stat_summaries_free), *n its count. */
int xray_config_db_stat_summaries(struct store *s, struct xray_config_stat_summary **rows,
                                  size_t *n) MUST_CHECK;
void xray_config_stat_summaries_free(struct xray_config_stat_summary *rows, size_t n);

/* ---- account settings (settings: key -> JSON text) ---- */

/* The stored text of a setting in *value (new; NULL when unset). Returns 0 or ERR_INTERNAL. */
int xray_config_db_setting_get(struct store *s, const char *key, char **value) MUST_CHECK;
/* Writer: stores value (JSON text) under key. */
int xray_config_db_setting_put(struct store *rw, const char *key, const char *value) MUST_CHECK;

/* ---- resource policies (xray_resource_policies) ---- */

struct xray_config_policy {
    char *name, *doc; /* owned */
    int64_t revision;
    double updated;
};
void xray_config_policies_free(struct xray_config_policy *rows, size_t n);

/* The policy with that name into *out (caller frees name and doc). Returns 0, ERR_NOTFOUND or
 * ERR_INTERNAL. */
int xray_config_db_policy_find(struct store *s, const char *name,
                               struct xray_config_policy *out) MUST_CHECK;
/* Number of stored policies in *n. Returns 0 or ERR_INTERNAL. */
int xray_config_db_policy_count(struct store *s, int64_t *n) MUST_CHECK;
/* Writer: stores the policy, replacing one of the same name. */
int xray_config_db_policy_put(struct store *rw, const struct xray_config_policy *p) MUST_CHECK;
/* Every policy by name: *rows new, *n its count. Returns 0 or ERR_INTERNAL. */
int xray_config_db_policy_list(struct store *s, struct xray_config_policy **rows,
                               size_t *n) MUST_CHECK;
/* Writer: deletes the policy with that name. */
int xray_config_db_policy_delete(struct store *rw, const char *name) MUST_CHECK;

#endif
