import { describe, expect, it } from 'vitest';
import { BTC, funded, limit, ok, u } from './helpers.js';

describe('sim engine: limit orders and priority', () => {
  it('rests a GTC order and shows it in L2/L3 snapshots', () => {
    const h = funded();
    const r = ok(limit(h, 'a', 'buy', '59990', '0.5'));
    expect(r.order.status).toBe('open');
    expect(r.order.remainSize).toBe(50_000);
    expect(h.engine.bestBid(BTC)).toBe(599_900);
    expect(h.engine.l2Snapshot(BTC).bids).toEqual([[599_900, 50_000]]);
    expect(h.engine.l3Snapshot(BTC).bids.map((o) => o.orderId)).toEqual([r.order.orderId]);
    expect(h.l3().map((e) => e.type)).toEqual(['received', 'open']);
  });

  it('matches best price first, then time priority within a price', () => {
    const h = funded();
    const s1 = ok(limit(h, 'a', 'sell', '60001', '0.1')).order.orderId;
    const s2 = ok(limit(h, 'b', 'sell', '60000', '0.1')).order.orderId;
    const s3 = ok(limit(h, 'a', 'sell', '60000', '0.1')).order.orderId;
    const r = ok(limit(h, 'c', 'buy', '60001', '0.25'));
    expect(r.fills.map((f) => [f.counterOrderId, f.price, f.size])).toEqual([
      [s2, 600_000, 10_000],
      [s3, 600_000, 10_000],
      [s1, 600_010, 5_000],
    ]);
    expect(r.order.status).toBe('done');
    expect(r.order.doneReason).toBe('filled');
    // the partially filled maker keeps its place and its remaining size
    expect(h.engine.l3Snapshot(BTC).asks).toEqual([{ orderId: s1, price: 600_010, size: 5_000, ts: h.clock.now() }]);
  });

  it('a partially filled maker keeps queue priority', () => {
    const h = funded();
    const first = ok(limit(h, 'a', 'sell', '60000', '0.3')).order.orderId;
    const second = ok(limit(h, 'b', 'sell', '60000', '0.3')).order.orderId;
    ok(limit(h, 'c', 'buy', '60000', '0.1'));
    const r = ok(limit(h, 'c', 'buy', '60000', '0.25'));
    expect(r.fills.map((f) => [f.counterOrderId, f.size])).toEqual([
      [first, 20_000],
      [second, 5_000],
    ]);
  });

  it('a buy taker pays the maker price and gets the difference of its hold back', () => {
    const h = funded();
    ok(limit(h, 'b', 'sell', '60000', '1'));
    const r = ok(limit(h, 'a', 'buy', '61000', '1'));
    expect(r.order.filledFunds).toBe(u('60000'));
    const usdt = h.engine.balance('a', 'USDT');
    expect(usdt.hold).toBe(0);
    expect(usdt.available).toBe(u('1000000') - u('60000'));
  });
});

