/**
 * A ready-to-run FMZ plugin: the simulated exchange with seeded synthetic flow in real time, a
 * funded trader account behind a SimVenue, the port over both, and the FMZ server serving it at
 * `/sim` (plus any ccxt exchange by path). Point an FMZ docker's "General Protocol" exchange at
 * `http://127.0.0.1:6666/sim` (docs/fmz.md).
 *
 *   npx tsx src/api/fmz/sim-plugin.ts [--port 6666] [--host 127.0.0.1] [--token T] [--seed 1] [--no-ccxt]
 */
import { pathToFileURL } from 'node:url';
import { Command } from 'commander';
import type { Logger } from 'pino';
import { systemClock } from '../../core/clock.js';
import { DEFAULT_MARKETS } from '../../venue/sim/default-markets.js';
import { SimEngine } from '../../venue/sim/engine.js';
import { RealtimeDriver } from '../../venue/sim/flow/realtime-driver.js';
import { SyntheticFlow } from '../../venue/sim/flow/synthetic-flow.js';
import { SimVenue } from '../../venue/sim-venue/sim-venue.js';
import { createSimMarketData } from '../market-data-sim.js';
import { createVenuePort } from '../venue-port.js';
import { startFmzServer, type FmzServer } from './server.js';
import { startSimPassthrough } from './sim-passthrough.js';

export interface FmzSimPluginOptions {
  readonly host?: string;
  readonly port?: number;
  readonly authToken?: string;
  readonly seed?: number;
  /** Synthetic flow commands per second per market (default 20). */
  readonly ratePerSec?: number;
  /** Serve ccxt exchanges by path too (default true). */
  readonly ccxt?: boolean;
  /** `__api_…` on /sim through the sim's KuCoin-dialect server (default true). */
  readonly rawApi?: boolean;
  /** pino logger for the FMZ server, or false (default: pino info on stdout). */
  readonly logger?: Logger | false;
  /** Starting balances of the trader account. */
  readonly deposits?: Readonly<Record<string, string>>;
}

export interface FmzSimPlugin {
  readonly server: FmzServer;
  readonly engine: SimEngine;
  close(): Promise<void>;
}

export async function startFmzSimPlugin(opts: FmzSimPluginOptions = {}): Promise<FmzSimPlugin> {
  const clock = systemClock;
  const seed = opts.seed ?? 1;
  const engine = new SimEngine({ markets: DEFAULT_MARKETS, clock, seed });
  const flow = new SyntheticFlow(engine, { seed, ratePerSec: opts.ratePerSec ?? 20, startMs: clock.now() });
  const driver = new RealtimeDriver(flow, { clock });
  engine.createAccount('fmz');
  for (const [cur, amount] of Object.entries(opts.deposits ?? { USDT: '100000', BTC: '1', ETH: '20' })) {
    engine.depositText('fmz', cur, amount);
  }
  const venue = new SimVenue({ engine, account: 'fmz', clock });
  const up = await venue.connect();
  if (!up.ok) throw up.error;
  driver.start();
  const port = createVenuePort(venue, createSimMarketData({ engine, account: 'fmz' }));
  const raw = opts.rawApi === false ? undefined : await startSimPassthrough(engine, 'fmz');
  let server: FmzServer;
  try {
    server = await startFmzServer({
      ...(opts.host !== undefined ? { host: opts.host } : {}),
      ...(opts.port !== undefined ? { port: opts.port } : {}),
      ...(opts.authToken !== undefined ? { authToken: opts.authToken } : {}),
      gateways: [raw ? { port, passthrough: raw.passthrough } : port],
      ...(opts.logger !== undefined ? { logger: opts.logger } : {}),
      ccxt: opts.ccxt === false ? false : {},
    });
  } catch (e) {
    driver.stop();
    await raw?.close();
    await venue.close();
    throw e;
  }
  return {
    server,
    engine,
    async close() {
      driver.stop();
      await server.close();
      await raw?.close();
      await venue.close();
    },
  };
}

async function main(argv: readonly string[]): Promise<void> {
  const program = new Command('fmz-sim-plugin')
    .option('--host <host>', 'bind address (non-loopback needs --token)', '127.0.0.1')
    .option('--port <n>', 'port', '6666')
    .option('--token <t>', 'require Authorization: Bearer <t>')
    .option('--seed <n>', 'synthetic flow seed', '1')
    .option('--no-ccxt', 'serve /sim only');
  program.parse(argv as string[]);
  const o = program.opts<{ host: string; port: string; token?: string; seed: string; ccxt: boolean }>();
  const plugin = await startFmzSimPlugin({
    host: o.host,
    port: Number(o.port),
    seed: Number(o.seed),
    ccxt: o.ccxt,
    ...(o.token !== undefined ? { authToken: o.token } : {}),
  });
  process.stdout.write(`FMZ plugin on ${plugin.server.url}/sim (and /<ccxt id>)\n`);
  await new Promise<void>((resolve) => process.once('SIGINT', () => resolve()));
  await plugin.close();
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main(process.argv).catch((e: unknown) => {
    process.stderr.write(`${e instanceof Error ? e.message : String(e)}\n`);
    process.exitCode = 1;
  });
}
