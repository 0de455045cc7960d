/*
 * udp.h - the loop thread's UDP receiver for the daemon protocol. It copies each datagram into
 * the ingest queue and returns; it parses nothing but counts every datagram received and every
 * one dropped because the queue was full, and reads the kernel's count of the ones dropped before
 * they could be read. Runs on the libuv loop thread, except udp_refresh_kernel_stats.
 */
#ifndef UDP_H
#define UDP_H

#include <uv.h>

#include "queue.h"

struct udp_receiver;

/* Binds address (HOST:PORT) on loop, asking for an 8 MiB receive buffer. */
int udp_start(uv_loop_t *loop, const char *address, struct queue *q,
              struct udp_receiver **out) MUST_CHECK;
/* Any thread, between udp_start and udp_stop: reads the socket's kernel drop counter into
 * udp_dropped_kernel. Returns true when datagrams are waiting unread in the socket buffer (false
 * when it is empty or u is NULL). */
bool udp_refresh_kernel_stats(struct udp_receiver *u);
/* Stops receiving and closes the handle; the loop must run once more to finish the close. */
void udp_stop(struct udp_receiver *u);

#endif
