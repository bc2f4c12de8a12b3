/**
 * Saved snapshots (`--from-dir DIR`): one sub-directory per exchange, ccxt-shaped JSON files:
 *
 *   DIR/<exchange>/markets.json                 [{symbol, base, quote, type, linear?, contractSize?, active?}]
 *   DIR/<exchange>/<key>/orderbook.json         {symbol, bids: [[price, amount], …], asks: […], timestamp?}
 *   DIR/<exchange>/<key>/ticker.json            {symbol, bid?, ask?, last?, baseVolume?, quoteVolume?, timestamp?}
 *   DIR/<exchange>/<key>/ohlcv-<timeframe>.json [[timestamp_ms, open, high, low, close, volume], …]
 *   DIR/<exchange>/<key>/funding.json           {symbol, fundingRate, fundingTimestamp?, nextFundingTimestamp?, interval?}
 *
 * `<key>` is the ccxt symbol with "/" → "-" and ":" → "_" (BTC/USDT → BTC-USDT,
 * BTC/USDT:USDT → BTC-USDT_USDT). Book prices/amounts may be JSON strings (exact) or numbers.
 * Every file is validated; a malformed or missing file is a DG_E_RISK_BAD_SNAPSHOT naming it.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { parseDecimal } from '../../core/decimal.js';
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

export function fileKey(symbol: string): string {
  return symbol.replace(/\//g, '-').replace(/:/g, '_');
}

const num = z.number().finite();
const decimalish = z.union([z.string(), num]).transform((v, ctx) => {
  const s = numToDecimal(v);
  try {
    const p = parseDecimal(s);
    if (p.neg) throw new Error('negative');
  } catch {
    ctx.addIssue({ code: 'custom', message: `not a non-negative decimal: ${JSON.stringify(v)}` });
    return z.NEVER;
  }
  return s;
});
const level = z.tuple([decimalish, decimalish]).rest(z.unknown());

export const marketsSchema = z.array(
  z.object({
    symbol: z.string().min(3),
    base: z.string().min(1),
    quote: z.string().min(1),
    type: z.string(),
    linear: z.boolean().optional(),
    contractSize: decimalish.optional(),
    active: z.boolean().optional(),
  }),
);
export const orderBookSchema = z.object({
  symbol: z.string(),
  bids: z.array(level),
  asks: z.array(level),
  timestamp: num.optional(),
});
export const tickerSchema = z.object({
  symbol: z.string(),
  bid: num.nullish(),
  ask: num.nullish(),
  last: num.nullish(),
  baseVolume: num.nullish(),
  quoteVolume: num.nullish(),
  timestamp: num.nullish(),
});
export const ohlcvSchema = z.array(z.tuple([num, num, num, num, num, num]));
export const fundingSchema = z.object({
  symbol: z.string(),
  fundingRate: num,
  fundingTimestamp: num.nullish(),
  nextFundingTimestamp: num.nullish(),
  interval: z.string().nullish(),
});

const und = <T>(v: T | null | undefined): T | undefined => (v === null ? undefined : v);

export class DirSource implements MarketSource {
  constructor(
    readonly name: string,
    private readonly dir: string,
  ) {}

  private read<S extends z.ZodType>(rel: string, schema: S): z.infer<S> {
    const file = path.join(this.dir, rel);
    if (!existsSync(file)) throw dgError('DG_E_RISK_BAD_SNAPSHOT', `missing ${file}`);
    let doc: unknown;
    try {
      doc = JSON.parse(readFileSync(file, 'utf8'));
    } catch (e) {
      throw dgError('DG_E_RISK_BAD_SNAPSHOT', `${file}: not JSON (${(e as Error).message})`);
    }
    const r = schema.safeParse(doc);
    if (!r.success) {
      throw dgError(
        'DG_E_RISK_BAD_SNAPSHOT',
        `${file}: ${r.error.issues
          .slice(0, 3)
          .map((i) => `${i.path.join('.')}: ${i.message}`)
          .join('; ')}`,
      );
    }
    return r.data;
  }

  private checkSymbol(file: string, got: string, want: string): void {
    if (got !== want) throw dgError('DG_E_RISK_BAD_SNAPSHOT', `${this.name}/${file}: symbol ${got}, expected ${want}`);
  }

  async fetchMarkets(): Promise<MarketInfo[]> {
    return this.read('markets.json', marketsSchema);
  }

  async fetchOrderBook(symbol: string): Promise<BookSnapshot> {
    const b = this.read(path.join(fileKey(symbol), 'orderbook.json'), orderBookSchema);
    this.checkSymbol('orderbook.json', b.symbol, symbol);
    return {
      symbol,
      bids: b.bids.map((l) => [l[0], l[1]] as const),
      asks: b.asks.map((l) => [l[0], l[1]] as const),
      timestamp: b.timestamp,
    };
  }

  async fetchTicker(symbol: string): Promise<TickerSnapshot> {
    const t = this.read(path.join(fileKey(symbol), 'ticker.json'), tickerSchema);
    this.checkSymbol('ticker.json', t.symbol, symbol);
    return {
      symbol,
      bid: und(t.bid),
      ask: und(t.ask),
      last: und(t.last),
      baseVolume: und(t.baseVolume),
      quoteVolume: und(t.quoteVolume),
      timestamp: und(t.timestamp),
    };
  }

  async fetchOHLCV(symbol: string, timeframe: string, since?: number, limit?: number): Promise<OhlcvRow[]> {
    let rows = this.read(path.join(fileKey(symbol), `ohlcv-${timeframe}.json`), ohlcvSchema) as OhlcvRow[];
    if (since !== undefined) rows = rows.filter((r) => r[0] >= since);
    if (limit !== undefined) rows = rows.slice(-limit);
    return rows;
  }

  async fetchFundingRate(symbol: string): Promise<FundingSnapshot> {
    const f = this.read(path.join(fileKey(symbol), 'funding.json'), fundingSchema);
    this.checkSymbol('funding.json', f.symbol, symbol);
    return {
      symbol,
      fundingRate: f.fundingRate,
      fundingTimestamp: und(f.fundingTimestamp),
      nextFundingTimestamp: und(f.nextFundingTimestamp),
      interval: und(f.interval),
    };
  }
}

/** One source per exchange sub-directory (sorted by name). */
export function dirSources(dir: string): DirSource[] {
  if (!existsSync(dir) || !statSync(dir).isDirectory())
    throw dgError('DG_E_BAD_INPUT', `--from-dir: not a directory: ${dir}`);
  const names = readdirSync(dir)
    .filter((n) => statSync(path.join(dir, n)).isDirectory())
    .sort();
  if (names.length === 0) throw dgError('DG_E_RISK_BAD_SNAPSHOT', `${dir} holds no exchange sub-directories`);
  return names.map((n) => new DirSource(n, path.join(dir, n)));
}
