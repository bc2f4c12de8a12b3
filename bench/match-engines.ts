/**
 * Shared parts of the `match` benchmark (bench/match.bench.ts): the seeded stream generator, the
 * engine runners (deskgate raw, deskgate with accounts, nodejs-order-book) and the fill hashes.
 */
import { OrderBook } from 'nodejs-order-book';
import { ManualClock } from '../src/core/clock.js';
import { SimEngine } from '../src/venue/sim/engine.js';
import type { SimMarketConfig } from '../src/venue/sim/engine-types.js';
import { Rng } from '../src/venue/sim/rng.js';

const MID = 100_000;
const SYMBOL = 'BENCH-USD';
const MARKET: SimMarketConfig = {
  symbol: SYMBOL,
  tickSize: '1',
  lotSize: '1',
  startPrice: String(MID),
  maxSize: '1000000000',
};
const CURRENCY_DECIMALS = { BENCH: 0, USD: 0 };

/** Book shape at the end of each generated stream (for the log). */
export const shapeInfo = new Map<string, string>();
export const LIMIT = 0;
export const CANCEL = 1;
export const MARKET_OP = 2;

export interface Stream {
  readonly name: string;
  /** Pre-fill (limit orders only), applied untimed before the ops. */
  readonly pre: number;
  readonly n: number;
  readonly type: Uint8Array;
  readonly side: Uint8Array;
  readonly price: Int32Array;
  readonly size: Int32Array;
  /** For cancels: index (in the whole stream) of the order to cancel. */
  readonly target: Int32Array;
  readonly ids: string[];
}

/**
 * Generate a stream. Resting limits sit 1…levels ticks from a fixed mid on their own side, so
 * they never cross; market orders are sized to keep the live order count near the target.
 * A reference engine tracks which orders are live so cancels mostly hit live orders.
 */
export function generate(name: string, seed: number, levelsPerSide: number, perLevel: number, ops: number): Stream {
  const target = 2 * levelsPerSide * perLevel;
  const pre = target;
  const n = pre + ops;
  const s: Stream = {
    name,
    pre,
    n,
    type: new Uint8Array(n),
    side: new Uint8Array(n),
    price: new Int32Array(n),
    size: new Int32Array(n),
    target: new Int32Array(n).fill(-1),
    ids: new Array<string>(n),
  };
  const rng = new Rng(seed);
  const ref = new SimEngine({
    markets: [MARKET],
    clock: new ManualClock(0),
    accounting: false,
    history: false,
    currencyDecimals: CURRENCY_DECIMALS,
  });
  const live: number[] = [];
  const refId: string[] = new Array<string>(n);
  const limit = (i: number): void => {
    const side = rng.chance(0.5) ? 0 : 1;
    const off = 1 + Math.floor(rng.next() * levelsPerSide);
    s.type[i] = LIMIT;
    s.side[i] = side;
    s.price[i] = side === 0 ? MID - off : MID + off;
    s.size[i] = rng.int(1, 100);
    const r = ref.placeOrder({
      account: 'x',
      symbol: SYMBOL,
      side: side === 0 ? 'buy' : 'sell',
      type: 'limit',
      price: s.price[i],
      size: s.size[i],
    });
    if (!r.ok) throw new Error(`generator: ${r.error.message}`);
    refId[i] = r.order.orderId;
    live.push(i);
  };
  for (let i = 0; i < pre; i++) limit(i);
  for (let i = pre; i < n; i++) {
    s.ids[i] = String(i);
    const u = rng.next();
    if (u < 0.5) {
      limit(i);
    } else if (u < 0.8) {
      // cancel a (probably) live order: drop ids the reference engine says are gone
      let t = -1;
      for (let tries = 0; tries < 8 && live.length > 0; tries++) {
        const k = rng.int(0, live.length - 1);
        const cand = live[k];
        live[k] = live[live.length - 1];
        live.pop();
        if (ref.isActive(refId[cand])) {
          t = cand;
          break;
        }
      }
      if (t < 0) t = rng.int(0, i - 1);
      s.type[i] = CANCEL;
      s.target[i] = t;
      if (refId[t] !== undefined) ref.cancelOrder('x', refId[t]);
    } else {
      const side = rng.chance(0.5) ? 0 : 1;
      const count = ref.openOrderCount(SYMBOL);
      // ~1 order's worth on average, more when the book is above target, less below
      const factor = Math.min(3, Math.max(0.2, count / target));
      s.type[i] = MARKET_OP;
      s.side[i] = side;
      s.size[i] = Math.max(1, Math.round(rng.exp(50) * factor * 1.25));
      ref.placeOrder({
        account: 'x',
        symbol: SYMBOL,
        side: side === 0 ? 'buy' : 'sell',
        type: 'market',
        size: s.size[i],
      });
    }
  }
  for (let i = 0; i < pre; i++) s.ids[i] = String(i);
  const d = ref.depthStats(SYMBOL);
  shapeInfo.set(name, `${d.bidOrders + d.askOrders} orders on ${d.bidLevels + d.askLevels} levels at the end`);
  return s;
}

