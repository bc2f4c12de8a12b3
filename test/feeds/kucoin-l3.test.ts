import { describe, expect, it } from 'vitest';
import { L3Book } from '../../src/book/l3-book.js';
import { DeskgateError } from '../../src/core/errors.js';
import { ASK, BID } from '../../src/core/events.js';
import { makeInstrument } from '../../src/core/instrument.js';
import {
  decodeKucoinL3Frame,
  decodeKucoinL3Message,
  decodeKucoinL3Snapshot,
  KucoinL3Decoder,
} from '../../src/feeds/kucoin-l3.js';

const spot = makeInstrument(1, { venue: 'kucoin', native: 'BTC-USDT', tickSize: '0.1', lotSize: '0.00000001' });
const fut = makeInstrument(2, {
  venue: 'kucoin',
  native: 'XBTMM22',
  symbol: 'BTC/USD:BTC-220624',
  tickSize: '1',
  lotSize: '1',
});
const spotV1 = makeInstrument(4, { venue: 'kucoin', native: 'BTC-USDT', tickSize: '0.001', lotSize: '0.00000001' });
const kumex = makeInstrument(3, { venue: 'kucoin', native: 'XBTUSDM', tickSize: '0.5', lotSize: '1' });

const code = (f: () => unknown): string => {
  try {
    f();
  } catch (e) {
    if (e instanceof DeskgateError) return e.code;
    throw e;
  }
  return 'no error';
};

// Real v2 spot payloads (see src/feeds/kucoin-l3-wire.ts for their sources).
const V2 = {
  received:
    '{"type":"message","topic":"/spotMarket/level3:BTC-USDT","subject":"received","data":{"symbol":"BTC-USDT","orderId":"629724de1f7e6b00015310cb","sequence":1630234429271,"clientOid":"d2b351d1-e185-11ec-aceb-068cc764f03f","ts":1654072542361747612}}',
  open: '{"type":"message","topic":"/spotMarket/level3:BTC-USDT","subject":"open","data":{"symbol":"BTC-USDT","sequence":"1594781800484","side":"buy","orderTime":"1597678002842139731","size":"0.65898942","orderId":"5f3aa1b2b6aeb200072bd6d8","price":"12139.8","ts":"1597678002842139731"}}',
  update:
    '{"type":"message","topic":"/spotMarket/level3:BTC-USDT","subject":"update","data":{"symbol":"BTC-USDT","sequence":"1594781878279","size":"0.0087306","orderId":"5f3aa2d2d5f3da0007802966","ts":"1597678290249785626"}}',
  match:
    '{"type":"message","topic":"/spotMarket/level3:BTC-USDT","subject":"match","data":{"symbol":"BTC-USDT","sequence":"1594781824886","side":"sell","size":"0.04541835","price":"12161.1","takerOrderId":"5f3aa220be5dd1000815506e","makerOrderId":"5f3aa21db6aeb200072ce502","tradeId":"5f3aa22078577835017d3de2","remainSize":"1.44964657","ts":"1597678112828040864"}}',
  done: '{"type":"message","topic":"/spotMarket/level3:BTC-USDT","subject":"done","data":{"symbol":"BTC-USDT","reason":"canceled","sequence":"1594781816444","orderId":"5f3aa1f3b640150007baf5d6","ts":"1597678072795057282"}}',
};

