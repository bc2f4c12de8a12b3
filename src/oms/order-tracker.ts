/**
 * OrderTracker: the gateway's own orders, driven by normalised venue inputs (order-io.ts).
 *
 * Pure and deterministic: time comes from the injected Clock, there are no timers (a timeout is
 * an input, `onTimeout`), every call returns the outputs to publish and the errors to journal.
 * Every input is validated; a bad or contradictory one changes nothing, is counted in the
 * ErrorCounter and returned. Every state change goes through the table in order-states.ts.
 *
 * Orders are held by dense integer handle; client order ids and venue order ids map to handles.
 * Races and how they resolve are described in docs/oms.md.
 */
import type { Clock } from '../core/clock.js';
import { dgError, ErrorCounter, type DeskgateError } from '../core/errors.js';
import type { Side } from '../core/events.js';
import { parseClientOrderId, validateStrategy, type ClientIdProfile } from './client-order-id.js';
import type {
  FeedEvent,
  FeeTotal,
  FillRecord,
  FillSource,
  NewOrder,
  OmsOutput,
  OmsResult,
  OrderView,
  QueryResult,
  VenueFill,
} from './order-io.js';
import { isTerminal, transition, INITIAL_STATE, type OrderEvent, type OrderState } from './order-states.js';
import { PendingFeedBuffer, type PendingFeedBufferOptions, type PendingFeedStats } from './pending-feed-buffer.js';
import { StrategyIndex } from './strategy-index.js';

export interface OrderTrackerOptions {
  readonly clock: Clock;
  /** Where errors are counted (shared with the kernel's metrics); a new one by default. */
  readonly errors?: ErrorCounter;
  /** Closed orders kept per strategy; older ones are forgotten (default 1000). */
  readonly closedCap?: number;
  /** A "not found" query answer counts as definitive only this long after submit (default 10 s). */
  readonly notFoundGraceMs?: number;
  /** Trade ids / fill records kept per order without a fixed size (default 10 000). */
  readonly maxFillsPerOrder?: number;
  /** Bounds of the buffer for feed events that beat the link (see pending-feed-buffer.ts). */
  readonly buffer?: PendingFeedBufferOptions;
  /** When set, client ids must be gateway-made for this venue and name the order's strategy. */
  readonly clientIdProfile?: ClientIdProfile;
}

export interface TrackerStats {
  readonly orders: number;
  readonly duplicateFills: number;
  readonly coveredFills: number;
  readonly catchUpFills: number;
  readonly earlyNotFound: number;
  readonly forgotten: number;
  readonly pending: PendingFeedStats & { readonly waitingIds: number };
}

interface OrderRec {
  readonly handle: number;
  readonly clientId: string;
  readonly strategy: string;
  readonly instrument: number;
  readonly side: Side;
  readonly price: number | undefined;
  readonly size: number | undefined;
  state: OrderState;
  venueOrderId: string | undefined;
  filledSize: number;
  filledNotional: bigint;
  readonly fees: Map<string, bigint>;
  readonly tradeIds: Set<string>;
  readonly fills: FillRecord[];
  /** Lots counted by catch-up records that real trades (ts ≤ catchUpAsOf) have not yet matched. */
  catchUpLots: number;
  catchUpAsOf: number;
  catchUpSeq: number;
  cancelRequested: boolean;
  readonly createdAt: number;
  updatedAt: number;
  version: number;
  /** Earliest time a client-id query is worth making (unknown orders). */
  queryAfter: number;
}

/** Outcome of checking one fill against an order (nothing mutated yet). */
type FillPlan =
  | { readonly kind: 'duplicate' }
  | { readonly kind: 'covered' }
  | { readonly kind: 'new'; readonly event: 'fill' | 'fill-complete' }
  | { readonly kind: 'error'; readonly error: DeskgateError };

const CLIENT_ID_RE = /^[A-Za-z0-9._:/-]{1,64}$/;
const MAX_TEXT = 128;

function isNonEmptyText(v: unknown, max = MAX_TEXT): v is string {
  return typeof v === 'string' && v.length > 0 && v.length <= max;
}
function isPosInt(v: unknown): v is number {
  return typeof v === 'number' && Number.isSafeInteger(v) && v > 0;
}
function isNonNegInt(v: unknown): v is number {
  return typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;
}
function isTime(v: unknown): v is number {
  return typeof v === 'number' && Number.isFinite(v) && v >= 0;
}

