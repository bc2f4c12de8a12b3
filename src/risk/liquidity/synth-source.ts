/**
 * In-process synthetic market (`coin-report --sim`): a documented, seeded model that builds
 * ccxt-shaped markets, books, tickers, candles and funding for three venues. It is the
 * embedded default for the liquidity report and the source the tests and docs use.
 *
 * Model (per venue, per coin; every draw from the seeded xoshiro stream of (seed, venue, market)):
 *   reference price  BTC 60000, ETH 3000, SOL 150, other coins 1 (USDT quote), shifted by a
 *                    venue offset of N(0, 2 bps)
 *   tick / lot       BTC 0.1 / 0.0001, ETH 0.01 / 0.001, SOL 0.001 / 0.01, others 0.00001 / 1
 *   touch            best bid/ask = mid ∓ spreadBps/2 (venue parameter), rounded outwards to the tick
 *   levels           400 per side; gap to the next level max(1 tick, Exp(mean gapBps) bps of the
 *                    mid rounded to ticks); size depth × (60000 / reference price) × Exp(1) ×
 *                    (1 + i/20) base units (≥ one lot), i = level index
 *   perpetual        same model with spread × 0.8, depth × 1.5; amounts in contracts of
 *                    contractSize base units (venue parameter)
 *   ticker           bid/ask from the book, last = mid, 24 h base volume volumeBase × (0.8 + 0.4 U)
 *   candles          GBM, σ = 0.6 (BTC) / 0.75 (ETH) / 0.9 (others) a year, ending at the clock's
 *                    hour at the mid
 *   funding          0.0001 + 0.00005 N rounded to 1e-6, every 8 h
 * Venues: sim-a (spread 1 bps, gap 1.5 bps, depth 1.5), sim-b (4 bps, 3 bps, 0.4, perpetual
 * contract 0.001 base), sim-c (12 bps, 6 bps, 0.06, spot only).
 */
import type { Clock } from '../../core/clock.js';
import { fromUnits, increment, type Increment } from '../../core/decimal.js';
import { dgError } from '../../core/errors.js';
import { Rng, streamWord } from '../liqsim/rng.js';
import {
  symbolFor,
  type BookSnapshot,
  type FundingSnapshot,
  type Level,
  type MarketInfo,
  type MarketSource,
  type OhlcvRow,
  type TickerSnapshot,
} from './source.js';

export interface SynthVenue {
  readonly name: string;
  readonly spreadBps: number;
  /** Mean size per level in base units of BTC-equivalent notional (× 60000 / coin price). */
  readonly depth: number;
  /** Mean gap between levels in bps of the mid. */
  readonly gapBps: number;
  readonly volumeNotional: number;
  /** Contract size of the perpetual, or null when the venue lists no perpetual. */
  readonly contractSize: string | null;
}

export const SYNTH_VENUES: readonly SynthVenue[] = [
  { name: 'sim-a', spreadBps: 1, depth: 1.5, gapBps: 1.5, volumeNotional: 2e9, contractSize: '1' },
  { name: 'sim-b', spreadBps: 4, depth: 0.4, gapBps: 3, volumeNotional: 4e8, contractSize: '0.001' },
  { name: 'sim-c', spreadBps: 12, depth: 0.06, gapBps: 6, volumeNotional: 3e7, contractSize: null },
];

const COINS: Record<string, { price: number; tick: string; lot: string; sigma: number }> = {
  BTC: { price: 60000, tick: '0.1', lot: '0.0001', sigma: 0.6 },
  ETH: { price: 3000, tick: '0.01', lot: '0.001', sigma: 0.75 },
  SOL: { price: 150, tick: '0.001', lot: '0.01', sigma: 0.9 },
};
const OTHER = { price: 1, tick: '0.00001', lot: '1', sigma: 0.9 };
const QUOTE = 'USDT';
const LEVELS = 400;
const TF_MS: Record<string, number> = {
  '1m': 60_000,
  '5m': 300_000,
  '15m': 900_000,
  '1h': 3_600_000,
  '4h': 14_400_000,
  '1d': 86_400_000,
};

