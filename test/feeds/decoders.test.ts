import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/core/clock.js';
import type { ErrorCode } from '../../src/core/errors.js';
import type { L2Snapshot } from '../../src/core/events.js';
import { makeInstrument, type Instrument } from '../../src/core/instrument.js';
import { L2Book } from '../../src/book/l2-book.js';
import { L3Book } from '../../src/book/l3-book.js';
import { BinanceDepthDecoder, decodeBinanceDepthSnapshot } from '../../src/feeds/binance-depth.js';
import { BitfinexRawDecoder } from '../../src/feeds/bitfinex-raw.js';
import { CoinbaseFullDecoder, decodeCoinbaseL3Snapshot } from '../../src/feeds/coinbase-full.js';
import { CoinbaseLevel2Decoder } from '../../src/feeds/coinbase-level2.js';
import { crc32Signed } from '../../src/feeds/crc32.js';
import type { FeedDecoder, FeedEvent } from '../../src/feeds/feed-event.js';
import { KucoinL2Decoder, decodeKucoinL2Snapshot } from '../../src/feeds/kucoin-l2.js';
import { OkxBooksDecoder, okxChecksum } from '../../src/feeds/okx-books.js';
import { POLICIES } from '../../src/feeds/sync-policy.js';
import { createL2Sync, createL3Sync } from '../../src/feeds/sync-targets.js';

const inst = (venue: string, native: string, tickSize: string, lotSize: string): Instrument =>
  makeInstrument(0, { venue, native, tickSize, lotSize });
const one = (d: FeedDecoder, frame: string): FeedEvent => {
  const out = d.decode(frame, 1000);
  expect(out).toHaveLength(1);
  return out[0];
};
const refused = (d: FeedDecoder, frame: string, code: ErrorCode): void => {
  const ev = one(d, frame);
  expect(ev.kind).toBe('invalid');
  if (ev.kind === 'invalid') expect(ev.error.code).toBe(code);
};

describe('crc32Signed', () => {
  it('matches the standard check value and zlib', async () => {
    expect(crc32Signed('123456789')).toBe(0xcbf43926 | 0);
    const zlib = await import('node:zlib');
    const z = (zlib as unknown as { crc32?: (s: string) => number }).crc32;
    if (z) for (const s of ['', 'a', '3366.1:7.2:3366.8:0.5', 'é€']) expect(crc32Signed(s)).toBe(z(s) | 0);
  });
});

describe('KuCoin /market/level2 decoder', () => {
  const bchsv = inst('kucoin', 'BCHSV-USDT', '0.001', '0.00000001');
  const d = new KucoinL2Decoder((n) => (n === 'BCHSV-USDT' ? bchsv : undefined));
  const frame = (changes: string, start = 10, end = 12): string =>
    `{"data":{"sequenceStart":${start},"symbol":"BCHSV-USDT","changes":${changes},"sequenceEnd":${end}},"subject":"trade.l2update","topic":"/market/level2:BCHSV-USDT","type":"message"}`;

  it('translates a real frame into ticks/lots, orders changes by sequence, skips price-"0" no-ops', () => {
    const ev = one(d, frame('{"asks":[["244.351","150","12"],["0","0","10"]],"bids":[["242.5","0","11"]]}'));
    expect(ev).toEqual({
      kind: 'l2',
      symbol: 'BCHSV-USDT',
      update: {
        type: 'l2',
        firstSeq: 10,
        lastSeq: 12,
        levels: [
          { side: 0, price: 242500, size: 0 },
          { side: 1, price: 244351, size: 15_000_000_000 },
        ],
        ts: 1000,
      },
    });
  });

  it('refuses bad input with stable codes and never throws', () => {
    refused(d, '{"data":', 'DG_E_MALFORMED_JSON');
    refused(d, '{"type":"surprise"}', 'DG_E_UNKNOWN_MESSAGE');
    refused(d, frame('{"asks":[["244.351","-1","10"]],"bids":[]}'), 'DG_E_NEGATIVE');
    refused(d, frame('{"asks":[["244.351","NaN","10"]],"bids":[]}'), 'DG_E_BAD_DECIMAL');
    refused(d, frame('{"asks":[["244.3511","1","10"]],"bids":[]}'), 'DG_E_OFF_GRID');
    refused(d, frame('{"asks":[["244.351","1e300","10"]],"bids":[]}'), 'DG_E_OUT_OF_RANGE');
    refused(d, frame('{"asks":[["-5","1","10"]],"bids":[]}'), 'DG_E_BAD_PRICE');
    refused(d, frame('{"asks":[["244.351","1","99"]],"bids":[]}'), 'DG_E_BAD_MESSAGE');
    refused(d, frame('{"asks":[],"bids":[]}').replace('BCHSV-USDT', 'XXX-USDT'), 'DG_E_UNKNOWN_INSTRUMENT');
    const bad = one(d, frame('{"asks":[["1","x","10"]],"bids":[]}'));
    expect(bad).toMatchObject({ kind: 'invalid', symbol: 'BCHSV-USDT' });
    expect(d.errors.count()).toBeGreaterThanOrEqual(10);
    expect(one(d, '{"id":"NSkIrWGB1s","type":"welcome"}')).toEqual({ kind: 'control', what: 'welcome' });
  });

  it('decodes the REST snapshot (sequence as a string) and refuses an error reply', () => {
    const s = decodeKucoinL2Snapshot(
      '{"code":"200000","data":{"time":1619378326628,"sequence":"1613277183892","bids":[["242.649","5"]],"asks":[["244.1","0.5"]]}}',
      bchsv,
    );
    expect(s).toEqual({
      seq: 1613277183892,
      ts: 1619378326628,
      bids: [[242649, 500_000_000]],
      asks: [[244100, 50_000_000]],
    });
    expect(() => decodeKucoinL2Snapshot('{"code":"400100","msg":"x"}', bchsv)).toThrow(/KuCoin code/);
  });
});

