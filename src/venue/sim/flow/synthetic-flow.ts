/**
 * Seeded synthetic order flow for the simulated exchange. Pure: `advanceTo(ms)` runs every step
 * of `stepMs` up to that engine time; nothing reads a clock or sets a timer here (see
 * realtime-driver.ts for live use). Per market each step:
 *   1. the latent price moves (GBM + jumps),
 *   2. every maker cancels its stale ladder orders, then every maker places its missing ones,
 *   3. noise traders cancel some orders and place new ones, takers send market orders.
 * The command budget per market is `ratePerSec`; makers use what the price movement requires,
 * noise traders and takers share the rest (at least `minShare` of it).
 * With `config.impact` the latent price also moves with the signed notional every taker (outside
 * accounts included) traded since the last step — see FlowImpactConfig for the formula — so
 * aggressive orders move the fair price and the makers re-quote around it. `retune` changes the
 * rate, step and shares mid-run (a cheap warm-up followed by the real flow).
 */
import type { SimEngine } from '../engine.js';
import type { SimMarket, SimMessage } from '../engine-types.js';
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
  /** Impact: signed taker notional since the last step (ticks·lots) and the touch depth D. */
  pendingNotional: number;
  depth: number;
}

/** What `retune` may change while the flow runs. */
export interface FlowRetune {
  readonly ratePerSec?: number;
  readonly stepMs?: number;
  readonly shares?: FlowConfig['shares'];
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
  private config: FlowConfig;
  private readonly rng: Rng;
  private rate: number;
  private readonly markets: MarketFlow[] = [];
  private readonly setTime: ((ms: number) => void) | undefined;
  private readonly accounts: string[] = [];
  private readonly targets = new Map<string, number>();
  private t: number;
  private lastRebalance: number;
  private readonly bySymbol = new Map<string, MarketFlow>();
  private readonly makerAccounts = new Set<string>();
  private readonly unsubscribe: (() => void) | undefined;
  /** Per-agent streams when cfg.streams = 'split'. */
  private readonly split:
    { readonly latent: Rng; readonly makers: Rng; readonly noise: Rng; readonly takers: Rng } | undefined;

