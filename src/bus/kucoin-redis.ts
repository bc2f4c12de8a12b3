/**
 * KuCoin level3-SDK compatibility on Redis (S3.7): whole feed frames PUBLISHed on arbitrary
 * channels registered per clientOid, and the discovery key
 * `kumexMarket:rpcKey:{symbol}:{rpckey}` = RPC port.
 */
import type { Redis } from 'ioredis';
import { dgError } from '../core/errors.js';

const CHANNEL = /^[\x21-\x7e]{1,256}$/; // printable ASCII, no spaces
const PART = /^[A-Za-z0-9_.-]{1,64}$/;

export function rpcKeyName(symbol: string, rpckey: string): string {
  if (!PART.test(symbol) || !PART.test(rpckey)) throw dgError('DG_E_BUS_BAD_NAME', 'symbol or rpckey');
  return `kumexMarket:rpcKey:${symbol}:${rpckey}`;
}

/** SET the discovery key to the port (with an optional expiry the daemon refreshes). */
export async function registerRpcKey(
  redis: Redis,
  symbol: string,
  rpckey: string,
  port: number,
  ttlSeconds?: number,
): Promise<void> {
  if (!Number.isInteger(port) || port < 1 || port > 65535) throw dgError('DG_E_BAD_INPUT', 'port');
  const key = rpcKeyName(symbol, rpckey);
  if (ttlSeconds !== undefined) await redis.set(key, String(port), 'EX', ttlSeconds);
  else await redis.set(key, String(port));
}

export async function unregisterRpcKey(redis: Redis, symbol: string, rpckey: string): Promise<void> {
  await redis.del(rpcKeyName(symbol, rpckey));
}

/** PUBLISH a whole frame (string as received, or an object serialised) to each channel. Returns receivers per channel. */
export async function publishFrame(
  redis: Redis,
  channels: readonly string[],
  frame: string | object,
): Promise<number[]> {
  for (const c of channels)
    if (!CHANNEL.test(c)) throw dgError('DG_E_BUS_BAD_NAME', `channel ${JSON.stringify(c.slice(0, 40))}`);
  const text = typeof frame === 'string' ? frame : JSON.stringify(frame);
  return Promise.all(channels.map((c) => redis.publish(c, text)));
}
