/**
 * Single-coin liquidity report across exchanges (S2.8): for each source and each market type
 * (spot, linear perpetual) — touch, spread, depth within ±0.1/0.5/1/2 %, cost of filling given
 * notionals, 24 h volume, realised volatility from candles and funding. A market an exchange
 * does not list, or data that cannot be fetched or validated, becomes a row or a note saying
 * why — never a silently wrong number.
 */
import { dgError, isDeskgateError } from '../../core/errors.js';
import { parseDurationSeconds } from '../../core/duration.js';
import { depthWithin, exactBook, spreadBps, walkBook } from './book-math.js';
import { Rational } from './rational.js';
import { symbolFor, type MarketInfo, type MarketSource, type MarketType, type OhlcvRow } from './source.js';

export interface CoinReportOptions {
  readonly coin: string;
  readonly quote?: string;
  /** Quote-coin notionals to fill, decimal strings. */
  readonly notionals?: readonly string[];
  readonly bandsBps?: readonly number[];
  readonly bookLimit?: number;
  readonly timeframe?: string;
  readonly candles?: number;
  readonly types?: readonly MarketType[];
  /** Report time (ms) from the injected clock. */
  readonly asOf: number;
}

export interface DepthRow {
  readonly bandPct: number;
  readonly bidBase: string;
  readonly askBase: string;
  readonly bidQuote: string;
  readonly askQuote: string;
  readonly truncated: boolean;
}

export interface FillRow {
  readonly complete: boolean;
  readonly filledNotional: string;
  readonly base: string;
  readonly avgPrice: string | null;
  readonly slippageBps: number | null;
  readonly levels: number;
}

export interface SlippageRow {
  readonly notional: string;
  readonly buy: FillRow;
  readonly sell: FillRow;
}

export interface MarketRow {
  readonly exchange: string;
  readonly type: MarketType;
  readonly symbol: string;
  readonly status: 'ok' | 'not listed' | 'error';
  readonly reason?: string;
  readonly contractSize?: string;
  readonly bestBid?: string;
  readonly bestAsk?: string;
  readonly mid?: string;
  readonly spreadBps?: number;
  readonly bookLevels?: { bids: number; asks: number };
  readonly depth?: DepthRow[];
  readonly slippage?: SlippageRow[];
  readonly volume24hBase?: number | null;
  readonly volume24hQuote?: number | null;
  readonly realisedVol?: { annualised: number; candles: number; timeframe: string } | null;
  readonly funding?: { rate: number; interval: string; annualised: number | null; next: string | null } | null;
  readonly notes: string[];
}

export interface CoinReport {
  readonly kind: 'deskgate.coin-report';
  readonly coin: string;
  readonly quote: string;
  readonly asOf: string;
  readonly notionals: string[];
  readonly bandsPct: number[];
  readonly rows: MarketRow[];
}

export const DEFAULT_NOTIONALS = ['10000', '100000', '1000000'];
export const DEFAULT_BANDS_BPS = [10, 50, 100, 200];
const MIN_VOL_CANDLES = 24;
const TF_S: Record<string, number> = {
  '1m': 60,
  '5m': 300,
  '15m': 900,
  '30m': 1800,
  '1h': 3600,
  '4h': 14400,
  '1d': 86400,
};

const msg = (e: unknown): string =>
  isDeskgateError(e) ? e.message : e instanceof Error ? `${e.name}: ${e.message}` : String(e);

function fillRow(f: ReturnType<typeof walkBook>): FillRow {
  return {
    complete: f.complete,
    filledNotional: f.filledNotional.toDecimal(8),
    base: f.base.toDecimal(12),
    avgPrice: f.avgPrice?.toDecimal(10) ?? null,
    slippageBps: f.slippageBps === null ? null : Math.round(f.slippageBps * 1000) / 1000,
    levels: f.levels,
  };
}

