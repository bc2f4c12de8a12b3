/**
 * The kernel's state and the one function that changes it: `apply(kind, type, payload)`. Live
 * inputs and journal replay both go through it, so replay rebuilds exactly the state the live
 * process had. Pure (design principle 1): no I/O, no timers; time from the injected clock (during
 * replay, the journaled time of each entry).
 *
 * Venue events → OrderTracker (the one owner of order state) → its fill records → the ledger
 * (settled into the order's strategy slot) → outputs collected for the bus and shm.
 */
import type { Clock } from '../core/clock.js';
import { dgError, ErrorCounter, isDeskgateError, type DeskgateError } from '../core/errors.js';
import type { Instrument } from '../core/instrument.js';
import type { LedgerFill } from '../ledger/balances.js';
import { executeBalanceCommand } from '../ledger/commands.js';
import { CurrencyBook } from '../ledger/currencies.js';
import { initReservationKey, MAIN_SLOT, SubAccounts } from '../ledger/sub-accounts.js';
import type { ClientIdProfile } from '../oms/client-order-id.js';
import type { FillRecord, OmsResult, OrderView, QueryResult } from '../oms/order-io.js';
import { isTerminal, type OrderEvent, type OrderState } from '../oms/order-states.js';
import { OrderTracker } from '../oms/order-tracker.js';
import { ledgerFillOf } from './amounts.js';
import type {
  CancelEntry,
  CurrencyEntry,
  FeeEntry,
  FillEntry,
  InitEntry,
  OrderEntry,
  PlaceEntry,
  QueryEntry,
  ReconcileEntry,
  RegisterEntry,
  ReleaseInitEntry,
  ReplyEntry,
  StartEntry,
} from './journal-entries.js';

export interface OrderOut {
  readonly event: OrderEvent | 'submit';
  readonly prev: OrderState | undefined;
  readonly order: OrderView;
}

export interface FillOut {
  readonly strategy: string;
  readonly side: 0 | 1;
  readonly instrument: Instrument;
  readonly fill: FillRecord;
  /** The ledger fill that was settled (undefined for a covered record). */
  readonly ledger: LedgerFill | undefined;
}

/** Outputs of applied entries, drained by the live kernel (discarded during replay). */
export interface Outputs {
  orders: OrderOut[];
  fills: FillOut[];
  currencies: Set<string>;
}

interface Pending {
  readonly venueFilled: number;
  readonly since: number;
  /** A done event held until the fills it implies have arrived. */
  readonly done?: 'filled' | 'canceled';
  readonly venueOrderId?: string;
}

export interface KernelStateOptions {
  readonly clock: Clock;
  readonly instrumentOf: (symbol: string) => Instrument | undefined;
  readonly instrumentById: (id: number) => Instrument | undefined;
  readonly clientIdProfile: ClientIdProfile;
  readonly notFoundGraceMs?: number;
  readonly errors: ErrorCounter;
}

export class KernelState {
  currencies = new CurrencyBook();
  ledger: SubAccounts | undefined;
  readonly tracker: OrderTracker;
  epoch = 0;
  /** Orders whose venue fill count is ahead of the tracker's (fills in transit or lost). */
  readonly lagging = new Map<string, Pending>();
  /** Recent ledger fills with the local time they were applied (reconciliation in-flight window). */
  recentFills: { at: number; fill: LedgerFill }[] = [];
  out: Outputs = { orders: [], fills: [], currencies: new Set() };
  /**
   * Executions whose fee is booked, per order: from a `fee` entry (REST) or a fill that carried a
   * non-zero fee. Makes `fee` entries idempotent per (order, tradeId); `lots` tells when an order's
   * fees cover all its fills.
   */
  readonly fees = new Map<string, { trades: Set<string>; lots: number }>();
  /** Value of the last balance command applied (the command's reply). */
  lastResult: unknown;
  readonly counters = {
    fills: 0,
    catchUpFills: 0,
    coveredFills: 0,
    settleErrors: 0,
    reconciles: 0,
    drifts: 0,
    corrected: 0,
    uncorrectable: 0,
    inFlightExplained: 0,
    restFees: 0,
  };

