/**
 * NATS re-deliveries are bounded across restarts (src/bus/nats-cmd-queue.ts, "Poison requests"):
 * the consumer is replaced at every start, so the count lives in the KV bucket
 * `deskgate_<gw>_attempts`; a request whose handling kills the gateway every time runs 3 times, is
 * then answered DG_E_BUS_POISON and kept in the dead-letter stream, and the next request is served.
 * Real NATS+JetStream on 127.0.0.1:4222; unique gateway names, every stream deleted afterwards.
 */
import type { ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createInbox, type JetStreamManager, type KV, type Msg, type NatsConnection } from 'nats';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ensureCommandStream, RequestAttempts } from '../../src/bus/jetstream.js';
import { natsNames } from '../../src/bus/names.js';
import { NatsBus } from '../../src/bus/nats-bus.js';
import { openNats } from '../../src/bus/nats-connect.js';
import { parseReply, type CommandReply } from '../../src/bus/wire.js';
import { runUntilExit, spawnTakeChild } from './take-child.js';
import { uniqueGateway } from './test-gateway.js';

const CHILD = join(fileURLToPath(new URL('.', import.meta.url)), 'nats-take-child.ts');

let nc: NatsConnection;
let jsm: JetStreamManager;
let dir: string;
const gateways: string[] = [];
const children: ChildProcess[] = [];
const cleanup: Array<() => Promise<void>> = [];

beforeAll(async () => {
  nc = await openNats();
  jsm = await nc.jetstreamManager();
  dir = mkdtempSync(join(tmpdir(), 'dg-npoison-'));
});
afterEach(async () => {
  while (cleanup.length) await cleanup.pop()!();
});
afterAll(async () => {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  for (const g of gateways) {
    for (const s of [natsNames.cmdStream(g), natsNames.stream(g), natsNames.deadStream(g), natsNames.attemptsStream(g)])
      await jsm.streams.delete(s).catch(() => undefined);
  }
  await nc.close();
  rmSync(dir, { recursive: true, force: true });
});

function gatewayName(tag: string): string {
  const g = uniqueGateway(tag);
  gateways.push(g);
  return g;
}

async function enqueue(gw: string, cmd: string, replyTo: string): Promise<{ id: string; json: string }> {
  const id = randomUUID();
  const json = JSON.stringify({ v: 1, id, cmd, payload: {}, replyTo });
  await nc.jetstream().publish(natsNames.cmdQueue(gw), json, { msgID: id });
  return { id, json };
}

function inbox(): { subject: string; next(n: number): Promise<CommandReply[]>; all: CommandReply[] } {
  const subject = createInbox();
  const all: CommandReply[] = [];
  nc.subscribe(subject, { callback: (_e, m: Msg) => void all.push(parseReply(m.data) as CommandReply) });
  return {
    subject,
    all,
    next: async (n) => {
      for (let i = 0; all.length < n; i++) {
        if (i > 500) throw new Error(`only ${all.length} of ${n} replies`);
        await new Promise((r) => setTimeout(r, 20));
      }
      return all.slice(0, n);
    },
  };
}

const ran = (log: string): string[] =>
  existsSync(log) ? readFileSync(log, 'utf8').trim().split('\n').filter(Boolean) : [];

async function crashOnce(gw: string, crashOn: string, log: string): Promise<void> {
  expect(await runUntilExit(CHILD, [gw, crashOn, log])).toEqual({ code: null, signal: 'SIGKILL' });
}

async function attemptsOf(gw: string): Promise<KV> {
  return nc.jetstream().views.kv(natsNames.attemptsBucket(gw));
}

async function keys(kv: KV): Promise<string[]> {
  const out: string[] = [];
  for await (const k of await kv.keys()) out.push(k);
  return out;
}

const waiting = async (gw: string): Promise<number> => (await jsm.streams.info(natsNames.cmdStream(gw))).state.messages;

async function drained(gw: string): Promise<number> {
  for (let i = 0; i < 100 && (await waiting(gw)) > 0; i++) await new Promise((r) => setTimeout(r, 20));
  return waiting(gw);
}

