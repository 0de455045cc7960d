/*
 * client.c - the CLI subcommands assert, wait, reset, load and export (see client.h): each
 * builds one /api/v1 request, sends it with libcurl and turns the answer into an exit status and
 * a line of text. `send` lives in client_send.c. Main thread only; nothing here is shared.
 *
 * The server's URL comes from --url, else $FLUORO_URL, else http://127.0.0.1:2000 (the daemon's
 * default address). Exit 0 = done / the assertion held, 1 = it did not, 2 = usage, file,
 * connection or server error (client_int.h).
 */
#include "client.h"

#include <curl/curl.h>
#include <errno.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "client_int.h"
#include "config.h"

#define DEFAULT_URL "http://127.0.0.1:2000"
/* How long a request may take beyond what it asks the server to wait. */
#define SLACK_MS 30000

struct answer {
    long status;
    struct buf body;
};

static const char *prog = "fluoro";

static void usage_error(const char *cmd, const char *fmt, const char *arg)
{
    fprintf(stderr, "%s %s: ", prog, cmd);
    fprintf(stderr, fmt, arg);
    fprintf(stderr, " (see fluoro %s --help)\n", cmd);
}

char *client_read_file(const char *path, size_t *len)
{
    FILE *f = strcmp(path, "-") == 0 ? stdin : fopen(path, "rb");
    struct buf b;
    char chunk[65536];
    size_t n;
    if (!f) {
        return NULL;
    }
    buf_init(&b, 0);
    while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0) {
        if (buf_append(&b, chunk, n) < 0) {
            break;
        }
    }
    bool failed = ferror(f) != 0;
    if (f != stdin) {
        fclose(f);
    }
    if (failed) {
        buf_fini(&b);
        errno = EIO;
        return NULL;
    }
    if (buf_puts(&b, "") < 0) {
        buf_fini(&b);
        return NULL;
    }
    return buf_steal(&b, len);
}

static size_t on_body(char *data, size_t size, size_t nmemb, void *arg)
{
    struct buf *b = arg;
    return buf_append(b, data, size * nmemb) < 0 ? 0 : size * nmemb;
}

/* One HTTP exchange. Returns 0 (any status) or CLIENT_USAGE after printing why. */
static int request(const char *cmd, const char *method, const char *url, const char *body,
                   size_t len, long timeout_ms, struct answer *a)
{
    CURL *c = curl_easy_init();
    struct curl_slist *headers = NULL;
    char errtext[CURL_ERROR_SIZE] = "";
    int rc = CLIENT_USAGE;
    buf_init(&a->body, 0);
    a->status = 0;
    if (!c) {
        fprintf(stderr, "%s %s: libcurl could not start\n", prog, cmd);
        return CLIENT_USAGE;
    }
    headers = curl_slist_append(headers, "Content-Type: application/json");
    curl_easy_setopt(c, CURLOPT_URL, url);
    curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, method);
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, headers);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, &a->body);
    curl_easy_setopt(c, CURLOPT_ERRORBUFFER, errtext);
    curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, timeout_ms);
    curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, 10000L);
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    if (body) {
        curl_easy_setopt(c, CURLOPT_POSTFIELDS, body);
        curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)len);
    } else if (strcmp(method, "POST") == 0) {
        curl_easy_setopt(c, CURLOPT_POSTFIELDS, "");
    }
    CURLcode res = curl_easy_perform(c);
    if (res != CURLE_OK) {
        fprintf(stderr, "%s %s: %s: %s\n", prog, cmd, url,
                errtext[0] ? errtext : curl_easy_strerror(res));
        goto out;
    }
    curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &a->status);
    if (buf_puts(&a->body, "") < 0) {
        goto out;
    }
    rc = 0;
out:
    curl_slist_free_all(headers);
    curl_easy_cleanup(c);
    if (rc != 0) {
        buf_fini(&a->body);
    }
    return rc;
}

