import { describe, expect, it } from 'vitest';
import { initialState } from '../../../src/algo/decide.js';
import { drawInterval } from '../../../src/algo/schedule.js';
import { T0, HOUR, child, flatBars, ladder, market, places, round, spec, tagged } from './fixtures.js';

const mid = T0 + HOUR / 2;

describe('progressive place_on_trade', () => {
  // threshold_vlm = median(30 × 5 000) × 0.01 = 50 lots
  const bars = flatBars(60, 5_000);

  it('takes the ask levels when their total exceeds threshold_vlm', () => {
    const asks = ladder(10_000, [11, 10, 10, 10, 10], 1); // 51 > 50
    const d = round({ market: market({ bars, asks, bids: ladder(9_999, [20, 20, 20, 20, 20], -1) }) });
    const t = tagged(d, 'trade');
    expect(t.length).toBeGreaterThan(0);
    expect(t[0]).toMatchObject({ type: 'limit', price: 10_000, size: 11, tif: 'GTC' });
    expect(t.every((p) => !p.postOnly)).toBe(true);
  });

  it('does nothing when the total is one lot short (equal to threshold_vlm)', () => {
    const asks = ladder(10_000, [10, 10, 10, 10, 10], 1); // 50, not > 50
    const d = round({ market: market({ bars, asks, bids: ladder(9_999, [10, 10, 10, 10, 10], -1) }) });
    expect(tagged(d, 'trade')).toEqual([]);
  });

  it('only counts the first tradeLevels levels priced ≤ price_limit = mid × 1.10', () => {
    // mid = 9 999.5 → price_limit = 10 999.45: 10 999 qualifies, 11 000 does not
    const low = flatBars(60, 50); // threshold 0.5
    const bids = ladder(9_999, [1, 1, 1, 1, 1], -1); // max_vlm = (1 + 5.5)/2 = 3.25
    const within = round({
      market: market({
        bars: low,
        bids,
        asks: [
          [10_000, 1],
          [10_999, 10],
        ],
      }),
    });
    expect(tagged(within, 'trade').map((p) => [p.price, p.size])).toEqual([
      [10_000, 1],
      [10_999, 10],
    ]);
    const beyond = round({
      market: market({
        bars: low,
        bids,
        asks: [
          [10_000, 1],
          [11_000, 10],
        ],
      }),
    });
    expect(tagged(beyond, 'trade').map((p) => [p.price, p.size])).toEqual([[10_000, 1]]);
  });

  it('only looks at tradeLevels levels (the 6th level does not count toward threshold_vlm)', () => {
    const asks = ladder(10_000, [10, 10, 10, 10, 10, 1_000], 1); // first 5 = 50, not > 50
    const d = round({ market: market({ bars, asks }) });
    expect(tagged(d, 'trade')).toEqual([]);
    const wider = round({ spec: spec({ raw: { tradeLevels: 6 } }), market: market({ bars, asks }) });
    expect(tagged(wider, 'trade').length).toBeGreaterThan(0);
  });

  it('stops once the round total exceeds max_vlm_each_trade', () => {
    const low = flatBars(60, 100);
    const asks = ladder(10_000, [10, 10, 10, 10, 10], 1);
    // bids avg 10, asks avg 10 → max_vlm = 10: 10 is not > 10, so a second level follows, then stop
    const at = round({ market: market({ bars: low, asks, bids: ladder(9_999, [10, 10, 10, 10, 10], -1) }) });
    expect(tagged(at, 'trade').map((p) => p.price)).toEqual([10_000, 10_001]);
    // bids avg 9 → max_vlm = 9.5: the first level's 10 already exceeds it
    const below = round({ market: market({ bars: low, asks, bids: ladder(9_999, [9, 9, 9, 9, 9], -1) }) });
    expect(tagged(below, 'trade').map((p) => p.price)).toEqual([10_000]);
  });

  it('mirrors for a sell: bid levels ≥ mid × 0.90', () => {
    const bids = ladder(9_999, [11, 10, 10, 10, 10], -1); // 51 > 50
    const d = round({
      spec: spec({ side: 'sell' }),
      market: market({ bars, bids, asks: ladder(10_000, [20, 20, 20, 20, 20], 1) }),
    });
    expect(tagged(d, 'trade')[0]).toMatchObject({ price: 9_999, size: 11 });
  });

  it('is capped by the taker budget (the gap to the linear target)', () => {
    const asks = ladder(10_000, [11, 10, 10, 10, 10], 1);
    // size 1 000 over an hour, 3.6 s in → target 1 lot
    const s = spec({ size: 1_000 });
    const d = round({ spec: s, market: market({ now: T0 + 3_600, bars, asks }) });
    expect(tagged(d, 'trade')).toEqual([
      { kind: 'place', tag: 'trade', type: 'limit', price: 10_000, size: 1, tif: 'GTC' },
    ]);
  });
});