function badEvent(why: string): DeskgateError {
  return dgError('DG_E_OMS_BAD_EVENT', why);
}

function validateFill(f: unknown): DeskgateError | undefined {
  if (typeof f !== 'object' || f === null) return badEvent('fill is not an object');
  const x = f as Partial<VenueFill>;
  if (!isNonEmptyText(x.tradeId)) return badEvent('fill.tradeId must be a non-empty string');
  if (!isPosInt(x.price)) return badEvent(`fill ${x.tradeId}: price must be positive integer ticks`);
  if (!isPosInt(x.size)) return badEvent(`fill ${x.tradeId}: size must be positive integer lots`);
  if (typeof x.fee !== 'bigint') return badEvent(`fill ${x.tradeId}: fee must be a bigint`);
  if (!isNonEmptyText(x.feeCurrency, 16)) return badEvent(`fill ${x.tradeId}: feeCurrency`);
  if (x.liquidity !== undefined && x.liquidity !== 'maker' && x.liquidity !== 'taker')
    return badEvent(`fill ${x.tradeId}: liquidity`);
  if (!isTime(x.ts)) return badEvent(`fill ${x.tradeId}: ts`);
  return undefined;
}

function validateFees(fees: unknown): DeskgateError | undefined {
  if (fees === undefined) return undefined;
  if (!Array.isArray(fees)) return badEvent('fees must be an array');
  const seen = new Set<string>();
  for (const f of fees as unknown[]) {
    const x = f as Partial<FeeTotal> | null;
    if (typeof x !== 'object' || x === null || !isNonEmptyText(x.currency, 16) || typeof x.amount !== 'bigint')
      return badEvent('fee total malformed');
    if (seen.has(x.currency)) return badEvent(`fee currency ${x.currency} twice`);
    seen.add(x.currency);
  }
  return undefined;
}

function feesOf(m: ReadonlyMap<string, bigint>): FeeTotal[] {
  return [...m.entries()]
    .sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0))
    .map(([currency, amount]) => ({ currency, amount }));
}

function ok(outputs: OmsOutput[] = [], errors: DeskgateError[] = []): OmsResult {
  return { ok: errors.length === 0, outputs, errors };
}

export class OrderTracker {
  readonly errors: ErrorCounter;
  private readonly clock: Clock;
  private readonly orders: Array<OrderRec | undefined> = [];
  private readonly freeHandles: number[] = [];
  private readonly byClient = new Map<string, number>();
  private readonly byVenue = new Map<string, number>();
  private readonly unknownSet = new Set<number>();
  private readonly index: StrategyIndex;
  private readonly pending: PendingFeedBuffer;
  private readonly graceMs: number;
  private readonly maxFills: number;
  private readonly profile: ClientIdProfile | undefined;
  private live = 0;
  private counters = { duplicateFills: 0, coveredFills: 0, catchUpFills: 0, earlyNotFound: 0, forgotten: 0 };

  constructor(opts: OrderTrackerOptions) {
    this.clock = opts.clock;
    this.errors = opts.errors ?? new ErrorCounter();
    this.index = new StrategyIndex(opts.closedCap ?? 1000);
    this.pending = new PendingFeedBuffer(opts.buffer);
    this.graceMs = opts.notFoundGraceMs ?? 10_000;
    this.maxFills = opts.maxFillsPerOrder ?? 10_000;
    this.profile = opts.clientIdProfile;
  }

  // ----- commands ---------------------------------------------------------------------------

  /** The gateway is sending a new order: track it in `pending-new`. */
  submit(o: NewOrder): OmsResult {
    const bad = this.validateNewOrder(o);
    if (bad) return this.fail(bad);
    if (this.byClient.has(o.clientId)) return this.fail(dgError('DG_E_DUPLICATE_CLIENT_ID', o.clientId));
    const now = this.clock.now();
    const handle = this.freeHandles.pop() ?? this.orders.length;
    const rec: OrderRec = {
      handle,
      clientId: o.clientId,
      strategy: o.strategy,
      instrument: o.instrument,
      side: o.side,
      price: o.price,
      size: o.size,
      state: INITIAL_STATE,
      venueOrderId: undefined,
      filledSize: 0,
      filledNotional: 0n,
      fees: new Map(),
      tradeIds: new Set(),
      fills: [],
      catchUpLots: 0,
      catchUpAsOf: -1,
      catchUpSeq: 0,
      cancelRequested: false,
      createdAt: now,
      updatedAt: now,
      version: 1,
      queryAfter: now,
    };
    this.orders[handle] = rec;
    this.byClient.set(o.clientId, handle);
    this.index.addOpen(o.strategy, handle);
    this.live++;
    return ok([{ type: 'order', event: 'submit', prev: undefined, order: this.view(rec) }]);
  }

