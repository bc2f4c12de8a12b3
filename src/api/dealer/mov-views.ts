/**
 * deskgate → MOV Dealer wire shapes (spec S0; public client `mov_sdk.flash_api.FlashApi`).
 *
 *   order  {order_id:int, symbol:"BTM/USDT", side:"buy"|"sell", open_price:"5", amount:"0.3",
 *           filled_amount:"0", status:submitted|open|partial|filled|canceled,
 *           order_timestamp:ms, update_timestamp:ms}
 *   depth  {symbol, fee_rate:"0.003000", asks:[["price","size"]…] ascending, bids descending}
 *   envelope {code:200, msg:"", result:{data:…}}; errors {code:<HTTP-like status>, msg}
 */
import type { BookView } from '../../book/book-view.js';
import { fromUnits } from '../../core/decimal.js';
import { dgError, type DeskgateError } from '../../core/errors.js';
import { sideText } from '../../core/events.js';
import type { Instrument } from '../../core/instrument.js';
import type { BalanceEntry, FillEvent, VenueOrderStatus } from '../../venue/venue.js';
import type { OrderView } from '../gateway-port.js';

export type MovStatus = 'submitted' | 'open' | 'partial' | 'filled' | 'canceled';

export function movStatus(s: VenueOrderStatus): MovStatus {
  switch (s) {
    case 'received':
      return 'submitted';
    case 'open':
      return 'open';
    case 'partial':
      return 'partial';
    case 'filled':
      return 'filled';
    default:
      return 'canceled';
  }
}

export interface MovOrder {
  readonly order_id: number;
  readonly symbol: string;
  readonly side: 'buy' | 'sell';
  readonly open_price: string;
  readonly amount: string;
  readonly filled_amount: string;
  readonly status: MovStatus;
  readonly order_timestamp: number;
  readonly update_timestamp: number;
}

export function movOrder(id: number, o: OrderView): MovOrder {
  const inst = o.instrument;
  return {
    order_id: id,
    symbol: inst.symbol,
    side: sideText(o.side),
    open_price: o.price === undefined ? '0' : fromUnits(o.price, inst.price),
    amount: o.size === undefined ? '0' : fromUnits(o.size, inst.size),
    filled_amount: fromUnits(o.filledSize, inst.size),
    status: movStatus(o.status),
    order_timestamp: o.createdAt,
    update_timestamp: o.ts,
  };
}

export interface MovFill {
  readonly order_id: number;
  readonly symbol: string;
  readonly side: 'buy' | 'sell';
  readonly price: string;
  readonly amount: string;
  readonly fee: string | undefined;
  readonly fee_currency: string | undefined;
  readonly liquidity: 'maker' | 'taker' | undefined;
  readonly trade_id: string;
  readonly timestamp: number;
}

export function movFill(id: number, f: FillEvent): MovFill {
  const inst = f.instrument;
  return {
    order_id: id,
    symbol: inst.symbol,
    side: sideText(f.side),
    price: fromUnits(f.price, inst.price),
    amount: fromUnits(f.size, inst.size),
    fee: f.fee?.amount,
    fee_currency: f.fee?.currency,
    liquidity: f.liquidity,
    trade_id: f.tradeId,
    timestamp: f.ts,
  };
}

export interface MovDepth {
  readonly symbol: string;
  readonly fee_rate: string;
  readonly asks: Array<[string, string]>;
  readonly bids: Array<[string, string]>;
}

export function movDepth(inst: Instrument, book: BookView, feeRate: string, levels: number): MovDepth {
  const side = (s: 0 | 1): Array<[string, string]> =>
    book.levels(s, levels).map(([p, z]) => [fromUnits(p, inst.price), fromUnits(z, inst.size)]);
  // levels() is best first: asks ascending, bids descending — what MOV sends.
  return { symbol: inst.symbol, fee_rate: feeRate, asks: side(1), bids: side(0) };
}

export interface MovBalance {
  readonly currency: string;
  readonly total: string;
  readonly available: string;
  readonly frozen: string;
}

export function movBalance(b: BalanceEntry): MovBalance {
  return { currency: b.currency, total: b.total, available: b.free, frozen: b.used };
}

/** "0.003" → "0.003000" (MOV prints six decimals); more than six decimals is a config error. */
export function formatFeeRate(rate: string): string {
  const m = /^(\d{1,3})(?:\.(\d{0,6}))?$/.exec(rate);
  if (!m) throw dgError('DG_E_BAD_CONFIG', `fee_rate ${JSON.stringify(rate.slice(0, 20))}: a decimal with ≤ 6 places`);
  return `${m[1]}.${(m[2] ?? '').padEnd(6, '0')}`;
}

export interface MovEnvelope {
  readonly code: number;
  readonly msg: string;
  readonly result?: { readonly data: unknown };
}

export function movOk(data?: unknown): MovEnvelope {
  return data === undefined ? { code: 200, msg: '' } : { code: 200, msg: '', result: { data } };
}

/** Business errors: the status of the error registry as `code`, its human message as `msg`. */
export function movError(e: DeskgateError): MovEnvelope {
  return { code: e.status === 200 ? 500 : e.status, msg: e.message };
}
