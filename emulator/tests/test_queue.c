#include <criterion/criterion.h>
#include <stdlib.h>

#include "queue.h"

TestSuite(queue);

Test(queue, refuses_datagrams_past_capacity_but_never_commands)
{
    struct queue *q = queue_new(2);
    cr_assert(queue_push_datagram(q, "a", 1, 1.0));
    cr_assert(queue_push_datagram(q, "b", 1, 1.0));
    cr_assert_not(queue_push_datagram(q, "c", 1, 1.0));
    cr_assert(queue_push_command(q, (struct writer_cmd *)q));
    cr_assert_eq(queue_pending(q), 3);
    size_t n = 0;
    struct queue_item *items = queue_pop_batch(q, 10, 0, &n);
    cr_assert_eq(n, 3);
    cr_assert_str_eq(items->data, "a");
    cr_assert_eq(items->next->next->kind, QUEUE_COMMAND);
    cr_assert_eq(queue_pending(q), 3, "popped items stay pending until done");
    queue_done(q, n, 2);
    cr_assert_eq(queue_pending(q), 0);
    while (items) {
        struct queue_item *next = items->next;
        free(items);
        items = next;
    }
    cr_assert(queue_push_datagram(q, "d", 1, 1.0), "capacity is free again");
    queue_close(q);
    items = queue_pop_batch(q, 10, 0, &n);
    cr_assert_eq(n, 1, "a closed queue still drains");
    free(items);
    cr_assert_null(queue_pop_batch(q, 10, 0, &n));
    queue_free(q);
}

Test(queue, pops_at_most_max)
{
    struct queue *q = queue_new(100);
    for (int i = 0; i < 10; i++) {
        cr_assert(queue_push_datagram(q, "x", 1, 1.0));
    }
    size_t n = 0;
    struct queue_item *items = queue_pop_batch(q, 4, 0, &n);
    cr_assert_eq(n, 4);
    while (items) {
        struct queue_item *next = items->next;
        free(items);
        items = next;
    }
    queue_done(q, n, 4);
    cr_assert_eq(queue_pending(q), 6);
    queue_free(q);
}

static void free_items(struct queue_item *items)
{
    while (items) {
        struct queue_item *next = items->next;
        free(items);
        items = next;
    }
}

Test(queue, refuses_datagrams_past_max_bytes_until_the_batch_is_done)
{
    struct queue *q = queue_new(100);
    queue_set_max_bytes(q, 10);
    cr_assert(queue_push_datagram(q, "0123456", 7, 1.0));
    cr_assert_not(queue_push_datagram(q, "abcd", 4, 1.0), "7 + 4 bytes exceed 10");
    cr_assert(queue_push_datagram(q, "abc", 3, 1.0), "7 + 3 bytes fit exactly");
    cr_assert(queue_push_command(q, (struct writer_cmd *)q), "commands are not bytes");
    size_t n = 0;
    struct queue_item *items = queue_pop_batch(q, 10, 0, &n);
    cr_assert_eq(n, 3);
    cr_assert_not(queue_push_datagram(q, "x", 1, 1.0), "popped bytes count until done");
    queue_done(q, n, 10);
    free_items(items);
    cr_assert(queue_push_datagram(q, "0123456789", 10, 1.0), "all bytes are free again");
    queue_free(q);
}

/* The writer parses one batch ahead, so two batches can be in flight: each releases its own. */
Test(queue, two_batches_in_flight_release_their_own_bytes)
{
    struct queue *q = queue_new(100);
    queue_set_max_bytes(q, 10);
    cr_assert(queue_push_datagram(q, "0123", 4, 1.0));
    size_t n1 = 0, n2 = 0;
    struct queue_item *first = queue_pop_batch(q, 10, 0, &n1);
    cr_assert(queue_push_datagram(q, "012345", 6, 1.0));
    struct queue_item *second = queue_pop_batch(q, 10, 0, &n2);
    cr_assert_not(queue_push_datagram(q, "x", 1, 1.0), "4 + 6 bytes are in flight");
    queue_done(q, n1, 4);
    cr_assert(queue_push_datagram(q, "0123", 4, 1.0), "the first batch's 4 bytes are free");
    cr_assert_not(queue_push_datagram(q, "x", 1, 1.0), "the second batch still holds 6");
    queue_done(q, n2, 6);
    cr_assert(queue_push_datagram(q, "x", 1, 1.0));
    free_items(first);
    free_items(second);
    queue_free(q);
}
