/**
 * The reacting flow: with `impact` on, an outside account's large market buy raises the latent
 * (fair) price by exactly bpsPerDepth · Q / D at the next step; with it off the latent path is
 * untouched. `driftPerYear` adds a trend. Two runs on the same seed share every random draw up to
 * the step compared, so the impact comparisons are exact.
 */
import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/core/clock.js';
import { SimEngine } from '../../src/venue/sim/engine.js';
import { DEFAULT_MARKETS } from '../../src/venue/sim/default-markets.js';
import { SyntheticFlow } from '../../src/venue/sim/flow/synthetic-flow.js';
import type { FlowConfig } from '../../src/venue/sim/flow/flow-config.js';

const BTC = 'BTC-USDT';
const T0 = 1_700_000_000_000;
const IMPACT = { bpsPerDepth: 20, depthLevels: 5 };

function world(config: Partial<FlowConfig>) {
  const clock = new ManualClock(T0);
  const engine = new SimEngine({ markets: [DEFAULT_MARKETS[0]], clock, seed: 3 });
  const flow = new SyntheticFlow(engine, {
    seed: 11,
    ratePerSec: 100,
    startMs: T0,
    setTime: (t) => clock.set(t),
    config,
  });
  engine.createAccount('whale');
  engine.depositText('whale', 'USDT', '10000000');
  engine.depositText('whale', 'BTC', '1000');
  return { clock, engine, flow, latent: () => flow.status()[0].latent };
}

/** ½·(Σ price·size of the best n levels per side), ticks·lots — the flow's touch depth D. */
function depth(engine: SimEngine, n: number): number {
  const s = engine.l2Snapshot(BTC, n);
  let sum = 0;
  for (const [p, q] of [...s.bids, ...s.asks]) sum += p * q;
  return sum / 2;
}

function run(config: Partial<FlowConfig>, whaleLots: number) {
  const w = world(config);
  w.flow.advanceTo(T0 + 30_000);
  const d = depth(w.engine, IMPACT.depthLevels);
  let q = 0;
  if (whaleLots > 0) {
    const r = w.engine.placeOrder({ account: 'whale', symbol: BTC, side: 'buy', type: 'market', size: whaleLots });
    if (!r.ok) throw new Error(r.error.message);
    for (const f of r.fills) q += f.price * f.size;
  }
  w.flow.advanceTo(T0 + 30_100); // exactly one step
  const latent = w.latent();
  w.flow.advanceTo(T0 + 40_000);
  const mid = ((w.engine.bestBid(BTC) ?? 0) + (w.engine.bestAsk(BTC) ?? 0)) / 2;
  w.flow.close();
  return { latent, d, q, mid, later: w.latent() };
}

describe('synthetic flow impact', () => {
  it('an outside market buy raises the latent price with impact on, and not with it off', () => {
    const whale = 200_000; // 2 BTC, many levels deep
    const onBuy = run({ impact: IMPACT }, whale);
    const onNone = run({ impact: IMPACT }, 0);
    expect(onBuy.q).toBeGreaterThan(0);
    const expected = (IMPACT.bpsPerDepth / 10_000) * (onBuy.q / onBuy.d);
    expect(expected).toBeGreaterThan(0.0005); // a visible move: > 5 bps
    expect(Math.log(onBuy.latent / onNone.latent)).toBeCloseTo(expected, 9);
    // the makers re-quote around the new fair price: the mid ends up above the no-buy world
    expect(onBuy.mid).toBeGreaterThan(onNone.mid);

    const offBuy = run({}, whale);
    const offNone = run({}, 0);
    expect(offBuy.latent).toBe(offNone.latent);
  });

  it('impact off is the default flow (same latent path as before the option existed)', () => {
    const a = run({}, 0);
    const b = run({ impact: undefined }, 0);
    expect(a.later).toBe(b.later);
  });

  it("split streams: an outside account's trading leaves the latent path and the outside orders alone", () => {
    const a = run({ streams: 'split' }, 200_000);
    const b = run({ streams: 'split' }, 0);
    expect(a.later).toBe(b.later); // 10 s after the whale, impact off: the same fair price to the bit
  });

  it('driftPerYear trends the latent price (e^(μt) on top of the random path)', () => {
    // the paths diverge (maker re-quotes change the budget left for other draws), so compare
    // with a trend far larger than 10 minutes of 60 % volatility (σ√t ≈ 0.26 %)
    const mu = 2000;
    const flat = world({});
    const trend = world({ driftPerYear: mu });
    flat.flow.advanceTo(T0 + 600_000);
    trend.flow.advanceTo(T0 + 600_000);
    const years = 600 / (365 * 24 * 3600);
    const lift = Math.log(trend.latent() / flat.latent());
    expect(mu * years).toBeCloseTo(0.038, 3);
    expect(Math.abs(lift - mu * years)).toBeLessThan(0.01);
  });

  it('retune changes the rate and step from the next step on', () => {
    const w = world({});
    w.flow.retune({ ratePerSec: 10, stepMs: 1000 });
    const c0 = w.flow.status()[0].commands;
    w.flow.advanceTo(T0 + 60_000);
    const cheap = w.flow.status()[0].commands - c0;
    w.flow.retune({ ratePerSec: 100, stepMs: 100 });
    w.flow.advanceTo(T0 + 120_000);
    const full = w.flow.status()[0].commands - c0 - cheap;
    expect(w.flow.now).toBe(T0 + 120_000);
    expect(full).toBeGreaterThan(cheap * 3);
  });
});
