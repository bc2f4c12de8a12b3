/**
 * The kernel on the in-process SimVenue: commands, journal-before-apply, fills settled into the
 * strategy slot, bad commands refused with stable codes and an `err` entry, restart = replay to the
 * same state, reconciliation correcting an external transfer into main.
 */
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { GatewayKernel } from '../../src/gateway/kernel.js';
import { ShmBalanceReader } from '../../src/ledger/shm-reader.js';
import { Journal } from '../../src/store/journal.js';
import { SimVenue } from '../../src/venue/sim-venue/sim-venue.js';
import type { SimEngine } from '../../src/venue/sim/engine.js';
import { GW, TAKER, kernelTotals, makeEngine, removeTempDirs, tempDir, until, venueTotals } from './support.js';

afterAll(() => removeTempDirs());

const open: Array<() => Promise<void>> = [];
afterEach(async () => {
  while (open.length) await open.pop()!();
});

async function boot(engine: SimEngine, dir: string, extra: { reconcileIntervalMs?: number } = {}) {
  const journal = new Journal({ file: join(dir, 'journal.db') });
  const venue = new SimVenue({ engine, account: GW });
  const kernel = new GatewayKernel({
    name: 'gwtest',
    venue,
    journal,
    strategies: { mm: 2, grid: 3 },
    shmPath: join(dir, 'bal.shm'),
    settleMs: 5,
    lagMs: 50,
    ...extra,
  });
  const started = await kernel.start();
  if (!started.ok) throw started.error;
  const close = async () => {
    await kernel.stop();
    await venue.close();
    journal.close();
  };
  open.push(close);
  return { kernel, journal, venue, started: started.value, close, dir };
}

function errEntries(j: Journal) {
  return [...j.replay(0)].filter((e) => e.kind === 'err');
}

