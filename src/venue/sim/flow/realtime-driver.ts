/**
 * Thin real-time adapter around the pure SyntheticFlow: a timer calls `flow.advanceTo(clock.now())`
 * so the flow's steps follow wall time. If a tick falls more than `maxCatchUpMs` behind (a busy
 * machine), the flow runs that much and carries on from there, rather than spiralling.
 */
import type { Clock } from '../../../core/clock.js';
import type { SyntheticFlow } from './synthetic-flow.js';

export interface RealtimeDriverOptions {
  readonly clock: Clock;
  /** Timer period (ms); default 20. */
  readonly tickMs?: number;
  /** Most engine time one tick may simulate (ms); default 1000. */
  readonly maxCatchUpMs?: number;
}

export class RealtimeDriver {
  private timer: NodeJS.Timeout | undefined;
  private readonly flow: SyntheticFlow;
  private readonly clock: Clock;
  private readonly tickMs: number;
  private readonly maxCatchUpMs: number;
  /** Ticks that hit the catch-up cap (the machine could not keep up). */
  lagged = 0;

  constructor(flow: SyntheticFlow, opts: RealtimeDriverOptions) {
    this.flow = flow;
    this.clock = opts.clock;
    this.tickMs = opts.tickMs ?? 20;
    this.maxCatchUpMs = opts.maxCatchUpMs ?? 1000;
  }

  start(): void {
    if (this.timer) return;
    this.timer = setInterval(() => this.tick(), this.tickMs);
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }

  get running(): boolean {
    return this.timer !== undefined;
  }

  /** One tick (also usable without the timer). */
  tick(): void {
    const now = this.clock.now();
    const target = Math.min(now, this.flow.now + this.maxCatchUpMs);
    if (target < now - this.maxCatchUpMs) this.lagged++;
    this.flow.advanceTo(target);
  }
}
