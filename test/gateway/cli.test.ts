/**
 * `deskgate gateway` as its own process (embedded sim venue, NATS bus): a strategy allocates and
 * places through it, then SIGTERM stops it cleanly and a restart replays its journal.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { connectCommandClient } from '../../src/bus/client.js';
import { dropGatewayStreams } from '../support/nats-streams.js';
import { removeTempDirs, tempDir } from './support.js';

afterAll(() => removeTempDirs());
// The gateway's JetStream streams outlive it: remove this run's.
afterAll(() => dropGatewayStreams(`cli_${process.pid}`));

const ROOT = join(fileURLToPath(new URL('.', import.meta.url)), '..', '..');
const procs: ChildProcess[] = [];
afterAll(() => {
  for (const p of procs) if (p.exitCode === null) p.kill('SIGKILL');
});

function startCli(name: string, journal: string): Promise<{ child: ChildProcess; out: () => string }> {
  const child = spawn(
    process.execPath,
    [
      '--import',
      'tsx',
      join(ROOT, 'src/cli/main.ts'),
      'gateway',
      '--name',
      name,
      '--journal',
      journal,
      '--bus',
      'nats',
      '--strategies',
      'mm:2',
    ],
    { cwd: ROOT, stdio: ['ignore', 'pipe', 'inherit'] },
  );
  procs.push(child);
  let out = '';
  return new Promise((resolve, reject) => {
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      if (out.includes(`gateway ${name}: nats bus`)) resolve({ child, out: () => out });
    });
    child.on('exit', (code) => reject(new Error(`gateway exited ${code}: ${out}`)));
  });
}

describe('deskgate gateway (CLI)', () => {
  it('serves commands over NATS, stops on SIGTERM, replays on restart', async () => {
    const name = `cli_${process.pid}`;
    const journal = join(tempDir('cli'), 'j.db');
    const a = await startCli(name, journal);
    const client = await connectCommandClient({ transport: 'nats' });
    const alloc = await client.sendCommand(name, 'allocate', {
      strategy: 'mm',
      cmd: 'allocate',
      currency: 'USDT',
      amount: '1000',
      index: 2,
    });
    expect(alloc.ok).toBe(true);
    const placed = await client.sendCommand(name, 'place', {
      strategy: 'mm',
      instrument: 'BTC-USDT',
      side: 'buy',
      price: '1000',
      size: '0.001',
    });
    expect(placed.ok && (placed.result as { state: string }).state).toBe('open');
    a.child.removeAllListeners('exit');
    const exited = new Promise<number | null>((r) => a.child.once('exit', (c) => r(c)));
    a.child.kill('SIGTERM');
    expect(await exited).toBe(0);

    const b = await startCli(name, journal);
    expect(b.out()).toMatch(/epoch 2/);
    const bal = await client.sendCommand(name, 'query', { what: 'balance', currency: 'USDT', index: 2 });
    expect(bal.ok && bal.result).toMatchObject({ total: '1000', free: '999', frozen: '1' });
    await client.close();
    b.child.removeAllListeners('exit');
    const done = new Promise((r) => b.child.once('exit', r));
    b.child.kill('SIGTERM');
    await done;
    const shm = `/dev/shm/deskgate-${name}.bal`;
    if (existsSync(shm)) rmSync(shm);
  });
});
