/*
 * assertion_spec.c - the CI assertion spec (see assertion.h): parsing a POST /api/v1/assert body
 * into struct assertion_spec, and checking the shape of its tree spec (reserved members' types,
 * operator names and argument types) before any trace is read; assertion.c matches the checked
 * tree. Called on HTTP connection threads (api_v1_ci.c) and from unit tests; no global state but
 * the constant member lists.
 */
#include "assertion.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "assertion_int.h"
#include "config.h"
#include "fpattern.h"

/* ---- spec parsing ---- */

static const char *const spec_members[] = {"filter", "min",   "max",  "count", "within_ms",
                                           "since",  "until", "tree", "any",   "logs"};
static const char *const logs_members[] = {"group", "stream", "pattern",    "min",
                                           "max",   "count",  "correlated", "allow_missing"};
const char *const assertion_reserved_members[ASSERTION_NRESERVED] = {"subsegments", "ordered",
                                                                     "direct", "any"};
const char *const assertion_flag_members[ASSERTION_NFLAGS] = {"error", "fault", "throttle",
                                                              "in_progress", "inferred"};
static const char *const operators[] = {"$glob", "$contains", "$exists", "$gt",
                                        "$gte",  "$lt",       "$lte"};

bool assertion_in_list(const char *s, const char *const *list, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (strcmp(s, list[i]) == 0) {
            return true;
        }
    }
    return false;
}

static int check_members(const json_t *obj, const char *const *allowed, size_t n, const char *where,
                         struct errbuf *err)
{
    const char *key;
    json_t *v;
    json_object_foreach((json_t *)obj, key, v)
    {
        if (!assertion_in_list(key, allowed, n)) {
            return errbuf_set(err, -1, "unknown member \"%s\" in %s", key, where);
        }
    }
    return 0;
}

/* A non-negative integer member; absent leaves *out alone. */
static int get_count(const json_t *obj, const char *name, const char *where, int64_t *out,
                     struct errbuf *err)
{
    json_t *v = json_object_get(obj, name);
    if (!v) {
        return 0;
    }
    if (!json_is_integer(v) || json_integer_value(v) < 0) {
        return errbuf_set(err, -1, "%s%s must be a non-negative integer", where, name);
    }
    *out = (int64_t)json_integer_value(v);
    return 0;
}

/* min/max/count into a range: count is exact; without any, at least one; max alone means
 * "at most max" (so "max": 0 asserts absence). */
static int get_range(const json_t *obj, const char *where, int64_t *min, int64_t *max,
                     struct errbuf *err)
{
    int64_t lo = -1, hi = -1, exact = -1;
    if (get_count(obj, "min", where, &lo, err) < 0 || get_count(obj, "max", where, &hi, err) < 0 ||
        get_count(obj, "count", where, &exact, err) < 0) {
        return ERR_INVALID;
    }
    if (exact >= 0 && (lo >= 0 || hi >= 0)) {
        return errbuf_set(err, -1, "%scount cannot be combined with min or max", where);
    }
    if (exact >= 0) {
        lo = hi = exact;
    }
    if (lo < 0) {
        lo = hi >= 0 ? 0 : 1;
    }
    if (hi >= 0 && hi < lo) {
        return errbuf_set(err, -1, "%smax (%lld) is less than min (%lld)", where, (long long)hi,
                          (long long)lo);
    }
    *min = lo;
    *max = hi;
    return 0;
}

/* A time bound: epoch seconds, or a duration back from now ("15m"). */
static int get_time(const json_t *obj, const char *name, double *out, struct errbuf *err)
{
    json_t *v = json_object_get(obj, name);
    int64_t ms = 0;
    if (!v) {
        return 0;
    }
    if (json_is_number(v) && json_number_value(v) >= 0) {
        *out = json_number_value(v);
        return 0;
    }
    if (json_is_string(v) && config_parse_duration_ms(json_string_value(v), &ms) == 0) {
        *out = now_epoch() - (double)ms / 1000.0;
        return 0;
    }
    return errbuf_set(err, -1, "%s must be epoch seconds or a duration back from now (\"15m\")",
                      name);
}

static int get_string(const json_t *obj, const char *name, const char *where, bool required,
                      char **out, struct errbuf *err)
{
    json_t *v = json_object_get(obj, name);
    if (!v && !required) {
        return 0;
    }
    if (!json_is_string(v) || (required && json_string_length(v) == 0)) {
        return errbuf_set(err, -1, "%s%s must be a %sstring", where, name,
                          required ? "non-empty " : "");
    }
    *out = xstrdup(json_string_value(v));
    return 0;
}