const V1 = {
  received:
    '{"type":"message","topic":"/market/level3:BTC-USDT","subject":"trade.l3received","data":{"sequence":"1545896669147","symbol":"BTC-USDT","side":"sell","size":"1","orderId":"5c24c72503aa6772d55b378d","price":"4.00000000000000000000","time":"1545914149935808589","type":"received","orderType":"limit"}}',
  open: '{"type":"message","topic":"/market/level3:BTC-USDT","subject":"trade.l3open","data":{"sequence":"1545896669148","symbol":"BTC-USDT","side":"sell","size":"1","orderId":"5c24c72503aa6772d55b378d","price":"6.00000000000000000000","time":"1545914149935808632","type":"open","remainSize":"1"}}',
  match:
    '{"type":"message","topic":"/market/level3:BTC-USDT","subject":"trade.l3match","data":{"sequence":"1545896669291","symbol":"BTC-USDT","side":"buy","size":"0.07600000000000000000","price":"0.08300000000000000000","takerOrderId":"5c24ca2e03aa6772d55b38bf","time":"1545914933083576866","type":"match","makerOrderId":"5c20492a03aa677bd099ce9d","tradeId":"5c24ca3503aa673885cd67ef"}}',
  change:
    '{"type":"message","topic":"/market/level3:BTC-USDT","subject":"trade.l3change","data":{"sequence":"1545896669656","symbol":"BTC-USDT","side":"buy","orderId":"5c24caff03aa671aef3ca170","price":"1.00000000000000000000","newSize":"0.15722222000000000000","time":"1545915145402532254","type":"change","oldSize":"0.18622222000000000000"}}',
  done: '{"type":"message","topic":"/market/level3:BTC-USDT","subject":"trade.l3done","data":{"sequence":"1545896669226","symbol":"BTC-USDT","reason":"filled","side":"buy","orderId":"5c24c96103aa6772d55b380b","time":"1545914730696727106","type":"done"}}',
  activate:
    '{"type":"message","topic":"/market/level3:BTC-USDT","subject":"trade.l3received","data":{"sequence":"1545896669150","symbol":"BTC-USDT","side":"buy","orderId":"5c21e80303aa677bd09d7dff","time":"1545743136994328401","type":"activated"}}',
};