describe('nats poison requests', () => {
  it('a request that kills the gateway every time is answered DG_E_BUS_POISON after 3 runs, dead-lettered, and the next is served', async () => {
    const gw = gatewayName('npoison');
    const log = join(dir, `${gw}.log`);
    await ensureCommandStream(jsm, { gateway: gw });
    const replies = inbox();
    const boom = await enqueue(gw, 'boom', replies.subject);
    const next = await enqueue(gw, 'fine', replies.subject);

    for (let i = 1; i <= 3; i++) {
      await crashOnce(gw, 'boom', log);
      expect(ran(log)).toEqual(Array(i).fill(`boom ${boom.id}`));
      // Stored before it ran, so the crash counts; both requests still wait, nothing answered.
      const kv = await attemptsOf(gw);
      expect((await kv.get(RequestAttempts.key(boom.id)))?.string()).toBe(String(i));
      expect(await waiting(gw)).toBe(2);
      expect(replies.all).toHaveLength(0);
    }

    const child = await spawnTakeChild(CHILD, [gw, 'boom', log]);
    children.push(child);
    const got = await replies.next(2);
    expect(got.map((r) => [r.id, r.ok ? 'ok' : r.code])).toEqual([
      [boom.id, 'DG_E_BUS_POISON'],
      [next.id, 'ok'],
    ]);
    expect(got[0]!.ok ? '' : got[0]!.message).toMatch(/taken 3 times without an answer/);
    expect(ran(log)).toEqual([...Array(3).fill(`boom ${boom.id}`), `fine ${next.id}`]);
    expect(await drained(gw)).toBe(0);
    // The raw request is kept in the dead-letter stream, once.
    const dead = await jsm.streams.info(natsNames.deadStream(gw));
    expect(dead.state.messages).toBe(1);
    const kept = await jsm.streams.getMessage(natsNames.deadStream(gw), { seq: dead.state.first_seq });
    expect(kept.subject).toBe(natsNames.cmdDead(gw));
    expect(kept.string()).toBe(boom.json);
    // No counter left behind (purged, not just marked deleted).
    const kv = await attemptsOf(gw);
    expect(await keys(kv)).toEqual([]);
    expect(await kv.get(RequestAttempts.key(boom.id))).toBeNull();
    child.kill('SIGKILL');
  }, 90_000);

  it('a request that crashes the gateway twice and then succeeds is answered, not poisoned; no counter left', async () => {
    const gw = gatewayName('nflaky');
    const log = join(dir, `${gw}.log`);
    await ensureCommandStream(jsm, { gateway: gw });
    const replies = inbox();
    const flaky = await enqueue(gw, 'flaky', replies.subject);
    await crashOnce(gw, 'flaky', log);
    await crashOnce(gw, 'flaky', log);
    expect((await (await attemptsOf(gw)).get(RequestAttempts.key(flaky.id)))?.string()).toBe('2');

    const child = await spawnTakeChild(CHILD, [gw, '', log]);
    children.push(child);
    expect((await replies.next(1)).map((r) => [r.id, r.ok])).toEqual([[flaky.id, true]]);
    expect(ran(log)).toEqual(Array(3).fill(`flaky ${flaky.id}`));
    expect(await drained(gw)).toBe(0);
    expect(await keys(await attemptsOf(gw))).toEqual([]);
    await expect(jsm.streams.info(natsNames.deadStream(gw))).rejects.toThrow(/not found/);
    child.kill('SIGKILL');
  }, 90_000);

  it('in process: maxDeliveries is honoured, poisoned is counted, served requests leave no counter', async () => {
    const gw = gatewayName('npin');
    await ensureCommandStream(jsm, { gateway: gw });
    const replies = inbox();
    const held = await enqueue(gw, 'held', replies.subject);
    const fresh = await enqueue(gw, 'fresh', replies.subject);
    // Taken twice before by servers that died.
    await (await attemptsOf(gw)).put(RequestAttempts.key(held.id), '2');

    const bad = await NatsBus.connect({ gateway: gw, queue: { maxDeliveries: 0 } });
    await expect(bad.serveCommands(() => ({ ok: true, value: null }))).rejects.toMatchObject({
      code: 'DG_E_BAD_INPUT',
    });
    await bad.close();

    const bus = await NatsBus.connect({ gateway: gw, queue: { maxDeliveries: 2 } });
    const seen: string[] = [];
    const sub = await bus.serveCommands((cmd) => {
      seen.push(cmd);
      return { ok: true, value: cmd };
    });
    cleanup.push(async () => {
      await sub.close();
      await bus.close();
    });
    const got = await replies.next(2);
    expect(got.map((r) => [r.id, r.ok ? 'ok' : r.code])).toEqual([
      [held.id, 'DG_E_BUS_POISON'],
      [fresh.id, 'ok'],
    ]);
    expect(seen).toEqual(['fresh']);
    expect(bus.errors.count('DG_E_BUS_POISON')).toBe(1);
    expect(await drained(gw)).toBe(0);
    expect(await keys(await attemptsOf(gw))).toEqual([]);
  });
});