static int parse_logs(const json_t *obj, size_t idx, struct assertion_logs *l, const char **code,
                      struct errbuf *err)
{
    char where[48];
    snprintf(where, sizeof(where), "logs[%zu].", idx);
    if (!json_is_object(obj)) {
        return errbuf_set(err, -1, "logs[%zu] must be an object", idx);
    }
    if (check_members(obj, logs_members, ARRAY_LEN(logs_members), "logs", err) < 0 ||
        get_string(obj, "group", where, true, &l->group, err) < 0 ||
        get_string(obj, "stream", where, false, &l->stream, err) < 0 ||
        get_string(obj, "pattern", where, false, &l->pattern, err) < 0 ||
        get_range(obj, where, &l->min, &l->max, err) < 0) {
        return ERR_INVALID;
    }
    json_t *corr = json_object_get(obj, "correlated");
    if (corr && !json_is_boolean(corr)) {
        return errbuf_set(err, -1, "%scorrelated must be true or false", where);
    }
    l->correlated = json_is_true(corr);
    json_t *missing = json_object_get(obj, "allow_missing");
    if (missing && !json_is_boolean(missing)) {
        return errbuf_set(err, -1, "%sallow_missing must be true or false", where);
    }
    l->allow_missing = json_is_true(missing);
    if (!l->pattern) {
        l->pattern = xstrdup("");
    }
    struct errbuf perr = {{0}, -1};
    if (fpattern_compile(l->pattern, &l->match, &perr) < 0) {
        *code = "InvalidFilterPattern";
        return errbuf_set(err, perr.pos, "%spattern: %s", where, perr.msg);
    }
    return 0;
}

int assertion_spec_parse(const json_t *spec, struct assertion_spec **out, const char **err_code,
                         struct errbuf *err)
{
    struct assertion_spec *s = xcalloc(1, sizeof(*s));
    int rc = ERR_INVALID;
    *out = NULL;
    *err_code = "InvalidSpec";
    if (!json_is_object(spec)) {
        errbuf_set(err, -1, "the assertion spec must be a JSON object");
        goto out;
    }
    if (check_members(spec, spec_members, ARRAY_LEN(spec_members), "the spec", err) < 0 ||
        get_string(spec, "filter", "", false, &s->filter, err) < 0 ||
        get_range(spec, "", &s->min, &s->max, err) < 0 ||
        get_count(spec, "within_ms", "", &s->within_ms, err) < 0 ||
        get_time(spec, "since", &s->since, err) < 0 ||
        get_time(spec, "until", &s->until, err) < 0) {
        goto out;
    }
    if (!s->filter) {
        s->filter = xstrdup("");
    }
    if (s->within_ms > ASSERTION_MAX_WITHIN_MS) {
        errbuf_set(err, -1, "within_ms must be at most %d", ASSERTION_MAX_WITHIN_MS);
        goto out;
    }
    json_t *any = json_object_get(spec, "any");
    if (any && !json_is_boolean(any)) {
        errbuf_set(err, -1, "any must be true or false");
        goto out;
    }
    s->any = json_is_true(any);
    json_t *tree = json_object_get(spec, "tree");
    if (tree) {
        if (assertion_tree_validate(tree, err) < 0) {
            goto out;
        }
        /* "any" may also sit in the tree's top node, next to what it qualifies. */
        s->any = s->any || json_is_true(json_object_get(tree, "any"));
        s->tree = json_incref(tree);
    }
    json_t *logs = json_object_get(spec, "logs");
    if (logs) {
        bool one = json_is_object(logs);
        if (!one && !json_is_array(logs)) {
            errbuf_set(err, -1, "logs must be an object or an array of objects");
            goto out;
        }
        size_t n = one ? 1 : json_array_size(logs);
        s->logs = xcalloc(n ? n : 1, sizeof(*s->logs));
        for (size_t i = 0; i < n; i++) {
            s->nlogs++;
            if (parse_logs(one ? logs : json_array_get(logs, i), i, &s->logs[i], err_code, err) <
                0) {
                goto out;
            }
        }
    }
    *out = s;
    s = NULL;
    rc = 0;
out:
    assertion_spec_free(s);
    return rc;
}

