/**
 * CcxtVenue: any ccxt exchange behind the Venue interface (docs/venue.md).
 *
 * - REST through a gateway-level token bucket (per venue) in front of ccxt's own enableRateLimit,
 *   and a gateway-level timeout: a call that does not answer in time is DG_E_VENUE_TIMEOUT and its
 *   outcome unknown (the order stays in flight; resolve it with queryOrder by client id).
 * - Client order ids always passed explicitly (KuCoin `clientOid`, others `clientOrderId`).
 * - Private streams: watchOrders / watchMyTrades / watchBalance loops feeding OrderStream; a loop
 *   that fails marks the venue disconnected and retries with exponential backoff + jitter (ccxt
 *   re-dials and resubscribes on the next watch call). When a socket is back, every order not
 *   known to be done is reconciled by client order id and balances are re-read, then `connected`.
 * - Books: KuCoin's native L3 feed (KucoinL3Stream: deskgate's decoder + BookSync) when the
 *   exchange is kucoin, else ccxt's watchOrderBook into BookSync + L2Book.
 * - ccxt exceptions are translated to stable codes (ccxt-errors.ts); ccxt structures are checked
 *   and converted to ticks/lots (ccxt-translate.ts); nothing ccxt-shaped leaves this folder.
 */
import ccxt, { type Exchange } from 'ccxt';
import { systemClock, type Clock } from '../../core/clock.js';
import { fromUnits } from '../../core/decimal.js';
import { dgError, isDeskgateError, type DeskgateError } from '../../core/errors.js';
import type { L3Event } from '../../core/events.js';
import { InstrumentRegistry, type Instrument } from '../../core/instrument.js';
import { backoffDelay, type BackoffOptions } from '../backoff.js';
import { EventHub, microtaskScheduler } from '../event-hub.js';
import { checkOrderRequest } from '../order-request.js';
import { OrderStream } from '../order-stream.js';
import { nodeTimers, sleepWith, type Timers } from '../timers.js';
import { TokenBucket, type RateLimitOptions } from '../token-bucket.js';
import {
  venueFail,
  venueOk,
  type AmendRequest,
  type BalanceEntry,
  type BookSubscription,
  type CancelAck,
  type CancelRequest,
  type FillEvent,
  type OrderRequest,
  type PlaceAck,
  type QueryAnswer,
  type Venue,
  type VenueCapabilities,
  type VenueListener,
  type VenueOrder,
  type VenueResult,
  type VenueState,
} from '../venue.js';
import { CcxtL2Book } from './ccxt-l2-book.js';
import { fromCcxtError } from './ccxt-errors.js';
import { isIncrement, precisionIncrement } from './ccxt-numbers.js';
import { ccxtBalances, ccxtFill, ccxtOrder } from './ccxt-translate.js';
import { KucoinL3Stream } from './kucoin-l3-stream.js';

export interface CcxtVenueOptions {
  /** A ccxt.pro exchange instance, credentials and URLs already set. */
  readonly exchange: Exchange;
  /** Venue name on instruments; default the ccxt id. */
  readonly id?: string;
  readonly clock?: Clock;
  readonly timers?: Timers;
  /** Jitter source for reconnect delays (seed it in tests). Default Math.random. */
  readonly random?: () => number;
  /** Gateway-level REST limit. Default 10/s, burst 10, wait. */
  readonly rateLimit?: RateLimitOptions;
  /** Gateway-level REST timeout. Default 10 000 ms. */
  readonly requestTimeoutMs?: number;
  readonly reconnect?: BackoffOptions;
  /** Book source: 'auto' (native L3 for kucoin, else ccxt L2), 'l2', 'l3'. Default 'auto'. */
  readonly book?: 'auto' | 'l2' | 'l3';
  /** Only these unified symbols become instruments (default: every active spot market). */
  readonly symbols?: readonly string[];
  /** Wait after a socket is back before reconciling (lets the other streams resubscribe). Default 100 ms. */
  readonly recoverySettleMs?: number;
  /**
   * How this exchange takes client order ids: `param` (createOrder/cancel/fetch params key; default
   * per exchange, "clientOid" for kucoin, else "clientOrderId"); `native` (fetchOrder and
   * cancelOrder work by client id alone; default true for kucoin, else false ⇒ 'scan').
   */
  readonly clientIds?: { readonly param?: string; readonly native?: boolean };
}

