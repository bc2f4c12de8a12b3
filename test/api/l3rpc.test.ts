import { spawn } from 'node:child_process';
import { execFileSync } from 'node:child_process';
import net from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ClientOidFanout } from '../../src/api/l3rpc/event-fanout.js';
import { JsonObjectSplitter } from '../../src/api/l3rpc/json-stream.js';
import { simEngineL3Feed } from '../../src/api/l3rpc/l3-feed-source.js';
import { l3Frame } from '../../src/api/l3rpc/l3-frame.js';
import { l3RpcEnv, parseDotEnv, parseL3RpcArgs } from '../../src/api/l3rpc/l3rpc-args.js';
import { L3RpcServer } from '../../src/api/l3rpc/l3rpc-server.js';
import { startL3RpcDaemon } from '../../src/api/l3rpc/l3rpc-daemon.js';
import { openRedis } from '../../src/bus/redis-connect.js';
import { Rng } from '../../src/venue/sim/rng.js';
import { makeHarness, waitFor, type Harness } from './dealer-harness.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const TOKEN = 'test-rpc-token-9f2';

// ----- framing ---------------------------------------------------------------------------------

describe('JsonObjectSplitter', () => {
  const req = (id: number): string =>
    JSON.stringify({ method: 'Server.GetOrderBook', params: [{ token: 't{"}\\', number: id }], id });

  it('splits concatenated objects however the bytes are chunked (seeded)', () => {
    const texts = [req(1), req(2), '{"a":"é€😀}{","b":[{"c":"\\""}]}', req(3)];
    const stream = Buffer.from(texts.join('') + '\n ' + req(4) + '\r\n');
    const rng = new Rng(42);
    for (let round = 0; round < 200; round++) {
      const s = new JsonObjectSplitter();
      const got: string[] = [];
      let i = 0;
      while (i < stream.length) {
        const n = 1 + Math.floor(rng.next() * 40);
        const r = s.push(stream.subarray(i, i + n));
        expect(r.error).toBeUndefined();
        got.push(...r.objects);
        i += n;
      }
      expect(got).toEqual([...texts, req(4)]);
      expect(s.pending).toBe(0);
    }
  });

  it('gives many objects from one chunk, byte-by-byte too', () => {
    const s = new JsonObjectSplitter();
    expect(s.push(Buffer.from(req(1) + req(2) + req(3))).objects).toHaveLength(3);
    const b = Buffer.from(req(7));
    const got: string[] = [];
    for (const byte of b) got.push(...s.push(Buffer.from([byte])).objects);
    expect(got).toEqual([req(7)]);
  });

  it('fails on garbage at top level and stays failed', () => {
    const s = new JsonObjectSplitter();
    const r = s.push(Buffer.from(req(1) + 'GET / HTTP/1.1\r\n'));
    expect(r.objects).toEqual([req(1)]);
    expect(r.error?.code).toBe('DG_E_API_BAD_REQUEST');
    expect(s.push(Buffer.from(req(2))).objects).toEqual([]);
  });

  it('bounds the buffer of an object that never ends', () => {
    const s = new JsonObjectSplitter(1024);
    let err;
    for (let i = 0; i < 100 && !err; i++) err = s.push(Buffer.from('{"a":[' + '1,'.repeat(50))).error;
    expect(err?.code).toBe('DG_E_API_TOO_LARGE');
    expect(s.pending).toBe(0);
  });
});

// ----- frames and fan-out (pure) -------------------------------------------------------------

