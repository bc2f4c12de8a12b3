/**
 * L3Book: an order-by-order book with FIFO queues per price level (docs/books.md).
 *
 * - Orders live in an OrderPool (typed arrays, integer handles, intrusive doubly-linked FIFO list
 *   per level); the only string-keyed structure is `ids` (orderId → handle).
 * - Levels live in a LevelPool (price, side, total size, count, head, tail); each side's levels
 *   are ordered by a PriceLadder (sorted keys, best at the tail) whose values are level handles.
 * - Queue position uses a per-level Fenwick tree (QueueIndex), built on first demand for that
 *   level and maintained incrementally afterwards.
 *
 * Priority rules: a size decrease keeps the order's place; a size increase or a price change
 * sends it to the back of its (new) level; a match reduces the maker by the traded size.
 * Every operation validates before mutating: a thrown DeskgateError leaves the book unchanged.
 */
import type { L3Event, L3Snapshot, L3SnapshotOrder, Side } from '../core/events.js';
import { dgError } from '../core/errors.js';
import type { BookView } from './book-view.js';
import {
  checkBps,
  checkCount,
  checkOrderId,
  checkPrice,
  checkSide,
  checkSize,
  checkSizeOrZero,
  withinBps,
} from './book-input.js';
import { LevelPool } from './level-pool.js';
import { HASH, LEVEL, NEXT, NIL, OrderPool, PREV, SIZE, SLOT, TS } from './order-pool.js';
import { idHash, OrderIdIndex } from './order-id-index.js';
import { PriceLadder } from './price-ladder.js';
import { QueueIndex } from './queue-index.js';

export interface L3Order {
  readonly orderId: string;
  readonly side: Side;
  readonly price: number;
  readonly size: number;
  readonly ts: number;
}

export interface L3QueuePosition {
  /** Orders ahead of this one at its price level. */
  readonly ordersAhead: number;
  /** Lots ahead of this one at its price level. */
  readonly sizeAhead: number;
  /** Total lots at the level (including this order). */
  readonly levelSize: number;
}

const MIN_INDEX_CAPACITY = 16;

function indexCapacity(orders: number): number {
  let cap = MIN_INDEX_CAPACITY;
  while (cap < 2 * orders) cap *= 2;
  return cap;
}

export class L3Book implements BookView {
  private readonly o = new OrderPool();
  private readonly ids = new OrderIdIndex(this.o);
  private readonly lv = new LevelPool();
  private readonly ladders: [PriceLadder, PriceLadder] = [new PriceLadder(1), new PriceLadder(-1)];
  /** Sequence of the last event applied through apply() or loaded by loadSnapshot(). */
  seq = 0;
  /** Timestamp of the last event applied or snapshot loaded. */
  ts = 0;

  // ----- BookView ---------------------------------------------------------------------------

  bestBid(): number | undefined {
    return this.ladders[0].best();
  }

  bestAsk(): number | undefined {
    return this.ladders[1].best();
  }

  bestBidSize(): number {
    const l = this.ladders[0];
    return l.length === 0 ? 0 : this.lv.size[l.bestVal()];
  }

  bestAskSize(): number {
    const l = this.ladders[1];
    return l.length === 0 ? 0 : this.lv.size[l.bestVal()];
  }

  levels(side: Side, n: number): Array<[price: number, size: number]> {
    checkSide(side);
    checkCount(n);
    const l = this.ladders[side];
    const size = this.lv.size;
    const out: Array<[number, number]> = [];
    for (let i = l.bestPos(); i >= 0 && out.length < n; i = l.prevPos(i)) out.push([l.priceAt(i), size[l.valAt(i)]]);
    return out;
  }

  sizeAt(side: Side, price: number): number {
    checkSide(side);
    const l = this.ladders[side];
    const i = l.find(price);
    return i >= 0 ? this.lv.size[l.valAt(i)] : 0;
  }

  depthWithinBps(side: Side, bps: number): number {
    checkSide(side);
    checkBps(bps);
    const l = this.ladders[side];
    if (l.length === 0) return 0;
    const best = l.priceAt(l.bestPos());
    const size = this.lv.size;
    let sum = 0;
    for (let i = l.bestPos(); i >= 0; i = l.prevPos(i)) {
      if (!withinBps(side, best, l.priceAt(i), bps)) break;
      sum += size[l.valAt(i)];
    }
    return sum;
  }

  isCrossed(): boolean {
    const b = this.ladders[0].best();
    const a = this.ladders[1].best();
    return b !== undefined && a !== undefined && b >= a;
  }

  levelCount(side: Side): number {
    checkSide(side);
    return this.ladders[side].length;
  }

  // ----- order reads --------------------------------------------------------------------------

