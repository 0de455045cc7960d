/*
 * udp-ingest.c - UDP ingest load generator for fluoro.
 *
 * Sends realistic segment documents (a 4-document trace: API Gateway segment, Lambda service
 * segment, Lambda function segment with DynamoDB/SNS/KMS subsegments, and one streamed
 * subsegment) at a fixed rate for a fixed time, then asks fluoro to drain (/api/v1/wait) and
 * reads /api/v1/stats to report sent, stored, rejected and dropped. With --search it raises the
 * rate step by step and reports the highest rate with zero loss.
 *
 * Build: cc -O2 -o build/udp-ingest bench/udp-ingest.c $(pkg-config --cflags --libs libcurl jansson)
 * Usage: udp-ingest --address 127.0.0.1:2000 --url http://127.0.0.1:2000 --rate 25000 --seconds 10
 *        udp-ingest ... --search 10000:60000:5000
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <curl/curl.h>
#include <jansson.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define BATCH 64

struct opts {
    char host[64];
    int port;
    const char *url;
    double rate;
    double seconds;
    double search_lo, search_hi, search_step;
};

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static double wall_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Writes datagram k of trace t into buf; returns its length. */
static int make_datagram(char *buf, size_t cap, unsigned long t, int k)
{
    double now = wall_s();
    char trace[36], ids[4][17];
    snprintf(trace, sizeof(trace), "1-%08lx-%024lx", (unsigned long)now, t);
    for (int i = 0; i < 4; i++) {
        snprintf(ids[i], sizeof(ids[i]), "%08lx%08x", t & 0xffffffff, 0x1000u + (unsigned)i);
    }
    const char *hdr = "{\"format\":\"json\",\"version\":1}\n";
    switch (k) {
    case 0:
        return snprintf(buf, cap,
                        "%s{\"trace_id\":\"%s\",\"id\":\"%s\",\"name\":\"orders-api/prod\","
                        "\"origin\":\"AWS::ApiGateway::Stage\",\"start_time\":%.6f,"
                        "\"end_time\":%.6f,\"http\":{\"request\":{\"method\":\"POST\",\"url\":"
                        "\"https://api.example.com/prod/orders\",\"user_agent\":\"bench/1.0\","
                        "\"client_ip\":\"203.0.113.7\"},\"response\":{\"status\":201}},"
                        "\"annotations\":{\"order_id\":\"ord-%lu\"},\"subsegments\":[{\"id\":"
                        "\"%s\",\"name\":\"Lambda\",\"namespace\":\"aws\",\"start_time\":%.6f,"
                        "\"end_time\":%.6f,\"aws\":{\"operation\":\"Invoke\",\"function_name\":"
                        "\"orders-function\"}}]}",
                        hdr, trace, ids[0], now - 0.2, now, t, ids[1], now - 0.19, now - 0.01);
    case 1:
        return snprintf(buf, cap,
                        "%s{\"trace_id\":\"%s\",\"id\":\"%s\",\"parent_id\":\"%s\",\"name\":"
                        "\"orders-function\",\"origin\":\"AWS::Lambda::Function\",\"start_time\":"
                        "%.6f,\"end_time\":%.6f,\"annotations\":{\"items\":%lu,\"tier\":\"gold\"},"
                        "\"aws\":{\"xray\":{\"sdk\":\"X-Ray for Node.js\",\"sdk_version\":"
                        "\"3.12.0\"}},\"subsegments\":[{\"id\":\"%08lx00000001\",\"name\":"
                        "\"DynamoDB\",\"namespace\":\"aws\",\"start_time\":%.6f,\"end_time\":%.6f,"
                        "\"http\":{\"response\":{\"status\":200}},\"aws\":{\"operation\":"
                        "\"PutItem\",\"table_name\":\"orders\",\"region\":\"us-east-1\"}},"
                        "{\"id\":\"%08lx00000002\",\"name\":\"KMS\",\"namespace\":\"aws\","
                        "\"start_time\":%.6f,\"end_time\":%.6f,\"aws\":{\"operation\":"
                        "\"Decrypt\"}}]}",
                        hdr, trace, ids[2], ids[1], now - 0.18, now - 0.02, t % 7, t & 0xffffffff,
                        now - 0.15, now - 0.1, t & 0xffffffff, now - 0.17, now - 0.16);
    case 2:
        return snprintf(buf, cap,
                        "%s{\"trace_id\":\"%s\",\"id\":\"%s\",\"parent_id\":\"%s\",\"type\":"
                        "\"subsegment\",\"name\":\"SNS\",\"namespace\":\"aws\",\"start_time\":"
                        "%.6f,\"end_time\":%.6f,\"http\":{\"response\":{\"status\":200}},"
                        "\"aws\":{\"operation\":\"Publish\",\"topic_arn\":"
                        "\"arn:aws:sns:us-east-1:123456789012:order-events\"}}",
                        hdr, trace, ids[3], ids[2], now - 0.09, now - 0.05);
    default:
        return snprintf(buf, cap,
                        "%s{\"trace_id\":\"%s\",\"id\":\"%08lx0000aaaa\",\"parent_id\":\"%s\","
                        "\"type\":\"subsegment\",\"name\":\"render\",\"start_time\":%.6f,"
                        "\"end_time\":%.6f,\"metadata\":{\"default\":{\"bytes\":%lu}}}",
                        hdr, trace, t & 0xffffffff, ids[2], now - 0.04, now - 0.03, t * 31);
    }
}

struct body {
    char *data;
    size_t len;
};

