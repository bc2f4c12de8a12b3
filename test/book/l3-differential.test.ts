/**
 * Randomised differential test: L3Book against a deliberately naive reference model (an array
 * per price level, FIFO by position), seeded so a failure reproduces. Also 100k live orders.
 */
import { describe, expect, it } from 'vitest';
import { L3Book } from '../../src/book/l3-book.js';
import { DeskgateError } from '../../src/core/errors.js';
import { ASK, BID, type Side } from '../../src/core/events.js';

function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    // mulberry32
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

interface RefOrder {
  id: string;
  side: Side;
  price: number;
  size: number;
}

class RefBook {
  readonly byId = new Map<string, RefOrder>();
  readonly levels: [Map<number, RefOrder[]>, Map<number, RefOrder[]>] = [new Map(), new Map()];

  add(id: string, side: Side, price: number, size: number): void {
    const o = { id, side, price, size };
    this.byId.set(id, o);
    const q = this.levels[side].get(price) ?? [];
    q.push(o);
    this.levels[side].set(price, q);
  }

  remove(id: string): void {
    const o = this.byId.get(id);
    if (!o) return;
    this.byId.delete(id);
    const q = this.levels[o.side].get(o.price)!;
    q.splice(q.indexOf(o), 1);
    if (q.length === 0) this.levels[o.side].delete(o.price);
  }

  setSize(id: string, size: number, price?: number): void {
    const o = this.byId.get(id)!;
    if (size === 0) return this.remove(id);
    if ((price !== undefined && price !== o.price) || size > o.size) {
      this.remove(id);
      this.add(id, o.side, price ?? o.price, size);
    } else {
      o.size = size;
    }
  }

  sorted(side: Side): number[] {
    return [...this.levels[side].keys()].sort((a, b) => (side === BID ? b - a : a - b));
  }

  snapshotIds(side: Side): Array<[string, number, number]> {
    return this.sorted(side).flatMap((p) =>
      this.levels[side].get(p)!.map((o) => [o.id, p, o.size] as [string, number, number]),
    );
  }

  queue(id: string): { ordersAhead: number; sizeAhead: number; levelSize: number } {
    const o = this.byId.get(id)!;
    const q = this.levels[o.side].get(o.price)!;
    const i = q.indexOf(o);
    const sum = (a: RefOrder[]): number => a.reduce((s, x) => s + x.size, 0);
    return { ordersAhead: i, sizeAhead: sum(q.slice(0, i)), levelSize: sum(q) };
  }
}

function compare(b: L3Book, r: RefBook): void {
  for (const side of [BID, ASK] as const) {
    const snap = b.snapshot();
    const got = (side === BID ? snap.bids : snap.asks).map((o) => [o.orderId, o.price, o.size]);
    expect(got).toEqual(r.snapshotIds(side));
    const prices = r.sorted(side);
    expect(b.levelCount(side)).toBe(prices.length);
    expect(side === BID ? b.bestBid() : b.bestAsk()).toBe(prices[0]);
    const lv = b.levels(side, 5);
    expect(lv.map((x) => x[0])).toEqual(prices.slice(0, 5));
  }
  expect(b.orderCount).toBe(r.byId.size);
  b.verify();
}

// Id shapes: short, KuCoin-like 24 hex (stored inline), UUID-like 36 (not inline), non-Latin-1.
const ID_SHAPES: Array<(n: number) => string> = [
  (n) => `o${n}`,
  (n) => (0x65a0c0000000 + n).toString(16).padStart(24, '6'),
  (n) => `2c3b1f0e-9d8a-4b7c-8e6f-${n.toString(16).padStart(12, '0')}`,
  (n) => `订单-${n}-ß`,
];

