/**
 * Runs a simulation's chunks on worker threads (or in-process for one thread) and returns the
 * results ordered by chunk, so the combined numbers do not depend on the thread count.
 *
 * The worker script is resolved relative to this module: `worker.ts` under tsx/vitest (the
 * worker is started with `--import tsx`), `worker.js` in the compiled `dist/`.
 */
import { Worker } from 'node:worker_threads';
import os from 'node:os';
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { dgError } from '../../core/errors.js';
import { chunkCount, runChunk, type ChunkResult, type SimConfig } from './kernel.js';
import type { FromWorker, ToWorker } from './worker.js';

export interface PoolOptions {
  readonly threads?: number;
  /** Called after each chunk with (paths done, paths total). */
  readonly onProgress?: (done: number, total: number) => void;
}

/**
 * How to start the worker: the compiled `worker.js` directly, or — when this module runs from
 * TypeScript source (tsx, vitest) — a small eval'd bootstrap that registers tsx's ESM loader in
 * the worker and then imports `worker.ts` (Node 20 ignores `--import` in a Worker's execArgv,
 * and loader hooks of the main thread do not reach workers).
 */
export function workerEntry(moduleUrl: string = import.meta.url): { script: URL | string; eval: boolean } {
  const isTs = /\.[mc]?ts$/.test(new URL(moduleUrl).pathname);
  if (!isTs) return { script: new URL('./worker.js', moduleUrl), eval: false };
  const target = new URL('./worker.ts', moduleUrl).href;
  let api = 'tsx/esm/api';
  try {
    const pkg = createRequire(moduleUrl).resolve('tsx/package.json');
    const esm = path.join(path.dirname(pkg), 'dist/esm/api/index.mjs');
    if (existsSync(esm)) api = pathToFileURL(esm).href;
  } catch {
    // fall back to resolving the bare name from the working directory
  }
  const script = `import(${JSON.stringify(api)}).then((m) => { m.register(); return import(${JSON.stringify(target)}); });`;
  return { script, eval: true };
}

export function defaultThreads(): number {
  return Math.max(1, Math.min(os.availableParallelism?.() ?? os.cpus().length, 16));
}

export async function runSimulation(cfg: SimConfig, opts: PoolOptions = {}): Promise<ChunkResult[]> {
  const total = chunkCount(cfg);
  const threads = Math.max(1, Math.min(opts.threads ?? defaultThreads(), total));
  const results: ChunkResult[] = new Array<ChunkResult>(total);
  let donePaths = 0;
  if (threads === 1) {
    for (let c = 0; c < total; c++) {
      results[c] = runChunk(cfg, c);
      donePaths += results[c].paths;
      opts.onProgress?.(donePaths, cfg.paths);
      if (c % 4 === 3) await new Promise((r) => setImmediate(r)); // let stderr progress flush
    }
    return results;
  }
  const entry = workerEntry();
  let next = 0;
  const workers: Worker[] = [];
  try {
    await new Promise<void>((resolve, reject) => {
      let finished = 0;
      let failed = false;
      const fail = (e: unknown): void => {
        if (failed) return;
        failed = true;
        reject(e instanceof Error ? e : new Error(String(e)));
      };
      for (let t = 0; t < threads; t++) {
        const w = new Worker(entry.script, { eval: entry.eval });
        workers.push(w);
        const send = (m: ToWorker): void => w.postMessage(m);
        w.on('error', fail);
        w.on('exit', (code) => {
          if (code !== 0 && !failed) fail(new Error(`liqsim worker exited with code ${code}`));
        });
        w.on('message', (m: FromWorker) => {
          if (m.type === 'error') return fail(dgError('DG_E_INTERNAL', `liqsim worker: ${m.message}`));
          results[m.result.chunk] = m.result;
          donePaths += m.result.paths;
          finished++;
          opts.onProgress?.(donePaths, cfg.paths);
          if (finished === total) resolve();
          else if (next < total) send({ type: 'chunk', chunk: next++ });
        });
        send({ type: 'config', config: cfg });
        // two chunks in flight per worker keep it busy while results travel back
        for (let q = 0; q < 2 && next < total; q++) send({ type: 'chunk', chunk: next++ });
      }
    });
  } finally {
    await Promise.all(workers.map((w) => w.terminate()));
  }
  return results;
}
