/**
 * The gateway kernel (design principle 2): one per venue account, the single writer of the truth
 * about it — own orders (OrderTracker), balances and strategy sub-accounts (ledger), the shared-
 * memory balance file (S4.1) and the bus events. Every input goes the same way:
 *
 *     journal (SQLite WAL, durable before the call returns) → apply (KernelState) → publish / ack
 *
 * Start-up: connect the venue (instruments), replay the journal into a fresh state, initialise the
 * ledger from the venue's balances if the journal is new (S4.2), then reconcile with the venue:
 * every live order is asked about by client order id (answers become OrderTracker query results)
 * and the balances are compared with the ledger (drift corrected into main, in-flight fills told
 * apart). Afterwards reconciliation runs every `reconcileIntervalMs` (60 s) on the injected timers.
 */
import { systemClock, type Clock } from '../core/clock.js';
import { dgError, ErrorCounter, isDeskgateError, type DeskgateError } from '../core/errors.js';
import type { Instrument } from '../core/instrument.js';
import type { Bus } from '../bus/bus.js';
import type { CommandHandler, CommandResult } from '../bus/commands.js';
import { CurrencyBook, normaliseCurrency, scalesFromInstruments } from '../ledger/currencies.js';
import { venueSnapshotFromDecimals } from '../ledger/decimal-input.js';
import { assess, reconcileConfig } from '../ledger/reconcile.js';
import { BalancePublisher, defaultShmPath, ShmBalanceWriter } from '../ledger/shm-writer.js';
import { initReservationKey, DEFAULT_STRATEGY_COUNT } from '../ledger/sub-accounts.js';
import { CLIENT_ID_PROFILES, ClientOrderIdFactory, type ClientIdProfile } from '../oms/client-order-id.js';
import type { Journal } from '../store/journal.js';
import type { JournalKind } from '../store/journal-entry.js';
import type { Venue, VenueEvent, VenueOrderStatus } from '../venue/venue.js';
import { decimalsOf } from './amounts.js';
import {
  GATEWAY_JOURNAL_VERSION,
  truncatedPayload,
  type FillEntry,
  type InitEntry,
  type OrderEntry,
  type QueryEntry,
  type ReconcileEntry,
} from './journal-entries.js';
import { KernelState, type FillOut, type OrderOut } from './kernel-state.js';
import { balanceEvent, fillEvent, orderEvent } from './publish.js';
import { nodeGatewayTimers, type GatewayTimers } from './schedule.js';
import { GatewayCommands, requestKey } from './command-handler.js';
import { RestFees } from './rest-fees.js';

export interface GatewayKernelOptions {
  /** Gateway name: bus name, shm file name (`/dev/shm/deskgate-<name>.bal`). */
  readonly name: string;
  readonly venue: Venue;
  /** The kernel's journal (one writer: this kernel). */
  readonly journal: Journal;
  readonly clock?: Clock;
  readonly timers?: GatewayTimers;
  /** Buses the kernel publishes its events on (order, fill, balance). */
  readonly buses?: readonly Bus[];
  /** Shared-memory balance file; false = none. Default defaultShmPath(name). */
  readonly shmPath?: string | false;
  /** Currencies the shm file has room for (fixed at creation). Default 16. */
  readonly shmMaxCurrencies?: number;
  /** Strategy slots (default 8) and strategies known at first start (name → slot ≥ 2). */
  readonly strategyCount?: number;
  readonly strategies?: Readonly<Record<string, number>>;
  /** Client order id profile of the venue (default kucoin: ≤ 40 chars). */
  readonly clientIdProfile?: ClientIdProfile;
  /** Only these unified symbols are traded (default: every instrument of the venue). */
  readonly symbols?: readonly string[];
  /** Balance reconciliation period (S4.2). Default 60 000 ms. */
  readonly reconcileIntervalMs?: number;
  /** Order query sweep period (unknown orders, lagging fills). Default 1000 ms. */
  readonly queryIntervalMs?: number;
  /** Wait after a venue read before applying it, so events in transit arrive first. Default 250 ms. */
  readonly settleMs?: number;
  /** A venue fill count ahead of the tracker's for this long is resolved by a query. Default 1000 ms. */
  readonly lagMs?: number;
  /**
   * Venues whose stream has no fees (KuCoin): least time between two REST fee asks about one open,
   * partly filled order (done orders are asked at once). Default 3000 ms.
   */
  readonly feeIntervalMs?: number;
  /** OrderTracker's grace before "not found" counts (default 10 000 ms). */
  readonly notFoundGraceMs?: number;
  readonly log?: (line: string) => void;
  /** Start-up progress, for operators and tests: 'replayed' (journal applied, live orders in doubt), 'queried', 'reconciled'. */
  readonly onStartStep?: (step: 'replayed' | 'queried' | 'reconciled') => void;
}

