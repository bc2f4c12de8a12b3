/** DDL of the OTC tables, for SQLite and PostgreSQL (same names and columns). */

export function otcSchema(dialect: 'sqlite' | 'postgres'): string[] {
  const seq = dialect === 'sqlite' ? 'INTEGER PRIMARY KEY AUTOINCREMENT' : 'BIGSERIAL PRIMARY KEY';
  const int = dialect === 'sqlite' ? 'INTEGER' : 'BIGINT';
  const dec = dialect === 'sqlite' ? 'TEXT' : 'NUMERIC';
  return [
    `CREATE TABLE IF NOT EXISTS otc_lock_orders (
      seq ${seq},
      id TEXT NOT NULL UNIQUE,
      client_id TEXT NOT NULL,
      side TEXT NOT NULL CHECK (side IN ('buy','sell')),
      base TEXT NOT NULL,
      quote TEXT NOT NULL,
      base_amount ${dec} NOT NULL,
      price ${dec} NOT NULL,
      quote_time ${int} NOT NULL,
      lock_time ${int} NOT NULL
    )`,
    `CREATE INDEX IF NOT EXISTS otc_lock_orders_time ON otc_lock_orders (lock_time)`,
    `CREATE TABLE IF NOT EXISTS otc_hedge_orders (
      seq ${seq},
      id TEXT NOT NULL UNIQUE,
      client_id TEXT NOT NULL,
      side TEXT NOT NULL CHECK (side IN ('buy','sell')),
      base TEXT NOT NULL,
      quote TEXT NOT NULL,
      base_amount ${dec} NOT NULL,
      avg_price ${dec} NOT NULL,
      fee ${dec} NOT NULL,
      method TEXT NOT NULL,
      venue TEXT NOT NULL,
      start_time ${int} NOT NULL,
      end_time ${int} NOT NULL
    )`,
    `CREATE INDEX IF NOT EXISTS otc_hedge_orders_time ON otc_hedge_orders (start_time)`,
    `CREATE TABLE IF NOT EXISTS otc_matches (
      seq ${seq},
      lock_id TEXT NOT NULL UNIQUE,
      kind TEXT NOT NULL,
      matched_at ${int} NOT NULL
    )`,
    `CREATE TABLE IF NOT EXISTS otc_match_hedges (
      hedge_id TEXT PRIMARY KEY,
      lock_id TEXT NOT NULL,
      part INTEGER NOT NULL
    )`,
    `CREATE INDEX IF NOT EXISTS otc_match_hedges_lock ON otc_match_hedges (lock_id)`,
    `CREATE TABLE IF NOT EXISTS otc_alerts (
      id ${seq},
      key TEXT NOT NULL,
      channel TEXT NOT NULL,
      kind TEXT NOT NULL,
      payload TEXT NOT NULL,
      state TEXT NOT NULL CHECK (state IN ('pending','sent')),
      attempts INTEGER NOT NULL DEFAULT 0,
      next_attempt_at ${int} NOT NULL,
      created_at ${int} NOT NULL,
      sent_at ${int},
      last_error TEXT,
      UNIQUE (key, channel)
    )`,
    `CREATE INDEX IF NOT EXISTS otc_alerts_due ON otc_alerts (state, next_attempt_at)`,
    `CREATE TABLE IF NOT EXISTS otc_watch_cursor (
      name TEXT PRIMARY KEY,
      lock_seq ${int} NOT NULL,
      match_seq ${int} NOT NULL,
      updated_at ${int} NOT NULL
    )`,
  ];
}