/* The {"error": {"code", "message", "position"}} of an /api/v1 error, printed to stderr. */
static void print_error(const char *cmd, const char *what, const struct answer *a)
{
    json_t *j = json_loads(a->body.data ? a->body.data : "", 0, NULL);
    json_t *err = json_object_get(j, "error");
    const char *msg = json_string_value(json_object_get(err, "message"));
    json_t *pos = json_object_get(err, "position");
    if (msg) {
        fprintf(stderr, "%s %s: %s%s", prog, cmd, what, msg);
        if (json_is_integer(pos) && !strstr(msg, "position")) {
            fprintf(stderr, " (position %lld)", (long long)json_integer_value(pos));
        }
        fputc('\n', stderr);
    } else {
        fprintf(stderr, "%s %s: %sHTTP %ld %.300s\n", prog, cmd, what, a->status,
                a->body.data ? a->body.data : "");
    }
    json_decref(j);
}

/* Common options: --url and --help. */
struct common {
    const char *url;
    bool help;
};

static bool take_common(int argc, char **argv, int *i, struct common *co)
{
    const char *a = argv[*i];
    if (strcmp(a, "--url") == 0 && *i + 1 < argc) {
        co->url = argv[++*i];
        return true;
    }
    if (strncmp(a, "--url=", 6) == 0) {
        co->url = a + 6;
        return true;
    }
    if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) {
        co->help = true;
        return true;
    }
    return false;
}

static const char *base_url(const struct common *co)
{
    const char *u = co->url;
    if (!u || !*u) {
        u = getenv("FLUORO_URL");
    }
    return u && *u ? u : DEFAULT_URL;
}

/* base + path, without a doubled slash. New string. */
static char *make_url(const struct common *co, const char *path)
{
    const char *b = base_url(co);
    size_t n = strlen(b);
    while (n && b[n - 1] == '/') {
        n--;
    }
    return xasprintf("%.*s%s", (int)n, b, path);
}

/* Appends &name=value (URL-escaped) to a query being built. */
static int add_query(struct buf *q, const char *name, const char *value)
{
    char *esc = curl_easy_escape(NULL, value, 0);
    int rc = buf_printf(q, "%c%s=%s", q->len ? '&' : '?', name, esc ? esc : "");
    curl_free(esc);
    return rc;
}

/* An option's value: "--name V" or "--name=V". */
static const char *opt_value(int argc, char **argv, int *i, const char *name)
{
    const char *a = argv[*i];
    size_t n = strlen(name);
    if (strncmp(a, name, n) != 0) {
        return NULL;
    }
    if (a[n] == '=') {
        return a + n + 1;
    }
    if (a[n] == '\0' && *i + 1 < argc) {
        return argv[++*i];
    }
    return NULL;
}

/* The member an option names: "--logs-min=3" with skip 7 is "min". */
static const char *opt_name(const char *arg, size_t skip, char *out, size_t n)
{
    snprintf(out, n, "%.*s", (int)strcspn(arg + skip, "="), arg + skip);
    return out;
}

static bool parse_count(const char *s, long long *out)
{
    char *end = NULL;
    long long v = strtoll(s, &end, 10);
    if (end == s || *end || v < 0) {
        return false;
    }
    *out = v;
    return true;
}

/* JSON text, or @FILE holding it. New reference or NULL (message printed). */
static json_t *json_arg(const char *cmd, const char *opt, const char *arg)
{
    json_error_t jerr;
    json_t *j;
    if (arg[0] == '@') {
        j = json_load_file(arg + 1, 0, &jerr);
    } else {
        j = json_loads(arg, 0, &jerr);
    }
    if (!j) {
        fprintf(stderr, "%s %s: %s: %s (line %d, column %d)\n", prog, cmd, opt, jerr.text,
                jerr.line, jerr.column);
    }
    return j;
}

/* ---- assert ---- */

