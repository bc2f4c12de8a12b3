/**
 * Public types of the simulated exchange's matching engine (src/venue/sim/engine.ts).
 *
 * Units: prices are integer ticks of the market, sizes integer lots, money (balances, funds,
 * fees, notional) integer minor units of the currency (see SimCurrency.decimals). Convert at the
 * edge with `engine.formatPrice/formatSize/formatAmount` and the `…Text` entry points.
 * Times are clock milliseconds (KuCoin wants ns on the L3 feed: multiply by 1e6 at the edge).
 */
import type { Instrument } from '../../core/instrument.js';
import type { Increment } from '../../core/decimal.js';
import type { DeskgateError } from '../../core/errors.js';
import type { L3Event, Side } from '../../core/events.js';

export type SideText = 'buy' | 'sell';
export type OrderType = 'limit' | 'market';
export type TimeInForce = 'GTC' | 'IOC' | 'FOK';
/** Self-trade prevention (KuCoin names): cancel newest, cancel oldest, cancel both, decrease and cancel. */
export type StpMode = 'CN' | 'CO' | 'CB' | 'DC';

/** One market of the simulated exchange. */
export interface SimMarketConfig {
  /** KuCoin notation, e.g. "BTC-USDT". */
  readonly symbol: string;
  readonly tickSize: string;
  readonly lotSize: string;
  /** Smallest order size; defaults to one lot. */
  readonly minSize?: string;
  /** Smallest market-by-funds amount in quote; defaults to the quote currency's minor unit. */
  readonly minFunds?: string;
  /** Largest order size; defaults to 1e9 lots. */
  readonly maxSize?: string;
  /** Price the synthetic flow starts from. */
  readonly startPrice: string;
  /** Annualised volatility the synthetic flow aims at, e.g. 0.6 (60 %). */
  readonly volatility?: number;
}

/** A market as the engine uses it. */
export interface SimMarket {
  /** Dense handle (index in engine.markets()). */
  readonly handle: number;
  readonly symbol: string;
  readonly base: string;
  readonly quote: string;
  /** core Instrument: `price` and `size` increments convert strings ⇄ ticks/lots. */
  readonly instrument: Instrument;
  readonly config: SimMarketConfig;
  readonly minLots: number;
  readonly maxLots: number;
  /** Minimum funds for market-by-funds, in quote minor units. */
  readonly minFunds: number;
  /** Base minor units per lot. */
  readonly baseUnitsPerLot: number;
  /** Quote minor units per (tick × lot): notional(P, L) = P × L × quoteUnitsPerTickLot. */
  readonly quoteUnitsPerTickLot: number;
}

/** A currency's minor unit: amount = units × 10^-decimals. */
export interface SimCurrency {
  readonly code: string;
  readonly decimals: number;
  readonly increment: Increment;
}

/** Fee rates in basis points (0.01 bps resolution); charged in the coin the account receives. */
export interface FeeRates {
  readonly makerBps: number;
  readonly takerBps: number;
}

export interface EngineOptions {
  readonly markets: readonly SimMarketConfig[];
  /** Injected clock (ms). */
  readonly clock: { now(): number };
  /** Seeds the order-id prefix; same seed + same inputs + same clock ⇒ identical event stream. */
  readonly seed?: number;
  /** Default fees for accounts without their own (default 10/10 bps). */
  readonly defaultFees?: FeeRates;
  /** Minor-unit decimals per currency; default = the finest any market needs. */
  readonly currencyDecimals?: Readonly<Record<string, number>>;
  /**
   * false ⇒ "raw" mode: no accounts, balances or fees (orders need no account funds; `account`
   * is still used for STP and ownership). Used by the benchmark against account-less books.
   * Default true.
   */
  readonly accounting?: boolean;
  /** false ⇒ keep no trade ring, candles, fills or done-order history (benchmark). Default true. */
  readonly history?: boolean;
  /** Bounds of the history rings. */
  readonly limits?: Partial<HistoryLimits>;
}

