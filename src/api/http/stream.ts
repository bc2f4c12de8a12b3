/**
 * WebSocket /v1/stream (docs/http-api.md "Stream"): a client subscribes to channels and gets a
 * snapshot, then updates with a sequence number contiguous per subscription:
 *
 *   → {"op":"subscribe","channel":"book","symbol":"BTC-USDT","depth":20}
 *   ← {"channel":"book","symbol":"BTC/USDT","type":"snapshot","seq":0,"data":{"seq":…,"bids":[["60000.1","0.5"]],"asks":[…]}}
 *   ← {"channel":"book","symbol":"BTC/USDT","type":"update","seq":1,"data":{"seq":…,"bids":[["60000.1","0"]],"asks":[]}}
 *
 * Book updates are the difference between the top `depth` levels sent last and the BookView now,
 * computed once per event-loop turn after port `book` events (a size "0" removes a level, also when
 * a level only left the top-`depth` window), so snapshot + updates = the top `depth` of the book.
 * trades: public trades read from port.trades() after the book moved (new ids only, oldest first).
 * orders: port `order` and `fill` events. balances: port `balance` events plus ledger slots.
 * algos: the algo service's parent orders (snapshot: every status view, optionally one symbol's;
 * updates: {kind: "progress" | "status", id, view} after every round and status change).
 */
import type { WebSocket } from 'ws';
import type { BookView } from '../../book/book-view.js';
import { fromUnits } from '../../core/decimal.js';
import { asDeskgateError, dgError, type DeskgateError } from '../../core/errors.js';
import type { Instrument } from '../../core/instrument.js';
import { systemClock, type Clock } from '../../core/clock.js';
import { TokenBucket } from '../../venue/token-bucket.js';
import type { VenueEvent } from '../../venue/venue.js';
import type { GatewayPort, TradeView } from '../gateway-port.js';
import type { AlgoEvent } from '../../algo/service/algo-service.js';
import type { AlgoControl } from './algo-routes.js';
import type { LedgerAccess } from './ledger-access.js';
import { issueText, streamMessage, type StreamChannel } from './schemas.js';
import { bookSeq, orderJson, sideText, type LevelJson } from './views.js';

export interface StreamOptions {
  /** Subscriptions one connection may hold (default 20). */
  readonly maxSubscriptions?: number;
  /** Default book depth (levels per side) when a subscribe gives none (default 50). */
  readonly defaultDepth?: number;
  /** A connection whose unsent data exceeds this is closed (1008, slow consumer). Default 4 MiB. */
  readonly maxBufferedBytes?: number;
  /** Client messages per second per connection (default 20, burst 40); beyond: DG_E_RATE_LIMITED. */
  readonly messagesPerSec?: number;
  readonly messageBurst?: number;
  /** The gateway's algo service (the `algos` channel); without it that channel answers DG_E_API_NOT_FOUND. */
  readonly algos?: AlgoControl;
}

interface Sub {
  readonly key: string;
  readonly channel: StreamChannel;
  readonly inst: Instrument | undefined;
  seq: number;
  /** Events held while the snapshot is being read. */
  pending: unknown[] | undefined;
  closed: boolean;
}

interface BookSub extends Sub {
  readonly depth: number;
  view: BookView | undefined;
  bids: Map<number, number>;
  asks: Map<number, number>;
}

interface TradeSub extends Sub {
  readonly seen: Set<string>;
  fetching: boolean;
  again: boolean;
}

const TRADE_WINDOW = 100;
const SEEN_LIMIT = 2_000;

function tradeJson(inst: Instrument, t: TradeView) {
  return {
    id: t.id,
    price: fromUnits(t.price, inst.price),
    size: fromUnits(t.size, inst.size),
    side: sideText(t.takerSide),
    time: t.time,
  };
}

/** One client connection's subscriptions. */
class StreamConnection {
  private readonly subs = new Map<string, Sub>();
  private dirtyBooks = new Set<BookSub | TradeSub>();
  private flushScheduled = false;
  private readonly bucket: TokenBucket;
  closed = false;

  constructor(
    private readonly socket: WebSocket,
    private readonly hub: StreamHub,
  ) {
    this.bucket = new TokenBucket(
      { ratePerSec: hub.messagesPerSec, burst: hub.messageBurst, mode: 'reject' },
      hub.clock,
    );
  }