export type KernelPhase = 'idle' | 'starting' | 'live' | 'stopped';

/** Order and fill outputs of one live input (not of replay), e.g. for the algo service's children. */
export type KernelOutputListener = (out: {
  readonly orders: readonly OrderOut[];
  readonly fills: readonly FillOut[];
}) => void;

export interface StartReport {
  readonly replayed: number;
  /** Entries whose replay outcome differed from the live one (refused now but not then, or the reverse). */
  readonly replayErrors: number;
  /** Entries refused live and again on replay (each has its `err` entry). */
  readonly refusals: number;
  readonly replayMs: number;
  readonly fresh: boolean;
  readonly epoch: number;
  readonly queried: number;
  readonly instruments: number;
}

export interface SlotText {
  readonly index: number;
  readonly name: string;
  readonly total: string;
  readonly free: string;
  readonly frozen: string;
}

/** Everything a test or an operator needs to compare with the venue. */
export interface KernelSnapshot {
  readonly balances: Record<string, SlotText[]>;
  readonly orders: {
    clientId: string;
    strategy: string;
    state: string;
    filledSize: number;
    venueOrderId: string | null;
    size: number | null;
  }[];
  readonly counters: Record<string, number>;
  readonly errors: Record<string, number>;
}

/** Clock that answers the journaled time of the entry being replayed, else the live time. */
class ReplayClock implements Clock {
  at: number | undefined;
  constructor(private readonly base: Clock) {}
  now(): number {
    return this.at ?? this.base.now();
  }
}

function queriedStatus(s: VenueOrderStatus): QueryEntry['status'] {
  switch (s) {
    case 'filled':
      return 'filled';
    case 'canceled':
      return 'canceled';
    case 'rejected':
      return 'rejected';
    default:
      return 'open';
  }
}

export class GatewayKernel {
  readonly name: string;
  readonly errors = new ErrorCounter();
  readonly state: KernelState;
  private readonly venue: Venue;
  private readonly journal: Journal;
  private readonly clock: ReplayClock;
  private readonly timers: GatewayTimers;
  private readonly buses: readonly Bus[];
  private readonly opts: GatewayKernelOptions;
  private readonly bySymbol = new Map<string, Instrument>();
  private readonly byId = new Map<number, Instrument>();
  private readonly reconcileMs: number;
  private readonly settleMs: number;
  private readonly lagMs: number;
  private ids: ClientOrderIdFactory | undefined;
  private phaseValue: KernelPhase = 'idle';
  private buffered: VenueEvent[] = [];
  private offVenue: (() => void) | undefined;
  private stopTimers: (() => void)[] = [];
  private shm: ShmBalanceWriter | undefined;
  private publisher: BalancePublisher | undefined;
  private balanceDirty = new Set<string>();
  private flushScheduled = false;
  private sweeping: Promise<number> | undefined;
  private reconciling = false;
  private readonly commands: GatewayCommands;
  /** Fees from the venue's REST fills, where its stream has none (rest-fees.ts). */
  private readonly fees: RestFees | undefined;
  private readonly outputListeners = new Set<KernelOutputListener>();
  readonly counters = {
    commands: 0,
    refused: 0,
    venueEvents: 0,
    foreignEvents: 0,
    queries: 0,
    publishErrors: 0,
    journalErrors: 0,
  };

