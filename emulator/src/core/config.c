/*
 * config.c - the option table behind config.h. Adding an option is one row here plus a field in
 * struct config. Runs on the main thread before any other starts.
 */
#include "config.h"

#include <ctype.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* OPT_LIST is a comma-separated string; a repeated flag appends to it, replacing the
 * environment's value the first time. */
enum opt_type {
    OPT_STRING,
    OPT_BOOL,
    OPT_DURATION_S,
    OPT_DURATION_MS,
    OPT_SIZE,
    OPT_INT,
    OPT_LIST
};

struct option_def {
    const char *name; /* long flag without "--" */
    char alias;       /* short flag, or 0 */
    const char *env;  /* environment variable */
    enum opt_type type;
    const char *defval;
    size_t offset;
    const char *help;
};

#define OFF(f) offsetof(struct config, f)
static const struct option_def options[] = {
    {"udp-address", 'b', "FLUORO_UDP_ADDRESS", OPT_STRING, "127.0.0.1:2000", OFF(udp_address),
     "UDP HOST:PORT for segments (the daemon's -b)"},
    {"http-address", 't', "FLUORO_HTTP_ADDRESS", OPT_STRING, "127.0.0.1:2000", OFF(http_address),
     "TCP HOST:PORT for the X-Ray, Logs, fluoro APIs and the UI (the daemon's -t)"},
    {"db", 0, "FLUORO_DB", OPT_STRING, "", OFF(db_path),
     "SQLite database file (default: a temporary database deleted at exit)"},
    {"demo", 0, "FLUORO_DEMO", OPT_BOOL, "false", OFF(demo),
     "load the demo scenario, shifted to now, at start"},
    {"demo-replay-interval", 0, "FLUORO_DEMO_REPLAY_INTERVAL", OPT_DURATION_S, "60s",
     OFF(demo_replay_interval_s),
     "with --demo, send the scenario again this often, shifted to now with fresh ids (0 = off)"},
    {"log-level", 'l', "FLUORO_LOG_LEVEL", OPT_STRING, "info", OFF(log_level),
     "debug, info, warn, error or off"},
    {"web-root", 0, "FLUORO_WEB_ROOT", OPT_STRING, "", OFF(web_root),
     "serve the UI from this directory instead of the embedded copy"},
    {"queue-size", 0, "FLUORO_QUEUE_SIZE", OPT_INT, "65536", OFF(queue_size),
     "ingest queue capacity in datagrams; a full queue drops and counts"},
    {"queue-bytes", 0, "FLUORO_QUEUE_BYTES", OPT_SIZE, "256MiB", OFF(queue_bytes),
     "ingest queue capacity in datagram bytes; a full queue drops and counts"},
    {"trace-retention", 0, "FLUORO_TRACE_RETENTION", OPT_DURATION_S, "30d", OFF(trace_retention_s),
     "remove traces older than this (e.g. 30d, 12h)"},
    {"max-db-size", 0, "FLUORO_MAX_DB_SIZE", OPT_SIZE, "0", OFF(max_db_size),
     "prune the oldest traces past this size (e.g. 500MB; 0 = unlimited)"},
    {"http-body-limit", 0, "FLUORO_HTTP_BODY_LIMIT", OPT_SIZE, "16MiB", OFF(http_body_limit),
     "largest HTTP request body accepted"},
    {"sampling-rule-limit", 0, "FLUORO_SAMPLING_RULE_LIMIT", OPT_INT, "25",
     OFF(sampling_rule_limit), "sampling rules CreateSamplingRule accepts besides Default"},
    {"scan-deadline", 0, "FLUORO_SCAN_DEADLINE", OPT_DURATION_MS, "2s", OFF(scan_deadline_ms),
     "a FilterLogEvents page or UI log search stops scanning after this and answers with what it "
     "has (and a nextToken)"},
    {"region", 0, "FLUORO_REGION", OPT_STRING, "us-east-1", OFF(region),
     "region used in ARNs when a request does not name one"},
    {"account-id", 0, "FLUORO_ACCOUNT_ID", OPT_STRING, "000000000000", OFF(account_id),
     "account id used in ARNs"},
    {"allow-host", 0, "FLUORO_ALLOW_HOST", OPT_LIST, "", OFF(allow_host),
     "also accept HTTP requests for this Host name or address (repeatable; * = any)"},
    {"http-idle-timeout", 0, "FLUORO_HTTP_IDLE_TIMEOUT", OPT_DURATION_S, "15s",
     OFF(http_idle_timeout_s), "close HTTP connections idle this long (e.g. 15s)"},
    {"otlp-index-all", 0, "FLUORO_OTLP_INDEX_ALL", OPT_BOOL, "false", OFF(otlp_index_all),
     "make every OTLP span attribute an annotation (else only those in aws.xray.annotations)"},
    {"export-otlp", 0, "FLUORO_EXPORT_OTLP", OPT_STRING, "", OFF(export_otlp),
     "send every trace and log event as OTLP/HTTP to this URL's /v1/traces and /v1/logs"},
    {"export-header", 0, "FLUORO_EXPORT_HEADER", OPT_LIST, "", OFF(export_headers),
     "K=V header added to each --export-otlp request (repeatable; the variable is a comma list)"},
    {"forward-xray", 0, "FLUORO_FORWARD_XRAY", OPT_STRING, "", OFF(forward_xray),
     "relay segment documents as received to this X-Ray endpoint (PutTraceSegments)"},
    {"forward-logs", 0, "FLUORO_FORWARD_LOGS", OPT_STRING, "", OFF(forward_logs),
     "relay log events to this CloudWatch Logs endpoint (PutLogEvents)"},
    {"version", 'V', NULL, OPT_BOOL, "false", OFF(show_version), "print the version and exit"},
    {"help", 'h', NULL, OPT_BOOL, "false", OFF(show_help), "print this help and exit"},
};
#undef OFF

