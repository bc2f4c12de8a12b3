/**
 * Input checks shared by the books. Every mutating book operation validates with these before
 * it changes anything, so a rejected operation leaves the book exactly as it was.
 */
import { dgError } from '../core/errors.js';
import type { Side } from '../core/events.js';

/** A positive safe integer number of ticks, else DG_E_BAD_PRICE. */
export function checkPrice(price: number): void {
  if (!(Number.isSafeInteger(price) && price > 0)) throw dgError('DG_E_BAD_PRICE', String(price));
}

/** A non-negative safe integer number of lots (0 allowed), else DG_E_BAD_SIZE. */
export function checkSizeOrZero(size: number): void {
  if (!(Number.isSafeInteger(size) && size >= 0)) throw dgError('DG_E_BAD_SIZE', String(size));
}

/** A positive safe integer number of lots, else DG_E_BAD_SIZE. */
export function checkSize(size: number): void {
  if (!(Number.isSafeInteger(size) && size > 0)) throw dgError('DG_E_BAD_SIZE', String(size));
}

/** Side 0 or 1, else DG_E_BAD_INPUT. */
export function checkSide(side: Side): void {
  if (side !== 0 && side !== 1) throw dgError('DG_E_BAD_INPUT', `side ${String(side)}`);
}

/** A non-empty string order id, else DG_E_BAD_INPUT. */
export function checkOrderId(orderId: string): void {
  if (typeof orderId !== 'string' || orderId.length === 0) {
    throw dgError('DG_E_BAD_INPUT', `order id ${String(orderId).slice(0, 64)}`);
  }
}

/** A finite, non-negative number of basis points, else DG_E_BAD_INPUT. */
export function checkBps(bps: number): void {
  if (!(Number.isFinite(bps) && bps >= 0)) throw dgError('DG_E_BAD_INPUT', `bps ${String(bps)}`);
}

/** A non-negative integer count (n of top-N; Infinity means all), else DG_E_BAD_INPUT. */
export function checkCount(n: number): void {
  if (!((Number.isSafeInteger(n) && n >= 0) || n === Infinity)) throw dgError('DG_E_BAD_INPUT', `count ${String(n)}`);
}

/**
 * Is `price` within `bps` basis points of `best` on this side? Bids: best - price ≤ best·bps/1e4;
 * asks: price - best ≤ best·bps/1e4. Compared as (distance × 10 000 ≤ best × bps), exact for
 * integer bps while best × 10 000 stays below 2^53.
 */
export function withinBps(side: Side, best: number, price: number, bps: number): boolean {
  const dist = side === 0 ? best - price : price - best;
  return dist * 10_000 <= best * bps;
}