  send(msg: unknown): void {
    if (this.closed) return;
    if (this.socket.bufferedAmount > this.hub.maxBuffered) {
      this.socket.close(1008, 'slow consumer');
      this.close();
      return;
    }
    this.socket.send(JSON.stringify(msg));
  }

  error(e: DeskgateError, extra: Record<string, unknown> = {}): void {
    this.send({ type: 'error', code: e.code, detail: e.detail ?? e.message, ...extra });
  }

  /** Server shutdown: say goodbye (1001) and drop every subscription. */
  shutdown(): void {
    if (!this.closed) this.socket.close(1001, 'server closing');
    this.close();
  }

  close(): void {
    this.closed = true;
    for (const s of this.subs.values()) s.closed = true;
    this.subs.clear();
    this.hub.connections.delete(this);
  }

  async onMessage(text: string): Promise<void> {
    if (this.bucket.available() < 1) {
      this.error(dgError('DG_E_RATE_LIMITED', `limit ${this.hub.messagesPerSec} messages/s per connection`));
      return;
    }
    this.bucket.reserve(1);
    let raw: unknown;
    try {
      raw = JSON.parse(text);
    } catch {
      this.error(dgError('DG_E_MALFORMED_JSON', 'message is not JSON'));
      return;
    }
    const p = streamMessage.safeParse(raw);
    if (!p.success) {
      this.error(dgError('DG_E_API_BAD_REQUEST', issueText(p.error)));
      return;
    }
    const m = p.data;
    if (m.op === 'ping') {
      this.send({ type: 'pong' });
      return;
    }
    let inst: Instrument | undefined;
    if (m.symbol !== undefined) {
      inst = this.hub.port.instrument(m.symbol);
      if (!inst) {
        this.error(dgError('DG_E_UNKNOWN_INSTRUMENT', m.symbol.slice(0, 64)), { channel: m.channel });
        return;
      }
    } else if (m.channel === 'book' || m.channel === 'trades') {
      this.error(dgError('DG_E_API_BAD_REQUEST', `symbol: required for ${m.channel}`), { channel: m.channel });
      return;
    }
    const key = `${m.channel}:${inst?.symbol ?? '*'}`;
    const where = { channel: m.channel, ...(inst ? { symbol: inst.symbol } : {}) };
    if (m.op === 'unsubscribe') {
      const s = this.subs.get(key);
      if (!s) {
        this.error(dgError('DG_E_API_NOT_SUBSCRIBED', key), where);
        return;
      }
      s.closed = true;
      this.subs.delete(key);
      this.send({ type: 'unsubscribed', ...where });
      return;
    }
    if (this.subs.has(key)) {
      this.error(dgError('DG_E_API_BAD_REQUEST', `already subscribed: ${key}`), where);
      return;
    }
    if (this.subs.size >= this.hub.maxSubscriptions) {
      this.error(dgError('DG_E_API_SUBSCRIPTION_LIMIT', `limit ${this.hub.maxSubscriptions}`), where);
      return;
    }
    const base: Sub = { key, channel: m.channel, inst, seq: 0, pending: [], closed: false };
    let sub: Sub;
    if (m.channel === 'book') {
      sub = {
        ...base,
        depth: m.depth ?? this.hub.defaultDepth,
        view: undefined,
        bids: new Map(),
        asks: new Map(),
      } as BookSub;
    } else if (m.channel === 'trades') {
      sub = { ...base, seen: new Set<string>(), fetching: false, again: false } as TradeSub;
    } else {
      sub = base;
    }
    this.subs.set(key, sub);
    try {
      const data = await this.snapshot(sub);
      if (sub.closed) return;
      this.send({ ...where, type: 'snapshot', seq: 0, data });
      const held = sub.pending ?? [];
      sub.pending = undefined;
      for (const d of held) this.update(sub, d);
    } catch (e) {
      if (this.subs.get(key) === sub) this.subs.delete(key);
      sub.closed = true;
      this.error(asDeskgateError(e), where);
    }
  }

