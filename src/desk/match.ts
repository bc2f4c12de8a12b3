/**
 * Lock ↔ hedge matching (S2.2). Pure and deterministic.
 *
 * Rule: a hedge can hedge a lock when client_id, side and quote coin (and base coin unless
 * `matchBase` is off) are equal, the hedge starts within [lock_time − maxEarlyMs,
 * lock_time + maxDelayMs], and the base amounts agree within `tolerancePct` of the lock amount
 * (exact integer test). Orders are bucketed by (client, side, quote[, base]); inside a bucket
 * locks are taken in (lock_time, id) order and hedges in (start_time, id) order.
 *   Pass 1, one-to-one: each lock takes the earliest free hedge in its window that fits.
 *   Pass 2, one-to-many: each still-unmatched lock walks the free hedges of its window in time
 *   order, taking each hedge that keeps the running sum ≤ lock × (1 + tol), until the sum is
 *   ≥ lock × (1 − tol) (success) or maxParts hedges are taken / the window ends (nothing taken).
 * Free hedges are found through a path-compressed "next free index" array, so each bucket is a
 * forward sweep. bench/otc-match.bench.ts checks the result equals matchNaive's all-pairs scan.
 */
import { pctToPpm } from './amount.js';
import { DEFAULT_MATCH_OPTIONS, type MatchOptions } from './match-options.js';
import type {
  HedgeOrder,
  HedgeUnmatchedReason,
  LockOrder,
  LockUnmatchedReason,
  MatchPair,
  MatchResult,
  UnmatchedHedge,
  UnmatchedLock,
} from './types.js';

export type { MatchOptions } from './match-options.js';
export { DEFAULT_MATCH_OPTIONS } from './match-options.js';

export interface MatchProgress {
  (done: number, total: number): void;
}

export function byLockTime(a: LockOrder, b: LockOrder): number {
  return a.lockTime - b.lockTime || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);
}
export function byStartTime(a: HedgeOrder, b: HedgeOrder): number {
  return a.startTime - b.startTime || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);
}

/** |h − l| ≤ l × ppm / 1e6, exact. */
export function fits(lockAmount: bigint, hedgeAmount: bigint, ppm: bigint): boolean {
  const d = hedgeAmount > lockAmount ? hedgeAmount - lockAmount : lockAmount - hedgeAmount;
  return d * 1_000_000n <= lockAmount * ppm;
}

interface Bucket {
  locks: LockOrder[];
  hedges: HedgeOrder[];
}

function bucketKey(o: LockOrder | HedgeOrder, withBase: boolean): string {
  return withBase
    ? `${o.clientId}\u0000${o.side}\u0000${o.quote}\u0000${o.base}`
    : `${o.clientId}\u0000${o.side}\u0000${o.quote}`;
}