export interface CcxtCreateOptions extends Omit<CcxtVenueOptions, 'exchange'> {
  /** ccxt.pro exchange id, e.g. "kucoin". */
  readonly exchangeId: string;
  readonly credentials?: { readonly apiKey: string; readonly secret: string; readonly password?: string };
  /** Extra ccxt constructor options (never logged). */
  readonly ccxtOptions?: Readonly<Record<string, unknown>>;
  /** URL overrides and other set-up (e.g. pointCcxtProKucoinAt for the sim server). */
  readonly configure?: (ex: Exchange) => Promise<unknown> | unknown;
}

/** Where each exchange takes the client order id in createOrder/cancelOrder/fetchOrder params. */
const CLIENT_ID_PARAM: Readonly<Record<string, string>> = { kucoin: 'clientOid' };
/** Exchanges whose fetchOrder / cancelOrder accept the client order id alone. */
const NATIVE_CLIENT_ID = new Set(['kucoin']);

/** Errors after which a placement may or may not have reached the venue (resolve by client id). */
const UNKNOWN_OUTCOME: ReadonlySet<string> = new Set([
  'DG_E_VENUE_TIMEOUT',
  'DG_E_VENUE_UNAVAILABLE',
  'DG_E_VENUE_BAD_REPLY',
]);

/** Trades asked for per orderFills call (KuCoin's HF fills endpoint, which ccxt uses, takes at most 100). */
const ORDER_FILLS_PAGE = 100;

type Book = { kind: 'l3'; s: KucoinL3Stream } | { kind: 'l2'; s: CcxtL2Book };

export class CcxtVenue implements Venue {
  readonly id: string;
  readonly capabilities: VenueCapabilities;
  readonly limiter: TokenBucket;
  private readonly ex: Exchange;
  private readonly clock: Clock;
  private readonly timers: Timers;
  private readonly random: () => number;
  private readonly timeoutMs: number;
  private readonly backoff: BackoffOptions;
  private readonly settleMs: number;
  private readonly bookMode: 'l2' | 'l3';
  private readonly clientIdParam: string;
  private readonly symbols: readonly string[] | undefined;
  private readonly hub = new EventHub(microtaskScheduler);
  private readonly orders: OrderStream;
  private readonly registry = new InstrumentRegistry();
  private readonly ccxtSymbolOf = new Map<number, string>();
  private readonly books = new Map<number, Book>();
  /** Listeners of the native L3 stream's applied events, per instrument id (onL3). */
  private readonly l3Listeners = new Map<number, Set<(e: L3Event) => void>>();
  private readonly lastBalance = new Map<string, string>();
  private st: VenueState = 'idle';
  private stopped = false;
  private downGen = 0;
  private recovering = false;
  private connectedWaiters: Array<() => void> = [];
  private connecting: Promise<VenueResult<void>> | undefined;
  /** Stream failures seen (each one a disconnect of some stream). */
  streamFailures = 0;
  reconnects = 0;

  static async create(opts: CcxtCreateOptions): Promise<CcxtVenue> {
    const Cls = (ccxt.pro as unknown as Record<string, new (cfg: Record<string, unknown>) => Exchange>)[
      opts.exchangeId
    ];
    if (typeof Cls !== 'function') throw dgError('DG_E_BAD_CONFIG', `ccxt.pro has no exchange ${opts.exchangeId}`);
    const ex = new Cls({
      enableRateLimit: true,
      ...(opts.ccxtOptions ?? {}),
      ...(opts.credentials
        ? { apiKey: opts.credentials.apiKey, secret: opts.credentials.secret, password: opts.credentials.password }
        : {}),
    });
    if (opts.configure) await opts.configure(ex);
    return new CcxtVenue({ ...opts, exchange: ex });
  }

