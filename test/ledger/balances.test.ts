import { describe, expect, it } from 'vitest';
import { Balances, fillTotalDeltas, type LedgerFill } from '../../src/ledger/balances.js';
import { CurrencyBook, scalesFromInstruments } from '../../src/ledger/currencies.js';
import { fillFromDecimals, orderHold, venueSnapshotFromDecimals } from '../../src/ledger/decimal-input.js';
import { makeInstrument } from '../../src/core/instrument.js';
import { SCALES } from './helpers.js';

function setup(): Balances {
  const cur = new CurrencyBook(SCALES);
  const b = new Balances(cur);
  const snap = venueSnapshotFromDecimals(cur, 1, {
    BTC: { free: '1', used: '0.5' },
    usdt: { free: '20000', used: '0' },
    BNB: { free: '0.1', used: '0' },
  });
  if (!snap.ok) throw snap.error;
  expect(b.initFromVenue(snap.value).ok).toBe(true);
  return b;
}

const sell: LedgerFill = {
  tradeId: 't1',
  side: 'sell',
  base: 'BTC',
  quote: 'USDT',
  baseAmount: 50000000n, // 0.5 BTC
  quoteAmount: 15_000_000000n, // 15 000 USDT
  fee: 15_000000n, // 15 USDT
  feeCurrency: 'USDT',
  ts: 5,
};

