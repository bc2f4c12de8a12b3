/** A fixed-capacity ring buffer: push overwrites the oldest; reads newest first. */
export class Ring<T> {
  private readonly buf: (T | undefined)[];
  private head = 0;
  private len = 0;
  readonly capacity: number;

  constructor(capacity: number) {
    if (!Number.isSafeInteger(capacity) || capacity < 1) throw new RangeError(`ring capacity ${capacity}`);
    this.capacity = capacity;
    this.buf = new Array<T | undefined>(capacity);
  }

  get length(): number {
    return this.len;
  }

  /** Push; returns the evicted oldest item, if the ring was full. */
  push(v: T): T | undefined {
    const evicted = this.len === this.capacity ? this.buf[this.head] : undefined;
    this.buf[this.head] = v;
    this.head = (this.head + 1) % this.capacity;
    if (this.len < this.capacity) this.len++;
    return evicted;
  }

  /** Newest first; `filter` selects, `limit` bounds the result. */
  newest(limit: number, filter?: (v: T) => boolean): T[] {
    const out: T[] = [];
    for (let i = 0; i < this.len && out.length < limit; i++) {
      const v = this.buf[(this.head - 1 - i + this.capacity) % this.capacity] as T;
      if (!filter || filter(v)) out.push(v);
    }
    return out;
  }

  /** Most recent item. */
  last(): T | undefined {
    return this.len === 0 ? undefined : this.buf[(this.head - 1 + this.capacity) % this.capacity];
  }
}
