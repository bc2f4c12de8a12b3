/**
 * `/spotMarket/level3:{symbol}` — KuCoin L3 v2 ("full match engine data"), spec S3:
 *   {"type":"message","topic":"/spotMarket/level3:BTC-USDT","subject":"open","data":{"symbol":
 *    "BTC-USDT","sequence":1545896669100,"side":"sell","orderId":"…","price":"6983","size":"0.1",
 *    "orderTime":1547697294838004923,"ts":1547697294838004923}}
 * received {orderId, clientOid} · open {side, orderId, price, size, orderTime} · update {orderId,
 * size (new)} · match {side (taker), price, size (traded), remainSize (maker), takerOrderId,
 * makerOrderId, tradeId} · done {orderId, reason}. `sequence` is a number, `ts`/`orderTime` ns.
 */
import type { SimMessage } from '../../engine-types.js';
import type { SimEnginePort } from '../engine-port.js';
import { nsNumber } from '../wire-format.js';
import { publicKey, type FramePublisher, type TopicFamily } from './family.js';

export const LEVEL3_PREFIX = '/spotMarket/level3';

export class Level3Topic implements TopicFamily {
  readonly prefix = LEVEL3_PREFIX;
  readonly private = false;

  constructor(private readonly engine: SimEnginePort) {}

  onMessage(m: SimMessage, out: FramePublisher): void {
    if (m.type !== 'l3') return;
    const key = publicKey(this.prefix, m.symbol);
    if (!out.has(key)) return;
    const e = m.event;
    const s = m.symbol;
    const en = this.engine;
    let subject: string;
    let data: Record<string, unknown>;
    switch (e.type) {
      case 'received':
        subject = 'received';
        data = { symbol: s, sequence: e.seq, orderId: e.orderId, clientOid: e.clientOid ?? '', ts: nsNumber(e.ts) };
        break;
      case 'open':
        subject = 'open';
        data = {
          symbol: s,
          sequence: e.seq,
          side: e.side === 0 ? 'buy' : 'sell',
          orderId: e.orderId,
          price: en.formatPrice(s, e.price),
          size: en.formatSize(s, e.size),
          orderTime: nsNumber(e.ts),
          ts: nsNumber(e.ts),
        };
        break;
      case 'change':
        subject = 'update';
        data = { symbol: s, sequence: e.seq, orderId: e.orderId, size: en.formatSize(s, e.size), ts: nsNumber(e.ts) };
        break;
      case 'match':
        subject = 'match';
        data = {
          symbol: s,
          sequence: e.seq,
          side: e.takerSide === 0 ? 'buy' : 'sell',
          price: en.formatPrice(s, e.price),
          size: en.formatSize(s, e.size),
          remainSize: en.formatSize(s, e.remaining ?? 0),
          takerOrderId: e.takerOrderId,
          makerOrderId: e.makerOrderId,
          tradeId: e.tradeId ?? String(e.seq),
          ts: nsNumber(e.ts),
        };
        break;
      case 'done':
        subject = 'done';
        data = { symbol: s, sequence: e.seq, reason: e.reason, orderId: e.orderId, ts: nsNumber(e.ts) };
        break;
      default:
        return;
    }
    out.publish(key, { type: 'message', topic: key, subject, data });
  }
}
