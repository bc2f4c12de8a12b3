import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/core/clock.js';
import { dgError } from '../../src/core/errors.js';
import type { L2Snapshot, L2Update, L3Event, L3Snapshot, Side } from '../../src/core/events.js';
import { L2Book } from '../../src/book/l2-book.js';
import { L3Book } from '../../src/book/l3-book.js';
import { POLICIES } from '../../src/feeds/sync-policy.js';
import { createL2Sync, createL3Sync } from '../../src/feeds/sync-targets.js';
import { snapshotFetcher } from '../../src/feeds/snapshot-fetcher.js';
import type { BookSync } from '../../src/feeds/book-sync.js';

const upd = (
  first: number,
  last: number,
  levels: Array<[Side, number, number]>,
  extra: Partial<L2Update> = {},
): L2Update => ({
  type: 'l2',
  firstSeq: first,
  lastSeq: last,
  levels: levels.map(([side, price, size]) => ({ side, price, size })),
  ts: 0,
  ...extra,
});
const snap = (
  seq: number,
  bids: Array<[number, number]>,
  asks: Array<[number, number]>,
  checksum?: number,
): L2Snapshot => ({
  seq,
  ts: 0,
  bids,
  asks,
  ...(checksum === undefined ? {} : { checksum }),
});

function l2(
  policy = POLICIES.kucoinL2,
  extra: { maxBuffer?: number; checksum?: (b: L2Book) => number; snapshotTimeoutMs?: number } = {},
) {
  const book = new L2Book();
  const clock = new ManualClock(1000);
  const needs: string[] = [];
  const sync = createL2Sync(book, { policy, clock, onNeedSnapshot: (r) => needs.push(r), ...extra });
  return { book, clock, needs, sync };
}

