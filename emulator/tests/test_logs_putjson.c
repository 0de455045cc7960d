/*
 * test_logs_putjson.c - the PutLogEvents fast parser against jansson: whatever it accepts,
 * jansson parses to the same members and events; what it declines covers every shape and error
 * the jansson path must keep handling (nulls, other types, extra keys, \u0000, bad UTF-8), and a
 * mutation fuzz finds no body it accepts that jansson would read differently or reject.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "logs_putjson.h"

TestSuite(logs_putjson);

/* Whether jansson reads body to exactly what the fast parser produced. */
static bool same_as_jansson(const char *body, size_t len, const struct logs_putjson *p)
{
    json_t *j = json_loadb(body, len, 0, NULL);
    bool same = j && json_is_object(j);
    const json_t *list = json_object_get(j, "logEvents");
    same = same && json_array_size(list) == p->n;
    for (size_t i = 0; same && i < p->n; i++) {
        const json_t *e = json_array_get(list, i);
        const json_t *msg = json_object_get(e, "message");
        same = json_object_size(e) == 2 &&
               json_integer_value(json_object_get(e, "timestamp")) == p->ev[i].ts &&
               json_string_length(msg) == p->ev[i].len &&
               memcmp(json_string_value(msg), p->ev[i].message, p->ev[i].len) == 0 &&
               p->ev[i].message[p->ev[i].len] == '\0';
    }
    same = same && json_object_size(j) == json_object_size(p->members) + 1;
    const char *k;
    json_t *v;
    json_object_foreach(p->members, k, v)
    {
        same = same && json_equal(v, json_object_get(j, k));
    }
    json_decref(j);
    return same;
}

Test(logs_putjson, accepts_the_usual_shape_exactly_as_jansson_reads_it)
{
    const char *ok[] = {
        "{\"logGroupName\":\"/g\",\"logStreamName\":\"s\",\"logEvents\":"
        "[{\"timestamp\":1,\"message\":\"a\"},{\"message\":\"b\",\"timestamp\":2}]}",
        " { \"logEvents\" : [ { \"timestamp\" : -5 , \"message\" : \"\" } ] ,"
        " \"logGroupName\" : \"g\" , \"sequenceToken\" : \"x\" } \n",
        "{\"logEvents\":[{\"timestamp\":0,\"message\":\"q\\\"\\\\\\/\\b\\f\\n\\r\\t\"}]}",
        "{\"logEvents\":[{\"timestamp\":123456789012345678,"
        "\"message\":\"\\u00e9\\u20ac\\ud83d\\ude00 caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80\"}]}",
        "{\"\\u006cogGroupName\":\"\\u0067\",\"logEvents\":[{\"timestamp\":1,\"message\":\"m\"}]}",
    };
    for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
        struct logs_putjson p;
        cr_assert(logs_putjson_parse(ok[i], strlen(ok[i]), 10000, &p), "declined %s", ok[i]);
        cr_expect(same_as_jansson(ok[i], strlen(ok[i]), &p), "differs: %s", ok[i]);
        logs_putjson_fini(&p);
    }
}

