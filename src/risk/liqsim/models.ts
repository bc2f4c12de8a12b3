/**
 * Price models for the liquidation Monte Carlo. A model is described by a plain, serialisable
 * spec (it is posted to worker threads) and turned into a per-path `Stepper` that returns the
 * log-return of the collateral price over one simulation step.
 *
 *   gbm        dX = (μ − σ²/2) dt + σ dW                       (annualised μ, σ)
 *   merton     GBM + compound-Poisson jumps, intensity λ per year, jump log-size N(m, s²),
 *              drift compensated so E[S_T] = S_0 e^{μT}
 *   bootstrap  each step sums `perStep` historical log-returns drawn with replacement
 *   garch      GARCH(1,1)-t fitted by ML, simulated forward from the last conditional variance;
 *              each step sums `perStep` candle-interval returns
 *
 * GBM and Merton draw their normals from the quantised source (`Rng.normalQ`, normal-table.ts);
 * GARCH keeps the Ziggurat, because its Student-t innovations come from a gamma rejection
 * sampler that assumes a continuous normal.
 */
import type { Rng } from './rng.js';
import type { GarchParams } from './garch.js';

export type ModelKind = 'gbm' | 'bootstrap' | 'merton' | 'garch';
export const MODEL_KINDS: readonly ModelKind[] = ['gbm', 'bootstrap', 'merton', 'garch'];

export interface GbmSpec {
  readonly kind: 'gbm';
  readonly mu: number;
  readonly sigma: number;
}
export interface MertonSpec {
  readonly kind: 'merton';
  readonly mu: number;
  readonly sigma: number;
  /** Jumps per year. */
  readonly lambda: number;
  readonly jumpMean: number;
  readonly jumpStd: number;
}
export interface BootstrapSpec {
  readonly kind: 'bootstrap';
  /** Historical log-returns at the candle interval. */
  readonly returns: Float64Array;
  /** Candle returns per simulation step (dt / candle interval, an integer ≥ 1). */
  readonly perStep: number;
}
export interface GarchSpec {
  readonly kind: 'garch';
  readonly params: GarchParams;
  /** Conditional variance at the start of every path. */
  readonly h0: number;
  readonly perStep: number;
}
export type ModelSpec = GbmSpec | MertonSpec | BootstrapSpec | GarchSpec;

export interface Stepper {
  /** Start a new path. */
  reset(): void;
  /** Log-return over one step. */
  next(rng: Rng): number;
  /** Diffusion volatility per step (σ√dt) for the Brownian-bridge test; NaN when not applicable. */
  readonly bridgeVol: number;
}

export function makeStepper(spec: ModelSpec, dtYears: number): Stepper {
  switch (spec.kind) {
    case 'gbm':
      return new GbmStepper(spec, dtYears);
    case 'merton':
      return new MertonStepper(spec, dtYears);
    case 'bootstrap':
      return new BootstrapStepper(spec);
    case 'garch':
      return new GarchStepper(spec);
  }
}

export class GbmStepper implements Stepper {
  readonly drift: number;
  readonly vol: number;
  readonly bridgeVol: number;
  constructor(spec: GbmSpec, dt: number) {
    this.drift = (spec.mu - 0.5 * spec.sigma * spec.sigma) * dt;
    this.vol = spec.sigma * Math.sqrt(dt);
    this.bridgeVol = this.vol;
  }
  reset(): void {}
  next(rng: Rng): number {
    return this.drift + this.vol * rng.normalQ();
  }
}

class MertonStepper implements Stepper {
  private readonly drift: number;
  private readonly vol: number;
  private readonly p0: number;
  private readonly lam: number;
  private readonly jm: number;
  private readonly js: number;
  readonly bridgeVol: number;
  constructor(s: MertonSpec, dt: number) {
    const kappa = Math.exp(s.jumpMean + 0.5 * s.jumpStd * s.jumpStd) - 1;
    this.drift = (s.mu - 0.5 * s.sigma * s.sigma - s.lambda * kappa) * dt;
    this.vol = s.sigma * Math.sqrt(dt);
    this.lam = s.lambda * dt;
    this.p0 = Math.exp(-this.lam);
    this.jm = s.jumpMean;
    this.js = s.jumpStd;
    this.bridgeVol = this.vol;
  }
  reset(): void {}
  next(rng: Rng): number {
    let x = this.drift + this.vol * rng.normalQ();
    const u = rng.uniform();
    if (u >= this.p0) {
      // Poisson by inversion; almost always 1 jump when λ·dt is small.
      let k = 0;
      let p = this.p0;
      let cdf = p;
      while (u >= cdf && k < 50) {
        k++;
        p *= this.lam / k;
        cdf += p;
      }
      for (let j = 0; j < k; j++) x += this.jm + this.js * rng.normalQ();
    }
    return x;
  }
}

class BootstrapStepper implements Stepper {
  private readonly r: Float64Array;
  private readonly n: number;
  private readonly k: number;
  readonly bridgeVol = Number.NaN;
  constructor(s: BootstrapSpec) {
    this.r = s.returns;
    this.n = s.returns.length;
    this.k = s.perStep;
  }
  reset(): void {}
  next(rng: Rng): number {
    let x = 0;
    for (let j = 0; j < this.k; j++) x += this.r[Math.floor(rng.uniform() * this.n)];
    return x;
  }
}

class GarchStepper implements Stepper {
  private h = 0;
  private readonly p: GarchParams;
  private readonly h0: number;
  private readonly k: number;
  readonly bridgeVol = Number.NaN;
  constructor(s: GarchSpec) {
    this.p = s.params;
    this.h0 = s.h0;
    this.k = s.perStep;
  }
  reset(): void {
    this.h = this.h0;
  }
  next(rng: Rng): number {
    const { mu, omega, alpha, beta, nu } = this.p;
    let x = 0;
    let h = this.h;
    for (let j = 0; j < this.k; j++) {
      const e = Math.sqrt(h) * rng.studentTUnit(nu);
      x += mu + e;
      h = omega + alpha * e * e + beta * h;
    }
    this.h = h;
    return x;
  }
}

/** Simulate `n` returns from GARCH parameters (used to test the fit). */
export function simulateGarchReturns(p: GarchParams, n: number, rng: Rng): Float64Array {
  const out = new Float64Array(n);
  const st = new GarchStepper({ kind: 'garch', params: p, h0: p.omega / (1 - p.alpha - p.beta), perStep: 1 });
  st.reset();
  for (let i = 0; i < n; i++) out[i] = st.next(rng);
  return out;
}
