/**
 * WebSocket /v1/stream over real loopback sockets against a GatewayPort over SimVenue + the sim
 * engine (seeded synthetic flow on a ManualClock): snapshot then contiguous updates that rebuild the
 * same book as GET /v1/book; public trades; own order events; balances; bad messages; limits.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fromUnits } from '../../src/core/decimal.js';
import { startHttpApi, type HttpApi } from '../../src/api/http/server.js';
import { simRig, type SimRig } from './fmz-support.js';
import { call, settle, StreamClient, until, type StreamMsg } from './http-support.js';

let rig: SimRig;
let api: HttpApi;
const clients: StreamClient[] = [];

beforeAll(async () => {
  rig = await simRig(5, 31);
  api = await startHttpApi({
    port: rig.port,
    portNumber: 0,
    rateLimit: { ratePerSec: 10_000, burst: 10_000 },
    stream: { maxSubscriptions: 4 },
    maxMessageBytes: 1024,
  });
});
afterAll(async () => {
  for (const c of clients) c.close();
  await api.close();
  await rig.venue.close();
});

async function open(): Promise<StreamClient> {
  const c = await StreamClient.open(api.url);
  clients.push(c);
  return c;
}

/** Run `seconds` of synthetic flow in 1 s steps, letting the venue and the stream deliver between. */
async function runFlow(seconds: number): Promise<void> {
  for (let i = 0; i < seconds; i++) {
    rig.flow.advanceTo(rig.clock.now() + 1_000);
    await settle(3);
  }
  await settle(5);
}

function updatesOf(c: StreamClient, channel: string, symbol?: string): StreamMsg[] {
  return c.messages.filter(
    (m) => m.type === 'update' && m.channel === channel && (symbol === undefined || m.symbol === symbol),
  );
}

function expectContiguous(msgs: StreamMsg[]): void {
  expect(msgs.map((m) => m.seq)).toEqual(msgs.map((_m, i) => i + 1));
}

type Levels = Array<[string, string]>;

