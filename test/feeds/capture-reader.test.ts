import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import zlib from 'node:zlib';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseCapture, parseCaptureLine, readCapture, secondsToMs } from '../../src/feeds/replay/capture-reader.js';
import { ReplayEngine } from '../../src/feeds/replay/replay-engine.js';
import { runReplay } from '../../src/cli/replay-command.js';

describe('capture reader', () => {
  it('reads the cryptofeed line format', () => {
    expect(parseCaptureLine('wss://ws.okx.com:8443/ws/v5/public <-> 1652459224.5300605', 1)).toEqual({
      kind: 'connect',
      url: 'wss://ws.okx.com:8443/ws/v5/public',
      ts: 1652459224530,
      line: 1,
    });
    expect(parseCaptureLine('wss://x <- 1652459225.2987883: {"op":"subscribe"}', 2)).toMatchObject({
      kind: 'sent',
      ts: 1652459225299,
      frame: '{"op":"subscribe"}',
    });
    expect(parseCaptureLine('1619378326.134871: {"id":"a: b","type":"welcome"}', 3)).toMatchObject({
      kind: 'recv',
      ts: 1619378326135,
      frame: '{"id":"a: b","type":"welcome"}',
    });
    expect(
      parseCaptureLine('https://api.kucoin.com/x?symbol=A-B -> 1619378326.663214: {"code":"200000"}', 4),
    ).toMatchObject({ kind: 'http', url: 'https://api.kucoin.com/x?symbol=A-B' });
    expect(parseCaptureLine('garbage here', 5)).toEqual({ kind: 'bad', text: 'garbage here', line: 5 });
    expect(parseCaptureLine('   ', 6)).toBeUndefined();
    expect(secondsToMs('1619378326.9999')).toBe(1619378327000);
    expect(secondsToMs('12')).toBe(12000);
  });

  it('reads JSON lines of raw frames, with or without a receive time', () => {
    const recs = parseCapture('{"type":"snapshot"}\n[1,"hb"]\n{"ts":5,"frame":"{\\"a\\":1}"}\n\n');
    expect(recs).toEqual([
      { kind: 'recv', ts: 1, frame: '{"type":"snapshot"}', line: 1 },
      { kind: 'recv', ts: 2, frame: '[1,"hb"]', line: 2 },
      { kind: 'recv', ts: 5, frame: '{"a":1}', line: 3 },
    ]);
  });

  it('replays a JSON-lines Bitfinex capture from disk and reports bad lines without crashing', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'dg-replay-'));
    const file = join(dir, 'bitfinex.jsonl');
    writeFileSync(
      file,
      [
        '{"event":"info","version":2}',
        '{"event":"subscribed","channel":"book","chanId":5,"symbol":"tBTCUSD","prec":"R0","len":"25","pair":"BTCUSD"}',
        '[5,[[1,100.5,2],[2,100.4,1],[3,101,-1.5]]]',
        '[5,[2,0,1]]',
        '[5,"hb"]',
        '[5,[4,100.6,0.25]]',
        '{not json',
        'this is not a capture line',
      ].join('\n'),
    );
    let n = 0;
    for await (const _ of readCapture(file)) n++;
    expect(n).toBe(8);
    const { report } = await runReplay(file, { venue: 'bitfinex' });
    expect(report.badLines).toBe(1);
    expect(report.decodeErrors).toEqual({ DG_E_MALFORMED_JSON: 1 });
    expect(report.symbols).toHaveLength(1);
    expect(report.symbols[0]).toMatchObject({
      symbol: 'tBTCUSD',
      unified: 'BTC/USD',
      state: 'live',
      applied: 2,
      bids: [
        ['100.6', '0.25'],
        ['100.5', '2'],
      ],
      asks: [['101', '1.5']],
    });
  });

  it('verifies Bitfinex cs checksums in replay: a right one passes, a wrong one resyncs the book', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'dg-replay-'));
    const file = join(dir, 'bitfinex-cs.jsonl');
    // Book after the frames: bids 4 (100.6, 0.25), 1 (100.5, 2); ask 3 (101, -1.5). Bitfinex's rule:
    // bid then ask per index, `id:amount`, joined with ':', CRC32 as a signed 32-bit integer.
    const right = zlib.crc32('4:0.25:3:-1.5:1:2') | 0;
    writeFileSync(
      file,
      [
        '{"event":"subscribed","channel":"book","chanId":5,"symbol":"tBTCUSD","prec":"R0","len":"25","pair":"BTCUSD"}',
        '[5,[[1,100.5,2],[2,100.4,1],[3,101,-1.5]]]',
        '[5,[2,0,1]]',
        '[5,[4,100.6,0.25]]',
        `[5,"cs",${right}]`,
        `[5,"cs",${right ^ 1}]`,
      ].join('\n'),
    );
    const { report } = await runReplay(file, { venue: 'bitfinex' });
    expect(report.symbols[0]).toMatchObject({ symbol: 'tBTCUSD', checksumOk: 1, checksumFailed: 1 });
    expect(report.symbols[0]?.state).not.toBe('live');
  });

  it('replays a Coinbase full-channel capture against a level-3 REST snapshot (cryptofeed format)', () => {
    const f = (ts: string, o: Record<string, unknown>): string =>
      `${ts}: ${JSON.stringify({ product_id: 'BTC-USD', ...o })}`;
    const ws = [
      'wss://ws-feed.exchange.coinbase.com <-> 1600000000.0',
      f('1600000000.1', {
        type: 'open',
        sequence: 100,
        order_id: 'a',
        price: '10.00',
        remaining_size: '1',
        side: 'buy',
      }),
      f('1600000000.2', {
        type: 'open',
        sequence: 101,
        order_id: 'b',
        price: '10.50',
        remaining_size: '2',
        side: 'sell',
      }),
      f('1600000000.4', {
        type: 'match',
        sequence: 102,
        trade_id: 1,
        maker_order_id: 'b',
        taker_order_id: 't',
        side: 'sell',
        size: '0.5',
        price: '10.50',
      }),
      f('1600000000.5', { type: 'done', sequence: 104, order_id: 'a', reason: 'canceled', side: 'buy' }),
    ].join('\n');
    const http =
      'https://api.exchange.coinbase.com/products/BTC-USD/book?level=3 -> 1600000000.3: {"sequence":101,"bids":[["10.00","1","a"],["9.99","3","c"]],"asks":[["10.50","2","b"]]}';
    const recs = parseCapture(ws);
    const snaps = parseCapture(http);
    const e = new ReplayEngine({ venue: 'coinbase-full' });
    for (const r of [...recs, ...snaps]) e.scan(r);
    e.start();
    e.addSnapshots(snaps);
    for (const r of recs) e.feed(r);
    const rep = e.finish();
    expect(rep.symbols[0]).toMatchObject({
      symbol: 'BTC-USD',
      applied: 1,
      dropped: 2,
      gaps: 1,
      state: 'resyncing',
      trades: 1,
      errors: { DG_E_SEQUENCE_GAP: 1 },
    });
  });
});
