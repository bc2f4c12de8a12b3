import { describe, expect, it } from 'vitest';
import { L2Book } from '../../src/book/l2-book.js';
import { DeskgateError } from '../../src/core/errors.js';
import { ASK, BID } from '../../src/core/events.js';

const code = (f: () => unknown): string => {
  try {
    f();
  } catch (e) {
    if (e instanceof DeskgateError) return e.code;
    throw e;
  }
  return 'no error';
};

function book(): L2Book {
  const b = new L2Book();
  b.loadSnapshot({
    seq: 10,
    ts: 1,
    bids: [
      [100, 5],
      [99, 7],
      [95, 1],
    ],
    asks: [
      [101, 2],
      [103, 4],
      [110, 9],
    ],
  });
  return b;
}

describe('L2Book', () => {
  it('reads the touch, levels, sizes and counts', () => {
    const b = book();
    expect(b.bestBid()).toBe(100);
    expect(b.bestAsk()).toBe(101);
    expect(b.bestBidSize()).toBe(5);
    expect(b.bestAskSize()).toBe(2);
    expect(b.levels(BID, 2)).toEqual([
      [100, 5],
      [99, 7],
    ]);
    expect(b.levels(ASK, 10)).toEqual([
      [101, 2],
      [103, 4],
      [110, 9],
    ]);
    expect(b.sizeAt(BID, 99)).toBe(7);
    expect(b.sizeAt(BID, 98)).toBe(0);
    expect(b.sizeAt(ASK, 99)).toBe(0);
    expect(b.levelCount(BID)).toBe(3);
    expect(b.seq).toBe(10);
    expect(b.isCrossed()).toBe(false);
  });

  it('sets, replaces and removes levels, keeping order', () => {
    const b = book();
    b.set(BID, 102, 3); // new best
    b.set(BID, 97, 2); // in the middle
    b.set(BID, 99, 8); // replace
    b.set(BID, 95, 0); // remove worst
    b.set(BID, 50, 0); // remove absent: no-op
    expect(b.levels(BID, 10)).toEqual([
      [102, 3],
      [100, 5],
      [99, 8],
      [97, 2],
    ]);
    b.set(ASK, 101, 0);
    expect(b.bestAsk()).toBe(103);
    expect(b.bestAskSize()).toBe(4);
  });

  it('computes depth within bps of each side best', () => {
    const b = new L2Book();
    b.set(BID, 10000, 1);
    b.set(BID, 9990, 2); // 10 bps
    b.set(BID, 9989, 4); // 11 bps
    b.set(ASK, 10010, 1);
    b.set(ASK, 10020, 3); // 10010*10/1e4 = 10.01 → 10020 is 9.99 bps away
    b.set(ASK, 10021, 5); // 10.99 bps
    expect(b.depthWithinBps(BID, 10)).toBe(3);
    expect(b.depthWithinBps(BID, 11)).toBe(7);
    expect(b.depthWithinBps(BID, 0)).toBe(1);
    expect(b.depthWithinBps(ASK, 10)).toBe(4);
    expect(b.depthWithinBps(ASK, 11)).toBe(9);
    expect(new L2Book().depthWithinBps(ASK, 10)).toBe(0);
  });

  it('detects a crossed or locked book', () => {
    const b = book();
    b.set(BID, 101, 1);
    expect(b.isCrossed()).toBe(true);
    b.set(BID, 101, 0);
    expect(b.isCrossed()).toBe(false);
    b.set(ASK, 90, 1);
    expect(b.isCrossed()).toBe(true);
  });

  it('applies updates atomically and rejects bad input leaving the book unchanged', () => {
    const b = book();
    const before = b.snapshot();
    expect(code(() => b.set(BID, 100, -1))).toBe('DG_E_BAD_SIZE');
    expect(code(() => b.set(BID, 100, Number.NaN))).toBe('DG_E_BAD_SIZE');
    expect(code(() => b.set(BID, 100, 1.5))).toBe('DG_E_BAD_SIZE');
    expect(code(() => b.set(BID, 0, 1))).toBe('DG_E_BAD_PRICE');
    expect(code(() => b.set(BID, -5, 1))).toBe('DG_E_BAD_PRICE');
    expect(code(() => b.set(BID, 99.5, 1))).toBe('DG_E_BAD_PRICE');
    expect(
      code(() =>
        b.applyUpdate({
          type: 'l2',
          firstSeq: 11,
          lastSeq: 11,
          ts: 2,
          levels: [
            { side: BID, price: 100, size: 0 },
            { side: ASK, price: 104, size: -3 },
          ],
        }),
      ),
    ).toBe('DG_E_BAD_SIZE');
    expect(
      code(() =>
        b.loadSnapshot({
          seq: 1,
          ts: 1,
          bids: [
            [5, 1],
            [5, 2],
          ],
          asks: [],
        }),
      ),
    ).toBe('DG_E_BAD_INPUT');
    expect(b.snapshot()).toEqual(before);
    b.applyUpdate({
      type: 'l2',
      firstSeq: 11,
      lastSeq: 12,
      ts: 2,
      levels: [
        { side: BID, price: 100, size: 0 },
        { side: ASK, price: 104, size: 3 },
      ],
    });
    expect(b.seq).toBe(12);
    expect(b.bestBid()).toBe(99);
    expect(b.sizeAt(ASK, 104)).toBe(3);
  });

  it('visits levels best first and stops when told', () => {
    const b = book();
    const seen: number[] = [];
    b.forEachLevel(ASK, (p) => {
      seen.push(p);
      return seen.length < 2;
    });
    expect(seen).toEqual([101, 103]);
    const all: number[] = [];
    b.forEachLevel(BID, (p) => {
      all.push(p);
    });
    expect(all).toEqual([100, 99, 95]);
  });

  it('matches a sorted reference under random flow (seeded), including far sparse prices', () => {
    let s = 12345;
    const rnd = (): number => {
      s = (s * 1103515245 + 12345) & 0x7fffffff;
      return s / 0x80000000;
    };
    const b = new L2Book();
    const ref: [Map<number, number>, Map<number, number>] = [new Map(), new Map()];
    for (let i = 0; i < 20000; i++) {
      const side = rnd() < 0.5 ? BID : ASK;
      const far = rnd() < 0.05;
      const price = far
        ? 1 + Math.floor(rnd() * 1e9)
        : side === BID
          ? 1000 - Math.floor(rnd() * 40)
          : 1001 + Math.floor(rnd() * 40);
      const size = rnd() < 0.3 ? 0 : 1 + Math.floor(rnd() * 100);
      b.set(side, price, size);
      if (size === 0) ref[side].delete(price);
      else ref[side].set(price, size);
      if (i % 997 === 0) {
        for (const sd of [BID, ASK] as const) {
          const want = [...ref[sd].entries()].sort((x, y) => (sd === BID ? y[0] - x[0] : x[0] - y[0]));
          expect(b.levels(sd, Infinity)).toEqual(want);
        }
      }
    }
  });
});
