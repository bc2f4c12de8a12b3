/**
 * Cancel rules (S2.13, all TWAP modes), run first every round on the children of earlier rounds
 * that are still open and not already being cancelled:
 * (a) timeout — older than the child timeout: now − placedAt > childTimeoutMs;
 * (b) far — priced too far from the market: a buy below the price of the `farLevel`-th bid level
 *     (a sell above the `farLevel`-th ask level). The level is read from the others' book (the
 *     parent's own resting children do not count) and the rule is skipped while that side has
 *     fewer than `farLevel` levels. Market children have no price and only time out.
 */
import type { AlgoAction, ChildView } from './types.js';
import { behind, type SideBook } from './book-side.js';

export interface CancelRuleInput {
  readonly now: number;
  /** The round being decided; only children of earlier rounds are judged. */
  readonly round: number;
  readonly children: readonly ChildView[];
  readonly book: SideBook;
  readonly childTimeoutMs: number;
  readonly farLevel: number;
}

export function isTimedOut(c: ChildView, now: number, timeoutMs: number): boolean {
  return now - c.placedAt > timeoutMs;
}

export function isFar(c: ChildView, book: SideBook, farLevel: number): boolean {
  if (c.type !== 'limit' || c.price === undefined) return false;
  if (book.own.length < farLevel) return false;
  return behind(book.dir, c.price, book.own[farLevel - 1][0]);
}

export function cancelRules(input: CancelRuleInput): AlgoAction[] {
  const out: AlgoAction[] = [];
  for (const c of input.children) {
    if (!c.open || c.cancelling || c.round >= input.round) continue;
    if (isTimedOut(c, input.now, input.childTimeoutMs)) {
      out.push({ kind: 'cancel', clientId: c.clientId, reason: 'timeout' });
    } else if (isFar(c, input.book, input.farLevel)) {
      out.push({ kind: 'cancel', clientId: c.clientId, reason: 'far' });
    }
  }
  return out;
}
