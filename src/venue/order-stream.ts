/**
 * The adapter-side normaliser of own-order events, shared by every Venue adapter. It turns the
 * venue's order updates and fills (from the private stream, REST replies, or reconciliation
 * queries) into the guarantees of OrderUpdateEvent:
 * - the first event of an order is `received` (synthesised from the first evidence if the venue
 *   sends none), statuses never go back in rank and `filledSize` never decreases;
 * - exact repeats are not delivered; a stale update (lower rank, same fills) is dropped quietly;
 *   a contradictory one (fills go down, or two different terminal states) is dropped and reported
 *   as an `error` event with DG_E_VENUE_BAD_REPLY;
 * - an event that names only a venue order id not yet linked to a client order id (the feed beat
 *   the REST reply, S3.3) is held until `link()` and then delivered in arrival order; held events
 *   are bounded in number and age, then dropped and counted;
 * - fills are deduped by trade id.
 * Pure: no timers; time from the injected Clock.
 */
import type { Clock } from '../core/clock.js';
import { dgError } from '../core/errors.js';
import { statusRank, TERMINAL_STATUSES, type FillEvent, type VenueEvent, type VenueOrder } from './venue.js';

interface Tracked {
  last: VenueOrder | undefined;
  tradeIds: Set<string>;
}

type Held =
  | { kind: 'order'; order: VenueOrder; source: 'stream' | 'rest' | 'reconcile'; at: number }
  | { kind: 'fill'; fill: FillEvent; at: number };

export interface OrderStreamOptions {
  /** Held (unlinked) events older than this are dropped. Default 30 000 ms. */
  readonly holdMs?: number;
  /** Most held events. Default 1 000. */
  readonly maxHeld?: number;
  /** Terminal orders remembered (for dedupe and late events). Default 10 000. */
  readonly maxDone?: number;
}

export class OrderStream {
  private readonly byClient = new Map<string, Tracked>();
  private readonly clientOfVenue = new Map<string, string>();
  private held: Held[] = [];
  private readonly done: string[] = [];
  private readonly holdMs: number;
  private readonly maxHeld: number;
  private readonly maxDone: number;
  readonly stats = { stale: 0, repeats: 0, contradictions: 0, heldDropped: 0, duplicateFills: 0 };

  constructor(
    private readonly emit: (e: VenueEvent) => void,
    private readonly clock: Clock,
    opts: OrderStreamOptions = {},
  ) {
    this.holdMs = opts.holdMs ?? 30_000;
    this.maxHeld = opts.maxHeld ?? 1_000;
    this.maxDone = opts.maxDone ?? 10_000;
  }

  /** Link a venue order id to its client order id (REST ack) and release held events. */
  link(clientOrderId: string, venueOrderId: string): void {
    const known = this.clientOfVenue.get(venueOrderId);
    if (known !== undefined && known !== clientOrderId) {
      this.report(`venue order ${venueOrderId} linked to ${known} and ${clientOrderId}`);
      return;
    }
    const prev = this.byClient.get(clientOrderId)?.last;
    if (prev !== undefined && prev.venueOrderId !== venueOrderId) {
      this.report(`client order id ${clientOrderId} names venue orders ${prev.venueOrderId} and ${venueOrderId}`);
      return;
    }
    this.clientOfVenue.set(venueOrderId, clientOrderId);
    this.tracked(clientOrderId);
    this.releaseHeld(clientOrderId, venueOrderId);
  }

  /** Deliver, in arrival order, the held events of a venue order id that has just been linked. */
  private releaseHeld(clientOrderId: string, venueOrderId: string): void {
    if (this.held.length === 0) return;
    const keep: Held[] = [];
    const release: Held[] = [];
    for (const h of this.held) {
      const vid = h.kind === 'order' ? h.order.venueOrderId : h.fill.venueOrderId;
      (vid === venueOrderId ? release : keep).push(h);
    }
    this.held = keep;
    for (const h of release) {
      if (h.kind === 'order') this.applyOrder(clientOrderId, { ...h.order, clientOrderId }, h.source);
      else this.applyFill(clientOrderId, { ...h.fill, clientOrderId });
    }
  }

  /** An order is about to be sent: its client id is ours (feed evidence may link it before the reply). */
  expect(clientOrderId: string): void {
    this.tracked(clientOrderId);
  }

  /** The order was definitively refused: stop tracking a client id that never got a venue order. */
  forget(clientOrderId: string): void {
    const t = this.byClient.get(clientOrderId);
    if (t && t.last === undefined) this.byClient.delete(clientOrderId);
  }

  /** True when the client id is one of ours (sent or about to be). */
  isTracked(clientOrderId: string): boolean {
    return this.byClient.has(clientOrderId);
  }

  clientOf(venueOrderId: string): string | undefined {
    return this.clientOfVenue.get(venueOrderId);
  }

  venueOf(clientOrderId: string): string | undefined {
    return this.byClient.get(clientOrderId)?.last?.venueOrderId;
  }

  last(clientOrderId: string): VenueOrder | undefined {
    return this.byClient.get(clientOrderId)?.last;
  }

  /** Client ids of orders not known to be terminal (to reconcile after a reconnect). */
  live(): string[] {
    const out: string[] = [];
    for (const [cid, t] of this.byClient) if (!t.last || !TERMINAL_STATUSES.has(t.last.status)) out.push(cid);
    return out;
  }

