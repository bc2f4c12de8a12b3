/**
 * Crash test: the gateway (test/gateway/crash-gateway.ts, a separate process) trades through
 * CcxtVenue → the sim's KuCoin server, which lives here in the parent so the venue survives the
 * gateway's death. A taker account here crosses the gateway's resting orders until CRASH_FILLS
 * fills have happened; the gateway is killed with SIGKILL at seeded random points (fills keep
 * happening while it is down) and restarted on the same journal. At the end the gateway's
 * balances (every slot), strategy sub-accounts and order states must equal the venue's truth:
 * nothing lost, nothing counted twice.
 *
 * One extra kill lands while a restarted gateway is recovering (journal replayed, orders in doubt
 * being queried), so recovery itself is interrupted and recovered from.
 *
 * CRASH_FILLS (default 5000), CRASH_KILLS (default 3), CRASH_SEED (default 1).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { systemClock } from '../../src/core/clock.js';
import type { KernelSnapshot } from '../../src/gateway/kernel.js';
import { ShmBalanceReader } from '../../src/ledger/shm-reader.js';
import { Rng } from '../../src/venue/sim/rng.js';
import { startSimServer } from '../../src/venue/sim/server/index.js';
import { GW, TAKER, makeEngine, removeTempDirs, tempDir } from './support.js';

afterAll(() => removeTempDirs());

const FILLS = Number(process.env.CRASH_FILLS ?? 5000);
const KILLS = Number(process.env.CRASH_KILLS ?? 3);
const SEED = Number(process.env.CRASH_SEED ?? 1);
const KEY = { key: 'crash-key', secret: 'crash-secret', passphrase: 'crash-pass', accountId: GW };
const CHILD = join(fileURLToPath(new URL('.', import.meta.url)), 'crash-gateway.ts');

interface Report {
  readonly type: 'report';
  readonly snapshot: KernelSnapshot;
  readonly invariants: string;
}

const children: ChildProcess[] = [];
afterAll(() => {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
});

describe('gateway crash safety (kill -9, restart, replay, reconcile)', () => {
  it(`${FILLS} fills, ${KILLS} kills: balances, slots and orders equal the venue's truth`, async () => {
    const t0 = Date.now();
    // Real fees (the engine's 10 bps): KuCoin's stream has none, the kernel books them from REST fills.
    const engine = makeEngine(systemClock);
    const srv = await startSimServer({ engine, apiKeys: [KEY] });
    const dir = tempDir('crash');
    const rng = new Rng(SEED);
    let fills = 0;
    const off = engine.on((m) => {
      if (m.type === 'order' && m.account === GW && m.changeType === 'match') fills++;
    });

    const starts: unknown[] = [];
    let run = 0;
    let recoveryKills = 0;
    const launch = async (killInRecovery = false): Promise<ChildProcess> => {
      run++;
      const child = spawn(process.execPath, ['--import', 'tsx', CHILD], {
        stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
        env: {
          ...process.env,
          CRASH_URL: srv.url,
          CRASH_JOURNAL: join(dir, 'journal.db'),
          CRASH_SHM: join(dir, 'balances.shm'),
          CRASH_KEY: KEY.key,
          CRASH_SECRET: KEY.secret,
          CRASH_PASS: KEY.passphrase,
          CRASH_SEED: String(SEED),
          CRASH_RUN: String(run),
        },
      });
      children.push(child);
      await new Promise<void>((resolve, reject) => {
        child.once('exit', (code) => reject(new Error(`gateway exited with ${code} before ready`)));
        let doomed = false;
        child.on('message', (m: { type?: string; start?: unknown; step?: string }) => {
          if (doomed) return;
          if (killInRecovery && m.type === 'step' && m.step === 'replayed') {
            doomed = true;
            // Interrupt the recovery itself: its `disconnect` is journaled, queries are under way.
            child.removeAllListeners('exit');
            child.kill('SIGKILL');
            recoveryKills++;
            child.once('exit', () => resolve());
            return;
          }
          if (m.type === 'ready') {
            starts.push(m.start);
            child.removeAllListeners('exit');
            resolve();
          }
        });
      });
      return child;
    };

    // Kill points: one in each of KILLS equal bands of the run, at a seeded position.
    const kills: number[] = [];
    for (let k = 0; k < KILLS; k++) {
      const band = (0.8 * FILLS) / KILLS;
      kills.push(Math.floor(0.1 * FILLS + k * band + rng.next() * band * 0.8));
    }
    let child = await launch();
    let killed = 0;
    const downtimes: number[] = [];
    while (fills < FILLS) {
      if (killed < kills.length && fills >= kills[killed]) {
        child.kill('SIGKILL');
        await new Promise((r) => child.once('exit', r));
        killed++;
        const down = 200 + rng.int(0, 600);
        const until = Date.now() + down;
        // The venue lives on: the taker keeps trading against the dead gateway's orders.
        while (Date.now() < until) {
          hit();
          await new Promise((r) => setTimeout(r, 4));
        }
        downtimes.push(down);
        if (killed === 1) await launch(true);
        child = await launch();
        continue;
      }
      hit();
      await new Promise((r) => setTimeout(r, 2));
    }
    off();

    function hit(): void {
      const resting = engine.activeOrders(GW, 'BTC-USDT');
      if (resting.length === 0) return;
      const o = resting[rng.int(0, resting.length - 1)];
      const size = Math.min(o.remainSize, rng.int(1, 6));
      engine.placeOrder({
        account: TAKER,
        symbol: 'BTC-USDT',
        side: o.side === 'buy' ? 'sell' : 'buy',
        type: 'limit',
        price: o.price,
        size,
        timeInForce: 'IOC',
      });
    }

    const report = await new Promise<Report>((resolve) => {
      child.on('message', (m: Report) => {
        if (m.type === 'report') resolve(m);
      });
      child.send({ type: 'report' });
    });
    const shm = ShmBalanceReader.open(join(dir, 'balances.shm'));
    const shmSnap = shm.read();
    shm.close();
    child.kill('SIGTERM');
    await srv.close();

    const snap = report.snapshot;
    expect(report.invariants).toBe('ok');
    // Every restart rebuilt its state from the journal with no divergence from the live run.
    expect(starts).toHaveLength(KILLS + 1);
    expect(recoveryKills).toBe(KILLS > 0 ? 1 : 0);
    for (const s of starts) expect((s as { replayErrors: number }).replayErrors).toBe(0);

    // 1. Account balances (slot 0) = the venue's, free and frozen.
    for (const b of engine.balances(GW)) {
      const row = snap.balances[b.currency]?.[0];
      expect(row, b.currency).toBeDefined();
      expect({ c: b.currency, total: row!.total, free: row!.free, frozen: row!.frozen }).toEqual({
        c: b.currency,
        total: engine.formatAmount(b.currency, b.total),
        free: engine.formatAmount(b.currency, b.available),
        frozen: engine.formatAmount(b.currency, b.hold),
      });
    }

    // 2. Strategy slots = allocation ± every venue fill of that strategy's orders, less its fee (truth
    //    from the engine).
    const alloc: Record<string, bigint> = { USDT: 20000n * 10n ** 8n, BTC: 4n * 10n ** 7n };
    const truth = new Map<string, bigint>();
    for (const s of ['mm', 'grid']) for (const c of ['USDT', 'BTC']) truth.set(`${s}/${c}`, alloc[c]);
    const venueFills = engine.fills(GW, 'BTC-USDT', 1_000_000);
    for (const f of venueFills) {
      const o = engine.order(f.orderId);
      const strategy = o?.clientOid?.split('-')[0] ?? '?';
      const buy = f.side === 'buy';
      const base = BigInt(f.size) * 1000n; // 1 lot = 0.00001 BTC = 1000 units at 8 decimals
      truth.set(`${strategy}/BTC`, (truth.get(`${strategy}/BTC`) ?? 0n) + (buy ? base : -base));
      truth.set(`${strategy}/USDT`, (truth.get(`${strategy}/USDT`) ?? 0n) + (buy ? -BigInt(f.funds) : BigInt(f.funds)));
      const feeKey = `${strategy}/${f.feeCurrency}`;
      truth.set(feeKey, (truth.get(feeKey) ?? 0n) - BigInt(f.fee));
    }
    expect(venueFills.length).toBeGreaterThanOrEqual(FILLS);
    expect(venueFills.every((f) => f.fee > 0)).toBe(true);
    // Every fee reached its slot through the journal: no reconciliation (every 2 s, over all runs)
    // ever booked one as drift into main.
    expect(snap.counters.corrected).toBe(0);
    for (const [key, units] of truth) {
      const [s, c] = key.split('/');
      const slot = s === 'mm' ? 2 : 3;
      expect({ key, total: snap.balances[c][slot].total }).toEqual({
        key,
        total: engine.formatAmount(c, Number(units)),
      });
      // The shm file (what other processes read) agrees with the kernel.
      const cell = shmSnap.rows.find((r) => r.currency === c)!.cells[slot];
      expect(cell.total).toBe(units);
    }

    // 3. Every order: same state and fills as the venue; no venue order of ours unknown to the gateway.
    const mine = new Map(snap.orders.map((o) => [o.clientId, o]));
    const venueOrders = [...engine.activeOrders(GW), ...engine.doneOrders(GW, undefined, 1_000_000)];
    for (const vo of venueOrders) {
      const o = mine.get(vo.clientOid ?? '');
      expect(o, `venue order ${vo.clientOid}`).toBeDefined();
      const want =
        vo.status === 'open'
          ? vo.filledSize > 0
            ? 'partially-filled'
            : 'open'
          : vo.doneReason === 'filled'
            ? 'filled'
            : 'canceled';
      expect({ id: vo.clientOid, state: o!.state, filled: o!.filledSize }).toEqual({
        id: vo.clientOid,
        state: want,
        filled: vo.filledSize,
      });
    }
    for (const o of snap.orders) {
      if (!engine.orderByClientOid(GW, o.clientId))
        expect({ id: o.clientId, state: o.state }).toEqual({ id: o.clientId, state: 'rejected' });
    }

    const secs = (Date.now() - t0) / 1000;
    const figures = {
      fills: venueFills.length,
      kills: killed,
      recoveryKills,
      orders: venueOrders.length,
      catchUpFills: snap.counters.catchUpFills,
      settledFills: snap.counters.fills,
      restFees: snap.counters.restFees,
      feeAsks: snap.counters.feeAsks,
      driftCorrections: snap.counters.corrected,
      lastReplay: starts[starts.length - 1],
      downtimesMs: downtimes,
      seconds: secs,
    };
    process.stdout.write(`crash-test figures ${JSON.stringify(figures)}\n`);
    expect(killed).toBe(KILLS);
  }, 180_000);
});