  /** The gateway is sending a cancel request for the order. */
  requestCancel(clientId: string): OmsResult {
    const rec = this.lookup(clientId);
    if (!('handle' in rec)) return this.fail(rec);
    return this.step(rec, 'cancel-request', () => {
      rec.cancelRequested = true;
    });
  }

  // ----- REST replies and adapter signals ---------------------------------------------------

  /** REST place reply: accepted, with the venue's order id. */
  onAck(clientId: string, venueOrderId: string): OmsResult {
    if (!isNonEmptyText(venueOrderId)) return this.fail(badEvent('ack: venueOrderId must be a non-empty string'));
    const rec = this.lookup(clientId);
    if (!('handle' in rec)) return this.fail(rec);
    const conflict = this.linkConflict(rec, venueOrderId);
    if (conflict) return this.fail(conflict);
    const r = this.step(rec, 'ack', () => this.link(rec, venueOrderId));
    return r.ok ? this.replayPending(rec, r) : r;
  }

  /** REST place reply: definitive rejection (a venue error code, not a transport failure). */
  onReject(clientId: string, reason: string): OmsResult {
    const rec = this.lookup(clientId);
    if (!('handle' in rec)) return this.fail(rec);
    return this.step(rec, 'reject', undefined, () =>
      rec.filledSize > 0
        ? dgError('DG_E_OMS_CONTRADICTION', `reject of ${clientId} (${String(reason).slice(0, 80)}) after fills`)
        : undefined,
    );
  }

  onCancelAck(clientId: string): OmsResult {
    const rec = this.lookup(clientId);
    if (!('handle' in rec)) return this.fail(rec);
    return this.step(rec, 'cancel-ack');
  }

  /** REST cancel reply refused (order done or not found): the order is re-asked unless already done. */
  onCancelReject(clientId: string, _reason?: string): OmsResult {
    const rec = this.lookup(clientId);
    if (!('handle' in rec)) return this.fail(rec);
    return this.step(rec, 'cancel-reject');
  }

  /** A place or cancel request for this order timed out (called by the adapter). */
  onTimeout(clientId: string): OmsResult {
    const rec = this.lookup(clientId);
    if (!('handle' in rec)) return this.fail(rec);
    return this.step(rec, 'timeout');
  }

  /** The private feed or session dropped: every live order becomes `unknown` until queried. */
  onDisconnect(): OmsResult {
    const outputs: OmsOutput[] = [];
    const errors: DeskgateError[] = [];
    for (const rec of this.orders) {
      if (rec === undefined || isTerminal(rec.state)) continue;
      const r = this.step(rec, 'disconnect');
      outputs.push(...r.outputs);
      errors.push(...r.errors);
    }
    return ok(outputs, errors);
  }

  // ----- feed -------------------------------------------------------------------------------

  onFeed(ev: FeedEvent): OmsResult {
    const bad = this.validateFeed(ev);
    if (bad) return this.fail(bad);
    const h = this.byVenue.get(ev.venueOrderId);
    if (h !== undefined) {
      const rec = this.orders[h] as OrderRec;
      if (ev.clientId !== undefined && ev.clientId !== rec.clientId) {
        return this.fail(
          dgError('DG_E_OMS_VENUE_ID_CONFLICT', `${ev.venueOrderId} is ${rec.clientId}, feed says ${ev.clientId}`),
        );
      }
      return this.applyFeed(rec, ev);
    }
    if (ev.clientId === undefined) {
      // Not linked yet: hold it until an ack, a feed event with the client id or a query links it.
      this.pending.push(ev, this.clock.now());
      return { ok: true, outputs: [], errors: [], buffered: true };
    }
    const rec = this.lookup(ev.clientId);
    if (!('handle' in rec)) return this.fail(rec);
    const conflict = this.linkConflict(rec, ev.venueOrderId);
    if (conflict) return this.fail(conflict);
    if (rec.state === 'rejected') {
      return this.fail(
        dgError('DG_E_OMS_CONTRADICTION', `feed ${ev.kind} for ${rec.clientId}, which the venue rejected`),
      );
    }
    // Link now; events held for this venue id came earlier on the feed, so they go first.
    this.link(rec, ev.venueOrderId);
    const held = this.pending.take(ev.venueOrderId);
    const outputs: OmsOutput[] = [];
    const errors: DeskgateError[] = [];
    for (const e of [...held, ev]) {
      const r = this.applyFeed(rec, e);
      outputs.push(...r.outputs);
      errors.push(...r.errors);
    }
    return ok(outputs, errors);
  }

