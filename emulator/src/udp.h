/*
 * udp.h - the loop thread's UDP receiver for the daemon protocol. It copies each datagram into
 * the ingest queue and returns; it parses nothing but counts every datagram received and every
 * one dropped because the queue was full. Runs on the libuv loop thread only.
 */
#ifndef UDP_H
#define UDP_H

#include <uv.h>

#include "queue.h"

struct udp_receiver;

/* Binds address (HOST:PORT) on loop, asking for an 8 MiB receive buffer. */
int udp_start(uv_loop_t *loop, const char *address, struct queue *q,
              struct udp_receiver **out) MUST_CHECK;
/* Stops receiving and closes the handle; the loop must run once more to finish the close. */
void udp_stop(struct udp_receiver *u);

#endif