describe('L3 frames and the clientOid fan-out', () => {
  it('rebuilds KuCoin v2 frames with exact strings and ns integers', async () => {
    const h = await makeHarness(9);
    try {
      const inst = h.port.instrument('BTC-USDT')!;
      const open = l3Frame(inst, {
        type: 'open',
        seq: 12,
        orderId: 'o1',
        side: 1,
        price: 600001,
        size: 1500,
        ts: 1700000000123,
      });
      expect(open!.text).toBe(
        '{"type":"message","topic":"/spotMarket/level3:BTC-USDT","subject":"open","data":{"symbol":"BTC-USDT","sequence":12,' +
          '"side":"sell","orderId":"o1","price":"60000.1","size":"0.015","orderTime":1700000000123000000,"ts":1700000000123000000}}',
      );
      const m = l3Frame(inst, {
        type: 'match',
        seq: 13,
        makerOrderId: 'mk',
        takerOrderId: 'tk',
        price: 600001,
        size: 500,
        remaining: 1000,
        takerSide: 0,
        tradeId: 't9',
        ts: 1,
      });
      expect(JSON.parse(m!.text).data).toMatchObject({
        side: 'buy',
        size: '0.005',
        remainSize: '0.01',
        makerOrderId: 'mk',
        takerOrderId: 'tk',
      });
      expect(m!.orderIds).toEqual(['mk', 'tk']);
      expect(l3Frame(inst, { type: 'noop', seq: 14, ts: 1 })).toBeUndefined();
    } finally {
      await h.close();
    }
  });

  it('routes by clientOid, then orderId (maker and taker), until done', () => {
    const f = new ClientOidFanout();
    f.register({ c1: ['ch-a', 'ch-b'], c2: ['ch-c'] }, 0);
    const fr = (subject: string, orderIds: string[], clientOid?: string) =>
      ({ subject, orderIds, clientOid, text: '' }) as Parameters<ClientOidFanout['route']>[0];
    expect(f.route(fr('received', ['x'], 'other'))).toEqual([]);
    expect(f.route(fr('received', ['o1'], 'c1')).sort()).toEqual(['ch-a', 'ch-b']);
    expect(f.route(fr('received', ['o2'], 'c2'))).toEqual(['ch-c']);
    expect(f.route(fr('open', ['o1'])).sort()).toEqual(['ch-a', 'ch-b']);
    expect(f.route(fr('match', ['o1', 'o2'])).sort()).toEqual(['ch-a', 'ch-b', 'ch-c']);
    expect(f.route(fr('done', ['o1'])).sort()).toEqual(['ch-a', 'ch-b']);
    expect(f.route(fr('update', ['o1']))).toEqual([]);
    expect(f.liveCount).toBe(1);
    expect(f.pendingCount).toBe(0);
    expect(() => f.register({}, 0)).toThrow(/empty event data/);
    expect(() => f.register({ c3: ['bad channel'] }, 0)).toThrow();
    expect(() => f.register({ c4: 'ch' }, 0)).toThrow();
    expect(f.pendingCount).toBe(0);
    // orderIds registered directly (SDK v1 method)
    f.registerOrderIds({ o9: ['ch-z'] });
    expect(f.route(fr('match', ['o8', 'o9']))).toEqual(['ch-z']);
    expect(f.route(fr('done', ['o9']))).toEqual(['ch-z']);
    expect(f.route(fr('open', ['o9']))).toEqual([]);
  });
});

describe('SDK daemon arguments (S3.6)', () => {
  it('reads -c -symbol -p -rpckey in Go flag style and the token from the .env', () => {
    const a = parseL3RpcArgs(['-c', '.env', '-symbol', 'BTC-USDT', '-p', '9091', '-rpckey', 'BTC-USDT']);
    expect(a).toEqual({ config: '.env', symbol: 'BTC-USDT', port: 9091, rpckey: 'BTC-USDT' });
    expect(parseL3RpcArgs(['--symbol=ETH-USDT']).port).toBe(9090);
    expect(() => parseL3RpcArgs(['-p', '9090'])).toThrow(/symbol/);
    expect(() => parseL3RpcArgs(['-symbol', 'X', '-p', '99999'])).toThrow(/-p/);
    expect(() => parseL3RpcArgs(['-symbol', 'X', '-evil', '1'])).toThrow(/unknown argument/);
    const env = parseDotEnv('# comment\nRPC_TOKEN="abc def"\nexport REDIS_URL=redis://127.0.0.1:6380\n');
    expect(env.get('RPC_TOKEN')).toBe('abc def');
    expect(env.get('REDIS_URL')).toBe('redis://127.0.0.1:6380');
    expect(() => l3RpcEnv({ config: undefined, symbol: 'X', port: 1, rpckey: undefined }, {})).toThrow(/RPC_TOKEN/);
    expect(
      l3RpcEnv({ config: undefined, symbol: 'X', port: 1, rpckey: undefined }, { DESKGATE_RPC_TOKEN: 't' }).token,
    ).toBe('t');
  });
});

// ----- the server over TCP ---------------------------------------------------------------------

class RpcConn {
  private buf = '';
  private waiters: Array<(l: string) => void> = [];
  private lines: string[] = [];
  readonly ended: Promise<void>;
  constructor(readonly sock: net.Socket) {
    sock.setEncoding('utf8');
    sock.on('data', (c: string) => {
      this.buf += c;
      let i: number;
      while ((i = this.buf.indexOf('\n')) >= 0) {
        const line = this.buf.slice(0, i);
        this.buf = this.buf.slice(i + 1);
        const w = this.waiters.shift();
        if (w) w(line);
        else this.lines.push(line);
      }
    });
    this.ended = new Promise((r) => sock.on('close', () => r()));
  }
  static open(port: number): Promise<RpcConn> {
    return new Promise((resolve, reject) => {
      const s = net.connect(port, '127.0.0.1', () => resolve(new RpcConn(s)));
      s.on('error', reject);
    });
  }
  send(text: string): void {
    this.sock.write(text);
  }
  next(): Promise<Record<string, unknown>> {
    const l = this.lines.shift();
    if (l !== undefined) return Promise.resolve(JSON.parse(l) as Record<string, unknown>);
    return new Promise((r) => this.waiters.push((x) => r(JSON.parse(x) as Record<string, unknown>)));
  }
  close(): void {
    this.sock.destroy();
  }
}