struct unit {
    const char *suffix;
    double factor;
};

/* A non-negative number followed by one of units' suffixes, scaled by its factor. */
static int parse_scaled(const char *s, const struct unit *units, size_t n,
                        int (*same)(const char *, const char *), int64_t *out)
{
    char *end = NULL;
    double v = strtod(s, &end);
    if (end == s || v < 0) {
        return ERR_INVALID;
    }
    for (size_t i = 0; i < n; i++) {
        if (same(end, units[i].suffix) == 0) {
            *out = (int64_t)(v * units[i].factor);
            return 0;
        }
    }
    return ERR_INVALID;
}

int config_parse_duration_ms(const char *s, int64_t *ms)
{
    static const struct unit units[] = {{"ms", 1},      {"s", 1000},     {"m", 60000},
                                        {"h", 3600000}, {"d", 86400000}, {"", 1000}};
    return parse_scaled(s, units, ARRAY_LEN(units), strcmp, ms);
}

int config_parse_when(const char *s, double *out)
{
    char *end = NULL;
    int64_t ms = 0;
    double t = strtod(s, &end);
    if (end != s && *end == '\0') {
        *out = t;
        return 0;
    }
    if (config_parse_duration_ms(s, &ms) == 0) {
        *out = now_epoch() - (double)ms / 1000.0;
        return 0;
    }
    return ERR_INVALID;
}

int config_parse_size(const char *s, int64_t *bytes)
{
    static const struct unit units[] = {
        {"", 1},       {"B", 1},         {"KB", 1e3},        {"MB", 1e6},
        {"GB", 1e9},   {"KiB", 1024.0},  {"MiB", 1048576.0}, {"GiB", 1073741824.0},
        {"K", 1024.0}, {"M", 1048576.0}, {"G", 1073741824.0}};
    return parse_scaled(s, units, ARRAY_LEN(units), strcasecmp, bytes);
}

int config_split_address(const char *addr, char *host, size_t hostlen, int *port)
{
    const char *colon = strrchr(addr, ':');
    if (!colon || colon[1] == '\0') {
        return ERR_INVALID;
    }
    const char *h = addr;
    size_t hl = (size_t)(colon - addr);
    if (hl >= 2 && h[0] == '[' && h[hl - 1] == ']') {
        h++;
        hl -= 2;
    }
    if (hl + 1 > hostlen) {
        return ERR_INVALID;
    }
    char *end = NULL;
    long p = strtol(colon + 1, &end, 10);
    if (*end != '\0' || p < 0 || p > 65535) {
        return ERR_INVALID;
    }
    if (hl == 0) {
        snprintf(host, hostlen, "0.0.0.0");
    } else {
        memcpy(host, h, hl);
        host[hl] = '\0';
    }
    *port = (int)p;
    return 0;
}

