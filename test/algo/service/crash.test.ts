/**
 * Algo restart under SIGKILL (issue #6 item 3: "after a restart an algo resumes … with no orphan
 * children"). The sim engine, its synthetic flow (real time) and its KuCoin-dialect server live in
 * this process, so the venue outlives the gateway. `deskgate serve --config` runs as a child process
 * on a ccxt kucoin venue pointed at that server, with the algo slot funded by `algos.allocate` and
 * the API strategy taking the rest of main (the default "all"): every restart tops the algo slot up
 * again from an empty main, which must not stop serve from starting.
 *
 * A progressive TWAP buy is started over REST; once a seeded share of it has filled, serve is killed
 * with SIGKILL (twice by default). While it is down a taker sells into the parent's resting children
 * at the venue. serve restarts on the same data dir, and the test checks:
 *   - the parent is back: same id, running or done, filled ≥ what the last view before the kill said;
 *   - its filled size equals the sum of its children's fills at the venue (engine fills of the
 *     account, attributed to the parent by the parent number in the client order id);
 *   - every child that rested at the venue when serve died is the restarted parent's again;
 *   - it completes (done: filled or expired) without exceeding its size, at the venue too;
 *   - every child the venue holds under its number is in its view, any other one closed and unfilled;
 *   - at the end no order of the account is open at the venue (no running parent is left to own one).
 * No assertion reads the wall clock: every wait is "until a condition holds", with generous limits.
 *
 * ALGO_CRASH_SEED (default 1), ALGO_CRASH_KILLS (default 2).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { parentOf } from '../../../src/algo/service/child-sync.js';
import type { AlgoView } from '../../../src/algo/service/status-view.js';
import { systemClock } from '../../../src/core/clock.js';
import { toUnits } from '../../../src/core/decimal.js';
import { CLIENT_ID_PROFILES } from '../../../src/oms/client-order-id.js';
import { DEFAULT_MARKETS } from '../../../src/venue/sim/default-markets.js';
import { SimEngine } from '../../../src/venue/sim/engine.js';
import { RealtimeDriver } from '../../../src/venue/sim/flow/realtime-driver.js';
import { SyntheticFlow } from '../../../src/venue/sim/flow/synthetic-flow.js';
import { Rng } from '../../../src/venue/sim/rng.js';
import { startSimServer } from '../../../src/venue/sim/server/index.js';
import { removeTempDirs, tempDir } from './support.js';

const ROOT = fileURLToPath(new URL('../../..', import.meta.url));
const SEED = Number(process.env.ALGO_CRASH_SEED ?? 1);
const KILLS = Number(process.env.ALGO_CRASH_KILLS ?? 2);
const ACCT = 'acct';
const TAKER = 'taker';
const SYMBOL = 'BTC-USDT';
const SIZE = '0.05';
const DURATION = '60s';
const KEY = { key: 'algo-crash-key', secret: 'algo-crash-secret', passphrase: 'algo-crash-pass', accountId: ACCT };
const PROFILE = CLIENT_ID_PROFILES.kucoin;

const spawned: ChildProcess[] = [];
afterAll(() => {
  for (const c of spawned) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  removeTempDirs();
});

interface Serve {
  readonly child: ChildProcess;
  readonly http: string;
  readonly exited: Promise<void>;
  output(): string;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Poll `fn` until it returns a value; the limit is a hang guard, not an assertion on time. */
async function until<T>(fn: () => Promise<T | undefined> | T | undefined, what: string, ms = 60_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (v !== undefined) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(50);
  }
}

async function launch(cfgFile: string): Promise<Serve> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', 'serve', '--config', cfgFile], {
    cwd: ROOT,
    env: process.env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  spawned.push(child);
  let out = '';
  child.stdout!.on('data', (b: Buffer) => (out += b.toString()));
  child.stderr!.on('data', (b: Buffer) => (out += b.toString()));
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  const http = await until(() => {
    if (child.exitCode !== null) throw new Error(`serve exited with ${child.exitCode}:\n${out}`);
    return /listen http\s+(\S+)/.exec(out)?.[1];
  }, 'the serve summary');
  // The summary shows the API root (…/v1); routes are addressed from the origin.
  return { child, http: new URL(http).origin, exited, output: () => out };
}

async function kill9(s: Serve): Promise<void> {
  s.child.kill('SIGKILL');
  await s.exited;
}

/** GET /v1/algos/:id; a 429 of the API's per-client limit is waited out, not a failure. */
async function view(s: Serve, id: number): Promise<AlgoView> {
  for (;;) {
    const r = await fetch(`${s.http}/v1/algos/${id}`);
    const body = (await r.json()) as AlgoView;
    if (r.status === 429) {
      await sleep(50);
      continue;
    }
    if (r.status !== 200) throw new Error(`GET /v1/algos/${id}: ${r.status} ${JSON.stringify(body)}`);
    return body;
  }
}

