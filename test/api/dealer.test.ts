import { execFile, execFileSync } from 'node:child_process';
import http from 'node:http';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DealerServer } from '../../src/api/dealer/dealer-server.js';
import { formatFeeRate } from '../../src/api/dealer/mov-views.js';
import { makeHarness, waitFor, type Harness } from './dealer-harness.js';

const here = path.dirname(fileURLToPath(import.meta.url));

interface Reply {
  status: number;
  body: Record<string, unknown>;
  text: string;
}

/** Raw HTTP request: the path goes on the wire exactly as given (unencoded `/` in the query). */
function raw(
  port: number,
  method: string,
  rawPath: string,
  opts: { body?: string; host?: string } = {},
): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      {
        host: '127.0.0.1',
        port,
        method,
        path: rawPath,
        headers: {
          Host: opts.host ?? `127.0.0.1:${port}`,
          'Content-Type': 'application/json; charset=utf-8',
          Accept: 'application/json',
          ...(opts.body !== undefined ? { 'Content-Length': Buffer.byteLength(opts.body) } : {}),
        },
      },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => (text += c));
        res.on('end', () => {
          let body: Record<string, unknown> = {};
          try {
            body = JSON.parse(text) as Record<string, unknown>;
          } catch {
            /* not JSON */
          }
          resolve({ status: res.statusCode ?? 0, body, text });
        });
      },
    );
    req.on('error', reject);
    if (opts.body !== undefined) req.write(opts.body);
    req.end();
  });
}

interface MovOrderJson {
  order_id: number;
  symbol: string;
  side: string;
  open_price: string;
  amount: string;
  filled_amount: string;
  status: string;
  order_timestamp: number;
  update_timestamp: number;
}

function dataOf<T>(r: Reply): T {
  return (r.body.result as { data: T }).data;
}

