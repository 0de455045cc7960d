#include <criterion/criterion.h>
#include <stdlib.h>

#include "config.h"

TestSuite(config);

static int parse(struct config *cfg, int argc, char **argv, struct errbuf *err)
{
    return config_parse(cfg, argc, argv, err);
}

Test(config, defaults_follow_the_daemon)
{
    struct config cfg;
    struct errbuf err = {{0}, -1};
    unsetenv("FLUORO_UDP_ADDRESS");
    cr_assert_eq(parse(&cfg, 0, NULL, &err), 0, "%s", err.msg);
    cr_assert_str_eq(cfg.udp_address, "127.0.0.1:2000");
    cr_assert_str_eq(cfg.http_address, "127.0.0.1:2000");
    cr_assert_str_eq(cfg.db_path, "");
    cr_assert_eq(cfg.trace_retention_s, 30 * 86400);
    cr_assert_not(cfg.demo);
    config_fini(&cfg);
}

Test(config, daemon_style_aliases_and_inline_values)
{
    struct config cfg;
    struct errbuf err = {{0}, -1};
    char *argv[] = {"-b",
                    "0.0.0.0:3000",
                    "--http-address=127.0.0.1:3001",
                    "--demo",
                    "--trace-retention",
                    "12h",
                    "--max-db-size",
                    "1MiB"};
    cr_assert_eq(parse(&cfg, 8, argv, &err), 0, "%s", err.msg);
    cr_assert_str_eq(cfg.udp_address, "0.0.0.0:3000");
    cr_assert_str_eq(cfg.http_address, "127.0.0.1:3001");
    cr_assert(cfg.demo);
    cr_assert_eq(cfg.trace_retention_s, 12 * 3600);
    cr_assert_eq(cfg.max_db_size, 1048576);
    config_fini(&cfg);
}

Test(config, environment_is_read_and_flags_win)
{
    struct config cfg;
    struct errbuf err = {{0}, -1};
    setenv("FLUORO_UDP_ADDRESS", "127.0.0.1:4000", 1);
    setenv("FLUORO_LOG_LEVEL", "debug", 1);
    char *argv[] = {"--udp-address", "127.0.0.1:4001"};
    cr_assert_eq(parse(&cfg, 2, argv, &err), 0, "%s", err.msg);
    cr_assert_str_eq(cfg.udp_address, "127.0.0.1:4001");
    cr_assert_eq(cfg.log_level_value, LOG_DEBUG);
    unsetenv("FLUORO_UDP_ADDRESS");
    unsetenv("FLUORO_LOG_LEVEL");
    config_fini(&cfg);
}

Test(config, bad_values_are_named)
{
    struct config cfg;
    struct errbuf err = {{0}, -1};
    char *a1[] = {"--udp-address", "nocolon"};
    cr_assert_eq(parse(&cfg, 2, a1, &err), ERR_INVALID);
    cr_assert_str_eq(err.msg, "--udp-address (FLUORO_UDP_ADDRESS): \"nocolon\" is not HOST:PORT");
    config_fini(&cfg);
    char *a2[] = {"--bogus"};
    cr_assert_eq(parse(&cfg, 1, a2, &err), ERR_INVALID);
    cr_assert_str_eq(err.msg, "unknown option \"--bogus\" (see --help)");
    config_fini(&cfg);
    char *a3[] = {"--trace-retention", "soon"};
    cr_assert_eq(parse(&cfg, 2, a3, &err), ERR_INVALID);
    config_fini(&cfg);
    char *a4[] = {"--db"};
    cr_assert_eq(parse(&cfg, 1, a4, &err), ERR_INVALID);
    cr_assert_str_eq(err.msg, "--db needs a value");
    config_fini(&cfg);
}

Test(config, splits_addresses)
{
    char host[64];
    int port;
    cr_assert_eq(config_split_address("127.0.0.1:2000", host, sizeof(host), &port), 0);
    cr_assert_str_eq(host, "127.0.0.1");
    cr_assert_eq(port, 2000);
    cr_assert_eq(config_split_address(":2000", host, sizeof(host), &port), 0);
    cr_assert_str_eq(host, "0.0.0.0");
    cr_assert_eq(config_split_address("[::1]:9", host, sizeof(host), &port), 0);
    cr_assert_str_eq(host, "::1");
    cr_assert_eq(config_split_address("host:70000", host, sizeof(host), &port), ERR_INVALID);
}

Test(config, durations_and_sizes)
{
    int64_t v;
    cr_assert_eq(config_parse_duration_ms("300ms", &v), 0);
    cr_assert_eq(v, 300);
    cr_assert_eq(config_parse_duration_ms("5s", &v), 0);
    cr_assert_eq(v, 5000);
    cr_assert_eq(config_parse_duration_ms("2", &v), 0);
    cr_assert_eq(v, 2000);
    cr_assert_eq(config_parse_duration_ms("1x", &v), ERR_INVALID);
    cr_assert_eq(config_parse_size("500MB", &v), 0);
    cr_assert_eq(v, 500000000);
    cr_assert_eq(config_parse_size("2GiB", &v), 0);
    cr_assert_eq(v, 2147483648LL);
}
