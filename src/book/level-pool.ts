/**
 * LevelPool: the price levels of an L3 book as pooled slots in parallel typed arrays. A level
 * holds its price, side, aggregated size, order count and the head/tail handles of its FIFO
 * order list (see OrderPool). `index[lv]` is the level's QueueIndex once a queue-position query
 * has asked about it (built lazily, dropped when the level empties).
 */
import { NIL } from './order-pool.js';
import type { QueueIndex } from './queue-index.js';

export class LevelPool {
  price: Float64Array;
  size: Float64Array;
  count: Int32Array;
  head: Int32Array;
  tail: Int32Array;
  side: Uint8Array;
  index: (QueueIndex | undefined)[];
  private freeHead = NIL;
  private top = 0;

  constructor(capacity = 256) {
    this.price = new Float64Array(capacity);
    this.size = new Float64Array(capacity);
    this.count = new Int32Array(capacity);
    this.head = new Int32Array(capacity);
    this.tail = new Int32Array(capacity);
    this.side = new Uint8Array(capacity);
    this.index = new Array<QueueIndex | undefined>(capacity).fill(undefined);
  }

  /** A fresh empty level. Arrays may be replaced: re-read them after alloc(). */
  alloc(side: number, price: number): number {
    let lv = this.freeHead;
    if (lv !== NIL) {
      this.freeHead = this.head[lv];
    } else {
      if (this.top === this.price.length) this.grow();
      lv = this.top++;
    }
    this.price[lv] = price;
    this.side[lv] = side;
    this.size[lv] = 0;
    this.count[lv] = 0;
    this.head[lv] = NIL;
    this.tail[lv] = NIL;
    return lv;
  }

  free(lv: number): void {
    this.index[lv] = undefined;
    this.head[lv] = this.freeHead;
    this.freeHead = lv;
  }

  reset(): void {
    this.freeHead = NIL;
    this.top = 0;
    this.index.fill(undefined);
  }

  private grow(): void {
    const cap = this.price.length * 2;
    const g64 = (a: Float64Array): Float64Array => {
      const b = new Float64Array(cap);
      b.set(a);
      return b;
    };
    const g32 = (a: Int32Array): Int32Array => {
      const b = new Int32Array(cap);
      b.set(a);
      return b;
    };
    this.price = g64(this.price);
    this.size = g64(this.size);
    this.count = g32(this.count);
    this.head = g32(this.head);
    this.tail = g32(this.tail);
    const side = new Uint8Array(cap);
    side.set(this.side);
    this.side = side;
    const old = this.index.length;
    this.index.length = cap;
    this.index.fill(undefined, old);
  }
}
