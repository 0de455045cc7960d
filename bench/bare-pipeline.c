/*
 * bare-pipeline.c - the ceiling the UDP ingest benchmark compares fluoro against: receive
 * datagrams (recvmmsg), parse each segment with jansson, store one SQLite row per segment, and
 * nothing else (no derivation, no indexes beyond the primary key, no trace rows). It answers
 * the two HTTP requests bench/udp-ingest.c makes (/api/v1/stats, /api/v1/wait) on the same
 * port, so `BARE=1 bench/run-udp-ingest.sh` measures it exactly as it measures fluoro.
 *
 * Threads, as in fluoro: the main thread receives into a bounded queue (full = dropped), one
 * writer thread drains it in transactions of up to 1,000 datagrams (lingering up to 10 ms), a
 * checkpoint thread runs passive WAL checkpoints (the writer's connection never does), and an
 * HTTP thread answers one connection at a time.
 *
 * Build: cc -O2 -o build/bare-pipeline bench/bare-pipeline.c -lsqlite3 -ljansson -lpthread
 * Usage: bare-pipeline --address 127.0.0.1:24000 --db /tmp/bare.db
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <jansson.h>
#include <netinet/in.h>
#include <pthread.h>
#include <sqlite3.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define QCAP 65536
#define BATCH 1000
#define MAXDGRAM 65536

struct item {
    char *data;
    size_t len;
};

static struct item queue[QCAP];
static size_t qhead, qlen;
static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cond = PTHREAD_COND_INITIALIZER;
static atomic_ullong received, stored, rejected, dropped, busy;
static const char *db_path;

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static sqlite3 *open_db(void)
{
    sqlite3 *db = NULL;
    if (sqlite3_open(db_path, &db) != SQLITE_OK) {
        fprintf(stderr, "cannot open %s\n", db_path);
        exit(2);
    }
    sqlite3_busy_timeout(db, 5000);
    sqlite3_exec(db,
                 "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA wal_autocheckpoint=0;"
                 "CREATE TABLE IF NOT EXISTS segments(trace_id TEXT NOT NULL, id TEXT NOT NULL,"
                 " received_at REAL NOT NULL, doc TEXT NOT NULL, PRIMARY KEY(trace_id, id))"
                 " WITHOUT ROWID;",
                 NULL, NULL, NULL);
    return db;
}

/* One datagram: the daemon header line, then the segment document. */
static int store_one(sqlite3_stmt *st, const struct item *it)
{
    const char *nl = memchr(it->data, '\n', it->len);
    if (!nl) {
        return -1;
    }
    const char *body = nl + 1;
    size_t blen = it->len - (size_t)(body - it->data);
    json_t *doc = json_loadb(body, blen, 0, NULL);
    const char *tid = json_string_value(json_object_get(doc, "trace_id"));
    const char *id = json_string_value(json_object_get(doc, "id"));
    int rc = -1;
    if (tid && id) {
        sqlite3_bind_text(st, 1, tid, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 2, id, -1, SQLITE_STATIC);
        sqlite3_bind_double(st, 3, now_s());
        sqlite3_bind_text(st, 4, body, (int)blen, SQLITE_STATIC);
        rc = sqlite3_step(st) == SQLITE_DONE ? 0 : -1;
        sqlite3_reset(st);
    }
    json_decref(doc);
    return rc;
}

static void *writer_main(void *arg)
{
    (void)arg;
    sqlite3 *db = open_db();
    sqlite3_stmt *st = NULL;
    sqlite3_prepare_v2(db,
                       "INSERT INTO segments(trace_id, id, received_at, doc) VALUES (?1, ?2, ?3, ?4)"
                       " ON CONFLICT(trace_id, id) DO UPDATE SET doc = excluded.doc,"
                       " received_at = excluded.received_at",
                       -1, &st, NULL);
    static struct item batch[BATCH];
    for (;;) {
        pthread_mutex_lock(&mu);
        while (qlen == 0) {
            pthread_cond_wait(&cond, &mu);
        }
        /* Linger up to 10 ms for a fuller batch, as fluoro's writer does. */
        double until = now_s() + 0.010;
        while (qlen < BATCH && now_s() < until) {
            pthread_mutex_unlock(&mu);
            usleep(1000);
            pthread_mutex_lock(&mu);
        }
        size_t n = 0;
        while (qlen > 0 && n < BATCH) {
            batch[n++] = queue[qhead];
            qhead = (qhead + 1) % QCAP;
            qlen--;
        }
        atomic_store(&busy, 1);
        pthread_mutex_unlock(&mu);
        sqlite3_exec(db, "BEGIN IMMEDIATE", NULL, NULL, NULL);
        unsigned long long ok = 0, bad = 0;
        for (size_t i = 0; i < n; i++) {
            if (store_one(st, &batch[i]) == 0) {
                ok++;
            } else {
                bad++;
            }
            free(batch[i].data);
        }
        sqlite3_exec(db, "COMMIT", NULL, NULL, NULL);
        atomic_fetch_add(&stored, ok);
        atomic_fetch_add(&rejected, bad);
        atomic_store(&busy, 0);
    }
    return NULL;
}