describe('L3Book differential (seeded)', () => {
  for (const seed of [1, 2, 3, 4]) {
    it(`agrees with the reference model, seed ${seed}`, () => {
      const idOf = ID_SHAPES[seed - 1];
      const rnd = rng(seed);
      const b = new L3Book();
      const r = new RefBook();
      const live: string[] = [];
      let next = 0;
      const pick = (): string => live[Math.floor(rnd() * live.length)];
      const drop = (id: string): void => {
        const i = live.indexOf(id);
        live[i] = live[live.length - 1];
        live.pop();
      };
      for (let step = 0; step < 6000; step++) {
        const x = rnd();
        if (live.length < 5 || x < 0.4) {
          const id = idOf(next++);
          const side = rnd() < 0.5 ? BID : ASK;
          // Mostly near the touch, sometimes far away and sparse.
          const price =
            rnd() < 0.05
              ? 1 + Math.floor(rnd() * 1e7)
              : side === BID
                ? 5000 - Math.floor(rnd() * 20)
                : 4990 + Math.floor(rnd() * 20);
          const size = 1 + Math.floor(rnd() * 50);
          b.add(id, side, price, size);
          r.add(id, side, price, size);
          live.push(id);
        } else if (x < 0.65) {
          const id = pick();
          expect(b.remove(id)).toBe(true);
          r.remove(id);
          drop(id);
        } else if (x < 0.8) {
          const id = pick();
          const cur = r.byId.get(id)!.size;
          const traded = 1 + Math.floor(rnd() * cur);
          b.match(id, traded);
          r.setSize(id, cur - traded);
          if (cur === traded) drop(id);
        } else if (x < 0.92) {
          const id = pick();
          const size = Math.floor(rnd() * 60);
          const o = r.byId.get(id)!;
          const price = rnd() < 0.3 ? o.price + Math.floor(rnd() * 5) - 2 : undefined;
          b.setSize(id, size, price && price > 0 ? price : undefined);
          r.setSize(id, size, price && price > 0 ? price : undefined);
          if (size === 0) drop(id);
        } else if (x < 0.97) {
          const id = pick();
          expect(b.queuePosition(id)).toEqual(r.queue(id));
        } else {
          // A bad operation must change nothing.
          const id = pick();
          const before = b.snapshot();
          const bad = [
            () => b.add(id, BID, 100, 1),
            () => b.match(id, r.byId.get(id)!.size + 1),
            () => b.setSize(idOf(1e9 + step), 1),
            () => b.setSize(id, -1),
            () => b.add(`n${step}`, ASK, 0, 1),
          ][Math.floor(rnd() * 5)];
          expect(bad).toThrow(DeskgateError);
          expect(b.snapshot()).toEqual(before);
        }
        if (step % 500 === 0) compare(b, r);
      }
      compare(b, r);
      for (const id of live.slice(0, 200)) expect(b.queuePosition(id)).toEqual(r.queue(id));
      b.verify();
    });
  }

  it('stays fast and exact with 100k live orders', () => {
    const rnd = rng(99);
    const b = new L3Book();
    const N = 100_000;
    let bidTotal = 0;
    for (let i = 0; i < N; i++) {
      const side = i % 2 === 0 ? BID : ASK;
      const price = side === BID ? 100_000 - Math.floor(rnd() * 2000) : 100_001 + Math.floor(rnd() * 2000);
      const size = 1 + Math.floor(rnd() * 100);
      if (side === BID) bidTotal += size;
      b.add(`id${i}`, side, price, size, i);
    }
    expect(b.orderCount).toBe(N);
    expect(b.depthWithinBps(BID, 10_000)).toBe(bidTotal);
    // Churn: 100k more operations at the touch and far away, with queue-position queries.
    for (let i = 0; i < 100_000; i++) {
      const victim = `id${Math.floor(rnd() * N)}`;
      if (b.remove(victim)) {
        const side = rnd() < 0.5 ? BID : ASK;
        const price = side === BID ? 100_000 - Math.floor(rnd() * 2000) : 100_001 + Math.floor(rnd() * 2000);
        b.add(victim, side, price, 1 + Math.floor(rnd() * 100));
      }
      if (i % 100 === 0) b.queuePosition(`id${Math.floor(rnd() * N)}`);
    }
    expect(b.orderCount).toBe(N);
    expect(b.isCrossed()).toBe(false);
    b.verify();
    const snap = b.snapshot();
    const c = new L3Book();
    c.loadSnapshot(snap);
    expect(c.snapshot()).toEqual(snap);
  });
});
