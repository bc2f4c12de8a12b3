/**
 * The sim server's opt-in venue realism: `latencyMs` (every REST reply and WebSocket frame held back
 * by injected timers, so no assertion depends on the wall clock) and `publicRateLimit` (KuCoin's
 * Public pool: weight per endpoint, fixed 30 s window from the first call, HTTP 429 / 429000).
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import WebSocket from 'ws';
import { ManualClock } from '../../src/core/clock.js';
import { startSimServer, type SimServer } from '../../src/venue/sim/server/index.js';
import { PublicRateLimiter } from '../../src/venue/sim/server/rate-limit.js';
import type { Timers } from '../../src/venue/timers.js';
import { kcFetch, makeEngine, TestFlow, TRADER } from './support.js';

/** Timers that only fire when told to. */
class HeldTimers implements Timers {
  readonly pending: Array<{ fn: () => void; ms: number }> = [];
  setTimeout(fn: () => void, ms: number): unknown {
    const t = { fn, ms };
    this.pending.push(t);
    return t;
  }
  clearTimeout(h: unknown): void {
    const i = this.pending.indexOf(h as { fn: () => void; ms: number });
    if (i >= 0) this.pending.splice(i, 1);
  }
  fireAll(): number {
    const due = this.pending.splice(0);
    for (const t of due) t.fn();
    return due.length;
  }
}

let srv: SimServer | undefined;
afterEach(async () => {
  await srv?.close();
  srv = undefined;
});

function engineWithBook() {
  const engine = makeEngine();
  const flow = new TestFlow(engine, 'BTC-USDT', 5);
  flow.seed(20);
  for (let i = 0; i < 100; i++) flow.step();
  return { engine, flow };
}

describe('sim server latencyMs', () => {
  it('holds each REST reply until its delay has elapsed, errors included', async () => {
    const timers = new HeldTimers();
    srv = await startSimServer({ engine: engineWithBook().engine, latencyMs: 25, timers });
    let settled = false;
    const pending = kcFetch(srv.url, 'GET', '/api/v1/market/orderbook/level1?symbol=BTC-USDT').then((r) => {
      settled = true;
      return r;
    });
    await vi.waitFor(() => expect(timers.pending.length).toBe(1));
    expect(timers.pending[0]?.ms).toBe(25);
    expect(settled).toBe(false);
    timers.fireAll();
    const r = await pending;
    expect(r.status).toBe(200);
    expect(r.body.code).toBe('200000');

    const bad = kcFetch(srv.url, 'GET', '/api/v1/market/stats?symbol=NOPE-USDT');
    await vi.waitFor(() => expect(timers.pending.length).toBe(1));
    timers.fireAll();
    expect((await bad).body.code).toBe('900001');
  });

  it('delays WebSocket frames and keeps their order', async () => {
    const timers = new HeldTimers();
    const { engine, flow } = engineWithBook();
    srv = await startSimServer({ engine, latencyMs: 40, timers });
    const bulletP = kcFetch(srv.url, 'POST', '/api/v1/bullet-public');
    await vi.waitFor(() => expect(timers.pending.length).toBe(1));
    timers.fireAll();
    const d = (await bulletP).body.data as { token: string; instanceServers: Array<{ endpoint: string }> };
    const ws = new WebSocket(`${d.instanceServers[0]?.endpoint}?token=${encodeURIComponent(d.token)}&connectId=lt`);
    const frames: Array<{ type: string; topic?: string; data?: { sequenceStart?: number } }> = [];
    ws.on('message', (raw: WebSocket.RawData) => frames.push(JSON.parse(raw.toString()) as (typeof frames)[number]));
    await new Promise<void>((r, j) => {
      ws.once('open', () => r());
      ws.once('error', j);
    });
    // the welcome frame waits on its timer
    await vi.waitFor(() => expect(timers.pending.length).toBe(1));
    expect(timers.pending[0]?.ms).toBe(40);
    expect(frames).toEqual([]);
    timers.fireAll();
    await vi.waitFor(() => expect(frames.map((f) => f.type)).toEqual(['welcome']));
    ws.send(JSON.stringify({ id: 's1', type: 'subscribe', topic: '/market/level2:BTC-USDT', response: true }));
    await vi.waitFor(() => expect(timers.pending.length).toBe(1)); // the ack
    for (let i = 0; i < 30; i++) flow.step();
    const held = timers.pending.length;
    expect(held).toBeGreaterThan(1);
    expect(frames.length).toBe(1);
    timers.fireAll();
    await vi.waitFor(() => expect(frames.length).toBe(1 + held));
    expect(frames[1]?.type).toBe('ack');
    const seqs = frames.slice(2).map((f) => f.data?.sequenceStart ?? 0);
    expect(seqs.length).toBeGreaterThan(0);
    expect([...seqs].sort((a, b) => a - b)).toEqual(seqs);
    ws.close();
  });

  it('is off by default: no timers, replies at once', async () => {
    const timers = new HeldTimers();
    srv = await startSimServer({ engine: engineWithBook().engine, timers });
    const r = await kcFetch(srv.url, 'GET', '/api/v1/timestamp');
    expect(r.body.code).toBe('200000');
    expect(timers.pending.length).toBe(0);
  });
});