const call = (method: string, params: Record<string, unknown>, id: unknown = 0): string =>
  JSON.stringify({ method: `Server.${method}`, params: [params], id });

describe('L3 RPC server', () => {
  let h: Harness;
  let srv: L3RpcServer;
  let port: number;
  let redis: Redis | undefined;

  beforeAll(async () => {
    h = await makeHarness(4);
    try {
      redis = await openRedis(undefined, 'deskgate-l3rpc-test');
    } catch {
      redis = undefined;
    }
    srv = new L3RpcServer({
      port: h.port,
      symbol: 'BTC-USDT',
      token: TOKEN,
      feed: simEngineL3Feed(h.engine),
      ...(redis ? { redis, rpckey: `test${process.pid}` } : {}),
      listenPort: 0,
    });
    await srv.start();
    port = srv.address().port;
  });

  afterAll(async () => {
    await srv?.close();
    await h?.close();
    redis?.disconnect();
  });

  it('GetOrderBook and AnyCall GetL3PartOrderBook read the live book', async () => {
    const c = await RpcConn.open(port);
    // two requests in one write, the second split across two writes
    const second = call('AnyCall', { token: TOKEN, method: 'GetL3PartOrderBook', args: { number: 4 } }, 'b');
    c.send(call('GetOrderBook', { token: TOKEN, number: 3 }, 7) + second.slice(0, 20));
    c.send(second.slice(20));
    const r1 = await c.next();
    const r2 = await c.next();
    expect(r1.id).toBe(7);
    expect(r1.error).toBeNull();
    const d1 = r1.result as { code: string; data: { asks: string[][]; bids: string[][]; info: { time: number } } };
    expect(d1.code).toBe('0');
    const book = h.engine.l2Snapshot('BTC-USDT', 3);
    expect(d1.data.asks).toEqual(
      book.asks.map(([p, s]) => [h.engine.formatPrice('BTC-USDT', p), h.engine.formatSize('BTC-USDT', s)]),
    );
    expect(d1.data.bids).toEqual(
      book.bids.map(([p, s]) => [h.engine.formatPrice('BTC-USDT', p), h.engine.formatSize('BTC-USDT', s)]),
    );
    expect(d1.data.info.time).toBeGreaterThan(1.6e18);
    expect(r2.id).toBe('b');
    const d2 = r2.result as { code: string; data: { asks: string[][]; bids: string[][] } };
    expect(d2.code).toBe('0');
    const l3 = h.engine.l3Snapshot('BTC-USDT');
    expect(d2.data.asks).toEqual(
      l3.asks
        .slice(0, 4)
        .map((o) => [o.orderId, h.engine.formatPrice('BTC-USDT', o.price), h.engine.formatSize('BTC-USDT', o.size)]),
    );
    expect(d2.data.bids).toHaveLength(4);
    c.close();
  });

  it('answers bad tokens with "20", unknown methods with a JSON-RPC error, bad args with "10"', async () => {
    const c = await RpcConn.open(port);
    c.send(call('GetOrderBook', { token: 'wrong', number: 1 }, 1));
    c.send(call('GetOrderBook', { number: 1 }, 2));
    c.send(call('AddEventClientOidsToChannels', { token: TOKEN.slice(0, -1), data: { x: ['y'] } }, 3));
    c.send(call('Nope', { token: TOKEN }, 4));
    c.send(call('AnyCall', { token: TOKEN, method: 'Other', args: {} }, 5));
    c.send(call('GetOrderBook', { token: TOKEN, number: -2 }, 6));
    c.send(call('AddEventClientOidsToChannels', { token: TOKEN, data: {} }, 7));
    const replies = [];
    for (let i = 0; i < 7; i++) replies.push(await c.next());
    expect(replies.map((r) => r.id)).toEqual([1, 2, 3, 4, 5, 6, 7]);
    for (const r of replies.slice(0, 3)) expect(r.result).toMatchObject({ code: '20', data: '' });
    expect(replies[3]).toEqual({ id: 4, result: null, error: "rpc: can't find method Server.Nope" });
    expect(replies[4].result).toMatchObject({ code: '10', error: 'unsupported rpc method: Other' });
    expect((replies[5].result as { code: string }).code).toBe('10');
    expect((replies[6].result as { error: string }).error).toMatch(/empty event data/);
    c.close();
  });

  it('closes a connection that sends garbage, after one error reply', async () => {
    const c = await RpcConn.open(port);
    c.send(call('GetOrderBook', { token: TOKEN, number: 1 }, 1) + 'hello');
    const ok = await c.next();
    expect((ok.result as { code: string }).code).toBe('0');
    const err = await c.next();
    expect(err).toMatchObject({ id: null, result: null });
    expect(String(err.error)).toMatch(/^rpc: /);
    await c.ended;
    const c2 = await RpcConn.open(port);
    c2.send('{"method": "Server.GetOrderBook", "params": [{"token": 1,}], "id": 1}');
    expect((await c2.next()).error).toMatch(/not valid JSON/);
    await c2.ended;
  });

  it('publishes the frames of a registered order to its channel, maker and taker sides (Redis)', async (ctx) => {
    if (!redis) return ctx.skip();
    expect(await redis.get(`kumexMarket:rpcKey:BTC-USDT:test${process.pid}`)).toBe(String(port));
    const sub = redis.duplicate();
    const chan = `deskgate-test-l3ts-${process.pid}`;
    const frames: Array<{ subject: string; data: Record<string, unknown> }> = [];
    sub.on('message', (ch: string, msg: string) => {
      if (ch === chan) frames.push(JSON.parse(msg) as { subject: string; data: Record<string, unknown> });
    });
    await sub.subscribe(chan);
    try {
      const c = await RpcConn.open(port);
      const cid = `ts${process.pid}a`;
      c.send(call('AddEventClientOidsToChannels', { token: TOKEN, data: { [cid]: [chan] } }, 1));
      expect((await c.next()).result).toEqual({ code: '0', data: '', error: '' });
      c.close();
      // A resting sell one tick above the best ask, then a flow buy that takes it (we are maker).
      const inst = h.port.instrument('BTC-USDT')!;
      const bestAsk = h.engine.bestAsk('BTC-USDT')!;
      const placed = await h.port.placeOrder({
        clientOrderId: cid,
        instrument: inst,
        side: 1,
        type: 'limit',
        price: bestAsk - 1,
        size: 200,
      });
      expect(placed.ok).toBe(true);
      const taker = h.engine.placeOrder({
        account: 'flow',
        symbol: 'BTC-USDT',
        side: 'buy',
        type: 'limit',
        price: bestAsk - 1,
        size: 50,
        timeInForce: 'IOC',
      });
      expect(taker.ok).toBe(true);
      await h.port.cancelOrder(inst, { clientOrderId: cid });
      await srv.flush();
      await waitFor(() => frames.some((f) => f.subject === 'done'), 5000, 'done frame');
      expect(frames.map((f) => f.subject)).toEqual(['received', 'open', 'match', 'done']);
      const orderId = frames[0].data.orderId;
      expect(frames[0].data.clientOid).toBe(cid);
      expect(frames[2].data).toMatchObject({
        makerOrderId: orderId,
        size: '0.0005',
        remainSize: '0.0015',
        side: 'buy',
      });
      expect(frames[3].data).toMatchObject({ orderId, reason: 'canceled' });
      expect(srv.fanout.liveCount).toBe(0);
    } finally {
      sub.disconnect();
    }
  });

  it('serves the SDK Python client: book reads, own clientOid frames over Redis', async (ctx) => {
    if (!redis) return ctx.skip();
    try {
      execFileSync('python3', ['--version'], { stdio: 'ignore' });
    } catch {
      return ctx.skip();
    }
    const py = spawn('python3', [path.join(here, 'l3rpc_client.py'), String(port), TOKEN, '6379'], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let errText = '';
    py.stderr.on('data', (c: Buffer) => (errText += c.toString()));
    const inst = h.port.instrument('BTC-USDT')!;
    const done = new Promise<number>((r) => py.on('close', (code) => r(code ?? -1)));
    let placedCid: string | undefined;
    py.stdout.on('data', (c: Buffer) => {
      out += c.toString();
      const m = /^READY (\S+)$/m.exec(out);
      if (m && !placedCid) {
        placedCid = m[1];
        const cid = m[1];
        void (async () => {
          const px = h.engine.bestBid('BTC-USDT')! - 50;
          const r = await h.port.placeOrder({
            clientOrderId: cid,
            instrument: inst,
            side: 0,
            type: 'limit',
            price: px,
            size: 10,
          });
          if (r.ok) await h.port.cancelOrder(inst, { clientOrderId: cid });
        })();
      }
    });
    const code = await done;
    expect(code, errText).toBe(0);
    const res = JSON.parse(out.trim().split('\n').pop()!) as Record<string, unknown>;
    expect(res).toMatchObject({
      ok: true,
      bad_token_code: '20',
      subjects: ['received', 'open', 'done'],
      client_oid_matches: true,
      same_order: true,
      topic: '/spotMarket/level3:BTC-USDT',
      done_reason: 'canceled',
      levels: [5, 5],
    });
    expect(typeof res.time_ns).toBe('number');
    expect((res.l3_first_ask as string[]).length).toBe(3);
  });
});

describe('L3 RPC daemon', () => {
  it('starts from SDK arguments, registers the discovery key, removes it on close', async (ctx) => {
    let probe: Redis;
    try {
      probe = await openRedis(undefined, 'deskgate-l3rpc-probe');
    } catch {
      return ctx.skip();
    }
    const h = await makeHarness(8);
    const key = `k${process.pid}d`;
    const args = parseL3RpcArgs(['-symbol', 'ETH-USDT', '-p', '0', '-rpckey', key]);
    const d = await startL3RpcDaemon(
      args,
      { token: TOKEN, redisUrl: 'redis://127.0.0.1:6379', dialect: 'v2' },
      h.port,
      simEngineL3Feed(h.engine),
    );
    try {
      const port = d.server.address().port;
      expect(await probe.get(`kumexMarket:rpcKey:ETH-USDT:${key}`)).toBe(String(port));
      const c = await RpcConn.open(port);
      c.send(call('GetOrderBook', { token: TOKEN, number: 1 }, 1));
      const r = await c.next();
      expect((r.result as { data: { asks: unknown[] } }).data.asks).toHaveLength(0); // no flow on ETH-USDT
      c.close();
    } finally {
      await d.close();
      await h.close();
    }
    expect(await probe.get(`kumexMarket:rpcKey:ETH-USDT:${key}`)).toBeNull();
    probe.disconnect();
  });
});

describe('L3 RPC v1 dialect (older KuMEX SDK demos)', () => {
  it('encodes result and data as JSON strings and answers GetPartOrderBook with a sequence', async () => {
    const h = await makeHarness(12);
    const srv = new L3RpcServer({
      port: h.port,
      symbol: 'BTM-USDT',
      token: TOKEN,
      feed: simEngineL3Feed(h.engine),
      listenPort: 0,
      dialect: 'v1',
    });
    await srv.start();
    try {
      const c = await RpcConn.open(srv.address().port);
      c.send(call('GetPartOrderBook', { token: TOKEN, number: 2 }, 0));
      c.send(call('GetPartOrderBook', { token: 'nope', number: 2 }, 0));
      const r = await c.next();
      expect(r.error).toBeNull();
      expect(typeof r.result).toBe('string');
      const inner = JSON.parse(r.result as string) as { code: string; data: string; error: string };
      expect(inner.code).toBe('0');
      const book = JSON.parse(inner.data) as { sequence: number; asks: string[][]; bids: string[][] };
      expect(book.sequence).toBe(h.engine.seq('BTM-USDT'));
      expect(book.asks).toHaveLength(2);
      const bad = JSON.parse((await c.next()).result as string) as { code: string };
      expect(bad.code).toBe('20');
      c.close();
    } finally {
      await srv.close();
      await h.close();
    }
  });
});

describe('L3 RPC connection limits', () => {
  it('answers what it queued, then refuses a flood of pipelined requests and closes', async () => {
    const h = await makeHarness(13);
    const srv = new L3RpcServer({
      port: h.port,
      symbol: 'BTC-USDT',
      token: TOKEN,
      feed: simEngineL3Feed(h.engine),
      listenPort: 0,
      maxQueuedRequests: 3,
    });
    await srv.start();
    try {
      const c = await RpcConn.open(srv.address().port);
      c.send(Array.from({ length: 10 }, (_, i) => call('GetOrderBook', { token: TOKEN, number: 1 }, i)).join(''));
      const ids = [];
      for (let i = 0; i < 3; i++) ids.push((await c.next()).id);
      expect(ids).toEqual([0, 1, 2]);
      const err = await c.next();
      expect(err).toMatchObject({ id: null, result: null });
      expect(String(err.error)).toMatch(/more than 3 requests waiting/);
      await c.ended;
      expect(srv.errors.count('DG_E_API_TOO_LARGE')).toBe(1);
    } finally {
      await srv.close();
      await h.close();
    }
  });
});
