/*
 * store.c - SQLite connection management (see store.h). Invariants: exactly one read-write
 * connection exists (the writer's); every other connection is read-only and sees WAL snapshots,
 * so readers never block the writer and nobody sees SQLITE_BUSY except during WAL recovery,
 * which busy_timeout covers.
 */
#include "store.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "health.h"
#include "log.h"

/* Open-addressed map from SQL text pointer to prepared statement. */
struct stmt_slot {
    const char *sql;
    sqlite3_stmt *stmt;
};

struct store {
    sqlite3 *db;
    struct stmt_slot *slots;
    size_t nslots;
    size_t used;
};

static char *ro_path;
static pthread_key_t ro_key;
static pthread_once_t ro_once = PTHREAD_ONCE_INIT;

sqlite3 *store_db(struct store *s)
{
    return s->db;
}

int store_fail(struct store *s, const char *what)
{
    health_note_sqlite_error(s ? s->db : NULL);
    log_ratelimited(LOG_ERROR, "sqlite failure", "what=\"%s\" code=%d error=\"%s\"", what,
                    s && s->db ? sqlite3_extended_errcode(s->db) : -1,
                    s && s->db ? sqlite3_errmsg(s->db) : "no connection");
    return ERR_INTERNAL;
}

int store_exec(struct store *s, const char *sql)
{
    char *msg = NULL;
    if (sqlite3_exec(s->db, sql, NULL, NULL, &msg) != SQLITE_OK) {
        health_note_sqlite_error(s->db);
        log_error("sqlite exec failed", "error=\"%s\"", msg ? msg : "?");
        sqlite3_free(msg);
        return ERR_INTERNAL;
    }
    return 0;
}

/* The read-write connection's busy handler: retries every 200 us for up to 5 s. It waits only
 * while the checkpointer's RESTART holds the write lock (checkpoint.c); SQLite's busy_timeout
 * sleeps 1, 2, 5 … 100 ms between tries, so the writer slept on for tens of milliseconds after
 * the lock was free, a stall every OTLP request in flight waited out (bench/README.md). */
static int writer_busy_retry(void *arg, int tries)
{
    (void)arg;
    if (tries >= 5 * 5000) {
        return 0;
    }
    usleep(200);
    return 1;
}

static int migrate(struct store *s)
{
    sqlite3_stmt *st = NULL;
    int version = 0;
    if (sqlite3_prepare_v2(s->db, "PRAGMA user_version", -1, &st, NULL) != SQLITE_OK) {
        return store_fail(s, "read user_version");
    }
    if (sqlite3_step(st) == SQLITE_ROW) {
        version = sqlite3_column_int(st, 0);
    }
    sqlite3_finalize(st);
    if (version > store_migration_count) {
        log_error("database is newer than this fluoro", "user_version=%d known=%d", version,
                  store_migration_count);
        return ERR_INVALID;
    }
    for (int v = version; v < store_migration_count; v++) {
        char *sql = xasprintf("BEGIN IMMEDIATE; %s; PRAGMA user_version=%d; COMMIT;",
                              store_migrations[v], v + 1);
        int rc = store_exec(s, sql);
        free(sql);
        if (rc < 0) {
            sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
            return rc;
        }
        log_debug("schema migrated", "user_version=%d", v + 1);
    }
    return 0;
}

static int open_conn(const char *path, int flags, struct store **out)
{
    struct store *s = xcalloc(1, sizeof(*s));
    int rc = 0;
    if (sqlite3_open_v2(path, &s->db, flags | SQLITE_OPEN_NOMUTEX, NULL) != SQLITE_OK) {
        rc = store_fail(s, "open");
        goto out;
    }
    sqlite3_busy_timeout(s->db, 5000);
    s->nslots = 64;
    s->slots = xcalloc(s->nslots, sizeof(*s->slots));
    rc = store_exec(s, "PRAGMA foreign_keys=ON; PRAGMA temp_store=MEMORY;");
out:
    if (rc < 0) {
        store_close(s);
        s = NULL;
    }
    *out = s;
    return rc;
}

static off_t file_size(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 ? st.st_size : -1;
}

/* An existing file at path must be a database: SQLite would silently turn an empty file (a
 * mistyped --db, a truncated copy) into a new, empty database. Missing files are created.
 * A 0-byte file beside a non-empty -wal is a database whose first checkpoint never ran. */
