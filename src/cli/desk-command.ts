/**
 * `deskgate desk import|match|report|watch|demo` — the OTC desk toolkit (S2.1–S2.6).
 * Store: SQLite under --data-dir (default ./.deskgate/desk.sqlite) or --store postgres://….
 */
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Command } from 'commander';
import { systemClock } from '../core/clock.js';
import { isDeskgateError } from '../core/errors.js';
import { loadDeskConfig, type DeskConfig } from '../desk/config.js';
import { csvLine } from '../desk/csv.js';
import { runDemo } from '../desk/demo.js';
import { parseDuration } from '../core/duration.js';
import { importFile, type FileFormat } from '../desk/import-file.js';
import { importFromPostgres } from '../desk/import-pg.js';
import type { ImportReport } from '../desk/importer.js';
import { reportFromStore, runMatch, writeReport } from '../desk/service.js';
import { runWatchLoop } from '../desk/watch-loop.js';
import { DeskWatcher, type PassResult } from '../desk/watcher.js';
import { ConsoleNotifier } from '../notify/console.js';
import { notifiersFor } from '../notify/from-config.js';
import { DEFAULT_DATA_DIR, otcStoreFor } from '../store/otc-open.js';
import type { OtcStore } from '../store/otc-store.js';

interface CommonOpts {
  dataDir: string;
  store?: string;
  config?: string;
}

function out(line: string): void {
  process.stdout.write(`${line}\n`);
}

function progressLine(label: string): (done: number, fraction: number | undefined) => void {
  const tty = process.stderr.isTTY;
  let last = -1;
  return (done, fraction) => {
    const pct = fraction === undefined ? undefined : Math.floor(fraction * 100);
    if (pct !== undefined && pct === last && pct === 100) return;
    if (!tty && pct !== undefined && pct < 100 && pct - last < 10) return;
    last = pct ?? last;
    const text = `${label}: ${done.toLocaleString('en-US')} rows${pct === undefined ? '' : ` (${pct}%)`}`;
    process.stderr.write(tty ? `\r${text}   ${pct === 100 ? '\n' : ''}` : `${text}\n`);
  };
}

async function withStore<T>(o: CommonOpts, fn: (store: OtcStore, cfg: DeskConfig) => Promise<T>): Promise<T> {
  const cfg = loadDeskConfig(o.config);
  const store = otcStoreFor(o.store, o.dataDir);
  await store.init();
  try {
    return await fn(store, cfg);
  } finally {
    await store.close();
  }
}

function printImport(r: ImportReport, label: string, maxShown = 20): void {
  out(`${label}: ${r.rows} rows, ${r.inserted} new, ${r.unchanged} unchanged, ${r.rejected.length} rejected`);
  for (const rej of r.rejected.slice(0, maxShown)) {
    out(
      `  row ${rej.row}${rej.id ? ` id=${rej.id}` : ''}: ${rej.errors.map((e) => `${e.field} ${e.code} (${e.message})`).join('; ')}`,
    );
  }
  if (r.rejected.length > maxShown) out(`  … ${r.rejected.length - maxShown} more (see --rejects)`);
}

function rejectsCsv(reports: readonly ImportReport[]): string {
  let s = csvLine(['kind', 'row', 'id', 'field', 'code', 'message']);
  for (const r of reports) {
    for (const rej of r.rejected)
      for (const e of rej.errors) s += csvLine([r.kind, rej.row, rej.id ?? '', e.field, e.code, e.message]);
  }
  return s;
}

function printPass(r: PassResult): void {
  const ts = new Date(systemClock.now()).toISOString();
  if (r.sourceError) out(`${ts} source unavailable, using stored data: ${r.sourceError}`);
  if (r.imported)
    out(
      `${ts} imported ${r.imported.locks.inserted} locks, ${r.imported.hedges.inserted} hedges (${r.imported.locks.rejected.length + r.imported.hedges.rejected.length} rejected)`,
    );
  if (r.baseline)
    out(
      `${ts} first pass: cursor set at the current end (use --backfill to alert on stored history); ${r.matched} pairs matched`,
    );
  else
    out(
      `${ts} matched ${r.matched}; new pairs ${r.newPairs}, new locks ${r.newLocks}; anomalies ${r.anomalies}, wash pairs ${r.washPairs}; ${r.enqueued} alerts queued`,
    );
  const d = r.delivery;
  if (d.messages || d.failed || d.deferred)
    out(`${ts} delivery: ${d.sent} alerts sent in ${d.messages} messages, ${d.failed} failed, ${d.deferred} waiting`);
  for (const e of d.errors.slice(0, 5)) out(`${ts}   ${e}`);
}

