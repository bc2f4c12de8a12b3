/**
 * The FMZ server's ccxt path: `/kucoin` (any case) is not a configured gateway, so the server builds
 * a ccxt.pro kucoin CcxtVenue from the request's own keys (`secret,passphrase` in secret_key) and
 * serves the platform calls through it — here against the sim's KuCoin-compatible server over
 * loopback (ccxt's REST URLs pointed at it; the class itself unmodified). Includes the raw API
 * passthrough (`exchange.IO("api", …)`) through ccxt's implicit methods and the redaction of keys.
 */
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { systemClock } from '../../src/core/clock.js';
import { fromUnits } from '../../src/core/decimal.js';
import { startFmzServer, type FmzServer } from '../../src/api/fmz/server.js';
import { pointCcxtProKucoinAt } from '../../src/venue/sim/server/ccxt-urls.js';
import { startSimServer, type SimServer } from '../../src/venue/sim/server/index.js';
import type { SimEngine } from '../../src/venue/sim/engine.js';
import { makeEngine, TestFlow, TRADER } from '../sim-server/support.js';
import { call, captureLogs, fmzPost, type LogCapture } from './fmz-support.js';

let engine: SimEngine;
let sim: SimServer;
let srv: FmzServer;
let logs: LogCapture;
const consoleLines: string[] = [];
const keys = { ak: TRADER.key, sk: `${TRADER.secret},${TRADER.passphrase}` };

beforeAll(async () => {
  for (const k of ['log', 'info', 'warn', 'error', 'debug'] as const) {
    vi.spyOn(console, k).mockImplementation((...args: unknown[]) => {
      consoleLines.push(args.map(String).join(' '));
    });
  }
  engine = makeEngine(systemClock, 21);
  const flow = new TestFlow(engine, 'BTC-USDT', 31);
  flow.seed(30);
  for (let i = 0; i < 300; i++) flow.step();
  sim = await startSimServer({ engine, apiKeys: [TRADER] });
  logs = captureLogs();
  srv = await startFmzServer({
    port: 0,
    logger: logs.logger,
    ccxt: {
      maxEntries: 2,
      ccxtOptions: { enableRateLimit: false },
      configure: (ex) => pointCcxtProKucoinAt(ex as never, sim.url),
      venue: { rateLimit: { ratePerSec: 200, burst: 50 }, requestTimeoutMs: 5000 },
    },
  });
});

afterAll(async () => {
  await srv?.close();
  await sim?.close();
  vi.restoreAllMocks();
});

const post = (method: string, params: Record<string, unknown>, headers: Record<string, string> = {}) =>
  fmzPost(srv.url, '/kucoin', call(method, params, keys), headers);

