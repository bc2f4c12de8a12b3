/**
 * `deskgate gateway`: run one gateway kernel (docs/gateway.md) and serve its commands on a bus.
 *
 *   deskgate gateway --name demo --journal var/demo.journal --bus redis            # embedded sim + flow
 *   deskgate gateway --name kc --venue ccxt --exchange kucoin --journal var/kc.journal --bus nats
 *     (credentials from DESKGATE_API_KEY / DESKGATE_API_SECRET / DESKGATE_API_PASSWORD; never printed)
 *
 * Strategies then send `register`, `allocate`, `place`, `cancel`, `query` to the gateway name
 * (src/bus/client.ts), and read balances from /dev/shm/deskgate-<name>.bal.
 */
import { Command, InvalidArgumentError } from 'commander';
import { systemClock } from '../core/clock.js';
import type { Bus } from '../bus/bus.js';
import { LocalHub } from '../bus/local-bus.js';
import { NatsBus } from '../bus/nats-bus.js';
import { RedisBus } from '../bus/redis-bus.js';
import { GatewayKernel } from '../gateway/kernel.js';
import { Journal } from '../store/journal.js';
import { CcxtVenue } from '../venue/ccxt/ccxt-venue.js';
import { defaultMarkets } from '../venue/sim/default-markets.js';
import { SimEngine } from '../venue/sim/engine.js';
import { RealtimeDriver } from '../venue/sim/flow/realtime-driver.js';
import { SyntheticFlow } from '../venue/sim/flow/synthetic-flow.js';
import { pointCcxtProKucoinAt } from '../venue/sim/server/ccxt-urls.js';
import { SimVenue } from '../venue/sim-venue/sim-venue.js';
import type { Venue } from '../venue/venue.js';

interface GatewayCliOpts {
  name: string;
  journal: string;
  venue: 'sim' | 'ccxt';
  exchange: string;
  url?: string;
  bus: 'local' | 'redis' | 'nats';
  strategies: string;
  reconcileMs: number;
  duration?: number;
  jetstream: boolean;
}

function positiveInt(name: string): (v: string) => number {
  return (v) => {
    const n = Number(v);
    if (!Number.isSafeInteger(n) || n <= 0) throw new InvalidArgumentError(`${name} must be a positive integer`);
    return n;
  };
}

function parseStrategies(text: string): Record<string, number> {
  const out: Record<string, number> = {};
  for (const part of text.split(',').filter((p) => p.trim() !== '')) {
    const [name, slot] = part.split(':');
    const n = Number(slot);
    if (!name || !Number.isSafeInteger(n) || n < 2)
      throw new InvalidArgumentError(`strategy ${part}: want name:slot (slot ≥ 2)`);
    out[name.trim()] = n;
  }
  return out;
}

async function makeVenue(opts: GatewayCliOpts): Promise<{ venue: Venue; stop: () => void }> {
  if (opts.venue === 'sim') {
    const markets = defaultMarkets();
    const engine = new SimEngine({ markets, clock: systemClock, seed: 1 });
    engine.createAccount('gateway');
    engine.depositText('gateway', 'USDT', '1000000');
    engine.depositText('gateway', 'BTC', '10');
    engine.depositText('gateway', 'ETH', '100');
    const flow = new SyntheticFlow(engine, { seed: 1, ratePerSec: 200, startMs: systemClock.now() });
    const driver = new RealtimeDriver(flow, { clock: systemClock });
    driver.start();
    return { venue: new SimVenue({ engine, account: 'gateway' }), stop: () => driver.stop() };
  }
  const key = process.env.DESKGATE_API_KEY;
  const secret = process.env.DESKGATE_API_SECRET;
  if (!key || !secret)
    throw new InvalidArgumentError(
      'set DESKGATE_API_KEY and DESKGATE_API_SECRET (and DESKGATE_API_PASSWORD for kucoin)',
    );
  const url = opts.url;
  const venue = await CcxtVenue.create({
    exchangeId: opts.exchange,
    credentials: {
      apiKey: key,
      secret,
      ...(process.env.DESKGATE_API_PASSWORD ? { password: process.env.DESKGATE_API_PASSWORD } : {}),
    },
    ...(url ? { configure: (ex) => pointCcxtProKucoinAt(ex as never, url) } : {}),
  });
  return { venue, stop: () => undefined };
}

