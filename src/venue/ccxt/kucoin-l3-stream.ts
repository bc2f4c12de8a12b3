/**
 * KuCoin's native level-3 feed for one instrument, beside ccxt: a raw WebSocket on the endpoint
 * that `POST /api/v1/bullet-public` hands out (fetched through ccxt, so ccxt's URLs and signing
 * apply), topic `/spotMarket/level3:{symbol}`, frames decoded by deskgate's KucoinL3Decoder into
 * BookSync + L3Book, snapshots from the signed `GET /api/v3/market/orderbook/level3` (spec S3).
 * A lost socket resets the book, reconnects with backoff and resynchronises from a new snapshot.
 *
 * Wire shapes (validated here, never leave this folder):
 *   bullet: {"code":"200000","data":{"token":"…","instanceServers":[{"endpoint":"wss://ws-api-spot.kucoin.com/",
 *            "protocol":"websocket","encrypt":true,"pingInterval":18000,"pingTimeout":10000}]}}
 *   session: ← {"id":"…","type":"welcome"}  → {"id":"1","type":"subscribe","topic":"/spotMarket/level3:BTC-USDT",
 *            "privateChannel":false,"response":true}  ← {"id":"1","type":"ack"}  → {"id":"p","type":"ping"}
 */
import WebSocket from 'ws';
import { z } from 'zod';
import { L3Book } from '../../book/l3-book.js';
import type { Clock } from '../../core/clock.js';
import { dgError, isDeskgateError } from '../../core/errors.js';
import type { L3Event, L3Snapshot } from '../../core/events.js';
import type { Instrument } from '../../core/instrument.js';
import type { BookSync } from '../../feeds/book-sync.js';
import { KucoinL3Decoder } from '../../feeds/kucoin-l3.js';
import { snapshotFetcher } from '../../feeds/snapshot-fetcher.js';
import { POLICIES } from '../../feeds/sync-policy.js';
import { createL3Sync } from '../../feeds/sync-targets.js';
import { backoffDelay, type BackoffOptions } from '../backoff.js';
import type { Timers } from '../timers.js';
import type { BookSubscription, VenueEvent } from '../venue.js';

