/**
 * Decimal strings for the algos' user-facing figures (the TCA and the status view). Prices that
 * are derived (average prices, mids, TWAP, VWAP) are ratios of integers in ticks, so they are not
 * always on the tick grid: they are formatted from the exact rational (numerator / denominator
 * ticks, bigint arithmetic, no float) rounded half away from zero to TCA_EXTRA_DIGITS decimal
 * places finer than the tick, trailing zeros dropped (an average on the grid prints as a price).
 * `averagePriceText` is the one format of an average fill price: the parent's and each child's in
 * the status view and in the TCA. Sums of fees are exact.
 */
import { divRound, formatScaled, parseDecimal, type Increment } from '../core/decimal.js';

/** Decimal places finer than the tick that derived prices keep. */
export const TCA_EXTRA_DIGITS = 4;

/** A ratio of integers (ticks × den = num), both safe integers or bigints; den > 0. */
export interface TickRatio {
  readonly num: bigint;
  readonly den: bigint;
}

export function ratio(num: number | bigint, den: number | bigint = 1): TickRatio {
  const n = typeof num === 'bigint' ? num : BigInt(num);
  const d = typeof den === 'bigint' ? den : BigInt(den);
  return d < 0n ? { num: -n, den: -d } : { num: n, den: d };
}

/**
 * A float tick value (e.g. a mid of x.5 ticks, a time-weighted mean) as a ratio: the value is
 * first rounded to 10^-(extra + 2) ticks, which is far below what the string shows.
 */
export function ratioOfFloat(ticks: number, extraDigits = TCA_EXTRA_DIGITS): TickRatio {
  const scale = 10 ** (extraDigits + 2);
  return ratio(BigInt(Math.round(ticks * scale)), BigInt(scale));
}

/** `r` ticks of `inc` as a decimal string with at most inc.decimals + extraDigits places. */
export function formatTickRatio(r: TickRatio, inc: Increment, extraDigits = TCA_EXTRA_DIGITS): string {
  const places = inc.decimals + extraDigits;
  // value = num/den × step × 10^-decimals; scaled to 10^-places: num × step × 10^extra / den
  const scaledNum = r.num * BigInt(inc.step) * 10n ** BigInt(extraDigits);
  return formatScaled(divRound(scaledNum, r.den), places);
}

/**
 * An average fill price, Σ price×lots / Σ lots (ticks), as a decimal string of `inc` (the price
 * grid) with TCA_EXTRA_DIGITS more places, rounded half away from zero; null without a fill.
 */
export function averagePriceText(notional: number | bigint, filled: number, inc: Increment): string | null {
  return filled > 0 ? formatTickRatio(ratio(notional, filled), inc) : null;
}

/** Exact sum of decimal strings. */
export function sumDecimals(values: Iterable<string>): string {
  let scale = 0;
  const parsed = [];
  for (const v of values) {
    const p = parseDecimal(v);
    parsed.push(p);
    if (p.scale > scale) scale = p.scale;
  }
  let total = 0n;
  for (const p of parsed) {
    const v = p.digits * 10n ** BigInt(scale - p.scale);
    total += p.neg ? -v : v;
  }
  return formatScaled(total, scale);
}
