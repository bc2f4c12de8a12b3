/**
 * KuCoin level-3 v2 feed frames rebuilt from deskgate's normalised L3 events, for the SDK's Redis
 * fan-out (S3.7): subscribers of the public kucoin-level3-sdk get the whole frame as KuCoin sends
 * it on `/spotMarket/level3:{symbol}`, e.g.
 *   {"type":"message","topic":"/spotMarket/level3:BTC-USDT","subject":"open","data":{"symbol":
 *    "BTC-USDT","sequence":1545896669100,"side":"sell","orderId":"…","price":"6983","size":"0.1",
 *    "orderTime":1547697294838004923,"ts":1547697294838004923}}
 * received {orderId, clientOid} · open {side, orderId, price, size, orderTime} · update {orderId,
 * size (new)} · match {side (taker), price, size (traded), remainSize (maker), takerOrderId,
 * makerOrderId, tradeId} · done {orderId, reason}. `sequence` is a number; `ts` / `orderTime`
 * are nanoseconds, written as bare JSON integers (ms × 10⁶ exceeds 2⁵³, so the frame is
 * serialised here, not by JSON.stringify of a number).
 */
import { fromUnits } from '../../core/decimal.js';
import type { L3Event } from '../../core/events.js';
import type { Instrument } from '../../core/instrument.js';
import { nanos } from './rpc-json.js';

export const SPOT_LEVEL3_TOPIC = '/spotMarket/level3';

export type L3Subject = 'received' | 'open' | 'update' | 'match' | 'done';

export interface L3Frame {
  readonly subject: L3Subject;
  /** Order ids the frame concerns (maker and taker for a match). */
  readonly orderIds: readonly string[];
  readonly clientOid: string | undefined;
  /** The whole frame as JSON text. */
  readonly text: string;
}

function field(k: string, v: string | number): string {
  return `${JSON.stringify(k)}:${typeof v === 'number' ? String(v) : JSON.stringify(v)}`;
}

function raw(k: string, v: string): string {
  return `${JSON.stringify(k)}:${v}`;
}

/** The frame of one event, or undefined for events KuCoin does not send (noop). */
export function l3Frame(inst: Instrument, e: L3Event): L3Frame | undefined {
  const s = inst.native;
  const topic = `${SPOT_LEVEL3_TOPIC}:${s}`;
  const t = nanos(e.ts).digits;
  let subject: L3Subject;
  let fields: string[];
  let orderIds: string[];
  let clientOid: string | undefined;
  switch (e.type) {
    case 'received':
      subject = 'received';
      orderIds = [e.orderId];
      clientOid = e.clientOid;
      fields = [
        field('symbol', s),
        field('sequence', e.seq),
        field('orderId', e.orderId),
        field('clientOid', e.clientOid ?? ''),
        raw('ts', t),
      ];
      break;
    case 'open':
      subject = 'open';
      orderIds = [e.orderId];
      fields = [
        field('symbol', s),
        field('sequence', e.seq),
        field('side', e.side === 0 ? 'buy' : 'sell'),
        field('orderId', e.orderId),
        field('price', fromUnits(e.price, inst.price)),
        field('size', fromUnits(e.size, inst.size)),
        raw('orderTime', t),
        raw('ts', t),
      ];
      break;
    case 'change':
      subject = 'update';
      orderIds = [e.orderId];
      fields = [
        field('symbol', s),
        field('sequence', e.seq),
        field('orderId', e.orderId),
        field('size', fromUnits(e.size, inst.size)),
        raw('ts', t),
      ];
      break;
    case 'match':
      subject = 'match';
      orderIds = [e.makerOrderId, e.takerOrderId];
      fields = [
        field('symbol', s),
        field('sequence', e.seq),
        field('side', e.takerSide === 0 ? 'buy' : 'sell'),
        field('price', fromUnits(e.price, inst.price)),
        field('size', fromUnits(e.size, inst.size)),
        field('remainSize', fromUnits(e.remaining ?? 0, inst.size)),
        field('takerOrderId', e.takerOrderId),
        field('makerOrderId', e.makerOrderId),
        field('tradeId', e.tradeId ?? String(e.seq)),
        raw('ts', t),
      ];
      break;
    case 'done':
      subject = 'done';
      orderIds = [e.orderId];
      fields = [
        field('symbol', s),
        field('sequence', e.seq),
        field('reason', e.reason),
        field('orderId', e.orderId),
        raw('ts', t),
      ];
      break;
    default:
      return undefined;
  }
  const text = `{"type":"message","topic":${JSON.stringify(topic)},"subject":"${subject}","data":{${fields.join(',')}}}`;
  return { subject, orderIds, clientOid, text };
}