static int set_value(struct config *cfg, const struct option_def *o, const char *value, bool append,
                     struct errbuf *err)
{
    void *field = (char *)cfg + o->offset;
    int64_t n = 0;
    switch (o->type) {
    case OPT_LIST:
        if (append && **(char **)field) {
            char *joined = xasprintf("%s,%s", *(char **)field, value);
            free(*(char **)field);
            *(char **)field = joined;
            return 0;
        }
        /* The first value replaces, as a string option's does. */
        __attribute__((fallthrough));
    case OPT_STRING:
        free(*(char **)field);
        *(char **)field = xstrdup(value);
        return 0;
    case OPT_BOOL:
        if (strcmp(value, "true") == 0 || strcmp(value, "1") == 0 || strcmp(value, "yes") == 0) {
            *(bool *)field = true;
        } else if (strcmp(value, "false") == 0 || strcmp(value, "0") == 0 ||
                   strcmp(value, "no") == 0 || value[0] == '\0') {
            *(bool *)field = false;
        } else {
            return errbuf_set(err, -1, "--%s: expected true or false, got \"%s\"", o->name, value);
        }
        return 0;
    case OPT_DURATION_S:
    case OPT_DURATION_MS:
        if (config_parse_duration_ms(value, &n) < 0) {
            return errbuf_set(err, -1, "--%s: \"%s\" is not a duration (e.g. 30d, 12h, 90s)",
                              o->name, value);
        }
        *(int64_t *)field = o->type == OPT_DURATION_S ? n / 1000 : n;
        return 0;
    case OPT_SIZE:
        if (config_parse_size(value, &n) < 0) {
            return errbuf_set(err, -1, "--%s: \"%s\" is not a size (e.g. 500MB)", o->name, value);
        }
        *(int64_t *)field = n;
        return 0;
    case OPT_INT: {
        char *end = NULL;
        long long v = strtoll(value, &end, 10);
        if (*value == '\0' || *end != '\0' || v <= 0) {
            return errbuf_set(err, -1, "--%s: \"%s\" is not a positive integer", o->name, value);
        }
        *(int64_t *)field = v;
        return 0;
    }
    }
    return ERR_INTERNAL;
}

static const struct option_def *find_option(const char *arg, const char **inline_value)
{
    *inline_value = NULL;
    for (size_t i = 0; i < ARRAY_LEN(options); i++) {
        const struct option_def *o = &options[i];
        if (arg[0] == '-' && arg[1] == '-') {
            size_t n = strlen(o->name);
            if (strncmp(arg + 2, o->name, n) == 0 && (arg[2 + n] == '\0' || arg[2 + n] == '=')) {
                *inline_value = arg[2 + n] == '=' ? arg + 3 + n : NULL;
                return o;
            }
        } else if (arg[0] == '-' && o->alias && arg[1] == o->alias && arg[2] == '\0') {
            return o;
        }
    }
    return NULL;
}