function hashName(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193);
  return h >>> 0;
}

export class SynthSource implements MarketSource {
  readonly name: string;
  private readonly coins: string[];
  constructor(
    private readonly venue: SynthVenue,
    private readonly seed: number,
    private readonly clock: Clock,
    coins: string[] = ['BTC', 'ETH', 'SOL'],
  ) {
    this.name = venue.name;
    this.coins = coins.map((c) => c.toUpperCase());
  }

  private rng(symbol: string, purpose: string): Rng {
    return new Rng(this.seed, streamWord(hashName(this.venue.name), hashName(symbol), hashName(purpose)));
  }

  private spec(symbol: string): {
    coin: string;
    type: 'spot' | 'swap';
    c: typeof OTHER;
    tick: Increment;
    lot: Increment;
    contract: string;
  } {
    const m = /^([A-Z0-9]+)\/USDT(:USDT)?$/.exec(symbol);
    const coin = m?.[1];
    const type = m?.[2] ? 'swap' : 'spot';
    if (!m || !coin || !this.coins.includes(coin) || (type === 'swap' && this.venue.contractSize === null)) {
      throw dgError('DG_E_RISK_NO_MARKET', `${this.name} does not list ${symbol}`);
    }
    const c = COINS[coin] ?? OTHER;
    return {
      coin,
      type,
      c,
      tick: increment(c.tick),
      lot: increment(c.lot),
      contract: type === 'swap' ? (this.venue.contractSize ?? '1') : '1',
    };
  }

  /** The venue's mid for a coin (reference price with a seeded venue offset). */
  mid(coin: string): number {
    const c = COINS[coin] ?? OTHER;
    return c.price * (1 + 0.0002 * this.rng(coin, 'offset').normal());
  }

  async fetchMarkets(): Promise<MarketInfo[]> {
    const out: MarketInfo[] = [];
    for (const coin of this.coins) {
      out.push({
        symbol: symbolFor(coin, QUOTE, 'spot'),
        base: coin,
        quote: QUOTE,
        type: 'spot',
        contractSize: '1',
        active: true,
      });
      if (this.venue.contractSize !== null) {
        out.push({
          symbol: symbolFor(coin, QUOTE, 'swap'),
          base: coin,
          quote: QUOTE,
          type: 'swap',
          linear: true,
          contractSize: this.venue.contractSize,
          active: true,
        });
      }
    }
    return out;
  }

  async fetchOrderBook(symbol: string, limit = LEVELS): Promise<BookSnapshot> {
    const s = this.spec(symbol);
    const r = this.rng(symbol, 'book');
    const mid = this.mid(s.coin);
    const spread = (this.venue.spreadBps * (s.type === 'swap' ? 0.8 : 1)) / 1e4;
    const tickV = s.tick.step / 10 ** s.tick.decimals;
    const lotV = s.lot.step / 10 ** s.lot.decimals;
    const bidT = Math.floor((mid * (1 - spread / 2)) / tickV);
    let askT = Math.ceil((mid * (1 + spread / 2)) / tickV);
    if (askT <= bidT) askT = bidT + 1;
    const contract = Number(s.contract);
    const depthBase = (this.venue.depth * 60000 * (s.type === 'swap' ? 1.5 : 1)) / (COINS[s.coin] ?? OTHER).price;
    const gapTicks = (this.venue.gapBps * mid) / 1e4 / tickV;
    const side = (startT: number, dir: 1 | -1): Level[] => {
      const out: Level[] = [];
      let t = startT;
      for (let i = 0; i < Math.min(limit, LEVELS) && t > 0; i++) {
        const base = depthBase * -Math.log(r.uniform()) * (1 + i / 20);
        let amount: string;
        if (s.type === 'swap') amount = String(Math.max(1, Math.round(base / contract)));
        else amount = fromUnits(Math.max(1, Math.round(base / lotV)), s.lot);
        out.push([fromUnits(t, s.tick), amount]);
        t += dir * Math.max(1, Math.round(-Math.log(r.uniform()) * gapTicks));
      }
      return out;
    };
    const bids = side(bidT, -1);
    const asks = side(askT, 1);
    return { symbol, bids, asks, timestamp: this.clock.now() };
  }

