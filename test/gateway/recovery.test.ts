/**
 * Recovery paths the crash test hits only by chance, made deterministic:
 * - a `place` journaled but never sent (killed between journal and venue): after the restart the
 *   order is asked about by client id, "not found" after the grace window ⇒ rejected, and its slot
 *   reservation is given back;
 * - a `place` journaled, sent and filled while the gateway was down: the query's totals become a
 *   catch-up fill settled into the strategy's slot;
 * - reconciliation runs on the injected timers every `reconcileIntervalMs`, not before.
 */
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { GatewayKernel } from '../../src/gateway/kernel.js';
import type { PlaceEntry } from '../../src/gateway/journal-entries.js';
import { ManualGatewayTimers } from '../../src/gateway/schedule.js';
import { Journal } from '../../src/store/journal.js';
import { SimVenue } from '../../src/venue/sim-venue/sim-venue.js';
import type { SimEngine } from '../../src/venue/sim/engine.js';
import { GW, TAKER, kernelTotals, makeEngine, removeTempDirs, tempDir, until, venueTotals } from './support.js';

afterAll(() => removeTempDirs());

const open: Array<() => Promise<void>> = [];
afterEach(async () => {
  while (open.length) await open.pop()!();
});

async function boot(engine: SimEngine, file: string, grace = 10_000) {
  const journal = new Journal({ file });
  const venue = new SimVenue({ engine, account: GW });
  const kernel = new GatewayKernel({
    name: 'gwrec',
    venue,
    journal,
    strategies: { mm: 2 },
    shmPath: false,
    settleMs: 5,
    notFoundGraceMs: grace,
    queryIntervalMs: 20,
  });
  const started = await kernel.start();
  if (!started.ok) throw started.error;
  const close = async () => {
    await kernel.stop();
    await venue.close();
    journal.close();
  };
  open.push(close);
  return { kernel, journal, close };
}

