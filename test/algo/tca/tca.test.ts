import { describe, expect, it } from 'vitest';
import { computeTca, scheduleError, timeWeightedMid, type TcaInput } from '../../../src/algo/tca.js';
import type { ChildFill, ChildView } from '../../../src/algo/types.js';

function child(p: Partial<ChildView> & Pick<ChildView, 'clientId' | 'size'>): ChildView {
  return {
    tag: 'trade',
    side: 'buy',
    type: 'limit',
    price: undefined,
    filled: 0,
    filledNotional: 0,
    placedAt: 0,
    round: 1,
    open: false,
    cancelling: false,
    ...p,
  };
}

function fill(
  clientId: string,
  price: number,
  size: number,
  ts: number,
  liquidity: ChildFill['liquidity'],
  fee = '0',
): ChildFill {
  return { clientId, price, size, ts, liquidity, fee };
}

/**
 * Tick 0.1, lot 0.001, size 10 lots over [0, 1000] ms, arrival mid 1000 ticks (100.0).
 * c1 (maker) 4 lots @ 999 at 200 ms, fee 0.0001; c2 (market, taker) 4 lots @ 1002 at 600 ms, fee 0.0002;
 * c3 unfilled. End mid 1004. Market trades: the two own fills + 12 @ 1001 at 300 ms (+ one outside).
 */
function base(side: 'buy' | 'sell'): TcaInput {
  return {
    side,
    size: 10,
    startAt: 0,
    endAt: 1000,
    arrivalMid: 1000,
    endMid: 1004,
    mids: [
      { ts: 0, mid: 1000 },
      { ts: 500, mid: 1002 },
      { ts: 800, mid: 1004 },
    ],
    trades: [
      { ts: 200, price: 999, size: 4 },
      { ts: 300, price: 1001, size: 12 },
      { ts: 600, price: 1002, size: 4 },
      { ts: 1500, price: 2000, size: 100 },
    ],
    children: [
      child({
        clientId: 'c1',
        side,
        tag: 'orderbook',
        price: 999,
        size: 4,
        filled: 4,
        filledNotional: 3996,
        placedAt: 100,
      }),
      child({
        clientId: 'c2',
        side,
        tag: 'trade',
        type: 'market',
        size: 6,
        filled: 4,
        filledNotional: 4008,
        placedAt: 600,
      }),
      child({ clientId: 'c3', side, tag: 'probe', price: 1001, size: 2, placedAt: 700, open: true, cancelling: true }),
    ],
    fills: [fill('c1', 999, 4, 200, 'maker', '0.0001'), fill('c2', 1002, 4, 600, 'taker', '0.0002')],
    tickSize: '0.1',
    lotSize: '0.001',
    scheduleSamples: 10,
  };
}

function ok(input: TcaInput) {
  const r = computeTca(input);
  if (!r.ok) throw new Error(r.error.message);
  return r.value;
}

