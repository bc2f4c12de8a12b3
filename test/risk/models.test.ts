import { describe, expect, it } from 'vitest';
import { parseCandlesCsv } from '../../src/risk/liqsim/candles.js';
import { fitGarch, lnGamma } from '../../src/risk/liqsim/garch.js';
import { makeStepper, simulateGarchReturns } from '../../src/risk/liqsim/models.js';
import { validatePosition } from '../../src/risk/liqsim/positions.js';
import { Rng } from '../../src/risk/liqsim/rng.js';
import { buildSetup } from '../../src/risk/liqsim/setup.js';
import { readFileSync } from 'node:fs';
import path from 'node:path';

const CSV = path.join(import.meta.dirname, '..', 'fixtures', 'risk', 'btc-usdt-1h-garch.csv');

function moments(n: number, draw: () => number): { mean: number; var: number; kurt: number } {
  let s = 0;
  let s2 = 0;
  let s4 = 0;
  const xs = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    xs[i] = draw();
    s += xs[i];
  }
  const m = s / n;
  for (const x of xs) {
    s2 += (x - m) ** 2;
    s4 += (x - m) ** 4;
  }
  return { mean: m, var: s2 / n, kurt: s4 / n / (s2 / n) ** 2 };
}

describe('random streams', () => {
  it('Ziggurat normals have the right moments; streams are independent and reproducible', () => {
    const r = new Rng(1, 0);
    const m = moments(400_000, () => r.normal());
    expect(Math.abs(m.mean)).toBeLessThan(0.01);
    expect(m.var).toBeCloseTo(1, 2);
    expect(m.kurt).toBeCloseTo(3, 1);
    const a = new Rng(5, 7);
    const b = new Rng(5, 7);
    const c = new Rng(5, 8);
    const xa = Array.from({ length: 5 }, () => a.nextU32());
    expect(Array.from({ length: 5 }, () => b.nextU32())).toEqual(xa);
    expect(Array.from({ length: 5 }, () => c.nextU32())).not.toEqual(xa);
  });

  it('unit-variance Student-t and gamma variates', () => {
    const r = new Rng(2, 0);
    const t = moments(200_000, () => r.studentTUnit(8));
    expect(t.var).toBeCloseTo(1, 1);
    expect(t.kurt).toBeGreaterThan(3.5); // fat tails (theory 4.5 for ν = 8)
    const g = moments(100_000, () => r.gamma(2.5));
    expect(g.mean).toBeCloseTo(2.5, 1);
    expect(g.var).toBeCloseTo(2.5, 0);
    expect(lnGamma(5)).toBeCloseTo(Math.log(24), 10);
  });
});