describe('BookSync — KuCoin level-2 / range policy', () => {
  it('buffers, requests a snapshot, drops what it holds and applies the rest in order', () => {
    const { book, needs, sync } = l2();
    expect(sync.state).toBe('idle');
    sync.onMessage(upd(100, 100, [[1, 50, 3]]));
    expect(sync.state).toBe('buffering');
    expect(needs).toEqual(['initial']);
    sync.onMessage(upd(101, 102, [[0, 40, 7]]));
    sync.onMessage(upd(103, 103, [[1, 50, 0]]));
    expect(sync.counters.buffered).toBe(3);
    sync.onSnapshot(
      snap(
        101,
        [[40, 1]],
        [
          [50, 3],
          [51, 2],
        ],
      ),
    );
    expect(sync.state).toBe('live');
    expect(sync.seq).toBe(103);
    // 100 dropped (≤ snapshot), 101..102 straddles and applies, 103 applies.
    expect(sync.counters).toMatchObject({
      applied: 2,
      dropped: 1,
      gaps: 0,
      resyncs: 0,
      buffered: 0,
      snapshotsApplied: 1,
    });
    expect(book.levels(0, 5)).toEqual([[40, 7]]);
    expect(book.levels(1, 5)).toEqual([[51, 2]]);
    sync.onMessage(upd(103, 103, [[1, 51, 9]])); // duplicate
    sync.onMessage(upd(90, 90, [[1, 51, 9]])); // old
    expect(sync.counters.dropped).toBe(3);
    expect(book.sizeAt(1, 51)).toBe(2);
  });

  it('refetches a snapshot older than the first buffered message', () => {
    const { needs, sync } = l2();
    sync.onMessage(upd(200, 200, [[0, 10, 1]]));
    sync.onSnapshot(snap(150, [], []));
    expect(sync.state).toBe('buffering');
    expect(sync.counters.staleSnapshots).toBe(1);
    expect(sync.errors.count('DG_E_STALE_SNAPSHOT')).toBe(1);
    expect(needs).toEqual(['initial', 'stale snapshot']);
    // Exactly bridging: snapshot 199, first buffered 200.
    sync.onSnapshot(snap(199, [], []));
    expect(sync.state).toBe('live');
    expect(sync.counters.applied).toBe(1);
  });

  it('detects a gap while live, clears the book, resyncs and resumes from the message after the hole', () => {
    const { book, needs, sync } = l2();
    sync.onSnapshot(snap(10, [[5, 1]], [[6, 1]]));
    expect(sync.state).toBe('live');
    sync.onMessage(upd(11, 11, [[0, 5, 2]]));
    sync.onMessage(upd(13, 13, [[0, 4, 2]])); // 12 missing
    expect(sync.state).toBe('resyncing');
    expect(sync.counters).toMatchObject({ gaps: 1, resyncs: 1, applied: 1, buffered: 1 });
    expect(sync.errors.count('DG_E_SEQUENCE_GAP')).toBe(1);
    expect(book.levelCount(0) + book.levelCount(1)).toBe(0);
    expect(needs).toEqual(['gap']);
    sync.onMessage(upd(14, 14, [[0, 3, 2]]));
    sync.onSnapshot(snap(12, [[5, 2]], [[6, 1]]));
    expect(sync.state).toBe('live');
    expect(book.levels(0, 5)).toEqual([
      [5, 2],
      [4, 2],
      [3, 2],
    ]);
    expect(sync.seq).toBe(14);
  });

  it('finds a hole inside the buffer after the snapshot and keeps the rest as the new buffer', () => {
    const { sync } = l2();
    sync.onMessage(upd(5, 5, [[0, 1, 1]]));
    sync.onMessage(upd(6, 6, [[0, 2, 1]]));
    sync.onMessage(upd(8, 8, [[0, 3, 1]]));
    sync.onMessage(upd(9, 9, [[0, 4, 1]]));
    sync.onSnapshot(snap(5, [], []));
    expect(sync.state).toBe('resyncing');
    expect(sync.counters).toMatchObject({ applied: 1, dropped: 1, gaps: 1, buffered: 2 });
    sync.onSnapshot(snap(8, [[3, 1]], []));
    expect(sync.state).toBe('live');
    expect(sync.seq).toBe(9);
  });

  it('bounds the buffer: overflow ⇒ resync with a fresh buffer, never unbounded memory', () => {
    const { sync } = l2(POLICIES.kucoinL2, { maxBuffer: 4 });
    for (let s = 1; s <= 10; s++) sync.onMessage(upd(s, s, [[0, s, 1]]));
    expect(sync.counters.bufferOverflows).toBe(2);
    expect(sync.counters.buffered).toBeLessThanOrEqual(4);
    expect(sync.counters.bufferHighWater).toBe(4);
    expect(sync.state).toBe('resyncing');
    expect(sync.errors.count('DG_E_BUFFER_OVERFLOW')).toBe(2);
    sync.onSnapshot(snap(8, [], []));
    expect(sync.state).toBe('live');
    expect(sync.seq).toBe(10);
  });

  it('a late snapshot reply while live is ignored', () => {
    const { sync } = l2();
    sync.onSnapshot(snap(10, [], []));
    sync.onSnapshot(snap(3, [], []));
    expect(sync.counters.snapshotsIgnored).toBe(1);
    expect(sync.seq).toBe(10);
  });

  it('a book that rejects an update (bad size) ⇒ counted, resync, never a corrupted book', () => {
    const { book, sync } = l2();
    sync.onSnapshot(snap(1, [[5, 1]], []));
    sync.onMessage(
      upd(2, 2, [
        [0, 6, 1],
        [0, 7, -1],
      ]),
    );
    expect(sync.state).toBe('resyncing');
    expect(sync.errors.count('DG_E_BAD_SIZE')).toBe(1);
    expect(book.levelCount(0)).toBe(0);
  });

  it('answers a re-entrant snapshot delivered from inside onNeedSnapshot', () => {
    const book = new L2Book();
    const holder: { sync?: BookSync<L2Update, L2Snapshot> } = {};
    const sync = createL2Sync(book, {
      policy: POLICIES.kucoinL2,
      clock: new ManualClock(),
      onNeedSnapshot: () => holder.sync?.onSnapshot(snap(1, [[3, 3]], [])),
    });
    holder.sync = sync;
    sync.onMessage(upd(2, 2, [[0, 4, 4]]));
    expect(sync.state).toBe('live');
    expect(book.levels(0, 2)).toEqual([
      [4, 4],
      [3, 3],
    ]);
  });

  it('re-requests a snapshot that does not arrive within the timeout (injected clock)', () => {
    const { clock, needs, sync } = l2(POLICIES.kucoinL2, { snapshotTimeoutMs: 5000 });
    sync.onMessage(upd(1, 1, []));
    clock.advance(4999);
    sync.onMessage(upd(2, 2, []));
    expect(needs.length).toBe(1);
    clock.advance(1);
    sync.poll();
    expect(needs).toEqual(['initial', 'snapshot timeout']);
    expect(sync.errors.count('DG_E_SNAPSHOT_TIMEOUT')).toBe(1);
    expect(sync.counters.snapshotsRequested).toBe(2);
  });
});

describe('BookSync — Binance spot U/u against lastUpdateId', () => {
  it('first event U ≤ lastUpdateId+1 ≤ u, then U = previous u + 1', () => {
    const { sync } = l2(POLICIES.binanceSpot);
    sync.onMessage(upd(90, 95, [[0, 1, 1]]));
    sync.onMessage(upd(96, 105, [[0, 2, 1]]));
    sync.onMessage(upd(106, 110, [[0, 3, 1]]));
    sync.onSnapshot(snap(100, [], []));
    expect(sync.counters).toMatchObject({ dropped: 1, applied: 2, gaps: 0 });
    expect(sync.seq).toBe(110);
    sync.onMessage(upd(112, 115, []));
    expect(sync.counters.gaps).toBe(1);
  });
});

