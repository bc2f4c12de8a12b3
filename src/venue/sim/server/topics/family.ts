/**
 * A WebSocket topic family: which topic prefix it serves, whether it is private, and how engine
 * messages become KuCoin frames. Each family lives in its own file (level2, level3, match,
 * ticker, orders, balance) and publishes to channel keys:
 *   public  `${prefix}:${symbol}`   (a subscription to `${prefix}:A,B` joins both keys)
 *   private `${prefix}#${accountId}`
 */
import type { SimMessage } from '../../engine-types.js';

export interface FramePublisher {
  /** True when at least one connection listens on the key (skip building frames otherwise). */
  has(key: string): boolean;
  publish(key: string, frame: Record<string, unknown>): void;
}

export interface TopicFamily {
  readonly prefix: string;
  readonly private: boolean;
  /** Public families: whether `${prefix}:all` is accepted. */
  readonly allowAll?: boolean;
  onMessage(m: SimMessage, out: FramePublisher): void;
}

export function publicKey(prefix: string, symbol: string): string {
  return `${prefix}:${symbol}`;
}

export function privateKey(prefix: string, accountId: string): string {
  return `${prefix}#${accountId}`;
}
