/*
 * client.h - the CLI subcommands (assert, wait, reset, load, export, send): thin clients of
 * fluoro's /api/v1 over libcurl, and a UDP sender. Exit status 0 = success / assertion held,
 * 1 = assertion failed, 2 = usage or connection error. Main thread only.
 */
#ifndef CLIENT_H
#define CLIENT_H

/* Runs subcommand cmd with its arguments (argv[0] is the first argument after cmd). */
int client_main(const char *cmd, int argc, char **argv);

#endif
