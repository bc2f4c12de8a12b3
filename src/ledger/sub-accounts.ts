/**
 * Virtual sub-accounts (S4.3): per currency, slot 0 = the account total, slot 1 = main
 * (available, unallocated), slots 2..N+1 = one per strategy. Every slot ≥ 1 holds `free` and
 * `reserved` (held by that slot's open orders); slot 0 is the Balances row itself, so
 * Σ slots 1.. = slot 0 is a checked invariant (`checkInvariants`), not a definition.
 *
 * Commands (S4.4): allocate (main → strategy), release (strategy → main), adjust (external
 * transfer into/out of main). Orders: `reserve` takes from the strategy's free, `releaseReservation`
 * gives back what is left, `settleFill` spends reserved and credits the slot. Every operation is
 * all-or-nothing and returns an error value (state unchanged) when it would break an invariant.
 */
import { Balances, checkFill, type CurrencyBalance, type LedgerFill, type VenueSnapshot } from './balances.js';
import type { CurrencyBook } from './currencies.js';
import { fail, ok, type LedgerResult } from './result.js';
import type { BalanceTable } from './shm-layout.js';

export const TOTAL_SLOT = 0;
export const MAIN_SLOT = 1;
export const FIRST_STRATEGY_SLOT = 2;
/** Name of slot 1 in commands and reservations. */
export const MAIN_NAME = 'main';
export const DEFAULT_STRATEGY_COUNT = 8;
/** Reservation key under which a venue's frozen balance at start-up is held in slot 1. */
export const initReservationKey = (currency: string): string => `venue-init:${currency}`;

const NAME_RE = /^[A-Za-z0-9._:-]{1,15}$/;

export interface SubAccountsConfig {
  /** Number of strategy slots (slots 2 … strategyCount+1). Default 8. */
  readonly strategyCount?: number;
  /** Strategies known at start: name → slot index (2 …). */
  readonly strategies?: Readonly<Record<string, number>>;
}

export type SlotBalance = CurrencyBalance;

export interface Reservation {
  readonly orderKey: string;
  readonly slot: number;
  readonly currency: string;
  /** Reserved and not yet spent. */
  readonly remaining: bigint;
}

export interface FillSettlement {
  readonly slot: number;
  /** Part of the spent leg that came out of the order's reservation. */
  readonly fromReserved: bigint;
  /** Reservation left on the order after this fill (0 if none). */
  readonly reservationLeft: bigint;
}

/** An allocation carried over a restart (from the journal). */
export interface Allocation {
  readonly strategy: string;
  readonly currency: string;
  readonly amount: bigint;
}

interface SlotRow {
  readonly free: bigint[];
  readonly reserved: bigint[];
}

interface SlotDelta {
  readonly currency: string;
  readonly slot: number;
  readonly dFree: bigint;
  readonly dReserved: bigint;
}

/** Read-only view of the account rows (slot 0); mutate only through SubAccounts. */
export type BalancesView = Pick<Balances, 'get' | 'codes'>;

export class SubAccounts {
  private readonly bal: Balances;
  /** Slots including 0 (total) and 1 (main). */
  readonly slotCount: number;
  private readonly names: (string | undefined)[];
  private readonly byName = new Map<string, number>();
  private readonly rows = new Map<string, SlotRow>();
  private readonly reservations = new Map<string, { slot: number; currency: string; remaining: bigint }>();
  private changes = 0;

  constructor(
    readonly currencies: CurrencyBook,
    config: SubAccountsConfig = {},
  ) {
    const n = config.strategyCount ?? DEFAULT_STRATEGY_COUNT;
    if (!Number.isInteger(n) || n < 1 || n > 254) throw new RangeError(`strategyCount must be 1…254, got ${n}`);
    this.slotCount = n + FIRST_STRATEGY_SLOT;
    this.bal = new Balances(currencies);
    this.names = new Array<string | undefined>(this.slotCount).fill(undefined);
    this.names[TOTAL_SLOT] = 'total';
    this.names[MAIN_SLOT] = MAIN_NAME;
    this.byName.set(MAIN_NAME, MAIN_SLOT);
    for (const [name, index] of Object.entries(config.strategies ?? {})) {
      const r = this.registerStrategy(name, index);
      if (!r.ok) throw r.error;
    }
  }

  /** The account rows (slot 0), read-only. */
  get balances(): BalancesView {
    return this.bal;
  }

  /** Monotonic change counter (the publisher republishes when it moved). */
  get version(): number {
    return this.changes;
  }

