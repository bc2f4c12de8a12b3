/**
 * The gateway's execution-algorithm service (issue #6 item 3; docs/algo-service.md): one per gateway.
 *
 *   start(raw) ─ validate (zod, instrument, strategy slot, funds) → journal `start` → AlgoRunner
 *                (a known client key `clientAlgoId` returns its parent instead: start-key.ts)
 *   timers     ─ every tickMs: step each running parent that is due → journal its snapshot → events
 *   kernel     ─ order/fill outputs of children (parent number in the client id) → runner
 *   open()     ─ replay the service journal, rebuild each runner from its last snapshot with the
 *                kernel's OrderTracker as the truth about children, resume or cancel per config,
 *                cancel every open child no live parent owns
 *
 * Children are ordinary kernel commands of the algo's strategy (KernelExecutor): they reserve from
 * its slot, are journaled by the kernel and survive a restart in its OrderTracker. The service's own
 * journal only holds the parents (algo-store.ts).
 *
 * One operation at a time per parent (a step, pause, resume, cancel): they are chained, so a pause
 * never interleaves with a round that is placing children.
 */
import { systemClock, type Clock } from '../../core/clock.js';
import { dgError, isDeskgateError, type DeskgateError } from '../../core/errors.js';
import type { Instrument } from '../../core/instrument.js';
import type { GatewayPort } from '../../api/gateway-port.js';
import type { KernelOutputListener } from '../../gateway/kernel.js';
import { nodeGatewayTimers, type GatewayTimers } from '../../gateway/schedule.js';
import type { CurrencyBook } from '../../ledger/currencies.js';
import type { SubAccounts } from '../../ledger/sub-accounts.js';
import { CLIENT_ID_PROFILES, type ClientIdProfile } from '../../oms/client-order-id.js';
import { isTerminal } from '../../oms/order-states.js';
import type { Journal } from '../../store/journal.js';
import { AlgoRunner, type RunnerSnapshot, type RunnerStatus } from '../runner.js';
import { computeTca, type TcaReport } from '../tca.js';
import { execFail, type ChildPlacement, type ExecResult } from '../types.js';
import { AlgoStore, type ParentRecord, type StoredRequest } from './algo-store.js';
import {
  childFillOf,
  childUpdateOf,
  parentOf,
  reconcileSnapshot,
  trackedChildren,
  type TrackerReads,
} from './child-sync.js';
import { KernelExecutor, type CommandSink } from './kernel-executor.js';
import { MarketTape, TRADE_WINDOW } from './market-tape.js';
import { PortMarketSource } from './port-market-source.js';
import { checkFunds, specOf, type Commitment } from './start-checks.js';
import { pickClientAlgoId, startDifference } from './start-key.js';
import { parseStartRequest, type StartRequest } from './start-request.js';
import { algoView, type AlgoView } from './status-view.js';

/** The journaled form of a start request (decimal strings as given; endAt / duration / seed when given). */
function storedRequest(req: StartRequest, strategy: string, symbol: string): StoredRequest {
  return {
    strategy,
    symbol,
    side: req.side,
    size: req.size,
    mode: req.mode,
    params: req.params,
    ...(req.endAt !== undefined ? { endAt: req.endAt } : {}),
    ...(req.durationMs !== undefined ? { durationMs: req.durationMs } : {}),
    ...(req.seed !== undefined ? { seed: req.seed } : {}),
  };
}

/** What the service needs of the kernel (GatewayKernel satisfies it). */
export interface AlgoKernel extends CommandSink {
  readonly phase: string;
  instrument(name: string): Instrument | undefined;
  onOutput(listener: KernelOutputListener): () => void;
  readonly state: {
    readonly tracker: TrackerReads;
    readonly currencies: CurrencyBook;
    requireLedger(): SubAccounts;
  };
}

export type OnRestart = 'resume' | 'cancel';

