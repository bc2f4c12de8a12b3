/**
 * A market maker quoting a ladder around the latent price: an inner level a few ticks from it and
 * outer levels on a fixed grid (so small moves leave them alone), sizes growing away from the
 * touch. Re-quoting is split in two phases so that, across makers, every stale order is cancelled
 * before any new one is placed (no maker-vs-maker crossing). A new inner quote may trade against
 * stale noise orders that the latent price has moved through — the maker arbitrages them.
 */
import type { SimEngine } from '../engine.js';
import type { SimMarket } from '../engine-types.js';
import type { Rng } from '../rng.js';
import type { MarketMakerConfig } from './flow-config.js';

interface Quote {
  readonly price: number;
  readonly size: number;
}

export class MarketMaker {
  readonly account: string;
  private readonly cfg: MarketMakerConfig;
  private readonly market: SimMarket;
  /** Resting orders by side: price → order id. */
  private readonly live: [Map<number, string>, Map<number, string>] = [new Map(), new Map()];
  private target: [Quote[], Quote[]] = [[], []];
  ops = 0;

  constructor(account: string, market: SimMarket, cfg: MarketMakerConfig) {
    this.account = account;
    this.market = market;
    this.cfg = cfg;
  }

  /** Phase 1: compute the ladder and cancel what is no longer on it. */
  cancelStale(engine: SimEngine, latentTicks: number, rng: Rng): void {
    const c = this.cfg;
    const g = Math.max(1, Math.round((c.gapBps * latentTicks) / 10_000));
    const bids: Quote[] = [];
    const asks: Quote[] = [];
    let bid0: number;
    let ask0: number;
    if (c.innerTicks !== null) {
      const inner = rng.int(c.innerTicks[0], c.innerTicks[1]);
      bid0 = Math.ceil(latentTicks) - inner;
      ask0 = Math.floor(latentTicks) + inner;
      if (bid0 > 0) bids.push({ price: bid0, size: this.lots(0, latentTicks) });
      asks.push({ price: ask0, size: this.lots(0, latentTicks) });
    } else {
      bid0 = Math.ceil(latentTicks);
      ask0 = Math.floor(latentTicks);
    }
    const gb = Math.floor(bid0 / g);
    const ga = Math.ceil(ask0 / g);
    for (let i = 1; i < c.levels; i++) {
      const pb = (gb - i) * g;
      if (pb > 0 && pb < bid0) bids.push({ price: pb, size: this.lots(i, latentTicks) });
      const pa = (ga + i) * g;
      if (pa > ask0) asks.push({ price: pa, size: this.lots(i, latentTicks) });
    }
    this.target = [bids, asks];
    for (let side = 0; side < 2; side++) {
      const want = new Set(this.target[side].map((q) => q.price));
      for (const [price, id] of this.live[side]) {
        if (!want.has(price) || !engine.isActive(id)) {
          if (engine.isActive(id)) {
            engine.cancelOrder(this.account, id);
            this.ops++;
          }
          this.live[side].delete(price);
        }
      }
    }
  }

  /** Phase 2: place the ladder levels that are missing. */
  placeMissing(engine: SimEngine): void {
    for (let side = 0; side < 2; side++) {
      for (const q of this.target[side]) {
        if (this.live[side].has(q.price) || q.size <= 0) continue;
        const r = engine.placeOrder({
          account: this.account,
          symbol: this.market.symbol,
          side: side === 0 ? 'buy' : 'sell',
          type: 'limit',
          price: q.price,
          size: q.size,
          stp: 'CO',
        });
        this.ops++;
        if (r.ok && r.order.status === 'open') this.live[side].set(q.price, r.order.orderId);
      }
    }
  }

  private lots(i: number, latentTicks: number): number {
    const m = this.market;
    const notional = this.cfg.baseNotional * (1 + this.cfg.growth * i);
    // price in quote = ticks × tick; lots = notional / price / lot
    const price = latentTicks * Number(m.instrument.tickSize);
    const lots = Math.round(notional / price / Number(m.instrument.lotSize));
    return Math.min(m.maxLots, Math.max(m.minLots, lots));
  }
}
