/**
 * Journal schema (SQLite). `PRAGMA user_version` holds the schema version; opening a file with a
 * newer version fails with DG_E_JOURNAL_SCHEMA instead of misreading it.
 *
 * - `journal`: the append-only log. `seq` is the rowid (assigned max+1 inside the insert, so it is
 *   monotonic and contiguous; truncation only ever removes a prefix, never the latest snapshot).
 * - `journal_keys`: idempotency keys, unique per (kind, key), kept when the log is truncated.
 */
export const JOURNAL_SCHEMA_VERSION = 1;

export const JOURNAL_DDL: readonly string[] = [
  `CREATE TABLE IF NOT EXISTS journal (
     seq INTEGER PRIMARY KEY,
     ts INTEGER NOT NULL,
     kind TEXT NOT NULL CHECK (kind IN ('cmd','evt','err','snapshot')),
     type TEXT NOT NULL,
     key TEXT,
     payload TEXT NOT NULL,
     crc INTEGER NOT NULL
   )`,
  `CREATE INDEX IF NOT EXISTS journal_snapshots ON journal (kind, seq) WHERE kind = 'snapshot'`,
  `CREATE TABLE IF NOT EXISTS journal_keys (
     kind TEXT NOT NULL,
     key TEXT NOT NULL,
     seq INTEGER NOT NULL,
     ts INTEGER NOT NULL,
     PRIMARY KEY (kind, key)
   ) WITHOUT ROWID`,
];