static int validate(struct config *cfg, struct errbuf *err)
{
    char host[256];
    int port;
    if (log_parse_level(cfg->log_level, &cfg->log_level_value) < 0) {
        return errbuf_set(
            err, -1,
            "--log-level (FLUORO_LOG_LEVEL): \"%s\" is not debug, info, warn, error or off",
            cfg->log_level);
    }
    if (config_split_address(cfg->udp_address, host, sizeof(host), &port) < 0) {
        return errbuf_set(err, -1, "--udp-address (FLUORO_UDP_ADDRESS): \"%s\" is not HOST:PORT",
                          cfg->udp_address);
    }
    if (config_split_address(cfg->http_address, host, sizeof(host), &port) < 0) {
        return errbuf_set(err, -1, "--http-address (FLUORO_HTTP_ADDRESS): \"%s\" is not HOST:PORT",
                          cfg->http_address);
    }
    if (cfg->http_idle_timeout_s < 1) {
        return errbuf_set(err, -1,
                          "--http-idle-timeout (FLUORO_HTTP_IDLE_TIMEOUT): must be at least 1s");
    }
    if (cfg->queue_bytes < 65536) {
        return errbuf_set(
            err, -1,
            "--queue-bytes (FLUORO_QUEUE_BYTES): %lld is less than 64KiB, the largest "
            "datagram",
            (long long)cfg->queue_bytes);
    }
    const struct {
        const char *flag, *value;
    } urls[] = {{"--export-otlp (FLUORO_EXPORT_OTLP)", cfg->export_otlp},
                {"--forward-xray (FLUORO_FORWARD_XRAY)", cfg->forward_xray},
                {"--forward-logs (FLUORO_FORWARD_LOGS)", cfg->forward_logs}};
    for (size_t i = 0; i < ARRAY_LEN(urls); i++) {
        const char *v = urls[i].value;
        if (v[0] && strncmp(v, "http://", 7) != 0 && strncmp(v, "https://", 8) != 0) {
            return errbuf_set(err, -1, "%s: \"%s\" is not an http:// or https:// URL", urls[i].flag,
                              v);
        }
    }
    for (const char *h = cfg->export_headers; *h;) {
        size_t n = strcspn(h, ",");
        const char *eq = memchr(h, '=', n);
        if (!eq || eq == h) {
            return errbuf_set(
                err, -1, "--export-header (FLUORO_EXPORT_HEADER): \"%.*s\" is not K=V", (int)n, h);
        }
        h += n + (h[n] == ',');
    }
    if (strlen(cfg->account_id) != 12 || strspn(cfg->account_id, "0123456789") != 12) {
        return errbuf_set(err, -1, "--account-id (FLUORO_ACCOUNT_ID): \"%s\" is not 12 digits",
                          cfg->account_id);
    }
    return 0;
}

int config_parse(struct config *cfg, int argc, char **argv, struct errbuf *err)
{
    memset(cfg, 0, sizeof(*cfg));
    for (size_t i = 0; i < ARRAY_LEN(options); i++) {
        const struct option_def *o = &options[i];
        const char *env = o->env ? getenv(o->env) : NULL;
        int rc = set_value(cfg, o, env ? env : o->defval, false, err);
        if (rc < 0) {
            if (env) {
                return errbuf_set(err, -1, "%s: %s", o->env, err->msg);
            }
            return rc;
        }
    }
    bool from_flags[ARRAY_LEN(options)] = {0};
    for (int i = 0; i < argc; i++) {
        const char *inline_value = NULL;
        const struct option_def *o = find_option(argv[i], &inline_value);
        if (!o) {
            return errbuf_set(err, -1, "unknown option \"%s\" (see --help)", argv[i]);
        }
        const char *value = inline_value;
        if (!value && o->type == OPT_BOOL) {
            value = "true";
        } else if (!value) {
            if (i + 1 >= argc) {
                return errbuf_set(err, -1, "--%s needs a value", o->name);
            }
            value = argv[++i];
        }
        size_t idx = (size_t)(o - options);
        int rc = set_value(cfg, o, value, from_flags[idx], err);
        if (rc < 0) {
            return rc;
        }
        from_flags[idx] = true;
    }
    return validate(cfg, err);
}

void config_usage(FILE *out)
{
    fprintf(out, "usage: fluoro [serve] [options]\n"
                 "       fluoro assert|wait|reset|load|export|send|health ... (see fluoro help)\n\n"
                 "options (each also from its environment variable):\n");
    for (size_t i = 0; i < ARRAY_LEN(options); i++) {
        const struct option_def *o = &options[i];
        char flag[64];
        if (o->alias) {
            snprintf(flag, sizeof(flag), "-%c, --%s", o->alias, o->name);
        } else {
            snprintf(flag, sizeof(flag), "    --%s", o->name);
        }
        fprintf(out, "  %-24s %s", flag, o->help);
        if (o->type != OPT_BOOL) {
            fprintf(out, " [default: %s]", o->defval[0] ? o->defval : "none");
        }
        if (o->env) {
            fprintf(out, " [$%s]", o->env);
        }
        fputc('\n', out);
    }
}

void config_fini(struct config *cfg)
{
    for (size_t i = 0; i < ARRAY_LEN(options); i++) {
        if (options[i].type == OPT_STRING || options[i].type == OPT_LIST) {
            char **field = (char **)((char *)cfg + options[i].offset);
            free(*field);
            *field = NULL;
        }
    }
}