describe('sim server publicRateLimit (KuCoin Public pool)', () => {
  it('charges endpoint weights against 2000 / 30 s and answers 429 / 429000 beyond it', async () => {
    const clock = new ManualClock(1_700_000_000_000);
    srv = await startSimServer({ engine: engineWithBook().engine, clock, publicRateLimit: true, apiKeys: [TRADER] });
    // market/stats weighs 15: floor(2000 / 15) = 133 calls fit in one window
    for (let i = 0; i < 133; i++) {
      const r = await kcFetch(srv.url, 'GET', '/api/v1/market/stats?symbol=BTC-USDT');
      expect(r.status).toBe(200);
    }
    const res = await fetch(`${srv.url}/api/v1/market/stats?symbol=BTC-USDT`);
    expect(res.status).toBe(429);
    expect(await res.json()).toEqual({ code: '429000', msg: 'Too Many Requests' });
    expect(res.headers.get('gw-ratelimit-limit')).toBe('2000');
    expect(res.headers.get('gw-ratelimit-remaining')).toBe(String(2000 - 133 * 15));
    expect(res.headers.get('gw-ratelimit-reset')).toBe('30000');
    expect(srv.rateLimited).toBe(1);
    // 5 weight left: level2_20 (2) still fits twice, then not
    expect((await kcFetch(srv.url, 'GET', '/api/v1/market/orderbook/level2_20?symbol=BTC-USDT')).status).toBe(200);
    expect((await kcFetch(srv.url, 'GET', '/api/v1/market/orderbook/level2_20?symbol=BTC-USDT')).status).toBe(200);
    expect((await kcFetch(srv.url, 'GET', '/api/v1/market/orderbook/level2_20?symbol=BTC-USDT')).status).toBe(429);
    expect(srv.rateLimited).toBe(2);
    // signed endpoints are another pool: not limited here
    const l3 = await kcFetch(srv.url, 'GET', '/api/v3/market/orderbook/level3?symbol=BTC-USDT', {
      key: TRADER,
      clock,
    });
    expect(l3.status).toBe(200);
    // the window is fixed from the first call: 29.999 s later still limited, at 30 s reset
    clock.advance(29_999);
    expect((await kcFetch(srv.url, 'GET', '/api/v1/market/stats?symbol=BTC-USDT')).status).toBe(429);
    clock.advance(1);
    const again = await fetch(`${srv.url}/api/v1/market/stats?symbol=BTC-USDT`);
    expect(again.status).toBe(200);
    expect(again.headers.get('gw-ratelimit-remaining')).toBe('1985');
    expect(srv.rateLimited).toBe(3);
  });

  it('takes a custom quota and is off by default', async () => {
    const clock = new ManualClock(1_700_000_000_000);
    srv = await startSimServer({ engine: engineWithBook().engine, clock, publicRateLimit: { quota: 20 } });
    expect((await kcFetch(srv.url, 'GET', '/api/v1/market/stats?symbol=BTC-USDT')).status).toBe(200);
    expect((await kcFetch(srv.url, 'GET', '/api/v1/market/stats?symbol=BTC-USDT')).status).toBe(429);
    await srv.close();
    srv = await startSimServer({ engine: engineWithBook().engine, clock });
    for (let i = 0; i < 150; i++) {
      expect((await kcFetch(srv.url, 'GET', '/api/v1/market/stats?symbol=BTC-USDT')).status).toBe(200);
    }
    expect(srv.rateLimited).toBe(0);
  });

  it('keeps one window per client and refuses without charging', () => {
    const l = new PublicRateLimiter({ quota: 10, windowMs: 1000 });
    expect(l.take('a', 6, 0).allowed).toBe(true);
    expect(l.take('a', 6, 10)).toMatchObject({ allowed: false, remaining: 4, resetMs: 990 });
    expect(l.take('a', 4, 20)).toMatchObject({ allowed: true, remaining: 0 });
    expect(l.take('b', 10, 20).allowed).toBe(true);
    expect(l.take('a', 1, 1000)).toMatchObject({ allowed: true, remaining: 9, resetMs: 1000 });
    expect(l.rejected).toBe(1);
  });
});
