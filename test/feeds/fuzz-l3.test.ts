/**
 * Property test: seeded random level-3 streams (KuCoin-style single sequence: open, change,
 * match with and without remainSize, done, received, noop) delivered through BookSync into the
 * real L3Book over a lossy network (drops, duplicates, reorders, delayed and stale snapshots).
 * Properties: whenever the machine says "live", the book equals a plain reference model at
 * the machine's sequence, order by order and in FIFO order; after a clean tail the book is live
 * and equal to the reference at the end. FUZZ_CASES=100000 npm test runs a long campaign.
 */
import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/core/clock.js';
import type { L3Event, L3Snapshot, L3SnapshotOrder, Side } from '../../src/core/events.js';
import { L3Book } from '../../src/book/l3-book.js';
import { POLICIES } from '../../src/feeds/sync-policy.js';
import { createL3Sync } from '../../src/feeds/sync-targets.js';
import {
  fuzzCases,
  fuzzSeedBase,
  fuzzTimeoutMs,
  rng,
  simulate,
  type Perturbation,
  type Truth,
} from './fuzz-support.js';

/** The reference: a map of orders with a priority stamp; nothing clever. */
class RefL3 {
  readonly orders = new Map<string, { side: Side; price: number; size: number; stamp: number }>();
  private stamp = 0;

  apply(e: L3Event): void {
    switch (e.type) {
      case 'open':
        this.orders.set(e.orderId, { side: e.side, price: e.price, size: e.size, stamp: ++this.stamp });
        break;
      case 'change': {
        const o = this.orders.get(e.orderId);
        if (!o) throw new Error('reference: change of unknown order');
        const price = e.price ?? o.price;
        if (e.size === 0) this.orders.delete(e.orderId);
        else if (e.size > o.size || price !== o.price)
          this.orders.set(e.orderId, { ...o, price, size: e.size, stamp: ++this.stamp });
        else o.size = e.size;
        break;
      }
      case 'match': {
        const o = this.orders.get(e.makerOrderId);
        if (!o) throw new Error('reference: match of unknown maker');
        const left = e.remaining ?? o.size - e.size;
        if (left === 0) this.orders.delete(e.makerOrderId);
        else o.size = left;
        break;
      }
      case 'done':
        this.orders.delete(e.orderId);
        break;
      default:
        break;
    }
  }

  snapshot(seq: number): L3Snapshot {
    const side = (s: Side): L3SnapshotOrder[] =>
      [...this.orders.entries()]
        .filter(([, o]) => o.side === s)
        .sort(([, a], [, b]) =>
          a.price === b.price ? a.stamp - b.stamp : s === 0 ? b.price - a.price : a.price - b.price,
        )
        .map(([orderId, o]) => ({ orderId, price: o.price, size: o.size, ts: 0 }));
    return { seq, ts: 0, bids: side(0), asks: side(1) };
  }
}

function makeTruth(seed: number, n: number, book: L3Book): Truth<L3Event, L3Snapshot> {
  const r = rng(seed);
  const ref = new RefL3();
  const msgs: L3Event[] = [];
  const snaps: L3Snapshot[] = [ref.snapshot(0)];
  let nextId = 0;
  for (let seq = 1; seq <= n; seq++) {
    const ids = [...ref.orders.keys()];
    const x = r.next();
    let e: L3Event;
    if (ids.length < 4 || x < 0.35) {
      const side: Side = r.next() < 0.5 ? 0 : 1;
      const price = side === 0 ? r.int(90, 99) : r.int(101, 110);
      e = { type: 'open', seq, orderId: `o${nextId++}`, side, price, size: r.int(1, 20), ts: seq };
    } else if (x < 0.5) {
      const id = r.pick(ids);
      const o = ref.orders.get(id)!;
      const grow = r.next() < 0.3;
      const size = grow ? o.size + r.int(1, 10) : o.size > 1 ? r.int(1, o.size - 1) : 1;
      const move = r.next() < 0.1;
      const price = move ? (o.side === 0 ? r.int(90, 99) : r.int(101, 110)) : undefined;
      e = { type: 'change', seq, orderId: id, size, ...(price === undefined ? {} : { price }), ts: seq };
    } else if (x < 0.7) {
      const id = r.pick(ids);
      const o = ref.orders.get(id)!;
      const traded = r.int(1, o.size);
      const withRemaining = r.next() < 0.5;
      e = {
        type: 'match',
        seq,
        makerOrderId: id,
        takerOrderId: `t${seq}`,
        price: o.price,
        size: traded,
        ...(withRemaining ? { remaining: o.size - traded } : {}),
        takerSide: o.side === 0 ? 1 : 0,
        ts: seq,
      };
    } else if (x < 0.85) {
      const never = r.next() < 0.2;
      e = {
        type: 'done',
        seq,
        orderId: never ? `never${seq}` : r.pick(ids),
        reason: never ? 'filled' : 'canceled',
        ts: seq,
      };
    } else if (x < 0.95) {
      e = { type: 'received', seq, orderId: `o${nextId}`, clientOid: `c${seq}`, ts: seq };
    } else {
      e = { type: 'noop', seq, ts: seq };
    }
    ref.apply(e);
    msgs.push(e);
    snaps.push(ref.snapshot(seq));
  }
  const same = (
    got: Array<{ orderId: string; price: number; size: number }>,
    want: readonly L3SnapshotOrder[],
    what: string,
  ): string | undefined => {
    if (got.length !== want.length) return `${what}: ${got.length} orders, reference ${want.length}`;
    for (let i = 0; i < got.length; i++) {
      const g = got[i];
      const w = want[i];
      if (g.orderId !== w.orderId || g.price !== w.price || g.size !== w.size) {
        return `${what}[${i}]: ${g.orderId}@${g.price}×${g.size}, reference ${w.orderId}@${w.price}×${w.size}`;
      }
    }
    return undefined;
  };
  return {
    msgs,
    snapshotAt: (pos) => snaps[pos],
    posOfSeq: (seq) => (seq >= 0 && seq <= n ? seq : undefined),
    bookEquals: (pos) => {
      const s = snaps[pos];
      return same(book.orders(0, 1_000_000), s.bids, 'bids') ?? same(book.orders(1, 1_000_000), s.asks, 'asks');
    },
  };
}