Test(logs_putjson, declines_everything_else)
{
    const char *no[] = {
        "",
        "[]",
        "{}",
        "{\"logGroupName\":\"g\"}",
        "{\"logEvents\":[]}",
        "{\"logEvents\":null}",
        "{\"logEvents\":[null]}",
        "{\"logEvents\":[{\"timestamp\":null,\"message\":\"a\"}]}",
        "{\"logEvents\":[{\"timestamp\":1}]}",
        "{\"logEvents\":[{\"message\":\"a\"}]}",
        "{\"logEvents\":[{\"timestamp\":1,\"message\":\"a\",\"x\":1}]}",
        "{\"logEvents\":[{\"timestamp\":1,\"timestamp\":2}]}",
        "{\"logEvents\":[{\"timestamp\":1.5,\"message\":\"a\"}]}",
        "{\"logEvents\":[{\"timestamp\":1e3,\"message\":\"a\"}]}",
        "{\"logEvents\":[{\"timestamp\":01,\"message\":\"a\"}]}",
        "{\"logEvents\":[{\"timestamp\":\"1\",\"message\":\"a\"}]}",
        "{\"logEvents\":[{\"timestamp\":1234567890123456789,\"message\":\"a\"}]}",
        "{\"logEvents\":[{\"timestamp\":1,\"message\":7}]}",
        "{\"logEvents\":[{\"timestamp\":1,\"message\":\"a\\u0000b\"}]}",
        "{\"logEvents\":[{\"timestamp\":1,\"message\":\"\\ud800\"}]}",
        "{\"logEvents\":[{\"timestamp\":1,\"message\":\"\\udc00\"}]}",
        "{\"logEvents\":[{\"timestamp\":1,\"message\":\"\\x\"}]}",
        "{\"logEvents\":[{\"timestamp\":1,\"message\":\"\xc3\"}]}",
        "{\"logEvents\":[{\"timestamp\":1,\"message\":\"\xc0\xaf\"}]}",
        "{\"logEvents\":[{\"timestamp\":1,\"message\":\"\xed\xa0\x80\"}]}",
        "{\"logEvents\":[{\"timestamp\":1,\"message\":\"tab\there\"}]}",
        "{\"logEvents\":[{\"timestamp\":1,\"message\":\"a\"}],}",
        "{\"logEvents\":[{\"timestamp\":1,\"message\":\"a\"},]}",
        "{\"logEvents\":[{\"timestamp\":1,\"message\":\"a\"}]} x",
        "{\"logEvents\":[{\"timestamp\":1,\"message\":\"a\"}],\"logEvents\":[]}",
        "{\"logEvents\":[{\"timestamp\":1,\"message\":\"a\"}],\"logGroupName\":5}",
        "{\"logEvents\":[{\"timestamp\":1,\"message\":\"a\"}],\"a\":\"1\",\"a\":\"2\"}",
        "{\"logEvents\":[{\"timestamp\":1,\"message\":\"a\"}],\"tags\":{}}",
        "{\"logEvents\":[{\"timestamp\":1,\"message\":\"a\"}]",
    };
    for (size_t i = 0; i < sizeof(no) / sizeof(no[0]); i++) {
        struct logs_putjson p;
        cr_expect_not(logs_putjson_parse(no[i], strlen(no[i]), 10000, &p), "accepted %s", no[i]);
    }
    const char *two = "{\"logEvents\":[{\"timestamp\":1,\"message\":\"a\"},"
                      "{\"timestamp\":2,\"message\":\"b\"}]}";
    struct logs_putjson p;
    cr_expect_not(logs_putjson_parse(two, strlen(two), 1, &p), "more than max_events");
}

Test(logs_putjson, mutations_never_disagree_with_jansson)
{
    const char *seed = "{\"logGroupName\":\"/g\",\"logEvents\":[{\"timestamp\":12,\"message\":"
                       "\"a\\u00e9\\n\xc3\xa9 ERROR id=1\"},{\"message\":\"\\ud83d\\ude00\","
                       "\"timestamp\":-3}],\"logStreamName\":\"s\"}";
    const char alphabet[] = "{}[]\":,\\u0123456789abcdefABCDEF.-e \x80\xc3\xa9\xed\xf4\x01";
    size_t len = strlen(seed);
    char *buf = malloc(len + 8);
    unsigned r = 7;
    int accepted = 0;
    for (int round = 0; round < 20000; round++) {
        memcpy(buf, seed, len + 1);
        size_t n = len;
        for (int m = 0; m < 1 + round % 3; m++) {
            size_t at = (size_t)rand_r(&r) % n;
            char ch = alphabet[(size_t)rand_r(&r) % (sizeof(alphabet) - 1)];
            switch (rand_r(&r) % 3) {
            case 0:
                buf[at] = ch;
                break;
            case 1:
                memmove(buf + at, buf + at + 1, n - at);
                n--;
                break;
            default:
                memmove(buf + at + 1, buf + at, n - at + 1);
                buf[at] = ch;
                n++;
            }
        }
        struct logs_putjson p;
        if (logs_putjson_parse(buf, n, 10000, &p)) {
            accepted++;
            cr_assert(same_as_jansson(buf, n, &p), "accepted and differs: %.*s", (int)n, buf);
            logs_putjson_fini(&p);
        }
    }
    cr_expect_gt(accepted, 100, "the fuzz should also produce accepted bodies");
    free(buf);
}

/* Found by fuzz_logs_putjson: a timestamp of more than 18 digits overflowed int64 while it was
 * read (UBSan), before being declined for its length. */
Test(logs_putjson, declines_a_too_long_timestamp_without_overflow)
{
    static const char body[] = "{\"logGroupName\":\"g\",\"logStreamName\":\"s\",\"logEvents\":"
                               "[{\"timestamp\":170000000001700000000017,\"message\":\"m\"}]}";
    struct logs_putjson p;
    cr_assert_not(logs_putjson_parse(body, sizeof(body) - 1, 10, &p));
}
