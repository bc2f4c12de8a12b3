/**
 * The async edge of BookSync: wires an injected `fetch(): Promise<S>` (REST call, or a
 * resubscribe that resolves with the in-band snapshot) to the machine's explicit
 * need-snapshot output and onSnapshot() input. One fetch in flight at a time; a request made
 * while one is in flight is served by one more fetch when it settles. Failures are counted by
 * the machine (DG_E_SNAPSHOT_FETCH) and retried on its next input, never in a tight loop.
 */
import type { BookSync } from './book-sync.js';

export interface SnapshotFetcher {
  /** Ask the machine whether it wants a snapshot and start a fetch if so (after construction). */
  kick(): void;
  /** Resolves when no fetch is in flight (tests). */
  idle(): Promise<void>;
  readonly inFlight: boolean;
}

/**
 * Returns the `onNeedSnapshot` callback to pass to BookSync and a handle. Usage:
 *   const f = snapshotFetcher(() => rest.level2(symbol));
 *   const sync = createL2Sync(book, { ..., onNeedSnapshot: f.onNeed });
 *   f.bind(sync);
 */
export function snapshotFetcher<M, S>(
  fetch: () => Promise<S>,
): SnapshotFetcher & {
  onNeed: (reason: string) => void;
  bind(sync: BookSync<M, S>): void;
} {
  let sync: BookSync<M, S> | undefined;
  let running: Promise<void> | undefined;
  let again = false;

  const start = (): void => {
    if (!sync) return;
    if (running) {
      again = true;
      return;
    }
    const s = sync;
    running = (async () => {
      try {
        const epoch = s.epoch;
        const snap = await fetch();
        s.onSnapshot(snap, epoch); // a reply nobody waits for any more is counted as ignored
      } catch (e) {
        s.snapshotFailed(e);
      } finally {
        running = undefined;
        if (again && s.snapshotWanted) {
          again = false;
          start();
        }
        again = false;
      }
    })();
  };

  return {
    onNeed: () => start(),
    bind(s) {
      sync = s;
    },
    kick() {
      if (sync?.snapshotWanted) start();
    },
    async idle() {
      while (running) await running;
    },
    get inFlight() {
      return running !== undefined;
    },
  };
}