  constructor(private readonly opts: KernelStateOptions) {
    this.tracker = new OrderTracker({
      clock: opts.clock,
      errors: opts.errors,
      clientIdProfile: opts.clientIdProfile,
      ...(opts.notFoundGraceMs !== undefined ? { notFoundGraceMs: opts.notFoundGraceMs } : {}),
    });
  }

  get initialised(): boolean {
    return this.ledger !== undefined;
  }

  requireLedger(): SubAccounts {
    if (!this.ledger) throw dgError('DG_E_GATEWAY_NOT_READY', 'ledger not initialised');
    return this.ledger;
  }

  takeOutputs(): Outputs {
    const o = this.out;
    this.out = { orders: [], fills: [], currencies: new Set() };
    return o;
  }

  /** Apply one journaled input. Returns the error when the state refused it (state unchanged). */
  apply(kind: string, type: string, payload: unknown): DeskgateError | undefined {
    try {
      return kind === 'cmd'
        ? this.applyCommand(type, payload)
        : kind === 'evt'
          ? this.applyEvent(type, payload)
          : undefined;
    } catch (e) {
      return isDeskgateError(e)
        ? e
        : dgError('DG_E_GATEWAY_REPLAY', `${kind}/${type}: ${e instanceof Error ? e.message : String(e)}`);
    }
  }

  private applyCommand(type: string, p: unknown): DeskgateError | undefined {
    switch (type) {
      case 'register': {
        const r = this.requireLedger().registerStrategy((p as RegisterEntry).strategy, (p as RegisterEntry).index);
        return r.ok ? undefined : r.error;
      }
      case 'allocate':
      case 'release':
      case 'adjust': {
        const r = executeBalanceCommand(this.requireLedger(), p);
        if (!r.ok) return r.error;
        this.lastResult = r.value;
        this.out.currencies.add(r.value.currency);
        return undefined;
      }
      case 'place':
        return this.applyPlace(p as PlaceEntry);
      case 'cancel':
        return this.oms(this.tracker.requestCancel((p as CancelEntry).clientId));
      case 'query':
        return undefined; // read-only
      default:
        return dgError('DG_E_GATEWAY_REPLAY', `unknown command entry ${type}`);
    }
  }

  private applyEvent(type: string, p: unknown): DeskgateError | undefined {
    switch (type) {
      case 'init':
        return this.applyInit(p as InitEntry);
      case 'start':
        this.epoch = (p as StartEntry).epoch;
        return undefined;
      case 'currency': {
        const c = p as CurrencyEntry;
        const r = this.currencies.add(c.code, c.scale);
        return r.ok ? undefined : r.error;
      }
      case 'placed':
        return this.oms(this.tracker.onAck((p as ReplyEntry).clientId, String((p as ReplyEntry).venueOrderId)));
      case 'place-rejected':
        return this.oms(this.tracker.onReject((p as ReplyEntry).clientId, (p as ReplyEntry).message ?? 'rejected'));
      case 'place-timeout':
      case 'cancel-timeout':
        return this.oms(this.tracker.onTimeout((p as ReplyEntry).clientId));
      case 'cancel-acked':
        return this.oms(this.tracker.onCancelAck((p as ReplyEntry).clientId));
      case 'cancel-rejected':
        return this.oms(this.tracker.onCancelReject((p as ReplyEntry).clientId, (p as ReplyEntry).message));
      case 'order':
        return this.applyOrder(p as OrderEntry);
      case 'fill':
        return this.applyFill(p as FillEntry);
      case 'fee':
        return this.applyFee(p as FeeEntry);
      case 'query':
        return this.applyQuery(p as QueryEntry);
      case 'disconnect':
        return this.oms(this.tracker.onDisconnect());
      case 'reconcile':
        return this.applyReconcile(p as ReconcileEntry);
      case 'release-init': {
        const ledger = this.requireLedger();
        for (const c of (p as ReleaseInitEntry).currencies) {
          if (ledger.reservation(initReservationKey(c))) {
            const r = ledger.releaseReservation(initReservationKey(c));
            if (!r.ok) return r.error;
            this.out.currencies.add(c);
          }
        }
        return undefined;
      }
      default:
        return dgError('DG_E_GATEWAY_REPLAY', `unknown event entry ${type}`);
    }
  }

