/**
 * One gateway per configured venue (docs/serve.md): the venue (sim with synthetic flow, or ccxt), its
 * market data, a journal under the data dir, the kernel, the API strategy funded per config, and the
 * kernel port every listener serves. Construction follows `deskgate gateway` (src/cli/gateway-command.ts).
 */
import { join } from 'node:path';
import type { Clock } from '../../core/clock.js';
import { parseSymbol } from '../../core/symbol.js';
import { dgError, type DeskgateError } from '../../core/errors.js';
import type { GatewayPort } from '../../api/gateway-port.js';
import { createCcxtMarketData } from '../../api/market-data-ccxt.js';
import { createLiveMarketData } from '../../api/market-data-live.js';
import { createSimMarketData } from '../../api/market-data-sim.js';
import { createVenuePort } from '../../api/venue-port.js';
import type { Bus, Subscription } from '../../bus/bus.js';
import { FIRST_STRATEGY_SLOT, MAIN_SLOT } from '../../ledger/sub-accounts.js';
import { Journal } from '../../store/journal.js';
import { CcxtVenue } from '../../venue/ccxt/ccxt-venue.js';
import { defaultMarkets } from '../../venue/sim/default-markets.js';
import { SimEngine } from '../../venue/sim/engine.js';
import { RealtimeDriver } from '../../venue/sim/flow/realtime-driver.js';
import { SyntheticFlow } from '../../venue/sim/flow/synthetic-flow.js';
import { pointCcxtProKucoinAt } from '../../venue/sim/server/ccxt-urls.js';
import { SimVenue } from '../../venue/sim-venue/sim-venue.js';
import type { Venue } from '../../venue/venue.js';
import {
  ALGO_SLOT,
  fundAlgoStrategy,
  startAlgoService,
  type AlgoServiceHandle,
} from '../../algo/service/serve-algos.js';
import type { AlgoService } from '../../algo/service/algo-service.js';
import { GatewayKernel, type StartReport } from '../kernel.js';
import { createKernelPort } from '../kernel-port.js';
import { resolveSecret, type ServeConfig, type VenueConfig } from './config.js';

/** Ledger slot of the API strategy (0 = account total, 1 = main, strategies from 2). */
export const API_SLOT = FIRST_STRATEGY_SLOT;

export interface Gateway {
  readonly name: string;
  readonly config: VenueConfig;
  readonly venue: Venue;
  readonly kernel: GatewayKernel;
  readonly journal: Journal;
  /** Reads straight from the venue (no kernel). */
  readonly reads: GatewayPort;
  /** The port listeners serve: reads from the venue, orders through the kernel. */
  readonly port: GatewayPort;
  /** The sim engine, for the sim venue (L3 feed of the RPC listener). */
  readonly engine: SimEngine | undefined;
  readonly started: StartReport;
  /** What was allocated to the API strategy at this start (currency → amount). */
  readonly allocated: Readonly<Record<string, string>>;
  /** The buses the kernel publishes on (config `bus`). */
  readonly buses: readonly Bus[];
  /** The gateway's execution-algorithm service (config `algos`; undefined when disabled). */
  readonly algos: AlgoService | undefined;
  /** What was allocated to the algo strategy at this start (currency → amount). */
  readonly algoAllocated: Readonly<Record<string, string>>;
  /** Stop flow, kernel (journal flushed), venue; close the journal. */
  close(opts?: { cancelOpen?: boolean }): Promise<void>;
}

export interface GatewayDeps {
  readonly config: ServeConfig;
  readonly clock: Clock;
  readonly buses: (name: string) => Promise<Bus[]>;
  readonly log: (obj: Record<string, unknown>, msg: string) => void;
  readonly env?: NodeJS.ProcessEnv;
}

/** Starting balances of an embedded sim account. */
export const SIM_DEPOSITS: Readonly<Record<string, string>> = { USDT: '1000000', BTC: '10', ETH: '100' };

interface BuiltVenue {
  venue: Venue;
  reads: GatewayPort;
  engine: SimEngine | undefined;
  stop: () => void;
}

