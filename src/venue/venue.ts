/**
 * The Venue interface: what the gateway kernel needs from an exchange, in deskgate's normalised
 * types only (docs/venue.md). No wire shape of any venue crosses this file (design principle 4).
 *
 * Units: prices are integer ticks and sizes integer lots of the order's `Instrument`
 * (core/instrument.ts converts both ways exactly); money (balances, fees, market-by-funds amounts)
 * is an exact decimal string in the currency, because currencies have no grid of their own here
 * (the ledger converts them to its minor units with its CurrencyBook).
 *
 * Every call returns a value — `{ok: true, value}` or `{ok: false, error}` with a stable
 * `DG_E_…` code — and never rejects. A `DG_E_VENUE_TIMEOUT` (or `DG_E_VENUE_UNAVAILABLE` after
 * the request may have been sent) leaves the order's fate unknown: the kernel keeps it in flight
 * and resolves it with `queryOrder(clientOrderId)` (design principle 5).
 */
import type { BookView } from '../book/book-view.js';
import { dgError, type DeskgateError, type ErrorCode } from '../core/errors.js';
import type { Side } from '../core/events.js';
import type { Instrument } from '../core/instrument.js';

// ----- results -------------------------------------------------------------------------------

export type VenueResult<T> =
  { readonly ok: true; readonly value: T } | { readonly ok: false; readonly error: DeskgateError };

export function venueOk<T>(value: T): VenueResult<T> {
  return { ok: true, value };
}

export function venueFail<T = never>(code: ErrorCode | DeskgateError, detail?: string): VenueResult<T> {
  return { ok: false, error: typeof code === 'string' ? dgError(code, detail) : code };
}

// ----- capabilities --------------------------------------------------------------------------

export type TimeInForce = 'GTC' | 'IOC' | 'FOK';
export type OrderType = 'limit' | 'market';

export interface VenueCapabilities {
  /** Level-2 (price level) books. */
  readonly l2: boolean;
  /** Level-3 (order by order) books, with FIFO queue positions. */
  readonly l3: boolean;
  /**
   * How `queryOrder` finds an order by client order id: 'native' = one venue call keyed by the
   * client id; 'scan' = open orders then recent closed orders scanned (slower, bounded history).
   */
  readonly clientOrderIdQuery: 'native' | 'scan';
  /** Cancel by client order id without knowing the venue order id. */
  readonly cancelByClientId: boolean;
  /** amendOrder: reduce an open order's size in place (keeping queue priority). */
  readonly amend: boolean;
  readonly postOnly: boolean;
  /** Self-trade prevention modes. */
  readonly stp: boolean;
  /** Market orders sized by quote amount (`funds`). */
  readonly marketByFunds: boolean;
  readonly timeInForce: readonly TimeInForce[];
  /** Order, fill and balance events are pushed (no polling). */
  readonly privateStream: boolean;
  /** The private order stream carries the client order id on every order event. */
  readonly streamHasClientId: boolean;
  /**
   * Fill events carry the fee. False where the venue's private stream omits it (KuCoin's
   * tradeOrders): the fee then comes from the order's REST totals (S3.5: no polling for it).
   */
  readonly fillFeesOnStream: boolean;
}

// ----- orders --------------------------------------------------------------------------------

export interface OrderRequest {
  /** Gateway-made, unique per venue account; ≤ 40 chars of [A-Za-z0-9_-]. */
  readonly clientOrderId: string;
  readonly instrument: Instrument;
  readonly side: Side;
  readonly type: OrderType;
  /** Limit price in ticks (limit orders only). */
  readonly price?: number;
  /** Size in lots (limit orders; market orders sized in base). */
  readonly size?: number;
  /** Market orders sized in quote: exact decimal amount of the quote currency. */
  readonly funds?: string;
  /** Default GTC for limit orders; market orders are IOC by nature. */
  readonly timeInForce?: TimeInForce;
  readonly postOnly?: boolean;
}

export interface PlaceAck {
  readonly clientOrderId: string;
  readonly venueOrderId: string;
}

/** Cancel by client order id (preferred) or by venue order id. */
export interface CancelRequest {
  readonly instrument: Instrument;
  readonly clientOrderId?: string;
  readonly venueOrderId?: string;
}

/** Reduce an open order in place, keeping its queue priority (capabilities.amend). */
export interface AmendRequest {
  readonly instrument: Instrument;
  readonly clientOrderId?: string;
  readonly venueOrderId?: string;
  /** New total size in lots (filled + still open); must be below the current one and above what is filled. */
  readonly size: number;
}

export interface CancelAck {
  readonly clientOrderId: string | undefined;
  readonly venueOrderId: string;
}

/**
 * Normalised order status. `received` = accepted by the venue, not yet resting; `partial` = open
 * with some fills; `filled` / `canceled` / `rejected` are terminal (a cancelled order may have
 * partial fills: see `filledSize`).
 */
export type VenueOrderStatus = 'received' | 'open' | 'partial' | 'filled' | 'canceled' | 'rejected';

export const TERMINAL_STATUSES: ReadonlySet<VenueOrderStatus> = new Set(['filled', 'canceled', 'rejected']);

/** Lifecycle rank: an update never moves an order to a lower rank. */
export function statusRank(s: VenueOrderStatus): number {
  switch (s) {
    case 'received':
      return 0;
    case 'open':
      return 1;
    case 'partial':
      return 2;
    default:
      return 3;
  }
}

