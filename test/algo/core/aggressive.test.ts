import { describe, expect, it } from 'vitest';
import { bigInterval, priceCeil, recentMove } from '../../../src/algo/aggressive.js';
import { initialState } from '../../../src/algo/decide.js';
import type { AggressiveParams } from '../../../src/algo/types.js';
import { T0, HOUR, bars, flatBars, ladder, market, params, places, round, spec, tagged } from './fixtures.js';

const now = T0 + HOUR / 2;
const s = spec({ mode: 'aggressive' });
const p = (params('aggressive') as { mode: 'aggressive'; p: AggressiveParams }).p;
// 60 flat bars of 10 lots: twelve 5-minute windows of 50 → ema_vol 50, vol_std 0, threshold 50
const calm = flatBars(60, 10, 10_000, now);

describe('aggressive price_ceil', () => {
  it('best ask × (1 + base + spread/ask + move term), documented defaults', () => {
    // 10 000 × (1 + 0.0005 + 1/10 000) = 10 006 with no move
    expect(priceCeil(1, 10_000, 9_999, 0, p)).toBeCloseTo(10_006, 9);
    // a 1 % rise over the last 2 minutes adds half of it: + 50 ticks
    expect(priceCeil(1, 10_000, 9_999, 0.01, p)).toBeCloseTo(10_056, 9);
    // a fall does not lower a buy's ceiling below the calm one
    expect(priceCeil(1, 10_000, 9_999, -0.01, p)).toBeCloseTo(10_006, 9);
    // sell: a floor under the best bid, widened by a fall
    expect(priceCeil(-1, 9_999, 10_000, -0.01, p)).toBeCloseTo(9_999 * (1 - 0.0005 - 1 / 9_999 - 0.005), 9);
  });

  it('the 2-minute move is read from the last two one-minute bars', () => {
    const b = bars([10, 10, 10], 10_000, now);
    const rising = [...b.slice(0, 1), { ...b[1], open: 10_000 }, { ...b[2], close: 10_100 }];
    expect(recentMove(rising, 120_000)).toBeCloseTo(0.01, 12);
    expect(recentMove(rising.slice(2), 120_000)).toBe(0);
  });

  it('candidate levels are those strictly below the ceiling', () => {
    const asks: [number, number][] = [
      [10_000, 1],
      [10_005, 1],
      [10_006, 1000],
    ];
    const st = { ...initialState(s), round: 1, nextRegularAt: now + 1 };
    // nLevelVol = 2 (10 006 is not below the ceiling 10 006) → not > 50: no big order
    expect(places(round({ spec: s, state: st, market: market({ now, asks, bars: calm }) }))).toEqual([]);
  });
});