describe('algo service restart under SIGKILL (serve as a child process, ccxt kucoin venue)', () => {
  it(`progressive TWAP survives ${KILLS} kill -9: same parent, venue-true fills, done, no orphans`, async () => {
    const rng = new Rng(SEED);
    const engine = new SimEngine({
      markets: DEFAULT_MARKETS,
      clock: systemClock,
      seed: SEED,
      limits: { fillsPerAccount: 100_000, doneOrdersPerAccount: 100_000 },
    });
    engine.createAccount(ACCT, { makerBps: 10, takerBps: 10 });
    engine.depositText(ACCT, 'USDT', '100000');
    engine.depositText(ACCT, 'BTC', '2');
    engine.createAccount(TAKER);
    engine.depositText(TAKER, 'USDT', '10000000');
    engine.depositText(TAKER, 'BTC', '1000');
    const flow = new SyntheticFlow(engine, { seed: SEED, ratePerSec: 60, startMs: Date.now(), symbols: [SYMBOL] });
    const driver = new RealtimeDriver(flow, { clock: systemClock });
    driver.start();
    const srv = await startSimServer({ engine, apiKeys: [KEY] });
    await until(
      () => (engine.bestBid(SYMBOL) !== undefined && engine.bestAsk(SYMBOL) !== undefined ? true : undefined),
      'a two-sided book',
    );

    const dir = tempDir('crash');
    const cfgFile = join(dir, 'serve.json');
    writeFileSync(
      cfgFile,
      JSON.stringify({
        dataDir: join(dir, 'data'),
        venues: [
          {
            type: 'ccxt',
            name: 'kc',
            exchange: 'kucoin',
            url: srv.url,
            symbols: [SYMBOL],
            credentials: { apiKey: KEY.key, secret: KEY.secret, password: KEY.passphrase },
          },
        ],
        listeners: { fmz: { port: 0 }, dealer: { port: 0 }, l3rpc: { enabled: false }, http: { port: 0 } },
        logs: { stdout: true, level: 'info' },
        algos: { allocate: { USDT: '20000', BTC: '0.5' } },
      }),
    );

    const lot = engine.market(SYMBOL)!.instrument.size;
    const lotsOf = (text: string): number => toUnits(text, lot);
    const size = lotsOf(SIZE);
    /** Σ fills at the venue of orders whose client id carries parent `id` (the venue's truth). */
    const venueFilled = (id: number): number =>
      engine
        .fills(ACCT, SYMBOL, 1_000_000)
        .filter((f) => parentOf(PROFILE, engine.order(f.orderId)?.clientOid ?? '') === id)
        .reduce((s, f) => s + f.size, 0);
    const restingChildren = (id: number) =>
      engine.activeOrders(ACCT, SYMBOL).filter((o) => parentOf(PROFILE, o.clientOid ?? '') === id);

    let serve = await launch(cfgFile);
    const logs: string[] = [];
    try {
      const started = await fetch(`${serve.http}/v1/algos`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({
          symbol: SYMBOL,
          side: 'buy',
          size: SIZE,
          mode: 'progressive',
          duration: DURATION,
          seed: SEED,
          // Short rounds: many rounds (and kill points between them) in a one-minute parent.
          // spreadTicks 1: a probe rests at best bid + 1 tick whenever the spread allows, so a kill
          // often finds a child resting at the venue.
          params: {
            roundMinMs: 700,
            roundMaxMs: 1300,
            aheadMs: 5000,
            spreadTicks: 1,
            finishUp: { windowMs: 10_000 },
          },
        }),
      });
      const first = (await started.json()) as AlgoView;
      expect(started.status, JSON.stringify(first)).toBe(201);
      const id = first.id;
      expect(first.status).toBe('running');

      const figures: Record<string, unknown>[] = [];
      for (let k = 0; k < KILLS; k++) {
        // Kill once a seeded share of the parent has filled: band k of KILLS between 15 % and 75 %.
        const band = 0.6 / KILLS;
        const share = 0.15 + k * band + rng.next() * band * 0.8;
        const target = Math.max(1, Math.floor(size * share));
        let last = await until(
          async () => {
            const v = await view(serve, id);
            if (v.status !== 'running')
              throw new Error(`parent ${id} is ${v.status} (${v.reason}) before kill ${k + 1}`);
            return lotsOf(v.filled) >= target ? v : undefined;
          },
          `fill ${target} lots before kill ${k + 1}`,
        );
        // A seeded extra moment, so the kill does not land right after a status read; then, for a
        // while, wait for a child resting at the venue so the taker has something to hit while down.
        const extra = rng.int(0, 400);
        const t0 = Date.now();
        for (;;) {
          const v = await view(serve, id);
          if (v.status !== 'running') break;
          last = v;
          const waited = Date.now() - t0;
          if (waited >= extra && (restingChildren(id).length > 0 || waited >= extra + 3000)) break;
          await sleep(20);
        }
        const before = lotsOf(last.filled);
        await kill9(serve);
        logs.push(serve.output());

        // Down: the venue lives on; a taker sells into the parent's resting children.
        const resting = restingChildren(id);
        const venueAtKill = venueFilled(id);
        for (const o of resting) {
          // Sell through everything queued ahead of the child (better prices, then FIFO) and half of it.
          const bids = engine.l3Snapshot(SYMBOL).bids;
          const at = bids.findIndex((b) => b.orderId === o.orderId);
          if (at < 0) continue;
          const ahead = bids.slice(0, at).reduce((sum, b) => sum + b.size, 0);
          const hit = Math.max(1, Math.floor(o.remainSize / 2));
          const r = engine.placeOrder({
            account: TAKER,
            symbol: SYMBOL,
            side: 'sell',
            type: 'limit',
            price: o.price,
            size: ahead + hit,
            timeInForce: 'IOC',
          });
          expect(r.ok).toBe(true);
        }
        const venueDown = venueFilled(id);
        // The taker did reach the dead gateway's children: the restart has fills to catch up on.
        if (resting.length > 0) expect(venueDown).toBeGreaterThan(venueAtKill);

        serve = await launch(cfgFile);
        // Same parent, and it caught up with the venue: fills while down included.
        const back = await until(
          async () => {
            const v = await view(serve, id);
            return lotsOf(v.filled) === venueFilled(id) ? v : undefined;
          },
          `parent ${id} filled = venue fills after restart ${k + 1}`,
        );
        expect(back.id).toBe(id);
        expect(['running', 'done']).toContain(back.status);
        expect(lotsOf(back.filled)).toBeGreaterThanOrEqual(before);
        expect(lotsOf(back.filled)).toBeGreaterThanOrEqual(venueDown);
        expect(lotsOf(back.filled)).toBeLessThanOrEqual(size);
        // No orphan: every child that rested at the venue when serve died is the parent's again
        // (listed from its snapshot or adopted from the kernel's tracker).
        const ids = new Set(back.children.map((c) => c.clientId));
        for (const o of resting) expect(ids.has(o.clientOid ?? ''), `child ${o.clientOid}`).toBe(true);
        figures.push({
          kill: k + 1,
          target,
          before,
          restingAtKill: resting.length,
          filledWhileDown: venueDown - venueAtKill,
          after: lotsOf(back.filled),
        });
      }

      // Run to the end of the schedule.
      const end = await until(
        async () => {
          const v = await view(serve, id);
          return v.status === 'running' ? undefined : v;
        },
        `parent ${id} to finish`,
        120_000,
      );
      expect(end.status, `${end.status} (${end.reason})`).toBe('done');
      expect(end.openChildren).toBe(0);
      // No order of the account is left open at the venue: the only parent is done, the API strategy
      // placed nothing. (The service cancels a finished parent's children; the orphan sweep runs every 5 s.)
      await until(
        () => (engine.activeOrders(ACCT).length === 0 ? true : undefined),
        'no open order of the account at the venue',
      );
      const final = await view(serve, id);
      expect(lotsOf(final.filled)).toBe(venueFilled(id));
      expect(lotsOf(final.filled)).toBeLessThanOrEqual(size);
      expect(lotsOf(final.filled)).toBeGreaterThan(0);
      // Every child the venue knows under this parent is in the parent's view (nothing it forgot).
      const venueChildren = [...engine.activeOrders(ACCT), ...engine.doneOrders(ACCT, SYMBOL, 1_000_000)]
        .map((o) => o.clientOid ?? '')
        .filter((c) => parentOf(PROFILE, c) === id);
      const known = new Set(final.children.map((c) => c.clientId));
      expect(venueChildren.filter((c) => !known.has(c))).toEqual([]);
      // And the other way: a child the venue never held (a place it refused, a place lost with the
      // process) is closed and unfilled — refused places are not adopted as children at a restart.
      const phantom = final.children.filter((c) => !venueChildren.includes(c.clientId));
      for (const c of phantom)
        expect({ id: c.clientId, open: c.open, filled: c.filled }).toEqual({
          id: c.clientId,
          open: false,
          filled: '0',
        });

      process.stdout.write(
        `algo-crash figures ${JSON.stringify({
          seed: SEED,
          kills: figures,
          size,
          filled: lotsOf(final.filled),
          reason: final.reason,
          children: final.children.length,
          venueChildren: venueChildren.length,
          // Children the parent lists that the venue never took (e.g. a post-only probe it refused).
          notAtVenue: phantom.map((c) => c.tag),
          rounds: final.round,
        })}\n`,
      );
    } catch (e) {
      process.stderr.write(`serve output (all runs):\n${[...logs, serve.output()].join('\n---\n')}\n`);
      throw e;
    } finally {
      serve.child.kill('SIGTERM');
      await serve.exited;
      driver.stop();
      await srv.close();
    }
  }, 240_000);
});
