/**
 * Test support for the gateway kernel: an engine with a funded gateway account and a taker, and
 * comparisons of the kernel's ledger with the engine's account (the venue's truth).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { systemClock, type Clock } from '../../src/core/clock.js';
import { DEFAULT_MARKETS } from '../../src/venue/sim/default-markets.js';
import { SimEngine } from '../../src/venue/sim/engine.js';
import { GatewayKernel } from '../../src/gateway/kernel.js';
import { Journal } from '../../src/store/journal.js';
import { SimVenue } from '../../src/venue/sim-venue/sim-venue.js';

export const GW = 'gw';
export const TAKER = 'taker';

const made: string[] = [];

/** Remove every directory tempDir() made (tests: afterAll; the bench: at its end). */
export function removeTempDirs(): void {
  for (const d of made.splice(0)) rmSync(d, { recursive: true, force: true });
}

/** A temporary directory; removeTempDirs() deletes it. */
export function tempDir(prefix: string): string {
  const d = mkdtempSync(join(tmpdir(), `deskgate-${prefix}-`));
  made.push(d);
  return d;
}

export function makeEngine(clock: Clock = systemClock, fees = { makerBps: 10, takerBps: 10 }): SimEngine {
  const engine = new SimEngine({
    markets: DEFAULT_MARKETS,
    clock,
    seed: 3,
    limits: { fillsPerAccount: 100_000, doneOrdersPerAccount: 100_000 },
  });
  engine.createAccount(GW, fees);
  engine.depositText(GW, 'USDT', '100000');
  engine.depositText(GW, 'BTC', '2');
  engine.depositText(GW, 'ETH', '10');
  engine.createAccount(TAKER);
  engine.depositText(TAKER, 'USDT', '10000000');
  engine.depositText(TAKER, 'BTC', '1000');
  engine.depositText(TAKER, 'ETH', '10000');
  return engine;
}

/** Engine totals of an account per currency, as decimal strings. */
export function venueTotals(
  engine: SimEngine,
  account: string,
): Record<string, { total: string; free: string; frozen: string }> {
  const out: Record<string, { total: string; free: string; frozen: string }> = {};
  for (const b of engine.balances(account)) {
    out[b.currency] = {
      total: engine.formatAmount(b.currency, b.total),
      free: engine.formatAmount(b.currency, b.available),
      frozen: engine.formatAmount(b.currency, b.hold),
    };
  }
  return out;
}

/** Slot 0 of the kernel's ledger per currency. */
export function kernelTotals(k: GatewayKernel): Record<string, { total: string; free: string; frozen: string }> {
  const out: Record<string, { total: string; free: string; frozen: string }> = {};
  for (const [c, rows] of Object.entries(k.snapshot().balances)) {
    const r = rows[0];
    out[c] = { total: r.total, free: r.free, frozen: r.frozen };
  }
  return out;
}

export async function until(cond: () => boolean, ms = 5000, what = 'condition'): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

/**
 * A started kernel for strategy `mm` (slot 2) over GW's account on `engine`, journaling into
 * `<dir>/journal.db` (one file per test: a reboot on the same dir replays it).
 */
export async function startKernel(
  engine: SimEngine,
  dir: string,
  name: string,
): Promise<{ kernel: GatewayKernel; journal: Journal; venue: SimVenue }> {
  const journal = new Journal({ file: join(dir, 'journal.db') });
  const venue = new SimVenue({ engine, account: GW });
  const kernel = new GatewayKernel({
    name,
    venue,
    journal,
    strategies: { mm: 2 },
    shmPath: false,
    settleMs: 5,
    lagMs: 50,
  });
  const started = await kernel.start();
  if (!started.ok) throw started.error;
  return { kernel, journal, venue };
}