export interface HistoryLimits {
  /** Public trades kept per market (default 1000). */
  readonly tradesPerMarket: number;
  /** 1-minute candles kept per market (default 10080 = 7 days). */
  readonly candlesPerMarket: number;
  /** Done orders kept per account (default 1000). */
  readonly doneOrdersPerAccount: number;
  /** Fills kept per account (default 1000). */
  readonly fillsPerAccount: number;
}

// ----- commands ------------------------------------------------------------------------------

/** placeOrder input in integer units. */
export interface PlaceOrderParams {
  readonly account: string;
  readonly symbol: string;
  readonly side: SideText;
  readonly type: OrderType;
  /** Limit price in ticks (limit orders only). */
  readonly price?: number;
  /** Size in lots (limit; market by size). */
  readonly size?: number;
  /** Market by funds: quote minor units to spend (buy) or to receive (sell). */
  readonly funds?: number;
  /** Limit orders; default GTC. Market orders behave as IOC. */
  readonly timeInForce?: TimeInForce;
  readonly postOnly?: boolean;
  readonly stp?: StpMode;
  /** Unique among the account's active and remembered orders; ≤ 64 chars of [A-Za-z0-9_-]. */
  readonly clientOid?: string;
}

/** placeOrderText input: decimal strings as a KuCoin client sends them. */
export interface PlaceOrderTextParams {
  readonly account: string;
  readonly symbol: string;
  readonly side: SideText;
  readonly type: OrderType;
  readonly price?: string;
  readonly size?: string;
  readonly funds?: string;
  readonly timeInForce?: TimeInForce;
  readonly postOnly?: boolean;
  readonly stp?: StpMode;
  readonly clientOid?: string;
}

export type OrderStatus = 'open' | 'done';
export type DoneReason = 'filled' | 'canceled';

/** An order as reads and results show it (a copy; never mutated afterwards). */
export interface OrderView {
  readonly orderId: string;
  readonly clientOid: string | undefined;
  readonly account: string;
  readonly symbol: string;
  readonly side: SideText;
  readonly type: OrderType;
  readonly timeInForce: TimeInForce;
  readonly postOnly: boolean;
  readonly stp: StpMode | undefined;
  /** Ticks; 0 for market orders. */
  readonly price: number;
  /** Lots as placed (after amends: the amended total = filled + new remaining); 0 for market-by-funds. */
  readonly size: number;
  /** Quote minor units for market-by-funds; 0 otherwise. */
  readonly funds: number;
  readonly filledSize: number;
  /** Quote minor units traded (Σ price × size × quoteUnitsPerTickLot). */
  readonly filledFunds: number;
  /** Lots still resting (0 once done). */
  readonly remainSize: number;
  /** Fee paid so far, minor units of feeCurrency. */
  readonly fee: number;
  readonly feeCurrency: string;
  readonly status: OrderStatus;
  readonly doneReason: DoneReason | undefined;
  /** ms */
  readonly createdAt: number;
  readonly updatedAt: number;
}

/** One execution seen from one account. */
export interface FillView {
  readonly tradeId: string;
  readonly orderId: string;
  readonly counterOrderId: string;
  readonly account: string;
  readonly symbol: string;
  readonly side: SideText;
  readonly liquidity: 'maker' | 'taker';
  readonly price: number;
  readonly size: number;
  /** Quote minor units. */
  readonly funds: number;
  readonly fee: number;
  readonly feeCurrency: string;
  readonly ts: number;
}

export type PlaceResult =
  | { readonly ok: true; readonly order: OrderView; readonly fills: readonly FillView[] }
  | { readonly ok: false; readonly error: DeskgateError };

export type CancelResult =
  { readonly ok: true; readonly order: OrderView } | { readonly ok: false; readonly error: DeskgateError };

export type AmendResult = CancelResult;

// ----- events --------------------------------------------------------------------------------

/** Public L3 event in KuCoin v2 semantics (core L3Event: 'change' is KuCoin's `update`). */
export interface SimL3Message {
  readonly type: 'l3';
  readonly symbol: string;
  readonly event: L3Event;
}

/** Public trade (one per match). */
export interface SimTradeMessage {
  readonly type: 'trade';
  readonly symbol: string;
  readonly seq: number;
  readonly tradeId: string;
  readonly makerOrderId: string;
  readonly takerOrderId: string;
  readonly price: number;
  readonly size: number;
  readonly takerSide: Side;
  readonly ts: number;
}

