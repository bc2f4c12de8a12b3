/**
 * Test support for the algo service: a sim engine with seeded synthetic flow on a ManualClock, a
 * gateway kernel on the in-process SimVenue (real journal files), the "algo" strategy funded, and an
 * AlgoService on ManualGatewayTimers (rounds are driven with `runDue`, never by wall-clock time).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ManualClock } from '../../../src/core/clock.js';
import { createSimMarketData } from '../../../src/api/market-data-sim.js';
import { createVenuePort } from '../../../src/api/venue-port.js';
import type { GatewayPort } from '../../../src/api/gateway-port.js';
import { AlgoService, type OnRestart, type OpenReport } from '../../../src/algo/service/algo-service.js';
import { parentOf } from '../../../src/algo/service/child-sync.js';
import { GatewayKernel } from '../../../src/gateway/kernel.js';
import { ManualGatewayTimers } from '../../../src/gateway/schedule.js';
import { CLIENT_ID_PROFILES } from '../../../src/oms/client-order-id.js';
import type { OrderView } from '../../../src/oms/order-io.js';
import { Journal } from '../../../src/store/journal.js';
import { DEFAULT_MARKETS } from '../../../src/venue/sim/default-markets.js';
import { SimEngine } from '../../../src/venue/sim/engine.js';
import { SyntheticFlow } from '../../../src/venue/sim/flow/synthetic-flow.js';
import { SimVenue } from '../../../src/venue/sim-venue/sim-venue.js';

export const GW = 'gw';
/** An engine account outside the gateway that trades against it in tests. */
export const TAKER = 'taker';
export const T0 = Date.UTC(2026, 0, 5, 9, 0, 0);

const dirs: string[] = [];
export function tempDir(tag: string): string {
  const d = mkdtempSync(join(tmpdir(), `dg-algo-${tag}-`));
  dirs.push(d);
  return d;
}
export function removeTempDirs(): void {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
}

/** Let the SimVenue's deliveries (setImmediate) and the kernel's settle waits run. */
export async function settle(turns = 6): Promise<void> {
  for (let i = 0; i < turns; i++) await new Promise((r) => setImmediate(r));
}

export interface Market {
  readonly clock: ManualClock;
  readonly engine: SimEngine;
  readonly flow: SyntheticFlow;
  /** Advance the clock and the flow by `ms` (in flow steps). */
  advance(ms: number): void;
}

/** An engine with flow, warmed up for `warmMs` so the one-minute bars exist. */
export function makeMarket(seed = 11, warmMs = 32 * 60_000, ratePerSec = 30, markets = DEFAULT_MARKETS): Market {
  const clock = new ManualClock(T0);
  const engine = new SimEngine({
    markets,
    clock,
    seed,
    limits: { fillsPerAccount: 100_000, doneOrdersPerAccount: 100_000 },
  });
  engine.createAccount(GW, { makerBps: 10, takerBps: 10 });
  engine.depositText(GW, 'USDT', '200000');
  engine.depositText(GW, 'BTC', '5');
  engine.depositText(GW, 'ETH', '50');
  engine.createAccount(TAKER);
  engine.depositText(TAKER, 'USDT', '10000000');
  engine.depositText(TAKER, 'BTC', '1000');
  const flow = new SyntheticFlow(engine, {
    seed,
    ratePerSec,
    startMs: clock.now(),
    symbols: ['BTC-USDT'],
    setTime: (ms) => clock.set(Math.max(ms, clock.now())),
  });
  const advance = (ms: number): void => {
    const end = clock.now() + ms;
    flow.advanceTo(end);
    clock.set(Math.max(end, clock.now()));
  };
  advance(warmMs);
  return { clock, engine, flow, advance };
}

