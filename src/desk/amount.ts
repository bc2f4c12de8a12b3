/**
 * Exact desk amounts: every amount, price and fee is a bigint count of 10^-18 (AMOUNT_DECIMALS).
 * Parsing goes through core/decimal.ts (no floats); more than 18 decimals is an error.
 */
import { divRound, fromUnits, increment, toUnitsBig } from '../core/decimal.js';

export const AMOUNT_DECIMALS = 18;
export const AMOUNT_INC = increment('1e-18');
export const ONE = 10n ** 18n;

/** Decimal string → 1e-18 units (throws DG_E_BAD_DECIMAL / DG_E_OFF_GRID). */
export function parseAmount(text: string): bigint {
  return toUnitsBig(text.trim(), AMOUNT_INC);
}

/** 1e-18 units → canonical decimal string. */
export function formatAmount(units: bigint): string {
  return fromUnits(units, AMOUNT_INC);
}

/** Units → float (for statistics and charts only, never for money sums). */
export function toFloat(units: bigint): number {
  const whole = units / ONE;
  const frac = units % ONE;
  return Number(whole) + Number(frac) / 1e18;
}

/** Display with a fixed number of decimals (rounded half away from zero). */
export function formatFixed(units: bigint, decimals: number): string {
  const scale = 10n ** BigInt(AMOUNT_DECIMALS - decimals);
  const r = divRound(units, scale);
  const neg = r < 0n;
  let s = (neg ? -r : r).toString();
  if (decimals === 0) return (neg && r !== 0n ? '-' : '') + s;
  if (s.length <= decimals) s = '0'.repeat(decimals - s.length + 1) + s;
  const out = `${s.slice(0, s.length - decimals)}.${s.slice(s.length - decimals)}`;
  return neg ? `-${out}` : out;
}

/** True when |a − b| ≤ ref × tolPpm / 1e6 (exact; ppm = parts per million, 1 % = 10000). */
export function withinTolerance(a: bigint, b: bigint, ref: bigint, tolPpm: bigint): boolean {
  const d = a > b ? a - b : b - a;
  return d * 1_000_000n <= ref * tolPpm;
}

/** A percentage such as 1 or 0.25 → parts per million (integer). */
export function pctToPpm(pct: number): bigint {
  return BigInt(Math.round(pct * 10_000));
}