export function registerGatewayCommand(program: Command): void {
  program
    .command('gateway')
    .description('run a gateway kernel (journal, orders, balances, shm) and serve its commands on a bus')
    .requiredOption('--name <name>', 'gateway name (bus name, /dev/shm/deskgate-<name>.bal)')
    .requiredOption('--journal <file>', 'SQLite journal file (created if missing; replayed on start)')
    .option('--venue <kind>', 'sim (embedded exchange with synthetic flow) or ccxt', 'sim')
    .option('--exchange <id>', 'ccxt.pro exchange id (venue ccxt)', 'kucoin')
    .option('--url <url>', 'REST base URL override for kucoin (e.g. a deskgate sim server)')
    .option('--bus <kind>', 'local, redis (127.0.0.1:6379) or nats (127.0.0.1:4222)', 'redis')
    .option('--no-jetstream', 'NATS: do not keep order/fill events in a JetStream stream')
    .option('--strategies <list>', 'strategies known at first start, name:slot,…', '')
    .option('--reconcile-ms <ms>', 'balance reconciliation period', positiveInt('reconcile-ms'), 60_000)
    .option('--duration <s>', 'stop after this many seconds (default: until Ctrl-C)', positiveInt('duration'))
    .action(async (opts: GatewayCliOpts) => {
      if (!['sim', 'ccxt'].includes(opts.venue)) throw new InvalidArgumentError('--venue must be sim or ccxt');
      if (!['local', 'redis', 'nats'].includes(opts.bus))
        throw new InvalidArgumentError('--bus must be local, redis or nats');
      const { venue, stop } = await makeVenue(opts);
      const journal = new Journal({ file: opts.journal });
      const bus: Bus =
        opts.bus === 'redis'
          ? await RedisBus.connect({ gateway: opts.name })
          : opts.bus === 'nats'
            ? await NatsBus.connect({ gateway: opts.name, jetstream: opts.jetstream })
            : new LocalHub().bus(opts.name);
      const kernel = new GatewayKernel({
        name: opts.name,
        venue,
        journal,
        buses: [bus],
        strategies: parseStrategies(opts.strategies),
        reconcileIntervalMs: opts.reconcileMs,
        log: (l) => process.stdout.write(`${l}\n`),
      });
      const started = await kernel.start();
      if (!started.ok) {
        process.stderr.write(`gateway: ${started.error.code} ${started.error.message}\n`);
        process.exitCode = 1;
        stop();
        await venue.close();
        journal.close();
        await bus.close();
        return;
      }
      const serving = await bus.serveCommands(kernel.handler);
      process.stdout.write(
        `gateway ${opts.name}: ${opts.bus} bus, shm ${kernel.shmPath ?? '-'}, journal ${opts.journal}, ` +
          `replayed ${started.value.replayed} entries, epoch ${started.value.epoch}\n`,
      );
      const timer = setInterval(() => {
        const c = kernel.snapshot().counters;
        process.stdout.write(
          `commands ${c.commands} refused ${c.refused} venue events ${c.venueEvents} fills ${c.fills} reconciles ${c.reconciles} drifts ${c.drifts}\n`,
        );
      }, 10_000);
      await new Promise<void>((resolve) => {
        const done = (): void => {
          process.off('SIGINT', done);
          process.off('SIGTERM', done);
          resolve();
        };
        process.on('SIGINT', done);
        process.on('SIGTERM', done);
        if (opts.duration !== undefined) setTimeout(done, opts.duration * 1000);
      });
      clearInterval(timer);
      await serving.close();
      await kernel.stop();
      stop();
      await venue.close();
      await bus.close();
      journal.close();
    });
}