describe('OKX books decoder and checksum', () => {
  const lines = readFileSync(join(__dirname, '..', 'fixtures', 'cryptofeed', 'OKX.ws.1.0'), 'utf8').split('\n');
  const snapLine = lines.find((l) => l.includes('"channel":"books","instId":"BTC-USDT"},"action":"snapshot"')) ?? '';
  const frame = snapLine.slice(snapLine.indexOf(': ') + 2);
  const btc = inst('okx', 'BTC-USDT', '0.1', '0.00000001');

  it('the checksum of a real snapshot, rebuilt from integer ticks/lots, equals OKX’s', () => {
    const d = new OkxBooksDecoder((n) => (n === 'BTC-USDT' ? btc : undefined));
    const ev = one(d, frame);
    expect(ev.kind).toBe('l2-snapshot');
    if (ev.kind !== 'l2-snapshot') return;
    expect(ev.snapshot.checksum).toBe(47640993);
    const book = new L2Book();
    book.loadSnapshot(ev.snapshot);
    expect(okxChecksum(book, btc, d.memo('BTC-USDT'))).toBe(47640993);
  });

  it('keeps non-canonical wire text ("1.50", "30000.0") so the checksum uses the strings as sent', () => {
    const d = new OkxBooksDecoder(() => btc);
    const raw = { bids: [['30000.0', '1.50', '0', '1']], asks: [['30001', '2', '0', '1']] };
    const expected = crc32Signed('30000.0:1.50:30001:2');
    const ev = one(
      d,
      JSON.stringify({
        arg: { channel: 'books', instId: 'BTC-USDT' },
        action: 'snapshot',
        data: [{ ...raw, ts: '1', checksum: expected }],
      }),
    );
    const book = new L2Book();
    const sync = createL2Sync(book, {
      policy: POLICIES.okxBooks,
      clock: new ManualClock(),
      checksum: (b) => okxChecksum(b, btc, d.memo('BTC-USDT')),
    });
    if (ev.kind === 'l2-snapshot') sync.onSnapshot(ev.snapshot);
    expect(sync.counters).toMatchObject({ checksumOk: 1, checksumFailures: 0 });
    // The level changes to a canonical size: the memo entry no longer applies.
    const upd = one(
      d,
      JSON.stringify({
        arg: { channel: 'books', instId: 'BTC-USDT' },
        action: 'update',
        data: [
          { bids: [['30000.0', '1.2', '0', '1']], asks: [], ts: '2', checksum: crc32Signed('30000.0:1.2:30001:2') },
        ],
      }),
    );
    if (upd.kind === 'l2') sync.onMessage(upd.update);
    expect(sync.counters).toMatchObject({ checksumOk: 2, checksumFailures: 0 });
  });

  it('links seqId/prevSeqId when present and handles ping/pong, errors and trades', () => {
    const d = new OkxBooksDecoder(() => btc);
    const ev = one(
      d,
      '{"arg":{"channel":"books","instId":"BTC-USDT"},"action":"update","data":[{"asks":[],"bids":[],"ts":"5","checksum":0,"prevSeqId":10,"seqId":15}]}',
    );
    expect(ev).toMatchObject({ kind: 'l2', update: { firstSeq: 15, lastSeq: 15, prevSeq: 10 } });
    expect(one(d, 'pong')).toEqual({ kind: 'control', what: 'pong' });
    refused(d, '{"event":"error","code":"60012","msg":"Invalid request"}', 'DG_E_BAD_MESSAGE');
    refused(d, '{"arg":{"channel":"books","instId":"BTC-USDT"},"action":"patch","data":[]}', 'DG_E_UNKNOWN_MESSAGE');
    const t = one(
      d,
      '{"arg":{"channel":"trades","instId":"BTC-USDT"},"data":[{"instId":"BTC-USDT","tradeId":"1","px":"30236.4","sz":"0.001","side":"sell","ts":"1652459225694"}]}',
    );
    expect(t).toMatchObject({
      kind: 'trade',
      trade: { price: 302364, size: 100_000, takerSide: 1, ts: 1652459225694 },
    });
  });
});