describe('price models', () => {
  it('Merton: drift compensated (E[S_T] = S_0 e^{μT}) and log-variance (σ² + λ(m² + s²))T', () => {
    const spec = { kind: 'merton' as const, mu: 0.1, sigma: 0.4, lambda: 20, jumpMean: -0.05, jumpStd: 0.06 };
    const dt = 1 / 365;
    const st = makeStepper(spec, dt);
    const r = new Rng(3, 0);
    const steps = 30;
    const n = 40_000;
    let sum = 0;
    let sq = 0;
    let ls = 0;
    let ls2 = 0;
    for (let i = 0; i < n; i++) {
      let x = 0;
      for (let k = 0; k < steps; k++) x += st.next(r);
      const s = Math.exp(x);
      sum += s;
      sq += s * s;
      ls += x;
      ls2 += x * x;
    }
    const T = steps * dt;
    const mean = sum / n;
    const se = Math.sqrt((sq / n - mean * mean) / n);
    expect(Math.abs(mean - Math.exp(spec.mu * T))).toBeLessThan(3 * se);
    const lv = ls2 / n - (ls / n) ** 2;
    expect(lv / ((spec.sigma ** 2 + spec.lambda * (spec.jumpMean ** 2 + spec.jumpStd ** 2)) * T)).toBeCloseTo(1, 1);
  });

  it('bootstrap sums perStep historical returns', () => {
    const returns = Float64Array.from([0.01, -0.02, 0.005]);
    const st = makeStepper({ kind: 'bootstrap', returns, perStep: 4 }, 0);
    const r = new Rng(4, 0);
    const m = moments(60_000, () => st.next(r));
    expect(m.mean).toBeCloseTo((4 * (0.01 - 0.02 + 0.005)) / 3, 3);
    const allowed = new Set<string>();
    const v = [0.01, -0.02, 0.005];
    for (const a of v)
      for (const b of v) for (const c of v) for (const d of v) allowed.add((a + b + c + d).toFixed(10));
    for (let i = 0; i < 100; i++) expect(allowed.has(st.next(r).toFixed(10))).toBe(true);
  });

  it('GARCH(1,1)-t maximum likelihood recovers the simulating parameters', () => {
    const truth = { mu: 0.0002, omega: 2e-6, alpha: 0.08, beta: 0.9, nu: 6 };
    const r = simulateGarchReturns(truth, 4000, new Rng(77, 0));
    const fit = fitGarch(r);
    expect(fit.alpha).toBeGreaterThan(0.04);
    expect(fit.alpha).toBeLessThan(0.13);
    expect(fit.beta).toBeGreaterThan(0.84);
    expect(fit.beta).toBeLessThan(0.95);
    expect(fit.alpha + fit.beta).toBeLessThan(1);
    expect(fit.nu).toBeGreaterThan(4);
    expect(fit.nu).toBeLessThan(10);
    expect(fit.hLongRun).toBeCloseTo(truth.omega / (1 - truth.alpha - truth.beta), 4);
  });

  it('too few candles is a clear error for GARCH and bootstrap; dt must be a multiple of the candle interval', () => {
    expect(() => fitGarch(new Float64Array(60))).toThrow(
      expect.objectContaining({
        code: 'DG_E_RISK_TOO_FEW_CANDLES',
        message: expect.stringMatching(/at least 100 returns.*got 60/),
      }),
    );
    const all = parseCandlesCsv(readFileSync(CSV, 'utf8'));
    const few = { rows: all.rows.slice(0, 20), intervalS: all.intervalS };
    const p = validatePosition(
      {
        collateralCoin: 'BTC',
        collateralAmount: '1',
        loanCoin: 'USDT',
        loanAmount: '30000',
        ltvInitial: 0.6,
        ltvMarginCall: 0.7,
        ltvLiquidation: 0.8,
      },
      0,
    );
    const base = { paths: 10, steps: 10, seed: 1, dtS: 3600 };
    expect(() => buildSetup([p], { ...base, model: 'garch', candles: { 'BTC/USDT': few } })).toThrow(
      /TOO_FEW|at least 100 returns/,
    );
    expect(() => buildSetup([p], { ...base, model: 'bootstrap', candles: { 'BTC/USDT': few } })).toThrow(
      /bootstrap for BTC\/USDT needs at least 31 candles, got 20/,
    );
    expect(() => buildSetup([p], { ...base, model: 'garch' })).toThrow(/needs candles for BTC\/USDT/);
    expect(() => buildSetup([p], { ...base, dtS: 1800, model: 'bootstrap', candles: { 'BTC/USDT': all } })).toThrow(
      /whole multiple of the candle interval 3600s/,
    );
    expect(() =>
      buildSetup([p], { ...base, model: 'garch', monitoring: 'continuous', candles: { 'BTC/USDT': all } }),
    ).toThrow(/continuous monitoring/);
    const ok = buildSetup([p], { ...base, model: 'garch', candles: { 'BTC/USDT': all } });
    expect(ok.pairs[0].garch?.n).toBe(999);
    expect(ok.pairs[0].s0).toBe(all.rows[all.rows.length - 1][4]);
  });

  it('candles CSV is validated', () => {
    expect(() => parseCandlesCsv('t,o,h,l,c\n2,1,1,1,1\n1,1,1,1,1')).toThrow(/timestamps must increase/);
    expect(() => parseCandlesCsv('1,1,1,1,0\n2,1,1,1,1')).toThrow(/close must be > 0/);
    expect(() => parseCandlesCsv('1,1,1,x,1\n2,1,1,1,1')).toThrow(/not a number/);
  });
});
