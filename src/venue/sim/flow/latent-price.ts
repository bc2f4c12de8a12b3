/**
 * The latent ("fair") price the synthetic agents trade around: geometric Brownian motion with
 * Poisson jumps. The diffusion volatility is chosen so that diffusion + jumps together give the
 * configured annualised volatility: σ_d² = σ² − λ·σ_j² (per year). Without `driftPerYear` the
 * price has zero drift (a martingale); with it, E[P(t)] = P(0)·e^(μt) (t in years). `shift`
 * applies an outside move of the log price (the flow's permanent impact).
 */
import type { Rng } from '../rng.js';

export const SECONDS_PER_YEAR = 365 * 24 * 3600;

export interface LatentPriceConfig {
  /** Annualised volatility, e.g. 0.6. */
  readonly volatility: number;
  /** Expected jumps per hour. */
  readonly jumpsPerHour: number;
  /** Standard deviation of a jump's log size, e.g. 0.0015 (0.15 %). */
  readonly jumpStdev: number;
  /** Expected log-return per year (trend), e.g. 5 ⇒ about +0.1 % per 10 minutes; default 0. */
  readonly driftPerYear?: number;
}

export class LatentPrice {
  private logP: number;
  private readonly sigmaDiffPerSqrtSec: number;
  private readonly jumpRatePerSec: number;
  private readonly jumpStdev: number;
  private readonly driftPerSec: number;
  jumps = 0;

  constructor(startPrice: number, cfg: LatentPriceConfig) {
    if (!(startPrice > 0)) throw new RangeError('start price must be positive');
    this.logP = Math.log(startPrice);
    const varPerSec = (cfg.volatility * cfg.volatility) / SECONDS_PER_YEAR;
    this.jumpRatePerSec = cfg.jumpsPerHour / 3600;
    this.jumpStdev = cfg.jumpStdev;
    this.driftPerSec = (cfg.driftPerYear ?? 0) / SECONDS_PER_YEAR;
    if (!Number.isFinite(this.driftPerSec)) throw new RangeError('driftPerYear must be finite');
    const diff = varPerSec - this.jumpRatePerSec * cfg.jumpStdev * cfg.jumpStdev;
    if (diff <= 0) throw new RangeError('jumps alone exceed the configured volatility');
    this.sigmaDiffPerSqrtSec = Math.sqrt(diff);
  }

  get price(): number {
    return Math.exp(this.logP);
  }

  /** Advance by dt seconds. */
  step(dtSec: number, rng: Rng): number {
    const s = this.sigmaDiffPerSqrtSec * Math.sqrt(dtSec);
    // the drift term is added only when set, so default runs keep their exact float sequence
    if (this.driftPerSec !== 0) this.logP += this.driftPerSec * dtSec;
    this.logP += -0.5 * s * s + s * rng.normal();
    const n = rng.poisson(this.jumpRatePerSec * dtSec);
    for (let i = 0; i < n; i++) {
      const j = this.jumpStdev * rng.normal();
      this.logP += j - 0.5 * this.jumpStdev * this.jumpStdev;
      this.jumps++;
    }
    return this.price;
  }

  /** Move the log price by `dLog` (e.g. 0.0001 ≈ +1 bp). */
  shift(dLog: number): void {
    if (Number.isFinite(dLog)) this.logP += dLog;
  }
}
