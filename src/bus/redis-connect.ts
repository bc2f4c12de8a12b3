/** Open an ioredis connection and wait until it answers, or fail with DG_E_BUS_UNAVAILABLE. */
import { Redis } from 'ioredis';
import { dgError } from '../core/errors.js';

export const DEFAULT_REDIS_URL = 'redis://127.0.0.1:6379';

export async function openRedis(url: string = DEFAULT_REDIS_URL, name = 'deskgate'): Promise<Redis> {
  const r = new Redis(url, {
    connectionName: name,
    lazyConnect: true,
    connectTimeout: 3000,
    maxRetriesPerRequest: 3,
    enableAutoPipelining: false,
  });
  r.on('error', () => undefined); // surfaced through failed commands; never an unhandled 'error' event
  try {
    await r.connect();
    await r.ping();
  } catch (e) {
    r.disconnect();
    throw dgError('DG_E_BUS_UNAVAILABLE', `redis: ${e instanceof Error ? e.message : String(e)}`);
  }
  return r;
}
