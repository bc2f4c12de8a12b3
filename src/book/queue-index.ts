/**
 * QueueIndex: a Fenwick (binary indexed) tree over the FIFO arrival slots of one price level,
 * holding each live order's size and a count of 1. "Orders ahead" and "size ahead" of the order
 * in slot s are the prefix sums over slots 1..s-1: O(log k) per query and per update.
 *
 * Built lazily by L3Book the first time queuePosition() asks about a level (O(k) walk of that
 * level), then maintained on every change at that level; levels nobody asks about pay nothing.
 * Slots only grow (a re-queued order takes a new slot at the back); when they run out the book
 * rebuilds the index from the level's list, renumbering live orders 1..k (amortised O(1)).
 */
export class QueueIndex {
  private sizes: Float64Array;
  private counts: Int32Array;
  /** Next free slot (1-based). */
  nextSlot = 1;

  constructor(capacity: number) {
    this.sizes = new Float64Array(capacity + 1);
    this.counts = new Int32Array(capacity + 1);
  }

  get capacity(): number {
    return this.sizes.length - 1;
  }

  /** True when no slot is left for another order at the back. */
  full(): boolean {
    return this.nextSlot > this.capacity;
  }

  /** Put an order of `size` lots at the back; returns its slot. Caller checks full() first. */
  push(size: number): number {
    const s = this.nextSlot++;
    this.add(s, size, 1);
    return s;
  }

  add(slot: number, dSize: number, dCount: number): void {
    const sizes = this.sizes;
    const counts = this.counts;
    const n = sizes.length;
    for (let i = slot; i < n; i += i & -i) {
      sizes[i] += dSize;
      counts[i] += dCount;
    }
  }

  /** Sum of sizes in slots 1..slot-1 (the orders ahead of `slot`). */
  sizeBefore(slot: number): number {
    const sizes = this.sizes;
    let s = 0;
    for (let i = slot - 1; i > 0; i -= i & -i) s += sizes[i];
    return s;
  }

  /** Number of orders in slots 1..slot-1. */
  countBefore(slot: number): number {
    const counts = this.counts;
    let s = 0;
    for (let i = slot - 1; i > 0; i -= i & -i) s += counts[i];
    return s;
  }
}
