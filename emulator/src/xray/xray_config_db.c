/*
 * xray_config_db.c - the X-Ray configuration SQL (see xray_config_db.h): groups, sampling rules
 * and statistics, resource tags, resource policies and settings. Each function binds, steps and
 * resets one cached statement (store_stmt) and copies what it read into caller-owned rows, so no
 * sqlite3_stmt or column pointer outlives the call. Any thread with its own connection; writes
 * only on the writer's.
 */
#include "xray_config_db.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- the statements ---- */

static const char SQL_GROUP_FIND[] =
    "SELECT name, arn, filter_expression, insights_enabled, notifications_enabled"
    " FROM xray_groups WHERE (?1 IS NULL OR name = ?1) AND (?2 IS NULL OR arn = ?2)";
static const char SQL_GROUP_LIST[] =
    "SELECT name, arn, filter_expression, insights_enabled, notifications_enabled"
    " FROM xray_groups WHERE name <> 'Default' ORDER BY name";
static const char SQL_GROUP_BY_NAME[] = "SELECT filter_expression FROM xray_groups WHERE name = ?1";
static const char SQL_GROUP_BY_ARN[] = "SELECT filter_expression FROM xray_groups WHERE arn = ?1";
static const char SQL_GROUP_INSERT[] =
    "INSERT INTO xray_groups(name, arn, filter_expression, insights_enabled,"
    " notifications_enabled) VALUES (?1, ?2, ?3, ?4, ?5)";
static const char SQL_GROUP_UPDATE[] =
    "UPDATE xray_groups SET filter_expression = ?3, insights_enabled = ?4,"
    " notifications_enabled = ?5 WHERE name = ?1";
/* The Default group gets a row the first time its configuration changes. */
static const char SQL_GROUP_UPSERT[] =
    "INSERT OR REPLACE INTO xray_groups(name, arn, filter_expression, insights_enabled,"
    " notifications_enabled) VALUES (?1, ?2, ?3, ?4, ?5)";
static const char SQL_GROUP_DELETE[] = "DELETE FROM xray_groups WHERE name = ?1";

static const char SQL_TAG_PUT[] = "INSERT OR REPLACE INTO resource_tags(arn, key, value)"
                                  " VALUES (?1, ?2, ?3)";
static const char SQL_TAG_DELETE[] = "DELETE FROM resource_tags WHERE arn = ?1 AND key = ?2";
static const char SQL_TAG_DELETE_ALL[] = "DELETE FROM resource_tags WHERE arn = ?1";
static const char SQL_TAG_LIST[] =
    "SELECT key, value FROM resource_tags WHERE arn = ?1 ORDER BY key";
static const char SQL_TAG_COUNT[] = "SELECT count(*) FROM resource_tags WHERE arn = ?1";
static const char SQL_RESOURCE_EXISTS[] = "SELECT 1 FROM xray_groups WHERE arn = ?1"
                                          " UNION ALL SELECT 1 FROM sampling_rules WHERE arn = ?1";

static const char SQL_RULE_LIST[] = "SELECT rule, created_at, modified_at FROM sampling_rules";
static const char SQL_RULE_FIND[] = "SELECT rule, created_at, modified_at FROM sampling_rules"
                                    " WHERE (?1 IS NULL OR name = ?1) AND (?2 IS NULL OR arn = ?2)";
static const char SQL_RULE_COUNT[] = "SELECT count(*) FROM sampling_rules WHERE name <> 'Default'";
static const char SQL_RULE_SAVE[] =
    "INSERT OR REPLACE INTO sampling_rules(name, arn, rule, created_at, modified_at)"
    " VALUES (?1, ?2, ?3, ?4, ?5)";
static const char SQL_RULE_DELETE[] = "DELETE FROM sampling_rules WHERE name = ?1";
/* Deletes leave no row behind, so every change also stamps the settings table. */
static const char SQL_RULES_MODIFIED[] =
    "SELECT max(coalesce((SELECT max(modified_at) FROM sampling_rules), 0),"
    " coalesce((SELECT CAST(value AS REAL) FROM settings"
    " WHERE key = 'sampling_rules_modified'), 0))";
static const char SQL_RULES_STAMP[] = "INSERT OR REPLACE INTO settings(key, value)"
                                      " VALUES ('sampling_rules_modified', ?1)";

