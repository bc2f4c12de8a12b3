/**
 * The evaluation's baseline: a naive equal-slice TWAP. Every `sliceMs` from the start it sends one
 * market order for the lots that bring the parent back onto the linear schedule at the end of
 * that slice (equal slices, a missed fill carried into the next slice). No book reading, no
 * limit orders, no price cap. Bench-only code: it is the yardstick, not a product mode.
 */
import type { ChildExecutor, ChildFill, ChildView } from '../../src/algo/types.js';
import type { ChildEventSink, ChildState } from './sim-executor.js';

export interface NaiveSpec {
  readonly side: 'buy' | 'sell';
  readonly size: number;
  readonly startAt: number;
  readonly endAt: number;
  readonly sliceMs: number;
  readonly minLots: number;
}

export class NaiveTwap implements ChildEventSink {
  private readonly spec: NaiveSpec;
  private readonly executor: ChildExecutor;
  private readonly slices: number;
  private k = 0;
  private readonly views = new Map<string, ChildView>();
  errors = 0;

  constructor(spec: NaiveSpec, executor: ChildExecutor) {
    this.spec = spec;
    this.executor = executor;
    this.slices = Math.max(1, Math.ceil((spec.endAt - spec.startAt) / spec.sliceMs));
  }

  get nextAt(): number {
    return this.k < this.slices ? this.spec.startAt + this.k * this.spec.sliceMs : Number.POSITIVE_INFINITY;
  }

  get finished(): boolean {
    return this.k >= this.slices;
  }

  get filled(): number {
    let s = 0;
    for (const v of this.views.values()) s += v.filled;
    return s;
  }

  /** Send the due slice (the caller has moved the clock to `nextAt`). */
  async step(now: number): Promise<void> {
    if (this.finished || now < this.nextAt) return;
    const k = this.k++;
    const target = Math.floor((this.spec.size * (k + 1)) / this.slices);
    const lots = Math.min(target, this.spec.size) - this.filled;
    if (lots < this.spec.minLots) return;
    const r = await this.executor.place({ tag: 'naive', side: this.spec.side, type: 'market', size: lots });
    if (!r.ok) {
      this.errors++;
      return;
    }
    if (!this.views.has(r.value)) {
      this.views.set(r.value, {
        clientId: r.value,
        tag: 'naive',
        side: this.spec.side,
        type: 'market',
        price: undefined,
        size: lots,
        filled: 0,
        filledNotional: 0,
        placedAt: now,
        round: k + 1,
        open: true,
        cancelling: false,
      });
    }
  }

  fill(_f: ChildFill): void {
    // totals come from the absolute child updates
  }

  childUpdate(clientId: string, u: ChildState): void {
    const v = this.views.get(clientId);
    if (v) this.views.set(clientId, { ...v, filled: u.filled, filledNotional: u.filledNotional, open: u.open });
  }

  children(): ChildView[] {
    return [...this.views.values()];
  }
}