/** `desk watch` outlives database outages: wait (with backoff) until the store can be opened. */
async function waitForStore(o: CommonOpts): Promise<void> {
  for (let attempt = 0; ; attempt++) {
    const store = otcStoreFor(o.store, o.dataDir);
    try {
      await store.init();
      await store.close();
      return;
    } catch (e) {
      if (!isDeskgateError(e) || e.code !== 'DG_E_SOURCE_DOWN') throw e;
      const wait = Math.min(60_000, 1000 * 2 ** Math.min(attempt, 6));
      out(`${new Date().toISOString()} store unavailable (${e.message}); retrying in ${wait / 1000}s`);
      await new Promise((r) => setTimeout(r, wait));
    }
  }
}

export function registerDeskCommand(program: Command): void {
  const desk = program.command('desk').description('OTC desk toolkit: import, match, report, watch (alerts), demo');
  const common = (c: Command): Command =>
    c
      .option('--data-dir <dir>', 'data directory (SQLite store, reports)', DEFAULT_DATA_DIR)
      .option(
        '--store <location>',
        'postgres://user@host/db[?schema=s] or a SQLite file (default <data-dir>/desk.sqlite)',
      )
      .option('--config <file>', 'desk config JSON (thresholds, channels, source)');

  common(desk.command('import'))
    .description('import lock / hedge orders from CSV, JSON, NDJSON files or the configured PostgreSQL source')
    .option('--locks <file...>', 'lock-price order files')
    .option('--hedges <file...>', 'hedge order files')
    .option('--format <fmt>', 'csv | json | ndjson (default: by extension)')
    .option('--from-pg', 'import from config.source (PostgreSQL)')
    .option('--naive-time <policy>', 'times without an offset: utc | reject', 'utc')
    .option('--rejects <file>', 'write every rejected row (row, field, code) to this CSV')
    .action(
      async (
        o: CommonOpts & {
          locks?: string[];
          hedges?: string[];
          format?: FileFormat;
          fromPg?: boolean;
          naiveTime: string;
          rejects?: string;
        },
      ) => {
        if (o.naiveTime !== 'utc' && o.naiveTime !== 'reject') throw new Error('--naive-time must be utc or reject');
        if (!o.locks && !o.hedges && !o.fromPg)
          throw new Error('nothing to import: give --locks, --hedges or --from-pg');
        const naiveTime = o.naiveTime;
        await withStore(o, async (store, cfg) => {
          const reports: ImportReport[] = [];
          for (const f of o.locks ?? []) {
            const r = await importFile(store, f, 'lock', {
              format: o.format,
              naiveTime,
              progress: progressLine(`import ${path.basename(f)}`),
            });
            printImport(r, `locks ${f}`);
            reports.push(r);
          }
          for (const f of o.hedges ?? []) {
            const r = await importFile(store, f, 'hedge', {
              format: o.format,
              naiveTime,
              progress: progressLine(`import ${path.basename(f)}`),
            });
            printImport(r, `hedges ${f}`);
            reports.push(r);
          }
          if (o.fromPg) {
            if (!cfg.source) throw new Error('--from-pg needs a "source" section in --config');
            const r = await importFromPostgres(store, cfg.source);
            printImport(r.locks, 'locks (postgres)');
            printImport(r.hedges, 'hedges (postgres)');
            reports.push(r.locks, r.hedges);
          }
          if (o.rejects) {
            writeFileSync(o.rejects, rejectsCsv(reports));
            out(`rejected rows written to ${o.rejects}`);
          }
          const c = await store.countOrders();
          out(`store (${store.kind}): ${c.locks} locks, ${c.hedges} hedges, ${c.matches} matched pairs`);
        });
      },
    );

  common(desk.command('match'))
    .description('match unmatched lock orders with hedge orders and store the pairs')
    .action(async (o: CommonOpts) => {
      await withStore(o, async (store, cfg) => {
        const progress = progressLine('match');
        const r = await runMatch(store, cfg, systemClock, (done, total) =>
          progress(done, total > 0 ? done / total : 1),
        );
        out(
          `matched ${r.saved} pairs (${r.oneToMany} one-to-many) from ${r.locks} locks × ${r.hedges} hedges in ${r.seconds.toFixed(2)} s`,
        );
        out(`unmatched: ${r.unmatchedLocks} locks, ${r.unmatchedHedges} hedges`);
        for (const [k, n] of Object.entries(r.reasons).sort((a, b) => b[1] - a[1])) out(`  ${k}: ${n}`);
      });
    });

  common(desk.command('report'))
    .description('hedge PnL report: self-contained HTML with charts plus CSV files')
    .option('--out <dir>', 'output directory (default <data-dir>/report)')
    .option('--since <duration>', 'only pairs locked within this long (e.g. 30d)')
    .action(async (o: CommonOpts & { out?: string; since?: string }) => {
      await withStore(o, async (store, cfg) => {
        const since = o.since ? systemClock.now() - parseDuration(o.since) : undefined;
        const files = await reportFromStore(store, cfg, systemClock, since);
        const file = writeReport(o.out ?? path.join(o.dataDir, 'report'), files);
        out(`report: ${path.resolve(file)}`);
        out(`csv:    ${path.resolve(path.dirname(file))}/{pairs,aggregates,unmatched}.csv`);
      });
    });

  common(desk.command('watch'))
    .description('every 5 minutes: match new orders, alert anomalies and wash trades (exactly once, via the outbox)')
    .option('--every <duration>', 'pass interval (default from config: 5m)')
    .option('--once', 'run a single pass and exit')
    .option('--backfill', 'on the very first pass, alert on everything already stored')
    .action(async (o: CommonOpts & { every?: string; once?: boolean; backfill?: boolean }) => {
      if (!o.once) await waitForStore(o);
      await withStore(o, async (store, cfg) => {
        const notifiers = cfg.notify.channels.length
          ? notifiersFor(cfg.notify.channels, systemClock)
          : [new ConsoleNotifier()];
        if (!cfg.notify.channels.length) out('no channels configured: alerts are printed here');
        const watcher = new DeskWatcher(store, cfg, notifiers, systemClock, { backfill: o.backfill });
        if (o.once) {
          printPass(await watcher.pass());
          return;
        }
        const every = o.every ? parseDuration(o.every) : cfg.watch.every;
        if (every < 1000) throw new Error('--every must be at least 1s');
        const ac = new AbortController();
        const stop = (): void => ac.abort();
        process.once('SIGINT', stop);
        process.once('SIGTERM', stop);
        out(`watching every ${every / 1000}s (delivery every ${cfg.watch.deliverEvery / 1000}s); Ctrl-C to stop`);
        await runWatchLoop(watcher, {
          every,
          deliverEvery: cfg.watch.deliverEvery,
          signal: ac.signal,
          onPass: printPass,
          onError: (e) =>
            out(
              `${new Date().toISOString()} pass failed (cursor kept, retrying next tick): ${isDeskgateError(e) ? `${e.code} ${e.message}` : (e as Error).message}`,
            ),
        });
      });
    });

  desk
    .command('demo')
    .description(
      'generate a seeded desk history with planted anomalies and wash pairs; run import → match → alerts → report locally',
    )
    .option('--dir <dir>', 'demo directory (recreated)', path.join(DEFAULT_DATA_DIR, 'demo'))
    .option('--seed <n>', 'random seed', '42')
    .option('--locks <n>', 'lock orders to generate', '20000')
    .option('--lang <zh|en>', 'alert language', 'en')
    .action(async (o: { dir: string; seed: string; locks: string; lang: string }) => {
      const seed = Number(o.seed);
      const locks = Number(o.locks);
      if (!Number.isSafeInteger(seed) || !Number.isSafeInteger(locks) || locks < 500 || locks > 5_000_000) {
        throw new Error('--seed must be an integer and --locks between 500 and 5000000');
      }
      if (o.lang !== 'zh' && o.lang !== 'en') throw new Error('--lang must be zh or en');
      const r = await runDemo({ dir: o.dir, seed, locks, language: o.lang, clock: systemClock, log: out });
      if (r.missedAnomalies.length || r.missedWash.length) {
        out(`MISSED planted cases: ${JSON.stringify({ anomalies: r.missedAnomalies, wash: r.missedWash })}`);
        process.exitCode = 1;
      }
    });
}
