/**
 * The TCA of a parent that ended done 'below-minimum': the remainder no child could be placed for
 * is reported apart (lots, text, its mark at the end mid) and left out of the opportunity cost and
 * the shortfall. And the one average-price format of the algos (tca-decimal.ts averagePriceText).
 */
import { describe, expect, it } from 'vitest';
import { increment } from '../../../src/core/decimal.js';
import { computeTca, type TcaInput } from '../../../src/algo/tca.js';
import { averagePriceText } from '../../../src/algo/tca-decimal.js';
import type { ChildView } from '../../../src/algo/types.js';

/** Tick 0.1, lot 0.001; size 10 lots, 8 filled (4 @ 999, 4 @ 1002); arrival 1000, end mid 1004 (ticks). */
function input(side: 'buy' | 'sell', unfillable?: number): TcaInput {
  const kid = (clientId: string, price: number): ChildView => ({
    clientId,
    tag: 'slice',
    side,
    type: 'limit',
    price,
    size: 4,
    filled: 4,
    filledNotional: 4 * price,
    placedAt: 100,
    round: 1,
    open: false,
    cancelling: false,
  });
  return {
    side,
    size: 10,
    startAt: 0,
    endAt: 1000,
    arrivalMid: 1000,
    endMid: 1004,
    mids: [{ ts: 0, mid: 1000 }],
    trades: [],
    children: [kid('a', 999), kid('b', 1002)],
    fills: [
      { clientId: 'a', price: 999, size: 4, fee: '0', liquidity: 'maker', ts: 200 },
      { clientId: 'b', price: 1002, size: 4, fee: '0', liquidity: 'taker', ts: 600 },
    ],
    tickSize: '0.1',
    lotSize: '0.001',
    scheduleSamples: 10,
    ...(unfillable !== undefined ? { unfillable } : {}),
  };
}

function tca(i: TcaInput) {
  const r = computeTca(i);
  if (!r.ok) throw new Error(r.error.message);
  return r.value;
}

describe('TCA: remainder below the minimum order', () => {
  for (const [side, s] of [
    ['buy', 1],
    ['sell', -1],
  ] as const) {
    it(`${side}: without it the 2 unfilled lots are an opportunity cost; with it they are reported apart`, () => {
      const plain = tca(input(side));
      // s·(1004 − 1000)·2 / (1000·10)·1e4 = 8 bps
      expect(plain.opportunityCostBps).toBeCloseTo(8 * s, 10);
      expect(plain).toMatchObject({ unfillable: 0, unfillableCostBps: 0 });
      expect(plain.text.unfillable).toBe('0');

      const t = tca(input(side, 2));
      expect(t.opportunityCostBps).toBeCloseTo(0, 10);
      expect(t.unfillable).toBe(2);
      expect(t.unfillableCostBps).toBeCloseTo(8 * s, 10);
      expect(t.text.unfillable).toBe('0.002');
      expect(t.text.remaining).toBe('0.002');
      expect(t.shortfallBps).toBeCloseTo(t.executionCostBps + t.feesBps, 10);
      expect(t.shortfallBps).toBeCloseTo(plain.shortfallBps - 8 * s, 10);
      // Nothing else moves: the fill ratio still says 8 of 10.
      expect(t.fillRatio).toBe(plain.fillRatio);
      expect(t.executionCostBps).toBe(plain.executionCostBps);
    });
  }

  it('refuses an unfillable count that is negative, fractional or larger than the unfilled lots', () => {
    for (const u of [-1, 0.5, 3]) {
      const r = computeTca(input('buy', u));
      expect(r.ok, String(u)).toBe(false);
      if (!r.ok) expect(r.error.code).toBe('DG_E_BAD_INPUT');
    }
  });
});

describe('averagePriceText: the one average-price format', () => {
  const tick = increment('0.1');
  it('is exact on the grid and drops trailing zeros', () => {
    expect(averagePriceText(1000 * 3 + 1001, 4, tick)).toBe('100.025');
    expect(averagePriceText(2000 * 7, 7, tick)).toBe('200');
    expect(averagePriceText(0, 0, tick)).toBeNull();
  });
  it('rounds half away from zero at 4 places finer than the tick (not truncated)', () => {
    // 2999 / 3 ticks = 999.666… → 99.9666… → 99.96667
    expect(averagePriceText(999 + 1000 + 1000, 3, tick)).toBe('99.96667');
    // 1000.00005 ticks exactly: the half rounds up → 100.00001 (truncation would give 100)
    expect(averagePriceText(1000 * 20_000 + 1, 20_000, tick)).toBe('100.00001');
    // and just below the half rounds down
    expect(averagePriceText(1000 * 20_001 + 1, 20_001, tick)).toBe('100');
  });
  it('keeps exact digits where floats would not (bigint notional)', () => {
    const big = 6_000_001n * 1_000_000_007n + 1n; // ticks·lots beyond 2^53
    expect(averagePriceText(big, 1_000_000_007, tick)).toBe('600000.1');
  });
  it('the TCA and its child rows print averages the same way', () => {
    const t = tca(input('buy'));
    expect(t.text.avgPrice).toBe(averagePriceText(999 * 4 + 1002 * 4, 8, tick));
    expect(t.text.avgPrice).toBe('100.05');
    expect(t.children.map((c) => c.text.avgFillPrice)).toEqual(['99.9', '100.2']);
  });
});
