/**
 * Ticker family, pushed on every trade:
 * `/market/ticker:{symbol}` (and `:all`, where `subject` is the symbol). Real frame (KuCoin capture):
 *   {"data":{"sequence":"1612844051653","bestAsk":"0.00028717","size":"0.01745248","bestBidSize":
 *    "3.70422021","price":"0.00028676","time":1619378326323,"bestAskSize":"14.04274325","bestBid":
 *    "0.00028678"},"subject":"trade.ticker","topic":"/market/ticker:SNX-BTC","type":"message"}
 * `/market/snapshot:{symbol}` (ccxt.pro's default for watchTicker), subject `trade.snapshot`,
 *   data {"sequence", "data": {symbol, buy, sell, high, low, vol, volValue, lastTradedPrice,
 *   changePrice, changeRate, datetime, trading, …}}.
 */
import type { SimMessage, SimTradeMessage } from '../../engine-types.js';
import type { SimEnginePort } from '../engine-port.js';
import { changeRateText } from '../wire-format.js';
import { publicKey, type FramePublisher, type TopicFamily } from './family.js';

export const TICKER_PREFIX = '/market/ticker';
export const SNAPSHOT_PREFIX = '/market/snapshot';

export class TickerTopic implements TopicFamily {
  readonly prefix = TICKER_PREFIX;
  readonly private = false;
  readonly allowAll = true;

  constructor(private readonly engine: SimEnginePort) {}

  onMessage(m: SimMessage, out: FramePublisher): void {
    if (m.type !== 'trade') return;
    const key = publicKey(this.prefix, m.symbol);
    const allKey = publicKey(this.prefix, 'all');
    const one = out.has(key);
    const all = out.has(allKey);
    if (!one && !all) return;
    const data = this.data(m);
    if (one) out.publish(key, { type: 'message', topic: key, subject: 'trade.ticker', data });
    if (all) out.publish(allKey, { type: 'message', topic: allKey, subject: m.symbol, data });
  }

  private data(m: SimTradeMessage): Record<string, unknown> {
    const e = this.engine;
    const t = e.ticker(m.symbol);
    const px = (v: number | undefined) => (v === undefined ? null : e.formatPrice(m.symbol, v));
    return {
      sequence: String(m.seq),
      price: e.formatPrice(m.symbol, m.price),
      size: e.formatSize(m.symbol, m.size),
      bestAsk: px(t.bestAsk),
      bestAskSize: e.formatSize(m.symbol, t.bestAskSize),
      bestBid: px(t.bestBid),
      bestBidSize: e.formatSize(m.symbol, t.bestBidSize),
      time: m.ts,
    };
  }
}

export class SnapshotTopic implements TopicFamily {
  readonly prefix = SNAPSHOT_PREFIX;
  readonly private = false;

  constructor(private readonly engine: SimEnginePort) {}

  onMessage(m: SimMessage, out: FramePublisher): void {
    if (m.type !== 'trade') return;
    const key = publicKey(this.prefix, m.symbol);
    if (!out.has(key)) return;
    const e = this.engine;
    const mk = e.market(m.symbol);
    const t = e.ticker(m.symbol);
    const px = (v: number | undefined) => (v === undefined ? null : e.formatPrice(m.symbol, v));
    const changePrice = t.last !== undefined && t.open24h !== undefined ? t.last - t.open24h : undefined;
    out.publish(key, {
      type: 'message',
      topic: key,
      subject: 'trade.snapshot',
      data: {
        sequence: String(m.seq),
        data: {
          trading: true,
          symbol: m.symbol,
          buy: px(t.bestBid),
          sell: px(t.bestAsk),
          baseCurrency: mk?.base,
          quoteCurrency: mk?.quote,
          market: mk?.quote,
          symbolCode: m.symbol,
          datetime: m.ts,
          high: px(t.high24h),
          low: px(t.low24h),
          vol: e.formatSize(m.symbol, t.volume24h),
          volValue: mk ? e.formatAmount(mk.quote, t.turnover24h) : null,
          lastTradedPrice: px(t.last),
          changePrice: changePrice === undefined ? null : e.formatPrice(m.symbol, changePrice),
          changeRate: t.last === undefined || t.open24h === undefined ? null : changeRateText(t.last, t.open24h),
          open: px(t.open24h),
        },
      },
    });
  }
}
