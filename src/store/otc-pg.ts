/**
 * PostgreSQL adapter of the OTC store. Tables live in one schema (default `public`); set
 * `schema` to keep several desks (or test runs) apart. Amounts are NUMERIC (exact), times BIGINT ms.
 */
import pg from 'pg';
import { dgError } from '../core/errors.js';
import type { HedgeOrder, LockOrder, MatchPair } from '../desk/types.js';
import {
  HEDGE_COLUMNS,
  LOCK_COLUMNS,
  hedgeToRow,
  lockToRow,
  rowToHedge,
  rowToLock,
  groupHedges,
  rowToOutbox,
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
const IDENT_RE = /^[a-z_][a-z0-9_]{0,62}$/;

export interface PgOtcStoreOptions {
  readonly connectionString: string;
  readonly schema?: string;
  readonly max?: number;
}

export class PgOtcStore implements OtcStore {
  readonly kind = 'postgres' as const;
  private pool: pg.Pool | undefined;
  readonly schema: string;

  constructor(private readonly opts: PgOtcStoreOptions) {
    this.schema = opts.schema ?? 'public';
    if (!IDENT_RE.test(this.schema)) throw dgError('DG_E_BAD_CONFIG', `schema name ${JSON.stringify(this.schema)}`);
  }

  async init(): Promise<void> {
    const pool = new pg.Pool({
      connectionString: this.opts.connectionString,
      max: this.opts.max ?? 4,
      options: `-c search_path=${this.schema}`,
      connectionTimeoutMillis: 5000,
    });
    pool.on('error', () => undefined); // idle-client errors surface on the next query instead
    this.pool = pool;
    try {
      await pool.query(`CREATE SCHEMA IF NOT EXISTS ${this.schema}`);
      for (const ddl of otcSchema('postgres')) await pool.query(ddl);
    } catch (e) {
      await pool.end().catch(() => undefined);
      this.pool = undefined;
      throw dgError('DG_E_SOURCE_DOWN', `postgres: ${(e as Error).message}`);
    }
  }

  async close(): Promise<void> {
    await this.pool?.end();
    this.pool = undefined;
  }

  private get p(): pg.Pool {
    if (!this.pool) throw dgError('DG_E_STORE', 'store not initialised');
    return this.pool;
  }

  private async tx<T>(fn: (c: pg.PoolClient) => Promise<T>): Promise<T> {
    const c = await this.p.connect();
    try {
      await c.query('BEGIN');
      const out = await fn(c);
      await c.query('COMMIT');
      return out;
    } catch (e) {
      await c.query('ROLLBACK').catch(() => undefined);
      throw e;
    } finally {
      c.release();
    }
  }

  private async put<T extends { id: string }>(
    table: string,
    cols: readonly string[],
    types: readonly string[],
    rows: readonly T[],
    toRow: (r: T) => (string | number)[],
    fromRow: (r: Row) => T,
    same: (a: T, b: T) => boolean,
  ): Promise<PutResult> {
    const out: PutResult = { inserted: 0, unchanged: 0, conflicts: [] };
    const CHUNK = 5000;
    for (let off = 0; off < rows.length; off += CHUNK) {
      const chunk = rows.slice(off, off + CHUNK);
      const columns: (string | number)[][] = cols.map(() => []);
      for (const r of chunk) toRow(r).forEach((v, i) => columns[i].push(v));
      const params = columns.map((c, i) => (types[i] === 'bigint' ? c.map(String) : c));
      const sql = `INSERT INTO ${table} (${cols.join(',')})
        SELECT * FROM unnest(${cols.map((_, i) => `$${i + 1}::${types[i]}[]`).join(',')})
        ON CONFLICT (id) DO NOTHING RETURNING id`;
      await this.tx(async (c) => {
        const res = await c.query(sql, params);
        const inserted = new Set(res.rows.map((r: Row) => String(r.id)));
        out.inserted += inserted.size;
        const rest = chunk.filter((r) => !inserted.has(r.id));
        if (rest.length === 0) return;
        const ex = await c.query(`SELECT * FROM ${table} WHERE id = ANY($1::text[])`, [rest.map((r) => r.id)]);
        const byId = new Map(ex.rows.map((r: Row) => [String(r.id), fromRow(r)]));
        for (const r of rest) {
          const e = byId.get(r.id);
          if (e && same(e, r)) out.unchanged++;
          else out.conflicts.push(r.id);
        }
      });
    }
    return out;
  }

  async putLocks(rows: readonly LockOrder[]): Promise<PutResult> {
    const types = ['text', 'text', 'text', 'text', 'text', 'numeric', 'numeric', 'bigint', 'bigint'];
    return this.put('otc_lock_orders', LOCK_COLUMNS, types, rows, lockToRow, rowToLock, sameLock);
  }

  async putHedges(rows: readonly HedgeOrder[]): Promise<PutResult> {
    const types = [
      'text',
      'text',
      'text',
      'text',
      'text',
      'numeric',
      'numeric',
      'numeric',
      'text',
      'text',
      'bigint',
      'bigint',
    ];
    return this.put('otc_hedge_orders', HEDGE_COLUMNS, types, rows, hedgeToRow, (r) => rowToHedge(r), sameHedge);
  }

  async countOrders(): Promise<{ locks: number; hedges: number; matches: number }> {
    const r = await this.p.query(
      `SELECT (SELECT COUNT(*) FROM otc_lock_orders) AS l, (SELECT COUNT(*) FROM otc_hedge_orders) AS h,
              (SELECT COUNT(*) FROM otc_matches) AS m`,
    );
    const row = r.rows[0] as Row;
    return { locks: Number(row.l), hedges: Number(row.h), matches: Number(row.m) };
  }

  async loadLocks(filter: OrderFilter = {}): Promise<LockOrder[]> {
    const where: string[] = [];
    const args: string[] = [];
    if (filter.since !== undefined) {
      args.push(String(filter.since));
      where.push(`lock_time >= $${args.length}`);
    }
    if (filter.unmatchedOnly) where.push('id NOT IN (SELECT lock_id FROM otc_matches)');
    const r = await this.p.query(
      `SELECT * FROM otc_lock_orders ${where.length ? 'WHERE ' + where.join(' AND ') : ''} ORDER BY seq`,
      args,
    );
    return r.rows.map(rowToLock);
  }

  async loadHedges(filter: OrderFilter = {}): Promise<HedgeOrder[]> {
    const where: string[] = [];
    const args: string[] = [];
    if (filter.since !== undefined) {
      args.push(String(filter.since));
      where.push(`start_time >= $${args.length}`);
    }
    if (filter.unmatchedOnly) where.push('id NOT IN (SELECT hedge_id FROM otc_match_hedges)');
    const r = await this.p.query(
      `SELECT * FROM otc_hedge_orders ${where.length ? 'WHERE ' + where.join(' AND ') : ''} ORDER BY seq`,
      args,
    );
    return r.rows.map((row: Row) => rowToHedge(row));
  }

  async locksAfterSeq(seq: number): Promise<Array<{ seq: number; lock: LockOrder }>> {
    const r = await this.p.query('SELECT * FROM otc_lock_orders WHERE seq > $1 ORDER BY seq', [String(seq)]);
    return r.rows.map((row: Row) => ({ seq: Number(row.seq), lock: rowToLock(row) }));
  }

  async maxLockSeq(): Promise<number> {
    const r = await this.p.query('SELECT COALESCE(MAX(seq),0) AS m FROM otc_lock_orders');
    return Number((r.rows[0] as Row).m);
  }

  async locksInTimeRange(from: number, to: number): Promise<LockOrder[]> {
    const r = await this.p.query(
      'SELECT * FROM otc_lock_orders WHERE lock_time BETWEEN $1 AND $2 ORDER BY lock_time, id',
      [String(from), String(to)],
    );
    return r.rows.map(rowToLock);
  }

  async saveMatches(pairs: readonly MatchPair[], matchedAt: number): Promise<number> {
    let saved = 0;
    const CHUNK = 5000;
    for (let off = 0; off < pairs.length; off += CHUNK) {
      const chunk = pairs.slice(off, off + CHUNK);
      saved += await this.tx(async (c) => {
        // Skip pairs whose lock or any hedge is already matched (stored, or earlier in this chunk).
        const takenL = await c.query('SELECT lock_id FROM otc_matches WHERE lock_id = ANY($1::text[])', [
          chunk.map((p) => p.lockId),
        ]);
        const takenH = await c.query('SELECT hedge_id FROM otc_match_hedges WHERE hedge_id = ANY($1::text[])', [
          chunk.flatMap((p) => p.hedgeIds),
        ]);
        const locks = new Set<string>(takenL.rows.map((r: Row) => String(r.lock_id)));
        const hedges = new Set<string>(takenH.rows.map((r: Row) => String(r.hedge_id)));
        const keep: MatchPair[] = [];
        for (const p of chunk) {
          if (locks.has(p.lockId) || p.hedgeIds.some((h) => hedges.has(h))) continue;
          locks.add(p.lockId);
          for (const h of p.hedgeIds) hedges.add(h);
          keep.push(p);
        }
        if (keep.length === 0) return 0;
        // Insert in input order so match seq follows lock time.
        await c.query(
          `INSERT INTO otc_matches (lock_id, kind, matched_at)
           SELECT l, k, $3 FROM unnest($1::text[], $2::text[]) WITH ORDINALITY AS t(l, k, i) ORDER BY i`,
          [keep.map((p) => p.lockId), keep.map((p) => p.kind), String(matchedAt)],
        );
        await c.query(
          'INSERT INTO otc_match_hedges (hedge_id, lock_id, part) SELECT * FROM unnest($1::text[], $2::text[], $3::int[])',
          [
            keep.flatMap((p) => p.hedgeIds),
            keep.flatMap((p) => p.hedgeIds.map(() => p.lockId)),
            keep.flatMap((p) => p.hedgeIds.map((_, i) => i)),
          ],
        );
        return keep.length;
      });
    }
    return saved;
  }

  async loadPairs(opts: { afterSeq?: number; since?: number } = {}): Promise<StoredPair[]> {
    const args = [String(opts.afterSeq ?? 0), String(opts.since ?? -8.64e15)];
    const locks = await this.p.query(
      `SELECT m.seq AS m_seq, m.kind AS m_kind, l.* FROM otc_matches m JOIN otc_lock_orders l ON l.id = m.lock_id
       WHERE m.seq > $1 AND l.lock_time >= $2 ORDER BY m.seq`,
      args,
    );
    const hedges = await this.p.query(
      `SELECT mh.lock_id AS mh_lock_id, mh.part AS mh_part, h.*
       FROM otc_matches m JOIN otc_match_hedges mh ON mh.lock_id = m.lock_id
       JOIN otc_hedge_orders h ON h.id = mh.hedge_id WHERE m.seq > $1`,
      [args[0]],
    );
    const byLock = groupHedges(hedges.rows as Row[]);
    return (locks.rows as Row[]).map((r) => {
      const lock = rowToLock(r);
      return { seq: Number(r.m_seq), kind: r.m_kind as StoredPair['kind'], lock, hedges: byLock.get(lock.id) ?? [] };
    });
  }

  async maxMatchSeq(): Promise<number> {
    const r = await this.p.query('SELECT COALESCE(MAX(seq),0) AS m FROM otc_matches');
    return Number((r.rows[0] as Row).m);
  }

  async getCursor(name: string): Promise<WatchCursor | undefined> {
    const r = await this.p.query('SELECT * FROM otc_watch_cursor WHERE name = $1', [name]);
    const row = r.rows[0] as Row | undefined;
    if (!row) return undefined;
    return { name, lockSeq: Number(row.lock_seq), matchSeq: Number(row.match_seq), updatedAt: Number(row.updated_at) };
  }

  async commitPass(cursor: WatchCursor, alerts: readonly OutboxInsert[]): Promise<number> {
    return this.tx(async (c) => {
      let added = 0;
      for (const a of alerts) {
        const r = await c.query(
          `INSERT INTO otc_alerts (key, channel, kind, payload, state, attempts, next_attempt_at, created_at)
           VALUES ($1,$2,$3,$4,'pending',0,$5,$5) ON CONFLICT (key, channel) DO NOTHING`,
          [a.key, a.channel, a.kind, a.payload, String(a.createdAt)],
        );
        added += r.rowCount ?? 0;
      }
      await c.query(
        `INSERT INTO otc_watch_cursor (name, lock_seq, match_seq, updated_at) VALUES ($1,$2,$3,$4)
         ON CONFLICT (name) DO UPDATE SET lock_seq = EXCLUDED.lock_seq, match_seq = EXCLUDED.match_seq,
         updated_at = EXCLUDED.updated_at`,
        [cursor.name, String(cursor.lockSeq), String(cursor.matchSeq), String(cursor.updatedAt)],
      );
      return added;
    });
  }

  async duePending(now: number, limit: number): Promise<OutboxRow[]> {
    const r = await this.p.query(
      `SELECT * FROM otc_alerts WHERE state = 'pending' AND next_attempt_at <= $1 ORDER BY id LIMIT $2`,
      [String(now), limit],
    );
    return r.rows.map(rowToOutbox);
  }

  async markSent(ids: readonly number[], now: number): Promise<void> {
    await this.p.query(
      `UPDATE otc_alerts SET state = 'sent', sent_at = $1, attempts = attempts + 1, last_error = NULL WHERE id = ANY($2::bigint[])`,
      [String(now), ids.map(String)],
    );
  }

  async markRetry(ids: readonly number[], nextAttemptAt: number, error: string): Promise<void> {
    await this.p.query(
      `UPDATE otc_alerts SET attempts = attempts + 1, next_attempt_at = $1, last_error = $2
       WHERE id = ANY($3::bigint[]) AND state = 'pending'`,
      [String(nextAttemptAt), error.slice(0, 500), ids.map(String)],
    );
  }

  async sentTimes(channel: string, since: number): Promise<number[]> {
    const r = await this.p.query(
      `SELECT DISTINCT sent_at FROM otc_alerts WHERE channel = $1 AND state = 'sent' AND sent_at >= $2 ORDER BY sent_at`,
      [channel, String(since)],
    );
    return r.rows.map((row: Row) => Number(row.sent_at));
  }

  async outbox(): Promise<OutboxRow[]> {
    const r = await this.p.query('SELECT * FROM otc_alerts ORDER BY id');
    return r.rows.map(rowToOutbox);
  }
}
