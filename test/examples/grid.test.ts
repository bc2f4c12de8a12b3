/**
 * The Python grid demo (examples/grid/) against `deskgate serve` on the embedded sim with the Redis
 * bus: the strategy registers, allocates, places its grid, counters fills one step away, and on
 * SIGINT cancels everything and releases its slot; the order monitor lists the orders. Real Redis on
 * 127.0.0.1:6379; skipped only if python3 is absent.
 */
import { execFile, execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { parseServeConfig } from '../../src/gateway/serve/config.js';
import { startServe, type ServeHandle } from '../../src/gateway/serve/serve.js';

const run = promisify(execFile);
const here = path.dirname(fileURLToPath(import.meta.url));
const dir = path.resolve(here, '../../examples/grid');
const hasPython = ((): boolean => {
  try {
    execFileSync('python3', ['--version']);
    return true;
  } catch {
    return false;
  }
})();

interface OrderView {
  clientId: string;
  strategy: string;
  side: 'buy' | 'sell';
  price: string;
  size: string;
  filledSize: string;
  state: string;
}

/** Prices on the 0.1 tick as integers, so comparisons are exact. */
const ticks = (p: string): number => Math.round(Number(p) * 10);

async function until(fn: () => boolean, ms: number, what: string): Promise<void> {
  const end = Date.now() + ms;
  while (!fn()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe.runIf(hasPython)('examples/grid: Python grid strategy and order monitor over the Redis bus', () => {
  const tmp = mkdtempSync(path.join(tmpdir(), 'dg-grid-'));
  const gw = `grid${process.pid}${Math.floor(Math.random() * 1e6)}`;
  let h: ServeHandle | undefined;
  let child: ChildProcess | undefined;

  afterAll(async () => {
    if (child && child.exitCode === null) child.kill('SIGKILL');
    await h?.close();
    rmSync(tmp, { recursive: true, force: true });
  });

  it('places the grid, counters a fill one step away, cancels and releases on SIGINT; the monitor lists the orders', async () => {
    const example = JSON.parse(readFileSync(path.join(dir, 'deskgate.json'), 'utf8')) as Record<string, unknown>;
    const parsed = parseServeConfig({
      ...example,
      dataDir: tmp,
      venues: [{ type: 'sim', name: gw, symbols: ['BTC-USDT'], seed: 3, ratePerSec: 400 }],
      listeners: { fmz: { enabled: false }, dealer: { enabled: false }, l3rpc: { enabled: false }, http: { port: 0 } },
      metricsPort: 0,
    });
    if (!parsed.ok) throw parsed.error;
    expect(parsed.value.bus).toBe('redis'); // the example's bus, kept
    h = await startServe({ config: parsed.value, print: () => undefined });
    const kernel = h.gateways[0]!.kernel;
    const http = h.listeners.find((l) => l.name === 'http')!;
    const query = async <T>(payload: Record<string, unknown>): Promise<T> => {
      const r = await kernel.command('query', payload);
      if (!r.ok) throw new Error(`${r.error.code} ${r.error.message}`);
      return r.value as T;
    };

    let out = '';
    let err = '';
    const c = spawn(
      'python3',
      [
        path.join(dir, 'grid_strategy.py'),
        ...['--gateway', gw, '--http', `http://127.0.0.1:${http.port}`, '--symbol', 'BTC-USDT'],
        ...['--allocate', 'USDT=2000', '--allocate', 'BTC=0.02', '--levels', '3', '--step-ticks', '10'],
        ...['--size', '0.001', '--poll', '1'],
      ],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    child = c;
    c.stdout!.on('data', (b: Buffer) => (out += b.toString()));
    c.stderr!.on('data', (b: Buffer) => (err += b.toString()));
    const exited = new Promise<number | null>((r) => c.on('exit', (code) => r(code)));

    const COUNTER = / place (buy|sell) \S+ @ \S+ \(counter of (\S+)\) key=\S+ -> (\S+) /;
    await until(() => COUNTER.test(out) || c.exitCode !== null, 45_000, `a counter order (log: ${out}${err})`);
    expect(c.exitCode, err + out).toBeNull();

    // While it runs: the monitor's one-shot listing shows open grid orders the kernel knows.
    const live = await run('python3', [
      path.join(dir, 'order_monitor.py'),
      ...['--gateway', gw, '--strategy', 'grid', '--plain', '--once'],
    ]);
    const liveLines = live.stdout.trim().split('\n').filter(Boolean);
    expect(liveLines.length).toBeGreaterThan(0);
    for (const l of liveLines) {
      const [, tag, strategy, clientId] = l.split(' ');
      expect(tag).toBe('order');
      expect(strategy).toBe('grid');
      const o = await query<OrderView>({ what: 'order', clientId });
      expect(o.strategy).toBe('grid');
    }

    c.kill('SIGINT');
    const code = await Promise.race([exited, new Promise<'hung'>((r) => setTimeout(() => r('hung'), 40_000))]);
    expect(code, `${out}\n${err}`).toBe(0);
    expect(out).toMatch(/ no open grid orders\n/);
    expect(out).toMatch(/ stopped: placed \d+/);

    // The grid as placed: levels buys below and sells above the anchor, one step apart.
    const head = / grid grid on \S+: anchor (\S+) step (\S+) levels 3 /.exec(out);
    expect(head, out).not.toBeNull();
    const anchor = ticks(head![1]!);
    const step = ticks(head![2]!);
    expect(step).toBe(10);
    const open = await query<OrderView[]>({ what: 'orders', strategy: 'grid' });
    const closed = await query<OrderView[]>({ what: 'orders', strategy: 'grid', closed: true });
    expect(open).toEqual([]); // nothing of the grid left open
    const all = new Map(closed.map((o) => [o.clientId, o]));
    const levels = [...out.matchAll(/ place (buy|sell) (\S+) @ (\S+) \(level ([+-]\d)\) key=\S+ -> (\S+) /g)];
    expect(levels).toHaveLength(6);
    for (const [, side, size, , level, clientId] of levels) {
      const o = all.get(clientId!);
      expect(o, clientId).toBeDefined();
      expect(o!.side).toBe(side);
      expect(o!.size).toBe(size);
      expect(ticks(o!.price)).toBe(anchor + Number(level) * step);
      expect(o!.side === 'buy' ? Number(level) < 0 : Number(level) > 0).toBe(true);
    }

    // A fill led to the opposite order one step away, for the filled amount (kernel truth).
    const m = COUNTER.exec(out)!;
    const filled = all.get(m[2]!)!;
    const counter = all.get(m[3]!)!;
    expect(Number(filled.filledSize)).toBeGreaterThan(0);
    expect(counter.side).toBe(filled.side === 'buy' ? 'sell' : 'buy');
    expect(counter.side).toBe(m[1]);
    expect(ticks(counter.price)).toBe(ticks(filled.price) + (filled.side === 'buy' ? step : -step));
    expect(Number(counter.size)).toBeLessThanOrEqual(Number(filled.filledSize));
    for (const o of closed) expect(['filled', 'canceled']).toContain(o.state);

    // Funds released: the grid's slot is empty in both currencies.
    const slot = Number(/ register strategy=grid slot=(\d+)/.exec(out)![1]);
    for (const currency of ['BTC', 'USDT']) {
      const b = await query<{ total: string; free: string; frozen: string }>({
        what: 'balance',
        currency,
        index: slot,
      });
      expect(Number(b.total), currency).toBe(0);
      expect(Number(b.frozen), currency).toBe(0);
    }
    expect(out).toMatch(/ release \S+ USDT -> main /);

    // After the stop: the monitor's listing with --closed has exactly the kernel's grid orders.
    const after = await run('python3', [
      path.join(dir, 'order_monitor.py'),
      ...['--gateway', gw, '--strategy', 'grid', '--plain', '--once', '--closed'],
    ]);
    const listed = after.stdout
      .trim()
      .split('\n')
      .map((l) => l.split(' ')[3]);
    expect(new Set(listed)).toEqual(new Set(all.keys()));
    expect(after.stdout).toMatch(/ canceled/);
  });
});
