/**
 * Takers: market orders, either side, with Pareto (heavy-tailed) notional; some by funds.
 */
import type { SimEngine } from '../engine.js';
import type { SimMarket } from '../engine-types.js';
import type { Rng } from '../rng.js';
import type { FlowConfig } from './flow-config.js';

export class Taker {
  readonly account: string;
  private readonly market: SimMarket;
  private readonly cfg: FlowConfig['takers'];
  ops = 0;

  constructor(account: string, market: SimMarket, cfg: FlowConfig['takers']) {
    this.account = account;
    this.market = market;
    this.cfg = cfg;
  }

  send(engine: SimEngine, latentTicks: number, count: number, rng: Rng, quoteDecimals: number): void {
    const m = this.market;
    const price = latentTicks * Number(m.instrument.tickSize);
    for (let k = 0; k < count; k++) {
      const buy = rng.chance(0.5);
      const notional = Math.min(this.cfg.maxNotional, rng.pareto(this.cfg.minNotional, this.cfg.alpha));
      if (buy && rng.chance(this.cfg.byFundsShare)) {
        const funds = Math.max(m.minFunds, Math.round(notional * 10 ** quoteDecimals));
        engine.placeOrder({ account: this.account, symbol: m.symbol, side: 'buy', type: 'market', funds });
      } else {
        const size = Math.min(
          m.maxLots,
          Math.max(m.minLots, Math.round(notional / price / Number(m.instrument.lotSize))),
        );
        engine.placeOrder({
          account: this.account,
          symbol: m.symbol,
          side: buy ? 'buy' : 'sell',
          type: 'market',
          size,
        });
      }
      this.ops++;
    }
  }
}
