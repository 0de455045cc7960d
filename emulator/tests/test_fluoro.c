/* The shared basics of fluoro.h and config.h that several modules call: the FNV-1a hash, the
 * clocks and the since/until time argument. */
#include <criterion/criterion.h>
#include <math.h>
#include <string.h>

#include "config.h"
#include "fluoro.h"

TestSuite(fluoro);

Test(fluoro, fnv1a_matches_the_published_test_vectors)
{
    /* From the FNV reference test suite (isthe.com/chongo/src/fnv/test_fnv.c). */
    cr_assert_eq(fnv1a32(""), 0x811c9dc5u);
    cr_assert_eq(fnv1a32("a"), 0xe40c292cu);
    cr_assert_eq(fnv1a32("foobar"), 0xbf9cf968u);
    cr_assert_eq(fnv1a64(FNV64_OFFSET, ""), 0xcbf29ce484222325ULL);
    cr_assert_eq(fnv1a64(FNV64_OFFSET, "a"), 0xaf63dc4c8601ec8cULL);
    cr_assert_eq(fnv1a64(FNV64_OFFSET, "foobar"), 0x85944171f73967e8ULL);
}

Test(fluoro, fnv1a64_continues_across_pieces_and_byte_counts)
{
    cr_assert_eq(fnv1a64(fnv1a64(FNV64_OFFSET, "foo"), "bar"), fnv1a64(FNV64_OFFSET, "foobar"));
    cr_assert_eq(fnv1a64n(FNV64_OFFSET, "foobar", 6), fnv1a64(FNV64_OFFSET, "foobar"));
    cr_assert_eq(fnv1a64n(FNV64_OFFSET, "foobar", 3), fnv1a64(FNV64_OFFSET, "foo"));
}

Test(fluoro, epoch_milliseconds_agree_with_epoch_seconds)
{
    double before = now_epoch();
    int64_t ms = now_epoch_ms();
    double after = now_epoch();
    cr_assert_geq(ms, (int64_t)(before * 1000.0));
    cr_assert_leq(ms, (int64_t)(after * 1000.0));
}

TestSuite(config_when);

Test(config_when, epoch_seconds_are_taken_as_they_are)
{
    double t = 0;
    cr_assert_eq(config_parse_when("1700000000.5", &t), 0);
    cr_assert_float_eq(t, 1700000000.5, 1e-9);
    cr_assert_eq(config_parse_when("0", &t), 0);
    cr_assert_float_eq(t, 0.0, 1e-9);
}

Test(config_when, a_duration_counts_back_from_now)
{
    double t = 0;
    double before = now_epoch();
    cr_assert_eq(config_parse_when("15m", &t), 0);
    double after = now_epoch();
    cr_assert_geq(t, before - 900 - 1e-3);
    cr_assert_leq(t, after - 900 + 1e-3);
    cr_assert_eq(config_parse_when("250ms", &t), 0);
    cr_assert_lt(fabs(t - (now_epoch() - 0.25)), 1.0);
}

Test(config_when, anything_else_is_invalid_and_leaves_the_output_alone)
{
    double t = 42;
    cr_assert_eq(config_parse_when("soon", &t), ERR_INVALID);
    cr_assert_eq(config_parse_when("15x", &t), ERR_INVALID);
    cr_assert_eq(config_parse_when("", &t), ERR_INVALID);
    cr_assert_eq(config_parse_when("-5m", &t), ERR_INVALID);
    cr_assert_float_eq(t, 42.0, 1e-9);
}
