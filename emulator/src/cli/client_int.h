/*
 * client_int.h - what the CLI's files share (client.c: the /api/v1 commands over libcurl;
 * client_send.c: `fluoro send` over UDP). Main thread only.
 */
#ifndef CLIENT_INT_H
#define CLIENT_INT_H

#include <stdio.h>

#include "fluoro.h"

/* Exit statuses of every subcommand. */
enum {
    CLIENT_OK = 0,     /* success, or the assertion held */
    CLIENT_FAILED = 1, /* the assertion (or wait) did not hold */
    CLIENT_USAGE = 2,  /* bad arguments, unreadable file, connection or server error */
};

/* Reads a whole file ("-" = stdin) into a new NUL-terminated string; NULL with errno set. */
char *client_read_file(const char *path, size_t *len);

/* fluoro send FILE… [--address HOST:PORT] [--shift]: returns an exit status. */
extern const char client_send_help[];
int client_send(int argc, char **argv);

#endif
