/**
 * AlgoRunner drives one parent order: when due it reads the market, asks the pure decision core
 * what to do and carries it out through a ChildExecutor (cancels first, then places, in order).
 * Child progress comes back through `childUpdate` (absolute, idempotent) and `fill` (deduplicated
 * by (clientId, tradeId)); both may arrive at any time, even before the place call returns.
 *
 * Safety rules:
 * - a child the executor accepted gets a ChildView at once (open, nothing filled), so the next
 *   decision counts it and never places its lots twice;
 * - a child stays open — and counted — until the venue says it is done, even after a cancel was
 *   sent: that keeps filled + open ≤ size while cancels are in flight;
 * - step() never throws: a market-source error or a venue disconnect pauses the parent with the
 *   reason, a place refused for want of funds (DG_E_LEDGER_INSUFFICIENT) pauses it too, other
 *   place/cancel errors are reported in the StepReport and the round carries on.
 * A parent whose last open child has closed with a remainder below the instrument's minimum order
 * is due at once (nextAt): its next round ends it, done 'below-minimum' with the remainder kept
 * (`remainder`, in the snapshot too), rather than waiting for its end time to expire.
 * The snapshot is plain JSON; a runner restored from it makes the same decisions.
 */
import type { Clock } from '../core/clock.js';
import { asDeskgateError, dgError, type DeskgateError, type ErrorCode } from '../core/errors.js';
import { unfillableRemainder } from './below-minimum.js';
import { decide, initialState } from './decide.js';
import type {
  AlgoAction,
  AlgoCoreState,
  ChildExecutor,
  ChildFill,
  ChildView,
  Decision,
  MarketSnapshot,
  MarketSource,
  ParentSpec,
} from './types.js';

export type RunnerStatus = 'running' | 'paused' | 'done' | 'cancelled';

export interface RunnerSnapshot {
  readonly state: AlgoCoreState;
  readonly children: ChildView[];
  readonly fills: ChildFill[];
  readonly status: RunnerStatus;
  /** Status 'done': the core's DoneReason ('filled' | 'below-minimum' | 'expired'); else free text. */
  readonly reason?: string;
  /**
   * Only with status 'done' and reason 'below-minimum': the unfilled lots, below the instrument's
   * minimum order (absent in snapshots journaled before this field existed, and in every other state).
   */
  readonly remainder?: number;
  readonly filled: number;
  readonly filledNotional: number;
}

export type RunnerEvent =
  | {
      readonly type: 'round';
      readonly round: number;
      readonly at: number;
      readonly placed: readonly string[];
      readonly cancelled: readonly string[];
    }
  | {
      readonly type: 'status';
      readonly status: RunnerStatus;
      readonly reason?: string;
      /** Done 'below-minimum': the unfilled lots. */
      readonly remainder?: number;
    }
  | { readonly type: 'placed'; readonly child: ChildView }
  | { readonly type: 'cancel-sent'; readonly clientId: string; readonly reason: string }
  | { readonly type: 'fill'; readonly fill: ChildFill }
  | { readonly type: 'error'; readonly stage: 'market' | 'decide' | 'place' | 'cancel'; readonly error: DeskgateError };

export interface RunnerOptions {
  spec: ParentSpec;
  executor: ChildExecutor;
  market: MarketSource;
  clock: Clock;
  restore?: RunnerSnapshot;
  /** Round done, status change, child placed / cancel sent, fills, errors. Exceptions are swallowed. */
  onEvent?: (e: RunnerEvent) => void;
}

export interface StepError {
  readonly stage: 'market' | 'decide' | 'place' | 'cancel';
  readonly action?: AlgoAction;
  readonly error: DeskgateError;
}

export interface StepReport {
  /** False when the step did nothing (not running, not due, or another step in progress). */
  readonly ran: boolean;
  readonly round?: number;
  readonly placed: readonly string[];
  readonly cancelled: readonly string[];
  readonly errors: readonly StepError[];
  readonly status: RunnerStatus;
  readonly nextAt: number;
}

/** Errors meaning the venue or gateway link is down: the parent pauses rather than carrying on blind. */
const DISCONNECT_CODES: ReadonlySet<ErrorCode> = new Set<ErrorCode>([
  'DG_E_VENUE_UNAVAILABLE',
  'DG_E_VENUE_TIMEOUT',
  'DG_E_VENUE_AUTH',
  'DG_E_GATEWAY_NOT_READY',
  'DG_E_BUS_UNAVAILABLE',
  'DG_E_SOURCE_DOWN',
]);

interface ChildRecord {
  view: ChildView;
  /** Fill totals from `fill()`; the view holds max(fills, last absolute update). */
  fillLots: number;
  fillNotional: number;
  reportedLots: number;
  reportedNotional: number;
}

