/**
 * The liquidation Monte Carlo end to end: positions (file or random) → setup → simulation on
 * worker threads → statistics → JSON report and HTML. File reading lives here, at the edge.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { dgError } from '../../core/errors.js';
import type { MarketSource } from '../liquidity/source.js';
import { candleSeries, parseCandlesCsv, type CandleSeries, type Ohlcv } from './candles.js';
import { parseDurationSeconds } from '../../core/duration.js';
import type { ModelKind } from './models.js';
import { runSimulation } from './pool.js';
import { pairOf, parsePositions, randomPositions, type MarketInput, type Position } from './positions.js';
import { buildReport, renderHtml, type LiqsimReport } from './report.js';
import { buildSetup, type Setup, type SetupOptions } from './setup.js';
import { combine, type SimStats } from './stats.js';

export interface LiqsimOptions {
  readonly positionsFile?: string;
  readonly random?: number;
  readonly model: ModelKind;
  readonly paths: number;
  readonly steps: number;
  /** Monitoring interval, e.g. "1m"; default 1h, or the candle interval for bootstrap/garch. */
  readonly dt?: string;
  readonly seed: number;
  readonly threads?: number;
  readonly monitoring?: 'discrete' | 'continuous';
  /** CSV files: one path for every pair, or "PAIR=path" entries. */
  readonly candleFiles?: readonly string[];
  /** Fetch candles from a market-data source instead (timeframe, count). */
  readonly candleSource?: { source: MarketSource; timeframe: string; count: number };
  readonly sigma?: number;
  readonly mu?: number;
  readonly jumpIntensity?: number;
  readonly jumpMean?: number;
  readonly jumpStd?: number;
  readonly onProgress?: (done: number, total: number) => void;
}

export interface LiqsimResult {
  readonly setup: Setup;
  readonly stats: SimStats;
  readonly report: LiqsimReport;
  html(): string;
}

export function loadPositions(file: string): { positions: Position[]; markets: Record<string, MarketInput> } {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw dgError('DG_E_BAD_INPUT', `cannot read positions file ${file}: ${(e as Error).message}`);
  }
  const ext = path.extname(file).toLowerCase();
  const format =
    ext === '.csv'
      ? 'csv'
      : ext === '.json'
        ? 'json'
        : text.trimStart().startsWith('[') || text.trimStart().startsWith('{')
          ? 'json'
          : 'csv';
  return parsePositions(text, format);
}

async function loadCandles(o: LiqsimOptions, pairs: string[]): Promise<Record<string, CandleSeries>> {
  const out: Record<string, CandleSeries> = {};
  for (const entry of o.candleFiles ?? []) {
    const eq = entry.indexOf('=');
    const file = eq > 0 ? entry.slice(eq + 1) : entry;
    let targets: string[];
    if (eq > 0) targets = [entry.slice(0, eq).toUpperCase()];
    else if (pairs.length === 1) targets = pairs;
    else throw dgError('DG_E_BAD_INPUT', `several pairs (${pairs.join(', ')}): give candles as PAIR=file.csv`);
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch (e) {
      throw dgError('DG_E_BAD_INPUT', `cannot read candles ${file}: ${(e as Error).message}`);
    }
    const s = parseCandlesCsv(text, file);
    for (const t of targets) out[t] = s;
  }
  if (o.candleSource) {
    for (const pair of pairs) {
      if (out[pair]) continue;
      const rows = await o.candleSource.source.fetchOHLCV(
        pair,
        o.candleSource.timeframe,
        undefined,
        o.candleSource.count,
      );
      out[pair] = candleSeries(rows as Ohlcv[], `${o.candleSource.source.name} ${pair} ${o.candleSource.timeframe}`);
    }
  }
  return out;
}

export async function runLiqsim(o: LiqsimOptions): Promise<LiqsimResult> {
  let positions: Position[];
  let markets: Record<string, MarketInput> = {};
  if (o.positionsFile && o.random !== undefined)
    throw dgError('DG_E_BAD_INPUT', 'give either --positions or --random, not both');
  if (o.positionsFile) ({ positions, markets } = loadPositions(o.positionsFile));
  else positions = randomPositions(o.random ?? 20, o.seed);
  const pairs = [...new Set(positions.map(pairOf))];
  const candles = await loadCandles(o, pairs);
  const needsCandles = o.model === 'bootstrap' || o.model === 'garch';
  let dtS: number;
  if (o.dt !== undefined) dtS = parseDurationSeconds(o.dt, '--dt');
  else if (needsCandles && candles[pairs[0]]) dtS = candles[pairs[0]].intervalS;
  else dtS = 3600;
  const setupOpts: SetupOptions = {
    model: o.model,
    paths: o.paths,
    steps: o.steps,
    dtS,
    seed: o.seed,
    monitoring: o.monitoring,
    markets,
    candles,
    sigma: o.sigma,
    mu: o.mu,
    jumpIntensity: o.jumpIntensity,
    jumpMean: o.jumpMean,
    jumpStd: o.jumpStd,
  };
  const setup = buildSetup(positions, setupOpts);
  const results = await runSimulation(setup.config, { threads: o.threads, onProgress: o.onProgress });
  const stats = combine(setup.config, results);
  const report = buildReport(setup, stats, o.model);
  return { setup, stats, report, html: () => renderHtml(report, setup, stats) };
}
