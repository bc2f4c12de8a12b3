/**
 * KuCoin / KuMEX level-3 decoder: wire frames (kucoin-l3-wire.ts) → normalised L3Events, on the
 * price/size grids of one Instrument. Covers v2 spot (/spotMarket/level3), v2 futures
 * (/contractMarket/level3v2), v1 spot (/market/level3), KuMEX v1 (/contractMarket/level3) and the
 * REST snapshot GET /api/v3/market/orderbook/level3.
 *
 * Contract (docs/books.md):
 * - decode(frame) returns a fresh event object (safe to keep). decodeInto(frame) returns the
 *   decoder's own scratch event, overwritten by the next decodeInto call: apply it and drop it,
 *   or copy it ({...e}) to keep it. Events of every kind share one object shape.
 * - Bad input throws a DeskgateError, never anything else: DG_E_MALFORMED_JSON (not JSON),
 *   DG_E_UNKNOWN_MESSAGE (not an L3 message of a known topic/kind: welcome, ack, pong, …),
 *   DG_E_BAD_MESSAGE (missing/mistyped/out-of-range field, wrong symbol), DG_E_OFF_GRID
 *   (price or size not on the instrument's grid). Nothing is ever rounded.
 * - seq = data.sequence; ts = the venue's ns timestamp truncated to integer ms (open: the
 *   order's orderTime when given). received/open/update(change)/match/done map to the L3Event
 *   types of the same meaning; v2 match: size = traded, remaining = remainSize; v1 spot match:
 *   traded size only; KuMEX v1 match: matchSize = traded, size = remaining. An open with a zero
 *   size or an empty price (KuMEX sends these; its own SDK skips them) and a v1 stop-order
 *   activation become `noop` (sequence kept, book unchanged).
 *
 * The string path scans the frame by hand (kucoin-l3-scan.ts) and falls back to JSON.parse for
 * anything outside the fast subset; both paths feed the same validation (buildEvent).
 */
import { toUnits, type Increment } from '../core/decimal.js';
import { DeskgateError, dgError } from '../core/errors.js';
import type { L3Event, L3Snapshot, L3SnapshotOrder, Side } from '../core/events.js';
import type { Instrument } from '../core/instrument.js';
import { flat, scanKucoinL3 } from './kucoin-l3-scan.js';
import {
  DECIMAL_IN_SRC,
  emptyRaw,
  KUCOIN_L3_TOPIC_PREFIX,
  type KucoinL3Dialect,
  type KucoinL3Raw,
} from './kucoin-l3-wire.js';

export type { KucoinL3Dialect } from './kucoin-l3-wire.js';

/** The one runtime shape of every event this decoder returns (fields unused by a kind are undefined). */
interface EventShape {
  type: L3Event['type'];
  seq: number;
  ts: number;
  orderId: string | undefined;
  clientOid: string | undefined;
  side: Side | undefined;
  price: number | undefined;
  size: number | undefined;
  remaining: number | undefined;
  makerOrderId: string | undefined;
  takerOrderId: string | undefined;
  takerSide: Side | undefined;
  tradeId: string | undefined;
  reason: 'filled' | 'canceled' | undefined;
}

function blankEvent(): EventShape {
  return {
    type: 'noop',
    seq: 0,
    ts: 0,
    orderId: undefined,
    clientOid: undefined,
    side: undefined,
    price: undefined,
    size: undefined,
    remaining: undefined,
    makerOrderId: undefined,
    takerOrderId: undefined,
    takerSide: undefined,
    tradeId: undefined,
    reason: undefined,
  };
}

// ----- field readers (throw DeskgateError) ------------------------------------------------------

function bad(detail: string): DeskgateError {
  return dgError('DG_E_BAD_MESSAGE', detail);
}

/** Digits s[a, b) → integer, or NaN (empty or a non-digit). Callers bound the length. */
function digitsIn(s: string, a: number, b: number): number {
  if (a >= b) return Number.NaN;
  let v = 0;
  for (let i = a; i < b; i++) {
    const c = s.charCodeAt(i) - 48;
    if (c < 0 || c > 9) return Number.NaN;
    v = v * 10 + c;
  }
  return v;
}

/** Digit string → integer, or NaN (empty, non-digit, or longer than maxLen). */
function digits(s: string, maxLen: number): number {
  return s.length > maxLen ? Number.NaN : digitsIn(s, 0, s.length);
}

