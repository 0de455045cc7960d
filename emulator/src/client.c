/*
 * client.c - CLI subcommands (see client.h).
 */
#include "client.h"

#include <stdio.h>

int client_main(const char *cmd, int argc, char **argv)
{
    (void)argc;
    (void)argv;
    fprintf(stderr, "fluoro: unknown command \"%s\" (see fluoro --help)\n", cmd);
    return 2;
}