describe('BookSync — OKX linked seqId/prevSeqId, in-band snapshot, checksum', () => {
  const sumOfBids = (b: L2Book): number => {
    let s = 0;
    b.forEachLevel(0, (p, q) => {
      s += p * q;
    });
    return s;
  };

  it('drops messages before the in-band snapshot, links updates, treats heartbeats and resets', () => {
    const { sync, needs } = l2(POLICIES.okxBooks);
    sync.onMessage(upd(5, 5, [], { prevSeq: 4 }));
    expect(sync.state).toBe('awaiting-snapshot');
    expect(sync.counters.dropped).toBe(1);
    expect(needs).toEqual(['initial']);
    sync.onSnapshot(snap(10, [[1, 1]], []));
    sync.onMessage(upd(15, 15, [[0, 2, 1]], { prevSeq: 10 }));
    sync.onMessage(upd(15, 15, [], { prevSeq: 15 })); // no change: seqId = prevSeqId
    sync.onMessage(upd(15, 15, [[0, 2, 1]], { prevSeq: 10 })); // duplicate
    expect(sync.counters).toMatchObject({ applied: 2, dropped: 2, gaps: 0 });
    sync.onMessage(upd(3, 3, [[0, 3, 1]], { prevSeq: 15 })); // venue reset: seqId < prevSeqId
    expect(sync.seq).toBe(3);
    sync.onMessage(upd(9, 9, [], { prevSeq: 7 }));
    expect(sync.state).toBe('resyncing');
    expect(sync.counters.gaps).toBe(1);
    expect(needs).toEqual(['initial', 'gap']);
    sync.onMessage(upd(10, 10, [], { prevSeq: 9 })); // in-band venue: dropped until resubscribed
    expect(sync.counters.buffered).toBe(0);
  });

  it('verifies checksums after each update and on the snapshot; a mismatch resyncs', () => {
    const { sync, book } = l2(POLICIES.okxBooks, { checksum: sumOfBids });
    sync.onSnapshot(snap(0, [[10, 2]], [], 20));
    sync.onMessage(upd(0, 0, [[0, 11, 1]], { checksum: 31 }));
    expect(sync.counters).toMatchObject({ checksumOk: 2, checksumFailures: 0 });
    sync.onMessage(upd(0, 0, [[0, 12, 1]], { checksum: 999 }));
    expect(sync.counters).toMatchObject({ checksumOk: 2, checksumFailures: 1, resyncs: 1 });
    expect(sync.state).toBe('resyncing');
    expect(book.levelCount(0)).toBe(0);
    expect(sync.errors.count('DG_E_CHECKSUM')).toBe(1);
    sync.onSnapshot(snap(0, [[12, 1]], [], 5));
    expect(sync.state).toBe('resyncing');
    expect(sync.counters.checksumFailures).toBe(2);
  });
});

describe('BookSync — Binance futures pu link after a REST snapshot', () => {
  it('bridges by range, then requires pu = previous u', () => {
    const { sync } = l2(POLICIES.binanceFutures);
    sync.onMessage(upd(90, 99, [], { prevSeq: 89 }));
    sync.onMessage(upd(100, 104, [], { prevSeq: 99 }));
    sync.onMessage(upd(105, 107, [], { prevSeq: 104 }));
    sync.onSnapshot(snap(101, [], []));
    expect(sync.counters).toMatchObject({ dropped: 1, applied: 2, gaps: 0 });
    sync.onMessage(upd(110, 111, [], { prevSeq: 109 }));
    expect(sync.counters.gaps).toBe(1);
  });
});

describe('BookSync — unsequenced (Coinbase level2)', () => {
  it('the snapshot message starts the book; undecodable input resyncs', () => {
    const { sync, needs } = l2(POLICIES.coinbaseLevel2);
    sync.onMessage(upd(0, 0, [[0, 1, 1]]));
    expect(sync.counters.dropped).toBe(1);
    sync.onSnapshot(snap(0, [[1, 1]], [[2, 1]]));
    sync.onMessage(upd(0, 0, [[0, 1, 5]]));
    expect(sync.counters.applied).toBe(1);
    sync.onInvalid(dgError('DG_E_BAD_MESSAGE', 'test'));
    expect(sync.errors.count('DG_E_BAD_MESSAGE')).toBe(1);
    expect(sync.state).toBe('resyncing');
    expect(needs).toEqual(['initial', 'invalid']);
  });
});

