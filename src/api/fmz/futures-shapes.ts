/**
 * ccxt's unified derivative structures → the FMZ platform's shapes for futures exchange objects.
 *
 * - Position (platform struct `Position`): Symbol, MarginLevel, Amount (contracts), FrozenAmount,
 *   Price (average entry), Profit (unrealised, in the margin currency), Type (0 = PD_LONG,
 *   1 = PD_SHORT), ContractType, Margin. Where the venue gives no leverage the platform fills it "by
 *   calculation": notional / initial margin.
 * - Funding (platform struct `Funding`): Symbol, Interval (ms), Time (next settlement, ms), Rate.
 * - Orders keep the spot wire shape of this plugin (`{id, symbol, amount, price, deal_amount,
 *   avg_price, type, status}`) with the contract symbol in `symbol` and in the id
 *   (`BTC_USDT.swap,8389765000`): the id must route back to the contract, and a venue's native id
 *   (`BTCUSDT`) names its spot pair too.
 *
 * Numbers are ccxt's (parsed from the venue's decimal strings; they print back the same digits).
 */
import type { FundingRate, FundingRateHistory, Order, Position } from 'ccxt';
import { dgError } from '../../core/errors.js';
import { contractTypeOf, fmzContractSymbol, type ContractMarket } from './futures-symbol.js';
import type { FmzOrder, FmzStatus } from './shapes.js';

export const PD_LONG = 0;
export const PD_SHORT = 1;

export interface FmzPosition {
  Symbol: string;
  MarginLevel: number;
  Amount: number;
  FrozenAmount: number;
  Price: number;
  Profit: number;
  Type: typeof PD_LONG | typeof PD_SHORT;
  ContractType: string;
  Margin: number;
}

export interface FmzFunding {
  Symbol: string;
  Interval: number;
  Time: number;
  Rate: number;
}

export interface FmzFundingRecord {
  Symbol: string;
  Time: number;
  Rate: number;
}

/** A contract order has the spot order's shape (its id names the contract: `BTC_USDT.swap,<id>`). */
export type FmzContractOrder = FmzOrder;

export const finite = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);
const numOr = (v: unknown, fallback: number): number => (finite(v) ? v : fallback);

/** Round a computed leverage to the venue's usual grid (whole numbers, or 2 places below 1). */
function leverageOf(p: Position): number {
  if (finite(p.leverage) && p.leverage > 0) return p.leverage;
  const notional = Math.abs(numOr(p.notional, 0));
  const im = numOr(p.initialMargin, 0);
  if (notional > 0 && im > 0) {
    const x = notional / im;
    return x >= 1 ? Math.round(x) : Math.round(x * 100) / 100;
  }
  if (finite(p.initialMarginPercentage) && p.initialMarginPercentage > 0) {
    return Math.round(1 / p.initialMarginPercentage);
  }
  return 0;
}

/** One open position; undefined for a flat one (venues list every contract, most at 0). */
export function fmzPosition(p: Position, market: ContractMarket): FmzPosition | undefined {
  const amount = Math.abs(numOr(p.contracts, 0));
  if (amount === 0) return undefined;
  const side = p.side === 'long' ? PD_LONG : p.side === 'short' ? PD_SHORT : undefined;
  if (side === undefined) throw dgError('DG_E_VENUE_BAD_REPLY', `${market.symbol}: position without a side`);
  const contractType = contractTypeOf(market);
  if (contractType === undefined) throw dgError('DG_E_VENUE_BAD_REPLY', `${market.symbol} is not a contract`);
  return {
    Symbol: fmzContractSymbol(market),
    MarginLevel: leverageOf(p),
    Amount: amount,
    // ccxt has no unified frozen (closing) quantity; the venue's raw reply is under `raw`
    FrozenAmount: 0,
    Price: numOr(p.entryPrice, 0),
    Profit: numOr(p.unrealizedPnl, 0),
    Type: side,
    ContractType: contractType,
    Margin: numOr(p.initialMargin, numOr(p.collateral, 0)),
  };
}

/** "8h" / "1h" / "4h" → ms; undefined when ccxt does not say. */
export function intervalMs(interval: string | undefined): number | undefined {
  if (interval === undefined) return undefined;
  const m = /^(\d+)([mhd])$/.exec(interval.trim());
  if (!m) return undefined;
  const unit = m[2] === 'm' ? 60_000 : m[2] === 'h' ? 3_600_000 : 86_400_000;
  return Number(m[1]) * unit;
}

/** Current funding of a perpetual. `Interval` 0 = the venue did not say. */
export function fmzFunding(f: FundingRate, market: ContractMarket, interval: number | undefined): FmzFunding {
  if (!finite(f.fundingRate)) throw dgError('DG_E_VENUE_BAD_REPLY', `${market.symbol}: funding rate missing`);
  return {
    Symbol: fmzContractSymbol(market),
    Interval: interval ?? intervalMs(f.interval) ?? 0,
    Time: numOr(f.fundingTimestamp, numOr(f.nextFundingTimestamp, 0)),
    Rate: f.fundingRate,
  };
}

export function fmzFundingRecord(f: FundingRateHistory, market: ContractMarket): FmzFundingRecord {
  if (!finite(f.fundingRate) || !finite(f.timestamp)) {
    throw dgError('DG_E_VENUE_BAD_REPLY', `${market.symbol}: funding record without rate or time`);
  }
  return { Symbol: fmzContractSymbol(market), Time: f.timestamp, Rate: f.fundingRate };
}

export function fmzContractOrderId(market: ContractMarket, venueOrderId: string): string {
  return `${fmzContractSymbol(market)},${venueOrderId}`;
}

/** ccxt order status (+ fill) → the platform's status strings. */
export function contractOrderStatus(o: Order): FmzStatus {
  const filled = numOr(o.filled, 0);
  switch (o.status) {
    case 'open':
      return filled > 0 ? 'partial-filled' : 'pending';
    case 'closed':
      return 'filled';
    case 'canceled':
    case 'cancelled':
      return filled > 0 ? 'partial-canceled' : 'canceled';
    default:
      // rejected, expired
      return 'closed';
  }
}

export function fmzContractOrder(o: Order, market: ContractMarket): FmzContractOrder {
  if (typeof o.id !== 'string' || o.id.length === 0) throw dgError('DG_E_VENUE_BAD_REPLY', 'order without an id');
  if (o.side !== 'buy' && o.side !== 'sell') throw dgError('DG_E_VENUE_BAD_REPLY', `order ${o.id}: side ${o.side}`);
  const isMarket = o.type === 'market';
  return {
    id: fmzContractOrderId(market, o.id),
    symbol: fmzContractSymbol(market),
    amount: numOr(o.amount, 0),
    price: isMarket ? -1 : numOr(o.price, 0),
    deal_amount: numOr(o.filled, 0),
    avg_price: numOr(o.average, 0),
    type: o.side,
    status: contractOrderStatus(o),
  };
}
