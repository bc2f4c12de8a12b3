/**
 * Aggregates of pair PnL (S2.3) by coin, client, method, size bucket and hour of day (UTC).
 * Sums are exact (bigint); groups are split by quote coin because sums across quote coins
 * would mix units. Mean bps is notional-weighted (Σ pnl / Σ notional).
 */
import { toFloat } from './amount.js';
import type { PairPnl } from './pnl.js';
import { quantileSorted } from './stats.js';

export type Dimension = 'coin' | 'client' | 'method' | 'size' | 'hour' | 'side';
export const DIMENSIONS: readonly Dimension[] = ['coin', 'client', 'method', 'size', 'hour', 'side'];

/** Size buckets by lock notional in quote units. */
export const SIZE_BUCKETS: ReadonlyArray<{ label: string; max: number }> = [
  { label: '<1k', max: 1e3 },
  { label: '1k-10k', max: 1e4 },
  { label: '10k-100k', max: 1e5 },
  { label: '100k-1M', max: 1e6 },
  { label: '>=1M', max: Infinity },
];

export function sizeBucket(notional: bigint): string {
  const n = toFloat(notional);
  for (const b of SIZE_BUCKETS) if (n < b.max) return b.label;
  return SIZE_BUCKETS[SIZE_BUCKETS.length - 1].label;
}

export function dimensionKey(p: PairPnl, d: Dimension): string {
  switch (d) {
    case 'coin':
      return p.base;
    case 'client':
      return p.clientId;
    case 'method':
      return p.method;
    case 'size':
      return sizeBucket(p.notional);
    case 'hour':
      return String(new Date(p.lockTime).getUTCHours()).padStart(2, '0');
    case 'side':
      return p.side;
  }
}

export interface GroupStats {
  readonly dimension: Dimension;
  readonly key: string;
  readonly quote: string;
  readonly count: number;
  readonly pnl: bigint;
  readonly notional: bigint;
  readonly weightedBps: number;
  readonly medianBps: number;
  readonly p5Bps: number;
  readonly p95Bps: number;
  readonly winRate: number;
  readonly medianDelayMs: number;
  readonly p95DelayMs: number;
}

export function aggregate(pairs: readonly PairPnl[], dimension: Dimension): GroupStats[] {
  const groups = new Map<string, { key: string; quote: string; items: PairPnl[] }>();
  for (const p of pairs) {
    const key = dimensionKey(p, dimension);
    const gk = `${key}\u0000${p.quote}`;
    let g = groups.get(gk);
    if (!g) groups.set(gk, (g = { key, quote: p.quote, items: [] }));
    g.items.push(p);
  }
  const out: GroupStats[] = [];
  for (const g of groups.values()) {
    let pnl = 0n;
    let notional = 0n;
    let wins = 0;
    const bps = new Float64Array(g.items.length);
    const delay = new Float64Array(g.items.length);
    g.items.forEach((p, i) => {
      pnl += p.pnl;
      notional += p.notional;
      if (p.pnl > 0n) wins++;
      bps[i] = p.pnlBps;
      delay[i] = p.delayMs;
    });
    bps.sort();
    delay.sort();
    const nf = toFloat(notional);
    out.push({
      dimension,
      key: g.key,
      quote: g.quote,
      count: g.items.length,
      pnl,
      notional,
      weightedBps: nf > 0 ? (toFloat(pnl) / nf) * 1e4 : 0,
      medianBps: quantileSorted(bps, 0.5),
      p5Bps: quantileSorted(bps, 0.05),
      p95Bps: quantileSorted(bps, 0.95),
      winRate: wins / g.items.length,
      medianDelayMs: quantileSorted(delay, 0.5),
      p95DelayMs: quantileSorted(delay, 0.95),
    });
  }
  const order = dimension === 'size' ? SIZE_BUCKETS.map((b) => b.label) : undefined;
  out.sort((a, b) => {
    if (order) return order.indexOf(a.key) - order.indexOf(b.key) || (a.quote < b.quote ? -1 : 1);
    return a.key < b.key ? -1 : a.key > b.key ? 1 : a.quote < b.quote ? -1 : a.quote > b.quote ? 1 : 0;
  });
  return out;
}