describe('progressive place_on_orderbook', () => {
  it('rests a post-only buy at the mid when top-5 bids outweigh top-5 asks', () => {
    const bids = ladder(9_990, [11, 10, 10, 10, 10], -1); // 51 > 50
    const d = round({ market: market({ bids, asks: ladder(10_000, [10, 10, 10, 10, 10], 1) }) });
    const o = tagged(d, 'orderbook');
    expect(o).toEqual([
      { kind: 'place', tag: 'orderbook', type: 'limit', price: 9_995, size: 10, postOnly: true, tif: 'GTC' },
    ]);
  });

  it('does nothing when the bid side is one lot short (equal sums)', () => {
    const bids = ladder(9_990, [10, 10, 10, 10, 10], -1);
    const d = round({ market: market({ bids }) });
    expect(tagged(d, 'orderbook')).toEqual([]);
  });

  it('keeps a one-tick-spread mid on the own side (never crosses)', () => {
    const bids = ladder(9_999, [20, 20, 20, 20, 20], -1);
    const d = round({ market: market({ bids }) });
    expect(tagged(d, 'orderbook')[0]).toMatchObject({ price: 9_999, size: 20 });
  });

  it('sell: rests at the mid rounded up when asks outweigh bids', () => {
    const asks = ladder(10_010, [11, 10, 10, 10, 10], 1);
    const d = round({
      spec: spec({ side: 'sell' }),
      market: market({ asks, bids: ladder(9_999, [10, 10, 10, 10, 10], -1) }),
    });
    expect(tagged(d, 'orderbook')[0]).toMatchObject({ price: 10_005, postOnly: true });
  });
});