  private async snapshot(sub: Sub): Promise<unknown> {
    const port = this.hub.port;
    const inst = sub.inst;
    switch (sub.channel) {
      case 'book': {
        const b = sub as BookSub;
        const r = await port.book(inst!);
        if (!r.ok) throw r.error;
        b.view = r.value;
        const bids = r.value.levels(0, b.depth);
        const asks = r.value.levels(1, b.depth);
        b.bids = new Map(bids);
        b.asks = new Map(asks);
        return { seq: bookSeq(r.value), bids: this.levels(inst!, bids), asks: this.levels(inst!, asks) };
      }
      case 'trades': {
        const t = sub as TradeSub;
        const r = await port.trades(inst!, TRADE_WINDOW);
        if (!r.ok) throw r.error;
        for (const x of [...r.value].reverse()) this.remember(t, x.id);
        return r.value.map((x) => tradeJson(inst!, x));
      }
      case 'orders': {
        const r = await port.openOrders(inst);
        if (!r.ok) throw r.error;
        return r.value.map(orderJson);
      }
      case 'balances': {
        const r = await port.balances();
        if (!r.ok) throw r.error;
        return { venue: r.value, slots: this.hub.ledger ? await this.hub.ledger.balances() : null };
      }
      case 'algos': {
        if (!this.hub.algos) throw dgError('DG_E_API_NOT_FOUND', 'algos: no algo service on this gateway');
        return this.hub.algos.list().filter((v) => !inst || v.symbol === inst.symbol);
      }
    }
  }

  private levels(inst: Instrument, l: ReadonlyArray<readonly [number, number]>): LevelJson[] {
    return l.map(([p, s]) => [fromUnits(p, inst.price), fromUnits(s, inst.size)]);
  }

  private remember(t: TradeSub, id: string): void {
    t.seen.add(id);
    if (t.seen.size > SEEN_LIMIT) t.seen.delete(t.seen.values().next().value as string);
  }

  private update(sub: Sub, data: unknown): void {
    if (sub.closed) return;
    if (sub.pending) {
      sub.pending.push(data);
      return;
    }
    sub.seq++;
    const where = { channel: sub.channel, ...(sub.inst ? { symbol: sub.inst.symbol } : {}) };
    this.send({ ...where, type: 'update', seq: sub.seq, data });
  }

  /** A port event: route it to the subscriptions it concerns. */
  onEvent(e: VenueEvent): void {
    for (const sub of this.subs.values()) {
      switch (sub.channel) {
        case 'book':
        case 'trades':
          if (
            (e.type === 'book' || (e.type === 'connection' && e.state === 'resynced')) &&
            e.instrument?.symbol === sub.inst!.symbol
          ) {
            this.markDirty(sub as BookSub | TradeSub);
          }
          break;
        case 'orders':
          if (e.type === 'order' && (!sub.inst || e.order.instrument.symbol === sub.inst.symbol)) {
            this.update(sub, { kind: 'order', order: orderJson(e.order) });
          } else if (e.type === 'fill' && (!sub.inst || e.instrument.symbol === sub.inst.symbol)) {
            const i = e.instrument;
            this.update(sub, {
              kind: 'fill',
              fill: {
                clientOrderId: e.clientOrderId ?? null,
                venueOrderId: e.venueOrderId,
                tradeId: e.tradeId,
                symbol: i.symbol,
                side: sideText(e.side),
                price: fromUnits(e.price, i.price),
                size: fromUnits(e.size, i.size),
                fee: e.fee ?? null,
                liquidity: e.liquidity ?? null,
                time: e.ts,
              },
            });
          }
          break;
        case 'balances':
          if (e.type === 'balance') void this.balanceUpdate(sub, e.balances);
          break;
      }
    }
  }

  /** A parent order's progress or status change: push it to `algos` subscribers. */
  onAlgoEvent(e: AlgoEvent): void {
    for (const sub of this.subs.values()) {
      if (sub.channel !== 'algos' || (sub.inst && sub.inst.symbol !== e.view.symbol)) continue;
      this.update(sub, { kind: e.type, id: e.id, view: e.view });
    }
  }

  /** Ledger slots changed (a REST ledger command): push them to balance subscribers. */
  onLedgerChange(): void {
    for (const sub of this.subs.values()) if (sub.channel === 'balances') void this.balanceUpdate(sub, undefined);
  }