  constructor(opts: GatewayKernelOptions) {
    this.opts = opts;
    this.name = opts.name;
    this.venue = opts.venue;
    this.journal = opts.journal;
    this.clock = new ReplayClock(opts.clock ?? systemClock);
    this.timers = opts.timers ?? nodeGatewayTimers;
    this.buses = opts.buses ?? [];
    this.reconcileMs = reconcileConfig({ intervalMs: opts.reconcileIntervalMs ?? 60_000 }).intervalMs;
    this.settleMs = opts.settleMs ?? 250;
    this.lagMs = opts.lagMs ?? 1000;
    this.state = new KernelState({
      clock: this.clock,
      errors: this.errors,
      clientIdProfile: opts.clientIdProfile ?? CLIENT_ID_PROFILES.kucoin,
      instrumentOf: (s) => this.instrument(s),
      instrumentById: (id) => this.byId.get(id),
      ...(opts.notFoundGraceMs !== undefined ? { notFoundGraceMs: opts.notFoundGraceMs } : {}),
    });
    this.commands = new GatewayCommands({
      state: this.state,
      venue: this.venue,
      journal: this.journal,
      errors: this.errors,
      counters: this.counters,
      phase: () => this.phaseValue,
      ids: () => this.ids,
      instrument: (name) => this.instrument(name),
      instrumentById: (id) => this.byId.get(id),
      record: (kind, type, payload, key) => this.record(kind, type, payload, key),
      journalError: (cmd, error, ref, raw) => this.journalError(cmd, error, ref, raw),
    });
    this.fees = RestFees.needed(this.venue)
      ? new RestFees({
          venue: this.venue,
          state: this.state,
          errors: this.errors,
          now: () => this.clock.now(),
          live: () => this.phaseValue === 'live',
          instrumentById: (id) => this.byId.get(id),
          record: (type, payload) => void this.record('evt', type, payload),
          log: (line) => this.log(`gateway ${this.name}: ${line}`),
          intervalMs: opts.feeIntervalMs ?? 3000,
        })
      : undefined;
  }

  get phase(): KernelPhase {
    return this.phaseValue;
  }

  get shmPath(): string | undefined {
    return this.shm?.path;
  }

  /** Listen to order and fill outputs as they are applied live; returns unsubscribe. Listeners must not block. */
  onOutput(listener: KernelOutputListener): () => void {
    this.outputListeners.add(listener);
    return () => this.outputListeners.delete(listener);
  }

  /**
   * The command handler to serve on a bus: `bus.serveCommands(kernel.handler)`. A request without an
   * idempotency key is journaled under its request id, so a re-delivery is recognised (command-handler.ts).
   */
  readonly handler: CommandHandler = (cmd, payload, ctx) => this.command(cmd, payload, ctx.key ?? requestKey(ctx.id));

  instrument(name: string): Instrument | undefined {
    const i = this.bySymbol.get(name) ?? this.venue.instrument(name);
    return i && this.byId.get(i.id) === i ? i : undefined;
  }

  private log(line: string): void {
    this.opts.log?.(line);
  }

  // ----- start-up ----------------------------------------------------------------------------

