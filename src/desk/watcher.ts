/**
 * The desk watcher (S2.4–S2.6): one pass = [import from the configured source] → match new
 * orders → anomaly check of newly matched pairs → wash check of newly imported locks → enqueue
 * alerts and move the cursor in one transaction → deliver the outbox. Incremental through a
 * persisted cursor (highest lock seq and match seq already examined); each alert has a unique
 * key per channel, so a pass that is repeated after a crash, a restart or a source outage never
 * enqueues an alert twice, and a pass that fails before its commit leaves the cursor where it was.
 * Uses an injected clock; the scheduling loop lives in watch-loop.ts.
 */
import type { Clock } from '../core/clock.js';
import { dgError, isDeskgateError } from '../core/errors.js';
import type { OtcStore, OutboxInsert, StoredPair } from '../store/otc-store.js';
import type { Notifier } from '../notify/types.js';
import { anomalyAlert, anomalyKey, washAlert, type DeskAlert } from './alerts.js';
import { detectAnomalies } from './anomaly.js';
import type { DeskConfig } from './config.js';
import { OutboxDelivery, type DeliverResult } from './deliver.js';
import { importFromPostgres } from './import-pg.js';
import type { ImportReport } from './importer.js';
import { matchOrders } from './match.js';
import { pairPnl, type PairPnl } from './pnl.js';
import { detectWash, washKey } from './wash.js';

export interface PassResult {
  /** First pass with no cursor: the cursor was set to the current end, nothing alerted. */
  baseline: boolean;
  imported?: { locks: ImportReport; hedges: ImportReport };
  sourceError?: string;
  matched: number;
  newPairs: number;
  newLocks: number;
  anomalies: number;
  washPairs: number;
  enqueued: number;
  skippedShortHistory: number;
  delivery: DeliverResult;
}

export interface WatcherOptions {
  /** Alert on everything already stored the first time (default: start from the current end). */
  readonly backfill?: boolean;
}

export function toPairPnl(p: StoredPair): PairPnl {
  return pairPnl(p.lock, p.hedges);
}

export class DeskWatcher {
  readonly delivery: OutboxDelivery;

  constructor(
    private readonly store: OtcStore,
    private readonly cfg: DeskConfig,
    private readonly notifiers: readonly Notifier[],
    private readonly clock: Clock,
    private readonly opts: WatcherOptions = {},
  ) {
    // Alerts are only ever kept as outbox rows per channel: without a channel they would be lost.
    if (notifiers.length === 0)
      throw dgError('DG_E_BAD_CONFIG', 'no alert channel (the CLI falls back to printing alerts)');
    this.delivery = new OutboxDelivery(store, notifiers, clock, {
      language: cfg.notify.language,
      retryBaseMs: cfg.notify.retryBase,
      retryMaxMs: cfg.notify.retryMax,
      maxPerMessage: cfg.notify.maxPerMessage,
    });
  }

  /** Match unmatched orders within the horizon and persist the pairs. */
  async matchNew(): Promise<number> {
    const since = this.clock.now() - this.cfg.watch.horizon;
    const locks = await this.store.loadLocks({ since, unmatchedOnly: true });
    const hedges = await this.store.loadHedges({ since: since - this.cfg.match.maxEarly, unmatchedOnly: true });
    if (locks.length === 0 || hedges.length === 0) return 0;
    const m = this.cfg.match;
    const res = matchOrders(locks, hedges, {
      tolerancePct: m.tolerancePct,
      maxDelayMs: m.maxDelay,
      maxEarlyMs: m.maxEarly,
      maxParts: m.maxParts,
      matchBase: m.matchBase,
    });
    return this.store.saveMatches(res.pairs, this.clock.now());
  }