async function buildVenue(v: VenueConfig, index: number, deps: GatewayDeps): Promise<BuiltVenue> {
  const { clock } = deps;
  if (v.type === 'sim') {
    const at = `venues.${index}`;
    let markets;
    try {
      markets = defaultMarkets(v.symbols);
    } catch (e) {
      throw dgError('DG_E_SERVE_CONFIG', `${at}.symbols: ${e instanceof Error ? e.message : String(e)}`);
    }
    const engine = new SimEngine({ markets, clock, seed: v.seed });
    engine.createAccount('gateway');
    const deposits = v.deposits ?? SIM_DEPOSITS;
    for (const [cur, amount] of Object.entries(deposits)) {
      if (!engine.currency(cur)) {
        if (v.deposits === undefined) continue; // a default currency no configured market uses
        throw dgError('DG_E_SERVE_CONFIG', `${at}.deposits.${cur}: no configured market uses ${cur}`);
      }
      try {
        engine.depositText('gateway', cur, amount);
      } catch (e) {
        throw dgError('DG_E_SERVE_CONFIG', `${at}.deposits.${cur}: ${e instanceof Error ? e.message : String(e)}`);
      }
    }
    const flow = new SyntheticFlow(engine, { seed: v.seed, ratePerSec: v.ratePerSec, startMs: clock.now() });
    const driver = new RealtimeDriver(flow, { clock });
    driver.start();
    const venue = new SimVenue({ engine, account: 'gateway', id: v.name, clock });
    const reads = createVenuePort(venue, createSimMarketData({ engine, account: 'gateway' }), { name: v.name });
    return { venue, reads, engine, stop: () => driver.stop() };
  }
  const at = `venues.${index}.credentials`;
  const env = deps.env ?? process.env;
  const password = v.credentials.password ? resolveSecret(v.credentials.password, `${at}.password`, env) : undefined;
  const credentials = {
    apiKey: resolveSecret(v.credentials.apiKey, `${at}.apiKey`, env),
    secret: resolveSecret(v.credentials.secret, `${at}.secret`, env),
    ...(password !== undefined ? { password } : {}),
  };
  const url = v.url;
  const venue = await CcxtVenue.create({
    exchangeId: v.exchange,
    credentials,
    ...(url ? { configure: (ex) => pointCcxtProKucoinAt(ex as never, url) } : {}),
  });
  // Tickers from the synced book + the venue's ticker push when it has one (no REST call per
  // request: a venue's public quota allows only a few tickers a second); every other read by REST.
  const rest = createCcxtMarketData({ exchange: venue.exchange, clock });
  const live =
    venue.exchange.has.watchTicker === true
      ? createLiveMarketData({ venue, exchange: venue.exchange, fallback: rest, clock })
      : undefined;
  const reads = createVenuePort(venue, live ?? rest, { name: v.name });
  return { venue, reads, engine: undefined, stop: () => live?.close() };
}

/** Free amount of the main slot per currency, from the kernel snapshot. */
function mainFree(kernel: GatewayKernel): Map<string, string> {
  const out = new Map<string, string>();
  for (const [cur, rows] of Object.entries(kernel.snapshot().balances)) {
    const main = rows.find((r) => r.index === MAIN_SLOT);
    if (main) out.set(cur, main.free);
  }
  return out;
}

function isZero(amount: string): boolean {
  return /^0*(\.0*)?$/.test(amount);
}

async function fundApiStrategy(
  kernel: GatewayKernel,
  cfg: ServeConfig['api'],
): Promise<{ ok: true; value: Record<string, string> } | { ok: false; error: DeskgateError }> {
  const free = mainFree(kernel);
  const wanted: [string, string][] =
    cfg.allocate === 'all' ? [...free.keys()].map((c) => [c, 'all']) : Object.entries(cfg.allocate);
  const done: Record<string, string> = {};
  for (const [cur, want] of wanted) {
    const amount = want === 'all' ? free.get(cur) : want;
    if (amount === undefined)
      return { ok: false, error: dgError('DG_E_SERVE_CONFIG', `api.allocate.${cur}: the account has no ${cur}`) };
    if (isZero(amount)) continue;
    const r = await kernel.command('allocate', {
      strategy: cfg.strategy,
      cmd: 'allocate',
      currency: cur,
      amount,
      index: API_SLOT,
    });
    if (!r.ok) return { ok: false, error: r.error };
    done[cur] = amount;
  }
  return { ok: true, value: done };
}