describe('KuCoin L3 v2 spot frames', () => {
  it('decodes all five message types', () => {
    expect(decodeKucoinL3Frame(V2.received, spot)).toMatchObject({
      type: 'received',
      seq: 1630234429271,
      orderId: '629724de1f7e6b00015310cb',
      clientOid: 'd2b351d1-e185-11ec-aceb-068cc764f03f',
      ts: 1654072542361,
    });
    expect(decodeKucoinL3Frame(V2.open, spot)).toMatchObject({
      type: 'open',
      seq: 1594781800484,
      orderId: '5f3aa1b2b6aeb200072bd6d8',
      side: BID,
      price: 121398,
      size: 65898942,
      ts: 1597678002842,
    });
    expect(decodeKucoinL3Frame(V2.update, spot)).toMatchObject({
      type: 'change',
      seq: 1594781878279,
      orderId: '5f3aa2d2d5f3da0007802966',
      size: 873060,
      price: undefined,
      ts: 1597678290249,
    });
    expect(decodeKucoinL3Frame(V2.match, spot)).toMatchObject({
      type: 'match',
      seq: 1594781824886,
      makerOrderId: '5f3aa21db6aeb200072ce502',
      takerOrderId: '5f3aa220be5dd1000815506e',
      tradeId: '5f3aa22078577835017d3de2',
      takerSide: ASK,
      price: 121611,
      size: 4541835,
      remaining: 144964657,
      ts: 1597678112828,
    });
    expect(decodeKucoinL3Frame(V2.done, spot)).toMatchObject({
      type: 'done',
      seq: 1594781816444,
      orderId: '5f3aa1f3b640150007baf5d6',
      reason: 'canceled',
      ts: 1597678072795,
    });
  });

  it('takes the scanner path for real frames and agrees with the JSON.parse path', () => {
    const d = new KucoinL3Decoder(spot);
    for (const f of Object.values(V2)) {
      const fast = d.decode(f);
      expect(d.decodeMessage(JSON.parse(f))).toEqual(fast);
    }
    expect(d.fastFrames).toBe(5);
    expect(d.slowFrames).toBe(0);
    // Pretty-printed, reordered and escaped frames take the fallback path with the same result.
    const pretty = JSON.stringify(JSON.parse(V2.match), null, 2);
    expect(d.decode(pretty)).toEqual(d.decode(V2.match));
    const escaped = V2.received.replace('"orderId":"629724de', '"orderId":"\\u0036\\u0032\\u0039724de');
    expect(d.decode(escaped)).toEqual(d.decode(V2.received));
    expect(d.slowFrames).toBeGreaterThan(0);
  });

  it('stays exact when key order changes between frames of one subject', () => {
    const d = new KucoinL3Decoder(spot);
    const parsed = JSON.parse(V2.open) as { data: Record<string, unknown> };
    const keys = Object.keys(parsed.data);
    const want = d.decodeMessage(parsed);
    for (let r = 0; r < 6; r++) {
      const order = r % 2 === 0 ? keys : [...keys].reverse().slice(r % 3);
      const data = Object.fromEntries(order.map((k) => [k, parsed.data[k]]));
      const frame = JSON.stringify({ type: 'message', topic: '/spotMarket/level3:BTC-USDT', subject: 'open', data });
      if (order.length === keys.length) expect(d.decode(frame)).toEqual(want);
      else expect(code(() => d.decode(frame))).toBe(code(() => d.decodeMessage(JSON.parse(frame))));
    }
    expect(d.slowFrames).toBe(0);
  });

  it('prefers ts over time and reads ns timestamps given as strings or numbers', () => {
    const base = JSON.parse(V2.done) as { data: Record<string, unknown> };
    const mk = (extra: Record<string, unknown>): string => {
      const data: Record<string, unknown> = { ...base.data };
      delete data.ts;
      return JSON.stringify({ ...base, data: { ...data, ...extra } });
    };
    expect(decodeKucoinL3Frame(mk({ time: '1700000000123999999' }), spot).ts).toBe(1700000000123);
    expect(decodeKucoinL3Frame(mk({ time: '1700000000123999999', ts: '1600000000456000000' }), spot).ts).toBe(
      1600000000456,
    );
    expect(decodeKucoinL3Frame(mk({ ts: '1600000000456000000', time: '1700000000123999999' }), spot).ts).toBe(
      1600000000456,
    );
    expect(code(() => decodeKucoinL3Frame(mk({ ts: 'soon', time: '1700000000123999999' }), spot))).toBe(
      'DG_E_BAD_MESSAGE',
    );
    expect(decodeKucoinL3Frame(mk({ ts: 999 }), spot).ts).toBe(0);
    const raw = V2.done.replace('"ts":"1597678072795057282"', '"ts":1597678072795057282');
    expect(decodeKucoinL3Frame(raw, spot).ts).toBe(1597678072795);
  });

  it('rejects ids with control characters on both paths', () => {
    const f = V2.done.replace('"orderId":"5f3aa1f3', '"orderId":"5f3a\u0001a1f3');
    expect(code(() => decodeKucoinL3Frame(f, spot))).toBe('DG_E_BAD_MESSAGE');
    const raw = V2.done.replace(
      '"orderId":"5f3aa1f3',
      '"orderId":"5f3a\u0001a1f3'.replace('\\u0001', String.fromCharCode(1)),
    );
    expect(code(() => decodeKucoinL3Frame(raw, spot))).toBe('DG_E_BAD_MESSAGE');
  });

  it('reuses one scratch event with decodeInto', () => {
    const d = new KucoinL3Decoder(spot);
    const a = d.decodeInto(V2.open);
    expect(a.type).toBe('open');
    const b = d.decodeInto(V2.done);
    expect(b).toBe(a);
    expect(b).toMatchObject({ type: 'done', orderId: '5f3aa1f3b640150007baf5d6', price: undefined, side: undefined });
    expect(d.decode(V2.open)).not.toBe(a);
  });

  it('decodes v2 futures frames (level3v2)', () => {
    const f =
      '{"type":"message","topic":"/contractMarket/level3v2:XBTMM22","subject":"open","data":{"symbol":"XBTMM22","sequence":1647173843748,"side":"sell","orderTime":1654073248891988536,"size":"28","orderId":"629727a023aac2000194fc87","price":"31615.0","ts":1654073248910399802}}';
    expect(decodeKucoinL3Frame(f, fut)).toMatchObject({
      type: 'open',
      seq: 1647173843748,
      side: ASK,
      price: 31615,
      size: 28,
      ts: 1654073248891,
    });
    const m =
      '{"type":"message","topic":"/contractMarket/level3v2:XBTMM22","subject":"match","data":{"symbol":"XBTMM22","sequence":1647173843749,"side":"buy","price":"31615.0","size":"8","remainSize":"20","takerOrderId":"629727a023aac2000194fc88","makerOrderId":"629727a023aac2000194fc87","tradeId":"629727a0000000000000aaaa","ts":1654073248920399802}}';
    expect(decodeKucoinL3Frame(m, fut)).toMatchObject({ type: 'match', size: 8, remaining: 20, takerSide: BID });
  });
});

