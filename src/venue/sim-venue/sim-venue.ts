/**
 * SimVenue: the embedded default venue — deskgate's simulated matching engine in process, no
 * sockets. It behaves like a remote venue where it matters to the kernel:
 * - every event is delivered asynchronously (setImmediate, like a socket frame) and in engine
 *   order; by default the private feed beats the REST reply (`ordering: 'events-first'`, the S3.3
 *   hazard), or the other way round (`'reply-first'`);
 * - the book of a subscribed instrument is an L3Book kept by the engine's own L3 events through
 *   BookSync, with snapshots from the engine (the same normalised path a wire feed takes);
 * - `dropConnection()` simulates a lost connection: events are lost until the reconnect
 *   (after `reconnectDelayMs`), then books resync from a fresh snapshot and every live order is
 *   reconciled by client order id.
 */
import { L3Book } from '../../book/l3-book.js';
import { systemClock, type Clock } from '../../core/clock.js';
import { dgError, isDeskgateError } from '../../core/errors.js';
import type { L3Event, L3Snapshot } from '../../core/events.js';
import { InstrumentRegistry, type Instrument } from '../../core/instrument.js';
import type { BookSync } from '../../feeds/book-sync.js';
import { snapshotFetcher } from '../../feeds/snapshot-fetcher.js';
import { POLICIES } from '../../feeds/sync-policy.js';
import { createL3Sync } from '../../feeds/sync-targets.js';
import type { SimEngine } from '../sim/engine.js';
import type { SimMessage } from '../sim/engine-types.js';
import { EventHub, immediateScheduler, type Scheduler } from '../event-hub.js';
import { checkOrderRequest } from '../order-request.js';
import { OrderStream } from '../order-stream.js';
import { nodeTimers, type Timers } from '../timers.js';
import {
  venueFail,
  venueOk,
  type AmendRequest,
  type BalanceEntry,
  type BookSubscription,
  type CancelAck,
  type CancelRequest,
  type OrderRequest,
  type PlaceAck,
  type QueryAnswer,
  type Venue,
  type VenueCapabilities,
  type VenueEvent,
  type VenueListener,
  type VenueOrder,
  type VenueResult,
  type VenueState,
} from '../venue.js';
import { simBalance, simError, simOrder } from './sim-translate.js';

export interface SimVenueOptions {
  readonly engine: SimEngine;
  /** Engine account the venue trades for (must exist). */
  readonly account: string;
  /** Venue name on the instruments. Default "sim". */
  readonly id?: string;
  readonly clock?: Clock;
  readonly timers?: Timers;
  /** How event deliveries are scheduled. Default setImmediate. */
  readonly scheduler?: Scheduler;
  /** Default 'events-first': order events of a placement are delivered before its reply. */
  readonly ordering?: 'events-first' | 'reply-first';
  /** Delay before a dropped connection comes back. Default 50 ms. */
  readonly reconnectDelayMs?: number;
}

export const SIM_CAPABILITIES: VenueCapabilities = {
  l2: true,
  l3: true,
  clientOrderIdQuery: 'native',
  cancelByClientId: true,
  amend: true,
  postOnly: true,
  stp: true,
  marketByFunds: true,
  timeInForce: ['GTC', 'IOC', 'FOK'],
  privateStream: true,
  streamHasClientId: true,
  fillFeesOnStream: true,
};

interface SimBook {
  readonly inst: Instrument;
  readonly book: L3Book;
  readonly sync: BookSync<L3Event, L3Snapshot>;
  readonly sub: BookSubscription;
  waiters: Array<() => void>;
}

type Inbox =
  | { kind: 'l3'; symbol: string; event: L3Event }
  | { kind: 'event'; event: VenueEvent }
  | { kind: 'order'; order: VenueOrder };

export class SimVenue implements Venue {
  readonly id: string;
  readonly capabilities = SIM_CAPABILITIES;
  private st: VenueState = 'idle';
  private readonly engine: SimEngine;
  private readonly account: string;
  private readonly clock: Clock;
  private readonly timers: Timers;
  private readonly schedule: Scheduler;
  private readonly ordering: 'events-first' | 'reply-first';
  private readonly reconnectDelayMs: number;
  private readonly hub: EventHub;
  private readonly orders: OrderStream;
  private readonly registry = new InstrumentRegistry();
  private readonly books = new Map<string, SimBook>();
  private inbox: Inbox[] = [];
  private draining = false;
  private drainWaiters: Array<() => void> = [];
  private off: (() => void) | undefined;
  private reconnectTimer: unknown;
  /** Engine messages lost while "disconnected". */
  lostWhileDown = 0;

