/**
 * `deskgate desk demo`: the whole flow on a seeded synthetic desk, with nothing leaving the
 * machine. It writes the history as files (CSV with mixed time formats and a few bad rows, JSON,
 * NDJSON), imports them into a fresh SQLite store, matches, starts a DingTalk-compatible
 * receiver on loopback, runs a baseline watcher pass, imports the last hour (which holds planted
 * anomalies and wash pairs), runs the alert pass (signed DingTalk messages, rate limit with
 * merging), writes the report and checks every planted case was alerted.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Clock } from '../core/clock.js';
import { dgError } from '../core/errors.js';
import { HEDGE_COLUMNS, LOCK_COLUMNS } from '../store/otc-codec.js';
import { SqliteOtcStore } from '../store/otc-sqlite.js';
import { DingTalkNotifier } from '../notify/dingtalk.js';
import { formatAmount } from './amount.js';
import type { AnomalyAlert } from './alerts.js';
import { parseDeskConfig } from './config.js';
import { csvLine } from './csv.js';
import { DingTalkReceiver } from './demo-receiver.js';
import { importFile } from './import-file.js';
import type { ImportReport } from './importer.js';
import { reportFromStore, runMatch, writeReport } from './service.js';
import { synthDesk, type PlantedAnomaly, type PlantedWash } from './synth.js';
import type { HedgeOrder, LockOrder } from './types.js';
import { DeskWatcher, type PassResult } from './watcher.js';

const DEMO_MARKER = '.deskgate-demo';

export interface DemoOptions {
  readonly dir: string;
  readonly seed: number;
  readonly locks: number;
  readonly language: 'zh' | 'en';
  readonly clock: Clock;
  readonly log: (line: string) => void;
}

export interface DemoResult {
  readonly reportPath: string;
  readonly storePath: string;
  readonly imports: ImportReport[];
  readonly baseline: PassResult;
  readonly alertPass: PassResult;
  readonly plantedAnomalies: PlantedAnomaly[];
  readonly plantedWash: PlantedWash[];
  readonly missedAnomalies: PlantedAnomaly[];
  readonly missedWash: PlantedWash[];
  /** Alerts on new pairs / lock pairs that were not planted. */
  readonly unplannedAnomalyAlerts: number;
  readonly newPairsNotPlanted: number;
  readonly unplannedWashAlerts: number;
  readonly receivedMessages: number;
  readonly receiverRejected: number;
  readonly outboxPending: number;
}

const iso8 = (ms: number): string => {
  // ISO-8601 with a +08:00 offset (desk in Asia): same instant, different notation.
  const d = new Date(ms + 8 * 3_600_000).toISOString().replace('Z', '+08:00');
  return d;
};

/** Lock orders as CSV, rotating time notations (ISO Z, ISO +08:00, epoch s, epoch ms). */
export function locksCsv(locks: readonly LockOrder[], extra: string[] = []): string {
  const head = csvLine(LOCK_COLUMNS);
  const t = (ms: number, i: number): string | number =>
    [new Date(ms).toISOString(), iso8(ms), ms % 1000 === 0 ? ms / 1000 : ms, ms][i % 4];
  return (
    head +
    locks
      .map((l, i) =>
        csvLine([
          l.id,
          l.clientId,
          l.side,
          l.base,
          l.quote,
          formatAmount(l.baseAmount),
          formatAmount(l.price),
          t(l.quoteTime, i),
          t(l.lockTime, i),
        ]),
      )
      .join('') +
    extra.join('')
  );
}

export function hedgesCsv(hedges: readonly HedgeOrder[], extra: string[] = []): string {
  const head = csvLine(HEDGE_COLUMNS);
  return (
    head +
    hedges
      .map((h) =>
        csvLine([
          h.id,
          h.clientId,
          h.side,
          h.base,
          h.quote,
          formatAmount(h.baseAmount),
          formatAmount(h.avgPrice),
          formatAmount(h.fee),
          h.method,
          h.venue,
          new Date(h.startTime).toISOString(),
          h.endTime,
        ]),
      )
      .join('') +
    extra.join('')
  );
}

