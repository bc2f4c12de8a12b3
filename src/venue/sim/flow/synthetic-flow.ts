/**
 * Seeded synthetic order flow for the simulated exchange. Pure: `advanceTo(ms)` runs every step
 * of `stepMs` up to that engine time; nothing reads a clock or sets a timer here (see
 * realtime-driver.ts for live use). Per market each step:
 *   1. the latent price moves (GBM + jumps),
 *   2. every maker cancels its stale ladder orders, then every maker places its missing ones,
 *   3. noise traders cancel some orders and place new ones, takers send market orders.
 * The command budget per market is `ratePerSec`; makers use what the price movement requires,
 * noise traders and takers share the rest (at least `minShare` of it).
 */
import type { SimEngine } from '../engine.js';
import type { SimMarket } from '../engine-types.js';
import { Rng } from '../rng.js';
import { DEFAULT_FLOW, type FlowConfig } from './flow-config.js';
import { LatentPrice } from './latent-price.js';
import { MarketMaker } from './market-maker.js';
import { NoiseTrader } from './noise-trader.js';
import { Taker } from './taker.js';

export interface FlowOptions {
  /** Markets to drive; default all of the engine's. */
  readonly symbols?: readonly string[];
  readonly seed?: number;
  /** Target commands per second per market. */
  readonly ratePerSec?: number;
  /** Start time of the flow (engine ms). */
  readonly startMs: number;
  readonly config?: Partial<FlowConfig>;
  /** Called with the step's time before each step (tests pass ManualClock.set). */
  readonly setTime?: (ms: number) => void;
}

interface MarketFlow {
  readonly market: SimMarket;
  readonly latent: LatentPrice;
  readonly makers: MarketMaker[];
  readonly noise: NoiseTrader;
  readonly taker: Taker;
  readonly tick: number;
  /** Commands issued (all agents). */
  ops: number;
}

export interface FlowMarketStatus {
  readonly symbol: string;
  readonly latent: number;
  readonly commands: number;
  readonly noiseLive: number;
  readonly jumps: number;
}

export class SyntheticFlow {
  readonly engine: SimEngine;
  readonly cfg: FlowConfig;
  private readonly rng: Rng;
  private readonly rate: number;
  private readonly markets: MarketFlow[] = [];
  private readonly setTime: ((ms: number) => void) | undefined;
  private readonly accounts: string[] = [];
  private readonly targets = new Map<string, number>();
  private t: number;
  private lastRebalance: number;

  constructor(engine: SimEngine, opts: FlowOptions) {
    this.engine = engine;
    this.cfg = { ...DEFAULT_FLOW, ...(opts.config ?? {}) };
    this.rng = new Rng(opts.seed ?? 1);
    this.rate = opts.ratePerSec ?? 500;
    this.setTime = opts.setTime;
    this.t = opts.startMs;
    this.lastRebalance = opts.startMs;
    const symbols = opts.symbols ?? engine.markets().map((m) => m.symbol);
    const names = [...this.cfg.makers.map((_, i) => `flow-mm${i}`), 'flow-noise', 'flow-taker'];
    for (const id of names) {
      if (!engine.hasAccount(id)) engine.createAccount(id);
      this.accounts.push(id);
    }
    for (const s of symbols) {
      const market = engine.market(s);
      if (!market) throw new RangeError(`unknown market ${s}`);
      const start = Number(market.config.startPrice);
      const tick = Number(market.instrument.tickSize);
      this.markets.push({
        market,
        latent: new LatentPrice(start, { ...this.cfg.latent, volatility: market.config.volatility ?? 0.6 }),
        makers: this.cfg.makers.map((mc, i) => new MarketMaker(`flow-mm${i}`, market, mc)),
        noise: new NoiseTrader('flow-noise', market, this.cfg.noise),
        taker: new Taker('flow-taker', market, this.cfg.takers),
        tick,
        ops: 0,
      });
      // holdings: agentNotional of quote, and as much base at the start price
      this.addTarget(market.quote, this.cfg.agentNotional);
      this.addTarget(market.base, this.cfg.agentNotional / start);
    }
    this.rebalance();
  }

  private addTarget(currency: string, amount: number): void {
    const c = this.engine.currency(currency);
    if (!c) return;
    const units = Math.round(amount * 10 ** c.decimals);
    this.targets.set(currency, Math.max(this.targets.get(currency) ?? 0, units));
  }

  /** Keep every agent's holdings between half and double the target (deposit / withdraw). */
  private rebalance(): void {
    for (const id of this.accounts) {
      for (const [cur, target] of this.targets) {
        const b = this.engine.balance(id, cur);
        if (b.total < target / 2) this.engine.deposit(id, cur, target - b.total);
        else if (b.available > target * 2) this.engine.withdraw(id, cur, b.available - target);
      }
    }
  }

  get now(): number {
    return this.t;
  }

  /** Run every step up to engine time `ms`. */
  advanceTo(ms: number): void {
    const stepMs = this.cfg.stepMs;
    while (this.t + stepMs <= ms) {
      this.t += stepMs;
      this.setTime?.(this.t);
      this.step(stepMs / 1000);
    }
  }

  private step(dt: number): void {
    const rng = this.rng;
    const budget = this.rate * dt;
    for (const mf of this.markets) {
      const before = mf.ops;
      const latentTicks = mf.latent.step(dt, rng) / mf.tick;
      let makerOps = 0;
      for (const mm of mf.makers) {
        const o = mm.ops;
        mm.cancelStale(this.engine, latentTicks, rng);
        makerOps += mm.ops - o;
      }
      for (const mm of mf.makers) {
        const o = mm.ops;
        mm.placeMissing(this.engine);
        makerOps += mm.ops - o;
      }
      const rest = Math.max(budget - makerOps, budget * this.cfg.minShare);
      const n0 = mf.noise.ops;
      mf.noise.cancelSome(this.engine, dt, rng);
      mf.noise.place(this.engine, latentTicks, rng.poisson(rest * this.cfg.shares.noise), rng);
      const t0 = mf.taker.ops;
      const quoteDecimals = this.engine.currency(mf.market.quote)?.decimals ?? 8;
      mf.taker.send(this.engine, latentTicks, rng.poisson(rest * this.cfg.shares.takers), rng, quoteDecimals);
      mf.ops = before + makerOps + (mf.noise.ops - n0) + (mf.taker.ops - t0);
    }
    if (this.t - this.lastRebalance >= 60_000) {
      this.lastRebalance = this.t;
      this.rebalance();
    }
  }

  status(): FlowMarketStatus[] {
    return this.markets.map((mf) => ({
      symbol: mf.market.symbol,
      latent: mf.latent.price,
      commands: mf.ops,
      noiseLive: mf.noise.liveCount,
      jumps: mf.latent.jumps,
    }));
  }
}
