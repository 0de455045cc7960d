#include <criterion/criterion.h>
#include <stdlib.h>

#include "config.h"
#include "http_guard.h"

TestSuite(http_guard);

/* A guard for --http-address addr and FLUORO_ALLOW_HOST allow (NULL = unset). */
static struct http_guard *guard_for(const char *addr, const char *allow, int argc, char **argv,
                                    struct config *cfg)
{
    struct errbuf err = {{0}, -1};
    if (allow) {
        setenv("FLUORO_ALLOW_HOST", allow, 1);
    } else {
        unsetenv("FLUORO_ALLOW_HOST");
    }
    setenv("FLUORO_HTTP_ADDRESS", addr, 1);
    cr_assert_eq(config_parse(cfg, argc, argv, &err), 0, "%s", err.msg);
    unsetenv("FLUORO_HTTP_ADDRESS");
    unsetenv("FLUORO_ALLOW_HOST");
    return http_guard_new(cfg);
}

static enum http_guard_verdict get(const struct http_guard *g, const char *host)
{
    return http_guard_check(g, "GET", "/api/v1/traces", host, NULL, NULL);
}

Test(http_guard, loopback_names_and_addresses)
{
    const char *yes[] = {"localhost",       "LocalHost:2000",     "localhost.",
                         "ui.localhost:80", "127.0.0.1",          "127.9.9.9:1",
                         "[::1]:2000",      "[::ffff:127.0.0.1]", "a.b.localhost"};
    const char *no[] = {"localhost.evil.example",
                        "evil.example",
                        "128.0.0.1",
                        "[::2]",
                        "",
                        "0.0.0.0",
                        "xlocalhost",
                        "[::1"};
    for (size_t i = 0; i < sizeof(yes) / sizeof(*yes); i++) {
        struct config cfg;
        struct http_guard *g = guard_for("127.0.0.1:2000", NULL, 0, NULL, &cfg);
        cr_expect_eq(get(g, yes[i]), HTTP_GUARD_OK, "%s", yes[i]);
        http_guard_free(g);
        config_fini(&cfg);
    }
    for (size_t i = 0; i < sizeof(no) / sizeof(*no); i++) {
        struct config cfg;
        struct http_guard *g = guard_for("127.0.0.1:2000", NULL, 0, NULL, &cfg);
        cr_expect_eq(get(g, no[i]), HTTP_GUARD_HOST, "%s", no[i]);
        http_guard_free(g);
        config_fini(&cfg);
    }
}

Test(http_guard, bound_address_and_allow_list)
{
    struct config cfg;
    char *argv[] = {"--allow-host", "Fluoro", "--allow-host=ci.internal,[fd00::1]"};
    struct http_guard *g = guard_for("192.168.1.5:2000", "ignored.example", 3, argv, &cfg);
    cr_assert_str_eq(cfg.allow_host, "Fluoro,ci.internal,[fd00::1]");
    cr_expect_eq(get(g, "192.168.1.5:2000"), HTTP_GUARD_OK);
    cr_expect_eq(get(g, "fluoro:2000"), HTTP_GUARD_OK);
    cr_expect_eq(get(g, "CI.INTERNAL"), HTTP_GUARD_OK);
    cr_expect_eq(get(g, "[fd00::1]:2000"), HTTP_GUARD_OK);
    cr_expect_eq(get(g, "ignored.example"), HTTP_GUARD_HOST, "flags replace the environment");
    cr_expect_eq(get(g, "192.168.1.6"), HTTP_GUARD_HOST);
    http_guard_free(g);
    config_fini(&cfg);

    g = guard_for("0.0.0.0:2000", " a.example , * ", 0, NULL, &cfg);
    cr_expect_eq(get(g, "anything.example"), HTTP_GUARD_OK);
    cr_expect_eq(get(g, NULL), HTTP_GUARD_OK);
    http_guard_free(g);
    config_fini(&cfg);
}

Test(http_guard, origin_and_content_type_for_writes)
{
    struct config cfg;
    char *argv[] = {"--allow-host", "*", "--allow-host", "trusted.example"};
    struct http_guard *g = guard_for("127.0.0.1:2000", NULL, 4, argv, &cfg);
    const char *json = "application/json";
    const char *host = "anything.example:2000";
    struct {
        const char *method, *path, *origin, *type;
        enum http_guard_verdict want;
    } cases[] = {
        {"POST", "/api/v1/reset", NULL, json, HTTP_GUARD_OK},
        {"POST", "/api/v1/reset", NULL, "application/JSON; charset=utf-8", HTTP_GUARD_OK},
        {"POST", "/api/v1/reset", NULL, "text/plain", HTTP_GUARD_CONTENT_TYPE},
        {"POST", "/api/v1/reset", NULL, "application/jsonp", HTTP_GUARD_CONTENT_TYPE},
        {"POST", "/api/v1/reset", NULL, NULL, HTTP_GUARD_CONTENT_TYPE},
        {"POST", "/api/v1/reset", "http://anything.example:2000", json, HTTP_GUARD_OK},
        {"POST", "/api/v1/reset", "http://localhost:5173", json, HTTP_GUARD_OK},
        {"POST", "/api/v1/reset", "https://trusted.example", json, HTTP_GUARD_OK},
        {"POST", "/api/v1/reset", "https://evil.example", json, HTTP_GUARD_ORIGIN},
        {"POST", "/api/v1/reset", "null", json, HTTP_GUARD_ORIGIN},
        {"POST", "/TraceSegments", "https://evil.example", json, HTTP_GUARD_ORIGIN},
        {"POST", "/TraceSegments", NULL, "text/plain", HTTP_GUARD_OK},
        {"POST", "/", NULL, "application/x-amz-json-1.1", HTTP_GUARD_OK},
        {"DELETE", "/api/v1/x", "https://evil.example", NULL, HTTP_GUARD_ORIGIN},
        {"GET", "/api/v1/traces", "https://evil.example", NULL, HTTP_GUARD_OK},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(*cases); i++) {
        cr_expect_eq(http_guard_check(g, cases[i].method, cases[i].path, host, cases[i].origin,
                                      cases[i].type),
                     cases[i].want, "case %zu: %s %s origin=%s type=%s", i, cases[i].method,
                     cases[i].path, cases[i].origin ? cases[i].origin : "-",
                     cases[i].type ? cases[i].type : "-");
    }
    http_guard_free(g);
    config_fini(&cfg);
}
