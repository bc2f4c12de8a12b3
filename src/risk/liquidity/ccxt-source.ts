/**
 * Online source: any ccxt exchange (public endpoints only, no keys). Used by
 * `deskgate risk coin-report BTC --exchanges binance,okx,kucoin`; never in tests.
 * ccxt's rate limiter is left on. Numbers from ccxt become exact decimal strings here.
 */
import ccxt from 'ccxt';
import { dgError } from '../../core/errors.js';
import {
  numToDecimal,
  type BookSnapshot,
  type FundingSnapshot,
  type MarketInfo,
  type MarketSource,
  type OhlcvRow,
  type TickerSnapshot,
} from './source.js';

interface CcxtLike {
  loadMarkets(): Promise<
    Record<
      string,
      {
        symbol: string;
        base: string;
        quote: string;
        type?: string;
        linear?: boolean;
        contractSize?: number;
        active?: boolean;
      }
    >
  >;
  fetchOrderBook(symbol: string, limit?: number): Promise<{ bids: unknown[][]; asks: unknown[][]; timestamp?: number }>;
  fetchTicker(symbol: string): Promise<Record<string, unknown>>;
  fetchOHLCV(symbol: string, timeframe?: string, since?: number, limit?: number): Promise<number[][]>;
  fetchFundingRate?(symbol: string): Promise<Record<string, unknown>>;
  close?(): Promise<void>;
  has: Record<string, unknown>;
}

const optNum = (v: unknown): number | undefined => (typeof v === 'number' && Number.isFinite(v) ? v : undefined);

export class CcxtSource implements MarketSource {
  private readonly ex: CcxtLike;
  constructor(readonly name: string) {
    const ctor = (ccxt as unknown as Record<string, unknown>)[name];
    if (typeof ctor !== 'function' || !(ccxt.exchanges as string[]).includes(name)) {
      throw dgError('DG_E_BAD_INPUT', `unknown ccxt exchange ${JSON.stringify(name)}`);
    }
    this.ex = new (ctor as new (o: object) => CcxtLike)({ enableRateLimit: true });
  }

  async fetchMarkets(): Promise<MarketInfo[]> {
    const m = await this.ex.loadMarkets();
    return Object.values(m).map((x) => ({
      symbol: x.symbol,
      base: x.base,
      quote: x.quote,
      type: x.type ?? 'spot',
      linear: x.linear,
      contractSize: x.contractSize === undefined ? undefined : numToDecimal(x.contractSize),
      active: x.active,
    }));
  }

  async fetchOrderBook(symbol: string, limit?: number): Promise<BookSnapshot> {
    const b = await this.ex.fetchOrderBook(symbol, limit);
    const lv = (rows: unknown[][]): [string, string][] =>
      rows.map((r) => [numToDecimal(r[0] as number), numToDecimal(r[1] as number)] as [string, string]);
    return { symbol, bids: lv(b.bids), asks: lv(b.asks), timestamp: b.timestamp };
  }

  async fetchTicker(symbol: string): Promise<TickerSnapshot> {
    const t = await this.ex.fetchTicker(symbol);
    return {
      symbol,
      bid: optNum(t.bid),
      ask: optNum(t.ask),
      last: optNum(t.last),
      baseVolume: optNum(t.baseVolume),
      quoteVolume: optNum(t.quoteVolume),
      timestamp: optNum(t.timestamp),
    };
  }

  async fetchOHLCV(symbol: string, timeframe: string, since?: number, limit?: number): Promise<OhlcvRow[]> {
    const rows = await this.ex.fetchOHLCV(symbol, timeframe, since, limit);
    return rows.map((r) => [r[0], r[1], r[2], r[3], r[4], r[5] ?? 0] as const);
  }

  async fetchFundingRate(symbol: string): Promise<FundingSnapshot> {
    if (!this.ex.fetchFundingRate || !this.ex.has.fetchFundingRate) {
      throw dgError('DG_E_RISK_NO_MARKET', `${this.name} has no fetchFundingRate in ccxt`);
    }
    const f = await this.ex.fetchFundingRate(symbol);
    const rate = optNum(f.fundingRate);
    if (rate === undefined) throw dgError('DG_E_RISK_NO_MARKET', `${this.name} returned no funding rate for ${symbol}`);
    return {
      symbol,
      fundingRate: rate,
      fundingTimestamp: optNum(f.fundingTimestamp),
      nextFundingTimestamp: optNum(f.nextFundingTimestamp),
      interval: typeof f.interval === 'string' ? f.interval : undefined,
    };
  }

  async close(): Promise<void> {
    await this.ex.close?.();
  }
}
