/**
 * The native REST API over real loopback HTTP, against a GatewayPort over SimVenue + the sim engine
 * driven by seeded synthetic flow: every route, its errors as problem JSON with registry statuses,
 * place → get → list → cancel, the L3 queue position of an own order, the OpenAPI document, the
 * bearer token and the per-client rate limit.
 */
import { request } from 'node:http';
import { z } from 'zod';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fromUnits } from '../../src/core/decimal.js';
import { ERRORS } from '../../src/core/errors.js';
import type { Instrument } from '../../src/core/instrument.js';
import { startHttpApi, type HttpApi } from '../../src/api/http/server.js';
import { openApiPath } from '../../src/api/http/openapi.js';
import * as R from '../../src/api/http/responses.js';
import { simRig, type SimRig } from './fmz-support.js';
import { call, StreamClient, until } from './http-support.js';

let rig: SimRig;
let api: HttpApi;
let base: string;
const logLines: string[] = [];

beforeAll(async () => {
  rig = await simRig(10, 23);
  api = await startHttpApi({
    port: rig.port,
    portNumber: 0,
    rateLimit: { ratePerSec: 10_000, burst: 10_000 },
    bodyLimit: 4096,
    log: (l) => logLines.push(l),
  });
  base = api.url;
});
afterAll(async () => {
  await api.close();
  await rig.venue.close();
});

const eth = (): Instrument => rig.port.instrument('ETH-USDT')!;

function offGrid(text: string, decimals: number): string {
  const [i, f = ''] = text.split('.');
  return `${i}.${f.padEnd(decimals, '0')}1`;
}

function expectProblem(
  a: { status: number; headers: Headers; body: Record<string, unknown>; text: string },
  code: keyof typeof ERRORS,
) {
  expect(a.headers.get('content-type')).toMatch(/^application\/problem\+json/);
  expect(a.body.code).toBe(code);
  expect(a.status).toBe(ERRORS[code].status);
  expect(a.body.status).toBe(ERRORS[code].status);
  expect(a.body.title).toBe(ERRORS[code].message);
  expect(a.body.type).toBe(`/docs/errors#${code}`);
  expect(a.text).not.toMatch(/\bat .+\.(ts|js):\d+|stack/i);
}

describe('native REST API: market data', () => {
  it('health, instruments', async () => {
    const h = await call(base, 'GET', '/v1/health');
    expect(h.status).toBe(200);
    expect(h.body).toMatchObject({ status: 'ok', gateway: 'sim', instruments: 3, ledger: false });
    const i = await call<Array<Record<string, unknown>>>(base, 'GET', '/v1/instruments');
    expect(i.status).toBe(200);
    const e = i.body.find((x) => x.symbol === 'ETH/USDT')!;
    expect(e).toMatchObject({
      native: 'ETH-USDT',
      base: 'ETH',
      quote: 'USDT',
      tickSize: eth().tickSize,
      lotSize: eth().lotSize,
    });
  });

  it('GET /v1/book is the engine book in exact decimal strings, in any symbol notation', async () => {
    const inst = eth();
    const snap = rig.engine.l2Snapshot('ETH-USDT', 7);
    const want = {
      bids: snap.bids.map(([p, s]) => [fromUnits(p, inst.price), fromUnits(s, inst.size)]),
      asks: snap.asks.map(([p, s]) => [fromUnits(p, inst.price), fromUnits(s, inst.size)]),
    };
    for (const name of ['ETH-USDT', 'ETH_USDT', 'ethusdt', encodeURIComponent('ETH/USDT')]) {
      const b = await call(base, 'GET', `/v1/book/${name}?depth=7`);
      expect(b.status).toBe(200);
      expect(b.body).toMatchObject({ symbol: 'ETH/USDT', ...want });
      expect(typeof b.body.seq).toBe('number');
    }
    const def = await call<{ bids: unknown[] }>(base, 'GET', '/v1/book/ETH-USDT');
    expect(def.body.bids.length).toBe(Math.min(20, rig.engine.l2Snapshot('ETH-USDT', 100).bids.length));
  });

  it('book errors: unknown symbol, bad depth, unknown query parameter', async () => {
    expectProblem(await call(base, 'GET', '/v1/book/DOGE-USDT'), 'DG_E_UNKNOWN_INSTRUMENT');
    expectProblem(await call(base, 'GET', '/v1/book/ETH-USDT/l3'.replace('ETH', 'XRP')), 'DG_E_UNKNOWN_INSTRUMENT');
    for (const q of ['depth=abc', 'depth=0', 'depth=1.5', 'depth=100000', 'foo=1']) {
      const a = await call(base, 'GET', `/v1/book/ETH-USDT?${q}`);
      expectProblem(a, 'DG_E_API_BAD_REQUEST');
      expect(a.body.detail).toMatch(/^query /);
    }
  });
});

