/**
 * Time is injected: pure code never calls Date.now(). Adapters pass a SystemClock; tests and
 * simulations pass a ManualClock they advance themselves.
 */
export interface Clock {
  /** Milliseconds since the Unix epoch. */
  now(): number;
}

export const systemClock: Clock = { now: () => Date.now() };

export class ManualClock implements Clock {
  private t: number;
  constructor(startMs = 0) {
    this.t = startMs;
  }
  now(): number {
    return this.t;
  }
  set(ms: number): void {
    if (ms < this.t) throw new RangeError(`clock cannot go back: ${ms} < ${this.t}`);
    this.t = ms;
  }
  advance(ms: number): void {
    if (ms < 0) throw new RangeError('clock cannot go back');
    this.t += ms;
  }
}