  /** Handle of an order id, or -1. */
  private find(orderId: string): number {
    if (typeof orderId !== 'string') return -1;
    return this.ids.get(orderId, idHash(orderId));
  }

  get orderCount(): number {
    return this.ids.size;
  }

  has(orderId: string): boolean {
    return this.find(orderId) >= 0;
  }

  order(orderId: string): L3Order | undefined {
    const h = this.find(orderId);
    if (h < 0) return undefined;
    const o = this.o;
    const lv = o.i32[h * 16 + LEVEL];
    return {
      orderId,
      side: this.lv.side[lv] as Side,
      price: this.lv.price[lv],
      size: o.f64[h * 8 + SIZE],
      ts: o.f64[h * 8 + TS],
    };
  }

  /** Number of orders resting at one price (0 when there is no level). */
  orderCountAt(side: Side, price: number): number {
    checkSide(side);
    const l = this.ladders[side];
    const i = l.find(price);
    return i >= 0 ? this.lv.count[l.valAt(i)] : 0;
  }

  /** Up to n orders of one side, best price first, FIFO within a price. O(n + levels visited). */
  orders(side: Side, n: number): Array<{ orderId: string; price: number; size: number }> {
    checkSide(side);
    checkCount(n);
    const out: Array<{ orderId: string; price: number; size: number }> = [];
    const l = this.ladders[side];
    const o = this.o;
    for (let i = l.bestPos(); i >= 0 && out.length < n; i = l.prevPos(i)) {
      const price = l.priceAt(i);
      for (let h = this.lv.head[l.valAt(i)]; h !== NIL && out.length < n; h = o.i32[h * 16 + NEXT]) {
        out.push({ orderId: o.key(h), price, size: o.f64[h * 8 + SIZE] });
      }
    }
    return out;
  }

  /**
   * Place of an order in its level's FIFO queue. O(log k) (k = orders at that level) once the
   * level is indexed; the first query at a level builds its index in O(k).
   */
  queuePosition(orderId: string): L3QueuePosition | undefined {
    const h = this.find(orderId);
    if (h < 0) return undefined;
    const lv = this.o.i32[h * 16 + LEVEL];
    const qi = this.lv.index[lv] ?? this.buildIndex(lv);
    const slot = this.o.i32[h * 16 + SLOT];
    return { ordersAhead: qi.countBefore(slot), sizeAhead: qi.sizeBefore(slot), levelSize: this.lv.size[lv] };
  }

  // ----- mutations ----------------------------------------------------------------------------

  /** Rest a new order at the back of its price level. */
  add(orderId: string, side: Side, price: number, size: number, ts = 0): void {
    checkOrderId(orderId);
    checkSide(side);
    checkPrice(price);
    checkSize(size);
    if (!Number.isFinite(ts)) throw dgError('DG_E_BAD_INPUT', `ts ${ts}`);
    const hash = idHash(orderId);
    const h = this.o.alloc();
    const o = this.o;
    o.setKey(h, orderId, hash);
    if (!this.ids.insert(orderId, hash, h)) {
      o.free(h);
      throw dgError('DG_E_DUPLICATE_ORDER_ID', orderId.slice(0, 64));
    }
    o.f64[h * 8 + SIZE] = size;
    o.f64[h * 8 + TS] = ts;
    this.enqueue(h, this.levelFor(side, price), size);
  }

  /**
   * Set an order's size (and optionally move it to another price). A decrease keeps queue
   * priority; an increase or a price change puts it at the back of the queue; 0 removes it.
   */
  setSize(orderId: string, size: number, price?: number): void {
    checkSizeOrZero(size);
    if (price !== undefined) checkPrice(price);
    const h = this.find(orderId);
    if (h < 0) throw dgError('DG_E_UNKNOWN_ORDER_ID', String(orderId).slice(0, 64));
    this.resize(h, size, price);
  }

  /** A trade against a resting maker: reduce it by `tradedSize` lots (removed at 0). */
  match(makerOrderId: string, tradedSize: number): void {
    checkSize(tradedSize);
    const h = this.find(makerOrderId);
    if (h < 0) throw dgError('DG_E_UNKNOWN_ORDER_ID', String(makerOrderId).slice(0, 64));
    const cur = this.o.f64[h * 8 + SIZE];
    if (tradedSize > cur) throw dgError('DG_E_BAD_SIZE', `traded ${tradedSize} > resting ${cur}`);
    this.resize(h, cur - tradedSize, undefined);
  }

  /** Remove an order; false when it was not on the book. */
  remove(orderId: string): boolean {
    const h = this.find(orderId);
    if (h < 0) return false;
    this.removeHandle(h);
    return true;
  }

