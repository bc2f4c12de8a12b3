/** `deskgate serve` as a process: a bad config and an insecure host are refused with clear messages. */
import { spawn } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { removeTempDirs, tempDir } from './support.js';

afterAll(() => removeTempDirs());

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

function run(args: string[]): Promise<{ code: number | null; out: string; err: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', 'serve', ...args], {
      cwd: ROOT,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    child.stdout.on('data', (b: Buffer) => (out += b.toString()));
    child.stderr.on('data', (b: Buffer) => (err += b.toString()));
    child.on('exit', (code) => resolve({ code, out, err }));
  });
}

describe('deskgate serve CLI refusals', () => {
  it('bad config: exit 2, every bad field by path; insecure host: exit 1, nothing listens', async () => {
    const dir = tempDir('cli');
    const bad = join(dir, 'bad.json');
    writeFileSync(
      bad,
      JSON.stringify({ listeners: { dealer: { port: -1 } }, logs: { max_age: 'forever' }, bus: 'kafka' }),
    );
    const insecure = join(dir, 'insecure.json');
    const data = join(dir, 'data');
    writeFileSync(insecure, JSON.stringify({ host: '0.0.0.0', dataDir: data }));
    const check = join(dir, 'check.json');
    writeFileSync(
      check,
      JSON.stringify({
        token: 'inline-token-Xy12',
        venues: [
          {
            type: 'ccxt',
            name: 'kc',
            exchange: 'kucoin',
            credentials: { apiKey: { env: 'DG_UNSET_KEY_9' }, secret: { env: 'DG_UNSET_SECRET_9' } },
          },
        ],
      }),
    );
    const [a, b, c] = await Promise.all([
      run(['--config', bad]),
      run(['--config', insecure]),
      run(['--check', '--config', check]),
    ]);
    // --check: effective config printed with inline secrets masked; unset env secrets named; exit 2.
    expect(c.code).toBe(2);
    expect(c.out).toMatch(/"token": "\[inline secret\]"/);
    expect(c.out).toMatch(/"rotate_time": 86400000/);
    expect(c.out + c.err).not.toMatch(/inline-token-Xy12/);
    expect(c.err).toMatch(/venues\.0\.credentials\.apiKey: environment variable DG_UNSET_KEY_9 is not set/);
    expect(a.code).toBe(2);
    expect(a.err).toMatch(/DG_E_SERVE_CONFIG/);
    expect(a.err).toMatch(/listeners\.dealer\.port: /);
    expect(a.err).toMatch(/logs\.max_age: bad duration "forever"/);
    expect(a.err).toMatch(/bus: /);
    expect(b.code).toBe(1);
    expect(b.err).toMatch(/DG_E_SERVE_INSECURE: host 0\.0\.0\.0 is not loopback/);
    expect(b.out).not.toMatch(/listen /);
    expect(existsSync(join(data, 'sim.journal'))).toBe(false);
  }, 60_000);
});
