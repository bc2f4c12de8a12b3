/**
 * MarketDataSource: the reads a GatewayPort needs that the Venue interface does not carry —
 * ticker with 24 h stats, recent public trades, candles, closed orders and one order by either id
 * with its average price. Two implementations: the in-process sim engine (market-data-sim.ts) and
 * any ccxt exchange (market-data-ccxt.ts). Same units as the port: ticks, lots, exact decimal
 * strings for money; every call answers a VenueResult and never rejects.
 */
import type { Instrument } from '../core/instrument.js';
import type { VenueResult } from '../venue/venue.js';
import type { CandleView, OrderView, TickerView, TradeView } from './gateway-port.js';

export interface OrderIds {
  readonly clientOrderId?: string;
  readonly venueOrderId?: string;
}

export interface MarketDataSource {
  ticker(inst: Instrument): Promise<VenueResult<TickerView>>;
  /** Newest first. */
  trades(inst: Instrument, limit: number): Promise<VenueResult<TradeView[]>>;
  /** Oldest first, at most `limit` (the newest ones). */
  candles(inst: Instrument, periodMinutes: number, limit: number): Promise<VenueResult<CandleView[]>>;
  /** Closed orders of the account, newest first. */
  closedOrders(inst: Instrument, since: number | undefined, limit: number): Promise<VenueResult<OrderView[]>>;
  /** One own order, open or closed, by venue or client order id (DG_E_VENUE_UNKNOWN_ORDER if none). */
  order(inst: Instrument, ids: OrderIds): Promise<VenueResult<OrderView>>;
  /** Tickers of many instruments in one venue call, where the venue has one (ccxt fetchTickers). */
  tickers?(insts: readonly Instrument[]): Promise<VenueResult<TickerView[]>>;
}

/** Candle periods (minutes) the port accepts: the FMZ platform's periods. */
export const CANDLE_PERIODS: readonly number[] = [1, 3, 5, 15, 30, 60, 120, 240, 360, 480, 720, 1440, 10080];

/** Largest history request a source serves in one call. */
export const MAX_HISTORY = 1000;

export function clampLimit(limit: number, fallback: number): number {
  if (!Number.isFinite(limit) || limit <= 0) return fallback;
  return Math.min(Math.floor(limit), MAX_HISTORY);
}
