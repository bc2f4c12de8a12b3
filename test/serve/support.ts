/** Helpers for the serve tests: temp dirs, FMZ / MOV / metrics calls over real loopback HTTP. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseServeConfig, type ServeConfig } from '../../src/gateway/serve/config.js';

const dirs: string[] = [];
export function tempDir(tag: string): string {
  const d = mkdtempSync(join(tmpdir(), `dg-serve-${tag}-`));
  dirs.push(d);
  return d;
}
export function removeTempDirs(): void {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
}

/** Every listener on port 0 (ephemeral), the given data dir, a light sim flow. */
export function testConfig(dataDir: string, extra: Record<string, unknown> = {}): ServeConfig {
  const r = parseServeConfig({
    dataDir,
    listeners: { fmz: { port: 0 }, dealer: { port: 0 }, l3rpc: { port: 0 }, http: { port: 0 } },
    venues: [{ type: 'sim', ratePerSec: 40, seed: 7 }],
    metricsPort: 0,
    ...extra,
  });
  if (!r.ok) throw r.error;
  return r.value;
}

export interface FmzBody {
  data?: unknown;
  error?: string;
}

export async function fmz(
  url: string,
  method: string,
  params: Record<string, unknown> = {},
  keys: { access_key: string; secret_key: string } = { access_key: 'ak', secret_key: 'sk' },
  headers: Record<string, string> = {},
): Promise<FmzBody> {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify({ ...keys, nonce: Date.now() * 1_000_000, method, params }),
  });
  return (await res.json()) as FmzBody;
}

export async function until<T>(
  fn: () => Promise<T | undefined> | T | undefined,
  ms = 10_000,
  what = 'condition',
): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (v !== undefined) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Deepest bid of an FMZ depth reply (a price that rests, on the grid). */
export async function restingBid(url: string, symbol: string): Promise<string> {
  return until(
    async () => {
      const d = await fmz(url, 'depth', { symbol, limit: '20' });
      const bids = (d.data as { bids?: [string | number, string | number][] } | undefined)?.bids ?? [];
      return bids.length >= 3 ? String(bids[bids.length - 1][0]) : undefined;
    },
    15_000,
    `${symbol} bids`,
  );
}