  private async balanceUpdate(sub: Sub, venue: unknown): Promise<void> {
    const slots = this.hub.ledger ? await this.hub.ledger.balances() : null;
    this.update(sub, venue === undefined ? { slots } : { venue, slots });
  }

  private markDirty(sub: BookSub | TradeSub): void {
    this.dirtyBooks.add(sub);
    if (this.flushScheduled) return;
    this.flushScheduled = true;
    setImmediate(() => {
      this.flushScheduled = false;
      const dirty = this.dirtyBooks;
      this.dirtyBooks = new Set();
      for (const s of dirty) {
        if (s.closed || this.closed) continue;
        if (s.channel === 'book') this.flushBook(s as BookSub);
        else void this.fetchTrades(s as TradeSub);
      }
    });
  }

  private flushBook(b: BookSub): void {
    if (!b.view || b.pending) return;
    const inst = b.inst!;
    const diff = (side: 0 | 1, last: Map<number, number>): { changes: LevelJson[]; now: Map<number, number> } => {
      const now = new Map(b.view!.levels(side, b.depth));
      const changes: LevelJson[] = [];
      for (const [p, s] of now)
        if (last.get(p) !== s) changes.push([fromUnits(p, inst.price), fromUnits(s, inst.size)]);
      for (const p of last.keys()) if (!now.has(p)) changes.push([fromUnits(p, inst.price), '0']);
      return { changes, now };
    };
    const bids = diff(0, b.bids);
    const asks = diff(1, b.asks);
    b.bids = bids.now;
    b.asks = asks.now;
    if (bids.changes.length === 0 && asks.changes.length === 0) return;
    this.update(b, { seq: bookSeq(b.view), bids: bids.changes, asks: asks.changes });
  }

  private async fetchTrades(t: TradeSub): Promise<void> {
    if (t.fetching) {
      t.again = true;
      return;
    }
    t.fetching = true;
    try {
      do {
        t.again = false;
        const r = await this.hub.port.trades(t.inst!, TRADE_WINDOW);
        if (!r.ok || t.closed) return;
        const fresh = r.value.filter((x) => !t.seen.has(x.id)).reverse();
        if (fresh.length === 0) continue;
        for (const x of fresh) this.remember(t, x.id);
        this.update(
          t,
          fresh.map((x) => tradeJson(t.inst!, x)),
        );
      } while (t.again && !t.closed);
    } finally {
      t.fetching = false;
    }
  }
}

/** Every stream connection of one server, fed by one port listener. */
export class StreamHub {
  readonly connections = new Set<StreamConnection>();
  readonly maxSubscriptions: number;
  readonly defaultDepth: number;
  readonly maxBuffered: number;
  readonly messagesPerSec: number;
  readonly messageBurst: number;
  readonly algos: AlgoControl | undefined;
  private readonly off: () => void;
  private readonly offAlgos: () => void;

  constructor(
    readonly port: GatewayPort,
    readonly ledger: LedgerAccess | undefined,
    opts: StreamOptions = {},
    readonly clock: Clock = systemClock,
  ) {
    this.messagesPerSec = opts.messagesPerSec ?? 20;
    this.messageBurst = opts.messageBurst ?? 40;
    this.maxSubscriptions = opts.maxSubscriptions ?? 20;
    this.defaultDepth = opts.defaultDepth ?? 50;
    this.maxBuffered = opts.maxBufferedBytes ?? 4 << 20;
    this.off = port.on((e) => {
      for (const c of this.connections) c.onEvent(e);
    });
    this.algos = opts.algos;
    this.offAlgos =
      opts.algos?.on((e) => {
        for (const c of this.connections) c.onAlgoEvent(e);
      }) ?? (() => undefined);
  }

  attach(socket: WebSocket): void {
    const c = new StreamConnection(socket, this);
    this.connections.add(c);
    socket.on('message', (data, isBinary) => {
      if (isBinary) {
        c.error(dgError('DG_E_API_BAD_REQUEST', 'binary frames are not accepted'));
        return;
      }
      void c.onMessage(String(data));
    });
    socket.on('close', () => c.close());
    socket.on('error', () => c.close());
  }

  ledgerChanged(): void {
    for (const c of this.connections) c.onLedgerChange();
  }

  close(): void {
    this.off();
    this.offAlgos();
    for (const c of [...this.connections]) c.shutdown();
  }
}
