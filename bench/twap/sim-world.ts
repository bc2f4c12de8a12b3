/**
 * One seeded simulated market for the TWAP evaluation: a fresh SimEngine + SyntheticFlow (impact
 * on) on a ManualClock, warmed up until the algos have their 60 closed one-minute bars, and a
 * recorder of the mids and trades the TCA needs over the parent's window.
 *
 * Warm-up (documented in docs/algo-tca.md): 56 minutes of a cheaper flow (20 commands/s in 1 s
 * steps, takers' share of the budget raised to 0.5 so the one-minute volume stays in the same
 * range as the real flow's), then 5 minutes of the real flow (100 commands/s in 100 ms steps):
 * the book's noise orders are back to their usual depth when the parent starts, and the window's
 * expected volume is measured on those 5 real-flow bars. Everything is seeded: the same seed
 * gives the same market, to the event, whatever ran before in the process.
 */
import { ManualClock } from '../../src/core/clock.js';
import type { MarketTrade, MidSample } from '../../src/algo/tca.js';
import { SimEngine } from '../../src/venue/sim/engine.js';
import { SyntheticFlow } from '../../src/venue/sim/flow/synthetic-flow.js';
import { DEFAULT_FLOW } from '../../src/venue/sim/flow/flow-config.js';
import { regime, SYMBOL, type Regime, type RegimeName } from './regimes.js';

/** A whole minute, so bars line up with the warm-up. */
export const T0 = 1_767_225_600_000; // 2026-01-01T00:00:00Z
export const WARMUP_CHEAP_MS = 56 * 60_000;
export const WARMUP_FULL_MS = 5 * 60_000;
export const FLOW_RATE = 60;
export const FLOW_STEP_MS = 100;
const CHEAP = { ratePerSec: 12, stepMs: 2000, shares: { noise: 0.47, takers: 0.3 } } as const;

export interface WorldOptions {
  readonly regime: RegimeName;
  readonly seed: number;
}

export class SimWorld {
  readonly clock: ManualClock;
  readonly engine: SimEngine;
  readonly flow: SyntheticFlow;
  readonly regime: Regime;
  readonly symbol = SYMBOL;
  /** Recording window (set by `record`). */
  private recFrom = Number.POSITIVE_INFINITY;
  private recTo = Number.NEGATIVE_INFINITY;
  readonly mids: MidSample[] = [];
  readonly trades: MarketTrade[] = [];
  private readonly off: () => void;

  constructor(opts: WorldOptions) {
    this.regime = regime(opts.regime, opts.seed);
    this.clock = new ManualClock(T0);
    this.engine = new SimEngine({ markets: [this.regime.market], clock: this.clock, seed: opts.seed });
    this.flow = new SyntheticFlow(this.engine, {
      seed: opts.seed,
      ratePerSec: FLOW_RATE,
      startMs: T0,
      setTime: (t) => {
        this.clock.set(t);
        if (t >= this.recFrom && t <= this.recTo) this.sampleMid(t);
      },
      config: { ...this.regime.flow, stepMs: FLOW_STEP_MS },
    });
    this.off = this.engine.on((m) => {
      if (m.type === 'trade' && m.ts >= this.recFrom && m.ts <= this.recTo)
        this.trades.push({ ts: m.ts, price: m.price, size: m.size });
    });
  }

  /** Warm up; returns the mean one-minute volume (lots) of the real-flow bars at its end. */
  warmUp(): number {
    this.flow.retune(CHEAP);
    this.flow.advanceTo(T0 + WARMUP_CHEAP_MS);
    this.flow.retune({ ratePerSec: FLOW_RATE, stepMs: FLOW_STEP_MS, shares: DEFAULT_FLOW.shares });
    this.flow.advanceTo(T0 + WARMUP_CHEAP_MS + WARMUP_FULL_MS);
    const now = this.clock.now();
    const from = T0 + WARMUP_CHEAP_MS;
    const bars = this.engine
      .candles(this.symbol, 1, from, now)
      .filter((c) => c.start >= from && c.start + 60_000 <= now);
    // minutes without a trade have no candle: divide by the minutes, not the candles
    return bars.reduce((a, c) => a + c.volume, 0) / (WARMUP_FULL_MS / 60_000);
  }

  /** Record mids (each flow step) and market trades over [from, to]; samples the mid at `from` now. */
  record(from: number, to: number): void {
    this.recFrom = from;
    this.recTo = to;
    if (this.clock.now() >= from) this.sampleMid(this.clock.now());
  }

  mid(): number {
    const b = this.engine.bestBid(this.symbol);
    const a = this.engine.bestAsk(this.symbol);
    if (b === undefined && a === undefined) return Number.NaN;
    if (b === undefined) return a as number;
    if (a === undefined) return b;
    return (a + b) / 2;
  }

  private sampleMid(t: number): void {
    const m = this.mid();
    if (Number.isFinite(m)) this.mids.push({ ts: t, mid: m });
  }

  close(): void {
    this.off();
    this.flow.close();
  }
}
