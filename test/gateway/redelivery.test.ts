/**
 * At-least-once commands end to end: the kernel on the sim venue, served over Redis (the real
 * server on this machine). A gateway that "dies" after a request was taken (it is in the processing
 * list) and, for some, after the kernel journaled it, is restarted on the same journal: the request
 * is answered on start, a place that reached the venue answers the order it made (no second order
 * at the venue), one that never reached the journal runs now, an expired one is answered expired,
 * and a different order under a used key or request id is refused.
 */
import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { redisNames } from '../../src/bus/names.js';
import { RedisBus } from '../../src/bus/redis-bus.js';
import { RedisCommandClient } from '../../src/bus/redis-client.js';
import { openRedis } from '../../src/bus/redis-connect.js';
import { parseReply, type CommandReply } from '../../src/bus/wire.js';
import { requestKey } from '../../src/gateway/command-handler.js';
import { GatewayKernel } from '../../src/gateway/kernel.js';
import { Journal } from '../../src/store/journal.js';
import type { SimEngine } from '../../src/venue/sim/engine.js';
import { GW, makeEngine, removeTempDirs, startKernel, tempDir, until } from './support.js';

let raw: Redis;
const names: string[] = [];
const open: Array<() => Promise<void>> = [];

beforeAll(async () => {
  raw = await openRedis();
});
afterEach(async () => {
  while (open.length) await open.pop()!();
});
afterAll(async () => {
  for (const g of names) await raw.del(redisNames.cmd(g), redisNames.cmdProcessing(g));
  raw.disconnect();
  removeTempDirs();
});

const PLACE = { strategy: 'mm', instrument: 'BTC-USDT', side: 'buy', price: '59000', size: '0.01' } as const;

interface Gateway {
  readonly kernel: GatewayKernel;
  readonly journal: Journal;
  readonly bus: RedisBus | undefined;
  /** Stop without answering anything still in hand (the processing list keeps it). */
  readonly crash: () => Promise<void>;
}

/** One gateway process: kernel on the shared engine and journal file, optionally serving Redis. */
async function boot(engine: SimEngine, dir: string, name: string, serve: boolean): Promise<Gateway> {
  const { kernel, journal, venue } = await startKernel(engine, dir, name);
  let bus: RedisBus | undefined;
  let sub: { close(): Promise<void> } | undefined;
  if (serve) {
    bus = await RedisBus.connect({ gateway: name, replyTtlMs: 10_000 });
    sub = await bus.serveCommands(kernel.handler);
  }
  let done = false;
  const crash = async (): Promise<void> => {
    if (done) return;
    done = true;
    await sub?.close();
    await bus?.close();
    await kernel.stop();
    await venue.close();
    journal.close();
  };
  open.push(crash);
  return { kernel, journal, bus, crash };
}

function gatewayName(): string {
  const g = `dgr_${process.pid}_${Math.random().toString(36).slice(2, 8)}`;
  names.push(g);
  return g;
}

function request(cmd: string, payload: unknown, replyTo: string, extra: Record<string, unknown> = {}) {
  const id = randomUUID();
  return {
    id,
    payload,
    json: JSON.stringify({ v: 1, id, cmd, payload, replyTo, deadline: Date.now() + 60_000, ...extra }),
  };
}

async function nextReply(replyTo: string): Promise<CommandReply> {
  const r = await raw.brpop(replyTo, 10);
  if (!r) throw new Error('no reply');
  return parseReply(r[1]) as CommandReply;
}

const venueOrders = (engine: SimEngine) => [...engine.activeOrders(GW), ...engine.doneOrders(GW)];
const result = (r: CommandReply) => (r.ok ? r.result : r.code) as { clientId: string; state: string };

async function funded(engine: SimEngine, dir: string, name: string, serve: boolean): Promise<Gateway> {
  const g = await boot(engine, dir, name, serve);
  const a = await g.kernel.command('allocate', {
    strategy: 'mm',
    cmd: 'allocate',
    currency: 'USDT',
    amount: '5000',
    index: 2,
  });
  expect(a.ok).toBe(true);
  return g;
}