describe('progressive place_on_spread', () => {
  it('probes at best bid + 1 tick when the spread exceeds 5 ticks', () => {
    const d = round({ market: market({ bids: ladder(9_994, [10, 10, 10, 10, 10], -1) }) }); // spread 6
    expect(tagged(d, 'probe')).toEqual([
      { kind: 'place', tag: 'probe', type: 'limit', price: 9_995, size: 1, postOnly: true, tif: 'GTC' },
    ]);
  });

  it('does not probe at a spread of exactly 5 ticks', () => {
    const d = round({ market: market({ bids: ladder(9_995, [10, 10, 10, 10, 10], -1) }) });
    expect(tagged(d, 'probe')).toEqual([]);
  });

  it('does not stack a second probe while one is open, and reads the bid without it', () => {
    // The open probe rests at 9 995 on top of the others' 9 994: the spread is still judged 6.
    const probe = child({
      clientId: 'p1',
      tag: 'probe',
      price: 9_995,
      size: 1,
      round: 1,
      placedAt: T0 + HOUR / 2 - 1_000,
    });
    const bids = [[9_995, 1], ...ladder(9_994, [10, 10, 10, 10, 10], -1)] as const;
    const d = round({ market: market({ bids: [...bids] }), children: [probe] });
    expect(tagged(d, 'probe')).toEqual([]);
  });

  it('sell: probes at best ask − 1 tick', () => {
    const d = round({
      spec: spec({ side: 'sell' }),
      market: market({ asks: ladder(10_005, [10, 10, 10, 10, 10], 1) }),
    });
    expect(tagged(d, 'probe')[0]).toMatchObject({ price: 10_004 });
  });

  it('falls back to place_on_trade (without the threshold) when last round’s probe has no fill', () => {
    const probe = child({ clientId: 'p1', tag: 'probe', price: 9_995, size: 1, round: 1, placedAt: mid - 4_000 });
    const bids = ladder(9_994, [10, 10, 10, 10, 10], -1);
    const state = { ...initialState(spec()), round: 1 };
    const d = round({ state, market: market({ bids: [[9_995, 1], ...bids] }), children: [probe] });
    expect(tagged(d, 'trade')).toEqual([]); // threshold_vlm (10 000) not reached
    const fb = tagged(d, 'fallback');
    expect(fb.length).toBeGreaterThan(0);
    expect(fb[0]).toMatchObject({ price: 10_000, tif: 'GTC' });
  });

  it('no fallback when the probe got a fill, or when it is older than last round', () => {
    const bids = [[9_995, 1] as const, ...ladder(9_994, [10, 10, 10, 10, 10], -1)];
    const state = { ...initialState(spec()), round: 1 };
    const filled = child({
      clientId: 'p1',
      tag: 'probe',
      price: 9_995,
      size: 2,
      filled: 1,
      filledNotional: 9_995,
      round: 1,
      placedAt: mid - 4_000,
    });
    expect(tagged(round({ state, market: market({ bids: [...bids] }), children: [filled] }), 'fallback')).toEqual([]);
    const older = child({ clientId: 'p1', tag: 'probe', price: 9_995, size: 1, round: 0, placedAt: mid - 4_000 });
    expect(tagged(round({ state, market: market({ bids: [...bids] }), children: [older] }), 'fallback')).toEqual([]);
  });
});

describe('progressive rounds', () => {
  it('draws every interval within 4–6 s, reproducibly from the state', () => {
    const s = spec({ endAt: T0 + 100 * HOUR, raw: { maxLifeMs: 100 * HOUR } });
    let state = initialState(s);
    let now = T0;
    const gaps: number[] = [];
    for (let i = 0; i < 500; i++) {
      const d = round({ spec: s, state, market: market({ now }) });
      gaps.push(d.state.nextAt - now);
      // Same state, same market → same decision.
      expect(round({ spec: s, state, market: market({ now }) })).toEqual(d);
      state = d.state;
      now = d.state.nextAt;
    }
    expect(Math.min(...gaps)).toBeGreaterThanOrEqual(4_000);
    expect(Math.max(...gaps)).toBeLessThanOrEqual(6_000);
    expect(new Set(gaps).size).toBeGreaterThan(100); // not a fixed cadence
    // The stream is the xorshift draw from the state alone.
    const again = drawInterval(initialState(s).rng, 4_000, 6_000);
    expect(T0 + again.ms).toBe(round({ spec: s, state: initialState(s), market: market({ now: T0 }) }).state.nextAt);
  });

  it('another seed gives another stream', () => {
    const a = round({ spec: spec({ seed: 1 }), state: initialState(spec({ seed: 1 })) }).state.nextAt;
    const b = round({ spec: spec({ seed: 2 }), state: initialState(spec({ seed: 2 })) }).state.nextAt;
    const c = round({ spec: spec({ seed: 3 }), state: initialState(spec({ seed: 3 })) }).state.nextAt;
    expect(new Set([a, b, c]).size).toBeGreaterThan(1);
  });

  it('places nothing when the budget is below the minimum order', () => {
    const asks = ladder(10_000, [11, 10, 10, 10, 10], 1);
    const s = spec({ size: 1_000, minLots: 5 });
    const d = round({ spec: s, market: market({ now: T0 + 3_600 * 4, bars: flatBars(60, 5_000), asks }) }); // target 4 < 5
    expect(places(d)).toEqual([]);
  });
});