  async start(): Promise<{ ok: true; value: StartReport } | { ok: false; error: DeskgateError }> {
    if (this.phaseValue !== 'idle')
      return { ok: false, error: dgError('DG_E_GATEWAY_NOT_READY', `kernel is ${this.phaseValue}`) };
    this.phaseValue = 'starting';
    this.offVenue = this.venue.on((e) => this.onVenueEvent(e));
    const c = await this.venue.connect();
    if (!c.ok) {
      this.phaseValue = 'stopped';
      this.offVenue();
      return c;
    }
    for (const i of this.venue.instruments()) {
      if (this.opts.symbols && !this.opts.symbols.includes(i.symbol)) continue;
      this.bySymbol.set(i.symbol, i);
      this.bySymbol.set(i.native, i);
      this.byId.set(i.id, i);
    }

    // 1. Replay the journal: the same apply() as live, outputs discarded, venue untouched.
    const t0 = performance.now();
    let replayed = 0;
    let hadOrders = false;
    // Inputs the live process refused are followed by an `err` entry naming their seq: replay must
    // refuse exactly those (a divergence either way means the journal does not rebuild the state).
    const failed = new Set<number>();
    let divergences = 0;
    let refusals = 0;
    const issues: DeskgateError[] = [];
    for (const e of this.journal.replay(0, { onCorrupt: 'stop', onIssue: (i) => issues.push(i.error) })) {
      replayed++;
      if (e.kind === 'err') {
        const ref = (e.payload as { ref?: unknown } | null)?.ref;
        if (typeof ref === 'number') {
          if (failed.delete(ref)) refusals++;
          else divergences++;
        }
        continue;
      }
      if (e.kind !== 'cmd' && e.kind !== 'evt') continue;
      const at = (e.payload as { at?: unknown } | null)?.at;
      this.clock.at = typeof at === 'number' ? at : e.ts;
      if (e.kind === 'cmd' && e.type === 'place') hadOrders = true;
      const err = this.state.apply(e.kind, e.type, e.payload);
      if (err) failed.add(e.seq);
      this.state.takeOutputs();
    }
    const replayErrors = divergences + failed.size;
    if (replayErrors > 0) this.log(`gateway ${this.name}: replay diverged from the journal at ${replayErrors} entries`);
    this.clock.at = undefined;
    const replayMs = performance.now() - t0;
    // A damaged journal is not silently cut short: entries after the damage would be lost on every
    // later replay. Refuse to start; an operator decides (journal CLI: verify, truncate).
    if (issues.length > 0) return this.abort(issues[0]);

    // 2. First start: the ledger from the venue's balances (S4.2).
    const fresh = !this.state.initialised;
    if (fresh) {
      const init = await this.initEntry();
      if (!init.ok) return this.abort(init.error);
      const r = this.record('evt', 'init', init.value);
      if (r.error) return this.abort(r.error);
    }
    const ledger = this.state.requireLedger();
    for (const [name, slot] of Object.entries(this.opts.strategies ?? {})) {
      if (ledger.slotOf(name) === undefined) this.record('cmd', 'register', { strategy: name, index: slot });
    }
    const epoch = this.state.epoch + 1;
    this.record('evt', 'start', { epoch });
    this.ids = new ClientOrderIdFactory({ profile: this.opts.clientIdProfile ?? CLIENT_ID_PROFILES.kucoin, epoch });

    if (this.opts.shmPath !== false) {
      this.shm = ShmBalanceWriter.create(this.opts.shmPath ?? defaultShmPath(this.name), {
        slotCount: ledger.slotCount,
        maxCurrencies: Math.max(this.opts.shmMaxCurrencies ?? 16, ledger.codes().length + 4),
        exchange: this.name.slice(0, 32),
      });
      this.publisher = new BalancePublisher(ledger, this.shm, this.clock);
      this.publisher.publishIfChanged();
    }

    // 3. Events that arrived while starting, then everything live.
    const early = this.buffered;
    this.buffered = [];
    for (const e of early) this.handleVenueEvent(e);
    this.phaseValue = 'live';
    // Events were missed while the process was down: every live order is in doubt until asked.
    if (!fresh && hadOrders) this.record('evt', 'disconnect', {});
    this.opts.onStartStep?.('replayed');

    // 4. Reconcile with the venue: orders by client id, then balances.
    const queried = await this.querySweep(true);
    this.opts.onStartStep?.('queried');
    if (this.fees) {
      this.fees.adoptFromTracker();
      await this.fees.sweep(true);
    }
    await this.reconcile();
    this.opts.onStartStep?.('reconciled');
    this.stopTimers.push(this.timers.every(this.reconcileMs, () => void this.reconcile()));
    this.stopTimers.push(this.timers.every(this.opts.queryIntervalMs ?? 1000, () => void this.querySweep(false)));
    const fees = this.fees;
    if (fees) this.stopTimers.push(this.timers.every(this.opts.feeIntervalMs ?? 3000, () => void fees.sweep(false)));
    this.log(
      `gateway ${this.name}: started epoch ${epoch}, replayed ${replayed} entries in ${replayMs.toFixed(0)} ms, queried ${queried}`,
    );
    return {
      ok: true,
      value: { replayed, replayErrors, refusals, replayMs, fresh, epoch, queried, instruments: this.byId.size },
    };
  }

