import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SimEngine } from '../../src/venue/sim/engine.js';
import { kcSignHeaders, startSimServer, type SimServer } from '../../src/venue/sim/server/index.js';
import { averagePriceText, changeRateText } from '../../src/venue/sim/server/wire-format.js';
import { CLASSIC, kcFetch, makeEngine, TestFlow, TRADER } from './support.js';

let engine: SimEngine;
let srv: SimServer;

beforeAll(async () => {
  engine = makeEngine();
  const flow = new TestFlow(engine, 'BTC-USDT', 11);
  flow.seed(30);
  for (let i = 0; i < 200; i++) flow.step();
  srv = await startSimServer({ engine, apiKeys: [TRADER, CLASSIC] });
});
afterAll(async () => {
  await srv.close();
});

describe('sim server REST: public market data', () => {
  it('binds loopback on an ephemeral port and serves time and status', async () => {
    expect(srv.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    const t = await kcFetch(srv.url, 'GET', '/api/v1/timestamp');
    expect(t.body.code).toBe('200000');
    expect(Math.abs((t.body.data as number) - Date.now())).toBeLessThan(60_000);
    const s = await kcFetch(srv.url, 'GET', '/api/v1/status');
    expect(s.body.data).toEqual({ status: 'open', msg: '' });
  });

  it('lists symbols with the engine grids', async () => {
    const r = await kcFetch(srv.url, 'GET', '/api/v2/symbols');
    const btc = (r.body.data as Array<Record<string, unknown>>).find((s) => s.symbol === 'BTC-USDT');
    expect(btc).toMatchObject({
      baseCurrency: 'BTC',
      quoteCurrency: 'USDT',
      priceIncrement: '0.1',
      baseIncrement: '0.00001',
      enableTrading: true,
    });
  });

  it('serves part and full L2 books that agree with the engine, best first', async () => {
    const part = await kcFetch(srv.url, 'GET', '/api/v1/market/orderbook/level2_20?symbol=BTC-USDT');
    const d = part.body.data as { sequence: string; bids: string[][]; asks: string[][] };
    expect(d.sequence).toBe(String(engine.seq('BTC-USDT')));
    expect(d.bids.length).toBeLessThanOrEqual(20);
    const snap = engine.l2Snapshot('BTC-USDT', 20);
    expect(d.bids[0]).toEqual([
      engine.formatPrice('BTC-USDT', snap.bids[0][0]),
      engine.formatSize('BTC-USDT', snap.bids[0][1]),
    ]);
    expect(Number(d.bids[0][0])).toBeGreaterThan(Number(d.bids[1][0]));
    expect(Number(d.asks[0][0])).toBeLessThan(Number(d.asks[1][0]));
    const full = await kcFetch(srv.url, 'GET', '/api/v3/market/orderbook/level2?symbol=BTC-USDT', { key: TRADER });
    expect((full.body.data as { bids: unknown[] }).bids.length).toBe(engine.l2Snapshot('BTC-USDT', 100000).bids.length);
  });

  it('serves the L3 snapshot in KuCoin v3 shape, FIFO as the engine', async () => {
    const r = await kcFetch(srv.url, 'GET', '/api/v3/market/orderbook/level3?symbol=BTC-USDT', { key: TRADER });
    const d = r.body.data as {
      sequence: number;
      asks: Array<[string, string, string, number]>;
      bids: Array<[string, string, string, number]>;
    };
    const s = engine.l3Snapshot('BTC-USDT');
    expect(d.sequence).toBe(s.seq);
    expect(d.bids.map((o) => o[0])).toEqual(s.bids.map((o) => o.orderId));
    expect(Math.floor(d.asks[0][3] / 1e6)).toBe(s.asks[0].ts);
  });

  it('serves trades, candles and stats', async () => {
    const h = await kcFetch(srv.url, 'GET', '/api/v1/market/histories?symbol=BTC-USDT');
    const trades = h.body.data as Array<{ sequence: string; side: string; time: number }>;
    expect(trades.length).toBeGreaterThan(0);
    expect(['buy', 'sell']).toContain(trades[0].side);
    const c = await kcFetch(srv.url, 'GET', '/api/v1/market/candles?symbol=BTC-USDT&type=1min');
    const rows = c.body.data as string[][];
    expect(rows.length).toBeGreaterThan(0);
    expect(rows[0]).toHaveLength(7);
    const st = await kcFetch(srv.url, 'GET', '/api/v1/market/stats?symbol=BTC-USDT');
    const stats = st.body.data as Record<string, string>;
    expect(stats.buy).toBe(engine.formatPrice('BTC-USDT', engine.bestBid('BTC-USDT') as number));
    expect(stats.sell).toBe(engine.formatPrice('BTC-USDT', engine.bestAsk('BTC-USDT') as number));
    expect(stats.averagePrice).toMatch(/^\d+(\.\d{1,8})?$/);
    expect(Number(stats.averagePrice)).toBeGreaterThanOrEqual(Number(stats.low));
    expect(Number(stats.averagePrice)).toBeLessThanOrEqual(Number(stats.high));
    expect(stats.changeRate).toMatch(/^-?\d+\.\d{4}$/);
  });

  it('answers unknown symbols, bad candle types and unknown URLs with KuCoin errors', async () => {
    expect((await kcFetch(srv.url, 'GET', '/api/v1/market/stats?symbol=NOPE-USDT')).body.code).toBe('900001');
    expect((await kcFetch(srv.url, 'GET', '/api/v1/market/candles?symbol=BTC-USDT&type=7min')).body.code).toBe(
      '400100',
    );
    expect((await kcFetch(srv.url, 'GET', '/api/v1/market/orderbook/level2_20')).body.code).toBe('400100');
    const nf = await kcFetch(srv.url, 'GET', '/api/v9/nothing');
    expect(nf.status).toBe(404);
    expect(nf.body.code).toBe('404000');
  });
});

describe('sim server REST: auth', () => {
  it('rejects missing headers, a bad key, passphrase, signature and stale timestamp with 401', async () => {
    const none = await kcFetch(srv.url, 'GET', '/api/v1/accounts');
    expect([none.status, none.body.code]).toEqual([401, '400001']);
    const badKey = await kcFetch(srv.url, 'GET', '/api/v1/accounts', { key: { ...TRADER, key: 'nope' } });
    expect(badKey.body.code).toBe('400003');
    const badPass = await kcFetch(srv.url, 'GET', '/api/v1/accounts', { key: { ...TRADER, passphrase: 'wrong' } });
    expect(badPass.body.code).toBe('400004');
    const badSig = await kcFetch(srv.url, 'GET', '/api/v1/accounts', {
      key: { ...TRADER, secret: 'wrong' },
      headers: {},
    });
    // a wrong secret breaks the passphrase HMAC first
    expect(badSig.body.code).toBe('400004');
    const tampered = await kcFetch(srv.url, 'GET', '/api/v1/accounts?type=trade', {
      key: TRADER,
      headers: { 'KC-API-SIGN': 'AAAA' },
    });
    expect([tampered.status, tampered.body.code]).toEqual([401, '400005']);
    // KuCoin signs the URL text before URL-encoding: an encoded query verifies against its decoded text
    const encoded = '/api/v1/accounts?currency=US%44T';
    const headers = kcSignHeaders(TRADER, 'GET', '/api/v1/accounts?currency=USDT', '', Date.now());
    const viaDecoded = await fetch(srv.url + encoded, { headers });
    expect(((await viaDecoded.json()) as { code: string }).code).toBe('200000');
    const stale = await kcFetch(srv.url, 'GET', '/api/v1/accounts', {
      key: TRADER,
      clock: { now: () => Date.now() - 60_000 },
    });
    expect(stale.body.code).toBe('400002');
  });
});

describe('sim server REST: orders and accounts', () => {
  it('places an HF limit order that rests, holds funds and lists as active', async () => {
    const before = engine.balance('trader', 'USDT');
    const r = await kcFetch(srv.url, 'POST', '/api/v1/hf/orders', {
      key: TRADER,
      body: { clientOid: 'rest-1', side: 'buy', symbol: 'BTC-USDT', type: 'limit', price: '50000', size: '0.01' },
    });
    expect(r.body.code).toBe('200000');
    const { orderId } = r.body.data as { orderId: string };
    const after = engine.balance('trader', 'USDT');
    expect(after.hold - before.hold).toBe(engine.parseAmount('USDT', '500'));
    const act = await kcFetch(srv.url, 'GET', '/api/v1/hf/orders/active?symbol=BTC-USDT', { key: TRADER });
    const list = act.body.data as Array<Record<string, unknown>>;
    expect(list.find((o) => o.id === orderId)).toMatchObject({
      price: '50000',
      size: '0.01',
      active: true,
      clientOid: 'rest-1',
    });
    const acc = await kcFetch(srv.url, 'GET', '/api/v1/accounts?type=trade_hf&currency=USDT', { key: TRADER });
    expect((acc.body.data as Array<Record<string, string>>)[0]).toMatchObject({
      type: 'trade_hf',
      holds: engine.formatAmount('USDT', after.hold),
    });
    const del = await kcFetch(srv.url, 'DELETE', `/api/v1/hf/orders/${orderId}?symbol=BTC-USDT`, { key: TRADER });
    expect(del.body.data).toEqual({ orderId });
    const again = await kcFetch(srv.url, 'DELETE', `/api/v1/hf/orders/${orderId}?symbol=BTC-USDT`, { key: TRADER });
    expect(again.body).toEqual({ code: '400100', msg: 'order_not_exist_or_not_allow_to_cancel' });
    const got = await kcFetch(srv.url, 'GET', `/api/v1/hf/orders/client-order/rest-1?symbol=BTC-USDT`, { key: TRADER });
    expect(got.body.data).toMatchObject({ id: orderId, active: false, cancelExist: true });
  });

  it('classic endpoints: place, get by clientOid, paginated list, cancel by clientOid', async () => {
    const r = await kcFetch(srv.url, 'POST', '/api/v1/orders', {
      key: CLASSIC,
      body: { clientOid: 'c-1', side: 'sell', symbol: 'BTC-USDT', type: 'limit', price: '70000', size: '0.5' },
    });
    const { orderId } = r.body.data as { orderId: string };
    const list = await kcFetch(
      srv.url,
      'GET',
      '/api/v1/orders?status=active&tradeType=TRADE&symbol=BTC-USDT&pageSize=10',
      { key: CLASSIC },
    );
    const pg = list.body.data as {
      currentPage: number;
      pageSize: number;
      totalNum: number;
      totalPage: number;
      items: Array<{ id: string; isActive: boolean }>;
    };
    expect(pg).toMatchObject({ currentPage: 1, pageSize: 10, totalNum: 1, totalPage: 1 });
    expect(pg.items[0]).toMatchObject({ id: orderId, isActive: true });
    const del = await kcFetch(srv.url, 'DELETE', '/api/v1/order/client-order/c-1', { key: CLASSIC });
    expect(del.body.data).toEqual({ cancelledOrderId: orderId, clientOid: 'c-1' });
    const other = await kcFetch(srv.url, 'GET', `/api/v1/orders/${orderId}`, { key: TRADER });
    expect(other.body.code).toBe('400100'); // another account's order is invisible
  });

  it('rejects bad order input with KuCoin codes and stays up', async () => {
    const post = (body: unknown, rawBody?: string) =>
      kcFetch(srv.url, 'POST', '/api/v1/hf/orders', { key: TRADER, body, rawBody });
    expect((await post(undefined, '{"side": "buy",')).body.code).toBe('400100'); // malformed JSON
    expect((await post({ side: 'buy', symbol: 'BTC-USDT', type: 'limit', price: '50000' })).body.code).toBe('400100');
    expect((await post({ side: 'buy', symbol: 'BTC-USDT', type: 'limit', price: -5, size: '1' })).body.code).toBe(
      '400100',
    );
    expect(
      (await post({ side: 'buy', symbol: 'BTC-USDT', type: 'limit', price: '50000.05', size: '0.01' })).body.msg,
    ).toBe('Price increment invalid.');
    expect((await post({ side: 'buy', symbol: 'BTC-USDT', type: 'limit', price: '1e400', size: '1' })).body.code).toBe(
      '400100',
    );
    expect(
      (await post({ side: 'buy', symbol: 'BTC-USDT', type: 'limit', price: '99999999999999999999', size: '1' })).body
        .code,
    ).toBe('400100');
    expect((await post({ side: 'buy', symbol: 'NOPE-USDT', type: 'limit', price: '1', size: '1' })).body.code).toBe(
      '400600',
    );
    expect(
      (await post({ side: 'buy', symbol: 'BTC-USDT', type: 'limit', price: '50000', size: '1000' })).body.code,
    ).toBe('200004');
    expect((await post({ side: 'sideways', symbol: 'BTC-USDT', price: '1', size: '1' })).body.code).toBe('400100');
    expect(
      (await post({ clientOid: 'x'.repeat(200), side: 'buy', symbol: 'BTC-USDT', price: '1', size: '1' })).body.code,
    ).toBe('400100');
    const big = await post(undefined, JSON.stringify({ pad: 'x'.repeat(100_000) }));
    expect(big.body.code).toBe('400100');
    expect((await kcFetch(srv.url, 'GET', '/api/v1/timestamp')).body.code).toBe('200000');
  });
});

describe('sim server figures are exact', () => {
  it('changeRate and averagePrice use integer arithmetic', () => {
    expect(changeRateText(1055, 1000)).toBe('0.0550');
    expect(changeRateText(945, 1000)).toBe('-0.0550');
    expect(changeRateText(3, 3)).toBe('0.0000');
    expect(changeRateText(1, 3)).toBe('-0.6667');
    expect(changeRateText(2, 3)).toBe('-0.3333');
    const m = engine.market('BTC-USDT')!;
    // 3 lots (0.00003 BTC) for 1.8 USDT (USDT has 8 decimals here) ⇒ 60000
    const qd = engine.currency('USDT')!.decimals;
    expect(averagePriceText(m, qd, 1.8 * 10 ** qd, 3)).toBe('60000');
    expect(averagePriceText(m, qd, 1, 3)).toBe('0.00033333');
    expect(averagePriceText(m, qd, 5, 0)).toBeNull();
  });
});
