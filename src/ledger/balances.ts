/**
 * Account balances per currency: total, free (available) and frozen (held by open orders), as
 * bigint minor units (see currencies.ts). Invariants after every operation: free ≥ 0,
 * frozen ≥ 0, total = free + frozen (total is derived, so it cannot disagree). An operation that
 * would break one returns an error value and leaves every balance unchanged.
 *
 * Pure: no clock, no I/O. The kernel feeds it venue snapshots, fills and order reservations.
 */
import type { CurrencyBook } from './currencies.js';
import { MAX_UNITS } from './currencies.js';
import { fail, ok, type LedgerResult } from './result.js';

export interface CurrencyBalance {
  readonly total: bigint;
  readonly free: bigint;
  readonly frozen: bigint;
}

/** One currency of a venue balance snapshot (ccxt: free / used). */
export interface VenueBalance {
  readonly currency: string;
  readonly free: bigint;
  readonly frozen: bigint;
}

/** The venue's balances as of `ts` (ms, the venue's time when it has one). */
export interface VenueSnapshot {
  readonly ts: number;
  readonly balances: readonly VenueBalance[];
}

/**
 * One execution of our own order, in minor units of each currency. A buy spends `quoteAmount` of
 * `quote` and receives `baseAmount` of `base`; a sell the reverse. The fee (negative = rebate) is
 * charged to `feeCurrency`, which may be base, quote or a third coin (BNB, KCS …).
 */
export interface LedgerFill {
  readonly tradeId: string;
  /** Local order key (client order id) that may hold a reservation. */
  readonly orderKey?: string;
  readonly side: 'buy' | 'sell';
  readonly base: string;
  readonly quote: string;
  readonly baseAmount: bigint;
  readonly quoteAmount: bigint;
  readonly fee: bigint;
  readonly feeCurrency: string;
  /** Execution time, ms. */
  readonly ts: number;
}

export interface FillLegs {
  readonly spendCurrency: string;
  readonly spend: bigint;
  readonly receiveCurrency: string;
  readonly receive: bigint;
  readonly feeCurrency: string;
  readonly fee: bigint;
}

export function fillLegs(f: LedgerFill): FillLegs {
  const buy = f.side === 'buy';
  return {
    spendCurrency: (buy ? f.quote : f.base).toUpperCase(),
    spend: buy ? f.quoteAmount : f.baseAmount,
    receiveCurrency: (buy ? f.base : f.quote).toUpperCase(),
    receive: buy ? f.baseAmount : f.quoteAmount,
    feeCurrency: f.feeCurrency.toUpperCase(),
    fee: f.fee,
  };
}

/** Net change of the account total per currency caused by a fill. */
export function fillTotalDeltas(f: LedgerFill): Map<string, bigint> {
  const l = fillLegs(f);
  const m = new Map<string, bigint>();
  const add = (c: string, d: bigint): void => {
    m.set(c, (m.get(c) ?? 0n) + d);
  };
  add(l.spendCurrency, -l.spend);
  add(l.receiveCurrency, l.receive);
  add(l.feeCurrency, -l.fee);
  return m;
}

/** Validate a fill's shape against the known currencies. */
export function checkFill(f: LedgerFill, currencies: CurrencyBook): LedgerResult<FillLegs> {
  if (f.side !== 'buy' && f.side !== 'sell') return fail('DG_E_BAD_SIDE', String(f.side));
  for (const c of [f.base, f.quote, f.feeCurrency]) {
    if (!currencies.get(c)) return fail('DG_E_LEDGER_UNKNOWN_CURRENCY', `${c} in fill ${f.tradeId}`);
  }
  if (f.base.toUpperCase() === f.quote.toUpperCase()) return fail('DG_E_BAD_INPUT', `fill ${f.tradeId}: base = quote`);
  if (f.baseAmount <= 0n || f.quoteAmount <= 0n)
    return fail('DG_E_LEDGER_BAD_AMOUNT', `fill ${f.tradeId}: amounts must be positive`);
  for (const v of [f.baseAmount, f.quoteAmount, f.fee]) {
    if (v >= MAX_UNITS || v <= -MAX_UNITS) return fail('DG_E_LEDGER_BAD_AMOUNT', `fill ${f.tradeId}: out of range`);
  }
  return ok(fillLegs(f));
}

/** A change to one currency's free and frozen balance. */
export interface BalanceDelta {
  readonly currency: string;
  readonly dFree: bigint;
  readonly dFrozen: bigint;
}

interface Row {
  free: bigint;
  frozen: bigint;
}

const ZERO: CurrencyBalance = Object.freeze({ total: 0n, free: 0n, frozen: 0n });

export class Balances {
  private readonly rows = new Map<string, Row>();

  constructor(readonly currencies: CurrencyBook) {}