describe('KuCoin L3 v1 frames', () => {
  it('decodes v1 spot messages from data.type', () => {
    expect(decodeKucoinL3Frame(V1.received, spotV1)).toMatchObject({
      type: 'received',
      seq: 1545896669147,
      clientOid: undefined,
    });
    expect(decodeKucoinL3Frame(V1.open, spotV1)).toMatchObject({
      type: 'open',
      side: ASK,
      price: 6000,
      size: 100000000,
      ts: 1545914149935,
    });
    const m = decodeKucoinL3Frame(V1.match, spotV1);
    expect(m).toMatchObject({ type: 'match', takerSide: BID, price: 83, size: 7600000 });
    expect(m.type === 'match' && m.remaining).toBe(undefined);
    expect(decodeKucoinL3Frame(V1.change, spotV1)).toMatchObject({ type: 'change', size: 15722222, price: 1000 });
    expect(decodeKucoinL3Frame(V1.done, spotV1)).toMatchObject({ type: 'done', reason: 'filled', ts: 1545914730696 });
    expect(decodeKucoinL3Frame(V1.activate, spotV1)).toMatchObject({ type: 'noop', seq: 1545896669150 });
    // On the coarser 0.1 grid the v1 match price 0.083 is off-grid, never rounded.
    expect(code(() => decodeKucoinL3Frame(V1.match, spot))).toBe('DG_E_OFF_GRID');
  });

  it('decodes KuMEX v1 messages (matchSize traded, size remaining; integer sizes)', () => {
    const t = '/contractMarket/level3:XBTUSDM';
    const frame = (data: string): string => `{"type":"message","topic":"${t}","subject":"level3","data":${data}}`;
    expect(
      decodeKucoinL3Frame(
        frame(
          '{"symbol":"XBTUSDM","sequence":1001,"side":"buy","price":"3634.0","matchSize":20,"size":30,"takerOrderId":"tk","makerOrderId":"mk","tradeId":"tr","type":"match","ts":1545914149935808589}',
        ),
        kumex,
      ),
    ).toMatchObject({ type: 'match', seq: 1001, price: 7268, size: 20, remaining: 30, takerSide: BID });
    expect(
      decodeKucoinL3Frame(
        frame(
          '{"symbol":"XBTUSDM","sequence":1002,"orderId":"mk","price":"3634.0","size":15,"oldSize":30,"type":"update","ts":1545914149935808590}',
        ),
        kumex,
      ),
    ).toMatchObject({ type: 'change', orderId: 'mk', size: 15, price: 7268 });
    expect(
      decodeKucoinL3Frame(
        frame(
          '{"symbol":"XBTUSDM","sequence":1003,"side":"sell","size":10,"orderId":"o3","price":"3635.5","type":"open","ts":1545914149935808591}',
        ),
        kumex,
      ),
    ).toMatchObject({ type: 'open', side: ASK, size: 10, price: 7271 });
    // An open with no size rests nothing: noop, sequence kept.
    expect(
      decodeKucoinL3Frame(
        frame(
          '{"symbol":"XBTUSDM","sequence":1004,"side":"sell","size":0,"orderId":"o4","price":"","type":"open","ts":1}',
        ),
        kumex,
      ),
    ).toMatchObject({ type: 'noop', seq: 1004 });
    expect(
      decodeKucoinL3Frame(
        frame(
          '{"symbol":"XBTUSDM","sequence":1005,"orderId":"o3","reason":"canceled","type":"done","ts":1545914149935808592}',
        ),
        kumex,
      ),
    ).toMatchObject({
      type: 'done',
      seq: 1005,
    });
  });
});