  private applyFeed(rec: OrderRec, ev: FeedEvent): OmsResult {
    switch (ev.kind) {
      case 'accepted':
        return this.step(rec, 'accepted');
      case 'fill':
        return this.applyFill(rec, ev.fill, 'feed');
      case 'done':
        if (ev.reason === 'filled') {
          return this.step(rec, 'done-filled', undefined, () =>
            rec.size !== undefined && rec.filledSize !== rec.size
              ? dgError(
                  'DG_E_OMS_CONTRADICTION',
                  `done-filled for ${rec.clientId} with ${rec.filledSize} of ${rec.size} lots filled`,
                )
              : undefined,
          );
        }
        return this.step(rec, ev.reason === 'canceled' ? 'done-canceled' : 'done-expired');
    }
  }

  private applyFill(rec: OrderRec, f: VenueFill, source: FillSource): OmsResult {
    const plan = this.planFill(rec, f, rec.filledSize, rec.catchUpLots, rec.catchUpAsOf, undefined);
    switch (plan.kind) {
      case 'error':
        return this.fail(plan.error);
      case 'duplicate':
        this.counters.duplicateFills++;
        return ok();
      case 'covered': {
        const rec2 = this.commitFill(rec, f, source, true);
        rec.version++;
        return ok([{ type: 'fill', strategy: rec.strategy, fill: rec2 }]);
      }
      case 'new': {
        const t = transition(rec.state, plan.event);
        if (!t.ok) return this.fail(t.error);
        const out: OmsOutput[] = [];
        const fr = this.commitFill(rec, f, source, false);
        out.push({ type: 'fill', strategy: rec.strategy, fill: fr });
        const prev = rec.state;
        this.setState(rec, t.next);
        out.push({ type: 'order', event: plan.event, prev, order: this.view(rec) });
        return ok(out);
      }
    }
  }

  /** Check one fill against projected order amounts; mutates only `seenInBatch` (when given). */
  private planFill(
    rec: OrderRec,
    f: VenueFill,
    filled: number,
    catchUpLots: number,
    catchUpAsOf: number,
    seenInBatch: Set<string> | undefined,
  ): FillPlan {
    const bad = validateFill(f);
    if (bad) return { kind: 'error', error: bad };
    if (rec.tradeIds.has(f.tradeId) || seenInBatch?.has(f.tradeId)) return { kind: 'duplicate' };
    seenInBatch?.add(f.tradeId);
    if (catchUpLots > 0 && f.ts <= catchUpAsOf) {
      if (f.size > catchUpLots) {
        return {
          kind: 'error',
          error: dgError(
            'DG_E_OMS_CONTRADICTION',
            `trade ${f.tradeId} (${f.size} lots, before the catch-up) exceeds the ${catchUpLots} lots the catch-up counted`,
          ),
        };
      }
      return { kind: 'covered' };
    }
    const after = filled + f.size;
    if (rec.size !== undefined && after > rec.size) {
      return {
        kind: 'error',
        error: dgError(
          'DG_E_OMS_OVERFILL',
          `${rec.clientId}: ${filled} + ${f.size} > ${rec.size} lots (trade ${f.tradeId})`,
        ),
      };
    }
    return { kind: 'new', event: rec.size !== undefined && after === rec.size ? 'fill-complete' : 'fill' };
  }

  private commitFill(rec: OrderRec, f: VenueFill, source: FillSource, covered: boolean): FillRecord {
    const notional = BigInt(f.price) * BigInt(f.size);
    if (covered) {
      rec.catchUpLots -= f.size;
      this.counters.coveredFills++;
    } else {
      rec.filledSize += f.size;
      rec.filledNotional += notional;
      rec.fees.set(f.feeCurrency, (rec.fees.get(f.feeCurrency) ?? 0n) + f.fee);
    }
    this.remember(rec, f.tradeId);
    const fr: FillRecord = {
      clientId: rec.clientId,
      tradeId: f.tradeId,
      price: f.price,
      size: f.size,
      notional,
      fees: [{ currency: f.feeCurrency, amount: f.fee }],
      source,
      synthetic: false,
      covered,
      liquidity: f.liquidity,
      ts: f.ts,
    };
    this.pushFill(rec, fr);
    rec.updatedAt = this.clock.now();
    return fr;
  }