  async fetchTicker(symbol: string): Promise<TickerSnapshot> {
    const s = this.spec(symbol);
    const b = await this.fetchOrderBook(symbol, 1);
    const mid = this.mid(s.coin);
    const volNotional =
      this.venue.volumeNotional * (s.type === 'swap' ? 2 : 1) * ((COINS[s.coin] ?? OTHER).price / 60000) ** 0.3;
    const baseVolume = (volNotional / mid) * (0.8 + 0.4 * this.rng(symbol, 'volume').uniform());
    return {
      symbol,
      bid: Number(b.bids[0][0]),
      ask: Number(b.asks[0][0]),
      last: mid,
      baseVolume,
      quoteVolume: baseVolume * mid,
      timestamp: this.clock.now(),
    };
  }

  async fetchOHLCV(symbol: string, timeframe: string, _since?: number, limit = 200): Promise<OhlcvRow[]> {
    const s = this.spec(symbol);
    const ms = TF_MS[timeframe];
    if (!ms)
      throw dgError(
        'DG_E_BAD_INPUT',
        `synthetic source: timeframe ${timeframe} not one of ${Object.keys(TF_MS).join(', ')}`,
      );
    const r = this.rng(symbol, `ohlcv-${timeframe}`);
    const dt = ms / (365 * 86400_000);
    const vol = s.c.sigma * Math.sqrt(dt);
    const sub = 6;
    const closes: number[] = [];
    const highs: number[] = [];
    const lows: number[] = [];
    let x = 0;
    for (let i = 0; i < limit; i++) {
      let hi = x;
      let lo = x;
      for (let k = 0; k < sub; k++) {
        x += (-0.5 * vol * vol) / sub + (vol / Math.sqrt(sub)) * r.normal();
        hi = Math.max(hi, x);
        lo = Math.min(lo, x);
      }
      closes.push(x);
      highs.push(hi);
      lows.push(lo);
    }
    const mid = this.mid(s.coin);
    const shift = Math.log(mid) - x;
    const end = Math.floor(this.clock.now() / ms) * ms;
    const out: OhlcvRow[] = [];
    for (let i = 0; i < limit; i++) {
      const open = Math.exp((i === 0 ? 0 : closes[i - 1]) + shift);
      const v = (this.venue.volumeNotional / mid / (86400_000 / ms)) * (0.5 + r.uniform());
      out.push([
        end - (limit - i) * ms,
        open,
        Math.exp(highs[i] + shift),
        Math.exp(lows[i] + shift),
        Math.exp(closes[i] + shift),
        v,
      ]);
    }
    return out;
  }

  async fetchFundingRate(symbol: string): Promise<FundingSnapshot> {
    const s = this.spec(symbol);
    if (s.type !== 'swap') throw dgError('DG_E_RISK_NO_MARKET', `${symbol} is not a perpetual`);
    const rate = Math.round((0.0001 + 0.00005 * this.rng(symbol, 'funding').normal()) * 1e6) / 1e6;
    const eight = 8 * 3_600_000;
    const next = (Math.floor(this.clock.now() / eight) + 1) * eight;
    return { symbol, fundingRate: rate, fundingTimestamp: next, nextFundingTimestamp: next, interval: '8h' };
  }
}

export function synthSources(seed: number, clock: Clock, coins?: string[]): SynthSource[] {
  return SYNTH_VENUES.map((v) => new SynthSource(v, seed, clock, coins));
}
