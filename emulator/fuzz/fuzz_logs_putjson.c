/*
 * fuzz_logs_putjson.c - the PutLogEvents fast-path body parser (logs_putjson.c), which reads
 * untrusted JSON without jansson. Whatever it accepts must also be valid JSON to jansson with
 * the same events, since declined bodies fall back to jansson and the two must agree.
 */
#include "fuzz.h"
#include "logs_putjson.h"

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    fuzz_init();
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct logs_putjson p;
    if (!logs_putjson_parse((const char *)data, size, 10000, &p)) {
        return 0;
    }
    json_t *doc = json_loadb((const char *)data, size, JSON_REJECT_DUPLICATES, NULL);
    json_t *events = json_object_get(doc, "logEvents");
    if (!doc || json_array_size(events) != p.n) {
        __builtin_trap(); /* the fast path accepted what jansson reads differently */
    }
    for (size_t i = 0; i < p.n; i++) {
        json_t *ev = json_array_get(events, i);
        json_t *msg = json_object_get(ev, "message");
        if (!json_is_string(msg) || json_string_length(msg) != p.ev[i].len ||
            memcmp(json_string_value(msg), p.ev[i].message, p.ev[i].len) != 0 ||
            json_integer_value(json_object_get(ev, "timestamp")) != p.ev[i].ts) {
            __builtin_trap();
        }
    }
    json_decref(doc);
    logs_putjson_fini(&p);
    return 0;
}
