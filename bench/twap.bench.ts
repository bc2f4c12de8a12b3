/**
 * `npm run bench -- twap`: the TWAP evaluation (issue #6 item 5). ≥ 30 seeded simulated markets in
 * four regimes (calm, trending, volatile, thin) × {progressive, aggressive, passive, naive
 * equal-slice market-order TWAP} × two parent sizes (1 % and 10 % of the window's expected
 * volume). Every run is a fresh SimEngine + SyntheticFlow with permanent impact on, warmed up to
 * 60 one-minute bars, then one 10-minute parent driven by the real AlgoRunner (bench/twap/run-one.ts);
 * the same seed gives the same market to every algo. TCA per parent (src/algo/tca.ts); the table
 * gives mean / median / p90 implementation shortfall (bps, positive = cost) and fill ratios.
 * docs/algo-tca.md explains the method and how to read the figures.
 *
 * Env: TWAP_MARKETS (default 32), TWAP_WORKERS (default min(2, cpus)), TWAP_WINDOW_MIN (default 10).
 */
import { fork, type ChildProcess } from 'node:child_process';
import os from 'node:os';
import { fileURLToPath } from 'node:url';
import { BENCH_MODES, type BenchMode } from './twap/run-one.js';
import { BENCH_IMPACT, REGIMES } from './twap/regimes.js';
import { FLOW_RATE, FLOW_STEP_MS, WARMUP_CHEAP_MS, WARMUP_FULL_MS } from './twap/sim-world.js';
import { mean, sizeLabel, stats, table, type RunRow } from './twap/summary.js';
import type { MarketJob, WorkerReply } from './twap/worker.js';

const MARKETS = Number(process.env.TWAP_MARKETS ?? 32);
const WORKERS = Math.max(1, Number(process.env.TWAP_WORKERS ?? Math.min(2, os.cpus().length)));
const WINDOW_MS = Number(process.env.TWAP_WINDOW_MIN ?? 10) * 60_000;
const SIZES = [0.01, 0.1] as const;
const SEED0 = 1001;
/** Fill ratio the target asks of progressive. */
const FILL_TARGET = 0.95;
/** Mean schedule RMS (share of size) above which a cell is flagged as far from the linear schedule. */
const SCHEDULE_RMS_FLAG = 0.15;

function jobs(): MarketJob[] {
  const out: MarketJob[] = [];
  for (let i = 0; i < MARKETS; i++) {
    out.push({
      regime: REGIMES[i % REGIMES.length],
      seed: SEED0 + i,
      modes: BENCH_MODES,
      sizes: SIZES,
      windowMs: WINDOW_MS,
    });
  }
  return out;
}

