/**
 * CcxtVenue beyond the conformance suite, against the sim server through ccxt.pro kucoin: a
 * lost REST reply (timeout ⇒ order unknown, resolved by client id), malformed replies, the
 * gateway rate limiter, bad credentials, and the ccxt watchOrderBook (L2) book path.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { systemClock } from '../../src/core/clock.js';
import type { SimEngine } from '../../src/venue/sim/engine.js';
import { seededRandom } from '../../src/venue/backoff.js';
import { CcxtVenue, type CcxtCreateOptions } from '../../src/venue/ccxt/ccxt-venue.js';
import { pointCcxtProKucoinAt } from '../../src/venue/sim/server/ccxt-urls.js';
import { startSimServer, type SimServer } from '../../src/venue/sim/server/index.js';
import type { VenueEvent, VenueResult } from '../../src/venue/venue.js';
import { kcFetch, makeEngine, TestFlow, TRADER } from '../sim-server/support.js';
import { KucoinL3Stream } from '../../src/venue/ccxt/kucoin-l3-stream.js';
import { nodeTimers } from '../../src/venue/timers.js';
import { startRestProxy, type RestProxy } from './rest-proxy.js';

let engine: SimEngine;
let srv: SimServer;
let proxy: RestProxy;
let flow: TestFlow;
const venues: CcxtVenue[] = [];

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));
const code = <T>(r: VenueResult<T>) => (r.ok ? 'ok' : r.error.code);

async function makeVenue(over: Partial<CcxtCreateOptions> = {}, base = () => proxy.url): Promise<CcxtVenue> {
  const v = await CcxtVenue.create({
    exchangeId: 'kucoin',
    credentials: { apiKey: TRADER.key, secret: TRADER.secret, password: TRADER.passphrase },
    ccxtOptions: { enableRateLimit: false },
    configure: (ex) => pointCcxtProKucoinAt(ex as never, base()),
    rateLimit: { ratePerSec: 500, burst: 100 },
    reconnect: { baseMs: 50, maxMs: 500 },
    random: seededRandom(9),
    requestTimeoutMs: 3000,
    ...over,
  });
  venues.push(v);
  return v;
}

beforeAll(async () => {
  engine = makeEngine(systemClock, 17);
  flow = new TestFlow(engine, 'BTC-USDT', 31);
  flow.seed(30);
  for (let i = 0; i < 100; i++) flow.step();
  srv = await startSimServer({ engine, apiKeys: [TRADER] });
  proxy = await startRestProxy(srv.url);
});

afterAll(async () => {
  for (const v of venues) await v.close();
  await proxy.close();
  await srv.close();
});

describe('CcxtVenue edges', () => {
  it('a lost createOrder reply is DG_E_VENUE_TIMEOUT; the order is then found by client id and its stream events arrive', async () => {
    const v = await makeVenue({ requestTimeoutMs: 600 });
    const events: VenueEvent[] = [];
    v.on((e) => events.push(e));
    expect(code(await v.connect())).toBe('ok');
    const inst = v.instrument('BTC/USDT')!;
    proxy.stall = (m, p) => m === 'POST' && p.startsWith('/api/v1/hf/orders');
    const cid = 'edge-timeout-1';
    const bid = engine.bestBid('BTC-USDT')!;
    const r = await v.placeOrder({
      clientOrderId: cid,
      instrument: inst,
      side: 0,
      type: 'limit',
      price: bid - 300,
      size: 5,
    });
    proxy.stall = undefined;
    expect(code(r)).toBe('DG_E_VENUE_TIMEOUT');
    // the venue did get it: the kernel resolves the unknown state by client order id
    const q = await v.queryOrder(inst, cid);
    expect(q.ok && q.value.found && q.value.order.status).toBe('open');
    const vid = q.ok && q.value.found ? q.value.order.venueOrderId : '';
    expect(engine.order(vid)?.clientOid).toBe(cid);
    // and the private stream tracked it anyway (KuCoin's feed carries clientOid)
    const deadline = Date.now() + 5000;
    while (
      !events.some((e) => e.type === 'order' && e.order.clientOrderId === cid && e.order.status === 'open') &&
      Date.now() < deadline
    )
      await sleep(10);
    const mine = events.filter((e) => e.type === 'order' && e.order.clientOrderId === cid);
    expect(mine.map((e) => (e.type === 'order' ? e.order.status : ''))).toEqual(['received', 'open']);
    expect(code(await v.cancelOrder({ instrument: inst, clientOrderId: cid }))).toBe('ok');
  }, 20_000);

  it('malformed replies are DG_E_VENUE_BAD_REPLY', async () => {
    const v = await makeVenue();
    expect(code(await v.connect())).toBe('ok');
    const inst = v.instrument('BTC/USDT')!;
    const bid = engine.bestBid('BTC-USDT')!;
    // createOrder answered without an order id: outcome unknown, a stable code
    proxy.rewrite = (m, p) =>
      m === 'POST' && p.startsWith('/api/v1/hf/orders') ? '{"code":"200000","data":{}}' : undefined;
    const r = await v.placeOrder({
      clientOrderId: 'edge-bad-1',
      instrument: inst,
      side: 0,
      type: 'limit',
      price: bid - 400,
      size: 2,
    });
    expect(code(r)).toBe('DG_E_VENUE_BAD_REPLY');
    // an order reply with an off-grid size (half a lot)
    proxy.rewrite = (m, p, body) =>
      m === 'GET' && p.includes('/client-order/') ? body.replace(/"size":"[0-9.]+"/, '"size":"0.000015"') : undefined;
    const q = await v.queryOrder(inst, 'edge-bad-1');
    expect(code(q)).toBe('DG_E_VENUE_BAD_REPLY');
    // a reply that is not JSON at all
    proxy.rewrite = (m, p) => (p.startsWith('/api/v1/accounts') ? '<html>502 Bad Gateway</html>' : undefined);
    const b = await v.balances();
    expect(code(b)).toBe('DG_E_VENUE_BAD_REPLY');
    proxy.rewrite = undefined;
    expect(code(await v.cancelOrder({ instrument: inst, clientOrderId: 'edge-bad-1' }))).toBe('ok');
  }, 20_000);

  it('the gateway rate limiter refuses (reject mode) or queues (wait mode) before ccxt is called', async () => {
    const v = await makeVenue({ rateLimit: { ratePerSec: 0.01, burst: 8, mode: 'reject' } });
    expect(code(await v.connect())).toBe('ok');
    const codes: string[] = [];
    for (let i = 0; i < 10; i++) codes.push(code(await v.balances()));
    expect(codes).toContain('DG_E_RATE_LIMITED');
    const firstRefused = codes.indexOf('DG_E_RATE_LIMITED');
    expect(codes.slice(firstRefused).every((c) => c === 'DG_E_RATE_LIMITED')).toBe(true);
    expect(v.limiter.refused).toBe(codes.length - firstRefused);
    const w = await makeVenue({ rateLimit: { ratePerSec: 50, burst: 1, mode: 'wait' } });
    expect(code(await w.connect())).toBe('ok');
    const results = await Promise.all([w.balances(), w.balances(), w.balances()]);
    expect(results.map(code)).toEqual(['ok', 'ok', 'ok']);
    expect(w.limiter.waited).toBeGreaterThan(0);
  }, 20_000);

  it('bad credentials are DG_E_VENUE_AUTH', async () => {
    const v = await CcxtVenue.create({
      exchangeId: 'kucoin',
      credentials: { apiKey: TRADER.key, secret: 'wrong', password: TRADER.passphrase },
      ccxtOptions: { enableRateLimit: false },
      configure: (ex) => pointCcxtProKucoinAt(ex as never, srv.url),
    });
    venues.push(v);
    expect(code(await v.connect())).toBe('DG_E_VENUE_AUTH');
  });

  it('lost server: streams back off exponentially on the injected timers, state disconnected', async () => {
    const srv2 = await startSimServer({ engine, apiKeys: [TRADER] });
    const delays: number[] = [];
    const timers = {
      setTimeout: (fn: () => void, ms: number) => {
        delays.push(ms);
        return setTimeout(fn, ms);
      },
      clearTimeout: (h: unknown) => clearTimeout(h as ReturnType<typeof setTimeout>),
    };
    const v = await makeVenue({ timers, reconnect: { baseMs: 37, maxMs: 300, jitter: 0 } }, () => srv2.url);
    const events: VenueEvent[] = [];
    v.on((e) => events.push(e));
    expect(code(await v.connect())).toBe('ok');
    srv2.dropConnections();
    await srv2.close();
    const deadline = Date.now() + 10_000;
    while (!delays.includes(148) && Date.now() < deadline) await sleep(10);
    expect(v.state).toBe('disconnected');
    expect(events.some((e) => e.type === 'connection' && e.state === 'disconnected')).toBe(true);
    const backoffs = delays.filter((d) => [37, 74, 148, 296, 300].includes(d));
    expect(backoffs.indexOf(37)).toBeLessThan(backoffs.indexOf(74));
    expect(backoffs.indexOf(74)).toBeLessThan(backoffs.indexOf(148));
    expect(v.streamFailures).toBeGreaterThanOrEqual(3);
    await v.close();
  }, 20_000);

  it('KuCoin L3 stream: feed received links clientOid → orderId (S3.3), book equals the engine order by order', async () => {
    const inst = engine.market('BTC-USDT')!.instrument;
    const links: Array<[string, string]> = [];
    const out: VenueEvent[] = [];
    const s = new KucoinL3Stream({
      inst,
      bullet: async () => (await kcFetch(srv.url, 'POST', '/api/v1/bullet-public')).body,
      snapshot: async () =>
        (await kcFetch(srv.url, 'GET', '/api/v3/market/orderbook/level3?symbol=BTC-USDT', { key: TRADER })).body,
      clock: systemClock,
      timers: nodeTimers,
      random: seededRandom(1),
      backoff: { baseMs: 20 },
      emit: (e) => out.push(e),
      onDown: () => undefined,
      onUp: () => undefined,
      onReceived: (c, o) => links.push([c, o]),
    });
    s.start();
    try {
      const deadline = Date.now() + 10_000;
      while (!s.sub.synced && Date.now() < deadline) {
        flow.step();
        await sleep(10);
      }
      expect(s.sub.synced).toBe(true);
      const res = engine.placeOrder({
        account: TRADER.accountId,
        symbol: 'BTC-USDT',
        side: 'buy',
        type: 'limit',
        price: engine.bestBid('BTC-USDT')! - 3,
        size: 2,
        clientOid: 'l3-link-1',
      });
      expect(res.ok).toBe(true);
      const id = res.ok ? res.order.orderId : '';
      while (!links.some(([c]) => c === 'l3-link-1') && Date.now() < deadline) await sleep(5);
      expect(links).toContainEqual(['l3-link-1', id]);
      const target = engine.seq('BTC-USDT');
      while (s.sub.seq < target && Date.now() < deadline) await sleep(5);
      expect(s.book.snapshot().bids).toEqual(
        engine
          .l3Snapshot('BTC-USDT')
          .bids.map((o) => ({ orderId: o.orderId, price: o.price, size: o.size, ts: expect.any(Number) })),
      );
      expect(s.book.queuePosition(id)).toBeDefined();
      expect(out.some((e) => e.type === 'book')).toBe(true);
      engine.cancelOrder(TRADER.accountId, id);
    } finally {
      s.stop();
    }
  }, 20_000);

  it('L2 book through ccxt watchOrderBook equals the engine', async () => {
    const v = await makeVenue({ book: 'l2' }, () => srv.url);
    expect(v.capabilities.l3).toBe(false);
    expect(code(await v.connect())).toBe('ok');
    const inst = v.instrument('BTC-USDT')!;
    // ccxt needs the book to move before its first snapshot
    const timer = setInterval(() => flow.step(), 10);
    const r = await v.subscribeBook(inst);
    clearInterval(timer);
    expect(code(r)).toBe('ok');
    if (!r.ok) return;
    expect(r.value.level).toBe('l2');
    flow.step();
    const target = engine.seq('BTC-USDT');
    const deadline = Date.now() + 10_000;
    while (r.value.seq < target && Date.now() < deadline) await sleep(10);
    expect(r.value.seq).toBe(target);
    const snap = engine.l2Snapshot('BTC-USDT', 20);
    expect(r.value.view.levels(0, 20)).toEqual(snap.bids);
    expect(r.value.view.levels(1, 20)).toEqual(snap.asks);
  }, 20_000);
});
