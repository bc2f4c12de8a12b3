/**
 * A bench worker process: receives one market job at a time (regime, seed, the modes and sizes to
 * run on it), runs every combination on a fresh copy of that market and sends the rows back.
 */
import { runOne, type BenchMode } from './run-one.js';
import type { RegimeName } from './regimes.js';
import { toRow, type RunRow } from './summary.js';

export interface MarketJob {
  readonly regime: RegimeName;
  readonly seed: number;
  readonly modes: readonly BenchMode[];
  readonly sizes: readonly number[];
  readonly windowMs: number;
}

export type WorkerReply =
  { readonly ok: true; readonly rows: RunRow[] } | { readonly ok: false; readonly error: string };

export async function runMarket(job: MarketJob): Promise<RunRow[]> {
  const rows: RunRow[] = [];
  for (const sizeShare of job.sizes) {
    for (const mode of job.modes) {
      rows.push(toRow(await runOne({ regime: job.regime, seed: job.seed, mode, sizeShare, windowMs: job.windowMs })));
    }
  }
  return rows;
}

if (process.send) {
  process.on('message', (job: MarketJob | 'exit') => {
    if (job === 'exit') process.exit(0);
    runMarket(job).then(
      (rows) => process.send?.({ ok: true, rows } satisfies WorkerReply),
      (e: unknown) =>
        process.send?.({
          ok: false,
          error: e instanceof Error ? (e.stack ?? e.message) : String(e),
        } satisfies WorkerReply),
    );
  });
}