interface EarlyUpdate {
  filled: number;
  filledNotional: number;
  open: boolean;
}

function fillKey(clientId: string, tradeId: string): string {
  return `${clientId}\u0000${tradeId}`;
}

export class AlgoRunner {
  readonly spec: ParentSpec;
  private readonly executor: ChildExecutor;
  private readonly market: MarketSource;
  private readonly clock: Clock;
  private readonly onEvent: ((e: RunnerEvent) => void) | undefined;
  private state: AlgoCoreState;
  private readonly children = new Map<string, ChildRecord>();
  private readonly fills: ChildFill[] = [];
  private readonly fillKeys = new Set<string>();
  /** Updates and fills for client ids the executor has not returned yet. */
  private readonly earlyUpdates = new Map<string, EarlyUpdate>();
  private readonly earlyFills = new Map<string, ChildFill[]>();
  private statusValue: RunnerStatus = 'running';
  private reasonValue: string | undefined;
  private remainderValue: number | undefined;
  private stepping = false;

  constructor(opts: RunnerOptions) {
    this.spec = opts.spec;
    this.executor = opts.executor;
    this.market = opts.market;
    this.clock = opts.clock;
    this.onEvent = opts.onEvent;
    this.state = initialState(opts.spec);
    if (opts.restore) this.restoreFrom(opts.restore);
  }

  get status(): RunnerStatus {
    return this.statusValue;
  }
  get reason(): string | undefined {
    return this.reasonValue;
  }
  /** Done 'below-minimum': the unfilled lots; undefined otherwise. */
  get remainder(): number | undefined {
    return this.remainderValue;
  }
  /** When the next round is due: the core's wish, or at once when only a below-minimum remainder is left. */
  get nextAt(): number {
    if (this.statusValue === 'running' && unfillableRemainder(this.spec, this.filled, this.childList()) !== undefined)
      return Math.min(this.state.nextAt, this.spec.startAt);
    return this.state.nextAt;
  }
  get filled(): number {
    let s = 0;
    for (const c of this.children.values()) s += c.view.filled;
    return s;
  }
  get filledNotional(): number {
    let s = 0;
    for (const c of this.children.values()) s += c.view.filledNotional;
    return s;
  }
  /** The children as the core sees them (copies). */
  childViews(): ChildView[] {
    return [...this.children.values()].map((c) => ({ ...c.view }));
  }
  private childList(): ChildView[] {
    return [...this.children.values()].map((c) => c.view);
  }

  async step(): Promise<StepReport> {
    if (this.statusValue !== 'running' || this.stepping || this.clock.now() < this.nextAt) return this.idle();
    this.stepping = true;
    try {
      return await this.runRound();
    } finally {
      this.stepping = false;
    }
  }

  childUpdate(clientId: string, u: { filled: number; filledNotional: number; open: boolean }): void {
    const rec = this.children.get(clientId);
    if (!rec) {
      const prev = this.earlyUpdates.get(clientId);
      const best = !prev || u.filled >= prev.filled ? { ...u } : { ...prev };
      best.open = (prev?.open ?? true) && u.open;
      this.earlyUpdates.set(clientId, best);
      return;
    }
    if (u.filled >= rec.reportedLots) {
      rec.reportedLots = u.filled;
      rec.reportedNotional = u.filledNotional;
    }
    const open = rec.view.open && u.open;
    rec.view = { ...rec.view, open, cancelling: open ? rec.view.cancelling : false };
    this.refresh(rec);
  }

  fill(f: ChildFill): void {
    if (f.tradeId !== undefined) {
      const k = fillKey(f.clientId, f.tradeId);
      if (this.fillKeys.has(k)) return;
      this.fillKeys.add(k);
    }
    const rec = this.children.get(f.clientId);
    if (!rec) {
      const list = this.earlyFills.get(f.clientId) ?? [];
      list.push(f);
      this.earlyFills.set(f.clientId, list);
      return;
    }
    this.record(rec, f);
  }

  async pause(reason: string): Promise<void> {
    if (this.statusValue === 'done' || this.statusValue === 'cancelled') return;
    this.setStatus('paused', reason);
    await this.cancelOpen('parent');
  }

  resume(): void {
    if (this.statusValue !== 'paused') return;
    this.setStatus('running', undefined);
  }

  async cancel(reason: string): Promise<void> {
    if (this.statusValue === 'done' || this.statusValue === 'cancelled') return;
    this.setStatus('cancelled', reason);
    await this.cancelOpen('parent');
  }

