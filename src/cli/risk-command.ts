/**
 * `deskgate risk …`: the liquidation Monte Carlo (`liqsim`) and the single-coin liquidity report
 * (`coin-report`). See docs/risk.md.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { Command, InvalidArgumentError, Option } from 'commander';
import { systemClock } from '../core/clock.js';
import { CcxtSource } from '../risk/liquidity/ccxt-source.js';
import { buildCoinReport } from '../risk/liquidity/coin-report.js';
import { dirSources } from '../risk/liquidity/dir-source.js';
import { renderHtml as renderCoinHtml, renderMarkdown } from '../risk/liquidity/render.js';
import type { MarketSource } from '../risk/liquidity/source.js';
import { synthSources } from '../risk/liquidity/synth-source.js';
import { SimEngineSource, DEFAULT_WARMUP_MIN } from '../risk/liquidity/sim-engine-source.js';
import { MODEL_KINDS, type ModelKind } from '../risk/liqsim/models.js';
import { defaultThreads } from '../risk/liqsim/pool.js';
import { runLiqsim } from '../risk/liqsim/run.js';
import { progressBar } from '../risk/report/progress.js';

function int(name: string, min: number, max: number): (v: string) => number {
  return (v) => {
    const n = Number(v);
    if (!/^\d+$/.test(v.trim()) || !Number.isSafeInteger(n) || n < min || n > max)
      throw new InvalidArgumentError(`${name} must be an integer in [${min}, ${max}]`);
    return n;
  };
}
function num(name: string): (v: string) => number {
  return (v) => {
    const n = Number(v);
    if (v.trim() === '' || !Number.isFinite(n)) throw new InvalidArgumentError(`${name} must be a number`);
    return n;
  };
}
const collect = (v: string, prev: string[] = []): string[] => [...prev, v];

interface LiqsimCliOpts {
  positions?: string;
  random?: number;
  model: ModelKind;
  paths: number;
  steps: number;
  dt?: string;
  seed: number;
  threads: number;
  out?: string;
  json?: boolean;
  monitoring: 'discrete' | 'continuous';
  candles?: string[];
  candlesFrom?: string;
  timeframe: string;
  candleCount: number;
  sigma?: number;
  mu?: number;
  jumpIntensity?: number;
  jumpMean?: number;
  jumpStd?: number;
  progress: boolean;
}

interface CoinCliOpts {
  fromDir?: string;
  sim?: boolean;
  exchanges?: string;
  notionals: string;
  out?: string;
  quote: string;
  seed: number;
  json?: boolean;
  timeframe?: string;
  candleCount: number;
  simWarmup: number;
}

/** A market-data source spec: "sim", "dir:PATH" or "ccxt:EXCHANGE" (online). */
function candleSource(spec: string, seed: number): MarketSource {
  if (spec === 'sim') return synthSources(seed, systemClock)[0];
  if (spec.startsWith('dir:')) {
    const [dir, exchange] = spec.slice(4).split('#');
    const all = dirSources(dir);
    const s = exchange ? all.find((x) => x.name === exchange) : all[0];
    if (!s) throw new InvalidArgumentError(`no exchange ${exchange} under ${dir}`);
    return s;
  }
  if (spec.startsWith('ccxt:')) return new CcxtSource(spec.slice(5));
  throw new InvalidArgumentError(`--candles-from: expected sim, dir:PATH[#exchange] or ccxt:EXCHANGE, got ${spec}`);
}