  private applyInit(p: InitEntry): DeskgateError | undefined {
    if (this.ledger) return dgError('DG_E_GATEWAY_REPLAY', 'second init entry');
    const book = new CurrencyBook();
    for (const [code, scale] of Object.entries(p.scales)) {
      const r = book.add(code, scale);
      if (!r.ok) return r.error;
    }
    const ledger = new SubAccounts(book, { strategyCount: p.strategyCount, strategies: p.strategies });
    const r = ledger.initFromVenue({
      ts: p.ts,
      balances: p.balances.map((b) => ({ currency: b.currency, free: BigInt(b.free), frozen: BigInt(b.frozen) })),
    });
    if (!r.ok) return r.error;
    this.currencies = book;
    this.ledger = ledger;
    for (const c of ledger.codes()) this.out.currencies.add(c);
    return undefined;
  }

  private applyPlace(p: PlaceEntry): DeskgateError | undefined {
    const ledger = this.requireLedger();
    const inst = this.opts.instrumentOf(p.symbol);
    if (!inst) return dgError('DG_E_UNKNOWN_INSTRUMENT', p.symbol);
    const res = ledger.reserve(p.strategy, p.reserve.currency, BigInt(p.reserve.amount), p.clientId);
    if (!res.ok) return res.error;
    const r = this.tracker.submit({
      clientId: p.clientId,
      strategy: p.strategy,
      instrument: inst.id,
      side: p.side,
      ...(p.type === 'limit' && p.price !== undefined ? { price: p.price } : {}),
      size: p.size,
    });
    if (!r.ok) {
      ledger.releaseReservation(p.clientId);
      return r.errors[0] ?? dgError('DG_E_INTERNAL', 'submit refused');
    }
    this.out.currencies.add(res.value.currency);
    return this.oms(r);
  }

  private applyOrder(p: OrderEntry): DeskgateError | undefined {
    const view = this.tracker.get(p.clientId);
    if (!view) return dgError('DG_E_OMS_UNKNOWN_ORDER', p.clientId);
    const now = this.opts.clock.now();
    if (p.filledSize > view.filledSize) {
      const prev = this.lagging.get(p.clientId);
      this.lagging.set(p.clientId, {
        venueFilled: Math.max(p.filledSize, prev?.venueFilled ?? 0),
        since: prev?.since ?? now,
        venueOrderId: p.venueOrderId,
        ...(p.status === 'filled' || p.status === 'canceled'
          ? { done: p.status }
          : prev?.done
            ? { done: prev.done }
            : {}),
      });
    }
    switch (p.status) {
      case 'received':
      case 'open':
      case 'partial':
        return this.oms(
          this.tracker.onFeed({ kind: 'accepted', venueOrderId: p.venueOrderId, clientId: p.clientId, ts: p.ts }),
        );
      case 'filled':
      case 'canceled':
        // A done event ahead of its fills waits for them (or for a query): a `canceled` applied now
        // would make the late fills illegal in the state table.
        if (p.filledSize > view.filledSize) return undefined;
        return this.oms(
          this.tracker.onFeed({
            kind: 'done',
            venueOrderId: p.venueOrderId,
            clientId: p.clientId,
            reason: p.status,
            ts: p.ts,
          }),
        );
      case 'rejected':
        return this.oms(this.tracker.onReject(p.clientId, 'venue reports the order rejected'));
      default:
        return dgError('DG_E_OMS_BAD_EVENT', `status ${String(p.status)}`);
    }
  }

