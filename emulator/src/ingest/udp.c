/*
 * udp.c - UDP receive on the loop thread (see udp.h). libuv's recvmmsg mode hands us up to
 * RECV_BATCH datagrams per system call out of one big buffer; each datagram is copied into its
 * own queue item so the buffer can be reused at once. The loop thread never blocks: a full
 * queue drops the datagram and counts it (DESIGN.md §2). Datagrams the kernel drops because the
 * socket buffer is full never reach us, so the socket's own drop counter (sk_drops, the `drops`
 * column of /proc/net/udp) is read with SO_MEMINFO into udp_dropped_kernel: every second on the
 * loop thread, and by any thread that needs it current (wait). The fd is fixed from udp_start to
 * udp_stop, and HTTP threads stop before udp_stop, so reading it from them is safe.
 */
#include "udp.h"

#include <stdlib.h>
#include <string.h>
#include <linux/sock_diag.h>
#include <sys/socket.h>

#include "config.h"
#include "log.h"
#include "metrics.h"

#define DATAGRAM_MAX 65536
#define RECV_BATCH 32
#define RCVBUF_WANTED (8 * 1024 * 1024)
#define KERNEL_STATS_MS 1000

#ifndef SO_MEMINFO
#define SO_MEMINFO 55
#endif

struct udp_receiver {
    uv_udp_t handle;
    struct queue *q;
    bool open;
    /* One receive buffer, reused: libuv asks for it before each recvmmsg and is done with it
     * when the callback returns, and every datagram is copied out before then. Allocating it
     * per call cost a whole core in page faults at 25k datagrams/s. */
    char *buffer;
    /* Receive pacing: once the socket is drained, stop polling for PACE_MS and let datagrams
     * gather in the (8 MiB) kernel buffer, so each wakeup reads many with recvmmsg instead of
     * one. Without it the loop thread woke once per datagram and took a whole core at 25k/s;
     * 3 ms instead of 1 cut the loop thread's CPU by a third at 8,000/s (its cost is per
     * wakeup), for at most 3 ms of latency; 60,000/s fill 270 KB of the buffer meanwhile. */
    uv_timer_t pace;
    uv_timer_t stats; /* refreshes udp_dropped_kernel */
    int fd;           /* -1 until bound */
    bool closing;
    int open_handles;
};

#define PACE_MS 3

static void on_alloc(uv_handle_t *h, size_t suggested, uv_buf_t *buf)
{
    (void)suggested;
    struct udp_receiver *u = h->data;
    /* With UV_UDP_RECVMMSG libuv splits the buffer into 64 KiB slices, one per datagram. */
    buf->base = u->buffer;
    buf->len = (size_t)DATAGRAM_MAX * RECV_BATCH;
}

static void on_recv(uv_udp_t *h, ssize_t nread, const uv_buf_t *buf, const struct sockaddr *addr,
                    unsigned flags);

static void on_pace(uv_timer_t *t)
{
    struct udp_receiver *u = t->data;
    if (!u->closing) {
        uv_udp_recv_start(&u->handle, on_alloc, on_recv);
    }
}

static void on_recv(uv_udp_t *h, ssize_t nread, const uv_buf_t *buf, const struct sockaddr *addr,
                    unsigned flags)
{
    struct udp_receiver *u = h->data;
    if (nread > 0) {
        METRIC_INC(udp_received);
        if (flags & UV_UDP_PARTIAL) {
            /* Truncated by the kernel: the document cannot be valid; let the writer reject it
             * as it would any malformed datagram, so it is counted by reason. */
            log_ratelimited(LOG_WARN, "datagram truncated", "bytes=%zd", nread);
        }
        if (!queue_push_datagram(u->q, buf->base, (size_t)nread, now_epoch())) {
            METRIC_INC(udp_dropped);
            log_ratelimited(LOG_WARN, "ingest queue full, datagram dropped", "bytes=%zd", nread);
        }
    } else if (nread == 0 && !addr && !(flags & UV_UDP_MMSG_FREE)) {
        /* The socket is drained: pause until the pacing timer restarts receiving. */
        uv_udp_recv_stop(&u->handle);
        if (!u->closing) {
            uv_timer_start(&u->pace, on_pace, PACE_MS, 0);
        }
    } else if (nread < 0) {
        log_ratelimited(LOG_WARN, "udp receive error", "error=\"%s\"", uv_strerror((int)nread));
    } else if (addr) {
        /* An empty datagram: received, and rejected as having no header. */
        METRIC_INC(udp_received);
        METRIC_INC(udp_rejected[SEGMENT_REJECT_NO_HEADER]);
    }
    (void)buf;
}

