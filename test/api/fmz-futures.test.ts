/**
 * FMZ futures methods on a ccxt path: `/binanceusdm` builds ccxt.pro's binanceusdm (unmodified, its
 * URLs pointed at a loopback double of Binance USDⓈ-M Futures, test/api/futures-venue-server.ts) from
 * the request's keys, and the futures calls go through ccxt's unified API: positions, leverage,
 * margin mode, funding rates and history, contract type, contract ticker/depth and orders. The double
 * checks Binance's HMAC signature, so every private call is shown to reach the venue signed with the
 * request's keys; keys never appear in replies, log lines or console output. The sim (and any target
 * without derivatives) answers a clear {error}.
 */
import ccxt from 'ccxt';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { startFmzServer, type FmzServer } from '../../src/api/fmz/server.js';
import { ccxtFutures } from '../../src/api/fmz/futures-ccxt.js';
import { FUTURES_WIRE_METHODS } from '../../src/api/fmz/futures-desk.js';
import { looksLikeContract, parseContractSymbol } from '../../src/api/fmz/futures-symbol.js';
import { call, captureLogs, fmzPost, simRig, type LogCapture, type SimRig } from './fmz-support.js';
import { pointBinanceAt, UsdmFuturesDouble } from './futures-venue-server.js';

const KEYS = { apiKey: 'usdm-Key-7Hq2xLw9PzT4', secret: 'usdm-Secret-Vb8Rk3Nm5Yc1Jd6' };
const keys = { ak: KEYS.apiKey, sk: KEYS.secret };

let venue: UsdmFuturesDouble;
let srv: FmzServer;
let logs: LogCapture;
let rig: SimRig;
const consoleLines: string[] = [];

beforeAll(async () => {
  for (const k of ['log', 'info', 'warn', 'error', 'debug'] as const) {
    vi.spyOn(console, k).mockImplementation((...args: unknown[]) => {
      consoleLines.push(args.map(String).join(' '));
    });
  }
  venue = new UsdmFuturesDouble(KEYS);
  const url = await venue.start();
  rig = await simRig(5, 3);
  logs = captureLogs();
  srv = await startFmzServer({
    port: 0,
    logger: logs.logger,
    gateways: [rig.port],
    ccxt: {
      maxEntries: 2,
      allow: ['binanceusdm'],
      ccxtOptions: { enableRateLimit: false },
      configure: (ex) => pointBinanceAt(ex as never, url),
      venue: { rateLimit: { ratePerSec: 500, burst: 100 }, requestTimeoutMs: 5000 },
    },
  });
});

afterAll(async () => {
  await srv?.close();
  await venue?.close();
  await rig?.venue.close();
  vi.restoreAllMocks();
});

const post = (method: string, params: Record<string, unknown> = {}) =>
  fmzPost(srv.url, '/binanceusdm', call(method, params, keys));

type Row = Record<string, unknown>;

/** Private venue paths: everything signed except the listen key (API key only) and public data. */
const PUBLIC = new Set([
  '/fapi/v1/exchangeInfo',
  '/fapi/v1/premiumIndex',
  '/fapi/v1/fundingRate',
  '/fapi/v1/fundingInfo',
  '/fapi/v1/ticker/24hr',
  '/fapi/v1/depth',
  '/fapi/v1/aggTrades',
  '/fapi/v1/klines',
  '/fapi/v1/time',
  '/fapi/v1/ping',
]);