describe('sim engine: IOC, FOK, post-only', () => {
  it('IOC trades what it can and cancels the rest', () => {
    const h = funded();
    ok(limit(h, 'b', 'sell', '60000', '0.2'));
    h.clear();
    const r = ok(limit(h, 'a', 'buy', '60000', '0.5', { timeInForce: 'IOC' }));
    expect(r.order.filledSize).toBe(20_000);
    expect(r.order.doneReason).toBe('canceled');
    expect(h.engine.bestBid(BTC)).toBeUndefined();
    expect(h.l3().map((e) => e.type)).toEqual(['received', 'match', 'done', 'done']);
    expect(h.engine.balance('a', 'USDT').hold).toBe(0);
  });

  it('FOK that cannot fill completely is cancelled without any match', () => {
    const h = funded();
    ok(limit(h, 'b', 'sell', '60000', '0.2'));
    h.clear();
    const r = ok(limit(h, 'a', 'buy', '60000', '0.5', { timeInForce: 'FOK' }));
    expect(r.order.filledSize).toBe(0);
    expect(r.order.doneReason).toBe('canceled');
    expect(h.l3().map((e) => e.type)).toEqual(['received', 'done']);
    expect(h.engine.l2Snapshot(BTC).asks).toEqual([[600_000, 20_000]]);
    expect(h.engine.balance('a', 'USDT')).toMatchObject({ available: u('1000000'), hold: 0 });
  });

  it('FOK that can fill fills completely across levels', () => {
    const h = funded();
    ok(limit(h, 'b', 'sell', '60000', '0.2'));
    ok(limit(h, 'b', 'sell', '60000.5', '0.3'));
    const r = ok(limit(h, 'a', 'buy', '60001', '0.5', { timeInForce: 'FOK' }));
    expect(r.order.filledSize).toBe(50_000);
    expect(r.order.doneReason).toBe('filled');
  });

  it('post-only that would cross is rejected with no trace; otherwise it rests', () => {
    const h = funded();
    ok(limit(h, 'b', 'sell', '60000', '0.2'));
    h.clear();
    const before = h.engine.balances('a');
    const r = limit(h, 'a', 'buy', '60000', '0.1', { postOnly: true });
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.error.code).toBe('DG_E_SIM_POST_ONLY_CROSS');
    expect(h.msgs).toHaveLength(0);
    expect(h.engine.balances('a')).toEqual(before);
    const r2 = ok(limit(h, 'a', 'buy', '59999.9', '0.1', { postOnly: true }));
    expect(r2.order.status).toBe('open');
  });
});

describe('sim engine: market orders', () => {
  it('market buy by size walks the book and cancels the unfillable rest', () => {
    const h = funded();
    ok(limit(h, 'b', 'sell', '60000', '0.1'));
    ok(limit(h, 'b', 'sell', '60010', '0.1'));
    const r = ok(h.engine.placeOrderText({ account: 'a', symbol: BTC, side: 'buy', type: 'market', size: '0.3' }));
    expect(r.fills.map((f) => [f.price, f.size])).toEqual([
      [600_000, 10_000],
      [600_100, 10_000],
    ]);
    expect(r.order.doneReason).toBe('canceled');
    expect(h.engine.balance('a', 'USDT')).toMatchObject({ available: u('1000000') - u('6000') - u('6001'), hold: 0 });
  });

  it('market buy by funds spends at most the funds and releases the rest', () => {
    const h = funded();
    ok(limit(h, 'b', 'sell', '60000', '1'));
    const r = ok(h.engine.placeOrderText({ account: 'a', symbol: BTC, side: 'buy', type: 'market', funds: '1000.5' }));
    // 1000.5 / 60000 = 0.016675 BTC → 1667 lots of 0.00001 (cost 1000.2); 0.3 USDT is dust
    expect(r.order.filledSize).toBe(1_667);
    expect(r.order.filledFunds).toBe(u('1000.2'));
    expect(r.order.doneReason).toBe('filled');
    expect(h.engine.balance('a', 'USDT')).toMatchObject({ available: u('1000000') - u('1000.2'), hold: 0 });
  });

  it('market sell by funds sells just enough base', () => {
    const h = funded();
    ok(limit(h, 'b', 'buy', '50000', '1'));
    const r = ok(h.engine.placeOrderText({ account: 'a', symbol: BTC, side: 'sell', type: 'market', funds: '500' }));
    expect(r.order.filledSize).toBe(1_000); // 0.01 BTC
    expect(r.order.filledFunds).toBe(u('500'));
    expect(h.engine.balance('a', 'BTC')).toMatchObject({ available: u('99.99'), hold: 0 });
  });

  it('market order on an empty book is received and cancelled', () => {
    const h = funded();
    const r = ok(h.engine.placeOrderText({ account: 'a', symbol: BTC, side: 'sell', type: 'market', size: '1' }));
    expect(r.order.doneReason).toBe('canceled');
    expect(h.l3().map((e) => e.type)).toEqual(['received', 'done']);
    expect(h.engine.balance('a', 'BTC')).toMatchObject({ available: u('100'), hold: 0 });
  });
});

