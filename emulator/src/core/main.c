/*
 * main.c - the `fluoro` command: `serve` (the default) wires the modules together in order and
 * tears them down in reverse; the other subcommands are thin HTTP clients (client.c).
 *
 * Threads of `serve`: this one runs the libuv loop (UDP, signals, timers); the writer thread;
 * libmicrohttpd's listener and connection threads. Shutdown order keeps "acknowledged means
 * committed": stop HTTP (no new writes), stop UDP, then let the writer drain and commit.
 */
#include <jansson.h>
#include <malloc.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <uv.h>

#include "app.h"
#include "checkpoint.h"
#include "client.h"
#include "config.h"
#include "demo.h"
#include "export.h"
#include "fixture.h"
#include "http.h"
#include "log.h"
#include "maintenance.h"
#include "metrics.h"
#include "store.h"
#include "udp.h"
#include "web.h"
#include "xray_db.h"
#include "xray_ingest.h"

struct serve_state {
    uv_loop_t loop;
    uv_signal_t sigint, sigterm;
    struct app app;
    char *tmpdir; /* the temporary database's directory, removed at exit */
    char *db_path;
};

static void on_signal(uv_signal_t *h, int signum)
{
    struct serve_state *s = h->data;
    log_info("shutting down", "signal=%d", signum);
    atomic_store(&s->app.stopping, true);
    uv_stop(&s->loop);
}

static int make_db_path(struct serve_state *s, const struct config *cfg)
{
    if (cfg->db_path[0]) {
        s->db_path = xstrdup(cfg->db_path);
        return 0;
    }
    const char *tmp = getenv("TMPDIR");
    char *templ = xasprintf("%s/fluoro-XXXXXX", tmp && *tmp ? tmp : "/tmp");
    if (!mkdtemp(templ)) {
        free(templ);
        log_error("cannot create a temporary directory", "%s", "");
        return ERR_INTERNAL;
    }
    s->tmpdir = templ;
    s->db_path = xasprintf("%s/fluoro.db", templ);
    return 0;
}

static void remove_temp_db(struct serve_state *s)
{
    if (!s->tmpdir) {
        return;
    }
    const char *suffixes[] = {"", "-wal", "-shm", "-journal"};
    for (size_t i = 0; i < ARRAY_LEN(suffixes); i++) {
        char *p = xasprintf("%s%s", s->db_path, suffixes[i]);
        unlink(p);
        free(p);
    }
    rmdir(s->tmpdir);
}

/* A database written before trace facts existed gets them now, before anything reads them. */
static int backfill(struct store *rw)
{
    int64_t filled = 0;
    int rc = xray_db_backfill_facts(rw, &filled);
    if (rc < 0) {
        log_error("cannot index the stored traces", "step=backfill_facts");
    } else if (filled > 0) {
        log_info("stored traces indexed", "traces=%lld", (long long)filled);
    }
    return rc;
}