describe('Coinbase decoders', () => {
  const btc = inst('coinbase', 'BTC-USD', '0.01', '0.00000001');
  it('level2: snapshot and l2update; match side is the maker’s', () => {
    const d = new CoinbaseLevel2Decoder(() => btc);
    expect(
      one(d, '{"type":"snapshot","product_id":"BTC-USD","bids":[["100.10","1.5"]],"asks":[["100.20","2"]]}'),
    ).toMatchObject({
      kind: 'l2-snapshot',
      snapshot: { seq: 0, bids: [[10010, 150_000_000]], asks: [[10020, 200_000_000]] },
    });
    expect(
      one(
        d,
        '{"type":"l2update","product_id":"BTC-USD","changes":[["sell","100.20","0"]],"time":"2021-04-17T16:43:37.075Z"}',
      ),
    ).toMatchObject({
      kind: 'l2',
      update: { levels: [{ side: 1, price: 10020, size: 0 }], ts: Date.UTC(2021, 3, 17, 16, 43, 37, 75) },
    });
    const m = one(
      d,
      '{"type":"match","trade_id":7,"maker_order_id":"m","taker_order_id":"t","side":"sell","size":"1","price":"100.20","product_id":"BTC-USD","sequence":5,"time":"2021-04-17T16:43:37.089723Z"}',
    );
    expect(m).toMatchObject({ kind: 'trade', trade: { takerSide: 0, tradeId: '7', seq: 5 } });
    refused(d, '{"type":"l2update","product_id":"BTC-USD","changes":[["up","1","1"]]}', 'DG_E_BAD_MESSAGE');
  });

  it('full channel through BookSync into an L3Book: REST level-3 snapshot, received/open/match/change/done', () => {
    const d = new CoinbaseFullDecoder(() => btc);
    const book = new L3Book();
    const sync = createL3Sync(book, {
      policy: POLICIES.coinbaseFull,
      clock: new ManualClock(),
      ignoreUnknownChange: true,
    });
    const feed = (o: Record<string, unknown>): void => {
      for (const ev of d.decode(JSON.stringify({ product_id: 'BTC-USD', time: '2021-01-01T00:00:00Z', ...o }))) {
        if (ev.kind === 'l3') sync.onMessage(ev.event);
        else if (ev.kind === 'invalid') sync.onInvalid(ev.error);
      }
    };
    feed({
      type: 'received',
      sequence: 10,
      order_id: 'a',
      size: '1',
      price: '100.00',
      side: 'buy',
      order_type: 'limit',
      client_oid: 'c1',
    });
    feed({ type: 'open', sequence: 11, order_id: 'a', price: '100.00', remaining_size: '1', side: 'buy' });
    sync.onSnapshot(
      decodeCoinbaseL3Snapshot('{"sequence":10,"bids":[["100.00","2","x"]],"asks":[["101.00","3","y"]]}', btc),
    );
    expect(sync.state).toBe('live');
    expect(book.orders(0, 5).map((o) => o.orderId)).toEqual(['x', 'a']);
    feed({
      type: 'match',
      sequence: 12,
      trade_id: 1,
      maker_order_id: 'y',
      taker_order_id: 't',
      side: 'sell',
      size: '1',
      price: '101.00',
    });
    expect(book.order('y')?.size).toBe(200_000_000);
    feed({
      type: 'change',
      sequence: 13,
      order_id: 'never-opened',
      new_size: '0.5',
      old_size: '1',
      price: '100.00',
      side: 'buy',
    });
    feed({ type: 'change', sequence: 14, order_id: 'x', new_size: '1.5', old_size: '2', price: '100.00', side: 'buy' });
    expect(book.queuePosition('a')).toMatchObject({ ordersAhead: 1, sizeAhead: 150_000_000 });
    feed({ type: 'done', sequence: 15, order_id: 'x', reason: 'canceled', side: 'buy', remaining_size: '1.5' });
    feed({ type: 'change', sequence: 16, order_id: 'm', new_funds: '5', old_funds: '10', side: 'buy' });
    expect(sync.counters).toMatchObject({ applied: 6, dropped: 1, gaps: 0 });
    expect(book.orders(0, 5).map((o) => o.orderId)).toEqual(['a']);
    feed({ type: 'done', sequence: 18, order_id: 'a', reason: 'filled' });
    expect(sync.counters.gaps).toBe(1);
    const bad = d.decode(
      '{"type":"match","product_id":"BTC-USD","sequence":19,"side":"sell","size":"0","price":"1","maker_order_id":"m","taker_order_id":"t","trade_id":2}',
    );
    expect(bad[0]).toMatchObject({ kind: 'invalid', error: { code: 'DG_E_BAD_SIZE' } });
  });
});

