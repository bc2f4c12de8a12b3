/**
 * Redis re-deliveries are bounded across restarts (src/bus/redis-bus.ts, "Poison requests"): a
 * request whose handling kills the gateway process every time is run `maxDeliveries` (3) times, then
 * answered DG_E_BUS_POISON and moved to the dead-letter list, and the requests behind it are served.
 * Real Redis on 127.0.0.1:6379; children are real gateway processes killed by their own handler.
 */
import type { ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { redisNames } from '../../src/bus/names.js';
import { RedisBus } from '../../src/bus/redis-bus.js';
import { openRedis } from '../../src/bus/redis-connect.js';
import { parseReply, type CommandReply } from '../../src/bus/wire.js';
import { runUntilExit, spawnTakeChild } from './take-child.js';
import { uniqueGateway } from './test-gateway.js';

const CHILD = join(fileURLToPath(new URL('.', import.meta.url)), 'redis-take-child.ts');

let raw: Redis;
let dir: string;
const gateways: string[] = [];
const children: ChildProcess[] = [];
const cleanup: Array<() => Promise<void>> = [];

beforeAll(async () => {
  raw = await openRedis();
  dir = mkdtempSync(join(tmpdir(), 'dg-poison-'));
});
afterEach(async () => {
  while (cleanup.length) await cleanup.pop()!();
});
afterAll(async () => {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  for (const g of gateways)
    await raw.del(redisNames.cmd(g), redisNames.cmdProcessing(g), redisNames.cmdAttempts(g), redisNames.cmdDead(g));
  raw.disconnect();
  rmSync(dir, { recursive: true, force: true });
});

function gatewayName(tag: string): string {
  const g = uniqueGateway(tag);
  gateways.push(g);
  return g;
}

function request(cmd: string, replyTo: string) {
  const id = randomUUID();
  return { id, json: JSON.stringify({ v: 1, id, cmd, payload: {}, replyTo }) };
}

async function replies(replyTo: string, n: number): Promise<CommandReply[]> {
  const out: CommandReply[] = [];
  while (out.length < n) {
    const r = await raw.brpop(replyTo, 10);
    if (!r) throw new Error(`only ${out.length} of ${n} replies`);
    out.push(parseReply(r[1]) as CommandReply);
  }
  return out;
}

/** The commands the children ran, in order (one line per run, written before any crash). */
const ran = (log: string): string[] =>
  existsSync(log) ? readFileSync(log, 'utf8').trim().split('\n').filter(Boolean) : [];

/** Start a gateway child that crashes on `crashOn`; it must die of SIGKILL. */
async function crashOnce(gw: string, crashOn: string, log: string): Promise<void> {
  expect(await runUntilExit(CHILD, [gw, crashOn, log])).toEqual({ code: null, signal: 'SIGKILL' });
}

describe('redis poison requests', () => {
  it('a request that kills the gateway every time is answered DG_E_BUS_POISON after 3 runs, dead-lettered, and the next is served', async () => {
    const gw = gatewayName('poison');
    const log = join(dir, `${gw}.log`);
    const replyTo = `deskgate:reply:${randomUUID()}`;
    const boom = request('boom', replyTo);
    const next = request('fine', replyTo);
    await raw.lpush(redisNames.cmd(gw), boom.json, next.json);

    for (let i = 1; i <= 3; i++) {
      await crashOnce(gw, 'boom', log);
      expect(ran(log)).toEqual(Array(i).fill(`boom ${boom.id}`));
      // Counted before it ran, so the crash counts; still held, unanswered, the next one still queued.
      expect(await raw.hget(redisNames.cmdAttempts(gw), boom.id)).toBe(String(i));
      expect(await raw.lrange(redisNames.cmdProcessing(gw), 0, -1)).toEqual([boom.json]);
      expect(await raw.lrange(redisNames.cmd(gw), 0, -1)).toEqual([next.json]);
      expect(await raw.exists(replyTo)).toBe(0);
    }

    // The fourth start refuses it without running it, then serves what waited behind it.
    const child = await spawnTakeChild(CHILD, [gw, 'boom', log]);
    children.push(child);
    const got = await replies(replyTo, 2);
    expect(got.map((r) => [r.id, r.ok ? 'ok' : r.code])).toEqual([
      [boom.id, 'DG_E_BUS_POISON'],
      [next.id, 'ok'],
    ]);
    expect(got[0]!.ok ? '' : got[0]!.message).toMatch(/taken 3 times without an answer/);
    expect(ran(log)).toEqual([...Array(3).fill(`boom ${boom.id}`), `fine ${next.id}`]);
    expect(await raw.lrange(redisNames.cmdDead(gw), 0, -1)).toEqual([boom.json]);
    expect(await raw.llen(redisNames.cmdProcessing(gw))).toBe(0);
    expect(await raw.hlen(redisNames.cmdAttempts(gw))).toBe(0);
    child.kill('SIGKILL');
  }, 90_000);

  it('a request that crashes the gateway twice and then succeeds is answered, not poisoned; no counter left', async () => {
    const gw = gatewayName('flaky');
    const log = join(dir, `${gw}.log`);
    const replyTo = `deskgate:reply:${randomUUID()}`;
    const flaky = request('flaky', replyTo);
    await raw.lpush(redisNames.cmd(gw), flaky.json);
    await crashOnce(gw, 'flaky', log);
    await crashOnce(gw, 'flaky', log);
    expect(await raw.hget(redisNames.cmdAttempts(gw), flaky.id)).toBe('2');

    // Its third run (the last allowed) does not crash.
    const child = await spawnTakeChild(CHILD, [gw, '', log]);
    children.push(child);
    expect((await replies(replyTo, 1)).map((r) => [r.id, r.ok])).toEqual([[flaky.id, true]]);
    expect(ran(log)).toEqual(Array(3).fill(`flaky ${flaky.id}`));
    expect(await raw.hlen(redisNames.cmdAttempts(gw))).toBe(0);
    expect(await raw.llen(redisNames.cmdDead(gw))).toBe(0);
    expect(await raw.llen(redisNames.cmdProcessing(gw))).toBe(0);
    child.kill('SIGKILL');
  }, 90_000);

  it('in process: maxDeliveries is honoured, bus.poisoned counts, stale counters are dropped, served ones leave none', async () => {
    const gw = gatewayName('pin');
    const replyTo = `deskgate:reply:${randomUUID()}`;
    const held = request('held', replyTo);
    const fresh = request('fresh', replyTo);
    // Taken once before (by a server that died), and a counter whose request is gone.
    await raw.lpush(redisNames.cmdProcessing(gw), held.json);
    await raw.hset(redisNames.cmdAttempts(gw), held.id, '1', 'gone', '2');
    await raw.lpush(redisNames.cmd(gw), fresh.json);
    await expect(RedisBus.connect({ gateway: gw, maxDeliveries: 0 })).rejects.toMatchObject({ code: 'DG_E_BAD_INPUT' });

    const bus = await RedisBus.connect({ gateway: gw, maxDeliveries: 1 });
    const seen: string[] = [];
    const sub = await bus.serveCommands((cmd) => {
      seen.push(cmd);
      return { ok: true, value: cmd };
    });
    cleanup.push(async () => {
      await sub.close();
      await bus.close();
    });
    const got = await replies(replyTo, 2);
    expect(got.map((r) => [r.id, r.ok ? 'ok' : r.code])).toEqual([
      [held.id, 'DG_E_BUS_POISON'],
      [fresh.id, 'ok'],
    ]);
    expect(seen).toEqual(['fresh']);
    expect(bus.poisoned).toBe(1);
    expect(bus.errors.count('DG_E_BUS_POISON')).toBe(1);
    expect(await raw.lrange(redisNames.cmdDead(gw), 0, -1)).toEqual([held.json]);
    expect(await raw.hlen(redisNames.cmdAttempts(gw))).toBe(0);
  });
});
