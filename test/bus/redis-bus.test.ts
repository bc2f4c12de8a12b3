/** Redis-specific behaviour against the real server: raw malformed requests, deadlines, withdrawal on timeout, SDK helpers. */
import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/core/clock.js';
import { publishFrame, registerRpcKey, rpcKeyName, unregisterRpcKey } from '../../src/bus/kucoin-redis.js';
import { redisNames } from '../../src/bus/names.js';
import { RedisBus } from '../../src/bus/redis-bus.js';
import { RedisCommandClient } from '../../src/bus/redis-client.js';
import { openRedis } from '../../src/bus/redis-connect.js';
import { parseReply } from '../../src/bus/wire.js';
import { TestGateway, uniqueGateway } from './test-gateway.js';

const gw = uniqueGateway('redis');
let bus: RedisBus;
let raw: Redis;
let gateway: TestGateway;

beforeAll(async () => {
  bus = await RedisBus.connect({ gateway: gw, replyTtlMs: 5000 });
  gateway = new TestGateway({ usd: 100n });
  await bus.serveCommands(gateway.handler);
  raw = await openRedis();
});
afterAll(async () => {
  await raw.del(redisNames.cmd(gw));
  raw.disconnect();
  await bus.close();
});

async function rawRequest(body: string, replyTo: string): Promise<unknown> {
  await raw.lpush(redisNames.cmd(gw), body);
  const r = await raw.brpop(replyTo, 3);
  if (!r) return undefined;
  return parseReply(r[1]);
}

describe('redis command server hardening', () => {
  it('answers malformed requests that name a reply key, drops the rest, never stops', async () => {
    const replyTo = `deskgate:reply:${randomUUID()}`;
    const before = bus.errors.count();
    await raw.lpush(redisNames.cmd(gw), 'not json at all \u0000\uffff');
    await raw.lpush(redisNames.cmd(gw), '{"v":1,"id":"x","cmd":"allocate"}'); // no replyTo: counted, dropped
    await raw.lpush(redisNames.cmd(gw), JSON.stringify({ v: 1, id: 'y', cmd: 'allocate', replyTo: 'some:other:key' })); // reply key outside the prefix
    await raw.lpush(redisNames.cmd(gw), 'x'.repeat(1024 * 1024 + 1));
    expect(await rawRequest(JSON.stringify({ v: 1, id: 'r1', replyTo }), replyTo)).toMatchObject({
      id: 'r1',
      ok: false,
      code: 'DG_E_BUS_BAD_REQUEST',
    });
    expect(await rawRequest(JSON.stringify({ v: 2, id: 'r2', cmd: 'allocate', replyTo }), replyTo)).toMatchObject({
      ok: false,
      code: 'DG_E_BUS_BAD_REQUEST',
    });
    expect(await raw.exists('some:other:key')).toBe(0);
    expect(bus.errors.count()).toBeGreaterThanOrEqual(before + 5);
    expect(bus.errors.count('DG_E_BUS_TOO_LARGE')).toBe(1);
    // still serving, and the reply key expires
    const ok = await rawRequest(
      JSON.stringify({
        v: 1,
        id: 'r3',
        cmd: 'allocate',
        payload: { strategy: 'a', currency: 'usd', amount: '1', index: 2 },
        replyTo,
      }),
      replyTo,
    );
    expect(ok).toMatchObject({ id: 'r3', ok: true });
    await raw.lpush(redisNames.cmd(gw), JSON.stringify({ v: 1, id: 'r4', cmd: 'nope', replyTo }));
    await new Promise((r) => setTimeout(r, 300));
    const ttl = await raw.pttl(replyTo);
    expect(ttl).toBeGreaterThan(0);
    expect(ttl).toBeLessThanOrEqual(5000);
  });

  it('does not run a command whose deadline passed while it sat in the queue', async () => {
    const replyTo = `deskgate:reply:${randomUUID()}`;
    const r = await rawRequest(
      JSON.stringify({
        v: 1,
        id: 'late',
        cmd: 'allocate',
        payload: { strategy: 'late', currency: 'usd', amount: '1', index: 2 },
        deadline: 1000,
        replyTo,
      }),
      replyTo,
    );
    expect(r).toMatchObject({ ok: false, code: 'DG_E_BUS_EXPIRED' });
    expect(gateway.slots.get('late/usd')).toBeUndefined();
  });

  it('withdraws a timed-out request nobody took, so it can never run later', async () => {
    const idle = uniqueGateway('idle');
    const client = await RedisCommandClient.connect({ clock: new ManualClock(Date.now()) });
    try {
      const r = await client.sendCommand(idle, 'allocate', { x: 1 }, { timeoutMs: 200 });
      expect(r).toMatchObject({ ok: false, code: 'DG_E_BUS_TIMEOUT' });
      expect(r.ok === false && r.message).toContain('never delivered');
      expect(await raw.llen(redisNames.cmd(idle))).toBe(0);
    } finally {
      await client.close();
    }
  });
});

describe('KuCoin SDK compatibility helpers', () => {
  it('sets the discovery key and publishes whole frames on arbitrary channels', async () => {
    const symbol = `BTC-USDT`;
    const rpckey = `k${process.pid}${Math.random().toString(36).slice(2, 6)}`;
    await registerRpcKey(bus.redis, symbol, rpckey, 9090, 30);
    expect(await raw.get(`kumexMarket:rpcKey:${symbol}:${rpckey}`)).toBe('9090');
    expect(rpcKeyName(symbol, rpckey)).toBe(`kumexMarket:rpcKey:BTC-USDT:${rpckey}`);
    await unregisterRpcKey(bus.redis, symbol, rpckey);
    expect(await raw.exists(`kumexMarket:rpcKey:${symbol}:${rpckey}`)).toBe(0);
    await expect(registerRpcKey(bus.redis, 'BTC USDT', rpckey, 9090)).rejects.toMatchObject({
      code: 'DG_E_BUS_BAD_NAME',
    });
    await expect(registerRpcKey(bus.redis, symbol, rpckey, 70000)).rejects.toMatchObject({ code: 'DG_E_BAD_INPUT' });

    const sub = await openRedis();
    const channel = `orders-${rpckey}`;
    const got: string[] = [];
    sub.on('message', (_c: string, m: string) => got.push(m));
    await sub.subscribe(channel);
    const frame =
      '{"type":"message","topic":"/spotMarket/level3:BTC-USDT","subject":"received","data":{"sequence":1,"orderId":"o","clientOid":"c"}}';
    expect(await publishFrame(bus.redis, [channel], frame)).toEqual([1]);
    await publishFrame(bus.redis, [channel], { type: 'message', subject: 'done' });
    for (let i = 0; i < 100 && got.length < 2; i++) await new Promise((r) => setTimeout(r, 10));
    expect(got).toEqual([frame, '{"type":"message","subject":"done"}']);
    sub.disconnect();
    await expect(publishFrame(bus.redis, ['bad channel'], frame)).rejects.toMatchObject({ code: 'DG_E_BUS_BAD_NAME' });
  });
});
