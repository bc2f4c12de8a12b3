/**
 * New-pair anomaly detection (S2.4). For each new pair, the trailing history is every earlier
 * pair (lock time before it) within `windowMs`. With at least `minHistory` of them, the pair is
 * an anomaly when its PnL is below the `lowQuantile` or above the `highQuantile` of the history,
 * or its delay is above the `delayQuantile`. PnL is compared in bps (default; size-independent)
 * or in quote units. Pure: history and thresholds come in, findings go out.
 */
import { toFloat } from './amount.js';
import type { PairPnl } from './pnl.js';

export interface AnomalyOptions {
  readonly windowMs: number;
  readonly minHistory: number;
  readonly lowQuantile: number;
  readonly highQuantile: number;
  readonly delayQuantile: number;
  readonly metric: 'bps' | 'quote';
}

export const DEFAULT_ANOMALY_OPTIONS: AnomalyOptions = {
  windowMs: 30 * 86_400_000,
  minHistory: 50,
  lowQuantile: 0.05,
  highQuantile: 0.95,
  delayQuantile: 0.95,
  metric: 'bps',
};

export type AnomalyReason = 'pnl_below_low' | 'pnl_above_high' | 'delay_above_high';

export interface Anomaly {
  readonly pair: PairPnl;
  readonly reasons: AnomalyReason[];
  readonly value: number;
  readonly low: number;
  readonly high: number;
  readonly delayHigh: number;
  readonly historySize: number;
}

function metricOf(p: PairPnl, m: AnomalyOptions['metric']): number {
  return m === 'bps' ? p.pnlBps : toFloat(p.pnl);
}

/**
 * Sliding-window quantiles over a fixed universe of values: values are ranked once, a Fenwick
 * tree counts the window's members per rank, and the k-th smallest is found by descending the
 * tree. add/remove/quantile are O(log n); quantiles equal quantileSorted() on the window.
 */
class RankWindow {
  private readonly uniq: Float64Array;
  private readonly tree: Int32Array;
  private readonly top: number;
  n = 0;

  constructor(universe: readonly number[]) {
    const sorted = Float64Array.from(universe).sort();
    let u = 0;
    for (let i = 0; i < sorted.length; i++) if (i === 0 || sorted[i] !== sorted[u - 1]) sorted[u++] = sorted[i];
    this.uniq = sorted.slice(0, u);
    this.tree = new Int32Array(u + 1);
    let top = 1;
    while (top * 2 <= u) top *= 2;
    this.top = top;
  }

  private rank(v: number): number {
    let lo = 0;
    let hi = this.uniq.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.uniq[mid] < v) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  private update(v: number, d: number): void {
    for (let i = this.rank(v) + 1; i < this.tree.length; i += i & -i) this.tree[i] += d;
    this.n += d;
  }

  add(v: number): void {
    this.update(v, 1);
  }

  remove(v: number): void {
    this.update(v, -1);
  }

  /** k-th smallest (0-based) member. */
  private kth(k: number): number {
    let pos = 0;
    let rest = k + 1;
    for (let step = this.top; step > 0; step >>= 1) {
      const next = pos + step;
      if (next < this.tree.length && this.tree[next] < rest) {
        pos = next;
        rest -= this.tree[next];
      }
    }
    return this.uniq[pos];
  }

  quantile(q: number): number {
    const n = this.n;
    if (n === 0) return Number.NaN;
    if (q <= 0) return this.kth(0);
    if (q >= 1) return this.kth(n - 1);
    const pos = (n - 1) * q;
    const lo = Math.floor(pos);
    const frac = pos - lo;
    const a = this.kth(lo);
    return lo + 1 < n ? a + (this.kth(lo + 1) - a) * frac : a;
  }
}

/**
 * `history` is every stored pair that may serve as history (any order; may include the new
 * pairs themselves: a pair never counts towards its own history, only pairs locked before it).
 * New pairs are visited in lock-time order over one sliding window (O(log n) per step), so a
 * backfill over a long history costs O(n log n) instead of a sort per pair.
 */
export function detectAnomalies(
  newPairs: readonly PairPnl[],
  history: readonly PairPnl[],
  options: Partial<AnomalyOptions> = {},
): { anomalies: Anomaly[]; skippedShortHistory: number } {
  const opt = { ...DEFAULT_ANOMALY_OPTIONS, ...options };
  const byTime = (a: PairPnl, b: PairPnl): number =>
    a.lockTime - b.lockTime || (a.lockId < b.lockId ? -1 : a.lockId > b.lockId ? 1 : 0);
  const hist = [...history].sort(byTime);
  const fresh = [...newPairs].sort(byTime);
  const vals = new RankWindow(hist.map((h) => metricOf(h, opt.metric)));
  const delays = new RankWindow(hist.map((h) => h.delayMs));
  let lo = 0;
  let hi = 0;
  const anomalies: Anomaly[] = [];
  let skipped = 0;
  for (const p of fresh) {
    // Window: pairs with lock time in [t − window, t), strictly earlier than the new pair.
    while (hi < hist.length && hist[hi].lockTime < p.lockTime) {
      vals.add(metricOf(hist[hi], opt.metric));
      delays.add(hist[hi].delayMs);
      hi++;
    }
    while (lo < hi && hist[lo].lockTime < p.lockTime - opt.windowMs) {
      vals.remove(metricOf(hist[lo], opt.metric));
      delays.remove(hist[lo].delayMs);
      lo++;
    }
    const n = hi - lo;
    if (n < opt.minHistory) {
      skipped++;
      continue;
    }
    const low = vals.quantile(opt.lowQuantile);
    const high = vals.quantile(opt.highQuantile);
    const delayHigh = delays.quantile(opt.delayQuantile);
    const v = metricOf(p, opt.metric);
    const reasons: AnomalyReason[] = [];
    if (v < low) reasons.push('pnl_below_low');
    if (v > high) reasons.push('pnl_above_high');
    if (p.delayMs > delayHigh) reasons.push('delay_above_high');
    if (reasons.length) anomalies.push({ pair: p, reasons, value: v, low, high, delayHigh, historySize: n });
  }
  return { anomalies, skippedShortHistory: skipped };
}
