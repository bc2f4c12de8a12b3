/**
 * Engine views (integer ticks, lots and minor units) → KuCoin REST JSON shapes (decimal strings).
 *
 * Real examples these follow (KuCoin docs / ccxt parser comments):
 *   classic order  {"id":"63c97ce8…","symbol":"USDC-USDT","opType":"DEAL","type":"limit","side":"sell",
 *                   "price":"1.05","size":"1","funds":"0","dealFunds":"0","dealSize":"0","fee":"0",
 *                   "feeCurrency":"USDT","stp":"","stop":"","stopTriggered":false,"stopPrice":"0",
 *                   "timeInForce":"GTC","postOnly":false,"hidden":false,"iceberg":false,"visibleSize":"0",
 *                   "cancelAfter":0,"channel":"API","clientOid":"d602…","remark":null,"tags":null,
 *                   "isActive":true,"cancelExist":false,"createdAt":1674149096927,"tradeType":"TRADE"}
 *   HF order       same core fields plus "lastUpdatedAt","inOrderBook","cancelledSize","cancelledFunds",
 *                   "remainSize","remainFunds","active" (instead of "isActive")
 *   fill           {"symbol","tradeId","orderId","counterOrderId","side","liquidity","forceTaker","price",
 *                   "size","funds","fee","feeRate","feeCurrency","stop":"","tradeType":"TRADE","type","createdAt"}
 */
import { createHash } from 'node:crypto';
import { divRound, formatScaled } from '../../../core/decimal.js';
import type { FillView, OrderView, SimMarket } from '../engine-types.js';
import type { SimEnginePort } from './engine-port.js';

/*
 * Clock ms → KuCoin nanoseconds. The sim stamps an event at the middle of its millisecond
 * (ms × 10^6 + 500 000 ns): clients that turn ns into ms through a double (ccxt: ns / 1e6, then
 * truncate) land on the right millisecond, while ms × 10^6 exactly could come back as ms − 1.
 * Exact decoders that drop the last six digits also get ms.
 */

/** KuCoin nanoseconds as a decimal string. */
export function nsText(ms: number): string {
  return `${Math.trunc(ms)}500000`;
}

/** KuCoin nanoseconds as a JSON number. */
export function nsNumber(ms: number): number {
  return Math.trunc(ms) * 1e6 + 500_000;
}

/** A stable 24-hex id for an (account, currency, type) triple, like KuCoin's account ids. */
export function accountRowId(accountId: string, currency: string, type: string): string {
  return createHash('sha1').update(`${accountId}\u0000${currency}\u0000${type}`).digest('hex').slice(0, 24);
}

function fmtFeeRate(bps: number): string {
  // fee rate as a decimal fraction string, exact for 0.01-bps resolution
  const units = Math.round(bps * 100); // in 1e-6
  const neg = units < 0;
  const s = String(Math.abs(units)).padStart(7, '0');
  const text = `${s.slice(0, s.length - 6)}.${s.slice(s.length - 6)}`.replace(/\.?0+$/, '');
  return (neg ? '-' : '') + (text === '' ? '0' : text);
}

export { fmtFeeRate };

interface OrderShapeCommon {
  id: string;
  symbol: string;
  opType: 'DEAL';
  type: string;
  side: string;
  price: string;
  size: string;
  funds: string;
  dealSize: string;
  dealFunds: string;
  fee: string;
  feeCurrency: string;
  stp: string;
  timeInForce: string;
  postOnly: boolean;
  hidden: boolean;
  iceberg: boolean;
  visibleSize: string;
  cancelAfter: number;
  channel: string;
  clientOid: string;
  remark: null;
  tags: null;
  cancelExist: boolean;
  createdAt: number;
  tradeType: 'TRADE';
}

function common(engine: SimEnginePort, o: OrderView): OrderShapeCommon {
  const m = engine.market(o.symbol);
  const quote = m?.quote ?? 'USDT';
  const dealSize = engine.formatSize(o.symbol, o.filledSize);
  const dealFunds = engine.formatAmount(quote, o.filledFunds);
  return {
    id: o.orderId,
    symbol: o.symbol,
    opType: 'DEAL',
    type: o.type,
    side: o.side,
    price: o.type === 'market' ? '0' : engine.formatPrice(o.symbol, o.price),
    size: engine.formatSize(o.symbol, o.size),
    funds: engine.formatAmount(quote, o.funds),
    dealSize,
    dealFunds,
    fee: engine.formatAmount(o.feeCurrency, o.fee),
    feeCurrency: o.feeCurrency,
    stp: o.stp ?? '',
    timeInForce: o.timeInForce,
    postOnly: o.postOnly,
    hidden: false,
    iceberg: false,
    visibleSize: '0',
    cancelAfter: 0,
    channel: 'API',
    clientOid: o.clientOid ?? '',
    remark: null,
    tags: null,
    cancelExist: o.status === 'done' && o.doneReason === 'canceled',
    createdAt: o.createdAt,
    tradeType: 'TRADE',
  };
}

