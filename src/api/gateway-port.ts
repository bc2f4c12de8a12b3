/**
 * What the protocol servers (FMZ General Protocol, MOV Dealer, KuCoin level-3 SDK RPC, and the
 * native REST API) need from a gateway, in deskgate's own types. Servers depend on this port
 * only; it is implemented over a Venue plus a market-data source (see venue-port.ts), and later
 * by the gateway kernel, so the protocol code never changes when the wiring does.
 *
 * Prices are integer ticks and sizes integer lots of the instrument; money is an exact decimal
 * string. Every call returns a VenueResult: `{ok:true, value}` or `{ok:false, error}` with a
 * stable DG_E_… code, never a rejected promise.
 */
import type { Instrument } from '../core/instrument.js';
import type { Side } from '../core/events.js';
import type { BookView } from '../book/book-view.js';
import type { L3Book } from '../book/l3-book.js';
import type {
  BalanceEntry,
  CancelAck,
  OrderRequest,
  PlaceAck,
  VenueListener,
  VenueOrder,
  VenueResult,
} from '../venue/venue.js';

export interface TickerView {
  readonly instrument: Instrument;
  /** Best bid/ask in ticks (undefined when that side is empty). */
  readonly bid: number | undefined;
  readonly ask: number | undefined;
  /** Last trade price in ticks, if any trade happened. */
  readonly last: number | undefined;
  /** 24 h open/high/low in ticks and volume in lots (base). */
  readonly open: number | undefined;
  readonly high: number | undefined;
  readonly low: number | undefined;
  readonly volume: number;
  /** Milliseconds. */
  readonly time: number;
  /** The venue's own reply this was read from (e.g. ccxt `info`), when there is one. */
  readonly raw?: unknown;
}

export interface TradeView {
  readonly id: string;
  readonly price: number;
  readonly size: number;
  readonly takerSide: Side;
  readonly time: number;
}

/** One candle: [open time ms, open, high, low, close (ticks), volume (lots)]. */
export type CandleView = readonly [
  time: number,
  open: number,
  high: number,
  low: number,
  close: number,
  volume: number,
];

/** An order as the APIs show it: the venue's view plus what FMZ/MOV clients expect. */
export interface OrderView extends VenueOrder {
  /** Average fill price as an exact decimal string; undefined before the first fill. */
  readonly avgPrice: string | undefined;
  /** Venue time the order was accepted (ms). */
  readonly createdAt: number;
  /** The venue's own reply this was read from (e.g. ccxt `info`), when there is one. */
  readonly raw?: unknown;
}

export interface GatewayPort {
  /** Gateway (venue account) name, e.g. "sim" or "kucoin-main". */
  readonly name: string;
  instruments(): readonly Instrument[];
  /** Any notation parseSymbol understands, or the native name. */
  instrument(name: string): Instrument | undefined;

  /** A live, synced book; subscribes on first use. L3 where the venue has it. */
  book(inst: Instrument): Promise<VenueResult<BookView>>;
  /** The order-level book when the venue offers L3, else DG_E_VENUE_UNSUPPORTED. */
  l3Book(inst: Instrument): Promise<VenueResult<L3Book>>;
  ticker(inst: Instrument): Promise<VenueResult<TickerView>>;
  trades(inst: Instrument, limit: number): Promise<VenueResult<TradeView[]>>;
  /** periodMinutes: 1, 3, 5, 15, 30, 60, 120, 240, 360, 480, 720, 1440, 10080. */
  candles(inst: Instrument, periodMinutes: number, limit: number): Promise<VenueResult<CandleView[]>>;

  placeOrder(req: OrderRequest): Promise<VenueResult<PlaceAck>>;
  cancelOrder(
    inst: Instrument,
    ids: { clientOrderId?: string; venueOrderId?: string },
  ): Promise<VenueResult<CancelAck>>;
  /** By client order id or venue order id. */
  order(inst: Instrument, ids: { clientOrderId?: string; venueOrderId?: string }): Promise<VenueResult<OrderView>>;
  openOrders(inst?: Instrument): Promise<VenueResult<OrderView[]>>;
  /** Closed orders, newest first. */
  closedOrders(inst: Instrument, since: number | undefined, limit: number): Promise<VenueResult<OrderView[]>>;
  balances(): Promise<VenueResult<BalanceEntry[]>>;

  /** Order, fill, balance and book events. Returns unsubscribe. */
  on(listener: VenueListener): () => void;
}
