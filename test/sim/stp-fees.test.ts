import { describe, expect, it } from 'vitest';
import { feeOf, bpsToPpm } from '../../src/venue/sim/accounts.js';
import { BTC, funded, harness, limit, ok, u } from './helpers.js';

describe('self-trade prevention', () => {
  function setup() {
    const h = funded();
    const own = ok(limit(h, 'a', 'sell', '60000', '0.3')).order.orderId;
    const other = ok(limit(h, 'b', 'sell', '60000', '0.3')).order.orderId;
    h.clear();
    return { h, own, other };
  }

  it('without stp an account trades with itself', () => {
    const { h, own } = setup();
    const r = ok(limit(h, 'a', 'buy', '60000', '0.1'));
    expect(r.fills.map((f) => f.counterOrderId)).toEqual([own]);
  });

  it('CN cancels the taker and leaves the resting order', () => {
    const { h, own } = setup();
    const r = ok(limit(h, 'a', 'buy', '60000', '0.5', { stp: 'CN' }));
    expect(r.fills).toHaveLength(0);
    expect(r.order.doneReason).toBe('canceled');
    expect(h.engine.order(own)?.status).toBe('open');
    expect(h.engine.balance('a', 'USDT')).toMatchObject({ hold: 0, available: u('1000000') });
  });

  it('CO cancels the resting own order and keeps matching', () => {
    const { h, own, other } = setup();
    const r = ok(limit(h, 'a', 'buy', '60000', '0.5', { stp: 'CO' }));
    expect(r.fills.map((f) => [f.counterOrderId, f.size])).toEqual([[other, 30_000]]);
    expect(h.engine.order(own)?.doneReason).toBe('canceled');
    expect(r.order.status).toBe('open');
    expect(r.order.remainSize).toBe(20_000);
    expect(h.engine.balance('a', 'BTC').hold).toBe(0);
  });

  it('CB cancels both', () => {
    const { h, own } = setup();
    const r = ok(limit(h, 'a', 'buy', '60000', '0.5', { stp: 'CB' }));
    expect(r.fills).toHaveLength(0);
    expect(r.order.doneReason).toBe('canceled');
    expect(h.engine.order(own)?.doneReason).toBe('canceled');
    expect(h.l3().filter((e) => e.type === 'done')).toHaveLength(2);
  });

  it('DC with a smaller taker decreases the resting order and cancels the taker', () => {
    const { h, own } = setup();
    const r = ok(limit(h, 'a', 'buy', '60000', '0.1', { stp: 'DC' }));
    expect(r.fills).toHaveLength(0);
    expect(r.order.doneReason).toBe('canceled');
    expect(h.engine.order(own)?.remainSize).toBe(20_000);
    expect(h.l3().map((e) => e.type)).toEqual(['received', 'change', 'done']);
    expect(h.engine.balance('a', 'BTC')).toMatchObject({ hold: u('0.2'), available: u('99.8') });
  });

  it('DC with a larger taker cancels the resting order, decreases the taker and goes on', () => {
    const { h, own, other } = setup();
    const r = ok(limit(h, 'a', 'buy', '60000', '0.5', { stp: 'DC' }));
    expect(h.engine.order(own)?.doneReason).toBe('canceled');
    expect(r.fills.map((f) => [f.counterOrderId, f.size])).toEqual([[other, 20_000]]);
    expect(r.order.doneReason).toBe('filled');
    expect(r.order.size).toBe(20_000);
    expect(h.engine.balance('a', 'USDT').hold).toBe(0);
  });

  it('FOK with CN counts own orders as unavailable', () => {
    const { h } = setup();
    const r = ok(limit(h, 'a', 'buy', '60000', '0.2', { stp: 'CN', timeInForce: 'FOK' }));
    expect(r.fills).toHaveLength(0);
    expect(h.l3().map((e) => e.type)).toEqual(['received', 'done']);
  });
});

describe('fees', () => {
  it('feeOf rounds up exactly and bps convert exactly', () => {
    expect(feeOf(1_000_000, 1000)).toBe(1000);
    expect(feeOf(1, 1)).toBe(1);
    expect(feeOf(999_999, 1)).toBe(1);
    expect(feeOf(1_000_001, 1)).toBe(2);
    expect(feeOf(Number.MAX_SAFE_INTEGER, 1_000_000)).toBe(Number.MAX_SAFE_INTEGER);
    expect(feeOf(Number.MAX_SAFE_INTEGER, 1000)).toBe(9_007_199_254_741);
    expect(bpsToPpm(10)).toBe(1000);
    expect(bpsToPpm(0.25)).toBe(25);
    expect(() => bpsToPpm(0.001)).toThrow();
    expect(() => bpsToPpm(-1)).toThrow();
  });

  it('maker and taker rates per account, charged in the received coin', () => {
    const h = harness({ defaultFees: { makerBps: 2, takerBps: 7.5 } });
    h.engine.createAccount('mm', { makerBps: 0, takerBps: 5 });
    h.engine.createAccount('t');
    h.engine.depositText('mm', 'BTC', '3');
    h.engine.depositText('t', 'USDT', '500000');
    // mm sells 1.23457 BTC at 61234.5 (maker 0 bps); t buys (taker 7.5 bps, paid in BTC)
    ok(
      h.engine.placeOrderText({
        account: 'mm',
        symbol: BTC,
        side: 'sell',
        type: 'limit',
        price: '61234.5',
        size: '1.23457',
      }),
    );
    const r = ok(
      h.engine.placeOrderText({
        account: 't',
        symbol: BTC,
        side: 'buy',
        type: 'limit',
        price: '61234.5',
        size: '1.23457',
      }),
    );
    // notional = 61234.5 × 1.23457 = 75598.276665 USDT exactly
    expect(r.order.filledFunds).toBe(7_559_827_666_500);
    // taker fee = ceil(1.23457 BTC × 0.00075) = 0.0009259275 → 0.00092593 BTC
    expect(r.fills[0].fee).toBe(92_593);
    expect(r.fills[0].feeCurrency).toBe('BTC');
    expect(h.engine.balance('t', 'BTC').available).toBe(123_457_000 - 92_593);
    expect(h.engine.balance('t', 'USDT').available).toBe(50_000_000_000_000 - 7_559_827_666_500);
    expect(h.engine.balance('mm', 'USDT').available).toBe(7_559_827_666_500);
    expect(h.engine.ledgerTotals().find((x) => x.currency === 'BTC')?.fees).toBe(92_593);
    // now mm takes (5 bps, paid in USDT on a sell)
    ok(
      h.engine.placeOrderText({
        account: 't',
        symbol: BTC,
        side: 'buy',
        type: 'limit',
        price: '60000',
        size: '0.33333',
      }),
    );
    const r2 = ok(
      h.engine.placeOrderText({ account: 'mm', symbol: BTC, side: 'sell', type: 'market', size: '0.33333' }),
    );
    // 60000 × 0.33333 = 19999.8 USDT; fee ceil(19999.8 × 0.0005) = 9.9999 USDT
    expect(r2.fills[0].fee).toBe(999_990_000);
    expect(r2.order.fee).toBe(999_990_000);
    expect(h.engine.fills('t', BTC, 1)[0]).toMatchObject({ liquidity: 'maker', fee: feeOf(33_333_000, 200) });
  });
});
