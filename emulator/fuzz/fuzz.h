/*
 * fuzz.h - shared by the libFuzzer harnesses in fuzz/fuzz_*.c (one per parser; adding a parser
 * is one new file, the Makefile picks it up). Each harness gets raw bytes from libFuzzer on one
 * thread; these helpers copy them into NUL-terminated strings and split them into lines, so a
 * harness can take "first line = program, the rest = data".
 */
#ifndef FUZZ_H
#define FUZZ_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fluoro.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerInitialize(int *argc, char ***argv);

/* The process-wide setup main() does: jansson's allocators and a fixed hash seed. */
static inline void fuzz_init(void)
{
    fluoro_json_init();
    json_object_seed(1);
}

/* A NUL-terminated copy of data (new; free()). */
static inline char *fuzz_strndup(const uint8_t *data, size_t size)
{
    char *s = xmalloc(size + 1);
    memcpy(s, data, size);
    s[size] = '\0';
    return s;
}

/* Splits *rest at its first '\n' (replaced by NUL) and returns the line; NULL when *rest is
 * NULL. *rest becomes the text after the newline, or NULL after the last line. */
static inline char *fuzz_next_line(char **rest)
{
    char *line = *rest;
    if (!line) {
        return NULL;
    }
    char *nl = strchr(line, '\n');
    if (nl) {
        *nl = '\0';
        *rest = nl + 1;
    } else {
        *rest = NULL;
    }
    return line;
}

#endif
