/**
 * Private order changes for the token's account:
 * `/spotMarket/tradeOrders` (what ccxt.pro watchOrders uses) and `/spotMarket/tradeOrdersV2`
 * (adds type `received` with status `new`). Real frame (KuCoin docs):
 *   {"type":"message","topic":"/spotMarket/tradeOrders","subject":"orderChange","channelType":"private",
 *    "data":{"symbol":"KCS-USDT","orderType":"limit","side":"sell","orderId":"5efab0…","liquidity":"taker",
 *    "type":"match","feeType":"takerFee","orderTime":1670329987026,"size":"0.1","filledSize":"0.1",
 *    "price":"0.938","matchPrice":"0.96738","matchSize":"0.1","tradeId":"5efab0…","clientOid":"…",
 *    "remainSize":"0","status":"match","ts":1670329987311000000}}
 * type: received | open | match | update | filled | canceled; status: new | open | match | done.
 */
import type { SimMessage, SimOrderMessage } from '../../engine-types.js';
import type { SimEnginePort } from '../engine-port.js';
import { nsNumber } from '../wire-format.js';
import { privateKey, type FramePublisher, type TopicFamily } from './family.js';

export const ORDERS_PREFIX = '/spotMarket/tradeOrders';
export const ORDERS_V2_PREFIX = '/spotMarket/tradeOrdersV2';

function status(m: SimOrderMessage): string {
  if (m.order.status === 'done') return 'done';
  if (m.changeType === 'received') return 'new';
  if (m.changeType === 'match' && m.liquidity === 'taker') return 'match';
  return 'open';
}

export function orderChangeData(engine: SimEnginePort, m: SimOrderMessage): Record<string, unknown> {
  const o = m.order;
  const quote = engine.market(o.symbol)?.quote ?? 'USDT';
  const data: Record<string, unknown> = {
    symbol: o.symbol,
    orderType: o.type,
    side: o.side,
    orderId: o.orderId,
    type: m.changeType,
    orderTime: nsNumber(o.createdAt),
    size: engine.formatSize(o.symbol, o.size),
    filledSize: engine.formatSize(o.symbol, o.filledSize),
    remainSize: engine.formatSize(o.symbol, o.remainSize),
    clientOid: o.clientOid ?? '',
    status: status(m),
    ts: nsNumber(m.ts),
  };
  if (o.type === 'limit') data.price = engine.formatPrice(o.symbol, o.price);
  if (o.funds > 0) data.funds = engine.formatAmount(quote, o.funds);
  if (m.changeType === 'match' && m.matchPrice !== undefined && m.matchSize !== undefined) {
    data.liquidity = m.liquidity;
    data.feeType = m.liquidity === 'maker' ? 'makerFee' : 'takerFee';
    data.matchPrice = engine.formatPrice(o.symbol, m.matchPrice);
    data.matchSize = engine.formatSize(o.symbol, m.matchSize);
    data.tradeId = m.tradeId;
  }
  if (m.changeType === 'update' && m.oldSize !== undefined) data.oldSize = engine.formatSize(o.symbol, m.oldSize);
  return data;
}

abstract class OrdersBase implements TopicFamily {
  abstract readonly prefix: string;
  readonly private = true;
  protected abstract readonly withReceived: boolean;

  constructor(private readonly engine: SimEnginePort) {}

  onMessage(m: SimMessage, out: FramePublisher): void {
    if (m.type !== 'order') return;
    if (m.changeType === 'received' && !this.withReceived) return;
    const key = privateKey(this.prefix, m.account);
    if (!out.has(key)) return;
    out.publish(key, {
      type: 'message',
      topic: this.prefix,
      userId: m.account,
      channelType: 'private',
      subject: 'orderChange',
      data: orderChangeData(this.engine, m),
    });
  }
}

export class OrdersTopic extends OrdersBase {
  readonly prefix = ORDERS_PREFIX;
  protected readonly withReceived = false;
}

export class OrdersV2Topic extends OrdersBase {
  readonly prefix = ORDERS_V2_PREFIX;
  protected readonly withReceived = true;
}