static const char SQL_STATS_INSERT[] =
    "INSERT INTO sampling_statistics(rule_name, client_id, ts, request_count, sampled_count,"
    " borrow_count, received_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)";
static const char SQL_STATS_CLIENTS[] = "SELECT count(DISTINCT client_id) FROM sampling_statistics"
                                        " WHERE rule_name = ?1 AND received_at >= ?2";
static const char SQL_STATS_TRIM[] = "DELETE FROM sampling_statistics WHERE received_at < ?1";
/* Per rule, the latest 10-second reporting window (SamplingStatisticSummary is "aggregated
 * request sampling data for a sampling rule across all services for a 10-second window"). */
static const char SQL_STATS_SUMMARIES[] =
    "WITH w AS (SELECT rule_name, CAST(ts / 10 AS INTEGER) * 10 AS win, request_count,"
    " borrow_count, sampled_count FROM sampling_statistics)"
    " SELECT rule_name, win, sum(request_count), sum(borrow_count), sum(sampled_count) FROM w"
    " WHERE win = (SELECT max(x.win) FROM w AS x WHERE x.rule_name = w.rule_name)"
    " GROUP BY rule_name, win ORDER BY rule_name";

static const char SQL_SETTING_GET[] = "SELECT value FROM settings WHERE key = ?1";
static const char SQL_SETTING_PUT[] = "INSERT OR REPLACE INTO settings(key, value) VALUES (?1, ?2)";

static const char SQL_POLICY_FIND[] =
    "SELECT name, document, revision, updated_at FROM xray_resource_policies WHERE name = ?1";
static const char SQL_POLICY_COUNT[] = "SELECT count(*) FROM xray_resource_policies";
static const char SQL_POLICY_PUT[] =
    "INSERT OR REPLACE INTO xray_resource_policies(name, document, revision, updated_at)"
    " VALUES (?1, ?2, ?3, ?4)";
static const char SQL_POLICY_LIST[] =
    "SELECT name, document, revision, updated_at FROM xray_resource_policies ORDER BY name";
static const char SQL_POLICY_DELETE[] = "DELETE FROM xray_resource_policies WHERE name = ?1";

/* ---- helpers ---- */

/* The store_row_fn for a single text column: a new string (or NULL) into a char *. */
static void text_read(sqlite3_stmt *st, void *row)
{
    *(char **)row = store_column_dup(st, 0);
}

/* Binds ?1 = a and ?2 = b, as many of them as the statement has; NULL binds SQL NULL (store_stmt
 * has cleared the previous use's bindings). */
static void bind_args(sqlite3_stmt *st, const char *a, const char *b)
{
    int n = sqlite3_bind_parameter_count(st);
    if (n >= 1) {
        store_bind_text(st, 1, a);
    }
    if (n >= 2) {
        store_bind_text(st, 2, b);
    }
}

/* Runs a single-row count query with an optional text parameter. */
static int count_rows(struct store *s, const char *sql, const char *arg, int64_t *n)
{
    sqlite3_stmt *st = store_stmt(s, sql);
    *n = 0;
    if (!st) {
        return ERR_INTERNAL;
    }
    bind_args(st, arg, NULL);
    if (sqlite3_step(st) == SQLITE_ROW) {
        *n = sqlite3_column_int64(st, 0);
    }
    sqlite3_reset(st);
    return 0;
}

/* Runs a write statement binding up to two text parameters. */
static int write_text2(struct store *rw, const char *sql, const char *a, const char *b,
                       const char *what)
{
    sqlite3_stmt *st = store_stmt(rw, sql);
    if (!st) {
        return ERR_INTERNAL;
    }
    bind_args(st, a, b);
    return store_step_done(rw, st, what);
}

/* Reads the first row of a query binding up to two text parameters into *out with `read`: 0, or
 * ERR_NOTFOUND when there is no row (out untouched). */
static int find_row(struct store *s, const char *sql, const char *a, const char *b,
                    store_row_fn read, void *out)
{
    sqlite3_stmt *st = store_stmt(s, sql);
    int rc = ERR_NOTFOUND;
    if (!st) {
        return ERR_INTERNAL;
    }
    bind_args(st, a, b);
    if (sqlite3_step(st) == SQLITE_ROW) {
        read(st, out);
        rc = 0;
    }
    sqlite3_reset(st);
    return rc;
}

