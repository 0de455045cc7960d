/*
 * client_send.c - `fluoro send FILE… [--address HOST:PORT] [--shift]`: emits the segment
 * documents of fixture files over UDP exactly as an SDK does (the daemon header line, a newline,
 * the document; reference/daemon-protocol.md). Log lines of a scenario file cannot travel over
 * UDP and are skipped with a note. Main thread only.
 *
 * The address is --address, else $AWS_XRAY_DAEMON_ADDRESS (either "host:port" or the SDKs'
 * "tcp:host:port udp:host:port" form), else 127.0.0.1:2000.
 */
#include <errno.h>
#include <jansson.h>
#include <math.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "client_int.h"
#include "config.h"
#include "fixture.h"

#define HEADER "{\"format\":\"json\",\"version\":1}\n"
/* Largest UDP payload over IPv4. */
#define MAX_DATAGRAM 65507
/* Pause after this many datagrams, so a burst of thousands rides in the receiver's buffer. */
#define BURST 200

const char client_send_help[] =
    "usage: fluoro send [--address HOST:PORT] [--shift] FILE... (- = stdin)\n"
    "Sends the segment documents of fixture files over UDP like an SDK (log lines are skipped).\n"
    "--shift moves times so the newest document ends now (trace ids follow).\n"
    "The address defaults to $AWS_XRAY_DAEMON_ADDRESS, then 127.0.0.1:2000.\n";

/* The UDP address from $AWS_XRAY_DAEMON_ADDRESS: "h:p" or "tcp:h:p udp:h:p". */
static const char *env_address(char *out, size_t n)
{
    const char *env = getenv("AWS_XRAY_DAEMON_ADDRESS");
    if (!env || !*env) {
        return "127.0.0.1:2000";
    }
    const char *udp = strstr(env, "udp:");
    if (udp) {
        snprintf(out, n, "%.*s", (int)strcspn(udp + 4, " "), udp + 4);
        return out;
    }
    if (strncmp(env, "tcp:", 4) == 0) {
        return "127.0.0.1:2000";
    }
    snprintf(out, n, "%.*s", (int)strcspn(env, " "), env);
    return out;
}

static int open_socket(const char *address, struct addrinfo **ai)
{
    char host[256], port[16];
    int p = 0;
    if (config_split_address(address, host, sizeof(host), &p) < 0) {
        fprintf(stderr, "fluoro send: \"%s\" is not HOST:PORT\n", address);
        return -1;
    }
    snprintf(port, sizeof(port), "%d", p);
    struct addrinfo hints = {.ai_family = AF_UNSPEC, .ai_socktype = SOCK_DGRAM};
    int rc = getaddrinfo(host, port, &hints, ai);
    if (rc != 0) {
        fprintf(stderr, "fluoro send: %s: %s\n", address, gai_strerror(rc));
        return -1;
    }
    int fd = socket((*ai)->ai_family, SOCK_DGRAM, 0);
    if (fd < 0) {
        fprintf(stderr, "fluoro send: socket: %s\n", strerror(errno));
        freeaddrinfo(*ai);
        *ai = NULL;
    }
    return fd;
}

/* Moves the epoch part of a doc's trace id by delta seconds (rounded down). */
static void shift_trace_id(json_t *doc, double delta)
{
    char out[36];
    if (fixture_shift_trace_id(json_string_value(json_object_get(doc, "trace_id")),
                               (long)floor(delta), out)) {
        json_object_set_new(doc, "trace_id", json_string(out));
    }
}

/* Every segment document of text (log lines and comments skipped). New array, or NULL with a
 * message printed. */
static json_t *read_docs(const char *path, const char *text, size_t len, int *skipped)
{
    json_t *docs = json_array();
    const char *p = text, *end = text + len;
    int lineno = 0;
    while (p < end) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        size_t n = nl ? (size_t)(nl - p) : (size_t)(end - p);
        const char *line = p;
        p += n + (nl ? 1 : 0);
        lineno++;
        while (n && (line[n - 1] == '\r' || line[n - 1] == ' ')) {
            n--;
        }
        if (n == 0 || line[0] == '#') {
            continue;
        }
        json_error_t jerr;
        json_t *doc = json_loadb(line, n, 0, &jerr);
        if (!json_is_object(doc)) {
            fprintf(stderr, "fluoro send: %s:%d: not a JSON object%s%s\n", path, lineno,
                    doc ? "" : ": ", doc ? "" : jerr.text);
            json_decref(doc);
            json_decref(docs);
            return NULL;
        }
        if (json_object_get(doc, "log")) {
            (*skipped)++;
            json_decref(doc);
            continue;
        }
        json_array_append_new(docs, doc);
    }
    return docs;
}

