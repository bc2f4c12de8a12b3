/**
 * `/spotMarket/level3:{symbol}` — KuCoin L3 v2 ("full match engine data"), spec S3:
 *   {"type":"message","topic":"/spotMarket/level3:BTC-USDT","subject":"open","data":{"symbol":
 *    "BTC-USDT","sequence":1545896669100,"side":"sell","orderId":"…","price":"6983","size":"0.1",
 *    "orderTime":1547697294838004923,"ts":1547697294838004923}}
 * received {orderId, clientOid} · open {side, orderId, price, size, orderTime} · update {orderId,
 * size (new)} · match {side (taker), price, size (traded), remainSize (maker), takerOrderId,
 * makerOrderId, tradeId} · done {orderId, reason}. `sequence` is a number, `ts`/`orderTime` ns.
 *
 * level3Message is the one formatter of these frames: this topic and the KuCoin L3 RPC fan-out
 * (src/api/l3rpc/l3-frame.ts) both use it and differ only in how the ns time is written (here a
 * mid-millisecond JSON number that ccxt reads; there the exact digits).
 */
import { fromUnits } from '../../../../core/decimal.js';
import type { L3Event } from '../../../../core/events.js';
import type { Instrument } from '../../../../core/instrument.js';
import type { SimMessage } from '../../engine-types.js';
import type { SimEnginePort } from '../engine-port.js';
import { nsNumber } from '../wire-format.js';
import { publicKey, type FramePublisher, type TopicFamily } from './family.js';

export const LEVEL3_PREFIX = '/spotMarket/level3';

export type Level3Subject = 'received' | 'open' | 'update' | 'match' | 'done';

/** A frame's `subject` and `data` (members in KuCoin's order); `T` is how the ns time is held. */
export interface Level3Message<T> {
  readonly subject: Level3Subject;
  readonly data: Readonly<Record<string, string | number | T>>;
}

/**
 * The KuCoin v2 `subject` and `data` of one event (symbol = `inst.native`, prices and sizes as
 * exact decimal strings on the instrument's grid), or undefined for events KuCoin does not send
 * (noop). `ts` turns the event time (clock ms) into the value written for `ts` and `orderTime`.
 */
export function level3Message<T>(inst: Instrument, e: L3Event, ts: (ms: number) => T): Level3Message<T> | undefined {
  const s = inst.native;
  switch (e.type) {
    case 'received':
      return {
        subject: 'received',
        data: { symbol: s, sequence: e.seq, orderId: e.orderId, clientOid: e.clientOid ?? '', ts: ts(e.ts) },
      };
    case 'open': {
      const t = ts(e.ts);
      return {
        subject: 'open',
        data: {
          symbol: s,
          sequence: e.seq,
          side: e.side === 0 ? 'buy' : 'sell',
          orderId: e.orderId,
          price: fromUnits(e.price, inst.price),
          size: fromUnits(e.size, inst.size),
          orderTime: t,
          ts: t,
        },
      };
    }
    case 'change':
      return {
        subject: 'update',
        data: { symbol: s, sequence: e.seq, orderId: e.orderId, size: fromUnits(e.size, inst.size), ts: ts(e.ts) },
      };
    case 'match':
      return {
        subject: 'match',
        data: {
          symbol: s,
          sequence: e.seq,
          side: e.takerSide === 0 ? 'buy' : 'sell',
          price: fromUnits(e.price, inst.price),
          size: fromUnits(e.size, inst.size),
          remainSize: fromUnits(e.remaining ?? 0, inst.size),
          takerOrderId: e.takerOrderId,
          makerOrderId: e.makerOrderId,
          tradeId: e.tradeId ?? String(e.seq),
          ts: ts(e.ts),
        },
      };
    case 'done':
      return {
        subject: 'done',
        data: { symbol: s, sequence: e.seq, reason: e.reason, orderId: e.orderId, ts: ts(e.ts) },
      };
    default:
      return undefined;
  }
}

export class Level3Topic implements TopicFamily {
  readonly prefix = LEVEL3_PREFIX;
  readonly private = false;

  constructor(private readonly engine: SimEnginePort) {}

  onMessage(m: SimMessage, out: FramePublisher): void {
    if (m.type !== 'l3') return;
    const key = publicKey(this.prefix, m.symbol);
    if (!out.has(key)) return;
    const inst = this.engine.market(m.symbol)?.instrument;
    const msg = inst && level3Message(inst, m.event, nsNumber);
    if (!msg) return;
    out.publish(key, { type: 'message', topic: key, subject: msg.subject, data: msg.data });
  }
}