  private applyFill(p: FillEntry): DeskgateError | undefined {
    const err = this.oms(
      this.tracker.onFeed({
        kind: 'fill',
        venueOrderId: p.venueOrderId,
        clientId: p.clientId,
        fill: {
          tradeId: p.tradeId,
          price: p.price,
          size: p.size,
          fee: BigInt(p.fee),
          feeCurrency: p.feeCurrency,
          ...(p.liquidity ? { liquidity: p.liquidity } : {}),
          ts: p.ts,
        },
      }),
    );
    this.catchUpLag(p.clientId, p.ts);
    if (!err && BigInt(p.fee) !== 0n) this.noteFee(p.clientId, p.tradeId, p.size);
    return err;
  }

  /** Lots of `clientId`'s fills whose fee is booked. */
  feeLots(clientId: string): number {
    return this.fees.get(clientId)?.lots ?? 0;
  }

  feeBooked(clientId: string, tradeId: string): boolean {
    return this.fees.get(clientId)?.trades.has(tradeId) ?? false;
  }

  private noteFee(clientId: string, tradeId: string, size: number): void {
    let f = this.fees.get(clientId);
    if (!f) this.fees.set(clientId, (f = { trades: new Set(), lots: 0 }));
    if (f.trades.has(tradeId)) return;
    f.trades.add(tradeId);
    f.lots += size;
  }

  /**
   * Charge one execution's fee to the order's strategy slot (a rebate credits it). The ledger has no
   * "fee only" movement, so it is two steps: the strategy gives the fee back to main (release), then
   * main's total is corrected by it (the venue already took it); a rebate goes the other way. Either
   * step failing leaves the ledger as it was and refuses the entry.
   */
  private applyFee(p: FeeEntry): DeskgateError | undefined {
    const ledger = this.requireLedger();
    const view = this.tracker.get(p.clientId);
    if (!view) return dgError('DG_E_OMS_UNKNOWN_ORDER', p.clientId);
    if (this.feeBooked(p.clientId, p.tradeId)) return undefined;
    const fee = BigInt(p.fee);
    const slot = ledger.slotOf(view.strategy);
    if (slot === undefined) return dgError('DG_E_LEDGER_UNKNOWN_STRATEGY', view.strategy);
    if (slot === MAIN_SLOT) {
      const c = ledger.correctMain(p.feeCurrency, -fee);
      if (!c.ok) return c.error;
    } else if (fee > 0n) {
      const r = ledger.release(view.strategy, p.feeCurrency, fee, slot);
      if (!r.ok) return r.error;
      const c = ledger.correctMain(p.feeCurrency, -fee);
      if (!c.ok) {
        ledger.allocate(view.strategy, p.feeCurrency, fee, slot);
        return c.error;
      }
    } else if (fee < 0n) {
      const c = ledger.correctMain(p.feeCurrency, -fee);
      if (!c.ok) return c.error;
      const a = ledger.allocate(view.strategy, p.feeCurrency, -fee, slot);
      if (!a.ok) {
        ledger.correctMain(p.feeCurrency, fee);
        return a.error;
      }
    }
    this.noteFee(p.clientId, p.tradeId, p.size);
    this.counters.restFees++;
    if (fee !== 0n) {
      this.out.currencies.add(p.feeCurrency);
      // For reconciliation the fee is one more in-flight change at its execution time: a balance
      // snapshot taken before that execution does not have it yet (reconcile.ts, suffix rule). A
      // fill of zero amounts carries just the fee's total delta.
      this.recentFills.push({
        at: this.opts.clock.now(),
        fill: {
          tradeId: `fee:${p.tradeId}`,
          orderKey: p.clientId,
          side: 'buy',
          base: p.feeCurrency,
          quote: p.feeCurrency,
          baseAmount: 0n,
          quoteAmount: 0n,
          fee,
          feeCurrency: p.feeCurrency,
          ts: p.ts,
        },
      });
    }
    return undefined;
  }

  /** Fills have caught up with what the venue reported: drop the lag, apply a held done. */
  private catchUpLag(clientId: string, ts: number): void {
    const lag = this.lagging.get(clientId);
    if (!lag) return;
    const view = this.tracker.get(clientId);
    if (!view || isTerminal(view.state)) {
      this.lagging.delete(clientId);
      return;
    }
    if (view.filledSize < lag.venueFilled) return;
    this.lagging.delete(clientId);
    if (lag.done && lag.venueOrderId !== undefined) {
      this.oms(this.tracker.onFeed({ kind: 'done', venueOrderId: lag.venueOrderId, clientId, reason: lag.done, ts }));
    }
  }

