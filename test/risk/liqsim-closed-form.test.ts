import { describe, expect, it } from 'vitest';
import { touchProbContinuous, touchProbDiscrete, BGK_BETA } from '../../src/risk/liqsim/first-passage.js';
import { validatePosition } from '../../src/risk/liqsim/positions.js';
import { buildSetup } from '../../src/risk/liqsim/setup.js';
import { runChunk, chunkCount } from '../../src/risk/liqsim/kernel.js';
import { combine } from '../../src/risk/liqsim/stats.js';

// One position whose liquidation line sits at 85 % of the start price (100), margin call at 90 %.
const position = validatePosition(
  {
    id: 'fp',
    collateralCoin: 'BTC',
    collateralAmount: '1',
    loanCoin: 'USDT',
    loanAmount: '72',
    ltvInitial: 0.75,
    ltvMarginCall: 0.8,
    ltvLiquidation: 72 / 85,
  },
  0,
);
const sigma = 0.6;
const mu = 0.15;
const days = 30;

function simulate(steps: number, monitoring: 'discrete' | 'continuous', paths: number, seed: number) {
  const setup = buildSetup([position], {
    model: 'gbm',
    paths,
    steps,
    dtS: (days * 86400) / steps,
    seed,
    monitoring,
    markets: { 'BTC/USDT': { price: 100, sigma, mu } },
    fanPaths: 0,
  });
  const cfg = setup.config;
  const results = Array.from({ length: chunkCount(cfg) }, (_, c) => runChunk(cfg, c));
  return combine(cfg, results).positions[0];
}

describe('liquidation Monte Carlo vs closed-form first passage (GBM)', () => {
  const horizon = days / 365;
  const base = { mu, sigma, horizon, barrierRatio: 0.85 };

  it('closed form: reflection principle sanity (zero drift, symmetric)', () => {
    // With ν = 0 the reflection principle gives 2·Φ(b/(σ√T)).
    const sig = 0.5;
    const p = touchProbContinuous({ mu: 0.5 * sig * sig, sigma: sig, horizon: 1, barrierRatio: Math.exp(-0.5) });
    expect(p).toBeCloseTo(2 * 0.15865525393145707, 6);
    expect(touchProbDiscrete(base, horizon / 30)).toBeLessThan(touchProbContinuous(base));
    expect(BGK_BETA).toBeCloseTo(0.5826, 4);
  });

  it('discrete monitoring (1440 steps) matches the BGK-corrected formula within 3 SE, both lines', () => {
    const r = simulate(1440, 'discrete', 30_000, 11);
    const dt = horizon / 1440;
    const expectedLiq = touchProbDiscrete(base, dt);
    expect(Math.abs(r.pLiquidation.value - expectedLiq)).toBeLessThan(3 * r.pLiquidation.se);
    const expectedMc = touchProbDiscrete({ ...base, barrierRatio: 72 / (0.8 * 100) }, dt);
    expect(Math.abs(r.pMarginCall.value - expectedMc)).toBeLessThan(3 * r.pMarginCall.se);
  });

  it('coarse discrete monitoring (30 daily steps) is far below continuous, near the BGK value', () => {
    const r = simulate(30, 'discrete', 30_000, 14);
    expect(touchProbContinuous(base) - r.pLiquidation.value).toBeGreaterThan(10 * r.pLiquidation.se);
    // BGK is an O(1/m) approximation: at m = 30 it is within 1 % absolute here.
    expect(Math.abs(r.pLiquidation.value - touchProbDiscrete(base, horizon / 30))).toBeLessThan(0.01);
  });

  it('continuous monitoring (Brownian bridge between 30 steps) matches the reflection formula within 3 SE', () => {
    const r = simulate(30, 'continuous', 60_000, 12);
    const expected = touchProbContinuous(base);
    expect(Math.abs(r.pLiquidation.value - expected)).toBeLessThan(3 * r.pLiquidation.se);
  });
});