describe('FMZ over ccxt (kucoin → sim server)', () => {
  it('ticker with raw (ccxt info) through /KuCoin (case-insensitive)', async () => {
    const r = await fmzPost(srv.url, '/KuCoin', call('ticker', { symbol: 'btc_usdt' }, keys));
    expect(r.body.error).toBeUndefined();
    const d = r.body.data as Record<string, string>;
    expect(d.symbol).toBe('BTC_USDT');
    const t = engine.ticker('BTC-USDT');
    expect(d.buy).toBe(engine.formatPrice('BTC-USDT', t.bestBid!));
    expect(d.sell).toBe(engine.formatPrice('BTC-USDT', t.bestAsk!));
    expect((r.body.raw as { symbol: string }).symbol).toBe('BTC-USDT');
  });

  it('depth from the native L3 book, equal to the engine', async () => {
    const r = await post('depth', { symbol: 'BTC_USDT', limit: '10' });
    const d = r.body.data as { asks: [number, number][]; bids: [number, number][] };
    const snap = engine.l2Snapshot('BTC-USDT', 10);
    const inst = engine.market('BTC-USDT')!.instrument;
    expect(d.asks[0]).toEqual([
      Number(fromUnits(snap.asks[0][0], inst.price)),
      Number(fromUnits(snap.asks[0][1], inst.size)),
    ]);
    expect(d.bids.length).toBe(Math.min(10, snap.bids.length));
  });

  it('trades, records, markets, accounts', async () => {
    const tr = await post('trades', { symbol: 'BTC_USDT' });
    const trades = tr.body.data as Array<{ price: number; type: string; time: number }>;
    expect(trades.length).toBeGreaterThan(0);
    const newest = engine.trades('BTC-USDT', 1)[0];
    expect(trades[0].price).toBe(Number(engine.formatPrice('BTC-USDT', newest.price)));
    const rec = await post('records', { symbol: 'BTC_USDT', period: '1', limit: '10' });
    const rows = rec.body.data as number[][];
    expect(rows.length).toBeGreaterThan(0);
    expect(rows.every((x) => x.length === 6 && x[0] % 60 === 0)).toBe(true);
    const mk = await post('markets', {});
    expect((mk.body.data as Array<{ symbol: string }>).map((m) => m.symbol)).toEqual(
      expect.arrayContaining(['BTC_USDT', 'ETH_USDT']),
    );
    const tk = await post('tickers', {});
    const tickers = tk.body.data as Array<{ symbol: string; buy: string }>;
    expect(tickers.map((t) => t.symbol).sort()).toEqual(['BTC_USDT', 'ETH_USDT']);
    const btc = tickers.find((t) => t.symbol === 'BTC_USDT')!;
    expect(btc.buy).toBe(engine.formatPrice('BTC-USDT', engine.bestBid('BTC-USDT')!));
    const acc = await post('accounts', {});
    const usdt = (acc.body.data as Array<{ currency: string; free: string }>).find((b) => b.currency === 'USDT')!;
    expect(usdt.free).toBe(engine.formatAmount('USDT', engine.balance(TRADER.accountId, 'USDT').available));
  });

  it('trade → orders → order → cancel → historyorders', async () => {
    const placed = await post('trade', { symbol: 'BTC_USDT', type: 'buy', price: '50000', amount: '0.01' });
    expect(placed.body.error).toBeUndefined();
    const id = (placed.body.data as { id: string }).id;
    expect(id).toMatch(/^BTC-USDT,/);
    const venueId = id.split(',')[1];
    expect(engine.order(venueId)?.account).toBe(TRADER.accountId);
    const open = await post('orders', { symbol: 'BTC_USDT' });
    expect((open.body.data as Array<{ id: string; status: string }>).find((o) => o.id === id)?.status).toBe('pending');
    const one = await post('order', { id, symbol: 'BTC_USDT' });
    expect(one.body.data).toMatchObject({ id, amount: 0.01, price: 50000, status: 'pending', type: 'buy' });
    expect(one.body.raw).toBeDefined();
    const c = await post('cancel', { id, symbol: 'BTC_USDT' });
    expect(c.body).toEqual({ data: true });
    expect(engine.order(venueId)?.doneReason).toBe('canceled');
    const sold = await post('trade', { symbol: 'BTC_USDT', type: 'sell', price: -1, amount: '0.001' });
    const soldId = (sold.body.data as { id: string }).id;
    const hist = await post('historyorders', { symbol: 'BTC_USDT', since: 0, limit: 10 });
    const list = hist.body.data as Array<{ id: string; status: string; avg_price: number }>;
    expect(list.find((o) => o.id === id)?.status).toBe('canceled');
    const s = list.find((o) => o.id === soldId);
    expect(s?.status).toBe('filled');
    expect(s?.avg_price).toBeGreaterThan(0);
  });

  it('market buy by quote amount on a venue without market-by-funds ⇒ sized at the ask', async () => {
    const r = await post('trade', { symbol: 'BTC_USDT', type: 'buy', price: '-1', amount: '120' });
    expect(r.body.error).toBeUndefined();
    const o = engine.order((r.body.data as { id: string }).id.split(',')[1])!;
    expect(o.type).toBe('market');
    expect(o.filledFunds).toBeGreaterThan(0);
  });

  it('__api_ passthrough: GET /api/v1/timestamp and signed /api/v1/accounts through implicit methods', async () => {
    const ts = await post('__api_/api/v1/timestamp', {}, { 'Http-Method': 'GET' });
    expect(ts.body.error).toBeUndefined();
    const tsData = ts.body.data as { code: string; data: number };
    expect(tsData.code).toBe('200000');
    expect(Math.abs(tsData.data - Date.now())).toBeLessThan(60_000);
    const acc = await post('__api_/api/v1/accounts', { currency: 'USDT' }, { 'Http-Method': 'GET' });
    const accData = acc.body.data as { code: string; data: Array<{ currency: string; available: string }> };
    expect(accData.code).toBe('200000');
    expect(accData.data.length).toBeGreaterThan(0);
    expect(accData.data.every((a) => a.currency === 'USDT')).toBe(true);
    const missing = await post('__api_/api/v1/nothing-here', {}, { 'Http-Method': 'GET' });
    expect(missing.body.error).toMatch(/DG_E_API_NOT_FOUND/);
    // a path parameter: GET /api/v1/hf/orders/{orderId}?symbol=
    const placed = await post('trade', { symbol: 'BTC_USDT', type: 'buy', price: '40000', amount: '0.01' });
    const venueId = (placed.body.data as { id: string }).id.split(',')[1];
    const got = await post(`__api_/api/v1/hf/orders/${venueId}`, { symbol: 'BTC-USDT' }, { 'Http-Method': 'GET' });
    expect((got.body.data as { data: { id: string } }).data.id).toBe(venueId);
    const del = await post(`__api_/api/v1/hf/orders/${venueId}`, { symbol: 'BTC-USDT' }, { 'Http-Method': 'DELETE' });
    expect(del.body.error).toBeUndefined();
    expect(engine.order(venueId)?.doneReason).toBe('canceled');
  });

  it('futures calls on a spot venue ⇒ {error}', async () => {
    const r = await post('position', { symbol: 'BTC_USDT' });
    expect(r.body.error).toMatch(/DG_E_VENUE_UNSUPPORTED/);
  });

  it('wrong keys ⇒ {error} (auth), keys in no error, log line or console output', async () => {
    const bad = { ak: 'BAD-access-key-777', sk: 'BAD-secret-888,BAD-pass-999' };
    const r = await fmzPost(srv.url, '/kucoin', call('accounts', {}, bad));
    expect(r.body.error).toMatch(/DG_E_VENUE_AUTH/);
    const unknownEx = await fmzPost(srv.url, '/notanexchange', call('ticker', { symbol: 'BTC_USDT' }, bad));
    expect(unknownEx.body.error).toMatch(/DG_E_API_UNKNOWN_EXCHANGE/);
    const everything = [logs.text(), ...consoleLines, r.body.error ?? ''].join('\n');
    expect(logs.lines.length).toBeGreaterThan(5);
    for (const s of [
      'BAD-access-key-777',
      'BAD-secret-888',
      'BAD-pass-999',
      TRADER.key,
      TRADER.secret,
      TRADER.passphrase,
    ]) {
      expect(everything).not.toContain(s);
    }
  });

  it('the LRU keeps at most maxEntries accounts and still serves evicted ones again', async () => {
    // two more (failing) accounts do not stay; the good one is rebuilt if evicted
    expect(srv.pool?.size).toBe(1);
    for (const n of [1, 2, 3]) {
      const bad = await fmzPost(srv.url, '/kucoin', call('accounts', {}, { ak: `k${n}xxxx`, sk: `s${n}xxxx,p` }));
      expect(bad.body.error).toMatch(/DG_E_VENUE_AUTH/);
    }
    expect(srv.pool?.size).toBe(1); // failed connects are not kept
    const r = await post('ticker', { symbol: 'BTC_USDT' });
    expect((r.body.data as { symbol: string }).symbol).toBe('BTC_USDT');
  });
});