describe('BookSync — level 3 (KuCoin sequence)', () => {
  const o = (seq: number, orderId: string, side: Side, price: number, size: number): L3Event => ({
    type: 'open',
    seq,
    orderId,
    side,
    price,
    size,
    ts: seq,
  });
  const l3snap = (seq: number): L3Snapshot => ({
    seq,
    ts: 0,
    bids: [{ orderId: 'b1', price: 10, size: 5, ts: 0 }],
    asks: [{ orderId: 'a1', price: 12, size: 5, ts: 0 }],
  });

  it('applies seq = current + 1 only; a match on an unknown maker is a book error ⇒ resync', () => {
    const book = new L3Book();
    const sync = createL3Sync(book, { policy: POLICIES.kucoinL3, clock: new ManualClock() });
    sync.onMessage(o(7, 'b0', 0, 9, 1));
    sync.onMessage({ type: 'received', seq: 8, orderId: 'x', ts: 8 });
    sync.onMessage(o(9, 'b2', 0, 10, 2));
    sync.onSnapshot(l3snap(7));
    expect(sync.state).toBe('live');
    expect(sync.counters).toMatchObject({ applied: 2, dropped: 1 });
    expect(book.orders(0, 5).map((x) => x.orderId)).toEqual(['b1', 'b2']);
    sync.onMessage({
      type: 'match',
      seq: 10,
      makerOrderId: 'a1',
      takerOrderId: 't',
      price: 12,
      size: 2,
      remaining: 3,
      takerSide: 0,
      ts: 10,
    });
    expect(book.order('a1')?.size).toBe(3);
    sync.onMessage({ type: 'done', seq: 11, orderId: 'b1', reason: 'canceled', ts: 11 });
    expect(book.has('b1')).toBe(false);
    sync.onMessage({
      type: 'match',
      seq: 12,
      makerOrderId: 'zz',
      takerOrderId: 't',
      price: 12,
      size: 2,
      takerSide: 0,
      ts: 12,
    });
    expect(sync.state).toBe('resyncing');
    expect(sync.errors.count('DG_E_UNKNOWN_ORDER_ID')).toBe(1);
    expect(book.orderCount).toBe(0);
  });

  it('Coinbase full options: change for a never-opened order is a no-op; Bitfinex upsert replaces', () => {
    const book = new L3Book();
    const sync = createL3Sync(book, {
      policy: POLICIES.coinbaseFull,
      clock: new ManualClock(),
      ignoreUnknownChange: true,
      upsertOpen: true,
    });
    sync.onSnapshot(l3snap(1));
    sync.onMessage({ type: 'change', seq: 2, orderId: 'never-opened', size: 1, ts: 2 });
    sync.onMessage(o(3, 'b1', 0, 11, 4));
    expect(sync.state).toBe('live');
    expect(book.order('b1')).toMatchObject({ price: 11, size: 4, side: 0 });
    sync.onMessage(o(4, 'b1', 1, 13, 4));
    expect(book.order('b1')).toMatchObject({ price: 13, side: 1 });
  });
});

describe('snapshotFetcher — the async edge', () => {
  it('fetches through an injected promise, counts failures and retries on the next message', async () => {
    const book = new L2Book();
    let calls = 0;
    const f = snapshotFetcher<L2Update, L2Snapshot>(async () => {
      calls++;
      if (calls === 1) throw new Error('HTTP 503');
      return snap(1, [[5, 5]], []);
    });
    const sync = createL2Sync(book, { policy: POLICIES.kucoinL2, clock: new ManualClock(), onNeedSnapshot: f.onNeed });
    f.bind(sync);
    sync.onMessage(upd(1, 1, []));
    await f.idle();
    expect(sync.errors.count('DG_E_SNAPSHOT_FETCH')).toBe(1);
    expect(sync.state).toBe('buffering');
    sync.onMessage(upd(2, 2, [[1, 6, 1]]));
    await f.idle();
    expect(calls).toBe(2);
    expect(sync.state).toBe('live');
    expect(book.levels(1, 1)).toEqual([[6, 1]]);
  });

  it('a reply fetched before reset() (a reconnect) is ignored, not loaded as the new book', async () => {
    const book = new L2Book();
    let release: (s: L2Snapshot) => void = () => undefined;
    const f = snapshotFetcher<L2Update, L2Snapshot>(() => new Promise<L2Snapshot>((resolve) => (release = resolve)));
    const sync = createL2Sync(book, { policy: POLICIES.kucoinL2, clock: new ManualClock(), onNeedSnapshot: f.onNeed });
    f.bind(sync);
    sync.onMessage(upd(10, 10, [[0, 9, 1]]));
    expect(f.inFlight).toBe(true);
    sync.reset(); // connection dropped while the REST call was out
    release(snap(50, [[7, 7]], []));
    await f.idle();
    expect(sync.state).toBe('idle');
    expect(sync.counters.snapshotsIgnored).toBe(1);
    expect(book.levelCount(0)).toBe(0);
  });
});