  constructor(opts: SimVenueOptions) {
    this.engine = opts.engine;
    this.account = opts.account;
    this.id = opts.id ?? 'sim';
    this.clock = opts.clock ?? systemClock;
    this.timers = opts.timers ?? nodeTimers;
    this.schedule = opts.scheduler ?? immediateScheduler;
    this.ordering = opts.ordering ?? 'events-first';
    this.reconnectDelayMs = opts.reconnectDelayMs ?? 50;
    this.hub = new EventHub(this.schedule);
    this.orders = new OrderStream((e) => this.hub.emit(e), this.clock);
    for (const m of this.engine.markets()) {
      this.registry.add({
        venue: this.id,
        native: m.symbol,
        tickSize: m.config.tickSize,
        lotSize: m.config.lotSize,
        ...(m.config.minSize ? { minSize: m.config.minSize } : {}),
      });
    }
  }

  get state(): VenueState {
    return this.st;
  }

  async connect(): Promise<VenueResult<void>> {
    if (this.st === 'closed') return venueFail('DG_E_VENUE_UNAVAILABLE', 'venue closed');
    if (this.st === 'connected') return venueOk(undefined);
    if (this.st === 'disconnected') return venueFail('DG_E_VENUE_UNAVAILABLE', 'reconnecting');
    if (!this.engine.hasAccount(this.account)) return venueFail('DG_E_VENUE_AUTH', `no account ${this.account}`);
    if (!this.off) this.off = this.engine.on((m) => this.onEngine(m));
    this.st = 'connected';
    this.hub.emit({ type: 'connection', state: 'connected', ts: this.clock.now() });
    return venueOk(undefined);
  }

  async close(): Promise<void> {
    this.st = 'closed';
    this.off?.();
    this.off = undefined;
    if (this.reconnectTimer !== undefined) this.timers.clearTimeout(this.reconnectTimer);
    this.reconnectTimer = undefined;
    for (const b of this.books.values()) {
      b.sync.reset();
      const w = b.waiters;
      b.waiters = [];
      for (const r of w) r();
    }
    this.books.clear();
    await this.hub.idle();
  }

  instruments(): readonly Instrument[] {
    return this.registry.list(this.id);
  }

  instrument(name: string): Instrument | undefined {
    return this.registry.find(this.id, name);
  }

  on(listener: VenueListener): () => void {
    return this.hub.on(listener);
  }

  /** Resolves when every engine message so far has been processed and delivered (tests). */
  async settle(): Promise<void> {
    await this.drained();
    await this.hub.idle();
  }

  // ----- connection simulation ---------------------------------------------------------------

  /** Simulate a lost connection; it comes back after `reconnectDelayMs`. */
  dropConnection(reason = 'connection dropped'): void {
    if (this.st !== 'connected') return;
    this.st = 'disconnected';
    this.inbox = []; // frames in flight are lost with the connection
    for (const b of this.books.values()) b.sync.reset();
    this.hub.emit({ type: 'connection', state: 'disconnected', reason, ts: this.clock.now() });
    this.reconnectTimer = this.timers.setTimeout(() => {
      this.reconnectTimer = undefined;
      this.reconnect();
    }, this.reconnectDelayMs);
  }

  private reconnect(): void {
    if (this.st !== 'disconnected') return;
    this.st = 'connected';
    this.hub.emit({ type: 'connection', state: 'connected', reason: 'reconnected', ts: this.clock.now() });
    for (const b of this.books.values()) b.sync.resync('manual', 'reconnect');
    // Orders: ask the venue about every order not known to be done (events were lost).
    for (const cid of this.orders.live()) {
      const o = this.engine.orderByClientOid(this.account, cid);
      const inst = o ? this.registry.find(this.id, o.symbol) : undefined;
      if (o && inst) this.orders.order(simOrder(o, inst), 'reconcile');
    }
    const bal = this.engine.balances(this.account).map((b) => simBalance(b, (c, u) => this.engine.formatAmount(c, u)));
    this.hub.emit({ type: 'balance', balances: bal, ts: this.clock.now() });
  }