  async pass(): Promise<PassResult> {
    const r: PassResult = {
      baseline: false,
      matched: 0,
      newPairs: 0,
      newLocks: 0,
      anomalies: 0,
      washPairs: 0,
      enqueued: 0,
      skippedShortHistory: 0,
      delivery: { sent: 0, messages: 0, failed: 0, deferred: 0, errors: [] },
    };
    if (this.cfg.source) {
      try {
        const latest = await this.store.loadLocks({ since: this.clock.now() - this.cfg.watch.horizon });
        const since = latest.reduce((m, l) => Math.max(m, l.lockTime), 0);
        r.imported = await importFromPostgres(
          this.store,
          this.cfg.source,
          Math.max(0, since - this.cfg.match.maxDelay),
        );
      } catch (e) {
        // Source down: keep going with what is stored; the cursor only moves over stored data.
        r.sourceError = isDeskgateError(e) ? `${e.code} ${e.message}` : String(e);
      }
    }
    r.matched = await this.matchNew();

    const name = this.cfg.watch.cursor;
    const cursor = await this.store.getCursor(name);
    const now = this.clock.now();
    if (!cursor && !this.opts.backfill) {
      await this.store.commitPass(
        { name, lockSeq: await this.store.maxLockSeq(), matchSeq: await this.store.maxMatchSeq(), updatedAt: now },
        [],
      );
      r.baseline = true;
      r.delivery = await this.delivery.deliver();
      return r;
    }
    const lockSeq0 = cursor?.lockSeq ?? 0;
    const matchSeq0 = cursor?.matchSeq ?? 0;
    const alerts: Array<{ key: string; alert: DeskAlert }> = [];

    // Anomalies among newly matched pairs.
    const fresh = await this.store.loadPairs({ afterSeq: matchSeq0 });
    let matchSeq = matchSeq0;
    if (fresh.length) {
      matchSeq = fresh.reduce((m, p) => Math.max(m, p.seq), matchSeq0);
      const minT = fresh.reduce((m, p) => Math.min(m, p.lock.lockTime), Infinity);
      const history = (await this.store.loadPairs({ since: minT - this.cfg.anomaly.window })).map(toPairPnl);
      const a = this.cfg.anomaly;
      const det = detectAnomalies(fresh.map(toPairPnl), history, {
        windowMs: a.window,
        minHistory: a.minHistory,
        lowQuantile: a.lowQuantile,
        highQuantile: a.highQuantile,
        delayQuantile: a.delayQuantile,
        metric: a.metric,
      });
      r.newPairs = fresh.length;
      r.anomalies = det.anomalies.length;
      r.skippedShortHistory = det.skippedShortHistory;
      for (const an of det.anomalies) {
        const alert = anomalyAlert(an, a.metric);
        alerts.push({ key: anomalyKey(alert), alert });
      }
    }

    // Wash pairs involving newly imported locks.
    const newLocks = await this.store.locksAfterSeq(lockSeq0);
    let lockSeq = lockSeq0;
    if (newLocks.length) {
      lockSeq = newLocks[newLocks.length - 1].seq;
      r.newLocks = newLocks.length;
      const ids = new Set(newLocks.map((x) => x.lock.id));
      const w = this.cfg.wash;
      const minT = newLocks.reduce((m, x) => Math.min(m, x.lock.lockTime), Infinity);
      const maxT = newLocks.reduce((m, x) => Math.max(m, x.lock.lockTime), -Infinity);
      const context = await this.store.locksInTimeRange(minT - w.window, maxT + w.window);
      const pairs = detectWash(context, {
        windowMs: w.window,
        tolerancePct: w.tolerancePct,
        crossClient: w.crossClient,
        sameQuote: w.sameQuote,
      });
      for (const p of pairs) {
        if (!ids.has(p.first.id) && !ids.has(p.second.id)) continue;
        r.washPairs++;
        alerts.push({ key: washKey(p), alert: washAlert(p) });
      }
    }

    const rows: OutboxInsert[] = [];
    for (const { key, alert } of alerts) {
      for (const n of this.notifiers) {
        rows.push({ key, channel: n.name, kind: alert.type, payload: JSON.stringify(alert), createdAt: now });
      }
    }
    r.enqueued = await this.store.commitPass({ name, lockSeq, matchSeq, updatedAt: now }, rows);
    r.delivery = await this.delivery.deliver();
    return r;
  }
}