  private abort(error: DeskgateError): { ok: false; error: DeskgateError } {
    this.phaseValue = 'stopped';
    this.offVenue?.();
    return { ok: false, error };
  }

  private async initEntry(): Promise<{ ok: true; value: InitEntry } | { ok: false; error: DeskgateError }> {
    const t = this.clock.now();
    const b = await this.venue.balances();
    if (!b.ok) return b;
    const scales: Record<string, number> = scalesFromInstruments(this.byId.values());
    for (const e of b.value) {
      const code = normaliseCurrency(e.currency);
      if (!code) continue;
      const need = Math.min(18, Math.max(8, decimalsOf(e.free), decimalsOf(e.used)));
      scales[code] = Math.max(scales[code] ?? 0, need);
    }
    const book = new CurrencyBook(scales);
    const snap = venueSnapshotFromDecimals(
      book,
      t,
      Object.fromEntries(
        b.value.filter((e) => normaliseCurrency(e.currency)).map((e) => [e.currency, { free: e.free, used: e.used }]),
      ),
    );
    if (!snap.ok) return snap;
    return {
      ok: true,
      value: {
        version: GATEWAY_JOURNAL_VERSION,
        scales,
        balances: snap.value.balances.map((x) => ({
          currency: x.currency,
          free: x.free.toString(),
          frozen: x.frozen.toString(),
        })),
        strategies: { ...(this.opts.strategies ?? {}) },
        strategyCount: this.opts.strategyCount ?? DEFAULT_STRATEGY_COUNT,
        ts: t,
      },
    };
  }

  async stop(): Promise<void> {
    if (this.phaseValue === 'stopped') return;
    this.phaseValue = 'stopped';
    for (const s of this.stopTimers) s();
    this.stopTimers = [];
    this.offVenue?.();
    this.flushBalances();
    this.shm?.close();
  }

  // ----- journal → apply → publish -----------------------------------------------------------

  /** Journal one input, apply it, publish its outputs. An input the state refuses gets an `err` entry. */
  private record(
    kind: JournalKind,
    type: string,
    payload: unknown,
    key?: string,
  ): { seq: number; error: DeskgateError | undefined } {
    // The kernel's time of this input travels with it (`at`), so replay applies it at the same
    // instant (the OMS's not-found grace, order timestamps) whatever clock the journal keeps.
    const at = this.clock.now();
    const entry =
      typeof payload === 'object' && payload !== null && !Array.isArray(payload) ? { ...payload, at } : payload;
    let seq: number;
    try {
      seq = this.journal.append({ kind, type, payload: entry, ...(key !== undefined ? { key } : {}) });
    } catch (e) {
      this.counters.journalErrors++;
      const err = isDeskgateError(e) ? e : dgError('DG_E_STORE', 'journal append failed');
      this.errors.record(err);
      return { seq: 0, error: err };
    }
    this.clock.at = at;
    const error = this.state.apply(kind, type, entry);
    this.clock.at = undefined;
    if (error) {
      this.errors.record(error);
      this.journalError(type, error, seq);
    }
    this.flush();
    return { seq, error };
  }

  private journalError(cmd: string, error: DeskgateError, ref?: number, raw?: unknown): void {
    try {
      this.journal.append({
        kind: 'err',
        type: cmd.slice(0, 64) || 'unknown',
        payload: {
          cmd: cmd.slice(0, 64),
          code: error.code,
          message: error.message,
          ...(ref !== undefined ? { ref } : {}),
          ...(raw !== undefined ? { payload: truncatedPayload(raw) } : {}),
        },
      });
    } catch {
      this.counters.journalErrors++;
    }
  }

