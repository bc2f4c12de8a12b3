/**
 * Fees the venue's private stream does not carry (KuCoin's tradeOrders; `capabilities.
 * fillFeesOnStream` false): the kernel asks the venue's REST fills of the order (`Venue.orderFills`)
 * and journals one `fee` entry per execution, which KernelState charges to the order's strategy slot.
 * Without this the fee would only show as balance drift at reconciliation and be booked into main.
 *
 * When: as soon as an order with fills is done (filled, or cancelled after fills), and for an open
 * order with fills at most every `intervalMs`. An order leaves the watch list when its booked fee
 * lots cover its filled lots (or after `maxTries` asks in a row that booked nothing: logged, counted).
 * REST goes through the venue's own rate limiter (CcxtVenue.rest).
 */
import { dgError, type ErrorCounter } from '../core/errors.js';
import type { Instrument } from '../core/instrument.js';
import { normaliseCurrency } from '../ledger/currencies.js';
import { isTerminal } from '../oms/order-states.js';
import type { Venue } from '../venue/venue.js';
import type { FeeEntry } from './journal-entries.js';
import type { KernelState } from './kernel-state.js';

export interface RestFeesDeps {
  readonly venue: Venue;
  readonly state: KernelState;
  readonly errors: ErrorCounter;
  readonly now: () => number;
  readonly live: () => boolean;
  readonly instrumentById: (id: number) => Instrument | undefined;
  /** Journal + apply one kernel event (the kernel's record()). */
  readonly record: (type: 'fee' | 'currency', payload: object) => void;
  readonly log: (line: string) => void;
  /** Least time between two asks about one open order. */
  readonly intervalMs: number;
  /** Asks in a row that book nothing before an order is dropped. Default 10. */
  readonly maxTries?: number;
}

interface Watch {
  last: number;
  tries: number;
}

export class RestFees {
  /** Orders whose fills are not all fee-booked yet: client id → last ask. */
  private readonly watch = new Map<string, Watch>();
  private readonly busy = new Set<string>();
  readonly counters = { asks: 0, askErrors: 0, noFee: 0, gaveUp: 0 };

  constructor(private readonly d: RestFeesDeps) {}

  /** True where the venue's stream has no fees and the venue can list an order's fills. */
  static needed(venue: Venue): boolean {
    return !venue.capabilities.fillFeesOnStream && typeof venue.orderFills === 'function';
  }

  get watching(): number {
    return this.watch.size;
  }

  /** An order filled (more): watch it; a done one is asked about now. */
  touched(clientId: string): void {
    const v = this.d.state.tracker.get(clientId);
    if (!v || v.filledSize <= this.d.state.feeLots(clientId)) return;
    if (!this.watch.has(clientId)) this.watch.set(clientId, { last: 0, tries: 0 });
    if (isTerminal(v.state)) void this.ask(clientId);
  }

  /** After a restart: every order (live or done) with fills not all fee-booked. */
  adoptFromTracker(): void {
    const t = this.d.state.tracker;
    for (const s of t.strategies()) {
      for (const v of [...t.openOrders(s), ...t.closedOrders(s)]) {
        if (v.filledSize > this.d.state.feeLots(v.clientId) && !this.watch.has(v.clientId))
          this.watch.set(v.clientId, { last: 0, tries: 0 });
      }
    }
  }

  /** Ask about every watched order that is due (`all`: every watched order now). */
  async sweep(all: boolean): Promise<void> {
    const now = this.d.now();
    const due = [...this.watch].filter(([, w]) => all || now - w.last >= this.d.intervalMs).map(([cid]) => cid);
    for (const cid of due) {
      if (!this.d.live()) return;
      await this.ask(cid);
    }
  }

  private async ask(clientId: string): Promise<void> {
    if (this.busy.has(clientId) || !this.d.live()) return;
    const w = this.watch.get(clientId);
    const v = this.d.state.tracker.get(clientId);
    const inst = v ? this.d.instrumentById(v.instrument) : undefined;
    const orderFills = this.d.venue.orderFills?.bind(this.d.venue);
    if (!w || !v || !inst || v.venueOrderId === undefined || !orderFills) {
      this.watch.delete(clientId);
      return;
    }
    this.busy.add(clientId);
    try {
      w.last = this.d.now();
      this.counters.asks++;
      const before = this.d.state.feeLots(clientId);
      const r = await orderFills(inst, v.venueOrderId);
      if (!this.d.live()) return;
      if (!r.ok) {
        this.counters.askErrors++;
        this.d.errors.record(r.error);
      } else {
        for (const f of r.value) this.book(clientId, f.tradeId, f.size, f.fee, f.ts);
      }
      const now = this.d.state.tracker.get(clientId);
      if (!now || now.filledSize <= this.d.state.feeLots(clientId)) {
        this.watch.delete(clientId);
      } else if (this.d.state.feeLots(clientId) > before) {
        w.tries = 0;
      } else if (++w.tries >= (this.d.maxTries ?? 10)) {
        // No progress in maxTries asks (fills missing from REST, or fees the ledger refused): stop
        // asking; a new fill of the order watches it again.
        this.watch.delete(clientId);
        this.counters.gaveUp++;
        this.d.log(
          `fees of ${clientId}: ${this.d.state.feeLots(clientId)} of ${now.filledSize} lots booked after ${w.tries} asks; the rest is left to reconciliation`,
        );
      }
    } finally {
      this.busy.delete(clientId);
    }
  }

  private book(
    clientId: string,
    tradeId: string,
    size: number,
    fee: { readonly currency: string; readonly amount: string } | undefined,
    ts: number,
  ): void {
    if (this.d.state.feeBooked(clientId, tradeId)) return;
    if (!fee) {
      this.counters.noFee++;
      return;
    }
    const code = normaliseCurrency(fee.currency);
    if (!code) {
      this.d.errors.record(dgError('DG_E_VENUE_BAD_REPLY', `fee currency ${fee.currency.slice(0, 16)}`));
      return;
    }
    const book = this.d.state.currencies;
    if (!book.get(code)) this.d.record('currency', { code, scale: 18 });
    const u = this.d.state.currencies.toUnits(code, fee.amount);
    if (!u.ok) {
      this.d.errors.record(u.error);
      return;
    }
    const entry: FeeEntry = { clientId, tradeId, size, fee: u.value.toString(), feeCurrency: code, ts };
    this.d.record('fee', entry);
  }
}