describe('redis commands re-delivered to the gateway kernel', () => {
  it('answers what a crashed gateway held: the order it placed (no second one), one never run, one expired', async () => {
    const engine = makeEngine();
    const dir = tempDir('redeliver');
    const name = gatewayName();
    const processing = redisNames.cmdProcessing(name);
    const replyTo = `deskgate:reply:${randomUUID()}`;

    // First life: a place is taken and reaches the venue; the gateway dies before replying.
    const a = await funded(engine, dir, name, false);
    const placed = request('place', PLACE, replyTo);
    await raw.lpush(processing, placed.json);
    const first = await a.kernel.handler('place', placed.payload, {
      gateway: name,
      transport: 'redis',
      id: placed.id,
      key: undefined,
    });
    expect(first.ok).toBe(true);
    const cid = (first.ok ? first.value : {}) as { clientId: string };
    expect(a.journal.lookupKey('cmd', requestKey(placed.id))).toBeDefined();
    // Two more were taken but never reached the kernel; one of them has expired meanwhile.
    const never = request('place', { ...PLACE, price: '58000' }, replyTo);
    const expired = request('place', { ...PLACE, price: '57000' }, replyTo, { deadline: Date.now() - 1 });
    await raw.lpush(processing, never.json, expired.json);
    await a.crash();
    expect(venueOrders(engine)).toHaveLength(1);

    // Second life, same journal: the held requests are answered on start, oldest first.
    const b = await boot(engine, dir, name, true);
    const r1 = await nextReply(replyTo);
    const r2 = await nextReply(replyTo);
    const r3 = await nextReply(replyTo);
    expect(r1).toMatchObject({ id: placed.id, ok: true });
    expect(result(r1)).toMatchObject({ clientId: cid.clientId, state: 'open' });
    expect(r2).toMatchObject({ id: never.id, ok: true });
    expect(result(r2).clientId).not.toBe(cid.clientId);
    expect(r3).toMatchObject({ id: expired.id, ok: false, code: 'DG_E_BUS_EXPIRED' });
    expect(await raw.llen(processing)).toBe(0);
    expect(b.bus?.redelivered).toBe(3);

    // The venue and the kernel know two orders: the re-delivered place made none.
    const atVenue = venueOrders(engine).map((o) => o.clientOid);
    expect(atVenue.sort()).toEqual([cid.clientId, result(r2).clientId].sort());
    expect(b.kernel.snapshot().orders).toHaveLength(2);
    expect(b.journal.lookupKey('cmd', requestKey(expired.id))).toBeUndefined();
  });

  it('same key and same order answers that order, before and after a restart; a different order is refused', async () => {
    const engine = makeEngine();
    const dir = tempDir('redeliver-key');
    const name = gatewayName();
    const client = await RedisCommandClient.connect();
    open.push(() => client.close());

    const a = await funded(engine, dir, name, true);
    const p1 = await client.sendCommand(name, 'place', PLACE, { key: 'mm-place-1' });
    expect(p1.ok).toBe(true);
    const cid = result(p1).clientId;
    const again = await client.sendCommand(name, 'place', PLACE, { key: 'mm-place-1' });
    expect(result(again)).toMatchObject({ clientId: cid, state: 'open' });
    await a.crash();

    const b = await boot(engine, dir, name, true);
    const retry = await client.sendCommand(name, 'place', PLACE, { key: 'mm-place-1' });
    expect(retry.ok).toBe(true);
    expect(result(retry)).toMatchObject({ clientId: cid, state: 'open' });
    const other = await client.sendCommand(name, 'place', { ...PLACE, size: '0.02' }, { key: 'mm-place-1' });
    expect(other).toMatchObject({ ok: false, code: 'DG_E_GATEWAY_DUPLICATE_COMMAND' });
    expect(!other.ok && other.message).toContain(cid);

    // A request id used again for a different order (a buggy client, not a re-delivery): refused.
    const replyTo = `deskgate:reply:${randomUUID()}`;
    const req = request('place', PLACE, replyTo);
    await raw.lpush(redisNames.cmd(name), req.json);
    const ok1 = await nextReply(replyTo);
    expect(ok1.ok).toBe(true);
    const reused = JSON.stringify({ ...JSON.parse(req.json), payload: { ...PLACE, side: 'sell', price: '61000' } });
    await raw.lpush(redisNames.cmd(name), reused);
    expect(await nextReply(replyTo)).toMatchObject({ id: req.id, ok: false, code: 'DG_E_GATEWAY_DUPLICATE_COMMAND' });
    await raw.lpush(redisNames.cmd(name), req.json);
    expect(result(await nextReply(replyTo)).clientId).toBe(result(ok1).clientId);

    expect(
      venueOrders(engine)
        .map((o) => o.clientOid)
        .sort(),
    ).toEqual([cid, result(ok1).clientId].sort());
    expect(b.kernel.snapshot().orders).toHaveLength(2);
  });

  it('a cancel of a canceled order, or a re-delivered cancel, answers the order state', async () => {
    const engine = makeEngine();
    const dir = tempDir('redeliver-cancel');
    const name = gatewayName();
    const replyTo = `deskgate:reply:${randomUUID()}`;
    const a = await funded(engine, dir, name, true);
    await raw.lpush(redisNames.cmd(name), request('place', PLACE, replyTo).json);
    const cid = result(await nextReply(replyTo)).clientId;
    const cancel = request('cancel', { strategy: 'mm', clientId: cid }, replyTo);
    await raw.lpush(redisNames.cmd(name), cancel.json);
    expect((await nextReply(replyTo)).ok).toBe(true);
    await until(() => a.kernel.state.tracker.get(cid)?.state === 'canceled', 5000, 'canceled');
    const cancels = () => [...a.journal.replay(0)].filter((e) => e.kind === 'cmd' && e.type === 'cancel').length;
    expect(cancels()).toBe(1);

    // A second cancel (a new request): nothing to do, the order's state — not an illegal transition.
    await raw.lpush(redisNames.cmd(name), request('cancel', { strategy: 'mm', clientId: cid }, replyTo).json);
    const second = await nextReply(replyTo);
    expect(second.ok).toBe(true);
    expect(result(second)).toMatchObject({ clientId: cid, state: 'canceled' });
    expect(cancels()).toBe(1);
    expect(a.kernel.errors.count('DG_E_ILLEGAL_TRANSITION')).toBe(0);

    // The first cancel, still held when the gateway died, re-delivered after the restart.
    await a.crash();
    await raw.lpush(redisNames.cmdProcessing(name), cancel.json);
    const b = await boot(engine, dir, name, true);
    const redelivered = await nextReply(replyTo);
    expect(redelivered).toMatchObject({ id: cancel.id, ok: true });
    expect(result(redelivered)).toMatchObject({ clientId: cid, state: 'canceled' });
    expect(b.bus?.redelivered).toBe(1);
  });
});
