/**
 * The simulated exchange (src/venue/sim: matching engine + seeded synthetic order flow) as a
 * market-data source for the liquidity report. On first use it builds an engine on its own
 * ManualClock starting `warmupMinutes` before `asOf`, lets the synthetic flow trade up to
 * `asOf`, then answers from the engine's reads: l2Snapshot, ticker (24 h volume from its
 * candles), candles. Deterministic for (seed, asOf, warmup, rate). The sim lists spot markets
 * only (BTC-USDT, ETH-USDT by default), so perpetual rows read "not listed" and there is no
 * funding rate.
 */
import { ManualClock } from '../../core/clock.js';
import { dgError } from '../../core/errors.js';
import { DEFAULT_MARKETS } from '../../venue/sim/default-markets.js';
import { SimEngine } from '../../venue/sim/engine.js';
import { SyntheticFlow } from '../../venue/sim/flow/synthetic-flow.js';
import type { BookSnapshot, FundingSnapshot, MarketInfo, MarketSource, OhlcvRow, TickerSnapshot } from './source.js';

export interface SimEngineSourceOptions {
  readonly seed: number;
  /** Engine time of the snapshot (ms). */
  readonly asOf: number;
  /** Simulated minutes of synthetic flow before the snapshot (default 180). */
  readonly warmupMinutes?: number;
  /** Synthetic-flow command budget per market per second (default 25; the sim's own default is 500). */
  readonly ratePerSec?: number;
  /** Only drive these sim symbols (e.g. ["BTC-USDT"]); default all markets. */
  readonly symbols?: readonly string[];
}

export const DEFAULT_WARMUP_MIN = 180;
const TF_MIN: Record<string, number> = { '1m': 1, '5m': 5, '15m': 15, '30m': 30, '1h': 60, '4h': 240, '1d': 1440 };

const toSim = (symbol: string): string | undefined => {
  const m = /^([A-Z0-9]+)\/([A-Z0-9]+)$/.exec(symbol);
  return m ? `${m[1]}-${m[2]}` : undefined;
};

export class SimEngineSource implements MarketSource {
  readonly name = 'sim-engine';
  private engine: SimEngine | undefined;
  constructor(private readonly o: SimEngineSourceOptions) {}

  private ready(): SimEngine {
    if (this.engine) return this.engine;
    const warm = (this.o.warmupMinutes ?? DEFAULT_WARMUP_MIN) * 60_000;
    const start = this.o.asOf - warm;
    const clock = new ManualClock(start);
    const engine = new SimEngine({ markets: DEFAULT_MARKETS, clock, seed: this.o.seed });
    const flow = new SyntheticFlow(engine, {
      startMs: start,
      seed: this.o.seed,
      ratePerSec: this.o.ratePerSec ?? 25,
      symbols: this.o.symbols,
      setTime: (ms) => clock.set(ms),
    });
    flow.advanceTo(this.o.asOf);
    this.engine = engine;
    return engine;
  }

  private sim(symbol: string): string {
    const s = toSim(symbol);
    const e = this.ready();
    if (!s || !e.market(s)) throw dgError('DG_E_RISK_NO_MARKET', `sim-engine does not list ${symbol}`);
    return s;
  }

  async fetchMarkets(): Promise<MarketInfo[]> {
    return this.ready()
      .markets()
      .map((m) => ({
        symbol: `${m.base}/${m.quote}`,
        base: m.base,
        quote: m.quote,
        type: 'spot',
        contractSize: '1',
        active: true,
      }));
  }

  async fetchOrderBook(symbol: string, limit = 500): Promise<BookSnapshot> {
    const s = this.sim(symbol);
    const e = this.ready();
    const snap = e.l2Snapshot(s, limit);
    const lv = (rows: Array<[number, number]>): [string, string][] =>
      rows.map(([p, q]) => [e.formatPrice(s, p), e.formatSize(s, q)]);
    return { symbol, bids: lv(snap.bids), asks: lv(snap.asks), timestamp: snap.ts };
  }

  async fetchTicker(symbol: string): Promise<TickerSnapshot> {
    const s = this.sim(symbol);
    const e = this.ready();
    const t = e.ticker(s);
    const m = e.market(s);
    const px = (v: number | undefined): number | undefined =>
      v === undefined ? undefined : Number(e.formatPrice(s, v));
    return {
      symbol,
      bid: px(t.bestBid),
      ask: px(t.bestAsk),
      last: px(t.last),
      baseVolume: Number(e.formatSize(s, t.volume24h)),
      quoteVolume: m ? Number(e.formatAmount(m.quote, t.turnover24h)) : undefined,
      timestamp: t.ts,
      volumeWindowMs: Math.min(24 * 3_600_000, (this.o.warmupMinutes ?? DEFAULT_WARMUP_MIN) * 60_000),
    };
  }

  async fetchOHLCV(symbol: string, timeframe: string, since?: number, limit?: number): Promise<OhlcvRow[]> {
    const s = this.sim(symbol);
    const mins = TF_MIN[timeframe];
    if (!mins)
      throw dgError(
        'DG_E_BAD_INPUT',
        `sim-engine: timeframe ${timeframe} not one of ${Object.keys(TF_MIN).join(', ')}`,
      );
    const e = this.ready();
    const px = (v: number): number => Number(e.formatPrice(s, v));
    let rows: OhlcvRow[] = e
      .candles(s, mins, since)
      .map(
        (c) => [c.start, px(c.open), px(c.high), px(c.low), px(c.close), Number(e.formatSize(s, c.volume))] as const,
      );
    if (limit !== undefined) rows = rows.slice(-limit);
    return rows;
  }

  async fetchFundingRate(symbol: string): Promise<FundingSnapshot> {
    throw dgError('DG_E_RISK_NO_MARKET', `sim-engine lists no perpetual (${symbol})`);
  }
}
