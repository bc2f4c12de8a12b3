/**
 * Coinbase Exchange `full` channel (order-by-order, "level 3") and its REST snapshot.
 *
 * Wire (shapes from the Coinbase Exchange WebSocket docs, "Full channel"; ids shortened):
 *   {"type":"received","time":"2014-11-07T08:19:27.028459Z","product_id":"BTC-USD","sequence":10,
 *    "order_id":"d50ec984-…","size":"1.34","price":"502.1","side":"buy","order_type":"limit",
 *    "client_oid":"…"}                                        (market orders: funds, no price)
 *   {"type":"open","time":"…","product_id":"BTC-USD","sequence":10,"order_id":"d50ec984-…",
 *    "price":"200.2","remaining_size":"1.00","side":"sell"}
 *   {"type":"done","time":"…","product_id":"BTC-USD","sequence":10,"price":"200.2",
 *    "order_id":"d50ec984-…","reason":"filled","side":"sell","remaining_size":"0"}
 *   {"type":"match","trade_id":10,"sequence":50,"maker_order_id":"ac928c66-…",
 *    "taker_order_id":"132fb6ae-…","time":"…","product_id":"BTC-USD","size":"5.23512",
 *    "price":"400.23","side":"sell"}                 ← `side` is the MAKER's side (not the taker's)
 *   {"type":"change","time":"…","sequence":80,"order_id":"ac928c66-…","product_id":"BTC-USD",
 *    "new_size":"5.23512","old_size":"12.234412","price":"400.23","side":"sell"}
 *                          (new_funds/old_funds for market orders: not on the book ⇒ no-op)
 *   {"type":"activate","product_id":"BTC-USD","timestamp":"1483736448.299000","order_id":"…",
 *    "stop_type":"entry","side":"buy","stop_price":"80","size":"2","funds":"50",…}
 * `sequence` is per product and increases by exactly 1 per message (BookSync policy
 * POLICIES.coinbaseFull, with l3Target option ignoreUnknownChange: a change may name an order
 * that was received but never opened).
 *
 * REST snapshot: GET /products/{id}/book?level=3 →
 *   {"sequence":3,"bids":[["295.96","0.05","3b0f1225-7f84-490b-a29f-0faef9de823a"]],"asks":[…]}
 * bids high→low, asks low→high, FIFO within a price as listed.
 */
import { dgError } from '../core/errors.js';
import type { L3Event, L3Snapshot, L3SnapshotOrder } from '../core/events.js';
import type { Instrument } from '../core/instrument.js';
import { coinbaseTrade } from './coinbase-level2.js';
import { BaseDecoder } from './decoder-base.js';
import type { FeedEvent, InstrumentLookup } from './feed-event.js';
import {
  arr,
  isObject,
  isoMs,
  obj,
  optStr,
  parseFrame,
  priceTicks,
  seqNum,
  sideOf,
  sizeLots,
  str,
  type Json,
} from './wire-fields.js';

export class CoinbaseFullDecoder extends BaseDecoder {
  constructor(lookup: InstrumentLookup) {
    super('coinbase', lookup);
  }

  protected symbolHint(msg: Json): string | undefined {
    return isObject(msg) && typeof msg.product_id === 'string' ? msg.product_id : undefined;
  }

  protected decodeMessage(msg: Json, recvMs: number, out: FeedEvent[]): void {
    const m = obj(msg, 'frame');
    const type = str(m, 'type');
    if (type === 'subscriptions' || type === 'heartbeat' || type === 'ticker') {
      out.push({ kind: 'control', what: type });
      return;
    }
    if (type === 'error') throw dgError('DG_E_BAD_MESSAGE', `venue error ${String(m.message).slice(0, 80)}`);
    const symbol = str(m, 'product_id');
    const inst = this.instrument(symbol);
    const ts = isoMs(m.time, recvMs);
    let e: L3Event;
    switch (type) {
      case 'received': {
        const clientOid = optStr(m, 'client_oid');
        e = {
          type: 'received',
          seq: seqNum(m.sequence, 'sequence'),
          orderId: str(m, 'order_id'),
          ...(clientOid ? { clientOid } : {}),
          ts,
        };
        break;
      }
      case 'open':
        e = {
          type: 'open',
          seq: seqNum(m.sequence, 'sequence'),
          orderId: str(m, 'order_id'),
          side: sideOf(m.side),
          price: priceTicks(m.price, inst),
          size: positive(sizeLots(m.remaining_size, inst), 'remaining_size'),
          ts,
        };
        break;
      case 'done': {
        const reason = m.reason;
        if (reason !== 'filled' && reason !== 'canceled')
          throw dgError('DG_E_BAD_MESSAGE', `done reason ${String(reason).slice(0, 16)}`);
        e = { type: 'done', seq: seqNum(m.sequence, 'sequence'), orderId: str(m, 'order_id'), reason, ts };
        break;
      }
      case 'match': {
        const makerSide = sideOf(m.side);
        e = {
          type: 'match',
          seq: seqNum(m.sequence, 'sequence'),
          makerOrderId: str(m, 'maker_order_id'),
          takerOrderId: str(m, 'taker_order_id'),
          price: priceTicks(m.price, inst),
          size: positive(sizeLots(m.size, inst), 'size'),
          takerSide: makerSide === 0 ? 1 : 0,
          tradeId: String(seqNum(m.trade_id, 'trade_id')),
          ts,
        };
        out.push({ kind: 'l3', symbol, event: e });
        out.push(coinbaseTrade(m, inst, recvMs));
        return;
      }
      case 'change':
        if (m.new_size === undefined) {
          e = { type: 'noop', seq: seqNum(m.sequence, 'sequence'), ts }; // funds change of a market order
        } else {
          e = {
            type: 'change',
            seq: seqNum(m.sequence, 'sequence'),
            orderId: str(m, 'order_id'),
            size: sizeLots(m.new_size, inst),
            ts,
          };
        }
        break;
      case 'activate':
        // Stop orders becoming active: no book change. Sequenced only if the frame says so.
        if (m.sequence === undefined) {
          out.push({ kind: 'control', what: 'activate', symbol });
          return;
        }
        e = { type: 'noop', seq: seqNum(m.sequence, 'sequence'), ts };
        break;
      default:
        throw dgError('DG_E_UNKNOWN_MESSAGE', `type ${type.slice(0, 32)}`);
    }
    out.push({ kind: 'l3', symbol, event: e });
  }
}

function positive(lots: number, what: string): number {
  if (lots <= 0) throw dgError('DG_E_BAD_SIZE', `${what} must be > 0`);
  return lots;
}

/** Decode GET /products/{id}/book?level=3. Throws DeskgateError on bad input. */
export function decodeCoinbaseL3Snapshot(body: string | Json, inst: Instrument, ts = 0): L3Snapshot {
  const m = obj(typeof body === 'string' ? parseFrame(body) : body, 'reply');
  if (typeof m.message === 'string') throw dgError('DG_E_BAD_MESSAGE', `venue error ${m.message.slice(0, 80)}`);
  const side = (name: string): L3SnapshotOrder[] =>
    arr(m[name], name).map((r) => {
      const e = arr(r, name);
      if (typeof e[2] !== 'string' || e[2].length === 0) throw dgError('DG_E_BAD_MESSAGE', 'order id');
      return { orderId: e[2], price: priceTicks(e[0], inst), size: positive(sizeLots(e[1], inst), 'size'), ts };
    });
  return { seq: seqNum(m.sequence, 'sequence'), ts, bids: side('bids'), asks: side('asks') };
}
