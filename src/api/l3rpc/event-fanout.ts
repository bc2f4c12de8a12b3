/**
 * The SDK's order-event fan-out (S3.7), as pure bookkeeping: a client registers clientOids with
 * Redis channels (`Server.AddEventClientOidsToChannels`); the feed's `received` frame carrying
 * that clientOid links it to the orderId; from then on every frame naming the orderId (open,
 * update, done, and a match as maker or as taker) goes to the registered channels, and `done`
 * ends the registration. Publishing is the caller's (server.ts); this class only answers
 * "which channels get this frame".
 *
 * Bounded: at most `maxPending` clientOids waiting for their `received`, `maxChannels` channels
 * per clientOid; a waiting registration older than `pendingTtlMs` is dropped on the next
 * registration (a clientOid that never reached the venue must not stay forever).
 */
import { dgError } from '../../core/errors.js';
import type { L3Frame } from './l3-frame.js';

const CHANNEL = /^[\x21-\x7e]{1,256}$/; // what the Redis bus helper accepts
const ID = /^[\x21-\x7e]{1,128}$/; // clientOid / orderId

export interface FanoutLimits {
  readonly maxPending?: number;
  readonly maxChannels?: number;
  readonly pendingTtlMs?: number;
}

export class ClientOidFanout {
  /** clientOid → channels, waiting for the `received` frame. */
  private readonly pending = new Map<string, { channels: Set<string>; at: number }>();
  /** orderId → channels, live until `done`. */
  private readonly live = new Map<string, Set<string>>();
  private readonly maxPending: number;
  private readonly maxChannels: number;
  private readonly ttl: number;

  constructor(limits: FanoutLimits = {}) {
    this.maxPending = limits.maxPending ?? 100_000;
    this.maxChannels = limits.maxChannels ?? 16;
    this.ttl = limits.pendingTtlMs ?? 24 * 3600_000;
  }

  get pendingCount(): number {
    return this.pending.size;
  }

  get liveCount(): number {
    return this.live.size;
  }

  /**
   * Register `{clientOid: [channel…]}` (adds to earlier channels of the same clientOid).
   * Validates everything first: a bad entry changes nothing (DG_E_API_BAD_REQUEST).
   */
  register(data: unknown, now: number): void {
    const entries = this.validate(data, 'clientOid', (oid) => this.pending.get(oid)?.channels);
    this.expire(now);
    let fresh = 0;
    for (const [oid] of entries) if (!this.pending.has(oid)) fresh++;
    if (this.pending.size + fresh > this.maxPending)
      throw dgError('DG_E_API_TOO_LARGE', `more than ${this.maxPending} clientOids waiting`);
    for (const [oid, chans] of entries) {
      const cur = this.pending.get(oid) ?? { channels: new Set<string>(), at: now };
      for (const c of chans) cur.channels.add(c);
      cur.at = now;
      this.pending.set(oid, cur);
    }
  }

  /**
   * Register `{orderId: [channel…]}` directly (`Server.AddEventOrderIdsToChannels`, for orders
   * whose id is already known); frames of the order go to the channels until its `done`.
   */
  registerOrderIds(data: unknown): void {
    const entries = this.validate(data, 'orderId');
    if (this.live.size + entries.length > this.maxPending)
      throw dgError('DG_E_API_TOO_LARGE', `more than ${this.maxPending} orders watched`);
    for (const [id, chans] of entries) {
      const cur = this.live.get(id) ?? new Set<string>();
      for (const c of chans) cur.add(c);
      this.live.set(id, cur);
    }
  }

  /** Channels that get this frame (deduplicated); updates the links. */
  route(frame: L3Frame): string[] {
    if (frame.subject === 'received' && frame.clientOid) {
      const p = this.pending.get(frame.clientOid);
      if (p) {
        this.pending.delete(frame.clientOid);
        const id = frame.orderIds[0];
        const cur = this.live.get(id);
        if (cur) for (const c of p.channels) cur.add(c);
        else this.live.set(id, p.channels);
      }
    }
    let out: Set<string> | undefined;
    for (const id of frame.orderIds) {
      const chans = this.live.get(id);
      if (!chans) continue;
      if (!out) out = new Set(chans);
      else for (const c of chans) out.add(c);
      if (frame.subject === 'done') this.live.delete(id);
    }
    return out ? [...out] : [];
  }

  private validate(
    data: unknown,
    what: string,
    existing: (key: string) => ReadonlySet<string> | undefined = (k) => this.live.get(k),
  ): Array<[string, string[]]> {
    if (typeof data !== 'object' || data === null || Array.isArray(data))
      throw dgError('DG_E_API_BAD_REQUEST', `data must be an object {${what}: [channel, …]}`);
    const entries = Object.entries(data as Record<string, unknown>);
    if (entries.length === 0) throw dgError('DG_E_API_BAD_REQUEST', 'empty event data');
    const out: Array<[string, string[]]> = [];
    for (const [key, chans] of entries) {
      if (!ID.test(key)) throw dgError('DG_E_API_BAD_REQUEST', `${what} ${JSON.stringify(key.slice(0, 40))}`);
      if (!Array.isArray(chans) || chans.length === 0 || chans.length > this.maxChannels)
        throw dgError('DG_E_API_BAD_REQUEST', `channels of ${key}: 1..${this.maxChannels} names`);
      for (const c of chans)
        if (typeof c !== 'string' || !CHANNEL.test(c))
          throw dgError('DG_E_API_BAD_REQUEST', `channel ${JSON.stringify(String(c).slice(0, 40))}`);
      const union = new Set([...(existing(key) ?? []), ...(chans as string[])]);
      if (union.size > this.maxChannels)
        throw dgError('DG_E_API_BAD_REQUEST', `more than ${this.maxChannels} channels for ${key}`);
      out.push([key, chans as string[]]);
    }
    return out;
  }

  private expire(now: number): void {
    for (const [oid, p] of this.pending) if (now - p.at > this.ttl) this.pending.delete(oid);
  }
}
