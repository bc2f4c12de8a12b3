import { describe, expect, it } from 'vitest';
import { CurrencyBook } from '../../src/ledger/currencies.js';
import { initReservationKey, SubAccounts } from '../../src/ledger/sub-accounts.js';
import { buyFill, dump, makeLedger, SCALES } from './helpers.js';

describe('SubAccounts', () => {
  it('slots: 0 total, 1 main, 2.. strategies; registry assigns and refuses clashes', () => {
    const sub = makeLedger();
    expect(sub.slotCount).toBe(10);
    expect(sub.slotNames().slice(0, 4)).toEqual(['total', 'main', 'a', 'b']);
    expect(sub.registerStrategy('c')).toEqual({ ok: true, value: 4 });
    expect(sub.registerStrategy('a')).toMatchObject({ ok: false, error: { code: 'DG_E_LEDGER_DUPLICATE_STRATEGY' } });
    expect(sub.registerStrategy('d', 3)).toMatchObject({
      ok: false,
      error: { code: 'DG_E_LEDGER_DUPLICATE_STRATEGY' },
    });
    expect(sub.registerStrategy('e', 10)).toMatchObject({ ok: false, error: { code: 'DG_E_LEDGER_BAD_SLOT' } });
    expect(sub.registerStrategy('main')).toMatchObject({ ok: false, error: { code: 'DG_E_BAD_INPUT' } });
    for (const n of ['s5', 's6', 's7', 's8', 's9']) expect(sub.registerStrategy(n).ok).toBe(true);
    expect(sub.registerStrategy('s10')).toMatchObject({ ok: false, error: { code: 'DG_E_LEDGER_BAD_SLOT' } });
  });

  it('venue frozen at start is held in main under the init reservation', () => {
    const sub = makeLedger();
    expect(sub.slot('USDT', 1)).toEqual({ total: 10_000_000000n, free: 9_500_000000n, frozen: 500_000000n });
    expect(sub.releaseReservation(initReservationKey('USDT'))).toEqual({ ok: true, value: 500_000000n });
    expect(sub.slot('USDT', 0)).toEqual({ total: 10_000_000000n, free: 10_000_000000n, frozen: 0n });
    expect(sub.checkInvariants().ok).toBe(true);
  });

  it("a strategy's order reserves from its slot, its fills settle into it, the rest is released", () => {
    const sub = makeLedger();
    expect(sub.allocate('a', 'USDT', 1_000_000000n, 2).ok).toBe(true);
    // limit buy 0.02 BTC @ 30 000 → reserve 600 USDT
    expect(sub.reserve('a', 'USDT', 600_000000n, 'o1').ok).toBe(true);
    expect(sub.slot('USDT', 2)).toEqual({ total: 1_000_000000n, free: 400_000000n, frozen: 600_000000n });
    expect(sub.reserve('a', 'USDT', 500_000000n, 'o2')).toMatchObject({
      ok: false,
      error: { code: 'DG_E_LEDGER_INSUFFICIENT' },
    });
    expect(sub.reserve('a', 'USDT', 1n, 'o1')).toMatchObject({
      ok: false,
      error: { code: 'DG_E_LEDGER_DUPLICATE_RESERVATION' },
    });
    // partial fill 0.01 BTC at 29 990 (price improvement), fee 0.00001 BTC
    const f = sub.settleFill(
      buyFill({ tradeId: 't1', orderKey: 'o1', baseAmount: 1000000n, quoteAmount: 299_900000n, fee: 1000n }),
    );
    expect(f).toEqual({ ok: true, value: { slot: 2, fromReserved: 299_900000n, reservationLeft: 300_100000n } });
    expect(sub.slot('BTC', 2)).toEqual({ total: 999000n, free: 999000n, frozen: 0n });
    expect(sub.slot('USDT', 2)).toEqual({ total: 700_100000n, free: 400_000000n, frozen: 300_100000n });
    // the order is cancelled: the rest goes back to the strategy's free balance
    expect(sub.releaseReservation('o1')).toEqual({ ok: true, value: 300_100000n });
    expect(sub.slot('USDT', 2)).toEqual({ total: 700_100000n, free: 700_100000n, frozen: 0n });
    expect(sub.releaseReservation('o1')).toMatchObject({
      ok: false,
      error: { code: 'DG_E_LEDGER_UNKNOWN_RESERVATION' },
    });
    // main untouched by the strategy's trading
    expect(sub.slot('USDT', 1)!.total).toBe(9_000_000000n);
    expect(sub.slot('BTC', 1)!.total).toBe(2_00000000n);
    expect(sub.checkInvariants().ok).toBe(true);
  });

  it('a fill beyond the reservation takes the rest from the slot, or is refused whole', () => {
    const sub = makeLedger();
    sub.allocate('b', 'USDT', 100_000000n, 3);
    sub.reserve('b', 'USDT', 50_000000n, 'm1');
    const before = dump(sub, ['m1']);
    const tooBig = sub.settleFill(
      buyFill({ tradeId: 't', orderKey: 'm1', baseAmount: 400000n, quoteAmount: 120_000000n }),
    );
    expect(!tooBig.ok && tooBig.error.code).toBe('DG_E_LEDGER_INSUFFICIENT');
    expect(dump(sub, ['m1'])).toBe(before);
    const fits = sub.settleFill(
      buyFill({ tradeId: 't', orderKey: 'm1', baseAmount: 300000n, quoteAmount: 90_000000n }),
    );
    expect(fits.ok && fits.value).toEqual({ slot: 3, fromReserved: 50_000000n, reservationLeft: 0n });
    expect(sub.slot('USDT', 3)).toEqual({ total: 10_000000n, free: 10_000000n, frozen: 0n });
    expect(sub.checkInvariants().ok).toBe(true);
  });

  it('fills of orders without a reservation settle into the named strategy or main', () => {
    const sub = makeLedger();
    const r = sub.settleFill({
      ...buyFill({ tradeId: 'x', baseAmount: 1000000n, quoteAmount: 300_000000n }),
      side: 'sell',
    });
    expect(r.ok && r.value.slot).toBe(1);
    expect(sub.slot('USDT', 1)!.free).toBe(9_800_000000n);
    expect(sub.settleFill(buyFill({ tradeId: 'y', baseAmount: 1n, quoteAmount: 1n }), 'nobody')).toMatchObject({
      ok: false,
      error: { code: 'DG_E_LEDGER_UNKNOWN_STRATEGY' },
    });
    expect(sub.checkInvariants().ok).toBe(true);
  });

  it('re-initialises after a restart with carried-over allocations', () => {
    const sub = new SubAccounts(new CurrencyBook(SCALES), { strategies: { a: 2 } });
    const snap = { ts: 1, balances: [{ currency: 'USDT', free: 1_000_000000n, frozen: 0n }] };
    expect(sub.initFromVenue(snap, [{ strategy: 'a', currency: 'USDT', amount: 250_000000n }]).ok).toBe(true);
    expect(sub.slot('USDT', 2)!.free).toBe(250_000000n);
    expect(sub.slot('USDT', 1)!.free).toBe(750_000000n);
    const before = dump(sub);
    expect(sub.initFromVenue(snap, [{ strategy: 'a', currency: 'USDT', amount: 1_000_000001n }])).toMatchObject({
      ok: false,
      error: { code: 'DG_E_LEDGER_INSUFFICIENT' },
    });
    expect(dump(sub)).toBe(before);
  });
});
