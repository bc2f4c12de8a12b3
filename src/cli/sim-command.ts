/**
 * `deskgate sim`: run the simulated exchange with seeded synthetic flow in real time and show a
 * one-line live status per market (rewritten in place on a TTY, periodic plain lines otherwise).
 * See docs/sim.md.
 */
import { Command, InvalidArgumentError } from 'commander';
import { systemClock } from '../core/clock.js';
import { SimEngine } from '../venue/sim/engine.js';
import { defaultMarkets } from '../venue/sim/default-markets.js';
import { SyntheticFlow } from '../venue/sim/flow/synthetic-flow.js';
import { RealtimeDriver } from '../venue/sim/flow/realtime-driver.js';
import { SimStatus, formatStatusLine } from '../venue/sim/flow/sim-status.js';

interface SimCliOpts {
  symbols: string;
  rate: number;
  seed: number;
  duration?: number;
  statusMs?: number;
}

function positive(name: string, integer: boolean): (v: string) => number {
  return (v) => {
    const n = Number(v);
    if (v.trim() === '' || !Number.isFinite(n) || n <= 0 || (integer && !Number.isSafeInteger(n))) {
      throw new InvalidArgumentError(`${name} must be a positive ${integer ? 'integer' : 'number'}`);
    }
    return n;
  };
}

export function registerSimCommand(program: Command): void {
  program
    .command('sim')
    .description('run the simulated exchange with seeded synthetic order flow in real time')
    .option(
      '--symbols <list>',
      'comma-separated markets (defaults in src/venue/sim/default-markets.ts)',
      'BTC-USDT,ETH-USDT',
    )
    .option('--rate <n>', 'target commands per second, all markets together', positive('rate', false), 2000)
    .option('--seed <n>', 'random seed', positive('seed', true), 1)
    .option('--duration <s>', 'stop after this many seconds (default: until Ctrl-C)', positive('duration', false))
    .option('--status-ms <ms>', 'status interval (default 500 on a TTY, 5000 otherwise)', positive('status-ms', true))
    .action(async (opts: SimCliOpts) => {
      const symbols = opts.symbols
        .split(',')
        .map((s) => s.trim())
        .filter((s) => s.length > 0);
      const markets = defaultMarkets(symbols);
      const clock = systemClock;
      const engine = new SimEngine({ markets, clock, seed: opts.seed });
      const flow = new SyntheticFlow(engine, {
        seed: opts.seed,
        ratePerSec: opts.rate / markets.length,
        startMs: clock.now(),
      });
      const driver = new RealtimeDriver(flow, { clock });
      const status = new SimStatus(
        engine,
        markets.map((m) => m.symbol),
        clock.now(),
      );
      const tty = process.stdout.isTTY === true;
      const every = opts.statusMs ?? (tty ? 500 : 5000);
      const started = clock.now();
      const print = (final: boolean): void => {
        const line = `[${((clock.now() - started) / 1000).toFixed(0)}s] ${formatStatusLine(status.sample(clock.now()))}`;
        if (!tty) process.stdout.write(`${line}\n`);
        else process.stdout.write(`\r${line}\x1b[K${final ? '\n' : ''}`);
      };
      driver.start();
      const timer = setInterval(() => print(false), every);
      await new Promise<void>((resolve) => {
        const stop = (): void => {
          process.off('SIGINT', stop);
          resolve();
        };
        process.on('SIGINT', stop);
        if (opts.duration !== undefined) setTimeout(stop, opts.duration * 1000);
      });
      driver.stop();
      clearInterval(timer);
      print(true);
      const cmds = flow.status().reduce((a, s) => a + s.commands, 0);
      const secs = Math.max(0.001, (clock.now() - started) / 1000);
      process.stdout.write(`commands ${cmds} (${Math.round(cmds / secs)}/s), catch-up lags ${driver.lagged}\n`);
    });
}