describe('MOV Dealer server', () => {
  let h: Harness;
  let dealer: DealerServer;
  let port: number;

  beforeAll(async () => {
    h = await makeHarness(3);
    dealer = new DealerServer({ port: h.port, listenPort: 0, feeRate: '0.003', address: 'vp1qdesk' });
    await dealer.start();
    port = dealer.address().port;
  });

  afterAll(async () => {
    await dealer?.close();
    await h?.close();
  });

  it('place → list → depth → cancel → list → depth, with exact envelopes', async () => {
    const placed = await raw(port, 'POST', '/api/v1/place-order', {
      body: JSON.stringify({ symbol: 'BTM/USDT', side: 'sell', price: '0.0900', amount: '12.3' }),
    });
    expect(placed.status).toBe(200);
    expect(placed.body.code).toBe(200);
    expect(placed.body.msg).toBe('');
    const d = dataOf<{ order_id: number; order: Record<string, string>; address: string }>(placed);
    expect(Number.isInteger(d.order_id)).toBe(true);
    expect(d.order).toEqual({ symbol: 'BTM/USDT', side: 'sell', price: '0.0900', amount: '12.3' });
    expect(d.address).toBe('vp1qdesk');

    const list = await raw(port, 'GET', '/api/v1/orders?symbol=BTM/USDT&side=SELL');
    expect(list.body.code).toBe(200);
    const mine = dataOf<MovOrderJson[]>(list).find((o) => o.order_id === d.order_id);
    expect(mine).toMatchObject({
      symbol: 'BTM/USDT',
      side: 'sell',
      open_price: '0.09',
      amount: '12.3',
      filled_amount: '0',
      status: 'open',
    });
    expect(mine!.order_timestamp).toBeGreaterThan(1_600_000_000_000);
    expect(mine!.update_timestamp).toBeGreaterThanOrEqual(mine!.order_timestamp);
    // side filter: no buy orders in a sell listing
    expect(dataOf<MovOrderJson[]>(list).every((o) => o.side === 'sell')).toBe(true);

    const depth = await raw(port, 'GET', '/flashswap/v3/market-depth?symbol=BTM/USDT');
    expect(depth.body.code).toBe(200);
    const dd = depth.body.data as {
      symbol: string;
      fee_rate: string;
      asks: [string, string][];
      bids: [string, string][];
    };
    expect(dd.symbol).toBe('BTM/USDT');
    expect(dd.fee_rate).toBe('0.003000');
    expect(dd.asks).toContainEqual(['0.09', '12.3']);
    const askPx = dd.asks.map(([p]) => Number(p));
    const bidPx = dd.bids.map(([p]) => Number(p));
    expect(askPx).toEqual([...askPx].sort((a, b) => a - b));
    expect(bidPx).toEqual([...bidPx].sort((a, b) => b - a));
    expect(bidPx[0]).toBeLessThan(askPx[0]);

    const cancel = await raw(port, 'GET', `/api/v1/cancel-order?order_id=${d.order_id}`, { host: `localhost:${port}` });
    expect(cancel.status).toBe(200);
    expect(cancel.body).toMatchObject({ code: 200, msg: '' });

    const list2 = await raw(port, 'GET', '/api/v1/orders?symbol=BTM/USDT&side=sell');
    expect(dataOf<MovOrderJson[]>(list2).find((o) => o.order_id === d.order_id)?.status).toBe('canceled');
    const depth2 = await raw(port, 'GET', '/flashswap/v3/market-depth?symbol=BTM%2FUSDT');
    expect((depth2.body.data as { asks: [string, string][] }).asks.find(([p]) => p === '0.09')).toBeUndefined();
  });

  it('business errors are HTTP 200 with code ≠ 200 and a message, never a stack', async () => {
    const cases: Array<[string, string, string | undefined, number]> = [
      ['GET', '/api/v1/cancel-order?order_id=424242', undefined, 404],
      ['GET', '/api/v1/cancel-order?order_id=abc', undefined, 400],
      ['POST', '/api/v1/place-order', '{"symbol":"BTM/USDT","side":"hold","price":"1","amount":"1"}', 400],
      ['POST', '/api/v1/place-order', '{"symbol":"BTM/USDT","side":"buy","price":"0.00001","amount":"1"}', 400],
      ['POST', '/api/v1/place-order', '{"symbol":"NOPE/USDT","side":"buy","price":"1","amount":"1"}', 404],
      ['POST', '/api/v1/place-order', '{"symbol":"BTM/USDT",', 400],
      ['POST', '/api/v1/place-order', '{"symbol":"BTM/USDT","side":"buy","price":"0.5","amount":"3000000"}', 400],
      ['GET', '/api/v1/orders?side=sell', undefined, 400],
      ['GET', '/flashswap/v3/market-depth?symbol=BTM/USDT&depth=-1', undefined, 400],
    ];
    for (const [method, p, body, code] of cases) {
      const r = await raw(port, method, p, body === undefined ? {} : { body });
      expect(r.status, `${method} ${p}`).toBe(200);
      expect(r.body.code, `${method} ${p} ${r.text}`).toBe(code);
      expect(typeof r.body.msg).toBe('string');
      expect((r.body.msg as string).length).toBeGreaterThan(0);
      expect(r.text).not.toMatch(/at .*\.ts:\d+/);
    }
    const unknown = await raw(port, 'GET', '/nope');
    expect(unknown.status).toBe(404);
    const foreign = await raw(port, 'GET', '/api/v1/balances', { host: 'evil.example:80' });
    expect(foreign.status).toBe(403);
  });

  it('cancels by POST with a JSON body too, and a second cancel is a 404', async () => {
    const placed = await raw(port, 'POST', '/api/v1/place-order', {
      body: JSON.stringify({ symbol: 'btm_usdt', side: 'BUY', price: '0.0100', amount: '3' }),
    });
    const id = dataOf<{ order_id: number }>(placed).order_id;
    const c1 = await raw(port, 'POST', '/api/v1/cancel-order', { body: JSON.stringify({ order_id: id }) });
    expect(c1.body).toMatchObject({ code: 200, msg: '', result: { data: { order_id: id } } });
    const c2 = await raw(port, 'GET', `/api/v1/cancel-order?order_id=${id}`);
    expect(c2.status).toBe(200);
    expect(c2.body.code).toBe(404);
  });

  it('balance polling still works', async () => {
    const r = await raw(port, 'GET', '/api/v1/balances');
    expect(r.body.code).toBe(200);
    const rows = dataOf<Array<{ currency: string; total: string; available: string; frozen: string }>>(r);
    const btm = rows.find((b) => b.currency === 'BTM');
    expect(btm).toBeDefined();
    expect(Number(btm!.total)).toBeGreaterThan(0);
  });

  it('pushes order and fill events over SSE (S0.5)', async () => {
    const events: Array<{ event: string; data: Record<string, unknown> }> = [];
    const req = http.request({ host: '127.0.0.1', port, path: '/api/v1/events?symbol=BTM/USDT' });
    const ready = new Promise<void>((resolve, reject) => {
      req.on('response', (res) => {
        expect(res.headers['content-type']).toMatch(/text\/event-stream/);
        let buf = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => {
          buf += c;
          if (buf.startsWith(':')) resolve();
          let i: number;
          while ((i = buf.indexOf('\n\n')) >= 0) {
            const block = buf.slice(0, i);
            buf = buf.slice(i + 2);
            const ev = /^event: (.*)$/m.exec(block)?.[1];
            const data = /^data: (.*)$/m.exec(block)?.[1];
            if (ev && data) events.push({ event: ev, data: JSON.parse(data) as Record<string, unknown> });
          }
        });
      });
      req.on('error', reject);
    });
    req.end();
    await ready;
    await waitFor(() => dealer.sseClients === 1, 2000, 'sse client');
    // A buy at a price above the best ask crosses the flow's asks: fills as taker.
    const book = h.engine.l2Snapshot('BTM-USDT', 1);
    const bestAsk = h.engine.formatPrice('BTM-USDT', book.asks[0][0]);
    const placed = await raw(port, 'POST', '/api/v1/place-order', {
      body: JSON.stringify({ symbol: 'BTM/USDT', side: 'buy', price: bestAsk, amount: '0.5' }),
    });
    const id = dataOf<{ order_id: number }>(placed).order_id;
    await waitFor(() => events.some((e) => e.event === 'fill' && e.data.order_id === id), 5000, 'fill event');
    const fill = events.find((e) => e.event === 'fill' && e.data.order_id === id)!;
    expect(fill.data).toMatchObject({ symbol: 'BTM/USDT', side: 'buy', price: bestAsk, liquidity: 'taker' });
    const statuses = events.filter((e) => e.event === 'order' && e.data.order_id === id).map((e) => e.data.status);
    expect(statuses[0]).toBe('submitted');
    expect(statuses).toContain('filled');
    req.destroy();
  });

  it('runs the public MOV client wire (Python, stdlib)', async (ctx) => {
    let py = true;
    try {
      execFileSync('python3', ['--version'], { stdio: 'ignore' });
    } catch {
      py = false;
    }
    if (!py) return ctx.skip();
    const out = await new Promise<string>((resolve, reject) =>
      execFile(
        'python3',
        [path.join(here, 'dealer_client.py'), String(port), '0.0950', '7.5'],
        { timeout: 30_000 },
        (err, so, se) => (err ? reject(new Error(`${err.message}\n${se}`)) : resolve(so)),
      ),
    );
    const res = JSON.parse(out.trim().split('\n').pop()!) as Record<string, unknown>;
    expect(res).toMatchObject({
      ok: true,
      status_after_place: 'open',
      fee_rate: '0.003000',
      ask_at_price_before: '7.5',
      asks_ascending: true,
      status_after_cancel: 'canceled',
      ask_at_price_after: null,
      placed_order: { symbol: 'BTM/USDT', side: 'sell', price: '0.0950', amount: '7.5' },
    });
    expect((res.unknown_cancel as { code: number }).code).toBe(404);
  });
});

describe('fee rate format', () => {
  it('pads to six places and refuses more', () => {
    expect(formatFeeRate('0.003')).toBe('0.003000');
    expect(formatFeeRate('0')).toBe('0.000000');
    expect(() => formatFeeRate('0.0000001')).toThrow();
    expect(() => formatFeeRate('-1')).toThrow();
  });
});