static const char ASSERT_HELP[] =
    "usage: fluoro assert [--url URL] [--filter EXPR] [--min N] [--max N] [--count N]\n"
    "                     [--within 5s] [--since 15m] [--tree JSON|@FILE] [--any]\n"
    "                     [--logs-group G [--logs-stream S] [--logs-pattern P]\n"
    "                      [--logs-min N] [--logs-max N] [--logs-correlated]\n"
    "                      [--allow-missing]]\n"
    "                     [--spec JSON|@FILE] [--json] [--quiet]\n"
    "Asks fluoro whether its traces (and logs) meet the expectation; without --min/--max/\n"
    "--count at least one trace must match. --spec gives a whole POST /api/v1/assert body\n"
    "(docs/api.md); the other options override its members. A --logs-group that does not\n"
    "exist fails the assertion unless --allow-missing is given.\n"
    "Exit status: 0 it held, 1 it did not (the reason on stderr), 2 usage or connection error.\n";

/* Output switches of assert. */
struct assert_out {
    bool json, quiet;
};

/* Reads the assert option at argv[*i] (and its value, advancing *i) into spec, logs or o.
 * Returns 0, or -1 after printing a usage error. */
static int assert_option(int argc, char **argv, int *i, json_t *spec, json_t *logs,
                         struct assert_out *o)
{
    const char *v;
    long long n;
    int64_t ms;
    char name[32];
    const char *arg = argv[*i];
    if ((v = opt_value(argc, argv, i, "--filter"))) {
        json_object_set_new(spec, "filter", json_string(v));
    } else if ((v = opt_value(argc, argv, i, "--min")) || (v = opt_value(argc, argv, i, "--max")) ||
               (v = opt_value(argc, argv, i, "--count"))) {
        if (!parse_count(v, &n)) {
            usage_error("assert", "%s needs a non-negative integer", arg);
            return -1;
        }
        json_object_set_new(spec, opt_name(arg, 2, name, sizeof(name)), json_integer(n));
    } else if ((v = opt_value(argc, argv, i, "--logs-min")) ||
               (v = opt_value(argc, argv, i, "--logs-max")) ||
               (v = opt_value(argc, argv, i, "--logs-count"))) {
        if (!parse_count(v, &n)) {
            usage_error("assert", "%s needs a non-negative integer", arg);
            return -1;
        }
        json_object_set_new(logs, opt_name(arg, 7, name, sizeof(name)), json_integer(n));
    } else if ((v = opt_value(argc, argv, i, "--logs-group")) ||
               (v = opt_value(argc, argv, i, "--logs-stream")) ||
               (v = opt_value(argc, argv, i, "--logs-pattern"))) {
        json_object_set_new(logs, opt_name(arg, 7, name, sizeof(name)), json_string(v));
    } else if (strcmp(arg, "--logs-correlated") == 0) {
        json_object_set_new(logs, "correlated", json_true());
    } else if (strcmp(arg, "--allow-missing") == 0) {
        json_object_set_new(logs, "allow_missing", json_true());
    } else if ((v = opt_value(argc, argv, i, "--within"))) {
        if (config_parse_duration_ms(v, &ms) < 0) {
            usage_error("assert", "--within needs a duration such as 5s or 500ms (got %s)", v);
            return -1;
        }
        json_object_set_new(spec, "within_ms", json_integer(ms));
    } else if ((v = opt_value(argc, argv, i, "--since")) ||
               (v = opt_value(argc, argv, i, "--until"))) {
        char *end = NULL;
        double secs = strtod(v, &end);
        json_object_set_new(spec, strncmp(arg, "--since", 7) == 0 ? "since" : "until",
                            end != v && *end == '\0' ? json_real(secs) : json_string(v));
    } else if ((v = opt_value(argc, argv, i, "--tree"))) {
        json_t *tree = json_arg("assert", "--tree", v);
        if (!tree) {
            return -1;
        }
        json_object_set_new(spec, "tree", tree);
    } else if ((v = opt_value(argc, argv, i, "--spec"))) {
        json_t *base = json_arg("assert", "--spec", v);
        if (!base) {
            return -1;
        }
        json_object_update_missing(spec, base);
        json_decref(base);
    } else if (strcmp(arg, "--any") == 0) {
        json_object_set_new(spec, "any", json_true());
    } else if (strcmp(arg, "--json") == 0) {
        o->json = true;
    } else if (strcmp(arg, "--quiet") == 0 || strcmp(arg, "-q") == 0) {
        o->quiet = true;
    } else {
        usage_error("assert", "unknown or incomplete option %s", arg);
        return -1;
    }
    return 0;
}