/** One engine working through the timed part of a stream, timing only its own work. */
export interface Runner {
  readonly name: string;
  /** Ops this runner will do (a prefix for a slow baseline). */
  readonly limit: number;
  /** Run ops [from, to) of the timed part (indices relative to the end of the pre-fill). */
  run(from: number, to: number): void;
  nanos: bigint;
  done: number;
  /** Filled quantity per market op. */
  readonly filled: Float64Array;
}

function makeDeskgate(full: boolean): SimEngine {
  const e = new SimEngine({
    markets: [MARKET],
    clock: new ManualClock(0),
    accounting: full,
    history: full,
    currencyDecimals: CURRENCY_DECIMALS,
    defaultFees: { makerBps: 1, takerBps: 5 },
  });
  if (full) {
    e.createAccount('x');
    e.deposit('x', 'USD', 4e15);
    e.deposit('x', 'BENCH', 4e15);
  }
  return e;
}

export function deskgateRunner(s: Stream, limit: number, full: boolean): Runner {
  const e = makeDeskgate(full);
  const ids = new Array<string>(s.n);
  const place = (i: number): void => {
    const r = e.placeOrder({
      account: 'x',
      symbol: SYMBOL,
      side: s.side[i] === 0 ? 'buy' : 'sell',
      type: 'limit',
      price: s.price[i],
      size: s.size[i],
    });
    ids[i] = r.ok ? r.order.orderId : '';
  };
  for (let i = 0; i < s.pre; i++) place(i);
  const runner: Runner = {
    name: full ? 'deskgate_full' : 'deskgate',
    limit,
    nanos: 0n,
    done: 0,
    filled: new Float64Array(limit),
    run(from, to) {
      const t0 = process.hrtime.bigint();
      for (let i = s.pre + from; i < s.pre + to; i++) {
        const ty = s.type[i];
        if (ty === LIMIT) {
          place(i);
        } else if (ty === CANCEL) {
          e.cancelOrder('x', ids[s.target[i]]);
        } else {
          const r = e.placeOrder({
            account: 'x',
            symbol: SYMBOL,
            side: s.side[i] === 0 ? 'buy' : 'sell',
            type: 'market',
            size: s.size[i],
          });
          runner.filled[i - s.pre] = r.ok ? r.order.filledSize : -1;
        }
      }
      runner.nanos += process.hrtime.bigint() - t0;
      runner.done += to - from;
    },
  };
  return runner;
}

