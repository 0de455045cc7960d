/*
 * test_jarena.c - jansson batch arenas (jarena.h): documents parsed in an arena equal the same
 * documents parsed on the heap, reference counting keeps working across threads without an
 * arena, blocks an arena cannot hold come from the heap, and chunks are recycled.
 */
#include <criterion/criterion.h>
#include <jansson.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "jarena.h"
#include "segment.h"

TestSuite(jarena, .init = jarena_install);

/* The first lines of the demo fixture, as text (new array of new strings, NULL-terminated). */
static char **fixture_lines(size_t want)
{
    FILE *f = fopen("../fixtures/demo.jsonl", "r");
    cr_assert_not_null(f);
    char **lines = calloc(want + 1, sizeof(*lines));
    char *line = NULL;
    size_t cap = 0, n = 0;
    while (n < want && getline(&line, &cap, f) > 1) {
        lines[n++] = strdup(line);
    }
    free(line);
    fclose(f);
    cr_assert_eq(n, want, "the demo fixture has %zu lines", n);
    return lines;
}

static void free_lines(char **lines)
{
    for (size_t i = 0; lines[i]; i++) {
        free(lines[i]);
    }
    free(lines);
}

Test(jarena, documents_parsed_in_an_arena_equal_heap_ones)
{
    char **lines = fixture_lines(40);
    struct jarena *a = jarena_new();
    for (size_t i = 0; lines[i]; i++) {
        json_t *heap = json_loads(lines[i], 0, NULL);
        cr_assert_not_null(heap);
        cr_assert_not(jarena_owns(heap));
        cr_assert_null(jarena_use(a));
        struct segment seg = {0};
        enum segment_reject r = segment_parse(lines[i], strlen(lines[i]), &seg, NULL);
        cr_assert_eq(jarena_use(NULL), a);
        cr_assert_eq(r, SEGMENT_OK, "line %zu", i);
        cr_assert(jarena_owns(seg.doc));
        cr_assert(json_equal(heap, seg.doc), "line %zu differs", i);
        char *again = json_dumps(seg.doc, JSON_SORT_KEYS);
        char *want = json_dumps(heap, JSON_SORT_KEYS);
        cr_assert_str_eq(again, want);
        free(again); /* made outside the arena: plain heap blocks, as before */
        free(want);
        segment_fini(&seg);
        json_decref(heap);
    }
    cr_assert_gt(jarena_bytes(a), 0);
    cr_assert(jarena_pure(a));
    jarena_free(a);
    free_lines(lines);
}

Test(jarena, a_pure_arena_is_freed_without_dropping_each_document)
{
    /* What the writer does with a batch: documents still referenced go with the arena (under
     * ASan, LeakSanitizer would report any heap block they held). */
    char **lines = fixture_lines(40);
    struct jarena *a = jarena_new();
    jarena_use(a);
    struct segment segs[40];
    for (size_t i = 0; lines[i]; i++) {
        cr_assert_eq(segment_parse(lines[i], strlen(lines[i]), &segs[i], NULL), SEGMENT_OK);
    }
    jarena_use(NULL);
    cr_assert(jarena_pure(a));
    json_t *fresh = json_object(); /* the writer's per-trace map, on the heap */
    json_object_set(fresh, segs[0].id, segs[0].doc);
    json_decref(fresh);
    cr_assert_str_eq(json_string_value(json_object_get(segs[0].doc, "id")), segs[0].id);
    jarena_free(a);
    free_lines(lines);
}

Test(jarena, rejected_documents_and_parse_errors_release_cleanly)
{
    struct jarena *a = jarena_new();
    jarena_use(a);
    struct segment seg = {0};
    const char *bad[] = {"{\"trace_id\": \"1-5759e988-bd862e3fe1be46a994272793\", \"id\": 3}",
                         "{\"name\": [1, 2, {\"x\": ", "[]", "\"just a string\""};
    for (size_t i = 0; i < ARRAY_LEN(bad); i++) {
        struct errbuf err = {0};
        cr_assert_neq(segment_parse(bad[i], strlen(bad[i]), &seg, &err), SEGMENT_OK);
        cr_assert_neq(err.msg[0], '\0');
    }
    jarena_use(NULL);
    jarena_free(a);
}