export function registerRiskCommand(program: Command): void {
  const risk = program.command('risk').description('Risk tools: liquidation Monte Carlo, single-coin liquidity report');

  risk
    .command('liqsim')
    .description('Forced-liquidation Monte Carlo for collateralised loans')
    .option('--positions <file>', 'positions file (.json or .csv)')
    .option(
      '--random <n>',
      'simulate n random positions instead (default 20 when no file)',
      int('--random', 1, 100_000),
    )
    .addOption(new Option('--model <model>', 'price model').choices([...MODEL_KINDS]).default('gbm'))
    .option('--paths <n>', 'Monte Carlo paths', int('--paths', 1, 1e9), 100_000)
    .option('--steps <n>', 'monitoring steps', int('--steps', 1, 1e7), 720)
    .option('--dt <duration>', 'monitoring interval, e.g. 1m, 1h (default 1h; candle interval for bootstrap/garch)')
    .option('--seed <n>', 'random seed', int('--seed', 0, Number.MAX_SAFE_INTEGER), 1)
    .option('--threads <n>', 'worker threads (results do not depend on it)', int('--threads', 1, 64), defaultThreads())
    .option('--out <file>', 'write the HTML report here')
    .option('--json', 'print the JSON report on stdout')
    .addOption(
      new Option('--monitoring <m>', 'discrete, or continuous (Brownian bridge; gbm/merton)')
        .choices(['discrete', 'continuous'])
        .default('discrete'),
    )
    .option('--candles <file>', 'candles CSV for bootstrap/garch (or PAIR=file, repeatable)', collect)
    .option('--candles-from <src>', 'candles from sim | dir:PATH[#exchange] | ccxt:EXCHANGE (online)')
    .option('--timeframe <tf>', 'candle timeframe for --candles-from', '1h')
    .option('--candle-count <n>', 'candles to fetch for --candles-from', int('--candle-count', 2, 100_000), 1000)
    .option('--sigma <x>', 'annualised volatility for gbm/merton (overrides file/candles)', num('--sigma'))
    .option('--mu <x>', 'annualised drift for gbm/merton', num('--mu'))
    .option('--jump-intensity <x>', 'merton: jumps per year (default 12)', num('--jump-intensity'))
    .option('--jump-mean <x>', 'merton: mean log jump (default -0.03)', num('--jump-mean'))
    .option('--jump-std <x>', 'merton: std of log jump (default 0.04)', num('--jump-std'))
    .option('--no-progress', 'no progress bar on stderr')
    .action(async (o: LiqsimCliOpts) => {
      const bar = o.progress ? progressBar(process.stderr, systemClock, 'liqsim') : undefined;
      const t0 = Date.now();
      const r = await runLiqsim({
        positionsFile: o.positions,
        random: o.random,
        model: o.model,
        paths: o.paths,
        steps: o.steps,
        dt: o.dt,
        seed: o.seed,
        threads: o.threads,
        monitoring: o.monitoring,
        candleFiles: o.candles,
        candleSource: o.candlesFrom
          ? { source: candleSource(o.candlesFrom, o.seed), timeframe: o.timeframe, count: o.candleCount }
          : undefined,
        sigma: o.sigma,
        mu: o.mu,
        jumpIntensity: o.jumpIntensity,
        jumpMean: o.jumpMean,
        jumpStd: o.jumpStd,
        onProgress: bar ? (d, t) => bar.update(d, t) : undefined,
      });
      bar?.finish();
      const secs = (Date.now() - t0) / 1000;
      process.stderr.write(
        `liqsim: ${r.report.paths} paths × ${r.report.steps} steps in ${secs.toFixed(2)} s on ${o.threads} thread(s)\n`,
      );
      if (o.out) {
        mkdirSync(path.dirname(path.resolve(o.out)), { recursive: true });
        writeFileSync(o.out, r.html());
        process.stderr.write(`liqsim: HTML report written to ${o.out}\n`);
      }
      if (o.json) {
        process.stdout.write(`${JSON.stringify(r.report, null, 2)}\n`);
        return;
      }
      const a = r.report.aggregate;
      const pct = (e: { value: number; se: number }): string =>
        `${(e.value * 100).toFixed(3)}% ±${(e.se * 100).toFixed(3)}`;
      const amt = (e: { value: number; se: number }): string => `${e.value.toFixed(2)} ±${e.se.toFixed(2)}`;
      const lines = [
        `model ${r.report.model}, ${r.report.paths} paths × ${r.report.steps} × ${r.report.dt} (horizon ${r.report.horizon}), seed ${r.report.seed}, ${r.report.monitoring} monitoring`,
        ...r.report.pairs.map((p) => `  ${p.pair} @ ${p.price} (${p.priceSource}): ${p.model}`),
        `aggregate (${r.report.positions.length} positions, losses in ${r.report.loanCoin}):`,
        `  P(margin call) ${pct(a.pMarginCall)}  P(liquidation) ${pct(a.pLiquidation)}  P(loss) ${pct(a.pLoss)}`,
        `  E[loss] ${amt(a.expectedLoss)}  VaR95 ${amt(a.var95)}  VaR99 ${amt(a.var99)}`,
        'by position:',
        ...r.report.positions
          .slice(0, 50)
          .map(
            (p) =>
              `  ${p.id.padEnd(8)} ${p.pair.padEnd(10)} LTV ${p.ltvNow.toFixed(3)} liq@${p.liquidationPrice}  P(mc) ${pct(p.pMarginCall)}  P(liq) ${pct(p.pLiquidation)}  P(loss) ${pct(p.pLoss)}  E[loss] ${amt(p.expectedLoss)}  VaR99 ${amt(p.var99)}`,
          ),
      ];
      if (r.report.positions.length > 50) lines.push(`  … ${r.report.positions.length - 50} more (use --json)`);
      process.stdout.write(`${lines.join('\n')}\n`);
    });

  risk
    .command('coin-report')
    .description('Single-coin liquidity report across exchanges, spot and perpetual')
    .argument('<coin>', 'base coin, e.g. BTC')
    .option('--from-dir <dir>', 'saved snapshots (see docs/risk.md for the format)')
    .option('--sim', 'the simulated exchange + synthetic venues, in-process and seeded (the embedded default)')
    .option(
      '--sim-warmup <minutes>',
      'simulated minutes of sim-engine flow before the snapshot',
      int('--sim-warmup', 1, 7 * 1440),
      DEFAULT_WARMUP_MIN,
    )
    .option('--exchanges <list>', 'ccxt exchanges, comma separated (ONLINE: public REST)')
    .option('--notionals <list>', 'quote notionals to fill, comma separated', '10000,100000,1000000')
    .option('--out <dir>', 'write report.md, report.html and report.json here')
    .option('--quote <coin>', 'quote coin', 'USDT')
    .option('--seed <n>', 'seed of the synthetic venues', int('--seed', 0, Number.MAX_SAFE_INTEGER), 1)
    .option('--timeframe <tf>', 'candle timeframe for realised volatility (default 1h; 5m with --sim)')
    .option('--candle-count <n>', 'candles for realised volatility', int('--candle-count', 2, 10_000), 168)
    .option('--json', 'print the JSON report on stdout instead of Markdown')
    .action(async (coin: string, o: CoinCliOpts) => {
      const modes = [o.fromDir !== undefined, o.sim === true, o.exchanges !== undefined].filter(Boolean).length;
      if (modes > 1) throw new InvalidArgumentError('give only one of --from-dir, --sim, --exchanges');
      let sources: MarketSource[];
      let timeframe = o.timeframe ?? '1h';
      const asOf = systemClock.now();
      if (o.fromDir) sources = dirSources(o.fromDir);
      else if (o.exchanges) sources = o.exchanges.split(',').map((s) => new CcxtSource(s.trim()));
      else {
        // --sim (also the default): the simulated exchange, driven by its synthetic flow, plus three
        // synthetic venues (spot + perpetual) from the documented generator.
        timeframe = o.timeframe ?? '5m';
        const simSymbol = `${coin.toUpperCase()}-${o.quote.toUpperCase()}`;
        const engineSource = new SimEngineSource({
          seed: o.seed,
          asOf: Math.floor(asOf / 60_000) * 60_000,
          warmupMinutes: o.simWarmup,
          symbols: ['BTC-USDT', 'ETH-USDT'].includes(simSymbol) ? [simSymbol] : undefined,
        });
        sources = [engineSource, ...synthSources(o.seed, systemClock, [coin])];
      }
      try {
        const rep = await buildCoinReport(sources, {
          coin,
          quote: o.quote,
          notionals: o.notionals.split(',').map((s) => s.trim()),
          timeframe,
          candles: o.candleCount,
          asOf,
        });
        const md = renderMarkdown(rep);
        if (o.out) {
          mkdirSync(o.out, { recursive: true });
          writeFileSync(path.join(o.out, 'report.md'), md);
          writeFileSync(path.join(o.out, 'report.html'), renderCoinHtml(rep));
          writeFileSync(path.join(o.out, 'report.json'), `${JSON.stringify(rep, null, 2)}\n`);
          process.stderr.write(`coin-report: wrote report.md, report.html, report.json to ${o.out}\n`);
        }
        process.stdout.write(o.json ? `${JSON.stringify(rep, null, 2)}\n` : md);
      } finally {
        for (const s of sources) await s.close?.();
      }
    });
}