export interface VenueOrder {
  readonly clientOrderId: string | undefined;
  readonly venueOrderId: string;
  readonly instrument: Instrument;
  readonly side: Side;
  readonly type: OrderType;
  /** Ticks; undefined for market orders. */
  readonly price: number | undefined;
  /** Lots as placed; undefined for orders sized by funds. */
  readonly size: number | undefined;
  /** Cumulative filled lots. */
  readonly filledSize: number;
  readonly status: VenueOrderStatus;
  /** Venue time of this state (ms). */
  readonly ts: number;
}

export type QueryAnswer =
  { readonly found: false; readonly clientOrderId: string } | { readonly found: true; readonly order: VenueOrder };

export interface Money {
  readonly currency: string;
  /** Exact decimal string. */
  readonly amount: string;
}

export interface BalanceEntry {
  readonly currency: string;
  /** Exact decimal strings; total = free + used. */
  readonly free: string;
  readonly used: string;
  readonly total: string;
}

// ----- events --------------------------------------------------------------------------------

/**
 * An order changed state or filled more (cumulative). Guarantees of every adapter: the first
 * event of an accepted order is `received`; statuses never go back in rank; `filledSize` never
 * decreases; an update that would break either is dropped and reported as an `error` event
 * (DG_E_VENUE_BAD_REPLY); unchanged repeats are not delivered.
 * `source`: 'stream' (private feed), 'rest' (a reply of ours), 'reconcile' (query after reconnect).
 */
export interface OrderUpdateEvent {
  readonly type: 'order';
  readonly order: VenueOrder;
  readonly source: 'stream' | 'rest' | 'reconcile';
}

/** One execution of one own order. `tradeId` is the dedupe key. */
export interface FillEvent {
  readonly type: 'fill';
  readonly instrument: Instrument;
  readonly clientOrderId: string | undefined;
  readonly venueOrderId: string;
  readonly tradeId: string;
  readonly side: Side;
  readonly price: number;
  readonly size: number;
  readonly fee: Money | undefined;
  readonly liquidity: 'maker' | 'taker' | undefined;
  readonly ts: number;
}

/** Balances of the currencies that changed (each entry is the currency's full new state). */
export interface BalanceEvent {
  readonly type: 'balance';
  readonly balances: readonly BalanceEntry[];
  readonly ts: number;
}

/** A subscribed book changed; read it through its BookSubscription.view. */
export interface BookEvent {
  readonly type: 'book';
  readonly instrument: Instrument;
  readonly seq: number;
  readonly ts: number;
}

/**
 * Connection state: `disconnected` (a stream dropped: events may be missed until `connected`);
 * `connected` (streams resubscribed; open orders are then reconciled by client id); `resynced`
 * (one instrument's book is live again from a fresh snapshot).
 */
export interface ConnectionEvent {
  readonly type: 'connection';
  readonly state: 'connected' | 'disconnected' | 'resynced';
  readonly instrument?: Instrument;
  readonly reason?: string;
  readonly ts: number;
}

/** A problem on a stream that changed nothing (malformed or contradictory venue data). */
export interface VenueErrorEvent {
  readonly type: 'error';
  readonly error: DeskgateError;
  readonly ts: number;
}

export type VenueEvent = OrderUpdateEvent | FillEvent | BalanceEvent | BookEvent | ConnectionEvent | VenueErrorEvent;

export type VenueListener = (e: VenueEvent) => void;

// ----- books ---------------------------------------------------------------------------------

export interface BookSubscription {
  readonly instrument: Instrument;
  readonly level: 'l2' | 'l3';
  /** The synced book; empty while not `synced` (a book known to be wrong is never shown). */
  readonly view: BookView;
  readonly synced: boolean;
  /** Venue sequence the book is at (0 before the first snapshot). */
  readonly seq: number;
}

// ----- the venue -----------------------------------------------------------------------------

export type VenueState = 'idle' | 'connected' | 'disconnected' | 'closed';

export interface Venue {
  /** Venue name used on instruments (Instrument.venue). */
  readonly id: string;
  readonly capabilities: VenueCapabilities;
  readonly state: VenueState;

  /** Load instruments and start the private streams. */
  connect(): Promise<VenueResult<void>>;
  /** Stop every stream and timer; idempotent. */
  close(): Promise<void>;

  instruments(): readonly Instrument[];
  /** By unified symbol ("BTC/USDT", "BTC-USDT") or native name. */
  instrument(name: string): Instrument | undefined;

  subscribeBook(inst: Instrument): Promise<VenueResult<BookSubscription>>;
  unsubscribeBook(inst: Instrument): Promise<void>;

  placeOrder(req: OrderRequest): Promise<VenueResult<PlaceAck>>;
  cancelOrder(req: CancelRequest): Promise<VenueResult<CancelAck>>;
  /** DG_E_VENUE_UNSUPPORTED where capabilities.amend is false. */
  amendOrder(req: AmendRequest): Promise<VenueResult<CancelAck>>;
  queryOrder(inst: Instrument, clientOrderId: string): Promise<VenueResult<QueryAnswer>>;
  openOrders(inst?: Instrument): Promise<VenueResult<VenueOrder[]>>;
  balances(): Promise<VenueResult<BalanceEntry[]>>;
  /**
   * Optional: every execution of one order as the venue's REST history has it, fees included
   * (`FillEvent.fee` set where the venue reports one). Offered where `capabilities.fillFeesOnStream`
   * is false, so the kernel can charge each fill's real fee to the order's strategy slot.
   */
  orderFills?(inst: Instrument, venueOrderId: string): Promise<VenueResult<FillEvent[]>>;

  /** Listen to every event, in venue order, delivered asynchronously; returns unsubscribe. */
  on(listener: VenueListener): () => void;
}