static int check_existing(const char *path)
{
    static const char magic[16] = "SQLite format 3";
    struct stat st;
    char head[sizeof(magic)] = {0};
    const char *reason = NULL;
    if (stat(path, &st) != 0) {
        return 0; /* missing (created) or unreadable (SQLite says why) */
    }
    if (!S_ISREG(st.st_mode)) {
        reason = "not a regular file";
    } else if (st.st_size == 0) {
        char *wal = xasprintf("%s-wal", path);
        reason = file_size(wal) > 0 ? NULL : "the file is empty";
        free(wal);
    } else {
        FILE *f = fopen(path, "rb");
        size_t n = f ? fread(head, 1, sizeof(head), f) : 0;
        if (f) {
            fclose(f);
        }
        if (f && (n != sizeof(head) || memcmp(head, magic, sizeof(magic)) != 0)) {
            reason = "the file is not an SQLite database";
        }
    }
    if (reason) {
        log_error("not a fluoro database", "path=\"%s\" reason=\"%s\" hint=\"%s\"", path, reason,
                  "give --db a new path (it is created) or an existing fluoro database");
        return ERR_INVALID;
    }
    return 0;
}

/* A database with tables but no user_version was written by something else: migrating it
 * would mix fluoro's tables into another program's file. */
static int check_foreign(struct store *s)
{
    sqlite3_stmt *st = NULL;
    int version = 0, tables = 0;
    if (sqlite3_prepare_v2(s->db,
                           "SELECT (SELECT user_version FROM pragma_user_version),"
                           " (SELECT count(*) FROM sqlite_master)",
                           -1, &st, NULL) != SQLITE_OK) {
        return store_fail(s, "inspect the database");
    }
    if (sqlite3_step(st) == SQLITE_ROW) {
        version = sqlite3_column_int(st, 0);
        tables = sqlite3_column_int(st, 1);
    }
    sqlite3_finalize(st);
    if (version == 0 && tables > 0) {
        log_error("not a fluoro database", "reason=\"%s\" tables=%d",
                  "an SQLite database written by another program", tables);
        return ERR_INVALID;
    }
    return 0;
}

int store_open_rw(const char *path, struct store **out)
{
    struct store *s = NULL;
    int rc = check_existing(path);
    if (rc < 0) {
        *out = NULL;
        return rc;
    }
    rc = open_conn(path, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, &s);
    if (rc == 0) {
        sqlite3_busy_handler(s->db, writer_busy_retry, NULL);
        rc = check_foreign(s);
    }
    if (rc == 0) {
        /* NORMAL in WAL mode loses at most the last commits on power loss, never integrity;
         * a developer tool trades that for ingest speed. Checkpoints run on their own thread
         * (checkpoint.h), not inside the writer's COMMIT. */
        rc = store_exec(s, "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;"
                           "PRAGMA wal_autocheckpoint=0; PRAGMA cache_size=-65536;");
    }
    if (rc == 0) {
        rc = migrate(s);
    }
    if (rc < 0) {
        store_close(s);
        s = NULL;
    }
    *out = s;
    return rc;
}

int store_open_ro(const char *path, struct store **out)
{
    struct store *s = NULL;
    int rc = open_conn(path, SQLITE_OPEN_READONLY, &s);
    if (rc == 0) {
        /* Readers map the database: every HTTP connection thread has its own connection, so a
         * private page cache starts cold on each one, while mapped pages are the kernel's and
         * shared. Halves to fifths term-filter latency over 10M log events (bench/README.md).
         * fluoro never VACUUMs, so the file under a mapping never shrinks. */
        rc = store_exec(s, "PRAGMA cache_size=-32768; PRAGMA mmap_size=1073741824;"
                           "PRAGMA query_only=ON;");
    }
    if (rc < 0) {
        store_close(s);
        s = NULL;
    }
    *out = s;
    return rc;
}

void store_close(struct store *s)
{
    if (!s) {
        return;
    }
    for (size_t i = 0; s->slots && i < s->nslots; i++) {
        sqlite3_finalize(s->slots[i].stmt);
    }
    free(s->slots);
    if (s->db && sqlite3_close(s->db) != SQLITE_OK) {
        log_warn("sqlite close failed", "error=\"%s\"", sqlite3_errmsg(s->db));
    }
    free(s);
}

static size_t slot_index(const struct store *s, const char *sql)
{
    uintptr_t h = (uintptr_t)sql;
    h ^= h >> 17;
    h *= 0x9E3779B97F4A7C15ull;
    return (size_t)(h >> 7) & (s->nslots - 1);
}

