/**
 * NATS commands are taken at least once (src/bus/nats-cmd-queue.ts): a request waits in the
 * gateway's JetStream work-queue stream until the gateway acks it after replying, so one sent while
 * no gateway runs is answered when one starts, and one a gateway was killed holding is answered by
 * the next gateway, once. Real NATS+JetStream on 127.0.0.1:4222; unique gateway names, streams deleted.
 */
import type { ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createInbox, type JetStreamManager, type Msg, type NatsConnection } from 'nats';
import { spawnTakeChild, takenBy } from './take-child.js';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { CommandHandler } from '../../src/bus/commands.js';
import { ensureCommandStream } from '../../src/bus/jetstream.js';
import { NATS_CMD_CONSUMER, natsNames } from '../../src/bus/names.js';
import { NatsBus } from '../../src/bus/nats-bus.js';
import { NatsCommandClient } from '../../src/bus/nats-client.js';
import { openNats } from '../../src/bus/nats-connect.js';
import { parseReply, type CommandReply } from '../../src/bus/wire.js';
import { TestGateway, uniqueGateway } from './test-gateway.js';

const CHILD = join(fileURLToPath(new URL('.', import.meta.url)), 'nats-take-child.ts');

let nc: NatsConnection;
let jsm: JetStreamManager;
const gateways: string[] = [];
const cleanup: Array<() => Promise<void>> = [];
const children: ChildProcess[] = [];

beforeAll(async () => {
  nc = await openNats();
  jsm = await nc.jetstreamManager();
});
afterEach(async () => {
  while (cleanup.length) await cleanup.pop()!();
});
afterAll(async () => {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  for (const g of gateways) {
    await jsm.streams.delete(natsNames.cmdStream(g)).catch(() => undefined);
    await jsm.streams.delete(natsNames.stream(g)).catch(() => undefined);
    await jsm.streams.delete(natsNames.attemptsStream(g)).catch(() => undefined);
  }
  await nc.close();
});

function gatewayName(tag: string): string {
  const g = uniqueGateway(tag);
  gateways.push(g);
  return g;
}

const allocate = (strategy: string) => ({ strategy, currency: 'usd', amount: '5', index: 2 });

/** A raw request onto the command queue, answered on `replyTo`. */
async function enqueue(
  gw: string,
  cmd: string,
  payload: unknown,
  replyTo: string,
  extra: Record<string, unknown> = {},
) {
  const id = randomUUID();
  await nc.jetstream().publish(natsNames.cmdQueue(gw), JSON.stringify({ v: 1, id, cmd, payload, replyTo, ...extra }), {
    msgID: id,
  });
  return id;
}

/** Every message on one inbox, in arrival order (one publisher keeps its order). */
function inbox(): { subject: string; next(n: number): Promise<CommandReply[]>; all: CommandReply[] } {
  const subject = createInbox();
  const all: CommandReply[] = [];
  const waiters: Array<() => void> = [];
  nc.subscribe(subject, {
    callback: (_e, m: Msg) => {
      all.push(parseReply(m.data) as CommandReply);
      for (const w of waiters.splice(0)) w();
    },
  });
  let read = 0;
  return {
    subject,
    all,
    next: async (n) => {
      const deadline = Date.now() + 10_000;
      while (all.length < read + n) {
        if (Date.now() > deadline) throw new Error(`only ${all.length - read} of ${n} replies`);
        await new Promise<void>((r) => {
          waiters.push(r);
          setTimeout(r, 200);
        });
      }
      const out = all.slice(read, read + n);
      read += n;
      return out;
    },
  };
}

async function serve(gw: string, handler: CommandHandler): Promise<NatsBus> {
  const bus = await NatsBus.connect({ gateway: gw });
  const sub = await bus.serveCommands(handler);
  cleanup.push(async () => {
    await sub.close();
    await bus.close();
  });
  return bus;
}