  private applyQuery(p: QueryEntry): DeskgateError | undefined {
    let q: QueryResult;
    if (!p.found) q = { clientId: p.clientId, found: false };
    else {
      q = {
        clientId: p.clientId,
        found: true,
        venueOrderId: String(p.venueOrderId),
        status: p.status ?? 'open',
        filledSize: p.filledSize ?? 0,
        filledNotional: BigInt(p.filledNotional ?? '0'),
        asOf: p.asOf ?? 0,
      };
    }
    const err = this.oms(this.tracker.onQueryResult(q));
    const view = this.tracker.get(p.clientId);
    if (!view || isTerminal(view.state) || (p.found && (p.filledSize ?? 0) <= view.filledSize))
      this.lagging.delete(p.clientId);
    return err;
  }

  private applyReconcile(p: ReconcileEntry): DeskgateError | undefined {
    const ledger = this.requireLedger();
    this.counters.reconciles++;
    for (const r of p.records) if (r.verdict === 'in_flight') this.counters.inFlightExplained++;
    let first: DeskgateError | undefined;
    for (const c of p.corrections) {
      this.counters.drifts++;
      const r = ledger.correctMain(c.currency, BigInt(c.drift));
      if (r.ok) {
        this.counters.corrected++;
        this.out.currencies.add(c.currency);
      } else {
        this.counters.uncorrectable++;
        first ??= r.error;
      }
    }
    return first;
  }

  /** Absorb an OrderTracker result: settle fills into the ledger, release reservations of done orders. */
  private oms(r: OmsResult): DeskgateError | undefined {
    const ledger = this.ledger;
    for (const o of r.outputs) {
      if (o.type === 'order') {
        this.out.orders.push({ event: o.event, prev: o.prev, order: o.order });
        const held = isTerminal(o.order.state) ? ledger?.reservation(o.order.clientId) : undefined;
        if (ledger && held) {
          const rel = ledger.releaseReservation(o.order.clientId);
          if (rel.ok) this.out.currencies.add(held.currency);
          else this.opts.errors.record(rel.error);
        }
        if (isTerminal(o.order.state)) this.lagging.delete(o.order.clientId);
        continue;
      }
      const view = this.tracker.get(o.fill.clientId);
      const inst = view ? this.opts.instrumentById(view.instrument) : undefined;
      if (!view || !inst || !ledger) {
        this.counters.settleErrors++;
        continue;
      }
      if (o.fill.covered) {
        this.counters.coveredFills++;
        this.out.fills.push({
          strategy: o.strategy,
          side: view.side,
          instrument: inst,
          fill: o.fill,
          ledger: undefined,
        });
        continue;
      }
      const lf = ledgerFillOf(this.currencies, inst, view.side, o.fill);
      if (!lf.ok) {
        this.counters.settleErrors++;
        this.opts.errors.record(lf.error);
        continue;
      }
      const s = ledger.settleFill(lf.value, o.strategy);
      if (!s.ok) {
        this.counters.settleErrors++;
        this.opts.errors.record(s.error);
        continue;
      }
      this.counters.fills++;
      if (o.fill.synthetic) this.counters.catchUpFills++;
      this.recentFills.push({ at: this.opts.clock.now(), fill: lf.value });
      this.out.currencies.add(lf.value.base).add(lf.value.quote).add(lf.value.feeCurrency);
      this.out.fills.push({ strategy: o.strategy, side: view.side, instrument: inst, fill: o.fill, ledger: lf.value });
    }
    return r.ok ? undefined : (r.errors[0] ?? undefined);
  }

  /** Forget in-flight candidates older than `cutoff` (local ms). */
  pruneRecentFills(cutoff: number): void {
    let i = 0;
    while (i < this.recentFills.length && this.recentFills[i].at < cutoff) i++;
    if (i > 0) this.recentFills = this.recentFills.slice(i);
  }
}
