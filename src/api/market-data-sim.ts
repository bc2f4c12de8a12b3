/**
 * MarketDataSource over the in-process sim engine (src/venue/sim/README-API.md "Reads"): ticker and
 * 24 h stats, the public trade ring, candles, the account's done orders. Pure reads, no I/O; the
 * engine already speaks ticks and lots.
 */
import { formatScaled } from '../core/decimal.js';
import type { Instrument } from '../core/instrument.js';
import type { SimEngine } from '../venue/sim/engine.js';
import type { OrderView as SimOrderView } from '../venue/sim/engine-types.js';
import { simOrder } from '../venue/sim-venue/sim-translate.js';
import { venueFail, venueOk, type VenueResult } from '../venue/venue.js';
import type { CandleView, OrderView, TickerView, TradeView } from './gateway-port.js';
import { CANDLE_PERIODS, MAX_HISTORY, clampLimit, type MarketDataSource, type OrderIds } from './market-data.js';

export interface SimMarketDataOptions {
  readonly engine: SimEngine;
  /** The engine account whose orders are read (the SimVenue's account). */
  readonly account: string;
}

/** Extra places kept in an average price beyond the tick's own decimals. */
const AVG_EXTRA_DECIMALS = 8;

/** Exact-to-1e-(tick decimals + 8) average fill price of a sim order; undefined before a fill. */
export function simAveragePrice(engine: SimEngine, o: SimOrderView): string | undefined {
  if (o.filledSize <= 0) return undefined;
  const m = engine.market(o.symbol);
  if (!m) return undefined;
  const inc = m.instrument.price;
  // avg ticks = filledFunds / (filledSize × quoteUnitsPerTickLot); price = ticks × step × 10^-decimals
  const scale = 10n ** BigInt(AVG_EXTRA_DECIMALS);
  const num = BigInt(o.filledFunds) * BigInt(inc.step) * scale;
  const den = BigInt(o.filledSize) * BigInt(m.quoteUnitsPerTickLot);
  const q = (num * 2n + den) / (2n * den); // round half up (all values positive)
  return formatScaled(q, inc.decimals + AVG_EXTRA_DECIMALS);
}

export function createSimMarketData(opts: SimMarketDataOptions): MarketDataSource {
  const { engine, account } = opts;
  const known = (inst: Instrument): string | undefined => {
    const m = engine.market(inst.native);
    return m ? m.symbol : undefined;
  };
  const view = (o: SimOrderView, inst: Instrument): OrderView => ({
    ...simOrder(o, inst),
    avgPrice: simAveragePrice(engine, o),
    createdAt: o.createdAt,
  });
  const unknown = <T>(inst: Instrument): VenueResult<T> => venueFail('DG_E_UNKNOWN_INSTRUMENT', inst.symbol);

  return {
    async ticker(inst: Instrument): Promise<VenueResult<TickerView>> {
      const s = known(inst);
      if (!s) return unknown(inst);
      const t = engine.ticker(s);
      return venueOk({
        instrument: inst,
        bid: t.bestBid,
        ask: t.bestAsk,
        last: t.last,
        open: t.open24h,
        high: t.high24h,
        low: t.low24h,
        volume: t.volume24h,
        time: t.ts,
      });
    },

    async trades(inst: Instrument, limit: number): Promise<VenueResult<TradeView[]>> {
      const s = known(inst);
      if (!s) return unknown(inst);
      return venueOk(
        engine.trades(s, clampLimit(limit, 100)).map((t) => ({
          id: t.tradeId,
          price: t.price,
          size: t.size,
          takerSide: t.takerSide === 'buy' ? 0 : 1,
          time: t.ts,
        })),
      );
    },

    async candles(inst: Instrument, periodMinutes: number, limit: number): Promise<VenueResult<CandleView[]>> {
      const s = known(inst);
      if (!s) return unknown(inst);
      if (!CANDLE_PERIODS.includes(periodMinutes)) return venueFail('DG_E_BAD_INPUT', `period ${periodMinutes} min`);
      const n = clampLimit(limit, 100);
      const now = engine.ticker(s).ts;
      const from = now - periodMinutes * 60_000 * n;
      const rows = engine.candles(s, periodMinutes, from, now);
      return venueOk(rows.slice(-n).map((c): CandleView => [c.start, c.open, c.high, c.low, c.close, c.volume]));
    },

    async closedOrders(inst: Instrument, since: number | undefined, limit: number): Promise<VenueResult<OrderView[]>> {
      const s = known(inst);
      if (!s) return unknown(inst);
      const n = clampLimit(limit, 100);
      const done = engine.doneOrders(account, s, since === undefined ? n : MAX_HISTORY);
      const out: OrderView[] = [];
      for (const o of done) {
        if (since !== undefined && o.createdAt < since) continue;
        out.push(view(o, inst));
        if (out.length >= n) break;
      }
      return venueOk(out);
    },

    async order(inst: Instrument, ids: OrderIds): Promise<VenueResult<OrderView>> {
      const s = known(inst);
      if (!s) return unknown(inst);
      const o =
        ids.venueOrderId !== undefined
          ? engine.order(ids.venueOrderId)
          : ids.clientOrderId !== undefined
            ? engine.orderByClientOid(account, ids.clientOrderId)
            : undefined;
      if (!o || o.account !== account || o.symbol !== s) {
        return venueFail('DG_E_VENUE_UNKNOWN_ORDER', ids.venueOrderId ?? ids.clientOrderId ?? 'no id');
      }
      return venueOk(view(o, inst));
    },
  };
}
