/**
 * Shared machinery of the fuzz/property tests: a seeded PRNG, the case count, and a network
 * simulator that delivers a venue's true stream to BookSync with drops, duplicates, reorders,
 * delayed and stale snapshots, checking after every delivery that a live book equals the
 * reference model at the machine's sequence.
 */
import type { BookSync } from '../../src/feeds/book-sync.js';

/** mulberry32: small, fast, good enough for test streams; reproducible from the seed. */
export function rng(seed: number): {
  next(): number;
  int(lo: number, hi: number): number;
  pick<T>(xs: readonly T[]): T;
} {
  let a = seed >>> 0;
  const next = (): number => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return {
    next,
    int: (lo, hi) => lo + Math.floor(next() * (hi - lo + 1)),
    pick: (xs) => xs[Math.floor(next() * xs.length)],
  };
}

/** FUZZ_CASES (default `dflt`), e.g. `FUZZ_CASES=100000 npm test` for a long run. */
export function fuzzCases(dflt: number): number {
  const v = Number(process.env.FUZZ_CASES);
  return Number.isSafeInteger(v) && v > 0 ? v : dflt;
}

/** Per-test timeout that grows with FUZZ_CASES (a long campaign is not a hang). */
export function fuzzTimeoutMs(): number {
  return Math.max(60_000, fuzzCases(0) * 20);
}

/** FUZZ_SEED shifts every case's seed (default 0) to explore new streams reproducibly. */
export function fuzzSeedBase(): number {
  const v = Number(process.env.FUZZ_SEED);
  return Number.isSafeInteger(v) ? v : 0;
}

export interface Truth<M, S> {
  /** The venue's true stream, in order. */
  readonly msgs: readonly M[];
  /** The venue's snapshot after the first `pos` messages. */
  snapshotAt(pos: number): S;
  /** The number of true messages after which the venue is at sequence `seq` (undefined: none). */
  posOfSeq(seq: number): number | undefined;
  /** True when the book equals the reference model after the first `pos` messages. */
  bookEquals(pos: number): string | undefined;
  /** A corrupted copy of a message (for checksum venues); undefined when not supported. */
  corrupt?(m: M, pos: number): M;
}

export interface Perturbation {
  readonly drop: number;
  readonly dup: number;
  readonly reorder: number;
  readonly corrupt: number;
  /** Probability that a requested snapshot is stale (taken before the buffered stream). */
  readonly stale: number;
  /** Largest delay (in deliveries) before a requested snapshot arrives. */
  readonly maxSnapshotDelay: number;
  /** In-band venues: the snapshot is always current (a resubscribe). */
  readonly inBand: boolean;
}

export interface SimResult {
  readonly delivered: number;
  readonly dropsInjected: number;
  readonly checks: number;
}

/**
 * Deliver `truth` to `sync` through a lossy network, then a clean tail with prompt fresh
 * snapshots. Throws (failing the test) on the first live book that differs from the reference.
 * `tail` clean messages are taken from the end of the stream.
 */
export function simulate<M, S>(
  sync: BookSync<M, S>,
  truth: Truth<M, S>,
  p: Perturbation,
  r: ReturnType<typeof rng>,
  tail: number,
  label: string,
): SimResult {
  let pos = 0;
  let delivered = 0;
  let drops = 0;
  let checks = 0;
  const delayed: Array<{ at: number; m: M }> = [];
  let snapDue: { at: number; stale: boolean } | undefined;
  let step = 0;

  const check = (): void => {
    if (!sync.live) return;
    const at = truth.posOfSeq(sync.seq);
    if (at === undefined) throw new Error(`${label}: live at unknown seq ${sync.seq}`);
    const diff = truth.bookEquals(at);
    checks++;
    if (diff !== undefined)
      throw new Error(`${label}: live book differs from reference at seq ${sync.seq} (pos ${at}): ${diff}`);
  };
  const deliver = (m: M): void => {
    sync.onMessage(m);
    delivered++;
    check();
  };
  const maybeSnapshot = (clean: boolean): void => {
    if (sync.snapshotWanted && snapDue === undefined) {
      snapDue = {
        at: step + (clean ? 0 : r.int(0, p.maxSnapshotDelay)),
        stale: !clean && !p.inBand && r.next() < p.stale,
      };
    }
    if (snapDue !== undefined && step >= snapDue.at) {
      const at = snapDue.stale ? Math.max(0, pos - r.int(1, 12)) : pos;
      snapDue = undefined;
      sync.onSnapshot(truth.snapshotAt(at));
      check();
    }
  };

  const n = truth.msgs.length;
  const noisy = Math.max(0, n - tail);
  for (; pos < noisy;) {
    const m = truth.msgs[pos];
    pos++;
    step++;
    const x = r.next();
    if (x < p.drop) {
      drops++;
    } else if (x < p.drop + p.dup) {
      deliver(m);
      delayed.push({ at: step + r.int(1, 6), m });
    } else if (x < p.drop + p.dup + p.reorder) {
      delayed.push({ at: step + r.int(1, 3), m });
    } else if (x < p.drop + p.dup + p.reorder + p.corrupt && truth.corrupt) {
      deliver(truth.corrupt(m, pos));
    } else {
      deliver(m);
    }
    for (let i = 0; i < delayed.length;) {
      if (delayed[i].at <= step) {
        const d = delayed.splice(i, 1)[0];
        deliver(d.m);
      } else i++;
    }
    maybeSnapshot(false);
  }
  // Late copies still in flight arrive now (old ⇒ dropped, or a gap ⇒ resync).
  for (const d of delayed.splice(0)) deliver(d.m);
  snapDue = undefined;
  // Clean tail: prompt, fresh snapshots; the book must end live and equal to the reference.
  for (; pos < n;) {
    step++;
    maybeSnapshot(true);
    deliver(truth.msgs[pos]);
    pos++;
    maybeSnapshot(true);
  }
  maybeSnapshot(true);
  if (!sync.live) throw new Error(`${label}: not live after the clean tail (${sync.state})`);
  const at = truth.posOfSeq(sync.seq);
  if (at !== n) throw new Error(`${label}: ended at pos ${String(at)} of ${n}`);
  const diff = truth.bookEquals(n);
  if (diff !== undefined) throw new Error(`${label}: final book differs: ${diff}`);
  return { delivered, dropsInjected: drops, checks };
}
