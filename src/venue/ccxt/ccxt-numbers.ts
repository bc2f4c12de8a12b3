/**
 * ccxt hands out prices and sizes as JavaScript numbers (parsed from the venue's strings). They
 * become ticks/lots here: the shortest decimal text of the number is converted exactly; a value a
 * float step away from the grid (ccxt arithmetic such as amount − remaining) is snapped only when
 * it is within 1e-9 relative of a grid point; anything else is DG_E_VENUE_BAD_REPLY.
 */
import { formatParsed, increment, parseDecimal, toUnits, type Increment } from '../../core/decimal.js';
import { dgError, isDeskgateError } from '../../core/errors.js';

export function unitsOf(x: unknown, inc: Increment, what: string): number {
  if (typeof x !== 'number' || !Number.isFinite(x)) throw dgError('DG_E_VENUE_BAD_REPLY', `${what} is not a number`);
  try {
    return toUnits(decimalText(x), inc);
  } catch (e) {
    if (!isDeskgateError(e) || e.code !== 'DG_E_OFF_GRID') throw dgError('DG_E_VENUE_BAD_REPLY', `${what} ${x}`);
    const unit = Number(inc.text);
    const n = Math.round(x / unit);
    if (Math.abs(n * unit - x) <= 1e-9 * Math.max(1, Math.abs(x))) return n;
    throw dgError('DG_E_VENUE_BAD_REPLY', `${what} ${x} is off the ${inc.text} grid`);
  }
}

/** Plain decimal text of a number (no exponent): 1e-7 → "0.0000001". */
export function decimalText(x: number): string {
  if (!Number.isFinite(x)) throw dgError('DG_E_VENUE_BAD_REPLY', `not finite: ${x}`);
  return formatParsed(parseDecimal(String(x)));
}

/** Optional money amount → exact decimal string ("0" when absent). */
export function moneyText(x: unknown): string {
  if (x === undefined || x === null) return '0';
  if (typeof x !== 'number') throw dgError('DG_E_VENUE_BAD_REPLY', 'amount is not a number');
  return decimalText(x);
}

/** ccxt precision → an increment text, by the exchange's precision mode (4 = TICK_SIZE, 2 = DECIMAL_PLACES). */
export function precisionIncrement(p: unknown, mode: number): string | undefined {
  if (typeof p !== 'number' || !(p > 0 || (mode === 2 && p === 0))) return undefined;
  if (mode === 4) return decimalText(p);
  if (mode === 2 && Number.isInteger(p)) return p === 0 ? '1' : `1e-${p}`;
  return undefined;
}

export function isIncrement(text: string): boolean {
  try {
    increment(text);
    return true;
  } catch {
    return false;
  }
}
