/**
 * L2Book: a price-level book (aggregated size per price). Each side is a PriceLadder (sorted
 * keys, best at the tail, sizes alongside), so the touch is O(1), a level at distance d from the
 * touch is found in O(log d) and inserted/removed by shifting d entries.
 *
 * Every mutation validates first: bad input throws a DeskgateError and leaves the book unchanged.
 */
import type { L2Snapshot, L2Update, Side } from '../core/events.js';
import { dgError } from '../core/errors.js';
import type { BookView } from './book-view.js';
import { checkBps, checkCount, checkPrice, checkSide, checkSizeOrZero, withinBps } from './book-input.js';
import { PriceLadder } from './price-ladder.js';

export class L2Book implements BookView {
  private readonly sides: [PriceLadder, PriceLadder] = [new PriceLadder(1), new PriceLadder(-1)];
  /** Sequence of the last snapshot/update applied (lastSeq), 0 before any. */
  seq = 0;
  /** Timestamp of the last snapshot/update applied. */
  ts = 0;

  bestBid(): number | undefined {
    return this.sides[0].best();
  }

  bestAsk(): number | undefined {
    return this.sides[1].best();
  }

  bestBidSize(): number {
    const l = this.sides[0];
    return l.length === 0 ? 0 : l.bestVal();
  }

  bestAskSize(): number {
    const l = this.sides[1];
    return l.length === 0 ? 0 : l.bestVal();
  }

  levels(side: Side, n: number): Array<[price: number, size: number]> {
    checkSide(side);
    checkCount(n);
    const l = this.sides[side];
    const out: Array<[number, number]> = [];
    for (let i = l.bestPos(); i >= 0 && out.length < n; i = l.prevPos(i)) out.push([l.priceAt(i), l.valAt(i)]);
    return out;
  }

  sizeAt(side: Side, price: number): number {
    checkSide(side);
    const l = this.sides[side];
    const i = l.find(price);
    return i >= 0 ? l.valAt(i) : 0;
  }

  depthWithinBps(side: Side, bps: number): number {
    checkSide(side);
    checkBps(bps);
    const l = this.sides[side];
    if (l.length === 0) return 0;
    const best = l.priceAt(l.bestPos());
    let sum = 0;
    for (let i = l.bestPos(); i >= 0; i = l.prevPos(i)) {
      if (!withinBps(side, best, l.priceAt(i), bps)) break;
      sum += l.valAt(i);
    }
    return sum;
  }

  isCrossed(): boolean {
    const b = this.sides[0].best();
    const a = this.sides[1].best();
    return b !== undefined && a !== undefined && b >= a;
  }

  levelCount(side: Side): number {
    checkSide(side);
    return this.sides[side].length;
  }

  /** Set a level's total size; 0 removes it (a no-op when absent). */
  set(side: Side, price: number, size: number): void {
    checkSide(side);
    checkPrice(price);
    checkSizeOrZero(size);
    this.setUnchecked(side, price, size);
  }

  /** Apply one venue update: all levels are validated first, then applied in order. */
  applyUpdate(u: L2Update): void {
    const levels = u.levels;
    if (!Array.isArray(levels)) throw dgError('DG_E_BAD_INPUT', 'levels');
    for (let i = 0; i < levels.length; i++) {
      const lv = levels[i];
      checkSide(lv.side);
      checkPrice(lv.price);
      checkSizeOrZero(lv.size);
    }
    for (let i = 0; i < levels.length; i++) {
      const lv = levels[i];
      this.setUnchecked(lv.side, lv.price, lv.size);
    }
    this.seq = u.lastSeq;
    this.ts = u.ts;
  }

  /** Replace the whole book. Validated first (positive prices and sizes, no repeated price). */
  loadSnapshot(s: L2Snapshot): void {
    const seen: [Set<number>, Set<number>] = [new Set(), new Set()];
    const check = (side: Side, rows: L2Snapshot['bids']): void => {
      if (!Array.isArray(rows)) throw dgError('DG_E_BAD_INPUT', 'snapshot side');
      for (const row of rows) {
        const [price, size] = row;
        checkPrice(price);
        checkSizeOrZero(size);
        if (seen[side].has(price)) throw dgError('DG_E_BAD_INPUT', `price ${price} repeated in snapshot`);
        seen[side].add(price);
      }
    };
    check(0, s.bids);
    check(1, s.asks);
    this.clear();
    for (const [price, size] of s.bids) if (size > 0) this.setUnchecked(0, price, size);
    for (const [price, size] of s.asks) if (size > 0) this.setUnchecked(1, price, size);
    this.seq = s.seq;
    this.ts = s.ts;
  }

  /** Export the book as a snapshot (best first). */
  snapshot(seq = this.seq): L2Snapshot {
    return { seq, ts: this.ts, bids: this.levels(0, this.sides[0].length), asks: this.levels(1, this.sides[1].length) };
  }

  clear(): void {
    this.sides[0].clear();
    this.sides[1].clear();
    this.seq = 0;
    this.ts = 0;
  }

  /** Visit one side best first; return false from fn to stop. */
  forEachLevel(side: Side, fn: (price: number, size: number) => boolean | void): void {
    checkSide(side);
    const l = this.sides[side];
    for (let i = l.bestPos(); i >= 0; i = l.prevPos(i)) {
      if (fn(l.priceAt(i), l.valAt(i)) === false) return;
    }
  }

  private setUnchecked(side: Side, price: number, size: number): void {
    const l = this.sides[side];
    const i = l.find(price);
    if (i >= 0) {
      if (size === 0) l.removeAt(i);
      else l.setValAt(i, size);
    } else if (size !== 0) {
      l.insertAt(i, price, size);
    }
  }
}