export async function startGateway(v: VenueConfig, index: number, deps: GatewayDeps): Promise<Gateway> {
  const { config, clock } = deps;
  const built = await buildVenue(v, index, deps);
  const journalFile = join(config.dataDir, `${v.name}.journal`);
  const journal = new Journal({ file: journalFile, clock });
  const buses = await deps.buses(v.name);
  const kernel = new GatewayKernel({
    name: v.name,
    venue: built.venue,
    journal,
    buses,
    clock,
    shmPath: false,
    strategies: {
      [config.api.strategy]: API_SLOT,
      ...(config.algos.enabled ? { [config.algos.strategy]: ALGO_SLOT } : {}),
    },
    reconcileIntervalMs: config.reconcileMs,
    // The kernel filters on unified symbols (BTC/USDT); the sim engine only has its configured markets.
    ...(v.type === 'ccxt' && v.symbols ? { symbols: v.symbols.map((s) => parseSymbol(s).unified) } : {}),
    log: (line) => deps.log({ gateway: v.name }, line),
  });
  const cleanup = async (): Promise<void> => {
    built.stop();
    await built.venue.close();
    journal.close();
    for (const b of buses) await b.close();
  };
  const started = await kernel.start();
  if (!started.ok) {
    await cleanup();
    throw started.error;
  }
  // The algo slot is funded first: the API strategy's default "all" would leave main empty.
  const algoFunded = config.algos.enabled
    ? await fundAlgoStrategy(kernel, config.algos)
    : { ok: true as const, value: {} };
  const funded = algoFunded.ok ? await fundApiStrategy(kernel, config.api) : algoFunded;
  if (!funded.ok) {
    await kernel.stop();
    await cleanup();
    throw funded.error;
  }
  let algos: AlgoServiceHandle | undefined;
  if (config.algos.enabled) {
    try {
      algos = await startAlgoService({
        gateway: v.name,
        dataDir: config.dataDir,
        kernel,
        port: built.reads,
        clock,
        cfg: config.algos,
        log: (line) => deps.log({ gateway: v.name }, line),
      });
    } catch (e) {
      await kernel.stop();
      await cleanup();
      throw e;
    }
  }
  // Strategies' commands over the configured bus (Redis list, NATS command queue and request/reply),
  // served once the kernel is live and the slots are funded.
  const serving: Subscription[] = [];
  try {
    for (const b of buses) serving.push(await b.serveCommands(kernel.handler));
  } catch (e) {
    for (const s of serving) await s.close();
    await algos?.close({ cancelAll: false });
    await kernel.stop();
    await cleanup();
    throw e;
  }
  const port = createKernelPort({ kernel, reads: built.reads, strategy: config.api.strategy, name: v.name });
  let closed = false;
  return {
    name: v.name,
    config: v,
    venue: built.venue,
    kernel,
    journal,
    reads: built.reads,
    port,
    engine: built.engine,
    started: started.value,
    allocated: funded.value,
    buses,
    algos: algos?.service,
    algoAllocated: algoFunded.ok ? algoFunded.value : {},
    async close(opts = {}) {
      if (closed) return;
      closed = true;
      if (opts.cancelOpen) {
        const open = await kernel.command('query', { what: 'orders', strategy: config.api.strategy });
        if (open.ok && Array.isArray(open.value)) {
          for (const o of open.value as { clientId?: unknown }[]) {
            if (typeof o.clientId === 'string') {
              const r = await kernel.command('cancel', { strategy: config.api.strategy, clientId: o.clientId });
              deps.log({ gateway: v.name, clientId: o.clientId, ok: r.ok }, 'cancel on exit');
            }
          }
        }
      }
      for (const s of serving) await s.close();
      await algos?.close({ cancelAll: opts.cancelOpen ?? false });
      built.stop();
      await kernel.stop();
      await built.venue.close();
      for (const b of buses) await b.close();
      journal.close();
    },
  };
}