export interface AlgoServiceOptions {
  readonly kernel: AlgoKernel;
  /** Market reads (books, candles) and venue connection events: the gateway's port. */
  readonly port: GatewayPort;
  /** The service's own journal (`<dataDir>/<gateway>-algos.db`). */
  readonly journal: Journal;
  readonly clock?: Clock;
  readonly timers?: GatewayTimers;
  /** Ledger strategy that funds algos when a start request names none (default "algo"). */
  readonly strategy?: string;
  /** What a parent that was live when the process stopped does at open(): default 'resume'. */
  readonly onRestart?: OnRestart;
  /** How often due parents are looked for (default 250 ms). */
  readonly tickMs?: number;
  /** How often open children that no live parent owns are looked for (default 5000 ms). */
  readonly sweepMs?: number;
  /** Funds check of a buy: size × best ask × (1 + this) must be free in the slot (default 0.10). */
  readonly buyCapPct?: number;
  /** The kernel's client order id profile (default kucoin, as the kernel's). */
  readonly clientIdProfile?: ClientIdProfile;
  readonly log?: (line: string) => void;
}

export type AlgoEvent =
  | { readonly type: 'progress'; readonly id: number; readonly view: AlgoView }
  | { readonly type: 'status'; readonly id: number; readonly status: RunnerStatus; readonly view: AlgoView };

export type AlgoListener = (e: AlgoEvent) => void;

export interface StartOptions {
  /** The REST `Idempotency-Key` header: the same key as body `clientAlgoId` (either, or both equal). */
  readonly idempotencyKey?: string;
}

/** What a start did: started a parent (`created`), or found the one its client key had started. */
export interface StartOutcome {
  readonly view: AlgoView;
  readonly created: boolean;
}

export interface OpenReport {
  /** Journal entries replayed. */
  readonly entries: number;
  readonly parents: number;
  /** Parents left running / paused / cancelled by the restart rule. */
  readonly resumed: number;
  readonly paused: number;
  readonly cancelled: number;
  /** Children found in the tracker that the last snapshot did not list. */
  readonly adopted: number;
  /** Open children without a live parent, cancelled. */
  readonly orphans: number;
  /** Parents whose instrument the gateway no longer lists (left as they were). */
  readonly stranded: readonly number[];
}

interface Live {
  readonly rec: ParentRecord;
  readonly inst: Instrument;
  runner: AlgoRunner;
  readonly market: PortMarketSource;
  /** Market samples for the TCA. */
  readonly tape: MarketTape;
  /** Tail of this parent's operation chain. */
  chain: Promise<void>;
  stepping: boolean;
  status: RunnerStatus;
}

const LIVE: ReadonlySet<RunnerStatus> = new Set<RunnerStatus>(['running', 'paused']);

export class AlgoService {
  private readonly kernel: AlgoKernel;
  private readonly port: GatewayPort;
  private readonly clock: Clock;
  private readonly timers: GatewayTimers;
  private readonly store: AlgoStore;
  private readonly profile: ClientIdProfile;
  /** options.buyCapPct with its default: the market buy child cap and the funds check use the same. */
  private readonly buyCapPct: number;
  readonly strategy: string;
  readonly onRestart: OnRestart;
  private readonly parents = new Map<number, Live>();
  private readonly listeners = new Set<AlgoListener>();
  private readonly cancelling = new Set<string>();
  private offs: (() => void)[] = [];
  private opened = false;
  private ticking = false;
  private starting: Promise<void> = Promise.resolve();
  private lastSweep = 0;
  readonly counters = { rounds: 0, stepErrors: 0, journalErrors: 0, orphanCancels: 0, listenerErrors: 0 };

  constructor(private readonly o: AlgoServiceOptions) {
    this.kernel = o.kernel;
    this.port = o.port;
    this.clock = o.clock ?? systemClock;
    this.timers = o.timers ?? nodeGatewayTimers;
    this.store = new AlgoStore(o.journal);
    this.profile = o.clientIdProfile ?? CLIENT_ID_PROFILES.kucoin;
    this.buyCapPct = o.buyCapPct ?? 0.1;
    this.strategy = o.strategy ?? 'algo';
    this.onRestart = o.onRestart ?? 'resume';
  }

