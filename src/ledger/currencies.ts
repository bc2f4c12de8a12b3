/**
 * Currencies of one ledger and their minor-unit scales. Every amount inside the ledger is a
 * bigint count of 10^-scale units of its currency (USDT at scale 6: "1.5" = 1_500_000n). Decimal
 * strings (and, at the command edge, JSON numbers) convert exactly through core/decimal.ts: an
 * amount with more decimals than the scale is rejected, never rounded.
 */
import { fromUnits, increment, toUnitsBig, type Increment } from '../core/decimal.js';
import { isDeskgateError } from '../core/errors.js';
import type { Instrument } from '../core/instrument.js';
import { fail, ok, type LedgerResult } from './result.js';

/** Largest magnitude of any amount or balance, in minor units (fits the int128 shm cells). */
export const MAX_UNITS = 10n ** 36n;
/** Finest supported scale (ETH wei). */
export const MAX_SCALE = 18;
/** Currency codes: 1–15 ASCII letters/digits/._- (the shm table keeps 16 bytes, NUL-padded). */
const CODE_RE = /^[A-Za-z0-9._-]{1,15}$/;

export interface CurrencyInfo {
  /** Upper-case code, e.g. "USDT". */
  readonly code: string;
  /** Decimal places of the minor unit. */
  readonly scale: number;
  readonly unit: Increment;
}

/** Normalise a currency code ("usd" → "USD"); undefined when it is not a valid code. */
export function normaliseCurrency(code: string): string | undefined {
  return CODE_RE.test(code) ? code.toUpperCase() : undefined;
}

export class CurrencyBook {
  private readonly byCode = new Map<string, CurrencyInfo>();

  /** `scales`: code → decimals, e.g. { USDT: 6, BTC: 8, ETH: 18 }. */
  constructor(scales: Readonly<Record<string, number>> = {}) {
    for (const [code, scale] of Object.entries(scales)) {
      const r = this.add(code, scale);
      if (!r.ok) throw r.error;
    }
  }

  /** Register a currency; re-adding with the same scale is a no-op, with another is an error. */
  add(code: string, scale: number): LedgerResult<CurrencyInfo> {
    const norm = normaliseCurrency(code);
    if (norm === undefined)
      return fail('DG_E_LEDGER_UNKNOWN_CURRENCY', `invalid currency code ${JSON.stringify(code.slice(0, 32))}`);
    if (!Number.isInteger(scale) || scale < 0 || scale > MAX_SCALE) {
      return fail('DG_E_BAD_CONFIG', `scale of ${norm} must be an integer 0…${MAX_SCALE}, got ${scale}`);
    }
    const existing = this.byCode.get(norm);
    if (existing) {
      return existing.scale === scale
        ? ok(existing)
        : fail('DG_E_BAD_CONFIG', `${norm} already has scale ${existing.scale}`);
    }
    const info: CurrencyInfo = { code: norm, scale, unit: increment(scale === 0 ? '1' : `1e-${scale}`) };
    this.byCode.set(norm, info);
    return ok(info);
  }

  get(code: string): CurrencyInfo | undefined {
    const norm = normaliseCurrency(code);
    return norm === undefined ? undefined : this.byCode.get(norm);
  }

  lookup(code: string): LedgerResult<CurrencyInfo> {
    const info = this.get(code);
    return info ? ok(info) : fail('DG_E_LEDGER_UNKNOWN_CURRENCY', JSON.stringify(String(code).slice(0, 32)));
  }

  list(): CurrencyInfo[] {
    return [...this.byCode.values()];
  }

  /**
   * Exact amount in minor units. Accepts a decimal string or a finite JSON number (converted via
   * its shortest round-trip text, so 0.1 is "0.1"). NaN, ±Infinity, off-grid and |x| ≥ MAX_UNITS
   * are DG_E_LEDGER_BAD_AMOUNT; the sign is left to the caller.
   */
  toUnits(code: string, amount: unknown): LedgerResult<bigint> {
    const cur = this.lookup(code);
    if (!cur.ok) return cur;
    return amountToUnits(cur.value, amount);
  }

  /** Canonical decimal string of a minor-unit amount. */
  format(code: string, units: bigint): string {
    const info = this.get(code);
    if (!info) throw new RangeError(`unknown currency ${code}`);
    return fromUnits(units, info.unit);
  }
}

export function amountToUnits(cur: CurrencyInfo, amount: unknown): LedgerResult<bigint> {
  let text: string;
  if (typeof amount === 'number') {
    if (!Number.isFinite(amount)) return fail('DG_E_LEDGER_BAD_AMOUNT', `${amount} for ${cur.code}`);
    text = String(amount);
  } else if (typeof amount === 'string') {
    if (amount.length === 0 || amount.length > 64) return fail('DG_E_LEDGER_BAD_AMOUNT', `length ${amount.length}`);
    text = amount;
  } else if (typeof amount === 'bigint') {
    return checkRange(cur, amount);
  } else {
    return fail(
      'DG_E_LEDGER_BAD_AMOUNT',
      `expected a number or decimal string, got ${amount === null ? 'null' : typeof amount}`,
    );
  }
  let units: bigint;
  try {
    units = toUnitsBig(text, cur.unit);
  } catch (e) {
    if (!isDeskgateError(e)) throw e;
    const why = e.code === 'DG_E_OFF_GRID' ? `more than ${cur.scale} decimals for ${cur.code}` : e.message;
    return fail('DG_E_LEDGER_BAD_AMOUNT', `${JSON.stringify(text.slice(0, 64))}: ${why}`);
  }
  return checkRange(cur, units);
}

function checkRange(cur: CurrencyInfo, units: bigint): LedgerResult<bigint> {
  if (units >= MAX_UNITS || units <= -MAX_UNITS) return fail('DG_E_LEDGER_BAD_AMOUNT', `out of range for ${cur.code}`);
  return ok(units);
}

/**
 * Scales derived from instrument grids: a base coin needs the lot decimals, a quote coin the
 * tick + lot decimals (price × size); both at least `minScale` (fees are often finer than a lot)
 * and at most 18.
 */
export function scalesFromInstruments(instruments: Iterable<Instrument>, minScale = 8): Record<string, number> {
  const out: Record<string, number> = {};
  const bump = (code: string, s: number): void => {
    const c = code.toUpperCase();
    out[c] = Math.min(MAX_SCALE, Math.max(out[c] ?? minScale, s));
  };
  for (const inst of instruments) {
    bump(inst.base, inst.size.decimals);
    bump(inst.quote, inst.price.decimals + inst.size.decimals);
  }
  return out;
}
