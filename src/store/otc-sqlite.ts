/** SQLite adapter of the OTC store (embedded default): one file, WAL journal, better-sqlite3. */
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { dgError } from '../core/errors.js';
import type { HedgeOrder, LockOrder, MatchPair } from '../desk/types.js';
import {
  HEDGE_COLUMNS,
  LOCK_COLUMNS,
  hedgeToRow,
  groupHedges,
  rowToOutbox,
  lockToRow,
  rowToHedge,
  rowToLock,
  sameHedge,
  sameLock,
} from './otc-codec.js';
import { otcSchema } from './otc-schema.js';
import type {
  OrderFilter,
  OtcStore,
  OutboxInsert,
  OutboxRow,
  PutResult,
  StoredPair,
  WatchCursor,
} from './otc-store.js';

type Row = Record<string, unknown>;

export class SqliteOtcStore implements OtcStore {
  readonly kind = 'sqlite' as const;
  private db: Database.Database | undefined;

  constructor(private readonly file: string) {}

  async init(): Promise<void> {
    if (this.file !== ':memory:') mkdirSync(path.dirname(path.resolve(this.file)), { recursive: true });
    const db = new Database(this.file);
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = NORMAL');
    db.pragma('busy_timeout = 5000');
    for (const ddl of otcSchema('sqlite')) db.exec(ddl);
    this.db = db;
  }

  async close(): Promise<void> {
    this.db?.close();
    this.db = undefined;
  }

  private get d(): Database.Database {
    if (!this.db) throw dgError('DG_E_STORE', 'store not initialised');
    return this.db;
  }

  private put<T extends { id: string }>(
    table: string,
    cols: readonly string[],
    rows: readonly T[],
    toRow: (r: T) => (string | number)[],
    fromRow: (r: Row) => T,
    same: (a: T, b: T) => boolean,
  ): PutResult {
    const ins = this.d.prepare(
      `INSERT INTO ${table} (${cols.join(',')}) VALUES (${cols.map(() => '?').join(',')}) ON CONFLICT(id) DO NOTHING`,
    );
    const get = this.d.prepare(`SELECT * FROM ${table} WHERE id = ?`);
    const out: PutResult = { inserted: 0, unchanged: 0, conflicts: [] };
    this.d.transaction(() => {
      for (const r of rows) {
        if (ins.run(...toRow(r)).changes === 1) {
          out.inserted++;
          continue;
        }
        const existing = fromRow(get.get(r.id) as Row);
        if (same(existing, r)) out.unchanged++;
        else out.conflicts.push(r.id);
      }
    })();
    return out;
  }

  async putLocks(rows: readonly LockOrder[]): Promise<PutResult> {
    return this.put('otc_lock_orders', LOCK_COLUMNS, rows, lockToRow, rowToLock, sameLock);
  }

  async putHedges(rows: readonly HedgeOrder[]): Promise<PutResult> {
    return this.put('otc_hedge_orders', HEDGE_COLUMNS, rows, hedgeToRow, (r) => rowToHedge(r), sameHedge);
  }

  async countOrders(): Promise<{ locks: number; hedges: number; matches: number }> {
    const c = (t: string): number => (this.d.prepare(`SELECT COUNT(*) AS n FROM ${t}`).get() as { n: number }).n;
    return { locks: c('otc_lock_orders'), hedges: c('otc_hedge_orders'), matches: c('otc_matches') };
  }

  async loadLocks(filter: OrderFilter = {}): Promise<LockOrder[]> {
    const where: string[] = [];
    const args: number[] = [];
    if (filter.since !== undefined) {
      where.push('lock_time >= ?');
      args.push(filter.since);
    }
    if (filter.unmatchedOnly) where.push('id NOT IN (SELECT lock_id FROM otc_matches)');
    const sql = `SELECT * FROM otc_lock_orders ${where.length ? 'WHERE ' + where.join(' AND ') : ''} ORDER BY seq`;
    return (this.d.prepare(sql).all(...args) as Row[]).map(rowToLock);
  }

  async loadHedges(filter: OrderFilter = {}): Promise<HedgeOrder[]> {
    const where: string[] = [];
    const args: number[] = [];
    if (filter.since !== undefined) {
      where.push('start_time >= ?');
      args.push(filter.since);
    }
    if (filter.unmatchedOnly) where.push('id NOT IN (SELECT hedge_id FROM otc_match_hedges)');
    const sql = `SELECT * FROM otc_hedge_orders ${where.length ? 'WHERE ' + where.join(' AND ') : ''} ORDER BY seq`;
    return (this.d.prepare(sql).all(...args) as Row[]).map((r) => rowToHedge(r));
  }

  async locksAfterSeq(seq: number): Promise<Array<{ seq: number; lock: LockOrder }>> {
    const rows = this.d.prepare('SELECT * FROM otc_lock_orders WHERE seq > ? ORDER BY seq').all(seq) as Row[];
    return rows.map((r) => ({ seq: Number(r.seq), lock: rowToLock(r) }));
  }

  async maxLockSeq(): Promise<number> {
    return Number((this.d.prepare('SELECT COALESCE(MAX(seq),0) AS m FROM otc_lock_orders').get() as Row).m);
  }

  async locksInTimeRange(from: number, to: number): Promise<LockOrder[]> {
    const rows = this.d
      .prepare('SELECT * FROM otc_lock_orders WHERE lock_time BETWEEN ? AND ? ORDER BY lock_time, id')
      .all(from, to) as Row[];
    return rows.map(rowToLock);
  }

