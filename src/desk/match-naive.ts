/**
 * The all-pairs baseline for matchOrders (same rule, no buckets, no sweep): every lock scans
 * every hedge. O(locks × hedges); used by the benchmark and tests to prove the fast matcher
 * returns the identical result.
 */
import { pctToPpm } from './amount.js';
import { byLockTime, byStartTime, fits } from './match.js';
import { DEFAULT_MATCH_OPTIONS, type MatchOptions } from './match-options.js';
import type { HedgeOrder, LockOrder, MatchPair, MatchResult, UnmatchedHedge, UnmatchedLock } from './types.js';

function sameKey(l: LockOrder, h: HedgeOrder, withBase: boolean): boolean {
  return l.clientId === h.clientId && l.side === h.side && l.quote === h.quote && (!withBase || l.base === h.base);
}

export function matchNaive(
  locks: readonly LockOrder[],
  hedges: readonly HedgeOrder[],
  options: Partial<MatchOptions> = {},
): MatchResult {
  const opt: MatchOptions = { ...DEFAULT_MATCH_OPTIONS, ...options };
  const ppm = pctToPpm(opt.tolerancePct);
  const L = [...locks].sort(byLockTime);
  const H = [...hedges].sort(byStartTime);
  const used = new Array<boolean>(H.length).fill(false);
  const result = new Array<MatchPair | undefined>(L.length);
  const inWindow = (l: LockOrder, h: HedgeOrder): boolean =>
    h.startTime >= l.lockTime - opt.maxEarlyMs && h.startTime <= l.lockTime + opt.maxDelayMs;

  for (let li = 0; li < L.length; li++) {
    const l = L[li];
    for (let j = 0; j < H.length; j++) {
      const h = H[j];
      if (!used[j] && sameKey(l, h, opt.matchBase) && inWindow(l, h) && fits(l.baseAmount, h.baseAmount, ppm)) {
        used[j] = true;
        result[li] = { lockId: l.id, hedgeIds: [h.id], kind: 'one-to-one' };
        break;
      }
    }
  }
  if (opt.maxParts >= 2) {
    for (let li = 0; li < L.length; li++) {
      if (result[li]) continue;
      const l = L[li];
      const parts: number[] = [];
      let sum = 0n;
      for (let j = 0; j < H.length; j++) {
        const h = H[j];
        if (used[j] || !sameKey(l, h, opt.matchBase) || !inWindow(l, h)) continue;
        if (!fits(l.baseAmount, sum + h.baseAmount, ppm) && sum + h.baseAmount > l.baseAmount) continue;
        parts.push(j);
        sum += h.baseAmount;
        if (fits(l.baseAmount, sum, ppm) || parts.length >= opt.maxParts) break;
      }
      if (parts.length >= 2 && fits(l.baseAmount, sum, ppm)) {
        for (const j of parts) used[j] = true;
        result[li] = { lockId: l.id, hedgeIds: parts.map((j) => H[j].id), kind: 'one-to-many' };
      }
    }
  }

  const pairs: MatchPair[] = [];
  const unmatchedLocks: UnmatchedLock[] = [];
  for (let li = 0; li < L.length; li++) {
    const p = result[li];
    if (p) {
      pairs.push(p);
      continue;
    }
    const l = L[li];
    let anyKey = false;
    let anyWindow = false;
    let anyFit = false;
    for (const h of H) {
      if (!sameKey(l, h, opt.matchBase)) continue;
      anyKey = true;
      if (!inWindow(l, h)) continue;
      anyWindow = true;
      if (fits(l.baseAmount, h.baseAmount, ppm)) anyFit = true;
    }
    const reason = !anyKey
      ? 'no_hedge_for_client_side_coin'
      : !anyWindow
        ? 'no_hedge_in_time_window'
        : anyFit
          ? 'fitting_hedges_already_matched'
          : 'amount_out_of_tolerance';
    unmatchedLocks.push({ id: l.id, reason });
  }
  const unmatchedHedges: UnmatchedHedge[] = [];
  for (let j = 0; j < H.length; j++) {
    if (used[j]) continue;
    const h = H[j];
    let anyKey = false;
    let anyWindow = false;
    let anyFit = false;
    for (const l of L) {
      if (!sameKey(l, h, opt.matchBase)) continue;
      anyKey = true;
      if (!inWindow(l, h)) continue;
      anyWindow = true;
      if (fits(l.baseAmount, h.baseAmount, ppm)) anyFit = true;
    }
    const reason = !anyKey
      ? 'no_lock_for_client_side_coin'
      : !anyWindow
        ? 'no_lock_in_time_window'
        : anyFit
          ? 'fitting_locks_already_matched'
          : 'amount_out_of_tolerance';
    unmatchedHedges.push({ id: h.id, reason });
  }
  return { pairs, unmatchedLocks, unmatchedHedges };
}
