/**
 * The kernel's timers, injected (design principle 1): the periodic reconciliation (S4.2, 60 s by
 * default), the order-query sweep, and the short settle waits before a venue answer is applied.
 * Production passes `nodeGatewayTimers`; tests pass `ManualGatewayTimers` and advance it.
 */
export interface GatewayTimers {
  /** Call `fn` every `ms`; returns a function that stops it. */
  every(ms: number, fn: () => void): () => void;
  /** Resolve after `ms`. */
  after(ms: number): Promise<void>;
}

export const nodeGatewayTimers: GatewayTimers = {
  every(ms, fn) {
    const h = setInterval(fn, ms);
    h.unref?.();
    return () => clearInterval(h);
  },
  after(ms) {
    return new Promise((resolve) => {
      setTimeout(resolve, ms);
    });
  },
};

interface Job {
  at: number;
  readonly period: number | undefined;
  readonly fn: () => void;
  live: boolean;
}

/** Deterministic timers for tests: nothing fires until `advance(ms)`. */
export class ManualGatewayTimers implements GatewayTimers {
  private t = 0;
  private jobs: Job[] = [];

  get now(): number {
    return this.t;
  }

  every(ms: number, fn: () => void): () => void {
    const job: Job = { at: this.t + ms, period: ms, fn, live: true };
    this.jobs.push(job);
    return () => {
      job.live = false;
    };
  }

  after(ms: number): Promise<void> {
    return new Promise((resolve) => {
      this.jobs.push({ at: this.t + ms, period: undefined, fn: resolve, live: true });
    });
  }

  /** Move time forward, firing every job that falls due, in time order. */
  advance(ms: number): void {
    const end = this.t + ms;
    for (;;) {
      const due = this.jobs.filter((j) => j.live && j.at <= end).sort((a, b) => a.at - b.at)[0];
      if (!due) break;
      this.t = due.at;
      if (due.period === undefined) due.live = false;
      else due.at += due.period;
      due.fn();
    }
    this.jobs = this.jobs.filter((j) => j.live);
    this.t = end;
  }
}
