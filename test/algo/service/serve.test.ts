/**
 * `deskgate serve` wiring: every gateway gets an AlgoService (config `algos`), its strategy slot is
 * funded up to the configured amounts (a top-up: a restart adds nothing), the service is on the
 * ServeHandle, and a parent started before a restart of the whole daemon is there again after it.
 * Listeners are off: this is about the gateway wiring only.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parseServeConfig, type ServeConfig } from '../../../src/gateway/serve/config.js';
import { startServe } from '../../../src/gateway/serve/serve.js';
import { removeTempDirs, tempDir } from './support.js';

afterAll(() => removeTempDirs());

function config(dataDir: string, algos: Record<string, unknown>): ServeConfig {
  const r = parseServeConfig({
    dataDir,
    venues: [{ type: 'sim', ratePerSec: 40, seed: 9 }],
    listeners: {
      fmz: { enabled: false },
      dealer: { enabled: false },
      l3rpc: { enabled: false },
      http: { enabled: false },
    },
    metrics: false,
    algos,
  });
  if (!r.ok) throw r.error;
  return r.value;
}

async function waitFor<T>(fn: () => T | undefined, ms = 15_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = fn();
    if (v !== undefined) return v;
    if (Date.now() > end) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('serve: algo service per gateway', () => {
  it('funds the algo slot, runs a parent, and has it back after a daemon restart', async () => {
    const dir = tempDir('serve');
    const cfg = config(dir, { allocate: { USDT: '50000', BTC: '1' } });
    const quiet = { print: () => undefined };
    const a = await startServe({ config: cfg, ...quiet });
    let id: number;
    try {
      const gw = a.gateways[0];
      expect(gw.algos).toBeDefined();
      expect(gw.algoAllocated).toEqual({ USDT: '50000', BTC: '1' });
      const usdt = gw.kernel.snapshot().balances.USDT;
      expect(usdt.find((r) => r.name === 'algo')?.total).toBe('50000');
      // The API strategy still gets the rest of main.
      expect(usdt.find((r) => r.name === 'api')?.total).toBe('950000');
      expect(existsSync(join(a.dataDir, `${gw.name}-algos.db`))).toBe(true);

      const r = await gw.algos!.start({
        symbol: 'BTC-USDT',
        side: 'buy',
        size: '0.01',
        mode: 'passive',
        duration: '10m',
      });
      if (!r.ok) throw r.error;
      id = r.value.id;
      // Rounds run on the service's own timers.
      await waitFor(() => {
        const v = gw.algos!.status(id);
        return v.ok && v.value.round > 0 ? v.value : undefined;
      });
    } finally {
      await a.close();
    }

    const b = await startServe({ config: cfg, ...quiet });
    try {
      const gw = b.gateways[0];
      // Top-up: the slot already holds the configured amounts.
      expect(gw.algoAllocated).toEqual({});
      expect(gw.kernel.snapshot().balances.USDT.find((r) => r.name === 'algo')?.total).toBe('50000');
      const v = gw.algos!.status(id);
      if (!v.ok) throw v.error;
      expect(v.value).toMatchObject({ id, status: 'running', size: '0.01', mode: 'passive' });
      expect((await gw.algos!.cancel(id)).ok).toBe(true);
    } finally {
      await b.close();
    }
  }, 60_000);

  it('refuses an algo strategy equal to the API strategy, and can be disabled', () => {
    const bad = parseServeConfig({ algos: { strategy: 'api' } });
    expect(bad.ok).toBe(false);
    if (!bad.ok) expect(bad.error.message).toMatch(/algos\.strategy/);
    const off = parseServeConfig({ algos: { enabled: false } });
    expect(off.ok && off.value.algos.enabled).toBe(false);
    const dflt = parseServeConfig({});
    expect(dflt.ok && dflt.value.algos).toEqual({
      enabled: true,
      strategy: 'algo',
      allocate: {},
      onRestart: 'resume',
      tickMs: 250,
    });
  });
});
