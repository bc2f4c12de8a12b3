/**
 * `deskgate replay <capture> --venue kucoin|coinbase|okx|binance|bitfinex [--snapshots <file>]
 *  [--symbol X] [--json]` — replay a recorded feed through the decoders, BookSync and the books,
 * and print per symbol: applied/dropped/gaps/resyncs, checksums ok/failed, whether the book was
 * ever crossed, and the final top 5 levels (exact decimal strings). See docs/feeds.md.
 */
import { existsSync, readdirSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import type { Command } from 'commander';
import { readCapture, type CaptureRecord } from '../feeds/replay/capture-reader.js';
import { ReplayEngine, type ReplayReport, type SymbolReport } from '../feeds/replay/replay-engine.js';
import { VENUES, type ReplayVenueName } from '../feeds/replay/replay-venues.js';

export interface ReplayCliOptions {
  readonly venue: string;
  readonly snapshots?: string;
  readonly symbol?: string;
  readonly channel?: string;
  readonly json?: boolean;
  readonly maxBuffer?: string;
}

function venueName(venue: string, channel: string | undefined): ReplayVenueName {
  const v = venue.toLowerCase();
  if (v === 'coinbase' && channel === 'full') return 'coinbase-full';
  if (v === 'binance' && channel === 'futures') return 'binance-futures';
  if (v in VENUES) return v as ReplayVenueName;
  throw new Error(`unknown venue ${venue} (kucoin, coinbase, okx, binance, bitfinex)`);
}

/** KUCOIN.ws.1.0 ⇒ the first KUCOIN.http.* beside it, for venues that take REST snapshots. */
export function siblingSnapshots(capture: string): string | undefined {
  const name = basename(capture);
  const m = /^([A-Za-z0-9_-]+)\.ws\./.exec(name);
  if (!m) return undefined;
  const dir = dirname(capture);
  const hit = readdirSync(dir)
    .filter((f) => f.startsWith(`${m[1]}.http.`))
    .sort()[0];
  return hit ? join(dir, hit) : undefined;
}

async function collect(path: string): Promise<CaptureRecord[]> {
  const out: CaptureRecord[] = [];
  for await (const r of readCapture(path)) out.push(r);
  return out;
}

/** Run a replay over files (two streaming passes over the capture). */
export async function runReplay(
  capture: string,
  opts: ReplayCliOptions,
): Promise<{ report: ReplayReport; snapshotsFile?: string }> {
  if (!existsSync(capture)) throw new Error(`no such capture: ${capture}`);
  const venue = venueName(opts.venue, opts.channel);
  const wiring = VENUES[venue];
  const maxBuffer = opts.maxBuffer === undefined ? undefined : Number(opts.maxBuffer);
  const engine = new ReplayEngine({
    venue,
    ...(opts.symbol ? { symbol: opts.symbol } : {}),
    ...(maxBuffer ? { maxBuffer } : {}),
  });
  let snapshotsFile = opts.snapshots;
  if (snapshotsFile === undefined && wiring.decodeSnapshot) snapshotsFile = siblingSnapshots(capture);
  const snaps = snapshotsFile ? await collect(snapshotsFile) : [];
  for await (const r of readCapture(capture)) engine.scan(r);
  for (const r of snaps) engine.scan(r);
  engine.start();
  engine.addSnapshots(snaps);
  for await (const r of readCapture(capture)) engine.feed(r);
  return { report: engine.finish(), ...(snapshotsFile ? { snapshotsFile } : {}) };
}

function levelText(rows: Array<[string, string]>): string {
  return rows.length === 0 ? '(empty)' : rows.map(([p, s]) => `${p} × ${s}`).join('  ');
}

export function formatReport(report: ReplayReport, snapshotsFile?: string): string {
  const lines: string[] = [];
  lines.push(
    `venue ${report.venue}: ${report.framesReceived} frames, ${report.snapshotRecords} REST snapshots${snapshotsFile ? ` (${basename(snapshotsFile)})` : ''}, ${report.badLines} bad lines`,
  );
  const de = Object.entries(report.decodeErrors);
  if (de.length > 0) lines.push(`decoder errors: ${de.map(([k, v]) => `${k}=${v}`).join(' ')}`);
  const oe = Object.entries(report.otherErrors);
  if (oe.length > 0) lines.push(`other errors: ${oe.map(([k, v]) => `${k}=${v}`).join(' ')}`);
  for (const s of report.symbols) lines.push('', ...symbolLines(s));
  return lines.join('\n');
}

function symbolLines(s: SymbolReport): string[] {
  const errs = Object.entries(s.errors);
  return [
    `${s.symbol} (${s.unified}; grid tick ${s.tickSize}, lot ${s.lotSize}) — ${s.state}`,
    `  applied ${s.applied}  dropped ${s.dropped}  gaps ${s.gaps}  resyncs ${s.resyncs}  checksum ok ${s.checksumOk} failed ${s.checksumFailed}  snapshots ${s.snapshotsApplied} (stale ${s.staleSnapshots})  trades ${s.trades}`,
    `  ever crossed: ${s.everCrossed ? `yes (${s.crossedMessages} messages)` : 'no'}${errs.length ? `  errors: ${errs.map(([k, v]) => `${k}=${v}`).join(' ')}` : ''}`,
    `  bids: ${levelText(s.bids)}`,
    `  asks: ${levelText(s.asks)}`,
  ];
}

export function registerReplayCommand(program: Command): void {
  program
    .command('replay')
    .description('Replay a recorded feed capture through the decoders, BookSync and the books')
    .argument('<capture>', 'capture file (cryptofeed format or JSON lines of raw frames)')
    .requiredOption('--venue <venue>', 'kucoin | coinbase | okx | binance | bitfinex')
    .option(
      '--snapshots <file>',
      'REST snapshot replies (cryptofeed .http. format); default: <VENUE>.http.* beside the capture',
    )
    .option('--symbol <symbol>', 'only this native symbol, e.g. BTC-USDT')
    .option('--channel <channel>', 'coinbase: level2 (default) | full; binance: spot (default) | futures')
    .option('--max-buffer <n>', 'BookSync buffer bound (messages)')
    .option('--json', 'print the report as JSON')
    .action(async (capture: string, opts: ReplayCliOptions) => {
      const { report, snapshotsFile } = await runReplay(capture, opts);
      process.stdout.write(
        opts.json ? `${JSON.stringify(report, null, 2)}\n` : `${formatReport(report, snapshotsFile)}\n`,
      );
    });
}