describe('native REST API: orders', () => {
  it('place → get → list open → cancel → get canceled → list closed', async () => {
    const inst = eth();
    const bid = rig.engine.bestBid('ETH-USDT')!;
    const price = fromUnits(bid - 200, inst.price);
    const size = fromUnits(inst.minLots * 3, inst.size);
    const placed = await call(base, 'POST', '/v1/orders', {
      clientOrderId: 'rest-1',
      symbol: 'ETH-USDT',
      side: 'buy',
      type: 'limit',
      price,
      size,
      timeInForce: 'GTC',
      postOnly: true,
    });
    expect(placed.status).toBe(201);
    expect(placed.body).toMatchObject({ clientOrderId: 'rest-1', symbol: 'ETH/USDT' });
    const venueOrderId = placed.body.venueOrderId as string;
    expect(rig.engine.order(venueOrderId)?.price).toBe(bid - 200);

    const got = await call(base, 'GET', '/v1/orders/rest-1?symbol=ETH-USDT');
    expect(got.status).toBe(200);
    expect(got.body).toMatchObject({
      clientOrderId: 'rest-1',
      venueOrderId,
      side: 'buy',
      price,
      size,
      filled: '0',
      status: 'open',
    });

    const open = await call<Array<Record<string, unknown>>>(base, 'GET', '/v1/orders?symbol=ETH-USDT&status=open');
    expect(open.body.map((o) => o.clientOrderId)).toContain('rest-1');
    const all = await call<Array<Record<string, unknown>>>(base, 'GET', '/v1/orders');
    expect(all.body.map((o) => o.clientOrderId)).toContain('rest-1');

    const dup = await call(base, 'POST', '/v1/orders', {
      clientOrderId: 'rest-1',
      symbol: 'ETH-USDT',
      side: 'buy',
      price,
      size,
    });
    expectProblem(dup, 'DG_E_VENUE_DUPLICATE_CLIENT_ID');

    const del = await call(base, 'DELETE', '/v1/orders/rest-1?symbol=ETH-USDT');
    expect(del.status).toBe(200);
    expect(del.body).toEqual({ clientOrderId: 'rest-1', venueOrderId });
    await until(async () => (await call(base, 'GET', '/v1/orders/rest-1?symbol=ETH-USDT')).body.status === 'canceled');
    const closed = await call<Array<Record<string, unknown>>>(
      base,
      'GET',
      '/v1/orders?symbol=ETH-USDT&status=closed&limit=5',
    );
    expect(closed.body[0]).toMatchObject({ clientOrderId: 'rest-1', status: 'canceled' });
    const open2 = await call<Array<Record<string, unknown>>>(base, 'GET', '/v1/orders?symbol=ETH-USDT');
    expect(open2.body.map((o) => o.clientOrderId)).not.toContain('rest-1');
  });

  it('a market order without client id gets one and fills', async () => {
    const inst = eth();
    const placed = await call(base, 'POST', '/v1/orders', {
      symbol: 'ETH/USDT',
      side: 'sell',
      type: 'market',
      size: fromUnits(inst.minLots, inst.size),
    });
    expect(placed.status).toBe(201);
    const cid = placed.body.clientOrderId as string;
    expect(cid).toMatch(/^h[0-9a-f]{8}-[0-9a-z]+$/);
    await until(async () => (await call(base, 'GET', `/v1/orders/${cid}?symbol=ETH-USDT`)).body.status === 'filled');
    const o = await call(base, 'GET', `/v1/orders/${cid}?symbol=ETH-USDT`);
    expect(o.body.filled).toBe(fromUnits(inst.minLots, inst.size));
    expect(typeof o.body.avgPrice).toBe('string');
  });

  it('order errors: off-grid, bad decimal, wrong types, missing fields, unknown ids, unknown symbol', async () => {
    const inst = eth();
    const price = fromUnits(rig.engine.bestBid('ETH-USDT')! - 50, inst.price);
    const size = fromUnits(inst.minLots, inst.size);
    const place = (b: Record<string, unknown>) =>
      call(base, 'POST', '/v1/orders', { symbol: 'ETH-USDT', side: 'buy', ...b });
    expectProblem(await place({ price: offGrid(price, inst.price.decimals), size }), 'DG_E_OFF_GRID');
    expectProblem(await place({ price, size: offGrid(size, inst.size.decimals) }), 'DG_E_OFF_GRID');
    expectProblem(await place({ price: '0', size }), 'DG_E_BAD_PRICE');
    expectProblem(await place({ price, size: '0' }), 'DG_E_BAD_SIZE');
    for (const bad of [
      { price: Number(price), size },
      { price, size, side: 'long' },
      { price, size: '1e3' },
      { price, size, postOnly: 'yes' },
      { price, size, extra: 1 },
      { size },
      { price },
      { type: 'market', price, size },
      { price, size, clientOrderId: 'has space' },
    ]) {
      expectProblem(await place(bad), 'DG_E_API_BAD_REQUEST');
    }
    expectProblem(
      await call(base, 'POST', '/v1/orders', { symbol: 'DOGE-USDT', side: 'buy', price, size }),
      'DG_E_UNKNOWN_INSTRUMENT',
    );
    expectProblem(await call(base, 'POST', '/v1/orders', [1, 2]), 'DG_E_API_BAD_REQUEST');
    expectProblem(await call(base, 'POST', '/v1/orders', 'null'), 'DG_E_API_BAD_REQUEST');
    expectProblem(await call(base, 'GET', '/v1/orders/nope-1?symbol=ETH-USDT'), 'DG_E_VENUE_UNKNOWN_ORDER');
    expectProblem(await call(base, 'DELETE', '/v1/orders/nope-1?symbol=ETH-USDT'), 'DG_E_VENUE_UNKNOWN_ORDER');
    expectProblem(await call(base, 'GET', '/v1/orders/nope-1'), 'DG_E_API_BAD_REQUEST');
    expectProblem(await call(base, 'GET', '/v1/orders?status=closed'), 'DG_E_API_BAD_REQUEST');
    expectProblem(await call(base, 'GET', '/v1/orders?status=gone'), 'DG_E_API_BAD_REQUEST');
  });

  it('L3 book marks an own order with its queue position (orders and size ahead)', async () => {
    const inst = eth();
    const l3 = await rig.port.l3Book(inst);
    if (!l3.ok) throw l3.error;
    const book = l3.value;
    const bid = book.bestBid()!;
    const aheadOrders = book.orderCountAt(0, bid);
    const aheadSize = book.sizeAt(0, bid);
    expect(aheadOrders).toBeGreaterThan(0);
    const size = fromUnits(inst.minLots * 2, inst.size);
    const placed = await call(base, 'POST', '/v1/orders', {
      clientOrderId: 'queue-1',
      symbol: 'ETH-USDT',
      side: 'buy',
      price: fromUnits(bid, inst.price),
      size,
      postOnly: true,
    });
    expect(placed.status).toBe(201);
    const vid = placed.body.venueOrderId as string;
    await until(() => book.has(vid));
    const r = await call<{ own: Array<Record<string, unknown>>; bids: Array<Record<string, unknown>>; seq: number }>(
      base,
      'GET',
      '/v1/book/ETH-USDT/l3?depth=500',
    );
    expect(r.status).toBe(200);
    expect(r.body.own).toEqual([
      {
        clientOrderId: 'queue-1',
        venueOrderId: vid,
        side: 'buy',
        price: fromUnits(bid, inst.price),
        size,
        ordersAhead: aheadOrders,
        sizeAhead: fromUnits(aheadSize, inst.size),
        levelSize: fromUnits(aheadSize + inst.minLots * 2, inst.size),
      },
    ]);
    const row = r.body.bids.find((b) => b.orderId === vid)!;
    expect(row.own).toMatchObject({ clientOrderId: 'queue-1', queue: { ordersAhead: aheadOrders } });
    expect(r.body.bids.filter((b) => b.own !== undefined).length).toBe(1);
    // the rows ahead of it at its price are exactly `ordersAhead`
    const idx = r.body.bids.findIndex((b) => b.orderId === vid);
    expect(r.body.bids.slice(0, idx).filter((b) => b.price === fromUnits(bid, inst.price)).length).toBe(aheadOrders);
    expect(typeof r.body.seq).toBe('number');
    await call(base, 'DELETE', '/v1/orders/queue-1?symbol=ETH-USDT');
  });

  it('balances without ledger access: venue balances, slots null; ledger commands 501', async () => {
    const b = await call<{ venue: Array<Record<string, string>>; slots: unknown }>(base, 'GET', '/v1/balances');
    expect(b.status).toBe(200);
    expect(b.body.slots).toBeNull();
    const usdt = b.body.venue.find((x) => x.currency === 'USDT')!;
    const eng = rig.engine.balances('trader').find((x) => x.currency === 'USDT')!;
    expect(usdt.total).toBe(rig.engine.formatAmount('USDT', eng.total));
    expectProblem(
      await call(base, 'POST', '/v1/allocate', { strategy: 'mm', currency: 'USDT', amount: '1', index: 2 }),
      'DG_E_API_NO_LEDGER',
    );
  });
});