/** L2 delta: the new total size at one price (0 removes). `seq` is the L3 sequence that caused it. */
export interface SimL2Message {
  readonly type: 'l2';
  readonly symbol: string;
  readonly seq: number;
  readonly side: Side;
  readonly price: number;
  readonly size: number;
  readonly ts: number;
}

/** KuCoin `orderChange` types. */
export type OrderChangeType = 'received' | 'open' | 'match' | 'update' | 'filled' | 'canceled';

/** Private order event for one account (KuCoin /spotMarket/tradeOrdersV2 shape, integer units). */
export interface SimOrderMessage {
  readonly type: 'order';
  readonly account: string;
  readonly changeType: OrderChangeType;
  /** The order after the change. */
  readonly order: OrderView;
  /** match only */
  readonly tradeId?: string;
  readonly matchPrice?: number;
  readonly matchSize?: number;
  readonly liquidity?: 'maker' | 'taker';
  /** update only: remaining size before the amend. */
  readonly oldSize?: number;
  readonly ts: number;
}

export type BalanceRelation = 'deposit' | 'withdraw' | 'trade.hold' | 'trade.release' | 'trade.setted';

/** Private balance event: one currency of one account changed. */
export interface SimBalanceMessage {
  readonly type: 'balance';
  readonly account: string;
  readonly currency: string;
  /** Minor units after the change. */
  readonly available: number;
  readonly hold: number;
  readonly total: number;
  readonly availableChange: number;
  readonly holdChange: number;
  readonly relationEvent: BalanceRelation;
  readonly relationContext: { readonly symbol?: string; readonly orderId?: string; readonly tradeId?: string };
  readonly ts: number;
}

export type SimMessage = SimL3Message | SimTradeMessage | SimL2Message | SimOrderMessage | SimBalanceMessage;

export type SimListener = (m: SimMessage) => void;

// ----- reads ---------------------------------------------------------------------------------

export interface BalanceView {
  readonly currency: string;
  /** Minor units. */
  readonly available: number;
  readonly hold: number;
  readonly total: number;
}

export interface L2SnapshotView {
  readonly symbol: string;
  /** Sequence of the last event applied. */
  readonly seq: number;
  readonly ts: number;
  /** [price ticks, size lots], best first. */
  readonly bids: Array<[number, number]>;
  readonly asks: Array<[number, number]>;
}

export interface L3SnapshotOrderView {
  readonly orderId: string;
  readonly price: number;
  readonly size: number;
  /** Time the order went on the book (ms). */
  readonly ts: number;
}

export interface L3SnapshotView {
  readonly symbol: string;
  readonly seq: number;
  readonly ts: number;
  /** Best first, FIFO within a price. */
  readonly bids: L3SnapshotOrderView[];
  readonly asks: L3SnapshotOrderView[];
}

export interface TradeView {
  readonly seq: number;
  readonly tradeId: string;
  readonly makerOrderId: string;
  readonly takerOrderId: string;
  readonly price: number;
  readonly size: number;
  readonly takerSide: SideText;
  readonly ts: number;
}

export interface Candle {
  /** Bucket start, ms. */
  readonly start: number;
  readonly open: number;
  readonly high: number;
  readonly low: number;
  readonly close: number;
  /** Lots traded. */
  readonly volume: number;
  /** Quote minor units traded. */
  readonly turnover: number;
  readonly trades: number;
}

export interface TickerView {
  readonly symbol: string;
  readonly seq: number;
  readonly ts: number;
  readonly bestBid: number | undefined;
  readonly bestBidSize: number;
  readonly bestAsk: number | undefined;
  readonly bestAskSize: number;
  readonly last: number | undefined;
  readonly lastSize: number;
  /** 24 h rolling stats from 1-minute candles (current minute included). */
  readonly open24h: number | undefined;
  readonly high24h: number | undefined;
  readonly low24h: number | undefined;
  readonly volume24h: number;
  readonly turnover24h: number;
  readonly trades24h: number;
}
