/**
 * Wash / arbitrage detection (S2.5): lock orders of the same coin with equal base amounts
 * (within `tolerancePct`, default exact) and opposite sides within a sliding window (default
 * 5 min). Same-client pairs and cross-client pairs are reported as different kinds. Each lock
 * joins at most one pair per kind: locks are taken in (lock_time, id) order and each pairs with
 * the earliest still-unpaired opposite lock inside the window. Pure and deterministic.
 */
import { pctToPpm } from './amount.js';
import { byLockTime, fits } from './match.js';
import type { LockOrder } from './types.js';

export interface WashOptions {
  readonly windowMs: number;
  readonly tolerancePct: number;
  readonly crossClient: boolean;
  /** Also require the same quote coin (default: "same coin" = same base coin only). */
  readonly sameQuote: boolean;
}

export const DEFAULT_WASH_OPTIONS: WashOptions = {
  windowMs: 5 * 60_000,
  tolerancePct: 0,
  crossClient: true,
  sameQuote: false,
};

export type WashKind = 'same_client' | 'cross_client';

export interface WashPair {
  readonly kind: WashKind;
  /** Earlier lock first. */
  readonly first: LockOrder;
  readonly second: LockOrder;
  readonly gapMs: number;
}

export function washKey(w: WashPair): string {
  return `wash:${w.kind}:${w.first.id}:${w.second.id}`;
}

export function detectWash(locks: readonly LockOrder[], options: Partial<WashOptions> = {}): WashPair[] {
  const opt = { ...DEFAULT_WASH_OPTIONS, ...options };
  const ppm = pctToPpm(opt.tolerancePct);
  const groups = new Map<string, LockOrder[]>();
  for (const l of locks) {
    const k = opt.sameQuote ? `${l.base}\u0000${l.quote}` : l.base;
    let g = groups.get(k);
    if (!g) groups.set(k, (g = []));
    g.push(l);
  }
  const out: WashPair[] = [];
  for (const g of groups.values()) {
    g.sort(byLockTime);
    for (const kind of ['same_client', 'cross_client'] as const) {
      if (kind === 'cross_client' && !opt.crossClient) continue;
      const paired = new Uint8Array(g.length);
      let lo = 0;
      for (let i = 0; i < g.length; i++) {
        const b = g[i];
        while (lo < i && g[lo].lockTime < b.lockTime - opt.windowMs) lo++;
        if (paired[i]) continue;
        for (let j = lo; j < i; j++) {
          if (paired[j]) continue;
          const a = g[j];
          if (a.side === b.side) continue;
          if ((a.clientId === b.clientId) !== (kind === 'same_client')) continue;
          const ref = a.baseAmount > b.baseAmount ? a.baseAmount : b.baseAmount;
          if (
            ppm === 0n
              ? a.baseAmount !== b.baseAmount
              : !fits(ref, a.baseAmount > b.baseAmount ? b.baseAmount : a.baseAmount, ppm)
          )
            continue;
          paired[i] = 1;
          paired[j] = 1;
          out.push({ kind, first: a, second: b, gapMs: b.lockTime - a.lockTime });
          break;
        }
      }
    }
  }
  out.sort((x, y) => byLockTime(x.second, y.second) || (x.kind < y.kind ? -1 : x.kind > y.kind ? 1 : 0));
  return out;
}