function seqOf(v: unknown): number {
  const n = typeof v === 'string' ? digits(v, 16) : typeof v === 'number' ? v : Number.NaN;
  if (!Number.isSafeInteger(n) || n < 0) throw bad('sequence missing or not a non-negative integer');
  return n;
}

/** A ns timestamp (digit string or number) → integer ms. */
function nsToMs(v: unknown, what: string): number {
  if (typeof v === 'string') {
    const n = v.length;
    if (n > 6 && n <= 22) {
      const ms = digitsIn(v, 0, n - 6);
      if (!Number.isNaN(ms) && !Number.isNaN(digitsIn(v, n - 6, n))) return ms;
    } else if (n >= 1 && n <= 6 && !Number.isNaN(digitsIn(v, 0, n))) {
      return 0;
    }
  } else if (typeof v === 'number' && Number.isFinite(v) && v >= 0) {
    return Math.floor(v / 1e6);
  }
  throw bad(`${what} missing or not a ns timestamp`);
}

function units(v: unknown, inc: Increment, what: string): number {
  let text: string;
  if (typeof v === 'string') text = v;
  else if (typeof v === 'number' && Number.isFinite(v)) text = String(v);
  else throw bad(`${what} missing or not a decimal`);
  try {
    return toUnits(text, inc);
  } catch (e) {
    if (e instanceof DeskgateError && e.code === 'DG_E_OFF_GRID') throw e;
    throw bad(`${what} ${text.slice(0, 40)} is not a decimal in range`);
  }
}

const POW10: number[] = [];
for (let i = 0, v = 1; i <= 22; i++, v *= 10) POW10.push(v);

/**
 * units() of the text s[a, b) without slicing it: the same algorithm as core/decimal.ts's fast
 * path for plain decimals ("123", "-0.0100"), and units(slice) for anything else, so the result
 * (value or error code) is always exactly what units(s.slice(a, b)) gives.
 */
function unitsIn(s: string, a: number, b: number, inc: Increment, what: string): number {
  const n = b - a;
  if (n === 0 || n > 30) return units(s.slice(a, b), inc, what);
  const k = inc.decimals;
  let i = a;
  let neg = false;
  if (s.charCodeAt(i) === 45) {
    neg = true;
    i++;
  }
  let v = 0;
  let intDigits = 0;
  for (; i < b; i++) {
    const c = s.charCodeAt(i) - 48;
    if (c < 0 || c > 9) break;
    v = v * 10 + c;
    intDigits++;
  }
  if (intDigits === 0) return units(s.slice(a, b), inc, what);
  let frac = 0;
  if (i < b) {
    if (s.charCodeAt(i) !== 46 || i === b - 1) return units(s.slice(a, b), inc, what);
    i++;
    for (; i < b; i++) {
      const c = s.charCodeAt(i) - 48;
      if (c < 0 || c > 9) return units(s.slice(a, b), inc, what);
      if (frac < k) {
        v = v * 10 + c;
        frac++;
      } else if (c !== 0) {
        throw dgError('DG_E_OFF_GRID', `${s.slice(a, b)} on ${inc.text}`);
      }
    }
  }
  if (frac < k) v *= POW10[k - frac];
  if (v > Number.MAX_SAFE_INTEGER) return units(s.slice(a, b), inc, what);
  if (inc.step !== 1) {
    if (v % inc.step !== 0) throw dgError('DG_E_OFF_GRID', `${s.slice(a, b)} on ${inc.text}`);
    v /= inc.step;
  }
  return neg ? -v : v;
}

function priceOf(v: unknown, inst: Instrument, r?: KucoinL3Raw): number {
  const p =
    v === DECIMAL_IN_SRC && r ? unitsIn(r.src, r.priceA, r.priceB, inst.price, 'price') : units(v, inst.price, 'price');
  if (p <= 0) throw bad('price must be positive');
  return p;
}

function sizeOf(v: unknown, inst: Instrument, what: string, r?: KucoinL3Raw, a = 0, b = 0): number {
  const s = v === DECIMAL_IN_SRC && r ? unitsIn(r.src, a, b, inst.size, what) : units(v, inst.size, what);
  if (s < 0) throw bad(`${what} must not be negative`);
  return s;
}

/** A non-empty id of at most 128 printable characters (no control characters). */
function idOf(v: unknown, what: string): string {
  if (typeof v !== 'string' || v.length === 0 || v.length > 128) throw bad(`${what} missing or not a string`);
  for (let i = 0; i < v.length; i++) if (v.charCodeAt(i) < 32) throw bad(`${what} has a control character`);
  return v;
}

