/** `deskgate bus send` and `deskgate journal verify|dump` as a user runs them. */
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { NatsBus } from '../../src/bus/nats-bus.js';
import { Journal } from '../../src/store/journal.js';
import { TestGateway, uniqueGateway } from './test-gateway.js';

const run = promisify(execFile);
const main = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../src/cli/main.ts');
const dir = mkdtempSync(path.join(tmpdir(), 'dg-cli-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function cli(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const r = await run(process.execPath, ['--import', 'tsx', main, ...args], { timeout: 30_000 });
    return { code: 0, ...r };
  } catch (e) {
    const err = e as { code?: number; stdout?: string; stderr?: string };
    return { code: err.code ?? -1, stdout: err.stdout ?? '', stderr: err.stderr ?? '' };
  }
}

describe('deskgate bus send', () => {
  it('sends a command over NATS and prints the reply; error replies exit 1', async () => {
    const gw = uniqueGateway('cli');
    const bus = await NatsBus.connect({ gateway: gw, jetstream: false });
    const gateway = new TestGateway({ usd: 10n });
    await bus.serveCommands(gateway.handler);
    try {
      const ok = await cli([
        'bus',
        'send',
        '-t',
        'nats',
        gw,
        'allocate',
        '{"strategy":"c","currency":"usd","amount":"4","index":2}',
      ]);
      expect(ok.code).toBe(0);
      expect(JSON.parse(ok.stdout)).toMatchObject({ ok: true, result: { main: '6', slot: '4' } });
      const bad = await cli([
        'bus',
        'send',
        '-t',
        'nats',
        gw,
        'allocate',
        '{"strategy":"c","currency":"usd","amount":"40","index":2}',
      ]);
      expect(bad.code).toBe(1);
      expect(JSON.parse(bad.stdout)).toMatchObject({ ok: false, code: 'DG_E_LEDGER_INSUFFICIENT' });
      const notJson = await cli(['bus', 'send', '-t', 'nats', gw, 'allocate', '{oops']);
      expect(notJson.code).toBe(1);
      expect(notJson.stderr).toContain('payload is not JSON');
    } finally {
      await bus.close();
    }
  }, 60_000);
});

describe('deskgate journal', () => {
  it('verifies and dumps a journal, and flags a damaged one', async () => {
    const file = path.join(dir, 'cli.sqlite');
    const j = new Journal({ file });
    for (let i = 0; i < 5; i++) j.append({ kind: 'evt', type: 'fill', payload: { i } });
    j.close();
    const v = await cli(['journal', 'verify', file]);
    expect(v.code).toBe(0);
    expect(JSON.parse(v.stdout)).toMatchObject({ sqlite: 'ok', badRows: [], first: 1, last: 5, count: 5 });
    const d = await cli(['journal', 'dump', file, '--from', '2', '--limit', '2']);
    expect(
      d.stdout
        .trim()
        .split('\n')
        .map((l) => (JSON.parse(l) as { seq: number }).seq),
    ).toEqual([2, 3]);
    const raw = new Database(file);
    raw.prepare("UPDATE journal SET type = 'fil' WHERE seq = 3").run();
    raw.close();
    const bad = await cli(['journal', 'verify', file]);
    expect(bad.code).toBe(1);
    expect(JSON.parse(bad.stdout)).toMatchObject({ badRows: [3] });
  }, 60_000);
});
