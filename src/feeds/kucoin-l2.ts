/**
 * KuCoin spot `/market/level2:{symbol}` (price-level diffs) and its REST snapshot.
 *
 * Wire (real frame, KUCOIN.ws.1.0, 2021-04-25):
 *   {"data":{"sequenceStart":1613277183875,"symbol":"BCHSV-USDT","changes":{"asks":[["244.351","150",
 *    "1613277183875"]],"bids":[]},"sequenceEnd":1613277183875},"subject":"trade.l2update",
 *    "topic":"/market/level2:BCHSV-USDT","type":"message"}
 * Each change is [price, size, sequence]; size "0" removes the level; an entry with price "0"
 * (["0","0","1613277183874"]) only advances the sequence (no book change). Newer frames add
 * `data.time` (ms). Changes are applied in per-change sequence order across both sides.
 * Same socket: `trade.l3match` on `/market/match:{symbol}` (a print, `side` = taker's),
 * `trade.ticker`, `trade.candles.*`, and the session frames welcome/ack/pong.
 *
 * REST snapshot (KUCOIN.http.0.0): GET /api/v3/market/orderbook/level2?symbol=BCHSV-USDT →
 *   {"code":"200000","data":{"time":1619378326628,"sequence":"1613277183892",
 *    "bids":[["242.649","5"],…],"asks":[…]}}   (bids high→low, asks low→high)
 * Sync (KuCoin docs, "Level-2 Market Data"): buffer, fetch snapshot, drop sequenceEnd ≤ snapshot
 * sequence, apply sequenceStart ≤ cur+1; a hole ⇒ re-fetch. BookSync policy: POLICIES.kucoinL2.
 */
import { dgError } from '../core/errors.js';
import type { L2Level, L2Snapshot } from '../core/events.js';
import type { Instrument } from '../core/instrument.js';
import { BaseDecoder } from './decoder-base.js';
import type { DecimalSink, FeedEvent, InstrumentLookup } from './feed-event.js';
import { arr, isObject, obj, parseFrame, priceTicks, seqNum, sideOf, sizeLots, str, type Json } from './wire-fields.js';

export class KucoinL2Decoder extends BaseDecoder {
  constructor(lookup: InstrumentLookup) {
    super('kucoin', lookup);
  }

  protected symbolHint(msg: Json): string | undefined {
    if (!isObject(msg)) return undefined;
    const d = msg.data;
    if (isObject(d) && typeof d.symbol === 'string') return d.symbol;
    const topic = msg.topic;
    if (typeof topic === 'string') return topic.slice(topic.indexOf(':') + 1) || undefined;
    return undefined;
  }

  protected decodeMessage(msg: Json, recvMs: number, out: FeedEvent[]): void {
    const m = obj(msg, 'frame');
    const type = m.type;
    if (type === 'welcome' || type === 'ack' || type === 'pong' || type === 'ping') {
      out.push({ kind: 'control', what: type });
      return;
    }
    if (type === 'error')
      throw dgError('DG_E_BAD_MESSAGE', `venue error ${JSON.stringify(m.data ?? m.code ?? '').slice(0, 80)}`);
    if (type !== 'message') throw dgError('DG_E_UNKNOWN_MESSAGE', `type ${String(type).slice(0, 32)}`);
    const subject = str(m, 'subject');
    const data = obj(m.data, 'data');
    switch (subject) {
      case 'trade.l2update':
        this.l2update(data, recvMs, out);
        return;
      case 'trade.l3match': {
        const symbol = str(data, 'symbol');
        const inst = this.instrument(symbol);
        const tsNs =
          typeof data.time === 'string' && /^\d{1,19}$/.test(data.time)
            ? Number(BigInt(data.time) / 1_000_000n)
            : recvMs;
        out.push({
          kind: 'trade',
          symbol,
          trade: {
            type: 'trade',
            seq: seqNum(data.sequence, 'sequence'),
            tradeId: str(data, 'tradeId'),
            price: priceTicks(data.price, inst),
            size: sizeLots(data.size, inst),
            takerSide: sideOf(data.side),
            ts: tsNs,
          },
        });
        return;
      }
      case 'trade.ticker':
      case 'trade.candles.add':
      case 'trade.candles.update':
        out.push({ kind: 'control', what: subject, symbol: this.symbolHint(msg) ?? '' });
        return;
      default:
        throw dgError('DG_E_UNKNOWN_MESSAGE', `subject ${subject.slice(0, 32)}`);
    }
  }