describe('sim engine: cancel and amend', () => {
  it('cancel releases the hold and emits done canceled; a second cancel is DG_E_SIM_ORDER_DONE', () => {
    const h = funded();
    const id = ok(limit(h, 'a', 'buy', '50000', '2')).order.orderId;
    expect(h.engine.balance('a', 'USDT').hold).toBe(u('100000'));
    h.clear();
    const c = h.engine.cancelOrder('a', id);
    expect(c.ok).toBe(true);
    expect(h.l3()).toMatchObject([{ type: 'done', orderId: id, reason: 'canceled' }]);
    expect(h.engine.balance('a', 'USDT')).toMatchObject({ available: u('1000000'), hold: 0 });
    const again = h.engine.cancelOrder('a', id);
    expect(again.ok ? '' : again.error.code).toBe('DG_E_SIM_ORDER_DONE');
    const other = h.engine.cancelOrder('a', 'ffffffffffffffffffffffff');
    expect(other.ok ? '' : other.error.code).toBe('DG_E_SIM_UNKNOWN_ORDER');
  });

  it("an account cannot cancel another account's order", () => {
    const h = funded();
    const id = ok(limit(h, 'a', 'buy', '50000', '1')).order.orderId;
    const c = h.engine.cancelOrder('b', id);
    expect(c.ok ? '' : c.error.code).toBe('DG_E_SIM_UNKNOWN_ORDER');
    expect(h.engine.order(id)?.status).toBe('open');
  });

  it('cancel by clientOid and lookups by clientOid', () => {
    const h = funded();
    ok(limit(h, 'a', 'sell', '70000', '1', { clientOid: 'my-1' }));
    expect(h.engine.orderByClientOid('a', 'my-1')?.price).toBe(700_000);
    expect(h.engine.cancelByClientOid('a', 'my-1').ok).toBe(true);
    expect(h.engine.orderByClientOid('a', 'my-1')?.status).toBe('done');
    expect(h.engine.doneOrders('a')[0].clientOid).toBe('my-1');
  });

  it('amend down keeps queue priority and releases the hold; amend up is rejected', () => {
    const h = funded();
    const first = ok(limit(h, 'a', 'sell', '60000', '1')).order.orderId;
    const second = ok(limit(h, 'b', 'sell', '60000', '1')).order.orderId;
    h.clear();
    const r = h.engine.amendOrder('a', first, 40_000);
    expect(r.ok).toBe(true);
    expect(h.l3()).toMatchObject([{ type: 'change', orderId: first, size: 40_000 }]);
    expect(h.engine.balance('a', 'BTC')).toMatchObject({ hold: u('0.4'), available: u('99.6') });
    expect(h.engine.l3Snapshot(BTC).asks.map((o) => [o.orderId, o.size])).toEqual([
      [first, 40_000],
      [second, 100_000],
    ]);
    expect(h.engine.l2Snapshot(BTC).asks).toEqual([[600_000, 140_000]]);
    const up = h.engine.amendOrder('a', first, 50_000);
    expect(up.ok ? '' : up.error.code).toBe('DG_E_SIM_AMEND_NOT_DOWN');
    const fill = ok(limit(h, 'c', 'buy', '60000', '0.5'));
    expect(fill.fills.map((f) => [f.counterOrderId, f.size])).toEqual([
      [first, 40_000],
      [second, 10_000],
    ]);
  });
});