export interface Gateway {
  readonly kernel: GatewayKernel;
  readonly venue: SimVenue;
  readonly port: GatewayPort;
  readonly service: AlgoService;
  readonly timers: ManualGatewayTimers;
  readonly kernelJournal: Journal;
  readonly algoJournal: Journal;
  readonly opened: OpenReport;
  /** Orderly stop without cancelling anything (the parents resume at the next boot). */
  drop(): Promise<void>;
  /**
   * As abrupt as one process allows: the venue connection and the kernel's timers stop, nothing
   * else runs — the service is not closed, no journal is closed or flushed by us (closeLeftovers()).
   */
  crash(): Promise<void>;
}

export interface BootOptions {
  readonly onRestart?: OnRestart;
  /** Fund the algo slot (first start only). */
  readonly fund?: boolean;
}

export async function bootGateway(m: Market, dir: string, o: BootOptions = {}): Promise<Gateway> {
  const kernelJournal = new Journal({ file: join(dir, `${GW}.journal`), clock: m.clock });
  const venue = new SimVenue({ engine: m.engine, account: GW, id: GW, clock: m.clock });
  const kernel = new GatewayKernel({
    name: GW,
    venue,
    journal: kernelJournal,
    clock: m.clock,
    strategies: { algo: 2 },
    shmPath: false,
    settleMs: 2,
    lagMs: 50,
  });
  const started = await kernel.start();
  if (!started.ok) throw started.error;
  if (o.fund) {
    for (const [currency, amount] of [
      ['USDT', '100000'],
      ['BTC', '2'],
    ] as const) {
      const r = await kernel.command('allocate', { strategy: 'algo', cmd: 'allocate', currency, amount, index: 2 });
      if (!r.ok) throw r.error;
    }
  }
  const port = createVenuePort(venue, createSimMarketData({ engine: m.engine, account: GW }), { name: GW });
  const algoJournal = new Journal({ file: join(dir, `${GW}-algos.db`), clock: m.clock });
  const timers = new ManualGatewayTimers();
  const service = new AlgoService({
    kernel,
    port,
    journal: algoJournal,
    clock: m.clock,
    timers,
    clientIdProfile: CLIENT_ID_PROFILES.kucoin,
    ...(o.onRestart ? { onRestart: o.onRestart } : {}),
  });
  const opened = await service.open();
  if (!opened.ok) throw opened.error;
  let dropped = false;
  return {
    kernel,
    venue,
    port,
    service,
    timers,
    kernelJournal,
    algoJournal,
    opened: opened.value,
    async crash() {
      dropped = true;
      await kernel.stop();
      await venue.close();
      leftovers.push(algoJournal, kernelJournal);
    },
    async drop() {
      if (dropped) return;
      dropped = true;
      await service.close();
      await kernel.stop();
      await venue.close();
      algoJournal.close();
      kernelJournal.close();
    },
  };
}

const leftovers: Journal[] = [];
/** Close the journals crashed gateways left open (afterAll). */
export function closeLeftovers(): void {
  for (const j of leftovers.splice(0)) j.close();
}

/** Advance market time in steps, letting events settle and due rounds run after each. */
export async function run(m: Market, g: Gateway, ms: number, stepMs = 500, check?: () => void): Promise<void> {
  for (let t = 0; t < ms; t += stepMs) {
    m.advance(stepMs);
    await settle();
    await g.service.runDue();
    await settle();
    check?.();
  }
}

/** Tracker orders of the algo strategy carrying parent `id`. */
export function childrenOf(k: GatewayKernel, id: number): OrderView[] {
  const t = k.state.tracker;
  return [...t.openOrders('algo'), ...t.closedOrders('algo')].filter(
    (v) => parentOf(CLIENT_ID_PROFILES.kucoin, v.clientId) === id,
  );
}

/** Open orders of the gateway account at the venue (engine truth) with a parent field. */
export function venueOpenChildren(m: Market): string[] {
  return m.engine
    .activeOrders(GW)
    .map((o) => o.clientOid)
    .filter((c): c is string => typeof c === 'string' && parentOf(CLIENT_ID_PROFILES.kucoin, c) !== undefined);
}