static void *checkpoint_main(void *arg)
{
    (void)arg;
    sqlite3 *db = open_db();
    for (;;) {
        usleep(100000);
        sqlite3_wal_checkpoint_v2(db, NULL, SQLITE_CHECKPOINT_PASSIVE, NULL, NULL);
    }
    return NULL;
}

static void reply(int fd, const char *body)
{
    char head[256];
    int n = snprintf(head, sizeof(head),
                     "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: %zu\r\n"
                     "Connection: close\r\n\r\n",
                     strlen(body));
    if (write(fd, head, (size_t)n) < 0 || write(fd, body, strlen(body)) < 0) {
        perror("write");
    }
}

/* Returns once the queue is empty, the writer idle and nothing arrived for idle_s. */
static void wait_idle(double idle_s)
{
    unsigned long long last = atomic_load(&received);
    double quiet_since = now_s();
    for (;;) {
        usleep(20000);
        pthread_mutex_lock(&mu);
        size_t n = qlen;
        pthread_mutex_unlock(&mu);
        unsigned long long r = atomic_load(&received);
        if (r != last || n > 0 || atomic_load(&busy)) {
            last = r;
            quiet_since = now_s();
        } else if (now_s() - quiet_since >= idle_s) {
            return;
        }
    }
}

static void *http_main(void *arg)
{
    int lfd = *(int *)arg;
    for (;;) {
        int fd = accept(lfd, NULL, NULL);
        char req[2048];
        ssize_t n = fd >= 0 ? read(fd, req, sizeof(req) - 1) : -1;
        if (n <= 0) {
            if (fd >= 0) {
                close(fd);
            }
            continue;
        }
        req[n] = '\0';
        if (strstr(req, "GET /api/v1/stats")) {
            char body[512];
            snprintf(body, sizeof(body),
                     "{\"udp_received_total\":%llu,\"udp_stored_total\":%llu,"
                     "\"udp_rejected_total\":%llu,\"udp_dropped_total\":%llu}",
                     atomic_load(&received), atomic_load(&stored), atomic_load(&rejected),
                     atomic_load(&dropped));
            reply(fd, body);
        } else if (strstr(req, "GET /api/v1/wait")) {
            const char *p = strstr(req, "idle_ms=");
            wait_idle(p ? atof(p + 8) / 1000.0 : 0.3);
            reply(fd, "{}");
        } else {
            reply(fd, "{\"status\":\"ok\"}");
        }
        close(fd);
    }
    return NULL;
}

int main(int argc, char **argv)
{
    const char *addr = "127.0.0.1:24000";
    db_path = "/tmp/bare.db";
    for (int i = 1; i + 1 < argc; i += 2) {
        if (strcmp(argv[i], "--address") == 0) {
            addr = argv[i + 1];
        } else if (strcmp(argv[i], "--db") == 0) {
            db_path = argv[i + 1];
        }
    }
    char host[64];
    int port = 24000;
    if (sscanf(addr, "%63[^:]:%d", host, &port) != 2) {
        fprintf(stderr, "bad --address %s\n", addr);
        return 2;
    }
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
    inet_pton(AF_INET, host, &sa.sin_addr);
    int ufd = socket(AF_INET, SOCK_DGRAM, 0), tfd = socket(AF_INET, SOCK_STREAM, 0), one = 1;
    int rcvbuf = 8 << 20;
    setsockopt(ufd, SOL_SOCKET, SO_RCVBUFFORCE, &rcvbuf, sizeof(rcvbuf));
    setsockopt(tfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
    if (bind(ufd, (struct sockaddr *)&sa, sizeof(sa)) != 0 ||
        bind(tfd, (struct sockaddr *)&sa, sizeof(sa)) != 0 || listen(tfd, 16) != 0) {
        perror("bind");
        return 2;
    }
    sqlite3_close(open_db()); /* create the table before the threads race to */
    pthread_t w, c, h;
    pthread_create(&w, NULL, writer_main, NULL);
    pthread_create(&c, NULL, checkpoint_main, NULL);
    pthread_create(&h, NULL, http_main, &tfd);
    enum { VLEN = 64 };
    static char bufs[VLEN][MAXDGRAM];
    struct mmsghdr msgs[VLEN];
    struct iovec iov[VLEN];
    for (;;) {
        for (int i = 0; i < VLEN; i++) {
            iov[i] = (struct iovec){bufs[i], MAXDGRAM};
            msgs[i] = (struct mmsghdr){.msg_hdr = {.msg_iov = &iov[i], .msg_iovlen = 1}};
        }
        int n = recvmmsg(ufd, msgs, VLEN, MSG_WAITFORONE, NULL);
        if (n <= 0) {
            continue;
        }
        atomic_fetch_add(&received, (unsigned long long)n);
        pthread_mutex_lock(&mu);
        for (int i = 0; i < n; i++) {
            if (qlen == QCAP) {
                atomic_fetch_add(&dropped, 1);
                continue;
            }
            size_t len = msgs[i].msg_len;
            char *copy = malloc(len + 1);
            memcpy(copy, bufs[i], len);
            copy[len] = '\0';
            queue[(qhead + qlen) % QCAP] = (struct item){copy, len};
            qlen++;
        }
        pthread_cond_signal(&cond);
        pthread_mutex_unlock(&mu);
    }
}
