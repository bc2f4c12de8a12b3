/**
 * Ledger routes of the native API with the gateway kernel in the loop (kernelLedgerAccess): slots in
 * GET /v1/balances, allocate / release / adjust (S4.4 payloads) journaled and applied by the kernel,
 * refusals as problem JSON with the ledger's codes, balance pushes on the stream.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSimMarketData } from '../../src/api/market-data-sim.js';
import { createVenuePort } from '../../src/api/venue-port.js';
import { ledgerAnswer } from '../../src/api/http/responses.js';
import { kernelLedgerAccess } from '../../src/api/http/kernel-ledger-access.js';
import { startHttpApi, type HttpApi } from '../../src/api/http/server.js';
import { systemClock } from '../../src/core/clock.js';
import { ERRORS } from '../../src/core/errors.js';
import { fromUnits, toUnits } from '../../src/core/decimal.js';
import { GatewayKernel } from '../../src/gateway/kernel.js';
import { createKernelPort } from '../../src/gateway/kernel-port.js';
import { Journal } from '../../src/store/journal.js';
import { DEFAULT_MARKETS } from '../../src/venue/sim/default-markets.js';
import { SimEngine } from '../../src/venue/sim/engine.js';
import { SimVenue } from '../../src/venue/sim-venue/sim-venue.js';
import { call, StreamClient } from './http-support.js';

type Slot = { index: number; name: string; total: string; free: string; frozen: string };

let dir: string;
let journal: Journal;
let venue: SimVenue;
let kernel: GatewayKernel;
let api: HttpApi;
let engine: SimEngine;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'deskgate-http-ledger-'));
  engine = new SimEngine({ markets: DEFAULT_MARKETS, clock: systemClock, seed: 5 });
  engine.createAccount('gw');
  engine.depositText('gw', 'USDT', '50000');
  engine.depositText('gw', 'BTC', '1');
  journal = new Journal({ file: join(dir, 'journal.db') });
  venue = new SimVenue({ engine, account: 'gw' });
  kernel = new GatewayKernel({
    name: 'httpledger',
    venue,
    journal,
    strategies: { mm: 2 },
    shmPath: false,
    settleMs: 5,
  });
  const started = await kernel.start();
  if (!started.ok) throw started.error;
  const port = createVenuePort(venue, createSimMarketData({ engine, account: 'gw' }));
  api = await startHttpApi({
    port,
    ledger: kernelLedgerAccess(kernel),
    portNumber: 0,
    rateLimit: { ratePerSec: 10_000, burst: 10_000 },
  });
});
afterAll(async () => {
  await api?.close();
  await kernel?.stop();
  await venue?.close();
  journal?.close();
  rmSync(dir, { recursive: true, force: true });
});

async function slots(cur: string): Promise<Slot[]> {
  const b = await call<{ slots: Record<string, Slot[]> }>(api.url, 'GET', '/v1/balances');
  expect(b.status).toBe(200);
  return b.body.slots[cur];
}

describe('ledger routes over the gateway kernel', () => {
  it('balances show every slot; allocate, release and adjust move exact amounts', async () => {
    const h = await call(api.url, 'GET', '/v1/health');
    expect(h.body.ledger).toBe(true);
    const usdt0 = await slots('USDT');
    expect(usdt0[0]).toMatchObject({ index: 0, total: '50000' });
    expect(usdt0[1]).toMatchObject({ index: 1, name: 'main', total: '50000', free: '50000' });

    const ws = await StreamClient.open(api.url);
    ws.send({ op: 'subscribe', channel: 'balances' });
    const snap = await ws.next((m) => m.type === 'snapshot');
    expect((snap.data as { slots: Record<string, Slot[]> }).slots.USDT[1].total).toBe('50000');

    const a = await call(api.url, 'POST', '/v1/allocate', {
      strategy: 'mm',
      currency: 'USDT',
      amount: '1234.5',
      index: 2,
    });
    expect(a.status).toBe(200);
    expect(ledgerAnswer.safeParse(a.body).error).toBeUndefined();
    expect(a.body).toMatchObject({
      cmd: 'allocate',
      amount: '1234.5',
      slot: { total: '1234.5' },
      main: { total: '48765.5' },
    });
    expect((await slots('USDT'))[2]).toMatchObject({ name: 'mm', total: '1234.5', free: '1234.5' });
    const pushed = await ws.next((m) => m.type === 'update' && m.channel === 'balances');
    expect(pushed.seq).toBe(1);
    expect((pushed.data as { slots: Record<string, Slot[]> }).slots.USDT[2].total).toBe('1234.5');
    ws.close();

    const r = await call(api.url, 'POST', '/v1/release', {
      strategy: 'mm',
      cmd: 'release',
      currency: 'usdt',
      amount: 234.5,
      index: 2,
    });
    expect(r.status).toBe(200);
    expect((await slots('USDT'))[2].total).toBe('1000');

    const adj = await call(api.url, 'POST', '/v1/adjust', {
      strategy: 'mm',
      currency: 'USDT',
      delta: '-100',
      index: 0,
    });
    expect(adj.status).toBe(200);
    const after = await slots('USDT');
    expect(after[1].total).toBe('48900');
    expect(after[0].total).toBe('49900');
  });

  it('orders through the kernel port reserve from the strategy slot; the kernel names the client order id', async () => {
    const reads = createVenuePort(venue, createSimMarketData({ engine, account: 'gw' }));
    const kapi = await startHttpApi({
      port: createKernelPort({ kernel, reads, strategy: 'mm' }),
      ledger: kernelLedgerAccess(kernel),
      portNumber: 0,
    });
    try {
      const inst = reads.instrument('BTC-USDT')!;
      const price = fromUnits(toUnits('50000', inst.price), inst.price);
      const placed = await call(kapi.url, 'POST', '/v1/orders', {
        symbol: 'BTC-USDT',
        side: 'buy',
        price,
        size: '0.001',
      });
      expect(placed.status).toBe(201);
      const cid = placed.body.clientOrderId as string;
      expect(cid.startsWith('mm-')).toBe(true);
      const mm = (await slots('USDT'))[2];
      expect(mm.frozen).not.toBe('0');
      const o = await call(kapi.url, 'GET', `/v1/orders/${cid}?symbol=BTC-USDT`);
      expect(o.body).toMatchObject({ clientOrderId: cid, price, size: '0.001' });
      const big = await call(kapi.url, 'POST', '/v1/orders', { symbol: 'BTC-USDT', side: 'buy', price, size: '10' });
      expect(big.body.code).toBe('DG_E_LEDGER_INSUFFICIENT');
      expect((await call(kapi.url, 'DELETE', `/v1/orders/${cid}?symbol=BTC-USDT`)).status).toBe(200);
    } finally {
      await kapi.close();
    }
  });

  it('refusals: insufficient, unknown strategy, bad amount, wrong cmd, wrong types, extra fields', async () => {
    const post = (path: string, body: unknown) => call(api.url, 'POST', path, body);
    const expectCode = (a: { status: number; body: Record<string, unknown> }, code: keyof typeof ERRORS) => {
      expect(a.body.code).toBe(code);
      expect(a.status).toBe(ERRORS[code].status);
    };
    expectCode(
      await post('/v1/allocate', { strategy: 'mm', currency: 'USDT', amount: '9999999', index: 2 }),
      'DG_E_LEDGER_INSUFFICIENT',
    );
    expectCode(
      await post('/v1/release', { strategy: 'mm', currency: 'BTC', amount: '1', index: 2 }),
      'DG_E_LEDGER_INSUFFICIENT',
    );
    expectCode(
      await post('/v1/allocate', { strategy: 'ghost', currency: 'USDT', amount: '1', index: 3 }),
      'DG_E_LEDGER_UNKNOWN_STRATEGY',
    );
    expectCode(
      await post('/v1/allocate', { strategy: 'mm', currency: 'USDT', amount: '0.0000000000001', index: 2 }),
      'DG_E_LEDGER_BAD_AMOUNT',
    );
    expectCode(
      await post('/v1/allocate', { strategy: 'mm', currency: 'USDT', amount: '-5', index: 2 }),
      'DG_E_LEDGER_BAD_AMOUNT',
    );
    for (const bad of [
      { strategy: 'mm', cmd: 'release', currency: 'USDT', amount: '1', index: 2 },
      { strategy: 'mm', currency: 'USDT', amount: '1', index: '2' },
      { strategy: 'mm', currency: 'USDT', amount: 'lots', index: 2 },
      { strategy: 'mm', currency: 'USDT', amount: '1', index: 2, note: 'x' },
      { currency: 'USDT', amount: '1', index: 2 },
    ]) {
      expectCode(await post('/v1/allocate', bad), 'DG_E_API_BAD_REQUEST');
    }
    expectCode(await post('/v1/adjust', { strategy: 'mm', currency: 'USDT', index: 0 }), 'DG_E_API_BAD_REQUEST');
    expect((await slots('USDT'))[2].total).toBe('1000');
  });
});