  private flush(): void {
    const out = this.state.takeOutputs();
    const book = this.state.currencies;
    for (const o of out.orders) this.publish(orderEvent(o, this.byId.get(o.order.instrument), book));
    for (const f of out.fills) this.publish(fillEvent(f, book));
    if (this.outputListeners.size > 0 && (out.orders.length > 0 || out.fills.length > 0)) {
      for (const l of this.outputListeners) {
        try {
          l(out);
        } catch (e) {
          this.errors.record(isDeskgateError(e) ? e : dgError('DG_E_INTERNAL', 'output listener threw'));
        }
      }
    }
    if (this.fees) {
      for (const f of out.fills) this.fees.touched(f.fill.clientId);
      for (const o of out.orders) if (o.order.filledSize > 0) this.fees.touched(o.order.clientId);
    }
    for (const c of out.currencies) this.balanceDirty.add(c);
    if (out.currencies.size > 0 && !this.flushScheduled) {
      this.flushScheduled = true;
      setImmediate(() => this.flushBalances());
    }
  }

  /** Once per event-loop turn: the shm file (S4.1) and one balance event per touched currency. */
  private flushBalances(): void {
    this.flushScheduled = false;
    const pub = this.publisher?.publishIfChanged();
    if (pub && !pub.ok) this.errors.record(pub.error);
    const ledger = this.state.ledger;
    if (!ledger) return;
    for (const c of this.balanceDirty) {
      const e = balanceEvent(ledger, c);
      if (e) this.publish(e);
    }
    this.balanceDirty.clear();
  }

  private publish(e: Parameters<Bus['publish']>[0]): void {
    for (const b of this.buses) {
      b.publish(e).catch(() => {
        this.counters.publishErrors++;
      });
    }
  }

  // ----- venue events ------------------------------------------------------------------------

  private onVenueEvent(e: VenueEvent): void {
    if (this.phaseValue === 'starting') {
      this.buffered.push(e);
      return;
    }
    if (this.phaseValue !== 'live') return;
    this.handleVenueEvent(e);
  }

  private handleVenueEvent(e: VenueEvent): void {
    this.counters.venueEvents++;
    const tracker = this.state.tracker;
    switch (e.type) {
      case 'order': {
        const cid = e.order.clientOrderId;
        if (cid === undefined || !tracker.get(cid)) {
          this.counters.foreignEvents++;
          return;
        }
        const entry: OrderEntry = {
          clientId: cid,
          venueOrderId: e.order.venueOrderId,
          status: e.order.status,
          filledSize: e.order.filledSize,
          ts: e.order.ts,
        };
        this.record('evt', 'order', entry);
        return;
      }
      case 'fill': {
        const cid = e.clientOrderId ?? tracker.getByVenueId(e.venueOrderId)?.clientId;
        if (cid === undefined || !tracker.get(cid)) {
          this.counters.foreignEvents++;
          return;
        }
        let fee = 0n;
        let feeCurrency = e.instrument.quote.toUpperCase();
        if (e.fee) {
          const code = normaliseCurrency(e.fee.currency);
          if (code) {
            if (!this.state.currencies.get(code)) this.record('evt', 'currency', { code, scale: 18 });
            const u = this.state.currencies.toUnits(code, e.fee.amount);
            if (u.ok) {
              fee = u.value;
              feeCurrency = code;
            } else this.errors.record(u.error);
          }
        }
        const entry: FillEntry = {
          clientId: cid,
          venueOrderId: e.venueOrderId,
          tradeId: e.tradeId,
          price: e.price,
          size: e.size,
          fee: fee.toString(),
          feeCurrency,
          ...(e.liquidity ? { liquidity: e.liquidity } : {}),
          ts: e.ts,
        };
        this.record('evt', 'fill', entry);
        return;
      }
      case 'connection':
        if (e.state === 'disconnected') this.record('evt', 'disconnect', { reason: e.reason ?? '' });
        else if (e.state === 'connected') void this.querySweep(true);
        return;
      case 'error':
        this.errors.record(e.error);
        return;
      default:
        return; // balance and book events: the ledger follows fills; reconciliation reads balances
    }
  }

  // ----- queries by client order id (unknown orders, fills in doubt) -------------------------