  constructor(opts: CcxtVenueOptions) {
    this.ex = opts.exchange;
    this.id = opts.id ?? this.ex.id;
    this.clock = opts.clock ?? systemClock;
    this.timers = opts.timers ?? nodeTimers;
    this.random = opts.random ?? Math.random;
    this.timeoutMs = opts.requestTimeoutMs ?? 10_000;
    this.backoff = opts.reconnect ?? {};
    this.settleMs = opts.recoverySettleMs ?? 100;
    this.symbols = opts.symbols;
    this.limiter = new TokenBucket(opts.rateLimit ?? { ratePerSec: 10, burst: 10 }, this.clock);
    const isKucoin = this.ex.id === 'kucoin';
    const want = opts.book ?? 'auto';
    if (want === 'l3' && !isKucoin) throw dgError('DG_E_BAD_CONFIG', `no native L3 feed for ${this.ex.id}`);
    this.bookMode = want === 'auto' ? (isKucoin ? 'l3' : 'l2') : want;
    const has = this.ex.has;
    const native = opts.clientIds?.native ?? NATIVE_CLIENT_ID.has(this.ex.id);
    this.clientIdParam = opts.clientIds?.param ?? CLIENT_ID_PARAM[this.ex.id] ?? 'clientOrderId';
    this.capabilities = {
      l2: has.watchOrderBook === true || this.bookMode === 'l3',
      l3: this.bookMode === 'l3',
      clientOrderIdQuery: native ? 'native' : 'scan',
      cancelByClientId: native,
      amend: false,
      postOnly: true,
      stp: false,
      marketByFunds: false,
      timeInForce: ['GTC', 'IOC', 'FOK'],
      privateStream: has.watchOrders === true,
      streamHasClientId: isKucoin,
      fillFeesOnStream: !isKucoin && has.watchMyTrades === true,
    };
    this.orders = new OrderStream((e) => this.hub.emit(e), this.clock);
    const orig = this.ex.onConnected.bind(this.ex);
    this.ex.onConnected = (client: unknown, message?: unknown) => {
      orig(client, message);
      this.socketUp();
    };
  }

  get state(): VenueState {
    return this.st;
  }

  /** The underlying ccxt instance (for venue-specific reads; never needed by the kernel). */
  get exchange(): Exchange {
    return this.ex;
  }

  on(listener: VenueListener): () => void {
    return this.hub.on(listener);
  }

  instruments(): readonly Instrument[] {
    return this.registry.list(this.id);
  }

  instrument(name: string): Instrument | undefined {
    return this.registry.find(this.id, name) ?? this.registry.find(this.id, name.replace('-', '/'));
  }

  // ----- REST edge ---------------------------------------------------------------------------

  private async rest<T>(what: string, fn: () => Promise<T>): Promise<VenueResult<T>> {
    if (this.st === 'closed') return venueFail('DG_E_VENUE_UNAVAILABLE', 'venue closed');
    const limited = await this.limiter.acquire(this.timers);
    if (limited) return venueFail(limited);
    let handle: unknown;
    const timeout = new Promise<VenueResult<T>>((resolve) => {
      handle = this.timers.setTimeout(
        () => resolve(venueFail('DG_E_VENUE_TIMEOUT', `${what}: no answer in ${this.timeoutMs} ms`)),
        this.timeoutMs,
      );
    });
    const call = fn().then(
      (v) => venueOk(v),
      (e: unknown) => venueFail<T>(fromCcxtError(e)),
    );
    const r = await Promise.race([call, timeout]);
    this.timers.clearTimeout(handle);
    return r;
  }

  private own(inst: Instrument): { inst: Instrument; symbol: string } | undefined {
    if (inst.venue !== this.id) return undefined;
    const symbol = this.ccxtSymbolOf.get(inst.id);
    const mine = this.registry.find(this.id, inst.symbol);
    return symbol !== undefined && mine === inst ? { inst, symbol } : undefined;
  }

  private instOfCcxt(symbol: unknown): Instrument | undefined {
    return typeof symbol === 'string' ? this.registry.find(this.id, symbol) : undefined;
  }

  // ----- connect / close ---------------------------------------------------------------------

  async connect(): Promise<VenueResult<void>> {
    if (this.st === 'closed') return venueFail('DG_E_VENUE_UNAVAILABLE', 'venue closed');
    if (this.st === 'connected') return venueOk(undefined);
    if (this.st === 'disconnected') return venueFail('DG_E_VENUE_UNAVAILABLE', 'streams are reconnecting');
    if (this.connecting) return this.connecting;
    this.connecting = this.doConnect().finally(() => {
      this.connecting = undefined;
    });
    return this.connecting;
  }

