import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';
import { chunkCount, runChunk } from '../../src/risk/liqsim/kernel.js';
import { runSimulation, workerEntry } from '../../src/risk/liqsim/pool.js';
import { randomPositions, validatePosition } from '../../src/risk/liqsim/positions.js';
import { buildReport } from '../../src/risk/liqsim/report.js';
import { runLiqsim } from '../../src/risk/liqsim/run.js';
import { buildSetup } from '../../src/risk/liqsim/setup.js';
import { combine, lossQuantile } from '../../src/risk/liqsim/stats.js';

const ROOT = path.join(import.meta.dirname, '..', '..');
const CSV = path.join(ROOT, 'test', 'fixtures', 'risk', 'btc-usdt-1h-garch.csv');
const POS_BTC = path.join(ROOT, 'test', 'fixtures', 'risk', 'positions-btc.csv');

function setupRandom(seed: number, paths = 6000) {
  return buildSetup(randomPositions(8, seed), {
    model: 'merton',
    paths,
    steps: 240,
    dtS: 3600,
    seed,
    chunkSize: 1024,
    fanPaths: 50,
  });
}

describe('liqsim engine', () => {
  it('same seed ⇒ same numbers for 1 and 2 worker threads (tsx worker path); another seed differs', async () => {
    const s = setupRandom(5);
    const one = combine(s.config, await runSimulation(s.config, { threads: 1 }));
    const two = combine(s.config, await runSimulation(s.config, { threads: 2 }));
    const r1 = JSON.stringify(buildReport(s, one, 'merton'));
    expect(JSON.stringify(buildReport(s, two, 'merton'))).toBe(r1);
    expect(one.aggregate.pMarginCall.value).toBeGreaterThan(0);
    const other = setupRandom(6);
    const o = combine(other.config, await runSimulation(other.config, { threads: 2 }));
    expect(JSON.stringify(buildReport(other, o, 'merton'))).not.toBe(r1);
    expect(workerEntry().eval).toBe(true);
  });

  it('compiled JS (dist layout) loads worker.js and gives the same numbers', () => {
    // Transpile src/ to a temp dist-like tree (as tsc -p tsconfig.build.json would), then run it with plain node.
    const tmp = mkdtempSync(path.join(os.tmpdir(), 'dg-liqsim-dist-'));
    try {
      const emit = (dir: string): void => {
        for (const f of readdirSync(path.join(ROOT, 'src', dir), { withFileTypes: true })) {
          const rel = path.join(dir, f.name);
          if (f.isDirectory()) emit(rel);
          else if (f.name.endsWith('.ts')) {
            const out = ts.transpileModule(readFileSync(path.join(ROOT, 'src', rel), 'utf8'), {
              compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022 },
            }).outputText;
            mkdirSync(path.join(tmp, 'dist', dir), { recursive: true });
            writeFileSync(path.join(tmp, 'dist', rel.replace(/\.ts$/, '.js')), out);
          }
        }
      };
      emit('core');
      emit('risk');
      writeFileSync(path.join(tmp, 'package.json'), '{"type":"module"}');
      symlinkSync(path.join(ROOT, 'node_modules'), path.join(tmp, 'node_modules'), 'dir');
      const script = `
        import { randomPositions } from './dist/risk/liqsim/positions.js';
        import { buildSetup } from './dist/risk/liqsim/setup.js';
        import { runSimulation, workerEntry } from './dist/risk/liqsim/pool.js';
        import { combine } from './dist/risk/liqsim/stats.js';
        import { buildReport } from './dist/risk/liqsim/report.js';
        const s = buildSetup(randomPositions(8, 5), { model: 'merton', paths: 6000, steps: 240, dtS: 3600, seed: 5, chunkSize: 1024, fanPaths: 50 });
        const st = combine(s.config, await runSimulation(s.config, { threads: 2 }));
        process.stdout.write(JSON.stringify({ entry: workerEntry(), report: buildReport(s, st, 'merton') }));
      `;
      writeFileSync(path.join(tmp, 'check.mjs'), script);
      const out = JSON.parse(execFileSync(process.execPath, ['check.mjs'], { cwd: tmp, encoding: 'utf8' })) as {
        entry: { eval: boolean; script: string };
        report: unknown;
      };
      expect(out.entry.eval).toBe(false);
      expect(String(out.entry.script)).toMatch(/dist\/risk\/liqsim\/worker\.js$/);
      const s = setupRandom(5);
      const local = combine(
        s.config,
        Array.from({ length: chunkCount(s.config) }, (_, c) => runChunk(s.config, c)),
      );
      expect(JSON.stringify(out.report)).toBe(JSON.stringify(buildReport(s, local, 'merton')));
    } finally {
      rmSync(tmp, { recursive: true, force: true });
    }
  });

  it('delayed forced sale: loss = loan − collateral × price(hit + delay) × (1 − slippage)', () => {
    // A deterministic falling price (σ ≈ 0): x_k = k·ν·dt exactly, so the hit step, sale step and loss are known.
    const input = {
      id: 'd',
      collateralCoin: 'BTC',
      collateralAmount: '1',
      loanCoin: 'USDT',
      loanAmount: '80',
      ltvInitial: 0.7,
      ltvMarginCall: 0.85,
      ltvLiquidation: 0.9,
      liquidationDelay: '3h',
      slippage: 0.02,
    };
    const p = validatePosition(input, 0);
    const sigma = 1e-12;
    const mu = -365; // ν·dt ≈ −4.2 % per hour
    const s = buildSetup([p], {
      model: 'gbm',
      paths: 50,
      steps: 200,
      dtS: 3600,
      seed: 1,
      markets: { 'BTC/USDT': { price: 100, sigma, mu } },
    });
    const st = combine(s.config, [runChunk(s.config, 0)]);
    const nuDt = (mu - 0.5 * sigma * sigma) / (365 * 24);
    const hit = Math.ceil(Math.log(80 / 0.9 / 100) / nuDt - 1e-9);
    const loss = 80 - 100 * Math.exp((hit + 3) * nuDt) * 0.98;
    const pos = st.positions[0];
    expect(pos.pLiquidation.value).toBe(1);
    expect(pos.pMarginCall.value).toBe(1);
    expect(pos.pLoss.value).toBe(1);
    expect(pos.expectedLoss.value).toBeCloseTo(loss, 6);
    expect(pos.var99.value).toBeCloseTo(loss, 6);
    expect(st.aggregate.expectedLoss.value).toBeCloseTo(loss, 6);
    // With no slippage and no delay the sale happens at the first price under the line (≈ 88.2 > 80): no loss.
    const q = validatePosition({ ...input, id: 'e', liquidationDelay: 0, slippage: 0 }, 0);
    const s2 = buildSetup([q], {
      model: 'gbm',
      paths: 50,
      steps: 200,
      dtS: 3600,
      seed: 1,
      markets: { 'BTC/USDT': { price: 100, sigma, mu } },
    });
    expect(combine(s2.config, [runChunk(s2.config, 0)]).positions[0].pLoss.value).toBe(0);
  });

  it('loss quantiles count the zero losses', () => {
    const sorted = Float64Array.from([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    expect(lossQuantile(sorted, 100, 0.95).value).toBe(5); // 90 zeros then 1..10: the 95th smallest is 5
    expect(lossQuantile(sorted, 100, 0.99).value).toBe(9);
    expect(lossQuantile(sorted, 1000, 0.95).value).toBe(0);
  });

  it('runLiqsim: GARCH from the candle fixture, HTML report self-contained with the three charts', async () => {
    const r = await runLiqsim({
      model: 'garch',
      positionsFile: POS_BTC,
      paths: 3000,
      steps: 72,
      seed: 3,
      threads: 1,
      candleFiles: [CSV],
    });
    expect(r.report.dt).toBe('1h');
    expect(r.report.pairs[0].model).toMatch(/GARCH\(1,1\)-t on 999 3600s returns/);
    const html = r.html();
    expect(html).toMatch(/price paths/);
    expect(html).toMatch(/LTV distribution over time/);
    expect(html).toMatch(/Aggregate loss/);
    expect(html).not.toMatch(/<script|<link|https?:\/\/(?!www\.w3\.org\/2000\/svg)/);
  });

  it('CLI: liqsim --json is identical for --threads 1 and 2, and --out writes HTML', () => {
    const out = mkdtempSync(path.join(os.tmpdir(), 'dg-liqsim-cli-'));
    try {
      const run = (threads: number, extra: string[] = []): string =>
        execFileSync(
          process.execPath,
          [
            '--import',
            'tsx',
            'src/cli/main.ts',
            'risk',
            'liqsim',
            '--random',
            '6',
            '--paths',
            '5000',
            '--steps',
            '96',
            '--seed',
            '9',
            '--threads',
            String(threads),
            '--json',
            '--no-progress',
            ...extra,
          ],
          {
            cwd: ROOT,
            encoding: 'utf8',
            stdio: ['ignore', 'pipe', 'pipe'],
          },
        );
      const a = run(1);
      const b = run(2, ['--out', path.join(out, 'r.html')]);
      expect(b).toBe(a);
      const rep = JSON.parse(a) as { positions: unknown[]; seed: number; horizon: string };
      expect(rep.positions).toHaveLength(6);
      expect(rep.horizon).toBe('4d');
      expect(readFileSync(path.join(out, 'r.html'), 'utf8')).toMatch(/<svg /);
      let err = '';
      try {
        execFileSync(
          process.execPath,
          [
            '--import',
            'tsx',
            'src/cli/main.ts',
            'risk',
            'liqsim',
            '--positions',
            POS_BTC,
            '--model',
            'garch',
            '--candles',
            CSV,
            '--steps',
            '5',
            '--paths',
            '10',
            '--dt',
            '30m',
          ],
          { cwd: ROOT, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] },
        );
      } catch (e) {
        err = String((e as { stderr: string }).stderr);
      }
      expect(err).toMatch(
        /deskgate: invalid input: BTC\/USDT: --dt 1800s must be a whole multiple of the candle interval 3600s/,
      );
    } finally {
      rmSync(out, { recursive: true, force: true });
    }
  });
});
