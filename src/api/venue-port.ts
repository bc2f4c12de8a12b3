/**
 * GatewayPort over a Venue plus a MarketDataSource (docs/fmz.md "The port"): order entry, cancel,
 * open orders, balances, books and events come from the Venue; ticker, trades, candles, closed
 * orders and order details (average price, creation time) from the market-data source. The gateway
 * kernel will implement the same port later; protocol servers never see the difference.
 *
 *   const port = createVenuePort(simVenue, createSimMarketData({ engine, account }));
 *   const port = createVenuePort(ccxtVenue, createCcxtMarketData({ exchange: ccxtVenue.exchange }));
 */
import { L3Book } from '../book/l3-book.js';
import type { BookView } from '../book/book-view.js';
import type { Instrument } from '../core/instrument.js';
import { parseSymbol } from '../core/symbol.js';
import {
  venueFail,
  venueOk,
  type BalanceEntry,
  type CancelAck,
  type OrderRequest,
  type PlaceAck,
  type Venue,
  type VenueListener,
  type VenueOrder,
  type VenueResult,
} from '../venue/venue.js';
import type { CandleView, GatewayPort, OrderView, TickerView, TradeView } from './gateway-port.js';
import type { MarketDataSource, OrderIds } from './market-data.js';

export interface VenuePortOptions {
  /** Gateway name (default: the venue id). */
  readonly name?: string;
}

export function createVenuePort(venue: Venue, marketData: MarketDataSource, opts: VenuePortOptions = {}): GatewayPort {
  const md = marketData;

  function instrument(name: string): Instrument | undefined {
    const direct = venue.instrument(name);
    if (direct) return direct;
    try {
      return venue.instrument(parseSymbol(name).unified);
    } catch {
      return undefined;
    }
  }

  /** The venue's own instrument for `inst` (protects against instruments of another venue). */
  function own(inst: Instrument): Instrument | undefined {
    if (inst.venue !== venue.id) return undefined;
    return venue.instrument(inst.symbol) ?? venue.instrument(inst.native);
  }

  async function subscription(inst: Instrument) {
    const mine = own(inst);
    if (!mine) return venueFail<never>('DG_E_UNKNOWN_INSTRUMENT', `${inst.venue}:${inst.symbol}`);
    return venue.subscribeBook(mine);
  }

  async function withDetails(list: VenueOrder[]): Promise<OrderView[]> {
    const out: OrderView[] = [];
    for (const o of list) {
      let avgPrice: string | undefined;
      let createdAt = o.ts;
      let raw: unknown;
      if (o.filledSize > 0) {
        const d = await md.order(o.instrument, { venueOrderId: o.venueOrderId });
        if (d.ok) {
          avgPrice = d.value.avgPrice;
          createdAt = d.value.createdAt;
          raw = d.value.raw;
        }
      }
      out.push(raw === undefined ? { ...o, avgPrice, createdAt } : { ...o, avgPrice, createdAt, raw });
    }
    return out;
  }

  return {
    name: opts.name ?? venue.id,
    instruments: () => venue.instruments(),
    instrument,

    async book(inst: Instrument): Promise<VenueResult<BookView>> {
      const sub = await subscription(inst);
      return sub.ok ? venueOk(sub.value.view) : sub;
    },

    async l3Book(inst: Instrument): Promise<VenueResult<L3Book>> {
      if (!venue.capabilities.l3) return venueFail('DG_E_VENUE_UNSUPPORTED', `${venue.id} has no level-3 book`);
      const sub = await subscription(inst);
      if (!sub.ok) return sub;
      const view = sub.value.view;
      if (sub.value.level !== 'l3' || !(view instanceof L3Book)) {
        return venueFail('DG_E_VENUE_UNSUPPORTED', `${venue.id} serves ${inst.symbol} at level 2`);
      }
      return venueOk(view);
    },

    ticker: (inst: Instrument): Promise<VenueResult<TickerView>> => md.ticker(inst),
    trades: (inst: Instrument, limit: number): Promise<VenueResult<TradeView[]>> => md.trades(inst, limit),
    candles: (inst: Instrument, periodMinutes: number, limit: number): Promise<VenueResult<CandleView[]>> =>
      md.candles(inst, periodMinutes, limit),

    placeOrder: (req: OrderRequest): Promise<VenueResult<PlaceAck>> => venue.placeOrder(req),

    cancelOrder(inst: Instrument, ids: OrderIds): Promise<VenueResult<CancelAck>> {
      return venue.cancelOrder({ instrument: inst, ...ids });
    },

    order: (inst: Instrument, ids: OrderIds): Promise<VenueResult<OrderView>> => md.order(inst, ids),

    async openOrders(inst?: Instrument): Promise<VenueResult<OrderView[]>> {
      const r = await venue.openOrders(inst);
      if (!r.ok) return r;
      return venueOk(await withDetails(r.value));
    },

    closedOrders: (inst: Instrument, since: number | undefined, limit: number): Promise<VenueResult<OrderView[]>> =>
      md.closedOrders(inst, since, limit),

    balances: (): Promise<VenueResult<BalanceEntry[]>> => venue.balances(),

    on: (listener: VenueListener): (() => void) => venue.on(listener),
  };
}