  private async doConnect(): Promise<VenueResult<void>> {
    const m = await this.rest('loadMarkets', () => this.ex.loadMarkets());
    if (!m.ok) return m;
    const mode = this.ex.precisionMode ?? 4;
    for (const mk of Object.values(m.value)) {
      if (!mk || !mk.spot || mk.active === false || typeof mk.symbol !== 'string' || typeof mk.id !== 'string')
        continue;
      const symbol = mk.symbol;
      const native = mk.id;
      if (this.symbols && !this.symbols.includes(symbol)) continue;
      const tick = precisionIncrement(mk.precision?.price, mode);
      const lot = precisionIncrement(mk.precision?.amount, mode);
      if (!tick || !lot || !isIncrement(tick) || !isIncrement(lot)) continue;
      const min = typeof mk.limits?.amount?.min === 'number' ? precisionIncrement(mk.limits.amount.min, 4) : undefined;
      try {
        const inst = this.registry.add({
          venue: this.id,
          native,
          symbol,
          tickSize: tick,
          lotSize: lot,
          ...(min ? { minSize: min } : {}),
        });
        this.ccxtSymbolOf.set(inst.id, symbol);
      } catch {
        // A minimum size off the lot grid (or an unparseable symbol): keep the market out.
        try {
          const inst = this.registry.add({ venue: this.id, native, symbol, tickSize: tick, lotSize: lot });
          this.ccxtSymbolOf.set(inst.id, symbol);
        } catch {
          /* not representable: skipped */
        }
      }
    }
    const bal = await this.rest('fetchBalance', () => this.ex.fetchBalance());
    if (!bal.ok) return bal;
    try {
      for (const b of ccxtBalances(bal.value)) this.lastBalance.set(b.currency, `${b.free}/${b.used}/${b.total}`);
    } catch (e) {
      return venueFail(fromCcxtError(e));
    }
    this.stopped = false;
    if (this.capabilities.privateStream) {
      const up = new Promise<void>((r) => this.connectedWaiters.push(r));
      this.startPrivateLoops();
      let handle: unknown;
      const ok = await Promise.race([
        up.then(() => true),
        new Promise<boolean>((r) => {
          handle = this.timers.setTimeout(() => r(false), this.timeoutMs);
        }),
      ]);
      this.timers.clearTimeout(handle);
      if (!ok) {
        await this.close();
        return venueFail('DG_E_VENUE_UNAVAILABLE', 'private stream did not connect');
      }
      // One REST round trip after the socket opened: its subscribe frames went out before this.
      const again = await this.rest('fetchBalance', () => this.ex.fetchBalance());
      if (!again.ok) return again;
      try {
        this.balanceUpdate(ccxtBalances(again.value));
      } catch (e) {
        return venueFail(fromCcxtError(e));
      }
    }
    this.st = 'connected';
    this.hub.emit({ type: 'connection', state: 'connected', ts: this.clock.now() });
    return venueOk(undefined);
  }

  async close(): Promise<void> {
    if (this.st === 'closed') return;
    this.stopped = true;
    this.st = 'closed';
    for (const b of this.books.values()) {
      if (b.kind === 'l3') b.s.stop();
      else b.s.release();
    }
    this.books.clear();
    try {
      await this.ex.close();
    } catch {
      /* closing: nothing to report */
    }
    await this.hub.idle();
  }

  // ----- streams -----------------------------------------------------------------------------

  /** Run `once` until the venue stops (or `once` answers false), backing off after failures. */
  private loop(name: string, once: () => Promise<boolean | void>): void {
    const run = async (): Promise<void> => {
      let attempt = 0;
      while (!this.stopped) {
        try {
          if ((await once()) === false) return;
          attempt = 0;
        } catch (e) {
          if (this.stopped || e instanceof ccxt.ExchangeClosedByUser) return;
          this.streamDown(name, fromCcxtError(e).message);
          await sleepWith(this.timers, backoffDelay(attempt++, this.backoff, this.random));
        }
      }
    };
    void run();
  }