function sideOf(v: unknown): Side {
  if (v === 'buy') return 0;
  if (v === 'sell') return 1;
  throw bad('side must be buy or sell');
}

// ----- the decoder --------------------------------------------------------------------------

export class KucoinL3Decoder {
  readonly inst: Instrument;
  /** Frames decoded by the hand scanner / by the JSON.parse fallback (diagnostics). */
  fastFrames = 0;
  slowFrames = 0;
  private readonly raw: KucoinL3Raw = emptyRaw();
  private readonly scratch: EventShape = blankEvent();
  private readonly topics: readonly string[];
  private readonly heads: readonly string[];
  private readonly topicDialect: ReadonlyMap<string, KucoinL3Dialect>;
  private lastTopic = '';
  private lastDialect: KucoinL3Dialect = 'spot-v2';

  constructor(inst: Instrument) {
    this.inst = inst;
    const m = new Map<string, KucoinL3Dialect>();
    for (const [d, prefix] of Object.entries(KUCOIN_L3_TOPIC_PREFIX) as Array<[KucoinL3Dialect, string]>) {
      m.set(flat(prefix + inst.native), d);
    }
    m.set(flat(`/contractMarket/level3V2:${inst.native}`), 'futures-v2');
    this.topicDialect = m;
    this.topics = [...m.keys()].map(flat);
    this.heads = this.topics.map((t) => flat(`{"type":"message","topic":"${t}","subject":"`));
  }

  /** Decode one text frame to a fresh event. */
  decode(frame: string): L3Event {
    return this.build(this.read(frame), blankEvent());
  }

  /** Decode one text frame into the decoder's scratch event (valid until the next call). */
  decodeInto(frame: string): L3Event {
    return this.build(this.read(frame), this.scratch);
  }

  /** Decode an already-parsed frame object to a fresh event. */
  decodeMessage(msg: unknown): L3Event {
    return this.build(this.fromObject(msg), blankEvent());
  }

  /** The REST L3 snapshot reply (text or parsed) → L3Snapshot (bids high→low, asks low→high). */
  decodeSnapshot(body: unknown): L3Snapshot {
    return decodeKucoinL3Snapshot(body, this.inst);
  }

  private read(frame: string): KucoinL3Raw {
    if (typeof frame !== 'string') throw dgError('DG_E_MALFORMED_JSON', typeof frame);
    if (scanKucoinL3(frame, this.raw, this.heads, this.topics)) {
      this.fastFrames++;
      return this.raw;
    }
    this.slowFrames++;
    let parsed: unknown;
    try {
      parsed = JSON.parse(frame);
    } catch {
      throw dgError('DG_E_MALFORMED_JSON', frame.slice(0, 80));
    }
    return this.fromObject(parsed);
  }

  private fromObject(msg: unknown): KucoinL3Raw {
    const r = this.raw;
    if (typeof msg !== 'object' || msg === null || Array.isArray(msg)) throw bad('frame is not an object');
    const m = msg as Record<string, unknown>;
    r.type = m.type;
    r.topic = m.topic;
    r.subject = m.subject;
    const d = m.data;
    r.hasData = typeof d === 'object' && d !== null && !Array.isArray(d);
    const o = (r.hasData ? d : {}) as Record<string, unknown>;
    r.kind = o.type;
    r.sequence = o.sequence;
    r.orderId = o.orderId;
    r.clientOid = o.clientOid;
    r.side = o.side;
    r.price = o.price;
    r.size = o.size;
    r.remainSize = o.remainSize;
    r.matchSize = o.matchSize;
    r.newSize = o.newSize;
    r.makerOrderId = o.makerOrderId;
    r.takerOrderId = o.takerOrderId;
    r.tradeId = o.tradeId;
    r.reason = o.reason;
    r.ts = o.ts;
    r.time = o.time;
    r.orderTime = o.orderTime;
    r.tsMs = undefined;
    r.orderTimeMs = undefined;
    return r;
  }