/** Classic (`/api/v1/orders…`) order JSON. */
export function classicOrderJson(engine: SimEnginePort, o: OrderView): Record<string, unknown> {
  return {
    ...common(engine, o),
    stop: '',
    stopTriggered: false,
    stopPrice: '0',
    isActive: o.status === 'open',
  };
}

/** HF (`/api/v1/hf/orders…`) order JSON. */
export function hfOrderJson(engine: SimEnginePort, o: OrderView): Record<string, unknown> {
  const c = common(engine, o);
  const quote = engine.market(o.symbol)?.quote ?? 'USDT';
  const canceled = o.status === 'done' && o.doneReason === 'canceled';
  const cancelledLots = canceled && o.size > 0 ? Math.max(0, o.size - o.filledSize) : 0;
  const cancelledFunds = canceled && o.funds > 0 ? Math.max(0, o.funds - o.filledFunds) : 0;
  return {
    ...c,
    lastUpdatedAt: o.updatedAt,
    inOrderBook: o.status === 'open' && o.remainSize > 0,
    cancelledSize: engine.formatSize(o.symbol, cancelledLots),
    cancelledFunds: engine.formatAmount(quote, cancelledFunds),
    remainSize: engine.formatSize(o.symbol, o.remainSize),
    remainFunds: engine.formatAmount(quote, o.status === 'open' && o.funds > 0 ? o.funds - o.filledFunds : 0),
    active: o.status === 'open',
  };
}

/** Fill JSON (`/api/v1/fills`, `/api/v1/hf/fills`). */
export function fillJson(engine: SimEnginePort, f: FillView, type: string, feeRate: string): Record<string, unknown> {
  const quote = engine.market(f.symbol)?.quote ?? 'USDT';
  return {
    id: f.tradeId,
    symbol: f.symbol,
    tradeId: f.tradeId,
    orderId: f.orderId,
    counterOrderId: f.counterOrderId,
    side: f.side,
    liquidity: f.liquidity,
    forceTaker: false,
    price: engine.formatPrice(f.symbol, f.price),
    size: engine.formatSize(f.symbol, f.size),
    funds: engine.formatAmount(quote, f.funds),
    fee: engine.formatAmount(f.feeCurrency, f.fee),
    feeRate,
    feeCurrency: f.feeCurrency,
    stop: '',
    tradeType: 'TRADE',
    type,
    createdAt: f.ts,
  };
}

/** KuCoin's paginated envelope. */
export function page<T>(
  all: readonly T[],
  currentPage: number,
  pageSize: number,
): {
  currentPage: number;
  pageSize: number;
  totalNum: number;
  totalPage: number;
  items: T[];
} {
  const totalNum = all.length;
  const totalPage = Math.max(1, Math.ceil(totalNum / pageSize));
  const start = (currentPage - 1) * pageSize;
  return { currentPage, pageSize, totalNum, totalPage, items: all.slice(start, start + pageSize) };
}

/** KuCoin `changeRate`: (last − open) / open as a 4-decimal ratio, exact integer arithmetic on ticks. */
export function changeRateText(lastTicks: number, openTicks: number): string {
  if (openTicks <= 0) return '0';
  return formatScaled(divRound(BigInt(lastTicks - openTicks) * 10_000n, BigInt(openTicks)), 4, true);
}

/**
 * KuCoin `averagePrice`: turnover / volume in quote per base, rounded to 8 decimals, exact:
 * turnover is quote minor units (10^-quoteDecimals), volume is lots (lotStep × 10^-lotDecimals base).
 */
export function averagePriceText(
  m: SimMarket,
  quoteDecimals: number,
  turnoverUnits: number,
  volumeLots: number,
): string | null {
  if (volumeLots <= 0) return null;
  const size = m.instrument.size;
  const num = BigInt(turnoverUnits) * 10n ** BigInt(8 + size.decimals);
  const den = 10n ** BigInt(quoteDecimals) * BigInt(volumeLots) * BigInt(size.step);
  return formatScaled(divRound(num, den), 8);
}