  private startPrivateLoops(): void {
    const now = () => this.clock.now();
    this.loop('orders', async () => {
      const list = await this.ex.watchOrders();
      for (const o of list) {
        const inst = this.instOfCcxt(o.symbol);
        if (!inst) continue;
        try {
          this.orders.order(ccxtOrder(o, inst, now()), 'stream');
        } catch (e) {
          this.streamError(e);
        }
      }
    });
    if (this.ex.has.watchMyTrades === true) {
      this.loop('trades', async () => {
        const list = await this.ex.watchMyTrades();
        for (const t of list) {
          const inst = this.instOfCcxt(t.symbol);
          if (!inst) continue;
          try {
            this.orders.fill(ccxtFill(t, inst, now()));
          } catch (e) {
            this.streamError(e);
          }
        }
      });
    }
    if (this.ex.has.watchBalance === true) {
      this.loop('balance', async () => {
        const b = await this.ex.watchBalance();
        try {
          this.balanceUpdate(ccxtBalances(b));
        } catch (e) {
          this.streamError(e);
        }
      });
    }
  }

  private balanceUpdate(entries: readonly BalanceEntry[]): void {
    const changed: BalanceEntry[] = [];
    for (const b of entries) {
      const key = `${b.free}/${b.used}/${b.total}`;
      if (this.lastBalance.get(b.currency) === key) continue;
      this.lastBalance.set(b.currency, key);
      changed.push(b);
    }
    if (changed.length > 0) this.hub.emit({ type: 'balance', balances: changed, ts: this.clock.now() });
  }

  private streamError(e: unknown): void {
    const err: DeskgateError = isDeskgateError(e)
      ? e
      : dgError('DG_E_VENUE_BAD_REPLY', e instanceof Error ? e.message : 'stream');
    this.hub.emit({ type: 'error', error: err, ts: this.clock.now() });
  }

  private streamDown(name: string, reason: string): void {
    this.streamFailures++;
    this.downGen++;
    if (this.st === 'connected') {
      this.st = 'disconnected';
      this.hub.emit({ type: 'connection', state: 'disconnected', reason: `${name}: ${reason}`, ts: this.clock.now() });
    }
  }

  private socketUp(): void {
    const w = this.connectedWaiters;
    this.connectedWaiters = [];
    for (const r of w) r();
    if (this.st === 'disconnected') void this.recover();
  }

  /** A socket is back: wait for the others, reconcile orders and balances, then report connected. */
  private async recover(): Promise<void> {
    if (this.recovering) return;
    this.recovering = true;
    try {
      for (let round = 0; ; round++) {
        const gen = this.downGen;
        // first round: let the other streams resubscribe; later rounds (REST failing, or a stream
        // failed again meanwhile): back off like the streams do
        await sleepWith(this.timers, round === 0 ? this.settleMs : backoffDelay(round - 1, this.backoff, this.random));
        if (this.stopped) return;
        for (const cid of this.orders.live()) {
          const last = this.orders.last(cid);
          if (!last) continue;
          const q = await this.queryOrder(last.instrument, cid);
          if (q.ok && q.value.found) this.orders.order(q.value.order, 'reconcile');
        }
        const bal = await this.rest('fetchBalance', () => this.ex.fetchBalance());
        let balOk = bal.ok;
        if (bal.ok) {
          try {
            this.balanceUpdate(ccxtBalances(bal.value));
          } catch (e) {
            this.streamError(e);
            balOk = false;
          }
        }
        if (gen === this.downGen && balOk) break;
      }
      if (this.st === 'disconnected') {
        this.st = 'connected';
        this.reconnects++;
        this.hub.emit({ type: 'connection', state: 'connected', reason: 'reconnected', ts: this.clock.now() });
      }
    } finally {
      this.recovering = false;
    }
  }

  // ----- books -------------------------------------------------------------------------------

  /** True when books come from KuCoin's native level-3 feed (onL3 has events to give). */
  get hasL3Feed(): boolean {
    return this.bookMode === 'l3';
  }

