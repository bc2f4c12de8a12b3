/**
 * ccxt's own `kucoin` and `ccxt.pro.kucoin` classes, unmodified, trade on the sim server: only the
 * REST base URLs are pointed at loopback (the WebSocket endpoint comes from bullet-public/private).
 */
import ccxt from 'ccxt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SimEngine } from '../../src/venue/sim/engine.js';
import { pointCcxtKucoinAt, pointCcxtProKucoinAt } from '../../src/venue/sim/server/ccxt-urls.js';
import { startSimServer, type SimServer } from '../../src/venue/sim/server/index.js';
import { CLASSIC, makeEngine, TestFlow, TRADER } from './support.js';

const SYM = 'BTC/USDT';
let engine: SimEngine;
let srv: SimServer;
let flow: TestFlow;
let timer: NodeJS.Timeout | undefined;

function startFlow(): void {
  if (timer) return;
  timer = setInterval(() => {
    for (let i = 0; i < 3; i++) flow.step();
  }, 15);
}
function stopFlow(): void {
  if (timer) clearInterval(timer);
  timer = undefined;
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** A flag that turns true once the promise settles. */
function settled(p: Promise<unknown>): { value: boolean } {
  const flag = { value: false };
  p.then(
    () => (flag.value = true),
    () => (flag.value = true),
  );
  return flag;
}

function client(key: { key: string; secret: string; passphrase: string }) {
  const ex = new ccxt.pro.kucoin({
    apiKey: key.key,
    secret: key.secret,
    password: key.passphrase,
    enableRateLimit: false,
  });
  return pointCcxtKucoinAt(ex, srv.url);
}

const hold = (currency: string) => Number(engine.formatAmount(currency, engine.balance('trader', currency).hold));

beforeAll(async () => {
  engine = makeEngine();
  flow = new TestFlow(engine, 'BTC-USDT', 5);
  flow.seed(40);
  for (let i = 0; i < 300; i++) flow.step();
  srv = await startSimServer({ engine, apiKeys: [TRADER, CLASSIC] });
});
afterAll(async () => {
  stopFlow();
  await srv.close();
});

describe('ccxt kucoin (REST) on the sim', () => {
  const ex = () => client(TRADER);
  let k: ReturnType<typeof ex>;
  beforeAll(() => {
    k = ex();
  });
  afterAll(async () => {
    await k.close();
  });

  it('loadMarkets: spot markets with the engine grids, HF account detected', async () => {
    const markets = await k.loadMarkets();
    expect(markets[SYM]).toMatchObject({ id: 'BTC-USDT', base: 'BTC', quote: 'USDT', spot: true, active: true });
    expect(markets[SYM]!.precision).toEqual({ amount: 0.00001, price: 0.1 });
    expect(markets[SYM]!.limits.amount!.min).toBe(0.00001);
    expect(k.options.hf).toBe(true);
    expect(k.currencies.USDT.code).toBe('USDT');
  });

  it('fetchTicker: best bid/ask and last as the engine', async () => {
    const t = await k.fetchTicker(SYM);
    expect(t.bid).toBe(Number(engine.formatPrice('BTC-USDT', engine.bestBid('BTC-USDT') as number)));
    expect(t.ask).toBe(Number(engine.formatPrice('BTC-USDT', engine.bestAsk('BTC-USDT') as number)));
    const last = engine.ticker('BTC-USDT').last as number;
    expect(t.last).toBe(Number(engine.formatPrice('BTC-USDT', last)));
  });

  it('fetchOrderBook: full (signed v3) and part (level2_20) books equal the engine', async () => {
    const ob = await k.fetchOrderBook(SYM);
    const snap = engine.l2Snapshot('BTC-USDT', 100000);
    expect(ob.nonce).toBe(snap.seq);
    expect(ob.bids.length).toBe(snap.bids.length);
    expect(ob.bids[0]).toEqual([
      Number(engine.formatPrice('BTC-USDT', snap.bids[0][0])),
      Number(engine.formatSize('BTC-USDT', snap.bids[0][1])),
    ]);
    expect(ob.asks[0][0]).toBe(Number(engine.formatPrice('BTC-USDT', snap.asks[0][0])));
    const part = await k.fetchOrderBook(SYM, 20);
    expect(part.bids.length).toBe(20);
  });

  it('fetchTrades and fetchOHLCV', async () => {
    const trades = await k.fetchTrades(SYM);
    expect(trades.length).toBeGreaterThan(0);
    const newest = engine.trades('BTC-USDT', 1)[0];
    const last = trades[trades.length - 1];
    expect(last.price).toBe(Number(engine.formatPrice('BTC-USDT', newest.price)));
    expect(last.side).toBe(newest.takerSide);
    expect(last.timestamp).toBe(newest.ts);
    const bars = await k.fetchOHLCV(SYM, '1m');
    expect(bars.length).toBeGreaterThan(0);
    const [ts, o, h, l, c, v] = bars[bars.length - 1];
    expect((ts as number) % 60_000).toBe(0);
    expect(h).toBeGreaterThanOrEqual(Math.max(o as number, c as number));
    expect(l).toBeLessThanOrEqual(Math.min(o as number, c as number));
    expect(v).toBeGreaterThan(0);
  });

  it('fetchBalance, createOrder (limit), fetchOpenOrders, fetchOrder, cancelOrder, fetchClosedOrders', async () => {
    const b0 = await k.fetchBalance();
    expect(b0.USDT.total).toBe(1_000_000);
    expect(b0.USDT.used).toBe(hold('USDT'));
    const o = await k.createOrder(SYM, 'limit', 'buy', 0.01, 50000, { clientOrderId: 'ccxt-limit-1' });
    const id = o.id as string;
    expect(id).toMatch(/.+/);
    const b1 = await k.fetchBalance();
    expect(b1.USDT.used! - b0.USDT.used!).toBeCloseTo(500, 8);
    expect(b1.USDT.free! - b0.USDT.free!).toBeCloseTo(-500, 8);
    const open = await k.fetchOpenOrders(SYM);
    const mine = open.find((x) => x.id === o.id);
    expect(mine).toMatchObject({
      price: 50000,
      amount: 0.01,
      side: 'buy',
      type: 'limit',
      status: 'open',
      clientOrderId: 'ccxt-limit-1',
    });
    const got = await k.fetchOrder(id, SYM);
    expect(got).toMatchObject({ id, status: 'open', filled: 0, remaining: 0.01 });
    await k.cancelOrder(id, SYM);
    const after = await k.fetchOrder(id, SYM);
    expect(after.status).toBe('canceled');
    const closed = await k.fetchClosedOrders(SYM);
    expect(closed.find((x) => x.id === o.id)?.status).toBe('canceled');
    expect((await k.fetchOpenOrders(SYM)).find((x) => x.id === o.id)).toBeUndefined();
    const b2 = await k.fetchBalance();
    expect(b2.USDT.used).toBe(b0.USDT.used);
  });

  it('createOrder (market) fills against the book; fetchMyTrades shows the fill', async () => {
    const bestAsk = Number(engine.formatPrice('BTC-USDT', engine.bestAsk('BTC-USDT') as number));
    const btc0 = (await k.fetchBalance()).BTC.total as number;
    const o = await k.createOrder(SYM, 'market', 'buy', 0.001);
    const got = await k.fetchOrder(o.id as string, SYM);
    expect(got).toMatchObject({ status: 'closed', filled: 0.001, type: 'market', side: 'buy' });
    expect(got.average).toBeGreaterThanOrEqual(bestAsk);
    const trades = await k.fetchMyTrades(SYM);
    const fills = trades.filter((t) => t.order === o.id);
    expect(fills.length).toBeGreaterThan(0);
    expect(fills.reduce((s, t) => s + (t.amount as number), 0)).toBeCloseTo(0.001, 10);
    expect(fills[0].takerOrMaker).toBe('taker');
    expect(fills[0].fee?.currency).toBe('BTC');
    const btc1 = (await k.fetchBalance()).BTC.total as number;
    // bought 0.001 BTC, fee 10 bps paid in BTC
    expect(btc1 - btc0).toBeCloseTo(0.001 - 0.000001, 10);
  });

  it('fetchTime, fetchStatus, fetchTickers, fetchOrder by clientOrderId, cancelAllOrders', async () => {
    expect(Math.abs((await k.fetchTime())! - Date.now())).toBeLessThan(60_000);
    expect((await k.fetchStatus()).status).toBe('ok');
    const tickers = await k.fetchTickers();
    expect(Object.keys(tickers).sort()).toEqual(['BTC/USDT', 'ETH/USDT']);
    expect(tickers[SYM].bid).toBe(Number(engine.formatPrice('BTC-USDT', engine.bestBid('BTC-USDT') as number)));
    const a = await k.createOrder(SYM, 'limit', 'buy', 0.001, 40000, { clientOrderId: 'ccxt-coid-a' });
    await k.createOrder(SYM, 'limit', 'buy', 0.001, 40001);
    expect((await k.fetchOrder('', SYM, { clientOrderId: 'ccxt-coid-a' })).id).toBe(a.id);
    expect(engine.activeOrders('trader', 'BTC-USDT').length).toBe(2);
    await k.cancelAllOrders(SYM);
    expect(engine.activeOrders('trader', 'BTC-USDT').length).toBe(0);
    expect(await k.fetchOpenOrders(SYM)).toEqual([]);
    await expect(k.cancelOrder(a.id as string, SYM)).rejects.toBeInstanceOf(ccxt.OrderNotFound);
    await expect(k.createOrder(SYM, 'limit', 'buy', 1000, 50000)).rejects.toBeInstanceOf(ccxt.InsufficientFunds);
    // ccxt rounds amounts itself; a raw off-lot size in params reaches the server: KuCoin's message ⇒ InvalidOrder
    await expect(k.createOrder(SYM, 'limit', 'buy', 0.00002, 50000, { size: '0.000015' })).rejects.toBeInstanceOf(
      ccxt.InvalidOrder,
    );
    expect(engine.activeOrders('trader', 'BTC-USDT').length).toBe(0);
  });

  it('a bad secret or key is an AuthenticationError through ccxt', async () => {
    const bad = pointCcxtKucoinAt(
      new ccxt.kucoin({ apiKey: TRADER.key, secret: 'not-the-secret', password: TRADER.passphrase }),
      srv.url,
    );
    await expect(bad.loadMarkets()).rejects.toBeInstanceOf(ccxt.AuthenticationError);
    const unknown = pointCcxtKucoinAt(new ccxt.kucoin({ apiKey: 'nobody', secret: 's', password: 'p' }), srv.url);
    await expect(unknown.fetchBalance()).rejects.toThrow(/400003/);
  });
});

describe('ccxt kucoin classic (non-HF) endpoints on the sim', () => {
  it('limit order, open/closed lists, cancel and my trades through /api/v1/orders', async () => {
    const k = client(CLASSIC);
    try {
      await k.loadMarkets();
      expect(k.options.hf).toBe(false);
      const bal = await k.fetchBalance();
      expect(bal.BTC.total).toBe(10);
      const o = await k.createOrder(SYM, 'limit', 'sell', 0.5, 70000);
      expect((await k.fetchOpenOrders(SYM)).map((x) => x.id)).toContain(o.id);
      expect((await k.fetchBalance()).BTC.used).toBe(0.5);
      await k.cancelOrder(o.id as string, SYM);
      expect((await k.fetchOrder(o.id as string, SYM)).status).toBe('canceled');
      const m = await k.createOrder(SYM, 'market', 'sell', 0.002);
      expect((await k.fetchOrder(m.id as string)).status).toBe('closed');
      expect((await k.fetchClosedOrders(SYM)).map((x) => x.id)).toEqual(expect.arrayContaining([o.id, m.id]));
      const mt = await k.fetchMyTrades(SYM);
      expect(mt.filter((t) => t.order === m.id).reduce((s, t) => s + (t.amount as number), 0)).toBeCloseTo(0.002, 10);
    } finally {
      await k.close();
    }
  });
});

describe('ccxt.pro kucoin (WebSocket) on the sim', () => {
  let k: ReturnType<typeof client>;
  beforeAll(async () => {
    k = client(TRADER);
    await k.loadMarkets();
  });
  afterAll(async () => {
    stopFlow();
    await k.close();
  });
  beforeAll(async () => {
    await pointCcxtProKucoinAt(k, srv.url);
  });

  it('watchOrderBook syncs deltas onto the snapshot and equals the engine book', async () => {
    startFlow();
    const first = await k.watchOrderBook(SYM);
    expect(first.bids.length).toBeGreaterThan(0);
    stopFlow();
    // the flow is stopped: wait for ccxt's book (updated on every frame) to reach the engine sequence
    flow.step();
    const target = engine.seq('BTC-USDT');
    const deadline = Date.now() + 20_000;
    while ((k.orderbooks[SYM]?.nonce ?? 0) < target && Date.now() < deadline) await sleep(10);
    const ob = k.orderbooks[SYM]!;
    expect(ob.nonce).toBe(target);
    const snap = engine.l2Snapshot('BTC-USDT', 100000);
    const fmt = (rows: Array<[number, number]>) =>
      rows.map(([p, s]) => [Number(engine.formatPrice('BTC-USDT', p)), Number(engine.formatSize('BTC-USDT', s))]);
    // ccxt keeps the change's sequence as a third element on levels set by a delta
    const two = (rows: number[][]) => rows.slice(0, 50).map((r) => [r[0], r[1]]);
    expect(two(ob.bids as number[][])).toEqual(fmt(snap.bids).slice(0, 50));
    expect(two(ob.asks as number[][])).toEqual(fmt(snap.asks).slice(0, 50));
  });

  it('watchTrades delivers public trades with the engine price and side', async () => {
    // the subscription is acknowledged asynchronously: trade until the watcher sees one
    const p = k.watchTrades(SYM);
    const done = settled(p);
    while (!done.value) {
      const res = engine.placeOrder({ account: 'flow', symbol: 'BTC-USDT', side: 'sell', type: 'market', size: 5 });
      expect(res.ok).toBe(true);
      await sleep(50);
    }
    const trades = await p;
    const last = trades[trades.length - 1];
    const t = engine.trades('BTC-USDT', 1000).find((x) => x.tradeId === last.id);
    expect(t).toBeDefined();
    expect(last.side).toBe('sell');
    expect(last.price).toBe(Number(engine.formatPrice('BTC-USDT', t!.price)));
    expect(last.amount).toBe(Number(engine.formatSize('BTC-USDT', t!.size)));
  });

  it('watchTicker (/market/snapshot) and watchMyTrades (match messages of tradeOrders)', async () => {
    const tickerP = k.watchTicker(SYM);
    const tickerDone = settled(tickerP);
    while (!tickerDone.value) {
      expect(engine.placeOrder({ account: 'flow', symbol: 'BTC-USDT', side: 'buy', type: 'market', size: 2 }).ok).toBe(
        true,
      );
      await sleep(50);
    }
    const t = await tickerP;
    expect(t.symbol).toBe(SYM);
    expect(t.last).toBeGreaterThan(0);
    expect(t.bid).toBeLessThan(t.ask as number);
    const mineP = k.watchMyTrades(SYM);
    const mineDone = settled(mineP);
    const ids: string[] = [];
    while (!mineDone.value) {
      ids.push((await k.createOrder(SYM, 'market', 'sell', 0.0001)).id as string);
      await sleep(50);
    }
    const mine = await mineP;
    const fill = mine.find((x) => ids.includes(x.order as string));
    expect(fill).toMatchObject({ symbol: SYM, side: 'sell', takerOrMaker: 'taker' });
    const engineFill = engine.fills('trader', 'BTC-USDT', 100).find((f) => f.tradeId === fill!.id);
    expect(fill!.price).toBe(Number(engine.formatPrice('BTC-USDT', engineFill!.price)));
  });

  it('watchOrders and watchBalance follow a placed and cancelled order', async () => {
    const ordersP = k.watchOrders(SYM);
    const balanceP = k.watchBalance();
    const ordersDone = settled(ordersP);
    const balanceDone = settled(balanceP);
    const ids: string[] = [];
    // place until both private subscriptions have delivered (they are acknowledged asynchronously)
    do {
      ids.push((await k.createOrder(SYM, 'limit', 'buy', 0.02, 45000)).id as string);
      await sleep(50);
    } while (!ordersDone.value || !balanceDone.value);
    await ordersP;
    // ccxt's order cache is fed by every orderChange frame: wait for ours
    const deadline = Date.now() + 10_000;
    const cached = () => (k.orders ?? []).filter((x) => ids.includes(x.id as string));
    while (cached().length < ids.length && Date.now() < deadline) await sleep(10);
    const seen = cached();
    expect(seen.length).toBe(ids.length);
    expect(seen[0]).toMatchObject({ status: 'open', price: 45000, amount: 0.02, side: 'buy', symbol: SYM });
    const balNow = () => (k.balance['trade'] as { USDT?: { used: number; free: number } } | undefined)?.USDT;
    while (balNow()?.used !== hold('USDT') && Date.now() < deadline) await sleep(10);
    const bal = k.balance['trade'] as { USDT: { used: number; free: number } };
    expect(bal.USDT.used).toBe(hold('USDT'));
    expect(bal.USDT.free).toBe(Number(engine.formatAmount('USDT', engine.balance('trader', 'USDT').available)));
    const last = ids[ids.length - 1];
    const cancelledP = k.watchOrders(SYM);
    await k.cancelOrder(last, SYM);
    const after = await cancelledP;
    expect(after.find((x) => x.id === last)?.status).toBe('canceled');
    for (const id of ids.slice(0, -1)) await k.cancelOrder(id, SYM);
    expect(await k.fetchOpenOrders(SYM)).toEqual([]);
  });
});