  // ----- engine events -----------------------------------------------------------------------

  private onEngine(m: SimMessage): void {
    if (this.st !== 'connected') {
      if (this.st === 'disconnected') this.lostWhileDown++;
      return;
    }
    switch (m.type) {
      case 'l3':
        if (this.books.has(m.symbol)) this.push({ kind: 'l3', symbol: m.symbol, event: m.event });
        return;
      case 'order': {
        if (m.account !== this.account) return;
        const inst = this.registry.find(this.id, m.order.symbol);
        if (!inst) return;
        if (
          m.changeType === 'match' &&
          m.tradeId !== undefined &&
          m.matchPrice !== undefined &&
          m.matchSize !== undefined
        ) {
          const f = this.engine
            .fills(this.account, m.order.symbol, 50)
            .find((x) => x.tradeId === m.tradeId && x.orderId === m.order.orderId);
          this.push({
            kind: 'event',
            event: {
              type: 'fill',
              instrument: inst,
              clientOrderId: m.order.clientOid,
              venueOrderId: m.order.orderId,
              tradeId: m.tradeId,
              side: m.order.side === 'buy' ? 0 : 1,
              price: m.matchPrice,
              size: m.matchSize,
              fee: f ? { currency: f.feeCurrency, amount: this.engine.formatAmount(f.feeCurrency, f.fee) } : undefined,
              liquidity: m.liquidity,
              ts: m.ts,
            },
          });
        }
        this.push({ kind: 'order', order: simOrder(m.order, inst, m.changeType) });
        return;
      }
      case 'balance':
        if (m.account !== this.account) return;
        this.push({
          kind: 'event',
          event: {
            type: 'balance',
            balances: [
              {
                currency: m.currency,
                free: this.engine.formatAmount(m.currency, m.available),
                used: this.engine.formatAmount(m.currency, m.hold),
                total: this.engine.formatAmount(m.currency, m.total),
              },
            ],
            ts: m.ts,
          },
        });
        return;
      default:
        return;
    }
  }

  private push(i: Inbox): void {
    this.inbox.push(i);
    if (!this.draining) {
      this.draining = true;
      this.schedule(() => this.drain());
    }
  }

  private drain(): void {
    const touched = new Set<SimBook>();
    for (let k = 0; k < this.inbox.length; k++) {
      const i = this.inbox[k];
      if (i.kind === 'l3') {
        const b = this.books.get(i.symbol);
        if (b) {
          b.sync.onMessage(i.event);
          touched.add(b);
        }
      } else if (i.kind === 'order') {
        this.orders.order(i.order, 'stream');
      } else if (i.event.type === 'fill') {
        this.orders.fill(i.event);
      } else {
        this.hub.emit(i.event);
      }
    }
    this.inbox = [];
    this.draining = false;
    for (const b of touched) {
      if (b.sync.live) this.hub.emit({ type: 'book', instrument: b.inst, seq: b.sync.seq, ts: this.clock.now() });
    }
    const w = this.drainWaiters;
    this.drainWaiters = [];
    for (const r of w) r();
  }

  private drained(): Promise<void> {
    if (!this.draining) return Promise.resolve();
    return new Promise((r) => this.drainWaiters.push(r));
  }

  // ----- books -------------------------------------------------------------------------------