async function until(cond: () => boolean): Promise<void> {
  for (let i = 0; !cond(); i++) {
    if (i > 250) throw new Error('condition not reached');
    await new Promise((r) => setTimeout(r, 20));
  }
}

const waiting = async (gw: string): Promise<number> => (await jsm.streams.info(natsNames.cmdStream(gw))).state.messages;

/** The stream empties once the last reply's ack is processed (it follows the reply). */
async function drained(gw: string): Promise<number> {
  for (let i = 0; i < 100; i++) {
    const n = await waiting(gw);
    if (n === 0) return 0;
    await new Promise((r) => setTimeout(r, 20));
  }
  return waiting(gw);
}

describe('nats commands, at least once', () => {
  it('a request sent while no gateway serves is answered when one starts; the stream is left empty', async () => {
    const gw = gatewayName('nq');
    // A gateway served once (creating its command stream; events without JetStream), then stopped.
    const first = await NatsBus.connect({ gateway: gw, jetstream: false, commandQueue: true });
    await (await first.serveCommands(new TestGateway({ usd: 100n }).handler)).close();
    await first.close();

    const client = await NatsCommandClient.connect();
    cleanup.push(() => client.close());
    const pending = client.sendCommand(gw, 'allocate', allocate('late'), { timeoutMs: 20_000 });
    for (let i = 0; (await waiting(gw)) < 1; i++) {
      if (i > 100) throw new Error('request never stored');
      await new Promise((r) => setTimeout(r, 20));
    }
    const gateway = new TestGateway({ usd: 100n });
    await serve(gw, gateway.handler);
    expect(await pending).toMatchObject({ ok: true, result: { slot: '5' } });
    expect(gateway.slots.get('late/usd')).toBe(5n);
    expect(await drained(gw)).toBe(0);

    // Plain request/reply still works next to the queue.
    const plain = await NatsCommandClient.connect({ delivery: 'request' });
    cleanup.push(() => plain.close());
    expect(await plain.sendCommand(gw, 'allocate', allocate('plain'))).toMatchObject({ ok: true });
    expect(gateway.slots.get('plain/usd')).toBe(5n);
  });

  it('a gateway killed between take and reply: the next one answers it once, before newer requests', async () => {
    const gw = gatewayName('nkill');
    const child = await spawnTakeChild(CHILD, [gw]);
    children.push(child);
    const replies = inbox();
    const taken = takenBy(child);
    const held = await enqueue(gw, 'allocate', allocate('held'), replies.subject);
    expect((await taken).id).toBe(held);
    child.removeAllListeners('exit');
    const dead = new Promise((r) => child.once('exit', r));
    child.kill('SIGKILL');
    await dead;
    // Taken, not answered, not lost.
    expect(replies.all).toHaveLength(0);
    expect(await waiting(gw)).toBe(1);

    const fresh = await enqueue(gw, 'allocate', allocate('fresh'), replies.subject);
    const gateway = new TestGateway({ usd: 100n });
    const seen: string[] = [];
    const bus = await serve(gw, (cmd, payload, ctx) => {
      seen.push(ctx.id);
      return gateway.handler(cmd, payload, ctx);
    });
    const got = await replies.next(2);
    expect(got.map((r) => [r.id, r.ok])).toEqual([
      [held, true],
      [fresh, true],
    ]);
    // Answered once: a marker sent last is the next (and only other) message on the inbox.
    const marker = await enqueue(gw, 'allocate', allocate('marker'), replies.subject);
    expect((await replies.next(1))[0]!.id).toBe(marker);
    expect(replies.all.map((r) => r.id)).toEqual([held, fresh, marker]);
    expect(seen).toEqual([held, fresh, marker]);
    expect(gateway.slots.get('held/usd')).toBe(5n);
    expect(bus.redelivered).toBe(1);
    expect(await drained(gw)).toBe(0);
  }, 30_000);

  it('answers in arrival order: one past its deadline expired and not run; malformed ones answered or counted', async () => {
    const gw = gatewayName('nexp');
    await ensureCommandStream(jsm, { gateway: gw });
    const replies = inbox();
    const one = await enqueue(gw, 'allocate', allocate('one'), replies.subject);
    const late = await enqueue(gw, 'allocate', allocate('late'), replies.subject, { deadline: 1000 });
    const js = nc.jetstream();
    await js.publish(natsNames.cmdQueue(gw), 'not json'); // nothing to answer: counted
    await js.publish(natsNames.cmdQueue(gw), JSON.stringify({ v: 1, id: 'bad1', cmd: 42, replyTo: replies.subject }));
    await js.publish(
      natsNames.cmdQueue(gw),
      JSON.stringify({ v: 1, id: 'bad2', cmd: 'allocate', replyTo: 'deskgate.victim.cmd' }), // not an inbox
    );
    await js.publish(natsNames.cmdQueue(gw), JSON.stringify({ v: 1, id: 'bad3', cmd: 'allocate' })); // no replyTo
    const two = await enqueue(gw, 'allocate', allocate('two'), replies.subject, { deadline: Date.now() + 60_000 });

    const gateway = new TestGateway({ usd: 100n });
    const bus = await serve(gw, gateway.handler);
    const got = await replies.next(4);
    expect(got.map((r) => [r.id, r.ok ? 'ok' : r.code])).toEqual([
      [one, 'ok'],
      [late, 'DG_E_BUS_EXPIRED'],
      ['bad1', 'DG_E_BUS_BAD_REQUEST'],
      [two, 'ok'],
    ]);
    expect(gateway.slots.get('late/usd')).toBeUndefined();
    expect(gateway.slots.get('two/usd')).toBe(5n);
    expect(bus.errors.count('DG_E_BUS_BAD_REQUEST')).toBe(4);
    expect(await drained(gw)).toBe(0);
  });

  it('a command running longer than the ack wait is kept in progress, not delivered again', async () => {
    const gw = gatewayName('nslow');
    const gateway = new TestGateway({ usd: 100n });
    let runs = 0;
    const bus = await NatsBus.connect({ gateway: gw, queue: { ackWaitMs: 600 } });
    const sub = await bus.serveCommands((cmd, payload, ctx) => {
      runs++;
      return gateway.handler(cmd, payload, ctx);
    });
    cleanup.push(async () => {
      await sub.close();
      await bus.close();
    });
    const client = await NatsCommandClient.connect();
    cleanup.push(() => client.close());
    const slow = client.sendCommand(gw, 'slow', { ms: 2500 }, { timeoutMs: 10_000 });
    await until(() => runs === 1);
    // Past the ack wait, another puller on the consumer (as a second server would be) gets nothing:
    // the running request is marked in progress.
    await new Promise((r) => setTimeout(r, 900));
    const consumer = await nc.jetstream().consumers.get(natsNames.cmdStream(gw), NATS_CMD_CONSUMER);
    const stolen: number[] = [];
    for await (const m of await consumer.fetch({ max_messages: 1, expires: 1000 })) stolen.push(m.seq);
    expect(stolen).toEqual([]);
    expect(await slow).toMatchObject({ ok: true, result: 'done' });
    expect(await client.sendCommand(gw, 'allocate', allocate('m'))).toMatchObject({ ok: true });
    expect(runs).toBe(2);
    expect(bus.redelivered).toBe(0);
  });

  it('a client whose gateway has no command stream falls back to request/reply: no gateway at once', async () => {
    const client = await NatsCommandClient.connect();
    cleanup.push(() => client.close());
    const r = await client.sendCommand(gatewayName('nobody'), 'allocate', allocate('x'), { timeoutMs: 5000 });
    expect(r).toMatchObject({ ok: false, code: 'DG_E_BUS_NO_GATEWAY' });
  });
});
