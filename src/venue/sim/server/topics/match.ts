/**
 * `/market/match:{symbol}` — public trades. Real frame (KuCoin capture):
 *   {"data":{"symbol":"DAPPT-BTC","sequence":"1612701563869","side":"buy","size":"81.8814","price":
 *    "0.0000001117","takerOrderId":"6085c0…","time":"1619378327739050725","type":"match","makerOrderId":
 *    "6085c0…","tradeId":"6085c0…"},"subject":"trade.l3match","topic":"/market/match:DAPPT-BTC","type":"message"}
 */
import type { SimMessage } from '../../engine-types.js';
import type { SimEnginePort } from '../engine-port.js';
import { nsText } from '../wire-format.js';
import { publicKey, type FramePublisher, type TopicFamily } from './family.js';

export const MATCH_PREFIX = '/market/match';

export class MatchTopic implements TopicFamily {
  readonly prefix = MATCH_PREFIX;
  readonly private = false;

  constructor(private readonly engine: SimEnginePort) {}

  onMessage(m: SimMessage, out: FramePublisher): void {
    if (m.type !== 'trade') return;
    const key = publicKey(this.prefix, m.symbol);
    if (!out.has(key)) return;
    out.publish(key, {
      type: 'message',
      topic: key,
      subject: 'trade.l3match',
      data: {
        symbol: m.symbol,
        sequence: String(m.seq),
        side: m.takerSide === 0 ? 'buy' : 'sell',
        size: this.engine.formatSize(m.symbol, m.size),
        price: this.engine.formatPrice(m.symbol, m.price),
        takerOrderId: m.takerOrderId,
        time: nsText(m.ts),
        type: 'match',
        makerOrderId: m.makerOrderId,
        tradeId: m.tradeId,
      },
    });
  }
}
