/**
 * The gateway-level rate limiter in front of every REST call of an adapter (in front of, not
 * instead of, a client library's own limiter). A token bucket: `ratePerSec` tokens refill
 * continuously up to `burst`; a call costs `cost` tokens. Pure: time comes from the injected
 * Clock; `reserve()` answers how long to wait, the async edge (`acquire`) sleeps with injected timers.
 */
import type { Clock } from '../core/clock.js';
import { dgError, type DeskgateError } from '../core/errors.js';
import { sleepWith, type Timers } from './timers.js';

export interface RateLimitOptions {
  /** Sustained calls per second. */
  readonly ratePerSec: number;
  /** Bucket size: calls allowed back to back. Default max(1, ratePerSec). */
  readonly burst?: number;
  /** 'wait' queues the call until a token is free; 'reject' fails it with DG_E_RATE_LIMITED. Default 'wait'. */
  readonly mode?: 'wait' | 'reject';
  /** In 'wait' mode, a call that would wait longer than this fails instead. Default 10 000 ms. */
  readonly maxWaitMs?: number;
}

export class TokenBucket {
  private tokens: number;
  private last: number;
  readonly burst: number;
  readonly rate: number;
  readonly mode: 'wait' | 'reject';
  readonly maxWaitMs: number;
  /** Calls that had to wait, and calls refused. */
  waited = 0;
  refused = 0;

  constructor(
    opts: RateLimitOptions,
    private readonly clock: Clock,
  ) {
    if (!(opts.ratePerSec > 0) || !Number.isFinite(opts.ratePerSec)) {
      throw dgError('DG_E_BAD_CONFIG', `ratePerSec must be positive: ${opts.ratePerSec}`);
    }
    this.rate = opts.ratePerSec;
    this.burst = opts.burst ?? Math.max(1, opts.ratePerSec);
    if (!(this.burst >= 1)) throw dgError('DG_E_BAD_CONFIG', `burst must be ≥ 1: ${this.burst}`);
    this.mode = opts.mode ?? 'wait';
    this.maxWaitMs = opts.maxWaitMs ?? 10_000;
    this.tokens = this.burst;
    this.last = clock.now();
  }

  private refill(): void {
    const now = this.clock.now();
    if (now > this.last) {
      this.tokens = Math.min(this.burst, this.tokens + ((now - this.last) * this.rate) / 1000);
      this.last = now;
    }
  }

  /** Tokens available now (fractional). */
  available(): number {
    this.refill();
    return this.tokens;
  }

  /**
   * Take `cost` tokens, going into debt if needed; returns the ms to wait before the call may go
   * (0 = now). Calls reserved in order are released in order.
   */
  reserve(cost = 1): number {
    this.refill();
    this.tokens -= cost;
    return this.tokens >= 0 ? 0 : Math.ceil((-this.tokens * 1000) / this.rate);
  }

  /** Give back a reservation that was not used (refused call). */
  private unreserve(cost: number): void {
    this.tokens = Math.min(this.burst, this.tokens + cost);
  }

  /** Wait for a token (or refuse): undefined when the call may go, else the error. */
  async acquire(timers: Timers, cost = 1): Promise<DeskgateError | undefined> {
    const wait = this.reserve(cost);
    if (wait === 0) return undefined;
    if (this.mode === 'reject' || wait > this.maxWaitMs) {
      this.unreserve(cost);
      this.refused++;
      return dgError('DG_E_RATE_LIMITED', `gateway limit ${this.rate}/s, next slot in ${wait} ms`);
    }
    this.waited++;
    await sleepWith(timers, wait);
    return undefined;
  }
}