static size_t on_data(char *p, size_t size, size_t n, void *arg)
{
    struct body *b = arg;
    b->data = realloc(b->data, b->len + size * n + 1);
    memcpy(b->data + b->len, p, size * n);
    b->len += size * n;
    b->data[b->len] = '\0';
    return size * n;
}

static json_t *get_json(const char *url, const char *path)
{
    char full[512];
    struct body b = {0};
    snprintf(full, sizeof(full), "%s%s", url, path);
    CURL *c = curl_easy_init();
    curl_easy_setopt(c, CURLOPT_URL, full);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_data);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, &b);
    curl_easy_setopt(c, CURLOPT_TIMEOUT, 600L);
    CURLcode rc = curl_easy_perform(c);
    curl_easy_cleanup(c);
    json_t *j = rc == CURLE_OK && b.data ? json_loads(b.data, 0, NULL) : NULL;
    free(b.data);
    return j;
}

static long long stat_of(json_t *s, const char *k)
{
    return (long long)json_integer_value(json_object_get(s, k));
}

/* Sends for o->seconds at rate datagrams/s; returns datagrams sent. */
static long long blast(const struct opts *o, double rate, unsigned long *trace_seq)
{
    int fd = socket(AF_INET, SOCK_DGRAM, 0);
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons((uint16_t)o->port)};
    inet_pton(AF_INET, o->host, &sa.sin_addr);
    if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) != 0) {
        perror("connect");
        exit(2);
    }
    static char bufs[BATCH][4096];
    struct mmsghdr msgs[BATCH];
    struct iovec iov[BATCH];
    long long sent = 0;
    int k = 0;
    double start = now_s();
    while (now_s() - start < o->seconds) {
        double due = (now_s() - start) * rate;
        int n = 0;
        while (sent + n < due && n < BATCH) {
            int len = make_datagram(bufs[n], sizeof(bufs[n]), *trace_seq, k);
            iov[n] = (struct iovec){bufs[n], (size_t)len};
            msgs[n] = (struct mmsghdr){.msg_hdr = {.msg_iov = &iov[n], .msg_iovlen = 1}};
            if (++k == 4) {
                k = 0;
                (*trace_seq)++;
            }
            n++;
        }
        if (n == 0) {
            struct timespec ts = {0, 200000};
            nanosleep(&ts, NULL);
            continue;
        }
        int done = sendmmsg(fd, msgs, (unsigned)n, 0);
        sent += done > 0 ? done : 0;
    }
    close(fd);
    return sent;
}

/* One run at a fixed rate; prints a line and returns true when nothing was lost. */
static bool run(const struct opts *o, double rate, unsigned long *seq)
{
    json_t *before = get_json(o->url, "/api/v1/stats");
    if (!before) {
        fprintf(stderr, "cannot read %s/api/v1/stats\n", o->url);
        exit(2);
    }
    long long sent = blast(o, rate, seq);
    json_decref(get_json(o->url, "/api/v1/wait?idle_ms=500&timeout_ms=600000"));
    json_t *after = get_json(o->url, "/api/v1/stats");
    long long recv = stat_of(after, "udp_received_total") - stat_of(before, "udp_received_total");
    long long stored = stat_of(after, "udp_stored_total") - stat_of(before, "udp_stored_total");
    long long rej = stat_of(after, "udp_rejected_total") - stat_of(before, "udp_rejected_total");
    long long dropped = stat_of(after, "udp_dropped_total") - stat_of(before, "udp_dropped_total");
    long long kernel_lost = sent - recv;
    printf("rate=%.0f/s seconds=%.0f sent=%lld received=%lld stored=%lld rejected=%lld "
           "dropped=%lld lost_in_kernel=%lld stored_per_s=%.0f\n",
           rate, o->seconds, sent, recv, stored, rej, dropped, kernel_lost,
           (double)stored / o->seconds);
    fflush(stdout);
    json_decref(before);
    json_decref(after);
    return stored == sent && rej == 0;
}

int main(int argc, char **argv)
{
    struct opts o = {.host = "127.0.0.1", .port = 2000, .url = "http://127.0.0.1:2000",
                     .rate = 25000, .seconds = 10};
    for (int i = 1; i + 1 < argc; i += 2) {
        if (strcmp(argv[i], "--address") == 0) {
            sscanf(argv[i + 1], "%63[^:]:%d", o.host, &o.port);
        } else if (strcmp(argv[i], "--url") == 0) {
            o.url = argv[i + 1];
        } else if (strcmp(argv[i], "--rate") == 0) {
            o.rate = atof(argv[i + 1]);
        } else if (strcmp(argv[i], "--seconds") == 0) {
            o.seconds = atof(argv[i + 1]);
        } else if (strcmp(argv[i], "--search") == 0) {
            sscanf(argv[i + 1], "%lf:%lf:%lf", &o.search_lo, &o.search_hi, &o.search_step);
        } else {
            fprintf(stderr, "unknown option %s\n", argv[i]);
            return 2;
        }
    }
    curl_global_init(CURL_GLOBAL_DEFAULT);
    unsigned long seq = (unsigned long)time(NULL) << 20;
    if (o.search_step <= 0) {
        return run(&o, o.rate, &seq) ? 0 : 1;
    }
    double best = 0;
    for (double r = o.search_lo; r <= o.search_hi; r += o.search_step) {
        if (!run(&o, r, &seq)) {
            break;
        }
        best = r;
    }
    printf("highest zero-loss rate: %.0f datagrams/s\n", best);
    return 0;
}
