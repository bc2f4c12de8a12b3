/**
 * Replays of real captures (test/fixtures/cryptofeed, copied from cryptofeed with its LICENSE).
 * The exact figures were checked by hand against an independent Decimal-based reference replay
 * (a few lines of Python over the same files) and against the venue's own checksums (OKX).
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { formatReport, runReplay } from '../../src/cli/replay-command.js';
import { parseCapture } from '../../src/feeds/replay/capture-reader.js';
import { ReplayEngine, type ReplayReport, type SymbolReport } from '../../src/feeds/replay/replay-engine.js';

const DIR = join(__dirname, '..', 'fixtures', 'cryptofeed');
const bySymbol = (r: ReplayReport): Record<string, SymbolReport> =>
  Object.fromEntries(r.symbols.map((s) => [s.symbol, s]));

function replayText(venue: 'kucoin' | 'okx' | 'coinbase', ws: string, http = ''): ReplayReport {
  const recs = parseCapture(ws);
  const snaps = parseCapture(http);
  const e = new ReplayEngine({ venue });
  for (const r of recs) e.scan(r);
  for (const r of snaps) e.scan(r);
  e.start();
  e.addSnapshots(snaps);
  for (const r of recs) e.feed(r);
  return e.finish();
}

describe('replay KUCOIN.ws.1.0 + KUCOIN.http.0.0 (/market/level2, REST snapshots)', async () => {
  const { report } = await runReplay(join(DIR, 'KUCOIN.ws.1.0'), {
    venue: 'kucoin',
    snapshots: join(DIR, 'KUCOIN.http.0.0'),
  });
  const s = bySymbol(report);

  it('decodes every frame; the capture has no sequence gaps', () => {
    expect(report).toMatchObject({
      framesReceived: 4721,
      snapshotRecords: 9,
      badLines: 0,
      decodeErrors: {},
      otherErrors: {},
    });
    for (const sym of report.symbols) {
      expect(sym.gaps, sym.symbol).toBe(0);
      expect(sym.resyncs, sym.symbol).toBe(0);
      expect(sym.everCrossed, sym.symbol).toBe(false);
    }
  });

  it('drops exactly the buffered messages the snapshot holds and applies the rest', () => {
    // [symbol, first buffered sequence, snapshot sequence, applied]; dropped = snapshot − first + 1
    const expected: Array<[string, number, number]> = [
      ['BCHSV-USDT', 19, 2342],
      ['SNX-BTC', 4, 600],
      ['ANKR-BTC', 2, 243],
      ['FET-BTC', 2, 218],
      ['DAPPT-BTC', 8, 162],
      ['NRG-BTC', 6, 60],
      ['COV-BTC', 4, 48],
      ['EQZ-BTC', 2, 40],
    ];
    for (const [sym, dropped, applied] of expected) {
      expect(s[sym], sym).toMatchObject({ state: 'live', dropped, applied, snapshotsApplied: 1, staleSnapshots: 0 });
    }
    expect(s['BCHSV-USDT'].trades).toBe(5);
    expect(s['DAPPT-BTC'].trades).toBe(12);
  });

  it('final BCHSV-USDT top 5 equals the reference replay, as exact decimal strings', () => {
    expect(s['BCHSV-USDT'].bids).toEqual([
      ['243.216', '4.51280965'],
      ['243.082', '16.141'],
      ['243.076', '19.727'],
      ['242.982', '9.40330233'],
      ['242.981', '52.489'],
    ]);
    expect(s['BCHSV-USDT'].asks).toEqual([
      ['243.457', '4.51280965'],
      ['243.501', '1.19391597'],
      ['243.502', '0.05685527'],
      ['243.518', '5.98'],
      ['243.621', '6.16481888'],
    ]);
    expect(s['SNX-BTC'].bids[0]).toEqual(['0.00028678', '0.19100065']);
    expect(s['SNX-BTC'].asks[0]).toEqual(['0.00028745', '28.09015128']);
  });

  it('CAPP-BTC: a snapshot level (452338153.08) exceeds 2^53 lots on the 1e-8 grid its sizes need ⇒ refused and reported', () => {
    expect(s['CAPP-BTC']).toMatchObject({
      state: 'buffering',
      applied: 0,
      snapshotsApplied: 0,
      lotSize: '1e-8',
      errors: { DG_E_OUT_OF_RANGE: 1 },
    });
    expect(s['CAPP-BTC'].bufferHighWater).toBe(93);
    expect(s['CAPP-BTC'].bids).toEqual([]);
  });

  it('a line removed from the real stream is detected as a gap and the book resyncs', () => {
    const ws = readFileSync(join(DIR, 'KUCOIN.ws.1.0'), 'utf8');
    const http = readFileSync(join(DIR, 'KUCOIN.http.0.0'), 'utf8');
    const victim = ws.split('\n').find((l) => l.includes('"sequenceStart":1612844052000,'));
    expect(victim).toBeDefined();
    const r = bySymbol(replayText('kucoin', ws.replace(`${victim}\n`, ''), http));
    expect(r['SNX-BTC']).toMatchObject({ gaps: 1, resyncs: 1, state: 'resyncing', errors: { DG_E_SEQUENCE_GAP: 1 } });
    expect(r['SNX-BTC'].bids).toEqual([]); // never shows a book known to be wrong
    expect(r['BCHSV-USDT']).toMatchObject({ gaps: 0, applied: 2342 });
  });
});

describe('replay OKX.ws.1.0 (books with CRC32 checksums)', async () => {
  const { report } = await runReplay(join(DIR, 'OKX.ws.1.0'), { venue: 'okx' });
  const s = bySymbol(report);

  it('every checksum verifies', () => {
    expect(report.decodeErrors).toEqual({});
    const expected: Array<[string, number, number]> = [
      ['BTC-USD-220527', 98, 99],
      ['BTC-USDT', 97, 98],
      ['UNI-USD-SWAP', 92, 93],
    ];
    for (const [sym, applied, ok] of expected) {
      expect(s[sym], sym).toMatchObject({
        state: 'live',
        applied,
        checksumOk: ok,
        checksumFailed: 0,
        gaps: 0,
        resyncs: 0,
        everCrossed: false,
      });
    }
    expect(report.symbols.reduce((n, x) => n + x.checksumOk, 0)).toBe(290);
    expect(s['BTC-USDT'].trades).toBe(69);
    expect(s['BTC-USDT'].bids[0]).toEqual(['30236.1', '0.18050747']);
    expect(s['BTC-USDT'].asks[0]).toEqual(['30236.2', '0.001']);
  });

  it('a tampered size is caught by the checksum and the book resyncs', () => {
    const ws = readFileSync(join(DIR, 'OKX.ws.1.0'), 'utf8');
    const tampered = ws.replace('["30261","4","0","1"]', '["30261","5","0","1"]');
    expect(tampered).not.toBe(ws);
    const r = bySymbol(replayText('okx', tampered));
    expect(r['BTC-USD-220527']).toMatchObject({ checksumFailed: 1, resyncs: 1, state: 'resyncing', checksumOk: 1 });
    expect(r['BTC-USDT']).toMatchObject({ checksumFailed: 0, checksumOk: 98 });
  });
});

describe('replay COINBASE.ws.28.0 (level2: snapshot + l2update, no sequence numbers)', async () => {
  const { report } = await runReplay(join(DIR, 'COINBASE.ws.28.0'), { venue: 'coinbase' });
  const s = bySymbol(report);

  it('the snapshot starts each book; every update applies; no book is ever crossed', () => {
    expect(report).toMatchObject({ framesReceived: 9946, decodeErrors: {}, badLines: 0 });
    const applied: Record<string, number> = {
      'BAND-BTC': 1005,
      'BAND-GBP': 471,
      'CRV-EUR': 670,
      'DASH-BTC': 1925,
      'NMR-EUR': 665,
      'NU-GBP': 76,
      'SKL-BTC': 1539,
      'SKL-GBP': 289,
      'SKL-USD': 2592,
      'YFI-BTC': 487,
    };
    for (const [sym, n] of Object.entries(applied)) {
      expect(s[sym], sym).toMatchObject({
        state: 'live',
        applied: n,
        dropped: 0,
        gaps: 0,
        snapshotsApplied: 1,
        everCrossed: false,
      });
    }
    expect(Object.values(applied).reduce((a, b) => a + b, 0)).toBe(9719); // every l2update in the file
    expect(s['SKL-USD'].trades).toBe(53);
    expect(s['SKL-USD'].bids[0]).toEqual(['0.7902', '468']);
    expect(s['SKL-USD'].asks[0]).toEqual(['0.7911', '450']);
  });

  it('formats a human report with the top levels', () => {
    const text = formatReport(report);
    expect(text).toContain('SKL-USD (SKL/USD; grid tick 1e-4, lot 1e-1) — live');
    expect(text).toContain('bids: 0.7902 × 468');
  });
});

describe('deskgate replay CLI', () => {
  it('is registered and prints JSON', () => {
    const out = execFileSync(
      process.execPath,
      [
        '--import',
        'tsx',
        join(__dirname, '..', '..', 'src', 'cli', 'main.ts'),
        'replay',
        join(DIR, 'OKX.ws.1.0'),
        '--venue',
        'okx',
        '--symbol',
        'UNI-USD-SWAP',
        '--json',
      ],
      { encoding: 'utf8' },
    );
    const r = JSON.parse(out) as ReplayReport;
    expect(r.symbols.map((x) => x.symbol)).toEqual(['UNI-USD-SWAP']);
    expect(r.symbols[0]).toMatchObject({ checksumOk: 93, checksumFailed: 0 });
  });
});