  private remember(rec: OrderRec, tradeId: string): void {
    rec.tradeIds.add(tradeId);
    // Bounded-but-sufficient: an order with a size has at most `size` distinct trades (each ≥ 1 lot),
    // so only orders without a size can reach the cap; they drop their oldest ids.
    if (rec.tradeIds.size > this.maxFills && rec.size === undefined) {
      const oldest = rec.tradeIds.values().next();
      if (!oldest.done) rec.tradeIds.delete(oldest.value);
    }
  }

  private pushFill(rec: OrderRec, fr: FillRecord): void {
    rec.fills.push(fr);
    if (rec.fills.length > this.maxFills) rec.fills.shift();
  }

  /**
   * Fills of this order read from the venue's REST trade history. Each goes through the same
   * checks as a feed fill: a trade id already seen (feed or REST) is a duplicate and ignored.
   */
  onRestFills(clientId: string, fills: readonly VenueFill[]): OmsResult {
    const rec = this.lookup(clientId);
    if (!('handle' in rec)) return this.fail(rec);
    if (!Array.isArray(fills)) return this.fail(badEvent('rest fills must be an array'));
    const outputs: OmsOutput[] = [];
    const errors: DeskgateError[] = [];
    for (const f of fills) {
      const r = this.applyFill(rec, f, 'rest');
      outputs.push(...r.outputs);
      errors.push(...r.errors);
    }
    return ok(outputs, errors);
  }

  // ----- queries by client order id ---------------------------------------------------------

  /** Client ids of `unknown` orders to ask the venue about now (by client order id; never resubmit). */
  needsQuery(): string[] {
    const now = this.clock.now();
    const out: string[] = [];
    for (const h of this.unknownSet) {
      const rec = this.orders[h] as OrderRec;
      if (rec.queryAfter <= now) out.push(rec.clientId);
    }
    return out;
  }