bool udp_refresh_kernel_stats(struct udp_receiver *u)
{
    uint32_t mem[SK_MEMINFO_VARS] = {0};
    socklen_t len = sizeof(mem);
    if (!u || u->fd < 0 || getsockopt(u->fd, SOL_SOCKET, SO_MEMINFO, mem, &len) != 0 ||
        len <= SK_MEMINFO_DROPS * sizeof(uint32_t)) {
        return false;
    }
    /* sk_drops is a 32-bit counter that starts at 0 with the socket; widen it across wraps. A
     * compare-exchange keeps two threads refreshing at once from counting a wrap twice. */
    uint64_t old = METRIC_GET(udp_dropped_kernel);
    uint64_t now;
    do {
        now = (old & ~(uint64_t)UINT32_MAX) | mem[SK_MEMINFO_DROPS];
        if (now < old) {
            now += (uint64_t)UINT32_MAX + 1;
        }
    } while (now != old && !atomic_compare_exchange_weak(&metrics.udp_dropped_kernel, &old, now));
    /* Receive-queue memory drops to zero once every datagram has been read. */
    return mem[SK_MEMINFO_RMEM_ALLOC] != 0;
}

static void on_stats(uv_timer_t *t)
{
    udp_refresh_kernel_stats(t->data);
}

static void raise_rcvbuf(struct udp_receiver *u)
{
    uv_os_fd_t fd;
    if (uv_fileno((uv_handle_t *)&u->handle, &fd) != 0) {
        return;
    }
    u->fd = fd;
    int want = RCVBUF_WANTED;
    /* SO_RCVBUFFORCE passes rmem_max when we are root; fall back to the capped request. */
    if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &want, sizeof(want)) != 0) {
        setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &want, sizeof(want));
    }
    int got = 0;
    socklen_t len = sizeof(got);
    getsockopt(fd, SOL_SOCKET, SO_RCVBUF, &got, &len);
    METRIC_SET(udp_rcvbuf_bytes, (uint64_t)got);
    log_info("udp receive buffer", "requested=%d effective=%d", want, got);
}

/* The receiver is freed when the last of its handles has closed (libuv runs close callbacks
 * in no promised order). */
static void on_close(uv_handle_t *h)
{
    struct udp_receiver *u = h->data;
    if (--u->open_handles == 0) {
        free(u->buffer);
        free(u);
    }
}

int udp_start(uv_loop_t *loop, const char *address, struct queue *q, struct udp_receiver **out)
{
    char host[256];
    int port;
    struct sockaddr_storage sa;
    struct udp_receiver *u = NULL;
    int rc = config_split_address(address, host, sizeof(host), &port);
    *out = NULL;
    if (rc < 0) {
        return rc;
    }
    if (uv_ip4_addr(host, port, (struct sockaddr_in *)&sa) != 0 &&
        uv_ip6_addr(host, port, (struct sockaddr_in6 *)&sa) != 0) {
        log_error("udp address is not an IP address", "address=\"%s\"", address);
        return ERR_INVALID;
    }
    u = xcalloc(1, sizeof(*u));
    u->q = q;
    u->buffer = xmalloc((size_t)DATAGRAM_MAX * RECV_BATCH);
    u->handle.data = u;
    u->pace.data = u;
    u->stats.data = u;
    u->fd = -1;
    uv_timer_init(loop, &u->pace);
    uv_timer_init(loop, &u->stats);
    u->open_handles = 2;
    if (uv_udp_init_ex(loop, &u->handle, AF_UNSPEC | UV_UDP_RECVMMSG) != 0) {
        uv_close((uv_handle_t *)&u->pace, on_close);
        uv_close((uv_handle_t *)&u->stats, on_close);
        return ERR_INTERNAL;
    }
    u->open_handles = 3;
    u->open = true;
    /* No UV_UDP_REUSEADDR: a second fluoro on the port must fail, not split the datagrams. */
    int err = uv_udp_bind(&u->handle, (const struct sockaddr *)&sa, 0);
    if (err == 0) {
        raise_rcvbuf(u);
        err = uv_udp_recv_start(&u->handle, on_alloc, on_recv);
    }
    if (err == 0) {
        uv_timer_start(&u->stats, on_stats, KERNEL_STATS_MS, KERNEL_STATS_MS);
    }
    if (err == UV_EADDRINUSE) {
        char msg[320];
        snprintf(msg, sizeof(msg), "address %s is in use", address);
        log_error(msg, "protocol=udp hint=\"%s\"",
                  "another process (another fluoro?) receives there; pick another port");
    } else if (err != 0) {
        log_error("cannot listen for UDP", "address=\"%s\" error=\"%s\"", address,
                  uv_strerror(err));
    }
    if (err != 0) {
        udp_stop(u);
        return ERR_INVALID;
    }
    *out = u;
    return 0;
}

void udp_stop(struct udp_receiver *u)
{
    if (!u) {
        return;
    }
    u->closing = true;
    uv_udp_recv_stop(&u->handle);
    uv_timer_stop(&u->pace);
    uv_timer_stop(&u->stats);
    udp_refresh_kernel_stats(u); /* the final count for the exit log */
    u->fd = -1;
    uv_close((uv_handle_t *)&u->handle, on_close);
    uv_close((uv_handle_t *)&u->pace, on_close);
    uv_close((uv_handle_t *)&u->stats, on_close);
}
