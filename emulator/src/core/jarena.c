/*
 * jarena.c - batch arenas for jansson (see jarena.h). One address range of REGION_BYTES is
 * reserved at install (MAP_NORESERVE: only touched pages cost memory) and cut into CHUNK_BYTES
 * chunks; an arena is a list of chunks it bumps through, so allocating is an add and a compare
 * and freeing a pointer is a range test. Chunks go back to a free stack under `mu` (taken once
 * per chunk, not per value); beyond KEEP_CHUNKS free ones, their pages go back to the kernel.
 * A block larger than a chunk, or any block once the range is used up, comes from the heap
 * and is freed by the last json_decref like any other heap block.
 *
 * Threads: the allocator pair runs on every thread that uses jansson; `current` is per thread.
 * An arena's own fields are touched only by the thread using it, and by jarena_free after that
 * thread has let go (the parse stage hands its batch, arena included, to the writer under a
 * mutex, which orders the two). Under ASan a free chunk is poisoned, so a value used after
 * its arena was freed is reported like a heap use-after-free.
 */
#include "jarena.h"

#include <jansson.h>
#include <pthread.h>
#include <sanitizer/asan_interface.h>
#include <stdlib.h>
#include <sys/mman.h>

#define CHUNK_BYTES ((size_t)1 << 20)
#define REGION_CHUNKS 512 /* 512 MiB of addresses: three batches of 1,000 large documents */
#define KEEP_CHUNKS 32
#define ALIGN 16

struct jarena {
    char *cur; /* the free part of the newest chunk */
    size_t left;
    size_t bytes;
    size_t fallbacks; /* allocations made while in use that came from the heap */
    int *chunks;      /* indexes into the region */
    size_t nchunks, cap;
};

static char *region;
static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static int free_stack[REGION_CHUNKS]; /* guarded by mu */
static int nfree;
static int next_unused;
static _Thread_local struct jarena *current;

bool jarena_owns(const void *p)
{
    const char *c = p;
    return region && c >= region && c < region + REGION_CHUNKS * CHUNK_BYTES;
}

/* A chunk index, or -1 when the range is used up. */
static int take_chunk(void)
{
    int i = -1;
    pthread_mutex_lock(&mu);
    if (nfree > 0) {
        i = free_stack[--nfree];
    } else if (region && next_unused < REGION_CHUNKS) {
        i = next_unused++;
    }
    pthread_mutex_unlock(&mu);
    if (i >= 0) {
        ASAN_UNPOISON_MEMORY_REGION(region + (size_t)i * CHUNK_BYTES, CHUNK_BYTES);
    }
    return i;
}

static void give_chunk(int i)
{
    char *base = region + (size_t)i * CHUNK_BYTES;
    ASAN_POISON_MEMORY_REGION(base, CHUNK_BYTES);
    pthread_mutex_lock(&mu);
    if (nfree >= KEEP_CHUNKS) {
        /* The pages go back to the kernel; the addresses stay reserved for reuse. */
        madvise(base, CHUNK_BYTES, MADV_DONTNEED);
    }
    free_stack[nfree++] = i;
    pthread_mutex_unlock(&mu);
}

static void *arena_alloc(struct jarena *a, size_t n)
{
    n = (n + ALIGN - 1) & ~(size_t)(ALIGN - 1);
    if (n > a->left) {
        int i = n <= CHUNK_BYTES ? take_chunk() : -1;
        if (i < 0) {
            return NULL;
        }
        if (a->nchunks == a->cap) {
            a->cap = a->cap ? a->cap * 2 : 8;
            a->chunks = xrealloc(a->chunks, a->cap * sizeof(*a->chunks));
        }
        a->chunks[a->nchunks++] = i;
        a->cur = region + (size_t)i * CHUNK_BYTES;
        a->left = CHUNK_BYTES;
    }
    void *p = a->cur;
    a->cur += n;
    a->left -= n;
    a->bytes += n;
    return p;
}

static void *jansson_malloc(size_t n)
{
    if (!current) {
        return xmalloc(n);
    }
    void *p = arena_alloc(current, n);
    if (!p) {
        current->fallbacks++;
        p = xmalloc(n);
    }
    return p;
}

static void jansson_free(void *p)
{
    if (!jarena_owns(p)) {
        free(p);
    }
}

void jarena_install(void)
{
    if (region) {
        return; /* installed already */
    }
    void *r = mmap(NULL, REGION_CHUNKS * CHUNK_BYTES, PROT_READ | PROT_WRITE,
                   MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    if (r != MAP_FAILED) {
        region = r; /* chunks are poisoned under ASan once given back, not before first use */
    }
    json_set_alloc_funcs(jansson_malloc, jansson_free);
}

struct jarena *jarena_new(void)
{
    return xcalloc(1, sizeof(struct jarena));
}

void jarena_free(struct jarena *a)
{
    if (!a) {
        return;
    }
    for (size_t i = 0; i < a->nchunks; i++) {
        give_chunk(a->chunks[i]);
    }
    free(a->chunks);
    free(a);
}

struct jarena *jarena_use(struct jarena *a)
{
    struct jarena *prev = current;
    current = a;
    return prev;
}

size_t jarena_bytes(const struct jarena *a)
{
    return a ? a->bytes : 0;
}

void jarena_note_heap(struct jarena *a)
{
    if (a) {
        a->fallbacks++;
    }
}

bool jarena_pure(const struct jarena *a)
{
    return a && region && a->fallbacks == 0;
}
