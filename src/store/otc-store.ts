/**
 * The OTC desk store (S2.1–S2.6): lock and hedge orders, persisted matches, the alert outbox and
 * the watcher cursor. Two adapters implement it: SQLite (embedded default, WAL) and PostgreSQL.
 * Amounts are stored as exact decimal text; times as integer epoch ms.
 */
import type { HedgeOrder, LockOrder, MatchPair } from '../desk/types.js';

export interface PutResult {
  inserted: number;
  /** Already stored with identical content (idempotent re-import). */
  unchanged: number;
  /** Ids already stored with different content: rejected, never overwritten. */
  conflicts: string[];
}

export interface StoredPair {
  readonly seq: number;
  readonly kind: MatchPair['kind'];
  readonly lock: LockOrder;
  readonly hedges: HedgeOrder[];
}

export interface WatchCursor {
  readonly name: string;
  /** Highest lock-order seq already scanned for wash trades. */
  readonly lockSeq: number;
  /** Highest match seq already scanned for anomalies. */
  readonly matchSeq: number;
  readonly updatedAt: number;
}

export type OutboxState = 'pending' | 'sent';

export interface OutboxInsert {
  /** Unique per alert (e.g. "anomaly:L123", "wash-same:L1:L2"); with `channel`, the dedup key. */
  readonly key: string;
  readonly channel: string;
  readonly kind: string;
  /** JSON-serialisable alert body. */
  readonly payload: string;
  readonly createdAt: number;
}

export interface OutboxRow extends OutboxInsert {
  readonly id: number;
  readonly state: OutboxState;
  readonly attempts: number;
  readonly nextAttemptAt: number;
  readonly sentAt: number | null;
  readonly lastError: string | null;
}

export interface OrderFilter {
  /** Only orders with lock_time (locks) / start_time (hedges) ≥ this. */
  readonly since?: number;
  /** Only orders not part of a persisted match. */
  readonly unmatchedOnly?: boolean;
}

export interface OtcStore {
  readonly kind: 'sqlite' | 'postgres';
  init(): Promise<void>;
  close(): Promise<void>;

  putLocks(rows: readonly LockOrder[]): Promise<PutResult>;
  putHedges(rows: readonly HedgeOrder[]): Promise<PutResult>;
  countOrders(): Promise<{ locks: number; hedges: number; matches: number }>;
  loadLocks(filter?: OrderFilter): Promise<LockOrder[]>;
  loadHedges(filter?: OrderFilter): Promise<HedgeOrder[]>;
  /** Lock orders inserted after `seq`, with their seq, in seq order. */
  locksAfterSeq(seq: number): Promise<Array<{ seq: number; lock: LockOrder }>>;
  maxLockSeq(): Promise<number>;
  /** Lock orders with lock_time in [from, to]. */
  locksInTimeRange(from: number, to: number): Promise<LockOrder[]>;

  /** Persist pairs; a lock or hedge that is already matched is skipped. Returns pairs saved. */
  saveMatches(pairs: readonly MatchPair[], matchedAt: number): Promise<number>;
  /** Persisted pairs with seq > afterSeq (all when omitted) and lock_time ≥ since. */
  loadPairs(opts?: { afterSeq?: number; since?: number }): Promise<StoredPair[]>;
  maxMatchSeq(): Promise<number>;

  getCursor(name: string): Promise<WatchCursor | undefined>;
  /** One transaction: enqueue alerts (duplicates by (key, channel) ignored) and move the cursor. */
  commitPass(cursor: WatchCursor, alerts: readonly OutboxInsert[]): Promise<number>;
  duePending(now: number, limit: number): Promise<OutboxRow[]>;
  markSent(ids: readonly number[], now: number): Promise<void>;
  markRetry(ids: readonly number[], nextAttemptAt: number, error: string): Promise<void>;
  /** Send times (ms) of rows sent on `channel` at or after `since` (primes rate limiters after a restart). */
  sentTimes(channel: string, since: number): Promise<number[]>;
  outbox(): Promise<OutboxRow[]>;
}
