/**
 * Scheduling for `deskgate desk watch` (an adapter: timers and the system clock live here, the
 * watcher itself is clock-injected). Runs a pass now and then every `every` ms, and delivers the
 * outbox every `deliverEvery` ms in between (so queued, merged or retried alerts do not wait for
 * the next 5-minute pass). A failing pass is reported and retried at the next tick; its cursor
 * did not move.
 */
import type { DeskWatcher, PassResult } from './watcher.js';

export interface WatchLoopOptions {
  readonly every: number;
  readonly deliverEvery: number;
  readonly onPass: (r: PassResult) => void;
  readonly onError: (e: unknown) => void;
  readonly signal: AbortSignal;
}

export async function runWatchLoop(w: DeskWatcher, o: WatchLoopOptions): Promise<void> {
  let busy = false;
  const runPass = async (): Promise<void> => {
    if (busy) return;
    busy = true;
    try {
      o.onPass(await w.pass());
    } catch (e) {
      o.onError(e);
    } finally {
      busy = false;
    }
  };
  const runDeliver = async (): Promise<void> => {
    if (busy) return;
    busy = true;
    try {
      const d = await w.delivery.deliver();
      if (d.messages || d.failed)
        o.onPass({
          baseline: false,
          matched: 0,
          newPairs: 0,
          newLocks: 0,
          anomalies: 0,
          washPairs: 0,
          enqueued: 0,
          skippedShortHistory: 0,
          delivery: d,
        });
    } catch (e) {
      o.onError(e);
    } finally {
      busy = false;
    }
  };
  await runPass();
  const t1 = setInterval(() => void runPass(), o.every);
  const t2 = setInterval(() => void runDeliver(), o.deliverEvery);
  await new Promise<void>((resolve) => {
    if (o.signal.aborted) resolve();
    o.signal.addEventListener('abort', () => resolve(), { once: true });
  });
  clearInterval(t1);
  clearInterval(t2);
  while (busy) await new Promise((r) => setTimeout(r, 50));
}