describe('computeTca', () => {
  it('buy: hand-computed figures', () => {
    const t = ok(base('buy'));
    expect(t.filled).toBe(8);
    expect(t.fillRatio).toBe(0.8);
    expect(t.avgPrice).toBe(1000.5);
    expect(t.text.avgPrice).toBe('100.05');
    expect(t.slippageBps).toBeCloseTo(5, 10); // (1000.5 − 1000)/1000
    expect(t.executionCostBps).toBeCloseTo(4, 10); // (8004 − 8000)/(1000·10)
    expect(t.opportunityCostBps).toBeCloseTo(8, 10); // (1004 − 1000)·2/(1000·10)
    // arrival notional = 100.0 × 0.010 = 1 quote; fees 0.0003 → 3 bps
    expect(t.fees).toBeCloseTo(0.0003, 12);
    expect(t.text.fees).toBe('0.0003');
    expect(t.feesBps).toBeCloseTo(3, 8);
    expect(t.shortfallBps).toBeCloseTo(15, 8);
    // TWAP = (1000·500 + 1002·300 + 1004·200)/1000 = 1001.4
    expect(t.twapMid).toBeCloseTo(1001.4, 10);
    expect(t.text.twapMid).toBe('100.14');
    expect(t.vsTwapBps).toBeCloseTo(((1000.5 - 1001.4) / 1001.4) * 1e4, 8);
    // VWAP over [0, 1000]: (3996 + 12012 + 4008)/20 = 1000.8
    expect(t.marketVolume).toBe(20);
    expect(t.vwap).toBeCloseTo(1000.8, 10);
    expect(t.text.vwap).toBe('100.08');
    expect(t.vsVwapBps).toBeCloseTo(((1000.5 - 1000.8) / 1000.8) * 1e4, 8);
    expect(t.participation).toBe(0.4);
    expect(t.makerShare).toBe(0.5);
    expect(t.makerLots).toBe(4);
    expect(t.takerLots).toBe(4);
    // grid 100..1000: cum 0,4,4,4,4,8,8,8,8,8 vs 1..10 → devs −.1,.2,.1,0,−.1,.2,.1,0,−.1,−.2
    expect(t.scheduleMaxDev).toBeCloseTo(0.2, 12);
    expect(t.scheduleRms).toBeCloseTo(Math.sqrt(0.017), 12);
    expect(t.text).toMatchObject({
      size: '0.01',
      filled: '0.008',
      remaining: '0.002',
      arrivalMid: '100',
      endMid: '100.4',
    });
  });

  it('sell: the same prices give the opposite signs (fees stay a cost)', () => {
    const t = ok(base('sell'));
    expect(t.slippageBps).toBeCloseTo(-5, 10);
    expect(t.executionCostBps).toBeCloseTo(-4, 10);
    expect(t.opportunityCostBps).toBeCloseTo(-8, 10);
    expect(t.feesBps).toBeCloseTo(3, 8);
    expect(t.shortfallBps).toBeCloseTo(-9, 8);
    expect(t.vsTwapBps).toBeCloseTo(((1001.4 - 1000.5) / 1001.4) * 1e4, 8);
  });

  it('per-child table: states, liquidity, decimal strings', () => {
    const input = base('buy');
    const t = ok({
      ...input,
      children: [
        ...input.children,
        child({
          clientId: 'c4',
          tag: 'fallback',
          price: 1003,
          size: 3,
          filled: 3,
          filledNotional: 3008,
          placedAt: 900,
        }),
      ],
      fills: [...input.fills, fill('c4', 1002, 1, 900, 'maker'), fill('c4', 1003, 2, 950, 'taker')],
    });
    const rows = Object.fromEntries(t.children.map((r) => [r.clientId, r]));
    expect(rows.c1).toMatchObject({ state: 'filled', liquidity: 'maker', avgFillPrice: 999 });
    expect(rows.c1.text).toEqual({ price: '99.9', size: '0.004', filled: '0.004', avgFillPrice: '99.9' });
    expect(rows.c2).toMatchObject({ state: 'partial', liquidity: 'taker', type: 'market', price: undefined });
    expect(rows.c2.text).toEqual({ price: null, size: '0.006', filled: '0.004', avgFillPrice: '100.2' });
    expect(rows.c3).toMatchObject({ state: 'cancelling', liquidity: null, avgFillPrice: null, filled: 0 });
    expect(rows.c4).toMatchObject({ state: 'filled', liquidity: 'mixed' });
    // 3008 / 3 = 1002.666… ticks → 100.26666…, 4 places finer than the tick, half up
    expect(rows.c4.text.avgFillPrice).toBe('100.26667');
    // totals include c4: 11 lots against a 10-lot parent is reported as is (fill ratio 1.1)
    expect(t.filled).toBe(11);
    expect(t.makerShare).toBeCloseTo(5 / 11, 12);
  });

  it('zero fill: only the opportunity cost, undefined ratios are null', () => {
    const t = ok({ ...base('buy'), endMid: 990, fills: [], children: [] });
    expect(t.filled).toBe(0);
    expect(t.fillRatio).toBe(0);
    expect(t.avgPrice).toBeNull();
    expect(t.slippageBps).toBeNull();
    expect(t.vsTwapBps).toBeNull();
    expect(t.vsVwapBps).toBeNull();
    expect(t.makerShare).toBeNull();
    expect(t.executionCostBps).toBe(0);
    expect(t.feesBps).toBe(0);
    expect(t.opportunityCostBps).toBeCloseTo(-100, 10); // (990 − 1000)·10/(1000·10)
    expect(t.shortfallBps).toBeCloseTo(-100, 10);
    expect(t.participation).toBe(0);
    expect(t.text.avgPrice).toBeNull();
    expect(t.text.fees).toBe('0');
    // cum 0 against k/10: max 1, rms sqrt(Σk²/100/10)
    expect(t.scheduleMaxDev).toBe(1);
    expect(t.scheduleRms).toBeCloseTo(Math.sqrt(385 / 1000), 12);
  });

  it('no market trades: VWAP and participation are null', () => {
    const t = ok({ ...base('buy'), trades: [] });
    expect(t.vwap).toBeNull();
    expect(t.participation).toBeNull();
    expect(t.marketVolume).toBe(0);
  });

  it('half-tick mids format exactly', () => {
    const t = ok({ ...base('buy'), arrivalMid: 1000.5, mids: [] });
    expect(t.text.arrivalMid).toBe('100.05');
    expect(t.twapMid).toBe(1000.5); // the arrival mid holds without samples
  });

  it('rejects bad input with DG_E_BAD_INPUT', () => {
    const cases: Partial<TcaInput>[] = [
      { size: 0 },
      { endAt: 0 },
      { arrivalMid: 0 },
      { endMid: Number.NaN },
      { tickSize: 'x' },
      { fills: [fill('c1', 999, 4, 200, 'maker', 'abc')] },
      { fills: [fill('c1', 999, 0, 200, 'maker')] },
    ];
    for (const c of cases) {
      const r = computeTca({ ...base('buy'), ...c });
      expect(r.ok).toBe(false);
      if (!r.ok) expect(r.error.code).toBe('DG_E_BAD_INPUT');
    }
  });
});

describe('TCA helpers', () => {
  it('timeWeightedMid: samples before the start set the level, samples after the end are ignored', () => {
    expect(
      timeWeightedMid(
        [
          { ts: -5, mid: 10 },
          { ts: 50, mid: 20 },
          { ts: 200, mid: 99 },
        ],
        0,
        100,
        1,
      ),
    ).toBe(15);
  });
  it('scheduleError: fills exactly on the schedule give zero', () => {
    const fills = [1, 2, 3, 4].map((k) => fill('c', 1, 1, k * 25, 'taker'));
    expect(scheduleError(fills, 4, 0, 100, 4)).toEqual({ rms: 0, max: 0 });
  });
});