  /**
   * The order-by-order events the native L3 book applies, in sequence order (an L3FeedSource for
   * the KuCoin L3 RPC's fan-out, api/l3rpc/l3-feed-source.ts). Subscribing does not start the book:
   * the RPC server's first book read (subscribeBook) does. Returns unsubscribe.
   */
  onL3(inst: Instrument, listener: (e: L3Event) => void): () => void {
    let set = this.l3Listeners.get(inst.id);
    if (!set) this.l3Listeners.set(inst.id, (set = new Set()));
    set.add(listener);
    return () => {
      set.delete(listener);
    };
  }

  async subscribeBook(inst: Instrument): Promise<VenueResult<BookSubscription>> {
    if (this.st !== 'connected') return venueFail('DG_E_VENUE_UNAVAILABLE', `venue ${this.st}`);
    const own = this.own(inst);
    if (!own) return venueFail('DG_E_UNKNOWN_INSTRUMENT', `${inst.venue}:${inst.symbol}`);
    let b = this.books.get(inst.id);
    if (!b) {
      if (this.bookMode === 'l3') {
        const native = inst.native;
        const s = new KucoinL3Stream({
          inst,
          bullet: () => this.restOrThrow('bullet-public', () => this.ex.publicPostBulletPublic()),
          snapshot: () =>
            this.restOrThrow('level3 snapshot', () => this.ex.privateGetMarketOrderbookLevel3({ symbol: native })),
          clock: this.clock,
          timers: this.timers,
          random: this.random,
          backoff: this.backoff,
          emit: (e) => this.hub.emit(e),
          onDown: (reason) => this.streamDown(`l3:${native}`, reason),
          onUp: () => this.socketUp(),
          onReceived: (clientOid, orderId) => {
            if (this.orders.isTracked(clientOid) && this.orders.clientOf(orderId) === undefined)
              this.orders.link(clientOid, orderId);
          },
          onApplied: (e) => {
            const set = this.l3Listeners.get(inst.id);
            if (set) for (const l of set) l(e);
          },
        });
        b = { kind: 'l3', s };
        this.books.set(inst.id, b);
        s.start();
      } else {
        const s = new CcxtL2Book(inst, own.symbol, this.clock, (e) => this.hub.emit(e));
        b = { kind: 'l2', s };
        this.books.set(inst.id, b);
        const mine = b;
        this.loop(`book:${own.symbol}`, async () => {
          if (this.books.get(inst.id) !== mine) return false; // unsubscribed
          try {
            await s.once(this.ex);
            return true;
          } catch (e) {
            s.sync.reset();
            throw e;
          }
        });
      }
    }
    const book = b;
    let handle: unknown;
    const live = await Promise.race([
      book.s.whenLive().then(() => true),
      new Promise<boolean>((r) => {
        handle = this.timers.setTimeout(() => r(false), this.timeoutMs * 3);
      }),
    ]);
    this.timers.clearTimeout(handle);
    if (!live || !book.s.sub.synced) return venueFail('DG_E_VENUE_UNAVAILABLE', `book of ${inst.symbol} did not sync`);
    return venueOk(book.s.sub);
  }

  async unsubscribeBook(inst: Instrument): Promise<void> {
    const b = this.books.get(inst.id);
    if (!b) return;
    this.books.delete(inst.id);
    if (b.kind === 'l3') b.s.stop();
    else {
      b.s.sync.reset();
      b.s.release();
    }
  }

  private async restOrThrow<T>(what: string, fn: () => Promise<T>): Promise<T> {
    const r = await this.rest(what, fn);
    if (!r.ok) throw r.error;
    return r.value;
  }

  // ----- orders ------------------------------------------------------------------------------

  private clientParam(cid: string): Record<string, string> {
    return { [this.clientIdParam]: cid };
  }

