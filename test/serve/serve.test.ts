/**
 * `deskgate serve` in process on the embedded default (sim + flow), every listener on port 0:
 * FMZ ticker / depth / trade / cancel go through the kernel (journal, api strategy slot), the MOV
 * Dealer answers, /metrics carries the named metrics, shutdown closes the journal and a restart on
 * the same data dir replays it. A non-loopback host without a token is refused.
 */
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { isDeskgateError } from '../../src/core/errors.js';
import { startServe, type ServeHandle } from '../../src/gateway/serve/serve.js';
import { fmz, removeTempDirs, restingBid, tempDir, testConfig, until } from './support.js';

afterAll(() => removeTempDirs());

function url(h: ServeHandle, name: string): string {
  const l = h.listeners.find((x) => x.name === name);
  if (!l) throw new Error(`no ${name} listener`);
  return l.url;
}

describe('deskgate serve (embedded default)', () => {
  it('serves FMZ through the kernel, MOV, /metrics; restart replays the journal', async () => {
    const dir = tempDir('main');
    const printed: string[] = [];
    const h = await startServe({ config: testConfig(dir), print: (l) => printed.push(l) });
    let closed = false;
    try {
      // Summary: one line per listener with its real port.
      for (const name of ['fmz', 'dealer', 'l3rpc', 'http', 'metrics']) {
        const line = printed.find((l) => l.startsWith(`listen ${name}`));
        expect(line, name).toBeDefined();
        expect(line).toMatch(/:\d{2,5}/);
        expect(line).not.toMatch(/:0(\/|\s|$)/);
      }
      const gw = h.gateways[0];
      expect(gw.allocated).toEqual({ BTC: '10', USDT: '1000000', ETH: '100' });
      const slot = gw.kernel.snapshot().balances.USDT.find((r) => r.name === 'api');
      expect(slot?.total).toBe('1000000');

      const f = url(h, 'fmz');
      const price = await restingBid(f, 'BTC_USDT');
      const ticker = await fmz(f, 'ticker', { symbol: 'BTC_USDT' });
      expect(ticker.error).toBeUndefined();
      expect(Number((ticker.data as { buy: string }).buy)).toBeGreaterThan(0);

      const trade = await fmz(f, 'trade', { symbol: 'BTC_USDT', type: 'buy', price, amount: '0.01' });
      expect(trade.error).toBeUndefined();
      const id = (trade.data as { id: string }).id;
      expect(id).toMatch(/^BTC-USDT,/);
      const venueOrderId = id.split(',')[1];
      const mine = gw.kernel.snapshot().orders.find((o) => o.venueOrderId === venueOrderId);
      expect(mine?.strategy).toBe('api');
      // The reservation came from the api slot: price × 0.01 frozen there.
      const frozen = gw.kernel.snapshot().balances.USDT.find((r) => r.name === 'api')?.frozen;
      expect(Number(frozen)).toBeCloseTo(Number(price) * 0.01, 6);

      // A bad order is refused by the kernel with a stable code (insufficient funds in the slot).
      const big = await fmz(f, 'trade', { symbol: 'BTC_USDT', type: 'buy', price, amount: '1000' });
      expect(big.error).toMatch(/DG_E_LEDGER_INSUFFICIENT/);

      const cancel = await fmz(f, 'cancel', { symbol: 'BTC_USDT', id });
      expect(cancel.error).toBeUndefined();
      expect(cancel.data).toBe(true);
      await until(
        () =>
          gw.kernel.snapshot().orders.find((o) => o.clientId === mine?.clientId)?.state === 'canceled'
            ? true
            : undefined,
        5000,
        'canceled',
      );

      // MOV Dealer on the same kernel port.
      const d = await fetch(`${url(h, 'dealer')}/flashswap/v3/market-depth?symbol=BTC/USDT`);
      const depth = (await d.json()) as { code: number; data: { bids: unknown[] } };
      expect(depth.code).toBe(200);
      expect(depth.data.bids.length).toBeGreaterThan(0);

      // Native REST on the same kernel port: place, read, cancel by the kernel's client order id.
      const http = url(h, 'http');
      const placed = await fetch(`${http}/orders`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ symbol: 'BTC-USDT', side: 'buy', price, size: '0.002' }),
      });
      expect(placed.status).toBe(201);
      const ack = (await placed.json()) as { clientOrderId: string; venueOrderId: string };
      const viaRest = gw.kernel.snapshot().orders.find((o) => o.clientId === ack.clientOrderId);
      expect(viaRest?.strategy).toBe('api');
      expect(viaRest?.venueOrderId).toBe(ack.venueOrderId);
      const del = await fetch(`${http}/orders/${ack.clientOrderId}?symbol=BTC-USDT`, { method: 'DELETE' });
      expect(del.status).toBe(200);
      await until(
        () =>
          gw.kernel.snapshot().orders.find((o) => o.clientId === ack.clientOrderId)?.state === 'canceled'
            ? true
            : undefined,
        5000,
        'REST cancel',
      );

      const m = await fetch(url(h, 'metrics'));
      expect(m.status).toBe(200);
      const text = await m.text();
      expect(text).toMatch(/deskgate_orders\{gateway="sim",state="canceled"\} 2/);
      expect(text).toMatch(
        /deskgate_api_request_duration_seconds_count\{listener="http",method="POST",status="201"\} 1/,
      );
      expect(text).toMatch(
        /deskgate_api_request_duration_seconds_count\{listener="fmz",method="POST",status="200"\} \d+/,
      );
      expect(text).toMatch(
        /deskgate_api_request_duration_seconds_count\{listener="dealer",method="GET",status="200"\} 1/,
      );
      expect(text).toMatch(/deskgate_feed_messages_total\{gateway="sim",symbol="BTC\/USDT"\} [1-9]/);
      expect(text).toMatch(/deskgate_feed_resyncs_total/);
      expect(text).toMatch(/deskgate_feed_gaps_total/);
      expect(text).toMatch(/deskgate_listener_stat\{listener="l3rpc",stat="connections"\} 0/);
      expect(text).toMatch(/deskgate_gateway_live\{gateway="sim"\} 1/);
      expect(text).toMatch(/deskgate_reconcile_drifts\{gateway="sim"\} 0/);
      expect(text).toMatch(/deskgate_kernel_counter\{gateway="sim",counter="commands"\} [1-9]/);

      await h.close();
      closed = true;
      // Journal closed: a second close is harmless; the file is there for the restart.
      expect(existsSync(join(dir, 'sim.journal'))).toBe(true);
      expect(readdirSync(join(dir, 'logs')).length).toBeGreaterThan(0);

      const again = await startServe({ config: testConfig(dir), print: () => undefined });
      try {
        const g2 = again.gateways[0];
        expect(g2.started.replayed).toBeGreaterThan(5);
        expect(g2.started.epoch).toBe(2);
        expect(g2.started.replayErrors).toBe(0);
        expect(g2.allocated).toEqual({}); // everything was already in the api slot
        const back = g2.kernel.snapshot().orders.find((o) => o.clientId === mine?.clientId);
        expect(back?.state).toBe('canceled');
        expect(g2.kernel.snapshot().balances.USDT.find((r) => r.name === 'api')?.total).toBe('1000000');
      } finally {
        await again.close();
      }
    } finally {
      if (!closed) await h.close();
    }
  }, 60_000);

  it('market buy by funds (FMZ price -1), unknown cancel, cancel-on-exit', async () => {
    const dir = tempDir('market');
    const h = await startServe({
      config: testConfig(dir, {
        listeners: {
          fmz: { port: 0 },
          dealer: { enabled: false },
          l3rpc: { enabled: false },
          http: { enabled: false },
        },
      }),
      print: () => undefined,
      cancelOnExit: true,
    });
    let closed = false;
    let restingId = '';
    try {
      const f = url(h, 'fmz');
      const gw = h.gateways[0];
      const price = await restingBid(f, 'BTC_USDT');
      await until(
        async () => {
          const t = await fmz(f, 'ticker', { symbol: 'BTC_USDT' });
          return Number((t.data as { sell?: string } | undefined)?.sell) > 0 ? true : undefined;
        },
        10_000,
        'an ask',
      );
      // 600 USDT of BTC at market: the port answers "market by funds not supported", FMZ retries by size,
      // the kernel reserves size × (ask + 10 %) from the api slot and the order fills.
      const buy = await fmz(f, 'trade', { symbol: 'BTC_USDT', type: 'buy', price: '-1', amount: '600' });
      expect(buy.error).toBeUndefined();
      const vid = (buy.data as { id: string }).id.split(',')[1];
      const o = await until(
        () => {
          const x = gw.kernel.snapshot().orders.find((y) => y.venueOrderId === vid);
          return x && x.state === 'filled' ? x : undefined;
        },
        10_000,
        'market buy filled',
      );
      expect(o.strategy).toBe('api');
      expect(o.filledSize).toBeGreaterThan(0);
      const btc = gw.kernel.snapshot().balances.BTC.find((r) => r.name === 'api');
      expect(Number(btc?.total)).toBeGreaterThan(10);

      const unknown = await fmz(f, 'cancel', { symbol: 'BTC_USDT', id: 'BTC-USDT,nosuchorder' });
      expect(unknown.error).toMatch(/DG_E_VENUE_UNKNOWN_ORDER/);

      const rest = await fmz(f, 'trade', { symbol: 'BTC_USDT', type: 'buy', price, amount: '0.001' });
      expect(rest.error).toBeUndefined();
      restingId = (rest.data as { id: string }).id.split(',')[1];
      await h.close();
      closed = true;
    } finally {
      if (!closed) await h.close();
    }
    // Restart: the order cancelled on exit is canceled in the kernel's view (replayed or queried).
    const again = await startServe({
      config: testConfig(dir, {
        listeners: {
          fmz: { enabled: false },
          dealer: { enabled: false },
          l3rpc: { enabled: false },
          http: { enabled: false },
        },
      }),
      print: () => undefined,
    });
    try {
      const g2 = again.gateways[0];
      const back = await until(
        () => {
          const x = g2.kernel.snapshot().orders.find((y) => y.venueOrderId === restingId);
          return x && x.state === 'canceled' ? x : undefined;
        },
        10_000,
        'cancelled on exit',
      );
      expect(back.strategy).toBe('api');
    } finally {
      await again.close();
    }
  }, 60_000);

  it('refuses a non-loopback host without a token, before listening', async () => {
    const dir = tempDir('insecure');
    const err = await startServe({ config: testConfig(dir, { host: '0.0.0.0' }), print: () => undefined }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(isDeskgateError(err) && err.code).toBe('DG_E_SERVE_INSECURE');
    expect((err as Error).message).toMatch(/0\.0\.0\.0.*token/);
    expect(existsSync(join(dir, 'sim.journal'))).toBe(false);
  });

  it('a sim market or deposit the engine cannot have is a config error naming the path', async () => {
    const dir = tempDir('badsim');
    const start = (venue: Record<string, unknown>) =>
      startServe({ config: testConfig(dir, { venues: [{ type: 'sim', ...venue }] }), print: () => undefined }).then(
        () => 'started',
        (e: unknown) => (e as Error).message,
      );
    expect(await start({ symbols: ['DOGE-USDT'] })).toMatch(/venues\.0\.symbols: /);
    expect(await start({ symbols: ['ETH-USDT'], deposits: { BTC: '1' } })).toMatch(
      /venues\.0\.deposits\.BTC: no configured market uses BTC/,
    );
  });

  it('a token from the environment guards FMZ and /metrics', async () => {
    const dir = tempDir('token');
    const h = await startServe({
      config: testConfig(dir, {
        token: { env: 'DG_TEST_TOKEN' },
        listeners: { fmz: { port: 0 }, dealer: { enabled: false }, l3rpc: { enabled: false }, http: { port: 0 } },
      }),
      env: { DG_TEST_TOKEN: 'tok-123456' },
      print: () => undefined,
    });
    try {
      const f = url(h, 'fmz');
      const refused = await fmz(f, 'ticker', { symbol: 'BTC_USDT' });
      expect(refused.error).toMatch(/DG_E_API_BAD_TOKEN/);
      const okay = await fmz(f, 'ticker', { symbol: 'BTC_USDT' }, undefined, { authorization: 'Bearer tok-123456' });
      expect(okay.error).toBeUndefined();
      expect((await fetch(url(h, 'metrics'))).status).toBe(401);
      const oversize = { authorization: `Bearer tok-123456${'x'.repeat(600)}` };
      expect((await fetch(url(h, 'metrics'), { headers: oversize })).status).toBe(401);
      expect((await fmz(f, 'ticker', { symbol: 'BTC_USDT' }, undefined, oversize)).error).toMatch(/DG_E_API_BAD_TOKEN/);
      expect((await fetch(url(h, 'metrics'), { headers: { authorization: 'Bearer tok-123456' } })).status).toBe(200);
    } finally {
      await h.close();
    }
  }, 30_000);
});