export function baselineRunner(s: Stream, limit: number): Runner {
  const ob = new OrderBook();
  for (let i = 0; i < s.pre; i++)
    ob.limit({ id: s.ids[i], side: s.side[i] === 0 ? 'buy' : 'sell', size: s.size[i], price: s.price[i] } as never);
  const runner: Runner = {
    name: 'baseline',
    limit,
    nanos: 0n,
    done: 0,
    filled: new Float64Array(limit),
    run(from, to) {
      const t0 = process.hrtime.bigint();
      for (let i = s.pre + from; i < s.pre + to; i++) {
        const ty = s.type[i];
        if (ty === LIMIT) {
          ob.limit({
            id: s.ids[i],
            side: s.side[i] === 0 ? 'buy' : 'sell',
            size: s.size[i],
            price: s.price[i],
          } as never);
        } else if (ty === CANCEL) {
          ob.cancel(s.ids[s.target[i]]);
        } else {
          const r = ob.market({ side: s.side[i] === 0 ? 'buy' : 'sell', size: s.size[i] } as never);
          runner.filled[i - s.pre] = r.err === null ? s.size[i] - r.quantityLeft : -1;
        }
      }
      runner.nanos += process.hrtime.bigint() - t0;
      runner.done += to - from;
    },
  };
  return runner;
}

export const opsPerSec = (r: Runner): number => r.done / (Number(r.nanos) / 1e9);

/** FNV-style hash over every fill (taker op, maker op, price, size) of the first `ops` ops. */
export function fillHashDeskgate(s: Stream, ops: number): string {
  const e = makeDeskgate(false);
  const index = new Map<string, number>();
  const ids = new Array<string>(s.n);
  let h = 0x811c9dc5;
  let fills = 0;
  const mix = (x: number): void => {
    h = Math.imul(h ^ x, 0x01000193) >>> 0;
  };
  for (let i = 0; i < s.pre + ops; i++) {
    const ty = s.type[i];
    const side = s.side[i] === 0 ? 'buy' : 'sell';
    if (ty === LIMIT) {
      const r = e.placeOrder({ account: 'x', symbol: SYMBOL, side, type: 'limit', price: s.price[i], size: s.size[i] });
      if (r.ok) {
        ids[i] = r.order.orderId;
        index.set(r.order.orderId, i);
      }
    } else if (ty === CANCEL) {
      e.cancelOrder('x', ids[s.target[i]] ?? '');
    } else {
      const r = e.placeOrder({ account: 'x', symbol: SYMBOL, side, type: 'market', size: s.size[i] });
      if (r.ok) {
        for (const f of r.fills) {
          mix(i);
          mix(index.get(f.counterOrderId) ?? -1);
          mix(f.price);
          mix(f.size);
          fills++;
        }
      }
    }
  }
  return `${h.toString(16)}/${fills}`;
}

interface BaselineOrder {
  readonly id: string;
  readonly price: number;
  readonly size: number;
}

export function fillHashBaseline(s: Stream, ops: number): string {
  const ob = new OrderBook();
  let h = 0x811c9dc5;
  let fills = 0;
  const mix = (x: number): void => {
    h = Math.imul(h ^ x, 0x01000193) >>> 0;
  };
  for (let i = 0; i < s.pre + ops; i++) {
    const ty = s.type[i];
    const side = s.side[i] === 0 ? 'buy' : 'sell';
    if (ty === LIMIT) {
      ob.limit({ id: s.ids[i], side, size: s.size[i], price: s.price[i] } as never);
    } else if (ty === CANCEL) {
      ob.cancel(s.ids[s.target[i]]);
    } else {
      const r = ob.market({ side, size: s.size[i] } as never);
      // fully consumed makers in order, then the partially filled one (if any)
      for (const o of r.done as unknown as BaselineOrder[]) {
        mix(i);
        mix(Number(o.id));
        mix(o.price);
        mix(o.size);
        fills++;
      }
      const p = r.partial as unknown as BaselineOrder | null;
      if (p !== null && r.partialQuantityProcessed > 0) {
        mix(i);
        mix(Number(p.id));
        mix(p.price);
        mix(r.partialQuantityProcessed);
        fills++;
      }
    }
  }
  return `${h.toString(16)}/${fills}`;
}
