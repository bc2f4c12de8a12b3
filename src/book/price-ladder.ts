/**
 * PriceLadder: the ordered set of price levels of one book side, each with one number (the
 * level's size for L2Book, the level handle for L3Book).
 *
 * Layout: an ordered list of chunks, each a sorted Float64Array of up to CHUNK keys plus a
 * parallel Float64Array of values. Keys are `price` for bids and `-price` for asks, so both
 * sides sort ascending and the BEST level is always the last key of the last chunk.
 *
 * - At or near the touch (the usual case) a lookup gallops back from the tail of the last chunk
 *   (O(log d), d = distance in levels from the best) and an insert/remove shifts the d keys
 *   behind it in that chunk: effectively O(1).
 * - Far and sparse prices stay bounded: a lookup binary-searches the chunk list (O(log L)),
 *   an insert/remove shifts at most CHUNK keys, a full chunk splits in two and an underfull one
 *   merges with a neighbour, so chunk-list edits are O(L / CHUNK) with a tiny constant. No
 *   operation is O(levels) in the key-shifting sense, let alone O(orders).
 *
 * Positions: find() returns a position code `chunk * SPAN + offset` (or `-(code) - 1` for the
 * insertion point of an absent price), valid until the ladder is next modified. Iterate best
 * first with `for (let p = l.bestPos(); p >= 0; p = l.prevPos(p))`.
 */

const CHUNK = 256;
const SPAN = 512; // > CHUNK so that an insertion point at the end of a full chunk is encodable
const MERGE_BELOW = CHUNK / 4;

export class PriceLadder {
  /** +1 for bids (key = price), -1 for asks (key = -price). */
  readonly sign: 1 | -1;
  /** Total number of levels. */
  length = 0;
  private keys: Float64Array[] = [];
  private vals: Float64Array[] = [];
  private counts: number[] = [];

  constructor(sign: 1 | -1) {
    this.sign = sign;
  }

