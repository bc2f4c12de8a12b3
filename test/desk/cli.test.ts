/** The `deskgate desk` commands as a user runs them (separate processes, SQLite under a data dir). */
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';

const run = promisify(execFile);
const root = path.resolve(import.meta.dirname, '../..');
// Resolved from the repo, since the commands run with the temporary directory as cwd.
const tsxLoader = pathToFileURL(path.join(root, 'node_modules/tsx/dist/loader.mjs')).href;
const dir = mkdtempSync(path.join(tmpdir(), 'dg-cli-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function deskgate(...args: string[]): Promise<{ stdout: string; stderr: string }> {
  return run(process.execPath, ['--import', tsxLoader, path.join(root, 'src/cli/main.ts'), ...args], {
    cwd: dir,
    timeout: 60_000,
  });
}

describe('deskgate desk CLI', () => {
  it('imports with per-row rejects, matches, reports and runs a watch pass', async () => {
    const t = Date.UTC(2026, 0, 2, 3, 4, 5);
    writeFileSync(
      path.join(dir, 'locks.csv'),
      [
        'id,client_id,side,symbol,base_amount,price,lock_time',
        `L1,C1,buy,BTC-USDT,1.5,60000,${new Date(t).toISOString()}`,
        `L2,C1,sell,BTC-USDT,2,60010,${(t + 60_000) / 1000}`,
        `L3,C1,short,BTC-USDT,2,60010,${t}`,
      ].join('\n'),
    );
    writeFileSync(
      path.join(dir, 'hedges.json'),
      JSON.stringify([
        {
          id: 'H1',
          client_id: 'C1',
          side: 'buy',
          base: 'BTC',
          quote: 'USDT',
          base_amount: '1.5',
          avg_price: '59990',
          fee: '1.2',
          method: 'twap',
          start_time: t + 3000,
        },
        {
          id: 'H2',
          client_id: 'C1',
          side: 'sell',
          base: 'BTC',
          quote: 'USDT',
          base_amount: '1',
          avg_price: '60020',
          method: 'otchedge',
          start_time: t + 70_000,
        },
        {
          id: 'H3',
          client_id: 'C1',
          side: 'sell',
          base: 'BTC',
          quote: 'USDT',
          base_amount: '1',
          avg_price: '60030',
          method: 'otchedge',
          start_time: t + 80_000,
        },
      ]),
    );
    const imp = await deskgate(
      'desk',
      'import',
      '--locks',
      'locks.csv',
      '--hedges',
      'hedges.json',
      '--rejects',
      'rejects.csv',
    );
    expect(imp.stdout).toContain('locks locks.csv: 3 rows, 2 new, 0 unchanged, 1 rejected');
    expect(imp.stdout).toContain('row 3 id=L3: side DG_E_BAD_SIDE');
    expect(readFileSync(path.join(dir, 'rejects.csv'), 'utf8')).toContain('lock,3,L3,side,DG_E_BAD_SIDE');
    expect(existsSync(path.join(dir, '.deskgate', 'desk.sqlite'))).toBe(true);

    const m = await deskgate('desk', 'match');
    expect(m.stdout).toContain('matched 2 pairs (1 one-to-many)');
    expect(m.stderr).toContain('match: 2 rows (100%)');

    const r = await deskgate('desk', 'report');
    expect(r.stdout).toContain(path.join(dir, '.deskgate', 'report', 'report.html'));
    const pairs = readFileSync(path.join(dir, '.deskgate', 'report', 'pairs.csv'), 'utf8');
    // L1: (60000 − 59990) × 1.5 − 1.2 = 13.8; L2 (client sell): (60025 − 60010) × 2 = 30.
    expect(pairs).toMatch(/^L1,H1,.*,13\.8,/m);
    expect(pairs).toMatch(/^L2,H2 H3,.*,30,/m);

    const w = await deskgate('desk', 'watch', '--once');
    expect(w.stdout).toContain('first pass: cursor set at the current end');
  });
});