void assertion_spec_free(struct assertion_spec *s)
{
    if (!s) {
        return;
    }
    for (size_t i = 0; i < s->nlogs; i++) {
        free(s->logs[i].group);
        free(s->logs[i].stream);
        free(s->logs[i].pattern);
        fpattern_free(s->logs[i].match);
    }
    free(s->logs);
    json_decref(s->tree);
    free(s->filter);
    free(s);
}

/* ---- tree spec validation ---- */

bool assertion_is_operator_object(const json_t *v)
{
    if (!json_is_object(v) || json_object_size(v) == 0) {
        return false;
    }
    const char *key;
    json_t *x;
    json_object_foreach((json_t *)v, key, x)
    {
        if (key[0] != '$') {
            return false;
        }
    }
    return true;
}

static int validate_value(const json_t *v, struct buf *path, struct errbuf *err)
{
    if (assertion_is_operator_object(v)) {
        const char *key;
        json_t *x;
        json_object_foreach((json_t *)v, key, x)
        {
            if (!assertion_in_list(key, operators, ARRAY_LEN(operators))) {
                return errbuf_set(err, -1,
                                  "tree%s: unknown operator \"%s\" (use $glob, $contains, "
                                  "$exists, $gt, $gte, $lt or $lte)",
                                  path->data, key);
            }
            bool ok = key[1] == 'g' && key[2] == 't' ? json_is_number(x)
                      : key[1] == 'l'                ? json_is_number(x)
                      : strcmp(key, "$exists") == 0  ? json_is_boolean(x)
                                                     : json_is_string(x);
            if (!ok) {
                return errbuf_set(err, -1, "tree%s: %s has the wrong type", path->data, key);
            }
        }
        return 0;
    }
    if (json_is_object(v)) {
        const char *key;
        json_t *x;
        json_object_foreach((json_t *)v, key, x)
        {
            size_t keep = path->len;
            if (buf_printf(path, ".%s", key) < 0 || validate_value(x, path, err) < 0) {
                return ERR_INVALID;
            }
            path->len = keep;
            path->data[keep] = '\0';
        }
    }
    return 0;
}

static int validate_node(const json_t *spec, struct buf *path, int depth, struct errbuf *err)
{
    if (!json_is_object(spec)) {
        return errbuf_set(err, -1, "tree%s must be an object", path->data);
    }
    if (depth > ASSERTION_MAX_TREE_DEPTH) {
        return errbuf_set(err, -1, "tree%s is nested too deeply", path->data);
    }
    const char *key;
    json_t *v;
    json_object_foreach((json_t *)spec, key, v)
    {
        size_t keep = path->len;
        if (strcmp(key, "ordered") == 0 || strcmp(key, "direct") == 0 || strcmp(key, "any") == 0) {
            if (!json_is_boolean(v)) {
                return errbuf_set(err, -1, "tree%s.%s must be true or false", path->data, key);
            }
            if (strcmp(key, "any") == 0 && depth > 0) {
                return errbuf_set(err, -1, "tree%s.any is only allowed on the top node",
                                  path->data);
            }
        } else if (strcmp(key, "subsegments") == 0) {
            if (!json_is_array(v)) {
                return errbuf_set(err, -1, "tree%s.subsegments must be an array", path->data);
            }
            size_t i;
            json_t *child;
            json_array_foreach(v, i, child)
            {
                if (buf_printf(path, ".subsegments[%zu]", i) < 0 ||
                    validate_node(child, path, depth + 1, err) < 0) {
                    return ERR_INVALID;
                }
                path->len = keep;
                path->data[keep] = '\0';
            }
        } else if (strcmp(key, "kind") == 0 &&
                   !(json_is_string(v) && (strcmp(json_string_value(v), "segment") == 0 ||
                                           strcmp(json_string_value(v), "subsegment") == 0))) {
            return errbuf_set(err, -1, "tree%s.kind must be \"segment\" or \"subsegment\"",
                              path->data);
        } else {
            if (buf_printf(path, ".%s", key) < 0 || validate_value(v, path, err) < 0) {
                return ERR_INVALID;
            }
            path->len = keep;
            path->data[keep] = '\0';
        }
    }
    return 0;
}

int assertion_tree_validate(const json_t *tree, struct errbuf *err)
{
    struct buf path;
    buf_init(&path, 4096);
    if (buf_puts(&path, "") < 0) {
        buf_fini(&path);
        return errbuf_set(err, -1, "tree is too large");
    }
    int rc = validate_node(tree, &path, 0, err);
    buf_fini(&path);
    return rc;
}