/* Prints the one-line summary of an assertion that held (j: the 200 answer, borrowed). */
static void print_held(const json_t *j, const char *filter)
{
    const json_t *traces = json_object_get(j, "traces");
    printf("ok: %lld trace%s matching filter \"%s\" (expected %s)",
           (long long)json_integer_value(json_object_get(traces, "matched")),
           json_integer_value(json_object_get(traces, "matched")) == 1 ? "" : "s",
           filter && *filter ? filter : "(every trace)",
           json_string_value(json_object_get(traces, "expected")));
    const json_t *tree = json_object_get(j, "tree");
    if (tree) {
        printf("; tree found in %lld",
               (long long)json_integer_value(json_object_get(tree, "matched")));
    }
    size_t k;
    json_t *l;
    json_array_foreach(json_object_get(j, "logs"), k, l)
    {
        printf("; %lld log event%s in %s",
               (long long)json_integer_value(json_object_get(l, "matched")),
               json_integer_value(json_object_get(l, "matched")) == 1 ? "" : "s",
               json_string_value(json_object_get(l, "group")));
    }
    printf("\n");
}

static int cmd_assert(int argc, char **argv)
{
    struct common co = {0};
    json_t *spec = json_object(), *logs = json_object();
    struct assert_out o = {0};
    int rc = CLIENT_USAGE;
    char *body = NULL, *url = NULL;
    struct answer a = {0};
    for (int i = 0; i < argc; i++) {
        if (!take_common(argc, argv, &i, &co) &&
            assert_option(argc, argv, &i, spec, logs, &o) < 0) {
            goto out;
        }
    }
    if (co.help) {
        fputs(ASSERT_HELP, stdout);
        rc = CLIENT_OK;
        goto out;
    }
    if (json_object_size(logs)) {
        json_object_set(spec, "logs", logs);
    }
    body = json_dumps(spec, JSON_COMPACT);
    url = make_url(&co, "/api/v1/assert");
    json_int_t within = json_integer_value(json_object_get(spec, "within_ms"));
    if (request("assert", "POST", url, body, strlen(body), (long)within + SLACK_MS, &a) != 0) {
        goto out;
    }
    const char *filter = json_string_value(json_object_get(spec, "filter"));
    if (a.status == 200) {
        json_t *j = json_loads(a.body.data, 0, NULL);
        if (o.json) {
            printf("%s\n", a.body.data);
        } else if (!o.quiet) {
            print_held(j, filter);
        }
        json_decref(j);
        rc = CLIENT_OK;
    } else if (a.status == 422) {
        if (o.json) {
            printf("%s\n", a.body.data);
        }
        print_error("assert", "FAILED: ", &a);
        rc = CLIENT_FAILED;
    } else {
        print_error("assert", a.status == 400 ? "invalid assertion: " : "", &a);
    }
out:
    buf_fini(&a.body);
    free(url);
    free(body);
    json_decref(logs);
    json_decref(spec);
    return rc;
}

/* ---- wait, reset ---- */

static const char WAIT_HELP[] =
    "usage: fluoro wait [--url URL] [--idle 300ms] [--timeout 10s]\n"
    "Returns once fluoro has stored everything it received and nothing arrived for --idle.\n"
    "Exit status: 0 idle, 1 still busy at --timeout, 2 usage or connection error.\n";

/* Idle is not the same as complete: say so on stderr when UDP datagrams were lost (the exit
 * status stays 0, since the wait itself succeeded). */
