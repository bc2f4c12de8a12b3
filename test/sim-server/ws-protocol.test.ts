/**
 * The KuCoin WebSocket session protocol on the sim server, over real sockets: welcome, ping/pong,
 * subscribe/ack, multi-symbol topics, unsubscribe, private topics gated by a private token, and
 * bad input (malformed JSON, wrong fields, unknown topics/types, subscription floods, bad tokens).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import type { SimEngine } from '../../src/venue/sim/engine.js';
import { startSimServer, type SimServer } from '../../src/venue/sim/server/index.js';
import { kcFetch, makeEngine, TestFlow, TRADER } from './support.js';

let engine: SimEngine;
let srv: SimServer;
let flow: TestFlow;

beforeAll(async () => {
  engine = makeEngine();
  flow = new TestFlow(engine, 'BTC-USDT', 21);
  flow.seed(20);
  srv = await startSimServer({ engine, apiKeys: [TRADER], maxTopicsPerConnection: 5 });
});
afterAll(async () => {
  await srv.close();
});

type Frame = Record<string, unknown>;

class Client {
  readonly frames: Frame[] = [];
  private waiters: Array<{ pred: (f: Frame) => boolean; resolve: (f: Frame) => void }> = [];
  constructor(readonly ws: WebSocket) {
    ws.on('message', (raw: WebSocket.RawData) => {
      const f = JSON.parse(raw.toString()) as Frame;
      this.frames.push(f);
      this.waiters = this.waiters.filter((w) => {
        if (w.pred(f)) {
          w.resolve(f);
          return false;
        }
        return true;
      });
    });
  }
  next(pred: (f: Frame) => boolean, ms = 3000): Promise<Frame> {
    const hit = this.frames.find(pred);
    if (hit) {
      this.frames.splice(this.frames.indexOf(hit), 1);
      return Promise.resolve(hit);
    }
    return new Promise((resolve, reject) => {
      const t = setTimeout(() => reject(new Error('timeout waiting for frame')), ms);
      this.waiters.push({
        pred,
        resolve: (f) => {
          clearTimeout(t);
          this.frames.splice(this.frames.indexOf(f), 1);
          resolve(f);
        },
      });
    });
  }
  send(x: unknown): void {
    this.ws.send(typeof x === 'string' ? x : JSON.stringify(x));
  }
}

async function open(priv = false): Promise<Client> {
  const r = await kcFetch(
    srv.url,
    'POST',
    priv ? '/api/v1/bullet-private' : '/api/v1/bullet-public',
    priv ? { key: TRADER } : {},
  );
  const d = r.body.data as {
    token: string;
    instanceServers: Array<{ endpoint: string; pingInterval: number; protocol: string }>;
  };
  expect(d.instanceServers[0]).toMatchObject({ protocol: 'websocket', pingInterval: 18000 });
  const ws = new WebSocket(
    `${d.instanceServers[0].endpoint}?token=${encodeURIComponent(d.token)}&connectId=c${Date.now()}`,
  );
  const c = new Client(ws);
  await c.next((f) => f.type === 'welcome');
  return c;
}

const byId = (id: string) => (f: Frame) => f.id === id;

describe('sim server WebSocket protocol', () => {
  it('welcome, ping/pong, subscribe/ack on a multi-symbol topic, frames for each symbol, unsubscribe', async () => {
    const c = await open();
    c.send({ id: 'p1', type: 'ping' });
    expect(await c.next(byId('p1'))).toMatchObject({ type: 'pong' });
    c.send({ id: 's1', type: 'subscribe', topic: '/market/level2:BTC-USDT,ETH-USDT', response: true });
    expect(await c.next(byId('s1'))).toEqual({ id: 's1', type: 'ack' });
    flow.step();
    engine.placeOrder({ account: 'flow', symbol: 'ETH-USDT', side: 'buy', type: 'limit', price: 290000, size: 10 });
    const btc = await c.next((f) => f.topic === '/market/level2:BTC-USDT');
    expect(btc.subject).toBe('trade.l2update');
    // ETH: `received` moves no level (KuCoin's ["0","0",seq] placeholder), then `open` adds the bid
    const received = (await c.next((f) => f.topic === '/market/level2:ETH-USDT')).data as {
      sequenceEnd: number;
      changes: { asks: string[][] };
    };
    expect(received.changes.asks).toEqual([['0', '0', String(received.sequenceEnd)]]);
    const eth = await c.next((f) => f.topic === '/market/level2:ETH-USDT');
    const ed = eth.data as { sequenceStart: number; sequenceEnd: number; changes: { bids: string[][] } };
    expect(ed.sequenceStart).toBe(received.sequenceEnd + 1);
    expect(ed.sequenceEnd).toBe(engine.seq('ETH-USDT'));
    expect(ed.changes.bids[0]).toEqual(['2900', '0.001', String(ed.sequenceEnd)]);
    c.send({ id: 'u1', type: 'unsubscribe', topic: '/market/level2:BTC-USDT,ETH-USDT', response: true });
    expect(await c.next(byId('u1'))).toEqual({ id: 'u1', type: 'ack' });
    c.ws.close();
  });

  it('level2 frames are contiguous: each sequenceStart follows the previous sequenceEnd', async () => {
    const c = await open();
    c.send({ id: 's2', type: 'subscribe', topic: '/market/level2:BTC-USDT', response: true });
    await c.next(byId('s2'));
    for (let i = 0; i < 50; i++) flow.step();
    const target = engine.seq('BTC-USDT');
    let last: number | undefined;
    for (;;) {
      const f = await c.next((x) => x.topic === '/market/level2:BTC-USDT');
      const d = f.data as { sequenceStart: number; sequenceEnd: number };
      if (last !== undefined) expect(d.sequenceStart).toBe(last + 1);
      last = d.sequenceEnd;
      if (last === target) break;
    }
    c.ws.close();
  });

  it('match, ticker (one and all) and snapshot frames carry the trade and the engine bests', async () => {
    const c = await open();
    c.send({ id: 'm', type: 'subscribe', topic: '/market/match:BTC-USDT', response: true });
    c.send({ id: 't', type: 'subscribe', topic: '/market/ticker:BTC-USDT', response: true });
    c.send({ id: 'a', type: 'subscribe', topic: '/market/ticker:all', response: true });
    c.send({ id: 'n', type: 'subscribe', topic: '/market/snapshot:BTC-USDT', response: true });
    for (const id of ['m', 't', 'a', 'n']) expect(await c.next(byId(id))).toMatchObject({ type: 'ack' });
    const res = engine.placeOrder({ account: 'flow', symbol: 'BTC-USDT', side: 'buy', type: 'market', size: 3 });
    expect(res.ok).toBe(true);
    const trade = engine.trades('BTC-USDT', 1)[0];
    const px = engine.formatPrice('BTC-USDT', trade.price);
    const match = await c.next((f) => f.subject === 'trade.l3match');
    expect(match.topic).toBe('/market/match:BTC-USDT');
    expect(match.data).toMatchObject({
      symbol: 'BTC-USDT',
      side: 'buy',
      type: 'match',
      price: px,
      tradeId: trade.tradeId,
      makerOrderId: trade.makerOrderId,
      takerOrderId: trade.takerOrderId,
    });
    expect(BigInt((match.data as { time: string }).time) / 1_000_000n).toBe(BigInt(trade.ts));
    const ticker = await c.next((f) => f.subject === 'trade.ticker');
    expect(ticker.data).toMatchObject({
      price: px,
      bestAsk: engine.formatPrice('BTC-USDT', engine.bestAsk('BTC-USDT') as number),
    });
    const all = await c.next((f) => f.topic === '/market/ticker:all');
    expect(all.subject).toBe('BTC-USDT');
    const snap = await c.next((f) => f.subject === 'trade.snapshot');
    expect((snap.data as { data: Record<string, unknown> }).data).toMatchObject({
      symbol: 'BTC-USDT',
      lastTradedPrice: engine.formatPrice('BTC-USDT', engine.ticker('BTC-USDT').last as number),
    });
    c.ws.close();
  });

  it('private topics need a private token and carry only the token account', async () => {
    const pub = await open();
    pub.send({ id: 'x1', type: 'subscribe', topic: '/spotMarket/tradeOrders', privateChannel: true, response: true });
    expect(await pub.next(byId('x1'))).toMatchObject({ type: 'error', code: 401 });
    pub.ws.close();

    const c = await open(true);
    c.send({ id: 'o1', type: 'subscribe', topic: '/spotMarket/tradeOrdersV2', privateChannel: true, response: true });
    c.send({ id: 'b1', type: 'subscribe', topic: '/account/balance', privateChannel: true, response: true });
    await c.next(byId('o1'));
    await c.next(byId('b1'));
    flow.step(); // flow account activity must not show up
    const res = engine.placeOrderText({
      account: 'trader',
      symbol: 'BTC-USDT',
      side: 'buy',
      type: 'limit',
      price: '40000',
      size: '0.1',
      clientOid: 'ws-1',
    });
    expect(res.ok).toBe(true);
    const received = await c.next((f) => f.subject === 'orderChange' && (f.data as Frame).type === 'received');
    expect(received.data).toMatchObject({
      clientOid: 'ws-1',
      status: 'new',
      symbol: 'BTC-USDT',
      price: '40000',
      size: '0.1',
    });
    const opened = await c.next((f) => f.subject === 'orderChange' && (f.data as Frame).type === 'open');
    expect(opened.data).toMatchObject({ clientOid: 'ws-1', status: 'open', remainSize: '0.1' });
    const bal = await c.next((f) => f.subject === 'account.balance');
    expect(bal.data).toMatchObject({ currency: 'USDT', holdChange: '4000', relationEvent: 'trade.hold' });
    expect(c.frames.filter((f) => f.userId !== undefined && f.userId !== 'trader')).toEqual([]);
    c.ws.close();
  });

  it('answers bad input with KuCoin error frames and keeps the connection usable', async () => {
    const c = await open();
    c.send('{"id": "1", "type": ');
    expect(await c.next((f) => f.type === 'error')).toMatchObject({ code: 400 });
    c.send({ id: 42, type: 'subscribe' });
    expect(await c.next(byId('42'))).toMatchObject({ type: 'error', code: 400 });
    c.send({ id: 'e1', type: 'subscribe', topic: '/market/level2:NOPE-USDT' });
    expect(await c.next(byId('e1'))).toMatchObject({ type: 'error', code: 404 });
    c.send({ id: 'e2', type: 'subscribe', topic: '/no/such/topic:BTC-USDT' });
    expect(await c.next(byId('e2'))).toMatchObject({ type: 'error', code: 404 });
    c.send({ id: 'e3', type: 'dance' });
    expect(await c.next(byId('e3'))).toMatchObject({ type: 'error', code: 415, data: 'type is not supported' });
    c.send({ id: 'e4', type: ['subscribe'], topic: 5 });
    expect(await c.next((f) => f.type === 'error' && f.id === '')).toMatchObject({ code: 400 });
    // flood: 5 channel keys allowed on this server
    c.send({ id: 'f1', type: 'subscribe', topic: '/market/match:BTC-USDT,ETH-USDT', response: true });
    c.send({ id: 'f2', type: 'subscribe', topic: '/market/ticker:BTC-USDT,ETH-USDT', response: true });
    c.send({ id: 'f3', type: 'subscribe', topic: '/spotMarket/level3:BTC-USDT,ETH-USDT', response: true });
    expect(await c.next(byId('f1'))).toMatchObject({ type: 'ack' });
    expect(await c.next(byId('f2'))).toMatchObject({ type: 'ack' });
    expect(await c.next(byId('f3'))).toMatchObject({ type: 'error', code: 509 });
    c.send({ id: 'p2', type: 'ping' });
    expect(await c.next(byId('p2'))).toMatchObject({ type: 'pong' });
    c.ws.close();
  });

  it('closes a session that stops pinging, keeps one that pings', async () => {
    const s2 = await startSimServer({ engine, idleTimeoutMs: 400 });
    try {
      const tokenOf = async () =>
        ((await kcFetch(s2.url, 'POST', '/api/v1/bullet-public')).body.data as { token: string }).token;
      const silent = new WebSocket(`${s2.wsUrl}?token=${encodeURIComponent(await tokenOf())}`);
      const chatty = new Client(new WebSocket(`${s2.wsUrl}?token=${encodeURIComponent(await tokenOf())}`));
      await chatty.next((f) => f.type === 'welcome');
      const pinger = setInterval(() => chatty.send({ id: 'k', type: 'ping' }), 100);
      const closed = await new Promise<number>((r) => silent.once('close', (code: number) => r(code)));
      expect(closed).toBe(1000);
      expect(chatty.ws.readyState).toBe(WebSocket.OPEN);
      clearInterval(pinger);
      chatty.ws.close();
    } finally {
      await s2.close();
    }
  });

  it('refuses a bad token with an error frame and a close', async () => {
    const ws = new WebSocket(`${srv.wsUrl}?token=forged&connectId=x`);
    const c = new Client(ws);
    const closed = new Promise<number>((r) => ws.once('close', (code: number) => r(code)));
    expect(await c.next((f) => f.type === 'error')).toMatchObject({ code: 401, data: 'token is expired' });
    expect(await closed).toBe(1008);
    expect((await kcFetch(srv.url, 'GET', '/api/v1/timestamp')).body.code).toBe('200000');
  });
});