  async placeOrder(req: OrderRequest): Promise<VenueResult<PlaceAck>> {
    if (this.st === 'closed') return venueFail('DG_E_VENUE_UNAVAILABLE', 'venue closed');
    const own = this.own(req.instrument);
    if (!own) return venueFail('DG_E_UNKNOWN_INSTRUMENT', `${req.instrument.venue}:${req.instrument.symbol}`);
    const bad = checkOrderRequest(req, this.capabilities);
    if (bad) return venueFail(bad);
    const inst = own.inst;
    const amount = Number(fromUnits(req.size as number, inst.size));
    const price = req.price === undefined ? undefined : Number(fromUnits(req.price, inst.price));
    const params: Record<string, unknown> = { ...this.clientParam(req.clientOrderId) };
    if (req.type === 'limit') {
      params.timeInForce = req.timeInForce ?? 'GTC';
      if (req.postOnly) params.postOnly = true;
    }
    const side = req.side === 0 ? 'buy' : 'sell';
    this.orders.expect(req.clientOrderId);
    const r = await this.rest('createOrder', () =>
      this.ex.createOrder(own.symbol, req.type, side, amount, price, params),
    );
    if (!r.ok) {
      // a definitive refusal ends tracking (not a duplicate: the id belongs to the earlier order)
      if (!UNKNOWN_OUTCOME.has(r.error.code) && r.error.code !== 'DG_E_VENUE_DUPLICATE_CLIENT_ID') {
        this.orders.forget(req.clientOrderId);
      }
      return r;
    }
    const id = r.value.id;
    if (typeof id !== 'string' || id.length === 0) {
      return venueFail('DG_E_VENUE_BAD_REPLY', 'createOrder reply without an order id; order state unknown');
    }
    this.orders.link(req.clientOrderId, id);
    // The reply is evidence the venue accepted the order; stream events may already have said more.
    this.orders.order(
      {
        clientOrderId: req.clientOrderId,
        venueOrderId: id,
        instrument: inst,
        side: req.side,
        type: req.type,
        price: req.price,
        size: req.size,
        filledSize: 0,
        status: 'received',
        ts: this.clock.now(),
      },
      'rest',
    );
    return venueOk({ clientOrderId: req.clientOrderId, venueOrderId: id });
  }

  async cancelOrder(req: CancelRequest): Promise<VenueResult<CancelAck>> {
    if (this.st === 'closed') return venueFail('DG_E_VENUE_UNAVAILABLE', 'venue closed');
    const own = this.own(req.instrument);
    if (!own) return venueFail('DG_E_UNKNOWN_INSTRUMENT', `${req.instrument.venue}:${req.instrument.symbol}`);
    const cid = req.clientOrderId;
    let vid = req.venueOrderId ?? (cid !== undefined ? this.orders.venueOf(cid) : undefined);
    if (cid === undefined && vid === undefined)
      return venueFail('DG_E_VENUE_BAD_ORDER', 'cancel needs clientOrderId or venueOrderId');
    if (vid === undefined && cid !== undefined && !this.capabilities.cancelByClientId) {
      const q = await this.queryOrder(own.inst, cid);
      if (!q.ok) return q;
      if (!q.value.found) return venueFail('DG_E_VENUE_UNKNOWN_ORDER', `client order id ${cid}`);
      vid = q.value.order.venueOrderId;
    }
    const byClient = cid !== undefined && this.capabilities.cancelByClientId;
    const r = await this.rest('cancelOrder', () =>
      this.ex.cancelOrder(byClient ? '' : (vid as string), own.symbol, byClient ? this.clientParam(cid) : {}),
    );
    if (!r.ok) return r;
    const id = vid ?? (typeof r.value.id === 'string' && r.value.id.length > 0 ? r.value.id : undefined) ?? '';
    return venueOk({
      clientOrderId: cid ?? (vid !== undefined ? this.orders.clientOf(vid) : undefined),
      venueOrderId: id,
    });
  }

  /** Not offered through ccxt yet (editOrder semantics differ per exchange; see docs/venue.md). */
  async amendOrder(req: AmendRequest): Promise<VenueResult<CancelAck>> {
    return venueFail('DG_E_VENUE_UNSUPPORTED', `amend on ${this.ex.id} (${req.instrument.symbol})`);
  }