  async saveMatches(pairs: readonly MatchPair[], matchedAt: number): Promise<number> {
    const lockTaken = this.d.prepare('SELECT 1 FROM otc_matches WHERE lock_id = ?');
    const hedgeTaken = this.d.prepare('SELECT 1 FROM otc_match_hedges WHERE hedge_id = ?');
    const insM = this.d.prepare('INSERT INTO otc_matches (lock_id, kind, matched_at) VALUES (?,?,?)');
    const insH = this.d.prepare('INSERT INTO otc_match_hedges (hedge_id, lock_id, part) VALUES (?,?,?)');
    let saved = 0;
    this.d.transaction(() => {
      for (const p of pairs) {
        if (lockTaken.get(p.lockId) || p.hedgeIds.some((h) => hedgeTaken.get(h))) continue;
        insM.run(p.lockId, p.kind, matchedAt);
        p.hedgeIds.forEach((h, i) => insH.run(h, p.lockId, i));
        saved++;
      }
    })();
    return saved;
  }

  async loadPairs(opts: { afterSeq?: number; since?: number } = {}): Promise<StoredPair[]> {
    const rows = this.d
      .prepare(
        `SELECT m.seq AS m_seq, m.kind AS m_kind, l.*
         FROM otc_matches m JOIN otc_lock_orders l ON l.id = m.lock_id
         WHERE m.seq > ? AND l.lock_time >= ? ORDER BY m.seq`,
      )
      .all(opts.afterSeq ?? 0, opts.since ?? -8.64e15) as Row[];
    // Hedges of those pairs: one join, no sort (parts are ordered below), filtered by the lock set.
    const hedgeRows = this.d
      .prepare(
        `SELECT mh.lock_id AS mh_lock_id, mh.part AS mh_part, h.*
         FROM otc_matches m JOIN otc_match_hedges mh ON mh.lock_id = m.lock_id
         JOIN otc_hedge_orders h ON h.id = mh.hedge_id WHERE m.seq > ?`,
      )
      .all(opts.afterSeq ?? 0) as Row[];
    const byLock = groupHedges(hedgeRows);
    return rows.map((r) => {
      const lock = rowToLock(r);
      return { seq: Number(r.m_seq), kind: r.m_kind as StoredPair['kind'], lock, hedges: byLock.get(lock.id) ?? [] };
    });
  }

  async maxMatchSeq(): Promise<number> {
    return Number((this.d.prepare('SELECT COALESCE(MAX(seq),0) AS m FROM otc_matches').get() as Row).m);
  }

  async getCursor(name: string): Promise<WatchCursor | undefined> {
    const r = this.d.prepare('SELECT * FROM otc_watch_cursor WHERE name = ?').get(name) as Row | undefined;
    if (!r) return undefined;
    return { name, lockSeq: Number(r.lock_seq), matchSeq: Number(r.match_seq), updatedAt: Number(r.updated_at) };
  }

  async commitPass(cursor: WatchCursor, alerts: readonly OutboxInsert[]): Promise<number> {
    const ins = this.d.prepare(
      `INSERT INTO otc_alerts (key, channel, kind, payload, state, attempts, next_attempt_at, created_at)
       VALUES (?,?,?,?, 'pending', 0, ?, ?) ON CONFLICT (key, channel) DO NOTHING`,
    );
    const cur = this.d.prepare(
      `INSERT INTO otc_watch_cursor (name, lock_seq, match_seq, updated_at) VALUES (?,?,?,?)
       ON CONFLICT (name) DO UPDATE SET lock_seq = excluded.lock_seq, match_seq = excluded.match_seq,
       updated_at = excluded.updated_at`,
    );
    let added = 0;
    this.d.transaction(() => {
      for (const a of alerts) added += ins.run(a.key, a.channel, a.kind, a.payload, a.createdAt, a.createdAt).changes;
      cur.run(cursor.name, cursor.lockSeq, cursor.matchSeq, cursor.updatedAt);
    })();
    return added;
  }

  async duePending(now: number, limit: number): Promise<OutboxRow[]> {
    const rows = this.d
      .prepare(`SELECT * FROM otc_alerts WHERE state = 'pending' AND next_attempt_at <= ? ORDER BY id LIMIT ?`)
      .all(now, limit) as Row[];
    return rows.map(rowToOutbox);
  }

  async markSent(ids: readonly number[], now: number): Promise<void> {
    const st = this.d.prepare(
      `UPDATE otc_alerts SET state = 'sent', sent_at = ?, attempts = attempts + 1, last_error = NULL WHERE id = ?`,
    );
    this.d.transaction(() => ids.forEach((id) => st.run(now, id)))();
  }

  async markRetry(ids: readonly number[], nextAttemptAt: number, error: string): Promise<void> {
    const st = this.d.prepare(
      `UPDATE otc_alerts SET attempts = attempts + 1, next_attempt_at = ?, last_error = ? WHERE id = ? AND state = 'pending'`,
    );
    this.d.transaction(() => ids.forEach((id) => st.run(nextAttemptAt, error.slice(0, 500), id)))();
  }

  async sentTimes(channel: string, since: number): Promise<number[]> {
    const rows = this.d
      .prepare(
        `SELECT DISTINCT sent_at FROM otc_alerts WHERE channel = ? AND state = 'sent' AND sent_at >= ? ORDER BY sent_at`,
      )
      .all(channel, since) as Row[];
    return rows.map((r) => Number(r.sent_at));
  }

  async outbox(): Promise<OutboxRow[]> {
    return (this.d.prepare('SELECT * FROM otc_alerts ORDER BY id').all() as Row[]).map(rowToOutbox);
  }
}
