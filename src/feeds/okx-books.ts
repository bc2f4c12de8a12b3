/**
 * OKX v5 public `books` channel (400-level price book; `books-l2-tbt`/`books50-l2-tbt` share the
 * shape), `trades`, and the CRC32 book checksum.
 *
 * Wire (real frames, OKX.ws.1.0, 2022-05-13; this format predates seqId):
 *   {"arg":{"channel":"books","instId":"BTC-USD-220527"},"action":"update","data":[{"asks":
 *    [["30249.4","0","0","0"],["30261","4","0","1"]],"bids":[["30182.6","452","0","1"]],
 *    "ts":"1652459225464","checksum":-914047754}]}
 * Level = [price, size, liquidatedOrders (deprecated "0"), orderCount]; size "0" removes the level.
 * `action` "snapshot" replaces the book (sent first after subscribing), "update" diffs it.
 * Current frames also carry `seqId` and `prevSeqId` (snapshot: prevSeqId −1; an update with no
 * change has seqId = prevSeqId; after maintenance seqId may be smaller than prevSeqId) — BookSync
 * policy POLICIES.okxBooks links them when present.
 * Trades: {"arg":{"channel":"trades","instId":"BTC-USDT"},"data":[{"instId":"BTC-USDT","tradeId":
 *   "…","px":"30236.4","sz":"0.001","side":"sell","ts":"1652459225694"}]} (`side` = taker's).
 * Session: {"event":"subscribe"|"error",…} and the text frames "ping"/"pong".
 *
 * Checksum (OKX docs, "Checksum"): take up to 25 bid and 25 ask levels, interleave
 * bid1, ask1, bid2, ask2, … (a missing side is skipped), write each as "price:size" with the
 * strings exactly as sent, join everything with ":", CRC32 → signed 32-bit integer. The book
 * stores integer ticks/lots, so strings are reconstructed canonically (fromUnits) and a per-book
 * LevelTextMemo keeps the original text of any level whose wire form is not canonical (e.g.
 * "1.50"), so the reconstruction is exact either way.
 */
import { fromUnits } from '../core/decimal.js';
import { dgError } from '../core/errors.js';
import type { L2Level, L2Snapshot, Side } from '../core/events.js';
import type { Instrument } from '../core/instrument.js';
import type { L2Book } from '../book/l2-book.js';
import { crc32Signed } from './crc32.js';
import { BaseDecoder } from './decoder-base.js';
import type { DecimalSink, FeedEvent, InstrumentLookup } from './feed-event.js';
import {
  arr,
  int,
  isObject,
  obj,
  priceTicks,
  sideOf,
  sizeLots,
  str,
  type Json,
  type JsonObject,
} from './wire-fields.js';

const BOOK_CHANNELS = new Set(['books', 'books-l2-tbt', 'books50-l2-tbt']);

/** Original wire text of levels whose text is not the canonical form of their ticks/lots. */
export class LevelTextMemo {
  private readonly m: [
    Map<number, { lots: number; px: string; sz: string }>,
    Map<number, { lots: number; px: string; sz: string }>,
  ] = [new Map(), new Map()];

  clear(): void {
    this.m[0].clear();
    this.m[1].clear();
  }

  note(side: Side, ticks: number, lots: number, px: string, sz: string, inst: Instrument): void {
    const map = this.m[side];
    if (lots === 0 || (px === fromUnits(ticks, inst.price) && sz === fromUnits(lots, inst.size))) map.delete(ticks);
    else map.set(ticks, { lots, px, sz });
  }

  text(side: Side, ticks: number, lots: number, inst: Instrument): string {
    const e = this.m[side].get(ticks);
    if (e !== undefined && e.lots === lots) return `${e.px}:${e.sz}`;
    return `${fromUnits(ticks, inst.price)}:${fromUnits(lots, inst.size)}`;
  }

  get size(): number {
    return this.m[0].size + this.m[1].size;
  }
}

/** OKX checksum of the book's top 25 levels per side (signed 32-bit CRC32). */
export function okxChecksum(book: L2Book, inst: Instrument, memo?: LevelTextMemo): number {
  const bids = book.levels(0, 25);
  const asks = book.levels(1, 25);
  const parts: string[] = [];
  const text = (side: Side, p: number, s: number): string =>
    memo ? memo.text(side, p, s, inst) : `${fromUnits(p, inst.price)}:${fromUnits(s, inst.size)}`;
  for (let i = 0; i < 25; i++) {
    if (i < bids.length) parts.push(text(0, bids[i][0], bids[i][1]));
    if (i < asks.length) parts.push(text(1, asks[i][0], asks[i][1]));
  }
  return crc32Signed(parts.join(':'));
}

export class OkxBooksDecoder extends BaseDecoder {
  private readonly memos = new Map<string, LevelTextMemo>();

  constructor(lookup: InstrumentLookup) {
    super('okx', lookup);
  }

  /** The text memo of one instrument's book (pass it to okxChecksum). */
  memo(instId: string): LevelTextMemo {
    let m = this.memos.get(instId);
    if (!m) {
      m = new LevelTextMemo();
      this.memos.set(instId, m);
    }
    return m;
  }

  override decode(frame: string, recvMs = 0): FeedEvent[] {
    if (frame === 'pong' || frame === 'ping') return [{ kind: 'control', what: frame }];
    return super.decode(frame, recvMs);
  }

  protected symbolHint(msg: Json): string | undefined {
    if (isObject(msg) && isObject(msg.arg) && typeof msg.arg.instId === 'string') return msg.arg.instId;
    return undefined;
  }

