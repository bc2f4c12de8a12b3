/**
 * Worker-thread entry of the Monte Carlo: receives the run config once, then chunk indices, and
 * posts each chunk's result back (typed arrays transferred, not copied).
 */
import { parentPort } from 'node:worker_threads';
import { runChunk, type ChunkResult, type SimConfig } from './kernel.js';

export type ToWorker = { type: 'config'; config: SimConfig } | { type: 'chunk'; chunk: number } | { type: 'stop' };
export type FromWorker = { type: 'result'; result: ChunkResult } | { type: 'error'; message: string; code?: string };

const port = parentPort;
if (port) {
  let cfg: SimConfig | undefined;
  port.on('message', (m: ToWorker) => {
    try {
      if (m.type === 'config') cfg = m.config;
      else if (m.type === 'chunk') {
        if (!cfg) throw new Error('chunk before config');
        const r = runChunk(cfg, m.chunk);
        const msg: FromWorker = { type: 'result', result: r };
        port.postMessage(msg, transferList(r));
      } else port.close();
    } catch (e) {
      const err = e as { message?: string; code?: string };
      const msg: FromWorker = { type: 'error', message: err.message ?? String(e), code: err.code };
      port.postMessage(msg);
    }
  });
}

export function transferList(r: ChunkResult): ArrayBuffer[] {
  return [
    r.mcCount,
    r.liqCount,
    r.lossCount,
    r.lossSum,
    r.lossSq,
    r.lossPos,
    r.lossVal,
    r.aggLosses,
    r.liqTimeHist,
    r.mcTimeHist,
    r.fan,
  ].map((a) => a.buffer as ArrayBuffer);
}