static void report_losses(const struct answer *a)
{
    json_t *body = json_loadb(a->body.data, a->body.len, 0, NULL);
    json_int_t queue = json_integer_value(json_object_get(body, "udp_dropped"));
    json_int_t kernel = json_integer_value(json_object_get(body, "udp_dropped_kernel"));
    if (queue + kernel > 0) {
        fprintf(stderr,
                "%s wait: %lld UDP datagrams lost since fluoro started (udp_dropped=%lld: ingest "
                "queue full; udp_dropped_kernel=%lld: socket buffer full)\n",
                prog, (long long)(queue + kernel), (long long)queue, (long long)kernel);
    }
    json_decref(body);
}

static int cmd_wait(int argc, char **argv)
{
    struct common co = {0};
    int64_t idle = 300, timeout = 10000;
    for (int i = 0; i < argc; i++) {
        const char *v;
        const char *arg = argv[i];
        if (take_common(argc, argv, &i, &co)) {
            continue;
        }
        v = opt_value(argc, argv, &i, "--idle");
        int64_t *dst = &idle;
        if (!v) {
            v = opt_value(argc, argv, &i, "--timeout");
            dst = &timeout;
        }
        if (!v || config_parse_duration_ms(v, dst) < 0) {
            usage_error("wait", "bad option %s (durations look like 300ms or 10s)", arg);
            return CLIENT_USAGE;
        }
    }
    if (co.help) {
        fputs(WAIT_HELP, stdout);
        return CLIENT_OK;
    }
    char path[128];
    snprintf(path, sizeof(path), "/api/v1/wait?idle_ms=%lld&timeout_ms=%lld", (long long)idle,
             (long long)timeout);
    char *url = make_url(&co, path);
    struct answer a;
    int rc = request("wait", "GET", url, NULL, 0, (long)timeout + SLACK_MS, &a);
    free(url);
    if (rc != 0) {
        return rc;
    }
    if (a.status == 200) {
        rc = CLIENT_OK;
        report_losses(&a);
    } else if (a.status == 408) {
        fprintf(stderr, "%s wait: fluoro was still receiving data after %lld ms\n", prog,
                (long long)timeout);
        rc = CLIENT_FAILED;
    } else {
        print_error("wait", "", &a);
        rc = CLIENT_USAGE;
    }
    buf_fini(&a.body);
    return rc;
}

static const char RESET_HELP[] = "usage: fluoro reset [--url URL] [--xray|--logs]\n"
                                 "Deletes everything fluoro keeps: traces, logs, their\n"
                                 "configuration and Logs Insights queries (or only X-Ray's or\n"
                                 "only Logs').\n";

static int cmd_reset(int argc, char **argv)
{
    struct common co = {0};
    const char *only = NULL;
    for (int i = 0; i < argc; i++) {
        if (take_common(argc, argv, &i, &co)) {
            continue;
        }
        if (strcmp(argv[i], "--xray") == 0 || strcmp(argv[i], "--logs") == 0) {
            only = argv[i] + 2;
        } else {
            usage_error("reset", "unknown option %s", argv[i]);
            return CLIENT_USAGE;
        }
    }
    if (co.help) {
        fputs(RESET_HELP, stdout);
        return CLIENT_OK;
    }
    char path[64];
    snprintf(path, sizeof(path), "/api/v1/reset%s%s", only ? "?only=" : "", only ? only : "");
    char *url = make_url(&co, path);
    struct answer a;
    int rc = request("reset", "POST", url, NULL, 0, SLACK_MS, &a);
    free(url);
    if (rc != 0) {
        return rc;
    }
    rc = a.status == 200 ? CLIENT_OK : CLIENT_USAGE;
    if (rc != CLIENT_OK) {
        print_error("reset", "", &a);
    }
    buf_fini(&a.body);
    return rc;
}

static const char HEALTH_HELP[] =
    "usage: fluoro health [--url URL]\n"
    "Exit 0 when fluoro answers GET /health (container healthchecks).\n";