static int serve(const struct config *cfg)
{
    struct serve_state s = {0};
    struct store *rw = NULL;
    struct udp_receiver *udp = NULL;
    struct http_server *httpd = NULL;
    struct maintenance *maint = NULL;
    struct checkpointer *ckpt = NULL;
    struct demo *replay = NULL;
    struct exporters *exporters = NULL;
    struct xray_ingest *xray = NULL;
    int rc = make_db_path(&s, cfg);
    if (rc < 0) {
        goto out;
    }
    rc = store_open_rw(s.db_path, &rw);
    if (rc < 0) {
        log_error("cannot open the database", "path=\"%s\"", s.db_path);
        goto out;
    }
    rc = backfill(rw);
    if (rc < 0) {
        goto out;
    }
    store_set_path(s.db_path);
    ckpt = checkpoint_start(s.db_path);
    uv_loop_init(&s.loop);
    s.app.cfg = cfg;
    s.app.db_path = s.db_path;
    s.app.started_at = now_epoch();
    s.app.queue = queue_new((size_t)cfg->queue_size);
    queue_set_max_bytes(s.app.queue, (size_t)cfg->queue_bytes);
    /* The writer is generic; X-Ray ingest parses and stores the datagrams it batches. */
    rc = xray_ingest_new(rw, &xray);
    if (rc == 0) {
        rc = writer_start(s.app.queue, rw, &xray_ingest_hooks, xray, &s.app.writer);
    }
    /* The demo is committed before anything listens, so the first request already sees it. */
    if (rc == 0 && cfg->demo) {
        rc = demo_load(&s.app);
    }
    if (rc == 0) {
        rc = export_start(cfg, s.app.writer, s.db_path, &exporters);
    }
    if (rc == 0) {
        rc = udp_start(&s.loop, cfg->udp_address, s.app.queue, &udp);
        s.app.udp = udp;
    }
    if (rc == 0) {
        rc = http_start(&s.app, &httpd);
    }
    if (rc < 0) {
        goto out;
    }
    maint = maintenance_start(&s.loop, &s.app);
    if (cfg->demo) {
        replay = demo_start(&s.app, cfg->demo_replay_interval_s);
    }
    s.sigint.data = s.sigterm.data = &s;
    uv_signal_init(&s.loop, &s.sigint);
    uv_signal_init(&s.loop, &s.sigterm);
    uv_signal_start(&s.sigint, on_signal, SIGINT);
    uv_signal_start(&s.sigterm, on_signal, SIGTERM);
    log_info("fluoro listening", "udp=%s http=%s db=\"%s\" version=%s", cfg->udp_address,
             cfg->http_address, cfg->db_path[0] ? cfg->db_path : "(temporary)", FLUORO_VERSION);
    uv_run(&s.loop, UV_RUN_DEFAULT);
out:
    atomic_store(&s.app.stopping, true);
    demo_stop(replay);      /* its last round goes through the writer, which is still running */
    export_stop(exporters); /* before the writer stops, so its last cursor write commits */
    http_stop(httpd);
    udp_stop(udp);
    maintenance_stop(maint);
    if (s.sigint.data) {
        uv_close((uv_handle_t *)&s.sigint, NULL);
        uv_close((uv_handle_t *)&s.sigterm, NULL);
    }
    if (s.app.queue) {
        uv_run(&s.loop, UV_RUN_DEFAULT); /* finish the closes */
        if (uv_loop_close(&s.loop) != 0) {
            log_warn("event loop had open handles at exit", "%s", "");
        }
    }
    writer_stop(s.app.writer); /* drains and commits whatever was acknowledged */
    xray_ingest_free(xray);
    checkpoint_stop(ckpt);
    log_info("stopped",
             "udp_received=%llu udp_stored=%llu udp_rejected=%llu udp_dropped=%llu "
             "udp_dropped_kernel=%llu",
             (unsigned long long)METRIC_GET(udp_received),
             (unsigned long long)METRIC_GET(udp_stored),
             (unsigned long long)metrics_udp_rejected_total(),
             (unsigned long long)METRIC_GET(udp_dropped),
             (unsigned long long)METRIC_GET(udp_dropped_kernel));
    queue_free(s.app.queue);
    store_close(rw);
    store_set_path(NULL);
    remove_temp_db(&s);
    free(s.db_path);
    free(s.tmpdir);
    return rc < 0 ? 1 : 0;
}

int main(int argc, char **argv)
{
    /* jansson's many short-lived allocations made glibc's fastbin consolidation a tenth of the
     * writer's time; tcache serves small blocks without it (bench/README.md). */
    mallopt(M_MXFAST, 0);
    fluoro_json_init();
    signal(SIGPIPE, SIG_IGN);
    const char *cmd = argc > 1 && argv[1][0] != '-' ? argv[1] : "serve";
    int first = argc > 1 && argv[1][0] != '-' ? 2 : 1;
    if (strcmp(cmd, "serve") != 0) {
        return client_main(cmd, argc - first, argv + first);
    }
    struct config cfg;
    struct errbuf err = {{0}, -1};
    if (config_parse(&cfg, argc - first, argv + first, &err) < 0) {
        fprintf(stderr, "fluoro: %s\n", err.msg);
        config_fini(&cfg);
        return 2;
    }
    int rc = 0;
    if (cfg.show_help) {
        config_usage(stdout);
    } else if (cfg.show_version) {
        printf("fluoro %s\n", FLUORO_VERSION);
    } else {
        log_threshold = cfg.log_level_value;
        rc = serve(&cfg);
    }
    config_fini(&cfg);
    return rc;
}
