/**
 * `deskgate algo …` against a real loopback API server (the commander program run in-process, its
 * output captured): start with parameters, status list and one, pause with a reason, cancel, and a
 * refusal carrying the stable code.
 */
import { Command } from 'commander';
import { afterAll, describe, expect, it } from 'vitest';
import { startHttpApi } from '../../../src/api/http/server.js';
import { registerAlgoCommand } from '../../../src/cli/algo-command.js';
import { bootGateway, makeMarket, removeTempDirs, run, tempDir } from './support.js';

afterAll(() => removeTempDirs());

async function cli(url: string, token: string, args: string[]): Promise<string> {
  let out = '';
  const program = new Command().exitOverride();
  registerAlgoCommand(program, { out: (t) => (out += t), env: {} });
  await program.parseAsync(['node', 'deskgate', 'algo', ...args, '--url', url, '--token', token]);
  return out;
}

describe('deskgate algo', () => {
  it('starts, shows, pauses and cancels a parent over the REST API', async () => {
    const m = makeMarket(41, 31 * 60_000);
    const g = await bootGateway(m, tempDir('cli'), { fund: true });
    const api = await startHttpApi({ port: g.port, algos: g.service, clock: m.clock, token: 's3cret' });
    try {
      const started = await cli(api.url, 's3cret', [
        'start',
        '--symbol',
        'BTC-USDT',
        '--side',
        'sell',
        '--size',
        '0.03',
        '--mode',
        'passive',
        '--duration',
        '10m',
        '--param',
        'improveInside=false',
        '--param',
        'finishUp.mode=none',
        '--json',
      ]);
      const view = JSON.parse(started) as { id: number; status: string; mode: string };
      expect(view).toMatchObject({ id: 1, status: 'running', mode: 'passive' });
      await run(m, g, 5_000);

      const list = await cli(api.url, 's3cret', ['status']);
      expect(list).toMatch(/^#1 passive sell 0\.03 BTC\/USDT \[algo\] running \| filled /);
      const one = await cli(api.url, 's3cret', ['status', '1']);
      expect(one.split('\n').length).toBeGreaterThan(2);
      expect(one).toMatch(/\n {2}algo-\S+ passive limit /);
      expect(one).toMatch(/\n {2}tca: arrival \d+(\.\d+)? /);

      expect(await cli(api.url, 's3cret', ['pause', '1', '--reason', 'desk call'])).toMatch(/paused \(desk call\)/);
      expect(await cli(api.url, 's3cret', ['cancel', '1'])).toMatch(/ cancelled /);
      await expect(cli(api.url, 's3cret', ['resume', '1'])).rejects.toThrow(/DG_E_ALGO_BAD_TRANSITION/);
      await expect(cli(api.url, 'wrong', ['status'])).rejects.toThrow(/DG_E_API_BAD_TOKEN/);
    } finally {
      await api.close();
      await g.drop();
    }
  }, 60_000);
});