/* Reads every row of a query with an optional text parameter into a new array of `size`-byte
 * rows (*rows, *n; the caller frees it with the kind's _free, also after an error). */
static int list_rows(struct store *s, const char *sql, const char *arg, size_t size,
                     store_row_fn read, void **rows, size_t *n)
{
    sqlite3_stmt *st = store_stmt(s, sql);
    *rows = NULL;
    *n = 0;
    if (!st) {
        return ERR_INTERNAL;
    }
    bind_args(st, arg, NULL);
    return store_read_rows(st, size, read, -1, NULL, rows, n);
}

/* ---- groups ---- */

void xray_config_group_fini(struct xray_config_group *g)
{
    free(g->name);
    free(g->arn);
    free(g->filter);
    memset(g, 0, sizeof(*g));
}

void xray_config_groups_free(struct xray_config_group *rows, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        xray_config_group_fini(&rows[i]);
    }
    free(rows);
}

static void group_read(sqlite3_stmt *st, void *row)
{
    struct xray_config_group *g = row;
    g->name = store_column_dup(st, 0);
    g->arn = store_column_dup(st, 1);
    g->filter = store_column_dup(st, 2);
    g->insights = sqlite3_column_int(st, 3) != 0;
    g->notifications = sqlite3_column_int(st, 4) != 0;
}

int xray_config_db_group_find(struct store *s, const char *name, const char *arn,
                              struct xray_config_group *out)
{
    return find_row(s, SQL_GROUP_FIND, name, arn, group_read, out);
}

int xray_config_db_group_list(struct store *s, struct xray_config_group **rows, size_t *n)
{
    void *v = NULL;
    int rc = list_rows(s, SQL_GROUP_LIST, NULL, sizeof(**rows), group_read, &v, n);
    *rows = v;
    return rc;
}

int xray_config_db_group_filter(struct store *s, const char *name_or_arn, bool is_arn, char **expr)
{
    *expr = NULL;
    return find_row(s, is_arn ? SQL_GROUP_BY_ARN : SQL_GROUP_BY_NAME, name_or_arn, NULL, text_read,
                    expr);
}

static int group_write(struct store *rw, const char *sql, const struct xray_config_group *g)
{
    sqlite3_stmt *st = store_stmt(rw, sql);
    if (!st) {
        return ERR_INTERNAL;
    }
    store_bind_text(st, 1, g->name);
    store_bind_text(st, 2, g->arn);
    store_bind_text(st, 3, g->filter);
    sqlite3_bind_int(st, 4, g->insights);
    sqlite3_bind_int(st, 5, g->notifications);
    return store_step_done(rw, st, "write group");
}

int xray_config_db_group_insert(struct store *rw, const struct xray_config_group *g)
{
    return group_write(rw, SQL_GROUP_INSERT, g);
}

int xray_config_db_group_update(struct store *rw, const struct xray_config_group *g, bool upsert)
{
    return group_write(rw, upsert ? SQL_GROUP_UPSERT : SQL_GROUP_UPDATE, g);
}

int xray_config_db_group_delete(struct store *rw, const char *name)
{
    return write_text2(rw, SQL_GROUP_DELETE, name, NULL, "delete group");
}

/* ---- tags ---- */

void xray_config_tags_free(struct xray_config_tag *rows, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        free(rows[i].key);
        free(rows[i].value);
    }
    free(rows);
}

int xray_config_db_tag_put(struct store *rw, const char *arn, const char *key, const char *value)
{
    sqlite3_stmt *st = store_stmt(rw, SQL_TAG_PUT);
    if (!st) {
        return ERR_INTERNAL;
    }
    store_bind_text(st, 1, arn);
    store_bind_text(st, 2, key);
    store_bind_text(st, 3, value);
    return store_step_done(rw, st, "put tag");
}

int xray_config_db_tag_delete(struct store *rw, const char *arn, const char *key)
{
    return write_text2(rw, SQL_TAG_DELETE, arn, key, "delete tag");
}

