/** NATS-specific behaviour against the real server: raw malformed requests and JetStream durable resume. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { NatsConnection } from 'nats';
import { DurableEventReader } from '../../src/bus/jetstream.js';
import { natsNames } from '../../src/bus/names.js';
import { NatsBus } from '../../src/bus/nats-bus.js';
import { openNats } from '../../src/bus/nats-connect.js';
import { parseReply } from '../../src/bus/wire.js';
import { TestGateway, uniqueGateway } from './test-gateway.js';

const gw = uniqueGateway('nats');
let bus: NatsBus;
let nc: NatsConnection;

beforeAll(async () => {
  bus = await NatsBus.connect({ gateway: gw });
  await bus.serveCommands(new TestGateway({ usd: 100n }).handler);
  nc = await openNats();
});
afterAll(async () => {
  const jsm = await nc.jetstreamManager();
  await jsm.streams.delete(natsNames.stream(gw)).catch(() => undefined);
  await jsm.streams.delete(natsNames.cmdStream(gw)).catch(() => undefined);
  await jsm.streams.delete(natsNames.attemptsStream(gw)).catch(() => undefined);
  await nc.close();
  await bus.close();
});

describe('nats command server hardening', () => {
  it('answers every malformed request with a stable code and keeps serving', async () => {
    const ask = async (body: string | Uint8Array): Promise<unknown> =>
      parseReply((await nc.request(natsNames.cmd(gw), body, { timeout: 3000 })).data);
    expect(await ask('garbage')).toMatchObject({ ok: false, code: 'DG_E_BUS_BAD_REQUEST' });
    expect(await ask(new Uint8Array([0xff, 0xfe, 0x00]))).toMatchObject({ ok: false, code: 'DG_E_BUS_BAD_REQUEST' });
    expect(await ask('[]')).toMatchObject({ ok: false, code: 'DG_E_BUS_BAD_REQUEST' });
    expect(await ask('{"v":1,"id":"q1","cmd":42}')).toMatchObject({
      id: 'q1',
      ok: false,
      code: 'DG_E_BUS_BAD_REQUEST',
    });
    expect(await ask(JSON.stringify({ v: 1, id: 'q2', cmd: 'allocate', payload: { strategy: 'a' } }))).toMatchObject({
      id: 'q2',
      ok: false,
      code: 'DG_E_BUS_BAD_PAYLOAD',
    });
    nc.publish(natsNames.cmd(gw), 'no reply subject'); // counted, nothing to answer
    expect(
      await ask(
        JSON.stringify({
          v: 1,
          id: 'q3',
          cmd: 'allocate',
          payload: { strategy: 'a', currency: 'usd', amount: '7', index: 2 },
        }),
      ),
    ).toMatchObject({ id: 'q3', ok: true, result: { slot: '7' } });
    expect(bus.errors.count('DG_E_BUS_BAD_REQUEST')).toBeGreaterThanOrEqual(5);
  });
});

describe('JetStream durable order/fill events', () => {
  it('a durable consumer resumes after a restart and gets the rest exactly once', async () => {
    const ids: string[] = [];
    for (let i = 0; i < 10; i++) {
      const id = `ev-${i}`;
      ids.push(id);
      await bus.publish({ type: i % 3 === 0 ? 'fill' : 'order', id, data: { i } });
    }
    await bus.publish({ type: 'book', data: { not: 'durable' } }); // not in the stream
    await bus.publish({ type: 'order', id: 'ev-3', data: { i: 3, dup: true } }); // same id: de-duplicated

    const first = await DurableEventReader.open({ gateway: gw, durable: 'risk' });
    const got1 = await first.fetch(4, 1000);
    expect(got1.map((d) => d.event.id)).toEqual(ids.slice(0, 4));
    for (const d of got1) await d.ack();
    await first.close(); // "restart"

    const second = await DurableEventReader.open({ gateway: gw, durable: 'risk' });
    const rest: string[] = [];
    for (let k = 0; k < 5 && rest.length < 6; k++) {
      for (const d of await second.fetch(10, 1000)) {
        expect(d.redelivered).toBe(false);
        rest.push(d.event.id);
        await d.ack();
      }
    }
    expect(rest).toEqual(ids.slice(4));
    expect(await second.fetch(10, 1000)).toEqual([]);
    await second.close();

    // a second durable name starts from the beginning; a filtered one sees only fills
    const fills = await DurableEventReader.open({ gateway: gw, durable: 'fills_only', type: 'fill' });
    const f = await fills.fetch(10, 1000);
    expect(f.map((d) => d.event.type)).toEqual(['fill', 'fill', 'fill', 'fill']);
    expect(f.map((d) => (d.event.data as { i: number }).i)).toEqual([0, 3, 6, 9]);
    await fills.close();
  });

  it('an event delivered but not acked comes back to the same durable', async () => {
    await bus.publish({ type: 'fill', id: 'late-1', data: { i: 100 } });
    const r1 = await DurableEventReader.open({ gateway: gw, durable: 'unacked', ackWaitMs: 1000 });
    const all = await r1.fetch(20, 1000);
    const target = all.find((d) => d.event.id === 'late-1');
    expect(target).toBeDefined();
    for (const d of all) if (d !== target) await d.ack();
    await r1.close();
    const r2 = await DurableEventReader.open({ gateway: gw, durable: 'unacked', ackWaitMs: 1000 });
    let again: string[] = [];
    for (let k = 0; k < 5 && again.length === 0; k++) again = (await r2.fetch(20, 1000)).map((d) => d.event.id);
    expect(again).toEqual(['late-1']);
    await r2.close();
  });
});