  /** Ask the venue about orders in doubt; `all` = every unknown and lagging order now. */
  async querySweep(all: boolean): Promise<number> {
    if (this.phaseValue !== 'live') return 0;
    if (this.sweeping) {
      if (!all) return 0;
      const n = await this.sweeping; // let the running sweep finish, then sweep everything again
      return n + (await this.querySweep(true));
    }
    const run = this.sweepOnce(all);
    this.sweeping = run;
    try {
      return await run;
    } finally {
      this.sweeping = undefined;
    }
  }

  private async sweepOnce(all: boolean): Promise<number> {
    let n = 0;
    {
      for (let round = 0; round < 5; round++) {
        const now = this.clock.now();
        const ids = new Set(this.state.tracker.needsQuery());
        for (const [cid, lag] of this.state.lagging) if (all || now - lag.since >= this.lagMs) ids.add(cid);
        if (ids.size === 0) break;
        for (const cid of ids) {
          if (this.phaseValue !== 'live') break;
          await this.queryOne(cid);
          n++;
        }
        if (!all) break;
      }
    }
    return n;
  }

  private async queryOne(cid: string): Promise<void> {
    const view = this.state.tracker.get(cid);
    const inst = view ? this.byId.get(view.instrument) : undefined;
    if (!view || !inst) return;
    this.counters.queries++;
    const tSend = this.clock.now();
    const a = await this.venue.queryOrder(inst, cid);
    if (!a.ok) {
      this.errors.record(a.error);
      return;
    }
    await this.timers.after(this.settleMs);
    const now = this.state.tracker.get(cid);
    if (!now || this.phaseValue !== 'live') return;
    let entry: QueryEntry;
    if (!a.value.found) entry = { clientId: cid, found: false };
    else {
      const o = a.value.order;
      if (o.filledSize < now.filledSize) return; // an older picture than the feed's: ask again later
      const missing = o.filledSize - now.filledSize;
      const price = o.price ?? now.price;
      if (missing > 0 && price === undefined) {
        this.errors.record(
          dgError('DG_E_OMS_CONTRADICTION', `${cid}: ${missing} lots missing and no price to value them`),
        );
        return;
      }
      // The Venue reports filled lots but not the filled notional: missing lots are valued at the
      // order's limit price (exact for maker fills; see docs/gateway.md, "limits").
      entry = {
        clientId: cid,
        found: true,
        venueOrderId: o.venueOrderId,
        status: queriedStatus(o.status),
        filledSize: o.filledSize,
        filledNotional: (now.filledNotional + BigInt(price ?? 0) * BigInt(missing)).toString(),
        asOf: Math.max(o.ts, tSend),
      };
    }
    this.record('evt', 'query', entry);
  }

  // ----- reconciliation (S4.2) ---------------------------------------------------------------

