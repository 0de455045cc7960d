/*
 * buf.h - a growable byte buffer with a hard size limit fixed at init. Used for request bodies,
 * response encoders and SSE frames. The contents are always NUL-terminated (not counted in len).
 * A buf is owned by one thread at a time.
 */
#ifndef BUF_H
#define BUF_H

#include "fluoro.h"

struct buf {
    char *data;
    size_t len;
    size_t cap;
    size_t limit; /* appends that would pass this fail with ERR_LIMIT; 0 = unlimited */
};

void buf_init(struct buf *b, size_t limit);
void buf_fini(struct buf *b);
void buf_reset(struct buf *b);
/* Appends n bytes; returns 0 or ERR_LIMIT (then nothing is appended). */
int buf_append(struct buf *b, const void *p, size_t n) MUST_CHECK;
int buf_puts(struct buf *b, const char *s) MUST_CHECK;
int buf_printf(struct buf *b, const char *fmt, ...) PRINTF_LIKE(2, 3) MUST_CHECK;
/* Gives the contents away as a malloc'd string (the caller frees); the buf is left empty. */
char *buf_steal(struct buf *b, size_t *len);

#endif