describe('FMZ futures over ccxt (binanceusdm → loopback USDⓈ-M double)', () => {
  it('positions: none yet; the call reached GET /fapi/v3/positionRisk signed with the request key', async () => {
    // the first call builds the account (markets, balance, user-data stream, which reads positions once)
    const warm = await post('contracttype', { symbol: 'BTC_USDT.swap' });
    expect(warm.body.error).toBeUndefined();
    const before = venue.to('/fapi/v3/positionRisk', 'GET').length;
    const r = await post('positions', { symbol: 'BTC_USDT.swap' });
    expect(r.body.error).toBeUndefined();
    expect(r.body.data).toEqual([]);
    const calls = venue.to('/fapi/v3/positionRisk', 'GET');
    expect(calls.length).toBe(before + 1);
    const last = calls.at(-1)!;
    expect(last.apiKey).toBe(KEYS.apiKey);
    expect(last.signatureOk).toBe(true);
  });

  it('trade buy at -1 opens a long; SetMarginLevel; GetPositions in the platform Position shape', async () => {
    const t = await post('trade', { symbol: 'BTC_USDT.swap', type: 'buy', price: '-1', amount: '0.01' });
    expect(t.body.error).toBeUndefined();
    const id = (t.body.data as { id: string }).id;
    expect(id).toMatch(/^BTC_USDT\.swap,\d+$/);
    const placed = venue.to('/fapi/v1/order', 'POST').at(-1)!;
    expect(placed.params).toMatchObject({ symbol: 'BTCUSDT', side: 'BUY', type: 'MARKET', quantity: '0.01' });
    expect(placed.params.newClientOrderId).toMatch(/^fmz[0-9a-f]{28}$/);
    expect(placed.params.reduceOnly).toBeUndefined();
    expect(placed.signatureOk && placed.apiKey === KEYS.apiKey).toBe(true);
    expect(venue.order(Number(id.split(',')[1]))?.status).toBe('FILLED');

    const lev = await post('SetMarginLevel', { symbol: 'BTC_USDT.swap', marginLevel: '10' });
    expect(lev.body).toMatchObject({ data: true });
    expect(venue.position('BTCUSDT').leverage).toBe(10);
    expect(venue.to('/fapi/v1/leverage', 'POST').at(-1)!.params).toMatchObject({ symbol: 'BTCUSDT', leverage: '10' });

    venue.setMark('BTCUSDT', 92_000);
    const pos = await post('positions', { symbol: 'BTC_USDT.swap' });
    expect(pos.body.error).toBeUndefined();
    expect(pos.body.data).toEqual([
      {
        Symbol: 'BTC_USDT.swap',
        MarginLevel: 10,
        Amount: 0.01,
        FrozenAmount: 0,
        Price: 91250.5,
        Profit: 7.495, // 0.01 × (92000 − 91250.5)
        Type: 0,
        ContractType: 'swap',
        Margin: 92, // 0.01 × 92000 / 10
      },
    ]);
    expect((pos.body.raw as Row[])[0]).toMatchObject({ symbol: 'BTCUSDT', positionAmt: '0.010' });
  });

  it('a short is Type 1; GetPositions() lists every open contract, "USDT.swap" the USDT perpetuals', async () => {
    const s = await post('trade', { symbol: 'ETH_USDT.swap', type: 'sell', price: -1, amount: 0.5 });
    expect(s.body.error).toBeUndefined();
    const q = await post('trade', { symbol: 'BTC_USDT.quarter', type: 'buy', price: '-1', amount: '0.002' });
    expect(q.body.error).toBeUndefined();
    expect(venue.position('BTCUSDT_261225').amt).toBe(0.002);

    const all = await post('positions', {});
    const rows = all.body.data as Row[];
    expect(rows.map((p) => [p.Symbol, p.Type, p.Amount]).sort()).toEqual([
      ['BTC_USDT.quarter', 0, 0.002],
      ['BTC_USDT.swap', 0, 0.01],
      ['ETH_USDT.swap', 1, 0.5],
    ]);
    const eth = rows.find((p) => p.Symbol === 'ETH_USDT.swap')!;
    expect(eth).toMatchObject({ MarginLevel: 20, Price: 3050.25, ContractType: 'swap', Profit: 0 });
    const quarter = rows.find((p) => p.Symbol === 'BTC_USDT.quarter')!;
    expect(quarter.ContractType).toBe('quarter');

    const swaps = await post('GetPositions', { symbol: 'USDT.swap' });
    expect((swaps.body.data as Row[]).map((p) => p.Symbol).sort()).toEqual(['BTC_USDT.swap', 'ETH_USDT.swap']);
  });

  it('closebuy / closesell are reduce-only; over-closing is the venue refusal as {error}', async () => {
    const over = await post('trade', { symbol: 'ETH_USDT.swap', type: 'closesell', price: '-1', amount: '0.6' });
    expect(over.body.error).toMatch(/ReduceOnly Order is rejected.*\[DG_E_VENUE_REJECTED\]/);
    const c = await post('trade', { symbol: 'ETH_USDT.swap', type: 'closesell', price: '-1', amount: '0.5' });
    expect(c.body.error).toBeUndefined();
    const sent = venue.to('/fapi/v1/order', 'POST').at(-1)!;
    expect(sent.params).toMatchObject({ symbol: 'ETHUSDT', side: 'BUY', reduceOnly: 'true', quantity: '0.5' });
    expect(venue.position('ETHUSDT').amt).toBe(0);
    const left = await post('positions', { symbol: 'ETH_USDT.swap' });
    expect(left.body.data).toEqual([]);
  });

  it('GetFundings: current rate, next settlement time and interval of perpetuals', async () => {
    const one = await post('fundings', { symbol: 'BTC_USDT.swap' });
    expect(one.body.error).toBeUndefined();
    const [f] = one.body.data as Row[];
    expect(f).toEqual({ Symbol: 'BTC_USDT.swap', Interval: 28_800_000, Time: expect.any(Number), Rate: 0.0001 });
    expect((f.Time as number) % 28_800_000).toBe(0);
    expect((f.Time as number) > Date.now() - 1000).toBe(true);
    expect(venue.to('/fapi/v1/premiumIndex').at(-1)!.params.symbol).toBe('BTCUSDT');

    const all = await post('GetFundings', {});
    const rows = all.body.data as Row[];
    // perpetuals only (the quarterlies have no funding), sorted by symbol
    expect(rows.map((r) => [r.Symbol, r.Rate])).toEqual([
      ['BTC_USDT.swap', 0.0001],
      ['ETH_USDT.swap', -0.000025],
    ]);
    const q = await post('fundings', { symbol: 'BTC_USDT.quarter' });
    expect(q.body.error).toMatch(/perpetual.*\[DG_E_API_BAD_REQUEST\]/);
  });

  it('fundinghistory: funding records oldest first, limit honoured', async () => {
    const r = await post('fundinghistory', { symbol: 'BTC_USDT.swap', limit: '3' });
    expect(r.body.error).toBeUndefined();
    const rows = r.body.data as Array<{ Symbol: string; Time: number; Rate: number }>;
    expect(rows.length).toBe(3);
    expect(rows.every((x) => x.Symbol === 'BTC_USDT.swap' && x.Time % 28_800_000 === 0)).toBe(true);
    expect(rows[1].Time - rows[0].Time).toBe(28_800_000);
    expect(rows.map((x) => x.Rate)).toEqual([0.00001, 0.00002, 0.00003]);
    expect(venue.to('/fapi/v1/fundingRate').at(-1)!.params).toMatchObject({ symbol: 'BTCUSDT', limit: '3' });
  });

  it('marginmode: isolated set, already-set is success, refused with a position open', async () => {
    const r = await post('marginmode', { symbol: 'ETH_USDT.swap', marginMode: 'isolated' });
    expect(r.body.error).toBeUndefined();
    expect(venue.position('ETHUSDT').marginType).toBe('ISOLATED');
    expect(venue.to('/fapi/v1/marginType', 'POST').at(-1)!.params.marginType).toBe('ISOLATED');
    const again = await post('SetMarginMode', { symbol: 'ETH_USDT.swap', marginMode: 'isolated' });
    expect(again.body).toEqual({ data: true });
    const busy = await post('marginmode', { symbol: 'BTC_USDT.swap', marginMode: 'isolated' });
    expect(busy.body.error).toMatch(/Margin type cannot be changed.*\[DG_E_VENUE_REJECTED\]/);
    expect(venue.position('BTCUSDT').marginType).toBe('CROSSED');
  });

  it('SetContractType resolves swap / quarter / next_quarter; a slot the venue lacks is an error', async () => {
    const q = await post('SetContractType', { symbol: 'BTC_USDT.quarter' });
    expect(q.body.data).toMatchObject({
      symbol: 'BTC_USDT.quarter',
      instrument: 'BTCUSDT_261225',
      contractType: 'quarter',
      ctVal: 1,
      settle: 'USDT',
      linear: true,
      expiry: Date.UTC(2026, 11, 25, 8),
      tickSize: '0.1',
      amountSize: '0.001',
    });
    const nq = await post('contracttype', { symbol: 'btc_usdt.next_quarter' });
    expect((nq.body.data as Row).instrument).toBe('BTCUSDT_270326');
    const sw = await post('contracttype', { symbol: 'ETH_USDT.swap' });
    expect((sw.body.data as Row).instrument).toBe('ETHUSDT');
    const tw = await post('contracttype', { symbol: 'BTC_USDT.this_week' });
    expect(tw.body.error).toMatch(/DG_E_UNKNOWN_INSTRUMENT/);
  });

  it('ticker and depth of a contract; a bare pair on a derivatives-only venue means its perpetual', async () => {
    venue.setMark('BTCUSDT', 91_250.5);
    const t = await post('ticker', { symbol: 'BTC_USDT.swap' });
    expect(t.body.error).toBeUndefined();
    expect(t.body.data).toMatchObject({ symbol: 'BTC_USDT.swap', buy: '91250.4', sell: '91250.6', last: '91250.5' });
    const bare = await post('ticker', { symbol: 'BTC_USDT' });
    expect((bare.body.data as Row).symbol).toBe('BTC_USDT.swap');
    const d = await post('depth', { symbol: 'ETH_USDT.swap', limit: '5' });
    const book = d.body.data as { asks: number[][]; bids: number[][] };
    expect(book.asks[0]).toEqual([3050.26, 0.75]);
    expect(book.bids[0]).toEqual([3050.24, 1.25]);
  });

  it('limit order → orders → order → cancel on a contract; off-grid price never reaches the venue', async () => {
    const before = venue.to('/fapi/v1/order', 'POST').length;
    const off = await post('trade', { symbol: 'BTC_USDT.swap', type: 'buy', price: '90000.05', amount: '0.002' });
    expect(off.body.error).toMatch(/DG_E_OFF_GRID/);
    const offAmt = await post('trade', { symbol: 'BTC_USDT.swap', type: 'buy', price: '90000', amount: '0.0025' });
    expect(offAmt.body.error).toMatch(/DG_E_OFF_GRID/);
    expect(venue.to('/fapi/v1/order', 'POST').length).toBe(before);

    const placed = await post('trade', { symbol: 'BTC_USDT.swap', type: 'buy', price: '90000', amount: '0.002' });
    const id = (placed.body.data as { id: string }).id;
    expect(venue.to('/fapi/v1/order', 'POST').at(-1)!.params).toMatchObject({
      type: 'LIMIT',
      price: '90000',
      timeInForce: 'GTC',
    });
    const open = await post('orders', { symbol: 'BTC_USDT.swap' });
    expect(open.body.data).toEqual([
      {
        id,
        symbol: 'BTC_USDT.swap',
        amount: 0.002,
        price: 90000,
        deal_amount: 0,
        avg_price: 0,
        type: 'buy',
        status: 'pending',
      },
    ]);
    const one = await post('order', { id });
    expect(one.body.data).toMatchObject({ id, status: 'pending' });
    const c = await post('cancel', { id });
    expect(c.body).toEqual({ data: true });
    expect(venue.order(Number(id.split(',')[1]))?.status).toBe('CANCELED');
    const after = await post('order', { id });
    expect(after.body.data).toMatchObject({ id, status: 'canceled' });
    const gone = await post('cancel', { id: 'BTC_USDT.swap,1' });
    expect(gone.body.error).toMatch(/DG_E_VENUE_UNKNOWN_ORDER/);
  });

  it('markets lists the contracts; trades, records, historyorders and accounts on the futures account', async () => {
    const mk = await post('markets');
    const list = mk.body.data as Row[];
    expect(list.map((x) => x.symbol).sort()).toEqual([
      'BTC_USDT.next_quarter',
      'BTC_USDT.quarter',
      'BTC_USDT.swap',
      'ETH_USDT.swap',
    ]);
    expect(list.find((x) => x.symbol === 'BTC_USDT.swap')).toMatchObject({
      baseAsset: 'BTC',
      quoteAsset: 'USDT',
      tickSize: 0.1,
      amountSize: 0.001,
      pricePrecision: 1,
      amountPrecision: 3,
      minQty: 0.001,
      ctVal: 1,
    });

    const tr = await post('trades', { symbol: 'BTC_USDT.swap' });
    const trades = tr.body.data as Array<{ id: number; time: number; price: number; amount: number; type: string }>;
    expect(trades.length).toBe(5);
    expect(trades[0].time).toBeGreaterThan(trades[4].time); // newest first
    expect(trades.map((t) => t.type)).toEqual(['buy', 'sell', 'buy', 'sell', 'buy']);
    expect(trades[4]).toMatchObject({ id: 26129, price: 91250.6, amount: 0.004 });

    const rec = await post('records', { symbol: 'ETH_USDT.swap', period: '60', limit: '3' });
    const rows = rec.body.data as number[][];
    expect(rows.length).toBe(3);
    expect(rows.every((r) => r.length === 6 && r[0] % 3600 === 0)).toBe(true);
    expect(rows[2][0] - rows[1][0]).toBe(3600);
    expect(venue.to('/fapi/v1/klines').at(-1)!.params).toMatchObject({ symbol: 'ETHUSDT', interval: '1h', limit: '3' });
    const badPeriod = await post('records', { symbol: 'ETH_USDT.swap', period: '7' });
    expect(badPeriod.body.error).toMatch(/DG_E_API_BAD_REQUEST/);

    const hist = await post('historyorders', { symbol: 'BTC_USDT.swap', since: 0, limit: 10 });
    const done = hist.body.data as Array<{ id: string; status: string; avg_price: number; price: number }>;
    expect(done.length).toBeGreaterThanOrEqual(2);
    expect(done.every((o) => o.id.startsWith('BTC_USDT.swap,') && o.status !== 'pending')).toBe(true);
    expect(done.some((o) => o.status === 'filled' && o.avg_price === 91250.5 && o.price === -1)).toBe(true);
    expect(done.some((o) => o.status === 'canceled')).toBe(true);

    const acc = await post('accounts');
    const usdt = (acc.body.data as Array<{ currency: string; free: string }>).find((b) => b.currency === 'USDT');
    expect(usdt).toBeDefined();
    expect(Number(usdt!.free)).toBeGreaterThan(0);
  });

  it('bad input ⇒ {error} with a stable code, nothing sent to the venue', async () => {
    const n = venue.requests.length;
    const cases: Array<[string, Record<string, unknown>, RegExp]> = [
      ['marginlevel', { symbol: 'BTC_USDT.swap' }, /missing required parameters.*DG_E_API_BAD_REQUEST/],
      ['marginlevel', { symbol: 'BTC_USDT.swap', marginLevel: 'ten' }, /DG_E_API_BAD_REQUEST/],
      ['marginlevel', { symbol: 'BTC_USDT.swap', marginLevel: '0' }, /DG_E_API_BAD_REQUEST/],
      ['marginlevel', { marginLevel: '5' }, /DG_E_API_BAD_REQUEST/],
      ['marginmode', { symbol: 'BTC_USDT.swap', marginMode: 'portfolio' }, /DG_E_API_BAD_REQUEST/],
      ['trade', { symbol: 'BTC_USDT.swap', type: 'long', price: '-1', amount: '1' }, /DG_E_API_BAD_REQUEST/],
      ['trade', { symbol: 'BTC_USDT.swap', type: 'buy', price: '-1', amount: '-0.01' }, /DG_E_/],
      ['trade', { symbol: 'BTC_USDT.swap', type: 'buy', price: '-1', amount: 'abc' }, /DG_E_BAD_DECIMAL/],
      ['positions', { symbol: 'BTC_USDT.perp' }, /DG_E_BAD_SYMBOL/],
      ['positions', { symbol: 'DOGE_USDT.swap' }, /DG_E_UNKNOWN_INSTRUMENT/],
      ['positions', { symbol: 42 }, /DG_E_/],
      ['fundings', { symbol: 'USDT' }, /DG_E_BAD_SYMBOL/],
      ['fundinghistory', {}, /DG_E_API_BAD_REQUEST/],
      ['fundinghistory', { symbol: 'BTC_USDT.swap', limit: '-3' }, /DG_E_API_BAD_REQUEST/],
      ['order', { id: 'BTC_USDT.swap,' }, /DG_E_API_BAD_REQUEST/],
      ['contracttype', { symbol: '' }, /DG_E_API_BAD_REQUEST/],
    ];
    for (const [m, p, re] of cases) {
      const r = await post(m, p);
      expect(r.status, `${m} ${JSON.stringify(p)}`).toBe(200);
      expect(r.body.data, `${m} ${JSON.stringify(p)}`).toBeUndefined();
      expect(r.body.error, `${m} ${JSON.stringify(p)}`).toMatch(re);
    }
    // positions 42 is coerced to the symbol "42": a bad symbol, caught before any venue call
    expect(venue.requests.length).toBe(n);
  });

  it('every private call reached the venue signed with the request key; the secret never left', () => {
    const priv = venue.requests.filter((r) => !PUBLIC.has(r.path) && r.path !== '/fapi/v1/listenKey');
    expect(priv.length).toBeGreaterThan(15);
    for (const r of priv) {
      expect(r.apiKey, `${r.method} ${r.path}`).toBe(KEYS.apiKey);
      expect(r.signatureOk, `${r.method} ${r.path}`).toBe(true);
    }
    expect(venue.requests.some((r) => r.raw.includes(KEYS.secret))).toBe(false);
    expect(venue.wsConnections.length).toBeGreaterThan(0); // the account's user-data stream is open
  });

  it('wrong keys ⇒ auth {error}; keys in no reply, log line or console output', async () => {
    const bad = { ak: 'BAD-usdm-key-31337', sk: 'BAD-usdm-secret-4242' };
    const r = await fmzPost(srv.url, '/binanceusdm', call('positions', {}, bad));
    expect(r.body.error).toMatch(/DG_E_VENUE_AUTH/);
    // the right key with the wrong secret: the venue's own signature check refuses it
    const forged = { ak: KEYS.apiKey, sk: 'forged-usdm-secret-5150' };
    const n = venue.requests.length;
    const f = await fmzPost(srv.url, '/binanceusdm', call('positions', {}, forged));
    expect(f.body.error).toMatch(/Signature for this request is not valid.*\[DG_E_VENUE_AUTH\]/);
    const seen = venue.requests.slice(n).filter((x) => x.params.signature !== undefined);
    expect(seen.length).toBeGreaterThan(0);
    expect(seen.every((x) => x.apiKey === KEYS.apiKey && !x.signatureOk)).toBe(true);
    expect(srv.pool?.size).toBe(1); // failed accounts are not kept
    const bodies: string[] = [r.body.error ?? '', f.body.error ?? ''];
    for (const m of ['positions', 'fundings', 'marginlevel', 'trade']) {
      bodies.push(JSON.stringify((await post(m, { symbol: 'BTC_USDT.swap', marginLevel: 3 })).body));
    }
    const everything = [logs.text(), ...consoleLines, ...bodies].join('\n');
    expect(logs.lines.length).toBeGreaterThan(10);
    for (const s of [KEYS.apiKey, KEYS.secret, bad.ak, bad.sk, forged.sk]) expect(everything).not.toContain(s);
  });
});