export async function runDemo(o: DemoOptions): Promise<DemoResult> {
  const dir = path.resolve(o.dir);
  // The demo recreates its directory; never wipe one it did not make.
  if (existsSync(dir) && readdirSync(dir).length > 0 && !existsSync(path.join(dir, DEMO_MARKER))) {
    throw dgError('DG_E_BAD_INPUT', `${dir} is not empty and not a demo directory; choose another --dir`);
  }
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  writeFileSync(
    path.join(dir, DEMO_MARKER),
    'created by deskgate desk demo; the demo deletes and recreates this directory\n',
  );
  const now = o.clock.now();
  const data = synthDesk({
    seed: o.seed,
    locks: o.locks,
    startMs: now - 30 * 86_400_000,
    endMs: now,
    newLocks: Math.max(60, Math.round(o.locks * 0.005)),
    clients: 40,
    idPrefix: `D${o.seed}`,
  });
  const histLocks = data.locks.slice(0, data.newFromIndex);
  const newLocks = data.locks.slice(data.newFromIndex);
  const histHedges = data.hedges.filter((h) => h.startTime < data.newFromMs);
  const newHedges = data.hedges.filter((h) => h.startTime >= data.newFromMs);
  o.log(
    `generated ${data.locks.length} lock and ${data.hedges.length} hedge orders (seed ${o.seed}); ${newLocks.length} locks in the last hour`,
  );

  // History as CSV, with a few bad rows a real export would have.
  const badLocks = [
    csvLine(['BAD-1', '', 'buy', 'BTC', 'USDT', '1', '60000', '', new Date(now - 86_400_000).toISOString()]),
    csvLine(['BAD-2', 'C0001', 'buy', 'BTC', 'USDT', '-2', '60000', '', new Date(now - 86_400_000).toISOString()]),
    csvLine(['BAD-3', 'C0001', 'hold', 'BTC', 'USDT', '2', '60000', '', new Date(now - 86_400_000).toISOString()]),
    csvLine([
      histLocks[0].id,
      'C0001',
      'sell',
      'ETH',
      'USDT',
      '3',
      '3000',
      '',
      new Date(now - 86_400_000).toISOString(),
    ]),
    csvLine(['BAD-5', 'C0002', 'sell', 'ETH', 'USDT', '3', '3000', '', 'yesterday']),
  ];
  const files = {
    locksHistory: path.join(dir, 'locks-history.csv'),
    hedgesHistory: path.join(dir, 'hedges-history.csv'),
    locksNew: path.join(dir, 'locks-new.json'),
    hedgesNew: path.join(dir, 'hedges-new.ndjson'),
  };
  writeFileSync(files.locksHistory, locksCsv(histLocks, badLocks));
  writeFileSync(files.hedgesHistory, hedgesCsv(histHedges));
  writeFileSync(
    files.locksNew,
    JSON.stringify(
      newLocks.map((l) => ({
        id: l.id,
        client_id: l.clientId,
        side: l.side,
        symbol: `${l.base}-${l.quote}`,
        base_amount: formatAmount(l.baseAmount),
        price: formatAmount(l.price),
        quote_time: iso8(l.quoteTime),
        lock_time: iso8(l.lockTime),
      })),
      null,
      1,
    ),
  );
  writeFileSync(
    files.hedgesNew,
    newHedges
      .map((h) =>
        JSON.stringify({
          id: h.id,
          client_id: h.clientId,
          side: h.side,
          base: h.base,
          quote: h.quote,
          base_amount: formatAmount(h.baseAmount),
          avg_price: formatAmount(h.avgPrice),
          fee: formatAmount(h.fee),
          method: h.method,
          venue: h.venue,
          start_time: h.startTime,
          end_time: h.endTime,
        }),
      )
      .join('\n') + '\n',
  );

  const storePath = path.join(dir, 'desk.sqlite');
  const store = new SqliteOtcStore(storePath);
  await store.init();
  const token = randomBytes(16).toString('hex');
  const secret = `SEC${randomBytes(24).toString('hex')}`;
  const receiver = new DingTalkReceiver(token, secret, o.clock);
  try {
    const imports: ImportReport[] = [];
    const show = (r: ImportReport, file: string): void => {
      imports.push(r);
      o.log(
        `import ${path.basename(file)}: ${r.rows} rows, ${r.inserted} new, ${r.unchanged} unchanged, ${r.rejected.length} rejected`,
      );
      for (const rej of r.rejected.slice(0, 10)) {
        o.log(
          `  row ${rej.row}${rej.id ? ` (${rej.id})` : ''}: ${rej.errors.map((e) => `${e.field} ${e.code} ${e.message}`).join('; ')}`,
        );
      }
    };
    show(await importFile(store, files.locksHistory, 'lock'), files.locksHistory);
    show(await importFile(store, files.hedgesHistory, 'hedge'), files.hedgesHistory);

    const url = await receiver.start();
    o.log(`DingTalk-compatible receiver listening on ${url} (loopback; verifies sign, 20 msgs/min)`);
    const cfg = parseDeskConfig({
      notify: {
        language: o.language,
        channels: [{ type: 'dingtalk', name: 'dingtalk-demo', baseUrl: url, accessToken: token, secret }],
      },
    });
    const notifier = new DingTalkNotifier({ name: 'dingtalk-demo', baseUrl: url, accessToken: token, secret }, o.clock);

    const m = await runMatch(store, cfg, o.clock);
    o.log(
      `match history: ${m.saved} pairs (${m.oneToMany} one-to-many) in ${m.seconds.toFixed(2)} s; unmatched ${m.unmatchedLocks} locks, ${m.unmatchedHedges} hedges`,
    );

    const watcher = new DeskWatcher(store, cfg, [notifier], o.clock);
    const baseline = await watcher.pass();
    o.log(`watch pass 1 (baseline): cursor set at the end of the history, nothing alerted`);

    show(await importFile(store, files.locksNew, 'lock'), files.locksNew);
    show(await importFile(store, files.hedgesNew, 'hedge'), files.hedgesNew);
    const alertPass = await watcher.pass();
    o.log(
      `watch pass 2: ${alertPass.matched} new pairs matched, ${alertPass.anomalies} anomalies, ${alertPass.washPairs} wash pairs, ` +
        `${alertPass.enqueued} alerts queued, ${alertPass.delivery.sent} sent in ${alertPass.delivery.messages} messages, ${alertPass.delivery.deferred} waiting for the rate limit`,
    );

    const outbox = await store.outbox();
    const keys = new Set(outbox.map((r) => r.key));
    const missedAnomalies = data.plantedAnomalies.filter((p) => {
      const row = outbox.find((r) => r.key === `anomaly:${p.lockId}`);
      return !row || !(JSON.parse(row.payload) as AnomalyAlert).reasons.includes(p.expect);
    });
    const missedWash = data.plantedWash.filter((w) => !keys.has(`wash:${w.kind}:${w.firstId}:${w.secondId}`));
    const plantedAnomalyIds = new Set(data.plantedAnomalies.map((p) => p.lockId));
    const plantedWashKeys = new Set(data.plantedWash.map((w) => `wash:${w.kind}:${w.firstId}:${w.secondId}`));
    const unplannedAnomalyAlerts = [...keys].filter(
      (k) => k.startsWith('anomaly:') && !plantedAnomalyIds.has(k.slice(8)),
    ).length;
    const unplannedWashAlerts = [...keys].filter((k) => k.startsWith('wash:') && !plantedWashKeys.has(k)).length;

    const reportDir = path.join(dir, 'report');
    const reportPath = writeReport(reportDir, await reportFromStore(store, cfg, o.clock));
    const pending = outbox.filter((r) => r.state === 'pending').length;
    o.log(
      `planted: ${data.plantedAnomalies.length} anomalies (${data.plantedAnomalies.length - missedAnomalies.length} found), ` +
        `${data.plantedWash.length} wash pairs (${data.plantedWash.length - missedWash.length} found); ` +
        `other alerts: ${unplannedAnomalyAlerts} anomaly (of ${alertPass.newPairs - data.plantedAnomalies.length} new pairs), ${unplannedWashAlerts} wash`,
    );
    o.log(
      `receiver got ${receiver.messages.length} messages (${receiver.rejected} rejected); ${pending} alerts still queued`,
    );
    if (receiver.messages[0]) o.log(`first message:\n${receiver.messages[0].text.split('\n').slice(0, 8).join('\n')}`);
    o.log(`report: ${reportPath}`);
    o.log(`store:  ${storePath}`);
    return {
      reportPath,
      storePath,
      imports,
      baseline,
      alertPass,
      plantedAnomalies: data.plantedAnomalies,
      plantedWash: data.plantedWash,
      missedAnomalies,
      missedWash,
      unplannedAnomalyAlerts,
      newPairsNotPlanted: alertPass.newPairs - data.plantedAnomalies.length,
      unplannedWashAlerts,
      receivedMessages: receiver.messages.length,
      receiverRejected: receiver.rejected,
      outboxPending: pending,
    };
  } finally {
    await receiver.stop();
    await store.close();
  }
}
