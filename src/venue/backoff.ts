/**
 * Reconnect delays: exponential backoff with full jitter, pure (the random source is injected).
 * delay(n) = base × 2^n capped at max, then scaled by a jitter factor in [1 − jitter, 1].
 */
export { seededRandom } from '../core/seeded-random.js';

export interface BackoffOptions {
  /** First delay (ms). Default 250. */
  readonly baseMs?: number;
  /** Largest delay (ms). Default 30 000. */
  readonly maxMs?: number;
  /** Fraction of the delay that is randomised, 0…1. Default 0.5. */
  readonly jitter?: number;
}

export function backoffDelay(attempt: number, opts: BackoffOptions, random: () => number): number {
  const base = opts.baseMs ?? 250;
  const max = opts.maxMs ?? 30_000;
  const jitter = Math.min(1, Math.max(0, opts.jitter ?? 0.5));
  const exp = Math.min(max, base * 2 ** Math.min(30, Math.max(0, attempt)));
  return Math.round(exp * (1 - jitter * random()));
}