  /** Position code of `price`, or `-(insertion code) - 1` when absent. */
  find(price: number): number {
    const key = this.sign === 1 ? price : -price;
    const nc = this.counts.length;
    if (nc === 0) return -1;
    // Chunk: the last one whose first key <= key (chunk 0 when key is below every key).
    let c = nc - 1;
    if (this.keys[c][0] > key) {
      let lo = 0;
      let hi = nc - 1; // keys[hi][0] > key
      while (lo < hi) {
        const mid = (lo + hi) >>> 1;
        if (this.keys[mid][0] <= key) lo = mid + 1;
        else hi = mid;
      }
      c = lo > 0 ? lo - 1 : 0;
    }
    const keys = this.keys[c];
    const n = this.counts[c];
    // Gallop back from the chunk's tail, then binary search.
    let hi = n;
    let lo = n - 1;
    let step = 1;
    while (lo >= 0) {
      const k = keys[lo];
      if (k === key) return c * SPAN + lo;
      if (k < key) break;
      hi = lo;
      lo = n - 1 - step;
      step <<= 1;
    }
    lo = lo < 0 ? 0 : lo + 1;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      const k = keys[mid];
      if (k === key) return c * SPAN + mid;
      if (k < key) lo = mid + 1;
      else hi = mid;
    }
    return -(c * SPAN + lo) - 1;
  }

  /** Insert at the insertion point returned (encoded) by find(). */
  insertAt(encoded: number, price: number, val: number): void {
    const key = this.sign === 1 ? price : -price;
    this.length++;
    if (this.counts.length === 0) {
      this.keys.push(new Float64Array(CHUNK));
      this.vals.push(new Float64Array(CHUNK));
      this.counts.push(1);
      this.keys[0][0] = key;
      this.vals[0][0] = val;
      return;
    }
    const pos = -encoded - 1;
    let c = Math.floor(pos / SPAN);
    let j = pos - c * SPAN;
    if (this.counts[c] === CHUNK) {
      this.split(c);
      const half = this.counts[c];
      if (j > half) {
        c++;
        j -= half;
      }
    }
    const n = this.counts[c];
    const keys = this.keys[c];
    const vals = this.vals[c];
    if (j < n) {
      keys.copyWithin(j + 1, j, n);
      vals.copyWithin(j + 1, j, n);
    }
    keys[j] = key;
    vals[j] = val;
    this.counts[c] = n + 1;
  }

  /** Remove the level at a position code from find(). */
  removeAt(code: number): void {
    const c = Math.floor(code / SPAN);
    const j = code - c * SPAN;
    const n = this.counts[c] - 1;
    if (j < n) {
      this.keys[c].copyWithin(j, j + 1, n + 1);
      this.vals[c].copyWithin(j, j + 1, n + 1);
    }
    this.counts[c] = n;
    this.length--;
    if (n === 0) {
      this.keys.splice(c, 1);
      this.vals.splice(c, 1);
      this.counts.splice(c, 1);
    } else if (n < MERGE_BELOW) {
      this.maybeMerge(c);
    }
  }

  priceAt(code: number): number {
    const c = Math.floor(code / SPAN);
    const k = this.keys[c][code - c * SPAN];
    return this.sign === 1 ? k : -k;
  }

  valAt(code: number): number {
    const c = Math.floor(code / SPAN);
    return this.vals[c][code - c * SPAN];
  }

  setValAt(code: number, val: number): void {
    const c = Math.floor(code / SPAN);
    this.vals[c][code - c * SPAN] = val;
  }

  /** Best price, or undefined when empty. */
  best(): number | undefined {
    const nc = this.counts.length;
    if (nc === 0) return undefined;
    const k = this.keys[nc - 1][this.counts[nc - 1] - 1];
    return this.sign === 1 ? k : -k;
  }

  /** Value at the best level (NaN when empty). */
  bestVal(): number {
    const nc = this.counts.length;
    return nc === 0 ? Number.NaN : this.vals[nc - 1][this.counts[nc - 1] - 1];
  }

  /** Position of the best level, or -1 when empty. */
  bestPos(): number {
    const nc = this.counts.length;
    return nc === 0 ? -1 : (nc - 1) * SPAN + this.counts[nc - 1] - 1;
  }

  /** The next position towards worse prices, or -1 after the worst. */
  prevPos(code: number): number {
    const c = Math.floor(code / SPAN);
    const j = code - c * SPAN;
    if (j > 0) return code - 1;
    return c === 0 ? -1 : (c - 1) * SPAN + this.counts[c - 1] - 1;
  }

  clear(): void {
    this.keys = [];
    this.vals = [];
    this.counts = [];
    this.length = 0;
  }

  /** Keys strictly ascending across all chunks and counts consistent (tests). */
  isConsistent(): boolean {
    let last = -Infinity;
    let total = 0;
    for (let c = 0; c < this.counts.length; c++) {
      const n = this.counts[c];
      if (n <= 0 || n > CHUNK) return false;
      for (let j = 0; j < n; j++) {
        const k = this.keys[c][j];
        if (!(k > last)) return false;
        last = k;
      }
      total += n;
    }
    return total === this.length;
  }

  private split(c: number): void {
    const half = CHUNK >> 1;
    const nk = new Float64Array(CHUNK);
    const nv = new Float64Array(CHUNK);
    nk.set(this.keys[c].subarray(half, CHUNK));
    nv.set(this.vals[c].subarray(half, CHUNK));
    this.keys.splice(c + 1, 0, nk);
    this.vals.splice(c + 1, 0, nv);
    this.counts.splice(c + 1, 0, CHUNK - half);
    this.counts[c] = half;
  }

  /** Merge chunk c into a neighbour when both fit comfortably in one chunk. */
  private maybeMerge(c: number): void {
    const nc = this.counts.length;
    let a = -1;
    if (c + 1 < nc && this.counts[c] + this.counts[c + 1] <= (CHUNK * 3) >> 2) a = c;
    else if (c > 0 && this.counts[c - 1] + this.counts[c] <= (CHUNK * 3) >> 2) a = c - 1;
    if (a < 0) return;
    const na = this.counts[a];
    const nb = this.counts[a + 1];
    this.keys[a].set(this.keys[a + 1].subarray(0, nb), na);
    this.vals[a].set(this.vals[a + 1].subarray(0, nb), na);
    this.counts[a] = na + nb;
    this.keys.splice(a + 1, 1);
    this.vals.splice(a + 1, 1);
    this.counts.splice(a + 1, 1);
  }
}
