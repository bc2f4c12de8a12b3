/**
 * What the bench keeps of each run (plain JSON, sent back from the worker processes) and the
 * aggregate statistics: mean, median and p90 (nearest rank) of the shortfall, mean and minimum
 * fill ratio, per mode × size × regime.
 */
import type { BenchMode, RunResult } from './run-one.js';
import type { RegimeName } from './regimes.js';

export interface RunRow {
  readonly regime: RegimeName;
  readonly seed: number;
  readonly mode: BenchMode;
  readonly sizeShare: number;
  readonly side: 'buy' | 'sell';
  readonly size: number;
  readonly shortfallBps: number;
  readonly executionCostBps: number;
  readonly opportunityCostBps: number;
  readonly feesBps: number;
  readonly slippageBps: number | null;
  readonly vsVwapBps: number | null;
  readonly vsTwapBps: number | null;
  readonly fillRatio: number;
  readonly participation: number | null;
  readonly makerShare: number | null;
  readonly scheduleRms: number;
  readonly children: number;
  readonly placeErrors: number;
  readonly leftoverOpen: number;
  readonly status: string;
  readonly reason: string | undefined;
  readonly wallMs: number;
}

export function toRow(r: RunResult): RunRow {
  const t = r.tca;
  return {
    regime: r.spec.regime,
    seed: r.spec.seed,
    mode: r.spec.mode,
    sizeShare: r.spec.sizeShare,
    side: r.side,
    size: r.size,
    shortfallBps: t.shortfallBps,
    executionCostBps: t.executionCostBps,
    opportunityCostBps: t.opportunityCostBps,
    feesBps: t.feesBps,
    slippageBps: t.slippageBps,
    vsVwapBps: t.vsVwapBps,
    vsTwapBps: t.vsTwapBps,
    fillRatio: t.fillRatio,
    participation: t.participation,
    makerShare: t.makerShare,
    scheduleRms: t.scheduleRms,
    children: r.children,
    placeErrors: r.placeErrors,
    leftoverOpen: r.leftoverOpen,
    status: r.status,
    reason: r.reason,
    wallMs: r.wallMs,
  };
}

export interface Stats {
  readonly n: number;
  readonly mean: number;
  readonly median: number;
  readonly p90: number;
  readonly fillMean: number;
  readonly fillMin: number;
  readonly makerMean: number;
  readonly participationMean: number;
  readonly scheduleRmsMean: number;
}

export function mean(xs: readonly number[]): number {
  return xs.length === 0 ? Number.NaN : xs.reduce((a, b) => a + b, 0) / xs.length;
}

/** Nearest-rank percentile (q in (0, 1]). */
export function percentile(xs: readonly number[], q: number): number {
  if (xs.length === 0) return Number.NaN;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil(q * s.length) - 1))];
}

export function median(xs: readonly number[]): number {
  if (xs.length === 0) return Number.NaN;
  const s = [...xs].sort((a, b) => a - b);
  const h = s.length >> 1;
  return s.length % 2 === 1 ? s[h] : (s[h - 1] + s[h]) / 2;
}

export function stats(rows: readonly RunRow[]): Stats {
  const is = rows.map((r) => r.shortfallBps);
  const fills = rows.map((r) => r.fillRatio);
  return {
    n: rows.length,
    mean: mean(is),
    median: median(is),
    p90: percentile(is, 0.9),
    fillMean: mean(fills),
    fillMin: fills.length ? Math.min(...fills) : Number.NaN,
    makerMean: mean(rows.map((r) => r.makerShare ?? 0)),
    participationMean: mean(rows.map((r) => r.participation ?? 0)),
    scheduleRmsMean: mean(rows.map((r) => r.scheduleRms)),
  };
}

export function sizeLabel(share: number): string {
  return `${Math.round(share * 100)}pct`;
}

const f = (x: number, d = 2): string => (Number.isFinite(x) ? x.toFixed(d) : 'n/a');

/** The printed table: one line per mode × size × regime (and "all"). */
export function table(
  rows: readonly RunRow[],
  modes: readonly BenchMode[],
  sizes: readonly number[],
  regimes: readonly RegimeName[],
): string[] {
  const out: string[] = [];
  out.push(
    `${'mode'.padEnd(12)} ${'size'.padEnd(6)} ${'regime'.padEnd(9)} ${'n'.padStart(3)} ${'IS mean'.padStart(8)} ${'median'.padStart(8)} ${'p90'.padStart(8)} ${'fill'.padStart(6)} ${'minfill'.padStart(7)} ${'maker'.padStart(6)} ${'part'.padStart(6)} ${'sched'.padStart(6)}`,
  );
  for (const mode of modes) {
    for (const size of sizes) {
      for (const regime of [...regimes, 'all' as const]) {
        const sel = rows.filter(
          (r) => r.mode === mode && r.sizeShare === size && (regime === 'all' || r.regime === regime),
        );
        if (sel.length === 0) continue;
        const s = stats(sel);
        out.push(
          `${mode.padEnd(12)} ${sizeLabel(size).padEnd(6)} ${regime.padEnd(9)} ${String(s.n).padStart(3)} ${f(s.mean).padStart(8)} ${f(s.median).padStart(8)} ${f(s.p90).padStart(8)} ${f(s.fillMean, 3).padStart(6)} ${f(s.fillMin, 3).padStart(7)} ${f(s.makerMean).padStart(6)} ${f(s.participationMean, 3).padStart(6)} ${f(s.scheduleRmsMean, 3).padStart(6)}`,
        );
      }
    }
  }
  return out;
}
