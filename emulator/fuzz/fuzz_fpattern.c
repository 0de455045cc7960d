/*
 * fuzz_fpattern.c - CloudWatch Logs filter patterns (fpattern*.c): the first line of the input
 * is the pattern, every further line a log message it is matched against, with value and field
 * extraction as metric filters and TestMetricFilter use them.
 */
#include "fpattern.h"
#include "fuzz.h"

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    fuzz_init();
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *text = fuzz_strndup(data, size);
    char *rest = text;
    const char *src = fuzz_next_line(&rest);
    struct fpattern *p = NULL;
    struct errbuf err = {{0}, -1};
    if (fpattern_compile(src, &p, &err) == 0) {
        (void)fpattern_required_terms(p);
        for (const char *msg = fuzz_next_line(&rest); msg; msg = fuzz_next_line(&rest)) {
            size_t len = strlen(msg);
            double value = 0;
            bool has_value = false;
            (void)fpattern_match(p, msg, len);
            (void)fpattern_match_value(p, msg, len, "$.a", &value, &has_value);
            (void)fpattern_match_value(p, msg, len, "$f1", &value, &has_value);
            json_decref(fpattern_extract(p, msg, len));
        }
    }
    fpattern_free(p);
    free(text);
    return 0;
}
