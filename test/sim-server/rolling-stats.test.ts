/**
 * The venue's 24 h ticker stats (`/api/v1/market/stats`, snapshot topic, engine.ticker) come from
 * MarketData.rollingStats, which caches the window's closed minutes. It must give exactly what
 * summing `candles(1, from, to)` gives, at any read time, across minute rolls and ring wrap-around.
 */
import { describe, expect, it } from 'vitest';
import { MarketData, type WindowStats } from '../../src/venue/sim/market-data.js';
import { Rng } from '../../src/venue/sim/rng.js';

function summed(md: MarketData, from: number, to: number): WindowStats {
  const out: WindowStats = { open: undefined, high: undefined, low: undefined, volume: 0, turnover: 0, trades: 0 };
  for (const c of md.candles(1, from, to)) {
    out.open ??= c.open;
    if (out.high === undefined || c.high > out.high) out.high = c.high;
    if (out.low === undefined || c.low < out.low) out.low = c.low;
    out.volume += c.volume;
    out.turnover += c.turnover;
    out.trades += c.trades;
  }
  return out;
}

describe('MarketData.rollingStats', () => {
  for (const [cap, windowMin] of [
    [1440, 1440],
    [50, 30],
    [20, 60], // ring shorter than the window: both paths see only the kept minutes
  ] as const) {
    it(`equals the candle sum (ring ${cap} min, window ${windowMin} min)`, () => {
      const rng = new Rng(cap + windowMin);
      const md = new MarketData(100, cap);
      let t = 1_700_000_000_000;
      let checks = 0;
      for (let i = 0; i < 4000; i++) {
        t += Math.floor(rng.next() * (rng.next() < 0.05 ? 400_000 : 20_000));
        if (rng.next() < 0.7) {
          const px = 1000 + Math.floor(rng.next() * 50);
          const sz = 1 + Math.floor(rng.next() * 9);
          md.onTrade(px, sz, px * sz, t);
        }
        if (rng.next() < 0.5) {
          const from = t - windowMin * 60_000 + 60_000;
          expect(md.rollingStats(from, t)).toEqual(summed(md, from, t));
          checks++;
        }
      }
      expect(checks).toBeGreaterThan(1000);
    });
  }
});