  async subscribeBook(inst: Instrument): Promise<VenueResult<BookSubscription>> {
    if (this.st !== 'connected') return venueFail('DG_E_VENUE_UNAVAILABLE', `venue ${this.st}`);
    const own = this.registry.find(this.id, inst.native);
    if (!own || inst.venue !== this.id) return venueFail('DG_E_UNKNOWN_INSTRUMENT', `${inst.venue}:${inst.symbol}`);
    let b = this.books.get(own.native);
    if (!b) {
      const book = new L3Book();
      const symbol = own.native;
      const fetcher = snapshotFetcher<L3Event, L3Snapshot>(async () => {
        await Promise.resolve(); // a snapshot is a request: it answers later
        if (this.st !== 'connected') throw dgError('DG_E_VENUE_UNAVAILABLE', 'disconnected');
        return this.engine.l3Snapshot(symbol);
      });
      const entry: { b?: SimBook } = {};
      const sync = createL3Sync(book, {
        policy: POLICIES.kucoinL3,
        clock: this.clock,
        onNeedSnapshot: fetcher.onNeed,
        onState: (state) => {
          const sb = entry.b;
          if (state !== 'live' || !sb) return;
          this.hub.emit({ type: 'connection', state: 'resynced', instrument: sb.inst, ts: this.clock.now() });
          const w = sb.waiters;
          sb.waiters = [];
          for (const r of w) r();
        },
      });
      fetcher.bind(sync);
      const sub: BookSubscription = {
        instrument: own,
        level: 'l3',
        view: book,
        get synced() {
          return sync.live;
        },
        get seq() {
          return sync.seq;
        },
      };
      b = { inst: own, book, sync, sub, waiters: [] };
      entry.b = b;
      this.books.set(symbol, b);
      sync.resync('manual', 'subscribe');
    }
    const sb = b;
    if (!sb.sync.live) await new Promise<void>((r) => sb.waiters.push(r));
    if (!sb.sync.live) return venueFail('DG_E_VENUE_UNAVAILABLE', `book of ${own.symbol} did not sync (${this.st})`);
    return venueOk(sb.sub);
  }

  async unsubscribeBook(inst: Instrument): Promise<void> {
    const b = this.books.get(inst.native);
    if (!b) return;
    b.sync.reset();
    this.books.delete(inst.native);
    const w = b.waiters;
    b.waiters = [];
    for (const r of w) r();
  }

  /** The L3 book of a subscribed instrument (queue positions etc.); undefined when not subscribed. */
  l3Book(inst: Instrument): L3Book | undefined {
    return this.books.get(inst.native)?.book;
  }

  // ----- orders ------------------------------------------------------------------------------

  private ownInstrument(inst: Instrument): Instrument | undefined {
    return inst.venue === this.id ? this.registry.find(this.id, inst.native) : undefined;
  }

  private async reply<T>(r: VenueResult<T>, onReply?: () => void): Promise<VenueResult<T>> {
    if (this.ordering === 'events-first') {
      await this.drained();
      await this.hub.idle();
    } else {
      await Promise.resolve();
    }
    onReply?.();
    return r;
  }

  /** Requests work while the streams are down (as REST does); not before connect or after close. */
  private unusable(): VenueResult<never> | undefined {
    return this.st === 'idle' || this.st === 'closed'
      ? venueFail('DG_E_VENUE_UNAVAILABLE', `venue ${this.st}`)
      : undefined;
  }

  async placeOrder(req: OrderRequest): Promise<VenueResult<PlaceAck>> {
    const down = this.unusable();
    if (down) return down;
    const inst = this.ownInstrument(req.instrument);
    if (!inst) return venueFail('DG_E_UNKNOWN_INSTRUMENT', `${req.instrument.venue}:${req.instrument.symbol}`);
    const bad = checkOrderRequest(req, this.capabilities);
    if (bad) return venueFail(bad);
    let funds: number | undefined;
    if (req.funds !== undefined) {
      try {
        funds = this.engine.parseAmount(inst.quote, req.funds);
      } catch (e) {
        return venueFail('DG_E_VENUE_BAD_ORDER', isDeskgateError(e) ? e.message : 'funds');
      }
    }
    const res = this.engine.placeOrder({
      account: this.account,
      symbol: inst.native,
      side: req.side === 0 ? 'buy' : 'sell',
      type: req.type,
      ...(req.price !== undefined ? { price: req.price } : {}),
      ...(req.size !== undefined ? { size: req.size } : {}),
      ...(funds !== undefined ? { funds } : {}),
      ...(req.type === 'limit' ? { timeInForce: req.timeInForce ?? 'GTC' } : {}),
      ...(req.postOnly ? { postOnly: true } : {}),
      clientOid: req.clientOrderId,
    });
    if (!res.ok) return this.reply(venueFail(simError(res.error)));
    const orderId = res.order.orderId;
    // The reply is definitive evidence of acceptance: handled when the reply "arrives".
    const onReply = (): void => {
      this.orders.link(req.clientOrderId, orderId);
      this.orders.order(
        {
          clientOrderId: req.clientOrderId,
          venueOrderId: orderId,
          instrument: inst,
          side: req.side,
          type: req.type,
          price: req.price,
          size: req.size,
          filledSize: 0,
          status: 'received',
          ts: res.order.createdAt,
        },
        'rest',
      );
    };
    return this.reply(venueOk({ clientOrderId: req.clientOrderId, venueOrderId: orderId }), onReply);
  }

