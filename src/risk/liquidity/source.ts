/**
 * Market-data sources for the liquidity report, ccxt-shaped so a ccxt exchange, a directory of
 * saved snapshots and the in-process synthetic generator are interchangeable. Prices and sizes
 * of book levels are exact decimal strings from here on (a ccxt number is converted once, by
 * its shortest round-trip representation).
 */
export type MarketType = 'spot' | 'swap';

export interface MarketInfo {
  readonly symbol: string;
  readonly base: string;
  readonly quote: string;
  readonly type: MarketType | string;
  readonly linear?: boolean;
  /** Base units per contract for derivatives (ccxt `contractSize`); 1 for spot. */
  readonly contractSize?: string;
  readonly active?: boolean;
}

/** [price, amount] as exact decimal strings; amount in contracts for derivatives. */
export type Level = readonly [string, string];

export interface BookSnapshot {
  readonly symbol: string;
  readonly bids: readonly Level[];
  readonly asks: readonly Level[];
  readonly timestamp?: number;
}

export interface TickerSnapshot {
  readonly symbol: string;
  readonly bid?: number;
  readonly ask?: number;
  readonly last?: number;
  readonly baseVolume?: number;
  readonly quoteVolume?: number;
  readonly timestamp?: number;
  /** When the source has less than 24 h of history: the window its volume covers, ms. */
  readonly volumeWindowMs?: number;
}

export type OhlcvRow = readonly [number, number, number, number, number, number];

export interface FundingSnapshot {
  readonly symbol: string;
  readonly fundingRate: number;
  readonly fundingTimestamp?: number;
  readonly nextFundingTimestamp?: number;
  /** e.g. "8h" */
  readonly interval?: string;
}

export interface MarketSource {
  /** Exchange name shown in the report. */
  readonly name: string;
  fetchMarkets(): Promise<MarketInfo[]>;
  fetchOrderBook(symbol: string, limit?: number): Promise<BookSnapshot>;
  fetchTicker(symbol: string): Promise<TickerSnapshot>;
  fetchOHLCV(symbol: string, timeframe: string, since?: number, limit?: number): Promise<OhlcvRow[]>;
  fetchFundingRate(symbol: string): Promise<FundingSnapshot>;
  close?(): Promise<void>;
}

/** A ccxt number as an exact decimal string (its shortest round-trip form). */
export function numToDecimal(v: number | string): string {
  if (typeof v === 'string') return v.trim();
  if (!Number.isFinite(v)) throw new RangeError(`not a finite number: ${v}`);
  return String(v);
}

/** ccxt symbols: spot "BTC/USDT", linear perpetual "BTC/USDT:USDT". */
export function symbolFor(coin: string, quote: string, type: MarketType): string {
  return type === 'spot' ? `${coin}/${quote}` : `${coin}/${quote}:${quote}`;
}