  /** The venue's answer to a query by client order id (also the REST reconciliation path). */
  onQueryResult(q: QueryResult): OmsResult {
    if (typeof q !== 'object' || q === null || typeof q.found !== 'boolean')
      return this.fail(badEvent('query result malformed'));
    const rec = this.lookup(q.clientId);
    if (!('handle' in rec)) return this.fail(rec);
    const now = this.clock.now();
    if (!q.found) {
      const definitiveAt = rec.createdAt + this.graceMs;
      if (now < definitiveAt) {
        // The venue may not list an order it just received: not evidence yet, ask again later.
        this.counters.earlyNotFound++;
        rec.queryAfter = definitiveAt;
        return ok();
      }
      if (rec.filledSize > 0)
        return this.fail(dgError('DG_E_OMS_CONTRADICTION', `${rec.clientId} not found but has fills`));
      return this.step(rec, 'query-not-found');
    }
    const bad = this.validateFound(q);
    if (bad) return this.fail(bad);
    const conflict = this.linkConflict(rec, q.venueOrderId);
    if (conflict) return this.fail(conflict);

    // Plan listed fills (nothing mutated until every check passes).
    const seen = new Set<string>();
    let filled = rec.filledSize;
    let notional = rec.filledNotional;
    let catchUpLots = rec.catchUpLots;
    const fees = new Map(rec.fees);
    const planned: Array<{ f: VenueFill; covered: boolean }> = [];
    for (const f of q.fills ?? []) {
      const p = this.planFill(rec, f, filled, catchUpLots, rec.catchUpAsOf, seen);
      if (p.kind === 'error') return this.fail(p.error);
      if (p.kind === 'duplicate') continue;
      if (p.kind === 'covered') {
        catchUpLots -= f.size;
        planned.push({ f, covered: true });
        continue;
      }
      filled += f.size;
      notional += BigInt(f.price) * BigInt(f.size);
      fees.set(f.feeCurrency, (fees.get(f.feeCurrency) ?? 0n) + f.fee);
      planned.push({ f, covered: false });
    }
    // Venue totals beyond the known fills become one catch-up record.
    const missLots = q.filledSize - filled;
    const missNotional = q.filledNotional - notional;
    if (missLots < 0) {
      return this.fail(
        dgError(
          'DG_E_OMS_CONTRADICTION',
          `${rec.clientId}: venue reports ${q.filledSize} lots filled, ${filled} known`,
        ),
      );
    }
    if ((missLots === 0 && missNotional !== 0n) || (missLots > 0 && missNotional <= 0n)) {
      return this.fail(
        dgError(
          'DG_E_OMS_CONTRADICTION',
          `${rec.clientId}: venue notional ${q.filledNotional} disagrees with ${missLots} missing lots`,
        ),
      );
    }
    if (rec.size !== undefined && q.filledSize > rec.size) {
      return this.fail(
        dgError('DG_E_OMS_OVERFILL', `${rec.clientId}: venue reports ${q.filledSize} of ${rec.size} lots`),
      );
    }
    const missFees: FeeTotal[] = [];
    if (missLots > 0) {
      for (const t of q.fees ?? []) {
        const d = t.amount - (fees.get(t.currency) ?? 0n);
        if (d !== 0n) missFees.push({ currency: t.currency, amount: d });
      }
    }
    let event: OrderEvent;
    switch (q.status) {
      case 'open':
        if (rec.size !== undefined && q.filledSize === rec.size) {
          return this.fail(dgError('DG_E_OMS_CONTRADICTION', `${rec.clientId}: open with its whole size filled`));
        }
        event = q.filledSize === 0 ? 'query-open' : 'query-partial';
        break;
      case 'filled':
        if (rec.size !== undefined && q.filledSize !== rec.size) {
          return this.fail(
            dgError('DG_E_OMS_CONTRADICTION', `${rec.clientId}: filled with ${q.filledSize} of ${rec.size} lots`),
          );
        }
        event = 'query-filled';
        break;
      case 'canceled':
        event = 'query-canceled';
        break;
      case 'expired':
        event = 'query-expired';
        break;
      case 'rejected':
        if (q.filledSize > 0)
          return this.fail(dgError('DG_E_OMS_CONTRADICTION', `${rec.clientId}: rejected with fills`));
        event = 'query-rejected';
        break;
    }
    const t = transition(rec.state, event);
    if (!t.ok) return this.fail(t.error);

    // Commit.
    const outputs: OmsOutput[] = [];
    this.link(rec, q.venueOrderId);
    for (const { f, covered } of planned) {
      outputs.push({ type: 'fill', strategy: rec.strategy, fill: this.commitFill(rec, f, 'rest', covered) });
    }
    if (missLots > 0)
      outputs.push({
        type: 'fill',
        strategy: rec.strategy,
        fill: this.commitCatchUp(rec, missLots, missNotional, missFees, q.asOf),
      });
    const prev = rec.state;
    this.setState(rec, t.next);
    outputs.push({ type: 'order', event, prev, order: this.view(rec) });
    return this.replayPending(rec, ok(outputs));
  }

  private commitCatchUp(rec: OrderRec, lots: number, notional: bigint, fees: FeeTotal[], asOf: number): FillRecord {
    rec.filledSize += lots;
    rec.filledNotional += notional;
    for (const t of fees) rec.fees.set(t.currency, (rec.fees.get(t.currency) ?? 0n) + t.amount);
    rec.catchUpLots += lots;
    rec.catchUpAsOf = Math.max(rec.catchUpAsOf, asOf);
    rec.catchUpSeq++;
    this.counters.catchUpFills++;
    const fr: FillRecord = {
      clientId: rec.clientId,
      tradeId: `catchup:${rec.clientId}:${rec.catchUpSeq}`,
      price: Number(notional / BigInt(lots)),
      size: lots,
      notional,
      fees,
      source: 'catch-up',
      synthetic: true,
      covered: false,
      liquidity: undefined,
      ts: asOf,
    };
    this.pushFill(rec, fr);
    return fr;
  }

  // ----- reads ------------------------------------------------------------------------------

  get(clientId: string): OrderView | undefined {
    const h = this.byClient.get(clientId);
    return h === undefined ? undefined : this.view(this.orders[h] as OrderRec);
  }

  getByVenueId(venueOrderId: string): OrderView | undefined {
    const h = this.byVenue.get(venueOrderId);
    return h === undefined ? undefined : this.view(this.orders[h] as OrderRec);
  }

  handleOf(clientId: string): number | undefined {
    return this.byClient.get(clientId);
  }

