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

/**
 * Permanent price impact of aggressive volume. After each step the flow measures the touch depth
 * D = ½·(Σ notional of the best `depthLevels` bid levels + the same for the asks), in ticks·lots.
 * During the next step every taker fill (any account — outside accounts such as an algo included —
 * except the flow's own market makers, whose inner quotes only arbitrage stale noise orders the
 * latent price already moved through) adds its signed notional Q (+ buy, − sell, ticks·lots).
 * At the start of the following step the latent log price moves by
 *
 *   Δln P = (bpsPerDepth / 10 000) · Q / D
 *
 * so taking the whole touch depth once moves the fair price by `bpsPerDepth` bps, and the makers
 * re-quote around the new price. Thin books (small D) give larger moves for the same notional.
 */
export interface FlowImpactConfig {
  readonly bpsPerDepth: number;
  readonly depthLevels: number;
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
  /** Permanent impact of aggressive volume on the latent price; absent/undefined = off (default). */
  readonly impact?: FlowImpactConfig | undefined;
  /**
   * Random streams. 'shared' (default): one stream for everything, as before. 'split': the latent
   * price, the makers, the noise traders and the takers each draw from their own seeded stream,
   * noise and taker counts come from the whole budget (not what the makers left), and noise
   * lifetimes are drawn at placement — so an outside account's orders cannot change the random
   * draws: the same seed gives the same latent path and the same exogenous orders whatever else
   * trades (only the impact of that trading moves the price). Used by the TWAP evaluation.
   */
  readonly streams?: 'shared' | 'split' | undefined;
  /** Trend of the latent price: expected log-return per year; absent = 0 (default). */
  readonly driftPerYear?: number | undefined;
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