  private l2update(data: { [k: string]: Json }, recvMs: number, out: FeedEvent[]): void {
    const symbol = str(data, 'symbol');
    const inst = this.instrument(symbol);
    const first = seqNum(data.sequenceStart, 'sequenceStart');
    const last = seqNum(data.sequenceEnd, 'sequenceEnd');
    if (last < first) throw dgError('DG_E_BAD_MESSAGE', `sequenceEnd ${last} < sequenceStart ${first}`);
    const changes = obj(data.changes, 'changes');
    const rows: Array<{ seq: number; level: L2Level | undefined }> = [];
    for (const sideName of ['bids', 'asks'] as const) {
      const side = sideName === 'bids' ? 0 : 1;
      const list = changes[sideName] === undefined ? [] : arr(changes[sideName], sideName);
      for (const c of list) {
        const e = arr(c, 'change');
        if (e.length < 3) throw dgError('DG_E_BAD_MESSAGE', 'change needs [price,size,sequence]');
        const seq = seqNum(e[2], 'change sequence');
        if (seq < first || seq > last)
          throw dgError('DG_E_BAD_MESSAGE', `change sequence ${seq} outside ${first}..${last}`);
        if (e[0] === '0') {
          rows.push({ seq, level: undefined }); // sequence-advancing no-op
          continue;
        }
        rows.push({ seq, level: { side, price: priceTicks(e[0], inst), size: sizeLots(e[1], inst) } });
      }
    }
    rows.sort((a, b) => a.seq - b.seq);
    const levels: L2Level[] = [];
    for (const r of rows) if (r.level) levels.push(r.level);
    const ts = typeof data.time === 'number' ? data.time : recvMs;
    out.push({ kind: 'l2', symbol, update: { type: 'l2', firstSeq: first, lastSeq: last, levels, ts } });
  }
}

/** Decode a KuCoin REST level-2 snapshot reply. Throws DeskgateError on bad input. */
export function decodeKucoinL2Snapshot(body: string | Json, inst: Instrument): L2Snapshot {
  const m = obj(typeof body === 'string' ? parseFrame(body) : body, 'reply');
  if (m.code !== '200000') throw dgError('DG_E_BAD_MESSAGE', `KuCoin code ${String(m.code).slice(0, 16)}`);
  const d = obj(m.data, 'data');
  const side = (rows: Json | undefined, name: string): Array<[number, number]> =>
    arr(rows, name).map((r) => {
      const e = arr(r, name);
      return [priceTicks(e[0], inst), sizeLots(e[1], inst)] as [number, number];
    });
  return {
    seq: seqNum(d.sequence, 'sequence'),
    ts: typeof d.time === 'number' ? d.time : 0,
    bids: side(d.bids, 'bids'),
    asks: side(d.asks, 'asks'),
  };
}

/** Every price/size string of a KuCoin level-2 frame or REST reply (grid derivation). */
export function scanKucoinL2(msg: Json, sink: DecimalSink, symbolOfReply?: string): void {
  if (!isObject(msg)) return;
  const d = msg.data;
  if (!isObject(d)) return;
  if (msg.subject === 'trade.l2update' && typeof d.symbol === 'string' && isObject(d.changes)) {
    for (const k of ['bids', 'asks']) {
      const list = d.changes[k];
      if (!Array.isArray(list)) continue;
      for (const c of list) {
        if (!Array.isArray(c) || c[0] === '0') continue;
        if (typeof c[0] === 'string') sink(d.symbol, 'price', c[0]);
        if (typeof c[1] === 'string') sink(d.symbol, 'size', c[1]);
      }
    }
  } else if (msg.subject === 'trade.l3match' && typeof d.symbol === 'string') {
    if (typeof d.price === 'string') sink(d.symbol, 'price', d.price);
    if (typeof d.size === 'string') sink(d.symbol, 'size', d.size);
  } else if (msg.code === '200000' && symbolOfReply) {
    for (const k of ['bids', 'asks']) {
      const list = d[k];
      if (!Array.isArray(list)) continue;
      for (const c of list) {
        if (!Array.isArray(c)) continue;
        if (typeof c[0] === 'string') sink(symbolOfReply, 'price', c[0]);
        if (typeof c[1] === 'string') sink(symbolOfReply, 'size', c[1]);
      }
    }
  }
}
