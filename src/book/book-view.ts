/**
 * The read interface shared by L2Book and L3Book (docs/books.md). Prices are integer ticks and
 * sizes integer lots of the book's instrument; Side 0 = bid, 1 = ask (core/events.ts).
 */
import type { Side } from '../core/events.js';

export interface BookView {
  /** Highest bid price in ticks, undefined when the bid side is empty. O(1). */
  bestBid(): number | undefined;
  /** Lowest ask price in ticks, undefined when the ask side is empty. O(1). */
  bestAsk(): number | undefined;
  /** Lots at the best bid (0 when empty). O(1). */
  bestBidSize(): number;
  /** Lots at the best ask (0 when empty). O(1). */
  bestAskSize(): number;
  /** Up to n aggregated levels of one side, best first. */
  levels(side: Side, n: number): Array<[price: number, size: number]>;
  /** Aggregated lots at one price (0 when there is no level). */
  sizeAt(side: Side, price: number): number;
  /** Total lots of the side's levels priced within `bps` basis points of that side's best. */
  depthWithinBps(side: Side, bps: number): number;
  /** True when both sides are non-empty and bestBid >= bestAsk. */
  isCrossed(): boolean;
  /** Number of price levels on one side. */
  levelCount(side: Side): number;
}
