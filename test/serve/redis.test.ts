/**
 * Two sim venues in one config on the Redis bus (the Redis server on this machine): FMZ serves both
 * by path, each has its own journal; an API order's kernel events are on `deskgate:<gw>:evt:order`;
 * the L3 RPC writes its discovery key `kumexMarket:rpcKey:BTC-USDT:<rpckey>` = its port.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';
import { startServe } from '../../src/gateway/serve/serve.js';
import { fmz, removeTempDirs, restingBid, tempDir, testConfig, until } from './support.js';

afterAll(() => removeTempDirs());

describe('serve with several venues on the Redis bus', () => {
  it('FMZ per venue path, kernel events on Redis, L3 RPC discovery key', async () => {
    const tag = `${process.pid.toString(36)}${Date.now().toString(36)}`.slice(-10);
    const a = `sa${tag}`;
    const b = `sb${tag}`;
    const rpckey = `k${tag}`;
    const dir = tempDir('redis');
    const sub = new Redis({ host: '127.0.0.1', port: 6379, lazyConnect: true, maxRetriesPerRequest: 1 });
    const kv = new Redis({ host: '127.0.0.1', port: 6379, lazyConnect: true, maxRetriesPerRequest: 1 });
    await sub.connect();
    await kv.connect();
    const events: { strategy?: string; state?: string }[] = [];
    await sub.subscribe(`deskgate:${a}:evt:order`);
    sub.on('message', (_ch: string, text: string) => {
      const m = JSON.parse(text) as { data?: { strategy?: string; state?: string } };
      events.push(m.data ?? {});
    });
    const h = await startServe({
      config: testConfig(dir, {
        bus: 'redis',
        venues: [
          { type: 'sim', name: a, ratePerSec: 40, seed: 7 },
          { type: 'sim', name: b, ratePerSec: 20, seed: 8, symbols: ['ETH-USDT'] },
        ],
        listeners: {
          fmz: { port: 0 },
          dealer: { enabled: false },
          l3rpc: { port: 0, rpckey },
          http: { enabled: false },
        },
        metrics: false,
      }),
      print: () => undefined,
    });
    try {
      expect(existsSync(join(dir, `${a}.journal`))).toBe(true);
      expect(existsSync(join(dir, `${b}.journal`))).toBe(true);
      const fmzLine = h.listeners.find((l) => l.name === 'fmz');
      const base = (fmzLine?.url ?? '').replace(/\/[^/]+$/, '');
      const eth = await fmz(`${base}/${b}`, 'ticker', { symbol: 'ETH_USDT' });
      expect(eth.error).toBeUndefined();
      const noBtcOnB = await fmz(`${base}/${b}`, 'ticker', { symbol: 'BTC_USDT' });
      expect(noBtcOnB.error).toMatch(/DG_E_UNKNOWN_INSTRUMENT/);

      const price = await restingBid(`${base}/${a}`, 'BTC_USDT');
      const t = await fmz(`${base}/${a}`, 'trade', { symbol: 'BTC_USDT', type: 'buy', price, amount: '0.001' });
      expect(t.error).toBeUndefined();
      await until(
        () => (events.some((e) => e.strategy === 'api' && e.state === 'open') ? true : undefined),
        5000,
        'order event on Redis',
      );

      const rpc = h.listeners.find((l) => l.name === 'l3rpc');
      expect(await kv.get(`kumexMarket:rpcKey:BTC-USDT:${rpckey}`)).toBe(String(rpc?.port));
    } finally {
      await h.close();
      await kv.del(`kumexMarket:rpcKey:BTC-USDT:${rpckey}`);
      sub.disconnect();
      kv.disconnect();
    }
  }, 60_000);
});
