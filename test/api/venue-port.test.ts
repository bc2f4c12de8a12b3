/**
 * createVenuePort over (a) SimVenue + the sim engine's market data and (b) CcxtVenue (ccxt.pro
 * kucoin against the sim's KuCoin server) + ccxt market data; both checked against the engine.
 * Plus the FMZ ccxt pool's LRU eviction with two real accounts.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { L3Book } from '../../src/book/l3-book.js';
import { systemClock } from '../../src/core/clock.js';
import type { GatewayPort } from '../../src/api/gateway-port.js';
import { createCcxtMarketData } from '../../src/api/market-data-ccxt.js';
import { createVenuePort } from '../../src/api/venue-port.js';
import { CcxtPool } from '../../src/api/fmz/ccxt-pool.js';
import { parseCredentials } from '../../src/api/fmz/credentials.js';
import { CcxtVenue } from '../../src/venue/ccxt/ccxt-venue.js';
import { pointCcxtProKucoinAt } from '../../src/venue/sim/server/ccxt-urls.js';
import { startSimServer, type SimServer } from '../../src/venue/sim/server/index.js';
import type { SimEngine } from '../../src/venue/sim/engine.js';
import { CLASSIC, makeEngine, TestFlow, TRADER } from '../sim-server/support.js';
import { simRig, type SimRig } from './fmz-support.js';

describe('venue port over SimVenue + sim market data', () => {
  let rig: SimRig;
  beforeAll(async () => {
    rig = await simRig(10, 5);
  });
  afterAll(async () => {
    await rig.venue.close();
  });

  it('finds instruments in any notation', () => {
    const p = rig.port;
    expect(p.name).toBe('sim');
    for (const n of ['ETH-USDT', 'ETH/USDT', 'ETH_USDT', 'eth_usdt', 'ethusdt'])
      expect(p.instrument(n)?.native).toBe('ETH-USDT');
    expect(p.instrument('DOGE_USDT')).toBeUndefined();
    expect(p.instrument('USDT')).toBeUndefined();
    expect(p.instruments().length).toBe(3);
  });

  it('book and l3Book are synced with the engine', async () => {
    const inst = rig.port.instrument('BTC-USDT')!;
    const b = await rig.port.book(inst);
    if (!b.ok) throw b.error;
    expect(b.value.bestBid()).toBe(rig.engine.bestBid('BTC-USDT'));
    expect(b.value.bestAsk()).toBe(rig.engine.bestAsk('BTC-USDT'));
    const l3 = await rig.port.l3Book(inst);
    if (!l3.ok) throw l3.error;
    expect(l3.value).toBeInstanceOf(L3Book);
    const snap = rig.engine.l2Snapshot('BTC-USDT', 5);
    expect(l3.value.levels(1, 5)).toEqual(snap.asks);
  });

  it('ticker, trades, candles from the engine; bad period refused', async () => {
    const inst = rig.port.instrument('ETH-USDT')!;
    const t = await rig.port.ticker(inst);
    if (!t.ok) throw t.error;
    expect(t.value.bid).toBe(rig.engine.bestBid('ETH-USDT'));
    expect(t.value.volume).toBe(rig.engine.ticker('ETH-USDT').volume24h);
    const tr = await rig.port.trades(inst, 7);
    if (!tr.ok) throw tr.error;
    expect(tr.value.map((x) => x.id)).toEqual(rig.engine.trades('ETH-USDT', 7).map((x) => x.tradeId));
    const c = await rig.port.candles(inst, 5, 2);
    if (!c.ok) throw c.error;
    expect(c.value.length).toBe(2);
    expect(c.value[1][0] - c.value[0][0]).toBe(300_000);
    const bad = await rig.port.candles(inst, 7, 2);
    expect(!bad.ok && bad.error.code).toBe('DG_E_BAD_INPUT');
  });

  it('open orders carry the average price once partly filled; closed orders newest first', async () => {
    const inst = rig.port.instrument('ETH-USDT')!;
    const ask = rig.engine.l2Snapshot('ETH-USDT', 1).asks[0];
    const placed = await rig.port.placeOrder({
      clientOrderId: 'vp-partial-1',
      instrument: inst,
      side: 0,
      type: 'limit',
      price: ask[0],
      size: ask[1] + 10,
    });
    if (!placed.ok) throw placed.error;
    const open = await rig.port.openOrders(inst);
    if (!open.ok) throw open.error;
    const o = open.value.find((x) => x.clientOrderId === 'vp-partial-1')!;
    expect(o.status).toBe('partial');
    expect(o.filledSize).toBe(ask[1]);
    expect(o.avgPrice).toBe(rig.engine.formatPrice('ETH-USDT', ask[0]));
    const byClient = await rig.port.order(inst, { clientOrderId: 'vp-partial-1' });
    expect(byClient.ok && byClient.value.venueOrderId).toBe(placed.value.venueOrderId);
    const c = await rig.port.cancelOrder(inst, { venueOrderId: placed.value.venueOrderId });
    expect(c.ok).toBe(true);
    const closed = await rig.port.closedOrders(inst, undefined, 5);
    if (!closed.ok) throw closed.error;
    expect(closed.value[0].venueOrderId).toBe(placed.value.venueOrderId);
    expect(closed.value[0].status).toBe('canceled');
    const other = rig.port.instrument('BTC-USDT')!;
    const none = await rig.port.order(other, { venueOrderId: placed.value.venueOrderId });
    expect(!none.ok && none.error.code).toBe('DG_E_VENUE_UNKNOWN_ORDER');
  });
});

describe('venue port over CcxtVenue (kucoin → sim server) + ccxt market data', () => {
  let engine: SimEngine;
  let sim: SimServer;
  let venue: CcxtVenue;
  let port: GatewayPort;
  beforeAll(async () => {
    engine = makeEngine(systemClock, 9);
    const flow = new TestFlow(engine, 'ETH-USDT', 19);
    flow.seed(30);
    for (let i = 0; i < 300; i++) flow.step();
    sim = await startSimServer({ engine, apiKeys: [TRADER, CLASSIC] });
    venue = await CcxtVenue.create({
      exchangeId: 'kucoin',
      credentials: { apiKey: TRADER.key, secret: TRADER.secret, password: TRADER.passphrase },
      ccxtOptions: { enableRateLimit: false },
      configure: (ex) => pointCcxtProKucoinAt(ex as never, sim.url),
      rateLimit: { ratePerSec: 200, burst: 50 },
    });
    const up = await venue.connect();
    if (!up.ok) throw up.error;
    port = createVenuePort(venue, createCcxtMarketData({ exchange: venue.exchange }));
  });
  afterAll(async () => {
    await venue?.close();
    await sim?.close();
  });

  it('ticker, trades and candles equal the engine', async () => {
    const inst = port.instrument('ETH_USDT')!;
    const t = await port.ticker(inst);
    if (!t.ok) throw t.error;
    expect(t.value.bid).toBe(engine.bestBid('ETH-USDT'));
    expect(t.value.ask).toBe(engine.bestAsk('ETH-USDT'));
    expect(t.value.raw).toBeDefined();
    const tr = await port.trades(inst, 5);
    if (!tr.ok) throw tr.error;
    expect(tr.value[0].price).toBe(engine.trades('ETH-USDT', 1)[0].price);
    const c = await port.candles(inst, 1, 3);
    if (!c.ok) throw c.error;
    const eng = engine.candles('ETH-USDT', 1).slice(-c.value.length);
    expect(c.value.map((x) => x[0])).toEqual(eng.map((x) => x.start));
    expect(c.value.map((x) => x[4])).toEqual(eng.map((x) => x.close));
  });

  it('order by venue and client id, closed orders with average price, l3 book', async () => {
    const inst = port.instrument('ETH-USDT')!;
    const sell = await port.placeOrder({
      clientOrderId: 'vp-ccxt-1',
      instrument: inst,
      side: 1,
      type: 'market',
      size: 100,
    });
    if (!sell.ok) throw sell.error;
    const byId = await port.order(inst, { venueOrderId: sell.value.venueOrderId });
    if (!byId.ok) throw byId.error;
    expect(byId.value.status).toBe('filled');
    const eo = engine.order(sell.value.venueOrderId)!;
    expect(Number(byId.value.avgPrice)).toBeCloseTo(eo.filledFunds / 1e8 / 0.01, 6);
    const byClient = await port.order(inst, { clientOrderId: 'vp-ccxt-1' });
    expect(byClient.ok && byClient.value.venueOrderId).toBe(sell.value.venueOrderId);
    const closed = await port.closedOrders(inst, undefined, 10);
    if (!closed.ok) throw closed.error;
    expect(closed.value.some((o) => o.venueOrderId === sell.value.venueOrderId)).toBe(true);
    const l3 = await port.l3Book(inst);
    expect(l3.ok).toBe(true);
  });
});

describe('FMZ ccxt pool', () => {
  it('evicts the least recently used account and closes its venue', async () => {
    const engine = makeEngine(systemClock, 3);
    const sim = await startSimServer({ engine, apiKeys: [TRADER, CLASSIC] });
    const pool = new CcxtPool({
      maxEntries: 1,
      ccxtOptions: { enableRateLimit: false },
      configure: (ex) => pointCcxtProKucoinAt(ex as never, sim.url),
    });
    try {
      const sk1 = `${TRADER.secret},${TRADER.passphrase}`;
      const sk2 = `${CLASSIC.secret},${CLASSIC.passphrase}`;
      const a = await pool.target('kucoin', TRADER.key, sk1, parseCredentials(TRADER.key, sk1));
      const again = await pool.target('kucoin', TRADER.key, sk1, parseCredentials(TRADER.key, sk1));
      expect(again).toBe(a);
      const b = await pool.target('kucoin', CLASSIC.key, sk2, parseCredentials(CLASSIC.key, sk2));
      expect(b).not.toBe(a);
      expect(pool.size).toBe(1);
      const balA = await a.port.balances();
      expect(!balA.ok && balA.error.code).toBe('DG_E_VENUE_UNAVAILABLE'); // closed on eviction
      const balB = await b.port.balances();
      expect(balB.ok).toBe(true);
    } finally {
      await pool.close();
      await sim.close();
    }
  });

  it('OKX keys: passphrase from the secret, simulate ⇒ demo header; unreachable ⇒ not kept', async () => {
    let seen: { password?: unknown; secret?: unknown; headers?: Record<string, string> } | undefined;
    const pool = new CcxtPool({
      configure: (ex) => {
        seen = ex as never;
        // loopback port 1: nothing listens, nothing leaves the machine
        pointCcxtProKucoinAt(ex as never, 'http://127.0.0.1:1');
      },
      venue: { requestTimeoutMs: 3000 },
    });
    try {
      const sk = 'okx-secret,okx-pass,simulate';
      await expect(pool.target('okx', 'okx-key', sk, parseCredentials('okx-key', sk))).rejects.toMatchObject({
        code: 'DG_E_VENUE_UNAVAILABLE',
      });
      expect(seen?.secret).toBe('okx-secret');
      expect(seen?.password).toBe('okx-pass');
      expect(seen?.headers?.['x-simulated-trading']).toBe('1');
      expect(pool.size).toBe(0);
    } finally {
      await pool.close();
    }
  });

  it('parses secret,passphrase[,simulate]', () => {
    expect(parseCredentials('a', 's,p,simulate')).toEqual({ apiKey: 'a', secret: 's', password: 'p', simulate: true });
    expect(parseCredentials('a', 's')).toEqual({ apiKey: 'a', secret: 's', password: undefined, simulate: false });
  });
});