/** First index in [0, n) whose time is ≥ t (arrays sorted by time). */
function lowerBound(n: number, timeAt: (i: number) => number, t: number): number {
  let lo = 0;
  let hi = n;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (timeAt(mid) < t) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

export function matchOrders(
  locks: readonly LockOrder[],
  hedges: readonly HedgeOrder[],
  options: Partial<MatchOptions> = {},
  progress?: MatchProgress,
): MatchResult {
  const opt: MatchOptions = { ...DEFAULT_MATCH_OPTIONS, ...options };
  const ppm = pctToPpm(opt.tolerancePct);
  // One global time sort per side; buckets are filled in that order, so they come out sorted and
  // results can be written by global rank (no per-bucket or final sorts).
  const Ls = [...locks].sort(byLockTime);
  const Hs = [...hedges].sort(byStartTime);
  const buckets = new Map<string, RankedBucket>();
  const bucketOf = (o: LockOrder | HedgeOrder): RankedBucket => {
    const k = bucketKey(o, opt.matchBase);
    let b = buckets.get(k);
    if (!b) buckets.set(k, (b = { locks: [], lockRank: [], hedges: [], hedgeRank: [] }));
    return b;
  };
  for (let r = 0; r < Ls.length; r++) {
    const b = bucketOf(Ls[r]);
    b.locks.push(Ls[r]);
    b.lockRank.push(r);
  }
  for (let r = 0; r < Hs.length; r++) {
    const b = bucketOf(Hs[r]);
    b.hedges.push(Hs[r]);
    b.hedgeRank.push(r);
  }

  const pairByRank: Array<MatchPair | undefined> = new Array(Ls.length);
  const lockReasonByRank: Array<LockUnmatchedReason | undefined> = new Array(Ls.length);
  const hedgeReasonByRank: Array<HedgeUnmatchedReason | undefined> = new Array(Hs.length);
  let done = 0;
  const total = Ls.length;
  let nextReport = 0;

  for (const b of buckets.values()) {
    const L = b.locks;
    const H = b.hedges;
    const nL = L.length;
    const nH = H.length;
    const hedgeUsed = new Uint8Array(nH);
    const lockDone = new Uint8Array(nL);
    // nextFree[i]: some index ≥ i that may be free; find() compresses paths.
    const nextFree = new Int32Array(nH + 1);
    for (let i = 0; i <= nH; i++) nextFree[i] = i;
    const find = (i: number): number => {
      let r = i;
      while (nextFree[r] !== r) r = nextFree[r];
      while (nextFree[i] !== r) {
        const nx = nextFree[i];
        nextFree[i] = r;
        i = nx;
      }
      return r;
    };
    const take = (i: number): void => {
      hedgeUsed[i] = 1;
      nextFree[i] = i + 1;
    };

    if (nH > 0 && nL > 0) {
      // Pass 1: one-to-one.
      let lo = 0;
      for (let li = 0; li < nL; li++) {
        const l = L[li];
        const from = l.lockTime - opt.maxEarlyMs;
        const to = l.lockTime + opt.maxDelayMs;
        while (lo < nH && H[lo].startTime < from) lo++;
        for (let i = find(lo); i < nH && H[i].startTime <= to; i = find(i + 1)) {
          if (fits(l.baseAmount, H[i].baseAmount, ppm)) {
            take(i);
            lockDone[li] = 1;
            pairByRank[b.lockRank[li]] = { lockId: l.id, hedgeIds: [H[i].id], kind: 'one-to-one' };
            break;
          }
        }
      }
      // Pass 2: one-to-many.
      if (opt.maxParts >= 2) {
        lo = 0;
        for (let li = 0; li < nL; li++) {
          if (lockDone[li]) continue;
          const l = L[li];
          const from = l.lockTime - opt.maxEarlyMs;
          const to = l.lockTime + opt.maxDelayMs;
          while (lo < nH && H[lo].startTime < from) lo++;
          // |sum − lock| ≤ lock·ppm/1e6 for integers ⇔ |sum − lock| ≤ floor(lock·ppm/1e6) = slack: same as fits().
          const slack = (l.baseAmount * ppm) / 1_000_000n;
          const upper = l.baseAmount + slack;
          const lower = l.baseAmount - slack;
          const parts: number[] = [];
          let sum = 0n;
          for (let i = find(lo); i < nH && H[i].startTime <= to; i = find(i + 1)) {
            const a = H[i].baseAmount;
            if (sum + a > upper) continue;
            parts.push(i);
            sum += a;
            if (sum >= lower || parts.length >= opt.maxParts) break;
          }
          if (parts.length >= 2 && sum >= lower) {
            for (const i of parts) take(i);
            lockDone[li] = 1;
            pairByRank[b.lockRank[li]] = { lockId: l.id, hedgeIds: parts.map((i) => H[i].id), kind: 'one-to-many' };
          }
        }
      }
    }

    for (let li = 0; li < nL; li++) {
      if (!lockDone[li]) lockReasonByRank[b.lockRank[li]] = lockReason(L[li], H, opt, ppm);
    }
    for (let i = 0; i < nH; i++) {
      if (!hedgeUsed[i]) hedgeReasonByRank[b.hedgeRank[i]] = hedgeReason(H[i], L, opt, ppm);
    }
    done += nL;
    if (progress && done >= nextReport) {
      progress(done, total);
      nextReport = done + Math.max(1, Math.floor(total / 20));
    }
  }
  if (progress) progress(total, total);

  const pairs: MatchPair[] = [];
  const unmatchedLocks: UnmatchedLock[] = [];
  for (let r = 0; r < Ls.length; r++) {
    const p = pairByRank[r];
    if (p) pairs.push(p);
    else unmatchedLocks.push({ id: Ls[r].id, reason: lockReasonByRank[r]! });
  }
  const unmatchedHedges: UnmatchedHedge[] = [];
  for (let r = 0; r < Hs.length; r++) {
    const reason = hedgeReasonByRank[r];
    if (reason) unmatchedHedges.push({ id: Hs[r].id, reason });
  }
  return { pairs, unmatchedLocks, unmatchedHedges };
}

interface RankedBucket {
  locks: LockOrder[];
  lockRank: number[];
  hedges: HedgeOrder[];
  hedgeRank: number[];
}

/** Why a lock found no hedge. `H` is its bucket's hedges sorted by start time. */
function lockReason(l: LockOrder, H: readonly HedgeOrder[], opt: MatchOptions, ppm: bigint): LockUnmatchedReason {
  if (H.length === 0) return 'no_hedge_for_client_side_coin';
  const from = l.lockTime - opt.maxEarlyMs;
  const to = l.lockTime + opt.maxDelayMs;
  let i = lowerBound(H.length, (k) => H[k].startTime, from);
  if (i >= H.length || H[i].startTime > to) return 'no_hedge_in_time_window';
  for (; i < H.length && H[i].startTime <= to; i++) {
    if (fits(l.baseAmount, H[i].baseAmount, ppm)) return 'fitting_hedges_already_matched';
  }
  return 'amount_out_of_tolerance';
}

/** Why a hedge hedged no lock. `L` is its bucket's locks sorted by lock time. */
function hedgeReason(h: HedgeOrder, L: readonly LockOrder[], opt: MatchOptions, ppm: bigint): HedgeUnmatchedReason {
  if (L.length === 0) return 'no_lock_for_client_side_coin';
  const from = h.startTime - opt.maxDelayMs;
  const to = h.startTime + opt.maxEarlyMs;
  let i = lowerBound(L.length, (k) => L[k].lockTime, from);
  if (i >= L.length || L[i].lockTime > to) return 'no_lock_in_time_window';
  for (; i < L.length && L[i].lockTime <= to; i++) {
    if (fits(L[i].baseAmount, h.baseAmount, ppm)) return 'fitting_locks_already_matched';
  }
  return 'amount_out_of_tolerance';
}

/**
 * Reasons for orders left unmatched after incremental matching: each given lock / hedge is
 * explained against all orders (matched ones included) under the same rule.
 */
export function explainUnmatched(
  locks: readonly LockOrder[],
  hedges: readonly HedgeOrder[],
  allLocks: readonly LockOrder[],
  allHedges: readonly HedgeOrder[],
  options: Partial<MatchOptions> = {},
): { unmatchedLocks: UnmatchedLock[]; unmatchedHedges: UnmatchedHedge[] } {
  const opt: MatchOptions = { ...DEFAULT_MATCH_OPTIONS, ...options };
  const ppm = pctToPpm(opt.tolerancePct);
  const buckets = new Map<string, Bucket>();
  const get = (o: LockOrder | HedgeOrder): Bucket => {
    const k = bucketKey(o, opt.matchBase);
    let b = buckets.get(k);
    if (!b) buckets.set(k, (b = { locks: [], hedges: [] }));
    return b;
  };
  for (const l of allLocks) get(l).locks.push(l);
  for (const h of allHedges) get(h).hedges.push(h);
  for (const b of buckets.values()) {
    b.locks.sort(byLockTime);
    b.hedges.sort(byStartTime);
  }
  const empty: Bucket = { locks: [], hedges: [] };
  const key = (o: LockOrder | HedgeOrder): Bucket => buckets.get(bucketKey(o, opt.matchBase)) ?? empty;
  return {
    unmatchedLocks: [...locks]
      .sort(byLockTime)
      .map((l) => ({ id: l.id, reason: lockReason(l, key(l).hedges, opt, ppm) })),
    unmatchedHedges: [...hedges]
      .sort(byStartTime)
      .map((h) => ({ id: h.id, reason: hedgeReason(h, key(h).locks, opt, ppm) })),
  };
}