describe('sim engine: rejects', () => {
  const cases: Array<[string, Record<string, unknown>, string]> = [
    ['unknown symbol', { symbol: 'DOGE-USDT' }, 'DG_E_SIM_UNKNOWN_SYMBOL'],
    ['unknown account', { account: 'nobody' }, 'DG_E_SIM_UNKNOWN_ACCOUNT'],
    ['off-tick price', { price: '60000.05' }, 'DG_E_SIM_OFF_TICK'],
    ['off-lot size', { size: '0.000001' }, 'DG_E_SIM_OFF_LOT'],
    ['not a number', { price: 'abc' }, 'DG_E_SIM_BAD_ORDER'],
    ['negative size', { size: '-1' }, 'DG_E_SIM_BAD_ORDER'],
    ['above max size', { size: '20000' }, 'DG_E_SIM_ABOVE_MAX_SIZE'],
    ['insufficient funds', { size: '100' }, 'DG_E_SIM_INSUFFICIENT_FUNDS'],
    ['bad side', { side: 'hold' }, 'DG_E_SIM_BAD_ORDER'],
    ['bad tif', { timeInForce: 'GTD' }, 'DG_E_SIM_BAD_ORDER'],
    ['bad stp', { stp: 'XX' }, 'DG_E_SIM_BAD_ORDER'],
    ['bad clientOid', { clientOid: 'has space' }, 'DG_E_SIM_BAD_ORDER'],
    ['funds on a limit', { funds: '100' }, 'DG_E_SIM_BAD_ORDER'],
    ['post-only IOC', { postOnly: true, timeInForce: 'IOC' }, 'DG_E_SIM_BAD_ORDER'],
  ];
  for (const [name, patch, code] of cases) {
    it(`${name} → ${code}, nothing changes`, () => {
      const h = funded();
      const before = JSON.stringify([h.engine.balances('a'), h.engine.l3Snapshot(BTC), h.engine.seq(BTC)]);
      const r = h.engine.placeOrderText({
        account: 'a',
        symbol: BTC,
        side: 'buy',
        type: 'limit',
        price: '60000',
        size: '1',
        ...patch,
      } as never);
      expect(r.ok).toBe(false);
      if (!r.ok) {
        expect(r.error.code).toBe(code);
        expect(r.error.message.length).toBeGreaterThan(5);
      }
      expect(h.msgs).toHaveLength(0);
      expect(JSON.stringify([h.engine.balances('a'), h.engine.l3Snapshot(BTC), h.engine.seq(BTC)])).toBe(before);
    });
  }

  it('below min size (a market whose minimum is above one lot)', () => {
    const h = funded({
      markets: [{ symbol: 'BTC-USDT', tickSize: '0.1', lotSize: '0.00001', minSize: '0.001', startPrice: '60000' }],
    });
    const r = limit(h, 'a', 'buy', '60000', '0.0005');
    expect(r.ok ? '' : r.error.code).toBe('DG_E_SIM_BELOW_MIN_SIZE');
  });

  it('integer API: fractional ticks/lots are off the grid, non-positive ones are bad orders', () => {
    const h = funded();
    const place = (price: number, size: number) =>
      h.engine.placeOrder({ account: 'a', symbol: BTC, side: 'buy', type: 'limit', price, size });
    const code = (r: ReturnType<typeof place>) => (r.ok ? 'ok' : r.error.code);
    expect(code(place(600_000.5, 10))).toBe('DG_E_SIM_OFF_TICK');
    expect(code(place(0, 10))).toBe('DG_E_SIM_BAD_ORDER');
    expect(code(place(600_000, 1.5))).toBe('DG_E_SIM_OFF_LOT');
    expect(code(place(600_000, -1))).toBe('DG_E_SIM_BAD_ORDER');
    expect(code(place(600_000, 10))).toBe('ok');
  });

  it('duplicate clientOid per account is rejected; another account may reuse it', () => {
    const h = funded();
    ok(limit(h, 'a', 'buy', '50000', '0.1', { clientOid: 'dup' }));
    const r = limit(h, 'a', 'buy', '50000', '0.1', { clientOid: 'dup' });
    expect(r.ok ? '' : r.error.code).toBe('DG_E_SIM_DUPLICATE_CLIENT_OID');
    ok(limit(h, 'b', 'buy', '50000', '0.1', { clientOid: 'dup' }));
  });

  it('market orders: both size and funds, price given, below min funds', () => {
    const h = funded();
    const both = h.engine.placeOrderText({
      account: 'a',
      symbol: BTC,
      side: 'buy',
      type: 'market',
      size: '1',
      funds: '10',
    });
    expect(both.ok ? '' : both.error.code).toBe('DG_E_SIM_BAD_ORDER');
    const priced = h.engine.placeOrderText({
      account: 'a',
      symbol: BTC,
      side: 'buy',
      type: 'market',
      size: '1',
      price: '1',
    });
    expect(priced.ok ? '' : priced.error.code).toBe('DG_E_SIM_BAD_ORDER');
    const tiny = h.engine.placeOrderText({ account: 'a', symbol: BTC, side: 'buy', type: 'market', funds: '0.01' });
    expect(tiny.ok ? '' : tiny.error.code).toBe('DG_E_SIM_BELOW_MIN_FUNDS');
    const poor = h.engine.placeOrderText({ account: 'a', symbol: BTC, side: 'buy', type: 'market', funds: '2000000' });
    expect(poor.ok ? '' : poor.error.code).toBe('DG_E_SIM_INSUFFICIENT_FUNDS');
  });

  it('a throwing listener cannot half-apply a command', () => {
    const h = funded();
    h.engine.on(() => {
      throw new Error('boom');
    });
    ok(limit(h, 'b', 'sell', '60000', '0.5'));
    const r = ok(limit(h, 'a', 'buy', '60000', '0.2'));
    expect(r.order.doneReason).toBe('filled');
    expect(h.engine.balance('a', 'BTC').available).toBe(u('100.2') - 20_000);
    expect(h.engine.listenerErrors).toBeGreaterThan(5);
    expect(h.msgs.some((m) => m.type === 'trade')).toBe(true);
  });

  it('a listener calling a command re-entrantly is refused', () => {
    const h = funded();
    let err = '';
    h.engine.on((m) => {
      if (m.type === 'l3' && m.event.type === 'received' && err === '') {
        try {
          h.engine.cancelAll('a');
        } catch (e) {
          err = (e as { code?: string }).code ?? 'x';
        }
      }
    });
    ok(limit(h, 'a', 'buy', '50000', '0.1'));
    expect(err).toBe('DG_E_INTERNAL');
  });
});