  snapshot(): RunnerSnapshot {
    const snap: RunnerSnapshot = {
      state: { ...this.state, ...(this.state.extra ? { extra: { ...this.state.extra } } : {}) },
      children: this.childViews(),
      fills: this.fills.map((f) => ({ ...f })),
      status: this.statusValue,
      ...(this.reasonValue !== undefined ? { reason: this.reasonValue } : {}),
      ...(this.remainderValue !== undefined ? { remainder: this.remainderValue } : {}),
      filled: this.filled,
      filledNotional: this.filledNotional,
    };
    // Round-trip through JSON so nothing non-serialisable (undefined fields) leaks into the journal.
    return JSON.parse(JSON.stringify(snap)) as RunnerSnapshot;
  }

  // --- internals ---------------------------------------------------------------------------

  private idle(): StepReport {
    return { ran: false, placed: [], cancelled: [], errors: [], status: this.statusValue, nextAt: this.state.nextAt };
  }

  private emit(e: RunnerEvent): void {
    if (!this.onEvent) return;
    try {
      this.onEvent(e);
    } catch {
      // A listener's failure must not stop the parent.
    }
  }

  private setStatus(status: RunnerStatus, reason: string | undefined, remainder?: number): void {
    this.statusValue = status;
    this.reasonValue = reason;
    this.remainderValue = remainder;
    this.emit({
      type: 'status',
      status,
      ...(reason !== undefined ? { reason } : {}),
      ...(remainder !== undefined ? { remainder } : {}),
    });
  }

  private async runRound(): Promise<StepReport> {
    const errors: StepError[] = [];
    const placed: string[] = [];
    const cancelled: string[] = [];
    const report = (round?: number): StepReport => ({
      ran: true,
      ...(round !== undefined ? { round } : {}),
      placed,
      cancelled,
      errors,
      status: this.statusValue,
      nextAt: this.state.nextAt,
    });

    let snap: MarketSnapshot;
    try {
      const r = await this.market.snapshot();
      if (!r.ok) {
        errors.push({ stage: 'market', error: r.error });
        this.emit({ type: 'error', stage: 'market', error: r.error });
        await this.pause(`market unavailable: ${r.error.code}: ${r.error.message}`);
        return report();
      }
      snap = r.value;
    } catch (e) {
      const err = dgError('DG_E_ALGO_MARKET_UNAVAILABLE', e instanceof Error ? e.message : String(e));
      errors.push({ stage: 'market', error: err });
      this.emit({ type: 'error', stage: 'market', error: err });
      await this.pause(`market unavailable: ${err.message}`);
      return report();
    }
    // Paused or cancelled while the snapshot was read: decide nothing, so the core's state (round,
    // interval draws, the aggressive timers) does not move for placements that will never be sent.
    if (this.statusValue !== 'running') return report();

    let decision: Decision;
    try {
      decision = decide({
        spec: this.spec,
        state: this.state,
        market: snap,
        children: this.childViews(),
        filled: this.filled,
      });
    } catch (e) {
      const err = asDeskgateError(e);
      errors.push({ stage: 'decide', error: err });
      this.emit({ type: 'error', stage: 'decide', error: err });
      await this.pause(`decision failed: ${err.message}`);
      return report();
    }
    this.state = decision.state;
    const round = decision.state.round;

    for (const a of decision.actions) {
      if (a.kind !== 'cancel') continue;
      const res = await this.sendCancel(a.clientId, a.reason);
      if (res === true) cancelled.push(a.clientId);
      else if (res) {
        errors.push({ stage: 'cancel', action: a, error: res });
        if (DISCONNECT_CODES.has(res.code)) {
          await this.pause(`venue disconnected: ${res.code}: ${res.message}`);
          return report(round);
        }
      }
    }
    for (const a of decision.actions) {
      if (a.kind !== 'place') continue;
      if (this.statusValue !== 'running') break; // paused or cancelled while this round was in flight
      // The snapshot is stamped when it is read; reading bars and sending the cancels takes time. The
      // end time is a hard limit: no place once the clock has reached it (the next round ends the parent).
      if (this.clock.now() >= this.spec.endAt) break;
      const res = await this.sendPlace(a, snap.now, round);
      if (typeof res === 'string') {
        placed.push(res);
        continue;
      }
      errors.push({ stage: 'place', action: a, error: res });
      this.emit({ type: 'error', stage: 'place', error: res });
      if (res.code === 'DG_E_LEDGER_INSUFFICIENT') {
        await this.pause(`insufficient funds: ${res.message}`);
        break;
      }
      if (DISCONNECT_CODES.has(res.code)) {
        await this.pause(`venue disconnected: ${res.code}: ${res.message}`);
        break;
      }
    }
    this.emit({ type: 'round', round, at: snap.now, placed, cancelled });
    if (decision.done && this.statusValue === 'running') {
      this.setStatus('done', decision.doneReason ?? 'filled', decision.remainder);
    }
    return report(round);
  }

