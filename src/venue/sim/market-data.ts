/**
 * Per-market public history: a bounded ring of trades and 1-minute candles in a ring of typed
 * arrays (slot = minute mod capacity, validated by the stored minute). Longer intervals are
 * aggregated from the 1-minute candles on read. Rolling stats (`rollingStats`, the 24 h ticker)
 * keep the sum of the window's closed minutes and only add the current minute per read: the
 * closed part is rebuilt once per minute, not per call (a ticker read is O(1), not O(1440)).
 */
import { Ring } from './ring.js';
import type { Candle, TradeView } from './engine-types.js';

const MINUTE = 60_000;

/** Aggregate of the 1-minute candles of a window; `open` undefined when the window has no trade. */
export interface WindowStats {
  open: number | undefined;
  high: number | undefined;
  low: number | undefined;
  volume: number;
  turnover: number;
  trades: number;
}

interface ClosedPart extends WindowStats {
  firstMin: number;
  lastMin: number;
}

export class MarketData {
  readonly trades: Ring<TradeView>;
  private readonly cap: number;
  private readonly minute: Float64Array;
  private readonly open: Float64Array;
  private readonly high: Float64Array;
  private readonly low: Float64Array;
  private readonly close: Float64Array;
  private readonly volume: Float64Array;
  private readonly turnover: Float64Array;
  private readonly count: Float64Array;
  last: number | undefined;
  lastSize = 0;
  lastTs = 0;
  /** Stats of the closed minutes [firstMin, lastMin) of the last rolling window read. */
  private closed: ClosedPart | undefined;

  constructor(tradeCap: number, candleCap: number) {
    this.trades = new Ring<TradeView>(tradeCap);
    this.cap = candleCap;
    this.minute = new Float64Array(candleCap).fill(-1);
    this.open = new Float64Array(candleCap);
    this.high = new Float64Array(candleCap);
    this.low = new Float64Array(candleCap);
    this.close = new Float64Array(candleCap);
    this.volume = new Float64Array(candleCap);
    this.turnover = new Float64Array(candleCap);
    this.count = new Float64Array(candleCap);
  }

  /** Record a trade into the candles (the trade ring is pushed by the engine when enabled). */
  onTrade(price: number, size: number, funds: number, ts: number): void {
    this.last = price;
    this.lastSize = size;
    this.lastTs = ts;
    const m = Math.floor(ts / MINUTE);
    // a trade stamped inside the cached closed part (a clock that went back) invalidates it
    if (this.closed !== undefined && m < this.closed.lastMin) this.closed = undefined;
    const s = m % this.cap;
    if (this.minute[s] !== m) {
      this.minute[s] = m;
      this.open[s] = price;
      this.high[s] = price;
      this.low[s] = price;
      this.close[s] = price;
      this.volume[s] = size;
      this.turnover[s] = funds;
      this.count[s] = 1;
      return;
    }
    if (price > this.high[s]) this.high[s] = price;
    if (price < this.low[s]) this.low[s] = price;
    this.close[s] = price;
    this.volume[s] += size;
    this.turnover[s] += funds;
    this.count[s] += 1;
  }

  /**
   * Candles of `interval` minutes (≥ 1) with bucket start in [fromMs, toMs], oldest first. Only
   * buckets with trades appear. Only the last `candleCap` minutes are kept.
   */
  candles(intervalMinutes: number, fromMs: number, toMs: number): Candle[] {
    const iv = Math.max(1, Math.floor(intervalMinutes));
    const lastMin = Math.floor(toMs / MINUTE);
    const firstMin = Math.max(Math.floor(fromMs / MINUTE / iv) * iv, lastMin - this.cap + 1);
    const out: Candle[] = [];
    let cur:
      | {
          start: number;
          open: number;
          high: number;
          low: number;
          close: number;
          volume: number;
          turnover: number;
          trades: number;
        }
      | undefined;
    for (let m = firstMin; m <= lastMin; m++) {
      const s = ((m % this.cap) + this.cap) % this.cap;
      if (this.minute[s] !== m) continue;
      const bucket = Math.floor(m / iv) * iv * MINUTE;
      if (cur === undefined || cur.start !== bucket) {
        if (cur !== undefined) out.push(cur);
        cur = {
          start: bucket,
          open: this.open[s],
          high: this.high[s],
          low: this.low[s],
          close: this.close[s],
          volume: this.volume[s],
          turnover: this.turnover[s],
          trades: this.count[s],
        };
      } else {
        if (this.high[s] > cur.high) cur.high = this.high[s];
        if (this.low[s] < cur.low) cur.low = this.low[s];
        cur.close = this.close[s];
        cur.volume += this.volume[s];
        cur.turnover += this.turnover[s];
        cur.trades += this.count[s];
      }
    }
    if (cur !== undefined) out.push(cur);
    return out;
  }

  /**
   * Stats of the 1-minute candles in [fromMs, toMs] (the same minutes `candles(1, fromMs, toMs)`
   * returns, so the same figures as summing them), without building the candles: the closed
   * minutes are summed once per (window start, current minute) and the current minute added here.
   */
  rollingStats(fromMs: number, toMs: number): WindowStats {
    const lastMin = Math.floor(toMs / MINUTE);
    const firstMin = Math.max(Math.floor(fromMs / MINUTE), lastMin - this.cap + 1);
    let c = this.closed;
    if (c === undefined || c.firstMin !== firstMin || c.lastMin !== lastMin) {
      c = { firstMin, lastMin, open: undefined, high: undefined, low: undefined, volume: 0, turnover: 0, trades: 0 };
      for (let m = firstMin; m < lastMin; m++) this.addMinute(c, m);
      this.closed = c;
    }
    const out: WindowStats = {
      open: c.open,
      high: c.high,
      low: c.low,
      volume: c.volume,
      turnover: c.turnover,
      trades: c.trades,
    };
    if (lastMin >= firstMin) this.addMinute(out, lastMin);
    return out;
  }

  private addMinute(acc: WindowStats, m: number): void {
    const s = ((m % this.cap) + this.cap) % this.cap;
    if (this.minute[s] !== m) return;
    if (acc.open === undefined) acc.open = this.open[s];
    if (acc.high === undefined || this.high[s] > acc.high) acc.high = this.high[s];
    if (acc.low === undefined || this.low[s] < acc.low) acc.low = this.low[s];
    acc.volume += this.volume[s];
    acc.turnover += this.turnover[s];
    acc.trades += this.count[s];
  }
}
