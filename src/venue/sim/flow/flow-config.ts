/**
 * Parameters of the synthetic order flow (docs/sim.md explains each and the statistics they give).
 * Prices and sizes are expressed relative to the market (bps of price, notional in quote) so
 * one configuration fits every market.
 */
import type { LatentPriceConfig } from './latent-price.js';

export interface MarketMakerConfig {
  /**
   * Inner quote distance from the latent price, ticks (drawn uniformly each re-quote); `null`
   * for a maker without an inner quote whose ladder starts one grid step out.
   */
  readonly innerTicks: readonly [min: number, max: number] | null;
  /** Spacing of the outer ladder in bps of price (the ladder sits on this grid). */
  readonly gapBps: number;
  /** Ladder levels per side, including the inner one. */
  readonly levels: number;
  /** Notional (quote) of the inner level. */
  readonly baseNotional: number;
  /** Level i has baseNotional × (1 + growth × i). */
  readonly growth: number;
}

export interface FlowConfig {
  readonly latent: Omit<LatentPriceConfig, 'volatility'>;
  /** Engine time between flow steps (ms). */
  readonly stepMs: number;
  readonly makers: readonly MarketMakerConfig[];
  /** Noise traders: limit orders around the latent price. */
  readonly noise: {
    /**
     * Distance from the latent price: maxOffsetBps × u^(1/shape), u uniform — density grows
     * with distance for shape > 1 (2 ⇒ linearly), so depth builds away from the touch.
     */
    readonly maxOffsetBps: number;
    readonly offsetShape: number;
    /** Median notional (lognormal with this sigma). */
    readonly medianNotional: number;
    readonly notionalSigma: number;
    /** Mean lifetime before the trader cancels, seconds (exponential). */
    readonly meanLifeSec: number;
  };
  /** Takers: market orders with Pareto notional. */
  readonly takers: {
    readonly minNotional: number;
    readonly alpha: number;
    readonly maxNotional: number;
    /** Share of market orders sent by funds instead of size. */
    readonly byFundsShare: number;
  };
  /** Shares of the command budget left after the makers: noise places (≈ as many cancels follow) and takers. */
  readonly shares: { readonly noise: number; readonly takers: number };
  /** Share of the budget always given to noise/takers even when makers use it all. */
  readonly minShare: number;
  /** Agents' target holdings in quote; base targets are this much at the start price. */
  readonly agentNotional: number;
}

export const DEFAULT_FLOW: FlowConfig = {
  latent: { jumpsPerHour: 2, jumpStdev: 0.0015 },
  stepMs: 100,
  makers: [
    { innerTicks: [1, 3], gapBps: 0.5, levels: 12, baseNotional: 800, growth: 1.0 },
    { innerTicks: null, gapBps: 1.5, levels: 12, baseNotional: 5_000, growth: 0.6 },
    { innerTicks: null, gapBps: 4, levels: 10, baseNotional: 12_000, growth: 0.8 },
  ],
  noise: { maxOffsetBps: 25, offsetShape: 2, medianNotional: 400, notionalSigma: 1.0, meanLifeSec: 15 },
  takers: { minNotional: 30, alpha: 1.4, maxNotional: 150_000, byFundsShare: 0.15 },
  shares: { noise: 0.47, takers: 0.06 },
  minShare: 0.3,
  agentNotional: 3_000_000,
};