  // ----- strategy registry ---------------------------------------------------------------------

  /** Give a strategy a slot: the one asked for, or the lowest free one. */
  registerStrategy(name: string, index?: number): LedgerResult<number> {
    if (typeof name !== 'string' || !NAME_RE.test(name) || name === MAIN_NAME || name === 'total') {
      return fail(
        'DG_E_BAD_INPUT',
        `strategy name ${JSON.stringify(String(name).slice(0, 32))}: 1–15 of [A-Za-z0-9._:-], not main/total`,
      );
    }
    if (this.byName.has(name))
      return fail('DG_E_LEDGER_DUPLICATE_STRATEGY', `${name} already has slot ${this.byName.get(name)}`);
    let slot = index;
    if (slot === undefined) {
      slot = this.names.findIndex((v, i) => i >= FIRST_STRATEGY_SLOT && v === undefined);
      if (slot < 0)
        return fail('DG_E_LEDGER_BAD_SLOT', `all ${this.slotCount - FIRST_STRATEGY_SLOT} strategy slots are taken`);
    }
    if (!Number.isInteger(slot) || slot < FIRST_STRATEGY_SLOT || slot >= this.slotCount) {
      return fail(
        'DG_E_LEDGER_BAD_SLOT',
        `strategy slots are ${FIRST_STRATEGY_SLOT}…${this.slotCount - 1}, got ${slot}`,
      );
    }
    if (this.names[slot] !== undefined)
      return fail('DG_E_LEDGER_DUPLICATE_STRATEGY', `slot ${slot} belongs to ${this.names[slot]}`);
    this.names[slot] = name;
    this.byName.set(name, slot);
    this.changes++;
    return ok(slot);
  }

  /** Slot of a strategy ("main" → 1); undefined if unknown. */
  slotOf(name: string): number | undefined {
    return this.byName.get(name);
  }

  /** Names by slot index ("total", "main", strategies; "" for an unused slot). */
  slotNames(): string[] {
    return this.names.map((n) => n ?? '');
  }

  // ----- start-up ------------------------------------------------------------------------------

  /**
   * Initialise from the venue's snapshot. Everything lands in main, except `allocations` carried
   * over a restart, which go back to their strategies (main must cover them). The venue's frozen
   * balance is held in main under the reservation `venue-init:<CUR>` until the kernel releases it
   * (having re-attached or cancelled the open orders).
   */
  initFromVenue(snap: VenueSnapshot, allocations: readonly Allocation[] = []): LedgerResult<void> {
    const probe = new Balances(this.currencies);
    const init = probe.initFromVenue(snap);
    if (!init.ok) return init;
    const rows = new Map<string, SlotRow>();
    const rowOf = (code: string): SlotRow => {
      let r = rows.get(code);
      if (!r) {
        r = { free: new Array<bigint>(this.slotCount).fill(0n), reserved: new Array<bigint>(this.slotCount).fill(0n) };
        rows.set(code, r);
      }
      return r;
    };
    for (const code of probe.codes()) {
      const b = probe.get(code)!;
      const r = rowOf(code);
      r.free[MAIN_SLOT] = b.free;
      r.reserved[MAIN_SLOT] = b.frozen;
    }
    for (const a of allocations) {
      const slot = this.byName.get(a.strategy);
      if (slot === undefined || slot < FIRST_STRATEGY_SLOT) return fail('DG_E_LEDGER_UNKNOWN_STRATEGY', a.strategy);
      const info = this.currencies.get(a.currency);
      if (!info) return fail('DG_E_LEDGER_UNKNOWN_CURRENCY', a.currency);
      if (a.amount < 0n) return fail('DG_E_LEDGER_BAD_AMOUNT', `allocation of ${a.strategy} is negative`);
      const r = rowOf(info.code);
      r.free[MAIN_SLOT] -= a.amount;
      r.free[slot] += a.amount;
      if (r.free[MAIN_SLOT] < 0n) {
        return fail('DG_E_LEDGER_INSUFFICIENT', `venue free ${info.code} does not cover the carried-over allocations`);
      }
    }
    const applied = this.bal.initFromVenue(snap);
    if (!applied.ok) return applied;
    this.rows.clear();
    for (const [k, v] of rows) this.rows.set(k, v);
    this.reservations.clear();
    for (const [code, r] of rows) {
      if (r.reserved[MAIN_SLOT] > 0n) {
        this.reservations.set(initReservationKey(code), {
          slot: MAIN_SLOT,
          currency: code,
          remaining: r.reserved[MAIN_SLOT],
        });
      }
    }
    this.changes++;
    return ok(undefined);
  }