  async cancelOrder(req: CancelRequest): Promise<VenueResult<CancelAck>> {
    const down = this.unusable();
    if (down) return down;
    if (!this.ownInstrument(req.instrument)) return venueFail('DG_E_UNKNOWN_INSTRUMENT', req.instrument.symbol);
    let res;
    if (req.clientOrderId !== undefined) res = this.engine.cancelByClientOid(this.account, req.clientOrderId);
    else if (req.venueOrderId !== undefined) res = this.engine.cancelOrder(this.account, req.venueOrderId);
    else return venueFail('DG_E_VENUE_BAD_ORDER', 'cancel needs clientOrderId or venueOrderId');
    if (!res.ok) return this.reply(venueFail(simError(res.error)));
    return this.reply(venueOk({ clientOrderId: res.order.clientOid, venueOrderId: res.order.orderId }));
  }

  async amendOrder(req: AmendRequest): Promise<VenueResult<CancelAck>> {
    const down = this.unusable();
    if (down) return down;
    if (!this.ownInstrument(req.instrument)) return venueFail('DG_E_UNKNOWN_INSTRUMENT', req.instrument.symbol);
    if (!Number.isSafeInteger(req.size) || req.size <= 0) return venueFail('DG_E_VENUE_BAD_ORDER', `size ${req.size}`);
    const o =
      req.clientOrderId !== undefined
        ? this.engine.orderByClientOid(this.account, req.clientOrderId)
        : req.venueOrderId !== undefined
          ? this.engine.order(req.venueOrderId)
          : undefined;
    if (req.clientOrderId === undefined && req.venueOrderId === undefined) {
      return venueFail('DG_E_VENUE_BAD_ORDER', 'amend needs clientOrderId or venueOrderId');
    }
    if (!o || o.account !== this.account || o.status !== 'open') {
      return this.reply(venueFail('DG_E_VENUE_UNKNOWN_ORDER', req.clientOrderId ?? req.venueOrderId));
    }
    const remain = req.size - o.filledSize;
    if (remain <= 0) return venueFail('DG_E_VENUE_BAD_ORDER', `size ${req.size} ≤ filled ${o.filledSize}`);
    const res = this.engine.amendOrder(this.account, o.orderId, remain);
    if (!res.ok) return this.reply(venueFail(simError(res.error)));
    return this.reply(venueOk({ clientOrderId: res.order.clientOid, venueOrderId: res.order.orderId }));
  }

  async queryOrder(inst: Instrument, clientOrderId: string): Promise<VenueResult<QueryAnswer>> {
    const down = this.unusable();
    if (down) return down;
    const own = this.ownInstrument(inst);
    if (!own) return venueFail('DG_E_UNKNOWN_INSTRUMENT', inst.symbol);
    const o = this.engine.orderByClientOid(this.account, clientOrderId);
    if (!o || o.symbol !== own.native) return this.reply(venueOk({ found: false, clientOrderId }));
    return this.reply(venueOk({ found: true, order: simOrder(o, own) }));
  }

  async openOrders(inst?: Instrument): Promise<VenueResult<VenueOrder[]>> {
    const down = this.unusable();
    if (down) return down;
    const own = inst ? this.ownInstrument(inst) : undefined;
    if (inst && !own) return venueFail('DG_E_UNKNOWN_INSTRUMENT', inst.symbol);
    const out: VenueOrder[] = [];
    for (const o of this.engine.activeOrders(this.account, own?.native)) {
      const i = this.registry.find(this.id, o.symbol);
      if (i) out.push(simOrder(o, i));
    }
    return this.reply(venueOk(out));
  }

  async balances(): Promise<VenueResult<BalanceEntry[]>> {
    const down = this.unusable();
    if (down) return down;
    const out = this.engine.balances(this.account).map((b) => simBalance(b, (c, u) => this.engine.formatAmount(c, u)));
    return this.reply(venueOk(out));
  }
}