  constructor(engine: SimEngine, opts: FlowOptions) {
    this.engine = engine;
    this.config = { ...DEFAULT_FLOW, ...(opts.config ?? {}) };
    this.rng = new Rng(opts.seed ?? 1);
    if (this.config.streams === 'split') {
      const seed = opts.seed ?? 1;
      const sub = (k: number): Rng => new Rng((Math.imul(seed, 0x9e3779b1) + Math.imul(k, 0x85ebca6b)) >>> 0);
      this.split = { latent: sub(1), makers: sub(2), noise: sub(3), takers: sub(4) };
    } else {
      this.split = undefined;
    }
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
        latent: new LatentPrice(start, {
          ...this.cfg.latent,
          volatility: market.config.volatility ?? 0.6,
          ...(this.cfg.driftPerYear !== undefined ? { driftPerYear: this.cfg.driftPerYear } : {}),
        }),
        makers: this.cfg.makers.map((mc, i) => new MarketMaker(`flow-mm${i}`, market, mc)),
        noise: new NoiseTrader('flow-noise', market, this.cfg.noise),
        taker: new Taker('flow-taker', market, this.cfg.takers),
        tick,
        ops: 0,
        pendingNotional: 0,
        depth: 0,
      });
      this.bySymbol.set(s, this.markets[this.markets.length - 1]);
      // holdings: agentNotional of quote, and as much base at the start price
      this.addTarget(market.quote, this.cfg.agentNotional);
      this.addTarget(market.base, this.cfg.agentNotional / start);
    }
    this.rebalance();
    const impact = this.cfg.impact;
    if (impact) {
      if (!(impact.bpsPerDepth >= 0) || !(impact.depthLevels >= 1)) throw new RangeError('bad impact config');
      this.cfg.makers.forEach((_, i) => this.makerAccounts.add(`flow-mm${i}`));
      for (const mf of this.markets) mf.depth = this.touchDepth(mf, impact.depthLevels);
      this.unsubscribe = engine.on((m) => this.onMessage(m));
    }
  }

  get cfg(): FlowConfig {
    return this.config;
  }

  /** Change the command rate, step length and/or noise/taker shares from the next step on. */
  retune(r: FlowRetune): void {
    if (r.ratePerSec !== undefined) {
      if (!(r.ratePerSec >= 0)) throw new RangeError('ratePerSec must be ≥ 0');
      this.rate = r.ratePerSec;
    }
    if (r.stepMs !== undefined && !(r.stepMs > 0)) throw new RangeError('stepMs must be > 0');
    this.config = {
      ...this.config,
      ...(r.stepMs !== undefined ? { stepMs: r.stepMs } : {}),
      ...(r.shares !== undefined ? { shares: r.shares } : {}),
    };
  }

  /** Stop listening to the engine (impact only; the flow itself holds no other resource). */
  close(): void {
    this.unsubscribe?.();
  }

  private onMessage(m: SimMessage): void {
    if (m.type !== 'order' || m.changeType !== 'match' || m.liquidity !== 'taker') return;
    if (this.makerAccounts.has(m.account)) return;
    const mf = this.bySymbol.get(m.order.symbol);
    if (!mf || m.matchPrice === undefined || m.matchSize === undefined) return;
    const notional = m.matchPrice * m.matchSize;
    mf.pendingNotional += m.order.side === 'buy' ? notional : -notional;
  }

  /** ½·(Σ price·size over the best n bid levels + the same for the asks), ticks·lots. */
  private touchDepth(mf: MarketFlow, n: number): number {
    const snap = this.engine.l2Snapshot(mf.market.symbol, n);
    let sum = 0;
    for (const [p, q] of snap.bids) sum += p * q;
    for (const [p, q] of snap.asks) sum += p * q;
    return sum / 2;
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
    if (this.split) {
      this.stepSplit(dt, this.split);
      return;
    }
    const rng = this.rng;
    const budget = this.rate * dt;
    for (const mf of this.markets) {
      const before = mf.ops;
      const impact = this.cfg.impact;
      if (impact && mf.pendingNotional !== 0 && mf.depth > 0) {
        mf.latent.shift(((impact.bpsPerDepth / 10_000) * mf.pendingNotional) / mf.depth);
      }
      mf.pendingNotional = 0;
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
      if (impact) mf.depth = this.touchDepth(mf, impact.depthLevels);
    }
    if (this.t - this.lastRebalance >= 60_000) {
      this.lastRebalance = this.t;
      this.rebalance();
    }
  }

  /** One step with per-agent streams (see FlowConfig.streams). */
  private stepSplit(dt: number, r: { latent: Rng; makers: Rng; noise: Rng; takers: Rng }): void {
    const budget = this.rate * dt;
    const impact = this.cfg.impact;
    for (const mf of this.markets) {
      const before = mf.ops;
      if (impact && mf.pendingNotional !== 0 && mf.depth > 0) {
        mf.latent.shift(((impact.bpsPerDepth / 10_000) * mf.pendingNotional) / mf.depth);
      }
      mf.pendingNotional = 0;
      const latentTicks = mf.latent.step(dt, r.latent) / mf.tick;
      let makerOps = 0;
      for (const mm of mf.makers) {
        const o = mm.ops;
        mm.cancelStale(this.engine, latentTicks, r.makers);
        makerOps += mm.ops - o;
      }
      for (const mm of mf.makers) {
        const o = mm.ops;
        mm.placeMissing(this.engine);
        makerOps += mm.ops - o;
      }
      const n0 = mf.noise.ops;
      mf.noise.cancelExpired(this.engine, this.t);
      mf.noise.placeTimed(this.engine, latentTicks, r.noise.poisson(budget * this.cfg.shares.noise), r.noise, this.t);
      const t0 = mf.taker.ops;
      const quoteDecimals = this.engine.currency(mf.market.quote)?.decimals ?? 8;
      mf.taker.send(
        this.engine,
        latentTicks,
        r.takers.poisson(budget * this.cfg.shares.takers),
        r.takers,
        quoteDecimals,
      );
      mf.ops = before + makerOps + (mf.noise.ops - n0) + (mf.taker.ops - t0);
      if (impact) mf.depth = this.touchDepth(mf, impact.depthLevels);
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
