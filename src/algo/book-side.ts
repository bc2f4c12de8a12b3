/**
 * The book as one side of a parent sees it. Every rule is written for a buy; a sell mirrors it
 * through `dir` (+1 buy, −1 sell): "own" is the side the parent rests on (bids for a buy), "opp"
 * the side it takes from (asks for a buy).
 *
 * The market snapshot shows the venue's book, which includes the parent's own resting children.
 * The rules must judge the others' interest (a passive quote must not chase itself, a probe must
 * not count as the best bid it improves), so the own side is read with the parent's open children
 * taken out.
 */
import type { AlgoLevel, AlgoSideText, ChildView, MarketSnapshot } from './types.js';

export type Dir = 1 | -1;

export interface SideBook {
  readonly dir: Dir;
  /** Own side without the parent's own open children, best first. */
  readonly own: readonly AlgoLevel[];
  /** Opposite side, best first. */
  readonly opp: readonly AlgoLevel[];
}

export function dirOf(side: AlgoSideText): Dir {
  return side === 'buy' ? 1 : -1;
}

/** Remaining (unfilled) lots of a child. */
export function remainingOf(c: ChildView): number {
  return Math.max(0, c.size - c.filled);
}

/** Levels minus the open limit children resting at their prices; emptied levels vanish. */
export function withoutOwn(levels: readonly AlgoLevel[], children: readonly ChildView[]): AlgoLevel[] {
  const mine = new Map<number, number>();
  for (const c of children) {
    if (!c.open || c.type !== 'limit' || c.price === undefined) continue;
    mine.set(c.price, (mine.get(c.price) ?? 0) + remainingOf(c));
  }
  if (mine.size === 0) return [...levels];
  const out: AlgoLevel[] = [];
  for (const [price, size] of levels) {
    const left = size - (mine.get(price) ?? 0);
    if (left > 0) out.push([price, left]);
  }
  return out;
}

export function sideBook(side: AlgoSideText, market: MarketSnapshot, children: readonly ChildView[]): SideBook {
  const own = side === 'buy' ? market.bids : market.asks;
  const opp = side === 'buy' ? market.asks : market.bids;
  const mine = children.filter((c) => c.side === side);
  return { dir: dirOf(side), own: withoutOwn(own, mine), opp };
}

/** Mid of the others' best bid and ask (may be half a tick); undefined when a side is empty. */
export function midOf(book: SideBook): number | undefined {
  if (book.own.length === 0 || book.opp.length === 0) return undefined;
  return (book.own[0][0] + book.opp[0][0]) / 2;
}

/** Spread in ticks (opposite best minus own best, for either side); undefined when a side is empty. */
export function spreadOf(book: SideBook): number | undefined {
  if (book.own.length === 0 || book.opp.length === 0) return undefined;
  return book.dir * (book.opp[0][0] - book.own[0][0]);
}

/** For taking: `price` is at or inside `limit` (a buy: price ≤ limit). */
export function withinLimit(dir: Dir, price: number, limit: number): boolean {
  return dir * price <= dir * limit;
}

/** `a` is a more passive price than `b` for this side (a buy: a < b). */
export function behind(dir: Dir, a: number, b: number): boolean {
  return dir * a < dir * b;
}

/** Sum of the sizes of the first `n` levels. */
export function sumSizes(levels: readonly AlgoLevel[], n: number): number {
  let s = 0;
  for (let i = 0; i < Math.min(n, levels.length); i++) s += levels[i][1];
  return s;
}
