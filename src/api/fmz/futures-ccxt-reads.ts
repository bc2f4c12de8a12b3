/**
 * Contract market data for the FMZ futures desk, read through ccxt's unified API: ticker (+ the book
 * top when the venue's 24 h ticker has none), depth, trades, records, and the `markets` list of the
 * loaded contracts. Shapes are the plugin's spot ones with the contract symbol (`BTC_USDT.swap`).
 */
import type { Exchange, MarketInterface } from 'ccxt';
import { increment } from '../../core/decimal.js';
import { dgError } from '../../core/errors.js';
import { decimalText, precisionIncrement } from '../../venue/ccxt/ccxt-numbers.js';
import { finite } from './futures-shapes.js';
import { contractTypeOf, fmzContractSymbol, type ContractMarket } from './futures-symbol.js';
import type { FmzReply } from './methods.js';
import type { FmzMarket } from './shapes.js';
import { CCXT_TIMEFRAMES } from '../market-data-ccxt.js';

/** The exchange and its rate-limited, error-translating call wrapper (the desk). */
export interface CcxtCallContext {
  readonly ex: Exchange;
  run<T>(fn: () => Promise<T>): Promise<T>;
}

export async function contractTicker(c: CcxtCallContext, m: ContractMarket): Promise<FmzReply> {
  const t = await c.run(() => c.ex.fetchTicker(m.symbol));
  let bid = t.bid;
  let ask = t.ask;
  if (bid === undefined || ask === undefined) {
    // some derivative venues' 24 h tickers carry no book top (Binance USDⓈ-M): read it from the book
    const book = await c.run(() => c.ex.fetchOrderBook(m.symbol, 5));
    bid = bid ?? book.bids[0]?.[0];
    ask = ask ?? book.asks[0]?.[0];
  }
  const s = (v: number | undefined): string => (finite(v) ? decimalText(v) : '0');
  return {
    data: {
      symbol: fmzContractSymbol(m),
      buy: s(bid),
      sell: s(ask),
      high: s(t.high),
      low: s(t.low),
      open: s(t.open),
      last: s(t.last),
      vol: s(t.baseVolume),
      time: String(t.timestamp ?? Date.now()),
    },
    raw: t.info as unknown,
  };
}

export async function contractDepth(
  c: CcxtCallContext,
  m: ContractMarket,
  limit: number | undefined,
): Promise<FmzReply> {
  const book = await c.run(() => c.ex.fetchOrderBook(m.symbol, limit));
  const rows = (side: Array<[number | undefined, number | undefined]>): Array<[number, number]> =>
    side.filter((r): r is [number, number] => finite(r[0]) && finite(r[1])).map(([a, b]) => [a, b]);
  return { data: { time: book.timestamp ?? Date.now(), asks: rows(book.asks), bids: rows(book.bids) } };
}

/** Public trades newest first, as the spot `trades`. */
export async function contractTrades(c: CcxtCallContext, m: ContractMarket, limit: number): Promise<FmzReply> {
  const list = await c.run(() => c.ex.fetchTrades(m.symbol, undefined, limit));
  const data = list
    .filter((t) => finite(t.price) && finite(t.amount) && finite(t.timestamp))
    .map((t) => ({
      id: t.id !== undefined && /^\d{1,15}$/.test(t.id) ? Number(t.id) : (t.id ?? ''),
      time: t.timestamp as number,
      price: t.price,
      amount: t.amount as number,
      type: t.side === 'sell' ? 'sell' : 'buy',
    }));
  data.sort((a, b) => b.time - a.time);
  return { data };
}

/** Candles oldest first, `[time (s), open, high, low, close, volume]`, as the spot `records`. */
export async function contractRecords(
  c: CcxtCallContext,
  m: ContractMarket,
  periodMinutes: number,
  limit: number,
): Promise<FmzReply> {
  const tf = CCXT_TIMEFRAMES[periodMinutes];
  if (tf === undefined) {
    throw dgError('DG_E_API_BAD_REQUEST', `period ${periodMinutes} minutes is not one the platform uses`);
  }
  const rows = await c.run(() => c.ex.fetchOHLCV(m.symbol, tf, undefined, limit));
  const data = rows
    .filter((r) => r.every((v) => finite(v)))
    .map((r) => [Math.floor((r[0] as number) / 1000), r[1], r[2], r[3], r[4], r[5]] as number[]);
  return { data };
}

/** The loaded contracts in the `markets` shape (no venue call); markets without a price/amount grid are left out. */
export function contractMarketList(ex: Exchange, contracts: readonly ContractMarket[]): FmzMarket[] {
  const mode = ex.precisionMode ?? 4;
  const n = (v: unknown): number => (finite(v) ? v : 0);
  const out: FmzMarket[] = [];
  for (const m of contracts) {
    if (contractTypeOf(m) === undefined) continue;
    const mk = m as ContractMarket & Partial<Pick<MarketInterface, 'precision' | 'limits'>>;
    const tick = precisionIncrement(mk.precision?.price, mode);
    const lot = precisionIncrement(mk.precision?.amount, mode);
    if (tick === undefined || lot === undefined) continue;
    out.push({
      symbol: fmzContractSymbol(m),
      baseAsset: m.base,
      quoteAsset: m.quote,
      tickSize: Number(tick),
      amountSize: Number(lot),
      pricePrecision: increment(tick).decimals,
      amountPrecision: increment(lot).decimals,
      minQty: n(mk.limits?.amount?.min),
      maxQty: n(mk.limits?.amount?.max),
      minNotional: n(mk.limits?.cost?.min),
      maxNotional: n(mk.limits?.cost?.max),
      ctVal: m.contractSize ?? 1,
    });
  }
  return out;
}
