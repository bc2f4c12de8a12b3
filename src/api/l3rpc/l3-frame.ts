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
 * are nanoseconds, written as bare JSON integers (ms × 10⁶ exceeds 2⁵³, so the time is held as a
 * RawInteger and the frame serialised by toJsonText, not JSON.stringify).
 *
 * The subject and data come from the sim server's formatter (level3Message,
 * src/venue/sim/server/topics/level3.ts); this file adds only the exact-digits time and the text.
 */
import type { L3Event } from '../../core/events.js';
import type { Instrument } from '../../core/instrument.js';
import { LEVEL3_PREFIX, level3Message, type Level3Subject } from '../../venue/sim/server/topics/level3.js';
import { nanos, type RawInteger } from './rpc-json.js';

export const SPOT_LEVEL3_TOPIC = LEVEL3_PREFIX;

export type L3Subject = Level3Subject;

export interface L3Frame {
  readonly subject: L3Subject;
  /** Order ids the frame concerns (maker and taker for a match). */
  readonly orderIds: readonly string[];
  readonly clientOid: string | undefined;
  /** The whole frame as JSON text. */
  readonly text: string;
}

/** `data` as JSON text: the ns times as bare digits, everything else as JSON.stringify writes it. */
function dataText(data: Readonly<Record<string, string | number | RawInteger>>): string {
  let text = '{';
  let sep = '';
  for (const k in data) {
    const v = data[k];
    const value = typeof v === 'string' ? JSON.stringify(v) : typeof v === 'number' ? String(v) : v.digits;
    text += `${sep}${JSON.stringify(k)}:${value}`;
    sep = ',';
  }
  return `${text}}`;
}

/** The frame of one event, or undefined for events KuCoin does not send (noop). */
export function l3Frame(inst: Instrument, e: L3Event): L3Frame | undefined {
  const m = level3Message(inst, e, nanos);
  if (!m) return undefined;
  const topic = `${SPOT_LEVEL3_TOPIC}:${inst.native}`;
  const text = `{"type":"message","topic":${JSON.stringify(topic)},"subject":"${m.subject}","data":${dataText(m.data)}}`;
  return {
    subject: m.subject,
    orderIds: e.type === 'match' ? [e.makerOrderId, e.takerOrderId] : 'orderId' in e ? [e.orderId] : [],
    clientOid: e.type === 'received' ? e.clientOid : undefined,
    text,
  };
}
