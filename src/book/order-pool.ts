/**
 * OrderPool: resting L3 orders as pooled fixed-size 64-byte records of one ArrayBuffer
 * (array-of-structs: touching an order is one cache line, not one line per field), addressed by
 * an integer handle h:
 *   i32[h*16 + 0] prev   i32[h*16 + 1] next   intrusive doubly-linked FIFO list of its level (-1 = none)
 *   i32[h*16 + 2] level  i32[h*16 + 3] slot   slot in the level's QueueIndex while indexed
 *   i32[h*16 + 4] keyLen (-1: id not stored inline)   i32[h*16 + 5] hash of the id
 *   f64[h*8 + 3]  size   f64[h*8 + 4]  ts
 *   u8[h*64 + 40 …] the id's characters when it is ≤ 24 one-byte characters (KuCoin ids are 24
 *   hex characters), so an id lookup compares against the record it needs anyway.
 * `id[h]` keeps the id string only when it is not inline (long or non-Latin-1 ids); inline ids
 * are rebuilt from their bytes by key(h) for exports, so the book never retains the string a
 * decoder sliced from its frame (that would keep the whole frame alive). Freed records are
 * chained through `next` and reused: steady flow allocates nothing. The buffer doubles when
 * full: callers re-read `i32`/`f64`/`u8` after alloc().
 */
export const NIL = -1;
/** Int32 offsets within a record (index = h * 16 + offset). */
export const PREV = 0;
export const NEXT = 1;
export const LEVEL = 2;
export const SLOT = 3;
export const KEYLEN = 4;
export const HASH = 5;
/** Float64 offsets within a record (index = h * 8 + offset). */
export const SIZE = 3;
export const TS = 4;
/** Byte offset of the inline id and its maximum length. */
export const KEY_AT = 40;
export const KEY_MAX = 24;

export class OrderPool {
  i32: Int32Array;
  f64: Float64Array;
  u8: Uint8Array;
  id: string[];
  private freeHead = NIL;
  private top = 0;
  /** Live (allocated) records. */
  count = 0;

  constructor(capacity = 1024) {
    const buf = new ArrayBuffer(capacity * 64);
    this.i32 = new Int32Array(buf);
    this.f64 = new Float64Array(buf);
    this.u8 = new Uint8Array(buf);
    this.id = new Array<string>(capacity).fill('');
  }

  get capacity(): number {
    return this.f64.length >> 3;
  }

  alloc(): number {
    let h = this.freeHead;
    if (h !== NIL) {
      this.freeHead = this.i32[h * 16 + NEXT];
    } else {
      if (this.top === this.capacity) this.grow();
      h = this.top++;
    }
    this.count++;
    return h;
  }

  /** Store the id (string and, when short one-byte, inline) with its hash (= idHash(key)). */
  setKey(h: number, key: string, hash: number): void {
    this.id[h] = '';
    const i32 = this.i32;
    i32[h * 16 + HASH] = hash;
    const n = key.length;
    if (n <= KEY_MAX) {
      const u8 = this.u8;
      const at = h * 64 + KEY_AT;
      for (let i = 0; i < n; i++) {
        const c = key.charCodeAt(i);
        if (c > 255) {
          i32[h * 16 + KEYLEN] = -1;
          this.id[h] = key;
          return;
        }
        u8[at + i] = c;
      }
      i32[h * 16 + KEYLEN] = n;
    } else {
      i32[h * 16 + KEYLEN] = -1;
      this.id[h] = key;
    }
  }

  /** The id of record h (rebuilt from its inline bytes when stored inline). */
  key(h: number): string {
    const n = this.i32[h * 16 + KEYLEN];
    if (n < 0) return this.id[h];
    const at = h * 64 + KEY_AT;
    return String.fromCharCode.apply(null, Array.from(this.u8.subarray(at, at + n)));
  }

  /** Is record h's id equal to key? Compares inline bytes when stored, else the string. */
  keyEquals(h: number, key: string): boolean {
    const n = this.i32[h * 16 + KEYLEN];
    if (n < 0) return this.id[h] === key;
    if (n !== key.length) return false;
    const u8 = this.u8;
    const at = h * 64 + KEY_AT;
    for (let i = 0; i < n; i++) if (u8[at + i] !== key.charCodeAt(i)) return false;
    return true;
  }

  free(h: number): void {
    this.id[h] = '';
    this.i32[h * 16 + NEXT] = this.freeHead;
    this.freeHead = h;
    this.count--;
  }

  reset(): void {
    this.freeHead = NIL;
    this.top = 0;
    this.count = 0;
    this.id.fill('');
  }

  private grow(): void {
    const cap = this.capacity * 2;
    const buf = new ArrayBuffer(cap * 64);
    new Uint8Array(buf).set(this.u8);
    this.i32 = new Int32Array(buf);
    this.f64 = new Float64Array(buf);
    this.u8 = new Uint8Array(buf);
    const old = this.id.length;
    this.id.length = cap;
    this.id.fill('', old);
  }
}