describe('Bitfinex raw books decoder', () => {
  const btc = inst('bitfinex', 'tBTCUSD', '0.1', '0.00000001');
  it('channel framing, snapshot, upserts, price-0 deletes, heartbeats; through BookSync into an L3Book', () => {
    const d = new BitfinexRawDecoder((n) => (n === 'tBTCUSD' ? btc : undefined));
    const book = new L3Book();
    const sync = createL3Sync(book, { policy: POLICIES.bitfinexRaw, clock: new ManualClock(), upsertOpen: true });
    const feed = (frame: string): FeedEvent[] => {
      const out = d.decode(frame);
      for (const ev of out) {
        if (ev.kind === 'l3') sync.onMessage(ev.event);
        else if (ev.kind === 'l3-snapshot') sync.onSnapshot(ev.snapshot);
        else if (ev.kind === 'invalid') sync.onInvalid(ev.error);
      }
      return out;
    };
    feed('{"event":"info","version":2}');
    feed(
      '{"event":"subscribed","channel":"book","chanId":10092,"symbol":"tBTCUSD","prec":"R0","freq":"F0","len":"25","pair":"BTCUSD"}',
    );
    feed('[10092,[[1,7294.7,1.5],[2,7294.7,0.5],[3,7295.1,-2],[4,7290,0.25]]]');
    expect(sync.state).toBe('live');
    expect(book.orders(0, 5).map((o) => o.orderId)).toEqual(['1', '2', '4']);
    expect(book.bestAsk()).toBe(72951);
    feed('[10092,[1,7294.7,1.2]]'); // decrease keeps priority
    expect(book.orders(0, 1)[0]).toMatchObject({ orderId: '1', size: 120_000_000 });
    feed('[10092,[2,0,1]]'); // delete
    feed('[10092,[5,7295.5,-1e-8]]');
    expect(book.order('5')).toMatchObject({ side: 1, size: 1 });
    expect(feed('[10092,"hb"]')[0]).toMatchObject({ kind: 'control', what: 'hb' });
    expect(book.has('2')).toBe(false);
    expect(sync.counters).toMatchObject({ applied: 3, gaps: 0 });
    expect(feed('[10092,[6,7294.75,1]]')[0]).toMatchObject({ kind: 'invalid', error: { code: 'DG_E_OFF_GRID' } });
    expect(sync.state).toBe('resyncing'); // unsequenced: a lost update forces a resubscribe
    expect(feed('[999,[1,1,1]]')[0]).toMatchObject({ kind: 'invalid', error: { code: 'DG_E_UNKNOWN_MESSAGE' } });
    expect(feed('{"event":"subscribed","channel":"book","chanId":7,"symbol":"fUSD","prec":"R0"}')[0]).toMatchObject({
      kind: 'invalid',
    });
  });

  it('SEQ_ALL: a hole in the connection sequence invalidates every book', () => {
    const d = new BitfinexRawDecoder(() => btc);
    d.decode('{"event":"subscribed","channel":"book","chanId":1,"symbol":"tBTCUSD","prec":"R0"}');
    d.decode('[1,[[1,100,1]],1]');
    d.decode('[1,"hb",2]');
    const out = d.decode('[1,[1,100,2],4]');
    expect(out[0]).toMatchObject({ kind: 'invalid', symbol: 'tBTCUSD', error: { code: 'DG_E_SEQUENCE_GAP' } });
    expect(out[1]).toMatchObject({ kind: 'l3', event: { type: 'open', seq: 4 } });
  });
});