  get journalFile(): string {
    return this.store.file;
  }

  private log(line: string): void {
    this.o.log?.(line);
  }

  // ----- lifecycle -----------------------------------------------------------------------------

  /**
   * Replay the journal and reconcile with the kernel (which must be live: its OrderTracker is the
   * truth about children), then start the timers.
   */
  async open(): Promise<ExecResult<OpenReport>> {
    if (this.opened) return execFail(dgError('DG_E_ALGO_BAD_TRANSITION', 'algo service already open'));
    if (this.kernel.phase !== 'live')
      return execFail(dgError('DG_E_GATEWAY_NOT_READY', `kernel is ${this.kernel.phase}`));
    let entries: number;
    try {
      entries = this.store.load().entries;
    } catch (e) {
      return execFail(isDeskgateError(e) ? e : dgError('DG_E_STORE', 'algo journal replay failed'));
    }
    const tracker = this.kernel.state.tracker;
    // A parent number the kernel has seen in a client id is never handed out again (e.g. when the
    // algo journal was replaced but the kernel's was not).
    for (const s of this.strategies()) {
      for (const v of [...tracker.openOrders(s), ...tracker.closedOrders(s)]) {
        const p = parentOf(this.profile, v.clientId);
        if (p !== undefined) this.store.reserveAbove(p);
      }
    }
    // Rebuild every runner synchronously (no output can slip in between), then listen.
    let adopted = 0;
    const stranded: number[] = [];
    for (const rec of this.store.parents.values()) {
      const inst = this.kernel.instrument(rec.symbol);
      if (!inst) {
        stranded.push(rec.id);
        this.log(`algo ${rec.id}: ${rec.symbol} is no longer listed; left as it was`);
        continue;
      }
      const r = this.rebuild(rec, inst);
      adopted += r.adopted;
    }
    this.offs.push(this.kernel.onOutput(this.onKernelOutput));
    this.offs.push(
      this.port.on((e) => {
        if (e.type === 'connection' && e.state === 'disconnected')
          this.pauseAll(`venue disconnected${e.reason ? `: ${e.reason}` : ''}`);
      }),
    );
    this.opened = true;
    let resumed = 0;
    let paused = 0;
    let cancelled = 0;
    for (const l of this.parents.values()) {
      if (!LIVE.has(l.runner.status)) continue;
      if (this.onRestart === 'cancel') {
        await this.exclusive(l, () => l.runner.cancel('gateway restarted (algos.onRestart is cancel)'));
        cancelled++;
      } else if (l.runner.status === 'running') resumed++;
      else paused++;
      this.persist(l);
    }
    const orphans = await this.sweepOrphans();
    this.lastSweep = this.clock.now();
    this.offs.push(this.timers.every(this.o.tickMs ?? 250, () => void this.tick()));
    const report: OpenReport = {
      entries,
      parents: this.parents.size,
      resumed,
      paused,
      cancelled,
      adopted,
      orphans,
      stranded,
    };
    if (entries > 0 || orphans > 0) this.log(`algo service: ${JSON.stringify(report)}`);
    return { ok: true, value: report };
  }

  /** Stop the timers and listeners. Children stay at the venue (open() picks them up) unless `cancelAll`. */
  async close(opts: { cancelAll?: boolean } = {}): Promise<void> {
    if (!this.opened) return;
    if (opts.cancelAll) {
      for (const l of this.parents.values()) {
        if (LIVE.has(l.runner.status)) await this.cancel(l.rec.id, 'gateway shutting down');
      }
    }
    this.opened = false;
    for (const off of this.offs.splice(0)) off();
    await Promise.all([...this.parents.values()].map((l) => l.chain));
  }