const BulletReply = z.object({
  code: z.literal('200000'),
  data: z.object({
    token: z.string().min(1).max(4096),
    instanceServers: z
      .array(
        z.object({
          endpoint: z.string().regex(/^wss?:\/\//),
          pingInterval: z.number().int().positive().optional(),
        }),
      )
      .min(1),
  }),
});

const ControlFrame = z.object({ type: z.string(), id: z.string().optional() });

export interface KucoinL3StreamDeps {
  readonly inst: Instrument;
  /** `POST /api/v1/bullet-public` through the venue's rate-limited REST path (parsed JSON). */
  readonly bullet: () => Promise<unknown>;
  /** Signed L3 snapshot through the venue's REST path (parsed JSON). */
  readonly snapshot: () => Promise<unknown>;
  readonly clock: Clock;
  readonly timers: Timers;
  readonly random: () => number;
  readonly backoff: BackoffOptions;
  readonly emit: (e: VenueEvent) => void;
  readonly onDown: (reason: string) => void;
  readonly onUp: () => void;
  /** Every `received` on the feed that names a client order id (S3.3: links it to the order id, often before the REST reply). */
  readonly onReceived?: (clientOid: string, orderId: string) => void;
  /** Every event the synced book applied, in sequence order (the L3 RPC's Redis fan-out). */
  readonly onApplied?: (e: L3Event) => void;
}

export class KucoinL3Stream {
  readonly book = new L3Book();
  readonly sync: BookSync<L3Event, L3Snapshot>;
  readonly sub: BookSubscription;
  readonly decoder: KucoinL3Decoder;
  private ws: WebSocket | undefined;
  private stopped = false;
  private attempt = 0;
  private pingTimer: unknown;
  private retryTimer: unknown;
  private waiters: Array<() => void> = [];
  private subscribed = false;
  private bookEventQueued = false;
  frames = 0;
  badFrames = 0;
  connects = 0;

  constructor(private readonly d: KucoinL3StreamDeps) {
    this.decoder = new KucoinL3Decoder(d.inst);
    const fetcher = snapshotFetcher<L3Event, L3Snapshot>(async () => this.decoder.decodeSnapshot(await d.snapshot()));
    this.sync = createL3Sync(this.book, {
      ...(d.onApplied ? { onApplied: d.onApplied } : {}),
      policy: POLICIES.kucoinL3,
      clock: d.clock,
      onNeedSnapshot: fetcher.onNeed,
      onState: (state) => {
        if (state !== 'live') return;
        d.emit({ type: 'connection', state: 'resynced', instrument: d.inst, ts: d.clock.now() });
        const w = this.waiters;
        this.waiters = [];
        for (const r of w) r();
      },
    });
    fetcher.bind(this.sync);
    const sync = this.sync;
    this.sub = {
      instrument: d.inst,
      level: 'l3',
      view: this.book,
      get synced() {
        return sync.live;
      },
      get seq() {
        return sync.seq;
      },
    };
  }

  start(): void {
    this.stopped = false;
    void this.open();
  }

  whenLive(): Promise<void> {
    if (this.sync.live) return Promise.resolve();
    return new Promise((r) => this.waiters.push(r));
  }

  stop(): void {
    this.stopped = true;
    this.clearTimers();
    const ws = this.ws;
    this.ws = undefined;
    ws?.removeAllListeners();
    ws?.on('error', () => undefined);
    ws?.terminate();
    this.sync.reset();
    const w = this.waiters;
    this.waiters = [];
    for (const r of w) r();
  }

  private clearTimers(): void {
    if (this.pingTimer !== undefined) this.d.timers.clearTimeout(this.pingTimer);
    if (this.retryTimer !== undefined) this.d.timers.clearTimeout(this.retryTimer);
    this.pingTimer = undefined;
    this.retryTimer = undefined;
  }

  private async open(): Promise<void> {
    if (this.stopped) return;
    let endpoint: string;
    let token: string;
    let pingMs: number;
    try {
      const r = BulletReply.safeParse(await this.d.bullet());
      if (!r.success) throw dgError('DG_E_VENUE_BAD_REPLY', 'bullet-public reply');
      const srv = r.data.data.instanceServers[0];
      endpoint = srv.endpoint;
      token = r.data.data.token;
      pingMs = Math.max(1000, srv.pingInterval ?? 18_000);
    } catch (e) {
      this.lost(isDeskgateError(e) ? e.message : 'bullet-public failed');
      return;
    }
    if (this.stopped) return;
    this.connects++;
    const ws = new WebSocket(`${endpoint}?token=${encodeURIComponent(token)}&connectId=dg-l3-${this.connects}`);
    this.ws = ws;
    this.subscribed = false;
    ws.on('message', (raw: WebSocket.RawData) => this.onFrame(raw.toString()));
    ws.on('error', () => undefined); // 'close' follows
    ws.on('close', () => {
      if (this.ws === ws) this.lost('socket closed');
    });
    const ping = () => {
      this.pingTimer = this.d.timers.setTimeout(() => {
        if (this.ws !== ws) return;
        if (ws.readyState === WebSocket.OPEN) ws.send(JSON.stringify({ id: `p${this.d.clock.now()}`, type: 'ping' }));
        ping();
      }, pingMs);
    };
    ping();
  }

  private onFrame(text: string): void {
    const ws = this.ws;
    if (!ws) return;
    if (text.startsWith('{"type":"message"') || text.includes('"type":"message"')) {
      this.frames++;
      if (!this.subscribed) return;
      try {
        const e = this.decoder.decode(text);
        if (e.type === 'received' && e.clientOid !== undefined) this.d.onReceived?.(e.clientOid, e.orderId);
        this.sync.onMessage(e);
        this.bookChanged();
      } catch (e) {
        this.badFrames++;
        this.sync.onInvalid(isDeskgateError(e) ? e : dgError('DG_E_BAD_MESSAGE', 'l3 frame'));
      }
      return;
    }
    let ctl: { type: string; id?: string };
    try {
      const r = ControlFrame.safeParse(JSON.parse(text));
      if (!r.success) throw new Error('shape');
      ctl = r.data;
    } catch {
      this.badFrames++;
      return;
    }
    if (ctl.type === 'welcome') {
      ws.send(
        JSON.stringify({
          id: 'dg-l3-sub',
          type: 'subscribe',
          topic: `/spotMarket/level3:${this.d.inst.native}`,
          privateChannel: false,
          response: true,
        }),
      );
    } else if (ctl.type === 'ack' && ctl.id === 'dg-l3-sub') {
      this.subscribed = true;
      this.attempt = 0;
      this.sync.resync('manual', 'subscribed');
      this.d.onUp();
    } else if (ctl.type === 'error') {
      this.badFrames++;
      ws.terminate();
    }
  }

  /** One `book` event per burst of frames (coalesced to a microtask). */
  private bookChanged(): void {
    if (this.bookEventQueued || !this.sync.live) return;
    this.bookEventQueued = true;
    queueMicrotask(() => {
      this.bookEventQueued = false;
      if (this.sync.live)
        this.d.emit({ type: 'book', instrument: this.d.inst, seq: this.sync.seq, ts: this.d.clock.now() });
    });
  }

  private lost(reason: string): void {
    if (this.stopped) return;
    this.clearTimers();
    const ws = this.ws;
    this.ws = undefined;
    ws?.removeAllListeners();
    ws?.on('error', () => undefined);
    ws?.terminate();
    this.sync.reset();
    this.d.onDown(reason);
    const delay = backoffDelay(this.attempt++, this.d.backoff, this.d.random);
    this.retryTimer = this.d.timers.setTimeout(() => {
      this.retryTimer = undefined;
      void this.open();
    }, delay);
  }
}
