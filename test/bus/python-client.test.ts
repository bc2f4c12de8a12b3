/** The stdlib-only Python client talks to a gateway over the real Redis. */
import { execFile, execFileSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RedisBus } from '../../src/bus/redis-bus.js';
import { TestGateway, uniqueGateway } from './test-gateway.js';

const run = promisify(execFile);
const here = path.dirname(fileURLToPath(import.meta.url));
const script = path.resolve(here, '../../clients/python/deskgate_bus_redis.py');
const hasPython = ((): boolean => {
  try {
    execFileSync('python3', ['--version']);
    return true;
  } catch {
    return false;
  }
})();

async function py(args: string[]): Promise<{ code: number; reply: Record<string, unknown> }> {
  try {
    const { stdout } = await run('python3', [script, ...args], { timeout: 20_000 });
    return { code: 0, reply: JSON.parse(stdout) as Record<string, unknown> };
  } catch (e) {
    const err = e as { code?: number; stdout?: string };
    return { code: err.code ?? -1, reply: JSON.parse(err.stdout ?? '{}') as Record<string, unknown> };
  }
}

describe.runIf(hasPython)('python client over redis', () => {
  const gw = uniqueGateway('py');
  let bus: RedisBus;
  const gateway = new TestGateway({ usd: 1000n });
  beforeAll(async () => {
    bus = await RedisBus.connect({ gateway: gw });
    await bus.serveCommands(gateway.handler);
  });
  afterAll(async () => bus.close());

  it('allocates, places, and gets stable error codes', async () => {
    const alloc = await py([
      gw,
      'allocate',
      '{"strategy":"py","currency":"usd","amount":"600","index":2}',
      '--key',
      'py-1',
    ]);
    expect(alloc).toEqual({
      code: 0,
      reply: expect.objectContaining({ ok: true, result: { currency: 'usd', main: '400', slot: '600' } }),
    });
    const again = await py([
      gw,
      'allocate',
      '{"strategy":"py","currency":"usd","amount":"600","index":2}',
      '--key',
      'py-1',
    ]);
    expect(again.reply).toMatchObject({ ok: true, result: { slot: '600' } });
    expect(gateway.main.get('usd')).toBe(400n);
    const place = await py([
      gw,
      'place',
      '{"strategy":"py","symbol":"BTC-USD","side":"buy","price":"10","size":"5","clientOid":"p1"}',
    ]);
    expect(place.reply).toMatchObject({ ok: true, result: { orderId: 'o1', reserved: '50' } });
    const bad = await py([gw, 'allocate', '{"strategy":"py"}']);
    expect(bad).toMatchObject({ code: 1, reply: { ok: false, code: 'DG_E_BUS_BAD_PAYLOAD' } });
    const timeout = await py([uniqueGateway('nobody'), 'allocate', '{}', '--timeout', '0.3']);
    expect(timeout).toMatchObject({ code: 1, reply: { ok: false, code: 'DG_E_BUS_TIMEOUT' } });
    expect(String(timeout.reply.message)).toContain('never delivered');
    const badName = await py(['bad.name', 'allocate']);
    expect(badName.reply).toMatchObject({ ok: false, code: 'DG_E_BUS_BAD_NAME' });
  });
});
