/**
 * Bus end to end (S4.5, S4.6): the kernel served over Redis and over NATS (the real servers on this
 * machine); a strategy in another process (test/gateway/strategy-process.ts, src/bus/client.ts)
 * registers, allocates and places an order; the order's events arrive on the bus; a Python process
 * (clients/python/deskgate_shm.py) reads the strategy's balance from the shared-memory file.
 */
import { execFile, spawn } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import type { Bus } from '../../src/bus/bus.js';
import { NatsBus } from '../../src/bus/nats-bus.js';
import { RedisBus } from '../../src/bus/redis-bus.js';
import type { BusEvent, CommandReply } from '../../src/bus/wire.js';
import { GatewayKernel } from '../../src/gateway/kernel.js';
import { Journal } from '../../src/store/journal.js';
import { SimVenue } from '../../src/venue/sim-venue/sim-venue.js';
import { GW, makeEngine, removeTempDirs, tempDir, until } from './support.js';

afterAll(() => removeTempDirs());

const HERE = fileURLToPath(new URL('.', import.meta.url));
const ROOT = join(HERE, '..', '..');
const run = promisify(execFile);
const cleanup: Array<() => Promise<void>> = [];
afterEach(async () => {
  while (cleanup.length) await cleanup.pop()!();
});

async function connect(transport: 'redis' | 'nats', gateway: string): Promise<Bus> {
  return transport === 'redis' ? RedisBus.connect({ gateway }) : NatsBus.connect({ gateway, jetstream: false });
}

function strategyProcess(transport: string, gateway: string, strategy: string, index: number): Promise<CommandReply[]> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', join(HERE, 'strategy-process.ts'), transport, gateway, strategy, String(index)],
      {
        stdio: ['ignore', 'pipe', 'inherit'],
      },
    );
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.on('error', reject);
    child.on('exit', (code) => {
      if (code !== 0) return reject(new Error(`strategy process exited ${code}`));
      resolve(
        out
          .trim()
          .split('\n')
          .map((l) => JSON.parse(l) as CommandReply),
      );
    });
  });
}

describe.each(['redis', 'nats'] as const)('gateway over %s', (transport) => {
  it('a strategy process allocates and places; events arrive on the bus; Python reads the slot from shm', async () => {
    const gateway = `dgk_${transport}_${process.pid}`;
    const dir = tempDir(`bus-${transport}`);
    const engine = makeEngine();
    const venue = new SimVenue({ engine, account: GW });
    const journal = new Journal({ file: join(dir, 'journal.db') });
    const bus = await connect(transport, gateway);
    const shmPath = join(dir, 'balances.shm');
    const kernel = new GatewayKernel({ name: gateway, venue, journal, buses: [bus], shmPath, settleMs: 5 });
    const started = await kernel.start();
    expect(started.ok).toBe(true);
    const serving = await bus.serveCommands(kernel.handler);
    // Another connection listens, as another process would.
    const listener = await connect(transport, gateway);
    const events: BusEvent[] = [];
    const sub = await listener.subscribe('*', (e) => events.push(e));
    cleanup.push(async () => {
      await sub.close();
      await listener.close();
      await serving.close();
      await kernel.stop();
      await bus.close();
      await venue.close();
      journal.close();
    });

    const replies = await strategyProcess(transport, gateway, 'alpha', 4);
    expect(replies.map((r) => r.ok)).toEqual([true, true, true, false, true]);
    const [, alloc, placed, bad, bal] = replies;
    expect(alloc.ok && alloc.result).toMatchObject({
      currency: 'USDT',
      index: 4,
      slot: { total: '2500', free: '2500' },
    });
    const order = (placed.ok ? placed.result : {}) as { clientId: string; state: string; venueOrderId: string };
    expect(order.clientId).toMatch(/^alpha-1--1$/);
    expect(order.state).toBe('open');
    expect(!bad.ok && bad.code).toBe('DG_E_LEDGER_BAD_AMOUNT');
    expect(bal.ok && bal.result).toEqual({ currency: 'USDT', index: 4, total: '2500', free: '1905', frozen: '595' });
    // The venue has it, under the gateway-made client order id.
    expect(engine.orderByClientOid(GW, order.clientId)?.orderId).toBe(order.venueOrderId);

    await until(
      () =>
        events.some(
          (e) =>
            e.type === 'order' &&
            (e.data as { clientId?: string }).clientId === order.clientId &&
            (e.data as { state?: string }).state === 'open',
        ),
      5000,
      'order event',
    );
    await until(
      () => events.some((e) => e.type === 'balance' && (e.data as { currency?: string }).currency === 'USDT'),
      5000,
      'balance event',
    );
    const orderEvents = events.filter(
      (e) => e.type === 'order' && (e.data as { clientId?: string }).clientId === order.clientId,
    );
    expect(orderEvents[0].gateway).toBe(gateway);
    expect((orderEvents[0].data as { event: string }).event).toBe('submit');

    const py = await run('python3', [join(ROOT, 'clients/python/deskgate_shm.py'), shmPath, 'USDT', '4'], {
      cwd: ROOT,
    });
    expect(py.stdout).toMatch(/total=2500 free=1905 frozen=595/);
  });
});