Test(jarena, values_added_without_an_arena_are_heap_blocks)
{
    struct jarena *a = jarena_new();
    jarena_use(a);
    json_t *doc = json_loads("{\"a\": {\"b\": [1, 2, 3]}}", 0, NULL);
    jarena_use(NULL);
    cr_assert(jarena_owns(doc));
    /* As the writer does: another reference from a heap object, and new members. */
    json_t *holder = json_object();
    json_object_set(holder, "doc", doc);
    json_object_set_new(json_object_get(doc, "a"), "c", json_string("added on the heap"));
    cr_assert_not(jarena_owns(json_object_get(json_object_get(doc, "a"), "c")));
    json_decref(doc);
    cr_assert_str_eq(json_string_value(json_object_get(
                         json_object_get(json_object_get(holder, "doc"), "a"), "c")),
                     "added on the heap");
    json_decref(holder); /* the last reference: frees the heap member (ASan checks) */
    jarena_free(a);
}

Test(jarena, a_block_larger_than_a_chunk_comes_from_the_heap)
{
    size_t n = (size_t)3 << 20;
    char *big = malloc(n + 3);
    big[0] = '"';
    memset(big + 1, 'x', n);
    big[n + 1] = '"';
    big[n + 2] = '\0';
    struct jarena *a = jarena_new();
    jarena_use(a);
    json_t *s = json_loads(big, JSON_DECODE_ANY, NULL);
    json_t *small = json_string("small");
    jarena_use(NULL);
    cr_assert_not_null(s);
    cr_assert_eq(json_string_length(s), n);
    cr_assert_not(jarena_owns(json_string_value(s)));
    cr_assert(jarena_owns(small));
    cr_assert_not(jarena_pure(a), "a heap fallback makes the arena impure");
    json_decref(s);
    json_decref(small);
    jarena_free(a);
    free(big);
}

Test(jarena, chunks_are_recycled)
{
    /* Two chunks per arena, 600 arenas: without recycling the reserved range (512 chunks)
     * would run out and later values would come from the heap. */
    json_t *proto = json_pack("{s:s, s:[i, i, i], s:{s:f}}", "name", "a fairly ordinary value",
                              "list", 1, 2, 3, "obj", "x", 1.5);
    char *text = json_dumps(proto, 0);
    json_decref(proto);
    for (int round = 0; round < 600; round++) {
        struct jarena *a = jarena_new();
        jarena_use(a);
        json_t *last = NULL;
        while (jarena_bytes(a) < ((size_t)3 << 19)) {
            json_decref(last);
            last = json_loads(text, 0, NULL);
        }
        jarena_use(NULL);
        cr_assert(jarena_owns(last), "round %d came from the heap", round);
        json_decref(last);
        jarena_free(a);
    }
    free(text);
}

struct parse_job {
    char **lines;
    int equal;
};

static void *parse_in_own_arena(void *arg)
{
    struct parse_job *job = arg;
    for (int round = 0; round < 20; round++) {
        struct jarena *a = jarena_new();
        for (size_t i = 0; job->lines[i]; i++) {
            jarena_use(a);
            json_t *in_arena = json_loads(job->lines[i], 0, NULL);
            jarena_use(NULL);
            json_t *heap = json_loads(job->lines[i], 0, NULL);
            job->equal += jarena_owns(in_arena) && !jarena_owns(heap) && json_equal(in_arena, heap);
            json_decref(in_arena);
            json_decref(heap);
        }
        jarena_free(a);
    }
    return NULL;
}

Test(jarena, threads_parse_into_their_own_arenas_at_once)
{
    char **lines = fixture_lines(30);
    struct parse_job jobs[3] = {{lines, 0}, {lines, 0}, {lines, 0}};
    pthread_t t[3];
    for (int i = 0; i < 3; i++) {
        cr_assert_eq(pthread_create(&t[i], NULL, parse_in_own_arena, &jobs[i]), 0);
    }
    for (int i = 0; i < 3; i++) {
        pthread_join(t[i], NULL);
        cr_assert_eq(jobs[i].equal, 20 * 30, "thread %d: %d equal", i, jobs[i].equal);
    }
    free_lines(lines);
}
