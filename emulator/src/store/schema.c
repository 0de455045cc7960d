/*
 * schema.c - the database schema as an ordered list of migrations. Migration N brings a database
 * from user_version N to N+1; released migrations are never edited, only appended to.
 * The split follows DESIGN.md §4: documents as received (segments) and derived, query-shaped
 * rows per trace re-computed by the writer: traces (scalar columns for retention and counts),
 * trace_facts (migration 5, re-encoded by 8: the facts part of the trace's encoded view,
 * struct trace_view in trace_facts.h, which the filter evaluator,
 * the service graph and the time series read without jansson) and trace_summaries (its
 * summary part, migration 8). docs/design-notes.md items 2
 * and 8 say why this is one packed row per trace rather than per-annotation/node/edge tables.
 * Log events departed from DESIGN.md §4's row per event with FTS5 in the chunk migration: they
 * are stored in chunks of up to 2,048 events with a Bloom filter each (logs_chunk.h,
 * docs/design-notes.md item 9).
 */
#include "store.h"

const char *const store_migrations[] = {
    /* 1: X-Ray documents and derived rows */
    "CREATE TABLE segments("
    "  trace_id TEXT NOT NULL, id TEXT NOT NULL, parent_id TEXT,"
    "  is_subsegment INTEGER NOT NULL, in_progress INTEGER NOT NULL,"
    "  start_time REAL NOT NULL, end_time REAL, received_at REAL NOT NULL, doc TEXT NOT NULL,"
    "  PRIMARY KEY(trace_id, id)) WITHOUT ROWID;"
    "CREATE TABLE traces("
    "  trace_id TEXT PRIMARY KEY, id_time REAL NOT NULL,"
    "  start_time REAL, end_time REAL, duration REAL, response_time REAL,"
    "  root_name TEXT, root_type TEXT, has_error INTEGER, has_fault INTEGER,"
    "  has_throttle INTEGER, partial INTEGER, http_status INTEGER, http_method TEXT,"
    "  http_url TEXT, segment_count INTEGER, revision INTEGER, updated_at REAL,"
    "  derived TEXT NOT NULL);"
    "CREATE INDEX traces_by_id_time ON traces(id_time);"
    "CREATE INDEX traces_by_start ON traces(start_time);"
    "CREATE INDEX traces_by_end ON traces(end_time);"
    /* X-Ray configuration: sampling rules, their statistics, groups, tags, settings */
    "CREATE TABLE sampling_rules("
    "  name TEXT PRIMARY KEY, arn TEXT NOT NULL, rule TEXT NOT NULL,"
    "  created_at REAL NOT NULL, modified_at REAL NOT NULL);"
    "CREATE TABLE sampling_statistics("
    "  rule_name TEXT NOT NULL, client_id TEXT NOT NULL, ts REAL NOT NULL,"
    "  request_count INTEGER, sampled_count INTEGER, borrow_count INTEGER, received_at REAL);"
    "CREATE INDEX sampling_statistics_by_rule ON sampling_statistics(rule_name, received_at);"
    "CREATE TABLE xray_groups("
    "  name TEXT PRIMARY KEY, arn TEXT NOT NULL UNIQUE, filter_expression TEXT,"
    "  insights_enabled INTEGER, notifications_enabled INTEGER);"
    "CREATE TABLE resource_tags("
    "  arn TEXT NOT NULL, key TEXT NOT NULL, value TEXT NOT NULL, PRIMARY KEY(arn, key));"
    "CREATE TABLE settings(key TEXT PRIMARY KEY, value TEXT NOT NULL)",
    /* 2: CloudWatch Logs groups, streams and events, with FTS5 over messages (DESIGN.md §4) */
    "CREATE TABLE log_groups("
    "  id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE, created_at INTEGER NOT NULL,"
    "  retention_days INTEGER, kms_key_id TEXT, stored_bytes INTEGER NOT NULL DEFAULT 0,"
    "  log_group_class TEXT NOT NULL DEFAULT 'STANDARD');"
    "CREATE TABLE log_streams("
    "  id INTEGER PRIMARY KEY, group_id INTEGER NOT NULL REFERENCES log_groups(id)"
    "  ON DELETE CASCADE, name TEXT NOT NULL, created_at INTEGER NOT NULL,"
    "  first_event_ts INTEGER, last_event_ts INTEGER, last_ingest_ts INTEGER,"
    "  stored_bytes INTEGER NOT NULL DEFAULT 0, UNIQUE(group_id, name));"
    "CREATE TABLE log_events("
    "  id INTEGER PRIMARY KEY, group_id INTEGER NOT NULL, stream_id INTEGER NOT NULL,"
    "  ts INTEGER NOT NULL, ingest_ts INTEGER NOT NULL, message TEXT NOT NULL,"
    "  trace_id TEXT);"
    "CREATE INDEX log_events_by_stream ON log_events(stream_id, ts, id);"
    "CREATE INDEX log_events_by_group ON log_events(group_id, ts, id);"
    "CREATE INDEX log_events_by_trace ON log_events(trace_id) WHERE trace_id IS NOT NULL;"
    /* Rows enter the FTS index from logs_db.c, not from an INSERT trigger: a trigger's
     * per-row statement savepoint makes FTS5 flush its pending terms on every row (about 9x
     * slower, bench/README.md). Deletes are rare and keep their trigger. */
    "CREATE VIRTUAL TABLE log_events_fts USING fts5(message, content='log_events',"
    "  content_rowid='id');"
    "CREATE TRIGGER log_events_ad AFTER DELETE ON log_events BEGIN"
    "  INSERT INTO log_events_fts(log_events_fts, rowid, message)"
    "  VALUES ('delete', old.id, old.message); END;"
    /* Logs configuration kept as the JSON AWS describes it, one row per (kind, group, name):
     * metric and subscription filters (group_id set), destinations, resource policies, export
     * tasks, query definitions and data protection policies (group_id set, name ''). Deleting a
     * group deletes its rows (logs_db.c), so no foreign key is needed for account-level kinds. */
    "CREATE TABLE log_config("
    "  kind TEXT NOT NULL, group_id INTEGER NOT NULL DEFAULT 0, name TEXT NOT NULL,"
    "  created_at INTEGER NOT NULL, doc TEXT NOT NULL, PRIMARY KEY(kind, group_id, name));"
    "CREATE TABLE log_tags("
    "  arn TEXT NOT NULL, key TEXT NOT NULL, value TEXT NOT NULL, PRIMARY KEY(arn, key))",
    /* 3: X-Ray resource policies (PutResourcePolicy); revision ids count up per policy */
    "CREATE TABLE xray_resource_policies("
    "  name TEXT PRIMARY KEY, document TEXT NOT NULL, revision INTEGER NOT NULL,"
    "  updated_at REAL NOT NULL)",
    /* 4: log events in chunks instead of one row per event (logs_chunk.h). log_chunks rows are
     * small so a time-ordered walk reads no event data; data and blooms live in their own tables
     * so a term filter reads only the blooms of the chunks it rejects. The indexes serve the
     * ascending (min_ts) and descending (max_ts) walks per stream, per group and overall. Old
     * rows become one-event chunks built in SQL (char() makes the 7-bit length fields), without
     * a bloom (a missing bloom may hold anything), keeping event id N as N << 16. */
    "CREATE TABLE log_chunks("
    "  id INTEGER PRIMARY KEY, group_id INTEGER NOT NULL, stream_id INTEGER NOT NULL,"
    "  min_ts INTEGER NOT NULL, max_ts INTEGER NOT NULL, ingest_ts INTEGER NOT NULL,"
    "  count INTEGER NOT NULL, bytes INTEGER NOT NULL, traces INTEGER NOT NULL);"
    "CREATE INDEX log_chunks_by_stream_min ON log_chunks(stream_id, min_ts);"
    "CREATE INDEX log_chunks_by_stream_max ON log_chunks(stream_id, max_ts);"
    "CREATE INDEX log_chunks_by_group_min ON log_chunks(group_id, min_ts);"
    "CREATE INDEX log_chunks_by_group_max ON log_chunks(group_id, max_ts);"
    "CREATE INDEX log_chunks_by_min ON log_chunks(min_ts);"
    "CREATE INDEX log_chunks_by_max ON log_chunks(max_ts);"
    "CREATE TABLE log_chunk_data("
    "  chunk_id INTEGER PRIMARY KEY REFERENCES log_chunks(id) ON DELETE CASCADE,"
    "  data BLOB NOT NULL);"
    "CREATE TABLE log_chunk_blooms("
    "  chunk_id INTEGER PRIMARY KEY REFERENCES log_chunks(id) ON DELETE CASCADE,"
    "  bloom BLOB NOT NULL);"
    "CREATE TABLE log_event_traces("
    "  trace_id TEXT NOT NULL, ts INTEGER NOT NULL, event_id INTEGER NOT NULL,"
    "  chunk_id INTEGER NOT NULL REFERENCES log_chunks(id) ON DELETE CASCADE,"
    "  PRIMARY KEY(trace_id, ts, event_id)) WITHOUT ROWID;"
    "CREATE INDEX log_event_traces_by_chunk ON log_event_traces(chunk_id);"
    "INSERT INTO log_chunks(id, group_id, stream_id, min_ts, max_ts, ingest_ts, count, bytes,"
    "  traces) SELECT id, group_id, stream_id, ts, ts, ingest_ts, 1,"
    "  length(CAST(message AS BLOB)), trace_id IS NOT NULL FROM log_events;"
    "INSERT INTO log_chunk_data(chunk_id, data) SELECT id, CAST(char(0, 0, 0, 0,"
    "  length(CAST(message AS BLOB)) & 127, (length(CAST(message AS BLOB)) >> 7) & 127,"
    "  (length(CAST(message AS BLOB)) >> 14) & 127, (length(CAST(message AS BLOB)) >> 21) & 127)"
    "  || CAST(message AS BLOB) || x'00' AS BLOB) FROM log_events;"
    "INSERT INTO log_event_traces(trace_id, ts, event_id, chunk_id)"
    "  SELECT trace_id, ts, id << 16, id FROM log_events WHERE trace_id IS NOT NULL;"
    "DROP TRIGGER log_events_ad;"
    "DROP TABLE log_events_fts;"
    "DROP TABLE log_events",
    /* 5: packed per-trace facts (trace_facts.h) that trace search, the service graph and the
     * time series scan instead of parsing each derived view. The time columns repeat the
     * traces row's so a window is answered from this table alone; the start index carries
     * trace_id (the ORDER BY tie-break) and end_time (the window's other bound). trace_span
     * holds an upper bound of end_time - start_time over all traces, which turns "active in
     * [a, b)" into a bounded range on start_time. Rows of databases created before this
     * migration are filled in by xray_db_backfill_facts() when the writer's store opens. */
    "CREATE TABLE trace_facts("
    "  trace_id TEXT PRIMARY KEY, id_time REAL NOT NULL, start_time REAL, end_time REAL,"
    "  facts BLOB NOT NULL) WITHOUT ROWID;"
    "CREATE INDEX trace_facts_by_start ON trace_facts(start_time, trace_id, end_time);"
    "CREATE INDEX trace_facts_by_id_time ON trace_facts(id_time);"
    "CREATE TABLE trace_span(id INTEGER PRIMARY KEY CHECK (id = 0), max_span REAL NOT NULL);"
    "INSERT INTO trace_span SELECT 0, coalesce(max(end_time - start_time), 0) FROM traces",
    /* 6: OTLP spans as received (otlp_db.c), beside the segment documents they became, so
     * ListRetrievedTraces with TraceFormat=OTEL serves what the SDK sent. A trace's spans go
     * when its documents go (retention, --max-db-size, reset), by the trigger. */
    "CREATE TABLE otel_spans("
    "  id INTEGER PRIMARY KEY, trace_id TEXT NOT NULL, span_id TEXT NOT NULL,"
    "  start_time REAL NOT NULL, received_at REAL NOT NULL, span TEXT NOT NULL,"
    "  UNIQUE(trace_id, span_id));"
    "CREATE TRIGGER segments_ad_otel_spans AFTER DELETE ON segments BEGIN"
    "  DELETE FROM otel_spans WHERE trace_id = old.trace_id; END",
    /* 7: exporters (export.h). segments.seq is a position that only grows: the writer gives
     * every stored or replacing document the next number (an in-progress document completed
     * later moves to the end, so it is sent again), which a WITHOUT ROWID table has no rowid
     * for. Existing rows are numbered by arrival. export_cursors keeps each exporter's position
     * per source ('segments' by seq, 'log_chunks' by chunk id), written only by the writer. */
    "ALTER TABLE segments ADD COLUMN seq INTEGER;"
    "UPDATE segments SET seq = r.n FROM (SELECT trace_id, id,"
    "  row_number() OVER (ORDER BY received_at, trace_id, id) AS n FROM segments) AS r"
    "  WHERE segments.trace_id = r.trace_id AND segments.id = r.id;"
    "CREATE INDEX segments_by_seq ON segments(seq);"
    "CREATE TABLE export_cursors("
    "  exporter TEXT NOT NULL, source TEXT NOT NULL, position INTEGER NOT NULL,"
    "  updated_at REAL NOT NULL, PRIMARY KEY(exporter, source)) WITHOUT ROWID",
    /* 8: one encoded view per trace (struct trace_view, format 3) replaces both the JSON view
     * in traces.derived and the format-2 facts. Its facts part stays in trace_facts (small
     * enough that a scanned row needs no overflow page); its summary part (what only answers and
     * root-cause filters read) goes to trace_summaries. The old facts rows go; when the writer's
     * store opens, xray_db_backfill_facts() converts each trace's JSON view to its encoded view
     * and empties traces.derived (new rows write ''). Searches read trace_facts, so the traces
     * indexes only they used go: the writer no longer pays for them. */
    "CREATE TABLE trace_summaries(trace_id TEXT PRIMARY KEY, summary BLOB NOT NULL)"
    "  WITHOUT ROWID;"
    "DELETE FROM trace_facts;"
    "DROP INDEX traces_by_id_time;"
    "DROP INDEX traces_by_start",
    /* 9: the spans as received are kept once, as their aws/spans log events (linked to the
     * trace through log_event_traces), and ListRetrievedTraces OTEL reads them there
     * (otlp_db.c): the second copy cost the writer a quarter of its bytes per span. Databases
     * that had otel_spans wrote every span to aws/spans too, so nothing served is lost. */
    ("DROP TRIGGER segments_ad_otel_spans;"
     "DROP TABLE otel_spans"),
    /* 10: per-trace rows keyed by an arrival-ordered trace number instead of the trace id.
     * Trace ids are random within their second (W3C ids entirely), so each new trace wrote one
     * random leaf page in each of five trees keyed by them (segments, the traces id index,
     * trace_facts, trace_summaries, log_event_traces): about two 4 KB WAL frames per OTLP span,
     * the largest part of the writer's time (bench/README.md, "OTLP ingest"). Now trace_ids is
     * the one tree a new id lands in at random; the rest append (trace_ids.h says when numbers
     * come and go). traces and trace_facts keep their trace_id column: searches and retention
     * return it, and it breaks ties in the facts indexes' order. */
    ("CREATE TABLE trace_ids(no INTEGER PRIMARY KEY, trace_id TEXT NOT NULL UNIQUE);"
     "INSERT INTO trace_ids(trace_id) SELECT trace_id FROM segments UNION"
     "  SELECT trace_id FROM traces UNION SELECT trace_id FROM log_event_traces;"
     "CREATE TABLE segments_by_no("
     "  trace_no INTEGER NOT NULL, id TEXT NOT NULL, parent_id TEXT,"
     "  is_subsegment INTEGER NOT NULL, in_progress INTEGER NOT NULL,"
     "  start_time REAL NOT NULL, end_time REAL, received_at REAL NOT NULL, doc TEXT NOT NULL,"
     "  seq INTEGER, PRIMARY KEY(trace_no, id)) WITHOUT ROWID;"
     "INSERT INTO segments_by_no SELECT i.no, s.id, s.parent_id, s.is_subsegment,"
     "  s.in_progress, s.start_time, s.end_time, s.received_at, s.doc, s.seq"
     "  FROM segments s JOIN trace_ids i USING (trace_id);"
     "DROP TABLE segments;"
     "ALTER TABLE segments_by_no RENAME TO segments;"
     "CREATE INDEX segments_by_seq ON segments(seq);"
     "CREATE TABLE traces_by_no("
     "  trace_no INTEGER PRIMARY KEY, trace_id TEXT NOT NULL, id_time REAL NOT NULL,"
     "  start_time REAL, end_time REAL, duration REAL, response_time REAL,"
     "  root_name TEXT, root_type TEXT, has_error INTEGER, has_fault INTEGER,"
     "  has_throttle INTEGER, partial INTEGER, http_status INTEGER, http_method TEXT,"
     "  http_url TEXT, segment_count INTEGER, revision INTEGER, updated_at REAL,"
     "  derived TEXT NOT NULL);"
     "INSERT INTO traces_by_no SELECT i.no, t.trace_id, t.id_time, t.start_time, t.end_time,"
     "  t.duration, t.response_time, t.root_name, t.root_type, t.has_error, t.has_fault,"
     "  t.has_throttle, t.partial, t.http_status, t.http_method, t.http_url, t.segment_count,"
     "  t.revision, t.updated_at, t.derived FROM traces t JOIN trace_ids i USING (trace_id);"
     "DROP TABLE traces;"
     "ALTER TABLE traces_by_no RENAME TO traces;"
     "CREATE INDEX traces_by_end ON traces(end_time);"
     /* The id-time index carries trace_id: it is the ORDER BY's tie-break, which the old
      * table's primary key gave the index for free. */
     "CREATE TABLE trace_facts_by_no("
     "  trace_no INTEGER PRIMARY KEY, trace_id TEXT NOT NULL, id_time REAL NOT NULL,"
     "  start_time REAL, end_time REAL, facts BLOB NOT NULL);"
     "INSERT INTO trace_facts_by_no SELECT i.no, f.trace_id, f.id_time, f.start_time,"
     "  f.end_time, f.facts FROM trace_facts f JOIN trace_ids i USING (trace_id);"
     "DROP TABLE trace_facts;"
     "ALTER TABLE trace_facts_by_no RENAME TO trace_facts;"
     "CREATE INDEX trace_facts_by_start ON trace_facts(start_time, trace_id, end_time);"
     "CREATE INDEX trace_facts_by_id_time ON trace_facts(id_time, trace_id);"
     "CREATE TABLE trace_summaries_by_no(trace_no INTEGER PRIMARY KEY, summary BLOB NOT NULL);"
     "INSERT INTO trace_summaries_by_no SELECT i.no, s.summary"
     "  FROM trace_summaries s JOIN trace_ids i USING (trace_id);"
     "DROP TABLE trace_summaries;"
     "ALTER TABLE trace_summaries_by_no RENAME TO trace_summaries;"
     "CREATE TABLE log_event_traces_by_no("
     "  trace_no INTEGER NOT NULL, ts INTEGER NOT NULL, event_id INTEGER NOT NULL,"
     "  chunk_id INTEGER NOT NULL REFERENCES log_chunks(id) ON DELETE CASCADE,"
     "  PRIMARY KEY(trace_no, ts, event_id)) WITHOUT ROWID;"
     "INSERT INTO log_event_traces_by_no SELECT i.no, l.ts, l.event_id, l.chunk_id"
     "  FROM log_event_traces l JOIN trace_ids i USING (trace_id);"
     "DROP TABLE log_event_traces;"
     "ALTER TABLE log_event_traces_by_no RENAME TO log_event_traces;"
     "CREATE INDEX log_event_traces_by_chunk ON log_event_traces(chunk_id)"),
};

const int store_migration_count = (int)ARRAY_LEN(store_migrations);
