/**
 * At-least-once NATS commands end to end: the kernel on the sim venue, served over the real NATS
 * JetStream command queue. A gateway takes a place, runs it (the order reaches the venue) and dies
 * before replying; the next gateway on the same journal gets the request again at once and answers
 * the order the first one made (no second order), then a request that waited behind it runs for the
 * first time and one past its deadline is answered expired. Also: the TS client's keyed retry
 * across a restart answers the same order.
 */
import { randomUUID } from 'node:crypto';
import { createInbox, type NatsConnection } from 'nats';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { CommandHandler } from '../../src/bus/commands.js';
import { natsNames } from '../../src/bus/names.js';
import { NatsBus } from '../../src/bus/nats-bus.js';
import { NatsCommandClient } from '../../src/bus/nats-client.js';
import { openNats } from '../../src/bus/nats-connect.js';
import { parseReply, type CommandReply } from '../../src/bus/wire.js';
import { requestKey } from '../../src/gateway/command-handler.js';
import { GatewayKernel } from '../../src/gateway/kernel.js';
import { Journal } from '../../src/store/journal.js';
import type { SimEngine } from '../../src/venue/sim/engine.js';
import { dropGatewayStreams } from '../support/nats-streams.js';
import { GW, makeEngine, removeTempDirs, startKernel, tempDir, until } from './support.js';

let nc: NatsConnection;
const names: string[] = [];
const open: Array<() => Promise<void>> = [];

beforeAll(async () => {
  nc = await openNats();
});
afterEach(async () => {
  while (open.length) await open.pop()!();
});
afterAll(async () => {
  await dropGatewayStreams(...names);
  await nc.close();
  removeTempDirs();
});

const PLACE = { strategy: 'mm', instrument: 'BTC-USDT', side: 'buy', price: '59000', size: '0.01' } as const;

interface Gateway {
  readonly kernel: GatewayKernel;
  readonly journal: Journal;
  readonly bus: NatsBus;
  /** Die: the NATS connection drops with the request in hand (not acked), then the kernel stops. */
  readonly crash: () => Promise<void>;
}

/** One gateway process: kernel on the shared engine and journal file, serving NATS with `wrap(kernel.handler)`. */
async function boot(
  engine: SimEngine,
  dir: string,
  name: string,
  wrap: (h: CommandHandler) => CommandHandler = (h) => h,
): Promise<Gateway> {
  const { kernel, journal, venue } = await startKernel(engine, dir, name);
  const bus = await NatsBus.connect({ gateway: name, jetstream: true });
  const sub = await bus.serveCommands(wrap(kernel.handler));
  let done = false;
  const stopKernel = async (): Promise<void> => {
    await kernel.stop();
    await venue.close();
    journal.close();
  };
  const crash = async (): Promise<void> => {
    if (done) return;
    done = true;
    await bus.connection.close();
    await stopKernel();
  };
  open.push(async () => {
    if (done) return;
    done = true;
    await sub.close();
    await bus.close();
    await stopKernel();
  });
  return { kernel, journal, bus, crash };
}

function gatewayName(): string {
  const g = `dgn_${process.pid}_${Math.random().toString(36).slice(2, 8)}`;
  names.push(g);
  return g;
}

async function allocate(g: Gateway): Promise<void> {
  const a = await g.kernel.command('allocate', {
    strategy: 'mm',
    cmd: 'allocate',
    currency: 'USDT',
    amount: '5000',
    index: 2,
  });
  expect(a.ok).toBe(true);
}

async function enqueue(name: string, payload: unknown, replyTo: string, extra: Record<string, unknown> = {}) {
  const id = randomUUID();
  const body = { v: 1, id, cmd: 'place', payload, replyTo, deadline: Date.now() + 60_000, ...extra };
  await nc.jetstream().publish(natsNames.cmdQueue(name), JSON.stringify(body), { msgID: id });
  return id;
}

const venueOrders = (engine: SimEngine) => [...engine.activeOrders(GW), ...engine.doneOrders(GW)];
const result = (r: CommandReply) => (r.ok ? r.result : r.code) as { clientId: string; state: string };

describe('nats commands re-delivered to the gateway kernel', () => {
  it('a place the dead gateway ran answers its order (no second order); the rest run or expire', async () => {
    const engine = makeEngine();
    const dir = tempDir('nats-redeliver');
    const name = gatewayName();
    const replies: CommandReply[] = [];
    const replyTo = createInbox();
    nc.subscribe(replyTo, { callback: (_e, m) => void replies.push(parseReply(m.data) as CommandReply) });
    await nc.flush();

    // First life: the place runs through the kernel (the order reaches the venue), then the
    // gateway hangs before replying and dies.
    let ran: { clientId: string } | undefined;
    const a = await boot(engine, dir, name, (h) => async (cmd, payload, ctx) => {
      const r = await h(cmd, payload, ctx);
      if (r.ok) ran = r.value as { clientId: string };
      return new Promise(() => undefined);
    });
    await allocate(a);
    const placed = await enqueue(name, PLACE, replyTo);
    await until(() => ran !== undefined, 5000, 'place ran');
    expect(a.journal.lookupKey('cmd', requestKey(placed))).toBeDefined();
    // Two more wait behind it; one of them expires meanwhile.
    const never = await enqueue(name, { ...PLACE, price: '58000' }, replyTo);
    const expired = await enqueue(name, { ...PLACE, price: '57000' }, replyTo, { deadline: Date.now() - 1 });
    await a.crash();
    expect(venueOrders(engine)).toHaveLength(1);
    expect(replies).toHaveLength(0);

    // Second life, same journal: answered on start, in order.
    const b = await boot(engine, dir, name);
    await until(() => replies.length >= 3, 10_000, 'three replies');
    const [r1, r2, r3] = replies as [CommandReply, CommandReply, CommandReply];
    expect(r1).toMatchObject({ id: placed, ok: true });
    expect(result(r1)).toMatchObject({ clientId: ran!.clientId, state: 'open' });
    expect(r2).toMatchObject({ id: never, ok: true });
    expect(result(r2).clientId).not.toBe(ran!.clientId);
    expect(r3).toMatchObject({ id: expired, ok: false, code: 'DG_E_BUS_EXPIRED' });
    expect(b.bus.redelivered).toBe(1);

    const atVenue = venueOrders(engine).map((o) => o.clientOid);
    expect(atVenue.sort()).toEqual([ran!.clientId, result(r2).clientId].sort());
    expect(b.kernel.snapshot().orders).toHaveLength(2);
    expect(b.journal.lookupKey('cmd', requestKey(expired))).toBeUndefined();
  });

  it('the TS client: a keyed place retried after a restart answers the same order', async () => {
    const engine = makeEngine();
    const dir = tempDir('nats-redeliver-key');
    const name = gatewayName();
    const client = await NatsCommandClient.connect();
    open.push(() => client.close());

    const a = await boot(engine, dir, name);
    await allocate(a);
    const p1 = await client.sendCommand(name, 'place', PLACE, { key: 'mm-place-1' });
    expect(p1.ok).toBe(true);
    const cid = result(p1).clientId;
    await a.crash();

    await boot(engine, dir, name);
    const retry = await client.sendCommand(name, 'place', PLACE, { key: 'mm-place-1' });
    expect(result(retry)).toMatchObject({ clientId: cid, state: 'open' });
    expect(venueOrders(engine)).toHaveLength(1);
  });
});
