/*
 * store.h - SQLite connections: the writer's single read-write connection and one read-only
 * connection per HTTP thread, with the PRAGMAs, schema migrations and a per-connection cache of
 * prepared statements. All SQL failures go through store_fail(), which logs once and maps to
 * ERR_INTERNAL (a SQL error after validation is a bug, DESIGN.md §2).
 *
 * A struct store belongs to one thread. store_open_rw() is called once, by main, before the
 * writer starts; store_thread_ro() by any HTTP thread.
 */
#ifndef STORE_H
#define STORE_H

#include <sqlite3.h>

#include "fluoro.h"

struct store;

/* Opens (creating and migrating) the database at path read-write. */
int store_open_rw(const char *path, struct store **out) MUST_CHECK;
/* Opens path read-only (the schema must exist). */
int store_open_ro(const char *path, struct store **out) MUST_CHECK;
void store_close(struct store *s);

/* Remembers the database path for store_thread_ro(); call once before HTTP threads start. */
void store_set_path(const char *path);
/* The calling thread's read-only connection, opened on first use and closed when the thread
 * exits. Borrowed. NULL if it cannot be opened (logged). */
struct store *store_thread_ro(void);

sqlite3 *store_db(struct store *s);

/* A cached prepared statement for sql, which must be a string literal or otherwise live for the
 * whole program (the pointer is the cache key). Reset and cleared for the caller; borrowed.
 * NULL on a prepare failure (logged). */
sqlite3_stmt *store_stmt(struct store *s, const char *sql);

/* Runs SQL with no results (several statements allowed). Returns 0 or ERR_INTERNAL. */
int store_exec(struct store *s, const char *sql) MUST_CHECK;

/* Logs the connection's current error with context and returns ERR_INTERNAL. */
int store_fail(struct store *s, const char *what);

/* Steps a statement expected to finish (no rows). Resets it. Returns 0 or ERR_INTERNAL. */
int store_step_done(struct store *s, sqlite3_stmt *st, const char *what) MUST_CHECK;

/* Steps a statement expected to give at most one row whose first column is an integer, into
 * *out. Resets it. Returns 0, ERR_NOTFOUND (no row) or ERR_INTERNAL. Thread owning s. */
int store_one_int(struct store *s, sqlite3_stmt *st, int64_t *out, const char *what) MUST_CHECK;

/* Binds helpers: text (NULL binds SQL NULL). Copies. */
void store_bind_text(sqlite3_stmt *st, int idx, const char *s);

/* A new copy of text column i of the current row, NULL for SQL NULL. */
char *store_column_dup(sqlite3_stmt *st, int i);

/* Copies the current row of a statement into one caller-owned, zeroed row struct. */
typedef void (*store_row_fn)(sqlite3_stmt *st, void *row);

/* Steps st (already bound) and reads each row with `read` into a new array of `size`-byte rows
 * (*rows, *n, owned by the caller; each row zeroed first). When more is not NULL the statement
 * asks for limit + 1 rows: reading stops at limit and *more says whether another row followed.
 * Resets st; returns 0. The thread that owns st's connection. */
int store_read_rows(sqlite3_stmt *st, size_t size, store_row_fn read, int64_t limit, bool *more,
                    void **rows, size_t *n);

/* Size of the database in bytes (page_count * page_size). */
int64_t store_size_bytes(struct store *s);

/* The schema migrations, applied by PRAGMA user_version (schema.c). */
extern const char *const store_migrations[];
extern const int store_migration_count;

#endif
