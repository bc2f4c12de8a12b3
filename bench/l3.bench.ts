/**
 * `npm run bench -- l3`: the L3 book and the KuCoin L3 decoder on one generated, seeded stream.
 *
 * Stream: ≥ 2M KuCoin v2 spot frames over ~50k live orders (after a 50k-order starting snapshot),
 * mix 45% open / 40% done / 10% match / 5% update, prices concentrated near the touch
 * (exponential distance from the opposite best, mean 12 ticks, 2% far and sparse), every done
 * cancels a live order, half the matches fill the maker completely (remainSize 0 removes it).
 * The stream is produced chunk by chunk (100k frames) by a model L3Book so it never crosses.
 *
 * Per chunk, on the same frames and in the same run:
 *   json_parse_msgs_per_s      JSON.parse alone over the frames (the ceiling of any JSON decoder)
 *   decode_apply_msgs_per_s    KucoinL3Decoder.decodeInto + L3Book.apply (book B)
 *   apply_msgs_per_s           L3Book.apply of pre-decoded events (book A)
 *   apply_p99_ns               per-message apply latency, each message timed with
 *                              process.hrtime.bigint on a fourth book, timer overhead subtracted
 *   ccxt_indexed_msgs_per_s    ccxt IndexedOrderBook (exchange.indexedOrderBook()) fed the same
 *                              pre-decoded events from the same 50k-order start (first 100k msgs)
 */
import ccxt from 'ccxt';
import { L3Book } from '../src/book/l3-book.js';
import { fromUnits } from '../src/core/decimal.js';
import type { L3Event, L3Snapshot, Side } from '../src/core/events.js';
import { makeInstrument } from '../src/core/instrument.js';
import { KucoinL3Decoder } from '../src/feeds/kucoin-l3.js';

const TOTAL = Number(process.env.L3_BENCH_MSGS ?? 2_000_000);
const CHUNK = 100_000;
const SUB = 5_000;
const LIVE = 50_000;
const CCXT_MSGS = Number(process.env.L3_BENCH_CCXT_MSGS ?? 100_000);
const INST = makeInstrument(0, { venue: 'kucoin', native: 'BTC-USDT', tickSize: '0.1', lotSize: '0.00000001' });
const TOPIC = '/spotMarket/level3:BTC-USDT';

/** CPU time of this process in ns (user + system): immune to being descheduled on a busy box. */
function cpuNs(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) * 1000;
}