describe('gateway recovery', () => {
  it('journaled-but-never-sent order ⇒ not found after the grace ⇒ rejected, reservation returned', async () => {
    const engine = makeEngine();
    const file = join(tempDir('rec1'), 'journal.db');
    const a = await boot(engine, file, 100);
    await a.kernel.command('allocate', { strategy: 'mm', cmd: 'allocate', currency: 'USDT', amount: '1000', index: 2 });
    await a.close();
    open.pop();
    // What a kill between "journal the command" and "send it" leaves behind.
    const j = new Journal({ file });
    const ghost: PlaceEntry = {
      clientId: 'mm-1--77',
      strategy: 'mm',
      symbol: 'BTC/USDT',
      side: 0,
      type: 'limit',
      price: 590000,
      size: 100,
      reserve: { currency: 'USDT', amount: String(59_000_000_000n) },
    };
    j.append({ kind: 'cmd', type: 'place', payload: ghost });
    j.close();

    const b = await boot(engine, file, 100);
    // Replayed: reserved and in doubt (unknown), never resubmitted.
    await until(() => b.kernel.state.tracker.get('mm-1--77')?.state === 'rejected', 3000, 'rejected after grace');
    expect(engine.orderByClientOid(GW, 'mm-1--77')).toBeUndefined();
    expect(b.kernel.snapshot().balances.USDT[2]).toMatchObject({ total: '1000', free: '1000', frozen: '0' });
    expect(kernelTotals(b.kernel)).toEqual(venueTotals(engine, GW));
  });

  it('fills while the gateway was down become a catch-up fill in the strategy slot', async () => {
    const engine = makeEngine(undefined, { makerBps: 0, takerBps: 0 });
    const file = join(tempDir('rec2'), 'journal.db');
    const a = await boot(engine, file);
    await a.kernel.command('allocate', { strategy: 'mm', cmd: 'allocate', currency: 'BTC', amount: '0.5', index: 2 });
    const p = await a.kernel.command('place', {
      strategy: 'mm',
      instrument: 'BTC-USDT',
      side: 'sell',
      price: '61000',
      size: '0.1',
    });
    const cid = (p as { value: { clientId: string } }).value.clientId;
    await a.close();
    open.pop();
    // Down: the taker lifts 0.03 BTC of it in three trades at the maker's price.
    for (let i = 0; i < 3; i++)
      expect(
        engine.placeOrderText({ account: TAKER, symbol: 'BTC-USDT', side: 'buy', type: 'market', size: '0.01' }).ok,
      ).toBe(true);

    const b = await boot(engine, file);
    const v = b.kernel.state.tracker.get(cid)!;
    expect(v.state).toBe('partially-filled');
    expect(v.filledSize).toBe(3000);
    expect(b.kernel.state.counters.catchUpFills).toBe(1);
    const s = b.kernel.snapshot().balances;
    expect(s.BTC[2]).toMatchObject({ total: '0.47', frozen: '0.07' });
    expect(s.USDT[2]).toMatchObject({ total: '1830' });
    expect(kernelTotals(b.kernel)).toEqual(venueTotals(engine, GW));
    // Later fills on the feed count once.
    expect(
      engine.placeOrderText({ account: TAKER, symbol: 'BTC-USDT', side: 'buy', type: 'market', size: '0.02' }).ok,
    ).toBe(true);
    await until(() => b.kernel.state.tracker.get(cid)?.filledSize === 5000, 3000, 'feed fill');
    expect(b.kernel.snapshot().balances.BTC[2]).toMatchObject({ total: '0.45', frozen: '0.05' });
    await until(
      () => JSON.stringify(kernelTotals(b.kernel)) === JSON.stringify(venueTotals(engine, GW)),
      3000,
      'totals',
    );
  });

  it("holds the venue's frozen funds at first start until no foreign order is open", async () => {
    const engine = makeEngine();
    // An order placed on the account by something else before the gateway's first start.
    const foreign = engine.placeOrderText({
      account: GW,
      symbol: 'BTC-USDT',
      side: 'buy',
      type: 'limit',
      price: '50000',
      size: '0.1',
    });
    expect(foreign.ok).toBe(true);
    const a = await boot(engine, join(tempDir('rec5'), 'journal.db'));
    const main = () => a.kernel.snapshot().balances.USDT[1];
    expect(main()).toMatchObject({ total: '100000', free: '95000', frozen: '5000' });
    await a.kernel.reconcile();
    expect(main().frozen).toBe('5000'); // still open at the venue: still held
    if (foreign.ok) engine.cancelOrder(GW, foreign.order.orderId);
    await a.kernel.reconcile();
    expect(main()).toMatchObject({ total: '100000', free: '100000', frozen: '0' });
    expect(kernelTotals(a.kernel)).toEqual(venueTotals(engine, GW));
  });

  it('refuses to start on a damaged journal instead of replaying a cut-short history', async () => {
    const engine = makeEngine();
    const file = join(tempDir('rec4'), 'journal.db');
    const a = await boot(engine, file);
    await a.kernel.command('allocate', { strategy: 'mm', cmd: 'allocate', currency: 'USDT', amount: '10', index: 2 });
    await a.kernel.command('allocate', { strategy: 'mm', cmd: 'allocate', currency: 'USDT', amount: '20', index: 2 });
    await a.close();
    open.pop();
    const db = new Database(file);
    const row = db
      .prepare("SELECT seq FROM journal WHERE kind = 'cmd' AND type = 'allocate' ORDER BY seq LIMIT 1")
      .get() as { seq: number };
    db.prepare('UPDATE journal SET payload = ? WHERE seq = ?').run(
      '{"strategy":"mm","cmd":"allocate","currency":"USDT","amount":"99999","index":2}',
      row.seq,
    );
    db.close();
    const journal = new Journal({ file });
    const venue = new SimVenue({ engine, account: GW });
    const kernel = new GatewayKernel({ name: 'gwrec', venue, journal, shmPath: false, settleMs: 5 });
    const r = await kernel.start();
    expect(!r.ok && r.error.code).toBe('DG_E_JOURNAL_CORRUPT');
    expect(kernel.phase).toBe('stopped');
    await venue.close();
    journal.close();
  });

  it('reconciles on the injected timer every reconcileIntervalMs', async () => {
    const engine = makeEngine();
    const timers = new ManualGatewayTimers();
    const journal = new Journal({ file: join(tempDir('rec3'), 'journal.db') });
    const venue = new SimVenue({ engine, account: GW });
    const kernel = new GatewayKernel({
      name: 'gwtimer',
      venue,
      journal,
      strategies: { mm: 2 },
      shmPath: false,
      settleMs: 10,
      timers,
      reconcileIntervalMs: 60_000,
    });
    open.push(async () => {
      await kernel.stop();
      await venue.close();
      journal.close();
    });
    let done = false;
    const starting = kernel.start().then((r) => {
      done = true;
      return r;
    });
    while (!done) {
      timers.advance(10);
      await new Promise((r) => setTimeout(r, 1));
    }
    expect((await starting).ok).toBe(true);
    engine.depositText(GW, 'USDT', '7');
    const total = () => kernel.snapshot().balances.USDT[0].total;
    timers.advance(59_000);
    for (let i = 0; i < 20; i++) await new Promise((r) => setTimeout(r, 1));
    expect(total()).toBe('100000');
    timers.advance(1_000);
    for (let i = 0; i < 50 && total() === '100000'; i++) {
      timers.advance(10);
      await new Promise((r) => setTimeout(r, 1));
    }
    expect(total()).toBe('100007');
    expect(kernel.state.counters.corrected).toBe(1);
  });
});
