/**
 * Coinbase Exchange `level2` channel (2021 format, what COINBASE.ws.28.0 holds) plus the
 * `matches`/`ticker` frames that share the socket.
 *
 * Wire (real frames, COINBASE.ws.28.0, 2021-04-17):
 *   {"type":"snapshot","product_id":"BAND-GBP","asks":[["14.8024","12.77"],…],"bids":[…]}
 *   {"type":"l2update","product_id":"SKL-BTC","changes":[["sell","0.00001306","660.5"]],
 *    "time":"2021-04-17T16:43:37.075687Z"}
 *   {"type":"match","trade_id":280232,"maker_order_id":"2a0d…","taker_order_id":"3c82…",
 *    "side":"sell","size":"985","price":"0.00001305","product_id":"SKL-BTC","sequence":177100030,
 *    "time":"2021-04-17T16:43:37.089723Z"}    (`side` is the MAKER's; last_match is the same shape)
 * `changes` are [side, price, newSize]; newSize "0" removes the level. There are no sequence
 * numbers on level2: the snapshot starts the book (BookSync policy POLICIES.coinbaseLevel2), and
 * a refused update makes the book resynchronise (resubscribe) since nothing else would notice.
 */
import { dgError } from '../core/errors.js';
import type { L2Level, Side } from '../core/events.js';
import type { Instrument } from '../core/instrument.js';
import { BaseDecoder } from './decoder-base.js';
import type { DecimalSink, FeedEvent, InstrumentLookup } from './feed-event.js';
import {
  arr,
  isObject,
  isoMs,
  obj,
  priceTicks,
  seqNum,
  sideOf,
  sizeLots,
  str,
  type Json,
  type JsonObject,
} from './wire-fields.js';

export class CoinbaseLevel2Decoder extends BaseDecoder {
  constructor(lookup: InstrumentLookup) {
    super('coinbase', lookup);
  }

  protected symbolHint(msg: Json): string | undefined {
    return isObject(msg) && typeof msg.product_id === 'string' ? msg.product_id : undefined;
  }

  protected decodeMessage(msg: Json, recvMs: number, out: FeedEvent[]): void {
    const m = obj(msg, 'frame');
    const type = str(m, 'type');
    switch (type) {
      case 'snapshot': {
        const symbol = str(m, 'product_id');
        const inst = this.instrument(symbol);
        const side = (name: string): Array<[number, number]> =>
          arr(m[name], name).map((r) => {
            const e = arr(r, name);
            return [priceTicks(e[0], inst), sizeLots(e[1], inst)] as [number, number];
          });
        out.push({
          kind: 'l2-snapshot',
          symbol,
          snapshot: { seq: 0, ts: isoMs(m.time, recvMs), bids: side('bids'), asks: side('asks') },
        });
        return;
      }
      case 'l2update': {
        const symbol = str(m, 'product_id');
        const inst = this.instrument(symbol);
        const levels: L2Level[] = arr(m.changes, 'changes').map((c) => {
          const e = arr(c, 'change');
          return { side: sideOf(e[0]), price: priceTicks(e[1], inst), size: sizeLots(e[2], inst) };
        });
        out.push({
          kind: 'l2',
          symbol,
          update: { type: 'l2', firstSeq: 0, lastSeq: 0, levels, ts: isoMs(m.time, recvMs) },
        });
        return;
      }
      case 'match':
      case 'last_match':
        out.push(coinbaseTrade(m, this.instrument(str(m, 'product_id')), recvMs));
        return;
      case 'subscriptions':
      case 'heartbeat':
      case 'ticker':
        out.push({
          kind: 'control',
          what: type,
          ...(typeof m.product_id === 'string' ? { symbol: m.product_id } : {}),
        });
        return;
      case 'error':
        throw dgError('DG_E_BAD_MESSAGE', `venue error ${String(m.message).slice(0, 80)}`);
      default:
        throw dgError('DG_E_UNKNOWN_MESSAGE', `type ${type.slice(0, 32)}`);
    }
  }
}

/** A Coinbase match as a trade print: the wire `side` is the maker's, the taker is the other. */
export function coinbaseTrade(m: JsonObject, inst: Instrument, recvMs: number): FeedEvent {
  const makerSide: Side = sideOf(m.side);
  return {
    kind: 'trade',
    symbol: str(m, 'product_id'),
    trade: {
      type: 'trade',
      ...(m.sequence === undefined ? {} : { seq: seqNum(m.sequence, 'sequence') }),
      tradeId: String(seqNum(m.trade_id, 'trade_id')),
      price: priceTicks(m.price, inst),
      size: sizeLots(m.size, inst),
      takerSide: makerSide === 0 ? 1 : 0,
      ts: isoMs(m.time, recvMs),
    },
  };
}

/** Every price/size string of a Coinbase frame (grid derivation for captures). */
export function scanCoinbase(msg: Json, sink: DecimalSink): void {
  if (!isObject(msg) || typeof msg.product_id !== 'string') return;
  const sym = msg.product_id;
  const pair = (p: Json | undefined, s: Json | undefined): void => {
    if (typeof p === 'string') sink(sym, 'price', p);
    if (typeof s === 'string') sink(sym, 'size', s);
  };
  switch (msg.type) {
    case 'snapshot':
      for (const k of ['bids', 'asks']) {
        const rows = msg[k];
        if (Array.isArray(rows)) for (const r of rows) if (Array.isArray(r)) pair(r[0], r[1]);
      }
      break;
    case 'l2update':
      if (Array.isArray(msg.changes)) for (const c of msg.changes) if (Array.isArray(c)) pair(c[1], c[2]);
      break;
    case 'match':
    case 'last_match':
    case 'open':
    case 'received':
      pair(msg.price, msg.size ?? msg.remaining_size);
      break;
    case 'change':
      pair(msg.price, msg.new_size);
      break;
  }
}