describe('KuCoin L3 REST snapshot', () => {
  it('decodes the v3 reply keeping FIFO order within a price', () => {
    const body =
      '{"code":"200000","data":{"sequence":1611591135000,"time":1611591155000,"asks":[["a1","30000.1","0.5",1577936689346546088],["a2","30000.1","0.25","1577936689346546099"],["a3","30001","1",1577936689346546100]],"bids":[["b1","29999.9","2",1577936689346546001],["b2","29999","0.00000001",1577936689346546002]]}}';
    const s = decodeKucoinL3Snapshot(body, spot);
    expect(s.seq).toBe(1611591135000);
    expect(s.ts).toBe(1611591155000);
    expect(s.asks.map((o) => [o.orderId, o.price, o.size])).toEqual([
      ['a1', 300001, 50000000],
      ['a2', 300001, 25000000],
      ['a3', 300010, 100000000],
    ]);
    expect(s.bids[1]).toEqual({ orderId: 'b2', price: 299990, size: 1, ts: 1577936689346 });
    const book = new L3Book();
    book.loadSnapshot(s);
    expect(book.queuePosition('a2')).toEqual({ ordersAhead: 1, sizeAhead: 50000000, levelSize: 75000000 });
    expect(new KucoinL3Decoder(spot).decodeSnapshot(JSON.parse(body))).toEqual(s);
  });

  it('rejects bad snapshots', () => {
    const wrap = (data: string): string => `{"code":"200000","data":${data}}`;
    expect(code(() => decodeKucoinL3Snapshot('{"code":"400100","msg":"x"}', spot))).toBe('DG_E_BAD_MESSAGE');
    expect(code(() => decodeKucoinL3Snapshot('{"code":"200000"', spot))).toBe('DG_E_MALFORMED_JSON');
    expect(
      code(() => decodeKucoinL3Snapshot(wrap('{"sequence":1,"time":1,"asks":[["a","1.05","1",1]],"bids":[]}'), spot)),
    ).toBe('DG_E_OFF_GRID');
    expect(
      code(() =>
        decodeKucoinL3Snapshot(
          wrap('{"sequence":1,"time":1,"asks":[["a","2","1",1],["b","1","1",1]],"bids":[]}'),
          spot,
        ),
      ),
    ).toBe('DG_E_BAD_MESSAGE');
    expect(
      code(() =>
        decodeKucoinL3Snapshot(
          wrap('{"sequence":1,"time":1,"asks":[["a","1","1",1]],"bids":[["a","0.5","1",1]]}'),
          spot,
        ),
      ),
    ).toBe('DG_E_BAD_MESSAGE');
    expect(
      code(() => decodeKucoinL3Snapshot(wrap('{"sequence":1,"time":1,"asks":[["a","1","0",1]],"bids":[]}'), spot)),
    ).toBe('DG_E_BAD_MESSAGE');
    expect(code(() => decodeKucoinL3Snapshot(wrap('{"sequence":"x","time":1,"asks":[],"bids":[]}'), spot))).toBe(
      'DG_E_BAD_MESSAGE',
    );
  });
});

