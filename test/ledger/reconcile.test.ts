import { describe, expect, it } from 'vitest';
import type { VenueSnapshot } from '../../src/ledger/balances.js';
import { assess, DEFAULT_RECONCILE_INTERVAL_MS, Reconciler } from '../../src/ledger/reconcile.js';
import { buyFill, dump, makeLedger } from './helpers.js';

const venue = (btc: bigint, usdt: bigint, ts = 10_000): VenueSnapshot => ({
  ts,
  balances: [
    { currency: 'BTC', free: btc, frozen: 0n },
    { currency: 'USDT', free: usdt - 500_000000n, frozen: 500_000000n },
  ],
});

describe('reconciliation', () => {
  it('consistent: nothing to do', () => {
    const sub = makeLedger();
    const rec = new Reconciler();
    expect(rec.config.intervalMs).toBe(DEFAULT_RECONCILE_INTERVAL_MS);
    const before = dump(sub);
    const rep = rec.run(sub, venue(2_00000000n, 10_000_000000n), []);
    expect(rep.records.map((r) => r.verdict)).toEqual(['BTC', 'USDT'].map(() => 'consistent'));
    expect(rep.corrections).toEqual([]);
    expect(dump(sub)).toBe(before);
    expect(rec.counters()).toMatchObject({ runs: 1, drifts: 0 });
  });

  it('in flight: fills newer than the venue snapshot explain the difference; nothing corrected', () => {
    const sub = makeLedger();
    const f1 = buyFill({ tradeId: 't1', baseAmount: 1000000n, quoteAmount: 300_000000n, fee: 1000n, ts: 10_500 });
    const f2 = buyFill({ tradeId: 't2', baseAmount: 2000000n, quoteAmount: 600_000000n, fee: 2000n, ts: 10_600 });
    expect(sub.settleFill(f1).ok && sub.settleFill(f2).ok).toBe(true);
    const before = dump(sub);
    const rec = new Reconciler({ intervalMs: 5_000 });
    // venue snapshot taken before both fills
    const rep = rec.run(sub, venue(2_00000000n, 10_000_000000n), [f2, f1]);
    const btc = rep.records.find((r) => r.currency === 'BTC')!;
    expect(btc).toEqual({
      currency: 'BTC',
      verdict: 'in_flight',
      local: 2_02997000n,
      venue: 2_00000000n,
      inFlight: 2997000n,
      inFlightFills: 2,
      drift: 0n,
    });
    expect(rep.records.find((r) => r.currency === 'USDT')!.verdict).toBe('in_flight');
    // boundary: the venue already counted f1 (the oldest) but not f2
    const rep2 = rec.run(sub, venue(2_00000000n + 999000n, 10_000_000000n - 300_000000n), [f1, f2]);
    expect(rep2.records.find((r) => r.currency === 'BTC')).toMatchObject({ verdict: 'in_flight', inFlightFills: 1 });
    expect(rep2.corrections).toEqual([]);
    expect(dump(sub)).toBe(before);
    expect(rec.counters()).toMatchObject({ runs: 2, drifts: 0, inFlightExplained: 4 });
  });

  it('real drift is corrected in main (never a strategy slot), recorded and counted', () => {
    const sub = makeLedger();
    sub.allocate('a', 'USDT', 1_000_000000n, 2);
    const f1 = buyFill({ tradeId: 't1', baseAmount: 1000000n, quoteAmount: 300_000000n, ts: 10_500 });
    sub.settleFill(f1);
    const rec = new Reconciler();
    // venue: BTC as expected with f1 in flight, USDT 12.5 lower than it should be, ETH appeared
    const snap: VenueSnapshot = {
      ts: 10_000,
      balances: [
        ...venue(2_00000000n, 10_000_000000n - 12_500000n).balances,
        { currency: 'ETH', free: 10n ** 18n, frozen: 0n },
      ],
    };
    const rep = rec.run(sub, snap, [f1]);
    const usdt = rep.records.find((r) => r.currency === 'USDT')!;
    expect(usdt).toEqual({
      currency: 'USDT',
      verdict: 'drift',
      local: 9_700_000000n,
      venue: 9_987_500000n,
      inFlight: -300_000000n,
      inFlightFills: 1,
      drift: -12_500000n,
    });
    expect(rep.records.find((r) => r.currency === 'BTC')!.verdict).toBe('in_flight');
    expect(rep.corrections.map((c) => [c.record.currency, c.applied])).toEqual([
      ['USDT', true],
      ['ETH', true],
    ]);
    expect(sub.slot('USDT', 0)!.total).toBe(9_687_500000n);
    expect(sub.slot('USDT', 1)!.free).toBe(8_187_500000n); // 9 500 − 1 000 allocated − 300 spent − 12.5
    expect(sub.slot('USDT', 2)!.total).toBe(1_000_000000n); // the strategy keeps its allocation
    expect(sub.slot('ETH', 1)!.total).toBe(10n ** 18n);
    expect(sub.checkInvariants().ok).toBe(true);
    expect(rec.counters()).toMatchObject({ drifts: 2, corrected: 2, uncorrectable: 0 });
    // a second run against the same snapshot and fills is now consistent / in flight
    const again = rec.run(sub, snap, [f1]);
    expect(again.records.every((r) => r.verdict !== 'drift')).toBe(true);
  });

  it('a negative drift main cannot absorb is reported, not applied', () => {
    const sub = makeLedger();
    sub.allocate('a', 'BTC', 1_90000000n, 2);
    const before = dump(sub);
    const rec = new Reconciler();
    const rep = rec.run(sub, venue(1_00000000n, 10_000_000000n), []);
    const c = rep.corrections.find((x) => x.record.currency === 'BTC')!;
    expect(c.applied).toBe(false);
    expect(c.error?.code).toBe('DG_E_LEDGER_INSUFFICIENT');
    expect(c.record.drift).toBe(-1_00000000n);
    expect(dump(sub)).toBe(before);
    expect(rec.counters()).toMatchObject({ drifts: 1, corrected: 0, uncorrectable: 1 });
  });

  it('assess is pure and reports currencies missing on either side', () => {
    const sub = makeLedger();
    const before = dump(sub);
    const recs = assess(sub, { ts: 1, balances: [{ currency: 'USDT', free: 9_500_000000n, frozen: 500_000000n }] }, []);
    expect(recs.find((r) => r.currency === 'BTC')).toMatchObject({ verdict: 'drift', venue: 0n, drift: -2_00000000n });
    expect(dump(sub)).toBe(before);
    expect(() => new Reconciler({ intervalMs: 10 })).toThrow(RangeError);
  });
});
