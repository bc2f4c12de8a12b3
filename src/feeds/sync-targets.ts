/**
 * SyncTargets: L2Book and L3Book behind BookSync, and factories for the two usual pairings.
 *
 * L3 venue quirks are options here, not copies of the machine:
 * - `ignoreUnknownChange` (Coinbase full): `change` may name an order that was received but never
 *   opened; it changes nothing on the book.
 * - `upsertOpen` (Bitfinex raw books): a level-3 entry for an id already on the book replaces it
 *   (same side: new size/price with the book's priority rules; side flip: remove + add).
 */
import type { Clock } from '../core/clock.js';
import type { ErrorCounter } from '../core/errors.js';
import type { L2Snapshot, L2Update, L3Event, L3Snapshot } from '../core/events.js';
import type { L2Book } from '../book/l2-book.js';
import type { L3Book } from '../book/l3-book.js';
import { BookSync, type SyncState, type SyncTarget } from './book-sync.js';
import type { SeqPolicy, SeqRange } from './sync-policy.js';

export interface L2TargetOptions {
  /** The venue checksum over the current book (OKX CRC32); enables checksum verification. */
  readonly checksum?: (book: L2Book) => number;
}

export function l2Target(book: L2Book, opts: L2TargetOptions = {}): SyncTarget<L2Update, L2Snapshot> {
  const sum = opts.checksum;
  return {
    clear: () => book.clear(),
    load: (s) => book.loadSnapshot(s),
    apply: (u) => book.applyUpdate(u),
    range: (u): SeqRange =>
      u.prevSeq === undefined
        ? { first: u.firstSeq, last: u.lastSeq }
        : { first: u.firstSeq, last: u.lastSeq, prev: u.prevSeq },
    snapshotSeq: (s) => s.seq,
    expectedChecksum: (u) => u.checksum,
    snapshotChecksum: (s) => s.checksum,
    ...(sum ? { checksum: () => sum(book) } : {}),
  };
}

export interface L3TargetOptions {
  readonly ignoreUnknownChange?: boolean;
  readonly upsertOpen?: boolean;
  /**
   * Called with every event the book applied, in sequence order (after a resync, from the first
   * event past the snapshot): the order-by-order stream a fan-out such as the KuCoin L3 RPC re-sends.
   */
  readonly onApplied?: (e: L3Event) => void;
  /** The venue checksum over the current book (Bitfinex raw books); enables BookSync.onChecksum. */
  readonly checksum?: (book: L3Book) => number;
}

export function l3Target(book: L3Book, opts: L3TargetOptions = {}): SyncTarget<L3Event, L3Snapshot> {
  const sum = opts.checksum;
  return {
    clear: () => book.clear(),
    load: (s) => book.loadSnapshot(s),
    apply: (e) => {
      applyL3(book, e, opts);
      opts.onApplied?.(e);
    },
    range: (e) => ({ first: e.seq, last: e.seq }),
    snapshotSeq: (s) => s.seq,
    ...(sum ? { checksum: () => sum(book) } : {}),
  };
}

function applyL3(book: L3Book, e: L3Event, opts: L3TargetOptions): void {
  if (e.type === 'change' && opts.ignoreUnknownChange && !book.has(e.orderId)) return;
  if (e.type === 'open' && opts.upsertOpen) {
    const prev = book.order(e.orderId);
    if (prev !== undefined) {
      if (prev.side === e.side) {
        book.setSize(e.orderId, e.size, e.price === prev.price ? undefined : e.price);
      } else {
        book.remove(e.orderId);
        book.add(e.orderId, e.side, e.price, e.size, e.ts);
      }
      return;
    }
  }
  book.apply(e);
}

export interface SyncFactoryOptions {
  readonly policy: SeqPolicy;
  readonly clock: Clock;
  readonly maxBuffer?: number;
  readonly snapshotTimeoutMs?: number;
  readonly onNeedSnapshot?: (reason: string) => void;
  readonly onState?: (state: SyncState, reason: string) => void;
  readonly errors?: ErrorCounter;
}

export function createL2Sync(book: L2Book, opts: SyncFactoryOptions & L2TargetOptions): BookSync<L2Update, L2Snapshot> {
  return new BookSync({ ...opts, target: l2Target(book, opts) });
}

export function createL3Sync(book: L3Book, opts: SyncFactoryOptions & L3TargetOptions): BookSync<L3Event, L3Snapshot> {
  return new BookSync({ ...opts, target: l3Target(book, opts) });
}
