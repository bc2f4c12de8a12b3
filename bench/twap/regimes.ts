/**
 * The four market regimes of the TWAP evaluation. Every market is a BTC-USDT-like instrument
 * (tick 0.1, lot 0.00001, start 60 000) driven by the synthetic flow with permanent impact on;
 * the regimes differ only in what a desk would notice: volatility, trend, and how much the
 * makers show. The regime is fixed before any algo runs and never tuned per mode.
 */
import type { SimMarketConfig } from '../../src/venue/sim/engine-types.js';
import { DEFAULT_FLOW, type FlowConfig, type FlowImpactConfig } from '../../src/venue/sim/flow/flow-config.js';

export type RegimeName = 'calm' | 'trending' | 'volatile' | 'thin';
export const REGIMES: readonly RegimeName[] = ['calm', 'trending', 'volatile', 'thin'];

export const SYMBOL = 'BTC-USDT';

/** Impact used in every regime: taking the whole 5-level touch depth moves the fair price 5 bps. */
export const BENCH_IMPACT: FlowImpactConfig = { bpsPerDepth: 5, depthLevels: 5 };

/**
 * Per-agent random streams: an algo's orders cannot change the flow's random draws, so every
 * algo meets the same latent path and the same outside orders (only its own impact differs).
 */
const BASE: Partial<FlowConfig> = { impact: BENCH_IMPACT, streams: 'split' };

export interface Regime {
  readonly name: RegimeName;
  readonly market: SimMarketConfig;
  readonly flow: Partial<FlowConfig>;
}

function market(volatility: number): SimMarketConfig {
  return {
    symbol: SYMBOL,
    tickSize: '0.1',
    lotSize: '0.00001',
    minSize: '0.00001',
    minFunds: '0.1',
    maxSize: '10000',
    startPrice: '60000',
    volatility,
  };
}

/**
 * The regime of market `index` (seed-derived). Trending markets alternate the trend's sign with
 * the seed so that, with parents alternating buy/sell, the trend helps as often as it hurts.
 */
export function regime(name: RegimeName, seed: number): Regime {
  switch (name) {
    case 'calm':
      return { name, market: market(0.35), flow: { ...BASE } };
    case 'trending':
      // ±150/yr ≈ ±28 bps per 10 minutes, about 1.3 σ of the window's diffusion at 50 % vol
      return { name, market: market(0.5), flow: { ...BASE, driftPerYear: (seed >> 1) % 2 === 0 ? 150 : -150 } };
    case 'volatile':
      return {
        name,
        market: market(1.5),
        flow: { ...BASE, latent: { jumpsPerHour: 6, jumpStdev: 0.003 } },
      };
    case 'thin':
      // makers show a fifth of their default size, noise orders half: the same flow eats more levels
      return {
        name,
        market: market(0.6),
        flow: {
          ...BASE,
          makers: DEFAULT_FLOW.makers.map((m) => ({ ...m, baseNotional: m.baseNotional * 0.2 })),
          noise: { ...DEFAULT_FLOW.noise, medianNotional: DEFAULT_FLOW.noise.medianNotional * 0.5 },
        },
      };
  }
}