  // ----- S4.4 commands -------------------------------------------------------------------------

  /** Move `amount` of main's free balance to the strategy's slot `index`. */
  allocate(strategy: string, currency: string, amount: bigint, index: number): LedgerResult<SlotBalance> {
    const t = this.target(strategy, currency, amount, index);
    if (!t.ok) return t;
    const { slot, code } = t.value;
    return this.commitSlots(
      [
        { currency: code, slot: MAIN_SLOT, dFree: -amount, dReserved: 0n },
        { currency: code, slot, dFree: amount, dReserved: 0n },
      ],
      () => ok(undefined),
      code,
      slot,
    );
  }

  /** Move `amount` of the strategy's free balance back to main. */
  release(strategy: string, currency: string, amount: bigint, index: number): LedgerResult<SlotBalance> {
    const t = this.target(strategy, currency, amount, index);
    if (!t.ok) return t;
    const { slot, code } = t.value;
    return this.commitSlots(
      [
        { currency: code, slot, dFree: -amount, dReserved: 0n },
        { currency: code, slot: MAIN_SLOT, dFree: amount, dReserved: 0n },
      ],
      () => ok(undefined),
      code,
      slot,
    );
  }

  /**
   * An external transfer changed the account total: credit (delta > 0) or debit (< 0) main.
   * A debit larger than main's free balance (the unallocated funds) is refused. Returns slot 0.
   */
  adjust(strategy: string, currency: string, delta: bigint, index: number): LedgerResult<SlotBalance> {
    if (!this.byName.has(strategy))
      return fail('DG_E_LEDGER_UNKNOWN_STRATEGY', JSON.stringify(String(strategy).slice(0, 32)));
    const info = this.currencies.get(currency);
    if (!info) return fail('DG_E_LEDGER_UNKNOWN_CURRENCY', JSON.stringify(String(currency).slice(0, 32)));
    if (index !== TOTAL_SLOT) return fail('DG_E_LEDGER_BAD_SLOT', `adjust applies to slot 0 (total), got ${index}`);
    if (delta === 0n) return fail('DG_E_LEDGER_BAD_AMOUNT', 'delta must not be zero');
    return this.commitSlots(
      [{ currency: info.code, slot: MAIN_SLOT, dFree: delta, dReserved: 0n }],
      () => this.bal.adjust(info.code, delta),
      info.code,
      TOTAL_SLOT,
    );
  }

  /** Reconciliation: correct the total by `delta`, in main only. */
  correctMain(currency: string, delta: bigint): LedgerResult<SlotBalance> {
    const info = this.currencies.get(currency);
    if (!info) return fail('DG_E_LEDGER_UNKNOWN_CURRENCY', currency);
    if (delta === 0n) return ok(this.slot(info.code, MAIN_SLOT)!);
    return this.commitSlots(
      [{ currency: info.code, slot: MAIN_SLOT, dFree: delta, dReserved: 0n }],
      () => this.bal.adjust(info.code, delta),
      info.code,
      MAIN_SLOT,
    );
  }

  // ----- orders --------------------------------------------------------------------------------

  /** Hold `amount` of the strategy's free balance for order `orderKey`. */
  reserve(strategy: string, currency: string, amount: bigint, orderKey: string): LedgerResult<Reservation> {
    const slot = this.byName.get(strategy);
    if (slot === undefined) return fail('DG_E_LEDGER_UNKNOWN_STRATEGY', JSON.stringify(String(strategy).slice(0, 32)));
    const info = this.currencies.get(currency);
    if (!info) return fail('DG_E_LEDGER_UNKNOWN_CURRENCY', JSON.stringify(String(currency).slice(0, 32)));
    if (amount <= 0n) return fail('DG_E_LEDGER_BAD_AMOUNT', 'reservation must be positive');
    if (typeof orderKey !== 'string' || orderKey.length === 0) return fail('DG_E_BAD_INPUT', 'orderKey is required');
    if (this.reservations.has(orderKey)) return fail('DG_E_LEDGER_DUPLICATE_RESERVATION', orderKey);
    const r = this.commitSlots(
      [{ currency: info.code, slot, dFree: -amount, dReserved: amount }],
      () => this.bal.freeze(info.code, amount),
      info.code,
      slot,
    );
    if (!r.ok) return r;
    this.reservations.set(orderKey, { slot, currency: info.code, remaining: amount });
    return ok({ orderKey, slot, currency: info.code, remaining: amount });
  }