describe('KuCoin L3 malformed input', () => {
  const cases: Array<[string, string]> = [
    ['not json', 'DG_E_MALFORMED_JSON'],
    [V2.open.slice(0, 60), 'DG_E_MALFORMED_JSON'],
    [V2.open + 'x', 'DG_E_MALFORMED_JSON'],
    ['[]', 'DG_E_BAD_MESSAGE'],
    ['{"id":"hQvf8jkno","type":"welcome"}', 'DG_E_UNKNOWN_MESSAGE'],
    ['{"id":"1545910660739","type":"ack"}', 'DG_E_UNKNOWN_MESSAGE'],
    ['{"id":"1545910590801","type":"pong"}', 'DG_E_UNKNOWN_MESSAGE'],
    [V2.open.replace('/spotMarket/level3:BTC-USDT', '/spotMarket/level2:BTC-USDT'), 'DG_E_UNKNOWN_MESSAGE'],
    [V2.open.replace('/spotMarket/level3:BTC-USDT', '/spotMarket/level3:ETH-USDT'), 'DG_E_BAD_MESSAGE'],
    [V2.open.replace('"subject":"open"', '"subject":"opened"'), 'DG_E_UNKNOWN_MESSAGE'],
    [V2.open.replace('"12139.8"', '"12139.8005"'), 'DG_E_OFF_GRID'],
    [V2.open.replace('"0.65898942"', '"0.658989421"'), 'DG_E_OFF_GRID'],
    [V2.open.replace('"0.65898942"', '"-0.65898942"'), 'DG_E_BAD_MESSAGE'],
    [V2.open.replace('"12139.8"', '"0"'), 'DG_E_BAD_MESSAGE'],
    [V2.open.replace('"12139.8"', '"abc"'), 'DG_E_BAD_MESSAGE'],
    [V2.open.replace('"12139.8"', '12139.8'), 'no error'],
    [V2.open.replace('"12139.8"', 'null'), 'DG_E_BAD_MESSAGE'],
    [V2.open.replace('"12139.8"', '{"x":1}'), 'DG_E_BAD_MESSAGE'],
    [V2.open.replace('"buy"', '"long"'), 'DG_E_BAD_MESSAGE'],
    [V2.open.replace('"sequence":"1594781800484",', ''), 'DG_E_BAD_MESSAGE'],
    [V2.open.replace('"sequence":"1594781800484"', '"sequence":-5'), 'DG_E_BAD_MESSAGE'],
    [V2.open.replace('"sequence":"1594781800484"', '"sequence":1.5'), 'DG_E_BAD_MESSAGE'],
    [V2.open.replace('"sequence":"1594781800484"', '"sequence":"99999999999999999"'), 'DG_E_BAD_MESSAGE'],
    [V2.open.replace('"orderId":"5f3aa1b2b6aeb200072bd6d8",', ''), 'DG_E_BAD_MESSAGE'],
    [V2.open.replace('"orderId":"5f3aa1b2b6aeb200072bd6d8"', '"orderId":""'), 'DG_E_BAD_MESSAGE'],
    [V2.open.replace('"orderId":"5f3aa1b2b6aeb200072bd6d8"', '"orderId":42'), 'DG_E_BAD_MESSAGE'],
    [V2.done.replace('"canceled"', '"expired"'), 'DG_E_BAD_MESSAGE'],
    [V2.match.replace('"remainSize":"1.44964657",', ''), 'DG_E_BAD_MESSAGE'],
    [V2.match.replace('"size":"0.04541835"', '"size":"0"'), 'DG_E_BAD_MESSAGE'],
    [V2.match.replace(',"ts":"1597678112828040864"', ''), 'DG_E_BAD_MESSAGE'],
    [V2.match.replace('"ts":"1597678112828040864"', '"ts":"15976781128280408x4"'), 'DG_E_BAD_MESSAGE'],
    [V2.update.replace(/"data":\{.*\}\}$/, '"data":"nope"}'), 'DG_E_BAD_MESSAGE'],
    [V2.update.replace('"type":"message"', '"type":"notice"'), 'DG_E_UNKNOWN_MESSAGE'],
    [V1.change.replace('"type":"change"', '"type":"update"'), 'DG_E_UNKNOWN_MESSAGE'],
    [V1.open.replace('"type":"open"', '"type":"opening"'), 'DG_E_UNKNOWN_MESSAGE'],
  ];
  it('reports every malformed frame with a stable code, fast or slow path alike', () => {
    for (const [frame, want] of cases) {
      expect([frame, code(() => decodeKucoinL3Frame(frame, spotV1))]).toEqual([frame, want]);
      // The object path must agree whenever the frame is JSON at all.
      let parsed: unknown;
      try {
        parsed = JSON.parse(frame);
      } catch {
        continue;
      }
      expect([frame, code(() => decodeKucoinL3Message(parsed, spotV1))]).toEqual([frame, want]);
    }
  });

  it('never crashes and never disagrees with JSON.parse on mutated frames (seeded fuzz)', () => {
    let s = 7;
    const rnd = (): number => {
      s = (Math.imul(s, 1103515245) + 12345) >>> 0;
      return s / 4294967296;
    };
    const alphabet = '{}[]":,.-0123456789eE \\abcnulltrue';
    const base = [...Object.values(V2), ...Object.values(V1)];
    let decoded = 0;
    for (let i = 0; i < 6000; i++) {
      let f = base[Math.floor(rnd() * base.length)];
      const edits = 1 + Math.floor(rnd() * 3);
      for (let k = 0; k < edits; k++) {
        const at = Math.floor(rnd() * f.length);
        const op = rnd();
        const ch = alphabet[Math.floor(rnd() * alphabet.length)];
        if (op < 0.15) {
          // Unquote one string value, or quote one number: type confusions must agree too.
          const pairs = [...f.matchAll(/"(\w+)":("[^"\\]*"|\d+)/g)];
          if (pairs.length > 0) {
            const p = pairs[Math.floor(rnd() * pairs.length)];
            const v = p[2].startsWith('"') ? p[2].slice(1, -1) || '0' : `"${p[2]}"`;
            f = f.slice(0, p.index) + `"${p[1]}":${v}` + f.slice(p.index + p[0].length);
          }
        } else if (op < 0.45) f = f.slice(0, at) + ch + f.slice(at + 1);
        else if (op < 0.7) f = f.slice(0, at) + f.slice(at + 1);
        else f = f.slice(0, at) + ch + f.slice(at);
      }
      let fast: unknown;
      let fastErr = '';
      try {
        fast = decodeKucoinL3Frame(f, spot);
      } catch (e) {
        if (!(e instanceof DeskgateError)) throw new Error(`non-DeskgateError for ${f}: ${String(e)}`, { cause: e });
        fastErr = e.code;
      }
      let parsed: unknown;
      try {
        parsed = JSON.parse(f);
      } catch {
        expect(fastErr).toBe('DG_E_MALFORMED_JSON');
        continue;
      }
      let slow: unknown;
      let slowErr = '';
      try {
        slow = decodeKucoinL3Message(parsed, spot);
      } catch (e) {
        if (!(e instanceof DeskgateError)) throw new Error(`non-DeskgateError for ${f}: ${String(e)}`, { cause: e });
        slowErr = e.code;
      }
      expect([f, fastErr]).toEqual([f, slowErr]);
      if (!fastErr) {
        decoded++;
        expect(fast).toEqual(slow);
      }
    }
    expect(decoded).toBeGreaterThan(100);
  });
});

describe('KuCoin L3 frames into an L3Book', () => {
  it('builds the expected book from a v2 stream', () => {
    const t = '/spotMarket/level3:BTC-USDT';
    let seq = 100;
    const f = (subject: string, data: Record<string, unknown>): string =>
      JSON.stringify({
        type: 'message',
        topic: t,
        subject,
        data: { symbol: 'BTC-USDT', sequence: ++seq, ts: '1700000000000000000', ...data },
      });
    const d = new KucoinL3Decoder(spot);
    const book = new L3Book();
    const frames = [
      f('received', { orderId: 'A', clientOid: 'mine-1' }),
      f('open', { orderId: 'A', side: 'sell', price: '30000.1', size: '1', orderTime: '1700000000000000000' }),
      f('open', { orderId: 'B', side: 'sell', price: '30000.1', size: '2' }),
      f('open', { orderId: 'C', side: 'buy', price: '29999.9', size: '0.5' }),
      f('match', {
        makerOrderId: 'A',
        takerOrderId: 'T',
        side: 'buy',
        price: '30000.1',
        size: '0.4',
        remainSize: '0.6',
        tradeId: 'x',
      }),
      f('update', { orderId: 'B', size: '1.5' }),
      f('done', { orderId: 'T', reason: 'filled' }),
      f('match', {
        makerOrderId: 'A',
        takerOrderId: 'T2',
        side: 'buy',
        price: '30000.1',
        size: '0.6',
        remainSize: '0',
        tradeId: 'y',
      }),
      f('done', { orderId: 'A', reason: 'filled' }),
    ];
    for (const fr of frames) book.apply(d.decodeInto(fr));
    expect(book.seq).toBe(109);
    expect(book.orders(ASK, 10)).toEqual([{ orderId: 'B', price: 300001, size: 150000000 }]);
    expect(book.bestBid()).toBe(299999);
    expect(d.slowFrames).toBe(0);
  });
});

describe('KucoinL3FeedDecoder', () => {
  it('routes frames by topic symbol, reports control frames and never throws', async () => {
    const { KucoinL3FeedDecoder } = await import('../../src/feeds/kucoin-l3-feed.js');
    const eth = makeInstrument(9, { venue: 'kucoin', native: 'ETH-USDT', tickSize: '0.01', lotSize: '0.00000001' });
    const dec = new KucoinL3FeedDecoder((n) => (n === 'BTC-USDT' ? spot : n === 'ETH-USDT' ? eth : undefined));
    expect(dec.decode('{"id":"hQvf8jkno","type":"welcome"}')).toEqual([{ kind: 'control', what: 'welcome' }]);
    const [btc] = dec.decode(V2.open);
    expect(btc).toMatchObject({ kind: 'l3', symbol: 'BTC-USDT', event: { type: 'open', price: 121398 } });
    const ethFrame = V2.open.replace(/BTC-USDT/g, 'ETH-USDT').replace('"12139.8"', '"2139.81"');
    expect(dec.decode(ethFrame)[0]).toMatchObject({ kind: 'l3', symbol: 'ETH-USDT', event: { price: 213981 } });
    const bad = dec.decode(V2.open.replace(/BTC-USDT/g, 'XRP-USDT'))[0];
    expect(bad.kind === 'invalid' && bad.error.code).toBe('DG_E_UNKNOWN_INSTRUMENT');
    const broken = dec.decode('{"type":"message","topic":"/spotMarket/level3:BTC-USDT","subject":"open","data":{');
    expect(broken[0].kind === 'invalid' && broken[0].error.code).toBe('DG_E_MALFORMED_JSON');
    expect(dec.decode('nonsense')[0]).toMatchObject({ kind: 'invalid' });
    expect(dec.errors.count()).toBe(3);
    const snap = dec.decodeSnapshot(
      '{"code":"200000","data":{"sequence":5,"time":1,"asks":[],"bids":[["b","1","1",1]]}}',
      'BTC-USDT',
    );
    expect(snap).toMatchObject({ kind: 'l3-snapshot', symbol: 'BTC-USDT', snapshot: { seq: 5 } });
  });
});
