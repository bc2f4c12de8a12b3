/**
 * Redis commands are taken at least once (src/bus/redis-bus.ts): a request moves from the command
 * list into the gateway's processing list and leaves it with its reply; a gateway killed between
 * take and reply leaves it there, and the next server re-handles it before anything new.
 * Real Redis on 127.0.0.1:6379; every gateway name is unique to this run.
 */
import type { ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Redis } from 'ioredis';
import { spawnTakeChild, takenBy } from './take-child.js';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { CommandHandler } from '../../src/bus/commands.js';
import { redisNames } from '../../src/bus/names.js';
import { RedisBus } from '../../src/bus/redis-bus.js';
import { openRedis } from '../../src/bus/redis-connect.js';
import { parseReply, type CommandReply } from '../../src/bus/wire.js';
import { TestGateway, uniqueGateway } from './test-gateway.js';

const CHILD = join(fileURLToPath(new URL('.', import.meta.url)), 'redis-take-child.ts');

let raw: Redis;
const gateways: string[] = [];
const cleanup: Array<() => Promise<void>> = [];
const children: ChildProcess[] = [];

beforeAll(async () => {
  raw = await openRedis();
});
afterEach(async () => {
  while (cleanup.length) await cleanup.pop()!();
});
afterAll(async () => {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  for (const g of gateways) await raw.del(redisNames.cmd(g), redisNames.cmdProcessing(g));
  raw.disconnect();
});

function gatewayName(tag: string): string {
  const g = uniqueGateway(tag);
  gateways.push(g);
  return g;
}

function request(cmd: string, payload: unknown, replyTo: string, extra: Record<string, unknown> = {}) {
  const id = randomUUID();
  return { id, json: JSON.stringify({ v: 1, id, cmd, payload, replyTo, ...extra }) };
}

const allocate = (strategy: string) => ({ strategy, currency: 'usd', amount: '5', index: 2 });

async function serve(gateway: string, handler: CommandHandler): Promise<RedisBus> {
  const bus = await RedisBus.connect({ gateway, replyTtlMs: 5000 });
  const sub = await bus.serveCommands(handler);
  cleanup.push(async () => {
    await sub.close();
    await bus.close();
  });
  return bus;
}

async function replies(replyTo: string, n: number): Promise<CommandReply[]> {
  const out: CommandReply[] = [];
  while (out.length < n) {
    const r = await raw.brpop(replyTo, 5);
    if (!r) throw new Error(`only ${out.length} of ${n} replies`);
    const p = parseReply(r[1]);
    if ('code' in p && !('ok' in p)) throw new Error('bad reply');
    out.push(p as CommandReply);
  }
  return out;
}

describe('redis commands, at least once', () => {
  it('a served request leaves neither list', async () => {
    const gw = gatewayName('take');
    const gateway = new TestGateway({ usd: 100n });
    await serve(gw, gateway.handler);
    const replyTo = `deskgate:reply:${randomUUID()}`;
    const req = request('allocate', allocate('a'), replyTo);
    await raw.lpush(redisNames.cmd(gw), req.json);
    expect(await replies(replyTo, 1)).toMatchObject([{ id: req.id, ok: true }]);
    expect(await raw.llen(redisNames.cmd(gw))).toBe(0);
    expect(await raw.llen(redisNames.cmdProcessing(gw))).toBe(0);
  });

  it('a gateway killed between take and reply loses nothing: the next one answers it, then new requests', async () => {
    const gw = gatewayName('kill');
    const child = await spawnTakeChild(CHILD, [gw]);
    children.push(child);
    const replyTo = `deskgate:reply:${randomUUID()}`;
    const held = request('allocate', allocate('held'), replyTo);
    const taken = takenBy(child);
    await raw.lpush(redisNames.cmd(gw), held.json);
    expect((await taken).id).toBe(held.id);
    child.removeAllListeners('exit');
    const dead = new Promise((r) => child.once('exit', r));
    child.kill('SIGKILL');
    await dead;

    // The dead gateway took it: it is no longer queued, but it is not lost either.
    expect(await raw.llen(redisNames.cmd(gw))).toBe(0);
    expect(await raw.lrange(redisNames.cmdProcessing(gw), 0, -1)).toEqual([held.json]);
    expect(await raw.exists(replyTo)).toBe(0);

    // A newer request waits in the queue; junk left in the processing list is cleared on the way.
    const fresh = request('allocate', allocate('fresh'), replyTo);
    await raw.lpush(redisNames.cmd(gw), fresh.json);
    await raw.lpush(redisNames.cmdProcessing(gw), 'not json', JSON.stringify({ v: 1, id: 'x', cmd: 'allocate' }));

    const gateway = new TestGateway({ usd: 100n });
    const bus = await serve(gw, gateway.handler);
    const got = await replies(replyTo, 2);
    expect(got.map((r) => [r.id, r.ok])).toEqual([
      [held.id, true],
      [fresh.id, true],
    ]);
    expect(gateway.slots.get('held/usd')).toBe(5n);
    expect(gateway.slots.get('fresh/usd')).toBe(5n);
    expect(bus.redelivered).toBe(3);
    expect(await raw.llen(redisNames.cmdProcessing(gw))).toBe(0);
  });

  it('re-handles oldest first; one past its deadline is answered expired and not run', async () => {
    const gw = gatewayName('order');
    const replyTo = `deskgate:reply:${randomUUID()}`;
    const reqs = [
      request('allocate', allocate('one'), replyTo),
      request('allocate', allocate('late'), replyTo, { deadline: 1000 }),
      request('allocate', allocate('two'), replyTo, { deadline: Date.now() + 60_000 }),
    ];
    // BLMOVE pushes onto the head: the oldest taken request is the tail.
    for (const r of reqs) await raw.lpush(redisNames.cmdProcessing(gw), r.json);
    const gateway = new TestGateway({ usd: 100n });
    await serve(gw, gateway.handler);
    const got = await replies(replyTo, 3);
    expect(got.map((r) => r.id)).toEqual(reqs.map((r) => r.id));
    expect(got.map((r) => (r.ok ? 'ok' : r.code))).toEqual(['ok', 'DG_E_BUS_EXPIRED', 'ok']);
    expect(gateway.slots.get('late/usd')).toBeUndefined();
    expect(gateway.slots.get('two/usd')).toBe(5n);
    expect(await raw.llen(redisNames.cmdProcessing(gw))).toBe(0);
  });
});
