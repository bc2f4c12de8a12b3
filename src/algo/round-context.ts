/**
 * What one round of the decision core works with, shared by the per-mode files.
 */
import type { AlgoAction, AlgoCoreState, ChildView, MarketSnapshot, ParentSpec } from './types.js';
import type { SideBook } from './book-side.js';
import type { Budget } from './schedule.js';

export interface RoundCtx {
  readonly spec: ParentSpec;
  /** State as it was after the previous round. */
  readonly state: AlgoCoreState;
  readonly now: number;
  /** The round being decided (previous state.round + 1); children placed now carry it. */
  readonly round: number;
  readonly market: MarketSnapshot;
  readonly children: readonly ChildView[];
  readonly filled: number;
  readonly book: SideBook;
  readonly budget: Budget;
  /** Children this round already cancels (a later rule must not cancel them again). */
  readonly cancelled: ReadonlySet<string>;
}

export interface ModeOutcome {
  readonly actions: AlgoAction[];
  /** When the mode wants to run next (clamped to the schedule's boundaries by the caller). */
  readonly nextAt: number;
  /** Fields of the core state the mode changes (rng, probe, nextBigAt, nextRegularAt, extra). */
  readonly patch?: Partial<AlgoCoreState>;
}
