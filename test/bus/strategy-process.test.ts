/** "A strategy process in another process allocates funds and places an order" — through Redis and through NATS. */
import { execFile } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import type { Bus } from '../../src/bus/bus.js';
import { natsNames } from '../../src/bus/names.js';
import { NatsBus } from '../../src/bus/nats-bus.js';
import { RedisBus } from '../../src/bus/redis-bus.js';
import type { BusEvent } from '../../src/bus/wire.js';
import { TestGateway, uniqueGateway } from './test-gateway.js';

const run = promisify(execFile);
const here = path.dirname(fileURLToPath(import.meta.url));
const toClose: Array<() => Promise<void>> = [];
afterAll(async () => {
  for (const c of toClose.reverse()) await c();
});

async function gatewayOn(transport: 'redis' | 'nats', gw: string): Promise<Bus> {
  if (transport === 'redis') {
    const bus = await RedisBus.connect({ gateway: gw });
    toClose.push(() => bus.close());
    return bus;
  }
  const bus = await NatsBus.connect({ gateway: gw });
  toClose.push(async () => {
    const jsm = await bus.connection.jetstreamManager();
    await jsm.streams.delete(bus.streamName!).catch(() => undefined);
    await jsm.streams.delete(bus.commandStreamName!).catch(() => undefined);
    await jsm.streams.delete(natsNames.attemptsStream(bus.gateway)).catch(() => undefined);
    await bus.close();
  });
  return bus;
}

describe.each(['redis', 'nats'] as const)('strategy process over %s', (transport) => {
  it('allocates funds and places an order from another process', async () => {
    const gw = uniqueGateway(`proc_${transport}`);
    const bus = await gatewayOn(transport, gw);
    const gateway = new TestGateway({ usd: 50_000n });
    gateway.attach(bus);
    await bus.serveCommands(gateway.handler);
    const orders: BusEvent[] = [];
    await bus.subscribe(['order'], (e) => orders.push(e));

    const { stdout } = await run(
      process.execPath,
      ['--import', 'tsx', path.join(here, 'strategy-child.ts'), transport, gw, 'grid1'],
      {
        timeout: 30_000,
      },
    );
    const replies = stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(replies).toHaveLength(4);
    expect(replies[0]).toMatchObject({ ok: true, result: { main: '40000', slot: '10000' } });
    expect(replies[1]).toMatchObject({ ok: true, result: { orderId: 'o1', reserved: '1000' } });
    expect(replies[2]).toMatchObject({ ok: false, code: 'DG_E_LEDGER_INSUFFICIENT' });
    expect(replies[3]).toMatchObject({ ok: true, result: { main: '49000', slot: '0' } });
    // the gateway's state agrees, and it saw the order
    expect(gateway.main.get('usd')).toBe(49_000n);
    expect(gateway.slots.get('grid1/usd')).toBe(0n);
    expect(gateway.orders.map((o) => [o.clientOid, o.price, o.size])).toEqual([['grid1-1', '250', '4']]);
    expect(gateway.journal.lookupKey('cmd', 'grid1-place-1')).toBeGreaterThan(0);
    // a restart replays the journal to the same state
    const restarted = new TestGateway({ usd: 50_000n });
    await restarted.replayFrom(gateway.journal);
    expect(restarted.main).toEqual(gateway.main);
    expect(restarted.slots).toEqual(gateway.slots);
    expect(restarted.orders).toEqual(gateway.orders);
    for (let i = 0; i < 100 && orders.length === 0; i++) await new Promise((r) => setTimeout(r, 10));
    expect(orders[0]?.data).toMatchObject({ clientOid: 'grid1-1', status: 'open' });
  }, 60_000);
});