export function realisedVolFromCandles(
  rows: readonly OhlcvRow[],
  timeframe: string,
): { annualised: number; candles: number } {
  const s = TF_S[timeframe];
  if (!s) throw dgError('DG_E_BAD_INPUT', `timeframe ${timeframe} not one of ${Object.keys(TF_S).join(', ')}`);
  if (rows.length < MIN_VOL_CANDLES)
    throw dgError(
      'DG_E_RISK_TOO_FEW_CANDLES',
      `realised volatility needs ≥ ${MIN_VOL_CANDLES} candles, got ${rows.length}`,
    );
  const r: number[] = [];
  for (let i = 1; i < rows.length; i++) {
    if (!(rows[i][4] > 0) || !(rows[i - 1][4] > 0))
      throw dgError('DG_E_RISK_BAD_SNAPSHOT', `non-positive close in candles at row ${i + 1}`);
    if (!(rows[i][0] > rows[i - 1][0]))
      throw dgError('DG_E_RISK_BAD_SNAPSHOT', `candle timestamps not increasing at row ${i + 1}`);
    r.push(Math.log(rows[i][4] / rows[i - 1][4]));
  }
  const m = r.reduce((a, b) => a + b, 0) / r.length;
  const v = r.reduce((a, b) => a + (b - m) ** 2, 0) / (r.length - 1);
  return { annualised: Math.sqrt((v * 365 * 86400) / s), candles: rows.length };
}

async function marketRow(
  src: MarketSource,
  markets: MarketInfo[],
  o: Required<Omit<CoinReportOptions, 'asOf'>>,
  type: MarketType,
): Promise<MarketRow> {
  const symbol = symbolFor(o.coin, o.quote, type);
  const base = { exchange: src.name, type, symbol };
  const m = markets.find((x) => x.symbol === symbol);
  if (!m) return { ...base, status: 'not listed', reason: `${src.name} lists no ${symbol}`, notes: [] };
  if (m.type !== type)
    return { ...base, status: 'not listed', reason: `${symbol} is a ${m.type} market, not ${type}`, notes: [] };
  if (type === 'swap' && m.linear === false)
    return { ...base, status: 'not listed', reason: `${symbol} is not linear`, notes: [] };
  if (m.active === false)
    return { ...base, status: 'not listed', reason: `${symbol} is inactive on ${src.name}`, notes: [] };
  const notes: string[] = [];
  const contractSize =
    type === 'swap' ? (m.contractSize ?? (notes.push('contract size not given, assumed 1'), '1')) : '1';
  let book;
  try {
    book = exactBook(await src.fetchOrderBook(symbol, o.bookLimit), contractSize);
  } catch (e) {
    return { ...base, status: 'error', reason: `order book: ${msg(e)}`, notes };
  }
  const truncated: string[] = [];
  const depth: DepthRow[] = o.bandsBps.map((bps) => {
    const d = depthWithin(book, bps);
    if (d.truncated) truncated.push(`±${bps / 100} %`);
    return {
      bandPct: bps / 100,
      bidBase: d.bidBase.toDecimal(8),
      askBase: d.askBase.toDecimal(8),
      bidQuote: d.bidQuote.toDecimal(2),
      askQuote: d.askQuote.toDecimal(2),
      truncated: d.truncated,
    };
  });
  if (truncated.length)
    notes.push(
      `fetched book (${book.bids.length} bids, ${book.asks.length} asks) ends inside ${truncated.join(', ')}: depth there is a lower bound`,
    );
  const slippage: SlippageRow[] = o.notionals.map((n) => {
    const q = Rational.parse(n);
    const buy = walkBook(book, 'buy', q);
    const sell = walkBook(book, 'sell', q);
    for (const f of [buy, sell]) {
      if (!f.complete)
        notes.push(
          `${f.side} ${n} ${o.quote}: book too thin, only ${f.filledNotional.toDecimal(2)} fillable from the fetched levels`,
        );
    }
    return { notional: n, buy: fillRow(buy), sell: fillRow(sell) };
  });
  let volume24hBase: number | null = null;
  let volume24hQuote: number | null = null;
  try {
    const t = await src.fetchTicker(symbol);
    volume24hBase = t.baseVolume ?? null;
    volume24hQuote = t.quoteVolume ?? null;
    if (volume24hQuote === null && volume24hBase !== null && t.last !== undefined) {
      volume24hQuote = volume24hBase * t.last;
      notes.push('24 h quote volume estimated as base volume × last');
    }
    if (volume24hBase === null && volume24hQuote === null) notes.push('ticker has no 24 h volume');
    if (t.volumeWindowMs !== undefined && t.volumeWindowMs < 24 * 3_600_000) {
      notes.push(
        `24 h volume covers only the ${(t.volumeWindowMs / 3_600_000).toFixed(1)} h of history the source has`,
      );
    }
  } catch (e) {
    notes.push(`ticker: ${msg(e)}`);
  }
  let realisedVol: MarketRow['realisedVol'] = null;
  try {
    const rows = await src.fetchOHLCV(symbol, o.timeframe, undefined, o.candles);
    realisedVol = { ...realisedVolFromCandles(rows, o.timeframe), timeframe: o.timeframe };
  } catch (e) {
    notes.push(`realised volatility: ${msg(e)}`);
  }
  let funding: MarketRow['funding'] = null;
  if (type === 'swap') {
    try {
      const f = await src.fetchFundingRate(symbol);
      const interval = f.interval ?? '8h';
      let h = Number.NaN;
      try {
        h = parseDurationSeconds(interval, 'funding interval') / 3600;
      } catch {
        notes.push(`funding interval ${JSON.stringify(interval)} not understood: not annualised`);
      }
      if (!f.interval) notes.push('funding interval not given, assumed 8h');
      const next = f.nextFundingTimestamp ?? f.fundingTimestamp;
      funding = {
        rate: f.fundingRate,
        interval,
        annualised: Number.isFinite(h) ? (f.fundingRate * 365 * 24) / h : null,
        next: next ? new Date(next).toISOString() : null,
      };
    } catch (e) {
      notes.push(`funding: ${msg(e)}`);
    }
  }
  return {
    ...base,
    status: 'ok',
    contractSize: type === 'swap' ? contractSize : undefined,
    bestBid: book.bestBid.toDecimal(12),
    bestAsk: book.bestAsk.toDecimal(12),
    mid: book.mid.toDecimal(12),
    spreadBps: Math.round(spreadBps(book) * 1000) / 1000,
    bookLevels: { bids: book.bids.length, asks: book.asks.length },
    depth,
    slippage,
    volume24hBase,
    volume24hQuote,
    realisedVol,
    funding,
    notes: [...new Set(notes)],
  };
}

