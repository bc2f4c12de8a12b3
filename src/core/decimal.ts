/**
 * Exact decimal strings ⇄ integer units (ticks for prices, lots for sizes).
 *
 * An increment (tick size, lot size) is `step × 10^-decimals` with integer `step`, so "0.01" is
 * (1, 2), "0.005" is (5, 3), "0.5" is (5, 1), "10" is (10, 0) and "1e-8" is (1, 8). A value
 * converts to `value / increment` units only when that is an exact integer: a value off the grid
 * is an error (DG_E_OFF_GRID), never rounded. No float multiplication is ever involved.
 *
 * `toUnits` has a fast path for plain decimal strings (the hot path of every feed decoder) and
 * falls back to BigInt arithmetic for exponents and very long inputs.
 */
import { dgError } from './errors.js';

export interface Increment {
  /** The increment as given, e.g. "0.01". */
  readonly text: string;
  /** Number of decimal places of the unit grid. */
  readonly decimals: number;
  /** The increment in units of 10^-decimals (≥ 1). */
  readonly step: number;
}

const DECIMAL_RE = /^(-)?(\d+)(?:\.(\d+))?(?:[eE]([+-]?\d+))?$/;
const MAX_EXPONENT = 400;

/** A parsed decimal: value = (neg ? -1 : 1) × digits × 10^-scale. `scale` may be negative. */
export interface ParsedDecimal {
  readonly neg: boolean;
  readonly digits: bigint;
  readonly scale: number;
}

export function parseDecimal(text: string): ParsedDecimal {
  if (typeof text !== 'string') throw dgError('DG_E_BAD_DECIMAL', String(text));
  const m = DECIMAL_RE.exec(text);
  if (!m) throw dgError('DG_E_BAD_DECIMAL', JSON.stringify(text.slice(0, 64)));
  const frac = m[3] ?? '';
  const exp = m[4] === undefined ? 0 : Number(m[4]);
  if (!Number.isSafeInteger(exp) || Math.abs(exp) > MAX_EXPONENT) {
    throw dgError('DG_E_OUT_OF_RANGE', `exponent of ${text.slice(0, 64)}`);
  }
  const digits = BigInt(m[2] + frac);
  return { neg: m[1] === '-' && digits !== 0n, digits, scale: frac.length - exp };
}

/** Canonical decimal string of a parsed value: no exponent, no trailing zeros. */
export function formatParsed(p: ParsedDecimal): string {
  return formatScaled(p.neg ? -p.digits : p.digits, p.scale);
}

/** Parse an increment such as "0.01", "0.005", "1e-8" or "10". Must be > 0. */
export function increment(text: string): Increment {
  const p = parseDecimal(text);
  if (p.neg || p.digits === 0n) throw dgError('DG_E_BAD_INPUT', `increment must be positive: ${text}`);
  let digits = p.digits;
  let scale = p.scale;
  // Normalise: strip trailing zeros of the mantissa while the scale stays ≥ 0.
  while (scale > 0 && digits % 10n === 0n) {
    digits /= 10n;
    scale -= 1;
  }
  if (scale < 0) {
    digits *= 10n ** BigInt(-scale);
    scale = 0;
  }
  if (scale > 18 || digits > BigInt(Number.MAX_SAFE_INTEGER)) {
    throw dgError('DG_E_OUT_OF_RANGE', `increment ${text}`);
  }
  return { text, decimals: scale, step: Number(digits) };
}

const POW10: number[] = [];
for (let i = 0, v = 1; i <= 22; i++, v *= 10) POW10.push(v);

/**
 * Exact conversion of a decimal string to a signed integer count of increments.
 * Throws DG_E_BAD_DECIMAL, DG_E_OFF_GRID or DG_E_OUT_OF_RANGE (beyond ±2^53).
 */
export function toUnits(text: string, inc: Increment): number {
  const fast = toUnitsFast(text, inc);
  if (!Number.isNaN(fast)) return fast;
  const big = toUnitsBig(text, inc);
  if (big > BigInt(Number.MAX_SAFE_INTEGER) || big < -BigInt(Number.MAX_SAFE_INTEGER)) {
    throw dgError('DG_E_OUT_OF_RANGE', text.slice(0, 64));
  }
  return Number(big);
}

const FALLBACK = Number.NaN;

function toUnitsFast(s: string, inc: Increment): number {
  const n = s.length;
  if (n === 0 || n > 30) return FALLBACK;
  const k = inc.decimals;
  let i = 0;
  let neg = false;
  if (s.charCodeAt(0) === 45 /* - */) {
    neg = true;
    i = 1;
  }
  let v = 0;
  let intDigits = 0;
  for (; i < n; i++) {
    const c = s.charCodeAt(i) - 48;
    if (c < 0 || c > 9) break;
    v = v * 10 + c;
    intDigits++;
  }
  if (intDigits === 0) return FALLBACK;
  let fracDigits = 0;
  if (i < n) {
    if (s.charCodeAt(i) !== 46 /* . */) return FALLBACK;
    i++;
    for (; i < n; i++) {
      const c = s.charCodeAt(i) - 48;
      if (c < 0 || c > 9) return FALLBACK;
      if (fracDigits < k) {
        v = v * 10 + c;
        fracDigits++;
      } else if (c !== 0) {
        throw dgError('DG_E_OFF_GRID', `${s} on ${inc.text}`);
      }
    }
    if (fracDigits === 0 && s.charCodeAt(n - 1) === 46) return FALLBACK;
  }
  if (fracDigits < k) v *= POW10[k - fracDigits];
  if (v > Number.MAX_SAFE_INTEGER) return FALLBACK;
  if (inc.step !== 1) {
    if (v % inc.step !== 0) throw dgError('DG_E_OFF_GRID', `${s} on ${inc.text}`);
    v /= inc.step;
  }
  return neg ? -v : v;
}