  /** Fill records of an order, oldest first (feed, REST, catch-up and covered ones). */
  fills(clientId: string): readonly FillRecord[] {
    const h = this.byClient.get(clientId);
    return h === undefined ? [] : [...(this.orders[h] as OrderRec).fills];
  }

  /** Live orders of a strategy (every non-terminal state), oldest first. */
  openOrders(strategy: string): OrderView[] {
    return [...this.index.open(strategy)].map((h) => this.view(this.orders[h] as OrderRec));
  }

  /** The most recent closed orders of a strategy (capped), oldest first. */
  closedOrders(strategy: string): OrderView[] {
    return [...this.index.closed(strategy)].map((h) => this.view(this.orders[h] as OrderRec));
  }

  openCount(strategy: string): number {
    return this.index.open(strategy).size;
  }

  strategies(): string[] {
    return this.index.strategies();
  }

  stats(): TrackerStats {
    return { orders: this.live, ...this.counters, pending: { ...this.pending.stats, waitingIds: this.pending.size } };
  }

  // ----- internals --------------------------------------------------------------------------

  private fail(e: DeskgateError): OmsResult {
    this.errors.record(e);
    return { ok: false, outputs: [], errors: [e] };
  }

  private lookup(clientId: unknown): OrderRec | DeskgateError {
    if (typeof clientId !== 'string') return badEvent('clientId must be a string');
    const h = this.byClient.get(clientId);
    if (h === undefined) return dgError('DG_E_OMS_UNKNOWN_ORDER', `client id ${clientId.slice(0, 64)}`);
    return this.orders[h] as OrderRec;
  }

  /**
   * One table event: check the table, then the guard on order data, then apply `mutate` and the
   * new state. Nothing changes on error.
   */
  private step(
    rec: OrderRec,
    event: OrderEvent,
    mutate?: () => void,
    guard?: () => DeskgateError | undefined,
  ): OmsResult {
    const t = transition(rec.state, event);
    if (!t.ok) return this.fail(t.error);
    const g = guard?.();
    if (g) return this.fail(g);
    if (t.next === 'rejected' && rec.filledSize > 0) {
      return this.fail(dgError('DG_E_OMS_CONTRADICTION', `${rec.clientId}: ${event} would reject an order with fills`));
    }
    mutate?.();
    const prev = rec.state;
    this.setState(rec, t.next);
    return ok([{ type: 'order', event, prev, order: this.view(rec) }]);
  }

  private setState(rec: OrderRec, next: OrderState): void {
    const prev = rec.state;
    const now = this.clock.now();
    rec.state = next;
    rec.version++;
    rec.updatedAt = now;
    if (next === 'unknown') {
      if (prev !== 'unknown') rec.queryAfter = now;
      this.unknownSet.add(rec.handle);
    } else if (prev === 'unknown') {
      this.unknownSet.delete(rec.handle);
    }
    if (!isTerminal(prev) && isTerminal(next)) {
      const evicted = this.index.close(rec.strategy, rec.handle);
      if (evicted !== undefined) this.forget(evicted);
    }
  }

  /** Drop a closed order pushed out of its strategy's closed list. */
  private forget(handle: number): void {
    const rec = this.orders[handle];
    if (rec === undefined) return;
    this.byClient.delete(rec.clientId);
    if (rec.venueOrderId !== undefined) this.byVenue.delete(rec.venueOrderId);
    this.orders[handle] = undefined;
    this.freeHandles.push(handle);
    this.live--;
    this.counters.forgotten++;
  }

  private linkConflict(rec: OrderRec, venueOrderId: string): DeskgateError | undefined {
    if (rec.venueOrderId !== undefined && rec.venueOrderId !== venueOrderId) {
      return dgError(
        'DG_E_OMS_VENUE_ID_CONFLICT',
        `${rec.clientId} is ${rec.venueOrderId}, reply says ${venueOrderId}`,
      );
    }
    const other = this.byVenue.get(venueOrderId);
    if (other !== undefined && other !== rec.handle) {
      return dgError(
        'DG_E_OMS_VENUE_ID_CONFLICT',
        `${venueOrderId} already belongs to ${(this.orders[other] as OrderRec).clientId}`,
      );
    }
    return undefined;
  }

  private link(rec: OrderRec, venueOrderId: string): void {
    if (rec.venueOrderId === venueOrderId) return;
    rec.venueOrderId = venueOrderId;
    this.byVenue.set(venueOrderId, rec.handle);
  }