function mulberry32(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Seeded KuCoin v2 L3 flow, kept consistent by a model book. */
export class FlowGenerator {
  readonly model = new L3Book();
  private readonly rnd = mulberry32(20240601);
  private readonly live: string[] = [];
  private readonly pos = new Map<string, number>();
  private nextId = 0;
  seq = 1_000_000_000_000;
  private tsNs = 1_700_000_000_000_000_000n;
  private mid = 300_000; // 30000.0 in ticks

  private newId(): string {
    // 24 hex chars like KuCoin's ids.
    return (0x65a0c0000000 + this.nextId++).toString(16).padStart(24, '6');
  }

  private track(id: string): void {
    this.pos.set(id, this.live.length);
    this.live.push(id);
  }

  private untrack(id: string): void {
    const i = this.pos.get(id);
    if (i === undefined) return;
    const last = this.live.pop() as string;
    if (last !== id) {
      this.live[i] = last;
      this.pos.set(last, i);
    }
    this.pos.delete(id);
  }

  private size(): number {
    return 10_000 + Math.floor(this.rnd() * 99_990_000); // 0.0001 … 1 BTC in 1e-8 lots
  }

  private price(side: Side): number {
    const bb = this.model.bestBid();
    const ba = this.model.bestAsk();
    const far = this.rnd() < 0.02;
    const dist = far ? 1 + Math.floor(this.rnd() * 20_000) : Math.floor(-Math.log(1 - this.rnd()) * 12);
    if (side === 0) {
      const ref = ba ?? this.mid + 1;
      return Math.max(1, ref - 1 - dist);
    }
    const ref = bb ?? this.mid - 1;
    return ref + 1 + dist;
  }

  /** Starting book: LIVE orders as a snapshot. */
  seedBook(n: number): L3Snapshot {
    for (let i = 0; i < n; i++) {
      const side: Side = i % 2 === 0 ? 0 : 1;
      const id = this.newId();
      this.model.add(id, side, this.price(side), this.size(), 1_700_000_000_000);
      this.track(id);
    }
    return this.model.snapshot(this.seq);
  }

  /**
   * Next frame (and the model applies it), as a flat string decoded from UTF-8 bytes, as the ws
   * library hands a text frame to its listener.
   */
  next(): string {
    return Buffer.from(this.nextText(), 'utf8').toString('utf8');
  }

  private nextText(): string {
    const seq = ++this.seq;
    this.tsNs += BigInt(1000 + Math.floor(this.rnd() * 50_000));
    const ts = this.tsNs.toString();
    const r = this.rnd();
    let frame: string;
    if (r < 0.45 || this.live.length < 100) {
      const side: Side = this.rnd() < 0.5 ? 0 : 1;
      const price = this.price(side);
      const size = this.size();
      const id = this.newId();
      frame = `{"type":"message","topic":"${TOPIC}","subject":"open","data":{"symbol":"BTC-USDT","sequence":${seq},"side":"${side === 0 ? 'buy' : 'sell'}","orderTime":${ts},"size":"${fromUnits(size, INST.size)}","orderId":"${id}","price":"${fromUnits(price, INST.price)}","ts":${ts}}}`;
      this.model.add(id, side, price, size);
      this.track(id);
    } else if (r < 0.85) {
      const id = this.live[Math.floor(this.rnd() * this.live.length)];
      frame = `{"type":"message","topic":"${TOPIC}","subject":"done","data":{"symbol":"BTC-USDT","reason":"canceled","sequence":${seq},"orderId":"${id}","ts":${ts}}}`;
      this.model.remove(id);
      this.untrack(id);
    } else if (r < 0.95) {
      const makerSide: Side = this.rnd() < 0.5 ? 0 : 1;
      const top = this.model.orders(makerSide, 1)[0] ?? this.model.orders(makerSide === 0 ? 1 : 0, 1)[0];
      const maker = top.orderId;
      const mSide = this.model.order(maker)?.side as Side;
      const full = this.rnd() < 0.5 || top.size === 1;
      const traded = full ? top.size : 1 + Math.floor(this.rnd() * (top.size - 1));
      const remain = top.size - traded;
      frame = `{"type":"message","topic":"${TOPIC}","subject":"match","data":{"symbol":"BTC-USDT","sequence":${seq},"side":"${mSide === 0 ? 'sell' : 'buy'}","size":"${fromUnits(traded, INST.size)}","price":"${fromUnits(top.price, INST.price)}","takerOrderId":"${this.newId()}","makerOrderId":"${maker}","tradeId":"${this.newId()}","remainSize":"${fromUnits(remain, INST.size)}","ts":${ts}}}`;
      this.model.match(maker, traded);
      if (remain === 0) this.untrack(maker);
    } else {
      const id = this.live[Math.floor(this.rnd() * this.live.length)];
      const cur = this.model.order(id)?.size ?? 1;
      const size =
        this.rnd() < 0.7 && cur > 1
          ? 1 + Math.floor(this.rnd() * (cur - 1))
          : cur + 1 + Math.floor(this.rnd() * 1_000_000);
      frame = `{"type":"message","topic":"${TOPIC}","subject":"update","data":{"symbol":"BTC-USDT","sequence":${seq},"size":"${fromUnits(size, INST.size)}","orderId":"${id}","ts":${ts}}}`;
      this.model.setSize(id, size);
    }
    return frame;
  }
}

interface CcxtSide {
  storeArray(delta: unknown[]): void;
  length: number;
}
interface CcxtIndexedBook {
  bids: CcxtSide;
  asks: CcxtSide;
}

/** Feed pre-decoded events to ccxt's IndexedOrderBook (side of resting ids tracked in a Map). */
function runCcxt(
  snapshot: L3Snapshot,
  events: readonly L3Event[],
): { rate: number; mirrorRate: number; n: number; live: number } {
  const ex = new ccxt.pro.kucoin();
  const toRow = (o: { orderId: string; price: number; size: number }): [number, number, string] => [
    o.price / 10,
    o.size / 1e8,
    o.orderId,
  ];
  const book = ex.indexedOrderBook({
    bids: snapshot.bids.map(toRow),
    asks: snapshot.asks.map(toRow),
  }) as unknown as CcxtIndexedBook;
  const sideOf = new Map<string, Side>();
  for (const o of snapshot.bids) sideOf.set(o.orderId, 0);
  for (const o of snapshot.asks) sideOf.set(o.orderId, 1);
  const sides = [book.bids, book.asks];
  const mirror = new L3Book();
  mirror.loadSnapshot(snapshot);
  let tCcxt = 0;
  let tMirror = 0;
  for (let a = 0; a < events.length; a += 1000) {
    const batch = events.slice(a, a + 1000);
    let t0 = cpuNs();
    feedCcxt(batch);
    tCcxt += cpuNs() - t0;
    t0 = cpuNs();
    for (const e of batch) mirror.apply(e);
    tMirror += cpuNs() - t0;
  }
  return {
    rate: (events.length / tCcxt) * 1e9,
    mirrorRate: (events.length / tMirror) * 1e9,
    n: events.length,
    live: book.bids.length + book.asks.length,
  };

  function feedCcxt(batch: readonly L3Event[]): void {
    for (const e of batch) {
      switch (e.type) {
        case 'open':
          sides[e.side].storeArray([e.price / 10, e.size / 1e8, e.orderId]);
          sideOf.set(e.orderId, e.side);
          break;
        case 'done': {
          const s = sideOf.get(e.orderId);
          if (s !== undefined) {
            sides[s].storeArray([0, 0, e.orderId]);
            sideOf.delete(e.orderId);
          }
          break;
        }
        case 'match': {
          const s = e.takerSide === 0 ? 1 : 0;
          const rem = e.remaining ?? 0;
          sides[s].storeArray([e.price / 10, rem / 1e8, e.makerOrderId]);
          if (rem === 0) sideOf.delete(e.makerOrderId);
          break;
        }
        case 'change': {
          const s = sideOf.get(e.orderId);
          if (s !== undefined) sides[s].storeArray([undefined, e.size / 1e8, e.orderId]);
          break;
        }
        default:
          break;
      }
    }
  }
}

/**
 * Worst case for the price ladder: 50k live orders each on its own price, spread uniformly over
 * 10M ticks, then 200k messages that cancel a random order and open one at a fresh random price.
 */
function runSparse(): { rate: number; n: number; levels: number } {
  const rnd = mulberry32(7);
  const book = new L3Book();
  const live: string[] = [];
  let next = 0;
  const open = (): L3Event => {
    const side: Side = rnd() < 0.5 ? 0 : 1;
    const price = side === 0 ? 1 + Math.floor(rnd() * 5_000_000) : 5_000_001 + Math.floor(rnd() * 5_000_000);
    const id = (0x7000000000 + next++).toString(16).padStart(24, '0');
    return { type: 'open', seq: next, orderId: id, side, price, size: 1 + Math.floor(rnd() * 1000), ts: 0 };
  };
  for (let i = 0; i < LIVE; i++) {
    const e = open();
    book.apply(e);
    if (e.type === 'open') live.push(e.orderId);
  }
  const events: L3Event[] = [];
  for (let i = 0; i < 100_000; i++) {
    const k = Math.floor(rnd() * live.length);
    events.push({ type: 'done', seq: 0, orderId: live[k], reason: 'canceled', ts: 0 });
    const e = open();
    events.push(e);
    if (e.type === 'open') live[k] = e.orderId;
  }
  const levels = book.levelCount(0) + book.levelCount(1);
  const c = cpuNs();
  for (const e of events) book.apply(e);
  const dt = cpuNs() - c;
  return { rate: (events.length / dt) * 1e9, n: events.length, levels };
}

function sameBook(a: L3Book, b: L3Book, what: string): void {
  const key = (bk: L3Book): string => {
    const s = bk.snapshot();
    return JSON.stringify([
      s.bids.map((o) => [o.orderId, o.price, o.size]),
      s.asks.map((o) => [o.orderId, o.price, o.size]),
    ]);
  };
  const x = key(a);
  const y = key(b);
  if (x !== y) throw new Error(`bench books diverged: ${what}`);
}

export async function run(log: (line: string) => void): Promise<Record<string, number>> {
  const gen = new FlowGenerator();
  const snap = gen.seedBook(LIVE);
  const bookA = new L3Book(); // pre-decoded apply
  const bookB = new L3Book(); // decode + apply
  const bookD = new L3Book(); // per-message latency
  bookA.loadSnapshot(snap);
  bookB.loadSnapshot(snap);
  bookD.loadSnapshot(snap);
  const decoder = new KucoinL3Decoder(INST);
  const preDecoder = new KucoinL3Decoder(INST);
  log(`seeded ${LIVE} live orders; streaming ${TOTAL} msgs in chunks of ${CHUNK}`);

  // Timer overhead for the latency pass.
  const cal = new Float64Array(100_000);
  for (let i = 0; i < cal.length; i++) {
    const t = process.hrtime.bigint();
    cal[i] = Number(process.hrtime.bigint() - t);
  }
  cal.sort();
  const timerNs = cal[cal.length >> 1];

  const lat = new Float64Array(TOTAL);
  let latN = 0;
  let tParse = 0;
  let tApply = 0;
  let tDecodeApply = 0;
  let cParse = 0;
  let cApply = 0;
  let cDecodeApply = 0;
  let parsed = 0;
  let done = 0;
  let ccxtEvents: L3Event[] | undefined;
  const counts: Record<string, number> = {};
  while (done < TOTAL) {
    const n = Math.min(CHUNK, TOTAL - done);
    const frames = new Array<string>(n);
    for (let i = 0; i < n; i++) frames[i] = gen.next();
    const events = new Array<L3Event>(n);
    for (let i = 0; i < n; i++) {
      const e = preDecoder.decode(frames[i]);
      events[i] = e;
      counts[e.type] = (counts[e.type] ?? 0) + 1;
    }
    if (ccxtEvents === undefined) ccxtEvents = events.slice(0, CCXT_MSGS);

    // The three measured loops take turns every SUB messages, so load changes on a shared
    // machine hit all of them alike and their ratios stay meaningful.
    for (let a = 0; a < n; a += SUB) {
      const b = Math.min(n, a + SUB);
      let c = cpuNs();
      let t = process.hrtime.bigint();
      for (let i = a; i < b; i++) if (JSON.parse(frames[i]) !== null) parsed++;
      tParse += Number(process.hrtime.bigint() - t);
      cParse += cpuNs() - c;

      c = cpuNs();
      t = process.hrtime.bigint();
      for (let i = a; i < b; i++) bookA.apply(events[i]);
      tApply += Number(process.hrtime.bigint() - t);
      cApply += cpuNs() - c;

      c = cpuNs();
      t = process.hrtime.bigint();
      for (let i = a; i < b; i++) bookB.apply(decoder.decodeInto(frames[i]));
      tDecodeApply += Number(process.hrtime.bigint() - t);
      cDecodeApply += cpuNs() - c;
    }

    for (let i = 0; i < n; i++) {
      const t0 = process.hrtime.bigint();
      bookD.apply(events[i]);
      lat[latN++] = Number(process.hrtime.bigint() - t0) - timerNs;
    }
    done += n;
    if (done % 500_000 === 0 || done === TOTAL) {
      log(
        `${done} msgs: live ${bookA.orderCount}, levels ${bookA.levelCount(0)}/${bookA.levelCount(1)}, ` +
          `per CPU s: parse ${((done / cParse) * 1e9).toFixed(0)}, decode+apply ${((done / cDecodeApply) * 1e9).toFixed(0)}, ` +
          `apply ${((done / cApply) * 1e9).toFixed(0)}`,
      );
    }
  }
  sameBook(bookA, gen.model, 'apply vs model');
  sameBook(bookB, gen.model, 'decode+apply vs model');
  sameBook(bookD, gen.model, 'latency pass vs model');
  if (parsed !== TOTAL || decoder.slowFrames !== 0) throw new Error('bench: unexpected parse/decoder path');
  log(`mix: ${JSON.stringify(counts)}; all books equal to the model; scanner path for every frame`);

  const sorted = lat.subarray(0, latN).sort();
  const p50 = sorted[Math.floor(latN * 0.5)];
  const p99 = sorted[Math.floor(latN * 0.99)];
  const p999 = sorted[Math.floor(latN * 0.999)];
  log(`apply latency (timer overhead ${timerNs} ns subtracted): p50 ${p50} ns, p99 ${p99} ns, p99.9 ${p999} ns`);

  const sparse = runSparse();
  log(
    `sparse prices (every order on its own level, ${sparse.levels} levels, uniform over 10M ticks): ` +
      `${sparse.rate.toFixed(0)} msgs/s per CPU s over ${sparse.n} add/remove msgs`,
  );

  log(`ccxt IndexedOrderBook: ${ccxtEvents?.length ?? 0} msgs from the same ${LIVE}-order start …`);
  const cc = runCcxt(snap, ccxtEvents ?? []);
  log(
    `ccxt: ${cc.rate.toFixed(0)} msgs/s over ${cc.n} msgs (ends with ${cc.live} orders); L3Book on the same msgs, ` +
      `interleaved: ${cc.mirrorRate.toFixed(0)} msgs/s = ${(cc.mirrorRate / cc.rate).toFixed(0)}×`,
  );

  // Headline figures are per CPU second (the machine is shared: wall time includes the time this
  // process was not running); wall-clock figures are reported beside them.
  const apply = (TOTAL / cApply) * 1e9;
  const decodeApply = (TOTAL / cDecodeApply) * 1e9;
  const jsonParse = (TOTAL / cParse) * 1e9;
  const applyWall = (TOTAL / tApply) * 1e9;
  const decodeApplyWall = (TOTAL / tDecodeApply) * 1e9;
  const jsonParseWall = (TOTAL / tParse) * 1e9;
  log(
    `wall clock: apply ${applyWall.toFixed(0)}/s, decode+apply ${decodeApplyWall.toFixed(0)}/s, JSON.parse ` +
      `${jsonParseWall.toFixed(0)}/s (decode+apply / JSON.parse = ${(decodeApplyWall / jsonParseWall).toFixed(2)})`,
  );
  log(
    `apply / ccxt = ${(apply / cc.rate).toFixed(1)}× (target ≥ 100×); decode+apply / JSON.parse = ${(decodeApply / jsonParse).toFixed(2)} (target ≥ 0.75)`,
  );
  return {
    apply_msgs_per_s: Math.round(apply),
    decode_apply_msgs_per_s: Math.round(decodeApply),
    json_parse_msgs_per_s: Math.round(jsonParse),
    ccxt_indexed_msgs_per_s: Math.round(cc.rate),
    apply_p99_ns: p99,
    apply_wall_msgs_per_s: Math.round(applyWall),
    decode_apply_wall_msgs_per_s: Math.round(decodeApplyWall),
    json_parse_wall_msgs_per_s: Math.round(jsonParseWall),
    apply_p50_ns: p50,
    msgs: TOTAL,
    ccxt_msgs: cc.n,
    apply_same_msgs_as_ccxt_msgs_per_s: Math.round(cc.mirrorRate),
    live_orders_end: bookA.orderCount,
    sparse_apply_msgs_per_s: Math.round(sparse.rate),
  };
}