describe('venues without derivatives', () => {
  it('the sim: every futures call and contract symbol ⇒ {error} naming why; spot calls unchanged', async () => {
    const sim = (method: string, params: Record<string, unknown>) => fmzPost(srv.url, '/sim', call(method, params));
    for (const m of [
      'positions',
      'GetPositions',
      'marginlevel',
      'fundings',
      'fundinghistory',
      'marginmode',
      'SetContractType',
    ]) {
      const r = await sim(m, { symbol: 'BTC_USDT.swap', marginLevel: 5 });
      expect(r.body.data, m).toBeUndefined();
      expect(r.body.error, m).toMatch(/sim has no derivatives.*needs a futures venue.*\[DG_E_VENUE_UNSUPPORTED\]/);
    }
    const t = await sim('trade', { symbol: 'BTC_USDT.swap', type: 'buy', price: '-1', amount: '1' });
    expect(t.body.error).toMatch(/no derivatives.*\[DG_E_VENUE_UNSUPPORTED\]/);
    const c = await sim('cancel', { id: 'BTC_USDT.swap,123' });
    expect(c.body.error).toMatch(/DG_E_VENUE_UNSUPPORTED/);
    const spot = await sim('ticker', { symbol: 'BTC_USDT' });
    expect((spot.body.data as Row).symbol).toBe('BTC_USDT');
  });

  it('a spot-only ccxt exchange gets no futures desk', () => {
    const ex = new ccxt.kucoin();
    ex.setMarkets([
      {
        id: 'BTC-USDT',
        symbol: 'BTC/USDT',
        base: 'BTC',
        quote: 'USDT',
        baseId: 'BTC',
        quoteId: 'USDT',
        type: 'spot',
        spot: true,
        swap: false,
        future: false,
        contract: false,
        active: true,
        precision: { price: 0.1, amount: 0.00001 },
        limits: {},
      } as never,
    ]);
    expect(ccxtFutures(ex)).toBeUndefined();
  });
});