  /** true when sent, the error when refused, undefined when there was nothing to cancel. */
  private async sendCancel(clientId: string, reason: string): Promise<true | DeskgateError | undefined> {
    const rec = this.children.get(clientId);
    if (!rec || !rec.view.open || rec.view.cancelling) return undefined;
    rec.view = { ...rec.view, cancelling: true };
    this.emit({ type: 'cancel-sent', clientId, reason });
    let err: DeskgateError | undefined;
    try {
      const r = await this.executor.cancel(clientId);
      if (!r.ok) err = r.error;
    } catch (e) {
      err = asDeskgateError(e);
    }
    if (!err) return true;
    // Not sent after all: the child is still open; a later round (or pause/cancel) tries again.
    const now = this.children.get(clientId);
    if (now && now.view.open) now.view = { ...now.view, cancelling: false };
    this.emit({ type: 'error', stage: 'cancel', error: err });
    return err;
  }

  private async sendPlace(
    a: Extract<AlgoAction, { kind: 'place' }>,
    at: number,
    round: number,
  ): Promise<string | DeskgateError> {
    let r;
    try {
      r = await this.executor.place({
        tag: a.tag,
        side: this.spec.side,
        type: a.type,
        ...(a.price !== undefined ? { price: a.price } : {}),
        size: a.size,
        ...(a.postOnly !== undefined ? { postOnly: a.postOnly } : {}),
        ...(a.tif !== undefined ? { tif: a.tif } : {}),
      });
    } catch (e) {
      return asDeskgateError(e);
    }
    if (!r.ok) return r.error;
    const clientId = r.value;
    // An executor must never hand out an id twice; keep the first child's record (and its lots).
    if (this.children.has(clientId)) return dgError('DG_E_DUPLICATE_CLIENT_ID', `executor returned ${clientId} twice`);
    const rec: ChildRecord = {
      view: {
        clientId,
        tag: a.tag,
        side: this.spec.side,
        type: a.type,
        price: a.type === 'limit' ? a.price : undefined,
        size: a.size,
        filled: 0,
        filledNotional: 0,
        placedAt: at,
        round,
        open: true,
        cancelling: false,
      },
      fillLots: 0,
      fillNotional: 0,
      reportedLots: 0,
      reportedNotional: 0,
    };
    this.children.set(clientId, rec);
    // Anything the venue reported before the place call returned.
    const early = this.earlyUpdates.get(clientId);
    if (early) {
      this.earlyUpdates.delete(clientId);
      this.childUpdate(clientId, early);
    }
    const fills = this.earlyFills.get(clientId);
    if (fills) {
      this.earlyFills.delete(clientId);
      for (const f of fills) this.record(rec, f);
    }
    this.emit({ type: 'placed', child: { ...rec.view } });
    // Paused or cancelled while this place was in flight: pause()/cancel() could not see the child.
    if (this.statusValue !== 'running') await this.sendCancel(clientId, 'parent');
    return clientId;
  }

  private record(rec: ChildRecord, f: ChildFill): void {
    this.fills.push({ ...f });
    rec.fillLots += f.size;
    rec.fillNotional += f.price * f.size;
    this.refresh(rec);
    this.emit({ type: 'fill', fill: { ...f } });
  }

  /** The view's filled lots: the larger of the fills seen and the last absolute report. */
  private refresh(rec: ChildRecord): void {
    const fromFills = rec.fillLots >= rec.reportedLots;
    rec.view = {
      ...rec.view,
      filled: Math.min(rec.view.size, fromFills ? rec.fillLots : rec.reportedLots),
      filledNotional: fromFills ? rec.fillNotional : rec.reportedNotional,
    };
  }

  private async cancelOpen(reason: string): Promise<void> {
    for (const id of [...this.children.keys()]) {
      await this.sendCancel(id, reason);
    }
  }

  private restoreFrom(s: RunnerSnapshot): void {
    this.state = { ...s.state };
    this.statusValue = s.status;
    this.reasonValue = s.reason;
    // Older snapshots carry no remainder; a live parent stuck below the minimum ends at its next round.
    this.remainderValue = s.status === 'done' && typeof s.remainder === 'number' ? s.remainder : undefined;
    for (const v of s.children) {
      this.children.set(v.clientId, {
        view: { ...v },
        fillLots: 0,
        fillNotional: 0,
        reportedLots: v.filled,
        reportedNotional: v.filledNotional,
      });
    }
    for (const f of s.fills) {
      this.fills.push({ ...f });
      if (f.tradeId !== undefined) this.fillKeys.add(fillKey(f.clientId, f.tradeId));
      const rec = this.children.get(f.clientId);
      if (rec) {
        rec.fillLots += f.size;
        rec.fillNotional += f.price * f.size;
      }
    }
  }
}