export async function buildCoinReport(sources: readonly MarketSource[], opts: CoinReportOptions): Promise<CoinReport> {
  const coin = opts.coin.trim().toUpperCase();
  if (!/^[A-Z0-9]{1,15}$/.test(coin))
    throw dgError('DG_E_BAD_INPUT', `coin ${JSON.stringify(opts.coin)} not understood`);
  const notionals = [...(opts.notionals ?? DEFAULT_NOTIONALS)].map((n) => {
    try {
      if (Rational.parse(n).cmp(Rational.ZERO) <= 0) throw new Error('not positive');
    } catch {
      throw dgError('DG_E_BAD_INPUT', `notional ${JSON.stringify(n)} must be a positive decimal`);
    }
    return n;
  });
  const o = {
    coin,
    quote: (opts.quote ?? 'USDT').toUpperCase(),
    notionals,
    bandsBps: opts.bandsBps ?? DEFAULT_BANDS_BPS,
    bookLimit: opts.bookLimit ?? 500,
    timeframe: opts.timeframe ?? '1h',
    candles: opts.candles ?? 168,
    types: opts.types ?? (['spot', 'swap'] as const),
  };
  const rows: MarketRow[] = [];
  for (const src of sources) {
    let markets: MarketInfo[];
    try {
      markets = await src.fetchMarkets();
    } catch (e) {
      for (const type of o.types)
        rows.push({
          exchange: src.name,
          type,
          symbol: symbolFor(coin, o.quote, type),
          status: 'error',
          reason: `markets: ${msg(e)}`,
          notes: [],
        });
      continue;
    }
    for (const type of o.types) rows.push(await marketRow(src, markets, o, type));
  }
  return {
    kind: 'deskgate.coin-report',
    coin,
    quote: o.quote,
    asOf: new Date(opts.asOf).toISOString(),
    notionals,
    bandsPct: o.bandsBps.map((b) => b / 100),
    rows,
  };
}