  /**
   * Apply one normalised L3 event. received/noop change nothing; open adds; change sets the
   * size (and price); match sets the maker to `remaining` when given, else reduces it by the
   * traded size; done removes (a done for an order that never rested is a no-op). On success
   * `seq`/`ts` take the event's; on error the book (and seq) are unchanged.
   */
  apply(e: L3Event): void {
    switch (e.type) {
      case 'open':
        this.add(e.orderId, e.side, e.price, e.size, e.ts);
        break;
      case 'done':
        this.remove(e.orderId);
        break;
      case 'match': {
        if (e.remaining === undefined) {
          this.match(e.makerOrderId, e.size);
        } else {
          checkSizeOrZero(e.remaining);
          const h = this.find(e.makerOrderId);
          if (h < 0) throw dgError('DG_E_UNKNOWN_ORDER_ID', String(e.makerOrderId).slice(0, 64));
          const cur = this.o.f64[h * 8 + SIZE];
          if (e.remaining > cur) throw dgError('DG_E_BAD_SIZE', `remaining ${e.remaining} > resting ${cur}`);
          this.resize(h, e.remaining, undefined);
        }
        break;
      }
      case 'change':
        this.setSize(e.orderId, e.size, e.price);
        break;
      case 'received':
      case 'noop':
        break;
      default:
        throw dgError('DG_E_UNKNOWN_MESSAGE', String((e as { type?: unknown }).type));
    }
    this.seq = e.seq;
    this.ts = e.ts;
  }

  /**
   * Replace the whole book with a snapshot (orders FIFO within a price as listed). The whole
   * snapshot is validated first (ids, prices, positive sizes, no duplicate ids).
   */
  loadSnapshot(s: L3Snapshot): void {
    const seen = new Set<string>();
    const check = (rows: readonly L3SnapshotOrder[]): void => {
      if (!Array.isArray(rows)) throw dgError('DG_E_BAD_INPUT', 'snapshot side');
      for (const r of rows) {
        checkOrderId(r.orderId);
        checkPrice(r.price);
        checkSize(r.size);
        if (seen.has(r.orderId)) throw dgError('DG_E_DUPLICATE_ORDER_ID', r.orderId.slice(0, 64));
        seen.add(r.orderId);
      }
    };
    check(s.bids);
    check(s.asks);
    this.clear();
    const load = (side: Side, rows: readonly L3SnapshotOrder[]): void => {
      for (const r of rows) {
        const hash = idHash(r.orderId);
        const h = this.o.alloc();
        const o = this.o;
        o.setKey(h, r.orderId, hash);
        this.ids.insert(r.orderId, hash, h);
        o.f64[h * 8 + SIZE] = r.size;
        o.f64[h * 8 + TS] = Number.isFinite(r.ts) ? r.ts : 0;
        this.enqueue(h, this.levelFor(side, r.price), r.size);
      }
    };
    load(0, s.bids);
    load(1, s.asks);
    this.seq = s.seq;
    this.ts = s.ts;
  }

  /** Export every order: bids high→low, asks low→high, FIFO within a price. O(orders). */
  snapshot(seq = this.seq): L3Snapshot {
    const side = (s: Side): L3SnapshotOrder[] => {
      const out: L3SnapshotOrder[] = [];
      const l = this.ladders[s];
      const o = this.o;
      for (let i = l.bestPos(); i >= 0; i = l.prevPos(i)) {
        const price = l.priceAt(i);
        for (let h = this.lv.head[l.valAt(i)]; h !== NIL; h = o.i32[h * 16 + NEXT]) {
          out.push({ orderId: o.key(h), price, size: o.f64[h * 8 + SIZE], ts: o.f64[h * 8 + TS] });
        }
      }
      return out;
    };
    return { seq, ts: this.ts, bids: side(0), asks: side(1) };
  }

  clear(): void {
    this.ids.clear();
    this.o.reset();
    this.lv.reset();
    this.ladders[0].clear();
    this.ladders[1].clear();
    this.seq = 0;
    this.ts = 0;
  }