int xray_config_db_tags_delete_all(struct store *rw, const char *arn)
{
    return write_text2(rw, SQL_TAG_DELETE_ALL, arn, NULL, "delete tags");
}

static void tag_read(sqlite3_stmt *st, void *row)
{
    struct xray_config_tag *t = row;
    t->key = store_column_dup(st, 0);
    t->value = store_column_dup(st, 1);
}

int xray_config_db_tag_list(struct store *s, const char *arn, struct xray_config_tag **rows,
                            size_t *n)
{
    void *v = NULL;
    int rc = list_rows(s, SQL_TAG_LIST, arn, sizeof(**rows), tag_read, &v, n);
    *rows = v;
    return rc;
}

int xray_config_db_tag_count(struct store *s, const char *arn, int64_t *n)
{
    return count_rows(s, SQL_TAG_COUNT, arn, n);
}

bool xray_config_db_resource_exists(struct store *s, const char *arn)
{
    sqlite3_stmt *st = store_stmt(s, SQL_RESOURCE_EXISTS);
    bool found = false;
    if (st) {
        store_bind_text(st, 1, arn);
        found = sqlite3_step(st) == SQLITE_ROW;
        sqlite3_reset(st);
    }
    return found;
}

/* ---- sampling rules and statistics ---- */

void xray_config_rules_free(struct xray_config_rule *rows, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        free(rows[i].rule);
    }
    free(rows);
}

static void rule_read(sqlite3_stmt *st, void *row)
{
    struct xray_config_rule *r = row;
    r->rule = store_column_dup(st, 0);
    r->created = sqlite3_column_double(st, 1);
    r->modified = sqlite3_column_double(st, 2);
}

int xray_config_db_rule_list(struct store *s, struct xray_config_rule **rows, size_t *n)
{
    void *v = NULL;
    int rc = list_rows(s, SQL_RULE_LIST, NULL, sizeof(**rows), rule_read, &v, n);
    *rows = v;
    return rc;
}

int xray_config_db_rule_find(struct store *s, const char *name, const char *arn,
                             struct xray_config_rule *out)
{
    return find_row(s, SQL_RULE_FIND, name, arn, rule_read, out);
}

int xray_config_db_rule_count(struct store *s, int64_t *n)
{
    return count_rows(s, SQL_RULE_COUNT, NULL, n);
}

int xray_config_db_rule_save(struct store *rw, const char *name, const char *arn,
                             const char *rule_json, double created, double modified)
{
    sqlite3_stmt *st = store_stmt(rw, SQL_RULE_SAVE);
    if (!st) {
        return ERR_INTERNAL;
    }
    store_bind_text(st, 1, name);
    store_bind_text(st, 2, arn);
    store_bind_text(st, 3, rule_json);
    sqlite3_bind_double(st, 4, created);
    sqlite3_bind_double(st, 5, modified);
    return store_step_done(rw, st, "save sampling rule");
}

int xray_config_db_rule_delete(struct store *rw, const char *name)
{
    return write_text2(rw, SQL_RULE_DELETE, name, NULL, "delete sampling rule");
}

double xray_config_db_rules_modified(struct store *s)
{
    double t = 0;
    sqlite3_stmt *st = store_stmt(s, SQL_RULES_MODIFIED);
    if (st && sqlite3_step(st) == SQLITE_ROW) {
        t = sqlite3_column_double(st, 0);
    }
    if (st) {
        sqlite3_reset(st);
    }
    return t;
}

int xray_config_db_rules_stamp(struct store *rw, double now)
{
    char text[32];
    snprintf(text, sizeof(text), "%.6f", now);
    return write_text2(rw, SQL_RULES_STAMP, text, NULL, "stamp sampling rules");
}

int xray_config_db_stats_trim(struct store *rw, double before)
{
    sqlite3_stmt *st = store_stmt(rw, SQL_STATS_TRIM);
    if (!st) {
        return ERR_INTERNAL;
    }
    sqlite3_bind_double(st, 1, before);
    return store_step_done(rw, st, "trim sampling statistics");
}