  heldCount(): number {
    return this.held.length;
  }

  order(o: VenueOrder, source: 'stream' | 'rest' | 'reconcile'): void {
    this.expire();
    const cid = o.clientOrderId ?? this.clientOfVenue.get(o.venueOrderId);
    if (cid === undefined) {
      this.hold({ kind: 'order', order: o, source, at: this.clock.now() });
      return;
    }
    if (o.clientOrderId !== undefined && !this.clientOfVenue.has(o.venueOrderId)) {
      // The event links the ids itself: events held for this venue id (e.g. a trade that beat
      // the order's first event after a restart) go first, in arrival order.
      this.clientOfVenue.set(o.venueOrderId, cid);
      this.releaseHeld(cid, o.venueOrderId);
    }
    this.applyOrder(cid, o.clientOrderId === undefined ? { ...o, clientOrderId: cid } : o, source);
  }

  fill(f: FillEvent): void {
    this.expire();
    const cid = f.clientOrderId ?? this.clientOfVenue.get(f.venueOrderId);
    if (cid === undefined) {
      this.hold({ kind: 'fill', fill: f, at: this.clock.now() });
      return;
    }
    if (f.clientOrderId !== undefined && !this.clientOfVenue.has(f.venueOrderId)) {
      this.clientOfVenue.set(f.venueOrderId, cid);
      this.releaseHeld(cid, f.venueOrderId);
    }
    this.applyFill(cid, f.clientOrderId === undefined ? { ...f, clientOrderId: cid } : f);
  }

  private tracked(cid: string): Tracked {
    let t = this.byClient.get(cid);
    if (!t) {
      t = { last: undefined, tradeIds: new Set() };
      this.byClient.set(cid, t);
    }
    return t;
  }

  private applyOrder(cid: string, o: VenueOrder, source: 'stream' | 'rest' | 'reconcile'): void {
    const t = this.tracked(cid);
    const prev = t.last;
    if (prev === undefined) {
      if (o.status !== 'received') {
        const first: VenueOrder = { ...o, status: 'received', filledSize: 0 };
        this.emit({ type: 'order', order: first, source });
      }
      this.set(cid, t, o);
      this.emit({ type: 'order', order: o, source });
      return;
    }
    if (prev.venueOrderId !== o.venueOrderId) {
      this.report(`client order id ${cid} names venue orders ${prev.venueOrderId} and ${o.venueOrderId}`);
      return;
    }
    if (o.filledSize < prev.filledSize) {
      // An older snapshot of the order (REST reply overtaken by the stream) is stale, not wrong,
      // unless it claims a terminal state the stream contradicts.
      if (TERMINAL_STATUSES.has(o.status) && !TERMINAL_STATUSES.has(prev.status)) {
        this.report(`order ${cid}: ${o.status} with filled ${o.filledSize} < ${prev.filledSize} already seen`);
      } else this.stats.stale++;
      return;
    }
    const pr = statusRank(prev.status);
    const nr = statusRank(o.status);
    if (TERMINAL_STATUSES.has(prev.status)) {
      if (o.status === prev.status && o.filledSize === prev.filledSize) this.stats.repeats++;
      else if (nr < pr && o.filledSize === prev.filledSize) this.stats.stale++;
      else this.report(`order ${cid}: ${o.status}/${o.filledSize} after ${prev.status}/${prev.filledSize}`);
      return;
    }
    if (nr < pr && o.filledSize === prev.filledSize) {
      this.stats.stale++;
      return;
    }
    if (o.status === prev.status && o.filledSize === prev.filledSize && o.size === prev.size) {
      this.stats.repeats++;
      return;
    }
    // More fills with a lower-ranked status (e.g. "open" with fills): normalise to partial.
    const fixed: VenueOrder = nr < pr ? { ...o, status: prev.status } : o;
    this.set(cid, t, fixed);
    this.emit({ type: 'order', order: fixed, source });
  }

  private set(cid: string, t: Tracked, o: VenueOrder): void {
    t.last = o;
    if (TERMINAL_STATUSES.has(o.status)) {
      this.done.push(cid);
      if (this.done.length > this.maxDone) {
        const old = this.done.shift() as string;
        const ot = this.byClient.get(old);
        if (ot?.last && TERMINAL_STATUSES.has(ot.last.status)) {
          this.byClient.delete(old);
          this.clientOfVenue.delete(ot.last.venueOrderId);
        }
      }
    }
  }

  private applyFill(cid: string, f: FillEvent): void {
    const t = this.tracked(cid);
    if (t.tradeIds.has(f.tradeId)) {
      this.stats.duplicateFills++;
      return;
    }
    t.tradeIds.add(f.tradeId);
    this.emit(f);
  }

  private hold(h: Held): void {
    this.held.push(h);
    if (this.held.length > this.maxHeld) {
      this.held.shift();
      this.stats.heldDropped++;
    }
  }

  private expire(): void {
    if (this.held.length === 0) return;
    const cut = this.clock.now() - this.holdMs;
    const before = this.held.length;
    this.held = this.held.filter((h) => h.at >= cut);
    this.stats.heldDropped += before - this.held.length;
  }

  private report(detail: string): void {
    this.stats.contradictions++;
    this.emit({ type: 'error', error: dgError('DG_E_VENUE_BAD_REPLY', detail), ts: this.clock.now() });
  }
}