const PERTURB: Perturbation = {
  drop: 0.03,
  dup: 0.03,
  reorder: 0.03,
  corrupt: 0,
  stale: 0.3,
  maxSnapshotDelay: 6,
  inBand: false,
};

describe('fuzz: level-3 streams through BookSync into L3Book', () => {
  const cases = fuzzCases(1000);
  it(
    `${cases} seeded cases: a live book always equals the reference; every case recovers`,
    () => {
      const base = fuzzSeedBase();
      let gaps = 0;
      let stale = 0;
      let drops = 0;
      let checks = 0;
      let overflows = 0;
      for (let c = 0; c < cases; c++) {
        const seed = base + c + 1;
        const r = rng(seed * 7919);
        const book = new L3Book();
        const n = r.int(40, 160);
        const truth = makeTruth(seed, n, book);
        const sync = createL3Sync(book, {
          policy: POLICIES.kucoinL3,
          clock: new ManualClock(),
          maxBuffer: r.next() < 0.2 ? 8 : 10_000,
        });
        const res = simulate(sync, truth, PERTURB, r, 12, `L3 case seed=${seed}`);
        gaps += sync.counters.gaps;
        stale += sync.counters.staleSnapshots;
        overflows += sync.counters.bufferOverflows;
        drops += res.dropsInjected;
        checks += res.checks;
      }
      // The campaign really exercised the machine (not a vacuous pass).
      expect(drops).toBeGreaterThan(cases);
      expect(gaps).toBeGreaterThan(cases / 2);
      expect(stale).toBeGreaterThan(10);
      expect(overflows).toBeGreaterThan(0);
      expect(checks).toBeGreaterThan(cases * 20);
    },
    fuzzTimeoutMs(),
  );

  it(
    'drop-only streams with prompt snapshots: gaps counted = runs of drops between deliveries, exactly',
    () => {
      const cases2 = Math.max(200, Math.floor(fuzzCases(1000) / 5));
      for (let c = 0; c < cases2; c++) {
        const seed = fuzzSeedBase() + 50_000 + c;
        const r = rng(seed);
        const book = new L3Book();
        const truth = makeTruth(seed, r.int(20, 80), book);
        let pos = 0;
        const sync = createL3Sync(book, {
          policy: POLICIES.kucoinL3,
          clock: new ManualClock(),
          onNeedSnapshot: () => sync.onSnapshot(truth.snapshotAt(pos)),
        });
        let expected = 0;
        let seenDelivery = false;
        let inRun = false;
        for (const m of truth.msgs) {
          pos++;
          if (r.next() < 0.1) {
            inRun = true;
            continue;
          }
          if (inRun && seenDelivery) expected++;
          inRun = false;
          seenDelivery = true;
          sync.onMessage(m);
          expect(sync.live).toBe(true);
          expect(truth.bookEquals(pos)).toBeUndefined();
        }
        expect(sync.counters.gaps, `seed ${seed}`).toBe(expected);
        expect(sync.counters.resyncs).toBe(expected);
      }
    },
    fuzzTimeoutMs(),
  );
});
