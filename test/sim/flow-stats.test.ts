/**
 * Runs the seeded synthetic flow for one simulated hour on BTC-USDT and ETH-USDT and checks that
 * the book looks like a real one: a spread of a few ticks, never crossed or empty, depth growing
 * away from the touch, realised volatility close to the configured one. docs/sim.md records the
 * figures this prints.
 */
import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/core/clock.js';
import { SimEngine } from '../../src/venue/sim/engine.js';
import { DEFAULT_MARKETS } from '../../src/venue/sim/default-markets.js';
import { SyntheticFlow } from '../../src/venue/sim/flow/synthetic-flow.js';

interface Stats {
  spreadMedian: number;
  spreadMean: number;
  spreadP99: number;
  crossedOrEmpty: number;
  levelMean: number[];
  /** Cumulative depth (lots) within 1, 2, 5, 10, 20 bps of the mid, per side. */
  cumDepth: number[];
  realisedVol: number;
  configuredVol: number;
  trades: number;
  commandsPerSec: number;
}

const EDGES = [1, 2, 5, 10, 20];

function runHour(seed: number, rate: number): Record<string, Stats> {
  const clock = new ManualClock(1_700_000_000_000);
  const engine = new SimEngine({ markets: DEFAULT_MARKETS, clock, seed });
  const flow = new SyntheticFlow(engine, {
    seed,
    ratePerSec: rate,
    startMs: clock.now(),
    setTime: (t) => clock.set(t),
  });
  const symbols = DEFAULT_MARKETS.map((m) => m.symbol);
  const acc = new Map(
    symbols.map((s) => [
      s,
      {
        spreads: [] as number[],
        mids: [] as number[],
        levels: new Array<number>(20).fill(0),
        cum: new Array<number>(EDGES.length).fill(0),
        samples: 0,
        bad: 0,
      },
    ]),
  );
  for (let sec = 1; sec <= 3600; sec++) {
    flow.advanceTo(clock.now() + 1000);
    for (const s of symbols) {
      const a = acc.get(s)!;
      const bb = engine.bestBid(s);
      const ba = engine.bestAsk(s);
      if (bb === undefined || ba === undefined || bb >= ba) {
        a.bad++;
        continue;
      }
      a.spreads.push(ba - bb);
      if (sec % 10 === 0) a.mids.push((bb + ba) / 2);
      if (sec % 5 === 0) {
        const mid = (bb + ba) / 2;
        const snap = engine.l2Snapshot(s, 400);
        for (const side of [snap.bids, snap.asks]) {
          side.slice(0, 20).forEach(([, q], i) => (a.levels[i] += q));
          for (const [p, q] of side) {
            const d = (Math.abs(p - mid) / mid) * 1e4;
            for (let k = 0; k < EDGES.length; k++) if (d <= EDGES[k]) a.cum[k] += q;
          }
          a.samples++;
        }
      }
    }
  }
  const out: Record<string, Stats> = {};
  const status = flow.status();
  for (const s of symbols) {
    const a = acc.get(s)!;
    const sp = [...a.spreads].sort((x, y) => x - y);
    const rets = a.mids.slice(1).map((m, i) => Math.log(m / a.mids[i]));
    const mean = rets.reduce((x, y) => x + y, 0) / rets.length;
    const v = rets.reduce((x, y) => x + (y - mean) ** 2, 0) / (rets.length - 1);
    out[s] = {
      spreadMedian: sp[sp.length >> 1],
      spreadMean: sp.reduce((x, y) => x + y, 0) / sp.length,
      spreadP99: sp[Math.floor(sp.length * 0.99)],
      crossedOrEmpty: a.bad,
      levelMean: a.levels.map((x) => Math.round(x / a.samples)),
      cumDepth: a.cum.map((x) => Math.round(x / a.samples)),
      realisedVol: Math.sqrt(v * 365 * 24 * 360),
      configuredVol: DEFAULT_MARKETS.find((m) => m.symbol === s)!.volatility!,
      trades: engine.tradeCount(s),
      commandsPerSec: status.find((x) => x.symbol === s)!.commands / 3600,
    };
  }
  return out;
}

describe('synthetic flow statistics over one simulated hour', () => {
  it('spread, depth profile and realised volatility look like a real market', () => {
    const rate = 100;
    const stats = runHour(2026, rate);
    console.log(JSON.stringify(stats));
    for (const [symbol, s] of Object.entries(stats)) {
      // never crossed, never one-sided at the 1 s samples
      expect(s.crossedOrEmpty, symbol).toBe(0);
      // spread of a few ticks
      expect(s.spreadMedian, symbol).toBeGreaterThanOrEqual(1);
      expect(s.spreadMedian, symbol).toBeLessThanOrEqual(6);
      expect(s.spreadMean, symbol).toBeLessThanOrEqual(10);
      // depth grows away from the touch: the touch is thinner than levels 10-19 …
      const touch = (s.levelMean[0] + s.levelMean[1]) / 2;
      const deep = s.levelMean.slice(10, 20).reduce((x, y) => x + y, 0) / 10;
      expect(deep, symbol).toBeGreaterThan(2 * touch);
      // … cumulative depth rises with distance, and depth per bps is higher at 5–20 bps than within 2 bps
      for (let k = 1; k < s.cumDepth.length; k++)
        expect(s.cumDepth[k], `${symbol} band ${k}`).toBeGreaterThan(s.cumDepth[k - 1]);
      expect((s.cumDepth[4] - s.cumDepth[2]) / 15, symbol).toBeGreaterThan(s.cumDepth[1] / 2);
      // realised volatility (10 s mid returns) within ±20 % of the configured one
      expect(s.realisedVol / s.configuredVol, symbol).toBeGreaterThan(0.8);
      expect(s.realisedVol / s.configuredVol, symbol).toBeLessThan(1.2);
      // it trades, and the command rate is near the target
      expect(s.trades, symbol).toBeGreaterThan(5_000);
      expect(s.commandsPerSec, symbol).toBeGreaterThan(rate * 0.7);
      expect(s.commandsPerSec, symbol).toBeLessThan(rate * 1.5);
    }
  });

  it('is deterministic for a seed', () => {
    const run = (): string => {
      const clock = new ManualClock(0);
      const engine = new SimEngine({ markets: DEFAULT_MARKETS, clock, seed: 5 });
      const flow = new SyntheticFlow(engine, { seed: 5, ratePerSec: 200, startMs: 0, setTime: (t) => clock.set(t) });
      flow.advanceTo(60_000);
      return JSON.stringify([
        engine.l3Snapshot('BTC-USDT'),
        engine.l3Snapshot('ETH-USDT'),
        engine.trades('BTC-USDT', 50),
      ]);
    };
    expect(run()).toBe(run());
  });
});
