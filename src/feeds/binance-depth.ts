/**
 * Binance diff depth stream (`<symbol>@depth` / `@depth@100ms`, spot and USDⓈ-M futures) and the
 * REST depth snapshot.
 *
 * Wire (Binance spot WebSocket Streams docs, "Diff. Depth Stream"):
 *   {"e":"depthUpdate","E":1672515782136,"s":"BNBBTC","U":157,"u":160,
 *    "b":[["0.0024","10"]],"a":[["0.0026","100"]]}
 * Futures add "T" (transaction time) and "pu" (the previous event's u). Combined streams wrap it:
 *   {"stream":"bnbbtc@depth","data":{…}}. Quantities are absolute; "0" removes the level.
 * Trades: {"e":"trade","E":…,"s":"BNBBTC","t":12345,"p":"0.001","q":"100","T":…,"m":true}
 *   (m = buyer is the maker ⇒ the taker sold); "aggTrade" is the same with "a" as the id.
 * Subscribe replies {"result":null,"id":1} are control frames.
 *
 * REST snapshot: GET /api/v3/depth?symbol=BNBBTC&limit=5000 →
 *   {"lastUpdateId":1027024,"bids":[["4.00000000","431.00000000"]],"asks":[["4.00000200","12.00000000"]]}
 * Sync ("How to manage a local order book correctly"): buffer, fetch the snapshot, drop u ≤
 * lastUpdateId, the first applied event has U ≤ lastUpdateId+1 ≤ u, then each U = previous u + 1
 * (POLICIES.binanceSpot); futures link pu = previous u (POLICIES.binanceFutures).
 */
import { dgError } from '../core/errors.js';
import type { L2Level, L2Snapshot, Side } from '../core/events.js';
import type { Instrument } from '../core/instrument.js';
import { BaseDecoder } from './decoder-base.js';
import type { DecimalSink, FeedEvent, InstrumentLookup } from './feed-event.js';
import {
  arr,
  int,
  isObject,
  obj,
  parseFrame,
  priceTicks,
  seqNum,
  sizeLots,
  str,
  type Json,
  type JsonObject,
} from './wire-fields.js';

export class BinanceDepthDecoder extends BaseDecoder {
  constructor(lookup: InstrumentLookup) {
    super('binance', lookup);
  }

  protected symbolHint(msg: Json): string | undefined {
    const d = isObject(msg) && isObject(msg.data) ? msg.data : msg;
    return isObject(d) && typeof d.s === 'string' ? d.s : undefined;
  }

  protected decodeMessage(msg: Json, recvMs: number, out: FeedEvent[]): void {
    let m = obj(msg, 'frame');
    if (typeof m.stream === 'string' && m.data !== undefined) m = obj(m.data, 'data');
    if ('result' in m && 'id' in m) {
      out.push({ kind: 'control', what: 'result' });
      return;
    }
    if (isObject(m.error) || typeof m.code === 'number')
      throw dgError('DG_E_BAD_MESSAGE', `venue error ${JSON.stringify(m).slice(0, 80)}`);
    const e = str(m, 'e');
    switch (e) {
      case 'depthUpdate': {
        const symbol = str(m, 's');
        const inst = this.instrument(symbol);
        const first = seqNum(m.U, 'U');
        const last = seqNum(m.u, 'u');
        if (last < first) throw dgError('DG_E_BAD_MESSAGE', `u ${last} < U ${first}`);
        const levels: L2Level[] = [...rows(m.b, 0, inst, 'b'), ...rows(m.a, 1, inst, 'a')];
        out.push({
          kind: 'l2',
          symbol,
          update: {
            type: 'l2',
            firstSeq: first,
            lastSeq: last,
            ...(m.pu === undefined ? {} : { prevSeq: int(m.pu, 'pu') }),
            levels,
            ts: m.E === undefined ? recvMs : seqNum(m.E, 'E'),
          },
        });
        return;
      }
      case 'trade':
      case 'aggTrade': {
        const symbol = str(m, 's');
        const inst = this.instrument(symbol);
        if (typeof m.m !== 'boolean') throw dgError('DG_E_BAD_MESSAGE', 'm (buyer is maker) missing');
        out.push({
          kind: 'trade',
          symbol,
          trade: {
            type: 'trade',
            tradeId: String(seqNum(e === 'trade' ? m.t : m.a, 'trade id')),
            price: priceTicks(m.p, inst),
            size: sizeLots(m.q, inst),
            takerSide: m.m ? 1 : 0,
            ts: m.T === undefined ? recvMs : seqNum(m.T, 'T'),
          },
        });
        return;
      }
      default:
        throw dgError('DG_E_UNKNOWN_MESSAGE', `event ${e.slice(0, 32)}`);
    }
  }
}

function rows(v: Json | undefined, side: Side, inst: Instrument, name: string): L2Level[] {
  if (v === undefined) return [];
  return arr(v, name).map((r) => {
    const e = arr(r, name);
    return { side, price: priceTicks(e[0], inst), size: sizeLots(e[1], inst) };
  });
}

/** Decode the REST depth snapshot; `lastUpdateId` becomes the snapshot sequence. */
export function decodeBinanceDepthSnapshot(body: string | Json, inst: Instrument, ts = 0): L2Snapshot {
  const m: JsonObject = obj(typeof body === 'string' ? parseFrame(body) : body, 'reply');
  if (typeof m.code === 'number')
    throw dgError('DG_E_BAD_MESSAGE', `venue error ${m.code} ${String(m.msg).slice(0, 60)}`);
  const side = (name: string): Array<[number, number]> =>
    arr(m[name], name).map((r) => {
      const e = arr(r, name);
      return [priceTicks(e[0], inst), sizeLots(e[1], inst)] as [number, number];
    });
  return {
    seq: seqNum(m.lastUpdateId, 'lastUpdateId'),
    ts: m.T !== undefined ? seqNum(m.T, 'T') : m.E !== undefined ? seqNum(m.E, 'E') : ts,
    bids: side('bids'),
    asks: side('asks'),
  };
}

/** Every price/size string of a Binance frame or REST reply (grid derivation). */
export function scanBinance(msg: Json, sink: DecimalSink, symbolOfReply?: string): void {
  let m = msg;
  if (isObject(m) && isObject(m.data)) m = m.data;
  if (!isObject(m)) return;
  const sym = typeof m.s === 'string' ? m.s : symbolOfReply;
  if (!sym) return;
  for (const k of ['b', 'a', 'bids', 'asks']) {
    const list = m[k];
    if (!Array.isArray(list)) continue;
    for (const r of list) {
      if (!Array.isArray(r)) continue;
      if (typeof r[0] === 'string') sink(sym, 'price', r[0]);
      if (typeof r[1] === 'string') sink(sym, 'size', r[1]);
    }
  }
  if (typeof m.p === 'string') sink(sym, 'price', m.p);
  if (typeof m.q === 'string') sink(sym, 'size', m.q);
}