  protected decodeMessage(msg: Json, recvMs: number, out: FeedEvent[]): void {
    const m = obj(msg, 'frame');
    if (typeof m.event === 'string') {
      if (m.event === 'error')
        throw dgError('DG_E_BAD_MESSAGE', `venue error ${String(m.code)} ${String(m.msg).slice(0, 60)}`);
      out.push({ kind: 'control', what: m.event });
      return;
    }
    const arg = obj(m.arg, 'arg');
    const channel = str(arg, 'channel');
    const data = arr(m.data, 'data');
    if (BOOK_CHANNELS.has(channel)) {
      const instId = str(arg, 'instId');
      const inst = this.instrument(instId);
      const action = m.action ?? 'snapshot';
      if (action !== 'snapshot' && action !== 'update')
        throw dgError('DG_E_UNKNOWN_MESSAGE', `action ${String(action).slice(0, 16)}`);
      // Validate every entry before touching the memo, so a refused frame leaves no trace.
      const decoded = data.map((d) => this.bookData(obj(d, 'data[]'), inst, recvMs));
      const memo = this.memo(instId);
      for (const d of decoded) {
        if (action === 'snapshot') memo.clear();
        for (const t of d.texts) memo.note(t.side, t.ticks, t.lots, t.px, t.sz, inst);
        if (action === 'snapshot') {
          const bids: Array<[number, number]> = [];
          const asks: Array<[number, number]> = [];
          for (const lv of d.levels) (lv.side === 0 ? bids : asks).push([lv.price, lv.size]);
          const snapshot: L2Snapshot = {
            seq: d.seqId ?? 0,
            ts: d.ts,
            bids,
            asks,
            ...(d.checksum === undefined ? {} : { checksum: d.checksum }),
          };
          out.push({ kind: 'l2-snapshot', symbol: instId, snapshot });
        } else {
          const seq = d.seqId ?? 0;
          out.push({
            kind: 'l2',
            symbol: instId,
            update: {
              type: 'l2',
              firstSeq: seq,
              lastSeq: seq,
              ...(d.prevSeqId === undefined ? {} : { prevSeq: d.prevSeqId }),
              levels: d.levels,
              ...(d.checksum === undefined ? {} : { checksum: d.checksum }),
              ts: d.ts,
            },
          });
        }
      }
      return;
    }
    if (channel === 'trades') {
      for (const raw of data) {
        const t = obj(raw, 'trade');
        const instId = str(t, 'instId');
        const inst = this.instrument(instId);
        out.push({
          kind: 'trade',
          symbol: instId,
          trade: {
            type: 'trade',
            tradeId: str(t, 'tradeId'),
            price: priceTicks(t.px, inst),
            size: sizeLots(t.sz, inst),
            takerSide: sideOf(t.side),
            ts: t.ts === undefined ? recvMs : int(t.ts, 'ts'),
          },
        });
      }
      return;
    }
    if (channel === 'tickers' || channel === 'bbo-tbt' || channel === 'books5') {
      out.push({ kind: 'control', what: channel, symbol: typeof arg.instId === 'string' ? arg.instId : '' });
      return;
    }
    throw dgError('DG_E_UNKNOWN_MESSAGE', `channel ${channel.slice(0, 32)}`);
  }

  private bookData(d: JsonObject, inst: Instrument, recvMs: number) {
    const levels: L2Level[] = [];
    const texts: Array<{ side: Side; ticks: number; lots: number; px: string; sz: string }> = [];
    for (const sideName of ['bids', 'asks'] as const) {
      const side: Side = sideName === 'bids' ? 0 : 1;
      const rows = d[sideName] === undefined ? [] : arr(d[sideName], sideName);
      for (const r of rows) {
        const e = arr(r, 'level');
        if (e.length < 2) throw dgError('DG_E_BAD_MESSAGE', 'level needs [price,size,…]');
        const px = e[0];
        const sz = e[1];
        const price = priceTicks(px, inst);
        const size = sizeLots(sz, inst);
        levels.push({ side, price, size });
        texts.push({ side, ticks: price, lots: size, px: px as string, sz: sz as string });
      }
    }
    return {
      levels,
      texts,
      ts: d.ts === undefined ? recvMs : int(d.ts, 'ts'),
      checksum: d.checksum === undefined ? undefined : int(d.checksum, 'checksum'),
      seqId: d.seqId === undefined ? undefined : int(d.seqId, 'seqId'),
      prevSeqId: d.prevSeqId === undefined ? undefined : int(d.prevSeqId, 'prevSeqId'),
    };
  }
}

/** Every price/size string of an OKX frame (grid derivation for captures). */
export function scanOkx(msg: Json, sink: DecimalSink): void {
  if (!isObject(msg) || !isObject(msg.arg) || !Array.isArray(msg.data)) return;
  const channel = msg.arg.channel;
  const instId = msg.arg.instId;
  for (const d of msg.data) {
    if (!isObject(d)) continue;
    if (typeof channel === 'string' && BOOK_CHANNELS.has(channel) && typeof instId === 'string') {
      for (const k of ['bids', 'asks']) {
        const rows = d[k];
        if (!Array.isArray(rows)) continue;
        for (const r of rows) {
          if (!Array.isArray(r)) continue;
          if (typeof r[0] === 'string') sink(instId, 'price', r[0]);
          if (typeof r[1] === 'string') sink(instId, 'size', r[1]);
        }
      }
    } else if (channel === 'trades' && typeof d.instId === 'string') {
      if (typeof d.px === 'string') sink(d.instId, 'price', d.px);
      if (typeof d.sz === 'string') sink(d.instId, 'size', d.sz);
    }
  }
}
