import { describe, expect, it } from 'vitest';
import { L3Book } from '../../src/book/l3-book.js';
import { DeskgateError } from '../../src/core/errors.js';
import { ASK, BID, type L3Event } from '../../src/core/events.js';

const code = (f: () => unknown): string => {
  try {
    f();
  } catch (e) {
    if (e instanceof DeskgateError) return e.code;
    throw e;
  }
  return 'no error';
};

const ids = (b: L3Book, side: 0 | 1): string[] => b.orders(side, Infinity).map((o) => o.orderId);

function sample(): L3Book {
  const b = new L3Book();
  b.add('b1', BID, 100, 5, 1);
  b.add('b2', BID, 100, 3, 2);
  b.add('b3', BID, 100, 4, 3);
  b.add('b4', BID, 99, 10, 4);
  b.add('a1', ASK, 101, 2, 5);
  b.add('a2', ASK, 102, 6, 6);
  b.add('a3', ASK, 101, 1, 7);
  return b;
}

describe('L3Book basics', () => {
  it('aggregates levels and keeps FIFO within a price', () => {
    const b = sample();
    expect(b.bestBid()).toBe(100);
    expect(b.bestAsk()).toBe(101);
    expect(b.bestBidSize()).toBe(12);
    expect(b.bestAskSize()).toBe(3);
    expect(b.levels(BID, 5)).toEqual([
      [100, 12],
      [99, 10],
    ]);
    expect(b.levels(ASK, 1)).toEqual([[101, 3]]);
    expect(ids(b, BID)).toEqual(['b1', 'b2', 'b3', 'b4']);
    expect(ids(b, ASK)).toEqual(['a1', 'a3', 'a2']);
    expect(b.orders(BID, 2)).toEqual([
      { orderId: 'b1', price: 100, size: 5 },
      { orderId: 'b2', price: 100, size: 3 },
    ]);
    expect(b.orderCount).toBe(7);
    expect(b.orderCountAt(BID, 100)).toBe(3);
    expect(b.levelCount(ASK)).toBe(2);
    expect(b.sizeAt(BID, 99)).toBe(10);
    expect(b.order('a2')).toEqual({ orderId: 'a2', side: ASK, price: 102, size: 6, ts: 6 });
    expect(b.order('zz')).toBeUndefined();
    expect(b.has('b3')).toBe(true);
    b.verify();
  });

  it('reports queue position and keeps it right through changes', () => {
    const b = sample();
    expect(b.queuePosition('b1')).toEqual({ ordersAhead: 0, sizeAhead: 0, levelSize: 12 });
    expect(b.queuePosition('b3')).toEqual({ ordersAhead: 2, sizeAhead: 8, levelSize: 12 });
    b.setSize('b1', 2); // decrease keeps priority
    expect(b.queuePosition('b3')).toEqual({ ordersAhead: 2, sizeAhead: 5, levelSize: 9 });
    expect(ids(b, BID).slice(0, 3)).toEqual(['b1', 'b2', 'b3']);
    b.setSize('b1', 6); // increase: back of the queue
    expect(ids(b, BID).slice(0, 3)).toEqual(['b2', 'b3', 'b1']);
    expect(b.queuePosition('b1')).toEqual({ ordersAhead: 2, sizeAhead: 7, levelSize: 13 });
    expect(b.queuePosition('b3')).toEqual({ ordersAhead: 1, sizeAhead: 3, levelSize: 13 });
    b.add('b5', BID, 100, 1);
    expect(b.queuePosition('b5')).toEqual({ ordersAhead: 3, sizeAhead: 13, levelSize: 14 });
    b.remove('b2');
    expect(b.queuePosition('b5')).toEqual({ ordersAhead: 2, sizeAhead: 10, levelSize: 11 });
    b.match('b3', 4); // fills b3 → removed
    expect(b.has('b3')).toBe(false);
    expect(b.queuePosition('b1')).toEqual({ ordersAhead: 0, sizeAhead: 0, levelSize: 7 });
    expect(b.queuePosition('nope')).toBeUndefined();
    b.verify();
  });

  it('keeps queue positions exact while an indexed level grows, churns and re-queues', () => {
    const b = new L3Book();
    b.add('first', ASK, 500, 3);
    expect(b.queuePosition('first')).toEqual({ ordersAhead: 0, sizeAhead: 0, levelSize: 3 }); // index built
    const ids = ['first'];
    for (let i = 0; i < 300; i++) {
      b.add(`q${i}`, ASK, 500, 1 + (i % 7));
      ids.push(`q${i}`);
      if (i % 3 === 0) {
        const victim = ids.splice(1 + (i % (ids.length - 1)), 1)[0];
        b.remove(victim);
      }
      if (i % 5 === 0) {
        // Increase → back of the queue (a new slot), decrease → same slot.
        const mover = ids[Math.floor(ids.length / 2)];
        b.setSize(mover, (b.order(mover)?.size ?? 1) + 1);
        ids.splice(ids.indexOf(mover), 1);
        ids.push(mover);
        b.setSize(ids[0], 1);
      }
    }
    let ahead = 0;
    ids.forEach((id, k) => {
      const qp = b.queuePosition(id);
      expect(qp?.ordersAhead).toBe(k);
      expect(qp?.sizeAhead).toBe(ahead);
      ahead += b.order(id)?.size ?? 0;
    });
    expect(b.orders(ASK, Infinity).map((o) => o.orderId)).toEqual(ids);
    b.verify();
  });

  it('moves an order to the back of another price on a price change', () => {
    const b = sample();
    b.setSize('b1', 5, 99); // same size, new price
    expect(b.orders(BID, 10).map((o) => [o.orderId, o.price])).toEqual([
      ['b2', 100],
      ['b3', 100],
      ['b4', 99],
      ['b1', 99],
    ]);
    expect(b.sizeAt(BID, 99)).toBe(15);
    expect(b.queuePosition('b1')).toEqual({ ordersAhead: 1, sizeAhead: 10, levelSize: 15 });
    b.setSize('a2', 3, 102); // same price, decrease: no move
    expect(b.sizeAt(ASK, 102)).toBe(3);
    b.setSize('a2', 0); // 0 removes; level disappears
    expect(b.levelCount(ASK)).toBe(1);
    b.verify();
  });

  it('reduces the maker on a match and removes it at zero', () => {
    const b = sample();
    b.match('a1', 1);
    expect(b.order('a1')?.size).toBe(1);
    expect(ids(b, ASK)[0]).toBe('a1'); // keeps priority
    b.match('a1', 1);
    expect(b.has('a1')).toBe(false);
    expect(b.bestAskSize()).toBe(1);
    expect(code(() => b.match('a3', 2))).toBe('DG_E_BAD_SIZE');
    expect(code(() => b.match('a3', 0))).toBe('DG_E_BAD_SIZE');
    expect(code(() => b.match('zz', 1))).toBe('DG_E_UNKNOWN_ORDER_ID');
    b.verify();
  });

  it('applies normalised events', () => {
    const b = new L3Book();
    const ev: L3Event[] = [
      { type: 'received', seq: 1, orderId: 'x', clientOid: 'c', ts: 10 },
      { type: 'open', seq: 2, orderId: 'x', side: ASK, price: 50, size: 10, ts: 11 },
      { type: 'open', seq: 3, orderId: 'y', side: ASK, price: 50, size: 4, ts: 12 },
      {
        type: 'match',
        seq: 4,
        makerOrderId: 'x',
        takerOrderId: 't',
        price: 50,
        size: 3,
        remaining: 7,
        takerSide: BID,
        ts: 13,
      },
      { type: 'match', seq: 5, makerOrderId: 'x', takerOrderId: 't', price: 50, size: 2, takerSide: BID, ts: 14 },
      { type: 'change', seq: 6, orderId: 'y', size: 2, ts: 15 },
      { type: 'done', seq: 7, orderId: 't', reason: 'filled', ts: 16 }, // never rested: no-op
      { type: 'noop', seq: 8, ts: 17 },
    ];
    for (const e of ev) b.apply(e);
    expect(b.seq).toBe(8);
    expect(b.ts).toBe(17);
    expect(b.orders(ASK, 5)).toEqual([
      { orderId: 'x', price: 50, size: 5 },
      { orderId: 'y', price: 50, size: 2 },
    ]);
    b.apply({ type: 'done', seq: 9, orderId: 'x', reason: 'canceled', ts: 18 });
    expect(ids(b, ASK)).toEqual(['y']);
    // A failing event leaves seq and book as they were.
    expect(
      code(() =>
        b.apply({
          type: 'match',
          seq: 10,
          makerOrderId: 'y',
          takerOrderId: 't',
          price: 50,
          size: 1,
          remaining: 5,
          takerSide: BID,
          ts: 19,
        }),
      ),
    ).toBe('DG_E_BAD_SIZE');
    expect(b.seq).toBe(9);
    expect(code(() => b.apply({ type: 'change', seq: 10, orderId: 'q', size: 1, ts: 1 }))).toBe(
      'DG_E_UNKNOWN_ORDER_ID',
    );
    expect(code(() => b.apply({ type: 'bogus' } as unknown as L3Event))).toBe('DG_E_UNKNOWN_MESSAGE');
  });

  it('computes depth within bps and detects crossing', () => {
    const b = new L3Book();
    b.add('b1', BID, 10000, 1);
    b.add('b2', BID, 9990, 2);
    b.add('b3', BID, 9989, 4);
    b.add('a1', ASK, 10010, 1);
    b.add('a2', ASK, 10020, 3);
    b.add('a3', ASK, 10021, 5);
    expect(b.depthWithinBps(BID, 10)).toBe(3);
    expect(b.depthWithinBps(BID, 11)).toBe(7);
    expect(b.depthWithinBps(ASK, 10)).toBe(4);
    expect(b.depthWithinBps(ASK, 1000)).toBe(9);
    expect(code(() => b.depthWithinBps(ASK, -1))).toBe('DG_E_BAD_INPUT');
    expect(b.isCrossed()).toBe(false);
    b.add('x', BID, 10010, 1); // locked
    expect(b.isCrossed()).toBe(true);
    b.remove('x');
    expect(b.isCrossed()).toBe(false);
    b.setSize('b1', 1, 10500); // moved across
    expect(b.isCrossed()).toBe(true);
  });

  it('round-trips snapshots', () => {
    const b = sample();
    b.setSize('b1', 9);
    const snap = b.snapshot(42);
    expect(snap.seq).toBe(42);
    expect(snap.bids.map((o) => o.orderId)).toEqual(['b2', 'b3', 'b1', 'b4']);
    expect(snap.asks.map((o) => [o.orderId, o.price])).toEqual([
      ['a1', 101],
      ['a3', 101],
      ['a2', 102],
    ]);
    const c = new L3Book();
    c.loadSnapshot(snap);
    expect(c.snapshot()).toEqual(snap);
    expect(c.seq).toBe(42);
    expect(c.queuePosition('b1')).toEqual({ ordersAhead: 2, sizeAhead: 7, levelSize: 16 });
    c.verify();
  });

  it('rejects bad input with stable codes and leaves the book unchanged', () => {
    const b = sample();
    b.queuePosition('b2'); // index a level so indexes are covered too
    const before = b.snapshot();
    const cases: Array<[() => unknown, string]> = [
      [() => b.add('b1', BID, 100, 1), 'DG_E_DUPLICATE_ORDER_ID'],
      [() => b.add('n', BID, 100, 0), 'DG_E_BAD_SIZE'],
      [() => b.add('n', BID, 100, -2), 'DG_E_BAD_SIZE'],
      [() => b.add('n', BID, 100, Number.NaN), 'DG_E_BAD_SIZE'],
      [() => b.add('n', BID, 100, 1.25), 'DG_E_BAD_SIZE'],
      [() => b.add('n', BID, 0, 1), 'DG_E_BAD_PRICE'],
      [() => b.add('n', BID, -1, 1), 'DG_E_BAD_PRICE'],
      [() => b.add('n', BID, 100.5, 1), 'DG_E_BAD_PRICE'],
      [() => b.add('n', BID, Infinity, 1), 'DG_E_BAD_PRICE'],
      [() => b.add('', BID, 100, 1), 'DG_E_BAD_INPUT'],
      [() => b.add('n', 2 as 0, 100, 1), 'DG_E_BAD_INPUT'],
      [() => b.setSize('zz', 1), 'DG_E_UNKNOWN_ORDER_ID'],
      [() => b.setSize('b1', -1), 'DG_E_BAD_SIZE'],
      [() => b.setSize('b1', 2.5), 'DG_E_BAD_SIZE'],
      [() => b.setSize('b1', 2, 0), 'DG_E_BAD_PRICE'],
      [() => b.match('b1', 6), 'DG_E_BAD_SIZE'],
      [() => b.match('b1', Number.NaN), 'DG_E_BAD_SIZE'],
      [
        () =>
          b.loadSnapshot({
            seq: 1,
            ts: 1,
            bids: [{ orderId: 'q', price: 5, size: 1, ts: 0 }],
            asks: [{ orderId: 'q', price: 6, size: 1, ts: 0 }],
          }),
        'DG_E_DUPLICATE_ORDER_ID',
      ],
      [
        () => b.loadSnapshot({ seq: 1, ts: 1, bids: [{ orderId: 'q', price: 5, size: 0, ts: 0 }], asks: [] }),
        'DG_E_BAD_SIZE',
      ],
    ];
    for (const [f, want] of cases) expect(code(f)).toBe(want);
    expect(b.remove('zz')).toBe(false);
    expect(b.snapshot()).toEqual(before);
    expect(b.queuePosition('b3')).toEqual({ ordersAhead: 2, sizeAhead: 8, levelSize: 12 });
    b.verify();
  });

  it('clears', () => {
    const b = sample();
    b.clear();
    expect(b.orderCount).toBe(0);
    expect(b.bestBid()).toBeUndefined();
    expect(b.bestAskSize()).toBe(0);
    expect(b.levels(BID, 3)).toEqual([]);
    b.add('b1', BID, 7, 1);
    expect(b.bestBid()).toBe(7);
    b.verify();
  });
});