  /** The order is done (cancelled, filled or rejected): give back what is still reserved. */
  releaseReservation(orderKey: string): LedgerResult<bigint> {
    const res = this.reservations.get(orderKey);
    if (!res) return fail('DG_E_LEDGER_UNKNOWN_RESERVATION', String(orderKey).slice(0, 64));
    if (res.remaining > 0n) {
      const r = this.commitSlots(
        [{ currency: res.currency, slot: res.slot, dFree: res.remaining, dReserved: -res.remaining }],
        () => this.bal.unfreeze(res.currency, res.remaining),
        res.currency,
        res.slot,
      );
      if (!r.ok) return r;
    }
    this.reservations.delete(orderKey);
    return ok(res.remaining);
  }

  reservation(orderKey: string): Reservation | undefined {
    const r = this.reservations.get(orderKey);
    return r ? { orderKey, ...r } : undefined;
  }

  reservationCount(): number {
    return this.reservations.size;
  }

  /**
   * Settle a fill into a slot: the order's slot when `fill.orderKey` holds a reservation,
   * otherwise `strategy`'s slot (default main). The spent leg comes out of the reservation first,
   * then the slot's free balance; the received leg minus the fee is credited to the slot.
   * (Duplicate fills are the order tracker's to drop; the ledger applies what it is given.)
   */
  settleFill(fill: LedgerFill, strategy: string = MAIN_NAME): LedgerResult<FillSettlement> {
    const legs = checkFill(fill, this.currencies);
    if (!legs.ok) return legs;
    const l = legs.value;
    const res = fill.orderKey === undefined ? undefined : this.reservations.get(fill.orderKey);
    let slot: number;
    if (res) {
      slot = res.slot;
      if (res.currency !== l.spendCurrency) {
        return fail(
          'DG_E_LEDGER_INVARIANT',
          `order ${fill.orderKey} reserved ${res.currency} but spends ${l.spendCurrency}`,
        );
      }
    } else {
      const s = this.byName.get(strategy);
      if (s === undefined) return fail('DG_E_LEDGER_UNKNOWN_STRATEGY', JSON.stringify(String(strategy).slice(0, 32)));
      slot = s;
    }
    const fromReserved = res ? (res.remaining < l.spend ? res.remaining : l.spend) : 0n;
    const r = this.commitSlots(
      [
        { currency: l.spendCurrency, slot, dFree: fromReserved - l.spend, dReserved: -fromReserved },
        { currency: l.receiveCurrency, slot, dFree: l.receive, dReserved: 0n },
        { currency: l.feeCurrency, slot, dFree: -l.fee, dReserved: 0n },
      ],
      () => {
        const b = this.bal.applyFill(fill, fromReserved);
        return b.ok ? ok(undefined) : b;
      },
      l.spendCurrency,
      slot,
    );
    if (!r.ok) return r;
    let left = 0n;
    if (res) {
      res.remaining -= fromReserved;
      left = res.remaining;
    }
    return ok({ slot, fromReserved, reservationLeft: left });
  }

  // ----- reads ---------------------------------------------------------------------------------

  /** Balance of (currency, slot): slot 0 is the account total (free/frozen of the account). */
  slot(currency: string, index: number): SlotBalance | undefined {
    const info = this.currencies.get(currency);
    if (!info || !Number.isInteger(index) || index < 0 || index >= this.slotCount) return undefined;
    if (index === TOTAL_SLOT) return this.bal.get(info.code);
    const r = this.rows.get(info.code);
    if (!r) return { total: 0n, free: 0n, frozen: 0n };
    return { total: r.free[index] + r.reserved[index], free: r.free[index], frozen: r.reserved[index] };
  }

  /** Currencies that have (or had) a balance. */
  codes(): string[] {
    const s = new Set<string>(this.bal.codes());
    for (const k of this.rows.keys()) s.add(k);
    return [...s];
  }

