/**
 * `/market/level2:{symbol}` — L2 increments, one frame per engine L3 sequence, so the stream is
 * contiguous (sequenceStart = previous sequenceEnd + 1) as KuCoin's is. A sequence that moves no
 * level carries KuCoin's placeholder change ["0","0","<seq>"] (price 0: skip, keep the sequence).
 * Real frame (data/cryptofeed KUCOIN capture):
 *   {"data":{"sequenceStart":1613277183874,"symbol":"BCHSV-USDT","changes":{"asks":[["0","0",
 *    "1613277183874"]],"bids":[]},"sequenceEnd":1613277183874},"subject":"trade.l2update",
 *    "topic":"/market/level2:BCHSV-USDT","type":"message"}
 * Changes are [price, new total size ("0" removes), sequence] as strings.
 */
import type { SimMessage } from '../../engine-types.js';
import type { SimEnginePort } from '../engine-port.js';
import { publicKey, type FramePublisher, type TopicFamily } from './family.js';

export const LEVEL2_PREFIX = '/market/level2';

interface Pending {
  readonly seq: number;
  readonly ts: number;
  readonly asks: string[][];
  readonly bids: string[][];
}

export class Level2Topic implements TopicFamily {
  readonly prefix = LEVEL2_PREFIX;
  readonly private = false;
  private readonly pending = new Map<string, Pending>();
  private flushScheduled = false;
  private out: FramePublisher | undefined;

  constructor(private readonly engine: SimEnginePort) {}

  onMessage(m: SimMessage, out: FramePublisher): void {
    if (m.type !== 'l3' && m.type !== 'l2') return;
    const key = publicKey(this.prefix, m.symbol);
    if (!out.has(key)) {
      this.pending.delete(m.symbol);
      return;
    }
    this.out = out;
    if (m.type === 'l3') {
      this.flushSymbol(m.symbol);
      this.pending.set(m.symbol, { seq: m.event.seq, ts: m.event.ts, asks: [], bids: [] });
    } else {
      let p = this.pending.get(m.symbol);
      if (!p || p.seq !== m.seq) {
        this.flushSymbol(m.symbol);
        p = { seq: m.seq, ts: m.ts, asks: [], bids: [] };
        this.pending.set(m.symbol, p);
      }
      const row = [this.engine.formatPrice(m.symbol, m.price), this.engine.formatSize(m.symbol, m.size), String(m.seq)];
      (m.side === 0 ? p.bids : p.asks).push(row);
    }
    if (!this.flushScheduled) {
      this.flushScheduled = true;
      queueMicrotask(() => this.flushAll());
    }
  }

  private flushAll(): void {
    this.flushScheduled = false;
    for (const symbol of [...this.pending.keys()]) this.flushSymbol(symbol);
  }

  private flushSymbol(symbol: string): void {
    const p = this.pending.get(symbol);
    if (!p || !this.out) return;
    this.pending.delete(symbol);
    const asks = p.asks.length === 0 && p.bids.length === 0 ? [['0', '0', String(p.seq)]] : p.asks;
    this.out.publish(publicKey(this.prefix, symbol), {
      type: 'message',
      topic: publicKey(this.prefix, symbol),
      subject: 'trade.l2update',
      data: {
        changes: { asks, bids: p.bids },
        sequenceEnd: p.seq,
        sequenceStart: p.seq,
        symbol,
        time: p.ts,
      },
    });
  }
}