  async queryOrder(inst: Instrument, clientOrderId: string): Promise<VenueResult<QueryAnswer>> {
    if (this.st === 'closed') return venueFail('DG_E_VENUE_UNAVAILABLE', 'venue closed');
    const own = this.own(inst);
    if (!own) return venueFail('DG_E_UNKNOWN_INSTRUMENT', `${inst.venue}:${inst.symbol}`);
    const now = this.clock.now();
    const notFound: VenueResult<QueryAnswer> = venueOk({ found: false, clientOrderId });
    if (this.capabilities.clientOrderIdQuery === 'native') {
      const r = await this.rest('fetchOrder', () =>
        this.ex.fetchOrder('', own.symbol, this.clientParam(clientOrderId)),
      );
      if (!r.ok) return r.error.code === 'DG_E_VENUE_UNKNOWN_ORDER' ? notFound : r;
      if (typeof r.value.id !== 'string' || r.value.id.length === 0) return notFound;
      try {
        const o = ccxtOrder(r.value, own.inst, now);
        if (o.clientOrderId !== undefined && o.clientOrderId !== clientOrderId) {
          return venueFail('DG_E_VENUE_BAD_REPLY', `asked for ${clientOrderId}, got ${o.clientOrderId}`);
        }
        return venueOk({ found: true, order: { ...o, clientOrderId } });
      } catch (e) {
        return venueFail(fromCcxtError(e));
      }
    }
    for (const what of ['fetchOpenOrders', 'fetchClosedOrders'] as const) {
      const r = await this.rest(what, () => this.ex[what](own.symbol));
      if (!r.ok) return r;
      const hit = r.value.find((o) => o.clientOrderId === clientOrderId);
      if (hit) {
        try {
          return venueOk({ found: true, order: ccxtOrder(hit, own.inst, now) });
        } catch (e) {
          return venueFail(fromCcxtError(e));
        }
      }
    }
    return notFound;
  }

  async openOrders(inst?: Instrument): Promise<VenueResult<VenueOrder[]>> {
    if (this.st === 'closed') return venueFail('DG_E_VENUE_UNAVAILABLE', 'venue closed');
    const own = inst ? this.own(inst) : undefined;
    if (inst && !own) return venueFail('DG_E_UNKNOWN_INSTRUMENT', `${inst.venue}:${inst.symbol}`);
    const r = await this.rest('fetchOpenOrders', () => this.ex.fetchOpenOrders(own?.symbol));
    if (!r.ok) return r;
    const out: VenueOrder[] = [];
    try {
      for (const o of r.value) {
        const i = this.instOfCcxt(o.symbol);
        if (i) out.push(ccxtOrder(o, i, this.clock.now()));
      }
    } catch (e) {
      return venueFail(fromCcxtError(e));
    }
    return venueOk(out);
  }

  /**
   * One order's executions from REST (ccxt fetchOrderTrades; KuCoin `GET /api/v1/fills?orderId=`),
   * through the same token bucket and timeout as every REST call. One page of up to
   * ORDER_FILLS_PAGE trades: an order with more executions than that reports only the first page.
   */
  async orderFills(inst: Instrument, venueOrderId: string): Promise<VenueResult<FillEvent[]>> {
    if (this.st === 'closed') return venueFail('DG_E_VENUE_UNAVAILABLE', 'venue closed');
    const own = this.own(inst);
    if (!own) return venueFail('DG_E_UNKNOWN_INSTRUMENT', `${inst.venue}:${inst.symbol}`);
    if (this.ex.has.fetchOrderTrades !== true)
      return venueFail('DG_E_VENUE_UNSUPPORTED', `fetchOrderTrades on ${this.ex.id}`);
    const r = await this.rest('fetchOrderTrades', () =>
      this.ex.fetchOrderTrades(venueOrderId, own.symbol, undefined, ORDER_FILLS_PAGE),
    );
    if (!r.ok) return r;
    const out: FillEvent[] = [];
    try {
      for (const t of r.value) {
        const f = ccxtFill(t, own.inst, this.clock.now());
        // A venue that ignores the order filter must not charge another order's fees here.
        if (f.venueOrderId === venueOrderId) out.push(f);
      }
    } catch (e) {
      return venueFail(fromCcxtError(e));
    }
    return venueOk(out);
  }

  async balances(): Promise<VenueResult<BalanceEntry[]>> {
    const r = await this.rest('fetchBalance', () => this.ex.fetchBalance());
    if (!r.ok) return r;
    try {
      return venueOk(ccxtBalances(r.value));
    } catch (e) {
      return venueFail(fromCcxtError(e));
    }
  }
}