static void grow_slots(struct store *s)
{
    struct stmt_slot *old = s->slots;
    size_t oldn = s->nslots;
    s->nslots *= 2;
    s->slots = xcalloc(s->nslots, sizeof(*s->slots));
    for (size_t i = 0; i < oldn; i++) {
        if (old[i].sql) {
            size_t j = slot_index(s, old[i].sql);
            while (s->slots[j].sql) {
                j = (j + 1) & (s->nslots - 1);
            }
            s->slots[j] = old[i];
        }
    }
    free(old);
}

sqlite3_stmt *store_stmt(struct store *s, const char *sql)
{
    size_t i = slot_index(s, sql);
    while (s->slots[i].sql && s->slots[i].sql != sql) {
        i = (i + 1) & (s->nslots - 1);
    }
    if (s->slots[i].sql) {
        sqlite3_reset(s->slots[i].stmt);
        sqlite3_clear_bindings(s->slots[i].stmt);
        return s->slots[i].stmt;
    }
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v3(s->db, sql, -1, SQLITE_PREPARE_PERSISTENT, &st, NULL) != SQLITE_OK) {
        store_fail(s, sql);
        return NULL;
    }
    if ((s->used + 1) * 2 > s->nslots) {
        grow_slots(s);
        i = slot_index(s, sql);
        while (s->slots[i].sql) {
            i = (i + 1) & (s->nslots - 1);
        }
    }
    s->slots[i].sql = sql;
    s->slots[i].stmt = st;
    s->used++;
    return st;
}

int store_step_done(struct store *s, sqlite3_stmt *st, const char *what)
{
    int rc = sqlite3_step(st);
    sqlite3_reset(st);
    if (rc != SQLITE_DONE && rc != SQLITE_ROW) {
        return store_fail(s, what);
    }
    return 0;
}

int store_one_int(struct store *s, sqlite3_stmt *st, int64_t *out, const char *what)
{
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) {
        *out = sqlite3_column_int64(st, 0);
        sqlite3_reset(st);
        return 0;
    }
    sqlite3_reset(st);
    return rc == SQLITE_DONE ? ERR_NOTFOUND : store_fail(s, what);
}

void store_bind_text(sqlite3_stmt *st, int idx, const char *str)
{
    if (str) {
        sqlite3_bind_text(st, idx, str, -1, SQLITE_TRANSIENT);
    } else {
        sqlite3_bind_null(st, idx);
    }
}

char *store_column_dup(sqlite3_stmt *st, int i)
{
    const char *t = (const char *)sqlite3_column_text(st, i);
    return t ? xstrdup(t) : NULL;
}

int store_read_rows(sqlite3_stmt *st, size_t size, store_row_fn read, int64_t limit, bool *more,
                    void **rows, size_t *n)
{
    size_t cap = 0;
    while (sqlite3_step(st) == SQLITE_ROW) {
        if (more && (int64_t)*n == limit) {
            *more = true;
            break;
        }
        if (*n == cap) {
            cap = cap ? cap * 2 : 16;
            *rows = xrealloc(*rows, cap * size);
        }
        void *row = (char *)*rows + (*n)++ * size;
        memset(row, 0, size);
        read(st, row);
    }
    sqlite3_reset(st);
    return 0;
}

int64_t store_size_bytes(struct store *s)
{
    sqlite3_stmt *st = store_stmt(s, "SELECT page_count * page_size FROM pragma_page_count(), "
                                     "pragma_page_size()");
    int64_t n = 0;
    if (st && sqlite3_step(st) == SQLITE_ROW) {
        n = sqlite3_column_int64(st, 0);
    }
    if (st) {
        sqlite3_reset(st);
    }
    return n;
}

static void close_thread_ro(void *p)
{
    store_close(p);
}

static void make_ro_key(void)
{
    pthread_key_create(&ro_key, close_thread_ro);
}

void store_set_path(const char *path)
{
    free(ro_path);
    ro_path = path ? xstrdup(path) : NULL;
}

struct store *store_thread_ro(void)
{
    pthread_once(&ro_once, make_ro_key);
    struct store *s = pthread_getspecific(ro_key);
    if (!s && ro_path) {
        if (store_open_ro(ro_path, &s) < 0) {
            return NULL;
        }
        pthread_setspecific(ro_key, s);
    }
    return s;
}
