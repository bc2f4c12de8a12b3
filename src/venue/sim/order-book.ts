/**
 * The matching engine's own book structures (hot path, hand-written):
 * - `SimOrder`: one order, also the node of an intrusive doubly linked FIFO list per price level;
 * - `Level`: one price level (head/tail of its FIFO, total lots, order count);
 * - `BookSide`: price → Level map plus a sorted Float64Array of live prices with the best price
 *   at the END (bids ascending, asks descending), so touching the best level is O(1) and
 *   inserting/removing a deeper level is a binary search plus one memmove (copyWithin).
 */
import type { Side } from '../../core/events.js';
import type { OrderType, StpMode, TimeInForce } from './engine-types.js';
import type { SimAccount } from './accounts.js';

export class SimOrder {
  // Fields are `declare`d so the compiled class has no field initialisers: the constructor
  // assigns them all, once, in a fixed order, and V8 keeps number fields unboxed-friendly
  // (a field first set to undefined would box every large number written to it later).
  // identity
  declare id: string;
  declare clientOid: string | undefined;
  declare account: SimAccount;
  declare market: number;
  declare side: Side;
  declare type: OrderType;
  declare tif: TimeInForce;
  declare postOnly: boolean;
  declare stp: StpMode | undefined;
  // quantities (ticks, lots, minor units)
  declare price: number;
  declare size: number;
  declare funds: number;
  declare remain: number;
  declare filled: number;
  declare filledFunds: number;
  /** Minor units of the held currency still held for this order. */
  declare hold: number;
  declare fee: number;
  // state (times in ms relative to the engine's epoch, see SimEngine)
  declare done: boolean;
  declare doneReason: 'filled' | 'canceled' | undefined;
  declare createdAt: number;
  declare updatedAt: number;
  declare openAt: number;
  // intrusive FIFO links
  declare level: Level | null;
  declare prev: SimOrder | null;
  declare next: SimOrder | null;

  constructor(
    id: string,
    clientOid: string | undefined,
    account: SimAccount,
    market: number,
    side: Side,
    type: OrderType,
    tif: TimeInForce,
    postOnly: boolean,
    stp: StpMode | undefined,
    price: number,
    size: number,
    funds: number,
    now: number,
  ) {
    this.id = id;
    this.clientOid = clientOid;
    this.account = account;
    this.market = market;
    this.side = side;
    this.type = type;
    this.tif = tif;
    this.postOnly = postOnly;
    this.stp = stp;
    this.price = price;
    this.size = size;
    this.funds = funds;
    this.remain = size;
    this.filled = 0;
    this.filledFunds = 0;
    this.hold = 0;
    this.fee = 0;
    this.done = false;
    this.doneReason = undefined;
    this.createdAt = now;
    this.updatedAt = now;
    this.openAt = 0;
    this.level = null;
    this.prev = null;
    this.next = null;
  }
}

export class Level {
  declare readonly price: number;
  declare readonly side: Side;
  declare total: number;
  declare count: number;
  declare head: SimOrder | null;
  declare tail: SimOrder | null;
  constructor(price: number, side: Side) {
    this.price = price;
    this.side = side;
    this.total = 0;
    this.count = 0;
    this.head = null;
    this.tail = null;
  }
}

export class BookSide {
  readonly side: Side;
  private readonly levels = new Map<number, Level>();
  /** Live prices, best at index n-1. Bids ascending, asks descending. */
  private prices = new Float64Array(64);
  private n = 0;
  orderCount = 0;

  constructor(side: Side) {
    this.side = side;
  }

  get levelCount(): number {
    return this.n;
  }

  best(): Level | undefined {
    return this.n === 0 ? undefined : this.levels.get(this.prices[this.n - 1]);
  }

  bestPrice(): number | undefined {
    return this.n === 0 ? undefined : this.prices[this.n - 1];
  }

  level(price: number): Level | undefined {
    return this.levels.get(price);
  }

  /** i-th level from the best (0 = best). */
  levelAt(i: number): Level | undefined {
    return i < 0 || i >= this.n ? undefined : this.levels.get(this.prices[this.n - 1 - i]);
  }

  /** true when `a` is a better price than `b` on this side. */
  better(a: number, b: number): boolean {
    return this.side === 0 ? a > b : a < b;
  }

  /** Append an order at the back of its price level's queue. */
  add(o: SimOrder): Level {
    let lvl = this.levels.get(o.price);
    if (lvl === undefined) {
      lvl = new Level(o.price, this.side);
      this.levels.set(o.price, lvl);
      this.insertPrice(o.price);
    }
    o.level = lvl;
    o.next = null;
    o.prev = lvl.tail;
    if (lvl.tail !== null) lvl.tail.next = o;
    else lvl.head = o;
    lvl.tail = o;
    lvl.total += o.remain;
    lvl.count++;
    this.orderCount++;
    return lvl;
  }

  /** Unlink an order (its `remain` must still be what the level counted). Returns the level's new total. */
  remove(o: SimOrder): number {
    const lvl = o.level as Level;
    if (o.prev !== null) o.prev.next = o.next;
    else lvl.head = o.next;
    if (o.next !== null) o.next.prev = o.prev;
    else lvl.tail = o.prev;
    o.prev = null;
    o.next = null;
    o.level = null;
    lvl.total -= o.remain;
    lvl.count--;
    this.orderCount--;
    if (lvl.count === 0) {
      this.levels.delete(lvl.price);
      this.removePrice(lvl.price);
      return 0;
    }
    return lvl.total;
  }

  private insertPrice(p: number): void {
    if (this.n === this.prices.length) {
      const bigger = new Float64Array(this.prices.length * 2);
      bigger.set(this.prices);
      this.prices = bigger;
    }
    const arr = this.prices;
    const n = this.n;
    // Fast path: new best (the common case for quotes inside the spread) or new worst.
    if (n === 0 || this.better(p, arr[n - 1])) {
      arr[n] = p;
      this.n = n + 1;
      return;
    }
    // Find first index whose price is better than p (array goes worst → best).
    let lo = 0;
    let hi = n;
    if (this.side === 0) {
      while (lo < hi) {
        const mid = (lo + hi) >>> 1;
        if (arr[mid] < p) lo = mid + 1;
        else hi = mid;
      }
    } else {
      while (lo < hi) {
        const mid = (lo + hi) >>> 1;
        if (arr[mid] > p) lo = mid + 1;
        else hi = mid;
      }
    }
    arr.copyWithin(lo + 1, lo, n);
    arr[lo] = p;
    this.n = n + 1;
  }

  private removePrice(p: number): void {
    const arr = this.prices;
    const n = this.n;
    if (arr[n - 1] === p) {
      this.n = n - 1;
      return;
    }
    let lo = 0;
    let hi = n;
    if (this.side === 0) {
      while (lo < hi) {
        const mid = (lo + hi) >>> 1;
        if (arr[mid] < p) lo = mid + 1;
        else hi = mid;
      }
    } else {
      while (lo < hi) {
        const mid = (lo + hi) >>> 1;
        if (arr[mid] > p) lo = mid + 1;
        else hi = mid;
      }
    }
    arr.copyWithin(lo, lo + 1, n);
    this.n = n - 1;
  }
}

/** One market's book and sequence. */
export class MarketBook {
  readonly sides: [BookSide, BookSide] = [new BookSide(0), new BookSide(1)];
  seq = 0;
  lastTs = 0;
}