static int cmd_health(int argc, char **argv)
{
    struct common co = {0};
    for (int i = 0; i < argc; i++) {
        if (!take_common(argc, argv, &i, &co)) {
            usage_error("health", "unknown option %s", argv[i]);
            return CLIENT_USAGE;
        }
    }
    if (co.help) {
        fputs(HEALTH_HELP, stdout);
        return CLIENT_OK;
    }
    char *url = make_url(&co, "/health");
    struct answer a;
    int rc = request("health", "GET", url, NULL, 0, 5000L, &a);
    free(url);
    if (rc != 0) {
        return rc;
    }
    rc = a.status == 200 ? CLIENT_OK : CLIENT_FAILED;
    json_t *body = rc == CLIENT_OK ? json_loadb(a.body.data, a.body.len, 0, NULL) : NULL;
    const char *reason = json_string_value(json_object_get(body, "reason"));
    if (reason) {
        /* Still alive (exit 0, so a liveness probe does not restart it), but say why degraded. */
        fprintf(stderr, "%s health: degraded: %s\n", prog, reason);
    }
    json_decref(body);
    buf_fini(&a.body);
    return rc;
}

/* ---- load, export ---- */

static const char LOAD_HELP[] =
    "usage: fluoro load [--url URL] [--shift] FILE... (- = stdin)\n"
    "Stores fixture files (docs/fixtures.md) through POST /api/v1/load, each all or nothing.\n"
    "--shift moves each file's times so its newest item is now (trace ids follow).\n";

static int cmd_load(int argc, char **argv)
{
    struct common co = {0};
    bool shift = false;
    int nfiles = 0, rc = CLIENT_OK;
    const char **files = xcalloc((size_t)argc + 1, sizeof(*files));
    for (int i = 0; i < argc; i++) {
        if (take_common(argc, argv, &i, &co)) {
            continue;
        }
        if (strcmp(argv[i], "--shift") == 0) {
            shift = true;
        } else if (argv[i][0] == '-' && argv[i][1] != '\0') {
            usage_error("load", "unknown option %s", argv[i]);
            free(files);
            return CLIENT_USAGE;
        } else {
            files[nfiles++] = argv[i];
        }
    }
    if (co.help || nfiles == 0) {
        fputs(LOAD_HELP, co.help ? stdout : stderr);
        free(files);
        return co.help ? CLIENT_OK : CLIENT_USAGE;
    }
    char *url = make_url(&co, shift ? "/api/v1/load?shift=1" : "/api/v1/load");
    for (int i = 0; i < nfiles && rc == CLIENT_OK; i++) {
        const char *path = files[i];
        size_t len = 0;
        char *text = client_read_file(path, &len);
        struct answer a;
        if (!text) {
            fprintf(stderr, "%s load: %s: %s\n", prog, path, strerror(errno));
            rc = CLIENT_USAGE;
            break;
        }
        rc = request("load", "POST", url, text, len, 300000L, &a);
        free(text);
        if (rc != 0) {
            break;
        }
        if (a.status == 200) {
            json_t *j = json_loads(a.body.data, 0, NULL);
            printf("%s: %lld segments, %lld log events\n", path,
                   (long long)json_integer_value(json_object_get(j, "segments")),
                   (long long)json_integer_value(json_object_get(j, "log_events")));
            json_decref(j);
        } else {
            char what[300];
            snprintf(what, sizeof(what), "%s: ", path);
            print_error("load", what, &a);
            rc = CLIENT_USAGE;
        }
        buf_fini(&a.body);
    }
    free(url);
    free(files);
    return rc;
}

static const char EXPORT_HELP[] =
    "usage: fluoro export [--url URL] [--filter EXPR] [--since 1h] [--until T]\n"
    "                     [--normalize[=structure]] [-o FILE]\n"
    "Writes one assembled trace per JSON line, oldest first. --normalize replaces ids and\n"
    "absolute times with stable placeholders (golden files); =structure zeroes all timings.\n";