/** Exact conversion to a bigint count of increments (no range limit). */
export function toUnitsBig(text: string, inc: Increment): bigint {
  const p = parseDecimal(text);
  // value / inc = digits × 10^-scale / (step × 10^-k) = digits × 10^(k - scale) / step
  let num = p.digits;
  let den = BigInt(inc.step);
  const shift = inc.decimals - p.scale;
  if (shift >= 0) num *= 10n ** BigInt(shift);
  else den *= 10n ** BigInt(-shift);
  if (num % den !== 0n) throw dgError('DG_E_OFF_GRID', `${text.slice(0, 64)} on ${inc.text}`);
  const q = num / den;
  return p.neg ? -q : q;
}

/** Canonical decimal string (no trailing zeros) of a count of increments. */
export function fromUnits(units: number | bigint, inc: Increment): string {
  if (typeof units === 'number') {
    if (!Number.isSafeInteger(units)) throw dgError('DG_E_OUT_OF_RANGE', String(units));
    const scaled = units * inc.step;
    if (Number.isSafeInteger(scaled)) return formatScaledNumber(scaled, inc.decimals);
    return formatScaled(BigInt(units) * BigInt(inc.step), inc.decimals);
  }
  return formatScaled(units * BigInt(inc.step), inc.decimals);
}

/** Decimal string with exactly `inc.decimals` places, e.g. "30249.40" for tick 0.01. */
export function fromUnitsFixed(units: number | bigint, inc: Increment): string {
  const big = typeof units === 'bigint' ? units : BigInt(units);
  return formatScaled(big * BigInt(inc.step), inc.decimals, true);
}

function formatScaledNumber(v: number, k: number): string {
  if (k === 0) return String(v);
  const neg = v < 0;
  let s = String(neg ? -v : v);
  if (s.length <= k) s = '0'.repeat(k - s.length + 1) + s;
  const cut = s.length - k;
  let end = s.length;
  while (end > cut && s.charCodeAt(end - 1) === 48) end--;
  const out = end === cut ? s.slice(0, cut) : `${s.slice(0, cut)}.${s.slice(cut, end)}`;
  return neg && out !== '0' ? `-${out}` : out;
}

/** Format digits × 10^-scale (scale may be negative) as a plain decimal string. */
export function formatScaled(v: bigint, scale: number, fixed = false): string {
  const neg = v < 0n;
  let s = (neg ? -v : v).toString();
  if (scale <= 0) {
    if (v === 0n) return '0';
    return (neg ? '-' : '') + s + '0'.repeat(-scale);
  }
  if (s.length <= scale) s = '0'.repeat(scale - s.length + 1) + s;
  const cut = s.length - scale;
  let end = s.length;
  if (!fixed) while (end > cut && s.charCodeAt(end - 1) === 48) end--;
  const out = end === cut ? s.slice(0, cut) : `${s.slice(0, cut)}.${s.slice(cut, end)}`;
  return neg && /[1-9]/.test(out) ? `-${out}` : out;
}

/** Exact comparison of two decimal strings: -1, 0 or 1. */
/** `n / d` rounded to the nearest integer, halves away from zero (d ≠ 0; either sign). */
export function divRound(n: bigint, d: bigint): bigint {
  const neg = n < 0n !== d < 0n;
  const an = n < 0n ? -n : n;
  const ad = d < 0n ? -d : d;
  const q = (an * 2n + ad) / (2n * ad);
  return neg ? -q : q;
}

export function compareDecimal(a: string, b: string): -1 | 0 | 1 {
  const pa = parseDecimal(a);
  const pb = parseDecimal(b);
  const scale = Math.max(pa.scale, pb.scale);
  const va = (pa.neg ? -pa.digits : pa.digits) * 10n ** BigInt(scale - pa.scale);
  const vb = (pb.neg ? -pb.digits : pb.digits) * 10n ** BigInt(scale - pb.scale);
  return va < vb ? -1 : va > vb ? 1 : 0;
}

/**
 * The finest increment that represents every given decimal exactly, e.g. ["0.1", "0.025"] →
 * "0.001". Used when a feed does not publish its tick size (captures, unknown markets).
 */
export function finestIncrement(values: Iterable<string>, minDecimals = 0): Increment {
  let k = minDecimals;
  for (const v of values) {
    const p = parseDecimal(v);
    if (p.scale > k) k = p.scale;
  }
  return increment(k === 0 ? '1' : `1e-${k}`);
}
