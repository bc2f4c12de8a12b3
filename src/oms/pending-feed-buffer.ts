/**
 * Feed events whose venue order id is not linked to a client order id yet (the feed beat the
 * REST reply). Held in arrival order per venue id until the link is known, then handed back in
 * that order. Bounded three ways so a feed full of other participants' orders (public L3) can't
 * grow it: at most `maxIds` venue ids (oldest evicted), `maxPerId` events per id (later ones
 * dropped), and entries older than `ttlMs` (by the injected clock) expire.
 */
import type { FeedEvent } from './order-io.js';

export interface PendingFeedBufferOptions {
  readonly maxIds?: number;
  readonly maxPerId?: number;
  readonly ttlMs?: number;
}

interface Entry {
  readonly firstAt: number;
  readonly events: FeedEvent[];
}

export interface PendingFeedStats {
  buffered: number;
  expired: number;
  evicted: number;
  dropped: number;
}

export class PendingFeedBuffer {
  private readonly byId = new Map<string, Entry>();
  private readonly maxIds: number;
  private readonly maxPerId: number;
  private readonly ttlMs: number;
  readonly stats: PendingFeedStats = { buffered: 0, expired: 0, evicted: 0, dropped: 0 };

  constructor(opts: PendingFeedBufferOptions = {}) {
    this.maxIds = opts.maxIds ?? 4096;
    this.maxPerId = opts.maxPerId ?? 256;
    this.ttlMs = opts.ttlMs ?? 60_000;
  }

  /** Number of venue ids waiting. */
  get size(): number {
    return this.byId.size;
  }

  /** Drop entries older than the TTL (Map order is insertion order = age order). */
  expire(now: number): void {
    for (const [id, e] of this.byId) {
      if (now - e.firstAt <= this.ttlMs) break;
      this.byId.delete(id);
      this.stats.expired += e.events.length;
    }
  }

  /** Hold `ev`; returns false if it was dropped (per-id cap reached). */
  push(ev: FeedEvent, now: number): boolean {
    this.expire(now);
    let e = this.byId.get(ev.venueOrderId);
    if (e === undefined) {
      if (this.byId.size >= this.maxIds) {
        const oldest = this.byId.keys().next();
        if (!oldest.done) {
          const old = this.byId.get(oldest.value);
          this.byId.delete(oldest.value);
          this.stats.evicted += old ? old.events.length : 0;
        }
      }
      e = { firstAt: now, events: [] };
      this.byId.set(ev.venueOrderId, e);
    }
    if (e.events.length >= this.maxPerId) {
      this.stats.dropped++;
      return false;
    }
    e.events.push(ev);
    this.stats.buffered++;
    return true;
  }

  /** Remove and return the events held for `venueOrderId`, oldest first. */
  take(venueOrderId: string): FeedEvent[] {
    const e = this.byId.get(venueOrderId);
    if (e === undefined) return [];
    this.byId.delete(venueOrderId);
    return e.events;
  }

  has(venueOrderId: string): boolean {
    return this.byId.has(venueOrderId);
  }
}