static int send_docs(int fd, const struct addrinfo *ai, json_t *docs, bool shift, long *sent)
{
    size_t i;
    json_t *doc;
    double newest = 0;
    json_array_foreach(docs, i, doc)
    {
        double t = json_number_value(json_object_get(doc, "end_time"));
        if (t == 0) {
            t = json_number_value(json_object_get(doc, "start_time"));
        }
        newest = fmax(newest, t);
    }
    double delta = shift && newest > 0 ? now_epoch() - newest : 0;
    json_array_foreach(docs, i, doc)
    {
        if (delta != 0) {
            fixture_shift_doc(doc, delta);
            shift_trace_id(doc, delta);
        }
        char *body = json_dumps(doc, JSON_COMPACT | JSON_REAL_PRECISION(17));
        size_t blen = body ? strlen(body) : 0;
        size_t hlen = strlen(HEADER);
        if (!body || hlen + blen > MAX_DATAGRAM) {
            fprintf(stderr, "fluoro send: document %zu is too large for one datagram\n", i + 1);
            free(body);
            return CLIENT_USAGE;
        }
        char *dgram = xmalloc(hlen + blen);
        memcpy(dgram, HEADER, hlen);
        memcpy(dgram + hlen, body, blen);
        ssize_t w = sendto(fd, dgram, hlen + blen, 0, ai->ai_addr, ai->ai_addrlen);
        free(dgram);
        free(body);
        if (w < 0) {
            fprintf(stderr, "fluoro send: sendto: %s\n", strerror(errno));
            return CLIENT_USAGE;
        }
        if (++*sent % BURST == 0) {
            struct timespec pause = {0, 2000000};
            nanosleep(&pause, NULL);
        }
    }
    return CLIENT_OK;
}

int client_send(int argc, char **argv)
{
    char envbuf[256];
    const char *address = NULL;
    bool shift = false;
    int rc = CLIENT_OK, nfiles = 0, skipped = 0;
    long sent = 0;
    const char **files = xcalloc((size_t)argc + 1, sizeof(*files));
    struct addrinfo *ai = NULL;
    int fd = -1;
    for (int i = 0; i < argc; i++) {
        const char *a = argv[i];
        if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) {
            fputs(client_send_help, stdout);
            goto out;
        } else if (strcmp(a, "--address") == 0 && i + 1 < argc) {
            address = argv[++i];
        } else if (strncmp(a, "--address=", 10) == 0) {
            address = a + 10;
        } else if (strcmp(a, "--shift") == 0) {
            shift = true;
        } else if (a[0] == '-' && a[1] != '\0') {
            fprintf(stderr, "fluoro send: unknown option %s (see fluoro send --help)\n", a);
            rc = CLIENT_USAGE;
            goto out;
        } else {
            files[nfiles++] = a;
        }
    }
    if (nfiles == 0) {
        fputs(client_send_help, stderr);
        rc = CLIENT_USAGE;
        goto out;
    }
    fd = open_socket(address ? address : env_address(envbuf, sizeof(envbuf)), &ai);
    if (fd < 0) {
        rc = CLIENT_USAGE;
        goto out;
    }
    for (int i = 0; i < nfiles && rc == CLIENT_OK; i++) {
        size_t len = 0;
        char *text = client_read_file(files[i], &len);
        if (!text) {
            fprintf(stderr, "fluoro send: %s: %s\n", files[i], strerror(errno));
            rc = CLIENT_USAGE;
            break;
        }
        json_t *docs = read_docs(files[i], text, len, &skipped);
        free(text);
        rc = docs ? send_docs(fd, ai, docs, shift, &sent) : CLIENT_USAGE;
        json_decref(docs);
    }
    if (rc == CLIENT_OK) {
        printf("sent %ld segment document%s", sent, sent == 1 ? "" : "s");
        if (skipped) {
            printf(" (skipped %d log line%s: use fluoro load for logs)", skipped,
                   skipped == 1 ? "" : "s");
        }
        printf("\n");
    }
out:
    if (fd >= 0) {
        close(fd);
    }
    if (ai) {
        freeaddrinfo(ai);
    }
    free(files);
    return rc;
}
