/**
 * Noise traders: limit orders at a random distance from the latent price (either side; density
 * growing with distance, see FlowConfig.noise),
 * lognormal notional, cancelled after an exponential lifetime. An order placed through the
 * touch trades like any marketable limit order.
 */
import type { SimEngine } from '../engine.js';
import type { SimMarket } from '../engine-types.js';
import type { Rng } from '../rng.js';
import type { FlowConfig } from './flow-config.js';

export class NoiseTrader {
  readonly account: string;
  private readonly market: SimMarket;
  private readonly cfg: FlowConfig['noise'];
  private readonly live: string[] = [];
  private readonly timed: { readonly id: string; readonly until: number }[] = [];
  ops = 0;

  constructor(account: string, market: SimMarket, cfg: FlowConfig['noise']) {
    this.account = account;
    this.market = market;
    this.cfg = cfg;
  }

  get liveCount(): number {
    return this.live.length + this.timed.length;
  }

  place(engine: SimEngine, latentTicks: number, count: number, rng: Rng): void {
    for (let k = 0; k < count; k++) {
      const id = this.placeOne(engine, latentTicks, rng);
      if (id !== undefined) this.live.push(id);
    }
  }

  /**
   * Split-stream variant (FlowConfig.streams = 'split'): each order's lifetime is drawn when it is
   * placed, whatever happens to it, and `cancelExpired` uses no random draw — so this trader's
   * random stream does not depend on which of its orders other accounts traded against.
   */
  placeTimed(engine: SimEngine, latentTicks: number, count: number, rng: Rng, nowMs: number): void {
    for (let k = 0; k < count; k++) {
      const id = this.placeOne(engine, latentTicks, rng);
      const until = nowMs + rng.exp(this.cfg.meanLifeSec) * 1000;
      if (id !== undefined) this.timed.push({ id, until });
    }
  }

  /** Cancel the split-stream orders whose lifetime is over. */
  cancelExpired(engine: SimEngine, nowMs: number): void {
    let w = 0;
    for (const o of this.timed) {
      if (o.until > nowMs) {
        this.timed[w++] = o;
        continue;
      }
      if (engine.isActive(o.id)) {
        engine.cancelOrder(this.account, o.id);
        this.ops++;
      }
    }
    this.timed.length = w;
  }

  /** One order; its id when it rests on the book. */
  private placeOne(engine: SimEngine, latentTicks: number, rng: Rng): string | undefined {
    const m = this.market;
    const tick = Number(m.instrument.tickSize);
    const lot = Number(m.instrument.lotSize);
    const buy = rng.chance(0.5);
    const bps = this.cfg.maxOffsetBps * Math.pow(rng.next(), 1 / this.cfg.offsetShape);
    const off = 1 + Math.floor((bps * latentTicks) / 10_000);
    const price = buy ? Math.floor(latentTicks) - off + 1 : Math.ceil(latentTicks) + off - 1;
    if (price <= 0) return undefined;
    const notional = this.cfg.medianNotional * Math.exp(this.cfg.notionalSigma * rng.normal());
    const size = Math.min(m.maxLots, Math.max(m.minLots, Math.round(notional / (price * tick) / lot)));
    const r = engine.placeOrder({
      account: this.account,
      symbol: m.symbol,
      side: buy ? 'buy' : 'sell',
      type: 'limit',
      price,
      size,
    });
    this.ops++;
    return r.ok && r.order.status === 'open' ? r.order.orderId : undefined;
  }

  /** Cancel each live order with probability dt / meanLife (drawn as a Poisson count). */
  cancelSome(engine: SimEngine, dtSec: number, rng: Rng): void {
    const n = rng.poisson((this.live.length * dtSec) / this.cfg.meanLifeSec);
    for (let k = 0; k < n && this.live.length > 0; k++) {
      const i = rng.int(0, this.live.length - 1);
      const id = this.live[i];
      this.live[i] = this.live[this.live.length - 1];
      this.live.pop();
      if (engine.isActive(id)) {
        engine.cancelOrder(this.account, id);
        this.ops++;
      }
    }
  }
}