describe('sim engine: reads', () => {
  it('trades, candles (1m and 5m), ticker, fills, active/done orders', () => {
    const h = funded();
    for (let i = 0; i < 10; i++) {
      ok(limit(h, 'b', 'sell', String(60000 + i), '0.1'));
      ok(limit(h, 'a', 'buy', String(60000 + i), '0.1'));
      h.clock.advance(60_000);
    }
    expect(h.engine.trades(BTC, 3).map((t) => t.price)).toEqual([600_090, 600_080, 600_070]);
    const c1 = h.engine.candles(BTC, 1);
    expect(c1).toHaveLength(10);
    const c5 = h.engine.candles(BTC, 5);
    expect(c5.reduce((s, c) => s + c.volume, 0)).toBe(100_000);
    expect(c5.length).toBeGreaterThanOrEqual(2);
    expect(c5.length).toBeLessThanOrEqual(3);
    for (const c of c5) expect(c.start % 300_000).toBe(0);
    const t = h.engine.ticker(BTC);
    expect(t).toMatchObject({
      last: 600_090,
      high24h: 600_090,
      low24h: 600_000,
      volume24h: 100_000,
      trades24h: 10,
      open24h: 600_000,
    });
    expect(h.engine.fills('a', BTC, 2).map((f) => f.liquidity)).toEqual(['taker', 'taker']);
    expect(h.engine.fills('b', BTC, 1)[0].liquidity).toBe('maker');
    expect(h.engine.doneOrders('a')).toHaveLength(10);
    ok(limit(h, 'a', 'buy', '1000', '0.1'));
    expect(h.engine.activeOrders('a').map((o) => o.price)).toEqual([10_000]);
  });
});
