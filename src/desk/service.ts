/**
 * Desk use cases over a store, shared by the CLI and the demo: match everything unmatched,
 * build the report files. The clock is injected; files are written by the caller-facing helpers.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Clock } from '../core/clock.js';
import type { OtcStore } from '../store/otc-store.js';
import type { DeskConfig } from './config.js';
import { explainUnmatched, matchOrders, type MatchOptions, type MatchProgress } from './match.js';
import { pairPnl } from './pnl.js';
import { buildReport, type ReportFiles } from './report.js';

export function matchOptionsOf(cfg: DeskConfig): MatchOptions {
  const m = cfg.match;
  return {
    tolerancePct: m.tolerancePct,
    maxDelayMs: m.maxDelay,
    maxEarlyMs: m.maxEarly,
    maxParts: m.maxParts,
    matchBase: m.matchBase,
  };
}

export interface MatchRunResult {
  locks: number;
  hedges: number;
  saved: number;
  oneToMany: number;
  unmatchedLocks: number;
  unmatchedHedges: number;
  reasons: Record<string, number>;
  seconds: number;
}

/** Match every unmatched order in the store and persist the new pairs. */
export async function runMatch(
  store: OtcStore,
  cfg: DeskConfig,
  clock: Clock,
  progress?: MatchProgress,
): Promise<MatchRunResult> {
  const locks = await store.loadLocks({ unmatchedOnly: true });
  const hedges = await store.loadHedges({ unmatchedOnly: true });
  const t0 = performance.now();
  const res = matchOrders(locks, hedges, matchOptionsOf(cfg), progress);
  const seconds = (performance.now() - t0) / 1000;
  const saved = await store.saveMatches(res.pairs, clock.now());
  const reasons: Record<string, number> = {};
  for (const u of res.unmatchedLocks) reasons[`lock:${u.reason}`] = (reasons[`lock:${u.reason}`] ?? 0) + 1;
  for (const u of res.unmatchedHedges) reasons[`hedge:${u.reason}`] = (reasons[`hedge:${u.reason}`] ?? 0) + 1;
  return {
    locks: locks.length,
    hedges: hedges.length,
    saved,
    oneToMany: res.pairs.filter((p) => p.kind === 'one-to-many').length,
    unmatchedLocks: res.unmatchedLocks.length,
    unmatchedHedges: res.unmatchedHedges.length,
    reasons,
    seconds,
  };
}

/** Report over every persisted pair (optionally only pairs locked at or after `since`). */
export async function reportFromStore(
  store: OtcStore,
  cfg: DeskConfig,
  clock: Clock,
  since?: number,
): Promise<ReportFiles> {
  const stored = await store.loadPairs(since !== undefined ? { since } : {});
  const pairs = stored.map((p) => pairPnl(p.lock, p.hedges));
  const allLocks = await store.loadLocks(since !== undefined ? { since } : {});
  const allHedges = await store.loadHedges(since !== undefined ? { since } : {});
  const pairedLocks = new Set(stored.map((p) => p.lock.id));
  const pairedHedges = new Set(stored.flatMap((p) => p.hedges.map((h) => h.id)));
  const freeLocks = allLocks.filter((l) => !pairedLocks.has(l.id));
  // A hedge paired with a lock before `since` is not "free" either: ask the store when filtering by time.
  const freeHedges =
    since === undefined
      ? allHedges.filter((h) => !pairedHedges.has(h.id))
      : await store.loadHedges({ since, unmatchedOnly: true });
  const un = explainUnmatched(freeLocks, freeHedges, allLocks, allHedges, matchOptionsOf(cfg));
  return buildReport({
    pairs,
    unmatchedLocks: un.unmatchedLocks,
    unmatchedHedges: un.unmatchedHedges,
    lockCount: allLocks.length,
    hedgeCount: allHedges.length,
    generatedAt: clock.now(),
  });
}

export function writeReport(dir: string, files: ReportFiles): string {
  mkdirSync(dir, { recursive: true });
  for (const [name, content] of Object.entries(files)) writeFileSync(path.join(dir, name), content);
  return path.join(dir, 'report.html');
}
