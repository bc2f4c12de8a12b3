/** Matching parameters (S2.2). */
export interface MatchOptions {
  /** Base-amount tolerance in percent of the lock amount (S2.2: 1). */
  readonly tolerancePct: number;
  /** A hedge may start at most this long after the lock time. */
  readonly maxDelayMs: number;
  /** A hedge may start at most this long before the lock time (clock skew); 0 = never before. */
  readonly maxEarlyMs: number;
  /** Most hedges one lock may be split into. */
  readonly maxParts: number;
  /** Require the same base coin as well (the seed's rule names only side, quote coin and client). */
  readonly matchBase: boolean;
}

export const DEFAULT_MATCH_OPTIONS: MatchOptions = {
  tolerancePct: 1,
  maxDelayMs: 24 * 3600_000,
  maxEarlyMs: 0,
  maxParts: 8,
  matchBase: true,
};