int xray_config_db_stats_insert(struct store *rw, const struct xray_config_stat *s,
                                double received_at)
{
    sqlite3_stmt *st = store_stmt(rw, SQL_STATS_INSERT);
    if (!st) {
        return ERR_INTERNAL;
    }
    store_bind_text(st, 1, s->rule);
    store_bind_text(st, 2, s->client_id);
    sqlite3_bind_double(st, 3, s->timestamp);
    sqlite3_bind_int64(st, 4, s->requests);
    sqlite3_bind_int64(st, 5, s->sampled);
    sqlite3_bind_int64(st, 6, s->borrowed);
    sqlite3_bind_double(st, 7, received_at);
    return store_step_done(rw, st, "insert sampling statistics");
}

int64_t xray_config_db_stats_clients(struct store *s, const char *rule, double since)
{
    int64_t n = 0;
    sqlite3_stmt *st = store_stmt(s, SQL_STATS_CLIENTS);
    if (st) {
        store_bind_text(st, 1, rule);
        sqlite3_bind_double(st, 2, since);
        if (sqlite3_step(st) == SQLITE_ROW) {
            n = sqlite3_column_int64(st, 0);
        }
        sqlite3_reset(st);
    }
    return n;
}

void xray_config_stat_summaries_free(struct xray_config_stat_summary *rows, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        free(rows[i].rule);
    }
    free(rows);
}

static void summary_read(sqlite3_stmt *st, void *row)
{
    struct xray_config_stat_summary *r = row;
    r->rule = store_column_dup(st, 0);
    r->timestamp = sqlite3_column_double(st, 1);
    r->requests = sqlite3_column_int64(st, 2);
    r->borrowed = sqlite3_column_int64(st, 3);
    r->sampled = sqlite3_column_int64(st, 4);
}

int xray_config_db_stat_summaries(struct store *s, struct xray_config_stat_summary **rows,
                                  size_t *n)
{
    void *v = NULL;
    int rc = list_rows(s, SQL_STATS_SUMMARIES, NULL, sizeof(**rows), summary_read, &v, n);
    *rows = v;
    return rc;
}

/* ---- settings ---- */

int xray_config_db_setting_get(struct store *s, const char *key, char **value)
{
    *value = NULL;
    /* An unset key is not an error: *value stays NULL. */
    int rc = find_row(s, SQL_SETTING_GET, key, NULL, text_read, value);
    return rc == ERR_NOTFOUND ? 0 : rc;
}

int xray_config_db_setting_put(struct store *rw, const char *key, const char *value)
{
    return write_text2(rw, SQL_SETTING_PUT, key, value, "put x-ray setting");
}

/* ---- resource policies ---- */

void xray_config_policies_free(struct xray_config_policy *rows, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        free(rows[i].name);
        free(rows[i].doc);
    }
    free(rows);
}

static void policy_read(sqlite3_stmt *st, void *row)
{
    struct xray_config_policy *p = row;
    p->name = store_column_dup(st, 0);
    p->doc = store_column_dup(st, 1);
    p->revision = sqlite3_column_int64(st, 2);
    p->updated = sqlite3_column_double(st, 3);
}

int xray_config_db_policy_find(struct store *s, const char *name, struct xray_config_policy *out)
{
    return find_row(s, SQL_POLICY_FIND, name, NULL, policy_read, out);
}

int xray_config_db_policy_count(struct store *s, int64_t *n)
{
    return count_rows(s, SQL_POLICY_COUNT, NULL, n);
}

int xray_config_db_policy_put(struct store *rw, const struct xray_config_policy *p)
{
    sqlite3_stmt *st = store_stmt(rw, SQL_POLICY_PUT);
    if (!st) {
        return ERR_INTERNAL;
    }
    store_bind_text(st, 1, p->name);
    store_bind_text(st, 2, p->doc);
    sqlite3_bind_int64(st, 3, p->revision);
    sqlite3_bind_double(st, 4, p->updated);
    return store_step_done(rw, st, "put resource policy");
}

int xray_config_db_policy_list(struct store *s, struct xray_config_policy **rows, size_t *n)
{
    void *v = NULL;
    int rc = list_rows(s, SQL_POLICY_LIST, NULL, sizeof(**rows), policy_read, &v, n);
    *rows = v;
    return rc;
}

int xray_config_db_policy_delete(struct store *rw, const char *name)
{
    return write_text2(rw, SQL_POLICY_DELETE, name, NULL, "delete resource policy");
}