  /** Compare the ledger with the venue's balances; correct real drift into main. */
  async reconcile(): Promise<ReconcileEntry | undefined> {
    if (this.reconciling || this.phaseValue !== 'live') return undefined;
    this.reconciling = true;
    try {
      // Fees the venue has taken but the ledger has not booked yet would read as drift (into main).
      await this.fees?.sweep(true);
      if (this.phaseValue !== 'live') return undefined;
      const t0 = this.clock.now();
      const b = await this.venue.balances();
      if (!b.ok) {
        this.errors.record(b.error);
        return undefined;
      }
      const open = await this.venue.openOrders();
      await this.timers.after(this.settleMs);
      // Fees of fills up to the balance read, booked now, count as in flight by execution time.
      await this.fees?.sweep(true);
      if (this.phaseValue !== 'live') return undefined;
      for (const e of b.value) {
        const code = normaliseCurrency(e.currency);
        if (code && !this.state.currencies.get(code)) {
          this.record('evt', 'currency', {
            code,
            scale: Math.min(18, Math.max(8, decimalsOf(e.free), decimalsOf(e.used))),
          });
        }
      }
      const snap = venueSnapshotFromDecimals(
        this.state.currencies,
        t0,
        Object.fromEntries(
          b.value.filter((e) => normaliseCurrency(e.currency)).map((e) => [e.currency, { free: e.free, used: e.used }]),
        ),
      );
      if (!snap.ok) {
        this.errors.record(snap.error);
        return undefined;
      }
      const ledger = this.state.requireLedger();
      const inFlight = this.state.recentFills.filter((f) => f.at >= t0).map((f) => f.fill);
      const records = assess(ledger, snap.value, inFlight);
      const entry: ReconcileEntry = {
        venueTs: t0,
        records: records.map((r) => ({
          currency: r.currency,
          verdict: r.verdict,
          local: r.local.toString(),
          venue: r.venue.toString(),
          inFlightFills: r.inFlightFills,
          drift: r.drift.toString(),
        })),
        corrections: records
          .filter((r) => r.verdict === 'drift')
          .map((r) => ({ currency: r.currency, drift: r.drift.toString() })),
      };
      this.record('evt', 'reconcile', entry);
      if (entry.corrections.length > 0)
        this.log(`gateway ${this.name}: drift corrected ${JSON.stringify(entry.corrections)}`);
      this.state.pruneRecentFills(this.clock.now() - 10 * 60_000);
      if (open.ok) {
        const tracker = this.state.tracker;
        const foreign = open.value.some((o) => o.clientOrderId === undefined || !tracker.get(o.clientOrderId));
        const held = ledger.codes().filter((c) => ledger.reservation(initReservationKey(c)));
        if (!foreign && held.length > 0) this.record('evt', 'release-init', { currencies: held });
        // Orders we think are live that the venue no longer lists: ask about them.
        const listed = new Set(open.value.map((o) => o.clientOrderId));
        for (const s of tracker.strategies()) {
          for (const v of tracker.openOrders(s)) {
            if (!listed.has(v.clientId) && v.createdAt < t0 && !this.state.lagging.has(v.clientId)) {
              this.state.lagging.set(v.clientId, { venueFilled: Number.MAX_SAFE_INTEGER, since: 0 });
            }
          }
        }
      }
      return entry;
    } finally {
      this.reconciling = false;
    }
  }

  // ----- commands (command-handler.ts) -------------------------------------------------------

  /** Handle one strategy command (S4.4, S4.6). Errors are values with stable codes. */
  command(cmd: string, raw: unknown, key?: string): Promise<CommandResult> {
    return this.commands.run(cmd, raw, key);
  }

  /** Balances of every slot, every tracked order, counters: for tests and operators. */
  snapshot(): KernelSnapshot {
    const ledger = this.state.requireLedger();
    const names = ledger.slotNames();
    const balances: Record<string, SlotText[]> = {};
    for (const code of ledger.codes()) {
      const rows: SlotText[] = [];
      for (let i = 0; i < ledger.slotCount; i++) {
        const b = ledger.slot(code, i);
        if (!b) continue;
        const f = (u: bigint) => ledger.currencies.format(code, u);
        rows.push({ index: i, name: names[i], total: f(b.total), free: f(b.free), frozen: f(b.frozen) });
      }
      balances[code] = rows;
    }
    const tracker = this.state.tracker;
    const orders: KernelSnapshot['orders'] = [];
    for (const s of tracker.strategies()) {
      for (const v of [...tracker.openOrders(s), ...tracker.closedOrders(s)]) {
        orders.push({
          clientId: v.clientId,
          strategy: v.strategy,
          state: v.state,
          filledSize: v.filledSize,
          venueOrderId: v.venueOrderId ?? null,
          size: v.size ?? null,
        });
      }
    }
    return {
      balances,
      orders,
      counters: {
        ...this.counters,
        ...this.state.counters,
        lagging: this.state.lagging.size,
        feesWatching: this.fees?.watching ?? 0,
        ...(this.fees
          ? {
              feeAsks: this.fees.counters.asks,
              feeAskErrors: this.fees.counters.askErrors,
              feeGaveUp: this.fees.counters.gaveUp,
            }
          : {}),
        unknown: tracker.needsQuery().length,
      },
      errors: this.errors.toJSON(),
    };
  }
}