describe('gateway kernel on SimVenue', () => {
  it('allocates, places from the slot, settles fills into it, matches the venue, and replays to the same state', async () => {
    const engine = makeEngine();
    const dir = tempDir('kernel');
    const a = await boot(engine, dir);
    expect(a.started.fresh).toBe(true);
    expect(kernelTotals(a.kernel)).toEqual(venueTotals(engine, GW));

    const alloc = await a.kernel.command('allocate', {
      strategy: 'mm',
      cmd: 'allocate',
      currency: 'usdt',
      amount: '10000',
      index: 2,
    });
    expect(alloc.ok).toBe(true);
    const placed = await a.kernel.command('place', {
      strategy: 'mm',
      instrument: 'BTC-USDT',
      side: 'buy',
      price: '59000',
      size: '0.01',
    });
    expect(placed.ok).toBe(true);
    const cid = (placed as { value: { clientId: string } }).value.clientId;
    expect(cid.startsWith('mm-1-')).toBe(true);
    const usdt = () => a.kernel.snapshot().balances.USDT;
    expect(usdt()[2]).toMatchObject({ total: '10000', free: '9410', frozen: '590' });

    // The taker sells into the resting order twice: two fills at the maker's price.
    for (const size of ['0.004', '0.002']) {
      const r = engine.placeOrderText({ account: TAKER, symbol: 'BTC-USDT', side: 'sell', type: 'market', size });
      expect(r.ok).toBe(true);
    }
    await until(() => a.kernel.state.tracker.get(cid)?.filledSize === 600, 3000, 'fills');
    const btc = a.kernel.snapshot().balances.BTC;
    // Bought 0.006 BTC; the engine charges 10 bps maker fee in the received coin, rounded up.
    const fee = engine.fills(GW, 'BTC-USDT').reduce((s, f) => s + f.fee, 0);
    expect(btc[2].total).toBe(engine.formatAmount('BTC', 600_000 - fee));
    expect(usdt()[2]).toMatchObject({ total: '9646', frozen: '236' });
    await until(
      () => JSON.stringify(kernelTotals(a.kernel)) === JSON.stringify(venueTotals(engine, GW)),
      3000,
      'totals',
    );

    const cancel = await a.kernel.command('cancel', { strategy: 'mm', clientId: cid });
    expect(cancel.ok).toBe(true);
    await until(() => a.kernel.state.tracker.get(cid)?.state === 'canceled', 3000, 'cancel');
    expect(usdt()[2]).toMatchObject({ total: '9646', free: '9646', frozen: '0' });
    expect(kernelTotals(a.kernel)).toEqual(venueTotals(engine, GW));

    // The shm file carries the same slot (S4.1).
    await new Promise((r) => setImmediate(r));
    const reader = ShmBalanceReader.open(join(dir, 'bal.shm'));
    const cell = reader.balance('USDT', 2)!;
    reader.close();
    expect(cell.total).toBe(964_600_000_000n);

    const before = a.kernel.snapshot();
    await a.close();
    open.pop();

    const b = await boot(engine, dir);
    expect(b.started.fresh).toBe(false);
    expect(b.started.epoch).toBe(2);
    expect(b.started.replayErrors).toBe(0);
    const after = b.kernel.snapshot();
    expect(after.balances).toEqual(before.balances);
    expect(after.orders).toEqual(before.orders);
    const next = await b.kernel.command('place', {
      strategy: 'mm',
      instrument: 'BTC-USDT',
      side: 'buy',
      price: '58000',
      size: '0.001',
    });
    expect((next as { value: { clientId: string } }).value.clientId.startsWith('mm-2-')).toBe(true);

    // An algo child carries its parent number (base 36) in the third field of its client id.
    const child = await b.kernel.command('place', {
      strategy: 'mm',
      instrument: 'BTC-USDT',
      side: 'buy',
      price: '58000',
      size: '0.001',
      parent: 71,
    });
    expect(child.ok).toBe(true);
    const childId = (child as { value: { clientId: string } }).value.clientId;
    expect(childId).toMatch(/^mm-2-1z-[0-9a-z]+$/);
    const bad = await b.kernel.command('place', {
      strategy: 'mm',
      instrument: 'BTC-USDT',
      side: 'buy',
      price: '58000',
      size: '0.001',
      parent: -1,
    });
    expect(bad.ok).toBe(false);
    if (!bad.ok) expect(bad.error.code).toBe('DG_E_GATEWAY_BAD_COMMAND');
  });

  it('refuses bad commands with stable codes, an err entry, and no state change', async () => {
    const engine = makeEngine();
    const a = await boot(engine, tempDir('bad'));
    // The payload's `cmd` may be left out: the command name says it.
    expect((await a.kernel.command('allocate', { strategy: 'mm', currency: 'USDT', amount: 100, index: 2 })).ok).toBe(
      true,
    );
    const state = () => JSON.stringify(a.kernel.snapshot().balances) + JSON.stringify(a.kernel.snapshot().orders);
    const s0 = state();
    const e0 = errEntries(a.journal).length;
    const cases: Array<[string, unknown, string]> = [
      [
        'allocate',
        { strategy: 'mm', cmd: 'allocate', currency: 'USDT', amount: 'NaN', index: 2 },
        'DG_E_LEDGER_BAD_AMOUNT',
      ],
      [
        'allocate',
        { strategy: 'mm', cmd: 'allocate', currency: 'USDT', amount: 1e12, index: 2 },
        'DG_E_LEDGER_INSUFFICIENT',
      ],
      ['allocate', { strategy: 'mm', cmd: 'allocate', currency: 'USDT', amount: 5, index: 3 }, 'DG_E_LEDGER_BAD_SLOT'],
      [
        'release',
        { strategy: 'mm', cmd: 'release', currency: 'USDT', amount: '101', index: 2 },
        'DG_E_LEDGER_INSUFFICIENT',
      ],
      [
        'adjust',
        { strategy: 'mm', cmd: 'adjust', currency: 'USDT', delta: '-1e9', index: 0 },
        'DG_E_LEDGER_INSUFFICIENT',
      ],
      [
        'place',
        { strategy: 'mm', instrument: 'BTC-USDT', side: 'buy', price: '59000.05', size: '0.001' },
        'DG_E_OFF_GRID',
      ],
      [
        'place',
        { strategy: 'mm', instrument: 'BTC-USDT', side: 'buy', price: '59000', size: '1' },
        'DG_E_LEDGER_INSUFFICIENT',
      ],
      [
        'place',
        { strategy: 'zz', instrument: 'BTC-USDT', side: 'buy', price: '59000', size: '0.001' },
        'DG_E_GATEWAY_UNKNOWN_STRATEGY',
      ],
      [
        'place',
        { strategy: 'mm', instrument: 'DOGE-USDT', side: 'buy', price: '1', size: '1' },
        'DG_E_UNKNOWN_INSTRUMENT',
      ],
      [
        'place',
        { strategy: 'mm', instrument: 'BTC-USDT', side: 'up', price: '1', size: '1' },
        'DG_E_GATEWAY_BAD_COMMAND',
      ],
      ['place', { strategy: 'mm', instrument: 'BTC-USDT', side: 'buy', size: '0.001' }, 'DG_E_GATEWAY_BAD_COMMAND'],
      ['cancel', { strategy: 'mm', clientId: 'mm-1--99' }, 'DG_E_OMS_UNKNOWN_ORDER'],
      ['query', { what: 'nothing' }, 'DG_E_GATEWAY_BAD_COMMAND'],
      [
        'release',
        { strategy: 'mm', cmd: 'allocate', currency: 'USDT', amount: '1', index: 2 },
        'DG_E_GATEWAY_BAD_COMMAND',
      ],
      ['explode', {}, 'DG_E_BUS_UNKNOWN_COMMAND'],
    ];
    for (const [cmd, payload, code] of cases) {
      const r = await a.kernel.command(cmd, payload);
      expect(r.ok, `${cmd} ${JSON.stringify(payload)}`).toBe(false);
      if (!r.ok) expect(r.error.code, `${cmd} ${JSON.stringify(payload)}`).toBe(code);
    }
    expect(state()).toBe(s0);
    const errs = errEntries(a.journal).slice(e0);
    expect(errs.length).toBe(cases.length);
    expect(errs.map((e) => (e.payload as { code: string }).code)).toEqual(cases.map((c) => c[2]));

    // Another strategy's order cannot be cancelled by this one.
    await a.kernel.command('allocate', { strategy: 'grid', cmd: 'allocate', currency: 'BTC', amount: '0.5', index: 3 });
    const p = await a.kernel.command('place', {
      strategy: 'grid',
      instrument: 'BTC-USDT',
      side: 'sell',
      price: '61000',
      size: '0.01',
    });
    const cid = (p as { value: { clientId: string } }).value.clientId;
    const r = await a.kernel.command('cancel', { strategy: 'mm', clientId: cid });
    expect(!r.ok && r.error.code).toBe('DG_E_GATEWAY_NOT_OWNER');
    expect(a.kernel.state.tracker.get(cid)?.state).toBe('open');

    // Replay refuses exactly what the live process refused, and rebuilds the same state.
    const before = a.kernel.snapshot();
    await a.close();
    open.pop();
    const b = await boot(engine, a.dir);
    expect(b.started.replayErrors).toBe(0);
    expect(b.started.refusals).toBeGreaterThanOrEqual(5);
    expect(b.kernel.snapshot().balances).toEqual(before.balances);
    expect(b.kernel.snapshot().orders).toEqual(before.orders);
  });

  it('applies nothing it could not journal first', async () => {
    const engine = makeEngine();
    const a = await boot(engine, tempDir('nojournal'));
    await a.kernel.command('allocate', { strategy: 'mm', cmd: 'allocate', currency: 'USDT', amount: '100', index: 2 });
    const before = JSON.stringify(a.kernel.snapshot().balances);
    a.journal.close();
    const r = await a.kernel.command('allocate', {
      strategy: 'mm',
      cmd: 'allocate',
      currency: 'USDT',
      amount: '100',
      index: 2,
    });
    expect(!r.ok && r.error.code).toBe('DG_E_JOURNAL_CLOSED');
    const p = await a.kernel.command('place', {
      strategy: 'mm',
      instrument: 'BTC-USDT',
      side: 'buy',
      price: '59000',
      size: '0.001',
    });
    expect(!p.ok && p.error.code).toBe('DG_E_JOURNAL_CLOSED');
    expect(JSON.stringify(a.kernel.snapshot().balances)).toBe(before);
    expect(engine.activeOrders(GW)).toHaveLength(0);
  });

  it('reconciles: an external deposit is drift corrected into main, strategies untouched', async () => {
    const engine = makeEngine();
    const a = await boot(engine, tempDir('rec'));
    await a.kernel.command('allocate', { strategy: 'mm', cmd: 'allocate', currency: 'USDT', amount: '500', index: 2 });
    engine.depositText(GW, 'USDT', '123.45');
    const rec = await a.kernel.reconcile();
    expect(rec?.corrections).toEqual([{ currency: 'USDT', drift: '12345000000' }]);
    const u = a.kernel.snapshot().balances.USDT;
    expect(u[0].total).toBe('100123.45');
    expect(u[1].total).toBe('99623.45');
    expect(u[2].total).toBe('500');
    const again = await a.kernel.reconcile();
    expect(again?.corrections).toEqual([]);
  });
});