describe('Balances', () => {
  it('initialises from decimal venue balances exactly', () => {
    const b = setup();
    expect(b.get('btc')).toEqual({ total: 1_50000000n, free: 1_00000000n, frozen: 50000000n });
    expect(b.get('USDT')!.total).toBe(20_000_000000n);
    expect(b.get('ETH')).toEqual({ total: 0n, free: 0n, frozen: 0n });
    expect(b.get('DOGE')).toBeUndefined();
  });

  it('a sell spends frozen base and credits quote minus the fee', () => {
    const b = setup();
    const r = b.applyFill(sell, 50000000n);
    expect(r.ok).toBe(true);
    expect(b.get('BTC')).toEqual({ total: 1_00000000n, free: 1_00000000n, frozen: 0n });
    expect(b.get('USDT')!.free).toBe(34_985_000000n);
  });

  it('a buy with the fee in base and a fee in a third coin', () => {
    const b = setup();
    const buy: LedgerFill = {
      ...sell,
      tradeId: 't2',
      side: 'buy',
      quoteAmount: 3_000_000000n,
      baseAmount: 10000000n,
      fee: 10000n,
      feeCurrency: 'BTC',
    };
    expect(b.applyFill(buy, 0n).ok).toBe(true);
    expect(b.get('BTC')!.free).toBe(1_09990000n);
    expect(b.get('USDT')!.free).toBe(17_000_000000n);
    const bnb: LedgerFill = { ...buy, tradeId: 't3', fee: 1000000n, feeCurrency: 'BNB' };
    expect(b.applyFill(bnb, 0n).ok).toBe(true);
    expect(b.get('BNB')!.free).toBe(9000000n);
    expect(fillTotalDeltas(bnb)).toEqual(
      new Map([
        ['USDT', -3_000_000000n],
        ['BTC', 10000000n],
        ['BNB', -1000000n],
      ]),
    );
  });

  it('violations are errors and leave every balance unchanged', () => {
    const b = setup();
    const snapshot = JSON.stringify(
      ['BTC', 'USDT', 'BNB'].map((c) => b.get(c)),
      (_k, v: unknown) => (typeof v === 'bigint' ? String(v) : v),
    );
    const same = (): string =>
      JSON.stringify(
        ['BTC', 'USDT', 'BNB'].map((c) => b.get(c)),
        (_k, v: unknown) => (typeof v === 'bigint' ? String(v) : v),
      );
    expect(b.freeze('BTC', 1_00000001n)).toMatchObject({ ok: false, error: { code: 'DG_E_LEDGER_INSUFFICIENT' } });
    expect(b.unfreeze('BTC', 50000001n)).toMatchObject({ ok: false, error: { code: 'DG_E_LEDGER_INVARIANT' } });
    expect(b.freeze('BTC', -1n)).toMatchObject({ ok: false, error: { code: 'DG_E_LEDGER_BAD_AMOUNT' } });
    expect(b.adjust('DOGE', 1n)).toMatchObject({ ok: false, error: { code: 'DG_E_LEDGER_UNKNOWN_CURRENCY' } });
    // fee in BNB larger than the BNB balance: the BTC and USDT legs must not be applied either
    expect(b.applyFill({ ...sell, fee: 20000000n, feeCurrency: 'BNB' }, 0n)).toMatchObject({
      ok: false,
      error: { code: 'DG_E_LEDGER_INSUFFICIENT' },
    });
    expect(b.applyFill(sell, 50000001n)).toMatchObject({ ok: false, error: { code: 'DG_E_LEDGER_INVARIANT' } });
    expect(b.applyFill({ ...sell, baseAmount: 0n }, 0n)).toMatchObject({
      ok: false,
      error: { code: 'DG_E_LEDGER_BAD_AMOUNT' },
    });
    expect(b.initFromVenue({ ts: 1, balances: [{ currency: 'BTC', free: -1n, frozen: 0n }] }).ok).toBe(false);
    expect(same()).toBe(snapshot);
  });

  it('converts decimal fills exactly and rejects finer-than-scale amounts', () => {
    const cur = new CurrencyBook(SCALES);
    const f = fillFromDecimals(cur, {
      tradeId: 'x',
      side: 'buy',
      base: 'eth',
      quote: 'usdt',
      amount: '0.000000000000000001',
      cost: '0.000001',
      fee: '0',
      feeCurrency: 'ETH',
      ts: 1,
    });
    expect(f.ok && f.value.baseAmount).toBe(1n);
    const g = fillFromDecimals(cur, {
      tradeId: 'x',
      side: 'buy',
      base: 'BTC',
      quote: 'USDT',
      amount: '0.1',
      cost: '3000.0000001',
      fee: '0',
      feeCurrency: 'BTC',
      ts: 1,
    });
    expect(!g.ok && g.error.code).toBe('DG_E_LEDGER_BAD_AMOUNT');
  });

  it('order holds: a buy reserves price × size of quote rounded up, a sell the exact base size', () => {
    const cur = new CurrencyBook(SCALES);
    expect(orderHold(cur, 'buy', 'BTC', 'USDT', '30000.1', '0.00000003')).toEqual({
      ok: true,
      value: { currency: 'USDT', amount: 901n },
    });
    expect(orderHold(cur, 'buy', 'BTC', 'USDT', '30000', '0.5')).toEqual({
      ok: true,
      value: { currency: 'USDT', amount: 15_000_000000n },
    });
    expect(orderHold(cur, 'sell', 'BTC', 'USDT', '30000', '0.5')).toEqual({
      ok: true,
      value: { currency: 'BTC', amount: 50000000n },
    });
    expect(orderHold(cur, 'sell', 'BTC', 'USDT', '30000', '0.000000001')).toMatchObject({
      ok: false,
      error: { code: 'DG_E_LEDGER_BAD_AMOUNT' },
    });
    expect(orderHold(cur, 'buy', 'BTC', 'USDT', '-1', '1')).toMatchObject({
      ok: false,
      error: { code: 'DG_E_LEDGER_BAD_AMOUNT' },
    });
    expect(orderHold(cur, 'buy', 'BTC', 'DOGE', '1', '1')).toMatchObject({
      ok: false,
      error: { code: 'DG_E_LEDGER_UNKNOWN_CURRENCY' },
    });
  });

  it('derives scales from instrument grids', () => {
    const inst = makeInstrument(0, { venue: 'x', native: 'BTC-USDT', tickSize: '0.01', lotSize: '0.00000001' });
    const eth = makeInstrument(1, { venue: 'x', native: 'ETH-BTC', tickSize: '0.000001', lotSize: '0.0001' });
    expect(scalesFromInstruments([inst, eth])).toEqual({ BTC: 10, USDT: 10, ETH: 8 });
  });
});