describe('Binance diff depth decoder', () => {
  const bnb = inst('binance', 'BNBBTC', '0.000001', '0.01');
  it('spot: docs example through BookSync (U ≤ lastUpdateId+1 ≤ u, then U = previous u + 1)', () => {
    const d = new BinanceDepthDecoder((n) => (n === 'BNBBTC' ? bnb : undefined));
    const book = new L2Book();
    const sync = createL2Sync(book, { policy: POLICIES.binanceSpot, clock: new ManualClock() });
    const feed = (f: string): void => {
      for (const ev of d.decode(f)) if (ev.kind === 'l2') sync.onMessage(ev.update);
    };
    feed('{"e":"depthUpdate","E":1,"s":"BNBBTC","U":150,"u":155,"b":[["0.0024","10"]],"a":[]}');
    feed(
      '{"stream":"bnbbtc@depth","data":{"e":"depthUpdate","E":2,"s":"BNBBTC","U":156,"u":160,"b":[["0.0024","0"]],"a":[["0.0026","100"]]}}',
    );
    feed('{"e":"depthUpdate","E":3,"s":"BNBBTC","U":161,"u":161,"b":[],"a":[["0.0027","5.5"]]}');
    const snap: L2Snapshot = decodeBinanceDepthSnapshot(
      '{"lastUpdateId":157,"bids":[["0.00240000","431.00000000"]],"asks":[["0.00260000","12.00000000"]]}',
      bnb,
    );
    expect(snap.seq).toBe(157);
    sync.onSnapshot(snap);
    expect(sync.counters).toMatchObject({ dropped: 1, applied: 2, gaps: 0 });
    expect(book.levels(0, 5)).toEqual([]);
    expect(book.levels(1, 5)).toEqual([
      [2600, 10000],
      [2700, 550],
    ]);
    feed('{"e":"depthUpdate","E":4,"s":"BNBBTC","U":163,"u":170,"b":[],"a":[]}');
    expect(sync.counters.gaps).toBe(1);
    expect(one(d, '{"result":null,"id":1}')).toEqual({ kind: 'control', what: 'result' });
    expect(one(d, '{"e":"trade","E":1,"s":"BNBBTC","t":12345,"p":"0.001","q":"100","T":5,"m":true}')).toMatchObject({
      kind: 'trade',
      trade: { takerSide: 1, price: 1000, size: 10000, tradeId: '12345' },
    });
    refused(d, '{"e":"depthUpdate","E":1,"s":"BNBBTC","U":9,"u":8,"b":[],"a":[]}', 'DG_E_BAD_MESSAGE');
    expect(() => decodeBinanceDepthSnapshot('{"code":-1121,"msg":"Invalid symbol."}', bnb)).toThrow(/venue error/);
  });

  it('futures: pu is carried as prevSeq', () => {
    const d = new BinanceDepthDecoder(() => bnb);
    expect(one(d, '{"e":"depthUpdate","E":1,"T":1,"s":"BNBBTC","U":10,"u":12,"pu":9,"b":[],"a":[]}')).toMatchObject({
      update: { prevSeq: 9, firstSeq: 10, lastSeq: 12 },
    });
  });
});
