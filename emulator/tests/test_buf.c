#include <criterion/criterion.h>
#include <string.h>

#include "buf.h"

TestSuite(buf);

Test(buf, appends_and_stays_nul_terminated)
{
    struct buf b;
    buf_init(&b, 0);
    cr_assert_eq(buf_puts(&b, "abc"), 0);
    cr_assert_eq(buf_printf(&b, "-%d", 42), 0);
    cr_assert_str_eq(b.data, "abc-42");
    cr_assert_eq(b.len, 6);
    buf_fini(&b);
}

Test(buf, refuses_to_pass_its_limit)
{
    struct buf b;
    buf_init(&b, 4);
    cr_assert_eq(buf_puts(&b, "abcd"), 0);
    cr_assert_eq(buf_puts(&b, "e"), ERR_LIMIT);
    cr_assert_str_eq(b.data, "abcd");
    buf_fini(&b);
}