  /**
   * Full consistency check (lists, counts, sizes, ladder order, id map, queue indexes).
   * O(orders): for tests and debugging, never on the hot path. Throws DG_E_INTERNAL.
   */
  verify(): void {
    const fail = (what: string): never => {
      throw dgError('DG_E_INTERNAL', `L3Book invariant: ${what}`);
    };
    const o = this.o;
    const lv = this.lv;
    let seen = 0;
    for (const side of [0, 1] as const) {
      const l = this.ladders[side];
      if (!l.isConsistent()) fail('ladder not strictly sorted');
      for (let i = l.bestPos(); i >= 0; i = l.prevPos(i)) {
        const v = l.valAt(i);
        if (lv.price[v] !== l.priceAt(i) || lv.side[v] !== side) fail('level price/side');
        let n = 0;
        let sum = 0;
        let prev = NIL;
        for (let h = lv.head[v]; h !== NIL; h = o.i32[h * 16 + NEXT]) {
          if (o.i32[h * 16 + PREV] !== prev || o.i32[h * 16 + LEVEL] !== v) fail('order links');
          if (this.find(o.key(h)) !== h) fail('id index');
          if (!(o.f64[h * 8 + SIZE] > 0)) fail('non-positive size');
          n++;
          sum += o.f64[h * 8 + SIZE];
          prev = h;
        }
        if (lv.tail[v] !== prev || n !== lv.count[v] || sum !== lv.size[v] || n === 0) fail('level totals');
        const qi = lv.index[v];
        if (qi !== undefined) {
          let ahead = 0;
          let k = 0;
          for (let h = lv.head[v]; h !== NIL; h = o.i32[h * 16 + NEXT]) {
            const slot = o.i32[h * 16 + SLOT];
            if (qi.countBefore(slot) !== k || qi.sizeBefore(slot) !== ahead) fail('queue index');
            k++;
            ahead += o.f64[h * 8 + SIZE];
          }
        }
        seen += n;
      }
    }
    if (seen !== this.ids.size || seen !== o.count) fail('order count');
  }

  // ----- internals ----------------------------------------------------------------------------

  /** The level for (side, price), created (and laddered) when absent. */
  private levelFor(side: Side, price: number): number {
    const l = this.ladders[side];
    const i = l.find(price);
    if (i >= 0) return l.valAt(i);
    const v = this.lv.alloc(side, price);
    l.insertAt(i, price, v);
    return v;
  }

  /** Link order h (size already set) at the back of level v. */
  private enqueue(h: number, v: number, size: number): void {
    const i32 = this.o.i32;
    const lv = this.lv;
    const tail = lv.tail[v];
    const r = h * 16;
    i32[r + LEVEL] = v;
    i32[r + NEXT] = NIL;
    i32[r + PREV] = tail;
    if (tail === NIL) lv.head[v] = h;
    else i32[tail * 16 + NEXT] = h;
    lv.tail[v] = h;
    lv.size[v] += size;
    lv.count[v]++;
    const qi = lv.index[v];
    if (qi !== undefined) {
      if (qi.full()) this.buildIndex(v);
      else i32[r + SLOT] = qi.push(size);
    }
  }

  /** Unlink order h from its level (its record stays allocated); frees the level if empty. */
  private unlink(h: number): void {
    const i32 = this.o.i32;
    const lv = this.lv;
    const r = h * 16;
    const v = i32[r + LEVEL];
    const prev = i32[r + PREV];
    const next = i32[r + NEXT];
    if (prev === NIL) lv.head[v] = next;
    else i32[prev * 16 + NEXT] = next;
    if (next === NIL) lv.tail[v] = prev;
    else i32[next * 16 + PREV] = prev;
    if (--lv.count[v] === 0) {
      const l = this.ladders[lv.side[v]];
      l.removeAt(l.find(lv.price[v]));
      lv.free(v);
      return;
    }
    const size = this.o.f64[h * 8 + SIZE];
    lv.size[v] -= size;
    const qi = lv.index[v];
    if (qi !== undefined) qi.add(i32[r + SLOT], -size, -1);
  }

  private removeHandle(h: number): void {
    this.unlink(h);
    this.ids.removeHandle(h, this.o.i32[h * 16 + HASH]);
    this.o.free(h);
  }

  /** Validated resize of order h: 0 removes; decrease in place; increase/move to the back. */
  private resize(h: number, size: number, price: number | undefined): void {
    const o = this.o;
    const v = o.i32[h * 16 + LEVEL];
    const cur = o.f64[h * 8 + SIZE];
    if (size === 0) {
      this.removeHandle(h);
    } else if ((price !== undefined && price !== this.lv.price[v]) || size > cur) {
      const side = this.lv.side[v] as Side;
      const p = price ?? this.lv.price[v];
      this.unlink(h);
      o.f64[h * 8 + SIZE] = size;
      this.enqueue(h, this.levelFor(side, p), size);
    } else if (size < cur) {
      const d = cur - size;
      o.f64[h * 8 + SIZE] = size;
      this.lv.size[v] -= d;
      const qi = this.lv.index[v];
      if (qi !== undefined) qi.add(o.i32[h * 16 + SLOT], -d, 0);
    }
  }

  /** (Re)build level v's queue index from its FIFO list. O(k). */
  private buildIndex(v: number): QueueIndex {
    const o = this.o;
    const qi = new QueueIndex(indexCapacity(this.lv.count[v]));
    for (let h = this.lv.head[v]; h !== NIL; h = o.i32[h * 16 + NEXT])
      o.i32[h * 16 + SLOT] = qi.push(o.f64[h * 8 + SIZE]);
    this.lv.index[v] = qi;
    return qi;
  }
}
