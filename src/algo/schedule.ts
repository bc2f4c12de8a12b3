/**
 * Schedule guards shared by the TWAP modes, and the round-interval draws.
 *
 * target(t) = size · (t − start) / (end − start), floored to whole lots and clamped to [0, size].
 * "Committed" lots are filled lots plus the unfilled remainder of every open child — children with
 * a cancel in flight included, because they can still fill until the venue confirms. Hence:
 * - hard budget  = size − committed: no child ever takes the parent over its size;
 * - taker budget = target(now) − committed: taker sub-logics close the gap to the schedule;
 * - maker budget = target(now + aheadMs) − committed: resting quotes may work ahead of it.
 * Every placement in a round draws from all three, so a round can never over-commit.
 */
import type { ChildView, ParentSpec, ScheduleParams } from './types.js';
import { remainingOf } from './book-side.js';

/** Scheduled lots at time t (integer, exact for any size/duration thanks to bigint). */
export function target(spec: ParentSpec, t: number): number {
  if (t <= spec.startAt) return 0;
  if (t >= spec.endAt) return spec.size;
  const num = BigInt(spec.size) * BigInt(Math.floor(t - spec.startAt));
  return Number(num / BigInt(spec.endAt - spec.startAt));
}

/** Filled lots plus the remainder of every open child (cancelling ones included). */
export function committed(filled: number, children: readonly ChildView[]): number {
  let c = filled;
  for (const ch of children) if (ch.open) c += remainingOf(ch);
  return c;
}

export type BudgetKind = 'taker' | 'maker' | 'hard';

/** The lots a round may still commit, drawn down as the round emits placements. */
export class Budget {
  private left: Record<BudgetKind, number>;
  constructor(
    readonly minLots: number,
    taker: number,
    maker: number,
    hard: number,
  ) {
    this.left = {
      taker: Math.max(0, Math.min(taker, hard)),
      maker: Math.max(0, Math.min(maker, hard)),
      hard: Math.max(0, hard),
    };
  }

  static forRound(
    spec: ParentSpec,
    sched: ScheduleParams | undefined,
    now: number,
    filled: number,
    children: readonly ChildView[],
  ): Budget {
    const c = committed(filled, children);
    const hard = spec.size - c;
    if (!sched) return new Budget(spec.minLots, hard, hard, hard);
    return new Budget(spec.minLots, target(spec, now) - c, target(spec, now + sched.aheadMs) - c, hard);
  }

  available(kind: BudgetKind): number {
    return this.left[kind];
  }

  /** Grant up to `want` lots of `kind`; 0 when the grant would be below the minimum order. */
  take(kind: BudgetKind, want: number): number {
    const g = Math.floor(Math.min(want, this.left[kind], this.left.hard));
    if (g < this.minLots || g <= 0) return 0;
    this.left.taker = Math.max(0, this.left.taker - g);
    this.left.maker = Math.max(0, this.left.maker - g);
    this.left.hard -= g;
    return g;
  }
}

/** True inside the finish-up window when the finish-up rule takes the remainder. */
export function inFinishWindow(spec: ParentSpec, sched: ScheduleParams, now: number): boolean {
  return sched.finishUp.mode === 'take' && now >= spec.endAt - sched.finishUp.windowMs;
}

/**
 * Clamp a wanted wake-up time so the core also runs when the finish-up window opens and at the
 * end time (nothing is ever placed after endAt: the end round only cancels).
 */
export function clampNextAt(spec: ParentSpec, sched: ScheduleParams | undefined, now: number, want: number): number {
  let next = Math.min(want, spec.endAt);
  if (sched && sched.finishUp.mode === 'take') {
    const fw = spec.endAt - sched.finishUp.windowMs;
    if (now < fw) next = Math.min(next, fw);
  }
  return Math.max(next, now + 1);
}

/** xorshift32 step: the next non-zero state. */
export function xorshift32(x: number): number {
  let s = x >>> 0 || 0x6d2b79f5;
  s ^= s << 13;
  s >>>= 0;
  s ^= s >>> 17;
  s ^= s << 5;
  return s >>> 0;
}

/** Draw a round interval uniformly in [minMs, maxMs] (whole ms) from the state; returns the new state too. */
export function drawInterval(rng: number, minMs: number, maxMs: number): { ms: number; rng: number } {
  const next = xorshift32(rng);
  const span = maxMs - minMs + 1;
  return { ms: minMs + (next % span), rng: next };
}
