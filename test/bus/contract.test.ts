/** The same behaviour over every transport: in-process, real Redis, real NATS. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Bus, CommandClient } from '../../src/bus/bus.js';
import { connectCommandClient } from '../../src/bus/client.js';
import { LocalHub } from '../../src/bus/local-bus.js';
import { natsNames } from '../../src/bus/names.js';
import { NatsBus } from '../../src/bus/nats-bus.js';
import { RedisBus } from '../../src/bus/redis-bus.js';
import type { BusEvent } from '../../src/bus/wire.js';
import { TestGateway, uniqueGateway } from './test-gateway.js';

interface Rig {
  gatewayBus: Bus;
  subscriberBus: Bus;
  client: CommandClient;
  close(): Promise<void>;
}

const rigs: Record<string, (gw: string) => Promise<Rig>> = {
  local: async (gw) => {
    const hub = new LocalHub();
    const gatewayBus = hub.bus(gw);
    return { gatewayBus, subscriberBus: hub.bus(gw), client: hub.client(), close: async () => gatewayBus.close() };
  },
  redis: async (gw) => {
    const gatewayBus = await RedisBus.connect({ gateway: gw });
    const subscriberBus = await RedisBus.connect({ gateway: gw });
    const client = await connectCommandClient({ transport: 'redis' });
    return {
      gatewayBus,
      subscriberBus,
      client,
      close: async () => {
        await client.close();
        await subscriberBus.close();
        await gatewayBus.close();
      },
    };
  },
  nats: async (gw) => {
    const gatewayBus = await NatsBus.connect({ gateway: gw });
    const subscriberBus = await NatsBus.connect({ gateway: gw, jetstream: false });
    const client = await connectCommandClient({ transport: 'nats' });
    return {
      gatewayBus,
      subscriberBus,
      client,
      close: async () => {
        await client.close();
        await subscriberBus.close();
        const jsm = await gatewayBus.connection.jetstreamManager();
        await jsm.streams.delete(gatewayBus.streamName!).catch(() => undefined);
        await jsm.streams.delete(gatewayBus.commandStreamName!).catch(() => undefined);
        await jsm.streams.delete(natsNames.attemptsStream(gatewayBus.gateway)).catch(() => undefined);
        await gatewayBus.close();
      },
    };
  },
};

function waitFor<T>(items: T[], n: number, ms = 5000): Promise<void> {
  const start = Date.now();
  return new Promise((resolve, reject) => {
    const tick = (): void => {
      if (items.length >= n) return resolve();
      if (Date.now() - start > ms) return reject(new Error(`only ${items.length}/${n} arrived`));
      setTimeout(tick, 10);
    };
    tick();
  });
}

describe.each(Object.keys(rigs))('bus contract over %s', (transport) => {
  const gw = uniqueGateway(transport);
  let rig: Rig;
  let gateway: TestGateway;

  beforeAll(async () => {
    rig = await rigs[transport]!(gw);
    gateway = new TestGateway({ usd: 1_000_000n, btc: 50n });
    gateway.attach(rig.gatewayBus);
    await rig.gatewayBus.serveCommands(gateway.handler);
  });
  afterAll(async () => rig.close());

  it('delivers published events to subscribers, filtered by type, in order', async () => {
    const all: BusEvent[] = [];
    const fills: BusEvent[] = [];
    const s1 = await rig.subscriberBus.subscribe('*', (e) => all.push(e));
    const s2 = await rig.subscriberBus.subscribe(['fill'], (e) => fills.push(e));
    for (let i = 0; i < 5; i++) await rig.gatewayBus.publish({ type: i % 2 ? 'fill' : 'book', data: { i } });
    await waitFor(all, 5);
    await waitFor(fills, 2);
    expect(all.map((e) => (e.data as { i: number }).i)).toEqual([0, 1, 2, 3, 4]);
    expect(fills.map((e) => [e.type, (e.data as { i: number }).i, e.gateway])).toEqual([
      ['fill', 1, gw],
      ['fill', 3, gw],
    ]);
    expect(new Set(all.map((e) => e.id)).size).toBe(5);
    await s1.close();
    await s2.close();
    await rig.gatewayBus.publish({ type: 'fill', data: { i: 99 } });
    await new Promise((r) => setTimeout(r, 100));
    expect(all).toHaveLength(5);
  });

  it('a subscriber that throws does not break delivery to others', async () => {
    const got: BusEvent[] = [];
    const s1 = await rig.subscriberBus.subscribe('*', () => {
      throw new Error('subscriber bug');
    });
    const s2 = await rig.subscriberBus.subscribe('*', (e) => got.push(e));
    await rig.gatewayBus.publish({ type: 'book', data: 1 });
    await rig.gatewayBus.publish({ type: 'book', data: 2 });
    await waitFor(got, 2);
    expect(got.map((e) => e.data)).toEqual([1, 2]);
    await s1.close();
    await s2.close();
  });

  it('refuses bad event names before anything is sent', async () => {
    await expect(rig.gatewayBus.publish({ type: 'Fill.*', data: 1 })).rejects.toMatchObject({
      code: 'DG_E_BUS_BAD_NAME',
    });
    await expect(rig.subscriberBus.subscribe(['a>b'], () => undefined)).rejects.toMatchObject({
      code: 'DG_E_BUS_BAD_NAME',
    });
  });

  it('allocates funds and places an order by request/reply; events follow', async () => {
    const events: BusEvent[] = [];
    const sub = await rig.subscriberBus.subscribe(['order', 'balance'], (e) => events.push(e));
    const a = await rig.client.sendCommand(gw, 'allocate', {
      strategy: 's1',
      currency: 'usd',
      amount: '5000',
      index: 2,
    });
    expect(a).toMatchObject({ ok: true, result: { currency: 'usd', main: '995000', slot: '5000' } });
    const p = await rig.client.sendCommand(gw, 'place', {
      strategy: 's1',
      symbol: 'BTC-USD',
      side: 'buy',
      price: '100',
      size: '30',
      clientOid: 'c1',
    });
    expect(p).toMatchObject({ ok: true, result: { orderId: 'o1', reserved: '3000' } });
    expect(gateway.slots.get('s1/usd')).toBe(2000n);
    await waitFor(events, 2);
    expect(events.map((e) => e.type)).toEqual(['balance', 'order']);
    expect(events[1]!.data).toEqual({ orderId: 'o1', clientOid: 'c1', status: 'open' });
    await sub.close();
  });

  it('answers errors with stable codes and keeps serving', async () => {
    const over = await rig.client.sendCommand(gw, 'allocate', {
      strategy: 's2',
      currency: 'usd',
      amount: '999999999',
      index: 2,
    });
    expect(over).toMatchObject({ ok: false, code: 'DG_E_LEDGER_INSUFFICIENT' });
    const unknown = await rig.client.sendCommand(gw, 'withdraw_all', {});
    expect(unknown).toMatchObject({ ok: false, code: 'DG_E_BUS_UNKNOWN_COMMAND' });
    const bad = await rig.client.sendCommand(gw, 'allocate', {
      strategy: 's2',
      currency: 'usd',
      amount: 12.5,
      index: 2,
    });
    expect(bad).toMatchObject({ ok: false, code: 'DG_E_BUS_BAD_PAYLOAD' });
    expect(bad.ok === false && bad.message).toContain('amount');
    const noPayload = await rig.client.sendCommand(gw, 'place');
    expect(noPayload).toMatchObject({ ok: false, code: 'DG_E_BUS_BAD_PAYLOAD' });
    const badName = await rig.client.sendCommand(gw, 'drop table; --', {});
    expect(badName).toMatchObject({ ok: false, code: 'DG_E_BUS_BAD_REQUEST' });
    const boom = await rig.client.sendCommand(gw, 'boom', {});
    expect(boom).toMatchObject({ ok: false, code: 'DG_E_INTERNAL' });
    expect(boom.ok === false && boom.message).not.toContain('secret');
    // still serving
    const ok = await rig.client.sendCommand(gw, 'allocate', { strategy: 's2', currency: 'btc', amount: '5', index: 3 });
    expect(ok).toMatchObject({ ok: true, result: { slot: '5' } });
  });

  it('a retried command with the same idempotency key runs once', async () => {
    const payload = { strategy: 's3', currency: 'btc', amount: '2', index: 2 };
    const first = await rig.client.sendCommand(gw, 'allocate', payload, { key: `k-${transport}` });
    const again = await rig.client.sendCommand(gw, 'allocate', payload, { key: `k-${transport}` });
    expect(first.ok && again.ok && again.result).toEqual(first.ok && first.result);
    expect(gateway.slots.get('s3/btc')).toBe(2n);
    expect(gateway.journal.lookupKey('cmd', `k-${transport}`)).toBeGreaterThan(0);
  });

  it('times out with DG_E_BUS_TIMEOUT when the gateway is too slow, then carries on', async () => {
    const r = await rig.client.sendCommand(gw, 'slow', { ms: 800 }, { timeoutMs: 200 });
    expect(r).toMatchObject({ ok: false, code: 'DG_E_BUS_TIMEOUT' });
    const after = await rig.client.sendCommand(gw, 'slow', { ms: 0 }, { timeoutMs: 3000 });
    expect(after).toMatchObject({ ok: true, result: 'done' });
  });

  it('a gateway nobody serves: no gateway (NATS, local) or timeout (Redis queue)', async () => {
    const r = await rig.client.sendCommand(uniqueGateway('nobody'), 'allocate', {}, { timeoutMs: 300 });
    expect(r.ok).toBe(false);
    expect(r.ok === false && r.code).toBe(transport === 'redis' ? 'DG_E_BUS_TIMEOUT' : 'DG_E_BUS_NO_GATEWAY');
    const badGw = await rig.client.sendCommand('a.b', 'allocate', {});
    expect(badGw).toMatchObject({ ok: false, code: 'DG_E_BUS_BAD_NAME' });
  });
});