describe('native REST API: protocol errors, docs', () => {
  it('malformed JSON, wrong media type, oversized body, empty body, wrong method, unknown path', async () => {
    expectProblem(await call(base, 'POST', '/v1/orders', '{"symbol":'), 'DG_E_MALFORMED_JSON');
    expectProblem(
      await call(base, 'POST', '/v1/orders', 'symbol=x', { 'content-type': 'text/plain' }),
      'DG_E_API_UNSUPPORTED_MEDIA',
    );
    const big = JSON.stringify({ symbol: 'ETH-USDT', side: 'buy', pad: 'x'.repeat(5000) });
    expectProblem(await call(base, 'POST', '/v1/orders', big), 'DG_E_API_TOO_LARGE');
    const empty = await fetch(`${base}/v1/orders`, { method: 'POST', headers: { 'content-type': 'application/json' } });
    expect(empty.status).toBe(400);
    expect(((await empty.json()) as { code: string }).code).toBe('DG_E_API_BAD_REQUEST');
    const wrong = await call(base, 'PUT', '/v1/orders', { a: 1 });
    expectProblem(wrong, 'DG_E_API_METHOD_NOT_ALLOWED');
    expect(wrong.headers.get('allow')).toBe('GET, HEAD, POST');
    const wrong2 = await call(base, 'POST', '/v1/book/ETH-USDT', { a: 1 });
    expectProblem(wrong2, 'DG_E_API_METHOD_NOT_ALLOWED');
    expect(wrong2.headers.get('allow')).toBe('GET, HEAD');
    expectProblem(await call(base, 'DELETE', '/v1/health'), 'DG_E_API_METHOD_NOT_ALLOWED');
    expectProblem(await call(base, 'GET', '/v2/nothing'), 'DG_E_API_NOT_FOUND');
    expectProblem(await call(base, 'GET', '/v1/stream'), 'DG_E_API_UPGRADE_REQUIRED');
    // fetch may not set Host: a raw request does (a DNS-rebinding page would send its own name)
    const hostAnswer = await new Promise<{ status: number; body: string }>((resolve, reject) => {
      const u = new URL(base);
      const req = request(
        { host: u.hostname, port: u.port, path: '/v1/health', headers: { host: 'evil.example:80' } },
        (res) => {
          let body = '';
          res.on('data', (c: Buffer) => (body += c.toString()));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
        },
      );
      req.on('error', reject);
      req.end();
    });
    expect(hostAnswer.status).toBe(403);
    expect(JSON.parse(hostAnswer.body).code).toBe('DG_E_API_BAD_HOST');
  });

  it('the OpenAPI document names every registered route; /docs and /docs/errors serve HTML', async () => {
    const doc = await call<{ openapi: string; paths: Record<string, Record<string, unknown>> }>(
      base,
      'GET',
      '/docs/openapi.json',
    );
    expect(doc.status).toBe(200);
    expect(doc.body.openapi).toBe('3.1.0');
    expect(api.routes.length).toBe(16);
    for (const r of api.routes) {
      expect(doc.body.paths[openApiPath(r.url)]?.[r.method.toLowerCase()], `${r.method} ${r.url}`).toBeDefined();
    }
    for (const [m, p] of [
      ['get', '/v1/book/{symbol}/l3'],
      ['post', '/v1/orders'],
      ['delete', '/v1/orders/{clientOrderId}'],
      ['post', '/v1/adjust'],
      ['get', '/v1/stream'],
    ]) {
      expect(doc.body.paths[p]?.[m], `${m} ${p}`).toBeDefined();
    }
    const place = doc.body.paths['/v1/orders'].post as {
      requestBody: { content: Record<string, { schema: { properties: Record<string, unknown> } }> };
    };
    expect(Object.keys(place.requestBody.content['application/json'].schema.properties)).toEqual(
      expect.arrayContaining(['symbol', 'side', 'price', 'size', 'timeInForce', 'postOnly', 'clientOrderId']),
    );
    const html = await fetch(`${base}/docs`);
    expect(html.headers.get('content-type')).toMatch(/text\/html/);
    const page = await html.text();
    expect(page).toContain('/v1/book/{symbol}/l3');
    expect(page).not.toMatch(/<script|https?:\/\//);
    const errs = await (await fetch(`${base}/docs/errors`)).text();
    expect(errs).toContain('id="DG_E_OFF_GRID"');
  });

  it('real answers match the response schemas the OpenAPI document publishes', async () => {
    const inst = eth();
    const price = fromUnits(rig.engine.bestBid('ETH-USDT')!, inst.price);
    const placed = await call(base, 'POST', '/v1/orders', {
      clientOrderId: 'schema-1',
      symbol: 'ETH-USDT',
      side: 'buy',
      price,
      size: fromUnits(inst.minLots, inst.size),
      postOnly: true,
    });
    const checks: Array<[unknown, z.ZodType]> = [
      [(await call(base, 'GET', '/v1/health')).body, R.healthAnswer],
      [(await call(base, 'GET', '/v1/instruments')).body, z.array(R.instrumentAnswer)],
      [(await call(base, 'GET', '/v1/book/ETH-USDT')).body, R.l2Answer],
      [placed.body, R.placeAnswer],
      [(await call(base, 'GET', '/v1/orders')).body, z.array(R.orderAnswer)],
      [(await call(base, 'GET', '/v1/orders/schema-1?symbol=ETH-USDT')).body, R.orderAnswer],
      [(await call(base, 'GET', '/v1/balances')).body, R.balancesAnswer],
    ];
    await until(async () => ((await call(base, 'GET', '/v1/book/ETH-USDT/l3')).body.own as unknown[]).length === 1);
    checks.push([(await call(base, 'GET', '/v1/book/ETH-USDT/l3')).body, R.l3Answer]);
    checks.push([(await call(base, 'DELETE', '/v1/orders/schema-1?symbol=ETH-USDT')).body, R.cancelAnswer]);
    for (const [body, schema] of checks) expect(schema.safeParse(body).error).toBeUndefined();
    const doc = api.openapi as {
      paths: Record<
        string,
        Record<string, { responses: Record<string, { content: Record<string, { schema: { type?: string } }> }> }>
      >;
    };
    expect(doc.paths['/v1/book/{symbol}/l3'].get.responses['200'].content['application/json'].schema.type).toBe(
      'object',
    );
  });

  it('logs one line per request, never a body', async () => {
    await call(base, 'POST', '/v1/orders', { symbol: 'ETH-USDT', side: 'buy', price: 'secret-looking', size: '1' });
    expect(logLines.some((l) => l.startsWith('http POST /v1/orders 400'))).toBe(true);
    expect(logLines.join('\n')).not.toContain('secret-looking');
  });
});

describe('native REST API: token and rate limit', () => {
  it('bearer token required when configured (health and docs public), WS upgrade too', async () => {
    const s = await startHttpApi({ port: rig.port, portNumber: 0, token: 's3cret-token' });
    try {
      const none = await call(s.url, 'GET', '/v1/balances');
      expectProblem(none, 'DG_E_API_BAD_TOKEN');
      expect(none.headers.get('www-authenticate')).toBe('Bearer');
      expectProblem(
        await call(s.url, 'GET', '/v1/balances', undefined, { authorization: 'Bearer wrong' }),
        'DG_E_API_BAD_TOKEN',
      );
      expectProblem(
        await call(s.url, 'GET', '/v1/instruments', undefined, { authorization: 's3cret-token' }),
        'DG_E_API_BAD_TOKEN',
      );
      expectProblem(
        await call(s.url, 'GET', '/v1/balances', undefined, { authorization: `Bearer s3cret-token${'x'.repeat(600)}` }),
        'DG_E_API_BAD_TOKEN',
      );
      expectProblem(
        await call(s.url, 'GET', '/v1/balances', undefined, { authorization: 'bearer s3cret-token' }),
        'DG_E_API_BAD_TOKEN',
      );
      expect(
        (await call(s.url, 'GET', '/v1/balances', undefined, { authorization: 'Bearer s3cret-token' })).status,
      ).toBe(200);
      expect((await call(s.url, 'GET', '/v1/health')).status).toBe(200);
      expect((await call(s.url, 'GET', '/docs/openapi.json')).status).toBe(200);
      await expect(StreamClient.open(s.url)).rejects.toThrow('HTTP 401');
      const ws = await StreamClient.open(s.url, { authorization: 'Bearer s3cret-token' });
      ws.send({ op: 'ping' });
      await ws.next((m) => m.type === 'pong');
      ws.close();
    } finally {
      await s.close();
    }
    await expect(startHttpApi({ port: rig.port, host: '0.0.0.0', portNumber: 0 })).rejects.toMatchObject({
      code: 'DG_E_BAD_CONFIG',
    });
    await expect(startHttpApi({ port: rig.port, portNumber: 0, token: 'two words' })).rejects.toMatchObject({
      code: 'DG_E_BAD_CONFIG',
    });
  });

  it('a token bucket per client: over the burst ⇒ 429 with Retry-After', async () => {
    const s = await startHttpApi({ port: rig.port, portNumber: 0, rateLimit: { ratePerSec: 0.5, burst: 3 } });
    try {
      const codes: number[] = [];
      for (let i = 0; i < 5; i++) codes.push((await call(s.url, 'GET', '/v1/health')).status);
      expect(codes).toEqual([200, 200, 200, 429, 429]);
      const a = await call(s.url, 'GET', '/v1/instruments');
      expectProblem(a, 'DG_E_RATE_LIMITED');
      expect(Number(a.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    } finally {
      await s.close();
    }
  });
});
