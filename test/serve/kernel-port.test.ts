/**
 * The kernel port's mapping, with a recording kernel double (the real kernel is exercised in
 * serve.test.ts): ticks/lots → exact decimal strings in the `place` payload, the market-buy cap, the
 * api strategy on every command, kernel codes passed through, an unknown outcome as DG_E_SERVE_IN_DOUBT.
 */
import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/core/clock.js';
import { dgError } from '../../src/core/errors.js';
import { createSimMarketData } from '../../src/api/market-data-sim.js';
import { createVenuePort } from '../../src/api/venue-port.js';
import type { CommandResult } from '../../src/bus/commands.js';
import { createKernelPort, type KernelLike } from '../../src/gateway/kernel-port.js';
import type { OrderState } from '../../src/oms/order-states.js';
import { DEFAULT_MARKETS } from '../../src/venue/sim/default-markets.js';
import { SimEngine } from '../../src/venue/sim/engine.js';
import { SimVenue } from '../../src/venue/sim-venue/sim-venue.js';

async function rig(reply: (cmd: string, raw: unknown) => CommandResult) {
  const clock = new ManualClock(1_700_000_000_000);
  const engine = new SimEngine({ markets: DEFAULT_MARKETS, clock, seed: 3 });
  engine.createAccount('mm');
  engine.depositText('mm', 'USDT', '1000000');
  engine.depositText('mm', 'BTC', '10');
  // One ask at 60000.0 so the market-buy cap has a price.
  expect(
    engine.placeOrderText({
      account: 'mm',
      symbol: 'BTC-USDT',
      side: 'sell',
      type: 'limit',
      price: '60000',
      size: '0.5',
    }).ok,
  ).toBe(true);
  engine.createAccount('gw');
  const venue = new SimVenue({ engine, account: 'gw', clock });
  expect((await venue.connect()).ok).toBe(true);
  const reads = createVenuePort(venue, createSimMarketData({ engine, account: 'gw' }));
  const calls: { cmd: string; raw: unknown }[] = [];
  const known = new Map<string, { clientId: string; strategy: string; state: OrderState }>([
    ['api-1-1--1', { clientId: 'api-1-1--1', strategy: 'api', state: 'open' }],
    ['api-1-1--2', { clientId: 'api-1-1--2', strategy: 'api', state: 'filled' }],
    ['api-1-1--3', { clientId: 'api-1-1--3', strategy: 'api', state: 'canceled' }],
  ]);
  const kernel: KernelLike = {
    command: async (cmd, raw) => {
      calls.push({ cmd, raw });
      return reply(cmd, raw);
    },
    state: {
      tracker: {
        get: (id) => known.get(id),
        getByVenueId: (v) => (v === 'V1' ? known.get('api-1-1--1') : undefined),
      },
    },
  };
  const port = createKernelPort({ kernel, reads });
  const inst = port.instrument('BTC-USDT');
  if (!inst) throw new Error('no BTC-USDT');
  return { port, inst, calls };
}

describe('kernel port', () => {
  it('place: decimal strings for the api strategy; ack from the kernel reply', async () => {
    const { port, inst, calls } = await rig(() => ({
      ok: true,
      value: { clientId: 'api-1-1--2', venueOrderId: 'V2' },
    }));
    const r = await port.placeOrder({
      clientOrderId: 'ignored',
      instrument: inst,
      side: 0,
      type: 'limit',
      price: 599_995,
      size: 123,
    });
    expect(r).toEqual({ ok: true, value: { clientOrderId: 'api-1-1--2', venueOrderId: 'V2' } });
    expect(calls).toEqual([
      {
        cmd: 'place',
        raw: { strategy: 'api', instrument: 'BTC/USDT', side: 'buy', type: 'limit', price: '59999.5', size: '0.00123' },
      },
    ]);
  });

  it('market buy: cap = best ask + 10 %, by funds: unsupported (FMZ retries by size)', async () => {
    const { port, inst, calls } = await rig(() => ({ ok: true, value: { clientId: 'c', venueOrderId: 'V3' } }));
    expect(
      (await port.placeOrder({ clientOrderId: 'x', instrument: inst, side: 0, type: 'market', size: 1000 })).ok,
    ).toBe(true);
    expect(calls[0].raw).toMatchObject({ type: 'market', side: 'buy', price: '66000', size: '0.01' });
    const f = await port.placeOrder({ clientOrderId: 'x', instrument: inst, side: 0, type: 'market', funds: '100' });
    expect(!f.ok && f.error.code).toBe('DG_E_VENUE_UNSUPPORTED');
    expect(!f.ok && f.error.message).toMatch(/market by funds not supported/);
    expect(calls).toHaveLength(1);
  });

  it('kernel codes pass through; unknown venue outcome is DG_E_SERVE_IN_DOUBT', async () => {
    let next: CommandResult = { ok: false, error: dgError('DG_E_LEDGER_INSUFFICIENT', 'USDT slot 2') };
    const { port, inst } = await rig(() => next);
    const req = {
      clientOrderId: 'x',
      instrument: inst,
      side: 1 as const,
      type: 'limit' as const,
      price: 700_000,
      size: 10,
    };
    const a = await port.placeOrder(req);
    expect(!a.ok && a.error.code).toBe('DG_E_LEDGER_INSUFFICIENT');
    next = { ok: true, value: { clientId: 'api-1-1--9', venueOrderId: null } };
    const b = await port.placeOrder(req);
    expect(!b.ok && b.error.code).toBe('DG_E_SERVE_IN_DOUBT');
    expect(!b.ok && b.error.message).toMatch(/api-1-1--9/);
  });

  it('cancel: by venue or client id through the kernel; unknown ids never reach it', async () => {
    const { port, inst, calls } = await rig(() => ({
      ok: true,
      value: { clientId: 'api-1-1--1', venueOrderId: 'V1' },
    }));
    expect(await port.cancelOrder(inst, { venueOrderId: 'V1' })).toEqual({
      ok: true,
      value: { clientOrderId: 'api-1-1--1', venueOrderId: 'V1' },
    });
    expect((await port.cancelOrder(inst, { clientOrderId: 'api-1-1--1' })).ok).toBe(true);
    const u = await port.cancelOrder(inst, { venueOrderId: 'nope' });
    expect(!u.ok && u.error.code).toBe('DG_E_VENUE_UNKNOWN_ORDER');
    // A finished order cannot be cancelled, as a venue would say; the kernel is not asked.
    for (const id of ['api-1-1--2', 'api-1-1--3']) {
      const d = await port.cancelOrder(inst, { clientOrderId: id });
      expect(!d.ok && d.error.code, id).toBe('DG_E_ILLEGAL_TRANSITION');
    }
    expect(calls.map((c) => c.raw)).toEqual([
      { strategy: 'api', clientId: 'api-1-1--1' },
      { strategy: 'api', clientId: 'api-1-1--1' },
    ]);
  });
});