static int cmd_export(int argc, char **argv)
{
    struct common co = {0};
    struct buf q;
    const char *out_path = NULL, *filter = NULL;
    int rc = CLIENT_USAGE;
    char *url = NULL, *path = NULL;
    struct answer a = {0};
    buf_init(&q, 0);
    for (int i = 0; i < argc; i++) {
        const char *v;
        const char *arg = argv[i];
        if (take_common(argc, argv, &i, &co)) {
            continue;
        }
        if ((v = opt_value(argc, argv, &i, "--filter")) ||
            (v = opt_value(argc, argv, &i, "--since")) ||
            (v = opt_value(argc, argv, &i, "--until"))) {
            char name[16];
            snprintf(name, sizeof(name), "%.*s", (int)strcspn(arg + 2, "="), arg + 2);
            filter = strcmp(name, "filter") == 0 ? v : filter;
            if (add_query(&q, name, v) < 0) {
                goto out;
            }
        } else if (strcmp(arg, "--normalize") == 0 || strncmp(arg, "--normalize=", 12) == 0) {
            if (add_query(&q, "normalize", arg[11] == '=' ? arg + 12 : "1") < 0) {
                goto out;
            }
        } else if ((v = opt_value(argc, argv, &i, "-o")) ||
                   (v = opt_value(argc, argv, &i, "--output"))) {
            out_path = v;
        } else {
            usage_error("export", "unknown or incomplete option %s", arg);
            goto out;
        }
    }
    if (co.help) {
        fputs(EXPORT_HELP, stdout);
        rc = CLIENT_OK;
        goto out;
    }
    path = xasprintf("/api/v1/export%s", q.data ? q.data : "");
    url = make_url(&co, path);
    if (request("export", "GET", url, NULL, 0, 600000L, &a) != 0) {
        goto out;
    }
    if (a.status != 200) {
        print_error("export", "", &a);
        goto out;
    }
    FILE *f = out_path && strcmp(out_path, "-") != 0 ? fopen(out_path, "wb") : stdout;
    if (!f) {
        fprintf(stderr, "%s export: %s: %s\n", prog, out_path, strerror(errno));
        goto out;
    }
    bool ok = fwrite(a.body.data, 1, a.body.len, f) == a.body.len;
    ok = (f == stdout ? fflush(f) : fclose(f)) == 0 && ok;
    if (!ok) {
        fprintf(stderr, "%s export: could not write the output\n", prog);
        goto out;
    }
    if (a.body.len == 0) {
        /* An empty file is easy to mistake for success in a CI log: say why it is empty. */
        fprintf(stderr, "%s export: no trace matched%s%s%s in the time window\n", prog,
                filter ? " filter \"" : "", filter ? filter : "", filter ? "\"" : "");
    }
    rc = CLIENT_OK;
out:
    buf_fini(&a.body);
    buf_fini(&q);
    free(url);
    free(path);
    return rc;
}

/* ---- dispatch ---- */

static const struct {
    const char *name;
    int (*run)(int argc, char **argv);
} commands[] = {
    {"assert", cmd_assert}, {"wait", cmd_wait},    {"reset", cmd_reset},   {"load", cmd_load},
    {"export", cmd_export}, {"send", client_send}, {"health", cmd_health},
};

int client_main(const char *cmd, int argc, char **argv)
{
    for (size_t i = 0; i < ARRAY_LEN(commands); i++) {
        if (strcmp(cmd, commands[i].name) == 0) {
            if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
                fprintf(stderr, "%s: libcurl could not start\n", prog);
                return CLIENT_USAGE;
            }
            int rc = commands[i].run(argc, argv);
            curl_global_cleanup();
            return rc;
        }
    }
    if (strcmp(cmd, "help") == 0) {
        /* Every subcommand with its flags; "fluoro CMD --help" prints one of them. */
        const char *const helps[] = {ASSERT_HELP, WAIT_HELP,   RESET_HELP,      LOAD_HELP,
                                     EXPORT_HELP, HEALTH_HELP, client_send_help};
        config_usage(stdout);
        for (size_t i = 0; i < ARRAY_LEN(helps); i++) {
            fprintf(stdout, "\n%s", helps[i]);
        }
        return CLIENT_OK;
    }
    fprintf(stderr, "%s: unknown command \"%s\" (see fluoro --help)\n", prog, cmd);
    return CLIENT_USAGE;
}