  /**
   * Check every invariant: slot free/reserved ≥ 0; per currency Σ slots 1.. free = account free,
   * Σ reserved = account frozen; per (slot, currency) Σ reservations = reserved.
   */
  checkInvariants(): LedgerResult<void> {
    const held = new Map<string, bigint>();
    for (const r of this.reservations.values()) {
      if (r.remaining < 0n) return fail('DG_E_LEDGER_INVARIANT', `negative reservation in ${r.currency}`);
      const k = `${r.currency}\u0000${r.slot}`;
      held.set(k, (held.get(k) ?? 0n) + r.remaining);
    }
    for (const code of this.codes()) {
      const b = this.bal.get(code)!;
      const row = this.rows.get(code);
      let free = 0n;
      let reserved = 0n;
      for (let s = MAIN_SLOT; s < this.slotCount; s++) {
        const f = row ? row.free[s] : 0n;
        const q = row ? row.reserved[s] : 0n;
        if (f < 0n || q < 0n) return fail('DG_E_LEDGER_INVARIANT', `${code} slot ${s} negative`);
        if (q !== (held.get(`${code}\u0000${s}`) ?? 0n))
          return fail('DG_E_LEDGER_INVARIANT', `${code} slot ${s} reserved ≠ Σ reservations`);
        free += f;
        reserved += q;
      }
      if (b.free < 0n || b.frozen < 0n || b.total !== b.free + b.frozen)
        return fail('DG_E_LEDGER_INVARIANT', `${code} account row`);
      if (free !== b.free || reserved !== b.frozen) return fail('DG_E_LEDGER_INVARIANT', `${code}: Σ slots ≠ slot 0`);
    }
    return ok(undefined);
  }

  /** Everything the shared-memory publisher needs, per currency and slot. */
  table(): BalanceTable {
    const rows = this.codes().map((code) => {
      const info = this.currencies.get(code)!;
      const cells: SlotBalance[] = [];
      for (let s = 0; s < this.slotCount; s++) cells.push(this.slot(code, s)!);
      return { currency: code, scale: info.scale, cells };
    });
    return { slotNames: this.slotNames(), rows };
  }

  // ----- internals -----------------------------------------------------------------------------

  private target(
    strategy: string,
    currency: string,
    amount: bigint,
    index: number,
  ): LedgerResult<{ slot: number; code: string }> {
    const slot = this.byName.get(strategy);
    if (slot === undefined || slot < FIRST_STRATEGY_SLOT) {
      return fail('DG_E_LEDGER_UNKNOWN_STRATEGY', JSON.stringify(String(strategy).slice(0, 32)));
    }
    const info = this.currencies.get(currency);
    if (!info) return fail('DG_E_LEDGER_UNKNOWN_CURRENCY', JSON.stringify(String(currency).slice(0, 32)));
    if (!Number.isInteger(index) || index < 0 || index >= this.slotCount) {
      return fail('DG_E_LEDGER_BAD_SLOT', `index ${index} outside 0…${this.slotCount - 1}`);
    }
    if (index !== slot) return fail('DG_E_LEDGER_BAD_SLOT', `${strategy} owns slot ${slot}, not ${index}`);
    if (amount <= 0n) return fail('DG_E_LEDGER_BAD_AMOUNT', 'amount must be positive');
    return ok({ slot, code: info.code });
  }

  /**
   * Validate slot deltas, then run `balanceOp` (which validates and applies the account-level
   * change on its own), then apply the slot deltas. Either everything happens or nothing.
   */
  private commitSlots(
    deltas: readonly SlotDelta[],
    balanceOp: () => LedgerResult<void>,
    reportCurrency: string,
    reportSlot: number,
  ): LedgerResult<SlotBalance> {
    const next = new Map<string, SlotRow>();
    for (const d of deltas) {
      if (d.dFree === 0n && d.dReserved === 0n) continue;
      let row = next.get(d.currency);
      if (!row) {
        const cur = this.rows.get(d.currency);
        row = cur
          ? { free: [...cur.free], reserved: [...cur.reserved] }
          : { free: new Array<bigint>(this.slotCount).fill(0n), reserved: new Array<bigint>(this.slotCount).fill(0n) };
        next.set(d.currency, row);
      }
      row.free[d.slot] += d.dFree;
      row.reserved[d.slot] += d.dReserved;
    }
    for (const [code, row] of next) {
      for (let s = MAIN_SLOT; s < this.slotCount; s++) {
        if (row.free[s] < 0n) {
          const have = this.rows.get(code)?.free[s] ?? 0n;
          return fail(
            'DG_E_LEDGER_INSUFFICIENT',
            `${code} slot ${s} (${this.names[s]}) has ${this.currencies.format(code, have)} free`,
          );
        }
        if (row.reserved[s] < 0n) return fail('DG_E_LEDGER_INVARIANT', `${code} slot ${s} reserved would be negative`);
      }
    }
    const b = balanceOp();
    if (!b.ok) return b;
    for (const [code, row] of next) this.rows.set(code, row);
    this.changes++;
    return ok(this.slot(reportCurrency, reportSlot)!);
  }
}