function startWorker(): ChildProcess {
  return fork(fileURLToPath(new URL('./twap/worker.ts', import.meta.url)), [], {
    execArgv: ['--import', 'tsx'],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
}

async function runAll(log: (l: string) => void): Promise<RunRow[]> {
  const queue = jobs();
  const total = queue.length;
  const rows: RunRow[] = [];
  let done = 0;
  const t0 = performance.now();
  const one = (w: ChildProcess): Promise<void> =>
    new Promise((resolve, reject) => {
      const next = (): void => {
        const job = queue.shift();
        if (!job) {
          w.send('exit');
          resolve();
          return;
        }
        w.once('message', (r: WorkerReply) => {
          if (!r.ok) {
            reject(new Error(`market ${job.regime}/${job.seed}: ${r.error}`));
            return;
          }
          rows.push(...r.rows);
          done++;
          const parts = SIZES.map((s) => {
            const by = (m: BenchMode): string => {
              const x = r.rows.find((q) => q.mode === m && q.sizeShare === s);
              return x ? x.shortfallBps.toFixed(1) : '-';
            };
            return `${sizeLabel(s)} ${BENCH_MODES.map((m) => `${m.slice(0, 4)} ${by(m)}`).join(' ')}`;
          });
          log(
            `[${done}/${total}] ${job.regime.padEnd(8)} seed ${job.seed}: IS bps ${parts.join(' | ')} (${((performance.now() - t0) / 1000).toFixed(0)} s)`,
          );
          next();
        });
        w.send(job);
      };
      w.once('error', reject);
      w.once('exit', (code) => {
        if (code !== 0 && queue.length > 0) reject(new Error(`twap worker exited with ${code}`));
      });
      next();
    });
  const workers = Array.from({ length: Math.min(WORKERS, total) }, startWorker);
  await Promise.all(workers.map(one));
  return rows;
}

/** The set-up the figures were measured on (merged into the output's `env`). */
export function env(): Record<string, string | number> {
  return {
    twap_flow_rate_per_s: FLOW_RATE,
    twap_flow_step_ms: FLOW_STEP_MS,
    twap_impact_bps_per_depth: BENCH_IMPACT.bpsPerDepth,
    twap_impact_depth_levels: BENCH_IMPACT.depthLevels,
    twap_warmup_min: (WARMUP_CHEAP_MS + WARMUP_FULL_MS) / 60_000,
    twap_workers: WORKERS,
  };
}

export async function run(log: (line: string) => void): Promise<Record<string, number>> {
  const t0 = performance.now();
  log(
    `${MARKETS} markets × ${BENCH_MODES.length} modes × ${SIZES.length} sizes, ${WINDOW_MS / 60_000}-min window, ${WORKERS} worker process(es)`,
  );
  const rows = await runAll(log);
  const wall = (performance.now() - t0) / 1000;
  for (const line of table(rows, BENCH_MODES, SIZES, REGIMES)) log(line);

  const results: Record<string, number> = { markets: MARKETS, runs: rows.length, window_min: WINDOW_MS / 60_000 };
  for (const mode of BENCH_MODES) {
    const sel = rows.filter((r) => r.mode === mode);
    const s = stats(sel);
    results[`${mode}_shortfall_bps_mean`] = round(s.mean);
    results[`${mode}_shortfall_bps_median`] = round(s.median);
    results[`${mode}_shortfall_bps_p90`] = round(s.p90);
    results[`${mode}_fill_ratio`] = round(s.fillMean, 4);
    results[`${mode}_fill_ratio_min`] = round(s.fillMin, 4);
    results[`${mode}_maker_share`] = round(s.makerMean, 3);
    results[`${mode}_schedule_rms`] = round(s.scheduleRmsMean, 3);
    for (const size of SIZES) {
      const z = stats(sel.filter((r) => r.sizeShare === size));
      results[`${mode}_${sizeLabel(size)}_shortfall_bps_mean`] = round(z.mean);
      results[`${mode}_${sizeLabel(size)}_fill_ratio`] = round(z.fillMean, 4);
    }
  }

  // Paired comparison: the same market (seed, size) for both algos.
  const naiveBy = new Map(rows.filter((r) => r.mode === 'naive').map((r) => [`${r.seed}/${r.sizeShare}`, r]));
  log('--- against naive (same markets, paired) ---');
  for (const mode of BENCH_MODES) {
    if (mode === 'naive') continue;
    const diffs = rows
      .filter((r) => r.mode === mode)
      .flatMap((r) => {
        const n = naiveBy.get(`${r.seed}/${r.sizeShare}`);
        return n ? [r.shortfallBps - n.shortfallBps] : [];
      });
    const wins = diffs.filter((d) => d < 0).length;
    results[`${mode}_win_share_vs_naive`] = round(wins / Math.max(1, diffs.length), 3);
    results[`${mode}_minus_naive_bps_mean`] = round(mean(diffs));
    log(`${mode}: beats naive in ${wins}/${diffs.length} paired runs, mean difference ${mean(diffs).toFixed(2)} bps`);
    // where it loses: every size × regime cell whose mean is above naive's, and fill shortfalls
    for (const size of SIZES) {
      for (const regime of REGIMES) {
        const a = stats(rows.filter((r) => r.mode === mode && r.sizeShare === size && r.regime === regime));
        const b = stats(rows.filter((r) => r.mode === 'naive' && r.sizeShare === size && r.regime === regime));
        if (a.n === 0) continue;
        if (a.mean > b.mean)
          log(
            `  LOSES to naive: ${mode} ${sizeLabel(size)} ${regime}: ${a.mean.toFixed(2)} vs ${b.mean.toFixed(2)} bps mean shortfall`,
          );
        if (a.scheduleRmsMean > SCHEDULE_RMS_FLAG)
          log(
            `  OFF SCHEDULE: ${mode} ${sizeLabel(size)} ${regime}: mean schedule RMS ${a.scheduleRmsMean.toFixed(3)} of size (naive ${b.scheduleRmsMean.toFixed(3)})`,
          );
        if (a.fillMean < FILL_TARGET)
          log(
            `  LOW FILL: ${mode} ${sizeLabel(size)} ${regime}: mean fill ratio ${a.fillMean.toFixed(3)} (min ${a.fillMin.toFixed(3)})`,
          );
      }
    }
  }
  const leftovers = rows.reduce((a, r) => a + r.leftoverOpen, 0);
  const overfills = rows.filter((r) => r.fillRatio > 1).length;
  const paused = rows.filter((r) => r.status === 'paused' || r.status === 'cancelled');
  if (leftovers > 0) log(`WARNING: ${leftovers} children still open after their parent ended (swept by the harness)`);
  if (overfills > 0) log(`WARNING: ${overfills} parents filled more than their size`);
  for (const p of paused.slice(0, 5))
    log(`WARNING: ${p.mode} ${p.regime}/${p.seed} ended ${p.status}: ${p.reason ?? ''}`);
  const met =
    results.progressive_shortfall_bps_mean < results.naive_shortfall_bps_mean &&
    results.progressive_fill_ratio >= FILL_TARGET;
  log(
    `target (progressive mean IS < naive, fill ≥ ${FILL_TARGET}): ${met ? 'MET' : 'NOT MET'} — ` +
      `progressive ${results.progressive_shortfall_bps_mean} bps / fill ${results.progressive_fill_ratio}, naive ${results.naive_shortfall_bps_mean} bps`,
  );
  results.target_met = met ? 1 : 0;
  results.leftover_children = leftovers;
  results.overfilled_parents = overfills;
  results.wall_s = round(wall, 1);
  return results;
}

function round(x: number, d = 2): number {
  const k = 10 ** d;
  return Number.isFinite(x) ? Math.round(x * k) / k : Number.NaN;
}
