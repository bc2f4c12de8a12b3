/**
 * Golden tests of the FMZ General Protocol server over a sim-backed port: every request example of
 * the protocol article (seed 001) is POSTed over real loopback HTTP, as the FMZ docker sends it,
 * and its answer is checked for the platform's shape and against the engine (the truth).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fromUnits } from '../../src/core/decimal.js';
import { Rng } from '../../src/venue/sim/rng.js';
import { startFmzServer, type FmzServer } from '../../src/api/fmz/server.js';
import { startSimPassthrough } from '../../src/api/fmz/sim-passthrough.js';
import { startFmzSimPlugin } from '../../src/api/fmz/sim-plugin.js';
import { call, captureLogs, fmzPost, simRig, type LogCapture, type SimRig } from './fmz-support.js';

let rig: SimRig;
let srv: FmzServer;
let logs: LogCapture;

beforeAll(async () => {
  rig = await simRig(15, 11);
  logs = captureLogs();
  srv = await startFmzServer({ port: 0, gateways: [rig.port], ccxt: false, logger: logs.logger });
});

afterAll(async () => {
  await srv?.close();
  await rig?.venue.close();
});

const post = (method: string, params: Record<string, unknown>) => fmzPost(srv.url, '/sim', call(method, params));

function priceText(sym: string, ticks: number | undefined): string {
  const m = rig.engine.market(sym);
  if (!m || ticks === undefined) throw new Error('no market');
  return fromUnits(ticks, m.instrument.price);
}

describe('FMZ golden: market data (seed examples)', () => {
  it('GetTicker {"symbol":"LTC_USDT"} ⇒ string fields from the engine', async () => {
    const r = await post('ticker', { symbol: 'LTC_USDT' });
    expect(r.status).toBe(200);
    expect(r.body.error).toBeUndefined();
    const d = r.body.data as Record<string, string>;
    expect(Object.keys(d).sort()).toEqual(['buy', 'high', 'last', 'low', 'open', 'sell', 'symbol', 'time', 'vol']);
    for (const v of Object.values(d)) expect(typeof v).toBe('string');
    expect(d.symbol).toBe('LTC_USDT');
    const t = rig.engine.ticker('LTC-USDT');
    expect(d.buy).toBe(priceText('LTC-USDT', t.bestBid));
    expect(d.sell).toBe(priceText('LTC-USDT', t.bestAsk));
    expect(d.last).toBe(priceText('LTC-USDT', t.last));
    expect(Number(d.buy)).toBeLessThan(Number(d.sell));
    expect(Number(d.high)).toBeGreaterThanOrEqual(Number(d.low));
    expect(Number(d.vol)).toBeGreaterThan(0);
    expect(d.time).toBe(String(rig.clock.now()));
  });

  it('GetTicker("USDT") (no base currency) ⇒ {error}', async () => {
    const r = await post('ticker', { symbol: 'USDT' });
    expect(r.body.data).toBeUndefined();
    expect(r.body.error).toMatch(/DG_E_BAD_SYMBOL/);
  });

  it('GetTicker of a market the venue lacks ⇒ {error} unknown instrument', async () => {
    const r = await post('ticker', { symbol: 'DOGE_USDT' });
    expect(r.body.error).toMatch(/DG_E_UNKNOWN_INSTRUMENT/);
  });

  it('GetDepth {"limit":"30","symbol":"ETH_USDT"} ⇒ numbers, best first, equal to the engine', async () => {
    const r = await post('depth', { limit: '30', symbol: 'ETH_USDT' });
    const d = r.body.data as { time: number; asks: [number, number][]; bids: [number, number][] };
    expect(typeof d.time).toBe('number');
    expect(d.asks.length).toBeGreaterThan(0);
    expect(d.asks.length).toBeLessThanOrEqual(30);
    expect(d.bids.length).toBeLessThanOrEqual(30);
    for (const row of [...d.asks, ...d.bids]) {
      expect(row).toHaveLength(2);
      expect(typeof row[0]).toBe('number');
      expect(typeof row[1]).toBe('number');
    }
    for (let i = 1; i < d.asks.length; i++) expect(d.asks[i][0]).toBeGreaterThan(d.asks[i - 1][0]);
    for (let i = 1; i < d.bids.length; i++) expect(d.bids[i][0]).toBeLessThan(d.bids[i - 1][0]);
    const snap = rig.engine.l2Snapshot('ETH-USDT', 30);
    const m = rig.engine.market('ETH-USDT')!;
    expect(d.asks[0]).toEqual([
      Number(fromUnits(snap.asks[0][0], m.instrument.price)),
      Number(fromUnits(snap.asks[0][1], m.instrument.size)),
    ]);
    expect(d.bids[0][0]).toBe(Number(fromUnits(snap.bids[0][0], m.instrument.price)));
  });

  it('GetTrades {"symbol":"eth_usdt"} (lower case) ⇒ newest first, engine trades', async () => {
    const r = await post('trades', { symbol: 'eth_usdt' });
    const list = r.body.data as Array<{ id: unknown; time: number; price: number; amount: number; type: string }>;
    expect(list.length).toBeGreaterThan(0);
    const newest = rig.engine.trades('ETH-USDT', 1)[0];
    expect(String(list[0].id)).toBe(newest.tradeId);
    expect(list[0].time).toBe(newest.ts);
    expect(list[0].type).toBe(newest.takerSide);
    expect(list[0].price).toBe(Number(priceText('ETH-USDT', newest.price)));
    for (const t of list) {
      expect(['buy', 'sell']).toContain(t.type);
      expect(t.amount).toBeGreaterThan(0);
    }
    for (let i = 1; i < list.length; i++) expect(list[i].time).toBeLessThanOrEqual(list[i - 1].time);
  });

  it('GetRecords {"limit":"500","period":"60","symbol":"ETH_USDT"} ⇒ [[time_s, o, h, l, c, v]]', async () => {
    const r = await post('records', { limit: '500', period: '60', symbol: 'ETH_USDT' });
    const rows = r.body.data as number[][];
    expect(rows.length).toBeGreaterThan(0);
    for (const row of rows) {
      expect(row).toHaveLength(6);
      expect(row[0] % 3600).toBe(0); // hour buckets, seconds
      expect(row[0]).toBeLessThan(1e11);
      expect(row[2]).toBeGreaterThanOrEqual(Math.max(row[1], row[4]));
      expect(row[3]).toBeLessThanOrEqual(Math.min(row[1], row[4]));
    }
  });

  it('GetRecords period 1 ⇒ one-minute candles equal to the engine, limit honoured', async () => {
    const r = await post('records', { limit: 5, period: 1, symbol: 'ETH_USDT' });
    const rows = r.body.data as number[][];
    expect(rows.length).toBe(5);
    const eng = rig.engine.candles('ETH-USDT', 1).slice(-5);
    expect(rows.map((x) => x[0] * 1000)).toEqual(eng.map((c) => c.start));
    expect(rows[4][4]).toBe(Number(priceText('ETH-USDT', eng[4].close)));
  });

  it('GetMarkets {} ⇒ every market with its grids', async () => {
    const r = await post('markets', {});
    const list = r.body.data as Array<Record<string, unknown>>;
    expect(list.map((m) => m.symbol).sort()).toEqual(['BTC_USDT', 'ETH_USDT', 'LTC_USDT']);
    const eth = list.find((m) => m.symbol === 'ETH_USDT')!;
    expect(eth).toMatchObject({
      baseAsset: 'ETH',
      quoteAsset: 'USDT',
      tickSize: 0.01,
      amountSize: 0.0001,
      pricePrecision: 2,
      amountPrecision: 4,
      minQty: 0.0001,
      ctVal: 1,
    });
    for (const k of ['maxQty', 'minNotional', 'maxNotional']) expect(typeof eth[k]).toBe('number');
  });

  it('GetTickers {} ⇒ one ticker per market', async () => {
    const r = await post('tickers', {});
    const list = r.body.data as Array<Record<string, string>>;
    expect(list.map((t) => t.symbol).sort()).toEqual(['BTC_USDT', 'ETH_USDT', 'LTC_USDT']);
    expect(list.every((t) => Number(t.sell) > Number(t.buy))).toBe(true);
  });
});

describe('FMZ golden: account and orders (seed examples)', () => {
  it('GetAccount {} and GetAssets {} ⇒ [{currency, free, frozen}] strings equal to the engine', async () => {
    for (const method of ['accounts', 'assets']) {
      const r = await post(method, {});
      const list = r.body.data as Array<{ currency: string; free: string; frozen: string }>;
      const usdt = list.find((b) => b.currency === 'USDT')!;
      const eng = rig.engine.balance('trader', 'USDT');
      expect(usdt.free).toBe(rig.engine.formatAmount('USDT', eng.available));
      expect(usdt.frozen).toBe(rig.engine.formatAmount('USDT', eng.hold));
      for (const b of list) for (const v of Object.values(b)) expect(typeof v).toBe('string');
    }
  });

  let btcOrderId = '';
  it('CreateOrder {"amount":"0.1","price":"1000","symbol":"BTC_USDT","type":"buy"} ⇒ {id:"BTC-USDT,<id>"}', async () => {
    const r = await post('trade', { amount: '0.1', price: '1000', symbol: 'BTC_USDT', type: 'buy' });
    expect(r.body.error).toBeUndefined();
    const id = (r.body.data as { id: string }).id;
    expect(id).toMatch(/^BTC-USDT,.+/);
    btcOrderId = id;
    const o = rig.engine.order(id.split(',')[1])!;
    expect(o.account).toBe('trader');
    expect(o.status).toBe('open');
    expect(rig.engine.formatPrice('BTC-USDT', o.price)).toBe('1000');
    expect(rig.engine.formatSize('BTC-USDT', o.size)).toBe('0.1');
    // the hold is visible as frozen
    const acc = await post('accounts', {});
    const usdt = (acc.body.data as Array<{ currency: string; frozen: string }>).find((b) => b.currency === 'USDT')!;
    expect(Number(usdt.frozen)).toBeGreaterThanOrEqual(100);
  });

  let ethOrderId = '';
  it('GetOrders {"symbol":"ETH_USDT"} ⇒ open orders, status pending', async () => {
    const bid = rig.engine.bestBid('ETH-USDT')!;
    const price = priceText('ETH-USDT', bid - 500);
    const placed = await post('trade', { amount: 0.25, price, symbol: 'ETH_USDT', type: 'buy' });
    ethOrderId = (placed.body.data as { id: string }).id;
    const r = await post('orders', { symbol: 'ETH_USDT' });
    const list = r.body.data as Array<Record<string, unknown>>;
    const mine = list.find((o) => o.id === ethOrderId)!;
    expect(mine).toEqual({
      id: ethOrderId,
      symbol: 'ETH_USDT',
      amount: 0.25,
      price: Number(price),
      deal_amount: 0,
      avg_price: 0,
      type: 'buy',
      status: 'pending',
    });
    // BTC order is not in the ETH list; both are in the unfiltered one
    expect(list.some((o) => o.id === btcOrderId)).toBe(false);
    const all = await post('orders', {});
    expect((all.body.data as Array<{ id: string }>).map((o) => o.id)).toEqual(
      expect.arrayContaining([btcOrderId, ethOrderId]),
    );
  });

  it('GetOrder {"id":"ETH-USDT,…","symbol":"ETH_USDT"} ⇒ the order', async () => {
    const r = await post('order', { id: ethOrderId, symbol: 'ETH_USDT' });
    expect(r.body.data).toMatchObject({
      id: ethOrderId,
      symbol: 'ETH_USDT',
      amount: 0.25,
      status: 'pending',
      type: 'buy',
    });
    const unknown = await post('order', { id: 'ETH-USDT,nope', symbol: 'ETH_USDT' });
    expect(unknown.body.error).toMatch(/DG_E_VENUE_UNKNOWN_ORDER/);
  });

  it('CancelOrder {"id":"ETH-USDT,…","symbol":"ETH_USDT"} ⇒ data true; then canceled', async () => {
    const r = await post('cancel', { id: ethOrderId, symbol: 'ETH_USDT' });
    expect(r.body).toEqual({ data: true });
    expect(rig.engine.order(ethOrderId.split(',')[1])!.doneReason).toBe('canceled');
    const o = await post('order', { id: ethOrderId, symbol: 'ETH_USDT' });
    expect((o.body.data as { status: string }).status).toBe('canceled');
    const again = await post('cancel', { id: ethOrderId, symbol: 'ETH_USDT' });
    expect(again.body.error).toMatch(/DG_E_VENUE_UNKNOWN_ORDER/);
  });

  it('market orders (price -1): buy spends quote, sell sells base; both filled with avg price', async () => {
    const buy = await post('trade', { amount: '100', price: '-1', symbol: 'ETH_USDT', type: 'buy' });
    const buyId = (buy.body.data as { id: string }).id;
    const eo = rig.engine.order(buyId.split(',')[1])!;
    expect(eo.type).toBe('market');
    expect(rig.engine.formatAmount('USDT', eo.funds)).toBe('100');
    const sell = await post('trade', { amount: '0.01', price: -1, symbol: 'ETH_USDT', type: 'sell' });
    const sellId = (sell.body.data as { id: string }).id;
    const o = await post('order', { id: sellId });
    expect(o.body.data).toMatchObject({ id: sellId, status: 'filled', deal_amount: 0.01, type: 'sell', price: -1 });
    const avg = (o.body.data as { avg_price: number }).avg_price;
    expect(avg).toBeGreaterThan(0);
  });

  it('GetHistoryOrders {"limit":0,"since":0,"symbol":"ETH_USDT"} ⇒ closed orders, newest first', async () => {
    const r = await post('historyorders', { limit: 0, since: 0, symbol: 'ETH_USDT' });
    const list = r.body.data as Array<{ id: string; status: string; avg_price: number; deal_amount: number }>;
    expect(list.length).toBe(3);
    expect(list[0].status).toBe('filled'); // the market sell
    expect(list[0].avg_price).toBeGreaterThan(0);
    expect(list[2].id).toBe(ethOrderId);
    expect(list[2].status).toBe('canceled');
    const limited = await post('historyorders', { limit: '1', since: '0', symbol: 'ETH_USDT' });
    expect((limited.body.data as unknown[]).length).toBe(1);
    const future = await post('historyorders', { limit: 10, since: rig.clock.now() + 1, symbol: 'ETH_USDT' });
    expect(future.body.data).toEqual([]);
  });

  it('a partially filled order shows partial-filled with its deal amount and average price', async () => {
    const ask = rig.engine.l2Snapshot('LTC-USDT', 1).asks[0];
    const m = rig.engine.market('LTC-USDT')!;
    const askSize = Number(fromUnits(ask[1], m.instrument.size));
    const amount = (askSize + 1).toFixed(3);
    const r = await post('trade', {
      amount,
      price: fromUnits(ask[0], m.instrument.price),
      symbol: 'LTC_USDT',
      type: 'buy',
    });
    const id = (r.body.data as { id: string }).id;
    const o = (await post('order', { id, symbol: 'LTC_USDT' })).body.data as Record<string, number | string>;
    expect(o.status).toBe('partial-filled');
    expect(o.deal_amount).toBe(askSize);
    expect(o.avg_price).toBe(Number(fromUnits(ask[0], m.instrument.price)));
    const open = (await post('orders', { symbol: 'LTC_USDT' })).body.data as Array<Record<string, unknown>>;
    expect(open.find((x) => x.id === id)).toMatchObject({ status: 'partial-filled', deal_amount: askSize });
    await post('cancel', { id });
    const done = (await post('order', { id })).body.data as { status: string };
    expect(done.status).toBe('partial-canceled');
  });

  it('IO: __api_/api/v5/trade/orders-pending on the sim gateway ⇒ {error}: passthrough needs an exchange', async () => {
    const r = await fmzPost(
      srv.url,
      '/sim',
      call('__api_/api/v5/trade/orders-pending', { instId: 'ETH-USDT', instType: 'SPOT' }),
      {
        'Http-Method': 'GET',
      },
    );
    expect(r.body.error).toMatch(/DG_E_API_NO_PASSTHROUGH/);
  });

  it('futures calls on a spot venue ⇒ {error}', async () => {
    for (const m of ['position', 'marginlevel', 'fundings']) {
      const r = await post(m, { symbol: 'ETH_USDT' });
      expect(r.body.error).toMatch(/DG_E_VENUE_UNSUPPORTED/);
    }
  });
});

describe('FMZ: bad requests get {error} and the server stays up', () => {
  it('GET ⇒ {error}', async () => {
    const res = await fetch(`${srv.url}/sim`);
    expect(await res.json()).toEqual({ error: expect.stringMatching(/only POST/) });
  });

  it('malformed JSON, missing fields, wrong types, unknown method, unknown exchange, huge body', async () => {
    const cases: Array<[string, unknown, RegExp]> = [
      ['/sim', '{"access_key": ', /missing required parameters/],
      ['/sim', '', /missing required parameters/],
      ['/sim', '[1,2]', /missing required parameters/],
      ['/sim', { access_key: 'a', secret_key: 'b', params: {} }, /missing required parameters/],
      ['/sim', { access_key: 'a', method: 'ticker', params: { symbol: 'ETH_USDT' } }, /missing required parameters/],
      ['/sim', call('ticker', {}), /missing required parameters/],
      ['/sim', call('depth', { symbol: 'ETH_USDT', limit: 'lots' }), /missing required parameters/],
      [
        '/sim',
        call('trade', { symbol: 'ETH_USDT', type: 'hold', price: '1', amount: '1' }),
        /missing required parameters/,
      ],
      ['/sim', call('trade', { symbol: 'ETH_USDT', type: 'buy', price: '1000.001', amount: '1' }), /DG_E_OFF_GRID/],
      ['/sim', call('trade', { symbol: 'ETH_USDT', type: 'buy', price: 'abc', amount: '1' }), /DG_E_BAD_DECIMAL/],
      ['/sim', call('trade', { symbol: 'ETH_USDT', type: 'buy', price: '1000', amount: '1e9' }), /DG_E_VENUE/],
      ['/sim', call('records', { symbol: 'ETH_USDT', period: '7' }), /DG_E_BAD_INPUT/],
      ['/sim', call('cancel', { id: 'nocomma' }), /missing|DG_E_API_BAD_REQUEST/],
      ['/sim', call('order', { id: 'XRP-USDT,1' }), /DG_E_UNKNOWN_INSTRUMENT/],
      ['/sim', call('GetSomething', {}), /invalid method/],
      ['/nowhere', call('ticker', { symbol: 'ETH_USDT' }), /DG_E_API_UNKNOWN_EXCHANGE/],
      ['/sim', { ...call('ticker', { symbol: 'ETH_USDT' }), params: 'x'.repeat(2 << 20) }, /DG_E_API_TOO_LARGE/],
    ];
    for (const [path, body, re] of cases) {
      const r = await fmzPost(srv.url, path, body);
      expect(r.status, JSON.stringify(body).slice(0, 80)).toBe(200);
      expect(r.body.data).toBeUndefined();
      expect(r.body.error, JSON.stringify(body).slice(0, 80)).toMatch(re);
    }
    const ok = await post('ticker', { symbol: 'ETH_USDT' });
    expect((ok.body.data as { symbol: string }).symbol).toBe('ETH_USDT');
  });

  it('200 seeded random requests: every reply is {data} or {error}, the engine stays consistent', async () => {
    const rng = new Rng(77);
    const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rng.next() * xs.length)];
    const methods = [
      'ticker',
      'depth',
      'trades',
      'records',
      'trade',
      'orders',
      'order',
      'cancel',
      'historyorders',
      'x',
    ];
    const values: unknown[] = [
      'ETH_USDT',
      'eth_usdt',
      'USDT',
      '',
      '-1',
      '0',
      '1e400',
      'NaN',
      -5,
      0.5,
      1e21,
      null,
      [],
      {},
      true,
    ];
    const keys = ['symbol', 'limit', 'period', 'type', 'price', 'amount', 'id', 'since'];
    let data = 0;
    for (let i = 0; i < 200; i++) {
      const params: Record<string, unknown> = {};
      const n = Math.floor(rng.next() * 5);
      for (let k = 0; k < n; k++) params[pick(keys)] = pick(values);
      if (rng.next() < 0.5) params.symbol = pick(['ETH_USDT', 'BTC_USDT', 'ltc_usdt']);
      const body = rng.next() < 0.1 ? { method: pick(methods), params: pick(values) } : call(pick(methods), params);
      const r = await fmzPost(srv.url, '/sim', body);
      expect(r.status).toBe(200);
      expect('data' in r.body !== 'error' in r.body).toBe(true);
      if ('data' in r.body) data++;
    }
    expect(data).toBeGreaterThan(10);
    for (const sym of ['ETH-USDT', 'BTC-USDT', 'LTC-USDT']) {
      const bid = rig.engine.bestBid(sym);
      const ask = rig.engine.bestAsk(sym);
      if (bid !== undefined && ask !== undefined) expect(bid).toBeLessThan(ask);
    }
    const ok = await post('ticker', { symbol: 'ETH_USDT' });
    expect((ok.body.data as { symbol: string }).symbol).toBe('ETH_USDT');
  });

  it('calls are logged by method and exchange, never with the keys', async () => {
    const keys = { ak: 'AK-visible-nowhere-123', sk: 'SK-secret-456,PP-pass-789' };
    await fmzPost(srv.url, '/sim', call('ticker', { symbol: 'ETH_USDT' }, keys));
    await fmzPost(srv.url, '/sim', call('ticker', { symbol: 'USDT' }, keys));
    await fmzPost(srv.url, '/sim', call(`__api_/x/${keys.ak}`, {}, keys));
    const text = logs.text();
    expect(text).toMatch(/"method":"ticker"/);
    expect(text).toMatch(/"code":"DG_E_BAD_SYMBOL"/);
    for (const s of ['AK-visible-nowhere-123', 'SK-secret-456', 'PP-pass-789']) expect(text).not.toContain(s);
  });
});

describe('FMZ: raw API on the sim gateway through the sim KuCoin server', () => {
  it('__api_/api/v1/accounts and /api/v1/hf/orders/active answer from the same engine account', async () => {
    const raw = await startSimPassthrough(rig.engine, 'trader');
    const s = await startFmzServer({
      port: 0,
      gateways: [{ port: rig.port, passthrough: raw.passthrough }],
      ccxt: false,
      logger: false,
    });
    try {
      const p = (m: string, params: Record<string, unknown>, verb = 'GET') =>
        fmzPost(s.url, '/sim', call(m, params), { 'Http-Method': verb });
      const acc = await p('__api_/api/v1/accounts', { currency: 'USDT' });
      const rows = (acc.body.data as { code: string; data: Array<{ currency: string; available: string }> }).data;
      expect(rows[0].available).toBe(rig.engine.formatAmount('USDT', rig.engine.balance('trader', 'USDT').available));
      const placed = await p('trade', { symbol: 'ETH_USDT', type: 'sell', price: '9999', amount: '0.5' });
      const venueId = (placed.body.data as { id: string }).id.split(',')[1];
      const active = await p('__api_/api/v1/hf/orders/active', { symbol: 'ETH-USDT' });
      const ids = (active.body.data as { data: Array<{ id: string }> }).data.map((o) => o.id);
      expect(ids).toContain(venueId);
      await p('cancel', { id: `ETH-USDT,${venueId}` });
    } finally {
      await s.close();
      await raw.close();
    }
  });
});

describe('FMZ server: binding and bearer token', () => {
  it('refuses a non-loopback host without a token', async () => {
    await expect(startFmzServer({ host: '0.0.0.0', port: 0, ccxt: false, logger: false })).rejects.toThrow(/authToken/);
  });

  it('refuses an authToken no client could send as a bearer (spaces, over 512 characters)', async () => {
    for (const authToken of ['tok 1', 'x'.repeat(513), 'tök']) {
      await expect(
        startFmzServer({ port: 0, gateways: [rig.port], ccxt: false, logger: false, authToken }),
      ).rejects.toMatchObject({ code: 'DG_E_BAD_CONFIG' });
    }
  });

  it('checks Authorization: Bearer when a token is configured', async () => {
    const s = await startFmzServer({ port: 0, gateways: [rig.port], ccxt: false, logger: false, authToken: 'tok-1' });
    try {
      const body = call('ticker', { symbol: 'ETH_USDT' });
      const none = await fmzPost(s.url, '/sim', body);
      expect(none.status).toBe(401);
      expect(none.body.error).toMatch(/DG_E_API_BAD_TOKEN/);
      const wrong = await fmzPost(s.url, '/sim', body, { Authorization: 'Bearer tok-2' });
      expect(wrong.status).toBe(401);
      for (const odd of ['bearer tok-1', 'Basic tok-1', 'tok-1', 'Bearer tok-1 x', `Bearer tok-1${'x'.repeat(600)}`]) {
        const r = await fmzPost(s.url, '/sim', body, { Authorization: odd });
        expect([odd.slice(0, 20), r.status, r.body.error]).toEqual([
          odd.slice(0, 20),
          401,
          expect.stringMatching(/BAD_TOKEN/),
        ]);
      }
      const right = await fmzPost(s.url, '/SIM', body, { Authorization: 'Bearer tok-1' });
      expect(right.status).toBe(200);
      expect((right.body.data as { symbol: string }).symbol).toBe('ETH_USDT');
    } finally {
      await s.close();
    }
  });
});

describe('FMZ sim plugin runner', () => {
  it('serves /sim from a live engine with synthetic flow, raw API included', async () => {
    const plugin = await startFmzSimPlugin({ port: 0, seed: 4, ccxt: false, logger: false });
    try {
      const p = (m: string, params: Record<string, unknown>) =>
        fmzPost(plugin.server.url, '/sim', call(m, params), { 'Http-Method': 'GET' });
      let ticker: Record<string, string> | undefined;
      for (let i = 0; i < 50 && !(ticker && Number(ticker.sell) > 0); i++) {
        await new Promise((r) => setTimeout(r, 50));
        ticker = (await p('ticker', { symbol: 'BTC_USDT' })).body.data as Record<string, string>;
      }
      expect(Number(ticker?.sell)).toBeGreaterThan(Number(ticker?.buy));
      const acc = await p('accounts', {});
      expect(
        (acc.body.data as Array<{ currency: string; free: string }>).find((b) => b.currency === 'USDT')?.free,
      ).toBe('100000');
      const ts = await p('__api_/api/v1/timestamp', {});
      expect((ts.body.data as { code: string }).code).toBe('200000');
    } finally {
      await plugin.close();
    }
  });
});