  /** After a REST reply or query linked the venue id, apply feed events held for it, in order. */
  private replayPending(rec: OrderRec, first: OmsResult): OmsResult {
    if (rec.venueOrderId === undefined || !this.pending.has(rec.venueOrderId)) return first;
    const outputs = [...first.outputs];
    const errors = [...first.errors];
    for (const e of this.pending.take(rec.venueOrderId)) {
      const r = this.applyFeed(rec, e);
      outputs.push(...r.outputs);
      errors.push(...r.errors);
    }
    return ok(outputs, errors);
  }

  private view(rec: OrderRec): OrderView {
    return {
      handle: rec.handle,
      clientId: rec.clientId,
      strategy: rec.strategy,
      instrument: rec.instrument,
      side: rec.side,
      price: rec.price,
      size: rec.size,
      state: rec.state,
      venueOrderId: rec.venueOrderId,
      filledSize: rec.filledSize,
      filledNotional: rec.filledNotional,
      fees: feesOf(rec.fees),
      cancelRequested: rec.cancelRequested,
      createdAt: rec.createdAt,
      updatedAt: rec.updatedAt,
      version: rec.version,
    };
  }

  private validateNewOrder(o: NewOrder): DeskgateError | undefined {
    if (typeof o !== 'object' || o === null) return badEvent('order is not an object');
    if (typeof o.clientId !== 'string' || !CLIENT_ID_RE.test(o.clientId)) {
      return dgError('DG_E_OMS_BAD_CLIENT_ID', JSON.stringify(String(o.clientId).slice(0, 64)));
    }
    const badStrategy = validateStrategy(o.strategy);
    if (badStrategy) return badStrategy;
    if (this.profile) {
      const p = parseClientOrderId(this.profile, o.clientId);
      if (!p.ok) return p.error;
      if (p.value.strategy !== o.strategy)
        return dgError('DG_E_OMS_BAD_CLIENT_ID', `${o.clientId} is not an id of strategy ${o.strategy}`);
    }
    if (!isNonNegInt(o.instrument)) return badEvent('instrument must be a handle');
    if (o.side !== 0 && o.side !== 1) return badEvent('side must be 0 (buy) or 1 (sell)');
    if (o.price !== undefined && !isPosInt(o.price)) return badEvent('price must be positive integer ticks');
    if (o.size !== undefined && !isPosInt(o.size)) return badEvent('size must be positive integer lots');
    return undefined;
  }

  private validateFeed(ev: FeedEvent): DeskgateError | undefined {
    if (typeof ev !== 'object' || ev === null) return badEvent('feed event is not an object');
    if (!isNonEmptyText(ev.venueOrderId)) return badEvent('feed event: venueOrderId');
    if (ev.clientId !== undefined && !isNonEmptyText(ev.clientId)) return badEvent('feed event: clientId');
    switch (ev.kind) {
      case 'accepted':
        return isTime(ev.ts) ? undefined : badEvent('accepted: ts');
      case 'fill':
        return validateFill(ev.fill);
      case 'done':
        if (ev.reason !== 'filled' && ev.reason !== 'canceled' && ev.reason !== 'expired')
          return badEvent('done: reason');
        return isTime(ev.ts) ? undefined : badEvent('done: ts');
      default:
        return badEvent(`feed event kind ${JSON.stringify(String((ev as { kind?: unknown }).kind))}`);
    }
  }

  private validateFound(q: Extract<QueryResult, { found: true }>): DeskgateError | undefined {
    if (!isNonEmptyText(q.venueOrderId)) return badEvent('query: venueOrderId');
    if (!['open', 'filled', 'canceled', 'expired', 'rejected'].includes(q.status))
      return badEvent(`query: status ${String(q.status)}`);
    if (!isNonNegInt(q.filledSize)) return badEvent('query: filledSize must be non-negative integer lots');
    if (typeof q.filledNotional !== 'bigint' || q.filledNotional < 0n)
      return badEvent('query: filledNotional must be a non-negative bigint');
    if (!isTime(q.asOf)) return badEvent('query: asOf');
    const badFees = validateFees(q.fees);
    if (badFees) return badFees;
    if (q.fills !== undefined) {
      if (!Array.isArray(q.fills)) return badEvent('query: fills must be an array');
      for (const f of q.fills) {
        const b = validateFill(f);
        if (b) return b;
      }
    }
    return undefined;
  }
}