describe('aggressive big-order logic', () => {
  it('fires when nLevelVol exceeds ema_vol + vol_std: the first 5 candidate levels at their prices and sizes', () => {
    const asks = ladder(10_000, [11, 10, 10, 10, 10, 10], 1); // candidates 10 000…10 005: 61 > 50
    const d = round({ spec: s, market: market({ now, asks, bars: calm }) });
    expect(tagged(d, 'big').map((a) => [a.price, a.size])).toEqual([
      [10_000, 11],
      [10_001, 10],
      [10_002, 10],
      [10_003, 10],
      [10_004, 10],
    ]);
    // next big round after min(5 s × max(1, 61/50), 60 s) = 6.1 s
    expect(d.state.nextBigAt).toBe(now + 6_100);
  });

  it('does not fire one lot short (nLevelVol = threshold): the regular logic runs instead', () => {
    const asks = ladder(10_000, [10, 10, 10, 10, 10], 1); // 50, not > 50
    const d = round({ spec: s, market: market({ now, asks, bars: calm }) });
    expect(tagged(d, 'big')).toEqual([]);
    expect(tagged(d, 'regular')).toEqual([
      { kind: 'place', tag: 'regular', type: 'limit', price: 10_000, size: 10, tif: 'GTC' },
    ]);
    expect(d.state.nextRegularAt).toBe(now + 30_000);
  });

  it('the threshold includes vol_std', () => {
    // windows alternate 40 / 60: ema over 12 windows, std 10
    const vols = Array.from({ length: 60 }, (_, i) => (Math.floor(i / 5) % 2 === 0 ? 8 : 12));
    const b = bars(vols, 10_000, now);
    const asks = ladder(10_000, [10, 10, 10, 10, 10], 1); // 50 ≈ ema, below ema + std
    expect(tagged(round({ spec: s, market: market({ now, asks, bars: b }) }), 'big')).toEqual([]);
    const big = ladder(10_000, [10, 10, 10, 10, 25], 1); // 65 > ema + std ≈ 60.3
    expect(tagged(round({ spec: s, market: market({ now, asks: big, bars: b }) }), 'big')).toHaveLength(5);
  });

  it('waits for nextBigAt; until then the regular logic may run', () => {
    const asks = ladder(10_000, [11, 10, 10, 10, 10, 10], 1);
    const st = { ...initialState(s), round: 1, nextBigAt: now + 1 };
    const d = round({ spec: s, state: st, market: market({ now, asks, bars: calm }) });
    expect(tagged(d, 'big')).toEqual([]);
    expect(tagged(d, 'regular')).toHaveLength(1);
    const due = round({ spec: s, state: { ...st, nextBigAt: now }, market: market({ now, asks, bars: calm }) });
    expect(tagged(due, 'big')).toHaveLength(5);
  });

  it('sell: bids strictly above the floor are the candidates', () => {
    // floor = 9 999 × (1 − 0.0005 − 1/9 999) ≈ 9 993.0005: 9 999 … 9 994 qualify
    const sell = spec({ mode: 'aggressive', side: 'sell' });
    const bids = ladder(9_999, [11, 10, 10, 10, 10, 10], -1);
    const d = round({ spec: sell, market: market({ now, bids, bars: calm }) });
    expect(tagged(d, 'big').map((a) => a.price)).toEqual([9_999, 9_998, 9_997, 9_996, 9_995]);
    const short = round({
      spec: sell,
      market: market({ now, bids: ladder(9_999, [10, 10, 10, 10, 10], -1), bars: calm }),
    });
    expect(tagged(short, 'regular')).toEqual([
      { kind: 'place', tag: 'regular', type: 'limit', price: 9_999, size: 10, tif: 'GTC' },
    ]);
  });

  it('is off without a complete window of bars', () => {
    const asks = ladder(10_000, [100, 100, 100, 100, 100], 1);
    const d = round({ spec: s, market: market({ now, asks, bars: flatBars(4, 10, 10_000, now) }) });
    expect(tagged(d, 'big')).toEqual([]);
  });
});

describe('aggressive intervals', () => {
  it('big: min(5 s · max(1, nLevelVol/ema_vol), 60 s)', () => {
    expect(bigInterval(10, 50, p)).toBe(5_000);
    expect(bigInterval(50, 50, p)).toBe(5_000);
    expect(bigInterval(150, 50, p)).toBe(15_000);
    expect(bigInterval(600, 50, p)).toBe(60_000);
    expect(bigInterval(1_000, 50, p)).toBe(60_000);
    expect(bigInterval(10, 0, p)).toBe(60_000);
  });

  it('regular rounds are at least 30 s apart', () => {
    const asks = ladder(10_000, [10, 10, 10, 10, 10], 1);
    const st = { ...initialState(s), round: 1, nextRegularAt: now + 1 };
    expect(tagged(round({ spec: s, state: st, market: market({ now, asks, bars: calm }) }), 'regular')).toEqual([]);
    expect(
      tagged(
        round({ spec: s, state: { ...st, nextRegularAt: now }, market: market({ now, asks, bars: calm }) }),
        'regular',
      ),
    ).toHaveLength(1);
  });

  it('a regular round held back by the schedule does not move the timer', () => {
    const tiny = spec({ mode: 'aggressive', size: 1_000 });
    const asks = ladder(10_000, [10, 10, 10, 10, 10], 1);
    const d = round({ spec: tiny, market: market({ now: T0 + 1_000, asks, bars: calm }) }); // target 0
    expect(places(d)).toEqual([]);
    expect(d.state.nextRegularAt).toBeUndefined();
  });
});
