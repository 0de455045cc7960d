#include <criterion/criterion.h>
#include <stdatomic.h>

#include "pool.h"

TestSuite(pool);

struct counts {
    _Atomic int calls[1000];
};

static void bump(void *ctx, size_t i)
{
    struct counts *c = ctx;
    atomic_fetch_add(&c->calls[i], 1);
}

Test(pool, runs_every_index_exactly_once_across_threads)
{
    struct pool *p = pool_new(3);
    static struct counts c;
    for (int round = 0; round < 50; round++) {
        pool_run(p, bump, &c, 1000);
    }
    for (int i = 0; i < 1000; i++) {
        cr_assert_eq(c.calls[i], 50, "index %d ran %d times", i, c.calls[i]);
    }
    pool_free(p);
}

Test(pool, works_without_helpers_and_with_nothing_to_do)
{
    struct pool *p = pool_new(0);
    static struct counts c;
    pool_run(p, bump, &c, 0);
    pool_run(p, bump, &c, 7);
    for (int i = 0; i < 7; i++) {
        cr_assert_eq(c.calls[i], 1);
    }
    cr_assert_eq(c.calls[7], 0);
    pool_free(p);
    pool_free(NULL);
}