  /** Balance of a known currency (zeros if it never had one); undefined if unknown. */
  get(currency: string): CurrencyBalance | undefined {
    const info = this.currencies.get(currency);
    if (!info) return undefined;
    const r = this.rows.get(info.code);
    return r ? { total: r.free + r.frozen, free: r.free, frozen: r.frozen } : ZERO;
  }

  /** Currencies with a row (ever touched), in insertion order. */
  codes(): string[] {
    return [...this.rows.keys()];
  }

  /** Replace every balance with the venue's snapshot (start-up). Unknown currency ⇒ error, nothing changed. */
  initFromVenue(snap: VenueSnapshot): LedgerResult<void> {
    const next = new Map<string, Row>();
    for (const b of snap.balances) {
      const info = this.currencies.get(b.currency);
      if (!info) return fail('DG_E_LEDGER_UNKNOWN_CURRENCY', `${b.currency} in venue snapshot`);
      if (b.free < 0n || b.frozen < 0n)
        return fail('DG_E_LEDGER_INVARIANT', `venue reports a negative ${info.code} balance`);
      if (b.free + b.frozen >= MAX_UNITS) return fail('DG_E_LEDGER_BAD_AMOUNT', `${info.code} out of range`);
      if (next.has(info.code)) return fail('DG_E_DUPLICATE_ID', `${info.code} twice in venue snapshot`);
      next.set(info.code, { free: b.free, frozen: b.frozen });
    }
    this.rows.clear();
    for (const [k, v] of next) this.rows.set(k, v);
    return ok(undefined);
  }

  /** Move free → frozen (an order reservation). */
  freeze(currency: string, amount: bigint): LedgerResult<void> {
    if (amount <= 0n) return fail('DG_E_LEDGER_BAD_AMOUNT', 'freeze amount must be positive');
    return this.applyDeltas([{ currency, dFree: -amount, dFrozen: amount }]);
  }

  /** Move frozen → free (cancel, or the unused rest of a reservation). */
  unfreeze(currency: string, amount: bigint): LedgerResult<void> {
    if (amount <= 0n) return fail('DG_E_LEDGER_BAD_AMOUNT', 'unfreeze amount must be positive');
    return this.applyDeltas([{ currency, dFree: amount, dFrozen: -amount }]);
  }

  /** External transfer or correction: free += delta (negative = out). */
  adjust(currency: string, delta: bigint): LedgerResult<void> {
    return this.applyDeltas([{ currency, dFree: delta, dFrozen: 0n }]);
  }

  /**
   * Apply a fill: the spent leg comes out of frozen up to `fromFrozen` (what the order had
   * reserved) and out of free for the rest; the received leg and the fee go to free.
   */
  applyFill(fill: LedgerFill, fromFrozen: bigint): LedgerResult<FillLegs> {
    const legs = checkFill(fill, this.currencies);
    if (!legs.ok) return legs;
    const l = legs.value;
    if (fromFrozen < 0n || fromFrozen > l.spend)
      return fail('DG_E_LEDGER_INVARIANT', `fromFrozen ${fromFrozen} outside 0…${l.spend}`);
    const r = this.applyDeltas([
      { currency: l.spendCurrency, dFree: fromFrozen - l.spend, dFrozen: -fromFrozen },
      { currency: l.receiveCurrency, dFree: l.receive, dFrozen: 0n },
      { currency: l.feeCurrency, dFree: -l.fee, dFrozen: 0n },
    ]);
    return r.ok ? legs : r;
  }

  /** Check a set of deltas without applying them (same errors as applyDeltas). */
  checkDeltas(deltas: readonly BalanceDelta[]): LedgerResult<Map<string, Row>> {
    const next = new Map<string, Row>();
    for (const d of deltas) {
      const info = this.currencies.get(d.currency);
      if (!info) return fail('DG_E_LEDGER_UNKNOWN_CURRENCY', d.currency);
      const cur = next.get(info.code) ?? { ...(this.rows.get(info.code) ?? { free: 0n, frozen: 0n }) };
      cur.free += d.dFree;
      cur.frozen += d.dFrozen;
      next.set(info.code, cur);
    }
    for (const [code, r] of next) {
      if (r.free < 0n)
        return fail('DG_E_LEDGER_INSUFFICIENT', `${code} free would be ${this.currencies.format(code, r.free)}`);
      if (r.frozen < 0n)
        return fail('DG_E_LEDGER_INVARIANT', `${code} frozen would be ${this.currencies.format(code, r.frozen)}`);
      if (r.free + r.frozen >= MAX_UNITS) return fail('DG_E_LEDGER_BAD_AMOUNT', `${code} total out of range`);
    }
    return ok(next);
  }

  /** Apply deltas atomically: all or nothing. */
  applyDeltas(deltas: readonly BalanceDelta[]): LedgerResult<void> {
    const next = this.checkDeltas(deltas);
    if (!next.ok) return next;
    for (const [code, r] of next.value) this.rows.set(code, r);
    return ok(undefined);
  }
}