describe('contract symbols (pure)', () => {
  it('FMZ forms, ranges, ccxt forms; junk refused', () => {
    expect(parseContractSymbol('BTC_USDT.swap')).toEqual({ base: 'BTC', quote: 'USDT', contractType: 'swap' });
    expect(parseContractSymbol('eth_usd.quarter')).toEqual({ base: 'ETH', quote: 'USD', contractType: 'quarter' });
    expect(parseContractSymbol('USDT.swap')).toEqual({ base: undefined, quote: 'USDT', contractType: 'swap' });
    expect(parseContractSymbol('BTC_USDT.261225')).toMatchObject({ contractType: '261225' });
    expect(parseContractSymbol('BTC/USDT:USDT')).toMatchObject({ base: 'BTC', contractType: 'swap' });
    expect(parseContractSymbol('BTC_USDT', 'swap')).toMatchObject({ contractType: 'swap' });
    expect(() => parseContractSymbol('BTC_USDT')).toThrow(/no contract type/);
    expect(() => parseContractSymbol('BTC_USDT.perp')).toThrow(/unknown contract type/);
    expect(() => parseContractSymbol('.swap')).toThrow();
    expect(looksLikeContract('BTC_USDT.swap')).toBe(true);
    expect(looksLikeContract('BTC_USDT')).toBe(false);
    expect(looksLikeContract('BTC/USDT:USDT')).toBe(true);
    expect(FUTURES_WIRE_METHODS).toEqual(expect.arrayContaining(['positions', 'marginlevel', 'fundings']));
  });
});
