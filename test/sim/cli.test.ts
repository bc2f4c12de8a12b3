import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const run = promisify(execFile);
const root = path.resolve(import.meta.dirname, '../..');

describe('deskgate sim (CLI)', () => {
  it('runs the flow in real time and prints plain status lines when not on a TTY', async () => {
    const { stdout } = await run(
      process.execPath,
      [
        '--import',
        'tsx',
        'src/cli/main.ts',
        'sim',
        '--symbols',
        'BTC-USDT',
        '--rate',
        '300',
        '--duration',
        '2.5',
        '--status-ms',
        '1000',
      ],
      { cwd: root, timeout: 30_000 },
    );
    const lines = stdout.trim().split('\n');
    const status = lines.filter((l) => l.includes('BTC-USDT'));
    expect(status.length).toBeGreaterThanOrEqual(2);
    for (const l of status) {
      expect(l).toMatch(/^\[\d+s\] BTC-USDT mid \d+(\.\d+)? spr \d+t live \d+ ev\/s \d+ trades \d+$/);
      expect(l).not.toContain('\r');
    }
    expect(lines[lines.length - 1]).toMatch(/^commands \d+ \(\d+\/s\), catch-up lags \d+$/);
    const live = Number(/live (\d+)/.exec(status[status.length - 1])?.[1]);
    expect(live).toBeGreaterThan(20);
  });

  it('rejects an unknown market and a bad rate', async () => {
    await expect(
      run(
        process.execPath,
        ['--import', 'tsx', 'src/cli/main.ts', 'sim', '--symbols', 'DOGE-USDT', '--duration', '1'],
        { cwd: root, timeout: 30_000 },
      ),
    ).rejects.toMatchObject({
      stderr: expect.stringMatching(/DOGE-USDT/),
    });
    await expect(
      run(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', 'sim', '--rate', 'fast'], {
        cwd: root,
        timeout: 30_000,
      }),
    ).rejects.toMatchObject({
      stderr: expect.stringMatching(/rate must be a positive number/),
    });
  });
});
