/**
 * OrderIdIndex: order id string → order handle, as an open-addressing hash table (linear
 * probing, load ≤ 1/2) over one Int32Array of [hash, handle] pairs. The ids themselves live in
 * the OrderPool records (inline bytes for short one-byte ids), so a successful lookup touches one
 * table line plus the order's own record, which the operation needs next anyway.
 *
 * Compared with a Map<string, number>: "find or insert" and "find and delete" are one probe each
 * (a Map needs has+set and get+delete), key comparison never chases a string (the keys of a
 * decoder are slices of their frames), and nothing allocates per operation. Deletions leave
 * tombstones, cleared by a rebuild (same size, or doubled when live entries need it) whenever
 * live + tombstones reach half the table: amortised O(1).
 */
import type { OrderPool } from './order-pool.js';

const EMPTY = 0;
const TOMB = -1;

/**
 * 32-bit hash of an id, two UTF-16 code units per multiply (murmur-style mixing), never 0 or -1
 * (they mark empty / deleted slots).
 */
export function idHash(s: string): number {
  const n = s.length;
  let h = 0x9747b28c ^ n;
  let i = 0;
  for (; i + 1 < n; i += 2) {
    h = Math.imul(h ^ (s.charCodeAt(i) | (s.charCodeAt(i + 1) << 16)), 0x5bd1e995);
    h ^= h >>> 15;
  }
  if (i < n) h = Math.imul(h ^ s.charCodeAt(i), 0x5bd1e995);
  h ^= h >>> 13;
  h = Math.imul(h, 0x5bd1e995);
  h ^= h >>> 15;
  return h === EMPTY || h === TOMB ? 0x2545f491 : h;
}

export class OrderIdIndex {
  /** [hash, handle] per slot; hash EMPTY = free, TOMB = deleted. */
  private t: Int32Array;
  private mask: number;
  /** Live entries. */
  size = 0;
  private used = 0; // live + tombstones
  private readonly pool: OrderPool;

  constructor(pool: OrderPool, capacity = 1024) {
    this.pool = pool;
    let cap = 16;
    while (cap < capacity * 2) cap *= 2;
    this.t = new Int32Array(cap * 2);
    this.mask = cap - 1;
  }

  /** Slot of the last successful get() (lets removeHandle skip its probe). */
  private lastSlot = -1;

  /** Handle for `key` (hash = idHash(key)), or -1. */
  get(key: string, hash: number): number {
    const t = this.t;
    const mask = this.mask;
    for (let i = hash & mask; ; i = (i + 1) & mask) {
      const sh = t[i * 2];
      if (sh === EMPTY) return -1;
      if (sh === hash) {
        const v = t[i * 2 + 1];
        if (this.pool.keyEquals(v, key)) {
          this.lastSlot = i;
          return v;
        }
      }
    }
  }

  /**
   * Insert key → handle (the pool record's key must already be set); false, with nothing
   * changed, when the key is present.
   */
  insert(key: string, hash: number, handle: number): boolean {
    if ((this.used + 1) * 2 > this.mask + 1) this.rebuild();
    const t = this.t;
    const mask = this.mask;
    let tomb = -1;
    let i = hash & mask;
    for (; ; i = (i + 1) & mask) {
      const sh = t[i * 2];
      if (sh === EMPTY) break;
      if (sh === TOMB) {
        if (tomb < 0) tomb = i;
      } else if (sh === hash && this.pool.keyEquals(t[i * 2 + 1], key)) {
        return false;
      }
    }
    if (tomb >= 0) i = tomb;
    else this.used++;
    t[i * 2] = hash;
    t[i * 2 + 1] = handle;
    this.size++;
    return true;
  }

  /** Remove the entry of handle h (found by its stored hash); true when it was present. */
  removeHandle(h: number, hash: number): boolean {
    const t = this.t;
    const last = this.lastSlot;
    if (last >= 0 && t[last * 2] === hash && t[last * 2 + 1] === h) {
      t[last * 2] = TOMB;
      this.size--;
      this.lastSlot = -1;
      return true;
    }
    const mask = this.mask;
    for (let i = hash & mask; ; i = (i + 1) & mask) {
      const sh = t[i * 2];
      if (sh === EMPTY) return false;
      if (sh === hash && t[i * 2 + 1] === h) {
        t[i * 2] = TOMB;
        this.size--;
        return true;
      }
    }
  }

  clear(): void {
    this.lastSlot = -1;
    this.t.fill(0);
    this.size = 0;
    this.used = 0;
  }

  private rebuild(): void {
    let cap = this.mask + 1;
    while (this.size * 4 >= cap) cap *= 2;
    const old = this.t;
    const t = new Int32Array(cap * 2);
    const mask = cap - 1;
    for (let j = 0; j < old.length; j += 2) {
      const sh = old[j];
      if (sh === EMPTY || sh === TOMB) continue;
      let i = sh & mask;
      while (t[i * 2] !== EMPTY) i = (i + 1) & mask;
      t[i * 2] = sh;
      t[i * 2 + 1] = old[j + 1];
    }
    this.t = t;
    this.mask = mask;
    this.used = this.size;
    this.lastSlot = -1;
  }
}