  /** Validate the raw fields and fill `e`. The single source of truth for both paths. */
  private build(r: KucoinL3Raw, e: EventShape): L3Event {
    if (r.type !== 'message') throw dgError('DG_E_UNKNOWN_MESSAGE', `type ${String(r.type).slice(0, 32)}`);
    if (typeof r.topic !== 'string') throw dgError('DG_E_UNKNOWN_MESSAGE', 'no topic');
    let dialect: KucoinL3Dialect | undefined;
    if (r.topic === this.lastTopic) dialect = this.lastDialect;
    else {
      dialect = this.topicDialect.get(r.topic);
      if (dialect !== undefined) {
        this.lastTopic = r.topic;
        this.lastDialect = dialect;
      }
    }
    if (dialect === undefined) {
      for (const prefix of [...Object.values(KUCOIN_L3_TOPIC_PREFIX), '/contractMarket/level3V2:']) {
        if (r.topic.startsWith(prefix)) throw bad(`topic ${r.topic.slice(0, 64)} is not ${this.inst.native}`);
      }
      throw dgError('DG_E_UNKNOWN_MESSAGE', `topic ${r.topic.slice(0, 64)}`);
    }
    if (!r.hasData) throw bad('data missing or not an object');
    const inst = this.inst;
    const v1 = dialect === 'spot-v1' || dialect === 'futures-v1';
    const kind = v1 ? r.kind : r.subject;
    const seq = seqOf(r.sequence);
    const ts = r.tsMs !== undefined ? r.tsMs : nsToMs(r.ts !== undefined ? r.ts : r.time, 'ts');

    // Reset every field, keeping one shape.
    e.seq = seq;
    e.ts = ts;
    e.orderId = undefined;
    e.clientOid = undefined;
    e.side = undefined;
    e.price = undefined;
    e.size = undefined;
    e.remaining = undefined;
    e.makerOrderId = undefined;
    e.takerOrderId = undefined;
    e.takerSide = undefined;
    e.tradeId = undefined;
    e.reason = undefined;

    switch (kind) {
      case 'open': {
        const orderId = idOf(r.orderId, 'orderId');
        const side = sideOf(r.side);
        const size =
          dialect === 'spot-v1' && r.remainSize !== undefined
            ? sizeOf(r.remainSize, inst, 'remainSize', r, r.remainA, r.remainB)
            : sizeOf(r.size, inst, 'size', r, r.sizeA, r.sizeB);
        const noPrice = r.price === '' || (r.price === DECIMAL_IN_SRC && r.priceA === r.priceB);
        if (size === 0 || noPrice) {
          e.type = 'noop';
          return e as unknown as L3Event;
        }
        e.type = 'open';
        e.orderId = orderId;
        e.side = side;
        e.price = priceOf(r.price, inst, r);
        e.size = size;
        if (r.orderTime !== undefined)
          e.ts = r.orderTimeMs !== undefined ? r.orderTimeMs : nsToMs(r.orderTime, 'orderTime');
        return e as unknown as L3Event;
      }
      case 'done': {
        e.orderId = idOf(r.orderId, 'orderId');
        if (r.reason !== 'filled' && r.reason !== 'canceled') throw bad('reason must be filled or canceled');
        e.type = 'done';
        e.reason = r.reason;
        return e as unknown as L3Event;
      }
      case 'match': {
        e.makerOrderId = idOf(r.makerOrderId, 'makerOrderId');
        e.takerOrderId = idOf(r.takerOrderId, 'takerOrderId');
        e.takerSide = sideOf(r.side);
        e.price = priceOf(r.price, inst, r);
        if (dialect === 'futures-v1') {
          e.size = sizeOf(r.matchSize, inst, 'matchSize');
          e.remaining = sizeOf(r.size, inst, 'size', r, r.sizeA, r.sizeB);
        } else {
          e.size = sizeOf(r.size, inst, 'size', r, r.sizeA, r.sizeB);
          if (dialect !== 'spot-v1') e.remaining = sizeOf(r.remainSize, inst, 'remainSize', r, r.remainA, r.remainB);
        }
        if (e.size === 0) throw bad('match size must be positive');
        if (r.tradeId !== undefined) e.tradeId = idOf(r.tradeId, 'tradeId');
        e.type = 'match';
        return e as unknown as L3Event;
      }
      case 'update':
      case 'change': {
        if (kind === 'change' ? dialect !== 'spot-v1' : dialect === 'spot-v1') {
          throw dgError('DG_E_UNKNOWN_MESSAGE', `${kind} on ${dialect}`);
        }
        e.orderId = idOf(r.orderId, 'orderId');
        e.size =
          dialect === 'spot-v1'
            ? sizeOf(r.newSize, inst, 'newSize')
            : sizeOf(r.size, inst, 'size', r, r.sizeA, r.sizeB);
        if (v1 && r.price !== undefined) e.price = priceOf(r.price, inst, r);
        e.type = 'change';
        return e as unknown as L3Event;
      }
      case 'received': {
        e.orderId = idOf(r.orderId, 'orderId');
        if (r.clientOid !== undefined && r.clientOid !== null && r.clientOid !== '') {
          if (typeof r.clientOid !== 'string' || r.clientOid.length > 128) throw bad('clientOid not a string');
          e.clientOid = r.clientOid;
        }
        e.type = 'received';
        return e as unknown as L3Event;
      }
      case 'activate':
      case 'activated':
        if (dialect === 'spot-v1') {
          e.type = 'noop';
          return e as unknown as L3Event;
        }
        throw dgError('DG_E_UNKNOWN_MESSAGE', `${kind} on ${dialect}`);
      default:
        throw dgError('DG_E_UNKNOWN_MESSAGE', `kind ${String(kind).slice(0, 32)}`);
    }
  }
}

