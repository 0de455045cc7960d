/*
 * config.h - fluoro's settings: one table gives each option its flag, environment variable,
 * type, default and help, from which parsing, --help and validation all follow.
 * Parsed once in main() before any thread starts; read-only afterwards (any thread may read).
 */
#ifndef CONFIG_H
#define CONFIG_H

#include "fluoro.h"
#include "log.h"

#include <stdio.h>

struct config {
    char *udp_address;              /* HOST:PORT for segments */
    char *http_address;             /* HOST:PORT for every HTTP surface */
    char *db_path;                  /* "" = a temporary database removed at exit */
    bool demo;                      /* load the demo scenario at start */
    int64_t demo_replay_interval_s; /* with demo: replay it this often; 0 = never */
    char *log_level;
    enum log_level log_level_value;
    char *web_root;              /* "" = serve the embedded UI */
    int64_t queue_size;          /* ingest queue capacity, in items */
    int64_t queue_bytes;         /* ingest queue capacity, in datagram bytes */
    int64_t trace_retention_s;   /* traces older than this are removed */
    int64_t max_db_size;         /* bytes; 0 = unlimited */
    int64_t http_body_limit;     /* bytes */
    int64_t sampling_rule_limit; /* CreateSamplingRule's quota (RuleLimitExceededException) */
    int64_t scan_deadline_ms;    /* FilterLogEvents / log search time budget per page */
    char *export_otlp;           /* "" = off; base URL for /v1/traces and /v1/logs */
    char *export_headers;        /* "K=V" lines for --export-otlp requests */
    char *forward_xray;          /* "" = off; X-Ray endpoint for PutTraceSegments */
    char *forward_logs;          /* "" = off; CloudWatch Logs endpoint for PutLogEvents */
    char *region;
    char *account_id;
    char *allow_host;            /* comma list of extra Host names ("*" = any); "" = none */
    int64_t http_idle_timeout_s; /* a connection idle this long is closed */
    bool otlp_index_all;         /* every OTLP attribute becomes an annotation */
    bool show_version;
    bool show_help;
};

/* Parses argv (after the subcommand) and FLUORO_* environment variables into *cfg, flags winning
 * over the environment over defaults. Returns 0, or ERR_INVALID with err->msg set. */
int config_parse(struct config *cfg, int argc, char **argv, struct errbuf *err) MUST_CHECK;
/* Writes the options table as --help text. */
void config_usage(FILE *out);
void config_fini(struct config *cfg);

/* Splits "HOST:PORT" (HOST may be empty = 0.0.0.0; [v6] allowed). Returns 0 or ERR_INVALID. */
int config_split_address(const char *addr, char *host, size_t hostlen, int *port) MUST_CHECK;
/* Parses "500ms", "5s", "2m", "1h", "30d" or a plain number of seconds into milliseconds. */
int config_parse_duration_ms(const char *s, int64_t *ms) MUST_CHECK;
/* Parses a point in time: epoch seconds ("1700000000.5"), or a duration back from now as
 * config_parse_duration_ms reads it ("15m"), into epoch seconds. The one reader of the
 * since/until arguments of /api/v1. Returns 0 or ERR_INVALID. Any thread. */
int config_parse_when(const char *s, double *out) MUST_CHECK;
/* Parses "100MB", "1GiB", "1024" (bytes) into bytes. */
int config_parse_size(const char *s, int64_t *bytes) MUST_CHECK;

#endif