  on(listener: AlgoListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  // ----- start ---------------------------------------------------------------------------------

  /** submit() without the outcome flag: the parent's status view (new or found by its client key). */
  async start(raw: unknown, opts: StartOptions = {}): Promise<ExecResult<AlgoView>> {
    const r = await this.submit(raw, opts);
    return r.ok ? { ok: true, value: r.value.view } : r;
  }

  /**
   * Validate and start one parent, or, when its client key (`clientAlgoId` / `opts.idempotencyKey`)
   * already started one on this service's journal, return that parent (`created: false`) if the
   * request is the same, DG_E_ALGO_KEY_CONFLICT if not. Starts run one at a time, so two requests
   * cannot both count on the same free funds, and two with one key cannot both start.
   */
  submit(raw: unknown, opts: StartOptions = {}): Promise<ExecResult<StartOutcome>> {
    const run = this.starting.then(() => this.startOne(raw, opts));
    this.starting = run.then(
      () => undefined,
      () => undefined,
    );
    return run;
  }

  private async startOne(raw: unknown, opts: StartOptions): Promise<ExecResult<StartOutcome>> {
    if (!this.opened) return execFail(dgError('DG_E_GATEWAY_NOT_READY', 'algo service is not open'));
    const parsed = parseStartRequest(raw);
    if (!parsed.ok) return parsed;
    const req = parsed.value;
    const key = pickClientAlgoId(req.clientAlgoId, opts.idempotencyKey);
    if (!key.ok) return key;
    const clientAlgoId = key.value;
    const strategy = req.strategy ?? this.strategy;
    // A known key answers from the journal, before any check that the first start changed the
    // outcome of (its funds are committed, its end may have passed).
    const prior = clientAlgoId === undefined ? undefined : this.store.byKey(clientAlgoId);
    if (prior) return this.replay(prior, req, strategy);
    if (this.kernel.phase !== 'live')
      return execFail(dgError('DG_E_GATEWAY_NOT_READY', `kernel is ${this.kernel.phase}`));
    const ledger = this.kernel.state.requireLedger();
    const slot = ledger.slotOf(strategy);
    if (slot === undefined || slot < 2)
      return execFail(dgError('DG_E_GATEWAY_UNKNOWN_STRATEGY', `${strategy} (no ledger slot funds it)`));
    const inst = this.resolve(req.symbol);
    if (!inst) return execFail(dgError('DG_E_UNKNOWN_INSTRUMENT', req.symbol));
    const now = this.clock.now();
    const spec = specOf(req, inst, now);
    if (!spec.ok) return spec;
    const market = new PortMarketSource({ port: this.port, symbol: inst.symbol, clock: this.clock });
    const snap = await market.snapshot();
    if (!snap.ok) return snap;
    const others: Commitment[] = [];
    for (const o of this.parents.values()) {
      if (o.rec.strategy !== strategy || !LIVE.has(o.runner.status)) continue;
      others.push({
        inst: o.inst,
        spec: o.rec.spec,
        snapshot: o.runner.snapshot(),
        bestAsk: o.market.last?.asks[0]?.[0],
      });
    }
    const funds = checkFunds({
      ledger,
      book: this.kernel.state.currencies,
      strategy,
      slot,
      inst,
      spec: spec.value,
      bestAsk: snap.value.asks[0]?.[0],
      capPct: this.buyCapPct,
      others,
    });
    if (funds) return execFail(funds);

    const request = storedRequest(req, strategy, inst.symbol);
    let rec: ParentRecord;
    try {
      rec = this.store.start({
        strategy,
        symbol: inst.symbol,
        request,
        spec: spec.value,
        createdAt: now,
        ...(clientAlgoId !== undefined ? { clientAlgoId } : {}),
      });
    } catch (e) {
      if (isDeskgateError(e) && e.code === 'DG_E_JOURNAL_DUPLICATE_KEY')
        return execFail(dgError('DG_E_ALGO_KEY_CONFLICT', `clientAlgoId ${clientAlgoId} is already in the journal`));
      this.counters.journalErrors++;
      return execFail(isDeskgateError(e) ? e : dgError('DG_E_STORE', 'algo journal append failed'));
    }
    const l = this.makeLive(rec, inst, market, undefined);
    l.tape.arrival(snap.value);
    this.parents.set(rec.id, l);
    this.persist(l, true);
    this.log(
      `algo ${rec.id}: ${spec.value.params.mode} ${req.side} ${req.size} ${inst.symbol} for ${strategy}, ends ${new Date(spec.value.endAt).toISOString()}` +
        (clientAlgoId !== undefined ? `, clientAlgoId ${clientAlgoId}` : ''),
    );
    return { ok: true, value: { view: this.viewOf(l), created: true } };
  }

  /** A start whose client key is known: the same request gets its parent, another one a conflict. */
  private replay(prior: ParentRecord, req: StartRequest, strategy: string): ExecResult<StartOutcome> {
    const key = prior.clientAlgoId ?? '';
    const symbol = this.resolve(req.symbol)?.symbol ?? req.symbol;
    const differs = startDifference(prior.request, storedRequest(req, strategy, symbol));
    if (differs !== undefined)
      return execFail(
        dgError(
          'DG_E_ALGO_KEY_CONFLICT',
          `clientAlgoId ${key} started algo ${prior.id}; this request's ${differs} differs`,
        ),
      );
    const l = this.parents.get(prior.id);
    if (!l)
      return execFail(
        dgError(
          'DG_E_ALGO_KEY_CONFLICT',
          `clientAlgoId ${key} started algo ${prior.id}, whose ${prior.symbol} is no longer listed`,
        ),
      );
    return { ok: true, value: { view: this.viewOf(l), created: false } };
  }

  private resolve(symbol: string): Instrument | undefined {
    const viaPort = this.port.instrument(symbol);
    return this.kernel.instrument(viaPort?.symbol ?? symbol);
  }

  // ----- control -------------------------------------------------------------------------------

  async pause(id: number, reason = 'paused by operator'): Promise<ExecResult<AlgoView>> {
    return this.control(id, 'pause', ['running'], reason, (l) => l.runner.pause(reason));
  }

  async resume(id: number): Promise<ExecResult<AlgoView>> {
    return this.control(id, 'resume', ['paused'], 'resumed by operator', async (l) => l.runner.resume());
  }

  async cancel(id: number, reason = 'cancelled by operator'): Promise<ExecResult<AlgoView>> {
    return this.control(id, 'cancel', ['running', 'paused'], reason, (l) => l.runner.cancel(reason));
  }

  private async control(
    id: number,
    action: 'pause' | 'resume' | 'cancel',
    from: readonly RunnerStatus[],
    reason: string,
    run: (l: Live) => Promise<void>,
  ): Promise<ExecResult<AlgoView>> {
    const l = this.parents.get(id);
    if (!l) return execFail(dgError('DG_E_ALGO_UNKNOWN', String(id)));
    let refused: DeskgateError | undefined;
    await this.exclusive(l, async () => {
      if (!from.includes(l.runner.status)) {
        refused = dgError(
          'DG_E_ALGO_BAD_TRANSITION',
          `algo ${id} is ${l.runner.status}; ${action} needs ${from.join(' or ')}`,
        );
        return;
      }
      try {
        this.store.control(id, action, reason);
      } catch {
        this.counters.journalErrors++;
      }
      await run(l);
      this.syncChildren(l);
      this.persist(l);
    });
    if (refused) return execFail(refused);
    return { ok: true, value: this.viewOf(l) };
  }

  private pauseAll(reason: string): void {
    for (const l of this.parents.values()) {
      if (l.runner.status !== 'running') continue;
      void this.exclusive(l, async () => {
        if (l.runner.status !== 'running') return;
        await l.runner.pause(reason);
        this.syncChildren(l);
        this.persist(l);
      });
    }
  }

  // ----- reads ---------------------------------------------------------------------------------

  /** One parent's status view, with its transaction-cost analysis (to date while it runs). */
  status(id: number): ExecResult<AlgoView> {
    const l = this.parents.get(id);
    if (!l) return execFail(dgError('DG_E_ALGO_UNKNOWN', String(id)));
    return { ok: true, value: { ...this.viewOf(l), tca: this.tcaOf(l) } };
  }

  /**
   * src/algo/tca.ts over the parent's children and fills and the market tape. The interval is the
   * schedule's [startAt, endAt]; while the parent runs, the last mid sample stands for the end mid.
   */
  private tcaOf(l: Live): TcaReport | null {
    const t = l.tape.data;
    if (t.arrivalMid === undefined) return null;
    const snap = l.runner.snapshot();
    const spec = l.rec.spec;
    const endMid = [...t.mids].reverse().find((m) => m.ts <= spec.endAt)?.mid ?? t.arrivalMid;
    // Done 'below-minimum': the remainder no child could be placed for is reported apart, not as a
    // shortfall (capped by what the fills leave unfilled, should the two totals ever differ).
    let fillLots = 0;
    for (const f of snap.fills) fillLots += f.size;
    const unfillable = Math.min(snap.remainder ?? 0, Math.max(0, spec.size - fillLots));
    const r = computeTca({
      side: spec.side,
      size: spec.size,
      startAt: spec.startAt,
      endAt: spec.endAt,
      arrivalMid: t.arrivalMid,
      endMid,
      mids: t.mids,
      trades: t.trades,
      children: snap.children,
      fills: snap.fills,
      tickSize: l.inst.tickSize,
      lotSize: l.inst.lotSize,
      ...(unfillable > 0 ? { unfillable } : {}),
    });
    return r.ok ? r.value : null;
  }

  /** Every parent, oldest first; with `filter.clientAlgoId`, the one its client key started (if any). */
  list(filter: { clientAlgoId?: string } = {}): AlgoView[] {
    let live = [...this.parents.values()];
    if (filter.clientAlgoId !== undefined) live = live.filter((l) => l.rec.clientAlgoId === filter.clientAlgoId);
    return live.sort((a, b) => a.rec.id - b.rec.id).map((l) => this.viewOf(l));
  }

  /** The runner snapshot of a parent (TCA, tests). */
  snapshot(id: number): RunnerSnapshot | undefined {
    return this.parents.get(id)?.runner.snapshot();
  }

  /** `snap`: a snapshot already taken (a snapshot deep-copies every fill; persist() has one). */
  private viewOf(l: Live, snap: RunnerSnapshot = l.runner.snapshot()): AlgoView {
    return algoView({
      id: l.rec.id,
      strategy: l.rec.strategy,
      clientAlgoId: l.rec.clientAlgoId,
      inst: l.inst,
      spec: l.rec.spec,
      createdAt: l.rec.createdAt,
      snapshot: snap,
      now: this.clock.now(),
    });
  }

  // ----- rounds --------------------------------------------------------------------------------

  private async tick(): Promise<void> {
    if (this.ticking || !this.opened) return;
    this.ticking = true;
    try {
      await this.runDue();
      if (this.clock.now() - this.lastSweep >= (this.o.sweepMs ?? 5000)) {
        this.lastSweep = this.clock.now();
        await this.sweepOrphans();
      }
    } finally {
      this.ticking = false;
    }
  }

  /** Step every running parent whose next round is due; resolves when their rounds are done. */
  async runDue(): Promise<number> {
    if (!this.opened) return 0;
    const now = this.clock.now();
    const due = [...this.parents.values()].filter(
      (l) => !l.stepping && l.runner.status === 'running' && now >= l.runner.nextAt,
    );
    await Promise.all(due.map((l) => this.stepOne(l)));
    return due.length;
  }

  private async stepOne(l: Live): Promise<void> {
    l.stepping = true;
    try {
      await this.exclusive(l, async () => {
        if (l.runner.status !== 'running') return;
        try {
          await l.runner.step();
          this.counters.rounds++;
        } catch (e) {
          // The runner reports its problems as values; a throw is a bug: stop this parent safely.
          this.counters.stepErrors++;
          const why = e instanceof Error ? e.message : String(e);
          this.log(`algo ${l.rec.id}: round failed: ${why}`);
          await l.runner.pause(`internal error in a round: ${why}`);
        }
        this.syncChildren(l);
        await this.recordTape(l);
        this.persist(l);
      });
    } finally {
      l.stepping = false;
    }
  }

  /** The round's mid and the market's new public trades, for the TCA. */
  private async recordTape(l: Live): Promise<void> {
    const last = l.market.last;
    if (last) l.tape.sample(last);
    if (this.clock.now() < l.rec.spec.startAt) return;
    const r = await this.port.trades(l.inst, TRADE_WINDOW);
    if (r.ok) l.tape.trades(r.value);
  }

  /** Chain `fn` after this parent's previous operation. */
  private exclusive(l: Live, fn: () => Promise<void>): Promise<void> {
    const run = l.chain.then(fn);
    l.chain = run.catch(() => undefined);
    return run;
  }

  /**
   * Bring the runner's children up to the tracker's truth. Outputs of a child can arrive before the
   * runner knows it (the fill of a taker child lands while its place command is still returning), so
   * after every round and control the runner's open children are read back from the tracker.
   */
  private syncChildren(l: Live): void {
    const tracker = this.kernel.state.tracker;
    const book = this.kernel.state.currencies;
    for (const c of l.runner.snapshot().children) {
      if (!c.open) continue;
      const v = tracker.get(c.clientId);
      if (!v) continue;
      for (const f of tracker.fills(c.clientId)) if (!f.covered) l.runner.fill(childFillOf(book, l.inst, f));
      l.runner.childUpdate(c.clientId, childUpdateOf(v));
    }
  }

  /** Journal the runner's snapshot and tell listeners (progress, and status when it changed). */
  private persist(l: Live, force = false): void {
    const snap = l.runner.snapshot();
    try {
      const delta = l.tape.takeDelta();
      if (delta) this.store.tape(l.rec.id, delta);
      this.store.state(l.rec.id, snap);
    } catch (e) {
      this.counters.journalErrors++;
      this.log(`algo ${l.rec.id}: journal append failed: ${e instanceof Error ? e.message : String(e)}`);
    }
    const view = this.viewOf(l, snap);
    this.emit({ type: 'progress', id: l.rec.id, view });
    if (force || snap.status !== l.status) {
      l.status = snap.status;
      this.emit({ type: 'status', id: l.rec.id, status: snap.status, view });
      this.log(
        `algo ${l.rec.id}: ${snap.status}${snap.reason ? ` (${snap.reason})` : ''}, filled ${view.filled}/${view.size}` +
          (view.remainder !== null ? `, ${view.remainder} left below the minimum order ${view.minSize}` : ''),
      );
      if (!LIVE.has(snap.status)) void this.sweepOrphans();
    }
  }

  private emit(e: AlgoEvent): void {
    for (const fn of this.listeners) {
      try {
        fn(e);
      } catch {
        this.counters.listenerErrors++;
      }
    }
  }

  // ----- children ------------------------------------------------------------------------------

  private makeLive(
    rec: ParentRecord,
    inst: Instrument,
    market: PortMarketSource,
    restore: RunnerSnapshot | undefined,
  ): Live {
    const executor = new KernelExecutor({
      kernel: this.kernel,
      strategy: rec.strategy,
      parent: rec.id,
      instrument: inst,
      marketBuyCap: () => {
        const ask = market.last?.asks[0]?.[0];
        return ask === undefined ? undefined : Math.ceil(ask * (1 + this.buyCapPct));
      },
      onPlaced: (clientId: string, p: ChildPlacement) => {
        try {
          this.store.child(rec.id, {
            clientId,
            tag: p.tag,
            type: p.type,
            ...(p.price !== undefined ? { price: p.price } : {}),
            size: p.size,
            at: this.clock.now(),
          });
        } catch {
          this.counters.journalErrors++;
        }
      },
    });
    const runner = new AlgoRunner({
      spec: rec.spec,
      executor,
      market,
      clock: this.clock,
      ...(restore ? { restore } : {}),
    });
    return {
      rec,
      inst,
      runner,
      market,
      tape: new MarketTape(rec.spec.startAt, rec.spec.endAt, rec.tape),
      chain: Promise.resolve(),
      stepping: false,
      status: runner.status,
    };
  }

  /** open(): the runner from its last snapshot, children reconciled with the tracker. */
  private rebuild(rec: ParentRecord, inst: Instrument): { adopted: number } {
    const market = new PortMarketSource({ port: this.port, symbol: inst.symbol, clock: this.clock });
    const first = this.makeLive(rec, inst, market, rec.runner);
    const tracker = this.kernel.state.tracker;
    const r = reconcileSnapshot({
      snapshot: first.runner.snapshot(),
      side: rec.spec.side,
      stored: rec.children,
      tracked: trackedChildren(tracker, this.profile, rec.strategy, rec.id),
      tracker,
      book: this.kernel.state.currencies,
      inst,
    });
    const l = this.makeLive(rec, inst, market, r.snapshot);
    l.status = rec.runner?.status ?? l.runner.status;
    this.parents.set(rec.id, l);
    if (r.adopted > 0) this.log(`algo ${rec.id}: adopted ${r.adopted} children placed after its last snapshot`);
    return { adopted: r.adopted };
  }

  /** Strategies whose orders may be algo children: the default one and every parent's. */
  private strategies(): Set<string> {
    const s = new Set<string>([this.strategy]);
    for (const p of this.store.parents.values()) s.add(p.strategy);
    return s;
  }

  private onKernelOutput: KernelOutputListener = (out) => {
    const book = this.kernel.state.currencies;
    for (const f of out.fills) {
      if (f.fill.covered) continue;
      const l = this.liveParentOf(f.fill.clientId, f.strategy);
      if (l) l.runner.fill(childFillOf(book, f.instrument, f.fill));
    }
    for (const o of out.orders) {
      const v = o.order;
      const id = parentOf(this.profile, v.clientId);
      if (id === undefined) continue;
      const l = this.parents.get(id);
      if (l && l.rec.strategy === v.strategy && LIVE.has(l.runner.status)) {
        l.runner.childUpdate(v.clientId, childUpdateOf(v));
      } else if (!isTerminal(v.state) && !v.cancelRequested && this.strategies().has(v.strategy)) {
        // An open child no live parent owns (its parent ended while it was being placed): cancel it,
        // after the kernel has finished the input that produced this output.
        queueMicrotask(() => void this.cancelChild(v.strategy, v.clientId));
      }
    }
  };

  private liveParentOf(clientId: string, strategy: string): Live | undefined {
    const id = parentOf(this.profile, clientId);
    const l = id === undefined ? undefined : this.parents.get(id);
    return l && l.rec.strategy === strategy && LIVE.has(l.runner.status) ? l : undefined;
  }

  /**
   * Cancel every open child whose parent is unknown or finished, and every open child of a paused
   * parent (its pause could not cancel them, e.g. while the venue was disconnected). A running
   * parent's children are its runner's business. Returns how many cancels were asked for.
   */
  async sweepOrphans(): Promise<number> {
    const tracker = this.kernel.state.tracker;
    const orphans: [string, string][] = [];
    for (const s of this.strategies()) {
      for (const v of tracker.openOrders(s)) {
        const id = parentOf(this.profile, v.clientId);
        if (id === undefined || v.cancelRequested) continue;
        const l = this.parents.get(id);
        if (l && l.runner.status === 'running') continue;
        if (l && l.rec.strategy !== s && LIVE.has(l.runner.status)) continue;
        orphans.push([s, v.clientId]);
      }
    }
    for (const [s, cid] of orphans) await this.cancelChild(s, cid);
    return orphans.length;
  }

  private async cancelChild(strategy: string, clientId: string): Promise<void> {
    if (this.cancelling.has(clientId) || this.kernel.phase !== 'live') return;
    this.cancelling.add(clientId);
    try {
      this.counters.orphanCancels++;
      const r = await this.kernel.command('cancel', { strategy, clientId });
      this.log(
        `algo child ${clientId} not worked by a running parent: cancel ${r.ok ? 'sent' : `refused (${r.error.code})`}`,
      );
    } finally {
      this.cancelling.delete(clientId);
    }
  }
}