// ----- functional API ---------------------------------------------------------------------------

const decoders = new WeakMap<Instrument, KucoinL3Decoder>();

function decoderFor(inst: Instrument): KucoinL3Decoder {
  let d = decoders.get(inst);
  if (d === undefined) {
    d = new KucoinL3Decoder(inst);
    decoders.set(inst, d);
  }
  return d;
}

/** Decode one KuCoin L3 text frame to a fresh L3Event (throws DeskgateError on bad input). */
export function decodeKucoinL3Frame(frame: string, inst: Instrument): L3Event {
  return decoderFor(inst).decode(frame);
}

/** Decode an already-parsed KuCoin L3 frame object to a fresh L3Event. */
export function decodeKucoinL3Message(msg: unknown, inst: Instrument): L3Event {
  return decoderFor(inst).decodeMessage(msg);
}

/**
 * The REST L3 snapshot reply `{"code":"200000","data":{"sequence","time","asks":[[orderId,
 * price,size,ts]…],"bids":[…]}}` (text or parsed) → L3Snapshot. Order within each side is kept
 * (FIFO within a price); sides must be sorted best first; sizes must be positive; ids unique.
 */
export function decodeKucoinL3Snapshot(body: unknown, inst: Instrument): L3Snapshot {
  let msg: unknown = body;
  if (typeof body === 'string') {
    try {
      msg = JSON.parse(body);
    } catch {
      throw dgError('DG_E_MALFORMED_JSON', body.slice(0, 80));
    }
  }
  if (typeof msg !== 'object' || msg === null || Array.isArray(msg)) throw bad('snapshot is not an object');
  const m = msg as Record<string, unknown>;
  if (m.code !== '200000') throw bad(`snapshot code ${String(m.code).slice(0, 16)}`);
  const d = m.data;
  if (typeof d !== 'object' || d === null || Array.isArray(d)) throw bad('snapshot data missing');
  const data = d as Record<string, unknown>;
  const seq = seqOf(data.sequence);
  const time = data.time === undefined ? 0 : typeof data.time === 'string' ? digits(data.time, 16) : data.time;
  if (typeof time !== 'number' || !Number.isSafeInteger(time) || time < 0) throw bad('snapshot time');
  const seen = new Set<string>();
  const side = (rows: unknown, s: Side): L3SnapshotOrder[] => {
    if (!Array.isArray(rows)) throw bad(`snapshot ${s === 0 ? 'bids' : 'asks'} not an array`);
    const out: L3SnapshotOrder[] = [];
    let last = 0;
    for (const row of rows) {
      if (!Array.isArray(row) || row.length < 3) throw bad('snapshot entry is not [orderId, price, size, ts]');
      const orderId = idOf(row[0], 'orderId');
      const price = priceOf(row[1], inst);
      const size = sizeOf(row[2], inst, 'size');
      if (size === 0) throw bad(`snapshot order ${orderId.slice(0, 32)} has size 0`);
      const ts = row.length > 3 ? nsToMs(row[3], 'ts') : 0;
      if (seen.has(orderId)) throw bad(`snapshot order ${orderId.slice(0, 32)} repeated`);
      seen.add(orderId);
      if (out.length > 0 && (s === 0 ? price > last : price < last)) throw bad('snapshot side not sorted best first');
      last = price;
      out.push({ orderId, price, size, ts });
    }
    return out;
  };
  const bids = side(data.bids, 0);
  const asks = side(data.asks, 1);
  return { seq, ts: time, bids, asks };
}