describe('WebSocket /v1/stream', () => {
  it('book: snapshot + contiguous updates rebuild exactly the book GET /v1/book serves', async () => {
    const c = await open();
    c.send({ op: 'subscribe', channel: 'book', symbol: 'ETH-USDT', depth: 10 });
    const snap = await c.next((m) => m.type === 'snapshot' && m.channel === 'book');
    expect(snap).toMatchObject({ symbol: 'ETH/USDT', seq: 0 });
    const data = snap.data as { bids: Levels; asks: Levels; seq: number };
    const rest0 = await call<{ bids: Levels; asks: Levels }>(api.url, 'GET', '/v1/book/ETH-USDT?depth=10');
    expect(data.bids).toEqual(rest0.body.bids);
    const bids = new Map(data.bids);
    const asks = new Map(data.asks);

    await runFlow(40);
    const ups = updatesOf(c, 'book', 'ETH/USDT');
    expect(ups.length).toBeGreaterThan(5);
    expectContiguous(ups);
    for (const u of ups) {
      const d = u.data as { bids: Levels; asks: Levels };
      for (const [side, map] of [
        [d.bids, bids],
        [d.asks, asks],
      ] as const) {
        for (const [p, s] of side) {
          if (s === '0') map.delete(p);
          else map.set(p, s);
        }
      }
    }
    const rest = await call<{ bids: Levels; asks: Levels }>(api.url, 'GET', '/v1/book/ETH-USDT?depth=10');
    const sorted = (m: Map<string, string>, desc: boolean): Levels =>
      [...m.entries()].sort((a, b) => (desc ? Number(b[0]) - Number(a[0]) : Number(a[0]) - Number(b[0])));
    expect(sorted(bids, true)).toEqual(rest.body.bids);
    expect(sorted(asks, false)).toEqual(rest.body.asks);
  });

  it('trades: snapshot of recent prints, then every new print once, oldest first', async () => {
    const c = await open();
    c.send({ op: 'subscribe', channel: 'trades', symbol: 'ETH-USDT' });
    const snap = await c.next((m) => m.type === 'snapshot' && m.channel === 'trades');
    const before = new Set((snap.data as Array<{ id: string }>).map((t) => t.id));
    expect(before.size).toBeGreaterThan(0);
    await runFlow(30);
    const ups = updatesOf(c, 'trades');
    expectContiguous(ups);
    const got = ups.flatMap((u) => u.data as Array<{ id: string; price: string; size: string; side: string }>);
    const inst = rig.port.instrument('ETH-USDT')!;
    const engine = rig.engine
      .trades('ETH-USDT', 1000)
      .filter((t) => !before.has(t.tradeId))
      .reverse();
    expect(got.length).toBeGreaterThan(0);
    expect(got.map((t) => t.id)).toEqual(engine.map((t) => t.tradeId));
    expect(got[0]).toMatchObject({
      price: fromUnits(engine[0].price, inst.price),
      size: fromUnits(engine[0].size, inst.size),
      side: engine[0].takerSide,
    });
  });

  it('orders and balances: own order events and balance changes after a REST placement', async () => {
    const c = await open();
    c.send({ op: 'subscribe', channel: 'orders' });
    c.send({ op: 'subscribe', channel: 'balances' });
    await c.next((m) => m.type === 'snapshot' && m.channel === 'orders');
    const bsnap = await c.next((m) => m.type === 'snapshot' && m.channel === 'balances');
    expect((bsnap.data as { venue: unknown[]; slots: unknown }).slots).toBeNull();
    const inst = rig.port.instrument('ETH-USDT')!;
    const price = fromUnits(rig.engine.bestBid('ETH-USDT')! - 300, inst.price);
    const placed = await call(api.url, 'POST', '/v1/orders', {
      clientOrderId: 'ws-1',
      symbol: 'ETH-USDT',
      side: 'buy',
      price,
      size: fromUnits(inst.minLots * 5, inst.size),
    });
    expect(placed.status).toBe(201);
    await c.next((m) => m.channel === 'orders' && JSON.stringify(m.data).includes('"status":"open"'));
    await call(api.url, 'DELETE', '/v1/orders/ws-1?symbol=ETH-USDT');
    await c.next((m) => m.channel === 'orders' && JSON.stringify(m.data).includes('"status":"canceled"'));
    const orders = updatesOf(c, 'orders');
    expectContiguous(orders);
    const states = orders.map((m) => (m.data as { order: { clientOrderId: string; status: string } }).order);
    expect(states.every((o) => o.clientOrderId === 'ws-1')).toBe(true);
    expect(states.map((o) => o.status)).toEqual(expect.arrayContaining(['received', 'open', 'canceled']));
    await until(() => updatesOf(c, 'balances').length >= 1);
    const bal = updatesOf(c, 'balances');
    expectContiguous(bal);
    const usdt = (bal[0].data as { venue: Array<{ currency: string; used: string }> }).venue.find(
      (b) => b.currency === 'USDT',
    );
    expect(usdt).toBeDefined();
  });

  it('bad messages get error codes; limits; unsubscribe stops updates', async () => {
    const c = await open();
    const err = async (m: unknown, code: string) => {
      const from = c.messages.length;
      c.send(m);
      const e = await c.next((x) => x.type === 'error', from);
      expect(e.code).toBe(code);
    };
    await err('{not json', 'DG_E_MALFORMED_JSON');
    await err({ op: 'subscribe', channel: 'nope' }, 'DG_E_API_BAD_REQUEST');
    await err({ op: 'dance' }, 'DG_E_API_BAD_REQUEST');
    await err({ op: 'subscribe', channel: 'book' }, 'DG_E_API_BAD_REQUEST');
    await err({ op: 'subscribe', channel: 'book', symbol: 'DOGE-USDT' }, 'DG_E_UNKNOWN_INSTRUMENT');
    await err({ op: 'subscribe', channel: 'book', symbol: 'ETH-USDT', depth: 10_000 }, 'DG_E_API_BAD_REQUEST');
    await err({ op: 'unsubscribe', channel: 'book', symbol: 'ETH-USDT' }, 'DG_E_API_NOT_SUBSCRIBED');
    for (const s of ['BTC-USDT', 'ETH-USDT', 'LTC-USDT'])
      c.send({ op: 'subscribe', channel: 'book', symbol: s, depth: 5 });
    c.send({ op: 'subscribe', channel: 'orders' });
    await until(() => c.messages.filter((m) => m.type === 'snapshot').length === 4);
    await err({ op: 'subscribe', channel: 'orders', symbol: 'ETH-USDT' }, 'DG_E_API_SUBSCRIPTION_LIMIT');
    await err({ op: 'subscribe', channel: 'orders' }, 'DG_E_API_BAD_REQUEST');
    const from = c.messages.length;
    c.send({ op: 'unsubscribe', channel: 'book', symbol: 'eth_usdt' });
    await c.next((m) => m.type === 'unsubscribed' && m.symbol === 'ETH/USDT', from);
    const mark = c.messages.length;
    await runFlow(10);
    const after = c.messages.slice(mark).filter((m) => m.type === 'update');
    expect(after.some((m) => m.symbol === 'ETH/USDT')).toBe(false);
    expect(after.some((m) => m.symbol === 'BTC/USDT' || m.symbol === 'LTC/USDT')).toBe(true);
    c.send({ op: 'ping' });
    await c.next((m) => m.type === 'pong', mark);
    // a message over the size limit closes the connection (1009)
    const closed = new Promise<number>((r) => c.ws.once('close', (code) => r(code)));
    c.send({ op: 'subscribe', channel: 'book', symbol: 'x'.repeat(2000) });
    expect(await closed).toBe(1009);
  });
  it('client messages are rate limited per connection', async () => {
    const s = await startHttpApi({ port: rig.port, portNumber: 0, stream: { messagesPerSec: 0.5, messageBurst: 3 } });
    try {
      const c = await StreamClient.open(s.url);
      for (let i = 0; i < 5; i++) c.send({ op: 'ping' });
      await until(() => c.messages.length === 5);
      expect(c.messages.map((m) => (m.type === 'pong' ? 'pong' : m.code))).toEqual([
        'pong',
        'pong',
        'pong',
        'DG_E_RATE_LIMITED',
        'DG_E_RATE_LIMITED',
      ]);
      c.close();
    } finally {
      await s.close();
    }
  });
});
