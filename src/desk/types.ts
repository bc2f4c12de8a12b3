/**
 * OTC desk records (S2.1–S2.3). Amounts, prices and fees are exact: bigint counts of 10^-18
 * (see desk/amount.ts), written back as canonical decimal strings. Times are UTC epoch ms.
 */

export type DeskSide = 'buy' | 'sell';
export const HEDGE_METHODS = ['twap', 'otchedge', 'alameda', 'other'] as const;
export type HedgeMethod = (typeof HEDGE_METHODS)[number];

/** A client's accepted quote (锁价单). `side` is the client's side: buy = the client buys base. */
export interface LockOrder {
  readonly id: string;
  readonly clientId: string;
  readonly side: DeskSide;
  readonly base: string;
  readonly quote: string;
  /** Base amount, 1e-18 units. */
  readonly baseAmount: bigint;
  /** Quote per base, 1e-18 units. */
  readonly price: bigint;
  readonly quoteTime: number;
  readonly lockTime: number;
}

/** The desk's offsetting trade (对冲单). `side` follows the lock it hedges (client buy ⇒ desk buys). */
export interface HedgeOrder {
  readonly id: string;
  readonly clientId: string;
  readonly side: DeskSide;
  readonly base: string;
  readonly quote: string;
  readonly baseAmount: bigint;
  /** Average fill price, 1e-18 units. */
  readonly avgPrice: bigint;
  /** Fee in quote coin, 1e-18 units (a fee given in base is converted at avgPrice on import). */
  readonly fee: bigint;
  readonly method: HedgeMethod;
  readonly venue: string;
  readonly startTime: number;
  readonly endTime: number;
}

/** One lock matched to one or more hedges. */
export interface MatchPair {
  readonly lockId: string;
  /** Hedge ids in time order. */
  readonly hedgeIds: readonly string[];
  readonly kind: 'one-to-one' | 'one-to-many';
}

export type LockUnmatchedReason =
  | 'no_hedge_for_client_side_coin'
  | 'no_hedge_in_time_window'
  | 'amount_out_of_tolerance'
  | 'fitting_hedges_already_matched';
export type HedgeUnmatchedReason =
  | 'no_lock_for_client_side_coin'
  | 'no_lock_in_time_window'
  | 'amount_out_of_tolerance'
  | 'fitting_locks_already_matched';

export interface UnmatchedLock {
  readonly id: string;
  readonly reason: LockUnmatchedReason;
}
export interface UnmatchedHedge {
  readonly id: string;
  readonly reason: HedgeUnmatchedReason;
}

export interface MatchResult {
  /** In lock time order (ties by lock id). */
  readonly pairs: MatchPair[];
  readonly unmatchedLocks: UnmatchedLock[];
  readonly unmatchedHedges: UnmatchedHedge[];
}
