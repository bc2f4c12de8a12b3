/**
 * Fan-out of venue events to listeners, always asynchronous and in emit order. Events emitted
 * while a drain runs are delivered in the same drain, after the ones before them. A listener that
 * throws is counted and does not stop the others.
 */
import type { VenueEvent, VenueListener } from './venue.js';

/** How a drain is scheduled: setImmediate (after I/O, like a socket frame) or a microtask. */
export type Scheduler = (fn: () => void) => void;

export const immediateScheduler: Scheduler = (fn) => {
  setImmediate(fn);
};
export const microtaskScheduler: Scheduler = (fn) => {
  queueMicrotask(fn);
};

export class EventHub {
  private readonly listeners = new Set<VenueListener>();
  private queue: VenueEvent[] = [];
  private scheduled = false;
  private idleWaiters: Array<() => void> = [];
  listenerErrors = 0;
  delivered = 0;

  constructor(private readonly schedule: Scheduler = immediateScheduler) {}

  on(listener: VenueListener): () => void {
    this.listeners.add(listener);
    return () => {
      this.listeners.delete(listener);
    };
  }

  emit(e: VenueEvent): void {
    this.queue.push(e);
    if (!this.scheduled) {
      this.scheduled = true;
      this.schedule(() => this.drain());
    }
  }

  /** Resolves once everything emitted so far has been delivered. */
  idle(): Promise<void> {
    if (!this.scheduled) return Promise.resolve();
    return new Promise((r) => this.idleWaiters.push(r));
  }

  private drain(): void {
    for (let i = 0; i < this.queue.length; i++) {
      const e = this.queue[i];
      this.delivered++;
      for (const l of [...this.listeners]) {
        try {
          l(e);
        } catch {
          this.listenerErrors++;
        }
      }
    }
    this.queue = [];
    this.scheduled = false;
    const w = this.idleWaiters;
    this.idleWaiters = [];
    for (const r of w) r();
  }
}
