/*
 * fluoro.h - the basics every module shares: error codes, the parser error buffer, allocation
 * helpers that abort on out-of-memory, and small utilities.
 *
 * Ownership rule for jansson values (stated once, here): every json_t * has exactly one owner,
 * who decrefs it at `out:`. Objects are built only with json_object_set_new/json_array_append_new;
 * json_object_get() returns a borrowed reference. A json_t is used by one thread at a time;
 * where one is handed to another thread (a writer command's argument, writer.h writer_call and
 * writer_post), the place that hands it over says which lock orders it.
 *
 * Any thread may call anything declared here.
 */
#ifndef FLUORO_H
#define FLUORO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define FLUORO_VERSION "0.1.0"

/* Negative error codes returned by every fallible function; 0 is success. */
enum fluoro_err {
    ERR_INVALID = -1,  /* bad input from a client: maps to a 400-class answer */
    ERR_NOTFOUND = -2, /* the named thing does not exist */
    ERR_CONFLICT = -3, /* the thing exists already, or a revision does not match */
    ERR_LIMIT = -4,    /* a size or count limit was reached */
    ERR_TIMEOUT = -5,  /* a wait ran out of time */
    ERR_INTERNAL = -6, /* a bug or an environment failure (disk full, SQL error) */
};

#define MUST_CHECK __attribute__((warn_unused_result))
#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))
#define PRINTF_LIKE(f, a) __attribute__((format(printf, f, a)))

/* What a parser reports about bad input: a message and the 0-based byte offset it refers to
 * (-1 when no position applies). Shaped like jansson's json_error_t. */
struct errbuf {
    char msg[256];
    int pos;
};

/* Fills `err` (which may be NULL) and returns ERR_INVALID, so parsers can `return errbuf_set(...)`.
 */
int errbuf_set(struct errbuf *err, int pos, const char *fmt, ...) PRINTF_LIKE(3, 4);

/* Allocation that never returns NULL: out-of-memory aborts the process (Redis zmalloc). */
void *xmalloc(size_t n);
void *xcalloc(size_t count, size_t size);
void *xrealloc(void *p, size_t n);
char *xstrdup(const char *s);
char *xstrndup(const char *s, size_t n);
/* printf into a new string the caller frees. */
char *xasprintf(const char *fmt, ...) PRINTF_LIKE(1, 2);

/* Installs x-allocators into jansson and seeds its hash; call once in main() before threads. */
void fluoro_json_init(void);

/* Wall-clock time as epoch seconds with a fraction, and as epoch milliseconds (truncated, the
 * unit of CloudWatch Logs timestamps); monotonic milliseconds for intervals. Any thread. */
double now_epoch(void);
int64_t now_epoch_ms(void);
uint64_t now_mono_ms(void);

/* The CLOCK_MONOTONIC time ms milliseconds from now, for pthread_cond_timedwait on a condition
 * variable made by cond_init_monotonic (immune to wall-clock jumps). */
struct timespec;
void deadline_after_ms(struct timespec *ts, int ms);
/* Initialises a condition variable (a pthread_cond_t *) whose timed waits use CLOCK_MONOTONIC. */
void cond_init_monotonic(void *cond);

/* true when s is exactly n hex digits (either case). */
bool is_hex(const char *s, size_t n);

/* FNV-1a, the one non-cryptographic hash of the program (page-token scopes, id tables, dedup
 * sets): 32-bit over a NUL-terminated string, and 64-bit over a string or n bytes continuing
 * from h (start from FNV64_OFFSET). Inline because hash tables call it per probe. Pure. */
#define FNV64_OFFSET 0xcbf29ce484222325ULL
static inline uint32_t fnv1a32(const char *s)
{
    uint32_t h = 2166136261u;
    for (; *s; s++) {
        h = (h ^ (unsigned char)*s) * 16777619u;
    }
    return h;
}
static inline uint64_t fnv1a64n(uint64_t h, const void *p, size_t n)
{
    const unsigned char *b = (const unsigned char *)p;
    for (size_t i = 0; i < n; i++) {
        h = (h ^ b[i]) * 0x100000001b3ULL;
    }
    return h;
}
static inline uint64_t fnv1a64(uint64_t h, const char *s)
{
    for (; *s; s++) {
        h = (h ^ (unsigned char)*s) * 0x100000001b3ULL;
    }
    return h;
}

#endif
