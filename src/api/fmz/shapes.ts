/**
 * deskgate's views → the FMZ platform's data shapes (spec S1.4, the seed's examples): ticker
 * fields as strings; depth, trades, records and orders as numbers; balances as strings. Order ids
 * are `<exchange symbol>,<exchange order id>` (e.g. "BTC-USDT,123456"); symbols `BTC_USDT`.
 */
import { fromUnits, type Increment } from '../../core/decimal.js';
import type { Instrument } from '../../core/instrument.js';
import { formatSymbol, parseSymbol } from '../../core/symbol.js';
import type { BalanceEntry, VenueOrder } from '../../venue/venue.js';
import type { CandleView, OrderView, TickerView, TradeView } from '../gateway-port.js';

/** FMZ names per instrument, built once (instruments are immutable; the ticker path asks every call). */
const fmzNames = new WeakMap<Instrument, string>();

export function fmzSymbol(inst: Instrument): string {
  let name = fmzNames.get(inst);
  if (name === undefined) {
    name = formatSymbol(parseSymbol(inst.symbol), 'underscore');
    fmzNames.set(inst, name);
  }
  return name;
}

const price = (inst: Instrument, ticks: number): string => fromUnits(ticks, inst.price);
const size = (inst: Instrument, lots: number): string => fromUnits(lots, inst.size);
const num = (s: string): number => Number(s);

/** Exact powers of ten as doubles (10^0 … 10^22 are all representable). */
const POW10 = [
  1, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20,
  1e21, 1e22,
];

/**
 * Units → the number the platform shows: the same double as Number(fromUnits(units, inc)) without
 * the string round trip. When units × step is a safe integer and 10^decimals is exact, one IEEE
 * division is correctly rounded, as is Number() of the exact decimal text: both give the double
 * nearest the same exact value. Other cases take the string path.
 */
export function unitsNumber(units: number, inc: Increment): number {
  const scaled = units * inc.step;
  const p = POW10[inc.decimals];
  if (p !== undefined && Number.isSafeInteger(scaled)) return scaled / p;
  return Number(fromUnits(units, inc));
}
const priceNum = (inst: Instrument, ticks: number): number => unitsNumber(ticks, inst.price);
const sizeNum = (inst: Instrument, lots: number): number => unitsNumber(lots, inst.size);

export interface FmzTicker {
  symbol: string;
  buy: string;
  sell: string;
  high: string;
  low: string;
  open: string;
  last: string;
  vol: string;
  time: string;
}

export function fmzTicker(t: TickerView): FmzTicker {
  const i = t.instrument;
  const p = (v: number | undefined): string => (v === undefined ? '0' : price(i, v));
  return {
    symbol: fmzSymbol(i),
    buy: p(t.bid),
    sell: p(t.ask),
    high: p(t.high),
    low: p(t.low),
    open: p(t.open),
    last: p(t.last),
    vol: size(i, t.volume),
    time: String(t.time),
  };
}

export interface FmzDepth {
  time: number;
  asks: Array<[number, number]>;
  bids: Array<[number, number]>;
}

export function fmzDepth(
  inst: Instrument,
  time: number,
  asks: ReadonlyArray<readonly [number, number]>,
  bids: ReadonlyArray<readonly [number, number]>,
): FmzDepth {
  const row = ([p, s]: readonly [number, number]): [number, number] => [priceNum(inst, p), sizeNum(inst, s)];
  return { time, asks: asks.map(row), bids: bids.map(row) };
}

export interface FmzTrade {
  id: number | string;
  time: number;
  price: number;
  amount: number;
  type: 'buy' | 'sell';
}

/** Numeric ids stay numbers (as the platform shows them); others stay strings. */
function idValue(id: string): number | string {
  return /^\d{1,15}$/.test(id) ? Number(id) : id;
}

export function fmzTrade(inst: Instrument, t: TradeView): FmzTrade {
  return {
    id: idValue(t.id),
    time: t.time,
    price: priceNum(inst, t.price),
    amount: sizeNum(inst, t.size),
    type: t.takerSide === 0 ? 'buy' : 'sell',
  };
}

/** [time s, open, high, low, close, volume] */
export type FmzRecord = [number, number, number, number, number, number];

export function fmzRecord(inst: Instrument, c: CandleView): FmzRecord {
  const [t, o, h, l, cl, v] = c;
  return [
    Math.floor(t / 1000),
    priceNum(inst, o),
    priceNum(inst, h),
    priceNum(inst, l),
    priceNum(inst, cl),
    sizeNum(inst, v),
  ];
}

export interface FmzMarket {
  symbol: string;
  baseAsset: string;
  quoteAsset: string;
  tickSize: number;
  amountSize: number;
  pricePrecision: number;
  amountPrecision: number;
  minQty: number;
  maxQty: number;
  minNotional: number;
  maxNotional: number;
  ctVal: number;
}

export function fmzMarket(inst: Instrument): FmzMarket {
  return {
    symbol: fmzSymbol(inst),
    baseAsset: inst.base,
    quoteAsset: inst.quote,
    tickSize: num(inst.tickSize),
    amountSize: num(inst.lotSize),
    pricePrecision: inst.price.decimals,
    amountPrecision: inst.size.decimals,
    minQty: num(inst.minSize),
    // The port carries no maximums: 0 is the platform's "no limit known".
    maxQty: 0,
    minNotional: inst.minNotional === undefined ? 0 : num(inst.minNotional),
    maxNotional: 0,
    ctVal: num(inst.contractValue),
  };
}

export interface FmzBalance {
  currency: string;
  free: string;
  frozen: string;
}

export function fmzBalance(b: BalanceEntry): FmzBalance {
  return { currency: b.currency, free: b.free, frozen: b.used };
}

export type FmzStatus =
  | 'pending'
  | 'pre-submitted'
  | 'submitting'
  | 'submitted'
  | 'partial-filled'
  | 'filled'
  | 'closed'
  | 'finished'
  | 'partial-canceled'
  | 'canceled';

export function fmzStatus(o: VenueOrder): FmzStatus {
  switch (o.status) {
    case 'received':
    case 'open':
      return 'pending';
    case 'partial':
      return 'partial-filled';
    case 'filled':
      return 'filled';
    case 'canceled':
      return o.filledSize > 0 ? 'partial-canceled' : 'canceled';
    case 'rejected':
      return 'closed';
  }
}

export function fmzOrderId(inst: Instrument, venueOrderId: string): string {
  return `${inst.native},${venueOrderId}`;
}

export interface FmzOrder {
  id: string;
  symbol: string;
  amount: number;
  price: number;
  deal_amount: number;
  avg_price: number;
  type: 'buy' | 'sell';
  status: FmzStatus;
}

export function fmzOrder(o: OrderView): FmzOrder {
  const i = o.instrument;
  return {
    id: fmzOrderId(i, o.venueOrderId),
    symbol: fmzSymbol(i),
    amount: o.size === undefined ? 0 : num(size(i, o.size)),
    price: o.price === undefined ? -1 : num(price(i, o.price)),
    deal_amount: num(size(i, o.filledSize)),
    avg_price: o.avgPrice === undefined ? 0 : num(o.avgPrice),
    type: o.side === 0 ? 'buy' : 'sell',
    status: fmzStatus(o),
  };
}
